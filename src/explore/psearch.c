/*
 * psearch.c - the search on N threads (--jobs N).
 *
 * Each searcher runs the depth-first search of search.c on a stack of
 * its own; all share the visited set (cset.c, locked per shard only to
 * add) and the component tables.  A searcher that runs out of work says
 * so (`hungry`); a busy one then hands over one unexplored transition of
 * its lowest frame (the largest subtree it knows of) as a task: the
 * state's id, the transition, and the path from the initial state.
 *
 * Loops.  The sequential search reports a state met again on its own
 * path.  In parallel a cycle can cross searchers: A holds s1 on its
 * stack, B reaches s1 from s2 while A reaches s2 from s1, and neither
 * meets its own stack.  (A searcher that meets its own stack stops all
 * at once.)  So every state counts what it still waits for:
 * its own stack frame, its children, and each successor that was still
 * open (on some stack, or in a task) when it was met; a state is
 * finished when that count drops to zero, and then tells the states that
 * wait for it.  In a graph without cycles every state finishes; in one
 * with a cycle, the states of the cycle wait for each other forever.
 * So the search either meets its own stack or ends with unfinished
 * states exactly when the graph has a cycle, and then search() runs the
 * sequential search, which reports the loop with the same message and
 * path as without --jobs.  docs/parallel.md gives the argument.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cset.h"
#include "explorer.h"
#include "membudget.h"
#include "step.h"

/*
 * aux[0] of a state: the searcher whose stack holds it (+1, top byte)
 * and the count of what it waits for; aux[1]: the list of the states
 * waiting for it (node index + 1), or CLOSED once finished.
 */
#define OWNER_SHIFT	24
#define COUNT_MASK	((1u << OWNER_SHIFT) - 1)
#define CLOSED		UINT32_MAX

#define NODE_BITS	16
#define NODE_DIR	(1u << 16)
#define NODE_BLOCK	1024u
#define FLUSH		256
#define SPAWN_AT	4096	/* states before the other searchers start */

struct node {
	uint32_t waiter;
	uint32_t next;
};

struct task {
	uint32_t parent;	/* NO_ID: label is the initial state's id */
	uint32_t label;
	uint32_t *path;		/* from the initial state to parent */
	int npath;
	struct task *next;
};

struct par {
	struct cset *visited;
	int n;			/* searchers started (under lock) */
	int want;		/* --jobs */
	struct worker *w;
	pthread_mutex_t lock;	/* tasks, idle, done */
	pthread_cond_t cond;
	struct task *tasks;
	int idle, done;
	_Atomic int ntasks;
	_Atomic int hungry;
	_Atomic int stop;
	_Atomic int loop;	/* a searcher met its own stack */
	_Atomic uint64_t violated;
	_Atomic size_t states;	/* new states, flushed in batches */
	struct node *_Atomic *nodes;
	_Atomic uint32_t nblocks;
	_Atomic size_t node_bytes;
	pthread_mutex_t rlock;	/* the result and the outcome set */
};

struct worker {
	struct explorer e;	/* first: the explorer is the worker */
	struct par *P;
	pthread_t th;
	uint32_t nnext, nend;	/* this searcher's block of nodes */
	uint32_t *fin;		/* finish(): the states to finish */
	size_t nfin, capfin;
	size_t fresh;		/* new states not yet added to P->states */
	size_t finished;
	size_t transitions;
	/* these counters change at every transition: keep the next
	 * searcher's explorer off their cache line */
	char pad[128];
};

static _Atomic uint32_t *aux(struct par *P, uint32_t id)
{
	return cset_aux(P->visited, id);
}

static void stop_all(struct par *P)
{
	atomic_store(&P->stop, 1);
	pthread_mutex_lock(&P->lock);
	P->done = 1;
	pthread_cond_broadcast(&P->cond);
	pthread_mutex_unlock(&P->lock);
}

static struct node *node_at(struct par *P, uint32_t i)
{
	struct node *c = atomic_load(&P->nodes[i >> NODE_BITS]);

	return &c[i & ((1u << NODE_BITS) - 1)];
}

