/*
 * search.c - depth-first exploration with a visited set.
 *
 * Each state's transitions are: a step of each thread that can run
 * (several when a fill must choose a victim in a full set), and, with
 * `evict any`, the eviction of a cache line.  Reductions (off with
 * --no-reduce; docs/reductions.md says why each is sound):
 *   1. local instructions (register arithmetic, jumps, asserts) run
 *      eagerly after the step before them: no other thread can see them;
 *   2. a line is only offered for eviction right before a step that
 *      touches its physical line; elsewhere an eviction commutes with
 *      every step, and final write-backs cover the end of the run.
 * A state met again on the current path is a loop that can run forever:
 * an error, since every loop of a scenario must terminate.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "builtins.h"
#include "cache.h"
#include "kmm.h"
#include "hashset.h"
#include "search.h"
#include "step.h"

#define ON_STACK HS_MARK

struct frame {
	uint64_t off;
	uint32_t len;
	uint32_t *labels;
	int nlabels, cap, next;
	uint32_t chosen;
};

struct explorer {
	const struct prog *p;
	const struct search_opts *o;
	struct result *r;
	struct hashset visited;
	struct codec *codec;
	struct hashset outkeys;
	struct frame *stack;
	int depth, cap;
	uint8_t *buf;
	struct state *s, *s2, *s3;
	long *steps;		/* per thread, along the current path */
	int failed;
	uint32_t finals[64];
	int nfinals;
};

static void add_label(struct frame *f, uint32_t l)
{
	if (f->nlabels == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 16;
		f->labels = realloc(f->labels, sizeof(uint32_t) * (size_t)f->cap);
		if (f->labels == NULL)
			abort();
	}
	f->labels[f->nlabels++] = l;
}

static int observed_page(const struct prog *p, uint32_t pa)
{
	int i;

	for (i = 0; i < p->npages; i++) {
		const struct ppage *pg = &p->pages[i];

		if (pa >= pg->pa && pa - pg->pa < p->prof.page_size)
			return strcmp(pg->name, "fuse_req") != 0 &&
			       strcmp(pg->name, "fuse_scratch") != 0;
	}
	return 0;
}

/* Build the outcome of a final state into o (key and values). */
static void make_outcome(struct explorer *e, const struct state *s,
			 enum outcome_kind kind, struct outcome *o)
{
	const struct prog *p = e->p;
	size_t n = 1;
	int i, t, k;
	uint8_t *b;

	memset(o, 0, sizeof(*o));
	o->kind = kind;
	if (kind == OK_NORMAL) {
		if (p->observe_all) {
			for (t = 0; t < p->nthreads; t++)
				for (k = 0; k < p->threads[t].nregs; k++)
					if (p->threads[t].regs[k].visible)
						o->nvals++;
			o->vals = calloc((size_t)o->nvals + 1, sizeof(uint32_t));
			o->mem = calloc((size_t)s->nmem + 1, sizeof(struct mword));
			if (o->vals == NULL || o->mem == NULL)
				abort();
			i = 0;
			for (t = 0; t < p->nthreads; t++)
				for (k = 0; k < p->threads[t].nregs; k++)
					if (p->threads[t].regs[k].visible)
						o->vals[i++] = s->t[t].regs[k];
			for (i = 0; i < s->nmem; i++)
				if (observed_page(p, s->mem[i].pa))
					o->mem[o->nmem++] = s->mem[i];
		} else {
			o->nvals = p->nrefs;
			o->vals = calloc((size_t)o->nvals + 1, sizeof(uint32_t));
			if (o->vals == NULL)
				abort();
			for (i = 0; i < p->nrefs; i++) {
				const struct cref *c = &p->refs[i];

				o->vals[i] = c->is_reg ?
					     s->t[c->thread].regs[c->reg] :
					     mem_read(s, c->pa);
			}
		}
	}
	n += 4 * (size_t)o->nvals + sizeof(struct mword) * (size_t)o->nmem;
	o->key = malloc(n);
	if (o->key == NULL)
		abort();
	b = o->key;
	*b++ = (uint8_t)kind;
	if (o->nvals > 0)
		memcpy(b, o->vals, 4 * (size_t)o->nvals);
	b += 4 * (size_t)o->nvals;
	if (o->nmem > 0)
		memcpy(b, o->mem, sizeof(struct mword) * (size_t)o->nmem);
	o->keylen = n;
}

