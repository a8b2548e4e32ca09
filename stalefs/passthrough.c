/*
 * passthrough.c - `stalefs passthrough SRC MNT`: a directory, re-exported.
 * Every name is one checked component opened beneath its parent's O_PATH fd.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include "inode.h"
#include "loop.h"
#include "passthrough.h"

/* What an open file handle (an fd number) is, so a hostile fh is caught. */
enum { FH_NONE, FH_FILE, FH_DIR };

struct pt_dir {
	pthread_mutex_t lock;
	int fd;
	off_t pos;		/* offset the buffered entries continue from */
	size_t len, cur;	/* buffered getdents64 bytes */
	uint64_t buf[4096];	/* aligned for struct dirent64 */
};

struct pt {
	struct pt_itable *it;
	int procfd;		/* /proc/self/fd, to reopen O_PATH fds */
	uint64_t tmo_sec;
	uint32_t tmo_nsec;
	size_t nfh;
	_Atomic uint8_t *fhkind;
	struct pt_dir **dirs;
};

static struct pt *PT(struct sfs_req *r)
{
	return r->w->s->priv;
}

/* ---- file handles ---- */

static void fh_set(struct pt *pt, int fd, int kind)
{
	atomic_store(&pt->fhkind[fd], (uint8_t)kind);
}

static int fh_get(struct pt *pt, uint64_t fh, int kind)
{
	if (fh >= pt->nfh || atomic_load(&pt->fhkind[fh]) != kind)
		return -1;
	return (int)fh;
}

static int fh_new(struct pt *pt, int fd, int kind)
{
	if (fd < 0)
		return -1;
	if ((size_t)fd >= pt->nfh) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	fh_set(pt, fd, kind);
	return fd;
}

/* ---- credentials: create as the caller, so ownership is theirs ---- */

struct creds {
	int changed;
};

static void as_caller(struct sfs_req *r, struct creds *c)
{
	c->changed = r->h->uid != 0 || r->h->gid != 0;
	if (c->changed) {
		setfsgid(r->h->gid);
		setfsuid(r->h->uid);
	}
}

static void as_daemon(struct creds *c)
{
	if (c->changed) {
		setfsuid(0);
		setfsgid(0);
	}
}

/* ---- attributes and entries ---- */

static void fill_attr(struct fuse_attr *a, const struct stat *st)
{
	memset(a, 0, sizeof(*a));
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = (uint32_t)st->st_rdev;
	a->blksize = (uint32_t)st->st_blksize;
}

static int stat_inode(struct pt_inode *i, struct stat *st)
{
	if (fstatat(i->fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
		return errno;
	return 0;
}

/*
 * Open one name beneath dirfd.  The name was checked (proto.c) to be a
 * single component; RESOLVE_BENEATH and no symlinks make sure of it even
 * if SRC changes under us.
 */
static int open_beneath(int dirfd, const char *name, int flags, mode_t mode)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
	how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		      RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
}

/* Look name up beneath dir; on success e is filled and counted. */
static int do_lookup(struct pt *pt, struct pt_inode *dir, const char *name,
		     struct fuse_entry_out *e, struct pt_inode **ip)
{
	struct pt_inode *i;
	struct stat st;
	int fd, err;

	memset(e, 0, sizeof(*e));
	fd = open_beneath(dir->fd, name, O_PATH, 0);
	if (fd < 0)
		return errno;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
		err = errno;
		close(fd);
		return err;
	}
	i = pt_iadd(pt->it, fd, &st);
	if (i == NULL)
		return ENOMEM;
	e->nodeid = i->nodeid;
	e->generation = i->gen;
	e->entry_valid = e->attr_valid = pt->tmo_sec;
	e->entry_valid_nsec = e->attr_valid_nsec = pt->tmo_nsec;
	fill_attr(&e->attr, &st);
	if (ip != NULL)
		*ip = i;
	else
		pt_iput(pt->it, i);
	return 0;
}

static int reply_entry(struct sfs_req *r, struct pt_inode *dir,
		       const char *name)
{
	struct pt *pt = PT(r);
	struct fuse_entry_out e;
	int err = do_lookup(pt, dir, name, &e, NULL);

	if (err != 0)
		return err;
	return sfs_reply_buf(r, &e, sizeof(e));
}

