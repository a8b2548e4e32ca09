/*
 * test_parser.c - unit tests of the litmus front end: trees and diagnostics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parser.h"
#include "check.h"


/* Like diag_print, but on stdout so that it stays in order with FAIL. */
static void show(const struct diag *d)
{
	printf("%s:%d:%d: %s\n", d->file, d->pos.line, d->pos.col, d->msg);
}


/*
 * Parse from an exact-size heap copy, so that the sanitizers catch any
 * read past the end: the parser must not rely on a terminating NUL.
 */
static struct scenario *parse_exact(const char *name, const char *text,
				    size_t len, struct diag *d)
{
	char *copy = malloc(len > 0 ? len : 1);
	struct scenario *sc;

	if (copy == NULL)
		abort();
	memcpy(copy, text, len);
	sc = parse_buffer(name, copy, len, NULL, d);
	free(copy);
	return sc;
}

static struct scenario *good(const char *text, int line)
{
	struct diag d;
	struct scenario *sc = parse_exact("good.litmus", text, strlen(text),
					  &d);

	if (sc == NULL) {
		failed++;
		fprintf(stdout, "FAIL line %d: unexpected error ", line);
		show(&d);
	}
	return sc;
}

#define GOOD(text) good((text), __LINE__)

/* The input must fail at line:col with msg in the message. */
static void bad_len(const char *text, size_t len, int line, int col,
		    const char *msg, int at)
{
	struct diag d;
	struct scenario *sc = parse_exact("bad.litmus", text, len, &d);

	if (sc != NULL) {
		failed++;
		fprintf(stdout, "FAIL line %d: parsed, expected %d:%d: %s\n",
			at, line, col, msg);
		scenario_free(sc);
		return;
	}
	if (d.pos.line != line || d.pos.col != col ||
	    strstr(d.msg, msg) == NULL || d.pos.file != d.file ||
	    strcmp(d.file, "bad.litmus") != 0) {
		failed++;
		fprintf(stdout, "FAIL line %d: expected %d:%d: %s\n  got ",
			at, line, col, msg);
		show(&d);
		return;
	}
	passed++;
}

#define BAD(text, l, c, msg) bad_len((text), strlen(text), l, c, msg, \
				     __LINE__)

/* A scenario head with an empty init block, for body-level cases. */
#define HEAD "C t\n{\n}\n"

static const char spec_example[] =
	"C fuse-reply-gup-kmap\n"
	"\n"
	"(*\n"
	" * The daemon writes a reply, then the kernel copies it out of the daemon's\n"
	" * buffer through a kmap_atomic() of the page, as fs/fuse/dev.c did in 2.6.19.\n"
	" * Result: Sometimes\n"
	" *)\n"
	"\n"
	"cache arm926\n"
	"kernel 2.6.19\n"
	"cpus 1\n"
	"preempt off\n"
	"\n"
	"{\n"
	"\tpage p;\n"
	"\tdaemon: int *buf = map(p);\n"
	"\tbuf[1] = 7;\n"
	"}\n"
	"\n"
	"P0@daemon(int *buf)\n"
	"{\n"
	"\tint r0;\n"
	"\tint r1;\n"
	"\tstruct page *pg;\n"
	"\tint *k;\n"
	"\n"
	"\tr1 = READ_ONCE(buf[1]);      // the line is now in the cache (read-allocate)\n"
	"\tWRITE_ONCE(buf[0], 1);       // the reply: a dirty line under the user address\n"
	"\tkernel {                     // writev() on /dev/fuse\n"
	"\t\tpg = get_user_pages(buf, 0);\n"
	"\t\tk = kmap_atomic(pg);\n"
	"\t\tr0 = READ_ONCE(k[0]);    // the kernel's memcpy reads the other alias\n"
	"\t\tkunmap_atomic(k);\n"
	"\t\tput_page(pg);\n"
	"\t}\n"
	"}\n"
	"\n"
	"exists (0:r0=0)\n";

static int is_var(const struct expr *e, const char *name)
{
	return e != NULL && e->kind == E_VAR && strcmp(e->name, name) == 0;
}

static int is_num(const struct expr *e, int64_t v)
{
	return e != NULL && e->kind == E_NUM && e->num == v;
}

static int is_call(const struct expr *e, const char *name, int nargs)
{
	return e != NULL && e->kind == E_CALL &&
	       strcmp(e->name, name) == 0 && e->nargs == nargs;
}

static int is_decl(const struct stmt *s, enum ast_type t, const char *name)
{
	return s != NULL && s->kind == S_DECL && s->type == t &&
	       strcmp(s->name, name) == 0;
}

static int nstmts(const struct stmt *s)
{
	int n = 0;

	for (; s != NULL; s = s->next)
		n++;
	return n;
}