static void free_outcome(struct outcome *o)
{
	free(o->key);
	free(o->vals);
	free(o->mem);
	free(o->path);
}

static void record(struct explorer *e, const struct state *s,
		   enum outcome_kind kind, uint32_t last, const char *msg,
		   struct pos pos)
{
	struct result *r = e->r;
	struct outcome o, *n;
	int is_new, i;

	make_outcome(e, s, kind, &o);
	hs_insert(&e->outkeys, o.key, o.keylen, &is_new);
	if (!is_new) {
		free_outcome(&o);
		return;
	}
	o.msg = msg;
	o.pos = pos;
	o.npath = e->depth + (last != 0xffffffffu) + e->nfinals;
	o.path = malloc(sizeof(uint32_t) * ((size_t)o.npath + 1));
	if (o.path == NULL)
		abort();
	for (i = 0; i < e->depth; i++)
		o.path[i] = e->stack[i].chosen;
	if (last != 0xffffffffu)
		o.path[i++] = last;
	memcpy(o.path + i, e->finals, sizeof(uint32_t) * (size_t)e->nfinals);
	r->outs = realloc(r->outs, sizeof(*r->outs) * (size_t)(r->nouts + 1));
	if (r->outs == NULL)
		abort();
	n = &r->outs[r->nouts++];
	*n = o;
	/* a fault the coherent machine has too is not a verdict */
	if (e->o->stop_at_bad &&
	    (kind == OK_DEADLOCK || kind == OK_ASSERT ||
	     (e->o->reference && !result_has(e->o->reference, n)))) {
		r->stopped = 1;
		e->failed = 1;
	}
}

/*
 * Every order of the final write-backs.  Copies of different physical
 * lines commute, so a dirty line alone in its physical line is written
 * back first, in one order; only copies sharing a line are permuted.
 */
static void finals(struct explorer *e, struct state *s, uint32_t last)
{
	const struct prog *p = e->p;
	struct ctx c = { 0 };
	struct state *t;
	int cpu, i, d2, j, shared;

	c.p = p;
	c.s = s;
	c.thread = -1;
	for (cpu = 0; cpu < p->ncpus; cpu++) {
		for (i = 0; i < s->nlines[cpu]; i++) {
			struct cline *l = &s->lines[cpu][i];

			if (!l->dirty)
				continue;
			shared = 0;
			for (d2 = 0; d2 < p->ncpus && !shared; d2++)
				for (j = 0; j < s->nlines[d2]; j++)
					if ((d2 != cpu || j != i) &&
					    s->lines[d2][j].dirty &&
					    s->lines[d2][j].pa == l->pa)
						shared = 1;
			if (!shared)
				cache_writeback(&c, cpu, i);
		}
	}
	shared = 0;
	for (cpu = 0; cpu < p->ncpus; cpu++)
		for (i = 0; i < s->nlines[cpu]; i++) {
			if (!s->lines[cpu][i].dirty)
				continue;
			shared = 1;
			if (e->nfinals >= 64)
				continue;
			t = malloc(sizeof(*t));
			if (t == NULL)
				abort();
			*t = *s;
			c.s = t;
			cache_writeback(&c, cpu, i);
			e->finals[e->nfinals++] = LBL(LBL_WB, cpu, i);
			finals(e, t, last);
			e->nfinals--;
			free(t);
		}
	if (!shared)
		record(e, s, OK_NORMAL, last, NULL, (struct pos){ 0 });
}

static int all_done(const struct prog *p, const struct state *s)
{
	int t;

	for (t = 0; t < p->nthreads; t++)
		if (s->t[t].status != T_DONE)
			return 0;
	return 1;
}

