/*
 * arch_common.c - helpers the architectures share, the coherent
 * architecture (every maintenance call is a no-op, as on x86 and on the
 * non-aliasing VIPT caches of ARMv7), and the table of architectures.
 */
#include "arch.h"

int page_is_anon(const struct ctx *c, int page)
{
	const struct ppage *pg = &c->p->pages[page];

	return !pg->file && !pg->kmalloc;
}

/*
 * page_mapping(page) && !mapping_mapped(mapping): no VMA maps the file.
 * A `late` mapping's VMA exists only once its first touch has faulted
 * it in.
 */
int page_unmapped_file(const struct ctx *c, int page)
{
	const struct prog *p = c->p;
	int i;

	if (!p->pages[page].file)
		return 0;
	for (i = 0; i < p->nmaps; i++)
		if (p->maps[i].page == page &&
		    (!p->maps[i].late || (c->s->k.present & (1u << i))))
			return 0;
	return 1;
}

int take_dcache_dirty(struct ctx *c, int page)
{
	uint8_t *f = &c->s->k.pgflags[page];

	if (!(*f & PGF_DCACHE_DIRTY))
		return 0;
	*f &= (uint8_t)~PGF_DCACHE_DIRTY;
	TR(c, "    update_mmu_cache: the deferred flush of %s\n",
	   c->p->pages[page].name);
	return 1;
}

int owner_map(const struct ctx *c, uint32_t uaddr)
{
	int proc = kmm_proc(c), i;

	if (proc >= 0 && (i = kmm_user_map(c->p, proc, uaddr)) >= 0)
		return i;
	for (i = 0; i < c->p->nprocs; i++) {
		int m = kmm_user_map(c->p, i, uaddr);

		if (m >= 0)
			return m;
	}
	return -1;
}

int owner_proc(const struct ctx *c, uint32_t uaddr)
{
	int m = owner_map(c, uaddr);

	return m < 0 ? -1 : c->p->maps[m].proc;
}

/*
 * mm_cpumask on a cache that is not VIVT: a CPU's bit is set when the
 * mm is switched in and not cleared again, so it stands for "some thread
 * of the process runs on this CPU".
 */
int mm_ever_on_cpu(const struct ctx *c, int proc)
{
	int t;

	for (t = 0; t < c->p->nthreads; t++)
		if (c->p->threads[t].proc == proc &&
		    c->p->threads[t].cpu == c->cpu)
			return 1;
	return 0;
}

int page_user_map(const struct ctx *c, int page)
{
	int proc = kmm_proc(c), i;

	for (i = 0; i < c->p->nmaps; i++)
		if (c->p->maps[i].page == page && c->p->maps[i].proc == proc)
			return i;
	return -1;
}

uint32_t kmap_coherent(struct ctx *c, int page, uint32_t uaddr)
{
	const struct prog *p = c->p;
	uint32_t colour = cache_colour(&p->prof, uaddr);
	uint32_t win = profile_colours(&p->prof) * p->prof.page_size;

	c->s->k.kcoh[c->cpu] = (int8_t)page;
	c->s->k.kcoh_colour[c->cpu] = (uint16_t)colour;
	TR(c, "      kmap_coherent: page %s at colour %u\n",
	   p->pages[page].name, colour);
	return KCOH_BASE + (uint32_t)c->cpu * win + colour * p->prof.page_size;
}

void kunmap_coherent(struct ctx *c)
{
	c->s->k.kcoh[c->cpu] = -1;
}

void arch_nop_page(struct ctx *c, int page)
{
	(void)c;
	(void)page;
}

void arch_nop_page_addr(struct ctx *c, int page, uint32_t uaddr)
{
	(void)c;
	(void)page;
	(void)uaddr;
}

uint32_t arch_same_addr(struct ctx *c, int page, uint32_t uaddr,
			  uint32_t kaddr)
{
	(void)c;
	(void)page;
	(void)uaddr;
	return kaddr;
}

void arch_nop_after(struct ctx *c, int page, uint32_t uaddr,
		      uint32_t kaddr, uint32_t other, uint32_t len)
{
	(void)c;
	(void)page;
	(void)uaddr;
	(void)kaddr;
	(void)len;
}

void arch_nop_kunmap(struct ctx *c, int page, uint32_t kaddr, int slot)
{
	(void)c;
	(void)page;
	(void)kaddr;
	(void)slot;
}

void arch_nop_range(struct ctx *c, uint32_t va, uint32_t len)
{
	(void)c;
	(void)va;
	(void)len;
}

int arch_never(const struct ctx *c)
{
	(void)c;
	return 0;
}

int arch_from_2_6_20(const struct ctx *c)
{
	return c->p->kver >= KV_2_6_20;
}

const char *arch_highmem_ok(enum kver v)
{
	(void)v;
	return NULL;
}

const struct arch_ops arch_coherent_ops = {
	.flush_anon_page = arch_nop_page_addr,
	.flush_dcache_page = arch_nop_page,
	.flush_kernel_dcache_page = arch_nop_page,
	.flush_cache_page = arch_nop_page_addr,
	.copy_to_user_page_before = arch_same_addr,
	.copy_to_user_page_after = arch_nop_after,
	.copy_from_user_page_before = arch_same_addr,
	.copy_from_user_page_after = arch_nop_after,
	.kunmap = arch_nop_kunmap,
	.flush_kernel_vmap_range = arch_nop_range,
	.invalidate_kernel_vmap_range = arch_nop_range,
	.gup_fast_skips_flush = arch_never,
	.kmap_atomic_disables_preempt = arch_from_2_6_20,
	.no_highmem = arch_highmem_ok,
};

const struct arch_ops *arch_ops_of(enum arch a)
{
	switch (a) {
	case ARCH_ARM:
		return &arch_arm_ops;
	case ARCH_PARISC:
		return &arch_parisc_ops;
	case ARCH_SH:
		return &arch_sh_ops;
	case ARCH_MIPS:
		return &arch_mips_ops;
	case ARCH_SPARC64:
		return &arch_sparc64_ops;
	default:
		return &arch_coherent_ops;
	}
}

const char *arch_no_highmem_why(const struct prog *p)
{
	return arch_ops_of(p->prof.arch)->no_highmem(p->kver);
}
