/*
 * parser.h - the litmus front end: text to struct scenario.
 *
 * Errors never abort the process: the parser fills a diag (position and
 * message) and returns NULL, so that the fuzzer and the CLI can both use it.
 */
#ifndef STALE_PARSER_H
#define STALE_PARSER_H

#include "ast.h"

struct diag {
	struct pos pos;			/* pos.file points into diag.file */
	char file[256];
	char msg[256];
};

/* Print "FILE:LINE:COL: message" on stderr. */
void diag_print(const struct diag *d);

/*
 * Parse a scenario file.  #include "F" is searched beside the including
 * file, then in each directory of libdirs (NULL-terminated; may be NULL).
 */
struct scenario *parse_file(const char *path, const char *const *libdirs,
			    struct diag *err);

/* The same from memory; name is used in positions and for beside-search. */
struct scenario *parse_buffer(const char *name, const char *text, size_t len,
			      const char *const *libdirs, struct diag *err);

/*
 * Add the functions of a library file (comments, #include lines and
 * function definitions only) to sc.  Returns 0, or -1 with err filled.
 */
int parse_library(struct scenario *sc, const char *path,
		  const char *const *libdirs, struct diag *err);

void scenario_free(struct scenario *sc);

#endif
