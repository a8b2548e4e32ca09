/*
 * lexer.h - tokens of the litmus language, with positions.
 */
#ifndef STALE_LEXER_H
#define STALE_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "ast.h"

enum tok {
	T_EOF,
	T_ERROR,			/* lexer.msg says why */
	T_IDENT,
	T_NUM,				/* num */
	T_WORD,				/* by lexer_next_word() */
	T_STRING,			/* "..." (text without the quotes) */
	T_INCLUDE,			/* #include */
	T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK,
	T_SEMI, T_COMMA, T_COLON, T_AT,
	T_ASSIGN,			/* = */
	T_OP_ASSIGN,			/* += -= ... (op) */
	T_INC, T_DEC,			/* ++ -- */
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_SHL, T_SHR,
	T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT,
	T_AMP, T_LAND, T_PIPE, T_LOR, T_CARET, T_BANG, T_TILDE,
	T_CONJ,				/* /\ */
	T_DISJ,				/* \/ */
};

struct token {
	enum tok kind;
	struct pos pos;
	const char *text;		/* into the source; not terminated */
	size_t len;
	int64_t num;			/* T_NUM */
	enum op op;			/* T_OP_ASSIGN */
};

struct lexer {
	const char *src;
	size_t len;
	size_t off;
	int line, col;
	const char *file;		/* arena-owned; goes into every pos */

	/*
	 * Inside function and thread bodies "(*" is C's "( *", as in
	 * READ_ONCE(*x), unless a blank or '*' follows it; the parser
	 * sets this while it reads a body.
	 */
	int code;

	/* Look for `Result:` in comments (scenario files, not libraries). */
	int want_result;
	enum expect expect;
	struct pos expect_pos;

	char msg[200];			/* why the last T_ERROR */
};

void lexer_init(struct lexer *lx, const char *file, const char *src,
		size_t len, int want_result);

/* The next token; T_ERROR leaves a message in lx->msg. */
struct token lexer_next(struct lexer *lx);

/*
 * The next token read as a word of [A-Za-z0-9_.+-] (a test name, a
 * kernel version, a strategy, a cache override value), for the few
 * places where the grammar wants one.
 */
struct token lexer_next_word(struct lexer *lx);

/* "';'", "identifier 'x'", "end of file", ... for messages. */
void token_describe(const struct token *t, char *buf, size_t size);

#endif
