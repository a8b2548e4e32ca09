/*
 * test_cache.c - unit tests of the cache model (src/machine/cache.c)
 * through its API: one struct prog holding nothing but a profile and a
 * CPU count, one zeroed struct state, and a ctx per access.
 *
 * Addresses used throughout (as the lowering places them): the page at
 * physical 0x100000, its kernel (lowmem) alias 0xc0100000, user aliases
 * from 0x10000 upwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "profile.h"
#include "check.h"



#define PA	0x100000u	/* the page */
#define PA2	0x101000u	/* another page */
#define KVA	0xc0100000u	/* its kernel alias, colour 0 everywhere */
#define UVA0	0x10000u	/* colour 0 */
#define UVA1	0x11000u	/* colour 1 on 2- and 4-colour profiles */
#define UVA2	0x12000u	/* colour 2 on 4-colour profiles */

static struct prog P;
static struct state *S;

/* A fresh machine: profile name (with one optional override), n CPUs. */
static void setup(const char *name, int ncpus, const char *key,
		  const char *value)
{
	const struct profile *pr = profile_find(name);

	if (pr == NULL) {
		printf("FAIL: no profile %s\n", name);
		exit(1);
	}
	memset(&P, 0, sizeof(P));
	P.prof = *pr;
	P.ncpus = ncpus;
	if (key != NULL) {
		const char *why = profile_override(&P.prof, key, value);

		if (why != NULL) {
			printf("FAIL: override %s=%s on %s: %s\n", key, value,
			       name, why);
			exit(1);
		}
	}
	memset(S, 0, sizeof(*S));
}

static struct ctx on(int cpu)
{
	struct ctx c;

	memset(&c, 0, sizeof(c));
	c.p = &P;
	c.s = S;
	c.thread = -1;
	c.cpu = cpu;
	return c;
}

static uint32_t load(int cpu, uint32_t va, uint32_t pa)
{
	struct ctx c = on(cpu);

	return cache_load(&c, va, pa, 0);
}

static void store(int cpu, uint32_t va, uint32_t pa, uint32_t v)
{
	struct ctx c = on(cpu);

	cache_store(&c, va, pa, 0, v);
}

static uint32_t peek(int cpu, uint32_t va, uint32_t pa)
{
	struct ctx c = on(cpu);

	return cache_peek(&c, va, pa, 0);
}

/* The index of the line that holds (va, pa) on cpu, or -1. */
static int line_of(int cpu, uint32_t va, uint32_t pa)
{
	const struct profile *pr = &P.prof;
	uint32_t line = pr->line, sets = profile_sets(pr);
	uint32_t set = ((pr->index == IDX_PIPT ? pa : va) / line) % sets;
	uint32_t tag = (pr->index == IDX_VIVT ? va : pa) & ~(line - 1);
	int i;

	for (i = 0; i < S->nlines[cpu]; i++)
		if (S->lines[cpu][i].set == set && S->lines[cpu][i].tag == tag)
			return i;
	return -1;
}

/* ---- indexing: who shares a line ---------------------------------------- */

static void test_vivt_separate_copies(void)
{
	setup("arm926", 1, NULL, NULL);
	CHECK(load(0, UVA0, PA) == 0);
	CHECK(load(0, KVA, PA) == 0);
	CHECK(S->nlines[0] == 2);		/* two copies of one line */
	store(0, UVA0, PA, 5);
	CHECK(peek(0, UVA0, PA) == 5);
	CHECK(peek(0, KVA, PA) == 0);		/* the other copy is stale */
	CHECK(mem_read(S, PA) == 0);		/* and memory too */
	CHECK(S->lines[0][line_of(0, UVA0, PA)].dirty != 0);
	CHECK(S->lines[0][line_of(0, KVA, PA)].dirty == 0);
	/* even the same colour: VIVT tags are virtual */
	CHECK(load(0, UVA0 + 0x4000, PA) == 0);
	CHECK(S->nlines[0] == 3);
}

