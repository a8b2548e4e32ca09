/*
 * torture.c - the torture filesystem: content H(file, offset) + generation.
 * Every WRITE payload is checked here, in the buffer the kernel filled.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "loop.h"
#include "pattern.h"
#include "tbuf.h"
#include "tdaemon.h"
#include "tshared.h"

#define TT_TIME 1000000000	/* every node's times */
#define TT_SLOW_SIZE (1 << 20)

static struct tt_daemon *D(struct sfs_req *r)
{
	return r->w->s->priv;
}

/* Node ids: 1 root, 2.. files, then .scratch and .slow. */
static uint64_t scratch_id(const struct tt_daemon *d)
{
	return (uint64_t)d->o->files + 2;
}

static uint64_t slow_id(const struct tt_daemon *d)
{
	return (uint64_t)d->o->files + 3;
}

static int node_file(const struct tt_daemon *d, uint64_t nodeid)
{
	if (nodeid >= 2 && nodeid < 2 + (uint64_t)d->o->files)
		return (int)(nodeid - 2);
	return -1;
}

static int node_attr(const struct tt_daemon *d, uint64_t nodeid,
		     struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = nodeid;
	a->atime = a->mtime = a->ctime = TT_TIME;
	a->nlink = 1;
	a->blksize = 4096;
	if (nodeid == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else if (node_file(d, nodeid) >= 0) {
		a->mode = S_IFREG | 0666;
		a->size = d->o->size;
	} else if (nodeid == scratch_id(d)) {
		a->mode = S_IFREG | 0600;
		a->size = d->scratch_size;
	} else if (nodeid == slow_id(d)) {
		a->mode = S_IFREG | 0444;
		a->size = TT_SLOW_SIZE;
	} else {
		return ESTALE;
	}
	a->blocks = (a->size + 511) / 512;
	return 0;
}

static void node_name(const struct tt_daemon *d, uint64_t id, char *buf,
		      size_t len)
{
	if (node_file(d, id) >= 0)
		snprintf(buf, len, "f%d", node_file(d, id));
	else if (id == scratch_id(d))
		snprintf(buf, len, ".scratch");
	else
		snprintf(buf, len, ".slow");
}

static int tt_lookup(struct sfs_req *r)
{
	struct tt_daemon *d = D(r);
	struct fuse_entry_out e;
	char name[32];
	uint64_t id;

	if (r->h->nodeid != FUSE_ROOT_ID)
		return ENOTDIR;
	memset(&e, 0, sizeof(e));
	for (id = 2; id <= slow_id(d); id++) {
		node_name(d, id, name, sizeof(name));
		if (strcmp(name, r->name) == 0)
			break;
	}
	if (id > slow_id(d))
		return ENOENT;
	e.nodeid = id;
	/* Nothing changes behind the kernel's back: cache for an hour. */
	e.entry_valid = e.attr_valid = 3600;
	node_attr(d, id, &e.attr);
	return sfs_reply_buf(r, &e, sizeof(e));
}

static int reply_attr(struct sfs_req *r)
{
	struct fuse_attr_out ao;
	int err;

	memset(&ao, 0, sizeof(ao));
	ao.attr_valid = 3600;
	err = node_attr(D(r), r->h->nodeid, &ao.attr);
	return err != 0 ? err : sfs_reply_buf(r, &ao, sizeof(ao));
}

static int tt_getattr(struct sfs_req *r)
{
	return reply_attr(r);
}

static int tt_setattr(struct sfs_req *r)
{
	const struct fuse_setattr_in *si = r->arg;
	struct fuse_attr a;
	int err = node_attr(D(r), r->h->nodeid, &a);

	if (err != 0)
		return err;
	/* Sizes are part of the known content: they never change. */
	if ((si->valid & FATTR_SIZE) && si->size != a.size)
		return EPERM;
	return reply_attr(r);
}

static int tt_open(struct sfs_req *r)
{
	struct tt_daemon *d = D(r);
	struct fuse_open_out oo;
	struct fuse_attr a;
	int err = node_attr(d, r->h->nodeid, &a);

	if (err != 0)
		return err;
	if (S_ISDIR(a.mode))
		return EISDIR;
	memset(&oo, 0, sizeof(oo));
	oo.fh = r->h->nodeid;
	/* The daemon's own mapping of .scratch must stay put. */
	if (r->h->nodeid == scratch_id(d))
		oo.open_flags = FOPEN_KEEP_CACHE;
	/* .slow is read synchronously, so a signal becomes an INTERRUPT. */
	if (r->h->nodeid == slow_id(d))
		oo.open_flags = FOPEN_DIRECT_IO;
	return sfs_reply_buf(r, &oo, sizeof(oo));
}

static int tt_ok(struct sfs_req *r)
{
	return sfs_reply_buf(r, NULL, 0);
}

static int tt_opendir(struct sfs_req *r)
{
	struct fuse_open_out oo;

	if (r->h->nodeid != FUSE_ROOT_ID)
		return ENOTDIR;
	memset(&oo, 0, sizeof(oo));
	return sfs_reply_buf(r, &oo, sizeof(oo));
}

static int tt_readdir(struct sfs_req *r)
{
	const struct fuse_read_in *ri = r->arg;
	struct tt_daemon *d = D(r);
	char *buf = r->w->out, name[32];
	size_t used = 0;
	uint64_t i;

	if (r->h->nodeid != FUSE_ROOT_ID)
		return ENOTDIR;
	/* Offsets: entry i is followed by offset i + 1. */
	for (i = ri->offset; i <= slow_id(d); i++) {
		struct fuse_dirent *de = (void *)(buf + used);
		uint64_t id = i < 2 ? FUSE_ROOT_ID : i;
		size_t nl, rec;

		if (i == 0)
			snprintf(name, sizeof(name), ".");
		else if (i == 1)
			snprintf(name, sizeof(name), "..");
		else
			node_name(d, id, name, sizeof(name));
		nl = strlen(name);
		rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + nl);
		if (used + rec > ri->size)
			break;
		memset(de, 0, rec);
		de->ino = id;
		de->off = i + 1;
		de->namelen = (uint32_t)nl;
		de->type = i < 2 ? DT_DIR : DT_REG;
		memcpy(de->name, name, nl);
		used += rec;
	}
	return sfs_reply_buf(r, buf, used);
}

