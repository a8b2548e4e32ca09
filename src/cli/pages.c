/*
 * pages.c - the two pages: `stale run --html` (per file, the herd-style
 * result and a picture of each aliasing-only outcome) and the FUSE
 * verdict table of `stale fuse --html` (its witnesses: fusetable.c).
 */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "run.h"

/* ---- the FUSE table ---------------------------------------------------- */

struct verdict_look {
	const char *verdict, *why;
	const char *cls;
	char mark;
};

static const struct verdict_look looks[] = {
	{ "safe", NULL, "v-safe", '.' },
	{ "n/a", NULL, "v-na", ' ' },
	{ "unknown", NULL, "v-unknown", '?' },
	{ "unsafe", "deadlock", "v-deadlock", 'D' },
	{ "unsafe", "stale read", "v-stale", 'S' },
	{ "unsafe", "lost write", "v-lost", 'L' },
	{ "unsafe", "fault", "v-fault", 'F' },
};

static const struct verdict_look *look(const struct html_cell *c)
{
	size_t i;

	for (i = 0; i < sizeof(looks) / sizeof(looks[0]); i++)
		if (strcmp(looks[i].verdict, c->verdict) == 0 &&
		    (looks[i].why == NULL || strcmp(looks[i].why, c->why) == 0))
			return &looks[i];
	return &looks[2];
}

int html_cell_unsafe(const struct html_cell *c)
{
	return strcmp(c->verdict, "unsafe") == 0;
}

void html_cell_name(char *buf, size_t n, const struct html_cell *c)
{
	snprintf(buf, n, "%s/%s/%s/%s/%s", c->strategy, c->kernel, c->profile,
		 c->mode, c->scenario);
}

static int same_block(const struct html_cell *a, const struct html_cell *b)
{
	return strcmp(a->strategy, b->strategy) == 0 &&
	       strcmp(a->kernel, b->kernel) == 0;
}

/* The header rows: each mode over its scenarios. */
static void table_head(FILE *f, const struct html_cell *c, int ncols)
{
	int k, span;

	fputs("<table class=\"verdicts\">\n<tr><th rowspan=\"2\">profile</th>",
	      f);
	for (k = 0; k < ncols; k += span) {
		for (span = 1; k + span < ncols &&
		     strcmp(c[k + span].mode, c[k].mode) == 0; span++)
			;
		fprintf(f, "<th colspan=\"%d\" class=\"mode\">", span);
		html_esc(f, c[k].mode);
		fputs("</th>", f);
	}
	fputs("</tr>\n<tr>", f);
	for (k = 0; k < ncols; k++) {
		fputs("<th class=\"scen\">", f);
		html_esc(f, c[k].scenario);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
}

static void table_cell(FILE *f, const struct html_cell *c, int mode_start)
{
	const struct verdict_look *v = look(c);
	char name[512], id[600];

	html_cell_name(name, sizeof(name), c);
	html_id(id, sizeof(id), "c-", name);
	fprintf(f, "<td class=\"%s%s\" id=\"%s\" data-verdict=\"", v->cls,
		mode_start ? " mode-start" : "", id);
	html_esc(f, strcmp(c->verdict, "unsafe") == 0 ? c->why : c->verdict);
	fputs("\" title=\"", f);
	html_esc(f, name);
	fputs(": ", f);
	html_esc(f, strcmp(c->verdict, "unsafe") == 0 ? c->why : c->verdict);
	fputs("\">", f);
	if (html_cell_unsafe(c)) {
		html_id(id, sizeof(id), "w-", name);
		fprintf(f, "<a href=\"#%s\">%c</a>", id, v->mark);
	} else {
		fputc(v->mark == ' ' ? '-' : v->mark, f);
	}
	fputs("</td>", f);
}

static void block(FILE *f, const struct html_cell *c, int n)
{
	char name[300], id[320];
	int ncols, k;

	for (ncols = 1; ncols < n &&
	     strcmp(c[ncols].profile, c[0].profile) == 0; ncols++)
		;
	snprintf(name, sizeof(name), "%s/%s", c->strategy, c->kernel);
	html_id(id, sizeof(id), "claim-", name);
	fprintf(f, "<section class=\"claim\" id=\"%s\">\n<h2>", id);
	html_esc(f, c->strategy);
	fputs(" under ", f);
	html_esc(f, c->kernel);
	fputs("</h2>\n<p>Settles: ", f);
	html_esc(f, c->claim);
	fputs("</p>\n", f);
	table_head(f, c, ncols);
	for (k = 0; k < n; k++) {
		if (k % ncols == 0) {
			fputs(k ? "</tr>\n<tr><th class=\"prof\">" :
			      "<tr><th class=\"prof\">", f);
			html_esc(f, c[k].profile);
			fputs("</th>", f);
		}
		table_cell(f, &c[k], k % ncols == 0 ||
			   strcmp(c[k].mode, c[k - 1].mode) != 0);
	}
	fputs("</tr>\n</table>\n</section>\n", f);
}

void html_fuse_table(FILE *f, const struct html_cell *c, int n)
{
	int k, start = 0;

	for (k = 1; k <= n; k++)
		if (k == n || !same_block(&c[k], &c[start])) {
			block(f, c + start, k - start);
			start = k;
		}
}

/* ---- stale run --html -------------------------------------------------- */

static void file_section(FILE *f, const char *path, const char *herd,
			 const char *figs, int status)
{
	char id[600];

	html_id(id, sizeof(id), "f-", path);
	fprintf(f, "<section class=\"file\" id=\"%s\">\n<h2>", id);
	html_esc(f, path);
	fputs("</h2>\n", f);
	if (status == 2)
		fputs("<p>This file could not be checked: see the message on "
		      "standard error.</p>\n", f);
	fputs("<pre class=\"herd\">", f);
	html_esc(f, herd);
	fputs("</pre>\n", f);
	fputs(figs, f);
	fputs("</section>\n", f);
}

int html_run_page(const char *out, char *const *files, int n,
		  struct run_opts *o)
{
	FILE *f = fopen(out, "w");
	int i, status = 0, pictures = o->witness;

	if (f == NULL) {
		fprintf(stderr, "command line:1:1: cannot write %s\n", out);
		return 2;
	}
	html_begin(f, "stale run", "Each file: the result as `stale run` "
		   "prints it, then a picture of the execution behind each "
		   "outcome that only the caches make possible (the "
		   "aliasing-only outcomes).", 0);
	o->witness = 0;
	for (i = 0; i < n; i++) {
		char *herd = NULL, *figs = NULL, id[600];
		size_t hl = 0, fl = 0;
		FILE *hm = open_memstream(&herd, &hl);
		FILE *fm = open_memstream(&figs, &fl);
		struct verdict v;
		int s;

		if (hm == NULL || fm == NULL)
			abort();
		html_id(id, sizeof(id), "w-", files[i]);
		o->html = pictures ? fm : NULL;
		o->html_id = id;
		s = run_file(files[i], o, hm, &v);
		if (s > status)
			status = s;
		fclose(hm);
		fclose(fm);
		fputs(herd ? herd : "", stdout);
		file_section(f, files[i], herd ? herd : "", figs ? figs : "",
			     s);
		free(herd);
		free(figs);
	}
	o->html = NULL;
	o->html_id = NULL;
	o->witness = pictures;
	html_end(f);
	if (fclose(f) != 0) {
		fprintf(stderr, "command line:1:1: cannot write %s\n", out);
		return 2;
	}
	return status;
}
