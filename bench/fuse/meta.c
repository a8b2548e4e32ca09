/*
 * meta.c - create, stat and unlink N files in a directory, timed apart.
 * Usage: meta DIR N [PAUSE]; prints "create R stat R unlink R" per second.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char path[4096];
	struct stat st;
	struct timespec pause = { 0, 0 };
	double t0, tc, t1, t2, t3, p = 0;
	long n, i;
	int fd;

	if (argc < 3 || argc > 4 || (n = strtol(argv[2], NULL, 10)) <= 0 ||
	    (argc == 4 && (p = strtod(argv[3], NULL)) < 0)) {
		fprintf(stderr, "usage: meta DIR N [PAUSE]\n");
		return 2;
	}
	pause.tv_sec = (time_t)p;
	pause.tv_nsec = (long)((p - (double)pause.tv_sec) * 1e9);
	t0 = now();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/m%07ld", argv[1], i);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0 || close(fd) != 0) {
			perror(path);
			return 1;
		}
	}
	tc = now();
	/* Past a FUSE entry timeout, every stat asks the daemon again. */
	nanosleep(&pause, NULL);
	t1 = now();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/m%07ld", argv[1], i);
		if (stat(path, &st) != 0) {
			perror(path);
			return 1;
		}
	}
	t2 = now();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/m%07ld", argv[1], i);
		if (unlink(path) != 0) {
			perror(path);
			return 1;
		}
	}
	t3 = now();
	printf("create %.0f stat %.0f unlink %.0f\n", (double)n / (tc - t0),
	       (double)n / (t2 - t1), (double)n / (t3 - t2));
	return 0;
}