/* A node of this searcher's block; 0 when memory is out. */
static int node_new(struct worker *w, uint32_t *idx)
{
	struct par *P = w->P;

	if (w->nnext == w->nend) {
		uint32_t b = atomic_fetch_add(&P->nblocks, 1);
		size_t sz = sizeof(struct node) << NODE_BITS;
		struct node *_Atomic *d;
		struct node *c, *none = NULL;

		if ((size_t)b * NODE_BLOCK >= (size_t)NODE_DIR << NODE_BITS)
			return 0;
		w->nnext = b * NODE_BLOCK;
		w->nend = w->nnext + NODE_BLOCK;
		d = &P->nodes[w->nnext >> NODE_BITS];
		if (atomic_load(d) == NULL) {
			if (!mem_take(sz))
				return 0;
			c = calloc(1, sz);
			if (c == NULL) {
				mem_give(sz);
				return 0;
			}
			if (atomic_compare_exchange_strong(d, &none, c)) {
				atomic_fetch_add(&P->node_bytes, sz);
			} else {
				free(c);
				mem_give(sz);
			}
		}
	}
	*idx = w->nnext++;
	return 1;
}

/* The states id waited for are done, and so is id: tell its waiters. */
static void finish(struct worker *w, uint32_t id)
{
	struct par *P = w->P;
	uint32_t h;

	w->nfin = 0;
	for (;;) {
		w->finished++;
		h = atomic_exchange(&aux(P, id)[1], CLOSED);
		while (h != 0) {
			struct node *n = node_at(P, h - 1);

			if ((atomic_fetch_sub(&aux(P, n->waiter)[0], 1) &
			     COUNT_MASK) == 1) {
				if (w->nfin == w->capfin) {
					w->capfin = w->capfin ? 2 * w->capfin : 64;
					w->fin = realloc(w->fin, sizeof(uint32_t) *
							 w->capfin);
					if (w->fin == NULL)
						abort();
				}
				w->fin[w->nfin++] = n->waiter;
			}
			h = n->next;
		}
		if (w->nfin == 0)
			return;
		id = w->fin[--w->nfin];
	}
}

/* Give back one count of id (whose counters are a); the last finishes it. */
static void release_at(struct worker *w, _Atomic uint32_t *a, uint32_t id)
{
	if ((atomic_fetch_sub(&a[0], 1) & COUNT_MASK) == 1)
		finish(w, id);
}

static void release(struct worker *w, uint32_t id)
{
	release_at(w, aux(w->P, id), id);
}

/*
 * waiter waits for v, with a count it already holds for it: 0 if v has
 * finished (the caller keeps the count), or memory ran out.
 */
static int wait_on(struct worker *w, uint32_t v, uint32_t waiter)
{
	_Atomic uint32_t *head = &aux(w->P, v)[1];
	uint32_t h = atomic_load(head), i;
	struct node *n;

	if (h == CLOSED)
		return 0;
	if (!node_new(w, &i)) {
		ex_error(&w->e, ex_msg_nomem, (struct pos){ 0 }, NO_LABEL);
		return 0;
	}
	n = node_at(w->P, i);
	n->waiter = waiter;
	do {
		if (h == CLOSED)
			return 0;
		n->next = h;
	} while (!atomic_compare_exchange_weak(head, &h, i + 1));
	return 1;
}

/*
 * Frame f's state u has a transition to v, met before: u waits for v
 * unless v is finished.  If v is on this searcher's own stack, this is
 * a cycle, found at once as the sequential search finds it; a cycle
 * through other searchers' states shows as states that never finish.
 */
static void met_again(struct worker *w, const struct frame *f, uint32_t v,
		      _Atomic uint32_t *a)
{
	struct par *P = w->P;

	if (atomic_load(&a[1]) == CLOSED)
		return;
	if (atomic_load(&a[0]) >> OWNER_SHIFT == (uint32_t)w->e.me + 1) {
		atomic_store(&P->loop, 1);
		stop_all(P);
		return;
	}
	atomic_fetch_add(&f->aux[0], 1);
	if (!wait_on(w, v, f->id))
		atomic_fetch_sub(&f->aux[0], 1);	/* f holds others */
}

