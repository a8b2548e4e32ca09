/*
 * tclient.c - torture's clients: I/O of every kind, every byte checked.
 * Each thread owns a stripe of every file, so it alone knows what is there.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/time.h>
#include "pattern.h"
#include "tshared.h"

enum { IO_BUFFERED, IO_DIRECT, IO_MMAP };

static const char *const io_name[] = { "buffered", "direct", "mmap" };

struct tc_proc {
	struct tt_shared *sh;
	const struct tt_opts *o;
	int proc;
	uint8_t **shadow;	/* per file: the generation of every byte */
	struct timespec end;
};

struct tc_thread {
	struct tc_proc *p;
	pthread_t thr;
	int thread;
	uint64_t lo, hi;	/* this thread's stripe of every file */
	int *fdb, *fdd;		/* buffered and O_DIRECT fds per file */
	uint8_t **map;		/* shared mappings per file */
	uint8_t *buf, *exp, *gen;
	uint64_t cap;		/* bytes in buf, exp, gen */
	uint64_t rng;
	int methods[3], nmethods;
	int failed;
};

static uint64_t rnd(struct tc_thread *t)
{
	uint64_t x = t->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	t->rng = x;
	return x;
}

static int past(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > end->tv_sec ||
	       (now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec);
}

/* From one byte to half again past max_write, most of them small. */
static uint64_t pick_len(struct tc_thread *t)
{
	uint64_t r = rnd(t) % 100, mw = t->p->o->max_write, len;

	if (r < 25)
		len = 1 + rnd(t) % 64;
	else if (r < 55)
		len = 1 + rnd(t) % 16384;
	else if (r < 85)
		len = 1 + rnd(t) % 262144;
	else
		len = 1 + rnd(t) % (mw + mw / 2);
	return len < t->cap ? len : t->cap;
}

static void report(struct tc_thread *t, int method, int f, uint64_t off,
		   uint64_t len, uint64_t at, uint64_t opno)
{
	struct tt_shared *sh = t->p->sh;
	uint8_t g = t->p->shadow[f][off + at];
	uint32_t k = atomic_fetch_add(&sh->nreports, 1);
	struct tt_mismatch *m;
	uint64_t nbad = 0, i;

	for (i = 0; i < len; i++)
		nbad += t->buf[i] != t->exp[i];
	fprintf(stderr, "MISMATCH seen by client %d.%d: file f%d offset %"
		PRIu64 " expected 0x%02x (generation %u) seen 0x%02x (looks "
		"like generation %u); %s read of offset %" PRIu64 " len %"
		PRIu64 " (op %" PRIu64 "), %" PRIu64 " bad bytes in it\n",
		t->p->proc, t->thread, f, off + at, t->exp[at], g, t->buf[at],
		tt_gen_of((uint32_t)f, off + at, t->buf[at]),
		io_name[method], off, len, opno, nbad);
	if (k >= TT_MAX_REPORTS)
		return;
	m = &sh->reports[k];
	m->proc = t->p->proc;
	m->thread = t->thread;
	m->file = (uint32_t)f;
	m->off = off + at;
	m->expected = t->exp[at];
	m->seen = t->buf[at];
	m->gen_expected = g;
	m->gen_seen = tt_gen_of((uint32_t)f, off + at, t->buf[at]);
	snprintf(m->method, sizeof(m->method), "%s", io_name[method]);
	m->op_off = off;
	m->op_len = len;
	m->opno = opno;
}

static ssize_t do_io(struct tc_thread *t, int method, int f, int write,
		     uint64_t off, uint64_t len)
{
	uint8_t *m = t->map[f];
	long pg = 4096;

	switch (method) {
	case IO_BUFFERED:
		return write ? pwrite(t->fdb[f], t->buf, len, (off_t)off) :
			       pread(t->fdb[f], t->buf, len, (off_t)off);
	case IO_DIRECT:
		return write ? pwrite(t->fdd[f], t->buf, len, (off_t)off) :
			       pread(t->fdd[f], t->buf, len, (off_t)off);
	default:
		if (!write) {
			memcpy(t->buf, m + off, len);
			return (ssize_t)len;
		}
		memcpy(m + off, t->buf, len);
		/* Synchronously: the daemon must hold it before we go on. */
		{
			uint64_t a = off & ~(uint64_t)(pg - 1);

			if (msync(m + a, off + len - a, MS_SYNC) != 0)
				return -1;
		}
		return (ssize_t)len;
	}
}

