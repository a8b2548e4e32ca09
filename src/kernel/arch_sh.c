/*
 * arch_sh.c - SH-4 cache maintenance: arch/sh/mm/cache-sh4.c, cache.c,
 * kmap.c.  Step lists: docs/kernel-sources.md section 4.
 * flush_cache_one(index, phys) purges every line at one colour whose
 * physical tag matches: one alias class, whatever address made it.
 */
#include "arch.h"

static uint32_t kaddr_of(const struct ctx *c, int page)
{
	return kmm_lowmem(c->p, page);
}

/*
 * 2.6.19/20: no flush_anon_page (flush_dcache_page purges all colours).
 * 6.x __flush_anon_page: if K and U colours differ, purge the U colour
 * through kmap_coherent when the page is mapped and clean, else K.
 */
static void sh_flush_anon_page(struct ctx *c, int page, uint32_t uaddr)
{
	const struct profile *pr = &c->p->prof;

	if (c->p->kver < KV_6_12 || !page_is_anon(c, page))
		return;
	if (cache_colour(pr, kaddr_of(c, page)) == cache_colour(pr, uaddr))
		return;
	if (page_user_map(c, page) >= 0 &&
	    (c->s->k.pgflags[page] & PGF_DCACHE_CLEAN)) {
		uint32_t k = kmap_coherent(c, page, uaddr);

		TR(c, "    kunmap_coherent: purge the user-colour alias\n");
		kmm_maint_range(c, -1, k, pr->page_size, M_FLUSH);
		kunmap_coherent(c);
		return;
	}
	TR(c, "    __flush_anon_page: purge the kernel alias\n");
	kmm_maint_range(c, -1, kaddr_of(c, page), pr->page_size, M_FLUSH);
}

static void sh_flush_dcache_page(struct ctx *c, int page)
{
	const struct prog *p = c->p;

	if (p->kver < KV_6_12) {
		/* PG_mapped: every colour, by physical tag */
		if (!(c->s->k.pgflags[page] & PGF_MAPPED))
			return;
		TR(c, "    flush_dcache_page: purge every colour of %s\n",
		   p->pages[page].name);
		kmm_maint_phys(c, page, M_FLUSH);
		return;
	}
	if (p->ncpus == 1 && page_unmapped_file(c, page)) {
		c->s->k.pgflags[page] &= (uint8_t)~PGF_DCACHE_CLEAN;
		TR(c, "    flush_dcache_page: unmapped page-cache page, deferred\n");
		return;
	}
	TR(c, "    flush_dcache_page: purge the kernel-address colour\n");
	kmm_maint_colour(c, page, kaddr_of(c, page), M_FLUSH);
}

/*
 * flush_cache_page (cache-sh4.c, 2.6.1x and 6.x alike): when the user
 * address and the kernel address have different colours, purge the page
 * at both colours ("Loop 4K of the D-cache", "Loop another 4K").
 */
static void sh_flush_cache_page(struct ctx *c, int page, uint32_t uaddr)
{
	const struct profile *pr = &c->p->prof;
	uint32_t k = kaddr_of(c, page);

	if (cache_colour(pr, uaddr) == cache_colour(pr, k))
		return;
	TR(c, "    flush_cache_page: purge the user and the kernel colours\n");
	kmm_maint_colour(c, page, uaddr, M_FLUSH);
	kmm_maint_colour(c, page, k, M_FLUSH);
}

/*
 * copy_{to,from}_user_page: 2.6.19 (include/asm-sh/cacheflush.h)
 * flush_cache_page, memcpy through K, and for "to" flush_icache_user_range,
 * which on SH-4 is flush_cache_page again; 6.x (arch/sh/mm/cache.c)
 * through kmap_coherent when the page is mapped and clean, else through
 * K, marking the page not clean.  2.6.20 is taken as 2.6.19.
 */
