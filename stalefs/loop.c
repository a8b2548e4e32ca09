/*
 * loop.c - the FUSE session: INIT, worker threads, replies, interrupts.
 * One long-lived, pre-faulted buffer pair per worker; one device fd each.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "loop.h"
#include "mount.h"

/* What the core asks for in INIT whatever the filesystem. */
static const uint64_t core_want = FUSE_ASYNC_READ | FUSE_BIG_WRITES |
	FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES | FUSE_ASYNC_DIO |
	FUSE_INIT_EXT;

/* Huge pages: one TLB entry covers a whole 1 MiB request. */
#define SFS_HUGE (2u << 20)

void *sfs_alloc_prefaulted(size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = size, i;
	char *p, *a;

	/* Over-allocate to align, then trim: munmap works on any pages. */
	if (size >= SFS_HUGE / 4)
		len = (size + SFS_HUGE - 1) / SFS_HUGE * SFS_HUGE + SFS_HUGE;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = p;
	if (len != size) {
		a = (char *)(((uintptr_t)p + SFS_HUGE - 1) &
			     ~(uintptr_t)(SFS_HUGE - 1));
		if (a > p)
			munmap(p, (size_t)(a - p));
		if (p + len > a + (len - SFS_HUGE))
			munmap(a + (len - SFS_HUGE),
			       (size_t)(p + len - (a + (len - SFS_HUGE))));
		madvise(a, len - SFS_HUGE, MADV_HUGEPAGE);
	}
	/* Touch for writing: a read fault would map the shared zero page. */
	for (i = 0; i < size; i += (size_t)pg)
		a[i] = 0;
	return a;
}

void sfs_free_mapping(void *p, size_t size)
{
	if (p == NULL)
		return;
	if (size >= SFS_HUGE / 4)
		size = (size + SFS_HUGE - 1) / SFS_HUGE * SFS_HUGE;
	munmap(p, size);
}

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

int sfs_session_init(struct sfs_session *s, const struct sfs_fs *fs,
		     void *priv, const struct sfs_config *cfg)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t insz, outsz;
	int i;

	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->fs = fs;
	s->priv = priv;
	s->fd = -1;
	if (s->cfg.nworkers < 1)
		s->cfg.nworkers = 1;
	if (s->cfg.max_write < 4096)
		s->cfg.max_write = 4096;
	s->cfg.max_write = (uint32_t)round_up(s->cfg.max_write, pg);
	/*
	 * The kernel refuses a read() smaller than in-header + write-in +
	 * max_write; the reply side must hold the largest READ (max_pages
	 * pages) and the largest xattr value.
	 */
	insz = round_up(sizeof(struct fuse_in_header) +
			sizeof(struct fuse_write_in) + s->cfg.max_write, pg);
	if (insz < FUSE_MIN_READ_BUFFER)
		insz = FUSE_MIN_READ_BUFFER;
	insz += pg;	/* room to page-align the WRITE payload */
	outsz = s->cfg.max_write;
	if (outsz < 65536 + pg)
		outsz = 65536 + pg;
	s->lim.max_write = s->cfg.max_write;
	s->lim.max_read = (uint32_t)outsz;
	s->w = calloc((size_t)s->cfg.nworkers, sizeof(*s->w));
	if (s->w == NULL)
		return -ENOMEM;
	for (i = 0; i < s->cfg.nworkers; i++) {
		struct sfs_worker *w = &s->w[i];

		w->s = s;
		w->idx = i;
		w->fd = -1;
		w->nfd = -1;
		w->insz = insz;
		w->inpad = pg - sizeof(struct fuse_in_header) -
			   sizeof(struct fuse_write_in);
		w->outsz = outsz;
		w->in = sfs_alloc_prefaulted(insz);
		w->out = sfs_alloc_prefaulted(outsz);
		if (w->in == NULL || w->out == NULL)
			return -ENOMEM;
	}
	return 0;
}

static int send_iov(struct sfs_worker *w, struct iovec *iov, int n,
		    size_t len)
{
	ssize_t ret = writev(w->rfd, iov, n);

	if (ret == (ssize_t)len)
		return 0;
	if (ret >= 0)
		return -EIO;
	/* ENOENT: the request was interrupted or aborted meanwhile. */
	if (errno == ENOENT) {
		atomic_fetch_add(&w->s->nstale, 1);
		return 0;
	}
	return -errno;
}

