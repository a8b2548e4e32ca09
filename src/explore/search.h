/*
 * search.h - exhaustive exploration of a program's state space, and the
 * outcomes it finds with a witness for each.
 */
#ifndef STALE_SEARCH_H
#define STALE_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "ctx.h"

/* A transition label: what the explorer chose at one state. */
#define LBL_STEP	0u	/* thread a, victim choice b */
#define LBL_EVICT	1u	/* cpu a, line b */
#define LBL_WB		2u	/* final write-back: cpu a, line b */
#define LBL(k, a, b)	(((k) << 28) | ((uint32_t)(a) << 20) | (uint32_t)(b))
#define LBL_KIND(l)	((l) >> 28)
#define LBL_A(l)	(((l) >> 20) & 0xff)
#define LBL_B(l)	((l) & 0xfffff)

struct outcome {
	enum outcome_kind kind;
	uint8_t *key;		/* the encoded final values */
	size_t keylen;
	uint32_t *vals;		/* one per prog->refs (observe_all: regs) */
	int nvals;
	struct mword *mem;	/* observe_all: the nonzero words */
	int nmem;
	uint32_t *path;		/* labels from the initial state */
	int npath;
	const char *msg;	/* fault / error / assert message */
	struct pos pos;
	int satisfies;		/* the condition holds */
};

struct search_opts {
	int reduce;
	size_t max_states;	/* 0: unbounded */
	/*
	 * Stop at the first deadlock, fault or failed assert, or at the
	 * first outcome this reference result lacks: enough for a verdict.
	 */
	int stop_at_bad;
	const struct result *reference;
};

struct result {
	struct outcome *outs;
	int nouts;
	size_t states;
	size_t transitions;
	size_t bytes;		/* memory of the visited set */
	double seconds;
	int stopped;		/* stop_at_bad found one */
	int violation;		/* reduction 4 must drop page violation - 1 */
	uint64_t single_alias;	/* the pages reduction 4 kept */
	size_t states_all;	/* states of every attempt */
	int error;		/* a run-time error of the scenario */
	struct pos errpos;
	const char *errmsg;
	uint32_t *errpath;
	int nerrpath;
};

int search(const struct prog *p, const struct search_opts *o,
	   struct result *r);
void result_free(struct result *r);

/* Does outcome o equal one of r's outcomes? */
int result_has(const struct result *r, const struct outcome *o);

/* Replay a path with tracing on; the trace shows every step. */
void witness_trace(const struct prog *p, const uint32_t *path, int n,
		   int reduce, uint64_t single, struct trace *tr);

/*
 * The same replay, showing the machine to a visitor: once with step -1
 * for the initial state, then after each label of the path (the text the
 * label added to tr ends at tr->len).  p is the program as replayed
 * (reductions 3 and 4 applied), which names the machine actually run.
 */
struct witness_visit {
	void (*fn)(void *arg, const struct prog *p, const struct state *s,
		   int step);
	void *arg;
};

void witness_replay(const struct prog *p, const uint32_t *path, int n,
		    int reduce, uint64_t single, struct trace *tr,
		    const struct witness_visit *v);

#endif