static uint32_t sh_cup_before(struct ctx *c, int page, uint32_t uaddr,
			      uint32_t kaddr)
{
	uint32_t sz = c->p->prof.page_size;

	if (c->p->kver < KV_6_12) {
		sh_flush_cache_page(c, page, uaddr);
		return kaddr;
	}
	if (page_user_map(c, page) >= 0 &&
	    (c->s->k.pgflags[page] & PGF_DCACHE_CLEAN))
		return kmap_coherent(c, page, uaddr) + (uaddr & (sz - 1));
	c->s->k.pgflags[page] &= (uint8_t)~PGF_DCACHE_CLEAN;
	return kaddr;
}

static void sh_cup_after(struct ctx *c, int page, uint32_t uaddr,
			 uint32_t kaddr, uint32_t other, uint32_t len)
{
	(void)len;
	if (c->p->kver < KV_6_12) {
		sh_flush_cache_page(c, page, uaddr);
		return;
	}
	if (c->s->k.kcoh[c->cpu] < 0)
		return;
	TR(c, "    kunmap_coherent: purge the user-colour alias\n");
	kmm_maint_range(c, -1, kaddr & ~(c->p->prof.page_size - 1),
			c->p->prof.page_size, M_FLUSH);
	kunmap_coherent(c);
}

static void sh_cfup_after(struct ctx *c, int page, uint32_t uaddr,
			  uint32_t kaddr, uint32_t other, uint32_t len)
{
	/* 2.6.19 copy_from_user_page ends with the memcpy */
	if (c->p->kver >= KV_6_12)
		sh_cup_after(c, page, uaddr, kaddr, other, len);
}

static int sh_gup_fast(const struct ctx *c)
{
	/* generic GUP-fast since 3c9b9accad9f (~5.3), no flushes */
	return c->p->kver >= KV_6_12;
}

static const char *sh_no_highmem(enum kver v)
{
	(void)v;
	return "sh has no highmem";
}

/*
 * 6.12 __update_cache (arch/sh/mm/cache.c): a page without
 * PG_dcache_clean gets it, and its kernel alias is purged when its
 * colour differs from the user address's.  2.6.19/20 update_mmu_cache:
 * the first mapping of a page (!PG_mapped) writes its kernel alias back
 * (__flush_wback_region of the P1 address) and sets PG_mapped
 * [unverified: from memory of arch/sh/mm of that time].
 */
static void sh_update_mmu_cache(struct ctx *c, int page, uint32_t uaddr,
				int exec)
{
	const struct profile *pr = &c->p->prof;
	uint8_t *f = &c->s->k.pgflags[page];

	(void)exec;
	if (c->p->kver < KV_6_12) {
		if (*f & PGF_MAPPED)
			return;
		*f |= PGF_MAPPED;
		TR(c, "    update_mmu_cache: first mapping, write the kernel "
		   "alias back\n");
		kmm_maint_range(c, -1, kaddr_of(c, page), pr->page_size,
				M_CLEAN);
		return;
	}
	if (*f & PGF_DCACHE_CLEAN)
		return;
	*f |= PGF_DCACHE_CLEAN;
	if (cache_colour(pr, kaddr_of(c, page)) == cache_colour(pr, uaddr))
		return;
	TR(c, "    __update_cache: purge the kernel alias\n");
	kmm_maint_range(c, -1, kaddr_of(c, page), pr->page_size, M_FLUSH);
}

const struct arch_ops arch_sh_ops = {
	.flush_anon_page = sh_flush_anon_page,
	.flush_dcache_page = sh_flush_dcache_page,
	.flush_kernel_dcache_page = NULL,
	.flush_cache_page = sh_flush_cache_page,
	.copy_to_user_page_before = sh_cup_before,
	.copy_to_user_page_after = sh_cup_after,
	.copy_from_user_page_before = sh_cup_before,
	.copy_from_user_page_after = sh_cfup_after,
	.kunmap = arch_nop_kunmap,
	.flush_kernel_vmap_range = arch_nop_range,
	.invalidate_kernel_vmap_range = arch_nop_range,
	.gup_fast_skips_flush = sh_gup_fast,
	.kmap_atomic_disables_preempt = arch_from_2_6_20,
	.no_highmem = sh_no_highmem,
	.update_mmu_cache = sh_update_mmu_cache,
};
