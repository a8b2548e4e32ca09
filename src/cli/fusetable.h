/*
 * fusetable.h - `stale fuse`: the verdict table of the 2006 mail.
 */
#ifndef STALE_FUSETABLE_H
#define STALE_FUSETABLE_H

#include "run.h"

struct table_opts {
	int tsv;
	int jobs;			/* workers; 0: one per CPU */
	const char *witness;		/* CELL: strategy/kernel/profile/mode/scenario */
	const char *profile, *mode, *strategy, *scenario;
	const char *strategy_file;	/* --fuse-strategy FILE: its own rows */
	const char *html;		/* --html OUT: the table as a page */
};

int fuse_table(const struct table_opts *t, const struct run_opts *o);

#endif
