/*
 * kmm.h - the kernel's view of memory: address translation, the pages
 * behind addresses, and the cache maintenance primitives that the
 * architectures' cacheflush code is built from.
 */
#ifndef STALE_KMM_H
#define STALE_KMM_H

#include "cache.h"

/* A colour-matched temporary kernel mapping (kmap_coherent, tmpalias). */
#define KCOH_BASE	0xe0000000u

/*
 * Translate va as thread c->thread sees it (its process, its mode).
 * Returns 0 and sets *pa, *asid; or -1 when nothing is mapped there or
 * the mode may not touch it.
 */
int kmm_translate(const struct ctx *c, uint32_t va, uint32_t *pa, int *asid);

/* The page that a struct page pointer names, or -1. */
int kmm_page_of_struct(const struct prog *p, uint32_t ptr);
/* The user mapping of uaddr in process proc, or -1. */
int kmm_user_map(const struct prog *p, int proc, uint32_t uaddr);
/* The process of the running thread, -1 for a kernel thread. */
int kmm_proc(const struct ctx *c);
/* Lowmem (linear map) address of a page, 0 for highmem. */
uint32_t kmm_lowmem(const struct prog *p, int page);

/* The vmap() address of a page (its colour chosen by lower.c). */
uint32_t kmm_vmap_addr(const struct prog *p, int page);

/* The not-yet-faulted-in mapping behind user address va, or -1. */
int kmm_fault_map(const struct ctx *c, uint32_t va);

/* Is proc's address space the one live on cpu (mm_cpumask)? */
int kmm_mm_live(const struct ctx *c, int cpu, int proc);

/*
 * Primitives, on the running CPU (or every CPU where the profile's
 * maintenance is broadcast):
 *   range by virtual address in a given context (proc -1: kernel),
 *   one page through a mapping of a chosen colour (flush_pfn_alias,
 *   kmap_coherent, parisc tmpalias), every alias of a page found by
 *   physical address (SH-4 address array, UltraSPARC D-cache tags).
 */
void kmm_maint_range(struct ctx *c, int proc, uint32_t va, uint32_t len,
		     enum maint m);
void kmm_maint_colour(struct ctx *c, int page, uint32_t colour_va,
		      enum maint m);
void kmm_maint_phys(struct ctx *c, int page, enum maint m);
void kmm_maint_all(struct ctx *c, enum maint m);
/* Invalidate the I-cache by virtual range (proc -1: kernel), or all. */
void kmm_imaint_range(struct ctx *c, int proc, uint32_t va, uint32_t len);
void kmm_imaint_all(struct ctx *c);

/* Kernel-internal word access through the running CPU's cache. */
uint32_t kmm_kread(struct ctx *c, uint32_t kva);
void kmm_kwrite(struct ctx *c, uint32_t kva, uint32_t val);

#endif
