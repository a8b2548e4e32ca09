/*
 * cache.c - the data caches.
 *
 * A copy of a memory line is found by (set, tag[, asid]).  Which bits make
 * them is the whole story of aliasing: on VIVT both come from the virtual
 * address, so two addresses of one physical line are two copies; on VIPT
 * the set comes from the virtual address and the tag from the physical
 * one, so only addresses of the same colour meet; on PIPT they always do.
 * Copies the hardware keeps coherent between CPUs behave like MESI; all
 * others are left alone, as the hardware leaves them.
 */
#include <string.h>

#include "cache.h"

static const struct profile *prof(const struct ctx *c)
{
	return &c->p->prof;
}

uint32_t cache_colour(const struct profile *pr, uint32_t va)
{
	return (va / pr->page_size) % profile_colours(pr);
}

static void key_of(const struct profile *pr, uint32_t va, uint32_t pa,
		   int asid, uint32_t *set, uint32_t *tag, uint8_t *as)
{
	uint32_t mask = ~(pr->line - 1);
	uint32_t sets = profile_sets(pr);

	*as = 0;
	switch (pr->index) {
	case IDX_VIVT:
		*set = (va / pr->line) % sets;
		*tag = va & mask;
		*as = pr->asid ? (uint8_t)asid : 0;
		break;
	case IDX_VIPT:
		*set = (va / pr->line) % sets;
		*tag = pa & mask;
		break;
	default:
		*set = (pa / pr->line) % sets;
		*tag = pa & mask;
		break;
	}
}

static int cmp_key(uint32_t s1, uint32_t t1, uint8_t a1,
		   uint32_t s2, uint32_t t2, uint8_t a2)
{
	if (s1 != s2)
		return s1 < s2 ? -1 : 1;
	if (t1 != t2)
		return t1 < t2 ? -1 : 1;
	if (a1 != a2)
		return a1 < a2 ? -1 : 1;
	return 0;
}

static int find(const struct state *s, int cpu, uint32_t set, uint32_t tag,
		uint8_t as)
{
	int i;

	for (i = 0; i < s->nlines[cpu]; i++) {
		const struct cline *l = &s->lines[cpu][i];

		if (l->set == set && l->tag == tag && l->asid == as)
			return i;
	}
	return -1;
}

static unsigned words(const struct ctx *c)
{
	return prof(c)->line / 4;
}

static void writeback(struct ctx *c, int cpu, struct cline *l)
{
	const struct profile *pr = prof(c);
	unsigned gw = pr->dirty_granule / 4;
	unsigned g, w;

	if (l->dirty == 0)
		return;
	for (g = 0; g < words(c) / gw; g++) {
		if (!(l->dirty & (1u << g)))
			continue;
		for (w = g * gw; w < (g + 1) * gw; w++)
			mem_write(c->s, l->pa + 4 * w, l->data[w]);
	}
	TR(c, "      cpu%d: write back line va %#x pa %#x%s\n", cpu, l->va,
	   l->pa, l->dirty == (1u << (words(c) / gw)) - 1 ? "" :
	   " (dirty half only)");
	l->dirty = 0;
}

static void remove_line(struct state *s, int cpu, int i)
{
	memmove(&s->lines[cpu][i], &s->lines[cpu][i + 1],
		sizeof(struct cline) * (size_t)(s->nlines[cpu] - i - 1));
	s->nlines[cpu]--;
}

void cache_evict(struct ctx *c, int cpu, int i)
{
	struct cline *l = &c->s->lines[cpu][i];

	TR(c, "      cpu%d: evict line va %#x pa %#x%s\n", cpu, l->va, l->pa,
	   l->dirty ? " (dirty)" : "");
	writeback(c, cpu, l);
	remove_line(c->s, cpu, i);
}

void cache_writeback(struct ctx *c, int cpu, int i)
{
	writeback(c, cpu, &c->s->lines[cpu][i]);
}