static void test_vivt_asid(void)
{
	struct ctx c;

	setup("arm926", 1, "asid", "on");
	CHECK(P.prof.asid == 1 && P.prof.flush_on_switch == 0);
	c = on(0);
	cache_store(&c, UVA0, PA, 1, 0);	/* miss: read-allocate, memory */
	CHECK(cache_load(&c, UVA0, PA, 1) == 0);
	CHECK(cache_load(&c, UVA0, PA2, 2) == 0);
	CHECK(S->nlines[0] == 2);		/* same VA, two address spaces */
	cache_store(&c, UVA0, PA, 1, 9);
	CHECK(cache_peek(&c, UVA0, PA, 1) == 9);
	CHECK(cache_peek(&c, UVA0, PA2, 2) == 0);
}

static void test_vipt_colours(void)
{
	setup("arm1136", 1, NULL, NULL);
	CHECK(profile_colours(&P.prof) == 2);
	CHECK(cache_colour(&P.prof, UVA0) == 0);
	CHECK(cache_colour(&P.prof, UVA1) == 1);
	CHECK(cache_colour(&P.prof, KVA) == 0);
	CHECK(load(0, UVA0, PA) == 0);
	CHECK(load(0, KVA, PA) == 0);
	CHECK(S->nlines[0] == 1);		/* same colour: one line */
	CHECK(load(0, UVA1, PA) == 0);
	CHECK(S->nlines[0] == 2);		/* other colour: a copy */
	store(0, UVA0, PA, 3);
	CHECK(peek(0, KVA, PA) == 3);		/* shares with the kernel */
	CHECK(peek(0, UVA1, PA) == 0);		/* not with colour 1 */
	store(0, UVA1 + 4, PA + 4, 4);
	CHECK(peek(0, UVA0 + 4, PA + 4) == 0);
	CHECK(mem_read(S, PA) == 0 && mem_read(S, PA + 4) == 0);

	setup("sh4", 1, NULL, NULL);
	CHECK(profile_colours(&P.prof) == 4);
	CHECK(cache_colour(&P.prof, UVA2) == 2);
	CHECK(cache_colour(&P.prof, UVA0 + 0x4000) == 0);
	store(0, UVA0, PA, 6);			/* write-allocate */
	CHECK(peek(0, UVA0 + 0x4000, PA) == 6);	/* same colour */
	CHECK(peek(0, KVA, PA) == 6);
	CHECK(peek(0, UVA2, PA) == 0);
	CHECK(S->nlines[0] == 1);

	setup("parisc", 1, NULL, NULL);
	CHECK(profile_colours(&P.prof) == 1024);
	CHECK(cache_colour(&P.prof, 0x400000) == cache_colour(&P.prof, 0));
	CHECK(cache_colour(&P.prof, UVA1) != cache_colour(&P.prof, UVA0));

	setup("vipt-nonaliasing", 1, NULL, NULL);
	CHECK(profile_colours(&P.prof) == 1);
	CHECK(load(0, UVA0, PA) == 0);
	CHECK(load(0, UVA1, PA) == 0);
	CHECK(load(0, KVA, PA) == 0);
	CHECK(S->nlines[0] == 1);
}

static void test_pipt_shares(void)
{
	setup("pipt", 1, NULL, NULL);
	store(0, UVA1, PA + 8, 7);		/* write-allocate */
	CHECK(S->nlines[0] == 1);
	CHECK(load(0, UVA0 + 8, PA + 8) == 7);
	CHECK(load(0, KVA + 8, PA + 8) == 7);
	CHECK(load(0, UVA2 + 0x1234000 + 8, PA + 8) == 7);
	CHECK(S->nlines[0] == 1);
	CHECK(mem_read(S, PA + 8) == 0);
}

static void test_none_profile(void)
{
	setup("none", 1, NULL, NULL);
	store(0, UVA0, PA, 8);
	CHECK(mem_read(S, PA) == 8);
	CHECK(load(0, KVA, PA) == 8);
	CHECK(S->nlines[0] == 0);
}

