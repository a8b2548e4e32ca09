/*
 * profile.c - the table of machine profiles and their sources.
 *
 * Each row is one real data cache.  Sizes are those of a common part
 * where the core was configurable; the comment and `source` say which.
 * docs/profiles.md has the same table with the reasoning behind each
 * number; `stale profiles` prints this one.
 */
#include <stdlib.h>
#include <string.h>

#include "profile.h"

static const struct profile profiles[] = {
	{
		.name = "none", .desc = "no cache: the coherent reference",
		.index = IDX_NONE, .arch = ARCH_COHERENT, .page_size = 4096,
		.coherence = COH_PHYSICAL, .smp_hw = 1,
		.dma_coherent = 1,
		.source = "spec section 4: every access goes to memory",
	},
	{
		/* x86: Intel SDM vol. 3A 12.1, 32 KiB 8-way 64 B L1D. */
		.name = "pipt", .desc = "physically indexed and tagged (x86-like)",
		.index = IDX_PIPT, .arch = ARCH_COHERENT, .page_size = 4096,
		.size = 32768, .ways = 8, .line = 64, .dirty_granule = 64,
		.write_back = 1, .write_allocate = 1,
		.coherence = COH_PHYSICAL, .smp_hw = 1,
		/* Intel SDM vol. 3A 11.6: stores to code are snooped */
		.dma_coherent = 1,
		.source = "Intel SDM vol. 3A ch. 12 (32 KiB 8-way 64 B L1D)",
	},
	{
		/*
		 * ARM1136 with a 16 KiB 4-way D-cache: a 4 KiB way, so the
		 * index lies inside the page offset (CTR bit 23 clear ->
		 * CACHEID_VIPT_NONALIASING, arch/arm/kernel/setup.c).
		 * ARMv7 D-caches behave the same way.
		 */
		.name = "vipt-nonaliasing",
		.desc = "VIPT, index within the page (ARMv6 16 KiB, ARMv7)",
		.index = IDX_VIPT, .arch = ARCH_ARM, .page_size = 4096,
		.size = 16384, .ways = 4, .line = 32, .dirty_granule = 16,
		.write_back = 1, .write_allocate = 0,
		.coherence = COH_PHYSICAL, .smp_hw = 1,
		/* Harvard L1: ARMv5-v7 need explicit I-cache maintenance */
		.icache = 1,
		.source = "ARM1136JF-S TRM (DDI0211) 7.1; cacheid_init in arch/arm/kernel/setup.c",
	},
	{
		/*
		 * ARM926EJ-S: 4-128 KiB, 4-way, 32 B lines, two dirty bits
		 * per line, allocate on read miss only; 16 KiB as on
		 * AT91SAM9/i.MX27.  cpu_arm926_switch_mm cleans and
		 * invalidates the whole D-cache.
		 */
		.name = "arm926", .desc = "ARMv5 ARM926EJ-S: VIVT, write-back, read-allocate",
		.index = IDX_VIVT, .arch = ARCH_ARM, .page_size = 4096,
		.size = 16384, .ways = 4, .line = 32, .dirty_granule = 16,
		.write_back = 1, .write_allocate = 0,
		.coherence = COH_NONE, .flush_on_switch = 1, .smp_hw = 0,
		/* Harvard L1: ARMv5-v7 need explicit I-cache maintenance */
		.icache = 1,
		.source = "ARM DDI0198D 4.1 (ARM926EJ-S TRM); arch/arm/mm/proc-arm926.S",
	},
	{
		/*
		 * XScale core: 32 KiB, 32-way, 32 sets, 32 B lines, two
		 * dirty bits; write-allocate when the page is X=1,C=1,B=1.
		 */
		.name = "xscale", .desc = "ARMv5TE XScale: VIVT, write-back, write-allocate",
		.index = IDX_VIVT, .arch = ARCH_ARM, .page_size = 4096,
		.size = 32768, .ways = 32, .line = 32, .dirty_granule = 16,
		.write_back = 1, .write_allocate = 1,
		.coherence = COH_NONE, .flush_on_switch = 1, .smp_hw = 0,
		/* Harvard L1: ARMv5-v7 need explicit I-cache maintenance */
		.icache = 1,
		.source = "Intel XScale Core Developer's Manual 6.1.1; 80200 manual tables 3-1/3-2 (write-allocate with X=1,C=1,B=1; that Linux sets it: unverified)",
	},
	{
		/* StrongARM SA-1100/1110: 8 KiB 32-way, 32 B lines. */
		.name = "sa1100", .desc = "StrongARM SA-1100: VIVT, write-back, read-allocate",
		.index = IDX_VIVT, .arch = ARCH_ARM, .page_size = 4096,
		.size = 8192, .ways = 32, .line = 32, .dirty_granule = 16,
		.write_back = 1, .write_allocate = 0,
		.coherence = COH_NONE, .flush_on_switch = 1, .smp_hw = 0,
		/* Harvard L1: ARMv5-v7 need explicit I-cache maintenance */
		.icache = 1,
		.source = "SA-1100/1110 Developer's Manual 1.4.5, 6 (dirty bits per half line: unverified); arch/arm/mm/proc-sa1100.S",
	},
	{
		/*
		 * ARM1136 with a 32 KiB 4-way D-cache: 8 KiB ways over 4 KiB
		 * pages give 2 colours (CTR bit 23 -> CACHEID_VIPT_ALIASING).
		 */
		.name = "arm1136", .desc = "ARMv6 ARM1136: VIPT aliasing, 2 colours",
		.index = IDX_VIPT, .arch = ARCH_ARM, .page_size = 4096,
		.size = 32768, .ways = 4, .line = 32, .dirty_granule = 16,
		.write_back = 1, .write_allocate = 0,
		.coherence = COH_COLOUR, .smp_hw = 1,
		/* Harvard L1: ARMv5-v7 need explicit I-cache maintenance */
		.icache = 1,
		.source = "ARM1136JF-S TRM (DDI0211) 7.1; arch/arm/kernel/setup.c cacheid_init; arch/arm/mm/copypage-v6.c",
	},
	{
		/*
		 * PA-RISC 2.0: aliases are equivalent iff congruent modulo
		 * 4 MiB (SHM_COLOUR, arch/parisc/include/asm/shmparam.h),
		 * so a kernel must assume 1024 colours of 4 KiB; 64 B lines
		 * as on PA-8800/8900.
		 */
		.name = "parisc", .desc = "PA-RISC 2.0: VIPT, equivalence modulo 4 MiB",
		.index = IDX_VIPT, .arch = ARCH_PARISC, .page_size = 4096,
		.size = 4194304, .ways = 1, .line = 64, .dirty_granule = 64,
		.write_back = 1, .write_allocate = 1,
		.coherence = COH_COLOUR, .smp_hw = 1, .maint_broadcast = 1,
		/* PA-RISC 2.0 architecture: fic needed after stores to code */
		.icache = 1,
		.source = "arch/parisc/include/asm/shmparam.h SHM_COLOUR (equivalent aliases mod 4 MiB); line size, write-allocate and fdc broadcast to all CPUs: unverified",
	},
	{
		/*
		 * SH7750 operand cache: 16 KiB direct-mapped, 32 B lines,
		 * index VA[13:5] -> 4 colours; copy-back allocates on write.
		 */
		.name = "sh4", .desc = "SuperH SH-4: VIPT, 16 KiB direct-mapped, 4 colours",
		.index = IDX_VIPT, .arch = ARCH_SH, .page_size = 4096,
		.size = 16384, .ways = 1, .line = 32, .dirty_granule = 32,
		.write_back = 1, .write_allocate = 1,
		.coherence = COH_COLOUR, .smp_hw = 1,
		/* SH7750 separate 8 KiB instruction cache, not snooped */
		.icache = 1,
		.source = "SH7750/SH7751 Hardware Manual operand cache (VA[13:5] index, PA tag, 32 B lines); 16 KiB direct-mapped and write-allocate: unverified",
	},
	{
		/*
		 * R4000: 8 KiB direct-mapped primary D-cache, 32 B lines
		 * (Ralf Baechle's example: PA 0x5000 at 0x12340000 and
		 * 0x80005000 fall in different sets); write-back.
		 */
		.name = "mips-r4k", .desc = "MIPS R4000: VIPT, 8 KiB direct-mapped, 2 colours",
		.index = IDX_VIPT, .arch = ARCH_MIPS, .page_size = 4096,
		.size = 8192, .ways = 1, .line = 32, .dirty_granule = 32,
		.write_back = 1, .write_allocate = 1,
		.coherence = COH_COLOUR, .smp_hw = 1,
		/* R4000 User's Manual 11: separate I-cache, not coherent */
		.icache = 1,
		.source = "MIPS R4000 User's Manual 11.3 (VIPT, direct-mapped, write-back, W bit per line); 8 KiB part; write-allocate: unverified",
	},
	{
		/*
		 * UltraSPARC-I/II: 16 KiB direct-mapped, write-through,
		 * non-allocating D-cache, 32 B lines; 8 KiB pages give 2
		 * colours (VA bit 13).
		 */
		.name = "sparc64", .desc = "UltraSPARC-I/II: VIPT write-through, 8 KiB pages, 2 colours",
		.index = IDX_VIPT, .arch = ARCH_SPARC64, .page_size = 8192,
		.size = 16384, .ways = 1, .line = 32, .dirty_granule = 32,
		.write_back = 0, .write_allocate = 0,
		.coherence = COH_COLOUR, .smp_hw = 1,
		.source = "arch/sparc64/mm/init.c and ultra.S D-cache tag walk (16 KiB, 32 B, direct-mapped); write-through, no write-allocate: unverified (manual not read)",
	},
};

