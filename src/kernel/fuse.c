/*
 * fuse.c - the FUSE connection: requests, their lists and flags, as
 * fs/fuse/dev.c of 2.6.19 and of 6.x keep them (docs/kernel-sources.md
 * section 7).  The request headers are laid out as <linux/fuse.h> lays
 * them out: fuse_in_header (40 bytes), fuse_read_in / fuse_write_in (24
 * bytes up to protocol 7.8, 40 bytes from 7.9), fuse_out_header (16).
 */
#include <string.h>

#include "fuse.h"
#include "kmm.h"

static struct fusestate *fs(struct ctx *c)
{
	return &c->s->k.fuse;
}

uint32_t fuse_in_hdr_len(enum kver v, int opcode)
{
	(void)opcode;
	return 40 + (v >= KV_6_12 ? 40 : 24);
}

static uint32_t req_base(const struct prog *p, int i)
{
	return kmm_lowmem(p, p->fuse_req_page[i]);
}

static int req_of(const struct prog *p, uint32_t kreq)
{
	int i;

	for (i = 0; i < FUSE_MAX_REQ; i++)
		if (p->fuse_req_page[i] >= 0 && req_base(p, i) == kreq)
			return i;
	return -1;
}

static uint32_t unique_of(const struct ctx *c, int i)
{
	/* fuse_get_unique: 1, 2, ... (2.6); steps of FUSE_REQ_ID_STEP (6.x) */
	return c->p->kver >= KV_6_12 ? (uint32_t)(i + 1) * 2 : (uint32_t)i + 1;
}

static uint32_t neg(int e)
{
	return (uint32_t)-e;
}

/* The request header is built in fresh kernel memory no cache holds. */
static void put_hdr(struct ctx *c, uint32_t kva, uint32_t word, uint32_t v)
{
	mem_write(c->s, kva - PAGE_OFFSET + 4 * word, v);
}

static void put_request(struct ctx *c, int i);

static uint32_t fuse_send(struct ctx *c, uint32_t opcode, uint32_t size)
{
	struct fusestate *f = fs(c);
	const struct prog *p = c->p;
	uint32_t len, k;
	int i = f->nreq;

	if (f->aborted)
		return neg(E_NOTCONN);
	if (i >= FUSE_MAX_REQ || p->fuse_req_page[i] < 0) {
		c->end = OK_ERROR;
		c->msg = "too many FUSE requests for the model (at most 4)";
		return 0;
	}
	f->nreq++;
	k = req_base(p, i);
	len = fuse_in_hdr_len(p->kver, (int)opcode);
	if (opcode == FUSE_WRITE)
		len += size;
	put_hdr(c, k, 0, len);			/* in.h.len */
	put_hdr(c, k, 1, opcode);		/* in.h.opcode */
	put_hdr(c, k, 2, unique_of(c, i));	/* in.h.unique (low word) */
	put_hdr(c, k, 4, 2);			/* in.h.nodeid: the file */
	put_hdr(c, k, 6, 0);			/* uid, gid: root */
	put_hdr(c, k, 8, 100 + (uint32_t)c->thread);	/* in.h.pid */
	put_hdr(c, k, 10, 1);			/* {read,write}_in.fh */
	put_hdr(c, k, 12, (uint32_t)i * size);	/* .offset */
	put_hdr(c, k, 14, size);		/* .size */
	f->req[i].opcode = (uint8_t)opcode;
	f->req[i].client = (int8_t)c->thread;
	f->req[i].page = -1;
	TR(c, "    request %u (%s, %u bytes) built\n", unique_of(c, i),
	   opcode == FUSE_READ ? "READ" : "WRITE", size);
	return k;
}

/* 6.x: max(FUSE_MIN_READ_BUFFER, in_header + write_in + max_write) */
static uint32_t fuse_min_read(enum kver v)
{
	return v >= KV_6_12 ? 8192 : 0;
}

static int oldest_pending(const struct fusestate *f)
{
	int i;

	for (i = 0; i < f->nreq; i++)
		if (f->req[i].state == FR_PENDING)
			return i;
	return -1;
}

