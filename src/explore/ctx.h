/*
 * ctx.h - what one transition works on: the program, the state being
 * changed, who is running, the nondeterministic choice being taken, and
 * (when a witness is being printed) the trace of what the caches did.
 */
#ifndef STALE_CTX_H
#define STALE_CTX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

struct trace {
	char *buf;
	size_t len, cap;
};

void trace_printf(struct trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void trace_free(struct trace *t);

/* How a transition ended, besides changing the state. */
enum outcome_kind {
	OK_NORMAL,
	OK_FAULT,		/* an access the mode does not allow */
	OK_ASSERT,		/* a failed assert() */
	OK_DEADLOCK,
	OK_ERROR,		/* a run-time error of the scenario */
};

struct ctx {
	const struct prog *p;
	struct state *s;
	int thread;		/* -1 when no thread runs (evictions) */
	int cpu;
	int choice;		/* which victim a fill into a full set takes */
	int nchoices;		/* out: how many victims there were to take */
	struct trace *tr;	/* NULL unless printing a witness */
	enum outcome_kind end;	/* out: OK_NORMAL unless the step ended badly */
	const char *msg;	/* out: for OK_FAULT, OK_ERROR */
	struct pos errpos;
	int fault_map;		/* out: map + 1 that must be faulted in */
};

#define TR(c, ...) do { if ((c)->tr) trace_printf((c)->tr, __VA_ARGS__); } while (0)

#endif
