/*
 * explorer.h - what the sequential search (search.c) and the parallel
 * one (psearch.c) share: one searcher's stack and scratch states, and
 * the steps that classify a state's transitions and record outcomes.
 */
#ifndef STALE_EXPLORER_H
#define STALE_EXPLORER_H

#include <pthread.h>
#include <stdatomic.h>

#include "hashset.h"
#include "search.h"

#define NO_ID		UINT32_MAX
#define NO_LABEL	0xffffffffu

struct frame {
	uint64_t off;		/* sequential: the key in the visited arena */
	uint32_t len;
	uint32_t id;		/* parallel: the state's id, */
	const uint8_t *key;	/* its bytes (len of them), */
	_Atomic uint32_t *aux;	/* and its counters (psearch.c) */
	uint32_t parent;	/* parallel: the id this frame holds a token on */
	int borrowed;		/* parallel: another searcher owns this state */
	uint32_t *labels;
	int nlabels, cap, next;
	uint32_t chosen;
};

struct par;

struct explorer {
	const struct prog *p;
	const struct search_opts *o;
	struct result *r;
	struct hashset visited;
	struct codec *codec;
	struct hashset *outkeys;
	struct frame *stack;
	int depth, cap;
	int base;		/* frames below are the path of a shared task */
	uint8_t *buf;
	struct state *s, *s2;
	long *steps;		/* per thread, along the current path */
	int failed;
	int violation;		/* page + 1 whose second alias was met */
	uint32_t finals[64];
	int nfinals;
	pthread_mutex_t *lock;	/* parallel: guards r and outkeys */
	struct par *par;
	int me;			/* parallel: this searcher's number */
};

/* What to do after a transition (ex_after_apply). */
enum after { AFTER_STOP, AFTER_DONE, AFTER_STATE };

void ex_add_label(struct frame *f, uint32_t l);
int ex_labels_of(struct explorer *e, struct frame *f, struct state *s);
void ex_record(struct explorer *e, const struct state *s,
	       enum outcome_kind kind, uint32_t last, const char *msg,
	       struct pos pos);
void ex_error(struct explorer *e, const char *msg, struct pos pos,
	      uint32_t last);
void ex_apply(const struct prog *p, struct state *s, uint32_t l,
	      int reduce, struct ctx *c, struct trace *tr);
enum after ex_after_apply(struct explorer *e, struct frame *f, uint32_t l,
			  const struct ctx *c);
struct frame *ex_new_frame(struct explorer *e);
void ex_drop_frame(struct explorer *e);
int ex_start(struct explorer *e);
void ex_scratch(struct explorer *e);
void ex_scratch_free(struct explorer *e);
int search_once(const struct prog *p, const struct search_opts *o,
		struct result *r);
/* The parallel search (psearch.c); PSEARCH_LOOP: the graph has a cycle. */
#define PSEARCH_LOOP	(-2)
int psearch_once(const struct prog *p, const struct search_opts *o,
		 struct result *r);
const struct prog *ex_effective(const struct prog *p, int reduce,
				 struct prog *tmp);
uint64_t ex_single_alias(struct prog *p);
struct pos ex_loop_pos(const struct explorer *e, uint32_t l);
double ex_now(void);

extern const char *const ex_msg_loop, *const ex_msg_nomem;

#endif