int sfs_reply(struct sfs_req *r, const struct iovec *iov, int n)
{
	struct sfs_worker *w = r->w;
	struct iovec *v = w->reply_iov;
	size_t len = sizeof(w->oh);
	int i, ret;

	if (r->replied)
		return -EALREADY;
	if (n < 0 || n > SFS_MAX_IOV - 1)
		return sfs_reply_err(r, EIO);
	for (i = 0; i < n; i++) {
		v[i + 1] = iov[i];
		len += iov[i].iov_len;
	}
	w->oh.len = (uint32_t)len;
	w->oh.error = 0;
	w->oh.unique = r->h->unique;
	v[0].iov_base = &w->oh;
	v[0].iov_len = sizeof(w->oh);
	r->replied = 1;
	ret = send_iov(w, v, n + 1, len);
	if (w->s->cfg.debug)
		fprintf(stderr, "  [%d] unique %" PRIu64 " <- %zu bytes%s\n",
			w->idx, (uint64_t)r->h->unique, len - sizeof(w->oh),
			ret != 0 ? " (send failed)" : "");
	return ret;
}

int sfs_reply_buf(struct sfs_req *r, const void *p, size_t len)
{
	struct iovec v = { (void *)p, len };

	return sfs_reply(r, &v, len != 0 ? 1 : 0);
}

int sfs_reply_err(struct sfs_req *r, int err)
{
	struct sfs_worker *w = r->w;
	struct iovec v;
	int ret;

	if (r->replied)
		return -EALREADY;
	/* The kernel only takes -511..0; anything else would be EINVAL. */
	if (err <= 0 || err > 511)
		err = EIO;
	w->oh.len = sizeof(w->oh);
	w->oh.error = -err;
	w->oh.unique = r->h->unique;
	v.iov_base = &w->oh;
	v.iov_len = sizeof(w->oh);
	r->replied = 1;
	ret = send_iov(w, &v, 1, sizeof(w->oh));
	if (w->s->cfg.debug)
		fprintf(stderr, "  [%d] unique %" PRIu64 " <- error %d (%s)\n",
			w->idx, (uint64_t)r->h->unique, err, strerror(err));
	return ret;
}

int sfs_interrupted(const struct sfs_req *r)
{
	return atomic_load(&r->w->intr) != 0;
}

/* Mark the worker serving unique as interrupted; INTERRUPT gets no reply. */
static void do_interrupt(struct sfs_session *s, uint64_t unique)
{
	int i;

	for (i = 0; i < s->cfg.nworkers; i++) {
		if (atomic_load(&s->w[i].cur) == unique) {
			atomic_store(&s->w[i].intr, 1);
			return;
		}
	}
	/*
	 * Not found: it was answered already, so the interrupt is moot;
	 * the kernel drops it when the original completes.
	 */
}

static int do_init(struct sfs_req *r, int *again)
{
	struct sfs_session *s = r->w->s;
	const struct fuse_init_in *in = r->arg;
	struct fuse_init_out out;
	uint64_t kflags = in->flags, want;
	size_t outlen = sizeof(out);
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	*again = 0;
	memset(&out, 0, sizeof(out));
	out.major = FUSE_KERNEL_VERSION;
	out.minor = FUSE_KERNEL_MINOR_VERSION;
	if (in->major > FUSE_KERNEL_VERSION) {
		/* Say which major we speak; the kernel sends INIT again. */
		*again = 1;
		return sfs_reply_buf(r, &out, sizeof(out));
	}
	if (in->major < FUSE_KERNEL_VERSION)
		return EPROTO;
	if (in->minor < out.minor)
		out.minor = in->minor;
	if ((kflags & FUSE_INIT_EXT) && r->arglen >= 5 * sizeof(uint32_t))
		kflags |= (uint64_t)in->flags2 << 32;
	want = (core_want | s->fs->want) & kflags;
	out.max_readahead = in->max_readahead;
	out.flags = (uint32_t)want;
	out.flags2 = (uint32_t)(want >> 32);
	out.max_write = s->cfg.max_write;
	out.time_gran = 1;
	out.max_pages = (uint16_t)(s->cfg.max_write / pg);
	if (out.minor < 5)
		outlen = FUSE_COMPAT_INIT_OUT_SIZE;
	else if (out.minor < 23)
		outlen = FUSE_COMPAT_22_INIT_OUT_SIZE;
	s->minor = out.minor;
	s->flags = want;
	s->lim.setxattr_ext = (want & FUSE_SETXATTR_EXT) != 0;
	if (!(want & FUSE_MAX_PAGES) && s->lim.max_write > 32 * pg)
		s->lim.max_write = (uint32_t)(32 * pg);
	if (s->cfg.debug)
		fprintf(stderr, "INIT: kernel %u.%u, speaking %u.%u, flags "
			"%#" PRIx64 ", max_write %u\n", in->major, in->minor,
			out.major, out.minor, want, out.max_write);
	return sfs_reply_buf(r, &out, outlen);
}