static void test_spec_example(void)
{
	struct scenario *sc = GOOD(spec_example);
	const struct init *i;
	const struct thread *t;
	const struct stmt *s, *k;

	if (sc == NULL)
		return;
	CHECK(strcmp(sc->name, "fuse-reply-gup-kmap") == 0);
	CHECK(strcmp(sc->path, "good.litmus") == 0);
	CHECK(sc->expect == EXPECT_SOMETIMES);
	CHECK(sc->expect_pos.line == 6 && sc->expect_pos.col == 4);
	CHECK(sc->cache.set && strcmp(sc->cache.str, "arm926") == 0);
	CHECK(sc->cache.pos.line == 9 && sc->cache.pos.col == 1);
	CHECK(sc->overrides == NULL);
	CHECK(sc->kernel.set && strcmp(sc->kernel.str, "2.6.19") == 0);
	CHECK(sc->cpus.set && sc->cpus.num == 1);
	CHECK(sc->preempt.set && strcmp(sc->preempt.str, "off") == 0);
	CHECK(!sc->evict.set && !sc->fuse.set);

	i = sc->inits;
	CHECK(i != NULL && i->kind == I_PAGE && strcmp(i->name, "p") == 0 &&
	      i->count == 1 && !i->is_array && !i->file && !i->highmem);
	CHECK(i->pos.line == 15 && i->pos.col == 2);
	i = i->next;
	CHECK(i != NULL && i->kind == I_MAP && strcmp(i->proc, "daemon") == 0 &&
	      strcmp(i->name, "buf") == 0 && strcmp(i->page, "p") == 0 &&
	      i->how == MAP_ANY && !i->shared && i->page_index == 0);
	i = i->next;
	CHECK(i != NULL && i->kind == I_STORE && strcmp(i->name, "buf") == 0 &&
	      i->index == 1 && i->value == 7 && i->next == NULL);

	CHECK(sc->funcs == NULL);
	CHECK(sc->nthreads == 1);
	t = sc->threads;
	CHECK(t != NULL && t->index == 0 && strcmp(t->proc, "daemon") == 0 &&
	      t->cpu == -1 && t->nparams == 1 && t->next == NULL);
	CHECK(t->params[0].type == TY_INT_PTR &&
	      strcmp(t->params[0].name, "buf") == 0);
	CHECK(t->pos.line == 20 && t->pos.col == 1);
	CHECK(t->body->kind == S_BLOCK && nstmts(t->body->body) == 7);
	s = t->body->body;
	CHECK(is_decl(s, TY_INT, "r0"));
	CHECK(s->pos.line == 22 && s->pos.col == 2);
	s = s->next;
	CHECK(is_decl(s, TY_INT, "r1"));
	s = s->next;
	CHECK(is_decl(s, TY_PAGE_PTR, "pg"));
	s = s->next;
	CHECK(is_decl(s, TY_INT_PTR, "k") && s->value == NULL);
	s = s->next;
	CHECK(s->kind == S_ASSIGN && !s->once && is_var(s->lvalue, "r1"));
	CHECK(s->value->kind == E_INDEX && s->value->once &&
	      is_var(s->value->lhs, "buf") && is_num(s->value->rhs, 1));
	s = s->next;
	CHECK(s->kind == S_ASSIGN && s->once &&
	      s->lvalue->kind == E_INDEX && is_num(s->value, 1));
	CHECK(s->pos.line == 28 && s->pos.col == 2);
	s = s->next;
	CHECK(s->kind == S_KERNEL && s->body->kind == S_BLOCK &&
	      nstmts(s->body->body) == 5 && s->next == NULL);
	k = s->body->body;
	CHECK(k->kind == S_ASSIGN && is_var(k->lvalue, "pg") &&
	      is_call(k->value, "get_user_pages", 2) &&
	      is_var(k->value->args[0], "buf") &&
	      is_num(k->value->args[1], 0));
	k = k->next->next->next;
	CHECK(k->kind == S_EXPR && is_call(k->value, "kunmap_atomic", 1));

	CHECK(sc->quant == Q_EXISTS);
	CHECK(sc->quant_pos.line == 38 && sc->quant_pos.col == 1);
	CHECK(sc->cond != NULL && sc->cond->kind == C_ATOM &&
	      sc->cond->op == OP_EQ);
	CHECK(sc->cond->lhs.kind == V_REG && sc->cond->lhs.thread == 0 &&
	      strcmp(sc->cond->lhs.name, "r0") == 0);
	CHECK(sc->cond->rhs.kind == V_NUM && sc->cond->rhs.num == 0);
	scenario_free(sc);
}

