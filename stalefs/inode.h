/*
 * inode.h - passthrough's inode table: node ids to O_PATH fds.
 * One inode per (st_dev, st_ino), counted by the kernel's lookups.
 */
#ifndef SFS_INODE_H
#define SFS_INODE_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct pt_inode {
	int fd;			/* O_PATH | O_NOFOLLOW, owned */
	dev_t dev;
	ino_t ino;
	mode_t type;		/* S_IFMT bits */
	uint64_t nodeid;
	uint64_t gen;
	uint64_t nlookup;	/* the kernel's references */
	uint64_t refs;		/* handlers using it right now */
	struct pt_inode *hnext;
};

struct pt_itable;

struct pt_itable *pt_itable_new(int rootfd, const struct stat *st);
void pt_itable_free(struct pt_itable *t);
/* The inode for a node id the kernel sent, or NULL; pin with refs. */
struct pt_inode *pt_iget(struct pt_itable *t, uint64_t nodeid);
void pt_iput(struct pt_itable *t, struct pt_inode *i);
/*
 * The kernel learns of the object fd (an O_PATH fd, consumed) refers to:
 * find or add its inode, count one lookup, and return it pinned.
 */
struct pt_inode *pt_iadd(struct pt_itable *t, int fd, const struct stat *st);
/* The known inode of (dev, ino), counted and pinned as pt_iadd(); or NULL. */
struct pt_inode *pt_ifind(struct pt_itable *t, dev_t dev, ino_t ino);
/* Undo one counted lookup that never reached the kernel. */
void pt_iunlookup(struct pt_itable *t, struct pt_inode *i);
void pt_iforget(struct pt_itable *t, uint64_t nodeid, uint64_t nlookup);
size_t pt_icount(struct pt_itable *t);

#endif
