/*
 * lexer.c - bytes to tokens, comments and `Result:` lines of a litmus file.
 */
#include <stdio.h>
#include <string.h>

#include "lexer.h"

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_ident(int c)
{
	return is_alpha(c) || is_digit(c);
}

static int is_word(int c)
{
	return is_ident(c) || c == '.' || c == '+' || c == '-';
}

static int hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void lexer_init(struct lexer *lx, const char *file, const char *src,
		size_t len, int want_result)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->len = len;
	lx->line = 1;
	lx->col = 1;
	lx->file = file;
	lx->want_result = want_result;
	lx->expect = EXPECT_NONE;
}

/* The byte at off + k, or -1 past the end (so NUL stays a real byte). */
static int at(const struct lexer *lx, size_t k)
{
	if (lx->off + k >= lx->len)
		return -1;
	return (unsigned char)lx->src[lx->off + k];
}

static void bump(struct lexer *lx)
{
	if (lx->src[lx->off] == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->off++;
}

static struct pos here(const struct lexer *lx)
{
	struct pos p = { lx->file, lx->line, lx->col };

	return p;
}

static struct token error_at(struct lexer *lx, struct pos p, const char *msg)
{
	struct token t;

	memset(&t, 0, sizeof(t));
	t.kind = T_ERROR;
	t.pos = p;
	t.text = lx->src + lx->off;
	snprintf(lx->msg, sizeof(lx->msg), "%s", msg);
	return t;
}

static struct token bad_byte(struct lexer *lx, int c, const char *where)
{
	char buf[80];

	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, sizeof(buf), "unexpected character '%c'%s", c,
			 where);
	else
		snprintf(buf, sizeof(buf), "invalid byte 0x%02x%s", c, where);
	return error_at(lx, here(lx), buf);
}

/*
 * `Result: W` inside a comment states the expected observation.  The
 * lexer is at the 'R'; on return it has consumed nothing, so that the
 * comment walk keeps counting lines and columns.
 */
static int scan_result(struct lexer *lx, struct token *err)
{
	static const char *const names[] = {
		[EXPECT_ALWAYS] = "Always",
		[EXPECT_SOMETIMES] = "Sometimes",
		[EXPECT_NEVER] = "Never",
	};
	struct pos rp = here(lx);
	struct pos wp = rp;
	size_t k = 7, n = 0;
	int e;
	char buf[120];

	wp.col += 7;
	while (at(lx, k) == ' ' || at(lx, k) == '\t') {
		k++;
		wp.col++;
	}
	while (at(lx, k + n) >= 0 && is_alpha(at(lx, k + n)))
		n++;
	if (n == 0) {
		*err = error_at(lx, wp,
			"expected Always, Sometimes or Never after 'Result:'");
		return -1;
	}
	for (e = EXPECT_ALWAYS; e <= EXPECT_NEVER; e++)
		if (strlen(names[e]) == n &&
		    memcmp(lx->src + lx->off + k, names[e], n) == 0)
			break;
	if (e > EXPECT_NEVER) {
		snprintf(buf, sizeof(buf),
			 "unknown Result '%.*s': expected Always, Sometimes "
			 "or Never",
			 (int)(n > 40 ? 40 : n), lx->src + lx->off + k);
		*err = error_at(lx, wp, buf);
		return -1;
	}
	if (lx->expect != EXPECT_NONE) {
		snprintf(buf, sizeof(buf),
			 "second 'Result:' (the first is at %d:%d)",
			 lx->expect_pos.line, lx->expect_pos.col);
		*err = error_at(lx, rp, buf);
		return -1;
	}
	lx->expect = (enum expect)e;
	lx->expect_pos = rp;
	return 0;
}

/*
 * Walk a comment body of n bytes, which the caller has checked is
 * terminated, keeping positions right and looking for `Result:`.
 */
static int walk_comment(struct lexer *lx, size_t n, struct token *err)
{
	size_t end = lx->off + n;

	while (lx->off < end) {
		int c = at(lx, 0);

		if (c == 0) {
			*err = bad_byte(lx, c, " in comment");
			return -1;
		}
		if (lx->want_result && c == 'R' &&
		    end - lx->off >= 7 &&
		    memcmp(lx->src + lx->off, "Result:", 7) == 0 &&
		    (lx->off == 0 || !is_ident(lx->src[lx->off - 1])) &&
		    scan_result(lx, err) < 0)
			return -1;
		bump(lx);
	}
	return 0;
}

