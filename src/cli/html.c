/*
 * html.c - the page: escaping, the style sheet, the legends, and one
 * witness section (picture, sentence, text witness folded beneath).
 *
 * Everything is inline and there is no script, so the file reads the
 * same offline, in any browser, and on paper.
 */
#include <ctype.h>
#include <string.h>

#include "html.h"
#include "story.h"

void html_escn(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(s[i], f); break;
		}
	}
}

void html_esc(FILE *f, const char *s)
{
	html_escn(f, s, strlen(s));
}

void html_id(char *buf, size_t n, const char *prefix, const char *s)
{
	size_t k = (size_t)snprintf(buf, n, "%s", prefix);

	for (; *s && k + 1 < n; s++)
		buf[k++] = isalnum((unsigned char)*s) ? *s : '-';
	if (k < n)
		buf[k] = '\0';
}

static const char style[] =
"body{font-family:sans-serif;margin:1.5em;color:#111;max-width:none}\n"
"h1{font-size:1.5em}h2{font-size:1.25em;margin-top:1.6em}h3{font-size:1.05em}\n"
"pre,code{font-family:monospace;font-size:12px}\n"
"pre.herd{background:#f6f6f6;padding:.5em;border:1px solid #ddd}\n"
"table.verdicts{border-collapse:collapse;margin:.5em 0}\n"
"table.verdicts th,table.verdicts td{border:1px solid #999;padding:2px 5px;"
"font-size:12px;text-align:center}\n"
"table.verdicts th.prof{text-align:left}\n"
"table.verdicts td.mode-start{border-left:3px solid #333}\n"
"td a{color:inherit;text-decoration:none;display:block}\n"
".v-safe{background:#b8e0b0}.v-stale{background:#e8553e;color:#fff}\n"
".v-lost{background:#8c6bb1;color:#fff}.v-deadlock{background:#404040;"
"color:#fff}\n.v-fault{background:#f2a33a}.v-unknown{background:#fff36b}\n"
".v-na{background:#fff;color:#999}\n"
".key span.sw{display:inline-block;width:1.4em;height:1em;"
"border:1px solid #666;vertical-align:middle;margin:0 .3em 0 1em}\n"
".fig{overflow-x:auto;border:1px solid #ccc;padding:4px;margin:.5em 0}\n"
"p.explain{border-left:5px solid #d62728;background:#fdeaea;"
"padding:.4em .6em;max-width:60em}\n"
"section.witness{border-top:2px solid #888;margin-top:2em}\n"
"svg.timeline text{font-family:sans-serif;font-size:12px}\n"
"svg.timeline .val{font-family:monospace;font-size:11px}\n"
"svg.timeline .step{font-size:10px;text-anchor:middle;fill:#555}\n"
"svg.timeline .head{font-weight:bold}\n"
"svg .user{fill:#9ecae1;stroke:#3182bd}\n"
"svg .kernel{fill:#f4a259;stroke:#b35806}\n"
"svg .device{fill:#bcbddc;stroke:#6a51a3}\n"
"svg .clean{fill:#c7e9c0;stroke:#31a354}\n"
"svg .dirty{fill:#fc9272;stroke:#cb181d}\n"
"svg .mem{fill:#e3e3e3;stroke:#888}\n"
"svg .alive{stroke:#bbb;stroke-width:2}\n"
"svg .absent{stroke:#ccc;stroke-dasharray:2 3}\n"
"svg .switch{stroke:#333;stroke-dasharray:4 3}\n"
"svg .swl{font-size:13px}\n"
"svg .preempt{fill:#111}\n"
"svg .fill{stroke:#2171b5;stroke-width:2;marker-end:url(#arr-fill)}\n"
"svg .wb{stroke:#d94801;stroke-width:2;marker-end:url(#arr-wb)}\n"
"svg .drop{font-size:16px;fill:#333}\n"
"svg .discard{font-size:20px;font-weight:bold;fill:#d00}\n"
"svg .load{fill:#fff;stroke:#000;stroke-width:1.5}\n"
"svg .store{fill:#000}\n"
"svg .band{fill:#ff0000;fill-opacity:.13}\n"
"svg .flawl{fill:#c00;font-weight:bold}\n"
"svg .culprit{fill:none;stroke:#c00;stroke-width:3}\n"
"svg .holder{fill:none;stroke:#c00;stroke-width:2;stroke-dasharray:5 3}\n"
"svg .col{fill:#000;fill-opacity:0}\n"
"svg .wait{fill:#c00;font-style:italic}\n"
"@media print{.fig{overflow:visible;border:0}"
"svg.timeline{max-width:100%;height:auto}"
"section.witness{break-inside:avoid-page}}\n";

