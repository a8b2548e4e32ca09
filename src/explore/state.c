/*
 * state.c - the byte encoding of a state, and physical memory.
 *
 * The encoding holds only what can differ between states of one program:
 * each thread's used registers, the nonzero memory words, the present
 * cache lines with only the words of the profile's line size.  Two
 * states are equal exactly when their encodings are equal.
 */
#include <stdlib.h>
#include <string.h>

#include "hashset.h"

#include "state.h"

#define PUT(v) do { memcpy(b, &(v), sizeof(v)); b += sizeof(v); } while (0)
#define GET(v) do { memcpy(&(v), b, sizeof(v)); b += sizeof(v); } while (0)

static unsigned line_words(const struct prog *p)
{
	return p->prof.line / 4;
}

/*
 * A state is stored collapsed: it is cut into components (each thread,
 * the CPUs and kernel objects, memory, each CPU's cache), each component
 * is kept once in a table of its own, and the state itself is the vector
 * of component numbers.  States that differ in one thread share all the
 * rest, which is most of the bytes (SPIN calls this COLLAPSE).
 *
 * Component layouts: a thread is its pc, status, mode, preempt count and
 * registers (a bitmap of the nonzero ones, then their values); memory is
 * the sorted nonzero words; a cache is its lines with their words.
 */
enum { COMP_SYS, COMP_MEM, COMP_CACHE0, COMP_THREAD0 = COMP_CACHE0 + MAX_CPUS };

struct codec {
	const struct prog *p;
	int ncomp;
	struct hashset tab[COMP_THREAD0 + MAX_THREADS];
	uint8_t *buf;
};

static int comp_count(const struct prog *p)
{
	return COMP_THREAD0 + p->nthreads;
}

size_t state_max_bytes(const struct prog *p)
{
	return 4 * (size_t)comp_count(p);
}

static uint8_t *enc_thread(const struct prog *p, const struct state *s, int i,
			   uint8_t *b)
{
	const struct tstate *t = &s->t[i];
	int nr = p->threads[i].nregs, k;
	uint8_t *bits = b + 11;

	PUT(t->pc);
	PUT(t->status);
	PUT(t->kernel);
	PUT(t->preempt);
	PUT(t->fstate);
	PUT(t->fmap);
	PUT(t->freq);
	PUT(t->ffail);
	PUT(t->irqoff);
	PUT(t->intr);
	memset(bits, 0, (size_t)(nr + 7) / 8);
	b = bits + (nr + 7) / 8;
	for (k = 0; k < nr; k++)
		if (t->regs[k] != 0) {
			bits[k / 8] |= (uint8_t)(1u << (k % 8));
			PUT(t->regs[k]);
		}
	return b;
}

static const uint8_t *dec_thread(const struct prog *p, struct state *s, int i,
				 const uint8_t *b)
{
	struct tstate *t = &s->t[i];
	int nr = p->threads[i].nregs, k;
	const uint8_t *bits;

	GET(t->pc);
	GET(t->status);
	GET(t->kernel);
	GET(t->preempt);
	GET(t->fstate);
	GET(t->fmap);
	GET(t->freq);
	GET(t->ffail);
	GET(t->irqoff);
	GET(t->intr);
	bits = b;
	b += (nr + 7) / 8;
	for (k = 0; k < nr; k++) {
		if (bits[k / 8] & (1u << (k % 8)))
			GET(t->regs[k]);
		else
			t->regs[k] = 0;
	}
	return b;
}