/* Resolve the request's node id; the kernel's ids are checked, too. */
#define GET_INODE(var, r, nid)						\
	struct pt_inode *var = pt_iget(PT(r)->it, (nid));		\
	if (var == NULL)						\
		return ESTALE

/* The path of an O_PATH fd, for calls that have no fd-relative form. */
static void proc_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

static int pt_lookup(struct sfs_req *r)
{
	struct pt *pt = PT(r);
	struct fuse_entry_out e;
	int err;

	GET_INODE(dir, r, r->h->nodeid);
	err = do_lookup(pt, dir, r->name, &e, NULL);
	pt_iput(pt->it, dir);
	if (err == ENOENT) {
		/* A negative entry, cached as long as a positive one. */
		memset(&e, 0, sizeof(e));
		e.entry_valid = pt->tmo_sec;
		e.entry_valid_nsec = pt->tmo_nsec;
		return sfs_reply_buf(r, &e, sizeof(e));
	}
	if (err != 0)
		return err;
	return sfs_reply_buf(r, &e, sizeof(e));
}

static void pt_forget(void *priv, uint64_t nodeid, uint64_t nlookup)
{
	struct pt *pt = priv;

	pt_iforget(pt->it, nodeid, nlookup);
}

static int reply_attr(struct sfs_req *r, const struct stat *st)
{
	struct pt *pt = PT(r);
	struct fuse_attr_out ao;

	memset(&ao, 0, sizeof(ao));
	ao.attr_valid = pt->tmo_sec;
	ao.attr_valid_nsec = pt->tmo_nsec;
	fill_attr(&ao.attr, st);
	return sfs_reply_buf(r, &ao, sizeof(ao));
}

static int pt_getattr(struct sfs_req *r)
{
	const struct fuse_getattr_in *gi = r->arg;
	struct pt *pt = PT(r);
	struct stat st;
	int err, fd;

	GET_INODE(i, r, r->h->nodeid);
	fd = (gi->getattr_flags & FUSE_GETATTR_FH) ?
		fh_get(pt, gi->fh, FH_FILE) : -1;
	if (fd >= 0)
		err = fstat(fd, &st) != 0 ? errno : 0;
	else
		err = stat_inode(i, &st);
	pt_iput(pt->it, i);
	return err != 0 ? err : reply_attr(r, &st);
}

static int pt_statx(struct sfs_req *r)
{
	const struct sfs_statx_in *si = r->arg;
	struct pt *pt = PT(r);
	struct sfs_statx_out so;
	struct statx sx;
	int flags = AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW;
	int err;

	GET_INODE(i, r, r->h->nodeid);
	flags |= (int)(si->sx_flags & AT_STATX_SYNC_TYPE);
	err = statx(i->fd, "", flags, si->sx_mask, &sx) != 0 ? errno : 0;
	pt_iput(pt->it, i);
	if (err != 0)
		return err;
	memset(&so, 0, sizeof(so));
	so.attr_valid = pt->tmo_sec;
	so.attr_valid_nsec = pt->tmo_nsec;
	so.stat.mask = sx.stx_mask;
	so.stat.blksize = sx.stx_blksize;
	so.stat.attributes = sx.stx_attributes;
	so.stat.nlink = sx.stx_nlink;
	so.stat.uid = sx.stx_uid;
	so.stat.gid = sx.stx_gid;
	so.stat.mode = sx.stx_mode;
	so.stat.ino = sx.stx_ino;
	so.stat.size = sx.stx_size;
	so.stat.blocks = sx.stx_blocks;
	so.stat.attributes_mask = sx.stx_attributes_mask;
#define SXT(f) do {							\
		so.stat.f.tv_sec = sx.stx_##f.tv_sec;			\
		so.stat.f.tv_nsec = sx.stx_##f.tv_nsec;			\
	} while (0)
	SXT(atime);
	SXT(btime);
	SXT(ctime);
	SXT(mtime);
#undef SXT
	so.stat.rdev_major = sx.stx_rdev_major;
	so.stat.rdev_minor = sx.stx_rdev_minor;
	so.stat.dev_major = sx.stx_dev_major;
	so.stat.dev_minor = sx.stx_dev_minor;
	return sfs_reply_buf(r, &so, sizeof(so));
}