/* ---- write policies ---------------------------------------------------------- */

static void test_read_allocate(void)
{
	setup("arm926", 1, NULL, NULL);
	CHECK(P.prof.write_allocate == 0);
	store(0, UVA0, PA, 11);
	CHECK(S->nlines[0] == 0);		/* no allocation */
	CHECK(mem_read(S, PA) == 11);		/* straight to memory */
	CHECK(load(0, UVA0, PA) == 11);		/* a load allocates */
	CHECK(S->nlines[0] == 1);
	CHECK(S->lines[0][0].dirty == 0);
}

static void test_write_allocate(void)
{
	setup("xscale", 1, NULL, NULL);
	CHECK(P.prof.write_allocate == 1);
	mem_write(S, PA + 4, 70);
	store(0, UVA0, PA, 12);
	CHECK(S->nlines[0] == 1);		/* allocated */
	CHECK(S->lines[0][0].dirty != 0);
	CHECK(S->lines[0][0].data[0] == 12);
	CHECK(S->lines[0][0].data[1] == 70);	/* filled from memory */
	CHECK(mem_read(S, PA) == 0);		/* memory not yet written */
	CHECK(peek(0, UVA0, PA) == 12);
}

static void test_write_through(void)
{
	setup("sparc64", 1, NULL, NULL);
	CHECK(P.prof.write_back == 0 && P.prof.page_size == 8192);
	store(0, UVA0, PA, 13);			/* miss: no allocation */
	CHECK(S->nlines[0] == 0);
	CHECK(mem_read(S, PA) == 13);
	CHECK(load(0, UVA0, PA) == 13);
	store(0, UVA0, PA, 14);			/* hit: line and memory */
	CHECK(S->nlines[0] == 1);
	CHECK(S->lines[0][0].dirty == 0);
	CHECK(S->lines[0][0].data[0] == 14);
	CHECK(mem_read(S, PA) == 14);

	/* write=through on a write-allocate profile: allocates, never dirty */
	setup("xscale", 1, "write", "through");
	store(0, UVA0, PA, 15);
	CHECK(S->nlines[0] == 1);
	CHECK(S->lines[0][0].dirty == 0);
	CHECK(mem_read(S, PA) == 15);
	{
		struct ctx c = on(0);

		cache_maint_all(&c, 0, M_INV);	/* nothing to lose */
	}
	CHECK(S->nlines[0] == 0);
	CHECK(mem_read(S, PA) == 15);
}

static void test_half_dirty_writeback(void)
{
	struct ctx c;
	uint32_t w;
	int i;

	setup("arm926", 1, NULL, NULL);
	CHECK(P.prof.line == 32 && P.prof.dirty_granule == 16);
	for (w = 0; w < 8; w++)
		mem_write(S, PA + 4 * w, 100 + w);
	CHECK(load(0, UVA0, PA) == 100);
	store(0, UVA0 + 4, PA + 4, 1);		/* first half dirty */
	i = line_of(0, UVA0, PA);
	CHECK(i >= 0 && S->lines[0][i].dirty == 1);
	/* another alias writes the whole line back meanwhile */
	for (w = 0; w < 8; w++)
		mem_write(S, PA + 4 * w, 200 + w);
	c = on(0);
	cache_evict(&c, 0, i);
	CHECK(S->nlines[0] == 0);
	CHECK(mem_read(S, PA + 4) == 1);	/* the store */
	CHECK(mem_read(S, PA) == 100);		/* its half, as the line had it */
	CHECK(mem_read(S, PA + 12) == 103);
	CHECK(mem_read(S, PA + 16) == 204);	/* the clean half untouched */
	CHECK(mem_read(S, PA + 28) == 207);

	/* second half only */
	setup("arm926", 1, NULL, NULL);
	CHECK(load(0, UVA0, PA) == 0);
	store(0, UVA0 + 20, PA + 20, 2);
	CHECK(S->lines[0][0].dirty == 2);
	mem_write(S, PA, 55);
	c = on(0);
	cache_writeback(&c, 0, 0);
	CHECK(S->nlines[0] == 1 && S->lines[0][0].dirty == 0);
	CHECK(mem_read(S, PA + 20) == 2);
	CHECK(mem_read(S, PA) == 55);

	/* one dirty bit per line on sh4: the whole line goes back */
	setup("sh4", 1, NULL, NULL);
	CHECK(P.prof.dirty_granule == 32);
	store(0, UVA0, PA, 3);
	mem_write(S, PA + 28, 9);
	c = on(0);
	cache_evict(&c, 0, 0);
	CHECK(mem_read(S, PA) == 3);
	CHECK(mem_read(S, PA + 28) == 0);
}

