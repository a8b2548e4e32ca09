/*
 * tdaemon.h - the torture daemon's state, shared by its filesystem and main.
 * The filesystem is torture.c; the command line and the run are tmain.c.
 */
#ifndef SFS_TDAEMON_H
#define SFS_TDAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "loop.h"
#include "tbuf.h"
#include "tshared.h"

#define TT_LOG 65536		/* READ replies remembered for reports */

/* One READ reply, to name the request behind a client's mismatch. */
struct tt_rlog {
	uint64_t seq, unique, off;
	uint32_t file, len;
	int worker, set, dropped, nseg;
	uint64_t use;
};

struct tt_file {
	pthread_rwlock_t lock;
	uint8_t *gen;		/* per byte */
	uint64_t size;
};

struct tt_daemon {
	struct tt_shared *sh;
	const struct tt_opts *o;
	struct sfs_session s;
	struct tt_file *files;
	uint8_t *scratch;	/* MNT/.scratch, the self-mmap target */
	size_t scratch_size;
	pthread_mutex_t scratch_lock;
	_Atomic uint64_t nreads, nwrites, wbytes_checked;
	struct tt_rlog *log;
	_Atomic uint64_t loghead;
	pthread_mutex_t report_lock;
	struct tt_hammer *hammers;
	int nhammers;
	struct tt_set selfset;
	char *selfmap;
	int scratch_fd;
};

extern const struct sfs_fs tt_fs;

#endif
