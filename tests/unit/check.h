/*
 * check.h - the unit tests' one assertion: count, and say which line
 * failed; each test program ends by printing "N passed, M failed".
 */
#ifndef STALE_CHECK_H
#define STALE_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(c) check((c) != 0, #c, __LINE__)

static int check(int ok, const char *what, int line)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL line %d: %s\n", line, what);
	}
	return ok;
}

#endif
