/*
 * torture.c - `stalefs torture MNT`: a self-checking filesystem under load.
 * Content is H(file, offset) + generation; both sides check every byte.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "loop.h"
#include "pattern.h"
#include "tbuf.h"
#include "torture.h"
#include "tshared.h"

#define TT_LOG 65536		/* READ replies remembered for reports */
#define TT_TIME 1000000000	/* every node's times */
#define TT_SLOW_SIZE (1 << 20)

/* One READ reply, to name the request behind a client's mismatch. */
struct tt_rlog {
	uint64_t seq, unique, off;
	uint32_t file, len;
	int worker, set, dropped, nseg;
	uint64_t use;
};

struct tt_file {
	pthread_rwlock_t lock;
	uint8_t *gen;		/* per byte */
	uint64_t size;
};

struct tt_daemon {
	struct tt_shared *sh;
	const struct tt_opts *o;
	struct sfs_session s;
	struct tt_file *files;
	uint8_t *scratch;	/* MNT/.scratch, the self-mmap target */
	size_t scratch_size;
	pthread_mutex_t scratch_lock;
	_Atomic uint64_t nreads, nwrites, wbytes_checked;
	struct tt_rlog *log;
	_Atomic uint64_t loghead;
	pthread_mutex_t report_lock;
	struct tt_hammer *hammers;
	int nhammers;
	struct tt_set selfset;
	char *selfmap;
	int scratch_fd;
};

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
	static const char *const names[] = { "idle in read()",
		"reading a request", "serving", "replying" };

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
		" size %u from pid %u; payload byte %zu, in receive iovec %d "
		"of %u at buffer+%#lx (page offset %#lx)\n",
		(uint64_t)r->h->unique, (uint64_t)wi->offset, wi->size,
		r->h->pid, at, seg + 1, set->rx.nseg, (unsigned long)boff,
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
				g = (uint8_t)(p[i] - (uint8_t)(w >> ((o & 7) * 8)));
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
	if (n > 0 && atomic_fetch_add(&d->nreads, 1) + 1 == d->o->inject_read) {
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

static const struct sfs_fs tt_fs = {
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

/* ---- command line ---- */

static void tt_usage(FILE *f)
{
	fprintf(f,
"usage: stalefs torture [options] MNT\n"
"Mounts a self-checking filesystem on MNT, runs clients against it while\n"
"the daemon abuses its buffers, verifies every byte, unmounts.\n"
"  --seconds S       run for S seconds (default 10)\n"
"  --ops N           stop after N client operations (default: no bound)\n"
"  --procs P         client processes (default 2)\n"
"  --threads T       client threads per process (default 2)\n"
"  --workers W       daemon worker threads (default 4)\n"
"  --hammers H       daemon sibling threads (default 2)\n"
"  --files F         files (default 3)\n"
"  --size BYTES      bytes per file (default 8388608)\n"
"  --max-write BYTES negotiated max_write (default 1048576)\n"
"  --io LIST         client I/O: buffered,direct,mmap (default all)\n"
"  --no-hammer --no-reuse --no-remap --no-split --no-self-mmap\n"
"                    turn off one adversary (all are on by default)\n"
"  --seed N          random seed (default: time)\n"
"  --inject-read N   corrupt the Nth READ reply (tests the checker)\n"
"  --inject-write N  corrupt the Nth WRITE payload (tests the checker)\n"
"  -d                print each request\n");
}

static int num(const char *arg, const char *what, uint64_t lo, uint64_t hi,
	       uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (*arg == '\0' || *arg == '-' || *end != '\0' || errno != 0 ||
	    v < lo || v > hi) {
		fprintf(stderr, "stalefs torture: bad %s '%s' (%" PRIu64
			"..%" PRIu64 ")\n", what, arg, lo, hi);
		return 2;
	}
	*out = v;
	return 0;
}

static int parse_io(const char *arg, struct tt_opts *o)
{
	char buf[64], *tok, *save = NULL;

	o->io_buffered = o->io_direct = o->io_mmap = 0;
	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "buffered") == 0)
			o->io_buffered = 1;
		else if (strcmp(tok, "direct") == 0)
			o->io_direct = 1;
		else if (strcmp(tok, "mmap") == 0)
			o->io_mmap = 1;
		else
			goto bad;
	}
	if (o->io_buffered || o->io_direct || o->io_mmap)
		return 0;
