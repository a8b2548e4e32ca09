/*
 * cset.h - a set of byte strings several threads share: the visited
 * states of the parallel search, and the component tables of the state
 * codec.  Each string gets a number (its id) that never changes, and
 * two words of atomic scratch space the caller may use.
 */
#ifndef STALE_CSET_H
#define STALE_CSET_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define CSET_NOMEM	UINT32_MAX	/* the memory budget is spent */

struct cset;

/* 2^shard_bits shards, each with its own lock and table. */
struct cset *cset_new(int shard_bits);
void cset_free(struct cset *s);

/* Insert (or find) key; returns its id, or CSET_NOMEM. */
uint32_t cset_insert(struct cset *s, const uint8_t *key, size_t len,
		     int *is_new);
/* The same, with the key's stored copy and its two words, without a
 * second lookup by id. */
uint32_t cset_insert_at(struct cset *s, const uint8_t *key, size_t len,
			int *is_new, const uint8_t **stored,
			_Atomic uint32_t **aux);
const uint8_t *cset_key(const struct cset *s, uint32_t id, size_t *len);
/* Two words per id, zero at first, for the caller. */
_Atomic uint32_t *cset_aux(const struct cset *s, uint32_t id);
size_t cset_count(const struct cset *s);
size_t cset_bytes(const struct cset *s);

#endif
