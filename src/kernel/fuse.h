/*
 * fuse.h - the FUSE device model's internal calls (fs/fuse/dev.c): the
 * request lists, unique ids, locking, abort.  The copies between the
 * request and the daemon's buffer are not here: they are the strategy's,
 * written in the scenario language (lib/fuse/).
 */
#ifndef STALE_FUSE_H
#define STALE_FUSE_H

#include "builtins.h"

/* Layout of a request's kernel page (one fresh page per request). */
#define FUSE_IN_HDR	0	/* fuse_in_header + fuse_{read,write}_in */
#define FUSE_IN_DATA	1024	/* WRITE payload */
#define FUSE_OUT_DATA	2048	/* reply data: READ data, fuse_write_out */
#define FUSE_SCRATCH	64	/* per-thread out-header scratch stride */

/* include/uapi/asm-generic/errno*.h */
#define E_NOENT		2
#define E_IO		5
#define E_FAULT		14
#define E_NODEV		19
#define E_INVAL		22
#define E_CONNABORTED	103
#define E_NOTCONN	107

/* Header sizes of the kernel's protocol in that version. */
uint32_t fuse_in_hdr_len(enum kver v, int opcode);

int fuse_readpage_send(struct ctx *c, int page);
int fuse_readpage_ready(const struct ctx *c, int i);
int fuse_readpage_end(struct ctx *c, int i);

int fuse_enabled(const struct ctx *c, enum builtin fn, const uint32_t *args);
uint32_t fuse_call(struct ctx *c, enum builtin fn, const uint32_t *args);

#endif
