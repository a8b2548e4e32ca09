/*
 * parser.c - recursive descent from litmus text to the syntax tree of ast.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lexer.h"
#include "parser.h"

/* Limits that keep hostile input from exhausting the stack or memory. */
enum {
	MAX_FILE = 1024 * 1024,
	MAX_DEPTH = 200,
};

/* A file on the include stack or already included, by real path. */
struct incl {
	const char *real;
	struct incl *next;
};

/* Function names seen so far, hashed: duplicates are found in O(1). */
struct nameset {
	struct func **slot;
	size_t cap, n;
};

/*
 * Errors unwind with longjmp to the entry point, as Lua's luaD_throw
 * does: everything the parser makes lives in the arena (file text
 * included), so freeing the arena there frees it all.
 */
struct parser {
	struct scenario *sc;
	struct arena *a;
	struct lexer lx;
	struct token tok;		/* current token */
	struct token ahead;		/* one token of lookahead */
	int has_ahead;
	int depth;
	int library;			/* the current file is a library */
	const char *const *libdirs;
	struct incl *open, *done;
	struct nameset funcs;
	struct func **func_tail;
	struct thread **thread_tail;
	struct init **init_tail;
	struct cache_override **ovr_tail;
	struct diag *err;
	struct diag dummy;		/* when the caller passed no diag */
	char found[64];			/* the token an error found */
	jmp_buf fail;
};

static const char *const reserved[] = {
	"int", "void", "struct", "if", "else", "while", "for", "do",
	"return", "break", "continue", "switch", "case", "default", "goto",
	"sizeof", "kernel", "char", "long", "short", "unsigned", "signed",
	"const", "volatile", "static", "READ_ONCE", "WRITE_ONCE", "assert",
	"NULL",
};

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static _Noreturn void fail(struct parser *p, struct pos at,
			   const char *fmt, ...) PRINTF_LIKE(3, 4);

static _Noreturn void fail(struct parser *p, struct pos at,
			   const char *fmt, ...)
{
	struct diag *d = p->err;
	va_list ap;

	snprintf(d->file, sizeof(d->file), "%s",
		 at.file != NULL ? at.file : "");
	d->pos = at;
	d->pos.file = d->file;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	longjmp(p->fail, 1);
}

/* ---- tokens ---- */

static void check_token(struct parser *p, const struct token *t)
{
	if (t->kind == T_ERROR)
		fail(p, t->pos, "%s", p->lx.msg);
}

static void next(struct parser *p)
{
	if (p->has_ahead) {
		p->tok = p->ahead;
		p->has_ahead = 0;
		return;
	}
	p->tok = lexer_next(&p->lx);
	check_token(p, &p->tok);
}

/* Read the next token as a word; never called with a token looked ahead. */
static void next_word(struct parser *p)
{
	p->tok = p->has_ahead ? p->ahead : lexer_next_word(&p->lx);
	p->has_ahead = 0;
	check_token(p, &p->tok);
}

static const struct token *peek(struct parser *p)
{
	if (!p->has_ahead) {
		p->ahead = lexer_next(&p->lx);
		check_token(p, &p->ahead);
		p->has_ahead = 1;
	}
	return &p->ahead;
}

static int tok_is(const struct token *t, const char *word)
{
	size_t n = strlen(word);

	return (t->kind == T_IDENT || t->kind == T_WORD) && t->len == n &&
	       memcmp(t->text, word, n) == 0;
}

static int at_kw(struct parser *p, const char *word)
{
	return tok_is(&p->tok, word);
}

static const char *found(struct parser *p)
{
	token_describe(&p->tok, p->found, sizeof(p->found));
	return p->found;
}

/* Consume a token of kind k or fail with "expected X WHERE, found Y". */
static struct pos expect(struct parser *p, enum tok k, const char *what,
			 const char *where)
{
	struct pos at = p->tok.pos;

	if (p->tok.kind != k)
		fail(p, at, "expected %s %s, found %s", what, where, found(p));
	next(p);
	return at;
}

static char *tok_str(struct parser *p)
{
	return arena_strndup(p->a, p->tok.text, p->tok.len);
}

static int is_reserved(const struct token *t)
{
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (tok_is(t, reserved[i]))
			return 1;
	return 0;
}

/* An identifier that names something the file defines; consumed. */
static char *expect_name(struct parser *p, const char *what)
{
	char *s;

	if (p->tok.kind != T_IDENT)
		fail(p, p->tok.pos, "expected %s, found %s", what, found(p));
	if (is_reserved(&p->tok))
		fail(p, p->tok.pos, "'%.*s' is a reserved word, not %s",
		     (int)p->tok.len, p->tok.text, what);
	s = tok_str(p);
	next(p);
	return s;
}

/* A non-negative integer literal; consumed. */
static int64_t expect_num(struct parser *p, const char *where)
{
	int64_t v;

	if (p->tok.kind != T_NUM)
		fail(p, p->tok.pos, "expected an integer %s, found %s", where,
		     found(p));
	v = p->tok.num;
	next(p);
	return v;
}

/* An integer literal with an optional minus sign; consumed. */
static int64_t expect_snum(struct parser *p, const char *where)
{
	if (p->tok.kind == T_MINUS) {
		next(p);
		return -expect_num(p, where);
	}
	return expect_num(p, where);
}

static void enter(struct parser *p)
{
	if (++p->depth > MAX_DEPTH)
		fail(p, p->tok.pos, "nesting too deep (more than %d levels)",
		     MAX_DEPTH);
}

static void leave(struct parser *p)
{
	p->depth--;
}

/* Settings are one per line: nothing may follow one on its line. */
static void end_of_line(struct parser *p, int line, const char *what)
{
	if (p->tok.kind != T_EOF && p->tok.pos.line == line)
		fail(p, p->tok.pos, "expected end of line after %s, found %s",
		     what, found(p));
}

/* ---- types ---- */

static int at_type(struct parser *p)
{
	return at_kw(p, "int") || at_kw(p, "void") || at_kw(p, "struct");
}

/*
 * int, void or struct page, without the star: C binds the star to each
 * declarator, so `int *a, b;` makes one pointer and one int.
 */
static enum ast_type base_type(struct parser *p)
{
	enum ast_type t;

	if (at_kw(p, "int")) {
		t = TY_INT;
	} else if (at_kw(p, "void")) {
		t = TY_VOID;
	} else if (at_kw(p, "struct")) {
		next(p);
		if (!at_kw(p, "page"))
			fail(p, p->tok.pos,
			     "expected 'page' after 'struct' (the only "
			     "struct is struct page), found %s", found(p));
		t = TY_PAGE_PTR;
	} else {
		fail(p, p->tok.pos, "expected a type, found %s", found(p));
	}
	next(p);
	return t;
}

/* The base type with the stars that follow; void stays legal here. */
static enum ast_type pointer_type(struct parser *p, enum ast_type base,
				  struct pos at)
{
	int stars = 0;

	while (p->tok.kind == T_STAR) {
		if (++stars > 1)
			fail(p, p->tok.pos,
			     "pointers to pointers are not supported");
		next(p);
	}
	if (base == TY_PAGE_PTR && stars == 0)
		fail(p, at, "a page is used through 'struct page *'");
	if (stars == 0 || base == TY_PAGE_PTR)
		return base;
	return base == TY_INT ? TY_INT_PTR : TY_VOID_PTR;
}

static enum ast_type full_type(struct parser *p)
{
	struct pos at = p->tok.pos;

	return pointer_type(p, base_type(p), at);
}

