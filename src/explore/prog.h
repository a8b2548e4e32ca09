/*
 * prog.h - the lowered scenario: what the explorer runs.
 *
 * This is the narrow interface between the front end (lang/) and the
 * search (explore/): a fixed machine (profile, placement of pages and
 * mappings), one straight-line-with-jumps program per thread over a
 * private register file, and the question to answer.
 */
#ifndef STALE_PROG_H
#define STALE_PROG_H

#include <stdint.h>

#include "ast.h"
#include "profile.h"

#define MAX_THREADS	8
#define MAX_CPUS	4
#define MAX_REGS	160
#define MAX_PAGES	48
#define MAX_PROCS	8
#define MAX_MAPS	32
#define MAX_LOCKS	8
#define KM_SLOTS	4	/* kmap_atomic nesting depth per CPU */
#define MAX_ARGS	6

/* Kernel versions whose code the built-ins follow. */
enum kver { KV_2_6_19, KV_2_6_20, KV_6_12 };

enum opcode {
	OP_CONST,	/* r[a] = imm */
	OP_MOV,		/* r[a] = r[b] */
	OP_ALU,		/* r[a] = r[b] alu r[c]; unary ops use r[b] */
	OP_JMP,		/* goto imm */
	OP_JZ,		/* if (r[a] == 0) goto imm */
	OP_LOAD,	/* r[a] = word at r[b]; fault -> imm if fixup */
	OP_STORE,	/* word at r[a] = r[b]; fault -> imm if fixup */
	OP_KENTER,	/* enter kernel mode (system call) */
	OP_KEXIT,	/* back to user mode */
	OP_CALL,	/* r[a] = builtin fn(r[args...]) */
	OP_ASSERT,	/* r[a] must be nonzero */
	OP_END,		/* the thread has finished */
	OP_FAIL,	/* a run-time error of the scenario: msg */
};

struct insn {
	uint8_t op;
	uint8_t alu;		/* enum op of ast.h */
	uint8_t fixup;		/* OP_LOAD/OP_STORE: jump to imm on fault */
	uint8_t nargs;
	uint16_t fn;		/* OP_CALL: enum builtin */
	int16_t a, b, c;
	int16_t args[MAX_ARGS];
	int64_t imm;
	struct pos pos;
	const char *text;	/* the source statement, for witnesses */
	const char *msg;	/* OP_FAIL */
};

struct reginfo {
	const char *name;	/* source name; NULL for temporaries */
	enum ast_type type;
	int visible;		/* a local of the thread body (outcomes) */
};

/*
 * What runs a thread: a task (user process or kernel thread), an
 * interrupt handler that may fire on its CPU whenever interrupts are
 * enabled there, or a bus master that reads and writes physical memory.
 */
enum tkind { TK_TASK, TK_IRQ, TK_DEVICE };

struct tprog {
	int index;		/* n of Pn */
	int proc;		/* process index, -1 for @kernel, @irq, @device */
	int kind;		/* enum tkind */
	int cpu;
	struct insn *code;
	int ncode;
	struct reginfo *regs;
	int nregs;
	struct pos pos;
};

/* A physical page of the scenario. */
struct ppage {
	const char *name;	/* declared name, "name[i]", or kmalloc name */
	uint32_t pa;		/* physical address */
	int file;		/* page-cache page (page_mapping != NULL) */
	int highmem;
	int kmalloc;		/* a kernel buffer, never user-mapped */
	int shared_mapped;	/* mapped MAP_SHARED by some process */
	int user_mapped;	/* mapped by some process at all */
	int fuse;		/* a page of a file on the FUSE mount, unread */
};

struct pmap {
	int proc;
	int page;
	uint32_t va;
	int shared;
	int exec;		/* VM_EXEC: a mapping of code */
	int lazy;		/* not faulted in: the first touch faults */
	int late;		/* no VMA either until that first touch */
	const char *name;	/* the init-block symbol naming it */
};

struct proc {
	const char *name;
};

/* An init-block symbol threads may take as a parameter. */
struct symbol {
	const char *name;
	enum ast_type type;
	uint32_t value;		/* the address, or the struct page pointer */
	uint32_t pa;		/* physical address it denotes */
	int page;
	struct pos pos;
};

struct initword {
	uint32_t pa;
	uint32_t value;
};

/* A condition location or register, resolved. */
struct cref {
	int is_reg;
	int thread, reg;	/* is_reg */
	uint32_t pa;		/* !is_reg: physical word */
	char *label;		/* "0:r0" or "[buf+1]" */
	enum ast_type type;
};

struct prog {
	const struct scenario *sc;
	struct profile prof;	/* after overrides */
	enum kver kver;
	int ncpus;
	int preempt;
	int evict_any;

	struct tprog threads[MAX_THREADS];
	int nthreads;
	struct proc procs[MAX_PROCS];
	int nprocs;
	struct ppage pages[MAX_PAGES];
	int npages;
	struct pmap maps[MAX_MAPS];
	int nmaps;
	struct symbol *syms;
	int nsyms;
	struct initword *init;
	int ninit;
	const char *locks[MAX_LOCKS];
	int nlocks;

	/* The observed values: condition atoms, or everything. */
	struct cref *refs;
	int nrefs;
	int observe_all;	/* no condition: all registers and memory */

	int uses_fuse;
	int fuse_req_page[4];	/* FUSE_MAX_REQ request pages, -1 unused */
	int fuse_scratch_page;

	/*
	 * Reduction 4 (search.c): pages reached through one alias only,
	 * explored as uncached memory; alias_va is that alias.
	 */
	uint64_t single_alias;
	uint32_t alias_va[MAX_PAGES];
	uint16_t vmap_colour[MAX_PAGES];	/* of each page's vmap() address */
	long max_steps;
};

/* Virtual layout (ARM-like 3 GiB / 1 GiB split). */
#define PAGE_OFFSET	0xc0000000u
#define PKMAP_BASE	0xbfe00000u	/* kmap(): PAGE_OFFSET - 2 MiB */
#define FIXADDR_START	0xfff00000u	/* kmap_atomic slots */
#define MEM_MAP_BASE	0xc8000000u	/* struct page array (vmemmap) */
#define STRUCT_PAGE_SIZE 32u
#define USER_BASE	0x00010000u
#define VMALLOC_BASE	0xd0000000u	/* vmap(): one window of colours per page */
#define HIGHMEM_PA	0x30000000u	/* physical frames above lowmem */

static inline uint32_t page_struct(int page)
{
	return MEM_MAP_BASE + (uint32_t)page * STRUCT_PAGE_SIZE;
}

const char *kver_name(enum kver v);

#endif
