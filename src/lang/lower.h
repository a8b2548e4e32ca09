/*
 * lower.h - from a parsed scenario to the program the explorer runs:
 * settings resolved, pages placed, functions inlined, names and types
 * checked.  Every error is positioned.
 */
#ifndef STALE_LOWER_H
#define STALE_LOWER_H

#include "parser.h"
#include "prog.h"

/* Command-line settings; each overrides the file's when set. */
struct lower_opts {
	const char *cache;		/* profile name, or NULL */
	const char *cache_extra;	/* "key=value,key=value", or NULL */
	int cpus;			/* 0: the file's */
	int preempt;			/* -1: the file's */
	int evict;			/* -1: the file's */
	const char *kernel;		/* NULL: the file's */
	const char *fuse_strategy_file;	/* --fuse-strategy FILE, or NULL */
	const char *const *libdirs;	/* NULL-terminated */
	long max_steps;
};

int lower(struct scenario *sc, const struct lower_opts *o, struct prog *p,
	  struct diag *err);
void prog_free(struct prog *p);

/* "0:r0", "[buf+1]": the label of a condition value, and its ref. */
void cond_val_label(const struct cond_val *v, char *buf, size_t n);
int prog_ref_index(const struct prog *p, const struct cond_val *v);

/* Parse "2.6.19" etc.; -1 when unknown. */
int kver_parse(const char *s);

#endif
