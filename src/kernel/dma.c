/*
 * dma.c - the streaming DMA API (include/linux/dma-mapping.h): the
 * driver hands a buffer to a device and takes it back, and the
 * architecture does what its non-coherent cache needs at each hand-over.
 * The handle is the bus address, which is the physical address on the
 * machines modelled here; the device (a @device thread) uses it.
 */
#include "arch.h"
#include "builtins.h"
#include "dma.h"

static uint32_t fail(struct ctx *c, const char *msg)
{
	c->end = OK_ERROR;
	c->msg = msg;
	return 0;
}

static const char *const dir_name[] = {
	"DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE",
};

/* The lowmem page and kernel address behind a handle, or -1. */
static int handle_page(struct ctx *c, uint32_t handle, uint32_t *kva)
{
	const struct prog *p = c->p;
	int i;

	for (i = 0; i < p->npages; i++)
		if (handle - p->pages[i].pa < p->prof.page_size) {
			if (p->pages[i].highmem)
				return -1;
			*kva = PAGE_OFFSET + handle;
			return i;
		}
	return -1;
}

static int check(struct ctx *c, uint32_t len, uint32_t dir)
{
	if (dir > DMA_FROM_DEVICE) {
		fail(c, "DMA direction must be DMA_BIDIRECTIONAL, "
		     "DMA_TO_DEVICE or DMA_FROM_DEVICE");
		return 0;
	}
	if (len == 0 || len > c->p->prof.page_size) {
		fail(c, "DMA length must be 1 byte to one page");
		return 0;
	}
	if (c->p->prof.index == IDX_NONE || c->p->prof.dma_coherent)
		return 1;
	if (arch_ops_of(c->p->prof.arch)->dma_to_device == NULL) {
		fail(c, "the streaming DMA API is rendered for ARM only "
		     "(docs/kernel-sources.md)");
		return 0;
	}
	return 1;
}

static int coherent(const struct ctx *c)
{
	return c->p->prof.index == IDX_NONE || c->p->prof.dma_coherent;
}

/* dma_map_single / dma_map_page: returns the handle */
static uint32_t map(struct ctx *c, uint32_t kva, uint32_t len, uint32_t dir)
{
	uint32_t pa;
	int asid, page;

	if (!check(c, len, dir))
		return 0;
	if (kmm_translate(c, kva, &pa, &asid) < 0 || kva < PAGE_OFFSET ||
	    kva >= PAGE_OFFSET + HIGHMEM_PA)
		return fail(c, "dma_map of an address that is not in the "
			    "kernel's linear map");
	page = handle_page(c, pa, &kva);
	if (page < 0 || (pa % c->p->prof.page_size) + len >
	    c->p->prof.page_size)
		return fail(c, "a DMA buffer must lie in one lowmem page");
	TR(c, "    dma_map %s, %u bytes, %s -> handle %#x\n",
	   c->p->pages[page].name, len, dir_name[dir], pa);
	if (!coherent(c))
		arch_ops_of(c->p->prof.arch)->dma_to_device(c, page, kva, len,
							    (int)dir);
	return pa;
}

/* The lowmem page behind a checked handle, or -1 (c->end set). */
static int handle_checked(struct ctx *c, uint32_t handle, uint32_t len,
			  uint32_t dir, uint32_t *kva)
{
	int page;

	if (!check(c, len, dir))
		return -1;
	page = handle_page(c, handle, kva);
	if (page < 0)
		fail(c, "not a DMA handle of a lowmem page");
	return page;
}

/* dma_unmap_* (unmap 1) and dma_sync_*_for_cpu (unmap 0) */
static uint32_t back(struct ctx *c, uint32_t handle, uint32_t len,
		     uint32_t dir, int unmap)
{
	uint32_t kva;
	int page = handle_checked(c, handle, len, dir, &kva);

	if (page < 0)
		return 0;
	TR(c, "    %s handle %#x, %u bytes, %s\n",
	   unmap ? "dma_unmap" : "dma_sync_for_cpu", handle, len,
	   dir_name[dir]);
	if (!coherent(c))
		arch_ops_of(c->p->prof.arch)->dma_to_cpu(c, page, kva, len,
							 (int)dir, unmap);
	return 0;
}

static uint32_t to_device(struct ctx *c, uint32_t handle, uint32_t len,
			  uint32_t dir)
{
	uint32_t kva;
	int page = handle_checked(c, handle, len, dir, &kva);

	if (page < 0)
		return 0;
	TR(c, "    dma_sync_for_device handle %#x, %u bytes, %s\n", handle,
	   len, dir_name[dir]);
	if (!coherent(c))
		arch_ops_of(c->p->prof.arch)->dma_to_device(c, page, kva, len,
							    (int)dir);
	return 0;
}

uint32_t dma_call(struct ctx *c, enum builtin fn, const uint32_t *args)
{
	int page;

	switch (fn) {
	case B_DMA_MAP_SINGLE:
		return map(c, args[0], args[1], args[2]);
	case B_DMA_MAP_PAGE:
		page = kmm_page_of_struct(c->p, args[0]);
		if (page < 0)
			return fail(c, "argument is not a struct page pointer");
		if (c->p->pages[page].highmem)
			return fail(c, "dma_map_page of a highmem page is not "
				    "modelled");
		return map(c, kmm_lowmem(c->p, page) + args[1], args[2],
			   args[3]);
	case B_DMA_UNMAP_SINGLE:
	case B_DMA_UNMAP_PAGE:
		return back(c, args[0], args[1], args[2], 1);
	case B_DMA_SYNC_FOR_CPU:
		return back(c, args[0], args[1], args[2], 0);
	case B_DMA_SYNC_FOR_DEVICE:
		return to_device(c, args[0], args[1], args[2]);
	default:
		return fail(c, "not a DMA call");
	}
}