/* A block comment, opened by "(" or "/" then "*", at the lexer. */
static int block_comment(struct lexer *lx, struct token *err)
{
	struct pos start = here(lx);
	char open = lx->src[lx->off];
	size_t k;

	for (k = 2; lx->off + k + 1 < lx->len; k++)
		if (lx->src[lx->off + k] == '*' &&
		    lx->src[lx->off + k + 1] == (open == '(' ? ')' : '/'))
			break;
	if (lx->off + k + 1 >= lx->len) {
		*err = error_at(lx, start, "unterminated comment");
		return -1;
	}
	bump(lx);
	bump(lx);
	if (walk_comment(lx, k - 2, err) < 0)
		return -1;
	bump(lx);
	bump(lx);
	return 0;
}

static int line_comment(struct lexer *lx, struct token *err)
{
	size_t n = 2;

	while (lx->off + n < lx->len && lx->src[lx->off + n] != '\n')
		n++;
	return walk_comment(lx, n, err);
}

/*
 * Whether the "(*" at the lexer opens a comment.  In code, herd7 and C
 * read "(*p)" as a dereference; a comment there is written "(* text *)"
 * with a blank after the star (or "(**").
 */
static int opens_comment(const struct lexer *lx)
{
	int e = at(lx, 2);

	return !lx->code || e < 0 || e == ' ' || e == '\t' || e == '\n' ||
	       e == '\r' || e == '*';
}

/* Skip white space and comments; -1 with *err on a bad comment. */
static int skip_space(struct lexer *lx, struct token *err)
{
	for (;;) {
		int c = at(lx, 0), d = at(lx, 1);

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			bump(lx);
		} else if ((c == '(' && d == '*' && opens_comment(lx)) ||
			   (c == '/' && d == '*')) {
			if (block_comment(lx, err) < 0)
				return -1;
		} else if (c == '/' && d == '/') {
			if (line_comment(lx, err) < 0)
				return -1;
		} else {
			return 0;
		}
	}
}

static struct token make(struct lexer *lx, enum tok kind, struct pos p,
			 size_t start, size_t n)
{
	struct token t;
	size_t i;

	memset(&t, 0, sizeof(t));
	t.kind = kind;
	t.pos = p;
	t.text = lx->src + start;
	t.len = n;
	for (i = 0; i < n; i++)
		bump(lx);
	return t;
}

static struct token number(struct lexer *lx)
{
	struct pos p = here(lx);
	size_t start = lx->off, n = 0;
	uint64_t v = 0;
	int base = 10, overflow = 0, d;
	struct token t;

	if (at(lx, 0) == '0' && (at(lx, 1) == 'x' || at(lx, 1) == 'X')) {
		base = 16;
		n = 2;
		if (at(lx, n) < 0 || hex_value(at(lx, n)) < 0) {
			bump(lx);
			bump(lx);
			return error_at(lx, here(lx),
					"expected hex digits after '0x'");
		}
	} else if (at(lx, 0) == '0' && at(lx, 1) >= 0 && is_digit(at(lx, 1))) {
		return error_at(lx, p, "octal literals are not supported");
	}
	for (;; n++) {
		int c = at(lx, n);

		if (c < 0)
			break;
		d = base == 16 ? hex_value(c) : (is_digit(c) ? c - '0' : -1);
		if (d < 0)
			break;
		if (v > (uint64_t)(INT64_MAX - d) / (uint64_t)base)
			overflow = 1;
		else
			v = v * (uint64_t)base + (uint64_t)d;
	}
	if (overflow)
		return error_at(lx, p, "integer literal out of range");
	if (at(lx, n) >= 0 && is_ident(at(lx, n))) {
		char buf[80];
		size_t i;

		for (i = 0; i < n; i++)
			bump(lx);
		snprintf(buf, sizeof(buf),
			 "invalid character '%c' in integer literal",
			 at(lx, 0));
		return error_at(lx, here(lx), buf);
	}
	t = make(lx, T_NUM, p, start, n);
	t.num = (int64_t)v;
	return t;
}

/* `#include` with optional blanks after the '#', as C allows. */
static struct token directive(struct lexer *lx)
{
	struct pos p = here(lx);
	size_t start = lx->off, k = 1, n;

	while (at(lx, k) == ' ' || at(lx, k) == '\t')
		k++;
	for (n = 0; at(lx, k + n) >= 0 && is_ident(at(lx, k + n)); n++)
		;
	if (n != 7 || memcmp(lx->src + lx->off + k, "include", 7) != 0)
		return error_at(lx, p, "'#' must begin '#include'");
	return make(lx, T_INCLUDE, p, start, k + n);
}

static struct token string(struct lexer *lx)
{
	struct pos p = here(lx);
	size_t n = 1;
	struct token t;