/* Leave the top frame: its state waits for what it still must, or ends. */
static void pop_frame(struct worker *w)
{
	struct frame *f = &w->e.stack[w->e.depth - 1];
	uint32_t v = f->id, parent = f->parent;
	_Atomic uint32_t *a = f->aux;
	int pending, borrowed = f->borrowed;

	ex_drop_frame(&w->e);
	if (borrowed) {
		release_at(w, a, v);
		return;
	}
	atomic_fetch_sub(&a[0], (uint32_t)(w->e.me + 1) << OWNER_SHIFT);
	/* only this searcher adds to v's count, so 1 means nothing left */
	pending = (atomic_load(&a[0]) & COUNT_MASK) > 1;
	if (pending && parent != NO_ID && !wait_on(w, v, parent))
		release(w, parent);
	release_at(w, a, v);
	if (!pending && parent != NO_ID)
		release(w, parent);
}

/* The frame's state is id: its bytes and counters. */
static void frame_state(struct par *P, struct frame *f, uint32_t id)
{
	size_t len;

	f->id = id;
	f->key = cset_key(P->visited, id, &len);
	f->len = (uint32_t)len;
	f->aux = aux(P, id);
}

/*
 * Push the new state v (its bytes at key, its counters a), reached from
 * frame pf: 0 if it is final.
 */
static int push_state(struct worker *w, uint32_t v, const uint8_t *key,
		      _Atomic uint32_t *a, struct frame *pf)
{
	struct explorer *e = &w->e;
	uint32_t parent = NO_ID;
	struct frame *f;

	if (pf != NULL) {
		atomic_fetch_add(&pf->aux[0], 1);
		parent = pf->id;
	}
	/* ex_new_frame may move the stack: pf is not used below */
	f = ex_new_frame(e);
	f->id = v;
	f->key = key;
	f->len = (uint32_t)state_max_bytes(e->p);
	f->aux = a;
	atomic_fetch_add(&f->aux[0], 1 + ((uint32_t)(e->me + 1) << OWNER_SHIFT));
	f->parent = parent;
	state_decode(e->codec, f->key, f->len, e->s);
	if (ex_labels_of(e, f, e->s) == 0) {
		e->depth++;
		pop_frame(w);
		return 0;
	}
	e->depth++;
	return 1;
}

/* A hungry searcher waits: hand over one transition of the lowest frame. */
static void share(struct worker *w)
{
	struct explorer *e = &w->e;
	struct par *P = w->P;
	struct task *t;
	struct frame *f;
	int i;

	for (i = e->base; i < e->depth; i++)
		if (e->stack[i].next < e->stack[i].nlabels)
			break;
	if (i == e->depth)
		return;
	f = &e->stack[i];
	t = malloc(sizeof(*t));
	if (t == NULL)
		abort();
	t->parent = f->id;
	t->label = f->labels[--f->nlabels];
	t->npath = i;
	t->path = malloc(sizeof(uint32_t) * ((size_t)i + 1));
	if (t->path == NULL)
		abort();
	for (i = 0; i < t->npath; i++)
		t->path[i] = e->stack[i].chosen;
	atomic_fetch_add(&f->aux[0], 1);	/* the task's count */
	pthread_mutex_lock(&P->lock);
	t->next = P->tasks;
	P->tasks = t;
	atomic_fetch_add(&P->ntasks, 1);
	pthread_cond_signal(&P->cond);
	pthread_mutex_unlock(&P->lock);
}

/* The next task, or NULL when every searcher is idle (or stopped). */
static struct task *next_task(struct par *P)
{
	struct task *t = NULL;

	pthread_mutex_lock(&P->lock);
	P->idle++;
	for (;;) {
		if (P->tasks != NULL) {
			t = P->tasks;
			P->tasks = t->next;
			atomic_fetch_sub(&P->ntasks, 1);
			P->idle--;
			break;
		}
		if (P->done)
			break;
		if (P->idle == P->n) {
			P->done = 1;
			pthread_cond_broadcast(&P->cond);
			break;
		}
		atomic_store(&P->hungry, P->idle);
		pthread_cond_wait(&P->cond, &P->lock);
	}
	atomic_store(&P->hungry, P->idle);
	pthread_mutex_unlock(&P->lock);
	return t;
}

