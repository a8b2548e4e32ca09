/*
 * html.h - stale's pages: one self-contained HTML file (inline CSS and
 * SVG, no script) for `stale run --html` and `stale fuse --html`.
 */
#ifndef STALE_HTML_H
#define STALE_HTML_H

#include <stdio.h>

#include "search.h"

struct story;

/* Text with &, <, >, " and ' escaped; n bytes of s (html_esc: all). */
void html_escn(FILE *f, const char *s, size_t n);
void html_esc(FILE *f, const char *s);

/* An id or fragment: prefix then s with all but letters and digits '-'. */
void html_id(char *buf, size_t n, const char *prefix, const char *s);

/* The page around the content: head, style, title, legends. */
void html_begin(FILE *f, const char *title, const char *intro, int verdicts);
void html_end(FILE *f);

/*
 * One witness: outcome o of p replayed and drawn, the sentence saying
 * what went wrong, and the text witness folded beneath.  id is the
 * section's anchor.
 */
void html_witness(FILE *f, const char *id, const char *heading,
		  const struct prog *p, const struct outcome *o,
		  const char *outcome_text, int reduce, uint64_t single);

/* One cell of the FUSE table, as fusetable.c computed it. */
struct html_cell {
	const char *strategy, *kernel, *claim;
	const char *profile, *mode, *scenario;
	const char *verdict, *why;	/* as in `stale fuse --tsv` */
};

/* pages.c: the FUSE table (cells in the text table's order). */
void html_fuse_table(FILE *f, const struct html_cell *c, int n);
int html_cell_unsafe(const struct html_cell *c);
/* "dev-2.6.19/2.6.19/arm926/up/reply" */
void html_cell_name(char *buf, size_t n, const struct html_cell *c);

struct run_opts;
/* pages.c: `stale run --html OUT FILE...`; returns run's exit status. */
int html_run_page(const char *out, char *const *files, int n,
		  struct run_opts *o);

/* svg_timeline.c: the picture of a story. */
void svg_timeline(FILE *f, const struct story *st);

#endif
