/*
 * arch_mips.c - MIPS r4k cache maintenance: arch/mips/mm/cache.c,
 * arch/mips/mm/init.c, arch/mips/include/asm/cacheflush.h.  Step lists:
 * docs/kernel-sources.md section 5.  flush_data_cache_page(addr) writes
 * back and invalidates the page at one virtual address (one colour).
 */
#include "arch.h"

static void flush_data_cache_page(struct ctx *c, uint32_t kva)
{
	kmm_maint_range(c, -1, kva, c->p->prof.page_size, M_FLUSH);
}

/* flush_anon_page: none before 2.6.21/22 (Ralf Baechle, March 2007). */
static void mips_flush_anon_page(struct ctx *c, int page, uint32_t uaddr)
{
	const struct profile *pr = &c->p->prof;
	uint32_t k = kmm_lowmem(c->p, page);

	if (c->p->kver < KV_6_12 || !page_is_anon(c, page))
		return;
	if (cache_colour(pr, k) == cache_colour(pr, uaddr))
		return;
	if (page_user_map(c, page) >= 0 &&
	    !(c->s->k.pgflags[page] & PGF_DCACHE_DIRTY)) {
		uint32_t kc = kmap_coherent(c, page, uaddr);

		TR(c, "    __flush_anon_page: flush the user colour via kmap_coherent\n");
		flush_data_cache_page(c, kc);
		kunmap_coherent(c);
		return;
	}
	TR(c, "    __flush_anon_page: flush the kernel alias\n");
	flush_data_cache_page(c, k);
}

static void mips_flush_dcache_page(struct ctx *c, int page)
{
	if (page_unmapped_file(c, page)) {
		c->s->k.pgflags[page] |= PGF_DCACHE_DIRTY;
		TR(c, "    flush_dcache_page: unmapped page-cache page, deferred\n");
		return;
	}
	TR(c, "    flush_dcache_page: flush the kernel alias only\n");
	flush_data_cache_page(c, kmm_lowmem(c->p, page));
}

static void mips_flush_cache_page(struct ctx *c, int page, uint32_t uaddr)
{
	kmm_maint_colour(c, page, uaddr, M_FLUSH);
}

/*
 * copy_{to,from}_user_page (arch/mips/mm/init.c): through kmap_coherent
 * at the user colour when the page is mapped and not dcache-dirty; else
 * through K, marking the page dcache-dirty.  The 2.6.19 text was not
 * read; the model uses this form for every version [unverified].
 */
static uint32_t mips_cup_before(struct ctx *c, int page, uint32_t uaddr,
				uint32_t kaddr)
{
	uint32_t sz = c->p->prof.page_size;

	if (page_user_map(c, page) >= 0 &&
	    !(c->s->k.pgflags[page] & PGF_DCACHE_DIRTY))
		return kmap_coherent(c, page, uaddr) + (uaddr & (sz - 1));
	c->s->k.pgflags[page] |= PGF_DCACHE_DIRTY;
	return kaddr;
}

static void mips_cup_after(struct ctx *c, int page, uint32_t uaddr,
			   uint32_t kaddr, uint32_t other, uint32_t len)
{
	(void)page;
	(void)uaddr;
	(void)kaddr;
	(void)len;
	kunmap_coherent(c);	/* no cache operation */
}

/*
 * copy_user_highpage: the generic one (include/linux/highmem.h, through
 * the kernel alias) in 2.6.19; from 2.6.20 (77fff4ae2b7b, "Fix COW
 * D-cache aliasing on fork") MIPS reads a mapped, not dcache-dirty
 * source through kmap_coherent at the user's colour.
 */
static uint32_t mips_cow_source(struct ctx *c, int to, int from,
				uint32_t vaddr)
{
	const struct prog *p = c->p;

	(void)to;
	if (p->kver >= KV_2_6_20 && p->pages[from].user_mapped &&
	    !(c->s->k.pgflags[from] & PGF_DCACHE_DIRTY)) {
		TR(c, "    copy_user_highpage: source via kmap_coherent at "
		   "the user colour\n");
		return KCOH_BASE + cache_colour(&p->prof, vaddr) *
				   p->prof.page_size;
	}
	return kmm_lowmem(p, from);
}

/* r4k_flush_cache_mm: with D-cache aliases, r4k_blast_dcache */
static void mips_flush_cache_mm(struct ctx *c)
{
	TR(c, "    flush_cache_mm: blast the whole D-cache\n");
	kmm_maint_all(c, M_FLUSH);
}

/* r4k_flush_icache_range: blast the D range, then the I range */
static void mips_flush_icache_range(struct ctx *c, uint32_t va, uint32_t len)
{
	TR(c, "    flush_icache_range: blast D, then I of %#x+%u\n", va, len);
	kmm_maint_range(c, -1, va, len, M_FLUSH);
	kmm_imaint_range(c, -1, va, len);
}

/*
 * __update_cache (arch/mips/mm/cache.c): if the kernel and user
 * addresses differ in colour (or the mapping is executable) and the
 * page is dcache-dirty, flush the kernel address and clear the bit.
 */
static void mips_update_mmu_cache(struct ctx *c, int page, uint32_t uaddr,
				  int exec)
{
	const struct profile *pr = &c->p->prof;
	uint32_t k = kmm_lowmem(c->p, page);

	if (!(c->s->k.pgflags[page] & PGF_DCACHE_DIRTY))
		return;
	if (!exec && cache_colour(pr, k) == cache_colour(pr, uaddr))
		return;
	c->s->k.pgflags[page] &= (uint8_t)~PGF_DCACHE_DIRTY;
	TR(c, "    __update_cache: the deferred flush of the kernel alias\n");
	flush_data_cache_page(c, k);
}

static const char *mips_no_highmem(enum kver v)
{
	(void)v;
	return "MIPS does not support highmem with an aliasing D-cache "
	       "(arch/mips/mm/init.c)";
}

const struct arch_ops arch_mips_ops = {
	.flush_anon_page = mips_flush_anon_page,
	.flush_dcache_page = mips_flush_dcache_page,
	.flush_kernel_dcache_page = NULL,
	.flush_cache_page = mips_flush_cache_page,
	.copy_to_user_page_before = mips_cup_before,
	.copy_to_user_page_after = mips_cup_after,
	.copy_from_user_page_before = mips_cup_before,
	.copy_from_user_page_after = mips_cup_after,
	.kunmap = arch_nop_kunmap,
	.flush_kernel_vmap_range = arch_nop_range,
	.invalidate_kernel_vmap_range = arch_nop_range,
	/* gup_fast_permitted() = !cpu_has_dc_aliases */
	.gup_fast_skips_flush = arch_never,
	.kmap_atomic_disables_preempt = arch_from_2_6_20,
	.no_highmem = mips_no_highmem,
	.flush_icache_range = mips_flush_icache_range,
	.cow_source = mips_cow_source,
	.flush_cache_mm = mips_flush_cache_mm,
	.update_mmu_cache = mips_update_mmu_cache,
};