static const char full[] =
	"C a.b+c-1\n"
	"// Result: Never\n"
	"fuse dev-2.6.19\n"
	"evict none\n"
	"cache vipt-nonaliasing line=32 colours=4 write=through\n"
	"preempt on\n"
	"cpus 2\n"
	"kernel 6.12\n"
	"{\n"
	"\tpage q[4] file highmem;\n"
	"\tpage r;\n"
	"\tpage: int *a = map(q[2], 0x40000);\n"
	"\tb: int *c = map(r, colour=3);\n"
	"\tb: int *d = map(r, colour=kernel);\n"
	"\tb: int *e = map(q, shared, colour=1);\n"
	"\tkernel: int *kb = kmalloc(64);\n"
	"\t*a = -5;\n"
	"\tc[3] = 0x10;\n"
	"}\n"
	"int add(int x, int y) { return x + y; }\n"
	"int *ptr(void) { return NULL; }\n"
	"P0@page on cpu1(int *a, int *kb)\n"
	"{\n"
	"\tint i = 0, *j, n;\n"
	"\tfor (int k = 0; k < 4; k++) {\n"
	"\t\tif (k == 1)\n"
	"\t\t\tcontinue;\n"
	"\t\telse if (k == 2) { break; } else i += k;\n"
	"\t}\n"
	"\tfor (;;) break;\n"
	"\twhile (i) i--;\n"
	"\tn = 1 + 2 * 3 - 4 - 5;\n"
	"\tn = a[0] << 1 == 2 || !n && ~n | 3 ^ 4 & 5;\n"
	"\t*(a + 1) = -n;\n"
	"\tn = (int)*(int *)a;\n"
	"\tassert(n != 3);\n"
	"\t;\n"
	"\t{ int z; }\n"
	"\treturn;\n"
	"}\n"
	"void *vp(struct page *pg, void *v) { return v; }\n"
	"P1@kernel(void)\n"
	"{\n"
	"\tint r;\n"
	"\tr = add(1, -2);\n"
	"}\n"
	"void nothing() { }\n"
	"forall (0:n=1 /\\ ~(1:r!=-2 \\/ [a+1]=3) \\/ true /\\ x=0:n)\n"
	"(* trailing comment *) // and another\n";