static int tt_statfs(struct sfs_req *r)
{
	struct fuse_statfs_out so;

	memset(&so, 0, sizeof(so));
	so.st.bsize = so.st.frsize = 4096;
	so.st.namelen = 255;
	so.st.files = (uint64_t)D(r)->o->files + 3;
	return sfs_reply_buf(r, &so, sizeof(so));
}

static const char *phase_name(int p)
{
	static const char *const names[] = { "between requests",
		"in read() (waiting, or being copied into)", "serving",
		"replying" };

	return p >= 0 && p <= TT_REPLYING ? names[p] : "?";
}

/* What every daemon thread is doing, for a mismatch report. */
static void print_threads(struct tt_daemon *d)
{
	int i;

	for (i = 0; i < d->s.cfg.nworkers; i++) {
		struct tt_wstate *ws = d->s.w[i].priv;
		uint32_t op = atomic_load(&ws->opcode);

		fprintf(stderr, "    worker %d: %s%s%s, %" PRIu64
			" requests, buffer set %d\n", i,
			phase_name(atomic_load(&ws->phase)),
			op != 0 ? " " : "", op != 0 ? sfs_opname(op) : "",
			atomic_load(&ws->reqs), ws->cur);
	}
	for (i = 0; i < d->nhammers; i++)
		fprintf(stderr, "    hammer %d: %" PRIu64 " words poked\n", i,
			atomic_load(&d->hammers[i].pokes));
}

static struct tt_set *cur_set(struct sfs_worker *w)
{
	struct tt_wstate *ws = w->priv;

	return &ws->set[ws->cur];
}

static void report_write(struct sfs_req *r, int f, uint64_t foff,
			 size_t at, int seg, const uint8_t *p, uint8_t stored)
{
	struct tt_daemon *d = D(r);
	const struct fuse_write_in *wi = r->arg;
	struct tt_wstate *ws = r->w->priv;
	struct tt_set *set = cur_set(r->w);
	uintptr_t boff = (uintptr_t)((const char *)p - set->base);
	uint8_t g = tt_gen_of((uint32_t)f, foff, *p);

	pthread_mutex_lock(&d->report_lock);
	fprintf(stderr, "MISMATCH in a WRITE payload the daemon received: "
		"file f%d offset %" PRIu64 " expected 0x%02x (generation %u, "
		"or up to %d newer) seen 0x%02x (looks like generation %u)\n",
		f, foff, tt_byte((uint32_t)f, foff, (uint8_t)(stored + 1)),
		(unsigned)(uint8_t)(stored + 1), TT_GEN_WINDOW - 1, *p,
		(unsigned)g);
	fprintf(stderr, "  request: unique %" PRIu64 " WRITE offset %" PRIu64
		" size %u from pid %u; payload byte %zu, in payload iovec %d "
		"of %d at buffer+%#lx (page offset %#lx)\n",
		(uint64_t)r->h->unique, (uint64_t)wi->offset, wi->size,
		r->h->pid, at, seg + 1, r->ndata, (unsigned long)boff,
		(unsigned long)(boff % 4096));
	fprintf(stderr, "  worker %d: buffer set %d, use #%" PRIu64
		", pages dropped before this request: %s\n", r->w->idx,
		ws->cur, atomic_load(&set->uses), ws->dropped ? "yes" : "no");
	fprintf(stderr, "  daemon threads at detection:\n");
	print_threads(d);
	pthread_mutex_unlock(&d->report_lock);
}