static struct timespec set_time(uint32_t valid, uint32_t now_bit,
				uint32_t set_bit, uint64_t sec, uint32_t nsec)
{
	struct timespec ts = { 0, UTIME_OMIT };

	if (valid & now_bit) {
		ts.tv_nsec = UTIME_NOW;
	} else if (valid & set_bit) {
		ts.tv_sec = (time_t)sec;
		ts.tv_nsec = nsec;
	}
	return ts;
}

static int do_setattr(struct pt *pt, struct pt_inode *i,
		      const struct fuse_setattr_in *si)
{
	uint32_t v = si->valid;
	char path[64];
	int fd = -1;

	if (v & FATTR_FH) {
		fd = fh_get(pt, si->fh, FH_FILE);
		if (fd < 0)
			return EBADF;
	}
	/* Mode and size of a symlink are never set; its target's would be. */
	if (i->type == S_IFLNK && (v & (FATTR_MODE | FATTR_SIZE)))
		return EOPNOTSUPP;
	proc_path(path, sizeof(path), i->fd);
	if (v & FATTR_MODE) {
		if ((fd >= 0 ? fchmod(fd, si->mode & 07777) :
		     chmod(path, si->mode & 07777)) != 0)
			return errno;
	}
	if (v & (FATTR_UID | FATTR_GID)) {
		uid_t uid = (v & FATTR_UID) ? si->uid : (uid_t)-1;
		gid_t gid = (v & FATTR_GID) ? si->gid : (gid_t)-1;

		if (fchownat(i->fd, "", uid, gid,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
			return errno;
	}
	if (v & FATTR_SIZE) {
		if (si->size > (uint64_t)INT64_MAX)
			return EFBIG;
		if ((fd >= 0 ? ftruncate(fd, (off_t)si->size) :
		     truncate(path, (off_t)si->size)) != 0)
			return errno;
	}
	if (v & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW |
		 FATTR_MTIME_NOW)) {
		struct timespec ts[2];

		ts[0] = set_time(v, FATTR_ATIME_NOW, FATTR_ATIME, si->atime,
				 si->atimensec);
		ts[1] = set_time(v, FATTR_MTIME_NOW, FATTR_MTIME, si->mtime,
				 si->mtimensec);
		if (utimensat(i->fd, "", ts,
			      AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0)
			return errno;
	}
	return 0;
}

static int pt_setattr(struct sfs_req *r)
{
	struct pt *pt = PT(r);
	struct stat st;
	int err;

	GET_INODE(i, r, r->h->nodeid);
	err = do_setattr(pt, i, r->arg);
	if (err == 0)
		err = stat_inode(i, &st);
	pt_iput(pt->it, i);
	return err != 0 ? err : reply_attr(r, &st);
}

static int pt_readlink(struct sfs_req *r)
{
	struct pt *pt = PT(r);
	ssize_t n;
	int err = 0;

	GET_INODE(i, r, r->h->nodeid);
	n = readlinkat(i->fd, "", r->w->out, PATH_MAX);
	if (n < 0)
		err = errno;
	pt_iput(pt->it, i);
	return err != 0 ? err : sfs_reply_buf(r, r->w->out, (size_t)n);
}

/* Make an object under dir, as the caller, then answer with its entry. */
enum mk_kind { MK_DIR, MK_NOD, MK_SYMLINK };

static int make_node(struct sfs_req *r, enum mk_kind kind, mode_t mode,
		     dev_t rdev)
{
	struct pt *pt = PT(r);
	struct creds c;
	int ret, err = 0;

	GET_INODE(dir, r, r->h->nodeid);
	as_caller(r, &c);
	if (kind == MK_DIR)
		ret = mkdirat(dir->fd, r->name, mode);
	else if (kind == MK_NOD)
		ret = mknodat(dir->fd, r->name, mode, rdev);
	else
		ret = symlinkat(r->name2, dir->fd, r->name);
	if (ret != 0)
		err = errno;
	as_daemon(&c);
	if (err == 0)
		err = reply_entry(r, dir, r->name);
	pt_iput(pt->it, dir);
	return err;
}

static int pt_mkdir(struct sfs_req *r)
{
	const struct fuse_mkdir_in *mi = r->arg;

	return make_node(r, MK_DIR, mi->mode & 07777, 0);
}

static int pt_mknod(struct sfs_req *r)
{
	const struct fuse_mknod_in *mi = r->arg;

	return make_node(r, MK_NOD, mi->mode, mi->rdev);
}

static int pt_symlink(struct sfs_req *r)
{
	return make_node(r, MK_SYMLINK, 0, 0);
}

static int remove_name(struct sfs_req *r, int flags)
{
	struct pt *pt = PT(r);
	int err;

	GET_INODE(dir, r, r->h->nodeid);
	err = unlinkat(dir->fd, r->name, flags) != 0 ? errno : 0;
	pt_iput(pt->it, dir);
	return err != 0 ? err : sfs_reply_buf(r, NULL, 0);
}

static int pt_unlink(struct sfs_req *r)
{
	return remove_name(r, 0);
}

static int pt_rmdir(struct sfs_req *r)
{
	return remove_name(r, AT_REMOVEDIR);
}

static int do_rename(struct sfs_req *r, uint64_t newdir, unsigned flags)
{
	struct pt *pt = PT(r);
	struct pt_inode *nd;
	int err;

	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE |
				RENAME_WHITEOUT))
		return EINVAL;
	GET_INODE(od, r, r->h->nodeid);
	nd = pt_iget(pt->it, newdir);
	if (nd == NULL) {
		pt_iput(pt->it, od);
		return ESTALE;
	}
	err = renameat2(od->fd, r->name, nd->fd, r->name2, flags) != 0 ?
		errno : 0;
	pt_iput(pt->it, nd);
	pt_iput(pt->it, od);
	return err != 0 ? err : sfs_reply_buf(r, NULL, 0);
}

