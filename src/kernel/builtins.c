/*
 * builtins.c - the built-in kernel functions: page pinning, kmap,
 * preemption and locks, cache maintenance by range.  What each does to
 * the caches is the architecture's business (arch_*.c); this file holds
 * the generic kernel code around it (mm/memory.c, mm/gup.c,
 * include/linux/highmem.h) and the checks that give clear errors.
 */
#include <string.h>

#include "arch.h"
#include "builtins.h"
#include "dma.h"
#include "fuse.h"

const struct builtin_info builtin_info[B_COUNT] = {
#define X(id, name, nargs, ret, flags) [id] = { name, nargs, ret, flags },
	BUILTINS(X)
#undef X
};

int builtin_lookup(const char *name)
{
	int i;

	for (i = 0; i < B_COUNT; i++)
		if (!(builtin_info[i].flags & BF_INTERNAL) &&
		    strcmp(builtin_info[i].name, name) == 0)
			return i;
	return -1;
}

static const struct arch_ops *ops(const struct ctx *c)
{
	return arch_ops_of(c->p->prof.arch);
}

static uint32_t fail(struct ctx *c, const char *msg)
{
	c->end = OK_ERROR;
	c->msg = msg;
	return 0;
}

static int page_arg(struct ctx *c, uint32_t ptr)
{
	int page = kmm_page_of_struct(c->p, ptr);

	if (page < 0)
		fail(c, "argument is not a struct page pointer");
	return page;
}

static uint32_t page_size(const struct ctx *c)
{
	return c->p->prof.page_size;
}

/*
 * mm/memory.c get_user_pages (2.6.19/20), mm/gup.c __get_user_pages (6.x);
 * get_user_pages_remote is the same walk in another process's mm (the
 * tsk/mm arguments of 2.6.19's get_user_pages, as access_process_vm
 * passes them).
 */
static uint32_t gup_in(struct ctx *c, int proc, uint32_t uaddr, int flush)
{
	int m = proc < 0 ? -1 : kmm_user_map(c->p, proc, uaddr);
	int page;

	if (m < 0) {
		TR(c, "    get_user_pages(%#x): no mapping: -EFAULT\n", uaddr);
		return 0;
	}
	if (!(c->s->k.present & (1u << m))) {
		struct tstate *t = &c->s->t[c->thread];

		/* faultin_page(), then the loop retries follow_page */
		if (!t->ffail) {
			c->fault_map = m + 1;
			return 0;
		}
		t->ffail = 0;
		TR(c, "    get_user_pages(%#x): the fault failed: -EFAULT\n",
		   uaddr);
		return 0;
	}
	page = c->p->maps[m].page;
	TR(c, "    get_user_pages(%#x) -> %s\n", uaddr, c->p->pages[page].name);
	if (flush) {
		ops(c)->flush_anon_page(c, page, uaddr);
		ops(c)->flush_dcache_page(c, page);
	}
	return page_struct(page);
}

static uint32_t gup(struct ctx *c, uint32_t uaddr, int flush)
{
	return gup_in(c, kmm_proc(c), uaddr, flush);
}

/*
 * copy_user_highpage(to, from, vaddr): the copy runs as one step,
 * reading the source through the address the architecture chooses
 * (the kernel alias, or one of the user's colour) without allocating,
 * and writing the destination to memory with its kernel lines dropped
 * (the net effect of each architecture's copy_page followed by its
 * flush of the destination's kernel alias).
 */
