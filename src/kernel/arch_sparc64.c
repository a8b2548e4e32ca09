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

/* flush_ptrace_access: invalidate the kernel-colour lines of the copy. */
static void sparc64_ptrace_access(struct ctx *c, int page, uint32_t uaddr,
				  uint32_t kaddr, uint32_t len)
{
	const struct profile *pr = &c->p->prof;

	(void)page;
	if (cache_colour(pr, uaddr) == cache_colour(pr, kaddr))
		return;
	kmm_maint_range(c, -1, kaddr, len, M_INV);
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
};
