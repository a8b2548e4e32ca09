/*
 * hashset.c - the visited-state set.  Slots are indices into a table
 * that doubles at 50% load, so a slot index changes on growth; callers
 * keep flags in the slot and look them up again after an insert.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "hashset.h"
#include "membudget.h"

/* realloc within the memory budget: NULL (and p kept) when it is spent */
static void *resize(struct hashset *h, void *p, size_t old, size_t n)
{
	void *q;

	if (n > old && !mem_take(n - old))
		return NULL;
	q = realloc(p, n);
	if (q == NULL) {
		if (n > old)
			mem_give(n - old);
		return NULL;
	}
	h->reserved += n - old;
	return q;
}

void hs_init(struct hashset *h)
{
	memset(h, 0, sizeof(*h));
	h->cap = 1 << 10;
	h->slots = calloc(h->cap, sizeof(*h->slots));
	h->size = 1 << 14;
	h->arena = malloc(h->size);
	h->used = 8;		/* offset 0 means empty */
	if (h->slots == NULL || h->arena == NULL)
		abort();
}

void hs_free(struct hashset *h)
{
	mem_give(h->reserved);
	free(h->slots);
	free(h->arena);
	free(h->byid);
	free(h->lenbyid);
	memset(h, 0, sizeof(*h));
}

static int grow(struct hashset *h)
{
	size_t ncap = h->cap * 2, i, j;
	struct hslot *ns;

	if (!mem_take(ncap * sizeof(*ns)))
		return 0;
	ns = calloc(ncap, sizeof(*ns));
	if (ns == NULL) {
		mem_give(ncap * sizeof(*ns));
		return 0;
	}
	mem_give(h->cap * sizeof(*ns));
	h->reserved += (ncap - h->cap) * sizeof(*ns);
	for (i = 0; i < h->cap; i++) {
		if (h->slots[i].off == 0)
			continue;
		j = h->slots[i].hash & (ncap - 1);
		while (ns[j].off != 0)
			j = (j + 1) & (ncap - 1);
		ns[j] = h->slots[i];
	}
	free(h->slots);
	h->slots = ns;
	h->cap = ncap;
	return 1;
}

static size_t find(const struct hashset *h, uint64_t hash,
		   const uint8_t *key, size_t len, int *found)
{
	size_t i = hash & (h->cap - 1);

	*found = 0;
	while (h->slots[i].off != 0) {
		if (h->slots[i].hash == hash && h->slots[i].len == len &&
		    memcmp(h->arena + h->slots[i].off, key, len) == 0) {
			*found = 1;
			break;
		}
		i = (i + 1) & (h->cap - 1);
	}
	return i;
}

size_t hs_insert(struct hashset *h, const uint8_t *key, size_t len,
		 int *is_new)
{
	uint64_t hash = XXH3_64bits(key, len);
	size_t i = find(h, hash, key, len, is_new), n;
	void *a, *b;

	if (*is_new) {
		*is_new = 0;
		return i;
	}
	if (2 * (h->count + 1) > h->cap) {
		if (!grow(h))
			return HS_NOMEM;
		i = find(h, hash, key, len, is_new);
	}
	for (n = h->size; h->used + len > n;)
		n *= 2;
	if (n > h->size) {
		if ((a = resize(h, h->arena, h->size, n)) == NULL)
			return HS_NOMEM;
		h->arena = a;
		h->size = n;
	}
	if (h->count == h->idcap) {
		n = h->idcap ? 2 * h->idcap : 1024;
		a = resize(h, h->byid, sizeof(uint64_t) * h->idcap,
			   sizeof(uint64_t) * n);
		if (a == NULL)
			return HS_NOMEM;
		h->byid = a;
		b = resize(h, h->lenbyid, sizeof(uint32_t) * h->idcap,
			   sizeof(uint32_t) * n);
		if (b == NULL)
			return HS_NOMEM;
		h->lenbyid = b;
		h->idcap = n;
	}
	memcpy(h->arena + h->used, key, len);
	h->slots[i].hash = hash;
	h->slots[i].off = h->used;
	h->slots[i].len = (uint32_t)len;
	h->slots[i].flags = (uint32_t)h->count;
	h->byid[h->count] = h->used;
	h->lenbyid[h->count] = (uint32_t)len;
	h->used += len;
	h->count++;
	*is_new = 1;
	return i;
}

const uint8_t *hs_key(const struct hashset *h, size_t slot, size_t *len)
{
	*len = h->slots[slot].len;
	return h->arena + h->slots[slot].off;
}

const uint8_t *hs_by_id(const struct hashset *h, uint32_t id, size_t *len)
{
	*len = h->lenbyid[id];
	return h->arena + h->byid[id];
}

size_t hs_bytes(const struct hashset *h)
{
	return h->cap * sizeof(struct hslot) + h->used +
	       h->idcap * (sizeof(uint64_t) + sizeof(uint32_t));
}