/* The labels of a state; 0 if it is final (recorded here). */
static int labels_of(struct explorer *e, struct frame *f, struct state *s)
{
	const struct prog *p = e->p;
	uint32_t lines[MAX_THREADS];
	int nl = 0, any = 0, all_lines = 0, t, cpu, i, k;

	if (all_done(p, s)) {
		e->nfinals = 0;
		finals(e, s, 0xffffffffu);
		return 0;
	}
	for (t = 0; t < p->nthreads; t++) {
		uint32_t pl;
		int fp;

		if (!step_can_run(p, s, t))
			continue;
		any = 1;
		add_label(f, LBL(LBL_STEP, t, 0));
		fp = step_footprint(p, s, t, &pl);
		if (fp < 0)
			all_lines = 1;
		else if (fp > 0)
			lines[nl++] = pl;
	}
	if (!any) {
		record(e, s, OK_DEADLOCK, 0xffffffffu, "deadlock",
		       (struct pos){ 0 });
		return 0;
	}
	if (!p->evict_any)
		return f->nlabels;
	for (cpu = 0; cpu < p->ncpus; cpu++)
		for (i = 0; i < s->nlines[cpu]; i++) {
			const struct cline *l = &s->lines[cpu][i];
			int want = all_lines;

			for (k = 0; k < nl && !want; k++)
				want = l->pa == lines[k];
			/*
			 * A clean copy equal to memory is not worth evicting:
			 * a load refills the same data, a store ends as it
			 * would after the store and an eviction later.
			 */
			if (want && !l->dirty) {
				struct ctx c = { 0 };

				c.p = p;
				c.s = s;
				want = cache_line_stale(&c, cpu, i);
			}
			if (want || !e->o->reduce)
				add_label(f, LBL(LBL_EVICT, cpu, i));
		}
	return f->nlabels;
}

static int push(struct explorer *e, const uint8_t *key, size_t len,
		size_t slot)
{
	struct frame *f;

	if (e->depth == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 256;
		e->stack = realloc(e->stack, sizeof(*e->stack) * (size_t)e->cap);
		if (e->stack == NULL)
			abort();
	}
	f = &e->stack[e->depth];
	memset(f, 0, sizeof(*f));
	f->off = e->visited.slots[slot].off;
	f->len = (uint32_t)len;
	state_decode(e->codec, key, len, e->s);
	/* outcomes recorded here have the path of the frames below */
	if (labels_of(e, f, e->s) == 0) {
		free(f->labels);
		return 0;
	}
	e->visited.slots[slot].flags |= ON_STACK;
	e->depth++;
	return 1;
}

static void pop(struct explorer *e)
{
	struct frame *f = &e->stack[e->depth - 1];
	int is_new;
	size_t slot = hs_insert(&e->visited, e->visited.arena + f->off,
				f->len, &is_new);

	e->visited.slots[slot].flags &= ~ON_STACK;
	free(f->labels);
	e->depth--;
	if (e->depth > 0) {
		uint32_t l = e->stack[e->depth - 1].chosen;

		if (LBL_KIND(l) == LBL_STEP)
			e->steps[LBL_A(l)]--;
	}
}

static void error(struct explorer *e, const char *msg, struct pos pos,
		  uint32_t last)
{
	int i;

	e->failed = 1;
	e->r->error = 1;
	e->r->errmsg = msg;
	e->r->errpos = pos;
	e->r->nerrpath = e->depth + 1;
	e->r->errpath = malloc(sizeof(uint32_t) * (size_t)(e->depth + 1));
	if (e->r->errpath == NULL)
		abort();
	for (i = 0; i < e->depth; i++)
		e->r->errpath[i] = e->stack[i].chosen;
	e->r->errpath[e->depth] = last;
}

