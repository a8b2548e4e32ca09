/*
 * check.h - the tiny test harness shared by the stalefs test programs.
 * Each check prints one line; the last line is "N passed, M failed".
 */
#ifndef SFS_CHECK_H
#define SFS_CHECK_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int chk_pass, chk_fail;

__attribute__((format(printf, 2, 3)))
static int check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		chk_pass++;
	else
		chk_fail++;
	return ok;
}

/* A call that must fail with exactly errno e. */
#define CHECK_ERRNO(call, e, what)					\
	do {								\
		errno = 0;						\
		long r_ = (long)(call);					\
		int e_ = errno;						\
		check(r_ == -1 && e_ == (e), "%s: errno %s (got %ld, %s)", \
		      what, strerrorname_np(e), r_,			\
		      e_ ? strerrorname_np(e_) : "0");			\
	} while (0)

/* A call that must succeed (return >= 0). */
#define CHECK_OK(call, what)						\
	do {								\
		errno = 0;						\
		long r_ = (long)(call);					\
		check(r_ >= 0, "%s (%s)", what,				\
		      r_ >= 0 ? "0" : strerror(errno));			\
	} while (0)

static int check_done(void)
{
	printf("%d passed, %d failed\n", chk_pass, chk_fail);
	return chk_fail != 0;
}

#endif
