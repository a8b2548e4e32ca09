/*
 * fusedev.h - kernel objects of the FUSE device model (fs/fuse/dev.c):
 * the requests of one connection, their lists and flags.
 */
#ifndef STALE_FUSEDEV_H
#define STALE_FUSEDEV_H

#include <stdint.h>

#define FUSE_MAX_REQ	4

/* include/linux/fuse.h opcodes */
#define FUSE_READ	15
#define FUSE_WRITE	16

enum fuse_req_state {
	FR_FREE,
	FR_PENDING,	/* on fc->pending */
	FR_READING,	/* taken by fuse_dev_read, being copied (fc->io) */
	FR_SENT,	/* on fc->processing, waiting for the reply */
	FR_WRITING,	/* reply being copied in by fuse_dev_write */
	FR_FINISHED,	/* request_end() ran; the client may go on */
	FR_RELEASED,	/* fuse_put_request(): its memory is freed */
};

struct fusereq {
	uint8_t state;
	uint8_t opcode;
	uint8_t locked;		/* FR_LOCKED / req->locked */
	uint8_t aborted;	/* FR_ABORTED / req->aborted */
	int8_t client;		/* thread waiting in request_wait_answer */
	int8_t page;		/* fuse_readpage: the page-cache page, or -1 */
	int32_t error;		/* out.h.error */
	uint32_t outlen;	/* bytes of reply data */
};

struct fusestate {
	uint8_t nreq;		/* requests ever sent (unique ids) */
	uint8_t aborted;	/* fuse_abort_conn() ran: !fc->connected */
	int8_t cur[8];		/* request a thread is copying (cs->req) */
	struct fusereq req[FUSE_MAX_REQ];
};

#endif
