/*
 * arch.h - the cacheflush interface every architecture implements, as the
 * kernel version in c->p->kver implements it.  Each arch_*.c renders one
 * architecture's code and cites it; docs/kernel-sources.md has the step
 * lists they follow.
 */
#ifndef STALE_ARCH_H
#define STALE_ARCH_H

#include "kmm.h"

struct arch_ops {
	/* Called by get_user_pages() on each page, in this order. */
	void (*flush_anon_page)(struct ctx *c, int page, uint32_t uaddr);
	void (*flush_dcache_page)(struct ctx *c, int page);
	/* NULL where the version has no such function (generic no-op). */
	void (*flush_kernel_dcache_page)(struct ctx *c, int page);
	void (*flush_cache_page)(struct ctx *c, int page, uint32_t uaddr);
	/*
	 * copy_{to,from}_user_page(): before returns the kernel address the
	 * memcpy must use for the user page (dst for "to", src for "from"),
	 * normally kaddr itself; after runs once the memcpy is done, with
	 * that address and the other buffer of the memcpy.
	 */
	uint32_t (*copy_to_user_page_before)(struct ctx *c, int page,
					     uint32_t uaddr, uint32_t kaddr);
	void (*copy_to_user_page_after)(struct ctx *c, int page,
					uint32_t uaddr, uint32_t kaddr,
					uint32_t other, uint32_t len);
	uint32_t (*copy_from_user_page_before)(struct ctx *c, int page,
					       uint32_t uaddr, uint32_t kaddr);
	void (*copy_from_user_page_after)(struct ctx *c, int page,
					  uint32_t uaddr, uint32_t kaddr,
					  uint32_t other, uint32_t len);
	/* kunmap of a page's kernel address (kmap_atomic/kmap_local slot). */
	void (*kunmap)(struct ctx *c, int page, uint32_t kaddr, int slot);
	void (*flush_kernel_vmap_range)(struct ctx *c, uint32_t va,
					uint32_t len);
	void (*invalidate_kernel_vmap_range)(struct ctx *c, uint32_t va,
					     uint32_t len);
	/* get_user_pages_fast() takes the lockless path without flushes. */
	int (*gup_fast_skips_flush)(const struct ctx *c);
	/* kmap_atomic() disables preemption (pagefault_disable era). */
	int (*kmap_atomic_disables_preempt)(const struct ctx *c);
	/* Why a highmem page cannot exist here, or NULL. */
	const char *(*no_highmem)(enum kver v);
	/*
	 * The streaming DMA API on a non-coherent machine: the buffer at
	 * kernel address kva goes to the device (dma_map_*,
	 * dma_sync_*_for_device) or comes back (dma_unmap_*: unmap 1;
	 * dma_sync_*_for_cpu: unmap 0).  NULL: not rendered here.
	 */
	void (*dma_to_device)(struct ctx *c, int page, uint32_t kva,
			      uint32_t len, int dir);
	void (*dma_to_cpu)(struct ctx *c, int page, uint32_t kva, uint32_t len,
			   int dir, int unmap);
	/* flush_icache_range(va, va + len) */
	void (*flush_icache_range)(struct ctx *c, uint32_t va, uint32_t len);
	/*
	 * copy_user_highpage(to, from, vaddr) (the COW copy): does the
	 * flushes before the copy and returns the address the source is
	 * read through.  NULL: not rendered here.
	 */
	uint32_t (*cow_source)(struct ctx *c, int to, int from, uint32_t vaddr);
	/* flush_cache_mm(current->mm) (dup_mmap at fork) */
	void (*flush_cache_mm)(struct ctx *c);
	/* flush_cache_vunmap(start, end) */
	void (*flush_cache_vunmap)(struct ctx *c, uint32_t va, uint32_t len);
	/*
	 * update_mmu_cache (or set_pte_at's __sync_icache_dcache) once a
	 * fault has installed the PTE of page at uaddr: completes a
	 * deferred flush_dcache_page.  NULL: nothing deferred here.
	 */
	void (*update_mmu_cache)(struct ctx *c, int page, uint32_t uaddr,
				 int exec);
};

/* enum dma_data_direction, include/linux/dma-direction.h */
enum { DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE };

extern const struct arch_ops arch_coherent_ops, arch_arm_ops,
	arch_parisc_ops, arch_sh_ops, arch_mips_ops, arch_sparc64_ops;

const struct arch_ops *arch_ops_of(enum arch a);

/* Helpers the architectures share. */
int page_is_anon(const struct ctx *c, int page);
/* page_mapping(page) && !mapping_mapped(mapping): flush may be deferred */
int page_unmapped_file(const struct ctx *c, int page);
/* The user mapping of page in the running thread's process, or -1. */
int page_user_map(const struct ctx *c, int page);
/* A temporary kernel mapping of page at the colour of uaddr. */
uint32_t kmap_coherent(struct ctx *c, int page, uint32_t uaddr);
void kunmap_coherent(struct ctx *c);

/* The process whose mapping holds uaddr (the running one first), -1. */
int owner_proc(const struct ctx *c, uint32_t uaddr);
/* The mapping of uaddr in that process, or -1. */
int owner_map(const struct ctx *c, uint32_t uaddr);
/* Has proc run on this CPU (its bit in mm_cpumask never cleared)? */
int mm_ever_on_cpu(const struct ctx *c, int proc);

/* Clear a deferred PG_dcache_dirty; 1 if it was set (update_mmu_cache). */
int take_dcache_dirty(struct ctx *c, int page);

/* Building blocks for the ops tables. */
void arch_nop_page(struct ctx *c, int page);
void arch_nop_page_addr(struct ctx *c, int page, uint32_t uaddr);
uint32_t arch_same_addr(struct ctx *c, int page, uint32_t uaddr,
			uint32_t kaddr);
void arch_nop_after(struct ctx *c, int page, uint32_t uaddr, uint32_t kaddr,
		    uint32_t other, uint32_t len);
void arch_nop_kunmap(struct ctx *c, int page, uint32_t kaddr, int slot);
void arch_nop_range(struct ctx *c, uint32_t va, uint32_t len);
int arch_never(const struct ctx *c);
int arch_from_2_6_20(const struct ctx *c);
const char *arch_highmem_ok(enum kver v);
const char *arch_no_highmem_why(const struct prog *p);

#endif