static void test_full(void)
{
	struct scenario *sc = GOOD(full);
	const struct cache_override *o;
	const struct init *i;
	const struct func *f;
	const struct thread *t;
	const struct stmt *s, *b;
	const struct expr *e;
	const struct cond *c;

	if (sc == NULL)
		return;
	CHECK(strcmp(sc->name, "a.b+c-1") == 0);
	CHECK(sc->expect == EXPECT_NEVER && sc->expect_pos.line == 2 &&
	      sc->expect_pos.col == 4);
	CHECK(strcmp(sc->fuse.str, "dev-2.6.19") == 0);
	CHECK(strcmp(sc->evict.str, "none") == 0);
	CHECK(strcmp(sc->cache.str, "vipt-nonaliasing") == 0);
	o = sc->overrides;
	CHECK(o != NULL && strcmp(o->key, "line") == 0 &&
	      strcmp(o->value, "32") == 0 && o->pos.line == 5 &&
	      o->pos.col == 24);
	o = o->next;
	CHECK(o != NULL && strcmp(o->key, "colours") == 0 &&
	      strcmp(o->value, "4") == 0);
	o = o->next;
	CHECK(o != NULL && strcmp(o->key, "write") == 0 &&
	      strcmp(o->value, "through") == 0 && o->next == NULL);
	CHECK(strcmp(sc->preempt.str, "on") == 0 && sc->cpus.num == 2);
	CHECK(strcmp(sc->kernel.str, "6.12") == 0);

	i = sc->inits;
	CHECK(i->kind == I_PAGE && i->count == 4 && i->is_array && i->file &&
	      i->highmem);
	i = i->next;
	CHECK(i->kind == I_PAGE && strcmp(i->name, "r") == 0 &&
	      i->count == 1 && !i->file);
	i = i->next;
	CHECK(i->kind == I_MAP && strcmp(i->proc, "page") == 0 &&
	      strcmp(i->page, "q") == 0 && i->page_index == 2 &&
	      i->how == MAP_ADDR && i->addr == 0x40000);
	i = i->next;
	CHECK(i->how == MAP_COLOUR && i->colour == 3 && !i->shared);
	i = i->next;
	CHECK(i->how == MAP_COLOUR_KERNEL && strcmp(i->name, "d") == 0);
	i = i->next;
	CHECK(i->how == MAP_COLOUR && i->colour == 1 && i->shared);
	i = i->next;
	CHECK(i->kind == I_KMALLOC && strcmp(i->name, "kb") == 0 &&
	      i->bytes == 64 && strcmp(i->proc, "kernel") == 0);
	i = i->next;
	CHECK(i->kind == I_STORE && strcmp(i->name, "a") == 0 &&
	      i->index == 0 && i->value == -5);
	i = i->next;
	CHECK(i->kind == I_STORE && i->index == 3 && i->value == 16 &&
	      i->next == NULL);

	f = sc->funcs;
	CHECK(f != NULL && strcmp(f->name, "add") == 0 && f->ret == TY_INT &&
	      f->nparams == 2 && f->params[1].type == TY_INT &&
	      f->pos.line == 20 && f->pos.col == 5);
	s = f->body->body;
	CHECK(s->kind == S_RETURN && s->value->kind == E_BINARY &&
	      s->value->op == OP_ADD);
	f = f->next;
	CHECK(strcmp(f->name, "ptr") == 0 && f->ret == TY_INT_PTR &&
	      f->nparams == 0 && is_num(f->body->body->value, 0));
	f = f->next;
	CHECK(strcmp(f->name, "vp") == 0 && f->ret == TY_VOID_PTR &&
	      f->params[0].type == TY_PAGE_PTR &&
	      f->params[1].type == TY_VOID_PTR);
	f = f->next;
	CHECK(strcmp(f->name, "nothing") == 0 && f->ret == TY_VOID &&
	      f->body->body == NULL && f->next == NULL);

	CHECK(sc->nthreads == 2);
	t = sc->threads;
	CHECK(strcmp(t->proc, "page") == 0 && t->cpu == 1 && t->nparams == 2);
	s = t->body->body;
	CHECK(is_decl(s, TY_INT, "i") && is_num(s->value, 0));
	s = s->next;
	CHECK(is_decl(s, TY_INT_PTR, "j") && s->pos.line == 24 &&
	      s->pos.col == 14);
	s = s->next;
	CHECK(is_decl(s, TY_INT, "n"));
	s = s->next;
	CHECK(s->kind == S_FOR && is_decl(s->init, TY_INT, "k") &&
	      s->cond->op == OP_LT && s->step->kind == S_ASSIGN &&
	      is_var(s->step->lvalue, "k") && s->step->value->op == OP_ADD &&
	      is_var(s->step->value->lhs, "k") &&
	      s->step->value->lhs != s->step->lvalue &&
	      is_num(s->step->value->rhs, 1));
	b = s->body->body;
	CHECK(b->kind == S_IF && b->body->kind == S_BLOCK &&
	      b->body->body->kind == S_CONTINUE);
	CHECK(b->orelse != NULL && b->orelse->kind == S_IF &&
	      b->orelse->body->body->kind == S_BREAK);
	CHECK(b->orelse->orelse->kind == S_BLOCK &&
	      b->orelse->orelse->body->kind == S_ASSIGN &&
	      b->orelse->orelse->body->value->op == OP_ADD);
	s = s->next;
	CHECK(s->kind == S_FOR && s->init == NULL && s->cond == NULL &&
	      s->step == NULL && s->body->body->kind == S_BREAK);
	s = s->next;
	CHECK(s->kind == S_WHILE && is_var(s->cond, "i") &&
	      s->body->body->value->op == OP_SUB);
	s = s->next;
	/* 1 + 2 * 3 - 4 - 5 = ((1 + (2 * 3)) - 4) - 5 */
	e = s->value;
	CHECK(e->pos.line == 32 && e->pos.col == 6);
	CHECK(e->op == OP_SUB && is_num(e->rhs, 5) && e->lhs->op == OP_SUB &&
	      is_num(e->lhs->rhs, 4) && e->lhs->lhs->op == OP_ADD &&
	      e->lhs->lhs->rhs->op == OP_MUL);
	s = s->next;
	/* a[0] << 1 == 2 || (!n && ((~n) | (3 ^ (4 & 5)))) */
	e = s->value;
	CHECK(e->op == OP_LOR && e->lhs->op == OP_EQ &&
	      e->lhs->lhs->op == OP_SHL &&
	      e->lhs->lhs->lhs->kind == E_INDEX &&
	      !e->lhs->lhs->lhs->once);
	CHECK(e->rhs->op == OP_LAND && e->rhs->lhs->kind == E_UNARY &&
	      e->rhs->lhs->op == OP_NOT && e->rhs->rhs->op == OP_OR &&
	      e->rhs->rhs->lhs->op == OP_BNOT &&
	      e->rhs->rhs->rhs->op == OP_XOR &&
	      e->rhs->rhs->rhs->rhs->op == OP_AND);
	s = s->next;
	CHECK(s->kind == S_ASSIGN && s->lvalue->kind == E_DEREF &&
	      s->lvalue->lhs->op == OP_ADD && s->value->kind == E_UNARY &&
	      s->value->op == OP_NEG);
	s = s->next;
	CHECK(s->value->kind == E_CAST && s->value->cast == TY_INT &&
	      s->value->lhs->kind == E_DEREF &&
	      s->value->lhs->lhs->kind == E_CAST &&
	      s->value->lhs->lhs->cast == TY_INT_PTR &&
	      is_var(s->value->lhs->lhs->lhs, "a"));
	s = s->next;
	CHECK(s->kind == S_ASSERT && s->cond->op == OP_NE);
	s = s->next;
	CHECK(s->kind == S_BLOCK && is_decl(s->body, TY_INT, "z"));
	s = s->next;
	CHECK(s->kind == S_RETURN && s->value == NULL && s->next == NULL);

	t = t->next;
	CHECK(t->index == 1 && strcmp(t->proc, "kernel") == 0 &&
	      t->nparams == 0 && t->next == NULL);
	s = t->body->body->next;
	CHECK(is_call(s->value, "add", 2) && is_num(s->value->args[1], -2));

	CHECK(sc->quant == Q_FORALL);
	/* (A /\ ~(B \/ C)) \/ (true /\ D) */
	c = sc->cond;
	CHECK(c->kind == C_OR && c->a->kind == C_AND &&
	      c->a->b->kind == C_NOT && c->a->b->a->kind == C_OR &&
	      c->b->kind == C_AND && c->b->a->kind == C_TRUE);
	c = c->a->b->a;
	CHECK(c->a->op == OP_NE && c->a->lhs.thread == 1 &&
	      c->a->rhs.kind == V_NUM && c->a->rhs.num == -2);
	CHECK(c->b->lhs.kind == V_LOC && strcmp(c->b->lhs.name, "a") == 0 &&
	      c->b->lhs.offset == 1 && c->b->rhs.num == 3);
	c = sc->cond->b->b;
	CHECK(c->lhs.kind == V_LOC && strcmp(c->lhs.name, "x") == 0 &&
	      c->lhs.offset == 0 && c->rhs.kind == V_REG &&
	      c->rhs.thread == 0 && strcmp(c->rhs.name, "n") == 0);
	scenario_free(sc);
}

