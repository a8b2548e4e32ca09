/*
 * ptdir.c - the passthrough's directories: open, read (plus), release.
 * Entries come from getdents64 on SRC; READDIRPLUS counts each lookup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "pt.h"

int pt_opendir(struct sfs_req *r)
{
	struct pt *pt = pt_of(r);
	struct pt_dir *d;
	int fd, err = 0;

	GET_INODE(i, r, r->h->nodeid);
	fd = openat(i->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		err = errno;
	pt_iput(pt->it, i);
	if (err != 0)
		return err;
	if ((size_t)fd >= pt->nfh) {
		close(fd);
		return EMFILE;
	}
	d = malloc(sizeof(*d));
	if (d == NULL) {
		close(fd);
		return ENOMEM;
	}
	pthread_mutex_init(&d->lock, NULL);
	d->fd = fd;
	d->pos = 0;
	d->len = d->cur = 0;
	pt->dirs[fd] = d;
	pt_fh_set(pt, fd, FH_DIR);
	if (pt_reply_open(r, fd) != 0) {
		pt_fh_set(pt, fd, FH_NONE);
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
			    pt_do_lookup(pt, dir, de->d_name, &dp->entry_out,
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
	struct pt *pt = pt_of(r);
	int fd = pt_fh_get(pt, ri->fh, FH_DIR);
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

int pt_readdir(struct sfs_req *r)
{
	return do_readdir(r, 0);
}

int pt_readdirplus(struct sfs_req *r)
{
	return do_readdir(r, 1);
}

int pt_releasedir(struct sfs_req *r)
{
	const struct fuse_release_in *ri = r->arg;
	struct pt *pt = pt_of(r);
	int fd = pt_fh_get(pt, ri->fh, FH_DIR);
	struct pt_dir *d;

	if (fd < 0)
		return EBADF;
	d = pt->dirs[fd];
	pt->dirs[fd] = NULL;
	pt_fh_set(pt, fd, FH_NONE);
	close(d->fd);
	pthread_mutex_destroy(&d->lock);
	free(d);
	return sfs_reply_buf(r, NULL, 0);
}