/* Check every payload byte against the generations we hold. */
static int verify_write(struct sfs_req *r, int f, uint64_t off)
{
	struct tt_daemon *d = D(r);
	struct tt_file *tf = &d->files[f];
	uint64_t o = off, bad = 0;
	size_t at = 0;
	int k, pass;

	pthread_rwlock_wrlock(&tf->lock);
	/* Pass 0 checks; pass 1 commits, only if all of it was good. */
	for (pass = 0; pass < 2 && bad == 0; pass++) {
		o = off;
		at = 0;
		for (k = 0; k < r->ndata; k++) {
			const uint8_t *p = r->data[k].iov_base;
			size_t i, n = r->data[k].iov_len;
			uint64_t w = tt_word((uint32_t)f, o);

			for (i = 0; i < n; i++, o++, at++) {
				uint8_t g, dg;

				if ((o & 7) == 0)
					w = tt_word((uint32_t)f, o);
				g = (uint8_t)(p[i] -
					      (uint8_t)(w >> ((o & 7) * 8)));
				if (pass == 1) {
					tf->gen[o] = g;
					continue;
				}
				dg = (uint8_t)(g - tf->gen[o]);
				if (dg < TT_GEN_WINDOW)
					continue;
				if (bad++ == 0)
					report_write(r, f, o, at, k, p + i,
						     tf->gen[o]);
			}
		}
	}
	pthread_rwlock_unlock(&tf->lock);
	if (bad != 0) {
		atomic_fetch_add(&d->sh->mismatches, 1);
		if (bad > 1)
			fprintf(stderr, "  (%" PRIu64 " bad bytes in this "
				"request)\n", bad);
		return EIO;
	}
	atomic_fetch_add(&d->wbytes_checked, r->datalen);
	return 0;
}

static int tt_write(struct sfs_req *r)
{
	const struct fuse_write_in *wi = r->arg;
	struct tt_daemon *d = D(r);
	struct tt_wstate *ws = r->w->priv;
	struct fuse_write_out wo;
	int f = node_file(d, r->h->nodeid), err;
	uint64_t n;

	atomic_store(&ws->phase, TT_SERVING);
	atomic_store(&ws->opcode, FUSE_WRITE);
	memset(&wo, 0, sizeof(wo));
	wo.size = wi->size;
	if (r->h->nodeid == scratch_id(d)) {
		/* Writeback of the daemon's own mapping: just keep it. */
		size_t at = 0;

		if (wi->offset + wi->size > d->scratch_size)
			return EFBIG;
		pthread_mutex_lock(&d->scratch_lock);
		for (int k = 0; k < r->ndata; k++) {
			memcpy(d->scratch + wi->offset + at,
			       r->data[k].iov_base, r->data[k].iov_len);
			at += r->data[k].iov_len;
		}
		pthread_mutex_unlock(&d->scratch_lock);
		return sfs_reply_buf(r, &wo, sizeof(wo));
	}
	if (f < 0)
		return r->h->nodeid == slow_id(d) ? EPERM : ESTALE;
	if (wi->offset > d->o->size || wi->size > d->o->size - wi->offset)
		return EFBIG;
	n = atomic_fetch_add(&d->nwrites, 1) + 1;
	if (n == d->o->inject_write && r->ndata > 0) {
		/* Self-test: corrupt the payload as a stale line would. */
		uint8_t *p = r->data[0].iov_base;

		p[r->data[0].iov_len / 2] ^= 0x5a;
		fprintf(stderr, "torture: injected corruption into WRITE "
			"unique %" PRIu64 "\n", (uint64_t)r->h->unique);
	}
	err = verify_write(r, f, wi->offset);
	if (err != 0)
		return err;
	atomic_store(&ws->phase, TT_REPLYING);
	return sfs_reply_buf(r, &wo, sizeof(wo));
}

/* .slow: a READ that only an INTERRUPT ends (or ten seconds). */
static int slow_read(struct sfs_req *r)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < 10000; i++) {
		if (sfs_interrupted(r)) {
			atomic_fetch_add(&D(r)->sh->interrupts, 1);
			return EINTR;
		}
		nanosleep(&ms, NULL);
	}
	return EAGAIN;
}

static void log_read(struct sfs_req *r, int f, uint64_t off, uint32_t len,
		     int set, int nseg, uint64_t use, int dropped)
{
	struct tt_daemon *d = D(r);
	uint64_t seq = atomic_fetch_add(&d->loghead, 1);
	struct tt_rlog *l = &d->log[seq % TT_LOG];

	l->seq = seq + 1;
	l->unique = r->h->unique;
	l->off = off;
	l->file = (uint32_t)f;
	l->len = len;
	l->worker = r->w->idx;
	l->set = set;
	l->nseg = nseg;
	l->use = use;
	l->dropped = dropped;
}

