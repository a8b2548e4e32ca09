/*
 * state.h - one state of the whole system, decoded, and its compact
 * byte encoding (the form that is hashed and stored).
 */
#ifndef STALE_STATE_H
#define STALE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "prog.h"
#include "fusedev.h"

#define MAX_LINES	48	/* per CPU cache */
#define MAX_LINE_WORDS	16	/* 64-byte lines */
#define MAX_MEM		1024	/* nonzero physical words */

enum tstatus {
	T_READY,	/* can run its next instruction, if enabled */
	T_DONE,
};

enum fault_state { FS_NONE, FS_LOCK, FS_WAIT };

struct tstate {
	uint16_t pc;
	uint8_t status;
	uint8_t kernel;		/* in kernel mode */
	uint8_t preempt;	/* preempt count */
	uint8_t fstate;		/* in a page fault: FS_LOCK, FS_WAIT */
	uint8_t fmap;		/* the mapping being faulted in */
	int8_t freq;		/* FS_WAIT: the READ request */
	uint8_t ffail;		/* the fault failed: the access must fail */
	uint8_t irqoff;		/* local interrupts disabled */
	int8_t intr;		/* @irq running: the thread it interrupted */
	uint32_t regs[MAX_REGS];
};

struct cpustate {
	int8_t cur;		/* running thread, -1 before the first */
	int8_t mm;		/* active address space (process), -1 none */
};

/* One copy of a memory line in one CPU's data cache. */
struct cline {
	uint32_t set;
	uint32_t tag;		/* VIVT: virtual line; else physical line */
	uint8_t asid;		/* VIVT with asid=on: process + 1 */
	uint16_t dirty;		/* one bit per dirty granule */
	uint32_t pa;		/* physical address of the line */
	uint32_t va;		/* the virtual address that filled it */
	uint32_t data[MAX_LINE_WORDS];
};

struct mword {
	uint32_t pa;
	uint32_t val;
};

/* Per-page kernel state (page->flags bits the architectures use). */
#define PGF_DCACHE_DIRTY  0x01	/* PG_dcache_dirty: flush deferred */
#define PGF_DCACHE_CLEAN  0x02	/* PG_dcache_clean (ARM >= 2.6.37, sh) */
#define PGF_MAPPED        0x04	/* sh PG_mapped: ever user-mapped */
#define PGF_UPTODATE      0x08	/* PG_uptodate: the page holds its data */

struct kstate {
	uint8_t pgflags[MAX_PAGES];
	uint8_t pkmap[MAX_PAGES];		/* kmap() count */
	int8_t kslot[MAX_CPUS][KM_SLOTS];	/* kmap_atomic: page or -1 */
	uint8_t kdepth[MAX_CPUS];
	int8_t lock[MAX_LOCKS];			/* holder thread or -1 */
	uint8_t done[MAX_LOCKS];		/* completion: complete() count */
	uint8_t vmapped[MAX_PAGES];		/* vmap() count */
	int8_t kcoh[MAX_CPUS];			/* kmap_coherent page or -1 */
	int8_t pglock[MAX_PAGES];		/* PG_locked: holder or -1 */
	uint32_t present;			/* maps faulted in (bit per map) */
	uint16_t kcoh_colour[MAX_CPUS];
	struct fusestate fuse;
};

struct state {
	struct tstate t[MAX_THREADS];
	struct cpustate c[MAX_CPUS];
	int nmem;
	struct mword mem[MAX_MEM];		/* sorted by pa, nonzero */
	int nlines[MAX_CPUS];
	struct cline lines[MAX_CPUS][MAX_LINES];	/* sorted */
	struct kstate k;
	uint8_t overflow;	/* not encoded: a capacity was exceeded */
	int8_t violation;	/* not encoded: page + 1 met a second alias */
};

/*
 * The stored form of states (state.c): a codec keeps the component
 * tables; an encoded state is state_max_bytes() of component numbers.
 */
struct codec;
struct codec *codec_new(const struct prog *p);
void codec_free(struct codec *c);
size_t codec_bytes(const struct codec *c);
size_t state_encode(struct codec *c, const struct state *s, uint8_t *ids);
void state_decode(const struct codec *c, const uint8_t *ids, size_t len,
		  struct state *s);
size_t state_max_bytes(const struct prog *p);

/* Physical memory. */
uint32_t mem_read(const struct state *s, uint32_t pa);
void mem_write(struct state *s, uint32_t pa, uint32_t val);

#endif
