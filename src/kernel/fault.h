/*
 * fault.h - page faults on mappings that are not faulted in yet
 * (map(p, lazy)): lock_page, read the page if it is not uptodate,
 * install the PTE, unlock_page.  Each phase that can sleep is a step.
 */
#ifndef STALE_FAULT_H
#define STALE_FAULT_H

#include "ctx.h"

int fault_enabled(const struct ctx *c, int t);
void fault_step(struct ctx *c, int t);

#endif