static int one_op(struct tc_thread *t, uint64_t opno)
{
	const struct tt_opts *o = t->p->o;
	int f = (int)(rnd(t) % (uint64_t)o->files);
	int method = t->methods[rnd(t) % (uint64_t)t->nmethods];
	int write = (int)(rnd(t) & 1);
	uint64_t len = pick_len(t), span = t->hi - t->lo, off, i;
	uint8_t *shadow = t->p->shadow[f];
	struct tt_shared *sh = t->p->sh;
	ssize_t n;

	if (len > span)
		len = span;
	off = t->lo + rnd(t) % (span - len + 1);
	if (write) {
		for (i = 0; i < len; i++)
			t->gen[i] = (uint8_t)(shadow[off + i] + 1);
		tt_fill(t->buf, (uint32_t)f, off, len, t->gen);
	}
	n = do_io(t, method, f, write, off, len);
	if (n != (ssize_t)len) {
		fprintf(stderr, "torture client %d.%d: %s %s of f%d offset %"
			PRIu64 " len %" PRIu64 ": %s\n", t->p->proc,
			t->thread, io_name[method], write ? "write" : "read",
			f, off, len, n < 0 ? strerror(errno) : "short");
		atomic_fetch_add(&sh->errors, 1);
		return -1;
	}
	if (write) {
		memcpy(shadow + off, t->gen, len);
		atomic_fetch_add(&sh->writes, 1);
		atomic_fetch_add(&sh->wbytes, len);
		return 0;
	}
	atomic_fetch_add(&sh->reads, 1);
	atomic_fetch_add(&sh->rbytes, len);
	tt_fill(t->exp, (uint32_t)f, off, len, shadow + off);
	if (memcmp(t->exp, t->buf, len) == 0)
		return 0;
	for (i = 0; i < len && t->buf[i] == t->exp[i]; i++)
		;
	atomic_fetch_add(&sh->mismatches, 1);
	report(t, method, f, off, len, i, opno);
	return -1;
}

static void *thread_main(void *arg)
{
	struct tc_thread *t = arg;
	struct tt_shared *sh = t->p->sh;
	const struct tt_opts *o = t->p->o;
	uint64_t opno;

	while (!atomic_load(&sh->stop) && !past(&t->p->end)) {
		opno = atomic_fetch_add(&sh->ops, 1);
		if (o->ops != 0 && opno >= o->ops) {
			atomic_fetch_sub(&sh->ops, 1);
			break;
		}
		if (one_op(t, opno) != 0) {
			t->failed = 1;
			break;
		}
	}
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal during a READ the daemon holds must become an INTERRUPT. */
static void interrupt_check(struct tc_proc *p)
{
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	struct sigaction sa;
	char path[4096], buf[4096];
	ssize_t n;
	int fd, e;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: we want EINTR */
	sigaction(SIGALRM, &sa, NULL);
	snprintf(path, sizeof(path), "%s/.slow", p->o->mnt);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "torture: open %s: %s\n", path,
			strerror(errno));
		return;
	}
	setitimer(ITIMER_REAL, &it, NULL);
	n = read(fd, buf, sizeof(buf));
	e = errno;
	close(fd);
	if (n < 0 && e == EINTR)
		atomic_store(&p->sh->intr_ok, 1);
	else
		fprintf(stderr, "torture: read of .slow under SIGALRM gave "
			"%zd (%s), not EINTR\n", n, n < 0 ? strerror(e) : "-");
}

static int open_files(struct tc_thread *t)
{
	const struct tt_opts *o = t->p->o;
	char path[4096];
	int f;

	for (f = 0; f < o->files; f++) {
		snprintf(path, sizeof(path), "%s/f%d", o->mnt, f);
		t->fdb[f] = open(path, O_RDWR | O_CLOEXEC);
		t->fdd[f] = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (t->fdb[f] < 0 || t->fdd[f] < 0)
			return -1;
		t->map[f] = mmap(NULL, o->size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, t->fdb[f], 0);
		if (t->map[f] == MAP_FAILED) {
			t->map[f] = NULL;
			return -1;
		}
	}
	return 0;
}

