/*
 * cset.c - the shared set.  The strings are split into shards by hash;
 * each shard has an open-addressing table of 64-bit slots and a lock.  A
 * slot holds 16 bits of the hash and the address of the string's record
 * (its length, id, the caller's words, then the bytes), so a lookup that
 * finds the string touches two cache lines, as the sequential hashset.  A lookup reads the table without
 * the lock: a slot is published with a release store after the string
 * and its id entry are written, so a reader that sees it sees them.  A
 * lookup that misses takes the lock and looks again in the current
 * table, because the shard may have grown meanwhile; only then is the
 * string added.  A grown table replaces the old one, which is kept until
 * the set is freed, since a reader may still be probing it.  The strings
 * live in arena chunks that never move, and ids index a two-level array,
 * so ids and string addresses stay valid while the set grows.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cset.h"
#include "membudget.h"

#define CHUNK_BITS	14		/* ids per entry chunk */
#define DIR_SIZE	(1u << 18)	/* chunks: 2^32 ids */
#define ARENA_FIRST	(1u << 12)	/* a shard's first chunk; they double */
#define ARENA_MAX	(1u << 20)

struct record {
	uint32_t len;
	uint32_t id;
	_Atomic uint32_t aux[2];
	uint8_t key[];
};

struct entry {
	struct record *rec;
};

#define PTR_BITS	48		/* user addresses of x86-64, arm64 */
#define PTR_MASK	(((uint64_t)1 << PTR_BITS) - 1)

struct table {
	struct table *older;
	size_t cap;
	_Atomic uint64_t slot[];
};

struct shard {
	pthread_mutex_t lock;
	struct table *_Atomic tab;
	size_t count;			/* under lock, as all below */
	uint8_t *arena;
	size_t used, size;
	void *chunks;			/* arena chunks, linked by first word */
	char pad[64];			/* keep shards' locks apart */
};

struct cset {
	int bits;
	struct shard *sh;
	struct entry *_Atomic *dir;
	_Atomic uint32_t ndir;		/* chunks below this may be in use */
	_Atomic size_t bytes;
};

static void *take(struct cset *s, size_t n)
{
	void *p;

	if (!mem_take(n))
		return NULL;
	p = calloc(1, n);
	if (p == NULL) {
		mem_give(n);
		return NULL;
	}
	atomic_fetch_add(&s->bytes, n);
	return p;
}

static struct table *table_new(struct cset *s, size_t cap)
{
	struct table *t = take(s, sizeof(*t) + cap * sizeof(uint64_t));

	if (t != NULL)
		t->cap = cap;
	return t;
}

struct cset *cset_new(int shard_bits)
{
	struct cset *s = calloc(1, sizeof(*s));
	size_t i, n = (size_t)1 << shard_bits;

	if (s == NULL)
		return NULL;
	s->bits = shard_bits;
	s->sh = calloc(n, sizeof(*s->sh));
	s->dir = calloc(DIR_SIZE, sizeof(*s->dir));
	if (s->sh == NULL || s->dir == NULL) {
		free(s->sh);
		free(s->dir);
		free(s);
		return NULL;
	}
	for (i = 0; i < n; i++)
		pthread_mutex_init(&s->sh[i].lock, NULL);
	return s;
}

void cset_free(struct cset *s)
{
	size_t i, n;

	if (s == NULL)
		return;
	n = (size_t)1 << s->bits;
	for (i = 0; i < n; i++) {
		struct table *t = atomic_load(&s->sh[i].tab), *o;
		void *c = s->sh[i].chunks, *next;

		for (; t != NULL; t = o) {
			o = t->older;
			free(t);
		}
		for (; c != NULL; c = next) {
			memcpy(&next, c, sizeof(next));
			free(c);
		}
		pthread_mutex_destroy(&s->sh[i].lock);
	}
	/* only the used part: the rest of dir was never touched */
	for (i = 0; i < atomic_load(&s->ndir); i++)
		free(atomic_load(&s->dir[i]));
	mem_give(atomic_load(&s->bytes));
	free(s->dir);
	free(s->sh);
	free(s);
}

