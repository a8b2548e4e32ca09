/*
 * estimate.c - how big will the search be?  (--estimate)
 *
 * Two measurements.  First a probe: the real search, bounded to
 * PROBE_STATES states; if it finishes, its count is the answer.  Else
 * random walks from the initial state, each step taking one of the
 * state's transitions (the same transitions the search takes, with its
 * reductions) uniformly at random.
 *
 * From the walks, for each depth d (transitions from the initial
 * state): Knuth's estimator of the number of paths of length d (the mean
 * over walks of the product of the branching factors met), which counts
 * a state once per path to it, far too many where interleavings merge;
 * the Chao1 estimate of the distinct states at depth d from how often
 * each sampled state was met (D + f1 (f1 - 1) / 2 (f2 + 1), f1 and f2
 * the states met once and twice), a lower bound when states are met
 * with unequal probabilities, as here; and the product over the state's
 * components of the distinct values each took at depth d, too many
 * where components move together.  The prediction is the geometric
 * mean of the lower and upper sums over depths, averaged over
 * EST_BATCHES batches; the two sums are its range.  The predicted time
 * is the count over the probe's speed.
 *
 * These are heuristics; the accuracy measured against real runs is in
 * bench/README.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimate.h"
#include "explorer.h"
#include "step.h"

#define PROBE_STATES	200000
#define MAX_DEPTH	100000

struct tally {
	struct hashset seen;	/* depth (4 bytes), then the state */
	struct hashset parts;	/* depth, component number, its id */
	int ncomp;
	uint32_t *mult;		/* times met, by id */
	size_t nmult;
	double *paths;		/* Knuth: sum of path weights, by depth */
	int maxd;
};

static uint64_t rnd(uint64_t *x)
{
	/* xorshift64*: fixed seeds, so estimates repeat */
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ull;
}

static int tally_add(struct tally *t, int depth, const uint8_t *key,
		     size_t len, double weight)
{
	uint8_t k[4 + 4 * (2 + MAX_CPUS + MAX_THREADS)];
	size_t slot, id;
	int is_new, d;

	memcpy(k, &depth, 4);
	memcpy(k + 4, key, len);
	slot = hs_insert(&t->seen, k, len + 4, &is_new);
	if (slot == HS_NOMEM)
		return 0;
	id = HS_ID(t->seen.slots[slot].flags);
	if (id >= t->nmult) {
		size_t n = t->nmult ? 2 * t->nmult : 4096;

		t->mult = realloc(t->mult, n * sizeof(uint32_t));
		if (t->mult == NULL)
			abort();
		memset(t->mult + t->nmult, 0, (n - t->nmult) * sizeof(uint32_t));
		t->nmult = n;
	}
	t->mult[id]++;
	for (d = 0; d < (int)(len / 4); d++) {
		uint8_t pk[12];

		memcpy(pk, &depth, 4);
		memcpy(pk + 4, &d, 4);
		memcpy(pk + 8, key + 4 * d, 4);
		if (hs_insert(&t->parts, pk, 12, &is_new) == HS_NOMEM)
			return 0;
	}
	t->ncomp = (int)(len / 4);
	if (depth > t->maxd) {
		t->paths = realloc(t->paths, sizeof(double) * (size_t)(depth + 1));
		if (t->paths == NULL)
			abort();
		for (d = t->maxd + 1; d <= depth; d++)
			t->paths[d] = 0;
		t->maxd = depth;
	}
	t->paths[depth] += weight;
	return 1;
}

/* Apply label l (choice k of a fill) to the state encoded in cur. */
static void step(struct explorer *e, const uint8_t *cur, size_t len,
		 uint32_t l, struct ctx *c)
{
	state_decode(e->codec, cur, len, e->s2);
	ex_apply(e->p, e->s2, l, e->o->reduce, c, NULL);
}

/* One walk; 0 when memory ran out.  Pages met with a second alias go
 * into *violated. */
static int walk(struct explorer *e, struct tally *t, uint64_t *rng,
		uint64_t *violated)
{
	struct frame *f = &e->stack[0];
	uint8_t cur[4 * (2 + MAX_CPUS + MAX_THREADS)];
	double weight = 1;
	size_t len;
	int depth = 0;

	e->violation = 0;
	if (!ex_start(e)) {
		if (e->violation)
			*violated |= 1ull << (e->violation - 1);
		return 1;
	}
	len = state_encode(e->codec, e->s2, cur);
	if (len == 0 || !tally_add(t, 0, cur, len, 1))
		return 0;
	while (depth < MAX_DEPTH) {
		struct ctx c;
		uint32_t l;
		int n;

		f->nlabels = 0;
		state_decode(e->codec, cur, len, e->s);
		n = ex_labels_of(e, f, e->s);
		if (n == 0)
			break;
		l = f->labels[rnd(rng) % (uint64_t)n];
		weight *= n;
		step(e, cur, len, l, &c);
		if (LBL_KIND(l) == LBL_STEP && c.nchoices > 1) {
			uint32_t k = (uint32_t)(rnd(rng) % (uint64_t)c.nchoices);

			weight *= c.nchoices;
			if (k > 0)
				step(e, cur, len, LBL(LBL_STEP, LBL_A(l), k), &c);
		}
		if (e->s2->violation) {
			*violated |= 1ull << (e->s2->violation - 1);
			break;
		}
		if (e->s2->overflow || c.end != OK_NORMAL)
			break;
		len = state_encode(e->codec, e->s2, cur);
		if (len == 0 || !tally_add(t, ++depth, cur, len, weight))
			return 0;
	}
	return 1;
}