static uint32_t cow_copy(struct ctx *c, uint32_t to_ptr, uint32_t from_ptr,
			 uint32_t vaddr)
{
	const struct prog *p = c->p;
	const struct arch_ops *o = ops(c);
	int to = kmm_page_of_struct(p, to_ptr);
	int from = kmm_page_of_struct(p, from_ptr);
	uint32_t src, dst, off, pa;

	if (to < 0 || from < 0)
		return fail(c, "argument is not a struct page pointer");
	if (p->pages[to].highmem || p->pages[from].highmem)
		return fail(c, "copy_user_highpage of a highmem page is not "
			    "modelled");
	if (p->prof.index != IDX_NONE && o->cow_source == NULL)
		return fail(c, "copy_user_highpage is rendered for ARM, parisc "
			    "and MIPS only (docs/kernel-sources.md)");
	src = p->prof.index == IDX_NONE ? kmm_lowmem(p, from) :
	      o->cow_source(c, to, from, vaddr);
	if (c->end != OK_NORMAL)
		return 0;
	dst = kmm_lowmem(p, to);
	TR(c, "    copy_user_highpage: %s read through %#x, %s written "
	   "through %#x\n", p->pages[from].name, src, p->pages[to].name, dst);
	kmm_maint_range(c, -1, dst, page_size(c), M_INV);
	for (off = 0; off < page_size(c); off += 4) {
		uint32_t v;

		pa = p->pages[from].pa + off;
		v = cache_peek_alias(c, src + off, pa, 0);
		mem_write(c->s, p->pages[to].pa + off, v);
	}
	return 0;
}

static uint32_t vmap_page(struct ctx *c, uint32_t ptr)
{
	int page = page_arg(c, ptr);

	if (page < 0)
		return 0;
	if (c->s->k.vmapped[page] == 255)
		return fail(c, "too many vmap() of one page");
	c->s->k.vmapped[page]++;
	TR(c, "    vmap: %s at %#x\n", c->p->pages[page].name,
	   kmm_vmap_addr(c->p, page));
	return kmm_vmap_addr(c->p, page);
}

static uint32_t vunmap_addr(struct ctx *c, uint32_t va)
{
	const struct prog *p = c->p;
	int page;

	for (page = 0; page < p->npages; page++)
		if (c->s->k.vmapped[page] && kmm_vmap_addr(p, page) == va)
			break;
	if (page == p->npages)
		return fail(c, "vunmap of an address vmap() did not return");
	/* mm/vmalloc.c: flush_cache_vunmap before the PTEs go */
	if (ops(c)->flush_cache_vunmap)
		ops(c)->flush_cache_vunmap(c, va, page_size(c));
	c->s->k.vmapped[page]--;
	return 0;
}

static uint32_t fetch(struct ctx *c, uint32_t va)
{
	uint32_t pa;
	int asid;

	if (va % 4 != 0)
		return fail(c, "unaligned instruction fetch");
	if (kmm_translate(c, va, &pa, &asid) < 0) {
		c->end = OK_FAULT;
		c->msg = "bad instruction fetch";
		TR(c, "    fault: no code mapped at %#x\n", va);
		return 0;
	}
	TR(c, "    fetch va %#x pa %#x\n", va, pa);
	return cache_ifetch(c, va, pa, asid);
}

static uint32_t page_address(const struct ctx *c, int page)
{
	uint32_t k = kmm_lowmem(c->p, page);

	if (k == 0 && c->s->k.pkmap[page] > 0)
		k = PKMAP_BASE + (uint32_t)page * page_size(c);
	return k;
}

static uint32_t do_kmap_local(struct ctx *c, int page)
{
	const struct prog *p = c->p;
	int depth = c->s->k.kdepth[c->cpu];

	if (!p->pages[page].highmem)
		return kmm_lowmem(p, page);
	/* arch_kmap_local_high_get: VIVT/aliasing ARM reuse a pkmap entry */
	if (p->prof.arch == ARCH_ARM && c->s->k.pkmap[page] > 0) {
		c->s->k.pkmap[page]++;
		return PKMAP_BASE + (uint32_t)page * page_size(c);
	}
	if (depth >= KM_SLOTS)
		return fail(c, "too many nested kmap_atomic/kmap_local mappings");
	c->s->k.kslot[c->cpu][depth] = (int8_t)page;
	c->s->k.kdepth[c->cpu]++;
	TR(c, "    kmap: %s at fixmap slot %d of cpu%d\n", p->pages[page].name,
	   depth, c->cpu);
	return FIXADDR_START +
	       ((uint32_t)c->cpu * KM_SLOTS + (uint32_t)depth) * page_size(c);
}

