/*
 * arch_arm.c - ARM cache maintenance: arch/arm/mm/flush.c,
 * arch/arm/include/asm/cacheflush.h (include/asm-arm/ in 2.6.19/20),
 * arch/arm/mm/highmem.c.  Step lists: docs/kernel-sources.md section 2.
 *
 * VIVT is ARMv4/v5 (arm926, xscale, sa1100); aliasing VIPT is ARMv6
 * (arm1136).  ARMv7 never aliases and uses the coherent ops.
 */
#include "arch.h"

static int vivt(const struct ctx *c)
{
	return c->p->prof.index == IDX_VIVT;
}

/* __cpuc_flush_dcache_page(page_address(page)): clean+inv K, local. */
static void flush_kernel_alias(struct ctx *c, int page)
{
	const struct prog *p = c->p;
	uint32_t k = kmm_lowmem(p, page);

	if (k == 0) {
		/*
		 * page_address() of a highmem page is its pkmap address if
		 * it has one (6.x __flush_dcache_folio uses kmap_high_get);
		 * else there is no kernel alias to flush.
		 */
		if (c->s->k.pkmap[page] == 0)
			return;
		k = PKMAP_BASE + (uint32_t)page * p->prof.page_size;
	}
	TR(c, "    clean+invalidate the kernel alias %#x of %s\n", k,
	   p->pages[page].name);
	kmm_maint_range(c, -1, k, p->prof.page_size, M_FLUSH);
}

/* flush_cache_page(vma, uaddr, pfn) for a vma of process proc. */
static void flush_user_page(struct ctx *c, int proc, int page,
			    uint32_t uaddr)
{
	uint32_t sz = c->p->prof.page_size;

	if (vivt(c)) {
		/* vivt_flush_cache_page: only if the mm is live here */
		if (!kmm_mm_live(c, c->cpu, proc)) {
			TR(c, "    flush_cache_page: mm not live on cpu%d, nothing done\n",
			   c->cpu);
			return;
		}
		TR(c, "    clean+invalidate the user alias %#x\n",
		   uaddr & ~(sz - 1));
		kmm_maint_range(c, proc, uaddr & ~(sz - 1), sz, M_FLUSH);
		return;
	}
	/* flush_pfn_alias(pfn, uaddr): at the user colour */
	TR(c, "    flush_pfn_alias: clean+invalidate %s at the colour of %#x\n",
	   c->p->pages[page].name, uaddr);
	kmm_maint_colour(c, page, uaddr, M_FLUSH);
}

static void arm_flush_cache_page(struct ctx *c, int page, uint32_t uaddr)
{
	flush_user_page(c, kmm_proc(c), page, uaddr);
}

/*
 * flush_anon_page(vma, page, vmaddr): none in 2.6.19; from 2.6.20
 * (6020dff09252) __flush_anon_page for anonymous pages only.
 */
static void arm_flush_anon_page(struct ctx *c, int page, uint32_t uaddr)
{
	if (c->p->kver < KV_2_6_20) {
		TR(c, "    flush_anon_page: ARM has none in 2.6.19\n");
		return;
	}
	if (!page_is_anon(c, page))
		return;
	flush_user_page(c, kmm_proc(c), page, uaddr);
	flush_kernel_alias(c, page);	/* "FIXME: overkill" */
}

/* __flush_dcache_aliases: shared mappings of the current active_mm. */
static void flush_dcache_aliases(struct ctx *c, int page)
{
	int mm = c->s->c[c->cpu].mm, i;

	for (i = 0; i < c->p->nmaps; i++) {
		const struct pmap *m = &c->p->maps[i];

		if (m->page != page || m->proc != mm || !m->shared)
			continue;
		flush_user_page(c, mm, page, m->va);
	}
}