/* Is line j of cpu d kept coherent with a copy (set, tag, pa) on cpu? */
static int coherent(const struct ctx *c, const struct cline *l,
		    uint32_t set, uint32_t tag, uint32_t pa_line)
{
	if (l->set & ISET)
		return 0;	/* nothing snoops an instruction cache */
	switch (prof(c)->coherence) {
	case COH_PHYSICAL:
		return l->pa == pa_line;
	case COH_COLOUR:
		return l->pa == pa_line && l->set == set && l->tag == tag;
	default:
		return 0;
	}
}

/*
 * Before cpu reads the line: a dirty coherent copy elsewhere supplies the
 * data (modelled as a write-back).  Before it writes: every coherent copy
 * elsewhere is written back if dirty and invalidated.
 */
static void snoop(struct ctx *c, int cpu, uint32_t set, uint32_t tag,
		  uint32_t pa_line, int for_write)
{
	int d, i;

	if (prof(c)->coherence == COH_NONE)
		return;
	for (d = 0; d < c->p->ncpus; d++) {
		if (d == cpu)
			continue;
		for (i = 0; i < c->s->nlines[d]; i++) {
			struct cline *l = &c->s->lines[d][i];

			if (!coherent(c, l, set, tag, pa_line))
				continue;
			if (l->dirty) {
				TR(c, "      snoop: cpu%d supplies its dirty copy\n",
				   d);
				writeback(c, d, l);
			}
			if (for_write) {
				TR(c, "      snoop: cpu%d copy invalidated\n", d);
				remove_line(c->s, d, i);
				i--;
			}
		}
	}
}

/* Make room in a full set: the victim is the explorer's choice. */
static int make_room(struct ctx *c, int cpu, uint32_t set)
{
	struct state *s = c->s;
	int in_set[64];
	int n = 0, i;

	for (i = 0; i < s->nlines[cpu] && n < 64; i++)
		if (s->lines[cpu][i].set == set)
			in_set[n++] = i;
	if ((uint32_t)n < prof(c)->ways) {
		if (s->nlines[cpu] < MAX_LINES)
			return 0;
		/* the model's capacity, not the cache's: say so */
		s->overflow = 1;
		return -1;
	}
	c->nchoices = n;
	TR(c, "      cpu%d: set %u is full\n", cpu, set);
	cache_evict(c, cpu, in_set[c->choice % n]);
	return 0;
}

static struct cline *fill(struct ctx *c, int cpu, uint32_t va, uint32_t pa,
			  uint32_t set, uint32_t tag, uint8_t as)
{
	struct state *s = c->s;
	uint32_t pa_line = pa & ~(prof(c)->line - 1);
	uint32_t va_line = va & ~(prof(c)->line - 1);
	struct cline *l;
	unsigned w;
	int i;

	if (make_room(c, cpu, set) < 0)
		return NULL;
	for (i = 0; i < s->nlines[cpu]; i++) {
		struct cline *o = &s->lines[cpu][i];

		if (cmp_key(set, tag, as, o->set, o->tag, o->asid) < 0)
			break;
	}
	memmove(&s->lines[cpu][i + 1], &s->lines[cpu][i],
		sizeof(struct cline) * (size_t)(s->nlines[cpu] - i));
	s->nlines[cpu]++;
	l = &s->lines[cpu][i];
	memset(l, 0, sizeof(*l));
	l->set = set;
	l->tag = tag;
	l->asid = as;
	l->pa = pa_line;
	l->va = va_line;
	for (w = 0; w < words(c); w++)
		l->data[w] = mem_read(s, pa_line + 4 * w);
	TR(c, "      cpu%d: miss, fill %sline va %#x pa %#x (set %u) from memory\n",
	   cpu, set & ISET ? "I-cache " : "", va_line, pa_line, set & ~ISET);
	return l;
}

/*
 * Reduction 4: a page every access reaches through one alias (and its
 * coherent copies) behaves as memory.  Returns 1 when pa is such a page
 * and va is that alias; an access through another alias records a
 * violation, and the search starts again without the reduction for it.
 */
static int single_page(const struct ctx *c, uint32_t pa)
{
	const struct prog *p = c->p;
	int i;

	if (p->single_alias == 0)
		return -1;
	for (i = 0; i < p->npages; i++)
		if (pa - p->pages[i].pa < p->prof.page_size)
			return p->single_alias & (1ull << i) ? i : -1;
	return -1;
}