/* `(type name, ...)`, `()` or `(void)`. */
static void parse_params(struct parser *p, struct param **out, int *n)
{
	struct param *v = NULL;
	int cap = 0;

	expect(p, T_LPAREN, "'('", "before the parameters");
	*n = 0;
	if (at_kw(p, "void") && peek(p)->kind == T_RPAREN)
		next(p);
	while (p->tok.kind != T_RPAREN) {
		struct pos at;

		if (*n > 0)
			expect(p, T_COMMA, "',' or ')'",
			       "in the parameter list");
		at = p->tok.pos;
		if (*n == cap) {
			struct param *w;

			cap = cap != 0 ? 2 * cap : 4;
			w = arena_alloc(p->a, (size_t)cap * sizeof(*w));
			if (*n > 0)
				memcpy(w, v, (size_t)*n * sizeof(*w));
			v = w;
		}
		v[*n].pos = at;
		v[*n].type = full_type(p);
		if (v[*n].type == TY_VOID)
			fail(p, at, "a parameter cannot be void");
		v[*n].name = expect_name(p, "a parameter name");
		(*n)++;
	}
	next(p);
	*out = v;
}

/* ---- expressions ---- */

static struct expr *new_expr(struct parser *p, enum expr_kind k,
			     struct pos at)
{
	struct expr *e = arena_alloc(p->a, sizeof(*e));

	e->kind = k;
	e->pos = at;
	return e;
}

static struct expr *parse_expr(struct parser *p);
static struct expr *parse_unary(struct parser *p);

static int is_memory(const struct expr *e)
{
	return e->kind == E_INDEX || e->kind == E_DEREF;
}

static void parse_args(struct parser *p, struct expr *call)
{
	struct expr **v = NULL;
	int cap = 0;

	next(p);		/* ( */
	while (p->tok.kind != T_RPAREN) {
		if (call->nargs > 0)
			expect(p, T_COMMA, "',' or ')'",
			       "in the argument list");
		if (call->nargs == cap) {
			struct expr **w;

			cap = cap != 0 ? 2 * cap : 4;
			w = arena_alloc(p->a, (size_t)cap * sizeof(*w));
			if (call->nargs > 0)
				memcpy(w, v, (size_t)call->nargs * sizeof(*w));
			v = w;
		}
		v[call->nargs++] = parse_expr(p);
	}
	next(p);
	call->args = v;
}

/* READ_ONCE(x): the word access itself, marked. */
static struct expr *parse_read_once(struct parser *p, struct pos at)
{
	struct expr *e;

	expect(p, T_LPAREN, "'('", "after READ_ONCE");
	e = parse_expr(p);
	if (!is_memory(e) || e->once)
		fail(p, e->pos,
		     "READ_ONCE needs a memory word such as p[i] or *p");
	expect(p, T_RPAREN, "')'", "to close READ_ONCE");
	e->once = 1;
	e->pos = at;
	return e;
}

static struct expr *parse_primary(struct parser *p)
{
	struct pos at = p->tok.pos;
	struct expr *e;

	switch (p->tok.kind) {
	case T_NUM:
		e = new_expr(p, E_NUM, at);
		e->num = p->tok.num;
		next(p);
		return e;
	case T_LPAREN:
		next(p);
		if (at_type(p)) {
			/* A cast: it changes how arithmetic scales. */
			enum ast_type t = full_type(p);

			expect(p, T_RPAREN, "')'", "after the cast type");
			e = new_expr(p, E_CAST, at);
			e->cast = t;
			e->lhs = parse_unary(p);
			return e;
		}
		e = parse_expr(p);
		expect(p, T_RPAREN, "')'", "to close '('");
		return e;
	case T_IDENT:
		break;
	default:
		fail(p, at, "expected an expression, found %s", found(p));
	}
	if (at_kw(p, "NULL")) {
		next(p);
		return new_expr(p, E_NUM, at);
	}
	if (at_kw(p, "READ_ONCE")) {
		next(p);
		return parse_read_once(p, at);
	}
	if (at_kw(p, "WRITE_ONCE"))
		fail(p, at, "WRITE_ONCE(p, v) is a statement, not a value");
	if (is_reserved(&p->tok))
		fail(p, at, "expected an expression, found %s", found(p));
	e = new_expr(p, E_VAR, at);
	e->name = tok_str(p);
	next(p);
	if (p->tok.kind == T_LPAREN) {
		e->kind = E_CALL;
		parse_args(p, e);
	}
	return e;
}

static struct expr *parse_postfix(struct parser *p)
{
	struct expr *e = parse_primary(p);

	for (;;) {
		if (p->tok.kind == T_LBRACK) {
			struct expr *x = new_expr(p, E_INDEX, e->pos);

			next(p);
			x->lhs = e;
			x->rhs = parse_expr(p);
			expect(p, T_RBRACK, "']'", "after the index");
			e = x;
		} else if (p->tok.kind == T_LPAREN) {
			fail(p, p->tok.pos,
			     "only a function named directly can be called");
		} else {
			return e;
		}
	}
}

static struct expr *parse_unary(struct parser *p)
{
	struct pos at = p->tok.pos;
	struct expr *e;
	enum op op;

	enter(p);
	switch (p->tok.kind) {
	case T_MINUS:
		op = OP_NEG;
		break;
	case T_BANG:
		op = OP_NOT;
		break;
	case T_TILDE:
		op = OP_BNOT;
		break;
	case T_STAR:
		next(p);
		e = new_expr(p, E_DEREF, at);
		e->lhs = parse_unary(p);
		leave(p);
		return e;
	case T_AMP:
		fail(p, at, "'&' (address-of) is not supported");
	case T_INC:
	case T_DEC:
		fail(p, at, "'%.*s' is allowed only as a statement, after "
		     "its operand", (int)p->tok.len, p->tok.text);
	default:
		e = parse_postfix(p);
		leave(p);
		return e;
	}
	next(p);
	/* Fold -N into a literal so that constants stay constants. */
	if (op == OP_NEG && p->tok.kind == T_NUM) {
		const struct token *n = peek(p);

		if (n->kind != T_LBRACK) {
			e = new_expr(p, E_NUM, at);
			e->num = -p->tok.num;
			next(p);
			leave(p);
			return e;
		}
	}
	e = new_expr(p, E_UNARY, at);
	e->op = op;
	e->lhs = parse_unary(p);
	leave(p);
	return e;
}

