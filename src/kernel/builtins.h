/*
 * builtins.h - the built-in kernel functions of the scenario language,
 * declared once (X-macro) and expanded wherever a list is needed.
 *
 * Flags:  K  kernel mode only        P  pure: touches nothing shared
 *         L  expanded by lower.c into loops of single-word steps
 *         I  internal: not callable from scenario text
 */
#ifndef STALE_BUILTINS_H
#define STALE_BUILTINS_H

#include "ctx.h"

#define BF_KERNEL	0x01
#define BF_PURE		0x02
#define BF_LOWERED	0x04
#define BF_INTERNAL	0x08
#define BF_LOCKNAME	0x10	/* the argument names a lock */
#define BF_NOCACHE	0x20	/* touches no cache line */
#define BF_FLAGSOUT	0x40	/* the last argument names the int that the
				   saved interrupt state is stored into */
#define BF_DEVICE	0x80	/* a @device thread may call it */

/*  id                         name                      args ret          flags */
#define BUILTINS(X) \
	X(B_CLEAN_DCACHE_RANGE,    "clean_dcache_range",        2, TY_VOID,     BF_KERNEL) \
	X(B_INV_DCACHE_RANGE,      "inv_dcache_range",          2, TY_VOID,     BF_KERNEL) \
	X(B_FLUSH_DCACHE_RANGE,    "flush_dcache_range",        2, TY_VOID,     BF_KERNEL) \
	X(B_FLUSH_CACHE_ALL,       "flush_cache_all",           0, TY_VOID,     BF_KERNEL) \
	X(B_GET_USER_PAGES,        "get_user_pages",            2, TY_PAGE_PTR, BF_KERNEL) \
	X(B_GET_USER_PAGES_NOCACHE,"get_user_pages_nocache",    2, TY_PAGE_PTR, BF_KERNEL | BF_NOCACHE) \
	X(B_PUT_PAGE,              "put_page",                  1, TY_VOID,     BF_KERNEL | BF_NOCACHE) \
	X(B_PAGE_ADDRESS,          "page_address",              1, TY_VOID_PTR, BF_KERNEL | BF_PURE | BF_NOCACHE) \
	X(B_PAGE_SIZE,             "page_size",                 0, TY_INT,      BF_PURE | BF_NOCACHE) \
	X(B_OFFSET_IN_PAGE,        "offset_in_page",            1, TY_INT,      BF_PURE | BF_NOCACHE) \
	X(B_KMAP_ATOMIC,           "kmap_atomic",               1, TY_VOID_PTR, BF_KERNEL | BF_NOCACHE) \
	X(B_KUNMAP_ATOMIC,         "kunmap_atomic",             1, TY_VOID,     BF_KERNEL) \
	X(B_KMAP_LOCAL_PAGE,       "kmap_local_page",           1, TY_VOID_PTR, BF_KERNEL | BF_NOCACHE) \
	X(B_KUNMAP_LOCAL,          "kunmap_local",              1, TY_VOID,     BF_KERNEL) \
	X(B_KMAP,                  "kmap",                      1, TY_VOID_PTR, BF_KERNEL | BF_NOCACHE) \
	X(B_KUNMAP,                "kunmap",                    1, TY_VOID,     BF_KERNEL | BF_NOCACHE) \
	X(B_FLUSH_ANON_PAGE,       "flush_anon_page",           2, TY_VOID,     BF_KERNEL) \
	X(B_FLUSH_DCACHE_PAGE,     "flush_dcache_page",         1, TY_VOID,     BF_KERNEL) \
	X(B_FLUSH_KERNEL_DCACHE_PAGE, "flush_kernel_dcache_page", 1, TY_VOID,   BF_KERNEL) \
	X(B_FLUSH_CACHE_PAGE,      "flush_cache_page",          2, TY_VOID,     BF_KERNEL) \
	X(B_FLUSH_KERNEL_VMAP_RANGE, "flush_kernel_vmap_range", 2, TY_VOID,     BF_KERNEL) \
	X(B_INVALIDATE_KERNEL_VMAP_RANGE, "invalidate_kernel_vmap_range", 2, TY_VOID, BF_KERNEL) \
	X(B_COPY_TO_USER_PAGE,     "copy_to_user_page",         5, TY_VOID,     BF_KERNEL | BF_LOWERED) \
	X(B_COPY_FROM_USER_PAGE,   "copy_from_user_page",       5, TY_VOID,     BF_KERNEL | BF_LOWERED) \
	X(B_CTUP_PRE,              "copy_to_user_page:before",  4, TY_VOID,     BF_KERNEL | BF_INTERNAL) \
	X(B_CTUP_POST,             "copy_to_user_page:after",   5, TY_VOID,     BF_KERNEL | BF_INTERNAL) \
	X(B_CFUP_PRE,              "copy_from_user_page:before",4, TY_VOID,     BF_KERNEL | BF_INTERNAL) \
	X(B_CFUP_POST,             "copy_from_user_page:after", 5, TY_VOID,     BF_KERNEL | BF_INTERNAL) \
	X(B_GET_USER_PAGES_FAST,   "get_user_pages_fast",       2, TY_PAGE_PTR, BF_KERNEL) \
	X(B_COPY_TO_USER,          "copy_to_user",              3, TY_INT,      BF_KERNEL | BF_LOWERED) \
	X(B_COPY_FROM_USER,        "copy_from_user",            3, TY_INT,      BF_KERNEL | BF_LOWERED) \
	X(B_MEMCPY,                "memcpy",                    3, TY_VOID,     BF_LOWERED) \
	X(B_MEMSET,                "memset",                    3, TY_VOID,     BF_LOWERED) \
	X(B_PREEMPT_DISABLE,       "preempt_disable",           0, TY_VOID,     BF_KERNEL | BF_NOCACHE) \
	X(B_PREEMPT_ENABLE,        "preempt_enable",            0, TY_VOID,     BF_KERNEL | BF_NOCACHE) \
	X(B_SCHEDULE,              "schedule",                  0, TY_VOID,     BF_KERNEL | BF_NOCACHE) \
	X(B_SPIN_LOCK,             "spin_lock",                 1, TY_VOID,     BF_KERNEL | BF_LOCKNAME | BF_NOCACHE) \
	X(B_SPIN_UNLOCK,           "spin_unlock",               1, TY_VOID,     BF_KERNEL | BF_LOCKNAME | BF_NOCACHE) \
	X(B_FUSE_ABORT,            "fuse_abort",                0, TY_VOID,     BF_NOCACHE) \
	X(B_LOCK_REQUEST,          "lock_request",              0, TY_INT,      BF_KERNEL | BF_NOCACHE) \
	X(B_UNLOCK_REQUEST,        "unlock_request",            0, TY_INT,      BF_KERNEL | BF_NOCACHE) \
	X(B_FUSE_RELEASE,          "__fuse_put_request",        1, TY_VOID,     BF_KERNEL) \
	X(B_FUSE_QUEUE,            "__fuse_queue",              1, TY_VOID,     BF_KERNEL | BF_NOCACHE) \
	X(B_FUSE_REQ_LEN,          "__fuse_req_len",            1, TY_INT,      BF_KERNEL | BF_NOCACHE) \
	X(B_FUSE_SCRATCH,          "__fuse_scratch",            0, TY_INT_PTR,  BF_KERNEL | BF_NOCACHE) \
	X(B_FUSE_SEND,             "__fuse_send",               2, TY_INT,      BF_KERNEL | BF_NOCACHE) \
	X(B_FUSE_WAIT,             "__fuse_wait_answer",        1, TY_INT,      BF_KERNEL) \
	X(B_FUSE_DEV_TAKE,         "__fuse_take_request",       1, TY_INT,      BF_KERNEL | BF_NOCACHE) \
	X(B_FUSE_DEV_READ_END,     "__fuse_dev_read_end",       2, TY_INT,      BF_KERNEL | BF_NOCACHE) \
	X(B_FUSE_DEV_FIND,         "__fuse_request_find",       2, TY_INT,      BF_KERNEL) \
	X(B_FUSE_DEV_WRITE_END,    "__fuse_dev_write_end",      2, TY_INT,      BF_KERNEL | BF_NOCACHE) \
	X(B_LOCAL_IRQ_DISABLE,     "local_irq_disable",         0, TY_VOID,     BF_KERNEL | BF_NOCACHE) \
	X(B_LOCAL_IRQ_ENABLE,      "local_irq_enable",          0, TY_VOID,     BF_KERNEL | BF_NOCACHE) \
	X(B_LOCAL_IRQ_SAVE,        "local_irq_save",            1, TY_VOID,     BF_KERNEL | BF_NOCACHE | BF_FLAGSOUT) \
	X(B_LOCAL_IRQ_RESTORE,     "local_irq_restore",         1, TY_VOID,     BF_KERNEL | BF_NOCACHE) \
	X(B_SPIN_LOCK_IRQ,         "spin_lock_irq",             1, TY_VOID,     BF_KERNEL | BF_LOCKNAME | BF_LOWERED) \
	X(B_SPIN_UNLOCK_IRQ,       "spin_unlock_irq",           1, TY_VOID,     BF_KERNEL | BF_LOCKNAME | BF_LOWERED) \
	X(B_SPIN_LOCK_IRQSAVE,     "spin_lock_irqsave",         2, TY_VOID,     BF_KERNEL | BF_LOCKNAME | BF_LOWERED | BF_FLAGSOUT) \
	X(B_SPIN_UNLOCK_IRQRESTORE,"spin_unlock_irqrestore",    2, TY_VOID,     BF_KERNEL | BF_LOCKNAME | BF_LOWERED) \
	X(B_COMPLETE,              "complete",                  1, TY_VOID,     BF_KERNEL | BF_LOCKNAME | BF_NOCACHE | BF_DEVICE) \
	X(B_WAIT_FOR_COMPLETION,   "wait_for_completion",       1, TY_VOID,     BF_KERNEL | BF_LOCKNAME | BF_NOCACHE | BF_DEVICE) \
	X(B_PAGE_TO_PHYS,          "page_to_phys",              1, TY_INT_PTR,     BF_KERNEL | BF_PURE | BF_NOCACHE | BF_DEVICE) \
	X(B_VIRT_TO_PHYS,          "virt_to_phys",              1, TY_INT_PTR,  BF_KERNEL | BF_PURE | BF_NOCACHE | BF_DEVICE) \
	X(B_DMA_MAP_SINGLE,        "dma_map_single",            3, TY_INT,      BF_KERNEL) \
	X(B_DMA_UNMAP_SINGLE,      "dma_unmap_single",          3, TY_VOID,     BF_KERNEL) \
	X(B_DMA_MAP_PAGE,          "dma_map_page",              4, TY_INT,      BF_KERNEL) \
	X(B_DMA_UNMAP_PAGE,        "dma_unmap_page",            3, TY_VOID,     BF_KERNEL) \
	X(B_DMA_SYNC_FOR_CPU,      "dma_sync_single_for_cpu",   3, TY_VOID,     BF_KERNEL) \
	X(B_DMA_SYNC_FOR_DEVICE,   "dma_sync_single_for_device",3, TY_VOID,     BF_KERNEL) \
	X(B_GET_USER_PAGES_REMOTE, "get_user_pages_remote",     2, TY_PAGE_PTR, BF_KERNEL) \
	X(B_FETCH_INSN,            "fetch_insn",                1, TY_INT,      0) \
	X(B_FLUSH_ICACHE_RANGE,    "flush_icache_range",        2, TY_VOID,     BF_KERNEL) \
	X(B_VMAP,                  "vmap",                      1, TY_VOID_PTR, BF_KERNEL | BF_NOCACHE) \
	X(B_VUNMAP,                "vunmap",                    1, TY_VOID,     BF_KERNEL) \
	X(B_COPY_USER_HIGHPAGE,    "copy_user_highpage",        3, TY_VOID,     BF_KERNEL) \
	X(B_FLUSH_CACHE_MM,        "flush_cache_mm",            0, TY_VOID,     BF_KERNEL)

enum builtin {
#define X(id, name, nargs, ret, flags) id,
	BUILTINS(X)
#undef X
	B_COUNT
};

struct builtin_info {
	const char *name;
	int nargs;
	enum ast_type ret;
	unsigned flags;
};

extern const struct builtin_info builtin_info[B_COUNT];

/* -1 when name is not a (callable) built-in. */
int builtin_lookup(const char *name);

/*
 * Can thread c->thread take this call now?  0 when it must wait (a held
 * lock, a request not yet answered, nothing pending).
 */
int builtin_enabled(const struct ctx *c, enum builtin fn,
		    const uint32_t *args);
/* Does waiting in this call let the scheduler run another thread? */
int builtin_sleeps(enum builtin fn);

/* Run the call; returns the result value.  May set c->end. */
uint32_t builtin_call(struct ctx *c, enum builtin fn, const uint32_t *args);

#endif
