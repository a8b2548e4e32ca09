/*
 * hashset.h - a set of byte strings (encoded states or outcomes): open
 * addressing over XXH3 hashes, the strings themselves kept in one arena
 * so that membership is exact.
 */
#ifndef STALE_HASHSET_H
#define STALE_HASHSET_H

#include <stddef.h>
#include <stdint.h>

struct hslot {
	uint64_t hash;
	uint64_t off;		/* into the arena; 0 = empty */
	uint32_t len;
	uint32_t flags;		/* id (insertion order) | HS_MARK */
};

#define HS_MARK		0x80000000u	/* a bit the caller may use */
#define HS_ID(f)	((f) & ~HS_MARK)

struct hashset {
	struct hslot *slots;
	size_t cap, count;
	uint8_t *arena;
	size_t used, size;
	uint64_t *byid;		/* arena offset of each id */
	uint32_t *lenbyid;
	size_t idcap;
	size_t reserved;	/* bytes of the memory budget held */
};

#define HS_NOMEM	((size_t)-1)	/* hs_insert: the budget is spent */

void hs_init(struct hashset *h);
void hs_free(struct hashset *h);
/* Insert; returns the slot index and sets *is_new, or HS_NOMEM. */
size_t hs_insert(struct hashset *h, const uint8_t *key, size_t len,
		 int *is_new);
const uint8_t *hs_key(const struct hashset *h, size_t slot, size_t *len);
/* The string with a given id (ids count insertions from 0). */
const uint8_t *hs_by_id(const struct hashset *h, uint32_t id, size_t *len);
size_t hs_bytes(const struct hashset *h);

#endif