int fuse_enabled(const struct ctx *c, enum builtin fn, const uint32_t *args)
{
	const struct fusestate *f = &c->s->k.fuse;
	int i;

	if (fn == B_FUSE_DEV_TAKE)
		return f->aborted || oldest_pending(f) >= 0 ||
		       args[0] < fuse_min_read(c->p->kver);
	/* B_FUSE_WAIT: request_wait_answer */
	i = req_of(c->p, args[0]);
	if (i < 0)
		return 1;
	if (f->req[i].state != FR_FINISHED)
		return 0;
	/* 2.6.19: an aborted request's requester waits for !req->locked */
	return c->p->kver >= KV_6_12 || !f->req[i].locked;
}

static void request_end(struct ctx *c, int i, int error)
{
	struct fusereq *r = &fs(c)->req[i];

	if (error)
		r->error = error;
	r->state = FR_FINISHED;
	TR(c, "    request %u ended (error %d)\n", unique_of(c, i), r->error);
}

static uint32_t wait_answer(struct ctx *c, uint32_t kreq)
{
	int i = req_of(c->p, kreq);
	struct fusereq *r;

	if (i < 0)
		return (uint32_t)kreq;	/* fuse:send failed: pass its errno */
	r = &fs(c)->req[i];
	if (r->error)
		return (uint32_t)r->error;
	if (r->opcode == FUSE_WRITE)	/* fuse_write_out.size */
		return kmm_kread(c, kreq + FUSE_OUT_DATA);
	return r->outlen;
}

static uint32_t dev_take(struct ctx *c, uint32_t nbytes)
{
	struct fusestate *f = fs(c);
	const struct prog *p = c->p;
	uint32_t len;
	int i;

	if (nbytes < fuse_min_read(p->kver))
		return neg(E_INVAL);
	if (f->aborted)
		return neg(E_NODEV);
	i = oldest_pending(f);
	len = mem_read(c->s, req_base(p, i) - PAGE_OFFSET);
	f->req[i].state = FR_READING;
	if (nbytes < len) {
		/* request too large: fail it with -EIO and read again */
		TR(c, "    buffer of %u bytes < request of %u: request fails\n",
		   nbytes, len);
		request_end(c, i, -E_IO);
		return 0;
	}
	f->cur[c->thread] = (int8_t)i;
	TR(c, "    fuse_dev_read takes request %u\n", unique_of(c, i));
	return req_base(p, i);
}

/*
 * The end of a copy (both directions): req->locked = 0, the thread no
 * longer copies it, and an abort during the copy turns success into
 * -ENOENT.
 */
static struct fusereq *copy_done(struct ctx *c, uint32_t kreq, int *i,
				 uint32_t *err)
{
	struct fusestate *f = fs(c);
	struct fusereq *r;

	*i = req_of(c->p, kreq);
	r = &f->req[*i];
	r->locked = 0;
	f->cur[c->thread] = -1;
	if (*err == 0 && r->aborted)
		*err = neg(E_NOENT);
	return r;
}

static uint32_t dev_read_end(struct ctx *c, uint32_t kreq, uint32_t err)
{
	int i;
	struct fusereq *r = copy_done(c, kreq, &i, &err);

	if (err != 0) {
		if (r->state != FR_FINISHED)
			request_end(c, i, r->aborted ? 0 : -E_IO);
		return err;
	}
	r->state = FR_SENT;
	return mem_read(c->s, kreq - PAGE_OFFSET);
}

