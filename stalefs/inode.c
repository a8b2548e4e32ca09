/*
 * inode.c - passthrough's inode table: node ids to O_PATH fds.
 * Node ids are slot numbers with a generation, so a hostile id is caught.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "inode.h"

struct slot {
	struct pt_inode *i;
	uint64_t gen;
	size_t next_free;	/* free list link, 0 ends it */
};

struct pt_itable {
	pthread_mutex_t lock;
	struct slot *slots;
	size_t nslots;
	size_t free_head;	/* 0: none (slot 0 is never used) */
	size_t used;		/* slots handed out, next fresh one */
	struct pt_inode **hash;
	size_t nbuckets;
	size_t count;
};

static size_t hash_of(dev_t dev, ino_t ino, size_t nb)
{
	uint64_t x = (uint64_t)ino * 0x9e3779b97f4a7c15ULL ^ (uint64_t)dev;

	x ^= x >> 29;
	return (size_t)(x & (nb - 1));
}

static int grow_hash(struct pt_itable *t)
{
	size_t nb = t->nbuckets * 2, i;
	struct pt_inode **h = calloc(nb, sizeof(*h));

	if (h == NULL)
		return -ENOMEM;
	for (i = 0; i < t->nbuckets; i++) {
		struct pt_inode *p = t->hash[i], *n;

		for (; p != NULL; p = n) {
			size_t b = hash_of(p->dev, p->ino, nb);

			n = p->hnext;
			p->hnext = h[b];
			h[b] = p;
		}
	}
	free(t->hash);
	t->hash = h;
	t->nbuckets = nb;
	return 0;
}

static size_t alloc_slot(struct pt_itable *t)
{
	size_t s;

	if (t->free_head != 0) {
		s = t->free_head;
		t->free_head = t->slots[s].next_free;
		return s;
	}
	if (t->used == t->nslots) {
		size_t n = t->nslots * 2;
		struct slot *ns = realloc(t->slots, n * sizeof(*ns));

		if (ns == NULL)
			return 0;
		for (size_t k = t->nslots; k < n; k++)
			ns[k] = (struct slot){ NULL, 0, 0 };
		t->slots = ns;
		t->nslots = n;
	}
	return t->used++;
}

struct pt_itable *pt_itable_new(int rootfd, const struct stat *st)
{
	struct pt_itable *t = calloc(1, sizeof(*t));
	struct pt_inode *root;

	if (t == NULL)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->nslots = 1024;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	t->nbuckets = 1024;
	t->hash = calloc(t->nbuckets, sizeof(*t->hash));
	root = calloc(1, sizeof(*root));
	if (t->slots == NULL || t->hash == NULL || root == NULL) {
		free(root);
		pt_itable_free(t);
		return NULL;
	}
	/* Slot 0 is never a node id; slot 1 is FUSE_ROOT_ID. */
	t->used = 2;
	root->fd = rootfd;
	root->dev = st->st_dev;
	root->ino = st->st_ino;
	root->type = st->st_mode & S_IFMT;
	root->nodeid = 1;
	root->nlookup = 1;	/* never forgotten */
	t->slots[1].i = root;
	t->hash[hash_of(root->dev, root->ino, t->nbuckets)] = root;
	t->count = 1;
	return t;
}

void pt_itable_free(struct pt_itable *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; t->slots != NULL && i < t->used; i++) {
		if (t->slots[i].i != NULL) {
			close(t->slots[i].i->fd);
			free(t->slots[i].i);
		}
	}
	free(t->slots);
	free(t->hash);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Node id: low 32 bits slot, high 32 bits generation of the slot. */
static uint64_t make_nodeid(size_t slot, uint64_t gen)
{
	return (gen << 32) | (uint64_t)slot;
}

struct pt_inode *pt_iget(struct pt_itable *t, uint64_t nodeid)
{
	size_t s = (size_t)(nodeid & 0xffffffffu);
	struct pt_inode *i = NULL;

	pthread_mutex_lock(&t->lock);
	if (s != 0 && s < t->used && t->slots[s].i != NULL &&
	    t->slots[s].i->nodeid == nodeid) {
		i = t->slots[s].i;
		i->refs++;
	}
	pthread_mutex_unlock(&t->lock);
	return i;
}