/* Copy a scattered request into the worker's scratch buffer. */
static int linearize(struct sfs_worker *w, const struct iovec *iov, int n,
		     size_t total)
{
	size_t off = 0;
	int i;

	if (w->lin == NULL) {
		w->lin = sfs_alloc_prefaulted(w->insz);
		if (w->lin == NULL)
			return -ENOMEM;
	}
	for (i = 0; i < n && off < total; i++) {
		size_t k = iov[i].iov_len;

		if (k > total - off)
			k = total - off;
		memcpy(w->lin + off, iov[i].iov_base, k);
		off += k;
	}
	return 0;
}

/* Point r->data at the WRITE payload, wherever the kernel put it. */
static void payload_iov(struct sfs_req *r, const struct iovec *iov, int n,
			size_t contig, size_t total)
{
	struct sfs_worker *w = r->w;
	size_t skip = sizeof(struct fuse_in_header) +
		      sizeof(struct fuse_write_in);
	size_t left = total - skip;
	int i, k = 0;

	if (contig > skip) {
		w->data[k].iov_base = (char *)iov[0].iov_base + skip;
		w->data[k].iov_len = contig - skip;
		left -= contig - skip;
		k++;
	}
	for (i = 1; i < n && left > 0; i++) {
		size_t len = iov[i].iov_len < left ? iov[i].iov_len : left;

		w->data[k].iov_base = iov[i].iov_base;
		w->data[k].iov_len = len;
		left -= len;
		k++;
	}
	r->data = w->data;
	r->ndata = k;
}