static void close_files(struct tc_thread *t)
{
	int f;

	for (f = 0; f < t->p->o->files; f++) {
		if (t->map[f] != NULL)
			munmap(t->map[f], t->p->o->size);
		if (t->fdb[f] >= 0)
			close(t->fdb[f]);
		if (t->fdd[f] >= 0)
			close(t->fdd[f]);
	}
}

static int thread_init(struct tc_thread *t, struct tc_proc *p, int k)
{
	const struct tt_opts *o = p->o;
	uint64_t nstripes = (uint64_t)o->procs * (uint64_t)o->threads;
	uint64_t stripe = o->size / nstripes / 65536 * 65536;
	uint64_t idx = (uint64_t)p->proc * (uint64_t)o->threads +
		       (uint64_t)k;
	size_t cap = (size_t)(o->max_write + o->max_write / 2 + 65536);

	t->p = p;
	t->thread = k;
	t->lo = idx * stripe;
	t->hi = t->lo + stripe;
	t->rng = (o->seed ^ (idx + 1) * 0x9e3779b97f4a7c15ULL) | 1;
	if (o->io_buffered)
		t->methods[t->nmethods++] = IO_BUFFERED;
	if (o->io_direct)
		t->methods[t->nmethods++] = IO_DIRECT;
	if (o->io_mmap)
		t->methods[t->nmethods++] = IO_MMAP;
	t->fdb = malloc(sizeof(int) * (size_t)o->files);
	t->fdd = malloc(sizeof(int) * (size_t)o->files);
	t->map = calloc((size_t)o->files, sizeof(*t->map));
	t->cap = cap;
	t->buf = aligned_alloc(4096, cap);
	t->exp = malloc(cap);
	t->gen = malloc(cap);
	if (t->fdb == NULL || t->fdd == NULL || t->map == NULL ||
	    t->buf == NULL || t->exp == NULL || t->gen == NULL)
		return -1;
	for (int f = 0; f < o->files; f++)
		t->fdb[f] = t->fdd[f] = -1;
	return open_files(t);
}

static void thread_fini(struct tc_thread *t)
{
	if (t->fdb != NULL && t->fdd != NULL && t->map != NULL)
		close_files(t);
	free(t->fdb);
	free(t->fdd);
	free(t->map);
	free(t->buf);
	free(t->exp);
	free(t->gen);
}

int tt_client_main(struct tt_shared *sh, int proc)
{
	struct tc_proc p;
	struct tc_thread *t;
	const struct tt_opts *o = &sh->o;
	int k, f, failed = 0, started = 0;
	long ns;

	memset(&p, 0, sizeof(p));
	p.sh = sh;
	p.o = o;
	p.proc = proc;
	clock_gettime(CLOCK_MONOTONIC, &p.end);
	ns = (long)((o->seconds - (double)(long)o->seconds) * 1e9);
	p.end.tv_sec += (time_t)o->seconds;
	p.end.tv_nsec += ns;
	if (p.end.tv_nsec >= 1000000000) {
		p.end.tv_sec++;
		p.end.tv_nsec -= 1000000000;
	}
	p.shadow = calloc((size_t)o->files, sizeof(*p.shadow));
	t = calloc((size_t)o->threads, sizeof(*t));
	if (p.shadow == NULL || t == NULL)
		return 1;
	for (f = 0; f < o->files; f++) {
		p.shadow[f] = calloc(1, o->size);
		if (p.shadow[f] == NULL)
			return 1;
	}
	if (proc == 0)
		interrupt_check(&p);
	for (k = 0; k < o->threads; k++) {
		if (thread_init(&t[k], &p, k) != 0) {
			fprintf(stderr, "torture client %d.%d: setup: %s\n",
				proc, k, strerror(errno));
			failed = 1;
			break;
		}
	}
	for (k = 0; !failed && k < o->threads; k++) {
		if (pthread_create(&t[k].thr, NULL, thread_main, &t[k]) != 0) {
			failed = 1;
			break;
		}
		started++;
	}
	for (k = 0; k < started; k++) {
		pthread_join(t[k].thr, NULL);
		failed |= t[k].failed;
	}
	for (k = 0; k < o->threads; k++)
		thread_fini(&t[k]);
	for (f = 0; f < o->files; f++)
		free(p.shadow[f]);
	free(p.shadow);
	free(t);
	return failed;
}
