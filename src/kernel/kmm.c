/*
 * kmm.c - address translation and the maintenance primitives.
 *
 * The kernel's virtual layout is ARM's 3 GiB/1 GiB split: lowmem is the
 * linear map at PAGE_OFFSET, kmap() uses the PKMAP area below it, and
 * kmap_atomic() uses per-CPU fixmap slots at the top.  Colour-matched
 * temporary mappings live at KCOH_BASE, one window per CPU.
 */
#include "kmm.h"

static uint32_t psz(const struct prog *p)
{
	return p->prof.page_size;
}

int kmm_proc(const struct ctx *c)
{
	return c->thread < 0 ? -1 : c->p->threads[c->thread].proc;
}

uint32_t kmm_lowmem(const struct prog *p, int page)
{
	if (p->pages[page].highmem)
		return 0;
	return PAGE_OFFSET + p->pages[page].pa;
}

int kmm_page_of_struct(const struct prog *p, uint32_t ptr)
{
	uint32_t off = ptr - MEM_MAP_BASE;

	if (ptr < MEM_MAP_BASE || off % STRUCT_PAGE_SIZE != 0)
		return -1;
	off /= STRUCT_PAGE_SIZE;
	return off < (uint32_t)p->npages ? (int)off : -1;
}

int kmm_user_map(const struct prog *p, int proc, uint32_t uaddr)
{
	int i;

	for (i = 0; i < p->nmaps; i++) {
		const struct pmap *m = &p->maps[i];

		if (m->proc == proc && uaddr >= m->va &&
		    uaddr - m->va < psz(p))
			return i;
	}
	return -1;
}

static int page_at_pa(const struct prog *p, uint32_t pa)
{
	int i;

	for (i = 0; i < p->npages; i++)
		if (pa >= p->pages[i].pa && pa - p->pages[i].pa < psz(p))
			return i;
	return -1;
}

uint32_t kmm_vmap_addr(const struct prog *p, int page)
{
	uint32_t ncol = profile_colours(&p->prof);

	return VMALLOC_BASE + ((uint32_t)page * ncol + p->vmap_colour[page]) *
			      psz(p);
}

static int kernel_translate(const struct ctx *c, uint32_t va, uint32_t *pa)
{
	const struct prog *p = c->p;
	const struct kstate *k = &c->s->k;
	uint32_t sz = psz(p);
	int page;

	if (va >= FIXADDR_START) {
		uint32_t slot = (va - FIXADDR_START) / sz;
		int cpu = (int)(slot / KM_SLOTS);

		if (cpu >= p->ncpus || k->kslot[cpu][slot % KM_SLOTS] < 0)
			return -1;
		page = k->kslot[cpu][slot % KM_SLOTS];
		*pa = p->pages[page].pa + va % sz;
		return 0;
	}
	if (va >= KCOH_BASE && va < MEM_MAP_BASE + 0) {
		/* unreachable: KCOH_BASE lies above MEM_MAP_BASE */
		return -1;
	}
	if (va >= KCOH_BASE) {
		uint32_t win = profile_colours(&p->prof) * sz;
		int cpu = (int)((va - KCOH_BASE) / win);

		if (cpu >= p->ncpus || k->kcoh[cpu] < 0)
			return -1;
		page = k->kcoh[cpu];
		if (((va - KCOH_BASE) % win) / sz != k->kcoh_colour[cpu])
			return -1;
		*pa = p->pages[page].pa + va % sz;
		return 0;
	}
	if (va >= VMALLOC_BASE) {
		uint32_t slot = (va - VMALLOC_BASE) / sz;
		uint32_t ncol = profile_colours(&p->prof);

		page = (int)(slot / ncol);
		if (page >= p->npages || k->vmapped[page] == 0 ||
		    slot % ncol != p->vmap_colour[page])
			return -1;
		*pa = p->pages[page].pa + va % sz;
		return 0;
	}
	if (va >= PAGE_OFFSET) {
		if (va - PAGE_OFFSET >= HIGHMEM_PA)
			return -1;
		page = page_at_pa(p, va - PAGE_OFFSET);
		if (page < 0 || p->pages[page].highmem)
			return -1;
		*pa = va - PAGE_OFFSET;
		return 0;
	}
	if (va >= PKMAP_BASE) {
		page = (int)((va - PKMAP_BASE) / sz);
		if (page >= p->npages || k->pkmap[page] == 0)
			return -1;
		*pa = p->pages[page].pa + va % sz;
		return 0;
	}
	return -1;
}