static int pt_rename(struct sfs_req *r)
{
	const struct fuse_rename_in *ri = r->arg;

	return do_rename(r, ri->newdir, 0);
}

static int pt_rename2(struct sfs_req *r)
{
	const struct fuse_rename2_in *ri = r->arg;

	return do_rename(r, ri->newdir, ri->flags);
}

static int pt_link(struct sfs_req *r)
{
	const struct fuse_link_in *li = r->arg;
	struct pt *pt = PT(r);
	struct pt_inode *src;
	int err;

	GET_INODE(dir, r, r->h->nodeid);
	src = pt_iget(pt->it, li->oldnodeid);
	if (src == NULL) {
		pt_iput(pt->it, dir);
		return ESTALE;
	}
	/* The inode itself, never a path that could be swapped. */
	err = linkat(src->fd, "", dir->fd, r->name, AT_EMPTY_PATH) != 0 ?
		errno : 0;
	pt_iput(pt->it, src);
	if (err == 0)
		err = reply_entry(r, dir, r->name);
	pt_iput(pt->it, dir);
	return err;
}

/* Reopen an O_PATH inode fd with real access, through its magic link. */
static int reopen(struct pt *pt, struct pt_inode *i, int flags)
{
	char name[32];

	if (i->type == S_IFLNK) {
		errno = ELOOP;
		return -1;
	}
	snprintf(name, sizeof(name), "%d", i->fd);
	flags &= ~(O_CREAT | O_EXCL | O_NOCTTY | O_NOFOLLOW);
	return openat(pt->procfd, name, flags | O_CLOEXEC);
}

static int reply_open(struct sfs_req *r, int fh)
{
	struct fuse_open_out oo;

	memset(&oo, 0, sizeof(oo));
	oo.fh = (uint64_t)fh;
	return sfs_reply_buf(r, &oo, sizeof(oo));
}

static int pt_open(struct sfs_req *r)
{
	const struct fuse_open_in *oi = r->arg;
	struct pt *pt = PT(r);
	int fd, err = 0;

	GET_INODE(i, r, r->h->nodeid);
	fd = fh_new(pt, reopen(pt, i, (int)oi->flags), FH_FILE);
	if (fd < 0)
		err = errno;
	pt_iput(pt->it, i);
	if (err != 0)
		return err;
	if (reply_open(r, fd) != 0) {
		fh_set(pt, fd, FH_NONE);
		close(fd);
	}
	return 0;
}