/* The arrowheads every timeline refers to, defined once per page. */
static const char defs[] =
"<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\">"
"<defs>"
"<marker id=\"arr-fill\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
"markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
"<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#2171b5\"/></marker>"
"<marker id=\"arr-wb\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
"markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">"
"<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#d94801\"/></marker>"
"</defs></svg>\n";

static void swatch(FILE *f, const char *cls, const char *what)
{
	fprintf(f, "<span class=\"sw %s\"></span>%s\n", cls, what);
}

static void verdict_key(FILE *f)
{
	fputs("<p class=\"key\" id=\"verdict-key\">Verdicts:", f);
	swatch(f, "v-safe", "safe (.)");
	swatch(f, "v-stale", "stale read (S: a check of the scenario failed)");
	swatch(f, "v-lost", "lost write (L: a final state only aliasing "
	       "allows)");
	swatch(f, "v-deadlock", "deadlock (D)");
	swatch(f, "v-fault", "fault (F)");
	swatch(f, "v-unknown", "unsettled (?: the state bound was reached)");
	swatch(f, "v-na", "n.a. (the hardware had no SMP)");
	fputs("</p>\n", f);
}

static void svg_swatch(FILE *f, const char *shape, const char *what)
{
	fprintf(f, "<svg width=\"26\" height=\"18\" style=\"vertical-align:"
		"middle;margin-left:1em\">%s</svg>%s\n", shape, what);
}

static void timeline_key(FILE *f)
{
	fputs("<p class=\"key\" id=\"timeline-key\">How to read a picture: time "
	      "runs left to right, one column per step (hover a column for "
	      "its lines of the text witness).<br/>", f);
	svg_swatch(f, "<rect class=\"user\" x=\"2\" y=\"3\" width=\"22\" "
		   "height=\"12\"/>", "thread runs in user mode");
	svg_swatch(f, "<rect class=\"kernel\" x=\"2\" y=\"3\" width=\"22\" "
		   "height=\"12\"/>", "thread runs in kernel mode");
	svg_swatch(f, "<rect class=\"device\" x=\"2\" y=\"3\" width=\"22\" "
		   "height=\"12\"/>", "a device runs (DMA)");
	svg_swatch(f, "<line class=\"switch\" x1=\"13\" y1=\"0\" x2=\"13\" "
		   "y2=\"18\"/><rect class=\"preempt\" x=\"11\" y=\"4\" "
		   "width=\"4\" height=\"10\"/>", "a CPU switches thread "
		   "(black bar: the thread left had not finished)");
	fputs("<br/>", f);
	svg_swatch(f, "<rect class=\"clean\" x=\"2\" y=\"3\" width=\"22\" "
		   "height=\"12\"/>", "a clean cache copy (the numbers: the "
		   "words it holds)");
	svg_swatch(f, "<rect class=\"dirty\" x=\"2\" y=\"3\" width=\"22\" "
		   "height=\"12\"/>", "a dirty copy (newer than memory)");
	svg_swatch(f, "<line class=\"absent\" x1=\"0\" y1=\"9\" x2=\"26\" "
		   "y2=\"9\"/>", "no copy");
	svg_swatch(f, "<rect class=\"mem\" x=\"2\" y=\"3\" width=\"22\" "
		   "height=\"12\"/>", "memory");
	fputs("<br/>", f);
	svg_swatch(f, "<line class=\"fill\" x1=\"13\" y1=\"17\" x2=\"13\" "
		   "y2=\"3\"/>", "fill from memory");
	svg_swatch(f, "<line class=\"wb\" x1=\"13\" y1=\"1\" x2=\"13\" "
		   "y2=\"15\"/>", "write-back to memory");
	svg_swatch(f, "<text class=\"drop\" x=\"8\" y=\"15\">&#215;</text>",
		   "copy leaves the cache");
	svg_swatch(f, "<text class=\"discard\" x=\"7\" y=\"16\">&#215;</text>",
		   "dirty copy invalidated: its data is lost");
	svg_swatch(f, "<circle class=\"load\" cx=\"13\" cy=\"9\" r=\"4\"/>",
		   "load");
	svg_swatch(f, "<rect class=\"store\" x=\"9\" y=\"5\" width=\"8\" "
		   "height=\"8\"/>", "store");
	svg_swatch(f, "<rect class=\"band\" x=\"0\" y=\"0\" width=\"26\" "
		   "height=\"18\"/><rect class=\"culprit\" x=\"3\" y=\"3\" "
		   "width=\"20\" height=\"12\"/>", "the step that went wrong "
		   "and the copy it used");
	svg_swatch(f, "<rect class=\"holder\" x=\"3\" y=\"3\" width=\"20\" "
		   "height=\"12\"/>", "where the latest value is, or where it "
		   "was lost");
	fputs("</p>\n", f);
}