/* Binding strength of a binary operator token, 0 if it is none. */
static int binary_prec(enum tok k, enum op *op)
{
	static const struct {
		enum tok tok;
		enum op op;
		int prec;
	} tab[] = {
		{ T_LOR, OP_LOR, 1 }, { T_LAND, OP_LAND, 2 },
		{ T_PIPE, OP_OR, 3 }, { T_CARET, OP_XOR, 4 },
		{ T_AMP, OP_AND, 5 }, { T_EQ, OP_EQ, 6 }, { T_NE, OP_NE, 6 },
		{ T_LT, OP_LT, 7 }, { T_LE, OP_LE, 7 }, { T_GT, OP_GT, 7 },
		{ T_GE, OP_GE, 7 }, { T_SHL, OP_SHL, 8 }, { T_SHR, OP_SHR, 8 },
		{ T_PLUS, OP_ADD, 9 }, { T_MINUS, OP_SUB, 9 },
		{ T_STAR, OP_MUL, 10 }, { T_SLASH, OP_DIV, 10 },
		{ T_PERCENT, OP_MOD, 10 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (tab[i].tok == k) {
			*op = tab[i].op;
			return tab[i].prec;
		}
	return 0;
}

/* Precedence climbing: one frame per level of C precedence used. */
static struct expr *parse_binary(struct parser *p, int min)
{
	struct expr *lhs = parse_unary(p);
	enum op op;
	int prec;

	while ((prec = binary_prec(p->tok.kind, &op)) >= min && prec > 0) {
		struct expr *e = new_expr(p, E_BINARY, lhs->pos);

		next(p);
		e->op = op;
		e->lhs = lhs;
		e->rhs = parse_binary(p, prec + 1);
		lhs = e;
	}
	return lhs;
}

static struct expr *parse_expr(struct parser *p)
{
	return parse_binary(p, 1);
}

static struct expr *clone_expr(struct parser *p, const struct expr *e)
{
	struct expr *c;
	int i;

	if (e == NULL)
		return NULL;
	c = new_expr(p, e->kind, e->pos);
	*c = *e;
	c->lhs = clone_expr(p, e->lhs);
	c->rhs = clone_expr(p, e->rhs);
	if (e->nargs > 0) {
		c->args = arena_alloc(p->a,
				      (size_t)e->nargs * sizeof(*c->args));
		for (i = 0; i < e->nargs; i++)
			c->args[i] = clone_expr(p, e->args[i]);
	}
	return c;
}

/* ---- statements ---- */

static struct stmt *new_stmt(struct parser *p, enum stmt_kind k,
			     struct pos at)
{
	struct stmt *s = arena_alloc(p->a, sizeof(*s));

	s->kind = k;
	s->pos = at;
	return s;
}

static struct stmt *parse_stmt(struct parser *p);

/* The last node of a statement chain. */
static struct stmt *chain_end(struct stmt *s)
{
	while (s->next != NULL)
		s = s->next;
	return s;
}

/*
 * A { ... } block.  The outermost block of a function or thread
 * (code != 0) switches the lexer to code mode for its inside only, so
 * the switch happens before the tokens after each brace are read.
 */
static struct stmt *parse_block_mode(struct parser *p, int code)
{
	struct stmt *b = new_stmt(p, S_BLOCK, p->tok.pos);
	struct stmt **tail = &b->body;

	if (code && p->tok.kind == T_LBRACE)
		p->lx.code = 1;
	expect(p, T_LBRACE, "'{'", "to open a block");
	while (p->tok.kind != T_RBRACE) {
		struct stmt *s;

		if (p->tok.kind == T_EOF)
			fail(p, p->tok.pos, "expected '}' to close the block "
			     "opened at %d:%d, found end of file",
			     b->pos.line, b->pos.col);
		s = parse_stmt(p);
		if (s != NULL) {
			*tail = s;
			tail = &chain_end(s)->next;
		}
	}
	if (code)
		p->lx.code = 0;
	next(p);
	return b;
}

static struct stmt *parse_block(struct parser *p)
{
	return parse_block_mode(p, 0);
}

/* The body of if/while/for/else: always an S_BLOCK. */
static struct stmt *parse_body(struct parser *p)
{
	struct stmt *b, *s;

	if (p->tok.kind == T_LBRACE) {
		enter(p);
		b = parse_block(p);
		leave(p);
		return b;
	}
	b = new_stmt(p, S_BLOCK, p->tok.pos);
	s = parse_stmt(p);
	b->body = s;
	return b;
}

/*
 * Declarators after a base type: `*a = e, b` -> a chain of S_DECL.
 * max limits them to one (in a for initialiser).
 */
static struct stmt *parse_decl(struct parser *p, int max)
{
	struct pos tat = p->tok.pos;
	enum ast_type base = base_type(p);
	struct stmt *first = NULL, **tail = &first;
	int n = 0;

	do {
		struct pos at;
		struct stmt *s;

		if (n > 0)
			next(p);	/* , */
		if (++n > max)
			fail(p, p->tok.pos,
			     "only one declaration is allowed here");
		at = p->tok.pos;
		s = new_stmt(p, S_DECL, tat);
		s->type = pointer_type(p, base, tat);
		if (s->type == TY_VOID)
			fail(p, at, "a variable cannot be void");
		if (n > 1)
			s->pos = p->tok.pos;
		s->name = expect_name(p, "a variable name");
		if (p->tok.kind == T_ASSIGN) {
			next(p);
			s->value = parse_expr(p);
		}
		*tail = s;
		tail = &s->next;
	} while (p->tok.kind == T_COMMA);
	return first;
}

static void check_lvalue(struct parser *p, const struct expr *e)
{
	if (e->kind != E_VAR && e->kind != E_INDEX && e->kind != E_DEREF)
		fail(p, e->pos, "cannot assign to this expression: expected "
		     "a variable, p[i] or *p");
	if (e->once)
		fail(p, e->pos, "cannot assign to READ_ONCE(...); use "
		     "WRITE_ONCE(p, v)");
}

/* x op= e and x++ become x = x op e; the lvalue is copied. */
static struct stmt *compound(struct parser *p, struct expr *lv, enum op op,
			     struct expr *rhs)
{
	struct stmt *s = new_stmt(p, S_ASSIGN, lv->pos);
	struct expr *v = new_expr(p, E_BINARY, lv->pos);

	v->op = op;
	v->lhs = clone_expr(p, lv);
	v->rhs = rhs;
	s->lvalue = lv;
	s->value = v;
	return s;
}

/*
 * An assignment, a call, ++/--, or (with decl) a declaration: the
 * statements a for header may hold.  No ';' is consumed.
 */
static struct stmt *parse_simple(struct parser *p, int decl)
{
	struct pos at = p->tok.pos;
	struct expr *e, *one;
	struct stmt *s;

	if (at_kw(p, "static")) {
		struct stmt *d;

		if (decl == 0)
			fail(p, at, "a declaration is not allowed here");
		next(p);
		if (!at_type(p))
			fail(p, p->tok.pos, "expected a type after 'static', "
			     "found %s", found(p));
		s = parse_decl(p, decl);
		for (d = s; d != NULL; d = d->next) {
			d->is_static = 1;
			if (d->value != NULL)
				fail(p, d->value->pos, "a static variable "
				     "starts at 0 and takes no initialiser");
		}
		return s;
	}
	if (at_type(p)) {
		if (decl == 0)
			fail(p, at, "a declaration is not allowed here");
		return parse_decl(p, decl);
	}
	if (at_kw(p, "WRITE_ONCE")) {
		next(p);
		s = new_stmt(p, S_ASSIGN, at);
		expect(p, T_LPAREN, "'('", "after WRITE_ONCE");
		s->lvalue = parse_expr(p);
		if (!is_memory(s->lvalue))
			fail(p, s->lvalue->pos, "WRITE_ONCE needs a memory "
			     "word such as p[i] or *p");
		check_lvalue(p, s->lvalue);
		expect(p, T_COMMA, "','", "after the WRITE_ONCE target");
		s->value = parse_expr(p);
		expect(p, T_RPAREN, "')'", "to close WRITE_ONCE");
		s->once = 1;
		return s;
	}
	e = parse_expr(p);
	switch (p->tok.kind) {
	case T_ASSIGN:
		check_lvalue(p, e);
		next(p);
		s = new_stmt(p, S_ASSIGN, e->pos);
		s->lvalue = e;
		s->value = parse_expr(p);
		return s;
	case T_OP_ASSIGN: {
		enum op op = p->tok.op;
		check_lvalue(p, e);
		next(p);
		return compound(p, e, op, parse_expr(p));
	}
	case T_INC:
	case T_DEC:
		check_lvalue(p, e);
		one = new_expr(p, E_NUM, p->tok.pos);
		one->num = 1;
		s = compound(p, e, p->tok.kind == T_INC ? OP_ADD : OP_SUB,
			     one);
		next(p);
		return s;
	default:
		break;
	}
	if (e->kind != E_CALL && p->tok.kind == T_SEMI)
		fail(p, e->pos, "this statement does nothing: a statement is "
		     "an assignment or a call");
	if (e->kind != E_CALL)
		fail(p, p->tok.pos, "expected '=' or ';' after the expression, "
		     "found %s", found(p));
	s = new_stmt(p, S_EXPR, e->pos);
	s->value = e;
	return s;
}

static struct stmt *parse_if(struct parser *p)
{
	struct stmt *first = NULL, **slot = &first;

	/* else-if chains are a loop, not recursion: no depth is spent. */
	for (;;) {
		struct stmt *s = new_stmt(p, S_IF, p->tok.pos);

		next(p);	/* if */
		expect(p, T_LPAREN, "'('", "after 'if'");
		s->cond = parse_expr(p);
		expect(p, T_RPAREN, "')'", "after the if condition");
		s->body = parse_body(p);
		*slot = s;
		if (!at_kw(p, "else"))
			break;
		next(p);
		if (!at_kw(p, "if")) {
			s->orelse = parse_body(p);
			break;
		}
		slot = &s->orelse;
	}
	return first;
}

static struct stmt *parse_for(struct parser *p)
{
	struct stmt *s = new_stmt(p, S_FOR, p->tok.pos);

	next(p);
	expect(p, T_LPAREN, "'('", "after 'for'");
	if (p->tok.kind != T_SEMI)
		s->init = parse_simple(p, 1);
	expect(p, T_SEMI, "';'", "after the for initialiser");
	if (p->tok.kind != T_SEMI)
		s->cond = parse_expr(p);
	expect(p, T_SEMI, "';'", "after the for condition");
	if (p->tok.kind != T_RPAREN)
		s->step = parse_simple(p, 0);
	expect(p, T_RPAREN, "')'", "after the for step");
	s->body = parse_body(p);
	return s;
}

static struct stmt *parse_keyword_stmt(struct parser *p, int *done)
{
	struct pos at = p->tok.pos;
	struct stmt *s;

	*done = 1;
	if (at_kw(p, "if"))
		return parse_if(p);
	if (at_kw(p, "for"))
		return parse_for(p);
	if (at_kw(p, "while")) {
		s = new_stmt(p, S_WHILE, at);
		next(p);
		expect(p, T_LPAREN, "'('", "after 'while'");
		s->cond = parse_expr(p);
		expect(p, T_RPAREN, "')'", "after the while condition");
		s->body = parse_body(p);
		return s;
	}
	if (at_kw(p, "kernel")) {
		s = new_stmt(p, S_KERNEL, at);
		next(p);
		if (p->tok.kind != T_LBRACE)
			fail(p, p->tok.pos, "expected '{' after 'kernel', "
			     "found %s", found(p));
		s->body = parse_block(p);
		return s;
	}
	if (at_kw(p, "else"))
		fail(p, at, "'else' without a matching 'if'");
	if (at_kw(p, "do") || at_kw(p, "switch") || at_kw(p, "goto") ||
	    at_kw(p, "case") || at_kw(p, "default"))
		fail(p, at, "'%.*s' is not supported", (int)p->tok.len,
		     p->tok.text);
	*done = 0;
	if (at_kw(p, "return")) {
		s = new_stmt(p, S_RETURN, at);
		next(p);
		if (p->tok.kind != T_SEMI)
			s->value = parse_expr(p);
	} else if (at_kw(p, "break")) {
		s = new_stmt(p, S_BREAK, at);
		next(p);
	} else if (at_kw(p, "continue")) {
		s = new_stmt(p, S_CONTINUE, at);
		next(p);
	} else if (at_kw(p, "assert")) {
		s = new_stmt(p, S_ASSERT, at);
		next(p);
		expect(p, T_LPAREN, "'('", "after 'assert'");
		s->cond = parse_expr(p);
		expect(p, T_RPAREN, "')'", "to close assert");
	} else {
		s = parse_simple(p, 1 << 30);
	}
	return s;
}

/* One statement (a chain for `int a, b;`), or NULL for a lone ';'. */
static struct stmt *parse_stmt(struct parser *p)
{
	struct stmt *s;
	int done;

	enter(p);
	if (p->tok.kind == T_SEMI) {
		next(p);
		leave(p);
		return NULL;
	}
	if (p->tok.kind == T_LBRACE) {
		s = parse_block(p);
		leave(p);
		return s;
	}
	s = parse_keyword_stmt(p, &done);
	if (!done)
		expect(p, T_SEMI, "';'", "after statement");
	leave(p);
	return s;
}

/* ---- functions and threads ---- */

static size_t name_hash(const char *s)
{
	size_t h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The function already named f->name, or NULL after adding f. */
static struct func *nameset_add(struct parser *p, struct func *f)
{
	struct nameset *ns = &p->funcs;
	size_t i;

	if (2 * (ns->n + 1) > ns->cap) {
		struct nameset old = *ns;

		ns->cap = old.cap != 0 ? 2 * old.cap : 32;
		ns->slot = arena_alloc(p->a, ns->cap * sizeof(*ns->slot));
		ns->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.slot[i] != NULL)
				nameset_add(p, old.slot[i]);
	}
	for (i = name_hash(f->name) & (ns->cap - 1); ns->slot[i] != NULL;
	     i = (i + 1) & (ns->cap - 1))
		if (strcmp(ns->slot[i]->name, f->name) == 0)
			return ns->slot[i];
	ns->slot[i] = f;
	ns->n++;
	return NULL;
}

static void parse_func(struct parser *p)
{
	struct func *f = arena_alloc(p->a, sizeof(*f));
	struct func *old;

	f->pos = p->tok.pos;
	f->ret = full_type(p);
	f->pos = p->tok.pos;
	f->name = expect_name(p, "a function name");
	old = nameset_add(p, f);
	if (old != NULL)
		fail(p, f->pos, "duplicate function '%s' (first defined at "
		     "%s:%d:%d)", f->name, old->pos.file, old->pos.line,
		     old->pos.col);
	parse_params(p, &f->params, &f->nparams);
	if (p->tok.kind == T_SEMI)
		fail(p, p->tok.pos, "function declarations without a body "
		     "are not supported: expected '{'");
	f->body = parse_block_mode(p, 1);
	*p->func_tail = f;
	p->func_tail = &f->next;
}

/* n of an identifier PREFIX<n> (P0, cpu1), or -1; no leading zeros. */
static int numbered(const struct token *t, const char *prefix)
{
	size_t k = strlen(prefix), i;
	int n = 0;

	if (t->kind != T_IDENT || t->len <= k || t->len > k + 6 ||
	    memcmp(t->text, prefix, k) != 0 ||
	    (t->text[k] == '0' && t->len > k + 1))
		return -1;
	for (i = k; i < t->len; i++) {
		if (t->text[i] < '0' || t->text[i] > '9')
			return -1;
		n = 10 * n + (t->text[i] - '0');
	}
	return n;
}

static int thread_number(const struct token *t)
{
	return numbered(t, "P");
}

static int cpu_number(const struct token *t)
{
	return numbered(t, "cpu");
}

static void parse_thread(struct parser *p)
{
	struct thread *t = arena_alloc(p->a, sizeof(*t));
	struct scenario *sc = p->sc;

	t->pos = p->tok.pos;
	t->index = thread_number(&p->tok);
	if (t->index < 0)
		fail(p, t->pos, "a thread is named P<n> (P0, P1, ...), "
		     "found %s", found(p));
	if (t->index < sc->nthreads)
		fail(p, t->pos, "duplicate thread P%d", t->index);
	if (t->index != sc->nthreads)
		fail(p, t->pos, "threads must be numbered in order: "
		     "expected P%d, found P%d", sc->nthreads, t->index);
	next(p);
	expect(p, T_AT, "'@'", "after the thread name (P<n>@PROC)");
	if (p->tok.kind != T_IDENT)
		fail(p, p->tok.pos, "expected a process name after '@', "
		     "found %s", found(p));
	t->proc = tok_str(p);
	next(p);
	t->cpu = -1;
	if (at_kw(p, "on")) {
		next(p);
		t->cpu = cpu_number(&p->tok);
		if (t->cpu < 0)
			fail(p, p->tok.pos, "expected cpuN after 'on', "
			     "found %s", found(p));
		next(p);
	}
	parse_params(p, &t->params, &t->nparams);
	t->body = parse_block_mode(p, 1);
	*p->thread_tail = t;
	p->thread_tail = &t->next;
	sc->nthreads++;
}

/* ---- condition ---- */

static struct cond *parse_cond_or(struct parser *p);

static struct cond *new_cond(struct parser *p, enum cond_kind k,
			     struct pos at)
{
	struct cond *c = arena_alloc(p->a, sizeof(*c));

	c->kind = k;
	c->pos = at;
	return c;
}

static void parse_cond_val(struct parser *p, struct cond_val *v)
{
	v->pos = p->tok.pos;
	switch (p->tok.kind) {
	case T_MINUS:
		v->kind = V_NUM;
		v->num = expect_snum(p, "in the condition");
		return;
	case T_NUM:
		v->num = p->tok.num;
		next(p);
		if (p->tok.kind != T_COLON) {
			v->kind = V_NUM;
			return;
		}
		if (v->num > 1000000)
			fail(p, v->pos, "thread number %lld is too large",
			     (long long)v->num);
		v->kind = V_REG;
		v->thread = (int)v->num;
		v->num = 0;
		next(p);
		if (p->tok.kind != T_IDENT)
			fail(p, p->tok.pos, "expected a register name after "
			     "'%d:', found %s", v->thread, found(p));
		v->name = tok_str(p);
		next(p);
		return;
	case T_LBRACK:
		next(p);
		v->kind = V_LOC;
		v->name = expect_name(p, "a symbol in '[...]'");
		if (p->tok.kind == T_PLUS) {
			next(p);
			v->offset = expect_num(p, "offset after '+'");
		}
		expect(p, T_RBRACK, "']'", "after the location");
		return;
	case T_IDENT:
		/* herd7 accepts a bare location: x=1 means [x]=1. */
		v->kind = V_LOC;
		v->name = expect_name(p, "a location");
		return;
	default:
		fail(p, v->pos, "expected T:reg, [SYM], [SYM+i] or an integer "
		     "in the condition, found %s", found(p));
	}
}

static struct cond *parse_atom(struct parser *p)
{
	struct cond *c = new_cond(p, C_ATOM, p->tok.pos);

	parse_cond_val(p, &c->lhs);
	if (p->tok.kind == T_ASSIGN || p->tok.kind == T_EQ)
		c->op = OP_EQ;
	else if (p->tok.kind == T_NE)
		c->op = OP_NE;
	else
		fail(p, p->tok.pos, "expected '=' or '!=' in the condition, "
		     "found %s", found(p));
	next(p);
	parse_cond_val(p, &c->rhs);
	return c;
}

static struct cond *parse_cond_unary(struct parser *p)
{
	struct pos at = p->tok.pos;
	struct cond *c;

	enter(p);
	if (p->tok.kind == T_TILDE || p->tok.kind == T_BANG) {
		next(p);
		c = new_cond(p, C_NOT, at);
		c->a = parse_cond_unary(p);
	} else if (p->tok.kind == T_LPAREN) {
		next(p);
		c = parse_cond_or(p);
		expect(p, T_RPAREN, "')'", "in the condition");
	} else if (at_kw(p, "true")) {
		next(p);
		c = new_cond(p, C_TRUE, at);
	} else if (at_kw(p, "false")) {
		next(p);
		c = new_cond(p, C_NOT, at);
		c->a = new_cond(p, C_TRUE, at);
	} else {
		c = parse_atom(p);
	}
	leave(p);
	return c;
}

static struct cond *parse_cond_and(struct parser *p)
{
	struct cond *c = parse_cond_unary(p);

	for (;;) {
		struct cond *n;

		if (p->tok.kind == T_LAND)
			fail(p, p->tok.pos, "write '/\\' for 'and' in the "
			     "condition");
		if (p->tok.kind != T_CONJ)
			return c;
		n = new_cond(p, C_AND, c->pos);
		next(p);
		n->a = c;
		n->b = parse_cond_unary(p);
		c = n;
	}
}

static struct cond *parse_cond_or(struct parser *p)
{
	struct cond *c = parse_cond_and(p);

	for (;;) {
		struct cond *n;

		if (p->tok.kind == T_LOR)
			fail(p, p->tok.pos, "write '\\/' for 'or' in the "
			     "condition");
		if (p->tok.kind != T_DISJ)
			return c;
		n = new_cond(p, C_OR, c->pos);
		next(p);
		n->a = c;
		n->b = parse_cond_and(p);
		c = n;
	}
}

static void parse_condition(struct parser *p)
{
	struct scenario *sc = p->sc;

	sc->quant_pos = p->tok.pos;
	if (p->tok.kind == T_TILDE) {
		next(p);
		if (!at_kw(p, "exists"))
			fail(p, p->tok.pos, "expected 'exists' after '~', "
			     "found %s", found(p));
		sc->quant = Q_NOT_EXISTS;
	} else {
		sc->quant = at_kw(p, "exists") ? Q_EXISTS : Q_FORALL;
	}
	next(p);
	sc->cond = parse_cond_or(p);
	if (p->tok.kind != T_EOF)
		fail(p, p->tok.pos, "the condition must be the last thing in "
		     "the file, found %s after it", found(p));
}

/* ---- files and #include ---- */

/* Read a whole regular file into the arena; errno-style message. */
static char *load(struct parser *p, const char *path, size_t *len,
		  struct pos at)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd;

	/* O_NONBLOCK: opening a FIFO must not hang the parser. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fail(p, at, "cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		fail(p, at, "'%s' is not a regular file", path);
	}
	if (st.st_size > MAX_FILE) {
		close(fd);
		fail(p, at, "'%s' is too large (over 1 MiB)", path);
	}
	buf = arena_alloc(p->a, (size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			fail(p, at, "cannot read '%s': %s", path, strerror(e));
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return buf;
}

/* realpath() into the arena, or NULL if the file does not exist. */
static const char *real_path(struct parser *p, const char *path)
{
	char *r = realpath(path, NULL);
	const char *s;

	if (r == NULL)
		return NULL;
	s = arena_strndup(p->a, r, strlen(r));
	free(r);
	return s;
}

static int in_list(const struct incl *l, const char *real)
{
	for (; l != NULL; l = l->next)
		if (strcmp(l->real, real) == 0)
			return 1;
	return 0;
}

/* Whether an earlier parse_library already added this file's functions. */
static int already_loaded(struct parser *p, const char *real)
{
	const struct func *f;
	const char *last = NULL;

	if (in_list(p->done, real))
		return 1;
	for (f = p->sc->funcs; f != NULL; f = f->next) {
		const char *r;

		if (f->pos.file == last)
			continue;
		last = f->pos.file;
		r = real_path(p, f->pos.file);
		if (r != NULL && strcmp(r, real) == 0)
			return 1;
	}
	return 0;
}

static void push(struct parser *p, struct incl **l, const char *real)
{
	struct incl *i = arena_alloc(p->a, sizeof(*i));

	i->real = real;
	i->next = *l;
	*l = i;
}

static char *join(struct parser *p, const char *dir, size_t dlen,
		  const char *name)
{
	size_t n = strlen(name);
	char *s = arena_alloc(p->a, dlen + n + 2);

	memcpy(s, dir, dlen);
	if (dlen > 0 && dir[dlen - 1] != '/')
		s[dlen++] = '/';
	memcpy(s + dlen, name, n);
	return s;
}

/* The path of an include: beside the including file, then libdirs. */
static char *find_include(struct parser *p, const char *name)
{
	const char *cur = p->lx.file;
	const char *slash = strrchr(cur, '/');
	char *path;
	size_t i;

	if (name[0] == '/')
		return real_path(p, name) != NULL ? (char *)name : NULL;
	/* Keep the slash of a file in the root directory. */
	path = join(p, cur, slash == NULL ? 0 : (size_t)(slash - cur) +
		    (slash == cur), name);
	if (real_path(p, path) != NULL)
		return path;
	for (i = 0; p->libdirs != NULL && p->libdirs[i] != NULL; i++) {
		const char *d = p->libdirs[i];

		path = join(p, d, strlen(d), name);
		if (real_path(p, path) != NULL)
			return path;
	}
	return NULL;
}

static void parse_source(struct parser *p, const char *path,
			 const char *text, size_t len, int library);

static void do_include(struct parser *p, struct pos at, const char *name)
{
	const char *path, *real;
	char *text;
	size_t len;

	if (name[0] == '\0')
		fail(p, at, "empty file name in #include");
	path = find_include(p, name);
	if (path == NULL)
		fail(p, at, "cannot find include file '%s'", name);
	real = real_path(p, path);
	if (real == NULL)
		fail(p, at, "cannot find include file '%s'", name);
	if (in_list(p->open, real))
		fail(p, at, "include cycle: '%s' includes itself", name);
	if (already_loaded(p, real))
		return;
	text = load(p, path, &len, at);
	enter(p);
	push(p, &p->open, real);
	parse_source(p, path, text, len, 1);
	p->open = p->open->next;
	push(p, &p->done, real);
	leave(p);
}

/* `#include "F"`; the current token is the #include. */
static void parse_include(struct parser *p)
{
	struct pos at = p->tok.pos;
	char *name;

	next(p);
	if (p->tok.kind != T_STRING || p->tok.pos.line != at.line)
		fail(p, p->tok.pos, "expected \"FILE\" after #include, "
		     "found %s", found(p));
	name = tok_str(p);
	do_include(p, at, name);
	next(p);
	end_of_line(p, at.line, "#include");
}

/* ---- settings and the init block ---- */

static int at_condition(struct parser *p)
{
	return at_kw(p, "exists") || at_kw(p, "forall") ||
	       p->tok.kind == T_TILDE;
}


static void set_once(struct parser *p, struct setting *s, struct pos at,
		     const char *name)
{
	if (s->set)
		fail(p, at, "repeated setting '%s' (first at %d:%d)", name,
		     s->pos.line, s->pos.col);
	s->set = 1;
	s->pos = at;
}

static const char *const cache_keys[] = {
	"line", "colours", "write", "allocate", "coherence", "asid",
};

static void parse_cache(struct parser *p, struct pos at)
{
	unsigned seen = 0;

	next_word(p);
	if (p->tok.kind != T_WORD || p->tok.pos.line != at.line)
		fail(p, p->tok.pos, "expected a profile name after 'cache', "
		     "found %s", found(p));
	p->sc->cache.str = tok_str(p);
	next(p);
	while (p->tok.kind == T_IDENT && p->tok.pos.line == at.line) {
		struct cache_override *o = arena_alloc(p->a, sizeof(*o));
		size_t k;

		o->pos = p->tok.pos;
		for (k = 0; k < sizeof(cache_keys) / sizeof(cache_keys[0]); k++)
			if (at_kw(p, cache_keys[k]))
				break;
		if (k == sizeof(cache_keys) / sizeof(cache_keys[0]))
			fail(p, o->pos, "unknown cache parameter %s (expected "
			     "line, colours, write, allocate, coherence or "
			     "asid)", found(p));
		if (seen & (1u << k))
			fail(p, o->pos, "repeated cache parameter '%s'",
			     cache_keys[k]);
		seen |= 1u << k;
		o->key = cache_keys[k];
		next(p);
		if (p->tok.kind != T_ASSIGN)
			fail(p, p->tok.pos, "expected '=' after '%s', found %s",
			     o->key, found(p));
		next_word(p);
		if (p->tok.kind != T_WORD || p->tok.pos.line != at.line)
			fail(p, p->tok.pos, "expected a value after '%s=', "
			     "found %s", o->key, found(p));
		o->value = tok_str(p);
		*p->ovr_tail = o;
		p->ovr_tail = &o->next;
		next(p);
	}
}

/* A kernel version: digits separated by single dots, e.g. 2.6.19. */
static int is_version(const struct token *t)
{
	size_t i;

	if (t->kind != T_WORD || t->text[0] == '.' ||
	    t->text[t->len - 1] == '.')
		return 0;
	for (i = 0; i < t->len; i++) {
		char c = t->text[i];

		if (c == '.' && t->text[i + 1] == '.')
			return 0;
		if (c != '.' && (c < '0' || c > '9'))
			return 0;
	}
	return 1;
}

/* on|off or any|none: the word after a two-valued setting. */
static const char *choice(struct parser *p, struct pos at, const char *name,
			  const char *a, const char *b)
{
	const char *s;

	next(p);
	if ((!at_kw(p, a) && !at_kw(p, b)) || p->tok.pos.line != at.line)
		fail(p, p->tok.pos, "expected '%s' or '%s' after '%s', "
		     "found %s", a, b, name, found(p));
	s = at_kw(p, a) ? a : b;
	next(p);
	return s;
}

/* One setting line; returns 0 at the init block or anything else. */
static int parse_setting(struct parser *p)
{
	struct scenario *sc = p->sc;
	struct pos at = p->tok.pos;

	if (p->tok.kind == T_INCLUDE) {
		parse_include(p);
		return 1;
	}
	if (p->tok.kind != T_IDENT)
		return 0;
	if (at_kw(p, "cache")) {
		set_once(p, &sc->cache, at, "cache");
		parse_cache(p, at);
	} else if (at_kw(p, "cpus")) {
		set_once(p, &sc->cpus, at, "cpus");
		next(p);
		if (p->tok.kind != T_NUM || p->tok.pos.line != at.line)
			fail(p, p->tok.pos, "expected a number after 'cpus', "
			     "found %s", found(p));
		if (p->tok.num < 1)
			fail(p, p->tok.pos, "cpus must be at least 1");
		sc->cpus.num = p->tok.num;
		next(p);
	} else if (at_kw(p, "preempt")) {
		set_once(p, &sc->preempt, at, "preempt");
		sc->preempt.str = choice(p, at, "preempt", "on", "off");
	} else if (at_kw(p, "evict")) {
		set_once(p, &sc->evict, at, "evict");
		sc->evict.str = choice(p, at, "evict", "any", "none");
	} else if (at_kw(p, "kernel")) {
		set_once(p, &sc->kernel, at, "kernel");
		next_word(p);
		if (!is_version(&p->tok) || p->tok.pos.line != at.line)
			fail(p, p->tok.pos, "expected a kernel version such "
			     "as 2.6.19 after 'kernel', found %s", found(p));
		sc->kernel.str = tok_str(p);
		next(p);
	} else if (at_kw(p, "fuse")) {
		set_once(p, &sc->fuse, at, "fuse");
		next_word(p);
		if (p->tok.kind != T_WORD || p->tok.pos.line != at.line)
			fail(p, p->tok.pos, "expected a strategy name after "
			     "'fuse', found %s", found(p));
		sc->fuse.str = tok_str(p);
		next(p);
	} else if (thread_number(&p->tok) >= 0 || peek(p)->kind == T_AT ||
		   at_type(p) || at_condition(p)) {
		fail(p, at, "expected the init block '{ ... }' before %s",
		     found(p));
	} else {
		fail(p, at, "unknown setting %s (expected cache, cpus, "
		     "preempt, evict, kernel, fuse or #include)", found(p));
	}
	end_of_line(p, at.line, "a setting");
	return 1;
}

static struct init *new_init(struct parser *p, enum init_kind k,
			     struct pos at)
{
	struct init *i = arena_alloc(p->a, sizeof(*i));

	i->kind = k;
	i->pos = at;
	*p->init_tail = i;
	p->init_tail = &i->next;
	return i;
}

/* page NAME; page NAME[N] file highmem; */
static void parse_page(struct parser *p, struct pos at)
{
	struct init *i = new_init(p, I_PAGE, at);

	next(p);
	i->name = expect_name(p, "a page name");
	i->count = 1;
	if (p->tok.kind == T_LBRACK) {
		struct pos nat;

		next(p);
		nat = p->tok.pos;
		i->count = expect_num(p, "page count in '[N]'");
		if (i->count < 1)
			fail(p, nat, "a page array needs at least one page");
		i->is_array = 1;
		expect(p, T_RBRACK, "']'", "after the page count");
	}
	while (p->tok.kind == T_IDENT) {
		int *attr = at_kw(p, "file") ? &i->file :
			    at_kw(p, "highmem") ? &i->highmem :
			    at_kw(p, "fuse") ? &i->fuse : NULL;

		if (attr == NULL)
			fail(p, p->tok.pos, "unknown page attribute %s "
			     "(expected file, highmem or fuse)", found(p));
		if (*attr)
			fail(p, p->tok.pos, "repeated page attribute %s",
			     found(p));
		*attr = 1;
		next(p);
	}
	expect(p, T_SEMI, "';'", "after the page declaration");
}

/* The arguments of map(PAGE, ...) after the '('. */
static void parse_map_args(struct parser *p, struct init *i)
{
	i->page = expect_name(p, "a page name in map()");
	if (p->tok.kind == T_LBRACK) {
		next(p);
		i->page_index = expect_num(p, "page index");
		expect(p, T_RBRACK, "']'", "after the page index");
	}
	while (p->tok.kind == T_COMMA) {
		struct pos at;

		next(p);
		at = p->tok.pos;
		if (at_kw(p, "shared")) {
			if (i->shared)
				fail(p, at, "'shared' given twice");
			i->shared = 1;
			next(p);
			continue;
		}
		if (at_kw(p, "late")) {
			if (i->late)
				fail(p, at, "'late' given twice");
			i->late = 1;
			next(p);
			continue;
		}
		if (at_kw(p, "exec")) {
			if (i->exec)
				fail(p, at, "'exec' given twice");
			i->exec = 1;
			next(p);
			continue;
		}
		if (at_kw(p, "lazy")) {
			if (i->lazy)
				fail(p, at, "'lazy' given twice");
			i->lazy = 1;
			next(p);
			continue;
		}
		if (i->how != MAP_ANY)
			fail(p, at, "map() takes one address or colour");
		if (p->tok.kind == T_NUM) {
			i->how = MAP_ADDR;
			i->addr = p->tok.num;
			next(p);
		} else if (at_kw(p, "after")) {
			next(p);
			expect(p, T_ASSIGN, "'='", "after 'after'");
			i->how = MAP_AFTER;
			i->after = expect_name(p, "a mapping name after 'after='");
		} else if (at_kw(p, "colour") || at_kw(p, "color")) {
			next(p);
			expect(p, T_ASSIGN, "'='", "after 'colour'");
			if (at_kw(p, "kernel")) {
				i->how = MAP_COLOUR_KERNEL;
				next(p);
			} else {
				i->how = MAP_COLOUR;
				i->colour = expect_num(p, "colour or 'kernel' "
						       "after 'colour='");
			}
		} else {
			fail(p, at, "expected an address, colour=C, "
			     "colour=kernel, after=NAME, shared or lazy in "
			     "map(), found %s",
			     found(p));
		}
	}
	expect(p, T_RPAREN, "')'", "to close map()");
}

/* PROC: int *NAME = map(...);  kernel: int *NAME = kmalloc(BYTES); */
static void parse_mapping(struct parser *p, struct pos at)
{
	int kernel = at_kw(p, "kernel");
	struct init *i = new_init(p, kernel ? I_KMALLOC : I_MAP, at);
	struct pos tat;

	i->proc = tok_str(p);
	next(p);
	next(p);	/* : */
	tat = p->tok.pos;
	if (!at_kw(p, "int") || full_type(p) != TY_INT_PTR)
		fail(p, tat, "expected 'int *' after '%s:'", i->proc);
	i->name = expect_name(p, "a pointer name");
	expect(p, T_ASSIGN, "'='", "after the pointer name");
	if (kernel) {
		if (!at_kw(p, "kmalloc"))
			fail(p, p->tok.pos, "a kernel buffer is made with "
			     "kmalloc(BYTES), found %s", found(p));
		next(p);
		expect(p, T_LPAREN, "'('", "after kmalloc");
		tat = p->tok.pos;
		i->bytes = expect_num(p, "byte count in kmalloc()");
		if (i->bytes < 1)
			fail(p, tat, "kmalloc needs at least one byte");
		expect(p, T_RPAREN, "')'", "to close kmalloc()");
	} else {
		if (!at_kw(p, "map"))
			fail(p, p->tok.pos, "a user pointer is made with "
			     "map(PAGE), found %s", found(p));
		next(p);
		expect(p, T_LPAREN, "'('", "after map");
		parse_map_args(p, i);
	}
	expect(p, T_SEMI, "';'", "after the declaration");
}

/* NAME[i] = V;  *NAME = V; */
static void parse_store(struct parser *p, struct pos at)
{
	struct init *i = new_init(p, I_STORE, at);
	int deref = p->tok.kind == T_STAR;

	if (deref)
		next(p);
	i->name = expect_name(p, "a pointer name");
	if (!deref) {
		expect(p, T_LBRACK, "'['", "after the pointer name");
		i->index = expect_num(p, "word index");
		expect(p, T_RBRACK, "']'", "after the index");
	}
	expect(p, T_ASSIGN, "'='", "in the initial value");
	i->value = expect_snum(p, "initial value");
	expect(p, T_SEMI, "';'", "after the initial value");
}

static void parse_init_block(struct parser *p)
{
	struct pos open = p->tok.pos;

	if (p->tok.kind != T_LBRACE)
		fail(p, p->tok.pos, "expected a setting or '{' to open the "
		     "init block, found %s", found(p));
	next(p);
	while (p->tok.kind != T_RBRACE) {
		struct pos at = p->tok.pos;
		enum tok k = p->tok.kind == T_IDENT ? peek(p)->kind : T_EOF;

		if (p->tok.kind == T_EOF)
			fail(p, at, "expected '}' to close the init block "
			     "opened at %d:%d, found end of file",
			     open.line, open.col);
		if (at_kw(p, "page") && k == T_IDENT)
			parse_page(p, at);
		else if (p->tok.kind == T_IDENT && k == T_COLON)
			parse_mapping(p, at);
		else if (p->tok.kind == T_STAR ||
			 (p->tok.kind == T_IDENT && k == T_LBRACK))
			parse_store(p, at);
		else
			fail(p, at, "expected 'page NAME;', 'PROC: int *NAME "
			     "= map(PAGE);', 'NAME[i] = V;' or '*NAME = V;' "
			     "in the init block, found %s", found(p));
	}
	next(p);
}

/* ---- top level ---- */

static int at_setting(struct parser *p)
{
	return at_kw(p, "cache") || at_kw(p, "cpus") || at_kw(p, "preempt") ||
	       at_kw(p, "evict") || at_kw(p, "kernel") || at_kw(p, "fuse");
}

/* Functions, threads, includes and the condition, to the end. */
static void parse_items(struct parser *p)
{
	while (p->tok.kind != T_EOF) {
		if (p->tok.kind == T_INCLUDE) {
			parse_include(p);
		} else if (at_type(p)) {
			parse_func(p);
		} else if (p->library) {
			fail(p, p->tok.pos, "a library file may contain only "
			     "#include lines and function definitions, "
			     "found %s", found(p));
		} else if (at_condition(p)) {
			parse_condition(p);
		} else if (at_setting(p)) {
			fail(p, p->tok.pos, "settings must come before the "
			     "init block, found %s", found(p));
		} else if (p->tok.kind == T_IDENT &&
			   (thread_number(&p->tok) >= 0 ||
			    peek(p)->kind == T_AT)) {
			parse_thread(p);
		} else {
			fail(p, p->tok.pos, "expected a function, a thread "
			     "P<n>@PROC or the condition, found %s", found(p));
		}
	}
}

static void parse_header(struct parser *p, size_t len)
{
	struct pos at = p->tok.pos;

	if (p->tok.kind == T_EOF && len == 0)
		fail(p, at, "empty file: expected 'C NAME'");
	if (!at_kw(p, "C"))
		fail(p, at, "expected 'C NAME' at the start of the file, "
		     "found %s", found(p));
	next_word(p);
	if (p->tok.kind != T_WORD || p->tok.pos.line != at.line)
		fail(p, p->tok.pos, "expected a test name after 'C', found %s",
		     found(p));
	p->sc->name = tok_str(p);
	next(p);
	end_of_line(p, at.line, "the test name");
}

/*
 * Parse one file's text with the parser's lexer swapped for a new one;
 * the including file's lexer and tokens come back afterwards.
 */
static void parse_source(struct parser *p, const char *path,
			 const char *text, size_t len, int library)
{
	struct lexer saved = p->lx;
	struct token tok = p->tok, ahead = p->ahead;
	int was_library = p->library, had_ahead = p->has_ahead;
	const char *file = arena_strndup(p->a, path, strlen(path));

	if (len > MAX_FILE) {
		struct pos at = { file, 1, 1 };

		fail(p, at, "file too large (over 1 MiB)");
	}
	lexer_init(&p->lx, file, text, len, !library);
	p->library = library;
	p->has_ahead = 0;
	next(p);
	if (!library) {
		p->sc->path = file;
		parse_header(p, len);
		while (parse_setting(p))
			;
		parse_init_block(p);
	}
	parse_items(p);
	if (!library) {
		p->sc->expect = p->lx.expect;
		p->sc->expect_pos = p->lx.expect_pos;
	}
	p->lx = saved;
	p->tok = tok;
	p->ahead = ahead;
	p->has_ahead = had_ahead;
	p->library = was_library;
}

static void parser_init(struct parser *p, struct scenario *sc,
			const char *const *libdirs, struct diag *err)
{
	struct func **ft = &sc->funcs;
	struct thread **tt = &sc->threads;
	struct init **it = &sc->inits;
	struct cache_override **ot = &sc->overrides;

	memset(p, 0, sizeof(*p));
	p->sc = sc;
	p->a = sc->arena;
	p->libdirs = libdirs;
	p->err = err != NULL ? err : &p->dummy;
	memset(p->err, 0, sizeof(*p->err));
	while (*ft != NULL)
		ft = &(*ft)->next;
	while (*tt != NULL)
		tt = &(*tt)->next;
	while (*it != NULL)
		it = &(*it)->next;
	while (*ot != NULL)
		ot = &(*ot)->next;
	p->func_tail = ft;
	p->thread_tail = tt;
	p->init_tail = it;
	p->ovr_tail = ot;
}

static struct scenario *new_scenario(void)
{
	struct arena *a = arena_new();
	struct scenario *sc = arena_alloc(a, sizeof(*sc));

	sc->arena = a;
	sc->quant = Q_NONE;
	sc->expect = EXPECT_NONE;
	return sc;
}

static void parse_root(struct parser *p, const char *name, const char *text,
		       size_t len, int from_file)
{
	const char *real;
	struct pos at = { name, 1, 1 };

	if (from_file)
		text = load(p, name, &len, at);
	real = real_path(p, name);
	push(p, &p->open, real != NULL ? real : name);
	parse_source(p, name, text, len, 0);
}

/* Kept apart from the callers so that no local lives across setjmp. */
static int run_scenario(struct parser *p, const char *name, const char *text,
			size_t len, int from_file)
{
	if (setjmp(p->fail) != 0)
		return -1;
	parse_root(p, name, text, len, from_file);
	return 0;
}

static struct scenario *parse_any(const char *name, const char *text,
				  size_t len, const char *const *libdirs,
				  struct diag *err, int from_file)
{
	struct scenario *sc = new_scenario();
	struct parser p;

	parser_init(&p, sc, libdirs, err);
	if (name == NULL)
		name = "<input>";
	if (run_scenario(&p, name, text, len, from_file) < 0) {
		arena_free(sc->arena);
		return NULL;
	}
	return sc;
}

struct scenario *parse_file(const char *path, const char *const *libdirs,
			    struct diag *err)
{
	return parse_any(path, NULL, 0, libdirs, err, 1);
}

struct scenario *parse_buffer(const char *name, const char *text, size_t len,
			      const char *const *libdirs, struct diag *err)
{
	return parse_any(name, text != NULL ? text : "",
			 text != NULL ? len : 0, libdirs, err, 0);
}

static void parse_lib_root(struct parser *p, const char *path)
{
	struct pos at = { path, 1, 1 };
	const char *real;
	char *text;
	size_t len;

	real = real_path(p, path);
	if (real == NULL)
		fail(p, at, "cannot open '%s': %s", path, strerror(errno));
	if (already_loaded(p, real))
		return;
	text = load(p, path, &len, at);
	push(p, &p->open, real);
	parse_source(p, path, text, len, 1);
}

static int run_library(struct parser *p, const char *path)
{
	if (setjmp(p->fail) != 0)
		return -1;
	parse_lib_root(p, path);
	return 0;
}

int parse_library(struct scenario *sc, const char *path,
		  const char *const *libdirs, struct diag *err)
{
	struct parser p;
	struct func **tail;

	parser_init(&p, sc, libdirs, err);
	tail = p.func_tail;
	/* Functions defined so far must clash with the library's. */
	for (struct func *f = sc->funcs; f != NULL; f = f->next)
		nameset_add(&p, f);
	if (run_library(&p, path) < 0) {
		/* Leave sc as it was: drop the functions added so far. */
		*tail = NULL;
		return -1;
	}
	return 0;
}

void scenario_free(struct scenario *sc)
{
	if (sc != NULL)
		arena_free(sc->arena);
}

void diag_print(const struct diag *d)
{
	fprintf(stderr, "%s:%d:%d: %s\n", d->file, d->pos.line, d->pos.col,
		d->msg);
}
