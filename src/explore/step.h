/*
 * step.h - the transition relation: which threads may take a step in a
 * state (scheduling, preemption, blocking), and what a step does.
 */
#ifndef STALE_STEP_H
#define STALE_STEP_H

#include "ctx.h"

/* The initial state (caches empty, initial memory, eager prefixes run). */
/* Returns the ctx of the eager prefix: c->end says if it failed. */
struct ctx step_init(const struct prog *p, struct state *s, int reduce);

/* Can thread t take its next step now (incl. switching its CPU to it)? */
int step_can_run(const struct prog *p, const struct state *s, int t);

/* Run thread t one step (switching to it first if needed). */
void step_thread(struct ctx *c, int t, int reduce);

/*
 * The physical line thread t's next step touches: 1 and *pa_line set;
 * 0 when it touches no cache line; -1 when it may touch any.
 */
int step_footprint(const struct prog *p, const struct state *s, int t,
		   uint32_t *pa_line);

/* Format the instruction thread t is at, for witnesses. */
const char *step_text(const struct prog *p, const struct state *s, int t);

#endif
