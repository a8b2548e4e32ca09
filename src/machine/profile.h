/*
 * profile.h - machine profiles: the data cache of each CPU and the
 * architecture whose kernel cache-maintenance code applies.
 */
#ifndef STALE_PROFILE_H
#define STALE_PROFILE_H

#include <stdint.h>

enum cache_index { IDX_NONE, IDX_VIVT, IDX_VIPT, IDX_PIPT };
enum coherence { COH_NONE, COH_COLOUR, COH_PHYSICAL };

/* Whose cacheflush.h / mm code the built-in kernel functions follow. */
enum arch {
	ARCH_COHERENT,		/* no-op maintenance: x86-like, ARMv7 */
	ARCH_ARM,
	ARCH_PARISC,
	ARCH_SH,
	ARCH_MIPS,
	ARCH_SPARC64,
};

struct profile {
	const char *name;
	const char *desc;
	enum cache_index index;
	enum arch arch;
	uint32_t page_size;
	uint32_t size;		/* bytes, per CPU */
	uint32_t ways;
	uint32_t line;		/* bytes */
	uint32_t dirty_granule;	/* bytes covered by one dirty bit */
	int write_back;		/* 0: write-through */
	int write_allocate;	/* 0: read-allocate only */
	enum coherence coherence;
	int flush_on_switch;	/* switch_mm cleans+invalidates the D-cache */
	int asid;		/* VIVT lines tagged with an address-space id */
	int smp_hw;		/* the hardware existed in SMP configurations */
	int maint_broadcast;	/* cache maintenance acts on every CPU */
	/*
	 * A separate instruction cache that the hardware does not keep
	 * coherent with the D-cache or with memory writes; modelled with
	 * the D-cache's indexing and geometry.
	 */
	int icache;
	int dma_coherent;	/* device accesses snoop the caches */
	const char *source;	/* where the numbers come from */
};

/* Derived geometry. */
static inline uint32_t profile_sets(const struct profile *p)
{
	return p->index == IDX_NONE ? 0 : p->size / (p->ways * p->line);
}

static inline uint32_t profile_colours(const struct profile *p)
{
	uint32_t way;

	if (p->index != IDX_VIPT)
		return 1;
	way = p->size / p->ways;
	return way > p->page_size ? way / p->page_size : 1;
}

const struct profile *profile_find(const char *name);
const struct profile *profile_at(int i);	/* NULL past the end */
int profile_count(void);

/*
 * Apply one `key=value` override to *p.  Returns NULL, or a message
 * saying what is wrong with it.
 */
const char *profile_override(struct profile *p, const char *key,
			     const char *value);

const char *arch_name(enum arch a);
const char *index_name(enum cache_index i);
const char *coherence_name(enum coherence c);

#endif
