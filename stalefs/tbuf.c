/*
 * tbuf.c - torture's adversarial daemon buffers and the threads that poke them.
 * What each behaviour stands for in the model is in docs/stalefs.md.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "tbuf.h"

/* Gap after a segment: its hammered word plus up to 56 bytes of pad. */
#define GAP_MAX 72

uint64_t tt_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t rx_need(uint32_t max_write)
{
	/* The kernel refuses a read() with less room than this. */
	return sizeof(struct fuse_in_header) + sizeof(struct fuse_write_in) +
	       max_write + 4096;
}

static size_t tx_need(uint32_t max_write)
{
	return max_write > 131072 ? max_write : 131072;
}

static size_t region_max(size_t need)
{
	return need + (size_t)TT_MAXSEG * GAP_MAX + 2 * page_size();
}

size_t tt_set_size(uint32_t max_write)
{
	size_t pg = page_size();
	size_t n = region_max(rx_need(max_write)) +
		   region_max(tx_need(max_write));

	return (n + pg - 1) / pg * pg;
}

/*
 * Lay need bytes out from pos: segments whose ends fall anywhere in a
 * page, each followed by a word a sibling thread will hammer.
 */
static uint32_t build(struct tt_layout *l, struct tt_set *set, uint32_t pos,
		      size_t need, uint32_t first, const struct tt_opts *o,
		      uint64_t *rng)
{
	uint32_t pg = (uint32_t)page_size();

	l->nseg = 0;
	l->cap = 0;
	if (pos >= 8)
		set->words[set->nwords++] = pos - 8;
	while (l->cap < need) {
		uint32_t left = (uint32_t)(need - l->cap), len, end;

		if (!o->split)
			len = left;
		else if (l->nseg == 0 && first != 0)
			len = first;
		else if (tt_rand(rng) % 8 == 0)
			len = 1 + (uint32_t)(tt_rand(rng) % 64);
		else
			len = pg / 2 + (uint32_t)(tt_rand(rng) % (5 * pg / 2));
		if (len > left || l->nseg == TT_MAXSEG - 1)
			len = left;
		l->off[l->nseg] = pos;
		l->len[l->nseg] = len;
		l->nseg++;
		l->cap += len;
		end = (pos + len + 7) & ~7u;
		set->words[set->nwords++] = end;
		pos = end + 8;
		if (o->split)
			pos += (uint32_t)(tt_rand(rng) % 8) * 8;
	}
	return pos;
}

int tt_set_init(struct tt_set *set, const struct tt_opts *o, uint64_t *rng,
		char *base, size_t size, int selfmap)
{
	uint32_t pg = (uint32_t)page_size(), pos;
	size_t hdr = sizeof(struct fuse_in_header) +
		     sizeof(struct fuse_write_in);

	memset(set, 0, sizeof(*set));
	set->base = base;
	set->size = size;
	set->selfmap = selfmap;
	set->words = calloc(2 * TT_MAXSEG + 4, sizeof(*set->words));
	if (set->words == NULL)
		return -ENOMEM;
	/* Start anywhere in the first page, so the header may straddle. */
	pos = 8 + (uint32_t)(tt_rand(rng) % (pg / 8 - 1)) * 8;
	pos = build(&set->rx, set, pos, rx_need(o->max_write),
		    (uint32_t)hdr, o, rng);
	pos = (uint32_t)region_max(rx_need(o->max_write)) + 8 +
	      (uint32_t)(tt_rand(rng) % (pg / 8 - 1)) * 8;
	pos = build(&set->tx, set, pos, tx_need(o->max_write), 0, o, rng);
	if (pos > size)
		return -EOVERFLOW;
	return 0;
}

void tt_set_fini(struct tt_set *set)
{
	free(set->words);
	set->words = NULL;
}