bad:
	fprintf(stderr, "stalefs torture: bad --io '%s' (buffered,direct,"
		"mmap)\n", arg);
	return 2;
}

static int parse_args(int argc, char **argv, struct tt_opts *o)
{
	enum { O_SECONDS = 256, O_OPS, O_PROCS, O_THREADS, O_WORKERS,
	       O_HAMMERS, O_FILES, O_SIZE, O_MAXW, O_IO, O_NOHAMMER,
	       O_NOREUSE, O_NOREMAP, O_NOSPLIT, O_NOSELF, O_SEED, O_INJR,
	       O_INJW };
	static const struct option lo[] = {
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "ops", required_argument, NULL, O_OPS },
		{ "procs", required_argument, NULL, O_PROCS },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "workers", required_argument, NULL, O_WORKERS },
		{ "hammers", required_argument, NULL, O_HAMMERS },
		{ "files", required_argument, NULL, O_FILES },
		{ "size", required_argument, NULL, O_SIZE },
		{ "max-write", required_argument, NULL, O_MAXW },
		{ "io", required_argument, NULL, O_IO },
		{ "no-hammer", no_argument, NULL, O_NOHAMMER },
		{ "no-reuse", no_argument, NULL, O_NOREUSE },
		{ "no-remap", no_argument, NULL, O_NOREMAP },
		{ "no-split", no_argument, NULL, O_NOSPLIT },
		{ "no-self-mmap", no_argument, NULL, O_NOSELF },
		{ "seed", required_argument, NULL, O_SEED },
		{ "inject-read", required_argument, NULL, O_INJR },
		{ "inject-write", required_argument, NULL, O_INJW },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c, err = 0;
	char *end;

	memset(o, 0, sizeof(*o));
	o->seconds = 10;
	o->procs = 2;
	o->threads = 2;
	o->workers = 4;
	o->hammers = 2;
	o->files = 3;
	o->size = 8 << 20;
	o->max_write = 1 << 20;
	o->hammer = o->reuse = o->remap = o->split = o->selfmap = 1;
	o->io_buffered = o->io_direct = o->io_mmap = 1;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	optind = 1;
	while (err == 0 &&
	       (c = getopt_long(argc, argv, "+dh", lo, NULL)) != -1) {
		switch (c) {
		case O_SECONDS:
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (*end || errno || !(o->seconds > 0) ||
			    o->seconds > 86400) {
				fprintf(stderr, "stalefs torture: bad seconds "
					"'%s' (0..86400)\n", optarg);
				err = 2;
			}
			break;
		case O_OPS:
			err = num(optarg, "ops", 1, UINT64_MAX / 2, &o->ops);
			break;
		case O_PROCS:
			err = num(optarg, "procs", 1, 64, &v);
			o->procs = (int)v;
			break;
		case O_THREADS:
			err = num(optarg, "threads", 1, 64, &v);
			o->threads = (int)v;
			break;
		case O_WORKERS:
			err = num(optarg, "workers", 1, 64, &v);
			o->workers = (int)v;
			break;
		case O_HAMMERS:
			err = num(optarg, "hammers", 1, 64, &v);
			o->hammers = (int)v;
			break;
		case O_FILES:
			err = num(optarg, "files", 1, 64, &v);
			o->files = (int)v;
			break;
		case O_SIZE:
			err = num(optarg, "size", 1 << 16, 1ULL << 30,
				  &o->size);
			break;
		case O_MAXW:
			err = num(optarg, "max-write", 4096, 1 << 20, &v);
			o->max_write = (uint32_t)v;
			break;
		case O_IO:
			err = parse_io(optarg, o);
			break;
		case O_NOHAMMER:
			o->hammer = 0;
			break;
		case O_NOREUSE:
			o->reuse = 0;
			break;
		case O_NOREMAP:
			o->remap = 0;
			break;
		case O_NOSPLIT:
			o->split = 0;
			break;
		case O_NOSELF:
			o->selfmap = 0;
			break;
		case O_SEED:
			err = num(optarg, "seed", 1, UINT64_MAX, &o->seed);
			break;
		case O_INJR:
			err = num(optarg, "inject-read", 1, UINT64_MAX,
				  &o->inject_read);
			break;
		case O_INJW:
			err = num(optarg, "inject-write", 1, UINT64_MAX,
				  &o->inject_write);
			break;
		case 'd':
			o->debug = 1;
			break;
		case 'h':
			tt_usage(stdout);
			return 1;
		default:
			tt_usage(stderr);
			return 2;
		}
	}
	if (err != 0)
		return err;
	if (argc - optind != 1) {
		tt_usage(stderr);
		return 2;
	}
	o->mnt = argv[optind];
	/* Each client thread owns a stripe; stripes hold whole 64 KiB. */
	if (o->size / ((uint64_t)o->procs * (uint64_t)o->threads) < 65536) {
		fprintf(stderr, "stalefs torture: --size too small for %d "
			"client threads (64 KiB each)\n",
			o->procs * o->threads);
		return 2;
	}
	if (o->seed == 0)
		o->seed = 1;
	return 0;
}