static uint8_t *enc_sys(const struct prog *p, const struct state *s,
			uint8_t *b)
{
	int i;

	for (i = 0; i < p->ncpus; i++)
		PUT(s->c[i]);
	memcpy(b, s->k.pgflags, (size_t)p->npages);
	b += p->npages;
	memcpy(b, s->k.pkmap, (size_t)p->npages);
	b += p->npages;
	for (i = 0; i < p->ncpus; i++) {
		memcpy(b, s->k.kslot[i], KM_SLOTS);
		b += KM_SLOTS;
		PUT(s->k.kdepth[i]);
		PUT(s->k.kcoh[i]);
		PUT(s->k.kcoh_colour[i]);
	}
	memcpy(b, s->k.lock, (size_t)p->nlocks);
	b += p->nlocks;
	memcpy(b, s->k.done, (size_t)p->nlocks);
	b += p->nlocks;
	memcpy(b, s->k.vmapped, (size_t)p->npages);
	b += p->npages;
	memcpy(b, s->k.pglock, (size_t)p->npages);
	b += p->npages;
	PUT(s->k.present);
	if (p->uses_fuse)
		PUT(s->k.fuse);
	return b;
}

static const uint8_t *dec_sys(const struct prog *p, struct state *s,
			      const uint8_t *b)
{
	int i;

	for (i = 0; i < p->ncpus; i++)
		GET(s->c[i]);
	memset(&s->k, 0, sizeof(s->k));
	memcpy(s->k.pgflags, b, (size_t)p->npages);
	b += p->npages;
	memcpy(s->k.pkmap, b, (size_t)p->npages);
	b += p->npages;
	for (i = 0; i < p->ncpus; i++) {
		memcpy(s->k.kslot[i], b, KM_SLOTS);
		b += KM_SLOTS;
		GET(s->k.kdepth[i]);
		GET(s->k.kcoh[i]);
		GET(s->k.kcoh_colour[i]);
	}
	memcpy(s->k.lock, b, (size_t)p->nlocks);
	b += p->nlocks;
	memcpy(s->k.done, b, (size_t)p->nlocks);
	b += p->nlocks;
	memcpy(s->k.vmapped, b, (size_t)p->npages);
	b += p->npages;
	memcpy(s->k.pglock, b, (size_t)p->npages);
	b += p->npages;
	GET(s->k.present);
	if (p->uses_fuse)
		GET(s->k.fuse);
	return b;
}

static uint8_t *enc_cache(const struct prog *p, const struct state *s,
			  int cpu, uint8_t *b)
{
	unsigned lw = line_words(p), w;
	uint8_t n = (uint8_t)s->nlines[cpu];
	int j;

	PUT(n);
	for (j = 0; j < s->nlines[cpu]; j++) {
		const struct cline *l = &s->lines[cpu][j];

		PUT(l->set);
		PUT(l->tag);
		PUT(l->asid);
		PUT(l->dirty);
		PUT(l->va);
		if (p->prof.index == IDX_VIVT)
			PUT(l->pa);
		for (w = 0; w < lw; w++)
			PUT(l->data[w]);
	}
	return b;
}

static const uint8_t *dec_cache(const struct prog *p, struct state *s,
				int cpu, const uint8_t *b)
{
	unsigned lw = line_words(p), w;
	uint8_t n;
	int j;

	GET(n);
	s->nlines[cpu] = n;
	for (j = 0; j < n; j++) {
		struct cline *l = &s->lines[cpu][j];

		GET(l->set);
		GET(l->tag);
		GET(l->asid);
		GET(l->dirty);
		GET(l->va);
		if (p->prof.index == IDX_VIVT)
			GET(l->pa);
		else
			l->pa = l->tag;
		for (w = 0; w < lw; w++)
			GET(l->data[w]);
	}
	return b;
}

struct codec *codec_new(const struct prog *p)
{
	struct codec *c = calloc(1, sizeof(*c));
	int i;

	if (c == NULL)
		abort();
	c->p = p;
	c->ncomp = comp_count(p);
	for (i = 0; i < c->ncomp; i++)
		hs_init(&c->tab[i]);
	c->buf = malloc(64 + MAX_REGS * 4 + sizeof(struct kstate) +
			MAX_MEM * sizeof(struct mword) +
			MAX_LINES * (24 + 4 * MAX_LINE_WORDS));
	if (c->buf == NULL)
		abort();
	return c;
}

void codec_free(struct codec *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ncomp; i++)
		hs_free(&c->tab[i]);
	free(c->buf);
	free(c);
}

