/*
 * ops.c - every passthrough opcode through real syscalls on the mount.
 * Usage: ops MNT SRC; results are checked on MNT and again in SRC.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include "check.h"

static char mnt[1024], src[1024];

static const char *M(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", mnt, rel);
	return buf[k];
}

static const char *S(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", src, rel);
	return buf[k];
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
}

static int file_equals(const char *path, const unsigned char *p, size_t n)
{
	unsigned char *b = malloc(n + 1);
	int fd = open(path, O_RDONLY);
	ssize_t got = -1;
	int ok;

	if (fd >= 0 && b != NULL)
		got = pread(fd, b, n + 1, 0);
	ok = got == (ssize_t)n && memcmp(b, p, n) == 0;
	if (fd >= 0)
		close(fd);
	free(b);
	return ok;
}

static void t_basic_io(void)
{
	unsigned char w[8192], r[8192];
	struct stat st;
	int fd;

	fd = open(M("f1"), O_CREAT | O_RDWR | O_EXCL, 0640);
	check(fd >= 0, "CREATE f1");
	fill(w, sizeof(w), 1);
	check(pwrite(fd, w, sizeof(w), 0) == (ssize_t)sizeof(w), "WRITE 8 KiB");
	check(pread(fd, r, sizeof(r), 0) == (ssize_t)sizeof(r) &&
	      memcmp(w, r, sizeof(r)) == 0, "READ back 8 KiB");
	check(fstat(fd, &st) == 0 && st.st_size == 8192 &&
	      (st.st_mode & 07777) == 0640, "GETATTR size and mode");
	CHECK_OK(fsync(fd), "FSYNC");
	CHECK_OK(fdatasync(fd), "FSYNC datasync");
	close(fd);
	check(file_equals(S("f1"), w, sizeof(w)), "data landed in SRC");
	CHECK_ERRNO(open(M("f1"), O_CREAT | O_EXCL | O_RDWR, 0600), EEXIST,
		    "O_EXCL on existing");
	CHECK_ERRNO(open(M("nonexistent"), O_RDONLY), ENOENT,
		    "open missing");
	fd = open(M("f1"), O_WRONLY);
	CHECK_ERRNO(read(fd, r, 10), EBADF, "read on O_WRONLY fd");
	close(fd);
	fd = open(M("f1"), O_RDWR | O_TRUNC);
	check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0,
	      "OPEN O_TRUNC");
	close(fd);
	fd = open(M("f1"), O_WRONLY | O_APPEND);
	check(write(fd, "ab", 2) == 2 && write(fd, "cd", 2) == 2,
	      "O_APPEND writes");
	close(fd);
	check(file_equals(S("f1"), (const unsigned char *)"abcd", 4),
	      "O_APPEND content");
}

static void t_big_io(void)
{
	size_t n = 3 << 20;	/* past max_write: split by the kernel */
	unsigned char *w, *r;
	int fd;

	w = aligned_alloc(4096, n);
	r = aligned_alloc(4096, n);
	fill(w, n, 2);
	fd = open(M("big"), O_CREAT | O_RDWR, 0600);
	check(fd >= 0 && pwrite(fd, w, n, 0) == (ssize_t)n,
	      "buffered WRITE 3 MiB");
	close(fd);
	check(file_equals(S("big"), w, n), "3 MiB in SRC");
	fd = open(M("big"), O_RDWR | O_DIRECT);
	check(fd >= 0, "OPEN O_DIRECT");
	memset(r, 0, n);
	check(pread(fd, r, n, 0) == (ssize_t)n && memcmp(r, w, n) == 0,
	      "O_DIRECT READ 3 MiB");
	fill(w, 1 << 20, 3);
	check(pwrite(fd, w, 1 << 20, 1 << 20) == 1 << 20,
	      "O_DIRECT WRITE 1 MiB");
	close(fd);
	fd = open(M("big"), O_RDONLY);
	check(pread(fd, r, 1 << 20, 1 << 20) == 1 << 20 &&
	      memcmp(r, w, 1 << 20) == 0, "buffered READ after O_DIRECT");
	close(fd);
	free(w);
	free(r);
}

