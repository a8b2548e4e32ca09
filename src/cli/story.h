/*
 * story.h - a witness execution as the data of a picture: after each
 * step, who ran and in which mode, every copy of each physical line the
 * scenario touched and what it held, the fills and write-backs, and the
 * step that went wrong with a sentence saying why.
 */
#ifndef STALE_STORY_H
#define STALE_STORY_H

#include <stdint.h>

#include "search.h"

#define STORY_MAX_COPIES	12	/* rows per physical line */
#define STORY_MAX_LINES		8	/* physical lines shown */

enum story_ev {
	EV_LOAD,	/* a thread's load: val is what it got */
	EV_STORE,	/* a thread's store: val is what it wrote */
	EV_FILL,	/* a copy is filled from memory */
	EV_WB,		/* a dirty copy is written back to memory */
	EV_DROP,	/* a copy leaves the cache (evicted or invalidated) */
	EV_DISCARD,	/* a dirty copy is invalidated: its data is lost */
};

struct story_event {
	enum story_ev kind;
	int cpu;
	uint32_t va, pa;	/* the access, or the copy's line */
	uint32_t val;
	int fetch;		/* EV_LOAD: an instruction fetch */
	int line, copy;		/* the row (-1: memory); line -1: none */
};

struct story_step {
	int thread;		/* index into p->threads; -1: no thread */
	int cpu;
	int kernel;		/* the thread's mode during the step */
	int switched_from;	/* the CPU switched from this thread; -1 */
	int switch_mm;		/* the switch flushed the whole cache */
	int irq;		/* the CPU took an interrupt: thread handles it */
	const char *text;	/* the step's lines of the text witness */
	size_t textlen;
	struct story_event *ev;
	int nev;
};

/* One copy of a physical line: one row of the picture. */
struct story_copy {
	int cpu;
	uint32_t set, tag, va;
	uint8_t asid;
};

struct story_line {
	uint32_t pa;		/* the line's physical address */
	struct story_copy copy[STORY_MAX_COPIES];
	int ncopies;
	uint16_t shown;		/* the words the picture shows */
};

enum story_flaw { FLAW_NONE, FLAW_STALE, FLAW_LOST };

struct story {
	const struct prog *p;	/* as replayed; valid until story_free */
	struct prog prog;
	struct trace tr;	/* the text witness */
	size_t epilogue;	/* tr offset of the deadlock lines, if any */
	/* at a deadlock, what each thread waits for ("has ended"); or NULL */
	const char *wait[MAX_THREADS];
	size_t waitlen[MAX_THREADS];
	struct state *snap;	/* nsteps + 1 states; snap[0] is the start */
	struct story_step *step;
	int nsteps;
	struct story_line line[STORY_MAX_LINES];
	int nlines;
	enum story_flaw flaw;
	int flaw_step;		/* index into step */
	int flaw_line, flaw_copy;	/* the copy read or that lost it */
	/*
	 * Where the value the flaw should have seen is (at holder_step):
	 * a copy, -1 memory, -2 nowhere.  When it was lost before a stale
	 * read, the copy whose write-back or invalidation lost it.
	 */
	int holder_step, holder_line, holder_copy;
	char sentence[1400];
};

/* Replay outcome o of p and build its story.  Returns 0, or -1. */
int story_build(struct story *st, const struct prog *p,
		const struct outcome *o, int reduce, uint64_t single);
void story_free(struct story *st);

/* story_flaw.c: find the step that went wrong and say why (flaw fields). */
void story_find_flaw(struct story *st, const struct outcome *o);

/* The copy (line li, row c) after step k (k = -1: the start), or NULL. */
const struct cline *story_copy_at(const struct story *st, int k, int li,
				  int c);
/* Memory word pa after step k. */
uint32_t story_mem_at(const struct story *st, int k, uint32_t pa);

/* Names a person can read: "buf[1]", "the user alias 0x10000 of P0". */
void story_word_name(const struct prog *p, uint32_t pa, char *buf, size_t n);
void story_alias_name(const struct prog *p, uint32_t va, char *buf, size_t n);
/* "P0", "the interrupt handler P2", "the device P1"; t < 0: "the kernel" */
void story_who(const struct prog *p, int t, char *buf, size_t n);
/* How thread t reaches va: "through the kernel alias ...", "by DMA at ..." */
void story_path(const struct prog *p, int t, uint32_t va, char *buf,
		size_t n);
/* "cpu0's cache, set 3" or "cpu0's I-cache, set 3"; possessive 0: "cpu0 cache" */
void story_cache_name(const struct story_copy *c, int possessive, char *buf,
		      size_t n);

#endif