static void violate(struct ctx *c, int page)
{
	if (c->s->violation == 0)
		c->s->violation = (int8_t)(page + 1);
}

/* An access by something other than a CPU alias: pa has no single alias. */
static void another_copy(struct ctx *c, uint32_t pa)
{
	int i = single_page(c, pa);

	if (i >= 0)
		violate(c, i);
}

static int single_alias(struct ctx *c, uint32_t va, uint32_t pa)
{
	const struct prog *p = c->p;
	uint32_t sz = p->prof.page_size, a;
	int i = single_page(c, pa);

	if (i < 0)
		return 0;
	a = p->alias_va[i];
	switch (p->prof.index) {
	case IDX_VIVT:
		if ((va & ~(sz - 1)) == a)
			return 1;
		break;
	case IDX_VIPT:
		if (cache_colour(&p->prof, va) == cache_colour(&p->prof, a))
			return 1;
		break;
	default:
		return 1;
	}
	violate(c, i);
	return 1;
}

uint32_t cache_load(struct ctx *c, uint32_t va, uint32_t pa, int asid)
{
	const struct profile *pr = prof(c);
	uint32_t set, tag;
	uint8_t as;
	struct cline *l;
	int i;

	if (pr->index == IDX_NONE)
		return mem_read(c->s, pa);
	if (single_alias(c, va, pa)) {
		TR(c, "      (the page's only alias: read from memory)\n");
		return mem_read(c->s, pa);
	}
	key_of(pr, va, pa, asid, &set, &tag, &as);
	i = find(c->s, c->cpu, set, tag, as);
	if (i >= 0) {
		l = &c->s->lines[c->cpu][i];
		TR(c, "      cpu%d: hit line va %#x pa %#x%s\n", c->cpu, l->va,
		   l->pa, l->dirty ? " (dirty)" : "");
		return l->data[(pa % pr->line) / 4];
	}
	snoop(c, c->cpu, set, tag, pa & ~(pr->line - 1), 0);
	l = fill(c, c->cpu, va, pa, set, tag, as);
	if (l == NULL)
		return mem_read(c->s, pa);
	return l->data[(pa % pr->line) / 4];
}

void cache_store(struct ctx *c, uint32_t va, uint32_t pa, int asid,
		 uint32_t val)
{
	const struct profile *pr = prof(c);
	uint32_t set, tag;
	uint8_t as;
	struct cline *l;
	unsigned w;
	int i;

	if (pr->index == IDX_NONE) {
		mem_write(c->s, pa, val);
		return;
	}
	if (single_alias(c, va, pa)) {
		TR(c, "      (the page's only alias: written to memory)\n");
		mem_write(c->s, pa, val);
		return;
	}
	w = (pa % pr->line) / 4;
	key_of(pr, va, pa, asid, &set, &tag, &as);
	snoop(c, c->cpu, set, tag, pa & ~(pr->line - 1), 1);
	i = find(c->s, c->cpu, set, tag, as);
	if (i >= 0) {
		l = &c->s->lines[c->cpu][i];
		TR(c, "      cpu%d: hit line va %#x pa %#x, %s\n", c->cpu, l->va,
		   l->pa, pr->write_back ? "now dirty" : "written through");
	} else if (pr->write_allocate) {
		l = fill(c, c->cpu, va, pa, set, tag, as);
		if (l == NULL)
			return;
	} else {
		TR(c, "      cpu%d: miss, no allocation on write: to memory\n",
		   c->cpu);
		mem_write(c->s, pa, val);
		return;
	}
	l->data[w] = val;
	if (pr->write_back)
		l->dirty |= (uint16_t)(1u << (w / (pr->dirty_granule / 4)));
	else
		mem_write(c->s, pa, val);
}

