/*
 * svg_timeline.c - a witness drawn as a timeline (time runs left to
 * right, one column per step, column 0 the start).
 *
 * On top one lane per thread: a box where it runs, shaded by user or
 * kernel mode, a dashed line where a CPU switches thread.  Below, for
 * each physical line the scenario touched: one row per copy (each CPU's
 * cache line for each alias) and one for memory, with bars while the copy
 * exists (clean or dirty, labelled with the words it holds), arrows for
 * fills (up from memory) and write-backs (down to memory), a cross where
 * a copy leaves the cache, a circle for a load and a square for a store.
 * The step that went wrong is banded red; the copy it used is outlined,
 * and the copy holding the value it should have seen is dashed.
 */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "story.h"

/* The shown words of a copy (or memory, l == NULL) after step k. */
static void words_of(const struct story *st, int k, int li,
		     const struct cline *l, char *buf, size_t n)
{
	const struct story_line *ln = &st->line[li];
	size_t used = 0;
	int w;

	buf[0] = '\0';
	for (w = 0; w < MAX_LINE_WORDS && used + 12 < n; w++) {
		uint32_t v;

		if (!(ln->shown & (1u << w)))
			continue;
		v = l ? l->data[w] :
		    story_mem_at(st, k, ln->pa + 4u * (uint32_t)w);
		used += (size_t)snprintf(buf + used, n - used, "%s%d",
					 used ? " " : "", (int32_t)v);
	}
}

/* What a row shows after step k: "" absent, "c..." clean, "d..." dirty. */
static void row_state(const struct story *st, int k, int li, int c,
		      char *buf, size_t n)
{
	const struct cline *l;

	if (c < 0) {
		buf[0] = 'm';
		words_of(st, k, li, NULL, buf + 1, n - 1);
		return;
	}
	l = story_copy_at(st, k, li, c);
	buf[0] = '\0';
	if (l == NULL)
		return;
	buf[0] = l->dirty ? 'd' : 'c';
	words_of(st, k, li, l, buf + 1, n - 1);
}

enum {
	LABEL_W = 330,	/* row labels */
	TOP = 40,	/* the step axis */
	ROW_H = 26,
	HEAD_H = 20,	/* a physical line's heading */
	GAP = 10,
	WAIT_W = 380,	/* the deadlock's words after the last column */
};

struct geom {
	int cw;		/* column width */
	int ncols;
	int *col;	/* the column of each step */
	int *last;	/* the last step of each column (column 0: -1) */
	int waits;	/* a deadlock: say at the right what each waits for */
	int lanes_y;
	int line_y[STORY_MAX_LINES];	/* heading of each line */
	int height, width;
};

static int col_x(const struct geom *g, int col)
{
	return LABEL_W + col * g->cw;
}

static int copy_y(const struct geom *g, int li, int c)
{
	return g->line_y[li] + HEAD_H + c * ROW_H;
}

static int mem_y(const struct geom *g, const struct story *st, int li)
{
	return copy_y(g, li, st->line[li].ncopies);
}

/*
 * A step that changes nothing the picture shows (its thread goes on in
 * the same mode, no switch, no copy or memory word shown changes) shares
 * the column of the step before it: a FUSE witness has long runs of them.
 */
static int quiet(const struct story *st, int k)
{
	const struct story_step *sp = &st->step[k];
	char a[200], b[200];
	int i, li, c;

	if (k == 0 || sp->thread < 0 || sp->switched_from >= 0 ||
	    st->step[k - 1].thread != sp->thread ||
	    st->step[k - 1].kernel != sp->kernel ||
	    (st->flaw != FLAW_NONE &&
	     (k == st->flaw_step || k == st->holder_step ||
	      k - 1 == st->flaw_step || k - 1 == st->holder_step)))
		return 0;
	for (i = 0; i < sp->nev; i++)
		if (sp->ev[i].line >= 0)
			return 0;
	for (li = 0; li < st->nlines; li++)
		for (c = -1; c < st->line[li].ncopies; c++) {
			row_state(st, k - 1, li, c, a, sizeof(a));
			row_state(st, k, li, c, b, sizeof(b));
			if (strcmp(a, b) != 0)
				return 0;
		}
	return 1;
}

