/*
 * pt.h - what the passthrough's files share: its state and its handlers.
 * PT_OPS is the one list of opcodes it serves, expanded in ptmain.c.
 */
#ifndef SFS_PT_H
#define SFS_PT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include "inode.h"
#include "loop.h"

/* What an open file handle (an fd number) is, so a hostile fh is caught. */
enum { FH_NONE, FH_FILE, FH_DIR };

struct pt_dir {
	pthread_mutex_t lock;
	int fd;
	off_t pos;		/* where the buffered entries continue */
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

#define PT_OPS(X)							\
	X(FUSE_LOOKUP, pt_lookup)					\
	X(FUSE_GETATTR, pt_getattr)					\
	X(SFS_FUSE_STATX, pt_statx)					\
	X(FUSE_SETATTR, pt_setattr)					\
	X(FUSE_READLINK, pt_readlink)					\
	X(FUSE_SYMLINK, pt_symlink)					\
	X(FUSE_MKNOD, pt_mknod)						\
	X(FUSE_MKDIR, pt_mkdir)						\
	X(FUSE_UNLINK, pt_unlink)					\
	X(FUSE_RMDIR, pt_rmdir)						\
	X(FUSE_RENAME, pt_rename)					\
	X(FUSE_RENAME2, pt_rename2)					\
	X(FUSE_LINK, pt_link)						\
	X(FUSE_OPEN, pt_open)						\
	X(FUSE_CREATE, pt_create)					\
	X(FUSE_READ, pt_read)						\
	X(FUSE_WRITE, pt_write)						\
	X(FUSE_STATFS, pt_statfs)					\
	X(FUSE_RELEASE, pt_release)					\
	X(FUSE_FLUSH, pt_flush)						\
	X(FUSE_FSYNC, pt_fsync)						\
	X(FUSE_FALLOCATE, pt_fallocate)					\
	X(FUSE_LSEEK, pt_lseek)						\
	X(FUSE_COPY_FILE_RANGE, pt_copy_file_range)			\
	X(FUSE_SETXATTR, pt_setxattr)					\
	X(FUSE_GETXATTR, pt_getxattr)					\
	X(FUSE_LISTXATTR, pt_listxattr)					\
	X(FUSE_REMOVEXATTR, pt_removexattr)				\
	X(FUSE_OPENDIR, pt_opendir)					\
	X(FUSE_READDIR, pt_readdir)					\
	X(FUSE_READDIRPLUS, pt_readdirplus)				\
	X(FUSE_RELEASEDIR, pt_releasedir)				\
	X(FUSE_FSYNCDIR, pt_fsyncdir)

#define PT_DECLARE(op, fn) int fn(struct sfs_req *r);
PT_OPS(PT_DECLARE)
#undef PT_DECLARE

void pt_forget(void *priv, uint64_t nodeid, uint64_t nlookup);

struct pt *pt_of(struct sfs_req *r);
void pt_fh_set(struct pt *pt, int fd, int kind);
int pt_fh_get(struct pt *pt, uint64_t fh, int kind);
int pt_reply_open(struct sfs_req *r, int fh);
/* Look name up beneath dir; on success e is filled and counted. */
int pt_do_lookup(struct pt *pt, struct pt_inode *dir, const char *name,
		 struct fuse_entry_out *e, struct pt_inode **ip);

/* Resolve the request's node id; the kernel's ids are checked, too. */
#define GET_INODE(var, r, nid)						\
	struct pt_inode *var = pt_iget(pt_of(r)->it, (nid));		\
	if (var == NULL)						\
		return ESTALE

#endif