uint32_t cache_peek(const struct ctx *c, uint32_t va, uint32_t pa, int asid)
{
	const struct profile *pr = prof(c);
	uint32_t set, tag;
	uint8_t as;
	int i, d;

	if (pr->index == IDX_NONE)
		return mem_read(c->s, pa);
	key_of(pr, va, pa, asid, &set, &tag, &as);
	i = find(c->s, c->cpu, set, tag, as);
	if (i >= 0)
		return c->s->lines[c->cpu][i].data[(pa % pr->line) / 4];
	/* a miss would be supplied by a dirty coherent copy elsewhere */
	for (d = 0; d < c->p->ncpus; d++) {
		if (d == c->cpu)
			continue;
		for (i = 0; i < c->s->nlines[d]; i++) {
			const struct cline *l = &c->s->lines[d][i];

			if (l->dirty && coherent(c, l, set, tag,
						 pa & ~(pr->line - 1)))
				return l->data[(pa % pr->line) / 4];
		}
	}
	return mem_read(c->s, pa);
}

uint32_t cache_peek_alias(struct ctx *c, uint32_t va, uint32_t pa, int asid)
{
	if (prof(c)->index != IDX_NONE && single_alias(c, va, pa))
		return mem_read(c->s, pa);
	return cache_peek(c, va, pa, asid);
}

int cache_line_stale(const struct ctx *c, int cpu, int i)
{
	const struct cline *l = &c->s->lines[cpu][i];
	unsigned w;

	for (w = 0; w < words(c); w++)
		if (l->data[w] != mem_read(c->s, l->pa + 4 * w))
			return 1;
	return 0;
}

static void maint(struct ctx *c, int cpu, int i, enum maint m)
{
	struct cline *l = &c->s->lines[cpu][i];

	switch (m) {
	case M_CLEAN:
		TR(c, "      cpu%d: clean line va %#x pa %#x\n", cpu, l->va,
		   l->pa);
		writeback(c, cpu, l);
		break;
	case M_INV:
		TR(c, "      cpu%d: invalidate line va %#x pa %#x%s\n", cpu,
		   l->va, l->pa, l->dirty ? " (dirty data discarded)" : "");
		remove_line(c->s, cpu, i);
		break;
	case M_FLUSH:
		TR(c, "      cpu%d: clean+invalidate line va %#x pa %#x\n", cpu,
		   l->va, l->pa);
		writeback(c, cpu, l);
		remove_line(c->s, cpu, i);
		break;
	}
}

void cache_maint_line(struct ctx *c, int cpu, uint32_t va, uint32_t pa,
		      int asid, enum maint m)
{
	uint32_t set, tag;
	uint8_t as;
	int i;

	if (prof(c)->index == IDX_NONE)
		return;
	/* discarding data would be visible even through one alias */
	if (m == M_INV && single_page(c, pa) >= 0)
		violate(c, single_page(c, pa));
	key_of(prof(c), va, pa, asid, &set, &tag, &as);
	i = find(c->s, cpu, set, tag, as);
	if (i >= 0)
		maint(c, cpu, i, m);
}

void cache_maint_phys(struct ctx *c, int cpu, uint32_t pa, uint32_t len,
		      enum maint m)
{
	int i;

	for (i = 0; i < c->s->nlines[cpu]; i++) {
		struct cline *l = &c->s->lines[cpu][i];

		if (!(l->set & ISET) && l->pa >= pa && l->pa < pa + len) {
			int n = c->s->nlines[cpu];

			maint(c, cpu, i, m);
			if (c->s->nlines[cpu] < n)
				i--;
		}
	}
}

void cache_maint_set(struct ctx *c, int cpu, uint32_t set, enum maint m)
{
	int i;

	for (i = 0; i < c->s->nlines[cpu]; i++) {
		if (c->s->lines[cpu][i].set != set)
			continue;
		if (m != M_CLEAN && single_page(c, c->s->lines[cpu][i].pa) >= 0)
			violate(c, single_page(c, c->s->lines[cpu][i].pa));
		maint(c, cpu, i, m);
		if (m != M_CLEAN)
			i--;
	}
}

