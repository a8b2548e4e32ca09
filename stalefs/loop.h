/*
 * loop.h - the FUSE session: INIT, worker threads, replies, interrupts.
 * A filesystem supplies a handler per opcode; the core does the rest.
 */
#ifndef SFS_LOOP_H
#define SFS_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/uio.h>
#include "proto.h"

/* Most iovecs a request is read into, or a reply is written from. */
#define SFS_MAX_IOV 1024

struct sfs_session;
struct sfs_worker;

/* One request being served; every pointer is validated (proto.c). */
struct sfs_req {
	struct sfs_worker *w;
	const struct fuse_in_header *h;
	const void *arg;
	size_t arglen;
	const char *name;
	const char *name2;
	const char *value;
	size_t valuelen;
	const struct iovec *data;	/* WRITE payload */
	int ndata;
	size_t datalen;
	int replied;
};

/*
 * Handlers answer with sfs_reply*() and return 0, or return a positive
 * errno and the core answers with it.
 */
typedef int (*sfs_handler)(struct sfs_req *r);

struct sfs_fs {
	const char *subtype;		/* fuse.<subtype> */
	sfs_handler op[SFS_NOPCODES];
	uint64_t want;			/* INIT flags beyond the core's */
	void (*forget)(void *priv, uint64_t nodeid, uint64_t nlookup);
	/* Optional buffer strategy: where the next request is read into. */
	int (*recv_iov)(struct sfs_worker *w, struct iovec *iov, int max);
	/* Optional: called after each request is answered. */
	void (*between)(struct sfs_worker *w);
	/* Optional: per-worker setup and teardown, in the worker thread. */
	void (*worker_init)(struct sfs_worker *w);
	void (*worker_fini)(struct sfs_worker *w);
};

struct sfs_worker {
	struct sfs_session *s;
	int idx;
	int fd;				/* cloned device fd */
	int nfd;			/* another, O_NONBLOCK, to spin on */
	int rfd;			/* the one this request came from */
	pthread_t thr;
	char *in;			/* receive buffer, pre-faulted */
	size_t insz;
	size_t inpad;			/* where in it a message starts */
	char *out;			/* reply data buffer, pre-faulted */
	size_t outsz;
	char *lin;			/* scratch to linearize a request */
	struct iovec data[SFS_MAX_IOV + 1];
	struct iovec reply_iov[SFS_MAX_IOV];
	uint64_t nreq;			/* requests this worker served */
	struct fuse_out_header oh;
	_Atomic uint64_t cur;		/* unique being served, or 0 */
	_Atomic int intr;		/* an INTERRUPT named cur */
	void *priv;			/* the filesystem's, per worker */
};

struct sfs_config {
	const char *mnt;
	const char *source;		/* shown in /proc/mounts */
	const char *mount_opts;		/* extra kernel mount options */
	int nworkers;
	uint32_t max_write;
	int debug;
	int spin_us;			/* poll before sleeping */
	int dev_fd;			/* >= 0: serve it, do not mount */
};

struct sfs_session {
	struct sfs_config cfg;
	const struct sfs_fs *fs;
	void *priv;			/* the filesystem's state */
	int fd;
	int mounted;
	uint32_t minor;			/* negotiated protocol minor */
	uint64_t flags;			/* negotiated INIT flags */
	struct sfs_limits lim;
	struct sfs_worker *w;
	int started;
	_Atomic int exited;		/* workers that have returned */
	_Atomic int failed;		/* a worker stopped on an error */
	_Atomic uint64_t nstale;	/* replies no longer wanted */
};

int sfs_session_init(struct sfs_session *s, const struct sfs_fs *fs,
		     void *priv, const struct sfs_config *cfg);
/* Mount, then read INIT and answer it. */
int sfs_session_mount(struct sfs_session *s);
/* Start the worker threads. */
int sfs_session_start(struct sfs_session *s);
int sfs_session_unmount(struct sfs_session *s);
/* Wait for the workers, which end when the connection does. */
void sfs_session_join(struct sfs_session *s);
void sfs_session_destroy(struct sfs_session *s);
/* Requests served by all workers (call after sfs_session_join). */
uint64_t sfs_session_requests(const struct sfs_session *s);

int sfs_reply(struct sfs_req *r, const struct iovec *iov, int n);
int sfs_reply_buf(struct sfs_req *r, const void *p, size_t len);
int sfs_reply_err(struct sfs_req *r, int err);
/* Has the kernel sent an INTERRUPT for this request? */
int sfs_interrupted(const struct sfs_req *r);

/* Allocate size bytes of anonymous memory with every page touched. */
void *sfs_alloc_prefaulted(size_t size);
void sfs_free_mapping(void *p, size_t size);

#endif