/* Apply label l to state s (in place); c is filled for the caller. */
static void apply(const struct prog *p, struct state *s, uint32_t l,
		  int reduce, struct ctx *c, struct trace *tr)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->s = s;
	c->tr = tr;
	c->thread = -1;
	switch (LBL_KIND(l)) {
	case LBL_STEP:
		c->choice = (int)LBL_B(l);
		step_thread(c, (int)LBL_A(l), reduce);
		break;
	case LBL_EVICT:
		c->cpu = (int)LBL_A(l);
		if (tr)
			trace_printf(tr, "  eviction on cpu%d:\n", c->cpu);
		cache_evict(c, (int)LBL_A(l), (int)LBL_B(l));
		break;
	case LBL_WB:
		c->cpu = (int)LBL_A(l);
		if (tr)
			trace_printf(tr, "  final write-back on cpu%d:\n",
				     c->cpu);
		cache_writeback(c, (int)LBL_A(l), (int)LBL_B(l));
		break;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/*
 * Reduction 3: where no two virtual addresses of a physical line can
 * select different copies (PIPT, VIPT with the index inside the page)
 * and the copies of different CPUs are kept coherent, every load returns
 * the last value stored, whatever the caches hold: the machine behaves
 * exactly as `none`, which is explored instead.  Not so where something
 * else sees the caches: a device on a machine whose DMA is not coherent,
 * an instruction fetch through a separate I-cache, or an invalidate that
 * discards dirty data.
 */
static int sees_caches(const struct prog *p)
{
	int t, k;

	for (t = 0; t < p->nthreads; t++) {
		if (p->threads[t].kind == TK_DEVICE && !p->prof.dma_coherent)
			return 1;
		for (k = 0; k < p->threads[t].ncode; k++) {
			const struct insn *i = &p->threads[t].code[k];

			if (i->op != OP_CALL)
				continue;
			switch (i->fn) {
			case B_FETCH_INSN:
				if (p->prof.icache)
					return 1;
				break;
			case B_INV_DCACHE_RANGE:
			case B_INVALIDATE_KERNEL_VMAP_RANGE:
			case B_DMA_MAP_SINGLE:
			case B_DMA_MAP_PAGE:
			case B_DMA_UNMAP_SINGLE:
			case B_DMA_UNMAP_PAGE:
			case B_DMA_SYNC_FOR_CPU:
			case B_DMA_SYNC_FOR_DEVICE:
				return 1;
			default:
				break;
			}
		}
	}
	return 0;
}

static const struct prog *effective(const struct prog *p, int reduce,
				    struct prog *tmp)
{
	const struct profile *pr = &p->prof;

	if (!reduce || pr->index == IDX_NONE || pr->coherence != COH_PHYSICAL ||
	    sees_caches(p))
		return p;
	if (pr->index == IDX_VIVT ||
	    (pr->index == IDX_VIPT && profile_colours(pr) > 1))
		return p;
	*tmp = *p;
	tmp->prof = *profile_find("none");
	tmp->prof.page_size = pr->page_size;
	tmp->evict_any = 0;
	return tmp;
}

/* Why thread t cannot step at a deadlock: a lock, an interrupt, a call. */
static void explain_wait(const struct prog *p, const struct state *s, int t,
			 struct trace *tr)
{
	const struct insn *in = &p->threads[t].code[s->t[t].pc];
	int cur = s->c[p->threads[t].cpu].cur;

	int l = in->op == OP_CALL && in->fn == B_SPIN_LOCK ?
		(int)s->t[t].regs[in->args[0]] : -1;

	if (l >= 0 && l < p->nlocks && s->k.lock[l] >= 0) {
		trace_printf(tr, "    P%d spins in spin_lock(%s), held by P%d\n",
			     p->threads[t].index, p->locks[l],
			     p->threads[s->k.lock[l]].index);
	} else if (p->threads[t].kind == TK_TASK && cur >= 0 && cur != t &&
		   p->threads[cur].kind == TK_IRQ &&
		   s->t[cur].status != T_DONE) {
		trace_printf(tr, "    P%d is interrupted by P%d, at: %s\n",
			     p->threads[t].index, p->threads[cur].index,
			     step_text(p, s, t));
	} else {
		trace_printf(tr, "    P%d waits at: %s\n", p->threads[t].index,
			     step_text(p, s, t));
	}
}

/*
 * Reduction 4: the pages that can have only one alias: a kernel-only page
 * (its linear address), or a page with exactly one user mapping (that
 * mapping).  Where copies of one alias on different CPUs are not kept
 * coherent, a second CPU is a second alias: then none qualifies.
 */
static uint64_t single_alias_candidates(struct prog *p)
{
	uint64_t mask = 0;
	int i, k, n;

	/*
	 * Without `evict any` the lines of such a page could still force
	 * evictions of others by taking ways of a set.
	 */
	if (p->prof.index == IDX_NONE || !p->evict_any ||
	    (p->ncpus > 1 && p->prof.coherence == COH_NONE))
		return 0;
	for (i = 0; i < p->npages && i < 64; i++) {
		if (p->pages[i].highmem)
			continue;
		p->alias_va[i] = kmm_lowmem(p, i);
		for (k = 0, n = 0; k < p->nmaps; k++)
			if (p->maps[k].page == i) {
				p->alias_va[i] = p->maps[k].va;
				n++;
			}
		if (n <= 1)
			mask |= 1ull << i;
	}
	return mask;
}

static int search_once(const struct prog *p, const struct search_opts *o,
		       struct result *r);

int search(const struct prog *p0, const struct search_opts *o,
	   struct result *r)
{
	struct prog tmp, q;
	const struct prog *p = effective(p0, o->reduce, &tmp);
	double spent = 0;
	size_t states = 0;

	q = *p;
	q.single_alias = o->reduce ? single_alias_candidates(&q) : 0;
	for (;;) {
		int rc = search_once(&q, o, r), v = r->violation;

		states += r->states;
		spent += r->seconds;
		if (v == 0) {
			r->single_alias = q.single_alias;
			r->states_all = states;
			r->seconds = spent;
			return rc;
		}
		/* a second alias of that page exists: explore it fully */
		q.single_alias &= ~(1ull << (v - 1));
		result_free(r);
	}
}

static int search_once(const struct prog *p, const struct search_opts *o,
		       struct result *r)
{
	struct explorer e = { 0 };
	double t0 = now();
	size_t len, slot;
	int is_new;

	memset(r, 0, sizeof(*r));
	e.p = p;
	e.o = o;
	e.r = r;
	hs_init(&e.visited);
	hs_init(&e.outkeys);
	e.codec = codec_new(p);
	e.buf = malloc(state_max_bytes(p));
	e.s = malloc(sizeof(struct state));
	e.s2 = malloc(sizeof(struct state));
	e.steps = calloc(MAX_THREADS, sizeof(long));
	if (e.buf == NULL || e.s == NULL || e.s2 == NULL || e.steps == NULL)
		abort();
	{
		struct ctx c0 = step_init(p, e.s2, o->reduce);

		if (e.s2->violation) {
			r->violation = e.s2->violation;
			goto out;
		}
		if (c0.end == OK_ERROR) {
			error(&e, c0.msg, c0.errpos, 0);
			goto out;
		}
		if (c0.end == OK_FAULT || c0.end == OK_ASSERT) {
			record(&e, e.s2, c0.end, 0xffffffffu, c0.msg,
			       c0.errpos);
			goto out;
		}
	}
	len = state_encode(e.codec, e.s2, e.buf);
	slot = hs_insert(&e.visited, e.buf, len, &is_new);
	push(&e, e.buf, len, slot);
	while (e.depth > 0 && !e.failed) {
		struct frame *f = &e.stack[e.depth - 1];
		struct ctx c;
		uint32_t l;
		int k;

		if (f->next >= f->nlabels) {
			pop(&e);
			continue;
		}
		l = f->labels[f->next++];
		f->chosen = l;
		state_decode(e.codec, e.visited.arena + f->off, f->len, e.s2);
		apply(p, e.s2, l, o->reduce, &c, NULL);
		r->transitions++;
		if (LBL_KIND(l) == LBL_STEP && LBL_B(l) == 0 && c.nchoices > 1)
			for (k = 1; k < c.nchoices; k++)
				add_label(f, LBL(LBL_STEP, LBL_A(l), k));
		if (e.s2->violation) {
			r->violation = e.s2->violation;
			break;
		}
		if (e.s2->overflow) {
			error(&e, "the scenario exceeds the model's capacity "
			      "(memory words or cache lines)", c.errpos, l);
			break;
		}
		if (c.end == OK_ERROR) {
			error(&e, c.msg, c.errpos, l);
			break;
		}
		if (c.end == OK_FAULT || c.end == OK_ASSERT) {
			record(&e, e.s2, c.end, l, c.msg, c.errpos);
			continue;
		}
		if (LBL_KIND(l) == LBL_STEP &&
		    ++e.steps[LBL_A(l)] > p->max_steps) {
			error(&e, "this thread takes more than --max-steps "
			      "steps", p->threads[LBL_A(l)].pos, l);
			break;
		}
		len = state_encode(e.codec, e.s2, e.buf);
		slot = hs_insert(&e.visited, e.buf, len, &is_new);
		if (!is_new) {
			if (e.visited.slots[slot].flags & ON_STACK) {
				struct pos pos = { 0 };

				if (LBL_KIND(l) == LBL_STEP)
					pos = p->threads[LBL_A(l)].code[
						e.s2->t[LBL_A(l)].pc].pos;
				error(&e, "a loop can run forever here (every "
				      "loop must terminate; waiting on another "
				      "thread needs a blocking call)", pos, l);
				break;
			}
			if (LBL_KIND(l) == LBL_STEP)
				e.steps[LBL_A(l)]--;
			continue;
		}
		if (o->max_states && e.visited.count > o->max_states) {
			error(&e, "more states than --max-states", c.errpos, l);
			break;
		}
		if (!push(&e, e.buf, len, slot) && LBL_KIND(l) == LBL_STEP)
			e.steps[LBL_A(l)]--;
	}
out:
	while (e.depth > 0) {
		free(e.stack[e.depth - 1].labels);
		e.depth--;
	}
	r->states = e.visited.count;
	r->bytes = hs_bytes(&e.visited) + codec_bytes(e.codec);
	codec_free(e.codec);
	r->seconds = now() - t0;
	free(e.stack);
	free(e.buf);
	free(e.s);
	free(e.s2);
	free(e.steps);
	hs_free(&e.visited);
	hs_free(&e.outkeys);
	return r->error ? -1 : 0;
}


void result_free(struct result *r)
{
	int i;

	for (i = 0; i < r->nouts; i++)
		free_outcome(&r->outs[i]);
	free(r->outs);
	free(r->errpath);
	memset(r, 0, sizeof(*r));
}

int result_has(const struct result *r, const struct outcome *o)
{
	int i;

	for (i = 0; i < r->nouts; i++)
		if (r->outs[i].keylen == o->keylen &&
		    memcmp(r->outs[i].key, o->key, o->keylen) == 0)
			return 1;
	return 0;
}

/* At a deadlock, say where each thread waits. */
static void deadlock_text(const struct prog *p, const struct state *s,
			  struct trace *tr)
{
	int i;

	for (i = 0; i < p->nthreads; i++)
		if (step_can_run(p, s, i))
			break;
	if (i == p->nthreads && !all_done(p, s)) {
		trace_printf(tr, "  no thread can run:\n");
		for (i = 0; i < p->nthreads; i++) {
			const struct tstate *t = &s->t[i];

			if (t->status == T_DONE)
				trace_printf(tr, "    P%d has ended\n",
					     p->threads[i].index);
			else if (t->fstate == FS_LOCK)
				trace_printf(tr, "    P%d waits in lock_page(%s), "
					     "held by P%d\n", p->threads[i].index,
					     p->pages[p->maps[t->fmap].page].name,
					     p->threads[s->k.pglock[
						p->maps[t->fmap].page]].index);
			else if (t->fstate == FS_WAIT)
				trace_printf(tr, "    P%d waits for the READ of "
					     "its page fault\n",
					     p->threads[i].index);
			else
				explain_wait(p, s, i, tr);
		}
	}
}

void witness_replay(const struct prog *p0, const uint32_t *path, int n,
		    int reduce, uint64_t single, struct trace *tr,
		    const struct witness_visit *v)
{
	struct prog tmp, q;
	const struct prog *p = effective(p0, reduce, &tmp);
	struct state *s = malloc(sizeof(*s));
	struct ctx c;
	int i;

	if (s == NULL)
		abort();
	q = *p;
	q.single_alias = single;
	p = &q;
	step_init(p, s, reduce);
	if (v != NULL)
		v->fn(v->arg, p, s, -1);
	for (i = 0; i < n; i++) {
		apply(p, s, path[i], reduce, &c, tr);
		if (v != NULL)
			v->fn(v->arg, p, s, i);
	}
	deadlock_text(p, s, tr);
	free(s);
}

void witness_trace(const struct prog *p, const uint32_t *path, int n,
		   int reduce, uint64_t single, struct trace *tr)
{
	witness_replay(p, path, n, reduce, single, tr, NULL);
}