	for (;;) {
		int c = at(lx, n);

		if (c == '"')
			break;
		if (c < 0x20 || c >= 0x7f)
			return error_at(lx, p, "unterminated string");
		n++;
	}
	t = make(lx, T_STRING, p, lx->off, n + 1);
	t.text++;
	t.len -= 2;
	return t;
}

struct punct {
	const char *s;
	enum tok kind;
	enum op op;
};

/* Longest first, so that "<<=" wins over "<<" and "<". */
static const struct punct puncts[] = {
	{ "<<=", T_OP_ASSIGN, OP_SHL }, { ">>=", T_OP_ASSIGN, OP_SHR },
	{ "/\\", T_CONJ, 0 }, { "\\/", T_DISJ, 0 },
	{ "==", T_EQ, 0 }, { "!=", T_NE, 0 }, { "<=", T_LE, 0 },
	{ ">=", T_GE, 0 }, { "<<", T_SHL, 0 }, { ">>", T_SHR, 0 },
	{ "&&", T_LAND, 0 }, { "||", T_LOR, 0 },
	{ "++", T_INC, 0 }, { "--", T_DEC, 0 },
	{ "+=", T_OP_ASSIGN, OP_ADD }, { "-=", T_OP_ASSIGN, OP_SUB },
	{ "*=", T_OP_ASSIGN, OP_MUL }, { "/=", T_OP_ASSIGN, OP_DIV },
	{ "%=", T_OP_ASSIGN, OP_MOD }, { "&=", T_OP_ASSIGN, OP_AND },
	{ "|=", T_OP_ASSIGN, OP_OR }, { "^=", T_OP_ASSIGN, OP_XOR },
	{ "(", T_LPAREN, 0 }, { ")", T_RPAREN, 0 }, { "{", T_LBRACE, 0 },
	{ "}", T_RBRACE, 0 }, { "[", T_LBRACK, 0 }, { "]", T_RBRACK, 0 },
	{ ";", T_SEMI, 0 }, { ",", T_COMMA, 0 }, { ":", T_COLON, 0 },
	{ "@", T_AT, 0 }, { "=", T_ASSIGN, 0 }, { "<", T_LT, 0 },
	{ ">", T_GT, 0 }, { "+", T_PLUS, 0 }, { "-", T_MINUS, 0 },
	{ "*", T_STAR, 0 }, { "/", T_SLASH, 0 }, { "%", T_PERCENT, 0 },
	{ "&", T_AMP, 0 }, { "|", T_PIPE, 0 }, { "^", T_CARET, 0 },
	{ "!", T_BANG, 0 }, { "~", T_TILDE, 0 },
};

struct token lexer_next(struct lexer *lx)
{
	struct token err;
	size_t i, n;
	int c;

	if (skip_space(lx, &err) < 0)
		return err;
	c = at(lx, 0);
	if (c < 0)
		return make(lx, T_EOF, here(lx), lx->off, 0);
	if (is_alpha(c)) {
		for (n = 1; at(lx, n) >= 0 && is_ident(at(lx, n)); n++)
			;
		return make(lx, T_IDENT, here(lx), lx->off, n);
	}
	if (is_digit(c))
		return number(lx);
	if (c == '#')
		return directive(lx);
	if (c == '"')
		return string(lx);
	for (i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
		n = strlen(puncts[i].s);
		if (lx->len - lx->off >= n &&
		    memcmp(lx->src + lx->off, puncts[i].s, n) == 0) {
			struct token t = make(lx, puncts[i].kind, here(lx),
					      lx->off, n);

			t.op = puncts[i].op;
			return t;
		}
	}
	return bad_byte(lx, c, "");
}

struct token lexer_next_word(struct lexer *lx)
{
	struct token err;
	size_t n;

	if (skip_space(lx, &err) < 0)
		return err;
	for (n = 0; at(lx, n) >= 0 && is_word(at(lx, n)); n++)
		;
	if (n == 0)
		return lexer_next(lx);
	return make(lx, T_WORD, here(lx), lx->off, n);
}

void token_describe(const struct token *t, char *buf, size_t size)
{
	int n = t->len > 32 ? 32 : (int)t->len;
	const char *more = t->len > 32 ? "..." : "";

	switch (t->kind) {
	case T_EOF:
		snprintf(buf, size, "end of file");
		break;
	case T_ERROR:
		snprintf(buf, size, "an invalid token");
		break;
	case T_STRING:
		snprintf(buf, size, "\"%.*s%s\"", n, t->text, more);
		break;
	case T_INCLUDE:
		snprintf(buf, size, "'#include'");
		break;
	default:
		snprintf(buf, size, "'%.*s%s'", n, t->text, more);
		break;
	}
}