static int tt_read(struct sfs_req *r)
{
	const struct fuse_read_in *ri = r->arg;
	struct tt_daemon *d = D(r);
	struct tt_wstate *ws = r->w->priv;
	struct iovec iov[TT_MAXSEG];
	struct tt_set *set = cur_set(r->w), *self = NULL;
	int f = node_file(d, r->h->nodeid), k, err, setno = ws->cur;
	uint64_t off = ri->offset, left, n;

	atomic_store(&ws->phase, TT_SERVING);
	atomic_store(&ws->opcode, FUSE_READ);
	if (r->h->nodeid == slow_id(d))
		return slow_read(r);
	if (r->h->nodeid == scratch_id(d)) {
		left = off >= d->scratch_size ? 0 : d->scratch_size - off;
		left = left < ri->size ? left : ri->size;
		pthread_mutex_lock(&d->scratch_lock);
		memcpy(r->w->out, d->scratch + off, left);
		pthread_mutex_unlock(&d->scratch_lock);
		return sfs_reply_buf(r, r->w->out, left);
	}
	if (f < 0)
		return r->h->nodeid == FUSE_ROOT_ID ? EISDIR : ESTALE;
	/* self-mmap: worker 0 answers every other READ from .scratch. */
	if (atomic_load(&ws->selfset) != NULL &&
	    (atomic_load(&ws->reqs) & 1)) {
		pthread_mutex_lock(&ws->selflock);
		self = atomic_load(&ws->selfset);
		if (self != NULL) {
			set = self;
			setno = -1;
		} else {
			pthread_mutex_unlock(&ws->selflock);
		}
	}
	left = off >= d->o->size ? 0 : d->o->size - off;
	left = left < ri->size ? left : ri->size;
	n = left;
	pthread_rwlock_rdlock(&d->files[f].lock);
	for (k = 0; left > 0 && k < (int)set->tx.nseg; k++) {
		uint32_t len = set->tx.len[k] < left ? set->tx.len[k] :
			       (uint32_t)left;
		uint8_t *p = (uint8_t *)set->base + set->tx.off[k];

		tt_fill(p, (uint32_t)f, off, len, d->files[f].gen + off);
		iov[k].iov_base = p;
		iov[k].iov_len = len;
		off += len;
		left -= len;
	}
	pthread_rwlock_unlock(&d->files[f].lock);
	/*
	 * Inject into an O_DIRECT READ only: its bytes all go straight to a
	 * client that checks them, where readahead might go unread.
	 */
	if (n > 0 && (ri->flags & O_DIRECT) &&
	    atomic_fetch_add(&d->nreads, 1) + 1 == d->o->inject_read) {
		uint8_t *p = iov[0].iov_base;

		p[iov[0].iov_len / 2] ^= 0x5a;
		fprintf(stderr, "torture: injected corruption into READ "
			"unique %" PRIu64 " (file f%d offset %" PRIu64 ")\n",
			(uint64_t)r->h->unique, f,
			(uint64_t)ri->offset + iov[0].iov_len / 2);
	}
	log_read(r, f, ri->offset, (uint32_t)n, setno, k,
		 atomic_load(&set->uses), ws->dropped);
	atomic_store(&ws->phase, TT_REPLYING);
	err = sfs_reply(r, iov, k);
	if (self != NULL)
		pthread_mutex_unlock(&ws->selflock);
	return err < 0 ? 0 : err;
}

static void tt_worker_count(struct sfs_worker *w)
{
	struct tt_wstate *ws = w->priv;

	atomic_fetch_add(&ws->reqs, 1);
}

static void tt_between_hook(struct sfs_worker *w)
{
	tt_worker_count(w);
	tt_between(w);
}

const struct sfs_fs tt_fs = {
	.subtype = "stalefs-torture",
	.recv_iov = tt_recv_iov,
	.between = tt_between_hook,
	.op = {
		[FUSE_LOOKUP] = tt_lookup,
		[FUSE_GETATTR] = tt_getattr,
		[FUSE_SETATTR] = tt_setattr,
		[FUSE_OPEN] = tt_open,
		[FUSE_READ] = tt_read,
		[FUSE_WRITE] = tt_write,
		[FUSE_STATFS] = tt_statfs,
		[FUSE_RELEASE] = tt_ok,
		[FUSE_FLUSH] = tt_ok,
		[FUSE_FSYNC] = tt_ok,
		[FUSE_OPENDIR] = tt_opendir,
		[FUSE_READDIR] = tt_readdir,
		[FUSE_RELEASEDIR] = tt_ok,
	},
};