static void unhash(struct pt_itable *t, struct pt_inode *i)
{
	struct pt_inode **pp = &t->hash[hash_of(i->dev, i->ino, t->nbuckets)];

	while (*pp != NULL && *pp != i)
		pp = &(*pp)->hnext;
	if (*pp != NULL)
		*pp = i->hnext;
}

/* Called locked: drop the inode once nobody refers to it. */
static void maybe_free(struct pt_itable *t, struct pt_inode *i)
{
	size_t s;

	if (i->nlookup != 0 || i->refs != 0 || i->nodeid == 1)
		return;
	s = (size_t)(i->nodeid & 0xffffffffu);
	unhash(t, i);
	t->slots[s].i = NULL;
	t->slots[s].gen++;
	t->slots[s].next_free = t->free_head;
	t->free_head = s;
	t->count--;
	close(i->fd);
	free(i);
}

void pt_iput(struct pt_itable *t, struct pt_inode *i)
{
	if (i == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	i->refs--;
	maybe_free(t, i);
	pthread_mutex_unlock(&t->lock);
}

struct pt_inode *pt_iadd(struct pt_itable *t, int fd, const struct stat *st)
{
	struct pt_inode *i;
	size_t b, s;

	pthread_mutex_lock(&t->lock);
	b = hash_of(st->st_dev, st->st_ino, t->nbuckets);
	for (i = t->hash[b]; i != NULL; i = i->hnext)
		if (i->dev == st->st_dev && i->ino == st->st_ino)
			break;
	if (i != NULL) {
		i->nlookup++;
		i->refs++;
		pthread_mutex_unlock(&t->lock);
		close(fd);
		return i;
	}
	i = calloc(1, sizeof(*i));
	s = i != NULL ? alloc_slot(t) : 0;
	if (s == 0 || (t->count >= t->nbuckets && grow_hash(t) != 0)) {
		if (s != 0) {
			t->slots[s].next_free = t->free_head;
			t->free_head = s;
		}
		pthread_mutex_unlock(&t->lock);
		free(i);
		close(fd);
		return NULL;
	}
	i->fd = fd;
	i->dev = st->st_dev;
	i->ino = st->st_ino;
	i->type = st->st_mode & S_IFMT;
	i->nodeid = make_nodeid(s, t->slots[s].gen & 0xffffffffu);
	i->gen = t->slots[s].gen;
	i->nlookup = 1;
	i->refs = 1;
	t->slots[s].i = i;
	b = hash_of(i->dev, i->ino, t->nbuckets);
	i->hnext = t->hash[b];
	t->hash[b] = i;
	t->count++;
	pthread_mutex_unlock(&t->lock);
	return i;
}

struct pt_inode *pt_ifind(struct pt_itable *t, dev_t dev, ino_t ino)
{
	struct pt_inode *i;

	pthread_mutex_lock(&t->lock);
	for (i = t->hash[hash_of(dev, ino, t->nbuckets)]; i != NULL;
	     i = i->hnext) {
		if (i->dev == dev && i->ino == ino) {
			i->nlookup++;
			i->refs++;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return i;
}

void pt_iunlookup(struct pt_itable *t, struct pt_inode *i)
{
	pthread_mutex_lock(&t->lock);
	if (i->nlookup > 0)
		i->nlookup--;
	maybe_free(t, i);
	pthread_mutex_unlock(&t->lock);
}

void pt_iforget(struct pt_itable *t, uint64_t nodeid, uint64_t nlookup)
{
	size_t s = (size_t)(nodeid & 0xffffffffu);
	struct pt_inode *i;

	pthread_mutex_lock(&t->lock);
	if (s != 0 && s < t->used && t->slots[s].i != NULL &&
	    t->slots[s].i->nodeid == nodeid) {
		i = t->slots[s].i;
		/* A hostile count must not underflow into a huge one. */
		i->nlookup = nlookup > i->nlookup ? 0 : i->nlookup - nlookup;
		maybe_free(t, i);
	}
	pthread_mutex_unlock(&t->lock);
}

size_t pt_icount(struct pt_itable *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
