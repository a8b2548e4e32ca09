/*
 * main.c - the stalefs command: picks the passthrough or torture mode.
 * Bad command lines exit 2 with a message; see docs/stalefs.md.
 */
#include <stdio.h>
#include <string.h>
#include "passthrough.h"
#include "torture.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: stalefs passthrough [options] SRC MNT\n"
"       stalefs torture [options] MNT\n"
"       stalefs MODE --help   for the options of a mode\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "passthrough") == 0)
		return pt_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "torture") == 0)
		return tt_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "stalefs: unknown mode '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