/* Set the stack up for task t: its path, then its frame. */
static void begin(struct worker *w, struct task *t)
{
	struct explorer *e = &w->e;
	struct frame *f;
	int i;

	memset(e->steps, 0, sizeof(long) * MAX_THREADS);
	for (i = 0; i < t->npath; i++) {
		f = ex_new_frame(e);
		f->chosen = t->path[i];
		e->depth++;
		if (LBL_KIND(t->path[i]) == LBL_STEP)
			e->steps[LBL_A(t->path[i])]++;
	}
	e->base = e->depth;
	if (t->parent == NO_ID) {
		size_t len;

		push_state(w, t->label, cset_key(w->P->visited, t->label, &len),
			   aux(w->P, t->label), NULL);
		return;
	}
	f = ex_new_frame(e);
	frame_state(w->P, f, t->parent);
	f->parent = NO_ID;
	f->borrowed = 1;
	ex_add_label(f, t->label);
	e->depth++;
}

static void *searcher(void *arg);

/*
 * Start the other searchers once the search is big enough to pay for
 * them: most scenarios have a few hundred states, done before a thread
 * would have started.
 */
static void spawn(struct par *P)
{
	int i;

	for (i = 1; i < P->want; i++) {
		pthread_mutex_lock(&P->lock);
		P->n++;
		pthread_mutex_unlock(&P->lock);
		if (pthread_create(&P->w[i].th, NULL, searcher, &P->w[i]) != 0)
			abort();
	}
}

/* One transition of the top frame. */
static void expand(struct worker *w, struct frame *f)
{
	struct explorer *e = &w->e;
	struct par *P = w->P;
	const struct search_opts *o = e->o;
	struct ctx c;
	uint32_t l, v;
	size_t len;
	int is_new;
	const uint8_t *key;
	_Atomic uint32_t *a;

	l = f->labels[f->next++];
	f->chosen = l;
	state_decode(e->codec, f->key, f->len, e->s2);
	ex_apply(e->p, e->s2, l, o->reduce, &c, NULL);
	w->transitions++;
	switch (ex_after_apply(e, f, l, &c)) {
	case AFTER_STOP:
		if (e->violation)
			atomic_fetch_or(&P->violated,
					1ull << (e->violation - 1));
		stop_all(P);
		return;
	case AFTER_DONE:
		return;
	case AFTER_STATE:
		break;
	}
	len = state_encode(e->codec, e->s2, e->buf);
	v = len ? cset_insert_at(P->visited, e->buf, len, &is_new, &key, &a) :
		  CSET_NOMEM;
	if (v == CSET_NOMEM) {
		ex_error(e, ex_msg_nomem, c.errpos, l);
		stop_all(P);
		return;
	}
	if (!is_new) {
		met_again(w, f, v, a);
		if (LBL_KIND(l) == LBL_STEP)
			e->steps[LBL_A(l)]--;
		return;
	}
	if (++w->fresh == FLUSH) {
		size_t n = atomic_fetch_add(&P->states, FLUSH) + FLUSH;

		w->fresh = 0;
		if (n == SPAWN_AT)	/* exactly one searcher sees it */
			spawn(P);
		if (o->max_states && n > o->max_states) {
			ex_error(e, "more states than --max-states", c.errpos, l);
			stop_all(P);
			return;
		}
	}
	if (!push_state(w, v, key, a, f) && LBL_KIND(l) == LBL_STEP)
		e->steps[LBL_A(l)]--;
}

static void *searcher(void *arg)
{
	struct worker *w = arg;
	struct explorer *e = &w->e;
	struct par *P = w->P;
	struct task *t;

	while ((t = next_task(P)) != NULL) {
		begin(w, t);
		free(t->path);
		free(t);
		while (e->depth > e->base && !atomic_load_explicit(&P->stop,
					memory_order_relaxed)) {
			struct frame *f = &e->stack[e->depth - 1];

			if (e->failed) {
				stop_all(P);
				break;
			}
			if (atomic_load_explicit(&P->hungry,
						 memory_order_relaxed) >
			    atomic_load_explicit(&P->ntasks,
						 memory_order_relaxed))
				share(w);
			if (f->next >= f->nlabels)
				pop_frame(w);
			else
				expand(w, f);
		}
		if (e->failed)
			stop_all(P);
		while (e->depth > 0) {
			free(e->stack[e->depth - 1].labels);
			e->depth--;
		}
		e->base = 0;
	}
	return NULL;
}