static int pt_create(struct sfs_req *r)
{
	const struct fuse_create_in *ci = r->arg;
	struct pt *pt = PT(r);
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} out;
	struct pt_inode *i = NULL;
	struct stat st1;
	struct creds c;
	int fd, err = 0;

	GET_INODE(dir, r, r->h->nodeid);
	as_caller(r, &c);
	fd = open_beneath(dir->fd, r->name, (int)ci->flags | O_CREAT,
			  ci->mode & 07777);
	if (fd < 0)
		err = errno;
	as_daemon(&c);
	if (err == 0 && fstat(fd, &st1) != 0)
		err = errno;
	if (err == 0)
		err = do_lookup(pt, dir, r->name, &out.e, &i);
	/* The name must still be what we created, or we would lie. */
	if (err == 0 && (i->dev != st1.st_dev || i->ino != st1.st_ino)) {
		pt_iunlookup(pt->it, i);
		err = EAGAIN;
	}
	pt_iput(pt->it, dir);
	if (i != NULL)
		pt_iput(pt->it, i);
	if (err != 0) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	if (fh_new(pt, fd, FH_FILE) < 0) {
		pt_iforget(pt->it, out.e.nodeid, 1);
		return errno;
	}
	memset(&out.o, 0, sizeof(out.o));
	out.o.fh = (uint64_t)fd;
	if (sfs_reply_buf(r, &out, sizeof(out)) != 0) {
		fh_set(pt, fd, FH_NONE);
		close(fd);
	}
	return 0;
}

static int pt_read(struct sfs_req *r)
{
	const struct fuse_read_in *ri = r->arg;
	struct pt *pt = PT(r);
	int fd = fh_get(pt, ri->fh, FH_FILE);
	ssize_t n;

	if (fd < 0)
		return EBADF;
	/* The worker's long-lived buffer: no allocation, no page faults. */
	n = pread(fd, r->w->out, ri->size, (off_t)ri->offset);
	if (n < 0)
		return errno;
	return sfs_reply_buf(r, r->w->out, (size_t)n);
}

static int pt_write(struct sfs_req *r)
{
	const struct fuse_write_in *wi = r->arg;
	struct pt *pt = PT(r);
	int fd = fh_get(pt, wi->fh, FH_FILE);
	struct fuse_write_out wo;
	ssize_t n;

	if (fd < 0)
		return EBADF;
	/* Straight from the receive buffer the kernel copied into. */
	n = r->ndata > 0 ? pwritev(fd, r->data, r->ndata, (off_t)wi->offset)
			 : 0;
	if (n < 0)
		return errno;
	memset(&wo, 0, sizeof(wo));
	wo.size = (uint32_t)n;
	return sfs_reply_buf(r, &wo, sizeof(wo));
}

static int pt_statfs(struct sfs_req *r)
{
	struct pt *pt = PT(r);
	struct fuse_statfs_out so;
	struct statfs sf;
	int err;

	GET_INODE(i, r, r->h->nodeid);
	err = fstatfs(i->fd, &sf) != 0 ? errno : 0;
	pt_iput(pt->it, i);
	if (err != 0)
		return err;
	memset(&so, 0, sizeof(so));
	so.st.blocks = sf.f_blocks;
	so.st.bfree = sf.f_bfree;
	so.st.bavail = sf.f_bavail;
	so.st.files = sf.f_files;
	so.st.ffree = sf.f_ffree;
	so.st.bsize = (uint32_t)sf.f_bsize;
	so.st.namelen = (uint32_t)sf.f_namelen;
	so.st.frsize = (uint32_t)sf.f_frsize;
	return sfs_reply_buf(r, &so, sizeof(so));
}

static int pt_release(struct sfs_req *r)
{
	const struct fuse_release_in *ri = r->arg;
	struct pt *pt = PT(r);
	int fd = fh_get(pt, ri->fh, FH_FILE);

	if (fd < 0)
		return EBADF;
	fh_set(pt, fd, FH_NONE);
	close(fd);
	return sfs_reply_buf(r, NULL, 0);
}

static int pt_flush(struct sfs_req *r)
{
	const struct fuse_flush_in *fi = r->arg;
	struct pt *pt = PT(r);
	int fd = fh_get(pt, fi->fh, FH_FILE);
	int dfd;

	if (fd < 0)
		return EBADF;
	/* Closing a duplicate reports what close(2) on SRC would. */
	dfd = dup(fd);
	if (dfd < 0)
		return errno;
	if (close(dfd) != 0)
		return errno;
	return sfs_reply_buf(r, NULL, 0);
}

