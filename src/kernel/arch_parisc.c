/*
 * arch_parisc.c - PA-RISC cache maintenance: arch/parisc/kernel/cache.c,
 * include/asm-parisc/cacheflush.h (2.6.19/20), arch/parisc/include/asm/
 * cacheflush.h (6.x).  Step lists: docs/kernel-sources.md section 3.
 * fdc writes back and invalidates a line; on PA-RISC it acts on every
 * processor (the profile's maint_broadcast).
 */
#include "arch.h"

static void fdc_kernel(struct ctx *c, int page)
{
	uint32_t k = kmm_lowmem(c->p, page);

	TR(c, "    fdc the kernel alias %#x\n", k);
	kmm_maint_range(c, -1, k, c->p->prof.page_size, M_FLUSH);
}

static void fdc_user(struct ctx *c, int page, uint32_t uaddr)
{
	TR(c, "    fdc the user alias at %#x\n", uaddr);
	kmm_maint_colour(c, page, uaddr, M_FLUSH);
}

/*
 * 2.6.19: flush_user_dcache_page(vmaddr) in the current space (sr3);
 * 6.x: through a tmpalias congruent with vmaddr.  Never K.
 */
static void parisc_flush_anon_page(struct ctx *c, int page, uint32_t uaddr)
{
	if (page_is_anon(c, page))
		fdc_user(c, page, uaddr);
}

static void parisc_flush_dcache_page(struct ctx *c, int page)
{
	const struct prog *p = c->p;
	int i;

	if (page_unmapped_file(c, page)) {
		c->s->k.pgflags[page] |= PGF_DCACHE_DIRTY;
		TR(c, "    flush_dcache_page: unmapped page-cache page, deferred\n");
		return;
	}
	fdc_kernel(c, page);
	if (!p->pages[page].file)
		return;
	/* One congruent user alias suffices (2.6); 6.x: each class. */
	for (i = 0; i < p->nmaps; i++) {
		if (p->maps[i].page != page)
			continue;
		fdc_user(c, page, p->maps[i].va);
		if (p->kver < KV_6_12)
			break;
	}
	/*
	 * The walk runs under flush_dcache_mmap_lock: write_lock_irq of
	 * mapping->tree_lock in 2.6.19/20 (xa_lock_irq until 6.4), whose
	 * unlock enables interrupts whatever the caller had; irqsave since
	 * 61e150fb3107 (6.4).
	 */
	if (p->kver < KV_6_12 && c->thread >= 0 && c->s->t[c->thread].irqoff) {
		TR(c, "    flush_dcache_mmap_unlock: write_unlock_irq enables "
		   "interrupts\n");
		c->s->t[c->thread].irqoff = 0;
	}
}

static void parisc_flush_cache_page(struct ctx *c, int page, uint32_t uaddr)
{
	fdc_user(c, page, uaddr);
}

static uint32_t parisc_ctup_before(struct ctx *c, int page, uint32_t uaddr,
				   uint32_t kaddr)
{
	fdc_user(c, page, uaddr);
	return kaddr;
}

static void parisc_ctup_after(struct ctx *c, int page, uint32_t uaddr,
			      uint32_t kaddr, uint32_t other, uint32_t len)
{
	(void)page;
	(void)uaddr;
	TR(c, "    flush_kernel_dcache_range: fdc the kernel range\n");
	kmm_maint_range(c, -1, kaddr, len, M_FLUSH);
}

/* 6.x ARCH_HAS_FLUSH_ON_KUNMAP: kunmap_flush_on_unmap = fdc K. */
static void parisc_kunmap(struct ctx *c, int page, uint32_t kaddr, int slot)
{
	(void)slot;
	(void)kaddr;
	if (c->p->kver >= KV_6_12)
		fdc_kernel(c, page);
}

static void parisc_flush_vmap(struct ctx *c, uint32_t va, uint32_t len)
{
	kmm_maint_range(c, -1, va, len, M_FLUSH);
}

static void parisc_inv_vmap(struct ctx *c, uint32_t va, uint32_t len)
{
	kmm_maint_range(c, -1, va, len, M_INV);	/* pdc: purge */
}

/*
 * copy_user_page: 2.6.19/20 include/asm-parisc/page.h copies through the
 * kernel mapping and flushes the destination's kernel alias; nothing
 * flushes the source's user alias (the minifail bug).  6.12
 * copy_user_highpage (arch/parisc/kernel/cache.c): flush_cache_page_if_
 * present(vma, vaddr, pfn(from)) first (6d2ddc2f9414 in 3.10 began it).
 */
static uint32_t parisc_cow_source(struct ctx *c, int to, int from,
				  uint32_t vaddr)
{
	(void)to;
	if (c->p->kver >= KV_6_12)
		fdc_user(c, from, vaddr);
	return kmm_lowmem(c->p, from);
}

/* flush_cache_mm (2.6.19 and non-PA8800 6.12): flush_cache_all */
static void parisc_flush_cache_mm(struct ctx *c)
{
	TR(c, "    flush_cache_mm: flush_cache_all\n");
	kmm_maint_all(c, M_FLUSH);
}

/* flush_icache_range: fdc over the range, then fic over it */
static void parisc_flush_icache_range(struct ctx *c, uint32_t va,
				      uint32_t len)
{
	TR(c, "    flush_icache_range: fdc, fic of %#x+%u\n", va, len);
	kmm_maint_range(c, -1, va, len, M_FLUSH);
	kmm_imaint_range(c, -1, va, len);
}

static void parisc_flush_cache_vunmap(struct ctx *c, uint32_t va,
				      uint32_t len)
{
	(void)va;
	(void)len;
	TR(c, "    flush_cache_vunmap: flush_cache_all\n");
	kmm_maint_all(c, M_FLUSH);
}

/*
 * update_mmu_cache (2.6.19 cache.c; 6.12 __update_cache): a page with
 * PG_dcache_dirty gets flush_kernel_dcache_page now.
 */
static void parisc_update_mmu_cache(struct ctx *c, int page, uint32_t uaddr,
				    int exec)
{
	(void)uaddr;
	(void)exec;
	if (take_dcache_dirty(c, page))
		fdc_kernel(c, page);
}

static const char *parisc_no_highmem(enum kver v)
{
	(void)v;
	return "parisc has no highmem";
}

const struct arch_ops arch_parisc_ops = {
	.flush_anon_page = parisc_flush_anon_page,
	.flush_dcache_page = parisc_flush_dcache_page,
	.flush_kernel_dcache_page = fdc_kernel,
	.flush_cache_page = parisc_flush_cache_page,
	.copy_to_user_page_before = parisc_ctup_before,
	.copy_to_user_page_after = parisc_ctup_after,
	.copy_from_user_page_before = parisc_ctup_before,
	.copy_from_user_page_after = arch_nop_after,
	.kunmap = parisc_kunmap,
	.flush_kernel_vmap_range = parisc_flush_vmap,
	.invalidate_kernel_vmap_range = parisc_inv_vmap,
	.gup_fast_skips_flush = arch_never,	/* no HAVE_GUP_FAST */
	.kmap_atomic_disables_preempt = arch_from_2_6_20,
	.no_highmem = parisc_no_highmem,
	.flush_icache_range = parisc_flush_icache_range,
	.cow_source = parisc_cow_source,
	.flush_cache_mm = parisc_flush_cache_mm,
	.flush_cache_vunmap = parisc_flush_cache_vunmap,
	.update_mmu_cache = parisc_update_mmu_cache,
};
