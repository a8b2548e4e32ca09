/*
 * ast.h - syntax tree of a litmus scenario (docs/scenario-language.md).
 *
 * The parser builds it; lower.c checks names and types and turns it into
 * the step programs the explorer runs.  Every node carries the position
 * of its first token so that every later error can be positioned.
 * All nodes live in one arena owned by the scenario.
 */
#ifndef STALE_AST_H
#define STALE_AST_H

#include <stddef.h>
#include <stdint.h>

struct pos {
	const char *file;		/* arena-owned path as given */
	int line;			/* 1-based */
	int col;			/* 1-based, in bytes */
};

enum ast_type {
	TY_VOID,
	TY_INT,
	TY_INT_PTR,			/* int * */
	TY_VOID_PTR,			/* void * */
	TY_PAGE_PTR,			/* struct page * */
};

enum expr_kind {
	E_NUM,				/* num */
	E_VAR,				/* name */
	E_UNARY,			/* op, lhs: - ! ~ */
	E_BINARY,			/* op, lhs, rhs */
	E_CALL,				/* name, args */
	E_INDEX,			/* lhs[rhs]: a memory word */
	E_DEREF,			/* *lhs: a memory word */
	E_CAST,				/* (cast)lhs */
};

/* Operators keep their C spelling as a token code. */
enum op {
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHR,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_LAND, OP_LOR,
	OP_NEG, OP_NOT, OP_BNOT,	/* unary - ! ~ */
};

struct expr {
	enum expr_kind kind;
	struct pos pos;
	int64_t num;			/* E_NUM */
	const char *name;		/* E_VAR, E_CALL */
	enum op op;			/* E_UNARY, E_BINARY */
	struct expr *lhs, *rhs;		/* operands; E_INDEX base and index */
	struct expr **args;		/* E_CALL */
	int nargs;
	int once;			/* written as READ_ONCE(...) */
	enum ast_type cast;		/* E_CAST: the type cast to */
};

enum stmt_kind {
	S_DECL,				/* type name [= init] */
	S_ASSIGN,			/* lvalue = value; also WRITE_ONCE */
	S_EXPR,				/* a call for its effect */
	S_IF,				/* cond, body, orelse (may be NULL) */
	S_WHILE,			/* cond, body */
	S_FOR,				/* init, cond, step, body (each may be NULL) */
	S_BLOCK,			/* body */
	S_KERNEL,			/* kernel { body } */
	S_RETURN,			/* value (may be NULL) */
	S_ASSERT,			/* cond */
	S_BREAK,
	S_CONTINUE,
};

struct stmt {
	enum stmt_kind kind;
	struct pos pos;
	enum ast_type type;		/* S_DECL */
	const char *name;		/* S_DECL */
	struct expr *lvalue;		/* S_ASSIGN: E_VAR, E_INDEX or E_DEREF */
	struct expr *value;		/* S_DECL init, S_ASSIGN, S_EXPR, S_RETURN */
	struct expr *cond;		/* S_IF, S_WHILE, S_FOR, S_ASSERT */
	struct stmt *init, *step;	/* S_FOR: one simple statement each */
	struct stmt *body;		/* S_IF then, S_WHILE/S_FOR/S_BLOCK/S_KERNEL */
	struct stmt *orelse;		/* S_IF */
	int once;			/* S_ASSIGN written as WRITE_ONCE */
	int is_static;			/* S_DECL: `static`, kept across calls */
	struct stmt *next;		/* next statement in the same block */
};

struct param {
	enum ast_type type;
	const char *name;
	struct pos pos;
};

struct func {
	struct pos pos;
	enum ast_type ret;
	const char *name;
	struct param *params;
	int nparams;
	struct stmt *body;		/* S_BLOCK */
	struct func *next;
};

struct thread {
	struct pos pos;
	int index;			/* n of P<n> */
	const char *proc;		/* process name; "kernel" for @kernel */
	int cpu;			/* pinned CPU, or -1 */
	struct param *params;
	int nparams;
	struct stmt *body;		/* S_BLOCK */
	struct thread *next;
};

