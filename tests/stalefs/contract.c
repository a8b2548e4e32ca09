/*
 * contract.c - the kernel's side of the FUSE contract, probed with bad replies.
 * Usage: contract MNT (root; fusectl is mounted if it is not).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fuse.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include "check.h"

static const char *mnt;
static char buf[1 << 20 | 8192];

static int do_mount(void)
{
	char opts[256];
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,"
		 "group_id=0", fd);
	if (mount("contract", mnt, "fuse.contract", MS_NOSUID | MS_NODEV,
		  opts) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read one request; -1 with errno on failure or after a second. */
static ssize_t get(int fd, struct fuse_in_header **h)
{
	struct pollfd p = { fd, POLLIN, 0 };

	if (poll(&p, 1, 2000) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	*h = (struct fuse_in_header *)(void *)buf;
	return read(fd, buf, sizeof(buf));
}

static ssize_t put(int fd, uint64_t unique, int32_t error, uint32_t len,
		   const void *payload, size_t plen)
{
	struct fuse_out_header oh = { len, error, unique };
	struct iovec iov[2] = { { &oh, sizeof(oh) },
				{ (void *)payload, plen } };

	return writev(fd, iov, plen ? 2 : 1);
}

static int init(int fd)
{
	struct fuse_in_header *h;
	struct fuse_init_out out;

	if (get(fd, &h) < 0 || h->opcode != FUSE_INIT)
		return -1;
	memset(&out, 0, sizeof(out));
	out.major = FUSE_KERNEL_VERSION;
	out.minor = FUSE_KERNEL_MINOR_VERSION;
	out.max_write = 4096;
	return put(fd, h->unique, 0, sizeof(struct fuse_out_header) +
		   sizeof(out), &out, sizeof(out)) < 0 ? -1 : 0;
}

/* A child that stats MNT/name and exits with the errno it got. */
static pid_t stat_child(const char *name)
{
	pid_t pid = fork();

	if (pid == 0) {
		char path[4096];
		struct stat st;

		alarm(10);
		snprintf(path, sizeof(path), "%s/%s", mnt, name);
		_exit(stat(path, &st) == 0 ? 0 : errno);
	}
	return pid;
}

static int child_errno(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void t_replies(void)
{
	struct fuse_in_header *h;
	struct fuse_entry_out e;
	int fd = do_mount();
	uint64_t u;
	pid_t pid;

	if (!check(fd >= 0, "mount a raw connection"))
		return;
	check(init(fd) == 0, "INIT answered");
	pid = stat_child("x");
	check(get(fd, &h) > 0 && h->opcode == FUSE_LOOKUP, "LOOKUP arrives");
	u = h->unique;
	CHECK_ERRNO(put(fd, u, 0, 100, NULL, 0), EINVAL,
		    "reply whose len is not what was written");
	CHECK_ERRNO(put(fd, u, -600, 16, NULL, 0), EINVAL,
		    "error -600 (below -511)");
	CHECK_ERRNO(put(fd, u, -512, 16, NULL, 0), EINVAL, "error -512");
	CHECK_ERRNO(put(fd, u, 5, 16, NULL, 0), EINVAL, "positive error");
	CHECK_ERRNO(put(fd, u + 1000, -ENOENT, 16, NULL, 0), ENOENT,
		    "reply to an unknown unique");
	check(put(fd, u, -ENOENT, 16, NULL, 0) == 16,
	      "the request survived the bad replies: ENOENT accepted");
	check(child_errno(pid) == ENOENT, "the caller got ENOENT");
	CHECK_ERRNO(put(fd, u, -ENOENT, 16, NULL, 0), ENOENT,
		    "a second reply to the same unique");

	pid = stat_child("y");
	check(get(fd, &h) > 0 && h->opcode == FUSE_LOOKUP, "LOOKUP again");
	check(put(fd, h->unique, -511, 16, NULL, 0) == 16,
	      "error -511 is in range");
	check(child_errno(pid) != 0, "the caller got an error");

	pid = stat_child("w");
	check(get(fd, &h) > 0 && h->opcode == FUSE_LOOKUP, "LOOKUP again");
	check(put(fd, h->unique, -EACCES, 16, NULL, 0) == 16, "reply EACCES");
	check(child_errno(pid) == EACCES, "the caller got exactly EACCES");

	pid = stat_child("z");
	check(get(fd, &h) > 0, "LOOKUP for a short entry");
	memset(&e, 0, sizeof(e));
	CHECK_ERRNO(put(fd, h->unique, -EIO, 16 + 8, &e, 8), EINVAL,
		    "error reply carrying a payload");
	check(child_errno(pid) != 0, "that caller got an error");

	check(umount2(mnt, 0) == 0, "umount");
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), ENODEV, "read after umount");
	/* Writes still look requests up, and none is left. */
	CHECK_ERRNO(put(fd, 12345, -ENOENT, 16, NULL, 0), ENOENT,
		    "write after umount");
	close(fd);
}

/* The device of the mount at m, from mountinfo: stat() would ask us. */
static unsigned mount_dev(const char *m)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096], point[4096];
	unsigned maj, min, dev = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min,
			   point) == 3 && strcmp(point, m) == 0)
			dev = (maj << 20) | min;
	}
	if (f != NULL)
		fclose(f);
	return dev;
}

static void t_abort(void)
{
	struct fuse_in_header *h;
	char path[256];
	struct stat st;
	int fd = do_mount(), afd, e;
	pid_t pid;

	if (!check(fd >= 0, "mount for abort"))
		return;
	check(init(fd) == 0, "INIT answered");
	/* The fusectl directory is named by the connection's device. */
	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort",
		 mount_dev(mnt));
	pid = stat_child("hang");
	check(get(fd, &h) > 0 && h->opcode == FUSE_LOOKUP,
	      "a LOOKUP we will not answer");
	afd = open(path, O_WRONLY);
	check(afd >= 0 && write(afd, "1", 1) == 1, "write 1 to %s", path);
	if (afd >= 0)
		close(afd);
	e = child_errno(pid);
	check(e == ECONNABORTED || e == ENOTCONN, "the waiting caller got %s",
	      e > 0 ? strerrorname_np(e) : "no error");
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), ENODEV, "read after abort");
	CHECK_ERRNO(stat(mnt, &st), ENOTCONN, "the mount says ENOTCONN");
	check(umount2(mnt, 0) == 0, "umount an aborted connection");
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: contract MNT\n");
		return 2;
	}
	mnt = argv[1];
	if (access("/sys/fs/fuse/connections/", F_OK) == 0 &&
	    access("/sys/fs/fuse/connections/.", W_OK) == 0)
		mount("fusectl", "/sys/fs/fuse/connections", "fusectl", 0,
		      NULL);
	t_replies();
	t_abort();
	return check_done();
}
