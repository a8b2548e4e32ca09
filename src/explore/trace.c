/*
 * trace.c - the growable text of a witness execution.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ctx.h"

void trace_printf(struct trace *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = t->cap - t->len;

		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL,
			      t->buf ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->buf != NULL && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap ? 2 * t->cap + (size_t)n : 4096 + (size_t)n;
		t->buf = realloc(t->buf, t->cap);
		if (t->buf == NULL)
			abort();
	}
}

void trace_free(struct trace *t)
{
	free(t->buf);
	t->buf = NULL;
	t->len = t->cap = 0;
}
