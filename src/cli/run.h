/*
 * run.h - checking one scenario file: lower it, explore it on its
 * machine and on the coherent reference, and report as herd7 does.
 */
#ifndef STALE_RUN_H
#define STALE_RUN_H

#include <stdio.h>

#include "lower.h"
#include "search.h"

struct run_opts {
	struct lower_opts lo;
	int reduce;
	int witness;		/* print witnesses of aliasing-only outcomes */
	int json;
	int expect;
	size_t max_states;
	int first_bad;		/* stop at the first unsafe outcome */
	int jobs;		/* searcher threads of each search */
	int estimate;		/* random walks per batch; 0: search */
	int eager;		/* export: register instructions share a step */
	/*
	 * --html: witnesses are drawn into this page section by section
	 * (html.h); html_id names the anchor of the first, html_heading
	 * heads it (a FUSE cell).  NULL: text only.
	 */
	FILE *html;
	const char *html_id;
	const char *html_heading;
};

/* What a check found, for the FUSE table and the tests. */
struct verdict {
	int error;		/* the file or its run had an error */
	const char *observation;	/* Always / Sometimes / Never */
	int positive, negative;
	int aliasing_only;	/* outcomes only the cache allows */
	int deadlock, assert_failed;	/* on the configured machine */
	int fault;		/* a fault only the configured machine has */
	int deadlock_ref;	/* ... and on the reference */
	size_t states;
	double seconds;
	int stopped;		/* first_bad: stopped at a witness */
	int expect_ok;		/* the Result: comment agrees (or is absent) */
};

/* Check one file; prints to out (NULL: quiet).  Returns 0, 1 or 2. */
int run_file(const char *path, const struct run_opts *o, FILE *out,
	     struct verdict *v);

/* Print the witness of the first aliasing-only outcome (or problem). */
int run_witness(const char *path, const struct run_opts *o, FILE *out);

/*
 * The library folders: $STALE_LIB, lib/ beside the binary (the build
 * tree), ../share/stale/lib beside it (an installed tree, also when staged
 * in a DESTDIR), then the configured PREFIX.
 */
const char *const *default_libdirs(void);

#endif