static struct entry *entry_at(const struct cset *s, uint32_t id)
{
	struct entry *c = atomic_load_explicit(&s->dir[id >> CHUNK_BITS],
					       memory_order_acquire);

	return &c[id & ((1u << CHUNK_BITS) - 1)];
}

/* The entry of a new id, allocating its chunk (other shards may race). */
static struct entry *entry_new(struct cset *s, uint32_t id)
{
	struct entry *_Atomic *d = &s->dir[id >> CHUNK_BITS];
	struct entry *c = atomic_load_explicit(d, memory_order_acquire), *none;

	if (c == NULL) {
		uint32_t want = (id >> CHUNK_BITS) + 1, had = atomic_load(&s->ndir);

		while (had < want &&
		       !atomic_compare_exchange_weak(&s->ndir, &had, want))
			;
		c = take(s, sizeof(struct entry) << CHUNK_BITS);
		if (c == NULL)
			return NULL;
		none = NULL;
		if (!atomic_compare_exchange_strong(d, &none, c)) {
			free(c);
			atomic_fetch_sub(&s->bytes,
					 sizeof(struct entry) << CHUNK_BITS);
			mem_give(sizeof(struct entry) << CHUNK_BITS);
			c = none;
		}
	}
	return &c[id & ((1u << CHUNK_BITS) - 1)];
}

static struct record *rec_of(uint64_t v)
{
	return (struct record *)(uintptr_t)(v & PTR_MASK);
}

/*
 * Look key up in t from slot *at on: its record, or NULL with *at the
 * empty slot that ends the probe.  Slot index from the high half of the hash (the low bits chose
 * the shard), so a grown table can be filled from the slots alone.
 */
static struct record *probe(const struct table *t, uint32_t tag,
			     const uint8_t *key, uint32_t len, size_t *at)
{
	size_t i = *at;
	uint64_t v;

	for (;;) {
		v = atomic_load_explicit(&t->slot[i], memory_order_acquire);
		if (v == 0) {
			*at = i;
			return NULL;
		}
		if ((v >> PTR_BITS) == tag >> 16) {
			struct record *r = rec_of(v);

			if (r->len == len && memcmp(r->key, key, len) == 0)
				return r;
		}
		i = (i + 1) & (t->cap - 1);
	}
}

static int grow(struct cset *s, struct shard *h)
{
	struct table *o = atomic_load_explicit(&h->tab, memory_order_relaxed);
	struct table *t = table_new(s, o ? 2 * o->cap : 64);
	size_t i, j;

	if (t == NULL)
		return 0;
	for (i = 0; o != NULL && i < o->cap; i++) {
		uint64_t v = atomic_load_explicit(&o->slot[i],
						  memory_order_relaxed);

		if (v == 0)
			continue;
		j = XXH3_64bits(rec_of(v)->key, rec_of(v)->len) >> 32 &
		    (t->cap - 1);
		while (atomic_load_explicit(&t->slot[j], memory_order_relaxed))
			j = (j + 1) & (t->cap - 1);
		atomic_store_explicit(&t->slot[j], v, memory_order_relaxed);
	}
	t->older = o;
	atomic_store_explicit(&h->tab, t, memory_order_release);
	return 1;
}

/* Copy the key into a record in the shard's arena. */
static struct record *keep(struct cset *s, struct shard *h,
			   const uint8_t *key, uint32_t len, uint32_t id)
{
	size_t need = (sizeof(struct record) + len + 7) & ~(size_t)7;
	struct record *k;

	if (h->used + need > h->size) {
		size_t sz = h->size ? 2 * h->size : ARENA_FIRST;

		if (sz > ARENA_MAX)
			sz = ARENA_MAX;
		if (sz < need + sizeof(void *))
			sz = need + sizeof(void *);
		uint8_t *c = take(s, sz);

		/* records are 8-aligned: chunks start with the link */

		if (c == NULL)
			return NULL;
		memcpy(c, &h->chunks, sizeof(void *));
		h->chunks = c;
		h->arena = c;
		h->used = sizeof(void *);
		h->size = sz;
	}
	k = (struct record *)(h->arena + h->used);
	k->len = len;
	k->id = id;
	memcpy(k->key, key, len);
	h->used += need;
	return k;
}