static void test_small_good(void)
{
	struct scenario *sc;

	sc = GOOD("C x\n{\n}\n");
	CHECK(sc != NULL && sc->quant == Q_NONE && sc->cond == NULL &&
	      sc->expect == EXPECT_NONE && sc->nthreads == 0 &&
	      sc->inits == NULL);
	scenario_free(sc);
	sc = GOOD("C x\n{}\n~exists 0:r=1\n");
	CHECK(sc != NULL && sc->quant == Q_NOT_EXISTS &&
	      sc->cond->kind == C_ATOM);
	scenario_free(sc);
	sc = GOOD("(* lead *) C x (* Result: Always *)\r\n{}\r\n"
		  "exists (false)");
	CHECK(sc != NULL && sc->expect == EXPECT_ALWAYS &&
	      sc->cond->kind == C_NOT && sc->cond->a->kind == C_TRUE);
	scenario_free(sc);
	/* Result: only as its own word; UTF-8 is fine inside comments. */
	sc = GOOD("C x\n// NoResult: Maybe \xc3\xa9\n/* x */{}\n");
	CHECK(sc != NULL && sc->expect == EXPECT_NONE);
	scenario_free(sc);
	/* In bodies "(*" is a dereference unless a blank follows it. */
	sc = GOOD("C x\n{}\nP0@a(int *x) {\n\tint r = READ_ONCE(*x);\n"
		  "\t(* herd-style comment *)\n\tWRITE_ONCE(*x, (*x)*2);"
		  "(** doc *)\n}\n(*between*)\nP1@b() {}\n"
		  "exists (*x*) (0:r=1)\n");
	if (CHECK(sc != NULL)) {
		const struct stmt *s = sc->threads->body->body;

		CHECK(s->value->kind == E_DEREF && s->value->once &&
		      is_var(s->value->lhs, "x"));
		s = s->next;
		CHECK(s->kind == S_ASSIGN && s->once &&
		      s->lvalue->kind == E_DEREF &&
		      s->value->op == OP_MUL &&
		      s->value->lhs->kind == E_DEREF && s->next == NULL);
		CHECK(sc->nthreads == 2 && sc->cond->kind == C_ATOM);
	}
	scenario_free(sc);
	sc = GOOD("C x\n{}\nP0@a(){ int r; r = -9223372036854775807 - 1; "
		  "r = 0x7fffffffffffffff; }\n");
	CHECK(sc != NULL && sc->threads->body->body->next->value->lhs->num ==
	      -INT64_MAX);
	scenario_free(sc);
}

