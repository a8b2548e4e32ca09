/*
 * passthrough.c - `stalefs passthrough`: entries, attributes, files, xattrs.
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
#include "pt.h"

struct pt *pt_of(struct sfs_req *r)
{
	return r->w->s->priv;
}

/* ---- file handles ---- */

void pt_fh_set(struct pt *pt, int fd, int kind)
{
	atomic_store(&pt->fhkind[fd], (uint8_t)kind);
}

int pt_fh_get(struct pt *pt, uint64_t fh, int kind)
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
	pt_fh_set(pt, fd, kind);
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
static _Atomic int no_openat2;

static int open_beneath(int dirfd, const char *name, int flags, mode_t mode)
{
	struct open_how how;
	int fd;

	flags |= O_NOFOLLOW | O_CLOEXEC;
	if (!atomic_load(&no_openat2)) {
		memset(&how, 0, sizeof(how));
		how.flags = (uint64_t)flags;
		how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			      RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		/* Old kernels (and valgrind) lack it. */
		atomic_store(&no_openat2, 1);
	}
	/*
	 * Equivalent for one component that is neither "." nor ".." nor
	 * holds a '/': O_NOFOLLOW refuses a symlink in its place.
	 */
	return openat(dirfd, name, flags, mode);
}

int pt_do_lookup(struct pt *pt, struct pt_inode *dir, const char *name,
		 struct fuse_entry_out *e, struct pt_inode **ip)
{
	struct pt_inode *i;
	struct stat st;
	int fd, err;

	memset(e, 0, sizeof(*e));
	/*
	 * The kernel mostly looks up what we already hold: a stat of the
	 * one checked component finds it without opening anything.  The
	 * inode we answer with is the object itself, whatever the name
	 * means a moment later.
	 */
	if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno;
	i = pt_ifind(pt->it, st.st_dev, st.st_ino);
	if (i == NULL) {
		fd = open_beneath(dir->fd, name, O_PATH, 0);
		if (fd < 0)
			return errno;
		if (fstatat(fd, "", &st, AT_EMPTY_PATH |
			    AT_SYMLINK_NOFOLLOW) != 0) {
			err = errno;
			close(fd);
			return err;
		}
		i = pt_iadd(pt->it, fd, &st);
		if (i == NULL)
			return ENOMEM;
	}
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
	struct pt *pt = pt_of(r);
	struct fuse_entry_out e;
	int err = pt_do_lookup(pt, dir, name, &e, NULL);

	if (err != 0)
		return err;
	return sfs_reply_buf(r, &e, sizeof(e));
}

/* The path of an O_PATH fd, for calls that have no fd-relative form. */
static void proc_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