static void layout(struct geom *g, const struct story *st)
{
	int y, li, k;

	g->col = calloc((size_t)st->nsteps + 1, sizeof(int));
	g->last = calloc((size_t)st->nsteps + 2, sizeof(int));
	if (g->col == NULL || g->last == NULL)
		abort();
	g->last[0] = -1;
	g->ncols = 1;
	for (k = 0; k < st->nsteps; k++) {
		if (!quiet(st, k))
			g->ncols++;
		g->col[k] = g->ncols - 1;
		g->last[g->ncols - 1] = k;
	}
	g->cw = g->ncols <= 24 ? 44 : g->ncols <= 60 ? 28 : 22;
	g->lanes_y = TOP;
	y = TOP + st->p->nthreads * ROW_H + GAP;
	for (li = 0; li < st->nlines; li++) {
		g->line_y[li] = y;
		y += HEAD_H + (st->line[li].ncopies + 1) * ROW_H + GAP;
	}
	g->height = y + 4;
	g->width = col_x(g, g->ncols) + 10;
	for (k = 0; k < st->p->nthreads; k++)
		if (st->wait[k] != NULL)
			g->waits = 1;
	if (g->waits)
		g->width += WAIT_W;
}

/* A line from (x1, y1) to (x2, y2); title (or NULL) shows on hover. */
static void line(FILE *f, const char *cls, int x1, int y1, int x2, int y2,
		 const char *title)
{
	fprintf(f, "<line class=\"%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		"y2=\"%d\">", cls, x1, y1, x2, y2);
	if (title != NULL)
		fprintf(f, "<title>%s</title>", title);
	fputs("</line>\n", f);
}

/* ---- the threads ------------------------------------------------------- */

/* The lines of the text witness behind column c, for hovering. */
static void col_title(FILE *f, const struct geom *g, const struct story *st,
		      int c)
{
	int k;

	fputs("<title>", f);
	for (k = g->last[c - 1] + 1; k <= g->last[c]; k++)
		html_escn(f, st->step[k].text, st->step[k].textlen);
	fputs("</title>", f);
}

/* "P0 (cpu0)", "P2 (interrupt on cpu0)", "P1 (device)" */
static void lane_label(FILE *f, const struct prog *p, int t, int y)
{
	const struct tprog *tp = &p->threads[t];

	fprintf(f, "<text class=\"lbl\" x=\"6\" y=\"%d\">P%d (", y,
		tp->index);
	if (tp->kind == TK_DEVICE)
		fputs("device", f);
	else
		fprintf(f, "%scpu%d", tp->kind == TK_IRQ ? "interrupt on " : "",
			tp->cpu);
	fputs(")</text>\n", f);
}

static void lanes(FILE *f, const struct geom *g, const struct story *st)
{
	int t, c;

	for (t = 0; t < st->p->nthreads; t++) {
		int y = g->lanes_y + t * ROW_H, end = g->ncols;

		for (c = 1; c < g->ncols; c++)
			if (st->snap[g->last[c] + 1].t[t].status == T_DONE &&
			    st->step[g->last[c]].thread != t) {
				end = c;
				break;
			}
		lane_label(f, st->p, t, y + 15);
		line(f, "alive", col_x(g, 1), y + ROW_H / 2, col_x(g, end),
		     y + ROW_H / 2, NULL);
		if (st->wait[t] != NULL) {
			fprintf(f, "<text class=\"wait\" x=\"%d\" y=\"%d\">",
				col_x(g, g->ncols) + 8, y + 17);
			html_escn(f, st->wait[t], st->waitlen[t]);
			fputs("</text>\n", f);
		}
		for (c = 1; c < g->ncols; c++) {
			const struct story_step *sp = &st->step[g->last[c]];
			const char *mode;

			if (sp->thread != t)
				continue;
			mode = st->p->threads[t].kind == TK_DEVICE ? "device" :
			       sp->kernel ? "kernel" : "user";
			fprintf(f, "<rect class=\"%s\" x=\"%d\" y=\"%d\" "
				"width=\"%d\" height=\"%d\"><title>P%d: %s"
				"</title></rect>\n", mode, col_x(g, c) + 1,
				y + 3, g->cw - 2, ROW_H - 6,
				st->p->threads[t].index, mode);
		}
	}
}