/* ---- maintenance ------------------------------------------------------------- */

static void dirty_line(uint32_t va, uint32_t pa, uint32_t v)
{
	(void)load(0, va, pa);
	store(0, va, pa, v);
}

static void test_maint_line(void)
{
	struct ctx c;

	setup("arm926", 1, NULL, NULL);
	dirty_line(UVA0, PA, 21);
	c = on(0);
	cache_maint_line(&c, 0, UVA0, PA, 0, M_CLEAN);
	CHECK(S->nlines[0] == 1 && S->lines[0][0].dirty == 0);
	CHECK(mem_read(S, PA) == 21);

	setup("arm926", 1, NULL, NULL);
	dirty_line(UVA0, PA, 22);
	c = on(0);
	cache_maint_line(&c, 0, KVA, PA, 0, M_FLUSH);	/* the other alias */
	CHECK(S->nlines[0] == 1);			/* VIVT: not found */
	cache_maint_line(&c, 0, UVA0, PA, 0, M_INV);
	CHECK(S->nlines[0] == 0);
	CHECK(mem_read(S, PA) == 0);		/* dirty data discarded */

	setup("arm926", 1, NULL, NULL);
	dirty_line(UVA0, PA, 23);
	c = on(0);
	cache_maint_line(&c, 0, UVA0 + 12, PA + 12, 0, M_FLUSH);
	CHECK(S->nlines[0] == 0);
	CHECK(mem_read(S, PA) == 23);

	/* VIPT: maintenance at one colour reaches that colour only */
	setup("arm1136", 1, NULL, NULL);
	dirty_line(UVA1, PA, 24);
	dirty_line(UVA0, PA + 4, 25);
	c = on(0);
	cache_maint_line(&c, 0, KVA, PA, 0, M_FLUSH);	/* colour 0 */
	CHECK(S->nlines[0] == 1);
	CHECK(mem_read(S, PA + 4) == 25);
	CHECK(mem_read(S, PA) == 0);

	/* maintenance on a CPU that holds nothing does nothing */
	setup("arm926", 2, NULL, NULL);
	dirty_line(UVA0, PA, 26);
	c = on(1);
	cache_maint_line(&c, 1, UVA0, PA, 0, M_FLUSH);
	CHECK(S->nlines[0] == 1 && mem_read(S, PA) == 0);
}