void html_begin(FILE *f, const char *title, const char *intro, int verdicts)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n<title>", f);
	html_esc(f, title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n%s<h1>",
		style, defs);
	html_esc(f, title);
	fputs("</h1>\n<p>", f);
	html_esc(f, intro);
	fputs("</p>\n", f);
	if (verdicts)
		verdict_key(f);
	timeline_key(f);
}

void html_end(FILE *f)
{
	fputs("</body>\n</html>\n", f);
}

/* Without a stale read or lost write: the lines saying what happened. */
static void plain_sentence(FILE *f, const struct story *st,
			   const struct outcome *o)
{
	const char *sep = ": ";
	int t;

	switch (o->kind) {
	case OK_DEADLOCK:
		fputs("Deadlock: no thread can run", f);
		for (t = 0; t < st->p->nthreads; t++)
			if (st->wait[t] != NULL) {
				size_t n = st->waitlen[t];

				/* the line may end with the statement's ';' */
				if (n > 0 && st->wait[t][n - 1] == ';')
					n--;
				fprintf(f, "%sP%d ", sep,
					st->p->threads[t].index);
				html_escn(f, st->wait[t], n);
				sep = "; ";
			}
		fputs(".", f);
		break;
	case OK_FAULT:
		fputs("Fault: an access the mode does not allow (the last "
		      "step of the text witness).", f);
		break;
	case OK_ASSERT:
		fputs("A check of the scenario failed at the last step; no "
		      "load in the lines shown returned an old value.", f);
		break;
	default:
		fputs("No load in the picture returned an old value and no "
		      "write-back lost one; the outcome is made by a step whose "
		      "accesses the text witness does not list one by one (a "
		      "kernel copy such as copy_user_highpage): see the text "
		      "witness below.", f);
		break;
	}
}

void html_witness(FILE *f, const char *id, const char *heading,
		  const struct prog *p, const struct outcome *o,
		  const char *outcome_text, int reduce, uint64_t single)
{
	struct story st;

	story_build(&st, p, o, reduce, single);
	fputs("<section class=\"witness\" id=\"", f);
	html_esc(f, id);
	fputs("\">\n<h3>", f);
	html_esc(f, heading);
	fputs("</h3>\n<p>Outcome: <code>", f);
	html_esc(f, outcome_text);
	fprintf(f, "</code><br/>Machine: %s (%s), kernel %s, %d cpu%s, "
		"preemption %s; %d steps.</p>\n", st.p->prof.name,
		index_name(st.p->prof.index), kver_name(st.p->kver),
		st.p->ncpus, st.p->ncpus > 1 ? "s" : "",
		st.p->preempt ? "on" : "off", st.nsteps);
	fputs("<div class=\"fig\">\n", f);
	svg_timeline(f, &st);
	fputs("</div>\n<p class=\"explain\">", f);
	if (st.flaw != FLAW_NONE)
		html_esc(f, st.sentence);
	else
		plain_sentence(f, &st, o);
	fputs("</p>\n<details><summary>The text witness</summary>\n<pre>", f);
	if (st.tr.buf)
		html_esc(f, st.tr.buf);
	fputs("</pre>\n</details>\n</section>\n", f);
	story_free(&st);
}
