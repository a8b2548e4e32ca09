/*
 * arch_sparc64.c - UltraSPARC-I/II cache maintenance:
 * arch/sparc64/mm/init.c (2.6.19), arch/sparc/mm/init_64.c (6.x).
 * Step lists: docs/kernel-sources.md section 6.  The D-cache is
 * write-through, so maintenance is invalidation; __flush_dcache_page
 * finds every line of the page by its physical tag, whatever the colour.
 */
#include "arch.h"

static void sparc64_flush_dcache_page(struct ctx *c, int page)
{
	if (page_unmapped_file(c, page)) {
		c->s->k.pgflags[page] |= PGF_DCACHE_DIRTY;
		TR(c, "    flush_dcache_page: unmapped page-cache page, deferred\n");
		return;
	}
	TR(c, "    flush_dcache_page_impl: invalidate every alias of %s\n",
	   c->p->pages[page].name);
	kmm_maint_phys(c, page, M_FLUSH);
}

/*
 * update_mmu_cache (arch/sparc64/mm/init.c): a page with PG_dcache_dirty
 * gets flush_dcache_page_impl now.
 */
static void sparc64_update_mmu_cache(struct ctx *c, int page, uint32_t uaddr,
				     int exec)
{
	(void)uaddr;
	(void)exec;
	if (take_dcache_dirty(c, page))
		kmm_maint_phys(c, page, M_FLUSH);	/* flush_dcache_page_impl */
}

/*
 * flush_ptrace_access(vma, page, uaddr, kaddr, len, write), called by
 * copy_to_user_page with the memcpy's *source* and by copy_from_user_page
 * with its *destination* (include/asm-sparc64/cacheflush.h): if bit 13 of
 * that address differs from uaddr's, clear the D-cache tag at the index
 * of each 32-byte line of __pa(kaddr) (spitfire_put_dcache_tag(start &
 * 0x3fe0, 0)), whatever line sits there.  The lines it hits are those of
 * the other buffer's colour, not necessarily the user page's.
 */
static void sparc64_ptrace_access(struct ctx *c, int page, uint32_t uaddr,
				  uint32_t kaddr, uint32_t other, uint32_t len)
{
	const struct profile *pr = &c->p->prof;
	uint32_t pa, o;

	(void)page;
	(void)kaddr;
	if (((uaddr ^ other) & (1u << 13)) == 0 || other < PAGE_OFFSET)
		return;
	pa = other - PAGE_OFFSET;
	TR(c, "    flush_ptrace_access: clear the D-cache tags at the index "
	   "of %#x\n", other);
	for (o = 0; o < len; o += pr->line)
		cache_maint_set(c, c->cpu, ((pa + o) / pr->line) %
				profile_sets(pr), M_INV);
}

static const char *sparc64_no_highmem(enum kver v)
{
	(void)v;
	return "sparc64 has no highmem";
}

const struct arch_ops arch_sparc64_ops = {
	.flush_anon_page = arch_nop_page_addr,	/* none defined */
	.flush_dcache_page = sparc64_flush_dcache_page,
	.flush_kernel_dcache_page = NULL,
	.flush_cache_page = arch_nop_page_addr,	/* a no-op on sparc64 */
	.copy_to_user_page_before = arch_same_addr,
	.copy_to_user_page_after = sparc64_ptrace_access,
	.copy_from_user_page_before = arch_same_addr,
	.copy_from_user_page_after = sparc64_ptrace_access,
	.kunmap = arch_nop_kunmap,
	.flush_kernel_vmap_range = arch_nop_range,
	.invalidate_kernel_vmap_range = arch_nop_range,
	.gup_fast_skips_flush = arch_never,	/* not in HAVE_GUP_FAST list */
	.kmap_atomic_disables_preempt = arch_from_2_6_20,
	.no_highmem = sparc64_no_highmem,
	.update_mmu_cache = sparc64_update_mmu_cache,
};
