/*
 * tmain.c - `stalefs torture MNT`: options, setup, clients, teardown, report.
 * The run mounts, forks the clients, waits, unmounts, and says what failed.
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
#include "tbuf.h"
#include "torture.h"
#include "tdaemon.h"
#include "tshared.h"

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
"  --inject-read N   corrupt the Nth O_DIRECT READ (tests the checker)\n"
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
			madvise(p, size, MADV_DONTFORK);
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
	/* Clients are forked: they must not inherit (and flush) it. */
	madvise(d->selfmap, size, MADV_DONTFORK);
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
	/*
	 * Write it back first: munmap() would wait for that writeback with
	 * the address space locked, and our workers may need the lock to
	 * answer it.
	 */
	if (d->selfmap != NULL) {
		msync(d->selfmap, d->scratch_size, MS_SYNC);
		munmap(d->selfmap, d->scratch_size);
	}
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
			" expected 0x%02x seen 0x%02x (%s read, client "
			"%d.%d)\n",
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
	       sfs_session_requests(&d.s),
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