static void t_mmap(void)
{
	size_t n = 1 << 20;
	unsigned char *p, *w = malloc(n);
	int fd = open(M("mm"), O_CREAT | O_RDWR, 0600);

	check(fd >= 0 && ftruncate(fd, (off_t)n) == 0,
	      "SETATTR size (ftruncate)");
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(p != MAP_FAILED, "mmap shared");
	if (p != MAP_FAILED) {
		fill(w, n, 4);
		memcpy(p, w, n);
		check(msync(p, n, MS_SYNC) == 0, "msync");
		munmap(p, n);
	}
	close(fd);
	check(file_equals(S("mm"), w, n), "mmap writes in SRC");
	free(w);
}

static void t_setattr(void)
{
	struct timespec ts[2] = { { 1000000000, 123456789 },
				  { 1100000000, 987654321 } };
	struct stat st;

	CHECK_OK(truncate(M("f1"), 100), "SETATTR size (truncate path)");
	check(stat(S("f1"), &st) == 0 && st.st_size == 100, "size in SRC");
	CHECK_OK(chmod(M("f1"), 0604), "SETATTR mode");
	check(stat(S("f1"), &st) == 0 && (st.st_mode & 07777) == 0604,
	      "mode in SRC");
	CHECK_OK(chown(M("f1"), 1234, 5678), "SETATTR uid/gid");
	check(stat(S("f1"), &st) == 0 && st.st_uid == 1234 &&
	      st.st_gid == 5678, "owner in SRC");
	CHECK_OK(utimensat(AT_FDCWD, M("f1"), ts, 0), "SETATTR times");
	check(stat(S("f1"), &st) == 0 && st.st_atim.tv_sec == 1000000000 &&
	      st.st_mtim.tv_nsec == 987654321, "times in SRC");
	CHECK_OK(utimensat(AT_FDCWD, M("f1"), NULL, 0), "SETATTR times now");
	check(stat(S("f1"), &st) == 0 && st.st_mtim.tv_sec > 1100000000,
	      "now in SRC");
}

static void t_statx(void)
{
	struct statx sx;

	check(statx(AT_FDCWD, M("f1"), 0, STATX_BASIC_STATS | STATX_BTIME,
		    &sx) == 0 && sx.stx_size == 100, "STATX");
}

static void t_dirs(void)
{
	struct stat st;
	DIR *d;
	int n = 0, fd;
	char name[64];

	CHECK_OK(mkdir(M("d"), 0750), "MKDIR");
	check(stat(S("d"), &st) == 0 && S_ISDIR(st.st_mode) &&
	      (st.st_mode & 07777) == 0750, "dir in SRC");
	CHECK_ERRNO(mkdir(M("d"), 0750), EEXIST, "MKDIR existing");
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "d/a-longish-entry-name-%03d",
			 i);
		fd = open(M(name), O_CREAT | O_WRONLY, 0600);
		if (fd >= 0)
			close(fd);
	}
	d = opendir(M("d"));
	check(d != NULL, "OPENDIR");
	while (d != NULL && readdir(d) != NULL)
		n++;
	check(n == 302, "READDIR(PLUS) sees 300 + . and .. (%d)", n);
	if (d != NULL) {
		rewinddir(d);
		n = 0;
		while (readdir(d) != NULL)
			n++;
		check(n == 302, "READDIR after rewind (%d)", n);
		CHECK_OK(fsync(dirfd(d)), "FSYNCDIR");
		closedir(d);
	}
	CHECK_ERRNO(rmdir(M("d")), ENOTEMPTY, "RMDIR non-empty");
	CHECK_ERRNO(rmdir(M("f1")), ENOTDIR, "RMDIR on a file");
	CHECK_ERRNO(unlink(M("d")), EISDIR, "UNLINK a directory");
	CHECK_ERRNO(open(M("d"), O_WRONLY), EISDIR, "open dir for writing");
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "d/a-longish-entry-name-%03d",
			 i);
		unlink(M(name));
	}
	CHECK_OK(rmdir(M("d")), "RMDIR");
	check(stat(S("d"), &st) != 0 && errno == ENOENT, "dir gone in SRC");
	CHECK_ERRNO(unlink(M("nonexistent")), ENOENT, "UNLINK missing");
}