int kmm_translate(const struct ctx *c, uint32_t va, uint32_t *pa, int *asid)
{
	const struct prog *p = c->p;
	int proc = kmm_proc(c);
	int kernel = c->thread < 0 || c->s->t[c->thread].kernel;
	int m;

	*asid = 0;
	if (c->thread >= 0 && p->threads[c->thread].kind == TK_DEVICE) {
		/* a bus address is the physical address here */
		if (page_at_pa(p, va) < 0)
			return -1;
		*pa = va;
		return 0;
	}
	if (va >= PKMAP_BASE) {
		if (!kernel)
			return -1;
		return kernel_translate(c, va, pa);
	}
	if (proc < 0)
		return -1;
	m = kmm_user_map(p, proc, va);
	if (m < 0 || !(c->s->k.present & (1u << m)))
		return -1;
	*pa = p->pages[p->maps[m].page].pa + (va - p->maps[m].va);
	*asid = proc + 1;
	return 0;
}

int kmm_fault_map(const struct ctx *c, uint32_t va)
{
	int proc = kmm_proc(c);
	int m = proc < 0 || va >= PKMAP_BASE ? -1 :
		kmm_user_map(c->p, proc, va);

	return m >= 0 && !(c->s->k.present & (1u << m)) ? m : -1;
}

int kmm_mm_live(const struct ctx *c, int cpu, int proc)
{
	return proc >= 0 && c->s->c[cpu].mm == proc;
}

static int first_cpu(const struct ctx *c)
{
	return c->p->prof.maint_broadcast ? 0 : c->cpu;
}

static int last_cpu(const struct ctx *c)
{
	return c->p->prof.maint_broadcast ? c->p->ncpus - 1 : c->cpu;
}

/*
 * By virtual address: a VIVT cache needs no translation (its tags are
 * virtual, so even a line of an address unmapped since is found); the
 * others need the physical address behind va in that context.
 */
static void range_walk(struct ctx *c, int proc, uint32_t va, uint32_t len,
		       enum maint m, int icache)
{
	const struct prog *p = c->p;
	uint32_t line = p->prof.line;
	uint32_t a, end = va + len;
	int cpu;

	if (p->prof.index == IDX_NONE || len == 0)
		return;
	for (a = va & ~(line - 1); a < end; a += line) {
		uint32_t pa = 0;
		int asid = 0;

		if (proc >= 0) {
			int mi = kmm_user_map(p, proc, a);

			if (mi >= 0)
				pa = p->pages[p->maps[mi].page].pa +
				     (a - p->maps[mi].va);
			else if (p->prof.index != IDX_VIVT)
				continue;
			asid = proc + 1;
		} else if (p->prof.index != IDX_VIVT) {
			struct ctx k = *c;

			if (kernel_translate(&k, a, &pa) < 0)
				continue;
		}
		for (cpu = first_cpu(c); cpu <= last_cpu(c); cpu++) {
			if (icache)
				cache_imaint_line(c, cpu, a, pa, asid);
			else
				cache_maint_line(c, cpu, a, pa, asid, m);
		}
	}
}

void kmm_maint_range(struct ctx *c, int proc, uint32_t va, uint32_t len,
		     enum maint m)
{
	range_walk(c, proc, va, len, m, 0);
}

void kmm_imaint_range(struct ctx *c, int proc, uint32_t va, uint32_t len)
{
	range_walk(c, proc, va, len, M_INV, 1);
}

void kmm_imaint_all(struct ctx *c)
{
	int cpu;

	if (!c->p->prof.icache)
		return;
	for (cpu = first_cpu(c); cpu <= last_cpu(c); cpu++)
		cache_imaint_all(c, cpu);
}

void kmm_maint_colour(struct ctx *c, int page, uint32_t colour_va,
		      enum maint m)
{
	const struct prog *p = c->p;
	uint32_t sz = psz(p);
	uint32_t base = KCOH_BASE + cache_colour(&p->prof, colour_va) * sz;
	uint32_t o;
	int cpu;

	if (p->prof.index == IDX_NONE)
		return;
	for (o = 0; o < sz; o += p->prof.line)
		for (cpu = first_cpu(c); cpu <= last_cpu(c); cpu++)
			cache_maint_line(c, cpu, base + o,
					 p->pages[page].pa + o, 0, m);
}

void kmm_maint_phys(struct ctx *c, int page, enum maint m)
{
	int cpu;

	if (c->p->prof.index == IDX_NONE)
		return;
	for (cpu = first_cpu(c); cpu <= last_cpu(c); cpu++)
		cache_maint_phys(c, cpu, c->p->pages[page].pa, psz(c->p), m);
}

void kmm_maint_all(struct ctx *c, enum maint m)
{
	int cpu;

	if (c->p->prof.index == IDX_NONE)
		return;
	for (cpu = first_cpu(c); cpu <= last_cpu(c); cpu++)
		cache_maint_all(c, cpu, m);
}

uint32_t kmm_kread(struct ctx *c, uint32_t kva)
{
	uint32_t pa;

	if (kernel_translate(c, kva, &pa) < 0)
		return 0;
	return cache_peek(c, kva, pa, 0);
}

void kmm_kwrite(struct ctx *c, uint32_t kva, uint32_t val)
{
	uint32_t pa;

	if (kernel_translate(c, kva, &pa) < 0)
		return;
	cache_store(c, kva, pa, 0, val);
}