static void test_maint_phys(void)
{
	struct ctx c;

	setup("arm926", 1, NULL, NULL);
	dirty_line(UVA0, PA, 31);
	dirty_line(KVA + 32, PA + 32, 32);
	(void)load(0, UVA1 + 64, PA + 64);
	(void)load(0, UVA2, PA2);		/* another page */
	CHECK(S->nlines[0] == 4);
	c = on(0);
	cache_maint_phys(&c, 0, PA, 4096, M_FLUSH);
	CHECK(S->nlines[0] == 1);		/* every alias of the page */
	CHECK(line_of(0, UVA2, PA2) >= 0);	/* not the other page */
	CHECK(mem_read(S, PA) == 31);
	CHECK(mem_read(S, PA + 32) == 32);

	setup("sh4", 1, NULL, NULL);
	store(0, UVA0, PA, 33);
	store(0, UVA1 + 4, PA + 4, 34);
	store(0, UVA2 + 8, PA + 8, 35);
	CHECK(S->nlines[0] == 3);
	c = on(0);
	cache_maint_phys(&c, 0, PA, 4096, M_CLEAN);
	CHECK(S->nlines[0] == 3);
	CHECK(S->lines[0][0].dirty == 0 && S->lines[0][1].dirty == 0 &&
	      S->lines[0][2].dirty == 0);
	/* the three copies were written back in some order: each wrote its
	   whole line, so one of them wins all three words */
	CHECK(mem_read(S, PA) + mem_read(S, PA + 4) + mem_read(S, PA + 8) ==
	      33 || mem_read(S, PA) + mem_read(S, PA + 4) +
	      mem_read(S, PA + 8) == 34 || mem_read(S, PA) +
	      mem_read(S, PA + 4) + mem_read(S, PA + 8) == 35);
	cache_maint_phys(&c, 0, PA, 4096, M_INV);
	CHECK(S->nlines[0] == 0);
}

static void test_maint_all_and_evict(void)
{
	struct ctx c;
	int i;

	setup("arm926", 1, NULL, NULL);
	dirty_line(UVA0, PA, 41);
	dirty_line(KVA + 4, PA + 4, 42);
	(void)load(0, UVA2, PA2);
	c = on(0);
	i = line_of(0, KVA, PA);
	CHECK(i >= 0);
	cache_evict(&c, 0, i);
	CHECK(S->nlines[0] == 2);
	CHECK(mem_read(S, PA + 4) == 42);	/* evict writes back */
	CHECK(mem_read(S, PA) == 0);
	i = line_of(0, UVA2, PA2);
	cache_evict(&c, 0, i);			/* clean: just dropped */
	CHECK(S->nlines[0] == 1);
	cache_maint_all(&c, 0, M_FLUSH);
	CHECK(S->nlines[0] == 0);
	/* UVA0's copy held word 1 = 0 in the same dirty half */
	CHECK(mem_read(S, PA) == 41 && mem_read(S, PA + 4) == 0);
}

/* ---- SMP coherence ------------------------------------------------------------- */

static void test_coherence_physical(void)
{
	setup("vipt-nonaliasing", 2, NULL, NULL);
	CHECK(P.prof.coherence == COH_PHYSICAL);
	dirty_line(UVA0, PA, 51);
	CHECK(load(1, UVA0, PA) == 51);		/* takes cpu0's dirty copy */
	CHECK(mem_read(S, PA) == 51);		/* written back by the snoop */
	CHECK(S->nlines[0] == 1 && S->lines[0][0].dirty == 0);
	store(1, UVA0, PA, 52);			/* invalidates cpu0's copy */
	CHECK(S->nlines[0] == 0);
	CHECK(load(0, KVA, PA) == 52);

	/* physical coherence reaches copies of any colour */
	setup("arm1136", 2, "coherence", "physical");
	dirty_line(UVA1, PA, 53);
	CHECK(load(1, UVA0, PA) == 53);
	(void)load(1, UVA0 + 4, PA + 4);
	store(0, UVA1 + 4, PA + 4, 54);
	CHECK(line_of(1, UVA0, PA) < 0);	/* cpu1's copy invalidated */
	CHECK(load(1, UVA0 + 4, PA + 4) == 54);
}

static void test_coherence_colour(void)
{
	setup("arm1136", 2, NULL, NULL);
	CHECK(P.prof.coherence == COH_COLOUR);
	dirty_line(UVA1, PA, 61);
	CHECK(load(1, UVA0, PA) == 0);		/* other colour: not coherent */
	CHECK(S->lines[0][0].dirty != 0);	/* left alone */
	CHECK(load(1, UVA1 + 0x2000, PA) == 61);	/* same colour: coherent */
	store(1, UVA1, PA, 62);
	CHECK(line_of(0, UVA1, PA) < 0);	/* same colour invalidated */
	CHECK(line_of(1, UVA0, PA) >= 0);	/* cpu1's own other copy stays */
	CHECK(peek(1, UVA0, PA) == 0);
}