static void test_bad(void)
{
	char big[64];

	/* files and bytes */
	BAD("", 1, 1, "empty file");
	bad_len("\x7f" "ELF\x02\x01", 6, 1, 1, "invalid byte 0x7f", __LINE__);
	bad_len("C t\n\0{}", 7, 2, 1, "invalid byte 0x00", __LINE__);
	bad_len("C t\n(* \0 *)", 11, 2, 4, "invalid byte 0x00 in comment",
		__LINE__);
	BAD("C t\n{ \xc3\xa9 }", 2, 3, "invalid byte 0xc3");
	BAD("C t\n{ $ }", 2, 3, "unexpected character '$'");
	BAD("   \n  // only a comment\n", 3, 1, "expected 'C NAME'");
	BAD("page p;\n", 1, 1, "expected 'C NAME' at the start");

	/* comments and Result: */
	BAD("C t\n(* hello\n\n", 2, 1, "unterminated comment");
	BAD("C t\n{}\nP0@a() {\n/* x *\n}", 4, 1, "unterminated comment");
	BAD("C t\n{}\nP0@a() {\n(* x\n}", 4, 1, "unterminated comment");
	BAD("C t\n{\n(*x = 1;\n}\n", 3, 1, "unterminated comment");
	BAD("C t\n(* Result: Maybe *)\n{}\n", 2, 12,
	    "unknown Result 'Maybe'");
	BAD("C t\n// Result:\n{}\n", 2, 11, "expected Always, Sometimes");
	BAD("C t\n// Result: Never\n// Result: Always\n{}\n", 3, 4,
	    "second 'Result:'");

	/* header and settings */
	BAD("C\n{}\n", 2, 1, "expected a test name after 'C'");
	BAD("C t u\n{}\n", 1, 5, "expected end of line after the test name");
	BAD("C t\nfoo 1\n{}\n", 2, 1, "unknown setting 'foo'");
	BAD("C t\ncpus 1\ncpus 2\n{}\n", 3, 1,
	    "repeated setting 'cpus' (first at 2:1)");
	BAD("C t\npreempt maybe\n{}\n", 2, 9, "expected 'on' or 'off'");
	BAD("C t\nevict some\n{}\n", 2, 7, "expected 'any' or 'none'");
	BAD("C t\nkernel 2..6\n{}\n", 2, 8, "kernel version");
	BAD("C t\nkernel\n{}\n", 3, 1, "kernel version");
	BAD("C t\nfuse\n{}\n", 3, 1, "expected a strategy name");
	BAD("C t\ncpus 1 evict any\n{}\n", 2, 8, "expected end of line");
	BAD("C t\ncache arm926 ways=4\n{}\n", 2, 14,
	    "unknown cache parameter 'ways'");
	BAD("C t\ncache arm926 line=32 line=64\n{}\n", 2, 22,
	    "repeated cache parameter 'line'");
	BAD("C t\ncache arm926 line=\n{}\n", 3, 1,
	    "expected a value after 'line='");
	BAD("C t\ncpus 0\n{}\n", 2, 6, "cpus must be at least 1");
	BAD("C t\nP0@a() {}\n", 2, 1, "expected the init block");
	BAD("C t\n#include\n{}\n", 3, 1, "expected \"FILE\" after #include");
	BAD("C t\n#include \"\"\n{}\n", 2, 1, "empty file name");
	BAD("C t\n#define X 1\n{}\n", 2, 1, "'#' must begin '#include'");
	BAD("C t\n#include \"foo\n{}\n", 2, 10, "unterminated string");
	BAD("C t\n#include \"/dev/null\"\n{}\n", 2, 1, "not a regular file");
	BAD("C t\n#include \"nope.litmus\"\n{}\n", 2, 1,
	    "cannot find include file 'nope.litmus'");

	/* literals */
	BAD("C t\ncpus 99999999999999999999\n{}\n", 2, 6,
	    "integer literal out of range");
	BAD("C t\ncpus 9223372036854775808\n{}\n", 2, 6,
	    "integer literal out of range");
	BAD("C t\n{\n*x = 0x10000000000000000;\n}\n", 3, 6,
	    "integer literal out of range");
	BAD("C t\ncpus 010\n{}\n", 2, 6, "octal");
	BAD("C t\ncpus 1U\n{}\n", 2, 7, "invalid character 'U'");
	BAD("C t\n{\n*x = 0x;\n}\n", 3, 8, "hex digits");

	/* init block */
	BAD("C t\n{\npage p;\n", 4, 1, "expected '}' to close the init block");
	BAD("C t\n{\nfoo;\n}\n", 3, 1, "in the init block");
	BAD("C t\n{\npage p huge;\n}\n", 3, 8,
	    "unknown page attribute 'huge'");
	BAD("C t\n{\npage p file file;\n}\n", 3, 13,
	    "repeated page attribute");
	BAD("C t\n{\npage p[0];\n}\n", 3, 8, "at least one page");
	BAD("C t\n{\npage p\n}\n", 4, 1,
	    "expected ';' after the page declaration");
	BAD("C t\n{\na: int *x = map(p, foo);\n}\n", 3, 20,
	    "expected an address");
	BAD("C t\n{\na: int *x = map(p, 0x1000, colour=1);\n}\n", 3, 28,
	    "one address or colour");
	BAD("C t\n{\nkernel: int *k = map(p);\n}\n", 3, 18, "kmalloc");
	BAD("C t\n{\na: int *k = kmalloc(4);\n}\n", 3, 13, "map(PAGE)");
	BAD("C t\n{\na: int x = map(p);\n}\n", 3, 4, "expected 'int *'");
	BAD("C t\n{\nx[1] = ;\n}\n", 3, 8, "expected an integer");

	/* threads and functions */
	BAD(HEAD "P0@a() {}\nP2@a() {}\n", 5, 1,
	    "threads must be numbered in order: expected P1, found P2");
	BAD(HEAD "P0@a() {}\nP0@a() {}\n", 5, 1, "duplicate thread P0");
	BAD(HEAD "P1@a() {}\n", 4, 1, "expected P0, found P1");
	BAD(HEAD "Q0@a() {}\n", 4, 1, "a thread is named P<n>");
	BAD(HEAD "P0@a on cpuX() {}\n", 4, 9, "expected cpuN after 'on'");
	BAD(HEAD "P0 a() {}\n", 4, 4, "expected '@'");
	BAD(HEAD "P0@a on cpu1", 4, 13, "expected '(' before the parameters");
	BAD(HEAD "P0@a on cpu01() {}", 4, 9, "expected cpuN");
	BAD(HEAD "P01@a() {}", 4, 1, "a thread is named P<n>");
	BAD(HEAD "int f() { return 1; }\nint f() { return 2; }\n", 5, 5,
	    "duplicate function 'f' (first defined at bad.litmus:4:5)");
	BAD(HEAD "int f(int a);\n", 4, 13, "without a body");
	BAD(HEAD "int f(void x) {}\n", 4, 7, "parameter cannot be void");
	BAD(HEAD "foo\n", 4, 1, "expected a function, a thread");
	BAD(HEAD "cpus 2\n", 4, 1, "settings must come before the init");

	/* statements */
	BAD(HEAD "P0@a()\n{\n\tint r0;\n\tr0 = 1\n}\n", 8, 1,
	    "expected ';' after statement");
	BAD(HEAD "P0@a() {\n\tint r0;\n", 6, 1,
	    "expected '}' to close the block opened at 4:8");
	BAD(HEAD "P0@a() { void v; }\n", 4, 15, "a variable cannot be void");
	BAD(HEAD "P0@a() { struct foo *f; }\n", 4, 17,
	    "expected 'page' after 'struct'");
	BAD(HEAD "P0@a() { struct page pg; }\n", 4, 10,
	    "through 'struct page *'");
	BAD(HEAD "P0@a() { int **p; }\n", 4, 15, "pointers to pointers");
	BAD(HEAD "P0@a() { int if; }\n", 4, 14, "reserved word");
	BAD(HEAD "P0@a() { 1 = 2; }\n", 4, 10, "cannot assign");
	BAD(HEAD "P0@a() { int r; r; }\n", 4, 17, "does nothing");
	BAD(HEAD "P0@a() { int r; r 1; }\n", 4, 19, "expected '=' or ';'");
	BAD(HEAD "P0@a() { int r; r = READ_ONCE(r); }\n", 4, 31,
	    "READ_ONCE needs a memory word");
	BAD(HEAD "P0@a() { int r; r = WRITE_ONCE(r, 1); }\n", 4, 21,
	    "is a statement");
	BAD(HEAD "P0@a() { int r; WRITE_ONCE(r, 1); }\n", 4, 28,
	    "WRITE_ONCE needs a memory word");
	BAD(HEAD "P0@a() { else r = 1; }\n", 4, 10, "'else' without");
	BAD(HEAD "P0@a() { if (1 { } }\n", 4, 16,
	    "expected ')' after the if condition");
	BAD(HEAD "P0@a() { for (int i = 0, j = 0; ;) {} }\n", 4, 26,
	    "only one declaration");
	BAD(HEAD "P0@a() { int r; r = &r; }\n", 4, 21, "address-of");
	BAD(HEAD "P0@a() { do { } while (1); }\n", 4, 10, "not supported");
	BAD(HEAD "P0@a() { kernel r = 1; }\n", 4, 17, "expected '{' after");
	BAD(HEAD "P0@a() { int r; r = (f)(1); }\n", 4, 24,
	    "only a function named directly");
	BAD(HEAD "P0@a() { int r; r = (1 + 2; }\n", 4, 27,
	    "expected ')' to close '('");

	/* the condition */
	BAD(HEAD "exists (0:r0=1)\nP0@a() {}\n", 5, 1,
	    "the condition must be the last thing");
	BAD(HEAD "exists (0:r0)\n", 4, 13, "expected '=' or '!='");
	BAD(HEAD "exists (0:r0=1 && 0:r1=1)\n", 4, 16, "write '/\\'");
	BAD(HEAD "exists (0:r0=1 || 0:r1=1)\n", 4, 16, "write '\\/'");
	BAD(HEAD "~forall (0:r0=1)\n", 4, 2, "expected 'exists' after '~'");
	BAD(HEAD "exists ()\n", 4, 9, "expected T:reg");
	BAD(HEAD "exists (0:1=1)\n", 4, 11, "expected a register name");
	BAD(HEAD "exists ([x+y]=1)\n", 4, 12, "expected an integer");
	BAD(HEAD "exists (0:r=1\n", 5, 1, "expected ')' in the condition");

	/* limits */
	snprintf(big, sizeof(big), "C t\n");
	{
		size_t n = 1024 * 1024 + 1;
		char *s = malloc(n);

		memset(s, ' ', n);
		memcpy(s, big, strlen(big));
		bad_len(s, n, 1, 1, "too large", __LINE__);
		free(s);
	}
}

