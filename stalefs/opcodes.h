/*
 * opcodes.h - every FUSE opcode stalefs knows, as one X-macro table.
 * Columns: opcode, name, fixed argument size, what follows the fixed part.
 */
#ifndef SFS_OPCODES_H
#define SFS_OPCODES_H

#include <linux/fuse.h>

/*
 * The header we build against may be older than the running kernel's
 * protocol; STATX arrived in 7.39.  Our copy of its layout is used only
 * when the header lacks it.
 */
#if FUSE_KERNEL_MINOR_VERSION < 39
#define SFS_FUSE_STATX 52
struct sfs_sx_time {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct sfs_statx {
	uint32_t mask;
	uint32_t blksize;
	uint64_t attributes;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint16_t mode;
	uint16_t spare0;
	uint64_t ino;
	uint64_t size;
	uint64_t blocks;
	uint64_t attributes_mask;
	struct sfs_sx_time atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare2[14];
};

struct sfs_statx_in {
	uint32_t getattr_flags;
	uint32_t reserved;
	uint64_t fh;
	uint32_t sx_flags;
	uint32_t sx_mask;
};

struct sfs_statx_out {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec;
	uint32_t flags;
	uint64_t spare[2];
	struct sfs_statx stat;
};
#else
#define SFS_FUSE_STATX FUSE_STATX
#define sfs_statx fuse_statx
#define sfs_statx_in fuse_statx_in
#define sfs_statx_out fuse_statx_out
#endif

/* What follows the fixed argument struct of a request. */
enum sfs_tail {
	SFS_T_NONE,	/* nothing */
	SFS_T_NAME,	/* one directory entry name */
	SFS_T_NAME2,	/* two entry names (rename) */
	SFS_T_SYMLINK,	/* entry name, then the link target */
	SFS_T_XNAME,	/* one xattr name */
	SFS_T_SETXATTR,	/* xattr name, then size bytes of value */
	SFS_T_WRITE,	/* size bytes of payload */
	SFS_T_FORGETS,	/* count struct fuse_forget_one */
	SFS_T_ANY,	/* opaque, not interpreted (INIT's spare words) */
};

/*
 * X(opcode, name, fixed size, tail, no reply).  The fixed sizes are those
 * of the protocol minor we speak (our header's), see proto.c for SETXATTR.
 */
#define SFS_OPCODES(X)							\
	X(FUSE_LOOKUP, "LOOKUP", 0, SFS_T_NAME, 0)			\
	X(FUSE_FORGET, "FORGET", sizeof(struct fuse_forget_in),	\
	  SFS_T_NONE, 1)						\
	X(FUSE_GETATTR, "GETATTR", sizeof(struct fuse_getattr_in),	\
	  SFS_T_NONE, 0)						\
	X(FUSE_SETATTR, "SETATTR", sizeof(struct fuse_setattr_in),	\
	  SFS_T_NONE, 0)						\
	X(FUSE_READLINK, "READLINK", 0, SFS_T_NONE, 0)			\
	X(FUSE_SYMLINK, "SYMLINK", 0, SFS_T_SYMLINK, 0)		\
	X(FUSE_MKNOD, "MKNOD", sizeof(struct fuse_mknod_in),		\
	  SFS_T_NAME, 0)						\
	X(FUSE_MKDIR, "MKDIR", sizeof(struct fuse_mkdir_in),		\
	  SFS_T_NAME, 0)						\
	X(FUSE_UNLINK, "UNLINK", 0, SFS_T_NAME, 0)			\
	X(FUSE_RMDIR, "RMDIR", 0, SFS_T_NAME, 0)			\
	X(FUSE_RENAME, "RENAME", sizeof(struct fuse_rename_in),	\
	  SFS_T_NAME2, 0)						\
	X(FUSE_LINK, "LINK", sizeof(struct fuse_link_in),		\
	  SFS_T_NAME, 0)						\
	X(FUSE_OPEN, "OPEN", sizeof(struct fuse_open_in),		\
	  SFS_T_NONE, 0)						\
	X(FUSE_READ, "READ", sizeof(struct fuse_read_in),		\
	  SFS_T_NONE, 0)						\
	X(FUSE_WRITE, "WRITE", sizeof(struct fuse_write_in),		\
	  SFS_T_WRITE, 0)						\
	X(FUSE_STATFS, "STATFS", 0, SFS_T_NONE, 0)			\
	X(FUSE_RELEASE, "RELEASE", sizeof(struct fuse_release_in),	\
	  SFS_T_NONE, 0)						\
	X(FUSE_FSYNC, "FSYNC", sizeof(struct fuse_fsync_in),		\
	  SFS_T_NONE, 0)						\
	X(FUSE_SETXATTR, "SETXATTR", FUSE_COMPAT_SETXATTR_IN_SIZE,	\
	  SFS_T_SETXATTR, 0)						\
	X(FUSE_GETXATTR, "GETXATTR", sizeof(struct fuse_getxattr_in),	\
	  SFS_T_XNAME, 0)						\
	X(FUSE_LISTXATTR, "LISTXATTR", sizeof(struct fuse_getxattr_in), \
	  SFS_T_NONE, 0)						\
	X(FUSE_REMOVEXATTR, "REMOVEXATTR", 0, SFS_T_XNAME, 0)		\
	X(FUSE_FLUSH, "FLUSH", sizeof(struct fuse_flush_in),		\
	  SFS_T_NONE, 0)						\
	X(FUSE_INIT, "INIT", 16, SFS_T_ANY, 0)				\
	X(FUSE_OPENDIR, "OPENDIR", sizeof(struct fuse_open_in),	\
	  SFS_T_NONE, 0)						\
	X(FUSE_READDIR, "READDIR", sizeof(struct fuse_read_in),	\
	  SFS_T_NONE, 0)						\
	X(FUSE_RELEASEDIR, "RELEASEDIR", sizeof(struct fuse_release_in), \
	  SFS_T_NONE, 0)						\
	X(FUSE_FSYNCDIR, "FSYNCDIR", sizeof(struct fuse_fsync_in),	\
	  SFS_T_NONE, 0)						\
	X(FUSE_GETLK, "GETLK", sizeof(struct fuse_lk_in), SFS_T_NONE, 0) \
	X(FUSE_SETLK, "SETLK", sizeof(struct fuse_lk_in), SFS_T_NONE, 0) \
	X(FUSE_SETLKW, "SETLKW", sizeof(struct fuse_lk_in),		\
	  SFS_T_NONE, 0)						\
	X(FUSE_ACCESS, "ACCESS", sizeof(struct fuse_access_in),	\
	  SFS_T_NONE, 0)						\
	X(FUSE_CREATE, "CREATE", sizeof(struct fuse_create_in),	\
	  SFS_T_NAME, 0)						\
	X(FUSE_INTERRUPT, "INTERRUPT", sizeof(struct fuse_interrupt_in), \
	  SFS_T_NONE, 1)						\
	X(FUSE_BMAP, "BMAP", sizeof(struct fuse_bmap_in), SFS_T_NONE, 0) \
	X(FUSE_DESTROY, "DESTROY", 0, SFS_T_NONE, 0)			\
	X(FUSE_IOCTL, "IOCTL", sizeof(struct fuse_ioctl_in), SFS_T_ANY, 0) \
	X(FUSE_POLL, "POLL", sizeof(struct fuse_poll_in), SFS_T_NONE, 0) \
	X(FUSE_NOTIFY_REPLY, "NOTIFY_REPLY", 0, SFS_T_ANY, 1)		\
	X(FUSE_BATCH_FORGET, "BATCH_FORGET",				\
	  sizeof(struct fuse_batch_forget_in), SFS_T_FORGETS, 1)	\
	X(FUSE_FALLOCATE, "FALLOCATE", sizeof(struct fuse_fallocate_in), \
	  SFS_T_NONE, 0)						\
	X(FUSE_READDIRPLUS, "READDIRPLUS", sizeof(struct fuse_read_in), \
	  SFS_T_NONE, 0)						\
	X(FUSE_RENAME2, "RENAME2", sizeof(struct fuse_rename2_in),	\
	  SFS_T_NAME2, 0)						\
	X(FUSE_LSEEK, "LSEEK", sizeof(struct fuse_lseek_in), SFS_T_NONE, 0) \
	X(FUSE_COPY_FILE_RANGE, "COPY_FILE_RANGE",			\
	  sizeof(struct fuse_copy_file_range_in), SFS_T_NONE, 0)	\
	X(FUSE_SYNCFS, "SYNCFS", sizeof(struct fuse_syncfs_in),	\
	  SFS_T_NONE, 0)						\
	X(FUSE_TMPFILE, "TMPFILE", sizeof(struct fuse_create_in),	\
	  SFS_T_NAME, 0)						\
	X(SFS_FUSE_STATX, "STATX", sizeof(struct sfs_statx_in),	\
	  SFS_T_NONE, 0)

/* One past the largest opcode in the table: handler arrays are this long. */
#define SFS_NOPCODES 64

#endif