static void test_coherence_none(void)
{
	setup("arm1136", 2, "coherence", "none");
	dirty_line(UVA0, PA, 71);
	CHECK(load(1, UVA0, PA) == 0);		/* same address, no snoop */
	store(1, UVA0, PA, 72);
	CHECK(peek(0, UVA0, PA) == 71);		/* both copies live on */
	CHECK(mem_read(S, PA) == 0);

	setup("arm926", 2, NULL, NULL);
	CHECK(P.prof.coherence == COH_NONE);
	dirty_line(UVA0, PA, 73);
	CHECK(load(1, UVA0, PA) == 0);
}

/* ---- replacement ----------------------------------------------------------------- */

static void test_full_set_direct_mapped(void)
{
	struct ctx c;
	uint32_t v;

	setup("sh4", 1, NULL, NULL);
	CHECK(P.prof.ways == 1 && profile_sets(&P.prof) == 512);
	store(0, UVA0, PA, 81);			/* dirty, set 0 */
	c = on(0);
	v = cache_load(&c, UVA0 + 0x4000, PA2, 0);	/* set 0 again */
	CHECK(v == 0);
	CHECK(c.nchoices == 1);			/* one victim to take */
	CHECK(S->nlines[0] == 1);
	CHECK(S->lines[0][0].pa == PA2);
	CHECK(mem_read(S, PA) == 81);		/* the victim was written back */
	c = on(0);
	(void)cache_load(&c, UVA0 + 32, PA + 32, 0);	/* another set */
	CHECK(c.nchoices == 0);
	CHECK(S->nlines[0] == 2);
	/* the same physical line at another colour: a second set, no victim */
	c = on(0);
	(void)cache_load(&c, UVA1, PA2, 0);
	CHECK(c.nchoices == 0 && S->nlines[0] == 3);
}

static void test_full_set_choice(void)
{
	struct ctx c;
	uint32_t k;

	setup("arm926", 1, NULL, NULL);
	CHECK(P.prof.ways == 4 && profile_sets(&P.prof) == 128);
	for (k = 0; k < 4; k++) {		/* 4 KiB apart: one set */
		c = on(0);
		(void)cache_load(&c, UVA0 + k * 4096, PA + k * 4096, 0);
		CHECK(c.nchoices == 0);
	}
	CHECK(S->nlines[0] == 4);
	c = on(0);
	c.choice = 2;
	(void)cache_load(&c, UVA0 + 4 * 4096, PA + 4 * 4096, 0);
	CHECK(c.nchoices == 4);
	CHECK(S->nlines[0] == 4);
	CHECK(line_of(0, UVA0 + 4 * 4096, PA + 4 * 4096) >= 0);
	/* lines are kept sorted by tag within the set: choice 2 is the third */
	CHECK(line_of(0, UVA0 + 2 * 4096, PA + 2 * 4096) < 0);
	CHECK(line_of(0, UVA0, PA) >= 0);
	CHECK(line_of(0, UVA0 + 3 * 4096, PA + 3 * 4096) >= 0);
}

/* ---- witnesses ---------------------------------------------------------------------- */

static void test_trace(void)
{
	struct trace tr = { 0 };
	struct ctx c;

	setup("arm926", 1, NULL, NULL);
	c = on(0);
	c.tr = &tr;
	(void)cache_load(&c, UVA0, PA, 0);
	cache_store(&c, UVA0, PA, 0, 1);
	cache_evict(&c, 0, 0);
	CHECK(tr.buf != NULL);
	if (tr.buf != NULL) {
		CHECK(strstr(tr.buf, "miss") != NULL);
		CHECK(strstr(tr.buf, "write back") != NULL);
	}
	trace_free(&tr);
}

/* ---- the instruction cache ------------------------------------------------ */

