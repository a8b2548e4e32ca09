/*
 * proto.h - validation of messages from the kernel before any use.
 * A message that passes gives pointers that all lie inside it.
 */
#ifndef SFS_PROTO_H
#define SFS_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include "opcodes.h"

/* Limits the checks enforce, fixed at INIT. */
struct sfs_limits {
	uint32_t max_write;	/* WRITE payload */
	uint32_t max_read;	/* READ, READDIR, GETXATTR, ... reply size */
	int setxattr_ext;	/* FUSE_SETXATTR_EXT negotiated */
};

/* A validated request. */
struct sfs_msg {
	const struct fuse_in_header *h;
	const void *arg;	/* fixed argument struct (may be 0 bytes) */
	size_t arglen;		/* contiguous bytes after the header */
	const char *name;	/* entry or xattr name, NUL-terminated */
	const char *name2;	/* second entry name, or symlink target */
	const char *value;	/* SETXATTR value */
	size_t valuelen;
	size_t datalen;		/* WRITE payload, maybe not contiguous */
	const struct fuse_forget_one *forgets;
	uint32_t nforgets;
};

const char *sfs_opname(uint32_t opcode);
int sfs_op_known(uint32_t opcode);
int sfs_op_noreply(uint32_t opcode);

/*
 * buf holds the first contig bytes of a total-byte message; only WRITE
 * may have total > contig (its payload lives elsewhere).  Returns 0 or the
 * errno to answer with.
 */
int sfs_proto_check(struct sfs_msg *m, const void *buf, size_t contig,
		    size_t total, const struct sfs_limits *lim);

/* A directory entry name: 1..NAME_MAX bytes, no '/', not "." or "..". */
int sfs_check_entry_name(const char *s, size_t len);

#endif