/*
 * Under the lock.  seen, at: the table the lock-free lookup searched and
 * the empty slot it ended at.  Slots are never emptied, so if the table
 * is still seen, the key can only be at or after at.
 */
static struct record *add(struct cset *s, struct shard *h, uint32_t tag,
			   const uint8_t *key, uint32_t len, int *is_new,
			   const struct table *seen, size_t at)
{
	struct table *t = atomic_load_explicit(&h->tab, memory_order_relaxed);
	uint32_t id = (uint32_t)(((h->count) << s->bits) + (size_t)(h - s->sh));
	struct record *r;
	struct entry *e;

	if (t != NULL) {
		if (t != seen)
			at = tag & (t->cap - 1);
		r = probe(t, tag, key, len, &at);
		if (r != NULL)
			return r;
	}
	if (((h->count + 1) << s->bits) >= CSET_NOMEM - 1)
		return NULL;
	if (t == NULL || 2 * (h->count + 1) > t->cap) {
		if (!grow(s, h))
			return NULL;
		t = atomic_load_explicit(&h->tab, memory_order_relaxed);
		at = tag & (t->cap - 1);
		probe(t, tag, key, len, &at);
	}
	e = entry_new(s, id);
	if (e == NULL || (e->rec = keep(s, h, key, len, id)) == NULL)
		return NULL;
	h->count++;
	atomic_store_explicit(&t->slot[at], ((uint64_t)(tag >> 16) << PTR_BITS) |
			      (uint64_t)(uintptr_t)e->rec, memory_order_release);
	*is_new = 1;
	return e->rec;
}

uint32_t cset_insert_at(struct cset *s, const uint8_t *key, size_t len,
			int *is_new, const uint8_t **stored,
			_Atomic uint32_t **aux)
{
	uint64_t hash = XXH3_64bits(key, len);
	struct shard *h = &s->sh[hash & (((uint64_t)1 << s->bits) - 1)];
	uint32_t tag = (uint32_t)(hash >> 32);
	struct table *t = atomic_load_explicit(&h->tab, memory_order_acquire);
	struct record *r = NULL;
	size_t at = 0;

	*is_new = 0;
	if (t != NULL) {
		at = tag & (t->cap - 1);
		r = probe(t, tag, key, (uint32_t)len, &at);
	}
	if (r == NULL) {
		pthread_mutex_lock(&h->lock);
		r = add(s, h, tag, key, (uint32_t)len, is_new, t, at);
		pthread_mutex_unlock(&h->lock);
		if (r == NULL)
			return CSET_NOMEM;
	}
	if (stored != NULL)
		*stored = r->key;
	if (aux != NULL)
		*aux = r->aux;
	return r->id;
}

uint32_t cset_insert(struct cset *s, const uint8_t *key, size_t len,
		     int *is_new)
{
	return cset_insert_at(s, key, len, is_new, NULL, NULL);
}

const uint8_t *cset_key(const struct cset *s, uint32_t id, size_t *len)
{
	const struct record *r = entry_at(s, id)->rec;

	*len = r->len;
	return r->key;
}

_Atomic uint32_t *cset_aux(const struct cset *s, uint32_t id)
{
	return entry_at(s, id)->rec->aux;
}

size_t cset_count(const struct cset *s)
{
	size_t i, n = 0;

	for (i = 0; i < ((size_t)1 << s->bits); i++) {
		pthread_mutex_lock(&s->sh[i].lock);
		n += s->sh[i].count;
		pthread_mutex_unlock(&s->sh[i].lock);
	}
	return n;
}

size_t cset_bytes(const struct cset *s)
{
	return atomic_load(&s->bytes);
}