/* The page behind a kernel address k returned by a kmap, or -1. */
static int kmapped_page(struct ctx *c, uint32_t k, int *slot)
{
	const struct prog *p = c->p;
	uint32_t sz = page_size(c);
	int i;

	*slot = -1;
	if (k >= FIXADDR_START) {
		uint32_t s = (k - FIXADDR_START) / sz;

		if (s / KM_SLOTS != (uint32_t)c->cpu)
			return -1;
		*slot = (int)(s % KM_SLOTS);
		return c->s->k.kslot[c->cpu][*slot];
	}
	if (k >= PKMAP_BASE && k < PAGE_OFFSET) {
		i = (int)((k - PKMAP_BASE) / sz);
		return i < p->npages && c->s->k.pkmap[i] > 0 ? i : -1;
	}
	for (i = 0; i < p->npages; i++)
		if (!p->pages[i].highmem && k - kmm_lowmem(p, i) < sz)
			return i;
	return -1;
}

static void do_kunmap_local(struct ctx *c, uint32_t k)
{
	int slot, page = kmapped_page(c, k, &slot);

	if (page < 0) {
		fail(c, "kunmap of an address no kmap returned");
		return;
	}
	ops(c)->kunmap(c, page, k, slot >= 0);
	if (slot >= 0) {
		if (slot != c->s->k.kdepth[c->cpu] - 1) {
			fail(c, "kunmap_atomic/kunmap_local out of order");
			return;
		}
		c->s->k.kslot[c->cpu][slot] = -1;
		c->s->k.kdepth[c->cpu]--;
	} else if (k >= PKMAP_BASE && k < PAGE_OFFSET) {
		c->s->k.pkmap[page]--;
	}
}

static int lock_index(const struct ctx *c, uint32_t id)
{
	return id < (uint32_t)c->p->nlocks ? (int)id : -1;
}

static int preemption_counts(const struct ctx *c)
{
	return ops(c)->kmap_atomic_disables_preempt(c);
}

static uint32_t range_maint(struct ctx *c, uint32_t va, uint32_t len,
			    enum maint m)
{
	kmm_maint_range(c, va < PKMAP_BASE ? kmm_proc(c) : -1, va, len, m);
	return 0;
}

static uint32_t version_error(struct ctx *c, enum builtin fn)
{
	const enum kver v = c->p->kver;

	if (fn == B_FLUSH_KERNEL_DCACHE_PAGE && v >= KV_6_12)
		return fail(c, "flush_kernel_dcache_page() no longer exists in "
			    "6.12 (\"mm: remove flush_kernel_dcache_page\")");
	if ((fn == B_FLUSH_KERNEL_VMAP_RANGE ||
	     fn == B_INVALIDATE_KERNEL_VMAP_RANGE) && v < KV_6_12)
		return fail(c, "flush/invalidate_kernel_vmap_range() first "
			    "appeared in 2.6.34");
	if ((fn == B_KMAP_LOCAL_PAGE || fn == B_KUNMAP_LOCAL) && v < KV_6_12)
		return fail(c, "kmap_local_page() first appeared in 5.11");
	if (fn == B_GET_USER_PAGES_FAST && v < KV_6_12)
		return fail(c, "the model renders get_user_pages_fast() as of "
			    "6.12 only");
	return 1;
}

int builtin_sleeps(enum builtin fn)
{
	return fn == B_FUSE_WAIT || fn == B_FUSE_DEV_TAKE ||
	       fn == B_WAIT_FOR_COMPLETION;
}

int builtin_enabled(const struct ctx *c, enum builtin fn,
		    const uint32_t *args)
{
	int l;

	switch (fn) {
	case B_SPIN_LOCK:
		l = lock_index(c, args[0]);
		return l < 0 || c->s->k.lock[l] < 0;
	case B_WAIT_FOR_COMPLETION:
		l = lock_index(c, args[0]);
		return l < 0 || c->s->k.done[l] > 0;
	case B_FUSE_WAIT:
	case B_FUSE_DEV_TAKE:
		return fuse_enabled(c, fn, args);
	default:
		return 1;
	}
}

