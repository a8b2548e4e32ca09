/*
 * state.c - the byte encoding of a state, and physical memory.
 *
 * The encoding holds only what can differ between states of one program:
 * each thread's used registers, the nonzero memory words, the present
 * cache lines with only the words of the profile's line size.  Two
 * states are equal exactly when their encodings are equal.
 */
#include <string.h>

#include "state.h"

#define PUT(v) do { memcpy(b, &(v), sizeof(v)); b += sizeof(v); } while (0)
#define GET(v) do { memcpy(&(v), b, sizeof(v)); b += sizeof(v); } while (0)

static unsigned line_words(const struct prog *p)
{
	return p->prof.line / 4;
}

size_t state_max_bytes(const struct prog *p)
{
	size_t n = sizeof(struct kstate) + sizeof(struct cpustate) * MAX_CPUS;
	int i;

	for (i = 0; i < p->nthreads; i++)
		n += 8 + 4 * (size_t)p->threads[i].nregs;
	n += 4 + MAX_MEM * sizeof(struct mword);
	n += (size_t)p->ncpus * (4 + MAX_LINES * (20 + 4 * MAX_LINE_WORDS));
	return n;
}

size_t state_encode(const struct prog *p, const struct state *s,
		    uint8_t *buf)
{
	uint8_t *b = buf;
	unsigned lw = line_words(p);
	int i, j;
	uint16_t n16;

	for (i = 0; i < p->nthreads; i++) {
		const struct tstate *t = &s->t[i];

		PUT(t->pc);
		PUT(t->status);
		PUT(t->kernel);
		PUT(t->preempt);
		memcpy(b, t->regs, 4 * (size_t)p->threads[i].nregs);
		b += 4 * (size_t)p->threads[i].nregs;
	}
	for (i = 0; i < p->ncpus; i++)
		PUT(s->c[i]);
	n16 = (uint16_t)s->nmem;
	PUT(n16);
	memcpy(b, s->mem, sizeof(struct mword) * (size_t)s->nmem);
	b += sizeof(struct mword) * (size_t)s->nmem;
	for (i = 0; i < p->ncpus; i++) {
		uint8_t n = (uint8_t)s->nlines[i];

		PUT(n);
		for (j = 0; j < s->nlines[i]; j++) {
			const struct cline *l = &s->lines[i][j];

			PUT(l->set);
			PUT(l->tag);
			PUT(l->asid);
			PUT(l->dirty);
			PUT(l->pa);
			PUT(l->va);
			memcpy(b, l->data, 4 * lw);
			b += 4 * lw;
		}
	}
	memcpy(b, &s->k, sizeof(s->k));
	b += sizeof(s->k);
	return (size_t)(b - buf);
}

void state_decode(const struct prog *p, const uint8_t *buf, size_t len,
		  struct state *s)
{
	const uint8_t *b = buf;
	unsigned lw = line_words(p);
	int i, j;
	uint16_t n16;

	(void)len;
	for (i = 0; i < p->nthreads; i++) {
		struct tstate *t = &s->t[i];

		GET(t->pc);
		GET(t->status);
		GET(t->kernel);
		GET(t->preempt);
		memcpy(t->regs, b, 4 * (size_t)p->threads[i].nregs);
		b += 4 * (size_t)p->threads[i].nregs;
	}
	for (i = 0; i < p->ncpus; i++)
		GET(s->c[i]);
	GET(n16);
	s->nmem = n16;
	memcpy(s->mem, b, sizeof(struct mword) * (size_t)s->nmem);
	b += sizeof(struct mword) * (size_t)s->nmem;
	for (i = 0; i < p->ncpus; i++) {
		uint8_t n;

		GET(n);
		s->nlines[i] = n;
		for (j = 0; j < n; j++) {
			struct cline *l = &s->lines[i][j];

			GET(l->set);
			GET(l->tag);
			GET(l->asid);
			GET(l->dirty);
			GET(l->pa);
			GET(l->va);
			memcpy(l->data, b, 4 * lw);
			b += 4 * lw;
		}
	}
	memcpy(&s->k, b, sizeof(s->k));
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
