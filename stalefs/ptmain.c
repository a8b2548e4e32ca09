/*
 * ptmain.c - the passthrough's command line, setup, and life until unmount.
 * Signals are taken by this thread; SIGINT and SIGTERM unmount.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "passthrough.h"
#include "pt.h"

static const struct sfs_fs pt_fs = {
	.subtype = "stalefs",
	.want = FUSE_ATOMIC_O_TRUNC | FUSE_DO_READDIRPLUS |
		FUSE_READDIRPLUS_AUTO,
	.forget = pt_forget,
	.op = {
#define PT_ENTRY(op, fn) [op] = fn,
		PT_OPS(PT_ENTRY)
#undef PT_ENTRY
	},
};

/* How long a worker that just answered polls for the next request. */
#define SPIN_DEFAULT 0

static void pt_usage(FILE *f)
{
	fprintf(f,
"usage: stalefs passthrough [-d] [-t THREADS] [--max-write BYTES]\n"
"                           [--timeout SECONDS] [--spin USEC]\n"
"                           [--allow-other] SRC MNT\n"
"       stalefs passthrough --dev-fd FD SRC   (serve a test's socket)\n"
"Re-exports directory SRC at MNT through /dev/fuse, in the foreground.\n"
"SIGINT or SIGTERM unmounts.  Only the mounting user may enter MNT unless\n"
"--allow-other, which lets every user in with the kernel checking modes\n"
"(default_permissions).  Defaults: one thread per CPU (at least 2),\n"
"128 KiB requests, 1 s cache timeout, no spinning.\n");
}

