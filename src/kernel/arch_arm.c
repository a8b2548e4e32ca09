/*
 * arch_arm.c - ARM cache maintenance: arch/arm/mm/flush.c,
 * arch/arm/include/asm/cacheflush.h (include/asm-arm/ in 2.6.19/20),
 * arch/arm/mm/highmem.c.  Step lists: docs/kernel-sources.md section 2.
 *
 * VIVT is ARMv4/v5 (arm926, xscale, sa1100); aliasing VIPT is ARMv6
 * (arm1136); non-aliasing VIPT is ARMv6 with 16 KiB caches and ARMv7
 * (vipt-nonaliasing), where cache_is_vipt_nonaliasing() makes most of
 * this code return early.
 */
#include "arch.h"

static int vivt(const struct ctx *c)
{
	return c->p->prof.index == IDX_VIVT;
}

static int vipt_nonaliasing(const struct ctx *c)
{
	return c->p->prof.index == IDX_VIPT &&
	       profile_colours(&c->p->prof) == 1;
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
	if (vipt_nonaliasing(c))
		return;
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
	/* "VIPT non-aliasing caches need do nothing" */
	if (vipt_nonaliasing(c))
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

/* __flush_dcache_page (2.6.x) / __flush_dcache_folio (6.x) */
static void flush_dcache_now(struct ctx *c, int page)
{
	const struct prog *p = c->p;
	int file = p->pages[page].file;

	flush_kernel_alias(c, page);
	if (file && !vivt(c) && !vipt_nonaliasing(c)) {
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
}

static void arm_flush_dcache_page(struct ctx *c, int page)
{
	const struct prog *p = c->p;
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
	flush_dcache_now(c, page);
	if (p->kver >= KV_6_12)
		c->s->k.pgflags[page] |= PGF_DCACHE_CLEAN;
}

/*
 * 2.6.19/20 arch/arm/mm/fault-armv.c update_mmu_cache: a page-cache
 * page with PG_dcache_dirty gets its __flush_dcache_page now (the
 * VIVT make_coherent of shared writable aliases is not modelled).
 * 6.12: VIVT update_mmu_cache, VIPT set_pte_at's __sync_icache_dcache:
 * if !PG_dcache_clean, set it and __flush_dcache_folio (VIPT
 * non-aliasing only for an executable mapping), then on VIPT
 * __flush_icache_all for an executable one.
 */
static void arm_update_mmu_cache(struct ctx *c, int page, uint32_t uaddr,
				 int exec)
{
	uint8_t *f = &c->s->k.pgflags[page];

	(void)uaddr;
	if (c->p->kver < KV_6_12) {
		if (c->p->pages[page].file && take_dcache_dirty(c, page))
			flush_dcache_now(c, page);
		return;
	}
	if (vipt_nonaliasing(c) && !exec)
		return;
	if (!(*f & PGF_DCACHE_CLEAN)) {
		*f |= PGF_DCACHE_CLEAN;
		TR(c, "    %s: the deferred flush_dcache_folio\n",
		   vivt(c) ? "update_mmu_cache" : "__sync_icache_dcache");
		flush_dcache_now(c, page);
	}
	if (!vivt(c) && exec) {
		TR(c, "    __sync_icache_dcache: __flush_icache_all\n");
		kmm_imaint_all(c);
	}
}

/* ARM had no flush_kernel_dcache_page in 2.6.19/20 (generic no-op). */
static void arm_flush_kernel_dcache_page(struct ctx *c, int page)
{
	(void)c;
	(void)page;
	TR(c, "    flush_kernel_dcache_page: generic no-op on ARM in 2.6.19/20\n");
}

/* __cpuc_coherent_kern_range: clean D and invalidate I, by address */
static void coherent_kern_range(struct ctx *c, uint32_t va, uint32_t len)
{
	kmm_maint_range(c, -1, va, len, M_CLEAN);
	kmm_imaint_range(c, -1, va, len);
}

/*
 * flush_ptrace_access(vma, page, uaddr, kaddr, len, write=1): from
 * a188ad2bc7db (2.6.18/19) in include/asm-arm/cacheflush.h and
 * arch/arm/mm/flush.c; 6.12 arch/arm/mm/flush.c __flush_ptrace_access.
 */
static void arm_copy_to_user_page_after(struct ctx *c, int page,
					uint32_t uaddr, uint32_t kaddr,
					uint32_t other, uint32_t len)
{
	int m = owner_map(c, uaddr);
	int proc = m < 0 ? -1 : c->p->maps[m].proc;
	int exec = m >= 0 && c->p->maps[m].exec;

	if (vivt(c)) {
		if (kmm_mm_live(c, c->cpu, proc)) {
			TR(c, "    flush_ptrace_access: clean D, invalidate I "
			   "of the kernel range\n");
			coherent_kern_range(c, kaddr, len);
		}
		return;
	}
	if (vipt_nonaliasing(c)) {
		/* 2.6.19/20 also ask for the mm's CPU bit; 6.12 does not */
		if (!exec || (c->p->kver < KV_6_12 && !mm_ever_on_cpu(c, proc)))
			return;
		TR(c, "    flush_ptrace_access: VM_EXEC: clean D, invalidate I "
		   "of the kernel range\n");
		coherent_kern_range(c, kaddr, len);
		return;
	}
	TR(c, "    flush_ptrace_access: flush_pfn_alias at the user colour\n");
	kmm_maint_colour(c, page, uaddr, M_FLUSH);
	if (c->p->kver >= KV_6_12) {
		TR(c, "    flush_ptrace_access: __flush_icache_all\n");
		kmm_imaint_all(c);
	}
}

/*
 * The streaming DMA API.  2.6.19/20 include/asm-arm/dma-mapping.h:
 * dma_map_* and both dma_sync_* run consistent_sync() on the kernel
 * address (arch/arm/mm/consistent.c): invalidate for FROM_DEVICE, clean
 * for TO_DEVICE, clean+invalidate for BIDIRECTIONAL; dma_unmap_* does
 * nothing.  6.12 arch/arm/mm/dma-mapping.c: __dma_page_cpu_to_dev runs
 * dmac_map_area, __dma_page_dev_to_cpu runs dmac_unmap_area and marks
 * wholly covered pages PG_dcache_clean.  dmac_map_area is as above on
 * ARMv4/v5 (proc-arm926.S, proc-xscale.S, cache-v4wb.S) and invalidate
 * for FROM_DEVICE, clean otherwise on ARMv6/v7 (cache-v6.S, cache-v7.S);
 * dmac_unmap_area does nothing on ARMv4/v5 and invalidates unless
 * TO_DEVICE on ARMv6/v7.  User aliases are never touched: they are
 * get_user_pages()'s business.
 */
static void dma_maint(struct ctx *c, uint32_t kva, uint32_t len, enum maint m)
{
	static const char *const what[] = { "clean", "invalidate",
					    "clean+invalidate" };

	TR(c, "    %s the kernel range %#x+%u\n", what[m], kva, len);
	kmm_maint_range(c, -1, kva, len, m);
}

static void arm_dma_to_device(struct ctx *c, int page, uint32_t kva,
			      uint32_t len, int dir)
{
	(void)page;
	if (dir == DMA_FROM_DEVICE)
		dma_maint(c, kva, len, M_INV);
	else if (dir == DMA_TO_DEVICE || (!vivt(c) && c->p->kver >= KV_6_12))
		dma_maint(c, kva, len, M_CLEAN);
	else
		dma_maint(c, kva, len, M_FLUSH);
}

static void arm_dma_to_cpu(struct ctx *c, int page, uint32_t kva,
			   uint32_t len, int dir, int unmap)
{
	if (c->p->kver < KV_6_12) {
		if (!unmap)
			arm_dma_to_device(c, page, kva, len, dir);
		return;
	}
	if (dir == DMA_TO_DEVICE)
		return;
	if (!vivt(c))
		dma_maint(c, kva, len, M_INV);
	if (len >= c->p->prof.page_size) {
		TR(c, "    %s marked PG_dcache_clean\n",
		   c->p->pages[page].name);
		c->s->k.pgflags[page] |= PGF_DCACHE_CLEAN;
	}
}

/* flush_icache_range = __cpuc_coherent_kern_range */
static void arm_flush_icache_range(struct ctx *c, uint32_t va, uint32_t len)
{
	TR(c, "    flush_icache_range: clean D, invalidate I of %#x+%u\n",
	   va, len);
	coherent_kern_range(c, va, len);
}

/*
 * copy_user_highpage.  VIVT (copypage-v4wb.c and kin): the source is
 * read through its kernel alias; from 2.6.32 (2725898fc9bb) after
 * flush_cache_page(vma, vaddr, from), before that with no flush of the
 * user alias (the race of 77fff4ae2b7b).  Aliasing VIPT (copypage-v6.c):
 * the source is mapped at the user's colour, after completing a
 * deferred flush (PG_dcache_dirty in 2.6.19/20, !PG_dcache_clean in
 * 6.12).  Non-aliasing VIPT: the kernel alias is the user's line.
 */
static uint32_t arm_cow_source(struct ctx *c, int to, int from,
			       uint32_t vaddr)
{
	const struct prog *p = c->p;
	uint32_t sz = p->prof.page_size;

	(void)to;
	if (vivt(c)) {
		if (p->kver >= KV_6_12)
			flush_user_page(c, kmm_proc(c), from, vaddr);
		return kmm_lowmem(p, from);
	}
	if (vipt_nonaliasing(c))
		return kmm_lowmem(p, from);
	if (p->kver >= KV_6_12 ?
	    !(c->s->k.pgflags[from] & PGF_DCACHE_CLEAN) :
	    (c->s->k.pgflags[from] & PGF_DCACHE_DIRTY)) {
		c->s->k.pgflags[from] = (uint8_t)((c->s->k.pgflags[from] |
			PGF_DCACHE_CLEAN) & ~PGF_DCACHE_DIRTY);
		flush_kernel_alias(c, from);
	}
	return KCOH_BASE + cache_colour(&p->prof, vaddr) * sz;
}

/*
 * flush_cache_mm: VIVT __cpuc_flush_user_all if the mm is live here
 * (vivt_flush_cache_mm); aliasing VIPT cleans and invalidates the whole
 * D-cache and the I-cache; non-aliasing VIPT does nothing.
 */
static void arm_flush_cache_mm(struct ctx *c)
{
	if (vipt_nonaliasing(c))
		return;
	if (vivt(c) && !kmm_mm_live(c, c->cpu, kmm_proc(c)))
		return;
	TR(c, "    flush_cache_mm: clean+invalidate the whole cache\n");
	kmm_maint_all(c, M_FLUSH);
}

/* flush_cache_vunmap = flush_cache_all unless VIPT non-aliasing */
static void arm_flush_cache_vunmap(struct ctx *c, uint32_t va, uint32_t len)
{
	(void)va;
	(void)len;
	if (vipt_nonaliasing(c))
		return;
	TR(c, "    flush_cache_vunmap: flush_cache_all\n");
	kmm_maint_all(c, M_FLUSH);
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
	if (vipt_nonaliasing(c))
		return;
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
	.dma_to_device = arm_dma_to_device,
	.dma_to_cpu = arm_dma_to_cpu,
	.flush_icache_range = arm_flush_icache_range,
	.cow_source = arm_cow_source,
	.flush_cache_mm = arm_flush_cache_mm,
	.flush_cache_vunmap = arm_flush_cache_vunmap,
	.update_mmu_cache = arm_update_mmu_cache,
};
