/*
 * membudget.h - one memory budget for the big tables of a search (the
 * visited states and the component tables), so that running out of
 * memory is an error the search reports, not a crash.
 */
#ifndef STALE_MEMBUDGET_H
#define STALE_MEMBUDGET_H

#include <stddef.h>

/* The bound in bytes: --max-memory, else what the system has available. */
void mem_set_limit(size_t bytes);
size_t mem_limit(void);

/* Reserve n bytes of the budget: 0 if that would pass the bound. */
int mem_take(size_t n);
void mem_give(size_t n);

/* MemAvailable of /proc/meminfo (sysinfo's free RAM where it is absent). */
size_t mem_available(void);

#endif