static uint32_t ifetch(int cpu, uint32_t va, uint32_t pa)
{
	struct ctx c = on(cpu);

	return cache_ifetch(&c, va, pa, 0);
}

static void test_icache(void)
{
	struct ctx c;

	/* fills from memory, not from a dirty D-cache line */
	setup("xscale", 1, NULL, NULL);
	mem_write(S, PA, 1);
	store(0, KVA, PA, 2);			/* write-allocate: dirty */
	CHECK(ifetch(0, KVA, PA) == 1);
	CHECK(S->nlines[0] == 2);
	/* D-cache maintenance leaves the I-line alone */
	c = on(0);
	cache_maint_line(&c, 0, KVA, PA, 0, M_FLUSH);
	CHECK(mem_read(S, PA) == 2 && S->nlines[0] == 1);
	CHECK(ifetch(0, KVA, PA) == 1);		/* the stale instruction */
	cache_maint_phys(&c, 0, PA, 4096, M_INV);
	CHECK(S->nlines[0] == 1);		/* no I-line by address array */
	cache_imaint_line(&c, 0, KVA, PA, 0);
	CHECK(S->nlines[0] == 0);
	CHECK(ifetch(0, KVA, PA) == 2);

	/* stores do not update or invalidate it; no snoop reaches it */
	setup("arm1136", 2, NULL, NULL);
	mem_write(S, PA, 3);
	CHECK(ifetch(1, KVA, PA) == 3);
	store(0, KVA, PA, 4);			/* read-allocate: to memory */
	CHECK(mem_read(S, PA) == 4);
	CHECK(ifetch(1, KVA, PA) == 3);
	c = on(1);
	cache_imaint_all(&c, 1);
	CHECK(S->nlines[1] == 0);
	CHECK(ifetch(1, KVA, PA) == 4);

	/* whole-cache maintenance takes I-lines too */
	c = on(1);
	cache_maint_all(&c, 1, M_FLUSH);
	CHECK(S->nlines[1] == 0);

	/* without a separate I-cache a fetch is a load */
	setup("pipt", 1, NULL, NULL);
	store(0, KVA, PA, 5);
	CHECK(ifetch(0, KVA, PA) == 5);
	CHECK(S->nlines[0] == 1);
}

/* ---- devices --------------------------------------------------------------- */

static void test_dma(void)
{
	struct ctx c;

	/* non-coherent: the device sees memory only */
	setup("arm926", 1, NULL, NULL);
	dirty_line(UVA0, PA, 6);
	c = on(0);
	CHECK(cache_dma_read(&c, PA) == 0);
	cache_dma_write(&c, PA + 4, 7);
	CHECK(peek(0, UVA0 + 4, PA + 4) == 0);	/* the line hides it */
	CHECK(mem_read(S, PA + 4) == 7 && S->lines[0][0].dirty != 0);

	/* coherent: a read takes the dirty data, a write invalidates */
	setup("pipt", 2, NULL, NULL);
	store(1, KVA, PA, 8);
	c = on(0);
	CHECK(cache_dma_read(&c, PA) == 8);
	CHECK(S->nlines[1] == 1 && S->lines[1][0].dirty == 0);
	cache_dma_write(&c, PA, 9);
	CHECK(S->nlines[1] == 0);
	CHECK(load(1, KVA, PA) == 9);
}

int main(void)
{
	S = calloc(1, sizeof(*S));
	if (S == NULL)
		return 2;
	test_vivt_separate_copies();
	test_vivt_asid();
	test_vipt_colours();
	test_pipt_shares();
	test_none_profile();
	test_read_allocate();
	test_write_allocate();
	test_write_through();
	test_half_dirty_writeback();
	test_maint_line();
	test_maint_phys();
	test_maint_all_and_evict();
	test_coherence_physical();
	test_coherence_colour();
	test_coherence_none();
	test_full_set_direct_mapped();
	test_full_set_choice();
	test_trace();
	test_icache();
	test_dma();
	free(S);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