/* ---- setup, run, report ---- */

static int setup_workers(struct tt_daemon *d)
{
	size_t size = tt_set_size(d->o->max_write);
	uint64_t rng = d->o->seed;
	int i, k, err;

	for (i = 0; i < d->s.cfg.nworkers; i++) {
		struct tt_wstate *ws = calloc(1, sizeof(*ws));

		if (ws == NULL)
			return -ENOMEM;
		d->s.w[i].priv = ws;
		ws->o = d->o;
		ws->rng = tt_rand(&rng) | 1;
		pthread_mutex_init(&ws->selflock, NULL);
		for (k = 0; k < TT_NSETS; k++) {
			char *p = sfs_alloc_prefaulted(size);

			if (p == NULL)
				return -ENOMEM;
			err = tt_set_init(&ws->set[k], d->o, &rng, p, size, 0);
			if (err != 0)
				return err;
		}
	}
	return 0;
}

static void teardown_workers(struct tt_daemon *d)
{
	int i, k;

	if (d->s.w == NULL)
		return;
	for (i = 0; i < d->s.cfg.nworkers; i++) {
		struct tt_wstate *ws = d->s.w[i].priv;

		if (ws == NULL)
			continue;
		for (k = 0; k < TT_NSETS; k++) {
			sfs_free_mapping(ws->set[k].base, ws->set[k].size);
			tt_set_fini(&ws->set[k]);
		}
		pthread_mutex_destroy(&ws->selflock);
		free(ws);
		d->s.w[i].priv = NULL;
	}
}

/*
 * self-mmap: worker 0's reply buffer becomes a shared mapping of a file
 * on this very mount.  Other workers serve the faults and writeback it
 * causes, so it needs two workers.
 */
static int selfmap_up(struct tt_daemon *d)
{
	struct tt_wstate *ws = d->s.w[0].priv;
	size_t size = d->scratch_size, i;
	uint64_t rng = d->o->seed ^ 0x5e1f;
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s/.scratch", d->o->mnt);
	d->scratch_fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->scratch_fd < 0)
		return -errno;
	d->selfmap = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, d->scratch_fd, 0);
	if (d->selfmap == MAP_FAILED) {
		d->selfmap = NULL;
		return -errno;
	}
	/* Keep the pages resident and writable: no faults mid-reply. */
	mlock(d->selfmap, size);
	for (i = 0; i < size; i += 4096)
		d->selfmap[i] = 0;
	err = tt_set_init(&d->selfset, d->o, &rng, d->selfmap, size, 1);
	if (err != 0)
		return err;
	atomic_store(&ws->selfset, &d->selfset);
	return 0;
}