/* A dashed line where a CPU changes thread; a bar where one is preempted. */
static void switches(FILE *f, const struct geom *g, const struct story *st)
{
	int k;

	for (k = 0; k < st->nsteps; k++) {
		const struct story_step *sp = &st->step[k];
		int x = col_x(g, g->col[k]), from = sp->switched_from;

		if (sp->thread < 0 || from < 0)
			continue;
		line(f, "switch", x, TOP - 12, x,
		     g->lanes_y + st->p->nthreads * ROW_H, NULL);
		fprintf(f, "<text class=\"swl\" x=\"%d\" y=\"%d\">&#8644;<title>"
			"cpu%d %s P%d to P%d%s</title></text>\n",
			x - 5, TOP - 2, sp->cpu, sp->irq ?
			"takes an interrupt: from" : "switches from",
			st->p->threads[from].index,
			st->p->threads[sp->thread].index, sp->switch_mm ?
			" (switch_mm flushes its whole cache)" : "");
		if (st->snap[k].t[from].status != T_DONE)
			fprintf(f, "<rect class=\"preempt\" x=\"%d\" y=\"%d\" "
				"width=\"4\" height=\"%d\"><title>P%d is "
				"switched out before it has finished "
				"(preempted or waiting)</title></rect>\n",
				x - 2, g->lanes_y + from * ROW_H + 2, ROW_H - 4,
				st->p->threads[from].index);
	}
}

/* ---- the copies -------------------------------------------------------- */

static void bar(FILE *f, const struct geom *g, int y, int c0, int c1,
		const char *state)
{
	const char *cls = state[0] == 'd' ? "dirty" : state[0] == 'c' ?
			  "clean" : "mem";
	int x = col_x(g, c0) + 1, w = (c1 - c0) * g->cw - 2;
	int fit = (w - 6) / 7;

	fprintf(f, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" "
		"height=\"%d\"><title>%s: %s</title></rect>\n", cls, x, y + 2, w,
		ROW_H - 8, state[0] == 'd' ? "dirty" : state[0] == 'c' ?
		"clean" : "memory", state + 1);
	if (fit < 1)
		return;
	if ((int)strlen(state + 1) <= fit)
		fprintf(f, "<text class=\"val\" x=\"%d\" y=\"%d\">%s</text>\n",
			x + 3, y + 15, state + 1);
	else if (fit > 1)
		fprintf(f, "<text class=\"val\" x=\"%d\" y=\"%d\">%.*s&#8230;"
			"</text>\n", x + 3, y + 15, fit - 1, state + 1);
}

/* One row: bars over the runs of steps with the same contents. */
static void row(FILE *f, const struct geom *g, const struct story *st,
		int li, int c, int y)
{
	char cur[200], next[200];
	int col, start = 0;

	row_state(st, -1, li, c, cur, sizeof(cur));
	for (col = 1; col <= g->ncols; col++) {
		if (col < g->ncols)
			row_state(st, g->last[col], li, c, next, sizeof(next));
		if (col < g->ncols && strcmp(cur, next) == 0)
			continue;
		if (cur[0] != '\0')
			bar(f, g, y, start, col, cur);
		start = col;
		memcpy(cur, next, sizeof(cur));
	}
}