static uint32_t dev_find(struct ctx *c, uint32_t nbytes, uint32_t scratch)
{
	struct fusestate *f = fs(c);
	const struct prog *p = c->p;
	uint32_t len = kmm_kread(c, scratch);
	int32_t error = (int32_t)kmm_kread(c, scratch + 4);
	uint32_t unique = kmm_kread(c, scratch + 8);
	int32_t lowest = p->kver >= KV_6_12 ? -512 : -1000;
	int i;

	if (unique == 0 || error <= lowest || error > 0 || len != nbytes)
		return neg(E_INVAL);
	if (f->aborted)
		return neg(E_NOENT);
	for (i = 0; i < f->nreq; i++)
		if (unique_of(c, i) == unique && f->req[i].state == FR_SENT)
			break;
	if (i == f->nreq) {
		TR(c, "    no request with unique %u: -ENOENT\n", unique);
		return neg(E_NOENT);
	}
	if (f->req[i].aborted) {
		request_end(c, i, 0);
		return neg(E_NOENT);
	}
	/* copy_out_args: an error reply carries no data */
	if (error != 0 && nbytes != 16)
		return neg(E_INVAL);
	if (f->req[i].opcode == FUSE_WRITE && error == 0 && nbytes != 16 + 8)
		return neg(E_INVAL);
	if (f->req[i].opcode == FUSE_READ &&
	    nbytes - 16 > mem_read(c->s, req_base(p, i) - PAGE_OFFSET + 56))
		return neg(E_INVAL);
	f->req[i].state = FR_WRITING;
	f->req[i].error = error;
	f->req[i].outlen = nbytes - 16;
	f->req[i].locked = 1;
	f->cur[c->thread] = (int8_t)i;
	TR(c, "    fuse_dev_write found request %u, req->locked = 1\n", unique);
	return req_base(p, i);
}

static uint32_t dev_write_end(struct ctx *c, uint32_t kreq, uint32_t err)
{
	int i;
	struct fusereq *r = copy_done(c, kreq, &i, &err);

	if (err != 0 && !r->aborted)
		r->error = -E_IO;
	if (r->state != FR_FINISHED)
		request_end(c, i, 0);
	return err;
}

static uint32_t lock_request(struct ctx *c)
{
	struct fusestate *f = fs(c);
	int i = f->cur[c->thread];

	if (i < 0)
		return 0;
	if (f->req[i].aborted)
		return neg(E_NOENT);
	f->req[i].locked = 1;
	return 0;
}

static uint32_t unlock_request(struct ctx *c)
{
	struct fusestate *f = fs(c);
	int i = f->cur[c->thread];

	if (i < 0)
		return 0;
	/* 6.x: an aborted request stays locked; the copier ends it */
	if (c->p->kver >= KV_6_12 && f->req[i].aborted)
		return neg(E_NOENT);
	f->req[i].locked = 0;
	return 0;
}

/*
 * fuse_put_request: the request's memory goes back to the allocator and
 * no one touches it again (a slot is never reused), so its words and
 * every cached copy of them are dropped.  Nothing observes them: this is
 * what lets states that differ only in dead request memory merge.
 */
static void put_request(struct ctx *c, int i)
{
	const struct prog *p = c->p;
	uint32_t pa = p->pages[p->fuse_req_page[i]].pa;
	uint32_t sz = p->prof.page_size;
	int cpu, k;

	fs(c)->req[i].state = FR_RELEASED;
	/* a copier still holding it keeps it alive (its reference) */
	for (k = 0; k < 8; k++)
		if (fs(c)->cur[k] == i)
			return;
	TR(c, "    request %u freed\n", unique_of(c, i));
	for (cpu = 0; cpu < p->ncpus; cpu++)
		for (k = 0; k < c->s->nlines[cpu]; k++)
			if (c->s->lines[cpu][k].pa - pa < sz) {
				c->s->lines[cpu][k].dirty = 0;
				memmove(&c->s->lines[cpu][k],
					&c->s->lines[cpu][k + 1],
					sizeof(struct cline) *
					(size_t)(c->s->nlines[cpu] - k - 1));
				c->s->nlines[cpu]--;
				k--;
			}
	for (k = 0; k < c->s->nmem; k++)
		if (c->s->mem[k].pa - pa < sz) {
			mem_write(c->s, c->s->mem[k].pa, 0);
			k--;
		}
}

/*
 * fuse_readpage (fs/fuse/file.c): a page fault on a page of a file on the
 * FUSE mount that is not uptodate sends a READ whose reply lands in the
 * page itself, and waits for it like any requester.
 */
