/*
 * tbuf.h - torture's adversarial daemon buffers and the threads that poke them.
 * Layouts that straddle pages, neighbours hammered, pages dropped and remapped.
 */
#ifndef SFS_TBUF_H
#define SFS_TBUF_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/uio.h>
#include "loop.h"
#include "tshared.h"

#define TT_NSETS 3		/* buffers a worker rotates through */
#define TT_MAXSEG 960		/* iovecs in one layout */

/* Where data may go in a buffer set: segments with gaps between. */
struct tt_layout {
	uint32_t nseg;
	uint32_t cap;			/* bytes in all segments */
	uint32_t off[TT_MAXSEG];	/* from the set's base */
	uint32_t len[TT_MAXSEG];
};

/* One buffer: a receive region and a reply region in one mapping. */
struct tt_set {
	char *base;
	size_t size;
	int selfmap;			/* base maps MNT/.scratch */
	struct tt_layout rx, tx;
	uint32_t *words;		/* offsets of hammered words */
	size_t nwords;
	_Atomic uint64_t uses;
	_Atomic uint64_t drops;		/* MADV_DONTNEED or remap */
};

enum tt_phase { TT_IDLE, TT_READING, TT_SERVING, TT_REPLYING };

/* Per daemon worker (sfs_worker.priv). */
struct tt_wstate {
	const struct tt_opts *o;
	struct tt_set set[TT_NSETS];
	int cur;			/* set of the request being served */
	int dropped;			/* cur's pages were dropped */
	int drop_pending[TT_NSETS];
	_Atomic(struct tt_set *) selfset;	/* worker 0: .scratch */
	pthread_mutex_t selflock;
	_Atomic int phase;
	_Atomic uint32_t opcode;
	_Atomic uint64_t reqs;
	uint64_t rng;
};

struct tt_hammer {
	pthread_t thr;
	int idx;
	struct sfs_session *s;
	const struct tt_opts *o;
	_Atomic int stop;
	_Atomic uint64_t pokes;
};

/* Bytes one buffer set maps, for a max_write. */
size_t tt_set_size(uint32_t max_write);
int tt_set_init(struct tt_set *set, const struct tt_opts *o, uint64_t *rng,
		char *base, size_t size, int selfmap);
void tt_set_fini(struct tt_set *set);
uint64_t tt_rand(uint64_t *state);

/* sfs_fs hooks. */
int tt_recv_iov(struct sfs_worker *w, struct iovec *iov, int max);
void tt_between(struct sfs_worker *w);

int tt_hammers_start(struct tt_hammer *h, int n, struct sfs_session *s,
		     const struct tt_opts *o);
void tt_hammers_stop(struct tt_hammer *h, int n);

#endif