int tt_recv_iov(struct sfs_worker *w, struct iovec *iov, int max)
{
	struct tt_wstate *ws = w->priv;
	struct tt_set *set;
	uint32_t i;

	/*
	 * reuse: the same buffer for every request, as in the model's
	 * reply/request; otherwise rotate so consecutive requests differ.
	 */
	if (!ws->o->reuse)
		ws->cur = (ws->cur + 1) % TT_NSETS;
	set = &ws->set[ws->cur];
	ws->dropped = ws->drop_pending[ws->cur];
	ws->drop_pending[ws->cur] = 0;
	atomic_fetch_add(&set->uses, 1);
	atomic_store(&ws->phase, TT_READING);
	for (i = 0; i < set->rx.nseg && (int)i < max; i++) {
		iov[i].iov_base = set->base + set->rx.off[i];
		iov[i].iov_len = set->rx.len[i];
	}
	return (int)i;
}

/*
 * remap: between requests, give some pages of the buffer just used back
 * to the kernel, so the next copy lands in freshly faulted pages.
 */
void tt_between(struct sfs_worker *w)
{
	struct tt_wstate *ws = w->priv;
	struct tt_set *set = &ws->set[ws->cur];
	size_t pg = page_size(), npages = set->size / pg, a, n;
	uint64_t r;

	atomic_store(&ws->phase, TT_IDLE);
	atomic_store(&ws->opcode, 0);
	if (!ws->o->remap || set->selfmap)
		return;
	r = tt_rand(&ws->rng);
	if (r % 2 != 0)
		return;
	a = (size_t)(tt_rand(&ws->rng) % npages);
	n = 1 + (size_t)(tt_rand(&ws->rng) % (npages - a));
	/*
	 * mmap(MAP_FIXED) write-locks the address space.  With self-mmap on,
	 * another worker may be waiting, under that lock, for writeback
	 * only we can answer: a daemon must never do that, so then we only
	 * MADV_DONTNEED, which takes the lock for reading.
	 */
	if ((r >> 8) % 3 == 0 && !ws->o->selfmap) {
		/* Fresh anonymous pages at the same address. */
		if (mmap(set->base + a * pg, n * pg, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
		    MAP_FAILED)
			return;
	} else if (madvise(set->base + a * pg, n * pg, MADV_DONTNEED) != 0) {
		return;
	}
	atomic_fetch_add(&set->drops, 1);
	ws->drop_pending[ws->cur] = 1;
}

/*
 * hammer: sibling threads read and increment the words that share cache
 * lines with the ends of every segment, as mt-reply/mt-request's second
 * thread does to its counter, while the kernel copies next to them.
 */
static uint64_t poke_set(struct tt_set *set)
{
	size_t j;

	for (j = 0; j < set->nwords; j++) {
		uint64_t *p = (uint64_t *)(void *)(set->base + set->words[j]);

		__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
		if (set->words[j] >= 8)
			(void)*(volatile const uint64_t *)(p - 1);
	}
	return set->nwords;
}

static void *hammer_main(void *arg)
{
	struct tt_hammer *h = arg;
	struct sfs_session *s = h->s;
	int nh = h->o->hammers, i, k;

	while (!atomic_load(&h->stop)) {
		uint64_t n = 0;

		for (i = h->idx; i < s->cfg.nworkers; i += nh) {
			struct tt_wstate *ws = s->w[i].priv;
			struct tt_set *ss;

			for (k = 0; k < TT_NSETS; k++)
				n += poke_set(&ws->set[k]);
			ss = atomic_load(&ws->selfset);
			if (ss != NULL)
				n += poke_set(ss);
		}
		atomic_fetch_add(&h->pokes, n);
		/* Share the cores with the kernel's copies and the clients. */
		sched_yield();
	}
	return NULL;
}

int tt_hammers_start(struct tt_hammer *h, int n, struct sfs_session *s,
		     const struct tt_opts *o)
{
	int i, err;

	for (i = 0; i < n; i++) {
		h[i].idx = i;
		h[i].s = s;
		h[i].o = o;
		atomic_store(&h[i].stop, 0);
		err = pthread_create(&h[i].thr, NULL, hammer_main, &h[i]);
		if (err != 0) {
			tt_hammers_stop(h, i);
			return -err;
		}
	}
	return 0;
}

void tt_hammers_stop(struct tt_hammer *h, int n)
{
	int i;

	for (i = 0; i < n; i++)
		atomic_store(&h[i].stop, 1);
	for (i = 0; i < n; i++)
		pthread_join(h[i].thr, NULL);
}