static void line_rows(FILE *f, const struct geom *g, const struct story *st,
		      int li)
{
	const struct story_line *ln = &st->line[li];
	char name[160], cache[48];
	int c, w, first = 1;

	fprintf(f, "<text class=\"head\" x=\"6\" y=\"%d\">physical line %#x; "
		"words shown:", g->line_y[li] + 14, ln->pa);
	for (w = 0; w < MAX_LINE_WORDS; w++)
		if (ln->shown & (1u << w)) {
			story_word_name(st->p, ln->pa + 4u * (uint32_t)w, name,
					sizeof(name));
			fprintf(f, "%s", first ? " " : ", ");
			html_esc(f, name);
			first = 0;
		}
	fputs("</text>\n", f);
	for (c = 0; c < ln->ncopies; c++) {
		int y = copy_y(g, li, c);

		story_cache_name(&ln->copy[c], 0, cache, sizeof(cache));
		story_alias_name(st->p, ln->copy[c].va, name, sizeof(name));
		fprintf(f, "<text class=\"lbl\" x=\"6\" y=\"%d\">%s: ", y + 15,
			cache);
		html_esc(f, strncmp(name, "the ", 4) == 0 ? name + 4 : name);
		fputs("</text>\n", f);
		line(f, "absent", col_x(g, 0), y + ROW_H / 2,
		     col_x(g, g->ncols), y + ROW_H / 2, NULL);
		row(f, g, st, li, c, y);
	}
	fprintf(f, "<text class=\"lbl\" x=\"6\" y=\"%d\">memory</text>\n",
		mem_y(g, st, li) + 15);
	row(f, g, st, li, -1, mem_y(g, st, li));
}

/* ---- what each step did ------------------------------------------------ */

static void event(FILE *f, const struct geom *g, const struct story *st,
		  int k, const struct story_event *e)
{
	int cx = col_x(g, g->col[k]) + g->cw / 2;
	int mx = col_x(g, g->col[k]) + g->cw - 7;
	int cy, my = mem_y(g, st, e->line);
	char wn[64], who[48];

	cy = e->copy >= 0 ? copy_y(g, e->line, e->copy) : my;
	story_who(st->p, st->step[k].thread, who, sizeof(who));
	story_word_name(st->p, e->pa, wn, sizeof(wn));
	switch ((int)e->kind) {
	case EV_FILL:
		if (e->copy >= 0)
			line(f, "fill", cx - 5, my + 2, cx - 5, cy + ROW_H - 5,
			     "the copy is filled from memory");
		break;
	case EV_WB:
		if (e->copy >= 0)
			line(f, "wb", cx + 5, cy + ROW_H - 6, cx + 5, my + 1,
			     "the copy is written back to memory");
		break;
	case EV_DROP:
	case EV_DISCARD:
		if (e->copy >= 0)
			fprintf(f, "<text class=\"%s\" x=\"%d\" y=\"%d\">&#215;"
				"<title>%s</title></text>\n", e->kind == EV_DROP ?
				"drop" : "discard", cx - 4, cy + 16,
				e->kind == EV_DROP ? "the copy leaves the cache" :
				"the copy is invalidated while dirty: its data "
				"is lost");
		break;
	case EV_LOAD:
		fprintf(f, "<circle class=\"load\" cx=\"%d\" cy=\"%d\" r=\"3.5\">"
			"<title>%s %s %d from ", mx, cy + ROW_H - 4, who,
			e->fetch ? "fetches" : "loads", (int32_t)e->val);
		html_esc(f, wn);
		fputs("</title></circle>\n", f);
		break;
	case EV_STORE:
		fprintf(f, "<rect class=\"store\" x=\"%d\" y=\"%d\" width=\"7\" "
			"height=\"7\"><title>%s stores %d to ", mx - 3,
			cy + ROW_H - 7, who, (int32_t)e->val);
		html_esc(f, wn);
		fputs("</title></rect>\n", f);
		break;
	}
}