static void selfmap_down(struct tt_daemon *d)
{
	struct tt_wstate *ws;

	if (d->selfmap == NULL && d->scratch_fd < 0)
		return;
	ws = d->s.w[0].priv;
	pthread_mutex_lock(&ws->selflock);
	atomic_store(&ws->selfset, NULL);
	pthread_mutex_unlock(&ws->selflock);
	if (d->selfmap != NULL)
		munmap(d->selfmap, d->scratch_size);
	d->selfmap = NULL;
	if (d->scratch_fd >= 0)
		close(d->scratch_fd);
	d->scratch_fd = -1;
	tt_set_fini(&d->selfset);
}

/* Name the READ that carried each byte a client found wrong. */
static void attribute(struct tt_daemon *d)
{
	uint32_t n = atomic_load(&d->sh->nreports), i;
	uint64_t head = atomic_load(&d->loghead);

	if (n > TT_MAX_REPORTS)
		n = TT_MAX_REPORTS;
	for (i = 0; i < n; i++) {
		const struct tt_mismatch *m = &d->sh->reports[i];
		const struct tt_rlog *best = NULL;
		uint64_t k, lo = head > TT_LOG ? head - TT_LOG : 0;

		for (k = lo; k < head; k++) {
			const struct tt_rlog *l = &d->log[k % TT_LOG];

			if (l->seq == k + 1 && l->file == m->file &&
			    m->off >= l->off && m->off < l->off + l->len)
				best = l;
		}
		fprintf(stderr, "client mismatch %u: file f%u offset %" PRIu64
			" expected 0x%02x seen 0x%02x (%s read, client %d.%d)\n",
			i + 1, m->file, m->off, m->expected, m->seen,
			m->method, m->proc, m->thread);
		if (best == NULL) {
			fprintf(stderr, "  no READ reply in the last %d "
				"covered it\n", TT_LOG);
			continue;
		}
		fprintf(stderr, "  last carried by READ unique %" PRIu64
			" offset %" PRIu64 " len %u: worker %d, %s%d (use #%"
			PRIu64 "), %d reply iovecs, pages dropped before: %s"
			"\n", best->unique, best->off, best->len,
			best->worker, best->set < 0 ? "self-mmap buffer" :
			"buffer set ", best->set < 0 ? 0 : best->set,
			best->use, best->nseg, best->dropped ? "yes" : "no");
	}
}

static int run_clients(struct tt_daemon *d)
{
	pid_t pids[64];
	int p, status, failed = 0;
	double limit = d->o->seconds + 60;
	struct timespec t0, now, tick = { 0, 20 * 1000 * 1000 };

	for (p = 0; p < d->o->procs; p++) {
		pids[p] = fork();
		if (pids[p] == 0)
			_exit(tt_client_main(d->sh, p));
		if (pids[p] < 0) {
			atomic_store(&d->sh->stop, 1);
			failed = 1;
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int left = p; left > 0;) {
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			left--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed = 1;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - t0.tv_sec) > limit) {
			/* A client is stuck: end it rather than hang. */
			fprintf(stderr, "torture: clients overran by 60 s, "
				"killing them\n");
			for (int q = 0; q < p; q++)
				kill(pids[q], SIGKILL);
			failed = 1;
			limit = 1e9;
		}
		nanosleep(&tick, NULL);
	}
	return failed;
}

