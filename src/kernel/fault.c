/*
 * fault.c - the page-fault path of a file mapping (mm/filemap.c
 * filemap_fault): lock_page (sleeps while another holds the page lock),
 * if the page is not uptodate ->readpage (fuse_readpage: a READ to the
 * FUSE daemon, waited for like any request) and on success install the
 * PTE, then unlock_page.  The faulting instruction runs again afterwards;
 * a failed fault makes it fail (SIGBUS in user mode, -EFAULT from uaccess
 * and get_user_pages).  The page lock held across the READ is what makes
 * Szeredi's self-mmap deadlock possible.
 */
#include "arch.h"
#include "fault.h"
#include "fuse.h"

static int fault_page(const struct ctx *c, int t)
{
	return c->p->maps[c->s->t[t].fmap].page;
}

int fault_enabled(const struct ctx *c, int t)
{
	const struct tstate *ts = &c->s->t[t];

	if (ts->fstate == FS_LOCK)
		return c->s->k.pglock[fault_page(c, t)] < 0;
	return fuse_readpage_ready(c, ts->freq);
}

static void finish(struct ctx *c, struct tstate *ts, int page, int ok)
{
	c->s->k.pglock[page] = -1;
	ts->fstate = FS_NONE;
	ts->freq = -1;
	if (ok) {
		const struct pmap *m = &c->p->maps[ts->fmap];
		const struct arch_ops *o = arch_ops_of(c->p->prof.arch);

		c->s->k.present |= 1u << ts->fmap;
		TR(c, "    the PTE is installed; unlock_page\n");
		if (c->p->prof.index != IDX_NONE && o->update_mmu_cache)
			o->update_mmu_cache(c, page, m->va, m->exec);
	} else {
		ts->ffail = 1;
		TR(c, "    the fault fails; unlock_page\n");
	}
}

void fault_step(struct ctx *c, int t)
{
	struct tstate *ts = &c->s->t[t];
	int page = fault_page(c, t), r;

	if (ts->fstate == FS_LOCK) {
		TR(c, "  P%d: page fault: lock_page(%s)\n",
		   c->p->threads[t].index, c->p->pages[page].name);
		c->s->k.pglock[page] = (int8_t)t;
		if (c->s->k.pgflags[page] & PGF_UPTODATE) {
			finish(c, ts, page, 1);
			return;
		}
		r = fuse_readpage_send(c, page);
		if (r < 0) {
			finish(c, ts, page, 0);
			return;
		}
		ts->freq = (int8_t)r;
		ts->fstate = FS_WAIT;
		return;
	}
	TR(c, "  P%d: page fault: the READ for %s is answered\n",
	   c->p->threads[t].index, c->p->pages[page].name);
	r = fuse_readpage_end(c, ts->freq);
	if (r == 0)
		c->s->k.pgflags[page] |= PGF_UPTODATE;
	finish(c, ts, page, r == 0);
}