/* The step that went wrong: a band under everything, outlines on top. */
static void flaw_band(FILE *f, const struct geom *g, const struct story *st)
{
	int x = col_x(g, g->col[st->flaw_step]);

	fprintf(f, "<g class=\"flaw\" data-step=\"%d\">\n"
		"<rect class=\"band\" x=\"%d\" y=\"%d\" width=\"%d\" "
		"height=\"%d\"/>\n<text class=\"flawl\" x=\"%d\" y=\"%d\">%s"
		"</text>\n</g>\n", st->flaw_step + 1, x, TOP - 12, g->cw,
		g->height - TOP + 8, x + g->cw + 3, TOP - 28,
		st->flaw == FLAW_STALE ? "stale read" : "lost write");
}

static void flaw_marks(FILE *f, const struct geom *g, const struct story *st)
{
	int x = col_x(g, g->col[st->flaw_step]), y;

	y = st->flaw_copy >= 0 ? copy_y(g, st->flaw_line, st->flaw_copy) :
	    mem_y(g, st, st->flaw_line);
	fprintf(f, "<rect class=\"culprit\" x=\"%d\" y=\"%d\" width=\"%d\" "
		"height=\"%d\"><title>%s</title></rect>\n", x - 2, y,
		g->cw + 4, ROW_H, st->flaw == FLAW_STALE ?
		"the copy the stale value was read from" :
		"the copy whose write-back or invalidation lost the write");
	if (st->holder_copy == -2)
		return;
	x = col_x(g, g->col[st->holder_step]);
	y = st->holder_copy >= 0 ?
	    copy_y(g, st->holder_line, st->holder_copy) :
	    mem_y(g, st, st->holder_line);
	fprintf(f, "<rect class=\"holder\" x=\"%d\" y=\"%d\" width=\"%d\" "
		"height=\"%d\"><title>%s</title></rect>\n", x - 2, y,
		g->cw + 4, ROW_H, st->holder_step == st->flaw_step ?
		"where the latest value is" :
		"where the latest value was lost");
}

static void axis(FILE *f, const struct geom *g, const struct story *st)
{
	int col, every = g->cw >= 28 ? 1 : 2;

	fprintf(f, "<text class=\"lbl\" x=\"6\" y=\"%d\">step (hover for "
		"its text)</text>\n", TOP - 16);
	/* a column is numbered by its steps where there is room, else the first */
	for (col = 0; col < g->ncols; col += every) {
		int first = col > 0 ? g->last[col - 1] + 2 : 0;
		int last = g->last[col] + 1;

		fprintf(f, "<text class=\"step\" x=\"%d\" y=\"%d\">%d",
			col_x(g, col) + g->cw / 2, TOP - 16, first);
		if (last > first && g->cw >= 44)
			fprintf(f, "&#8211;%d", last);
		fputs("</text>\n", f);
	}
	/* hover a column for its lines of the text witness */
	for (col = 1; col < g->ncols; col++) {
		fprintf(f, "<rect class=\"col\" x=\"%d\" y=\"%d\" width=\"%d\" "
			"height=\"12\">", col_x(g, col), TOP - 28, g->cw);
		col_title(f, g, st, col);
		fputs("</rect>\n", f);
	}
}

void svg_timeline(FILE *f, const struct story *st)
{
	struct geom g;
	int k, i, li;

	layout(&g, st);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\""
		" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"timeline of the witness\">\n", g.width, g.height,
		g.width, g.height);
	axis(f, &g, st);
	if (st->flaw != FLAW_NONE)
		flaw_band(f, &g, st);
	lanes(f, &g, st);
	switches(f, &g, st);
	for (li = 0; li < st->nlines; li++)
		line_rows(f, &g, st, li);
	for (k = 0; k < st->nsteps; k++)
		for (i = 0; i < st->step[k].nev; i++)
			if (st->step[k].ev[i].line >= 0)
				event(f, &g, st, k, &st->step[k].ev[i]);
	if (st->flaw != FLAW_NONE)
		flaw_marks(f, &g, st);
	fputs("</svg>\n", f);
	free(g.col);
	free(g.last);
}