static int do_fsync(struct sfs_req *r, int kind)
{
	const struct fuse_fsync_in *fi = r->arg;
	int fd = fh_get(PT(r), fi->fh, kind);
	int ret;

	if (fd < 0)
		return EBADF;
	if (kind == FH_DIR)
		fd = PT(r)->dirs[fd]->fd;
	ret = (fi->fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(fd) :
		fsync(fd);
	return ret != 0 ? errno : sfs_reply_buf(r, NULL, 0);
}

static int pt_fsync(struct sfs_req *r)
{
	return do_fsync(r, FH_FILE);
}

static int pt_fallocate(struct sfs_req *r)
{
	const struct fuse_fallocate_in *fa = r->arg;
	int fd = fh_get(PT(r), fa->fh, FH_FILE);

	if (fd < 0)
		return EBADF;
	if (fa->offset > (uint64_t)INT64_MAX || fa->length > (uint64_t)INT64_MAX)
		return EINVAL;
	if (fallocate(fd, (int)fa->mode, (off_t)fa->offset,
		      (off_t)fa->length) != 0)
		return errno;
	return sfs_reply_buf(r, NULL, 0);
}

static int pt_lseek(struct sfs_req *r)
{
	const struct fuse_lseek_in *li = r->arg;
	int fd = fh_get(PT(r), li->fh, FH_FILE);
	struct fuse_lseek_out lo;
	off_t off;

	if (fd < 0)
		return EBADF;
	if (li->offset > (uint64_t)INT64_MAX)
		return EINVAL;
	off = lseek(fd, (off_t)li->offset, (int)li->whence);
	if (off < 0)
		return errno;
	lo.offset = (uint64_t)off;
	return sfs_reply_buf(r, &lo, sizeof(lo));
}

static int pt_copy_file_range(struct sfs_req *r)
{
	const struct fuse_copy_file_range_in *ci = r->arg;
	int in = fh_get(PT(r), ci->fh_in, FH_FILE);
	int out = fh_get(PT(r), ci->fh_out, FH_FILE);
	struct fuse_write_out wo;
	loff_t oin, oout;
	ssize_t n;

	if (in < 0 || out < 0)
		return EBADF;
	if (ci->off_in > (uint64_t)INT64_MAX ||
	    ci->off_out > (uint64_t)INT64_MAX || ci->flags != 0)
		return EINVAL;
	oin = (loff_t)ci->off_in;
	oout = (loff_t)ci->off_out;
	n = copy_file_range(in, &oin, out, &oout, ci->len, 0);
	if (n < 0)
		return errno;
	memset(&wo, 0, sizeof(wo));
	wo.size = (uint32_t)n;
	return sfs_reply_buf(r, &wo, sizeof(wo));
}

/* ---- extended attributes, through the inode's magic link ---- */

static int xattr_path(struct sfs_req *r, char *path, size_t len)
{
	GET_INODE(i, r, r->h->nodeid);
	/* No race-free way to reach a symlink's own xattrs: refuse. */
	int err = i->type == S_IFLNK ? EPERM : 0;

	proc_path(path, len, i->fd);
	pt_iput(PT(r)->it, i);
	return err;
}

static int pt_setxattr(struct sfs_req *r)
{
	const struct fuse_setxattr_in *si = r->arg;
	char path[64];
	int err = xattr_path(r, path, sizeof(path));

	if (err != 0)
		return err;
	if (setxattr(path, r->name, r->value, r->valuelen, (int)si->flags))
		return errno;
	return sfs_reply_buf(r, NULL, 0);
}

static int reply_xattr(struct sfs_req *r, uint32_t size, ssize_t n)
{
	struct fuse_getxattr_out go;

	if (n < 0)
		return errno;
	if (size == 0) {
		memset(&go, 0, sizeof(go));
		go.size = (uint32_t)n;
		return sfs_reply_buf(r, &go, sizeof(go));
	}
	return sfs_reply_buf(r, r->w->out, (size_t)n);
}

static int pt_getxattr(struct sfs_req *r)
{
	const struct fuse_getxattr_in *gi = r->arg;
	char path[64];
	int err = xattr_path(r, path, sizeof(path));

	if (err != 0)
		return err == EPERM ? ENODATA : err;
	return reply_xattr(r, gi->size, getxattr(path, r->name,
		gi->size ? r->w->out : NULL, gi->size));
}

static int pt_listxattr(struct sfs_req *r)
{
	const struct fuse_getxattr_in *gi = r->arg;
	char path[64];
	int err = xattr_path(r, path, sizeof(path));

	if (err == EPERM) {
		/* A symlink: list nothing rather than fail ls -l. */
		return reply_xattr(r, gi->size, 0);
	}
	if (err != 0)
		return err;
	return reply_xattr(r, gi->size, listxattr(path,
		gi->size ? r->w->out : NULL, gi->size));
}

static int pt_removexattr(struct sfs_req *r)
{
	char path[64];
	int err = xattr_path(r, path, sizeof(path));

	if (err != 0)
		return err;
	if (removexattr(path, r->name) != 0)
		return errno;
	return sfs_reply_buf(r, NULL, 0);
}

/* ---- directories ---- */

static int pt_opendir(struct sfs_req *r)
{
	struct pt *pt = PT(r);
	struct pt_dir *d;
	int fd, err = 0;

	GET_INODE(i, r, r->h->nodeid);
	fd = openat(i->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		err = errno;
	pt_iput(pt->it, i);
	if (err != 0)
		return err;
	d = malloc(sizeof(*d));
	if (d == NULL || (size_t)fd >= pt->nfh) {
		free(d);
		close(fd);
		return d == NULL ? ENOMEM : EMFILE;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->fd = fd;
	d->pos = 0;
	d->len = d->cur = 0;
	pt->dirs[fd] = d;
	fh_set(pt, fd, FH_DIR);
	if (reply_open(r, fd) != 0) {
		fh_set(pt, fd, FH_NONE);
		pt->dirs[fd] = NULL;
		close(fd);
		pthread_mutex_destroy(&d->lock);
		free(d);
	}
	return 0;
}

struct pt_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int is_dot(const char *n)
{
	return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

/* Fill buf with entries from d; returns bytes used or -errno. */
static long fill_dir(struct pt *pt, struct pt_inode *dir, struct pt_dir *d,
		     char *buf, size_t size, int plus)
{
	size_t used = 0;

	for (;;) {
		const struct pt_dirent64 *de;
		size_t namelen, rec;
		struct fuse_dirent *fd;

		if (d->cur >= d->len) {
			long n = syscall(SYS_getdents64, d->fd, d->buf,
					 sizeof(d->buf));

			if (n < 0)
				return used > 0 ? (long)used : -errno;
			if (n == 0)
				break;
			d->len = (size_t)n;
			d->cur = 0;
		}
		de = (const void *)((const char *)d->buf + d->cur);
		namelen = strlen(de->d_name);
		rec = plus ? FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS +
					       namelen) :
			     FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
		if (used + rec > size)
			break;
		memset(buf + used, 0, rec);
		if (plus) {
			struct fuse_direntplus *dp = (void *)(buf + used);

			/* . and .. are not counted by the kernel: no lookup. */
			if (!is_dot(de->d_name) &&
			    do_lookup(pt, dir, de->d_name, &dp->entry_out,
				      NULL) != 0)
				memset(&dp->entry_out, 0,
				       sizeof(dp->entry_out));
			fd = &dp->dirent;
		} else {
			fd = (void *)(buf + used);
		}
		fd->ino = de->d_ino;
		fd->off = (uint64_t)de->d_off;
		fd->namelen = (uint32_t)namelen;
		fd->type = de->d_type;
		memcpy(fd->name, de->d_name, namelen);
		used += rec;
		d->cur += de->d_reclen;
		d->pos = de->d_off;
	}
	return (long)used;
}

static int do_readdir(struct sfs_req *r, int plus)
{
	const struct fuse_read_in *ri = r->arg;
	struct pt *pt = PT(r);
	int fd = fh_get(pt, ri->fh, FH_DIR);
	struct pt_dir *d;
	long n;

	if (fd < 0)
		return EBADF;
	GET_INODE(dir, r, r->h->nodeid);
	d = pt->dirs[fd];
	pthread_mutex_lock(&d->lock);
	if ((off_t)ri->offset != d->pos) {
		if (lseek(d->fd, (off_t)ri->offset, SEEK_SET) < 0) {
			n = -errno;
			goto out;
		}
		d->pos = (off_t)ri->offset;
		d->len = d->cur = 0;
	}
	n = fill_dir(pt, dir, d, r->w->out, ri->size, plus);
out:
	pthread_mutex_unlock(&d->lock);
	pt_iput(pt->it, dir);
	if (n < 0)
		return (int)-n;
	return sfs_reply_buf(r, r->w->out, (size_t)n);
}

static int pt_readdir(struct sfs_req *r)
{
	return do_readdir(r, 0);
}

static int pt_readdirplus(struct sfs_req *r)
{
	return do_readdir(r, 1);
}

static int pt_releasedir(struct sfs_req *r)
{
	const struct fuse_release_in *ri = r->arg;
	struct pt *pt = PT(r);
	int fd = fh_get(pt, ri->fh, FH_DIR);
	struct pt_dir *d;

	if (fd < 0)
		return EBADF;
	d = pt->dirs[fd];
	pt->dirs[fd] = NULL;
	fh_set(pt, fd, FH_NONE);
	close(d->fd);
	pthread_mutex_destroy(&d->lock);
	free(d);
	return sfs_reply_buf(r, NULL, 0);
}

static int pt_fsyncdir(struct sfs_req *r)
{
	return do_fsync(r, FH_DIR);
}

static const struct sfs_fs pt_fs = {
	.subtype = "stalefs",
	.want = FUSE_ATOMIC_O_TRUNC | FUSE_DO_READDIRPLUS |
		FUSE_READDIRPLUS_AUTO,
	.forget = pt_forget,
	.op = {
		[FUSE_LOOKUP] = pt_lookup,
		[FUSE_GETATTR] = pt_getattr,
		[SFS_FUSE_STATX] = pt_statx,
		[FUSE_SETATTR] = pt_setattr,
		[FUSE_READLINK] = pt_readlink,
		[FUSE_SYMLINK] = pt_symlink,
		[FUSE_MKNOD] = pt_mknod,
		[FUSE_MKDIR] = pt_mkdir,
		[FUSE_UNLINK] = pt_unlink,
		[FUSE_RMDIR] = pt_rmdir,
		[FUSE_RENAME] = pt_rename,
		[FUSE_RENAME2] = pt_rename2,
		[FUSE_LINK] = pt_link,
		[FUSE_OPEN] = pt_open,
		[FUSE_CREATE] = pt_create,
		[FUSE_READ] = pt_read,
		[FUSE_WRITE] = pt_write,
		[FUSE_STATFS] = pt_statfs,
		[FUSE_RELEASE] = pt_release,
		[FUSE_FLUSH] = pt_flush,
		[FUSE_FSYNC] = pt_fsync,
		[FUSE_FALLOCATE] = pt_fallocate,
		[FUSE_LSEEK] = pt_lseek,
		[FUSE_COPY_FILE_RANGE] = pt_copy_file_range,
		[FUSE_SETXATTR] = pt_setxattr,
		[FUSE_GETXATTR] = pt_getxattr,
		[FUSE_LISTXATTR] = pt_listxattr,
		[FUSE_REMOVEXATTR] = pt_removexattr,
		[FUSE_OPENDIR] = pt_opendir,
		[FUSE_READDIR] = pt_readdir,
		[FUSE_READDIRPLUS] = pt_readdirplus,
		[FUSE_RELEASEDIR] = pt_releasedir,
		[FUSE_FSYNCDIR] = pt_fsyncdir,
	},
};

static void pt_usage(FILE *f)
{
	fprintf(f,
"usage: stalefs passthrough [-d] [-t THREADS] [--max-write BYTES]\n"
"                           [--timeout SECONDS] SRC MNT\n"
"       stalefs passthrough --dev-fd FD SRC   (serve a test's socket)\n"
"Re-exports directory SRC at MNT through /dev/fuse, in the foreground.\n"
"SIGINT or SIGTERM unmounts.\n");
}

static int parse_args(int argc, char **argv, struct pt_options *o)
{
	static const struct option lo[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, 't' },
		{ "max-write", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "dev-fd", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->nworkers = 4;
	o->max_write = 1 << 20;
	o->timeout = 1.0;
	o->dev_fd = -1;
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
			(unsigned long long)atomic_load(&s.nreq),
			pt_icount(pt.it));
out:
	sfs_session_destroy(&s);
	pt_teardown(&pt);
	return ret;
}
