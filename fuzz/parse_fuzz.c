/*
 * parse_fuzz.c - libFuzzer entry point for the front end and the engine:
 * any input must give a tree or a positioned diagnostic, and a tree that
 * lowers must explore (within small bounds) without a crash or a hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lower.h"
#include "parser.h"
#include "search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int positioned(const struct diag *d)
{
	return d->pos.line >= 1 && d->pos.col >= 1 && d->pos.file == d->file &&
	       d->msg[0] != '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const libdirs[] = { "lib", NULL };
	struct lower_opts lo;
	struct search_opts so;
	struct diag d;
	struct scenario *sc;
	struct prog p;
	struct result r;

	sc = parse_buffer("fuzz.litmus", (const char *)data, size, NULL, &d);
	if (sc == NULL) {
		if (!positioned(&d))
			__builtin_trap();
		return 0;
	}
	memset(&lo, 0, sizeof(lo));
	lo.preempt = -1;
	lo.evict = -1;
	lo.libdirs = libdirs;
	lo.max_steps = 200;
	if (lower(sc, &lo, &p, &d) < 0) {
		if (!positioned(&d))
			__builtin_trap();
	} else {
		memset(&so, 0, sizeof(so));
		so.reduce = 1;
		so.max_states = 2000;
		search(&p, &so, &r);
		result_free(&r);
	}
	prog_free(&p);
	scenario_free(sc);
	return 0;
}
