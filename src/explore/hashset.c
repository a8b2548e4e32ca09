/*
 * hashset.c - the visited-state set.  Slots are indices into a table
 * that doubles at 50% load, so a slot index changes on growth; callers
 * keep flags in the slot and look them up again after an insert.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "hashset.h"

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
	free(h->slots);
	free(h->arena);
	free(h->byid);
	free(h->lenbyid);
	memset(h, 0, sizeof(*h));
}

static void grow(struct hashset *h)
{
	size_t ncap = h->cap * 2, i, j;
	struct hslot *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		abort();
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
}

size_t hs_insert(struct hashset *h, const uint8_t *key, size_t len,
		 int *is_new)
{
	uint64_t hash = XXH3_64bits(key, len);
	size_t i;

	if (2 * (h->count + 1) > h->cap)
		grow(h);
	i = hash & (h->cap - 1);
	while (h->slots[i].off != 0) {
		if (h->slots[i].hash == hash && h->slots[i].len == len &&
		    memcmp(h->arena + h->slots[i].off, key, len) == 0) {
			*is_new = 0;
			return i;
		}
		i = (i + 1) & (h->cap - 1);
	}
	while (h->used + len > h->size) {
		h->size *= 2;
		h->arena = realloc(h->arena, h->size);
		if (h->arena == NULL)
			abort();
	}
	memcpy(h->arena + h->used, key, len);
	h->slots[i].hash = hash;
	h->slots[i].off = h->used;
	h->slots[i].len = (uint32_t)len;
	h->slots[i].flags = (uint32_t)h->count;
	if (h->count == h->idcap) {
		h->idcap = h->idcap ? 2 * h->idcap : 1024;
		h->byid = realloc(h->byid, sizeof(uint64_t) * h->idcap);
		h->lenbyid = realloc(h->lenbyid, sizeof(uint32_t) * h->idcap);
		if (h->byid == NULL || h->lenbyid == NULL)
			abort();
	}
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
