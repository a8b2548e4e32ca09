/*
 * tshared.h - what torture's daemon and its client processes share.
 * Options, counters and mismatch records live in one MAP_SHARED page set.
 */
#ifndef SFS_TSHARED_H
#define SFS_TSHARED_H

#include <stdatomic.h>
#include <stdint.h>

struct tt_opts {
	const char *mnt;
	double seconds;
	uint64_t ops;		/* 0: bounded by seconds only */
	int procs, threads;	/* client processes, threads in each */
	int workers;		/* daemon threads */
	int hammers;		/* sibling threads of the daemon */
	int files;
	uint64_t size;		/* bytes per file */
	uint32_t max_write;
	int hammer, reuse, remap, split, selfmap;	/* adversaries */
	int io_buffered, io_direct, io_mmap;
	uint64_t seed;
	uint64_t inject_read, inject_write;	/* corrupt the Nth */
	int debug;
};

/* The most generations a WRITE may advance a byte (mmap writeback). */
#define TT_GEN_WINDOW 16

/* A client's report of a byte it read that is not what it wrote. */
struct tt_mismatch {
	int proc, thread;
	uint32_t file;
	uint64_t off;		/* of the byte */
	uint8_t expected, seen;
	uint8_t gen_expected, gen_seen;
	char method[12];	/* buffered, direct, mmap */
	uint64_t op_off, op_len, opno;
};

#define TT_MAX_REPORTS 16

struct tt_shared {
	struct tt_opts o;
	_Atomic int stop;
	_Atomic uint64_t ops, reads, writes, rbytes, wbytes;
	_Atomic uint64_t mismatches;	/* client and daemon */
	_Atomic uint64_t errors;	/* I/O errors seen by clients */
	_Atomic uint64_t interrupts;	/* INTERRUPTs the daemon acted on */
	_Atomic int intr_ok;		/* a client got EINTR */
	_Atomic uint32_t nreports;
	struct tt_mismatch reports[TT_MAX_REPORTS];
};

int tt_client_main(struct tt_shared *sh, int proc);

#endif