int tt_main(int argc, char **argv)
{
	struct tt_opts opts;
	struct tt_shared *sh;
	struct tt_daemon d;
	struct sfs_config cfg;
	struct tt_hammer hammers[64];
	struct stat st;
	int err, failed = 1, f;

	err = parse_args(argc, argv, &opts);
	if (err != 0)
		return err == 1 ? 0 : err;
	if (stat(opts.mnt, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "stalefs torture: %s: not a directory\n",
			opts.mnt);
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	sh->o = opts;
	memset(&d, 0, sizeof(d));
	d.s.fd = -1;
	d.sh = sh;
	d.o = &sh->o;
	d.scratch_fd = -1;
	d.hammers = hammers;
	pthread_mutex_init(&d.report_lock, NULL);
	pthread_mutex_init(&d.scratch_lock, NULL);
	d.scratch_size = tt_set_size(opts.max_write);
	d.scratch = calloc(1, d.scratch_size);
	d.log = calloc(TT_LOG, sizeof(*d.log));
	d.files = calloc((size_t)opts.files, sizeof(*d.files));
	if (d.scratch == NULL || d.log == NULL || d.files == NULL)
		goto out;
	for (f = 0; f < opts.files; f++) {
		pthread_rwlock_init(&d.files[f].lock, NULL);
		d.files[f].size = opts.size;
		/* Generation 0 everywhere: the content is H(file, off). */
		d.files[f].gen = calloc(1, opts.size);
		if (d.files[f].gen == NULL)
			goto out;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.mnt = opts.mnt;
	cfg.source = "stalefs-torture";
	cfg.nworkers = opts.workers;
	cfg.max_write = opts.max_write;
	cfg.debug = opts.debug;
	cfg.dev_fd = -1;
	err = sfs_session_init(&d.s, &tt_fs, &d, &cfg);
	if (err == 0)
		err = setup_workers(&d);
	if (err == 0)
		err = sfs_session_mount(&d.s);
	if (err == 0)
		err = sfs_session_start(&d.s);
	if (err != 0) {
		fprintf(stderr, "stalefs torture: %s: %s\n", opts.mnt,
			strerror(-err));
		goto unmount;
	}
	if (opts.hammer) {
		d.nhammers = opts.hammers;
		err = tt_hammers_start(hammers, d.nhammers, &d.s, d.o);
		if (err != 0)
			d.nhammers = 0;
	}
	if (opts.selfmap && opts.workers >= 2) {
		err = selfmap_up(&d);
		if (err != 0)
			fprintf(stderr, "torture: self-mmap: %s\n",
				strerror(-err));
	}
	printf("torture: seed %" PRIu64 ", %d files of %" PRIu64 " bytes, "
	       "%d x %d clients, %d workers, adversaries:%s%s%s%s%s\n",
	       opts.seed, opts.files, opts.size, opts.procs, opts.threads,
	       opts.workers, opts.hammer ? " hammer" : "",
	       opts.reuse ? " reuse" : "", opts.remap ? " remap" : "",
	       opts.split ? " split" : "",
	       d.selfmap != NULL ? " self-mmap" : "");
	fflush(stdout);
	failed = run_clients(&d);
	if (d.nhammers > 0)
		tt_hammers_stop(hammers, d.nhammers);
	selfmap_down(&d);
unmount:
	err = sfs_session_unmount(&d.s);
	if (err != 0)
		fprintf(stderr, "stalefs torture: unmount: %s\n",
			strerror(-err));
	sfs_session_join(&d.s);
	attribute(&d);
	printf("torture: %" PRIu64 " ops (%" PRIu64 " reads, %" PRIu64
	       " writes; %.1f MiB read, %.1f MiB written), %" PRIu64
	       " daemon requests, %.1f MiB of WRITE payload verified, "
	       "%" PRIu64 " interrupts, %" PRIu64 " I/O errors, %" PRIu64
	       " mismatches\n", atomic_load(&sh->ops),
	       atomic_load(&sh->reads), atomic_load(&sh->writes),
	       (double)atomic_load(&sh->rbytes) / 1048576.0,
	       (double)atomic_load(&sh->wbytes) / 1048576.0,
	       atomic_load(&d.s.nreq),
	       (double)atomic_load(&d.wbytes_checked) / 1048576.0,
	       atomic_load(&sh->interrupts), atomic_load(&sh->errors),
	       atomic_load(&sh->mismatches));
	if (atomic_load(&sh->mismatches) != 0 || atomic_load(&sh->errors))
		failed = 1;
	if (!atomic_load(&sh->intr_ok)) {
		printf("torture: the interrupt check did not pass\n");
		failed = 1;
	}
	printf("torture: %s\n", failed ? "FAILED" : "passed");
out:
	teardown_workers(&d);
	sfs_session_destroy(&d.s);
	for (f = 0; d.files != NULL && f < opts.files; f++) {
		free(d.files[f].gen);
		pthread_rwlock_destroy(&d.files[f].lock);
	}
	free(d.files);
	free(d.log);
	free(d.scratch);
	munmap(sh, sizeof(*sh));
	return failed;
}