/* Init block. */
enum init_kind {
	I_PAGE,				/* page NAME[N] attrs; */
	I_MAP,				/* PROC: int *NAME = map(PAGE, ...); */
	I_STORE,			/* NAME[i] = V;  *NAME = V; */
	I_KMALLOC,			/* kernel: int *NAME = kmalloc(BYTES); */
};

enum map_how {
	MAP_ANY,			/* worst-case colour chosen by the tool */
	MAP_ADDR,			/* map(p, 0xADDR) */
	MAP_COLOUR,			/* map(p, colour=C) */
	MAP_COLOUR_KERNEL,		/* map(p, colour=kernel) */
	MAP_AFTER,			/* map(p, after=NAME) */
};

struct init {
	enum init_kind kind;
	struct pos pos;
	const char *name;		/* page, map, kmalloc or store target */
	/* I_PAGE */
	int64_t count;			/* N of page NAME[N]; 1 when absent */
	int is_array;			/* written with [N] */
	int file;			/* attribute `file` */
	int highmem;			/* attribute `highmem` */
	int fuse;			/* attribute `fuse`: a page of a file
					   on the FUSE mount, not yet read */
	/* I_MAP */
	const char *proc;
	const char *page;		/* page name */
	int64_t page_index;		/* map(p[i]); 0 when absent */
	enum map_how how;
	int64_t addr;			/* MAP_ADDR */
	int64_t colour;			/* MAP_COLOUR */
	int shared;			/* map(p, shared) */
	int exec;			/* map(p, exec): VM_EXEC */
	int late;			/* map(p, late): mmap()ed at the
					   first touch */
	int lazy;			/* map(p, lazy): not faulted in */
	const char *after;		/* MAP_AFTER: the mapping before it */
	/* I_STORE */
	int64_t index;			/* word index */
	int64_t value;
	/* I_KMALLOC */
	int64_t bytes;
	struct init *next;
};

/* Condition.  An atom compares a value with a value. */
enum cond_kind {
	C_ATOM,				/* lhs op rhs, op OP_EQ or OP_NE */
	C_AND, C_OR, C_NOT,		/* a, b */
	C_TRUE,
};

enum val_kind {
	V_NUM,				/* num */
	V_REG,				/* thread:name */
	V_LOC,				/* [name+offset] (offset in words) */
};

struct cond_val {
	enum val_kind kind;
	struct pos pos;
	int64_t num;
	int thread;
	const char *name;
	int64_t offset;
};

struct cond {
	enum cond_kind kind;
	struct pos pos;
	enum op op;
	struct cond_val lhs, rhs;
	struct cond *a, *b;
};

enum quant { Q_NONE, Q_EXISTS, Q_NOT_EXISTS, Q_FORALL };

enum expect { EXPECT_NONE, EXPECT_ALWAYS, EXPECT_SOMETIMES, EXPECT_NEVER };

/* One `key=value` after `cache PROFILE`. */
struct cache_override {
	const char *key;
	const char *value;
	struct pos pos;
	struct cache_override *next;
};

/* A setting line: absent ones keep set == 0. */
struct setting {
	int set;
	struct pos pos;
	const char *str;		/* profile name, version, strategy, on/off */
	int64_t num;			/* cpus */
};

struct scenario {
	const char *name;		/* from `C NAME` */
	const char *path;
	enum expect expect;
	struct pos expect_pos;

	struct setting cache;
	struct cache_override *overrides;
	struct setting cpus;
	struct setting preempt;		/* str "on" / "off" */
	struct setting evict;		/* str "any" / "none" */
	struct setting kernel;		/* str version */
	struct setting fuse;		/* str strategy */

	struct init *inits;
	struct func *funcs;		/* includes those of #included files */
	struct thread *threads;		/* in P0, P1, ... order */
	int nthreads;

	enum quant quant;
	struct pos quant_pos;
	struct cond *cond;		/* NULL when the file has none */

	struct arena *arena;
};

/* arena.c: every AST node and string of one scenario. */
struct arena;
struct arena *arena_new(void);
void *arena_alloc(struct arena *a, size_t n);	/* zeroed; aborts on OOM */
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

#endif