static void dispatch(struct sfs_worker *w, const struct iovec *iov, int n,
		     size_t total)
{
	struct sfs_session *s = w->s;
	const struct fuse_in_header *h;
	struct sfs_req r;
	struct sfs_msg m;
	size_t contig = iov[0].iov_len < total ? iov[0].iov_len : total;
	const char *buf = iov[0].iov_base;
	sfs_handler fn;
	int err;

	if (contig < sizeof(*h)) {
		if (linearize(w, iov, n, total) != 0)
			return;
		buf = w->lin;
		contig = total;
	}
	h = (const struct fuse_in_header *)(const void *)buf;
	if (total > contig && h->opcode != FUSE_WRITE) {
		if (linearize(w, iov, n, total) != 0)
			return;
		buf = w->lin;
		contig = total;
		h = (const struct fuse_in_header *)(const void *)buf;
	}
	memset(&r, 0, sizeof(r));
	r.w = w;
	r.h = h;
	atomic_store_explicit(&w->intr, 0, memory_order_relaxed);
	atomic_store_explicit(&w->cur, h->unique, memory_order_release);
	w->nreq++;
	if (s->cfg.debug)
		fprintf(stderr, "[%d] unique %" PRIu64 " %s(%u) nodeid %" PRIu64
			" len %u pid %u\n", w->idx, (uint64_t)h->unique,
			sfs_opname(h->opcode), h->opcode,
			(uint64_t)h->nodeid, h->len, h->pid);
	err = sfs_proto_check(&m, buf, contig, total, &s->lim);
	if (err != 0) {
		if (!sfs_op_noreply(h->opcode))
			sfs_reply_err(&r, err);
		else if (s->cfg.debug)
			fprintf(stderr, "  dropped: %s\n", strerror(err));
		goto out;
	}
	r.arg = m.arg;
	r.arglen = m.arglen;
	r.name = m.name;
	r.name2 = m.name2;
	r.value = m.value;
	r.valuelen = m.valuelen;
	r.datalen = m.datalen;
	switch (h->opcode) {
	case FUSE_FORGET:
		if (s->fs->forget != NULL) {
			const struct fuse_forget_in *fi = m.arg;

			s->fs->forget(s->priv, h->nodeid, fi->nlookup);
		}
		goto out;
	case FUSE_BATCH_FORGET:
		for (uint32_t i = 0; i < m.nforgets && s->fs->forget; i++)
			s->fs->forget(s->priv, m.forgets[i].nodeid,
				      m.forgets[i].nlookup);
		goto out;
	case FUSE_INTERRUPT:
		do_interrupt(s, ((const struct fuse_interrupt_in *)
				 m.arg)->unique);
		goto out;
	case FUSE_NOTIFY_REPLY:
		goto out;
	case FUSE_INIT:
		/* Only once, and that was in sfs_session_mount(). */
		sfs_reply_err(&r, EPROTO);
		goto out;
	case FUSE_WRITE:
		if (buf != w->lin) {
			payload_iov(&r, iov, n, contig, total);
			break;
		}
		w->data[0].iov_base = (char *)w->lin + sizeof(*h) +
				      sizeof(struct fuse_write_in);
		w->data[0].iov_len = m.datalen;
		r.data = w->data;
		r.ndata = m.datalen != 0;
		break;
	default:
		break;
	}
	fn = s->fs->op[h->opcode];
	err = fn != NULL ? fn(&r) : ENOSYS;
	if (err != 0)
		sfs_reply_err(&r, err);
	else if (!r.replied)
		sfs_reply_err(&r, EIO);
out:
	atomic_store_explicit(&w->cur, 0, memory_order_release);
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/*
 * A worker that has just answered polls for the next request for a few
 * microseconds before it sleeps: a client that waits on each reply sends
 * the next one at once, and finds a worker awake with warm caches instead
 * of a wakeup.  It yields while polling, so it never starves the client.
 */
static ssize_t spin_read(struct sfs_worker *w, struct iovec *iov, int niov)
{
	long end;
	ssize_t n;

	errno = EAGAIN;
	if (w->nfd < 0 || w->s->cfg.spin_us <= 0)
		return -1;
	w->rfd = w->nfd;
	end = now_us() + w->s->cfg.spin_us;
	do {
		n = readv(w->nfd, iov, niov);
		if (n >= 0 || errno != EAGAIN)
			return n;
		sched_yield();
	} while (now_us() < end);
	return -1;
}

static void *worker_main(void *arg)
{
	struct sfs_worker *w = arg;
	struct sfs_session *s = w->s;
	struct iovec iov[SFS_MAX_IOV];
	sigset_t all;
	ssize_t n;
	int niov;

	/* Signals go to the main thread, which unmounts. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (s->fs->worker_init != NULL)
		s->fs->worker_init(w);
	for (;;) {
		if (s->fs->recv_iov != NULL) {
			niov = s->fs->recv_iov(w, iov, SFS_MAX_IOV);
		} else {
			/*
			 * Start the message so that a WRITE payload begins
			 * on a page boundary: O_DIRECT on SRC needs that.
			 */
			iov[0].iov_base = w->in + w->inpad;
			iov[0].iov_len = w->insz - w->inpad;
			niov = 1;
		}
		n = spin_read(w, iov, niov);
		if (n < 0 && errno == EAGAIN) {
			w->rfd = w->fd;
			n = readv(w->fd, iov, niov);
		}
		if (n < 0) {
			/* ENOENT: a request was interrupted while queued. */
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ENOENT)
				continue;
			if (s->cfg.debug)
				fprintf(stderr, "stalefs: worker %d: %s\n",
					w->idx, strerror(errno));
			if (errno != ENODEV) {
				fprintf(stderr, "stalefs: worker %d: read: "
					"%s\n", w->idx, strerror(errno));
				atomic_store(&s->failed, 1);
			}
			break;
		}
		if (n == 0) {	/* end of a test's socket */
			if (s->cfg.debug)
				fprintf(stderr, "stalefs: worker %d: EOF\n",
					w->idx);
			break;
		}
		dispatch(w, iov, niov, (size_t)n);
		if (s->fs->between != NULL)
			s->fs->between(w);
	}
	if (s->fs->worker_fini != NULL)
		s->fs->worker_fini(w);
	atomic_fetch_add(&s->exited, 1);
	return NULL;
}