size_t codec_bytes(const struct codec *c)
{
	size_t n = 0;
	int i;

	for (i = 0; i < c->ncomp; i++)
		n += hs_bytes(&c->tab[i]);
	return n;
}

static uint32_t intern(struct codec *c, int comp, const uint8_t *end)
{
	int is_new;
	size_t slot = hs_insert(&c->tab[comp], c->buf,
				(size_t)(end - c->buf), &is_new);

	return HS_ID(c->tab[comp].slots[slot].flags);
}

size_t state_encode(struct codec *c, const struct state *s, uint8_t *ids)
{
	const struct prog *p = c->p;
	uint32_t id;
	int i;

	if (c->ncomp == 0)
		return 0;
	id = intern(c, COMP_SYS, enc_sys(p, s, c->buf));
	memcpy(ids + 4 * COMP_SYS, &id, 4);
	id = intern(c, COMP_MEM, (uint8_t *)memcpy(c->buf, s->mem,
			sizeof(struct mword) * (size_t)s->nmem) +
		    sizeof(struct mword) * (size_t)s->nmem);
	memcpy(ids + 4 * COMP_MEM, &id, 4);
	for (i = 0; i < MAX_CPUS; i++) {
		id = i < p->ncpus ? intern(c, COMP_CACHE0 + i,
					   enc_cache(p, s, i, c->buf)) : 0;
		memcpy(ids + 4 * (COMP_CACHE0 + i), &id, 4);
	}
	for (i = 0; i < p->nthreads; i++) {
		id = intern(c, COMP_THREAD0 + i, enc_thread(p, s, i, c->buf));
		memcpy(ids + 4 * (COMP_THREAD0 + i), &id, 4);
	}
	return 4 * (size_t)c->ncomp;
}

void state_decode(const struct codec *c, const uint8_t *ids, size_t len,
		  struct state *s)
{
	const struct prog *p = c->p;
	const uint8_t *b;
	uint32_t id;
	size_t n;
	int i;

	(void)len;
	memcpy(&id, ids + 4 * COMP_SYS, 4);
	dec_sys(p, s, hs_by_id(&c->tab[COMP_SYS], id, &n));
	memcpy(&id, ids + 4 * COMP_MEM, 4);
	b = hs_by_id(&c->tab[COMP_MEM], id, &n);
	s->nmem = (int)(n / sizeof(struct mword));
	memcpy(s->mem, b, n);
	for (i = 0; i < p->ncpus; i++) {
		memcpy(&id, ids + 4 * (COMP_CACHE0 + i), 4);
		dec_cache(p, s, i, hs_by_id(&c->tab[COMP_CACHE0 + i], id, &n));
	}
	for (i = 0; i < p->nthreads; i++) {
		memcpy(&id, ids + 4 * (COMP_THREAD0 + i), 4);
		dec_thread(p, s, i, hs_by_id(&c->tab[COMP_THREAD0 + i], id, &n));
	}
	s->overflow = 0;
}

static int mem_find(const struct state *s, uint32_t pa, int *at)
{
	int lo = 0, hi = s->nmem;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (s->mem[mid].pa < pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < s->nmem && s->mem[lo].pa == pa;
}

uint32_t mem_read(const struct state *s, uint32_t pa)
{
	int at;

	return mem_find(s, pa, &at) ? s->mem[at].val : 0;
}

/* Zero words are not stored, so that equal memories encode equally. */
void mem_write(struct state *s, uint32_t pa, uint32_t val)
{
	int at;

	if (mem_find(s, pa, &at)) {
		if (val != 0) {
			s->mem[at].val = val;
			return;
		}
		memmove(&s->mem[at], &s->mem[at + 1],
			sizeof(struct mword) * (size_t)(s->nmem - at - 1));
		s->nmem--;
		return;
	}
	if (val == 0)
		return;
	if (s->nmem >= MAX_MEM) {
		s->overflow = 1;
		return;
	}
	memmove(&s->mem[at + 1], &s->mem[at],
		sizeof(struct mword) * (size_t)(s->nmem - at));
	s->mem[at].pa = pa;
	s->mem[at].val = val;
	s->nmem++;
}