int fuse_readpage_send(struct ctx *c, int page)
{
	uint32_t k = fuse_send(c, FUSE_READ, c->p->prof.page_size);
	int i;

	if (c->end != OK_NORMAL)
		return -E_IO;
	i = req_of(c->p, k);
	if (i < 0)
		return (int)k;	/* -ENOTCONN after an abort */
	fs(c)->req[i].page = (int8_t)page;
	fs(c)->req[i].state = FR_PENDING;
	TR(c, "    fuse_readpage: request %u queued for %s\n", unique_of(c, i),
	   c->p->pages[page].name);
	return i;
}

int fuse_readpage_ready(const struct ctx *c, int i)
{
	uint32_t arg = req_base(c->p, i);

	return fuse_enabled(c, B_FUSE_WAIT, &arg);
}

/* Returns 0, or the request's error; the data is then in the page. */
int fuse_readpage_end(struct ctx *c, int i)
{
	struct fusereq *r = &fs(c)->req[i];
	const struct prog *p = c->p;
	uint32_t k = req_base(p, i), pa = p->pages[r->page].pa, o;
	int err = r->error;

	/*
	 * fuse_copy_page wrote through kmap_atomic and flush_dcache_page'd:
	 * no copy of the page can be cached before it is uptodate, so the
	 * data is in memory.
	 */
	if (err == 0)
		for (o = 0; o < r->outlen; o += 4)
			mem_write(c->s, pa + o,
				  kmm_kread(c, k + FUSE_OUT_DATA + o));
	put_request(c, i);
	return err;
}

/* fuse_abort_conn */
static void abort_conn(struct ctx *c)
{
	struct fusestate *f = fs(c);
	int i;

	f->aborted = 1;
	TR(c, "    fuse_abort_conn: connection aborted\n");
	for (i = 0; i < f->nreq; i++) {
		struct fusereq *r = &f->req[i];

		switch (r->state) {
		case FR_PENDING:
		case FR_SENT:
			request_end(c, i, -E_CONNABORTED);
			break;
		case FR_READING:
		case FR_WRITING:
			r->aborted = 1;
			r->error = -E_CONNABORTED;
			if (c->p->kver < KV_6_12 || !r->locked)
				r->state = FR_FINISHED;
			break;
		default:
			break;
		}
	}
}

uint32_t fuse_call(struct ctx *c, enum builtin fn, const uint32_t *args)
{
	int i;

	switch (fn) {
	case B_FUSE_QUEUE:
		i = req_of(c->p, args[0]);
		if (i >= 0) {
			fs(c)->req[i].state = FR_PENDING;
			TR(c, "    request %u queued on fc->pending\n",
			   unique_of(c, i));
		}
		return 0;
	case B_FUSE_RELEASE:
		i = req_of(c->p, args[0]);
		if (i >= 0)
			put_request(c, i);
		return 0;
	case B_FUSE_REQ_LEN:
		return mem_read(c->s, args[0] - PAGE_OFFSET);
	case B_FUSE_SCRATCH:
		return kmm_lowmem(c->p, c->p->fuse_scratch_page) +
		       FUSE_SCRATCH * (uint32_t)c->thread;
	case B_FUSE_SEND:
		return fuse_send(c, args[0], args[1]);
	case B_FUSE_WAIT:
		return wait_answer(c, args[0]);
	case B_FUSE_DEV_TAKE:
		return dev_take(c, args[0]);
	case B_FUSE_DEV_READ_END:
		return dev_read_end(c, args[0], args[1]);
	case B_FUSE_DEV_FIND:
		return dev_find(c, args[0], args[1]);
	case B_FUSE_DEV_WRITE_END:
		return dev_write_end(c, args[0], args[1]);
	case B_LOCK_REQUEST:
		return lock_request(c);
	case B_UNLOCK_REQUEST:
		return unlock_request(c);
	case B_FUSE_ABORT:
		abort_conn(c);
		return 0;
	default:
		c->end = OK_ERROR;
		c->msg = "internal error: unknown built-in";
		return 0;
	}
}