uint32_t builtin_call(struct ctx *c, enum builtin fn, const uint32_t *args)
{
	struct tstate *t = &c->s->t[c->thread];
	int page, l;
	uint32_t r;

	if (version_error(c, fn) == 0)
		return 0;
	switch (fn) {
	case B_CLEAN_DCACHE_RANGE:
		return range_maint(c, args[0], args[1], M_CLEAN);
	case B_INV_DCACHE_RANGE:
		return range_maint(c, args[0], args[1], M_INV);
	case B_FLUSH_DCACHE_RANGE:
		return range_maint(c, args[0], args[1], M_FLUSH);
	case B_FLUSH_CACHE_ALL:
		kmm_maint_all(c, M_FLUSH);
		return 0;
	case B_GET_USER_PAGES:
		return gup(c, args[0], 1);
	case B_GET_USER_PAGES_NOCACHE:
		return gup(c, args[0], 0);
	case B_GET_USER_PAGES_FAST:
		if (ops(c)->gup_fast_skips_flush(c))
			TR(c, "    lockless GUP-fast: no cache maintenance\n");
		return gup(c, args[0], !ops(c)->gup_fast_skips_flush(c));
	case B_PUT_PAGE:
		page_arg(c, args[0]);
		return 0;
	case B_PAGE_ADDRESS:
		page = page_arg(c, args[0]);
		return page < 0 ? 0 : page_address(c, page);
	case B_PAGE_SIZE:
		return page_size(c);
	case B_OFFSET_IN_PAGE:
		return args[0] % page_size(c);
	case B_KMAP_ATOMIC:
		page = page_arg(c, args[0]);
		if (page < 0)
			return 0;
		if (preemption_counts(c))
			t->preempt++;
		return do_kmap_local(c, page);
	case B_KUNMAP_ATOMIC:
		do_kunmap_local(c, args[0]);
		if (preemption_counts(c)) {
			if (t->preempt == 0)
				return fail(c, "kunmap_atomic without kmap_atomic");
			t->preempt--;
		}
		return 0;
	case B_KMAP_LOCAL_PAGE:
		page = page_arg(c, args[0]);
		return page < 0 ? 0 : do_kmap_local(c, page);
	case B_KUNMAP_LOCAL:
		do_kunmap_local(c, args[0]);
		return 0;
	case B_KMAP:
		page = page_arg(c, args[0]);
		if (page < 0)
			return 0;
		if (!c->p->pages[page].highmem)
			return kmm_lowmem(c->p, page);
		c->s->k.pkmap[page]++;
		return PKMAP_BASE + (uint32_t)page * page_size(c);
	case B_KUNMAP:
		page = page_arg(c, args[0]);
		if (page >= 0 && c->p->pages[page].highmem) {
			if (c->s->k.pkmap[page] == 0)
				return fail(c, "kunmap without kmap");
			c->s->k.pkmap[page]--;
		}
		return 0;
	case B_FLUSH_ANON_PAGE:
		page = page_arg(c, args[1]);
		if (page >= 0)
			ops(c)->flush_anon_page(c, page, args[0]);
		return 0;
	case B_FLUSH_DCACHE_PAGE:
		page = page_arg(c, args[0]);
		if (page >= 0)
			ops(c)->flush_dcache_page(c, page);
		return 0;
	case B_FLUSH_KERNEL_DCACHE_PAGE:
		page = page_arg(c, args[0]);
		if (page >= 0 && ops(c)->flush_kernel_dcache_page)
			ops(c)->flush_kernel_dcache_page(c, page);
		return 0;
	case B_FLUSH_CACHE_PAGE:
		page = page_arg(c, args[1]);
		if (page >= 0)
			ops(c)->flush_cache_page(c, page, args[0]);
		return 0;
	case B_FLUSH_KERNEL_VMAP_RANGE:
		ops(c)->flush_kernel_vmap_range(c, args[0], args[1]);
		return 0;
	case B_INVALIDATE_KERNEL_VMAP_RANGE:
		ops(c)->invalidate_kernel_vmap_range(c, args[0], args[1]);
		return 0;
	case B_CTUP_PRE:
		page = page_arg(c, args[1]);
		return page < 0 ? 0 : ops(c)->copy_to_user_page_before(
				c, page, args[0], args[2]);
	case B_CTUP_POST:
		page = page_arg(c, args[1]);
		if (page >= 0)
			ops(c)->copy_to_user_page_after(c, page, args[0],
							args[2], args[3],
							args[4]);
		return 0;
	case B_CFUP_PRE:
		page = page_arg(c, args[1]);
		return page < 0 ? 0 : ops(c)->copy_from_user_page_before(
				c, page, args[0], args[2]);
	case B_CFUP_POST:
		page = page_arg(c, args[1]);
		if (page >= 0)
			ops(c)->copy_from_user_page_after(c, page, args[0],
							  args[3], args[2],
							  args[4]);
		return 0;
	case B_PREEMPT_DISABLE:
		t->preempt++;
		return 0;
	case B_PREEMPT_ENABLE:
		if (t->preempt == 0)
			return fail(c, "preempt_enable() without preempt_disable()");
		t->preempt--;
		return 0;
	case B_SCHEDULE:
		if (t->preempt > 0)
			return fail(c, "schedule() while atomic (preemption disabled)");
		return 0;
	case B_SPIN_LOCK:
		l = lock_index(c, args[0]);
		c->s->k.lock[l] = (int8_t)c->thread;
		t->preempt++;
		return 0;
	case B_SPIN_UNLOCK:
		l = lock_index(c, args[0]);
		if (c->s->k.lock[l] != c->thread)
			return fail(c, "spin_unlock() of a lock this thread does not hold");
		c->s->k.lock[l] = -1;
		t->preempt--;
		return 0;
	case B_LOCAL_IRQ_DISABLE:
		t->irqoff = 1;
		return 0;
	case B_LOCAL_IRQ_ENABLE:
		t->irqoff = 0;
		return 0;
	case B_LOCAL_IRQ_SAVE:
		r = t->irqoff;
		t->irqoff = 1;
		return r;
	case B_LOCAL_IRQ_RESTORE:
		t->irqoff = args[0] != 0;
		return 0;
	case B_COMPLETE:
		l = lock_index(c, args[0]);
		if (c->s->k.done[l] == 255)
			return fail(c, "complete() called too often");
		c->s->k.done[l]++;
		TR(c, "    complete(%s)\n", c->p->locks[l]);
		return 0;
	case B_WAIT_FOR_COMPLETION:
		if (t->preempt > 0 || t->irqoff)
			return fail(c, "wait_for_completion() while atomic "
				    "(preemption or interrupts disabled)");
		l = lock_index(c, args[0]);
		c->s->k.done[l]--;
		return 0;
	case B_PAGE_TO_PHYS:
		page = page_arg(c, args[0]);
		return page < 0 ? 0 : c->p->pages[page].pa;
	case B_VIRT_TO_PHYS:
		/* the linear map only, as the kernel's __pa() */
		if (args[0] < PAGE_OFFSET || args[0] - PAGE_OFFSET >= HIGHMEM_PA)
			return fail(c, "virt_to_phys() of an address outside "
				    "the linear map");
		return args[0] - PAGE_OFFSET;
	case B_DMA_MAP_SINGLE:
	case B_DMA_UNMAP_SINGLE:
	case B_DMA_MAP_PAGE:
	case B_DMA_UNMAP_PAGE:
	case B_DMA_SYNC_FOR_CPU:
	case B_DMA_SYNC_FOR_DEVICE:
		return dma_call(c, fn, args);
	case B_GET_USER_PAGES_REMOTE:
		return gup_in(c, owner_proc(c, args[0]), args[0], 1);
	case B_FETCH_INSN:
		return fetch(c, args[0]);
	case B_FLUSH_ICACHE_RANGE:
		if (args[1] < args[0])
			return fail(c, "flush_icache_range(start, end) with "
				    "end before start");
		if (c->p->prof.index != IDX_NONE && ops(c)->flush_icache_range)
			ops(c)->flush_icache_range(c, args[0],
						   args[1] - args[0]);
		return 0;
	case B_VMAP:
		return vmap_page(c, args[0]);
	case B_VUNMAP:
		return vunmap_addr(c, args[0]);
	case B_COPY_USER_HIGHPAGE:
		return cow_copy(c, args[0], args[1], args[2]);
	case B_FLUSH_CACHE_MM:
		if (c->p->prof.index != IDX_NONE && ops(c)->flush_cache_mm)
			ops(c)->flush_cache_mm(c);
		return 0;
	default:
		r = fuse_call(c, fn, args);
		return r;
	}
}