void cache_maint_all(struct ctx *c, int cpu, enum maint m)
{
	int i;

	for (i = 0; i < c->s->nlines[cpu]; i++) {
		int n = c->s->nlines[cpu];

		maint(c, cpu, i, m);
		if (c->s->nlines[cpu] < n)
			i--;
	}
}

/*
 * Instruction fetch.  The I-cache is indexed like the D-cache (its
 * lines are kept in the same array, their set numbers marked with ISET)
 * and fills from memory: a dirty D-cache line of the same code is not
 * seen, which is why code written through the D-cache needs a clean of
 * the D-cache and an invalidate of the I-cache before it runs.
 */
uint32_t cache_ifetch(struct ctx *c, uint32_t va, uint32_t pa, int asid)
{
	const struct profile *pr = prof(c);
	uint32_t set, tag;
	uint8_t as;
	struct cline *l;
	int i;

	if (!pr->icache)
		return cache_load(c, va, pa, asid);
	another_copy(c, pa);		/* the I-cache's */
	key_of(pr, va, pa, asid, &set, &tag, &as);
	set |= ISET;
	i = find(c->s, c->cpu, set, tag, as);
	if (i >= 0) {
		l = &c->s->lines[c->cpu][i];
		TR(c, "      cpu%d: I-cache hit line va %#x pa %#x\n", c->cpu,
		   l->va, l->pa);
		return l->data[(pa % pr->line) / 4];
	}
	l = fill(c, c->cpu, va, pa, set, tag, as);
	if (l == NULL)
		return mem_read(c->s, pa);
	return l->data[(pa % pr->line) / 4];
}

void cache_imaint_line(struct ctx *c, int cpu, uint32_t va, uint32_t pa,
		       int asid)
{
	uint32_t set, tag;
	uint8_t as;
	int i;

	if (!prof(c)->icache)
		return;
	key_of(prof(c), va, pa, asid, &set, &tag, &as);
	i = find(c->s, cpu, set | ISET, tag, as);
	if (i >= 0) {
		TR(c, "      cpu%d: invalidate I-cache line va %#x pa %#x\n",
		   cpu, c->s->lines[cpu][i].va, c->s->lines[cpu][i].pa);
		remove_line(c->s, cpu, i);
	}
}

void cache_imaint_all(struct ctx *c, int cpu)
{
	int i;

	for (i = 0; i < c->s->nlines[cpu]; i++)
		if (c->s->lines[cpu][i].set & ISET) {
			remove_line(c->s, cpu, i);
			i--;
		}
	TR(c, "      cpu%d: invalidate the whole I-cache\n", cpu);
}

/*
 * A bus master's access to physical memory.  On a DMA-coherent machine
 * the interconnect snoops every data cache, as for another CPU with
 * physical coherence; elsewhere the device sees memory only.
 */
static void dma_snoop(struct ctx *c, uint32_t pa, int for_write)
{
	uint32_t pa_line = pa & ~(prof(c)->line - 1);
	int cpu, i;

	for (cpu = 0; cpu < c->p->ncpus; cpu++)
		for (i = 0; i < c->s->nlines[cpu]; i++) {
			struct cline *l = &c->s->lines[cpu][i];

			if ((l->set & ISET) || l->pa != pa_line)
				continue;
			writeback(c, cpu, l);
			if (for_write) {
				remove_line(c->s, cpu, i);
				i--;
			}
		}
}

static void dma_touch(struct ctx *c, uint32_t pa, int for_write)
{
	another_copy(c, pa);		/* the device's */
	if (prof(c)->index != IDX_NONE && prof(c)->dma_coherent)
		dma_snoop(c, pa, for_write);
}

uint32_t cache_dma_read(struct ctx *c, uint32_t pa)
{
	uint32_t v;

	dma_touch(c, pa, 0);
	v = mem_read(c->s, pa);
	TR(c, "      device reads memory pa %#x: %d\n", pa, (int32_t)v);
	return v;
}

void cache_dma_write(struct ctx *c, uint32_t pa, uint32_t val)
{
	dma_touch(c, pa, 1);
	mem_write(c->s, pa, val);
	TR(c, "      device writes memory pa %#x: %d\n", pa, (int32_t)val);
}