int profile_count(void)
{
	return (int)(sizeof(profiles) / sizeof(profiles[0]));
}

const struct profile *profile_at(int i)
{
	return i >= 0 && i < profile_count() ? &profiles[i] : NULL;
}

const struct profile *profile_find(const char *name)
{
	int i;

	for (i = 0; i < profile_count(); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 0);
	if (*end != '\0' || v == 0 || v > (1ul << 26))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

const char *profile_override(struct profile *p, const char *key,
			     const char *value)
{
	uint32_t v;

	if (p->index == IDX_NONE)
		return "the profile 'none' has no cache to change";
	if (strcmp(key, "line") == 0) {
		if (parse_u32(value, &v) || !is_pow2(v) || v < 8 || v > 64)
			return "line must be a power of two from 8 to 64";
		if (p->size / p->ways < v)
			return "line is larger than a cache way";
		/* Keep the number of dirty bits per line. */
		p->dirty_granule = v / (p->line / p->dirty_granule);
		p->line = v;
		if (p->dirty_granule < 4)
			p->dirty_granule = 4;
		return NULL;
	}
	if (strcmp(key, "colours") == 0 || strcmp(key, "colors") == 0) {
		if (parse_u32(value, &v) || !is_pow2(v) || v > 1024)
			return "colours must be a power of two up to 1024";
		if (p->index != IDX_VIPT)
			return "colours applies to a VIPT cache only";
		/* Keep the associativity: the way grows to v pages. */
		p->size = v * p->page_size * p->ways;
		return NULL;
	}
	if (strcmp(key, "write") == 0) {
		if (strcmp(value, "back") == 0)
			p->write_back = 1;
		else if (strcmp(value, "through") == 0)
			p->write_back = 0;
		else
			return "write must be 'back' or 'through'";
		return NULL;
	}
	if (strcmp(key, "allocate") == 0) {
		if (strcmp(value, "read") == 0)
			p->write_allocate = 0;
		else if (strcmp(value, "write") == 0)
			p->write_allocate = 1;
		else
			return "allocate must be 'read' or 'write'";
		return NULL;
	}
	if (strcmp(key, "coherence") == 0) {
		if (strcmp(value, "none") == 0)
			p->coherence = COH_NONE;
		else if (strcmp(value, "colour") == 0 ||
			 strcmp(value, "color") == 0)
			p->coherence = COH_COLOUR;
		else if (strcmp(value, "physical") == 0)
			p->coherence = COH_PHYSICAL;
		else
			return "coherence must be 'none', 'colour' or 'physical'";
		return NULL;
	}
	if (strcmp(key, "asid") == 0) {
		if (strcmp(value, "on") == 0)
			p->asid = 1;
		else if (strcmp(value, "off") == 0)
			p->asid = 0;
		else
			return "asid must be 'on' or 'off'";
		if (p->asid && p->index != IDX_VIVT)
			return "asid applies to a VIVT cache only";
		/* With address-space tags, a switch need not flush. */
		p->flush_on_switch = !p->asid;
		return NULL;
	}
	return "unknown cache parameter (line, colours, write, allocate, coherence, asid)";
}

const char *arch_name(enum arch a)
{
	static const char *const names[] = {
		[ARCH_COHERENT] = "coherent", [ARCH_ARM] = "arm",
		[ARCH_PARISC] = "parisc", [ARCH_SH] = "sh",
		[ARCH_MIPS] = "mips", [ARCH_SPARC64] = "sparc64",
	};
	return names[a];
}

const char *index_name(enum cache_index i)
{
	static const char *const names[] = {
		[IDX_NONE] = "none", [IDX_VIVT] = "VIVT",
		[IDX_VIPT] = "VIPT", [IDX_PIPT] = "PIPT",
	};
	return names[i];
}

const char *coherence_name(enum coherence c)
{
	static const char *const names[] = {
		[COH_NONE] = "none", [COH_COLOUR] = "colour",
		[COH_PHYSICAL] = "physical",
	};
	return names[c];
}
