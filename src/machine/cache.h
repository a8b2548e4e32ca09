/*
 * cache.h - one data cache per CPU: lookups, fills, write-backs,
 * evictions, coherence between CPUs, and maintenance by line.
 */
#ifndef STALE_CACHE_H
#define STALE_CACHE_H

#include "ctx.h"

enum maint { M_CLEAN, M_INV, M_FLUSH };	/* flush = clean + invalidate */

/* A load or store of one word by cpu c->cpu through virtual address va. */
uint32_t cache_load(struct ctx *c, uint32_t va, uint32_t pa, int asid);
void cache_store(struct ctx *c, uint32_t va, uint32_t pa, int asid,
		 uint32_t val);

/* The value the CPU would see, without changing anything. */
uint32_t cache_peek(const struct ctx *c, uint32_t va, uint32_t pa, int asid);

/*
 * The same for a kernel-internal read (a page copy) that must count as
 * an access through va for reduction 4.
 */
uint32_t cache_peek_alias(struct ctx *c, uint32_t va, uint32_t pa, int asid);

/* Maintenance of the line that (va, pa) selects on one CPU. */
void cache_maint_line(struct ctx *c, int cpu, uint32_t va, uint32_t pa,
		      int asid, enum maint m);
/* Every copy of every line of [pa, pa + len) on one CPU, any alias. */
void cache_maint_phys(struct ctx *c, int cpu, uint32_t pa, uint32_t len,
		      enum maint m);
/* Every line of one set, whatever its tag (maintenance by index). */
void cache_maint_set(struct ctx *c, int cpu, uint32_t set, enum maint m);
/* Every line of the CPU's cache. */
void cache_maint_all(struct ctx *c, int cpu, enum maint m);

/* Evict line i of the CPU's cache (writing it back if dirty). */
void cache_evict(struct ctx *c, int cpu, int i);
/* Write line i back (if dirty) and leave it clean. */
void cache_writeback(struct ctx *c, int cpu, int i);

/* Does clean line i hold a word that differs from memory? */
int cache_line_stale(const struct ctx *c, int cpu, int i);

/* Set numbers of instruction-cache lines carry this bit. */
#define ISET	0x80000000u

/* An instruction fetch through cpu c->cpu's I-cache. */
uint32_t cache_ifetch(struct ctx *c, uint32_t va, uint32_t pa, int asid);
/* Invalidate the I-cache line (va, pa) selects; or the whole I-cache. */
void cache_imaint_line(struct ctx *c, int cpu, uint32_t va, uint32_t pa,
		       int asid);
void cache_imaint_all(struct ctx *c, int cpu);

/* A device's (bus master's) word access to physical memory. */
uint32_t cache_dma_read(struct ctx *c, uint32_t pa);
void cache_dma_write(struct ctx *c, uint32_t pa, uint32_t val);

/* The colour of a virtual address on this profile. */
uint32_t cache_colour(const struct profile *pr, uint32_t va);

#endif