/* Nesting past the limit fails cleanly, whatever is nested. */
static void test_depth(void)
{
	static const char *const open[] = { "(", "{", "- ", "~(", "!" };
	static const char *const pre[] = {
		HEAD "P0@a() { int r; r = ", HEAD "P0@a() ",
		HEAD "P0@a() { int r; r = ", HEAD "exists ",
		HEAD "P0@a() { int r; r = ",
	};
	size_t k;
	int i;

	for (k = 0; k < sizeof(open) / sizeof(open[0]); k++) {
		size_t cap = strlen(pre[k]) + 300 * strlen(open[k]) + 1;
		char *s = malloc(cap);
		struct diag d;
		struct scenario *sc;

		strcpy(s, pre[k]);
		for (i = 0; i < 300; i++)
			strcat(s, open[k]);
		sc = parse_buffer("deep.litmus", s, strlen(s), NULL, &d);
		CHECK(sc == NULL && strstr(d.msg, "nesting too deep") != NULL &&
		      d.pos.line == 4);
		scenario_free(sc);
		free(s);
	}
}

/* The next name for a file of the temporary tree. */
static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static void test_includes(void)
{
	char dir[] = "/tmp/stale-parser-XXXXXX";
	char lib[64], sub[64], path[160];
	const char *dirs[2];
	struct scenario *sc;
	struct diag d;
	const struct func *f;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		failed++;
		return;
	}
	snprintf(lib, sizeof(lib), "%s/lib", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	mkdir(lib, 0700);
	mkdir(sub, 0700);
	dirs[0] = lib;
	dirs[1] = NULL;
	write_file(lib, "a.litmus",
		   "// library a\n#include \"b.litmus\"\nint fa(void) "
		   "{ return fb(); }\n");
	write_file(lib, "b.litmus", "(* Result: Maybe is ignored here *)\n"
		   "int fb(void) { return 2; }\n");
	write_file(sub, "b.litmus", "int fsub(void) { return 3; }\n");
	write_file(lib, "cyc1.litmus", "#include \"cyc2.litmus\"\n");
	write_file(lib, "cyc2.litmus", "int x(void) { }\n"
		   "#include \"cyc1.litmus\"\n");
	write_file(lib, "lthr.litmus", "P0@a() { }\n");
	write_file(lib, "bad.litmus", "int ok(void) { }\nint bad( { }\n");
	write_file(sub, "s.litmus",
		   "C inc\n#include \"a.litmus\"\n#include \"b.litmus\"\n"
		   "#include \"a.litmus\"\n{\n}\nint main2() {}\n"
		   "#include \"b.litmus\"\n");
	write_file(sub, "cyc.litmus", "C c\n#include \"cyc1.litmus\"\n{}\n");
	write_file(sub, "self.litmus", "C c\n#include \"self.litmus\"\n{}\n");
	write_file(sub, "thr.litmus", "C c\n#include \"lthr.litmus\"\n{}\n");

	/* beside first (sub/b), then the libdir (lib/a); each file once */
	snprintf(path, sizeof(path), "%s/s.litmus", sub);
	sc = parse_file(path, dirs, &d);
	if (CHECK(sc != NULL)) {
		f = sc->funcs;
		CHECK(f != NULL && strcmp(f->name, "fb") == 0 &&
		      strstr(f->pos.file, "lib/b.litmus") != NULL);
		f = f->next;
		CHECK(f != NULL && strcmp(f->name, "fa") == 0);
		CHECK(strstr(f->pos.file, "lib/a.litmus") != NULL);
		f = f->next;
		CHECK(f != NULL && strcmp(f->name, "fsub") == 0 &&
		      strstr(f->pos.file, "sub/b.litmus") != NULL);
		f = f->next;
		CHECK(f != NULL && strcmp(f->name, "main2") == 0 &&
		      f->next == NULL);
		CHECK(sc->expect == EXPECT_NONE);
		/* a library already included is not added again */
		snprintf(path, sizeof(path), "%s/a.litmus", lib);
		CHECK(parse_library(sc, path, dirs, &d) == 0);
		CHECK(sc->funcs->next->next->next->next == NULL);
		/* a failing library leaves the scenario as it was */
		snprintf(path, sizeof(path), "%s/bad.litmus", lib);
		CHECK(parse_library(sc, path, dirs, &d) == -1 &&
		      d.pos.line == 2 && d.pos.col == 10 &&
		      strstr(d.file, "lib/bad.litmus") != NULL);
		CHECK(sc->funcs->next->next->next->next == NULL);
		scenario_free(sc);
	} else {
		show(&d);
	}

	snprintf(path, sizeof(path), "%s/cyc.litmus", sub);
	sc = parse_file(path, dirs, &d);
	CHECK(sc == NULL && strstr(d.msg, "include cycle") != NULL &&
	      strstr(d.file, "cyc2.litmus") != NULL && d.pos.line == 2 &&
	      d.pos.col == 1);
	snprintf(path, sizeof(path), "%s/self.litmus", sub);
	sc = parse_file(path, dirs, &d);
	CHECK(sc == NULL && strstr(d.msg, "include cycle") != NULL &&
	      d.pos.line == 2);
	snprintf(path, sizeof(path), "%s/thr.litmus", sub);
	sc = parse_file(path, dirs, &d);
	CHECK(sc == NULL && strstr(d.msg, "a library file may contain only")
	      != NULL && strstr(d.file, "lib/lthr.litmus") != NULL);

	/* parse_library into a fresh scenario, and a clash with it */
	sc = GOOD("C x\n{}\nint fb(void) { }\n");
	if (CHECK(sc != NULL)) {
		snprintf(path, sizeof(path), "%s/b.litmus", lib);
		CHECK(parse_library(sc, path, NULL, &d) == -1 &&
		      strstr(d.msg, "duplicate function 'fb'") != NULL);
		CHECK(sc->funcs->next == NULL);
		scenario_free(sc);
	}
	snprintf(path, sizeof(path), "%s/none.litmus", dir);
	sc = parse_file(path, NULL, &d);
	CHECK(sc == NULL && d.pos.line == 1 && d.pos.col == 1 &&
	      strstr(d.msg, "cannot open") != NULL);
	CHECK(parse_file(lib, NULL, &d) == NULL &&
	      strstr(d.msg, "not a regular file") != NULL);

	/* clean up the temporary tree */
	{
		static const char *const files[] = {
			"lib/a.litmus", "lib/b.litmus", "sub/b.litmus",
			"lib/cyc1.litmus", "lib/cyc2.litmus", "lib/lthr.litmus",
			"lib/bad.litmus", "sub/s.litmus", "sub/cyc.litmus",
			"sub/self.litmus", "sub/thr.litmus",
		};
		size_t i;

		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
			unlink(path);
		}
		rmdir(lib);
		rmdir(sub);
		rmdir(dir);
	}
}

int main(void)
{
	test_spec_example();
	test_full();
	test_small_good();
	test_bad();
	test_depth();
	test_includes();
	printf("%d passed, %d failed\n", passed, failed);
	return failed > 0;
}