static void t_names(void)
{
	char longname[300];
	struct stat st;
	int fd;

	memset(longname, 'x', 256);
	longname[256] = '\0';
	CHECK_ERRNO(open(M(longname), O_CREAT | O_WRONLY, 0600), ENAMETOOLONG,
		    "256-byte name");
	longname[255] = '\0';
	fd = open(M(longname), O_CREAT | O_WRONLY, 0600);
	check(fd >= 0, "255-byte name");
	if (fd >= 0)
		close(fd);
	check(stat(S(longname), &st) == 0, "255-byte name in SRC");
	unlink(M(longname));
}

static void t_links(void)
{
	char buf[PATH_MAX];
	struct stat a, b;
	ssize_t n;
	int fd;

	CHECK_OK(symlink("f1", M("sl")), "SYMLINK");
	n = readlink(M("sl"), buf, sizeof(buf));
	check(n == 2 && memcmp(buf, "f1", 2) == 0, "READLINK");
	check(lstat(S("sl"), &a) == 0 && S_ISLNK(a.st_mode), "symlink in SRC");
	/* Not followed to f1: no race-free way to reach the link itself. */
	CHECK_ERRNO(lsetxattr(M("sl"), "user.x", "1", 1, 0), EPERM,
		    "SETXATTR on a symlink is refused");
	check(getxattr(S("f1"), "user.x", buf, sizeof(buf)) < 0,
	      "and did not land on its target");
	CHECK_OK(link(M("f1"), M("hl")), "LINK");
	check(stat(M("f1"), &a) == 0 && stat(M("hl"), &b) == 0 &&
	      a.st_ino == b.st_ino && b.st_nlink == 2, "hard link nlink 2");
	CHECK_OK(rename(M("hl"), M("hl2")), "RENAME");
	check(stat(S("hl2"), &a) == 0 && stat(S("hl"), &b) != 0,
	      "rename in SRC");
	fd = open(M("other"), O_CREAT | O_WRONLY, 0600);
	if (fd >= 0)
		close(fd);
	CHECK_ERRNO(renameat2(AT_FDCWD, M("hl2"), AT_FDCWD, M("other"),
			      RENAME_NOREPLACE), EEXIST, "RENAME2 NOREPLACE");
	CHECK_OK(renameat2(AT_FDCWD, M("sl"), AT_FDCWD, M("other"),
			   RENAME_EXCHANGE), "RENAME2 EXCHANGE");
	check(lstat(S("other"), &a) == 0 && S_ISLNK(a.st_mode) &&
	      lstat(S("sl"), &b) == 0 && S_ISREG(b.st_mode),
	      "exchange in SRC");
	CHECK_ERRNO(rename(M("nonexistent"), M("x")), ENOENT,
		    "RENAME missing");
	unlink(M("other"));
	unlink(M("sl"));
	unlink(M("hl2"));
	CHECK_OK(mkfifo(M("fifo"), 0600), "MKNOD fifo");
	check(lstat(S("fifo"), &a) == 0 && S_ISFIFO(a.st_mode), "fifo in SRC");
	unlink(M("fifo"));
}

static void t_xattr(void)
{
	char buf[256];
	ssize_t n;

	CHECK_OK(setxattr(M("f1"), "user.k", "value", 5, 0), "SETXATTR");
	n = getxattr(M("f1"), "user.k", NULL, 0);
	check(n == 5, "GETXATTR size query (%zd)", n);
	n = getxattr(M("f1"), "user.k", buf, sizeof(buf));
	check(n == 5 && memcmp(buf, "value", 5) == 0, "GETXATTR");
	n = getxattr(S("f1"), "user.k", buf, sizeof(buf));
	check(n == 5, "xattr in SRC");
	CHECK_ERRNO(getxattr(M("f1"), "user.k", buf, 2), ERANGE,
		    "GETXATTR small buffer");
	CHECK_ERRNO(setxattr(M("f1"), "user.k", "v", 1, XATTR_CREATE),
		    EEXIST, "SETXATTR XATTR_CREATE on existing");
	n = listxattr(M("f1"), buf, sizeof(buf));
	check(n >= 7 && memmem(buf, (size_t)n, "user.k", 7) != NULL,
	      "LISTXATTR");
	CHECK_OK(removexattr(M("f1"), "user.k"), "REMOVEXATTR");
	CHECK_ERRNO(getxattr(M("f1"), "user.k", buf, sizeof(buf)), ENODATA,
		    "GETXATTR removed");
}

