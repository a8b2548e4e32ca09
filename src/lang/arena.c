/*
 * arena.c - bump allocator that owns every node and string of a scenario.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

/*
 * Chunks are chained so that a scenario is freed in one sweep.  The
 * default size fits a typical litmus file's whole tree in one chunk;
 * larger requests get a chunk of their own.
 */
enum { ARENA_CHUNK = 64 * 1024, ARENA_ALIGN = 16 };

struct chunk {
	struct chunk *next;
	size_t size;			/* usable bytes after the header */
	size_t used;
	/* max_align_t keeps the data after the header aligned */
	max_align_t data[];
};

struct arena {
	struct chunk *head;
};

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c = malloc(sizeof(*c) + size);

	if (c == NULL)
		abort();
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *arena_new(void)
{
	struct arena *a = malloc(sizeof(*a));

	if (a == NULL)
		abort();
	a->head = NULL;
	return a;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	void *p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - 2 * ARENA_ALIGN - ARENA_CHUNK)
		abort();
	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (c == NULL || c->size - c->used < n) {
		c = chunk_new(n > ARENA_CHUNK ? n : ARENA_CHUNK);
		/*
		 * An oversized chunk goes behind the head so that the
		 * head's remaining space is not wasted.
		 */
		if (a->head != NULL && n > ARENA_CHUNK) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);

	if (n > 0)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}