/*
 * Per depth: the lower estimate is Chao1 (bias-corrected), the upper one
 * the product over components of the distinct values met, as if the
 * components (threads, memory, caches, kernel objects) varied
 * independently; both capped by Knuth's count of paths, and at least
 * the states met.  Sums over depths into lo, hi.
 */
static void tally_states(const struct tally *t, int walks, double *lo,
			 double *hi)
{
	size_t nd = (size_t)t->maxd + 1, nc = (size_t)t->ncomp, id, n;
	double *dist = calloc(nd, 3 * sizeof(double));
	double *comp = calloc(nd * nc, sizeof(double));
	int d, c;

	if (dist == NULL || comp == NULL)
		abort();
	for (id = 0; id < t->seen.count; id++) {
		memcpy(&d, hs_by_id(&t->seen, (uint32_t)id, &n), 4);
		dist[3 * d]++;
		if (t->mult[id] == 1)
			dist[3 * d + 1]++;
		else if (t->mult[id] == 2)
			dist[3 * d + 2]++;
	}
	for (id = 0; id < t->parts.count; id++) {
		const uint8_t *k = hs_by_id(&t->parts, (uint32_t)id, &n);

		memcpy(&d, k, 4);
		memcpy(&c, k + 4, 4);
		comp[(size_t)d * nc + (size_t)c]++;
	}
	*lo = *hi = 0;
	for (d = 0; d <= t->maxd; d++) {
		double D = dist[3 * d], f1 = dist[3 * d + 1];
		double f2 = dist[3 * d + 2], knuth = t->paths[d] / walks;
		double low = D + f1 * (f1 - 1) / (2 * (f2 + 1)), high = 1;

		for (c = 0; c < t->ncomp; c++)
			high *= comp[(size_t)d * nc + (size_t)c];
		low = fmax(fmin(low, knuth), D);
		high = fmax(fmin(high, knuth), low);
		*lo += low;
		*hi += high;
	}
	free(dist);
	free(comp);
}

/* EST_BATCHES batches of walks on q; 0 if memory ran out. */
static int batches(const struct prog *q, const struct search_opts *o,
		   int walks, struct estimate *est, uint64_t *violated)
{
	struct search_opts so = *o;
	struct explorer e = { 0 };
	struct result scratch = { 0 };
	struct hashset outkeys;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	int b, i, ok = 1;

	so.stop_at_bad = 0;
	so.reference = NULL;
	e.p = q;
	e.o = &so;
	e.r = &scratch;
	hs_init(&outkeys);
	e.outkeys = &outkeys;
	e.codec = codec_new(q);
	ex_scratch(&e);
	ex_new_frame(&e);
	est->states = 0;
	est->depth = 0;
	for (b = 0; b < EST_BATCHES && ok && !*violated; b++) {
		struct tally t = { 0 };
		double lo, hi;

		hs_init(&t.seen);
		hs_init(&t.parts);
		t.maxd = -1;
		for (i = 0; i < walks && ok; i++)
			ok = walk(&e, &t, &rng, violated);
		tally_states(&t, walks, &lo, &hi);
		est->lo += lo / EST_BATCHES;
		est->hi += hi / EST_BATCHES;
		est->states += sqrt(lo * hi) / EST_BATCHES;
		if (t.maxd > est->depth)
			est->depth = t.maxd;
		hs_free(&t.seen);
		hs_free(&t.parts);
		free(t.mult);
		free(t.paths);
	}
	free(e.stack[0].labels);
	free(e.stack);
	e.stack = NULL;
	ex_scratch_free(&e);
	codec_free(e.codec);
	hs_free(&outkeys);
	result_free(&scratch);
	return ok;
}

int estimate(const struct prog *p0, const struct search_opts *o, int walks,
	     struct estimate *est, struct result *r)
{
	struct search_opts probe = *o;
	struct prog tmp, q;
	const struct prog *p;
	uint64_t violated = 0;
	double t0 = ex_now();

	memset(est, 0, sizeof(*est));
	est->walks = walks;
	probe.max_states = PROBE_STATES;
	if (search(p0, &probe, r) < 0 &&
	    strcmp(r->errmsg, "more states than --max-states") != 0)
		return -1;
	est->probe_states = r->states;
	est->rate = r->seconds > 0 ? (double)r->states / r->seconds : 0;
	if (!r->error) {
		est->exact = 1;
		est->states = est->lo = est->hi = (double)r->states;
		est->seconds = ex_now() - t0;
		result_free(r);
		return 0;
	}
	result_free(r);
	/* the pages the search would treat normally, as search() finds them */
	p = ex_effective(p0, o->reduce, &tmp);
	q = *p;
	q.single_alias = o->reduce ? ex_single_alias(&q) : 0;
	for (;;) {
		violated = 0;
		if (!batches(&q, o, walks, est, &violated)) {
			r->error = 1;
			r->errmsg = ex_msg_nomem;
			return -1;
		}
		if (violated == 0)
			break;
		q.single_alias &= ~violated;
	}
	/* the probe stopped short: there are more states than it saw */
	est->lo = fmax(est->lo, (double)est->probe_states);
	est->hi = fmax(est->hi, est->lo);
	est->states = fmin(fmax(est->states, est->lo), est->hi);
	est->seconds = ex_now() - t0;
	return 0;
}
