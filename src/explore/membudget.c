/*
 * membudget.c - the process's budget for search tables.  The default
 * bound is the memory the system reports available when the first table
 * asks: past it the machine would swap, and a search that swaps does not
 * finish, so stopping there with a clear message is the useful outcome.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "membudget.h"

static _Atomic size_t used;
static _Atomic size_t limit;

size_t mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long long kib;
	struct sysinfo si;

	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
				fclose(f);
				return (size_t)kib * 1024;
			}
		fclose(f);
	}
	if (sysinfo(&si) == 0)
		return (size_t)(si.freeram + si.bufferram) * si.mem_unit;
	return (size_t)1 << 30;
}

void mem_set_limit(size_t bytes)
{
	atomic_store(&limit, bytes);
}

size_t mem_limit(void)
{
	size_t l = atomic_load(&limit);

	if (l == 0) {
		size_t want = mem_available(), zero = 0;

		/* the first caller decides; later calls see its value */
		atomic_compare_exchange_strong(&limit, &zero, want);
		l = atomic_load(&limit);
	}
	return l;
}

int mem_take(size_t n)
{
	size_t l = mem_limit();

	if (atomic_fetch_add(&used, n) + n > l) {
		atomic_fetch_sub(&used, n);
		return 0;
	}
	return 1;
}

void mem_give(size_t n)
{
	atomic_fetch_sub(&used, n);
}