static void t_misc(void)
{
	struct statfs a, b;
	off_t off;
	loff_t oi = 0, oo = 0;
	char buf[16];
	struct stat sst;
	int fd, fd2, sfd;

	check(statfs(mnt, &a) == 0 && statfs(src, &b) == 0 &&
	      a.f_blocks == b.f_blocks && a.f_bsize == b.f_bsize, "STATFS");
	fd = open(M("sparse"), O_CREAT | O_RDWR, 0600);
	CHECK_OK(fallocate(fd, 0, 1 << 20, 4096), "FALLOCATE");
	check(fstat(fd, &sst) == 0 && sst.st_size == (1 << 20) + 4096,
	      "FALLOCATE extends the size");
	CHECK_OK(pwrite(fd, "x", 1, 0), "write at 0");
	CHECK_OK(pwrite(fd, "y", 1, 2 << 20), "write at 2 MiB");
	/* Whatever SRC's filesystem says about holes, we say too. */
	sfd = open(S("sparse"), O_RDONLY);
	off = lseek(fd, 4096, SEEK_DATA);
	check(off > 4096 && off == lseek(sfd, 4096, SEEK_DATA),
	      "LSEEK SEEK_DATA (%lld)", (long long)off);
	off = lseek(fd, 0, SEEK_HOLE);
	check(off > 0 && off == lseek(sfd, 0, SEEK_HOLE),
	      "LSEEK SEEK_HOLE (%lld)", (long long)off);
	close(sfd);
	fd2 = open(M("copy"), O_CREAT | O_RDWR, 0600);
	check(copy_file_range(fd, &oi, fd2, &oo, 1, 0) == 1,
	      "COPY_FILE_RANGE");
	check(pread(fd2, buf, 1, 0) == 1 && buf[0] == 'x', "copied byte");
	close(fd);
	close(fd2);
	unlink(M("sparse"));
	unlink(M("copy"));
}

/* A file made by a non-root caller is theirs, in SRC too. */
static void t_ownership(void)
{
	struct stat st;
	pid_t pid;
	int status = 1;

	mkdir(M("pub"), 0777);
	chmod(M("pub"), 0777);
	pid = fork();
	if (pid == 0) {
		int fd;

		if (setgid(4321) != 0 || setuid(4321) != 0)
			_exit(3);
		fd = open(M("pub/mine"), O_CREAT | O_WRONLY, 0644);
		if (fd < 0)
			_exit(4);
		close(fd);
		if (mkdir(M("pub/mydir"), 0755) != 0)
			_exit(5);
		/* Another user's file stays closed to us. */
		if (open(M("f1"), O_WRONLY) >= 0 || errno != EACCES)
			_exit(6);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "non-root caller (status %d)", status);
	check(stat(S("pub/mine"), &st) == 0 && st.st_uid == 4321 &&
	      st.st_gid == 4321, "created file owned by caller");
	check(stat(S("pub/mydir"), &st) == 0 && st.st_uid == 4321,
	      "created dir owned by caller");
	unlink(M("pub/mine"));
	rmdir(M("pub/mydir"));
	rmdir(M("pub"));
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ops MNT SRC\n");
		return 2;
	}
	snprintf(mnt, sizeof(mnt), "%s", argv[1]);
	snprintf(src, sizeof(src), "%s", argv[2]);
	t_basic_io();
	t_big_io();
	t_mmap();
	t_setattr();
	t_statx();
	t_dirs();
	t_names();
	t_links();
	t_xattr();
	t_misc();
	t_ownership();
	unlink(M("f1"));
	unlink(M("big"));
	unlink(M("mm"));
	return check_done();
}