static int parse_args(int argc, char **argv, struct pt_options *o)
{
	static const struct option lo[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-write", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "dev-fd", required_argument, NULL, 'F' },
		{ "allow-other", no_argument, NULL, 'A' },
		{ "spin", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	/*
	 * One worker per CPU: every idle worker waits in the kernel's FIFO
	 * of readers, so more of them only hand each request colder caches.
	 */
	o->nworkers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (o->nworkers < 2)
		o->nworkers = 2;
	if (o->nworkers > 64)
		o->nworkers = 64;
	/*
	 * 128 KiB requests: the kernel splits a 1 MiB O_DIRECT call into
	 * eight it sends at once (ASYNC_DIO), and our workers copy them on
	 * every core; one 1 MiB request is copied on one.  bench/fuse shows
	 * both.
	 */
	o->max_write = 128 << 10;
	o->timeout = 1.0;
	o->dev_fd = -1;
	o->spin_us = SPIN_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+dt:h", lo, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case 'd':
			o->debug = 1;
			break;
		case 't':
			o->nworkers = (int)strtol(optarg, &end, 10);
			if (*end || errno || o->nworkers < 1 ||
			    o->nworkers > 256) {
				fprintf(stderr, "stalefs: bad thread count "
					"'%s' (1..256)\n", optarg);
				return 2;
			}
			break;
		case 'w':
			o->max_write = (unsigned)strtoul(optarg, &end, 10);
			if (*end || errno || o->max_write < 4096 ||
			    o->max_write > (1u << 20)) {
				fprintf(stderr, "stalefs: bad max-write '%s' "
					"(4096..1048576)\n", optarg);
				return 2;
			}
			break;
		case 'T':
			o->timeout = strtod(optarg, &end);
			if (*end || errno || !(o->timeout >= 0) ||
			    o->timeout > 1e9) {
				fprintf(stderr, "stalefs: bad timeout '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'F':
			o->dev_fd = (int)strtol(optarg, &end, 10);
			if (*end || errno || o->dev_fd < 0) {
				fprintf(stderr, "stalefs: bad fd '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'A':
			o->allow_other = 1;
			break;
		case 'S':
			o->spin_us = (int)strtol(optarg, &end, 10);
			if (*end || errno || o->spin_us < 0 ||
			    o->spin_us > 1000000) {
				fprintf(stderr, "stalefs: bad spin '%s' "
					"(0..1000000 us)\n", optarg);
				return 2;
			}
			break;
		case 'h':
			pt_usage(stdout);
			return 1;
		default:
			pt_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != (o->dev_fd >= 0 ? 1 : 2)) {
		pt_usage(stderr);
		return 2;
	}
	o->src = argv[optind];
	o->mnt = o->dev_fd >= 0 ? NULL : argv[optind + 1];
	return 0;
}

static int pt_setup(struct pt *pt, const struct pt_options *o, int rootfd)
{
	struct rlimit rl;

	/* One fh per fd; let the kernel's open files be many. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	pt->nfh = (getrlimit(RLIMIT_NOFILE, &rl) == 0) ?
		(size_t)rl.rlim_cur : 1024;
	if (pt->nfh > (1u << 20))
		pt->nfh = 1u << 20;
	pt->fhkind = calloc(pt->nfh, sizeof(*pt->fhkind));
	pt->dirs = calloc(pt->nfh, sizeof(*pt->dirs));
	pt->procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	pt->tmo_sec = (uint64_t)o->timeout;
	pt->tmo_nsec = (uint32_t)((o->timeout - (double)pt->tmo_sec) * 1e9);
	if (pt->fhkind == NULL || pt->dirs == NULL || pt->procfd < 0)
		return -1;
	(void)rootfd;
	return 0;
}

static void pt_teardown(struct pt *pt)
{
	size_t i;

	for (i = 0; i < pt->nfh; i++) {
		uint8_t k = pt->fhkind != NULL ?
			atomic_load(&pt->fhkind[i]) : FH_NONE;

		if (k == FH_DIR) {
			close(pt->dirs[i]->fd);
			pthread_mutex_destroy(&pt->dirs[i]->lock);
			free(pt->dirs[i]);
		} else if (k == FH_FILE) {
			close((int)i);
		}
	}
	free((void *)pt->fhkind);
	free(pt->dirs);
	if (pt->procfd >= 0)
		close(pt->procfd);
	pt_itable_free(pt->it);
}

/* Wait for a signal (then unmount) or for the connection to end. */
static void wait_for_end(struct sfs_session *s)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	while (atomic_load(&s->exited) < s->started) {
		int sig = sigtimedwait(&set, NULL, &ts);

		if (sig > 0 && s->mounted) {
			int err = sfs_session_unmount(s);

			if (err != 0)
				fprintf(stderr, "stalefs: unmount %s: %s\n",
					s->cfg.mnt, strerror(-err));
		}
	}
}

int pt_main(int argc, char **argv)
{
	struct pt_options o;
	struct sfs_config cfg;
	struct sfs_session s;
	struct pt pt;
	struct stat st;
	sigset_t set;
	int rootfd, err, ret = 1;

	err = parse_args(argc, argv, &o);
	if (err != 0)
		return err == 1 ? 0 : err;
	rootfd = open(o.src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || fstat(rootfd, &st) != 0) {
		fprintf(stderr, "stalefs: %s: %s\n", o.src, strerror(errno));
		return 2;
	}
	/* Modes arrive with the caller's umask applied already. */
	umask(0);
	memset(&pt, 0, sizeof(pt));
	pt.procfd = -1;
	pt.it = pt_itable_new(rootfd, &st);
	if (pt.it == NULL || pt_setup(&pt, &o, rootfd) != 0) {
		fprintf(stderr, "stalefs: out of memory\n");
		if (pt.it == NULL)
			close(rootfd);
		pt_teardown(&pt);
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.mnt = o.mnt;
	cfg.source = o.src;
	cfg.nworkers = o.nworkers;
	cfg.max_write = o.max_write;
	cfg.debug = o.debug;
	cfg.dev_fd = o.dev_fd;
	cfg.spin_us = o.spin_us;
	/*
	 * The daemon runs as root: other users may only come in if the
	 * kernel checks their permissions for us.
	 */
	if (o.allow_other)
		cfg.mount_opts = "default_permissions,allow_other";
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	err = sfs_session_init(&s, &pt_fs, &pt, &cfg);
	if (err == 0)
		err = sfs_session_mount(&s);
	if (err != 0) {
		fprintf(stderr, "stalefs: mount %s: %s\n",
			o.mnt != NULL ? o.mnt : "(fd)", strerror(-err));
		goto out;
	}
	err = sfs_session_start(&s);
	if (err != 0) {
		fprintf(stderr, "stalefs: start: %s\n", strerror(-err));
		sfs_session_unmount(&s);
	}
	wait_for_end(&s);
	sfs_session_join(&s);
	ret = atomic_load(&s.failed) || err != 0 ? 1 : 0;
	if (o.debug)
		fprintf(stderr, "stalefs: %llu requests, %zu inodes left\n",
			(unsigned long long)sfs_session_requests(&s),
			pt_icount(pt.it));
out:
	sfs_session_destroy(&s);
	pt_teardown(&pt);
	return ret;
}
