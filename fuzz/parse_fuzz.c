/*
 * parse_fuzz.c - libFuzzer entry point for the litmus parser.
 */
#include <stddef.h>
#include <stdint.h>

#include "parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Any input must give a tree or a diagnostic: no crash, leak or hang. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d;
	struct scenario *sc;

	sc = parse_buffer("fuzz.litmus", (const char *)data, size, NULL, &d);
	if (sc == NULL && (d.pos.line < 1 || d.pos.col < 1 ||
			   d.pos.file != d.file || d.msg[0] == '\0'))
		__builtin_trap();
	scenario_free(sc);
	return 0;
}