static void arm_flush_dcache_page(struct ctx *c, int page)
{
	const struct prog *p = c->p;
	int file = p->pages[page].file;
	int smp = p->ncpus > 1;

	/* Lazy path: UP only in 2.6.x, !cache_ops_need_broadcast in 6.x. */
	if (!smp && page_unmapped_file(c, page)) {
		if (p->kver >= KV_6_12)
			c->s->k.pgflags[page] &= (uint8_t)~PGF_DCACHE_CLEAN;
		else
			c->s->k.pgflags[page] |= PGF_DCACHE_DIRTY;
		TR(c, "    flush_dcache_page: unmapped page-cache page, deferred\n");
		return;
	}
	flush_kernel_alias(c, page);
	if (file && !vivt(c)) {
		/* one flush at the file-offset colour (page->index) */
		uint32_t colour_va = 0;
		int i;

		for (i = 0; i < p->nmaps; i++)
			if (p->maps[i].page == page)
				colour_va = p->maps[i].va;
		TR(c, "    flush_pfn_alias at the file colour\n");
		kmm_maint_colour(c, page, colour_va, M_FLUSH);
	}
	if (file && vivt(c))
		flush_dcache_aliases(c, page);
	if (p->kver >= KV_6_12)
		c->s->k.pgflags[page] |= PGF_DCACHE_CLEAN;
}

/* ARM had no flush_kernel_dcache_page in 2.6.19/20 (generic no-op). */
static void arm_flush_kernel_dcache_page(struct ctx *c, int page)
{
	(void)c;
	(void)page;
	TR(c, "    flush_kernel_dcache_page: generic no-op on ARM in 2.6.19/20\n");
}

/* flush_ptrace_access(vma, page, uaddr, kaddr, len, write=1) */
static void arm_copy_to_user_page_after(struct ctx *c, int page,
					uint32_t uaddr, uint32_t kaddr,
					uint32_t other, uint32_t len)
{
	if (vivt(c)) {
		if (kmm_mm_live(c, c->cpu, kmm_proc(c))) {
			TR(c, "    flush_ptrace_access: clean the kernel range\n");
			kmm_maint_range(c, -1, kaddr, len, M_CLEAN);
		}
		return;
	}
	TR(c, "    flush_ptrace_access: flush_pfn_alias at the user colour\n");
	kmm_maint_colour(c, page, uaddr, M_FLUSH);
}

/* arch_kmap_local_pre_unmap / __kunmap_atomic: only if cache_is_vivt(). */
static void arm_kunmap(struct ctx *c, int page, uint32_t kaddr, int slot)
{
	(void)page;
	if (!slot || !vivt(c))
		return;
	TR(c, "    kunmap: clean+invalidate the kmap slot %#x\n", kaddr);
	kmm_maint_range(c, -1, kaddr & ~(c->p->prof.page_size - 1),
			c->p->prof.page_size, M_FLUSH);
}

/* flush_kernel_vmap_range / invalidate_kernel_vmap_range: both flush. */
static void arm_vmap_range(struct ctx *c, uint32_t va, uint32_t len)
{
	kmm_maint_range(c, -1, va, len, M_FLUSH);
}

static const char *arm_no_highmem(enum kver v)
{
	return v < KV_6_12 ?
	       "ARM has no highmem before 2.6.29 (arch/arm/mm/highmem.c)" :
	       NULL;
}

const struct arch_ops arch_arm_ops = {
	.flush_anon_page = arm_flush_anon_page,
	.flush_dcache_page = arm_flush_dcache_page,
	.flush_kernel_dcache_page = arm_flush_kernel_dcache_page,
	.flush_cache_page = arm_flush_cache_page,
	.copy_to_user_page_before = arch_same_addr,
	.copy_to_user_page_after = arm_copy_to_user_page_after,
	.copy_from_user_page_before = arch_same_addr,
	.copy_from_user_page_after = arch_nop_after,
	.kunmap = arm_kunmap,
	.flush_kernel_vmap_range = arm_vmap_range,
	.invalidate_kernel_vmap_range = arm_vmap_range,
	/* HAVE_GUP_FAST only with ARM_LPAE, which never aliases */
	.gup_fast_skips_flush = arch_never,
	.kmap_atomic_disables_preempt = arch_from_2_6_20,
	.no_highmem = arm_no_highmem,
};