int sfs_session_mount(struct sfs_session *s)
{
	struct sfs_worker *w = &s->w[0];
	struct sfs_req r;
	struct sfs_msg m;
	ssize_t n;
	int fd, again = 1, err;

	if (s->cfg.dev_fd >= 0) {
		/* A test speaks the kernel's side over a socket. */
		fd = s->cfg.dev_fd;
	} else {
		fd = sfs_mount(s->cfg.mnt, s->cfg.source, s->fs->subtype,
			       s->cfg.mount_opts);
		if (fd < 0)
			return fd;
		s->mounted = 1;
	}
	s->fd = fd;
	w->fd = fd;
	w->rfd = fd;
	while (again) {
		n = read(fd, w->in, w->insz);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENODEV;
		memset(&r, 0, sizeof(r));
		r.w = w;
		r.h = (const void *)w->in;
		err = sfs_proto_check(&m, w->in, (size_t)n, (size_t)n,
				      &s->lim);
		if ((size_t)n < sizeof(*r.h))
			return -EPROTO;
		if (err == 0 && r.h->opcode != FUSE_INIT)
			err = EPROTO;
		if (err != 0) {
			sfs_reply_err(&r, err);
			return -err;
		}
		r.arg = m.arg;
		r.arglen = m.arglen;
		err = do_init(&r, &again);
		if (err > 0) {
			sfs_reply_err(&r, err);
			return -err;
		}
		if (err < 0)
			return err;
	}
	return 0;
}

/* Another fd on the session's connection; -1 if it cannot be cloned. */
static int clone_fd(int sfd, int flags)
{
	uint32_t src = (uint32_t)sfd;
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC | flags);

	if (fd >= 0 && ioctl(fd, FUSE_DEV_IOC_CLONE, &src) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int sfs_session_start(struct sfs_session *s)
{
	int i, err;

	for (i = 0; i < s->cfg.nworkers; i++) {
		struct sfs_worker *w = &s->w[i];

		if (i > 0) {
			/* A cloned fd has its own processing queue. */
			w->fd = clone_fd(s->fd, 0);
			if (w->fd < 0)
				w->fd = dup(s->fd);
			if (w->fd < 0)
				return -errno;
		}
		w->rfd = w->fd;
		if (s->cfg.spin_us > 0)
			w->nfd = clone_fd(s->fd, O_NONBLOCK);
		err = pthread_create(&w->thr, NULL, worker_main, w);
		if (err != 0)
			return -err;
		s->started = i + 1;
	}
	return 0;
}

int sfs_session_unmount(struct sfs_session *s)
{
	int err = 0;

	if (s->mounted) {
		err = sfs_umount(s->cfg.mnt);
		if (err == 0)
			s->mounted = 0;
	}
	return err;
}

void sfs_session_join(struct sfs_session *s)
{
	int i;

	for (i = 0; i < s->started; i++)
		pthread_join(s->w[i].thr, NULL);
	s->started = 0;
}

uint64_t sfs_session_requests(const struct sfs_session *s)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < s->cfg.nworkers; i++)
		n += s->w[i].nreq;
	return n;
}

void sfs_session_destroy(struct sfs_session *s)
{
	int i;

	if (s->w != NULL) {
		for (i = 0; i < s->cfg.nworkers; i++) {
			struct sfs_worker *w = &s->w[i];

			if (i > 0 && w->fd >= 0)
				close(w->fd);
			if (w->nfd >= 0)
				close(w->nfd);
			sfs_free_mapping(w->in, w->insz);
			sfs_free_mapping(w->out, w->outsz);
			sfs_free_mapping(w->lin, w->insz);
		}
		free(s->w);
		s->w = NULL;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