static int outcome_cmp(const void *a, const void *b)
{
	const struct outcome *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* The root: the initial state, as the first task.  0 if none. */
static int root_task(struct par *P, struct explorer *e)
{
	struct task *t;
	size_t len;
	uint32_t v;
	int is_new;

	if (!ex_start(e))
		return 0;
	len = state_encode(e->codec, e->s2, e->buf);
	v = len ? cset_insert(P->visited, e->buf, len, &is_new) : CSET_NOMEM;
	if (v == CSET_NOMEM) {
		ex_error(e, ex_msg_nomem, (struct pos){ 0 }, NO_LABEL);
		return 0;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		abort();
	t->parent = NO_ID;
	t->label = v;
	P->tasks = t;
	atomic_store(&P->ntasks, 1);
	return 1;
}

static void par_free(struct par *P)
{
	uint32_t i;

	while (P->tasks != NULL) {
		struct task *t = P->tasks;

		P->tasks = t->next;
		free(t->path);
		free(t);
	}
	for (i = 0; i < NODE_DIR && (size_t)i << NODE_BITS <
		    (size_t)atomic_load(&P->nblocks) * NODE_BLOCK; i++)
		free(atomic_load(&P->nodes[i]));
	mem_give(atomic_load(&P->node_bytes));
	free(P->nodes);
	cset_free(P->visited);
	pthread_mutex_destroy(&P->lock);
	pthread_mutex_destroy(&P->rlock);
	pthread_cond_destroy(&P->cond);
}

int psearch_once(const struct prog *p, const struct search_opts *o,
		 struct result *r)
{
	struct par P = { 0 };
	struct hashset outkeys;
	struct worker *w;
	struct codec *codec = codec_new(p);
	double t0 = ex_now();
	size_t finished = 0;
	int i, n = o->jobs, rc;

	memset(r, 0, sizeof(*r));
	P.n = 1;
	P.want = n;
	P.visited = cset_new(8);
	P.nodes = calloc(NODE_DIR, sizeof(*P.nodes));
	w = calloc((size_t)n, sizeof(*w));
	P.w = w;
	if (P.visited == NULL || P.nodes == NULL || w == NULL)
		abort();
	pthread_mutex_init(&P.lock, NULL);
	pthread_mutex_init(&P.rlock, NULL);
	pthread_cond_init(&P.cond, NULL);
	hs_init(&outkeys);
	for (i = 0; i < n; i++) {
		struct explorer *e = &w[i].e;

		w[i].P = &P;
		e->p = p;
		e->o = o;
		e->r = r;
		e->codec = codec;
		e->outkeys = &outkeys;
		e->lock = &P.rlock;
		e->par = &P;
		e->me = i;
		ex_scratch(e);
	}
	if (root_task(&P, &w[0].e)) {
		searcher(&w[0]);
		for (i = 1; i < P.n; i++)
			pthread_join(w[i].th, NULL);
	}
	r->violated = atomic_load(&P.violated) | (w[0].e.violation ?
		1ull << (w[0].e.violation - 1) : 0);
	for (i = 0; i < n; i++) {
		finished += w[i].finished;
		r->transitions += w[i].transitions;
		free(w[i].fin);
		ex_scratch_free(&w[i].e);
	}
	r->states = cset_count(P.visited);
	r->bytes = cset_bytes(P.visited) + codec_bytes(codec) +
		   atomic_load(&P.node_bytes);
	rc = r->error ? -1 : 0;
	if (atomic_load(&P.loop) ||
	    (!atomic_load(&P.stop) && r->states > 0 && finished != r->states))
		rc = PSEARCH_LOOP;
	if (r->violated)
		for (i = 0; i < 64; i++)
			if (r->violated & (1ull << i)) {
				r->violation = i + 1;
				break;
			}
	/* the order the searchers met outcomes in is not repeatable */
	if (r->nouts > 1)
		qsort(r->outs, (size_t)r->nouts, sizeof(*r->outs), outcome_cmp);
	par_free(&P);
	hs_free(&outkeys);
	codec_free(codec);
	free(w);
	r->seconds = ex_now() - t0;
	return rc;
}