int pt_lookup(struct sfs_req *r)
{
	struct pt *pt = pt_of(r);
	struct fuse_entry_out e;
	int err;

	GET_INODE(dir, r, r->h->nodeid);
	err = pt_do_lookup(pt, dir, r->name, &e, NULL);
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

void pt_forget(void *priv, uint64_t nodeid, uint64_t nlookup)
{
	struct pt *pt = priv;

	pt_iforget(pt->it, nodeid, nlookup);
}

static int reply_attr(struct sfs_req *r, const struct stat *st)
{
	struct pt *pt = pt_of(r);
	struct fuse_attr_out ao;

	memset(&ao, 0, sizeof(ao));
	ao.attr_valid = pt->tmo_sec;
	ao.attr_valid_nsec = pt->tmo_nsec;
	fill_attr(&ao.attr, st);
	return sfs_reply_buf(r, &ao, sizeof(ao));
}

int pt_getattr(struct sfs_req *r)
{
	const struct fuse_getattr_in *gi = r->arg;
	struct pt *pt = pt_of(r);
	struct stat st;
	int err, fd;

	GET_INODE(i, r, r->h->nodeid);
	fd = (gi->getattr_flags & FUSE_GETATTR_FH) ?
		pt_fh_get(pt, gi->fh, FH_FILE) : -1;
	if (fd >= 0)
		err = fstat(fd, &st) != 0 ? errno : 0;
	else
		err = stat_inode(i, &st);
	pt_iput(pt->it, i);
	return err != 0 ? err : reply_attr(r, &st);
}

int pt_statx(struct sfs_req *r)
{
	const struct sfs_statx_in *si = r->arg;
	struct pt *pt = pt_of(r);
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
		fd = pt_fh_get(pt, si->fh, FH_FILE);
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

int pt_setattr(struct sfs_req *r)
{
	struct pt *pt = pt_of(r);
	struct stat st;
	int err;

	GET_INODE(i, r, r->h->nodeid);
	err = do_setattr(pt, i, r->arg);
	if (err == 0)
		err = stat_inode(i, &st);
	pt_iput(pt->it, i);
	return err != 0 ? err : reply_attr(r, &st);
}

int pt_readlink(struct sfs_req *r)
{
	struct pt *pt = pt_of(r);
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
	struct pt *pt = pt_of(r);
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

int pt_mkdir(struct sfs_req *r)
{
	const struct fuse_mkdir_in *mi = r->arg;

	return make_node(r, MK_DIR, mi->mode & 07777, 0);
}

int pt_mknod(struct sfs_req *r)
{
	const struct fuse_mknod_in *mi = r->arg;

	return make_node(r, MK_NOD, mi->mode, mi->rdev);
}

int pt_symlink(struct sfs_req *r)
{
	return make_node(r, MK_SYMLINK, 0, 0);
}

static int remove_name(struct sfs_req *r, int flags)
{
	struct pt *pt = pt_of(r);
	int err;

	GET_INODE(dir, r, r->h->nodeid);
	err = unlinkat(dir->fd, r->name, flags) != 0 ? errno : 0;
	pt_iput(pt->it, dir);
	return err != 0 ? err : sfs_reply_buf(r, NULL, 0);
}

int pt_unlink(struct sfs_req *r)
{
	return remove_name(r, 0);
}

int pt_rmdir(struct sfs_req *r)
{
	return remove_name(r, AT_REMOVEDIR);
}

static int do_rename(struct sfs_req *r, uint64_t newdir, unsigned flags)
{
	struct pt *pt = pt_of(r);
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

int pt_rename(struct sfs_req *r)
{
	const struct fuse_rename_in *ri = r->arg;

	return do_rename(r, ri->newdir, 0);
}

int pt_rename2(struct sfs_req *r)
{
	const struct fuse_rename2_in *ri = r->arg;

	return do_rename(r, ri->newdir, ri->flags);
}

int pt_link(struct sfs_req *r)
{
	const struct fuse_link_in *li = r->arg;
	struct pt *pt = pt_of(r);
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

int pt_reply_open(struct sfs_req *r, int fh)
{
	struct fuse_open_out oo;

	memset(&oo, 0, sizeof(oo));
	oo.fh = (uint64_t)fh;
	return sfs_reply_buf(r, &oo, sizeof(oo));
}

int pt_open(struct sfs_req *r)
{
	const struct fuse_open_in *oi = r->arg;
	struct pt *pt = pt_of(r);
	int fd, err = 0;

	GET_INODE(i, r, r->h->nodeid);
	fd = fh_new(pt, reopen(pt, i, (int)oi->flags), FH_FILE);
	if (fd < 0)
		err = errno;
	pt_iput(pt->it, i);
	if (err != 0)
		return err;
	if (pt_reply_open(r, fd) != 0) {
		pt_fh_set(pt, fd, FH_NONE);
		close(fd);
	}
	return 0;
}

int pt_create(struct sfs_req *r)
{
	const struct fuse_create_in *ci = r->arg;
	struct pt *pt = pt_of(r);
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
		err = pt_do_lookup(pt, dir, r->name, &out.e, &i);
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
		pt_fh_set(pt, fd, FH_NONE);
		close(fd);
	}
	return 0;
}

int pt_read(struct sfs_req *r)
{
	const struct fuse_read_in *ri = r->arg;
	struct pt *pt = pt_of(r);
	int fd = pt_fh_get(pt, ri->fh, FH_FILE);
	ssize_t n;

	if (fd < 0)
		return EBADF;
	/* The worker's long-lived buffer: no allocation, no page faults. */
	n = pread(fd, r->w->out, ri->size, (off_t)ri->offset);
	if (n < 0)
		return errno;
	return sfs_reply_buf(r, r->w->out, (size_t)n);
}

int pt_write(struct sfs_req *r)
{
	const struct fuse_write_in *wi = r->arg;
	struct pt *pt = pt_of(r);
	int fd = pt_fh_get(pt, wi->fh, FH_FILE);
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

int pt_statfs(struct sfs_req *r)
{
	struct pt *pt = pt_of(r);
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

int pt_release(struct sfs_req *r)
{
	const struct fuse_release_in *ri = r->arg;
	struct pt *pt = pt_of(r);
	int fd = pt_fh_get(pt, ri->fh, FH_FILE);

	if (fd < 0)
		return EBADF;
	pt_fh_set(pt, fd, FH_NONE);
	close(fd);
	return sfs_reply_buf(r, NULL, 0);
}

int pt_flush(struct sfs_req *r)
{
	const struct fuse_flush_in *fi = r->arg;
	struct pt *pt = pt_of(r);
	int fd = pt_fh_get(pt, fi->fh, FH_FILE);
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
	int fd = pt_fh_get(pt_of(r), fi->fh, kind);
	int ret;

	if (fd < 0)
		return EBADF;
	if (kind == FH_DIR)
		fd = pt_of(r)->dirs[fd]->fd;
	ret = (fi->fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(fd) :
		fsync(fd);
	return ret != 0 ? errno : sfs_reply_buf(r, NULL, 0);
}

int pt_fsync(struct sfs_req *r)
{
	return do_fsync(r, FH_FILE);
}

int pt_fallocate(struct sfs_req *r)
{
	const struct fuse_fallocate_in *fa = r->arg;
	int fd = pt_fh_get(pt_of(r), fa->fh, FH_FILE);

	if (fd < 0)
		return EBADF;
	if (fa->offset > (uint64_t)INT64_MAX ||
	    fa->length > (uint64_t)INT64_MAX)
		return EINVAL;
	if (fallocate(fd, (int)fa->mode, (off_t)fa->offset,
		      (off_t)fa->length) != 0)
		return errno;
	return sfs_reply_buf(r, NULL, 0);
}

int pt_lseek(struct sfs_req *r)
{
	const struct fuse_lseek_in *li = r->arg;
	int fd = pt_fh_get(pt_of(r), li->fh, FH_FILE);
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

int pt_copy_file_range(struct sfs_req *r)
{
	const struct fuse_copy_file_range_in *ci = r->arg;
	int in = pt_fh_get(pt_of(r), ci->fh_in, FH_FILE);
	int out = pt_fh_get(pt_of(r), ci->fh_out, FH_FILE);
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
	pt_iput(pt_of(r)->it, i);
	return err;
}

int pt_setxattr(struct sfs_req *r)
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

int pt_getxattr(struct sfs_req *r)
{
	const struct fuse_getxattr_in *gi = r->arg;
	char path[64];
	int err = xattr_path(r, path, sizeof(path));

	if (err != 0)
		return err == EPERM ? ENODATA : err;
	return reply_xattr(r, gi->size, getxattr(path, r->name,
		gi->size ? r->w->out : NULL, gi->size));
}

int pt_listxattr(struct sfs_req *r)
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

int pt_removexattr(struct sfs_req *r)
{
	char path[64];
	int err = xattr_path(r, path, sizeof(path));

	if (err != 0)
		return err;
	if (removexattr(path, r->name) != 0)
		return errno;
	return sfs_reply_buf(r, NULL, 0);
}

int pt_fsyncdir(struct sfs_req *r)
{
	return do_fsync(r, FH_DIR);
}
