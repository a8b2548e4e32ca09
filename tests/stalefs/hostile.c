/*
 * hostile.c - plays a hostile kernel to `stalefs passthrough --dev-fd`.
 * Bad lengths, names, ids and handles must be refused; nothing leaves SRC.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fuse.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "check.h"

static int sock;
static uint64_t next_unique = 1;
static char rbuf[1 << 21];

struct reply {
	int32_t error;
	size_t len;		/* payload bytes */
	const void *p;
	int none;		/* no reply came */
};

/* Send a raw message; hlen overrides the header's len when nonzero. */
static struct reply xfer(uint32_t opcode, uint64_t nodeid, const void *arg,
			 size_t alen, uint32_t hlen)
{
	struct fuse_in_header h;
	struct reply r = { 0, 0, NULL, 1 };
	struct pollfd p = { 0, POLLIN, 0 };
	char msg[1 << 16];
	ssize_t n;

	memset(&h, 0, sizeof(h));
	h.len = hlen ? hlen : (uint32_t)(sizeof(h) + alen);
	h.opcode = opcode;
	h.unique = next_unique++;
	h.nodeid = nodeid;
	memcpy(msg, &h, sizeof(h));
	if (alen != 0)
		memcpy(msg + sizeof(h), arg, alen);
	if (send(sock, msg, sizeof(h) + alen, 0) < 0)
		return r;
	p.fd = sock;
	if (poll(&p, 1, opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET ||
		 opcode == FUSE_INTERRUPT ? 200 : 5000) != 1)
		return r;
	n = recv(sock, rbuf, sizeof(rbuf), 0);
	if (n >= (ssize_t)sizeof(struct fuse_out_header)) {
		const struct fuse_out_header *oh = (const void *)rbuf;

		r.none = 0;
		r.error = oh->error;
		r.len = (size_t)n - sizeof(*oh);
		r.p = rbuf + sizeof(*oh);
	}
	return r;
}

static struct reply name_req(uint32_t op, uint64_t nodeid, const void *fixed,
			     size_t flen, const char *name)
{
	char arg[8192];
	size_t nl = strlen(name) + 1;

	if (flen != 0)
		memcpy(arg, fixed, flen);
	memcpy(arg + flen, name, nl);
	return xfer(op, nodeid, arg, flen + nl, 0);
}

static struct reply lookup(const char *name)
{
	return name_req(FUSE_LOOKUP, FUSE_ROOT_ID, NULL, 0, name);
}

static void expect_err(struct reply r, int e, const char *what)
{
	/* Errors travel as -errno in the header alone, no payload. */
	check(!r.none && r.error == -e && r.len == 0, "%s: %s (got %s)", what,
	      strerrorname_np(e), r.none ? "no reply" :
	      r.error ? strerrorname_np(-r.error) : "success");
}

static uint64_t lookup_id(const char *name, uint32_t *mode)
{
	struct reply r = lookup(name);
	const struct fuse_entry_out *e = r.p;

	if (r.none || r.error != 0 || r.len < sizeof(*e))
		return 0;
	if (mode != NULL)
		*mode = e->attr.mode;
	return e->nodeid;
}

static void t_init(void)
{
	struct fuse_init_in in;
	struct reply r;
	const struct fuse_init_out *o;

	memset(&in, 0, sizeof(in));
	in.major = 7;
	in.minor = 45;
	in.max_readahead = 131072;
	in.flags = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_MAX_PAGES |
		   FUSE_PARALLEL_DIROPS | FUSE_INIT_EXT;
	r = xfer(FUSE_INIT, 0, &in, sizeof(in), 0);
	o = r.p;
	check(!r.none && r.error == 0 && r.len >= sizeof(*o), "INIT reply");
	if (r.none || r.len < sizeof(*o))
		return;
	check(o->major == 7 && o->minor == FUSE_KERNEL_MINOR_VERSION,
	      "INIT: minor is the smaller of both (%u)", o->minor);
	check(o->max_write == 1 << 20 && o->max_pages == 256,
	      "INIT: max_write 1 MiB with MAX_PAGES 256");
	check((o->flags & (FUSE_BIG_WRITES | FUSE_ASYNC_READ |
			   FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES)) ==
	      (FUSE_BIG_WRITES | FUSE_ASYNC_READ | FUSE_PARALLEL_DIROPS |
	       FUSE_MAX_PAGES), "INIT: BIG_WRITES ASYNC_READ PARALLEL_DIROPS");
	check(!(o->flags & FUSE_WRITEBACK_CACHE), "INIT: only flags offered");
}

static void t_names(void)
{
	char longname[300];
	struct fuse_mkdir_in mi = { 0755, 0 };
	struct fuse_create_in ci = { O_RDWR, 0644, 0, 0 };
	char noterm[8] = "abcdefgh";

	expect_err(lookup(".."), EINVAL, "LOOKUP ..");
	expect_err(lookup("."), EINVAL, "LOOKUP .");
	expect_err(lookup("sub/../../outside"), EINVAL, "LOOKUP with /");
	expect_err(lookup("sub/file"), EINVAL, "LOOKUP sub/file (exists)");
	expect_err(lookup(""), EINVAL, "LOOKUP empty name");
	expect_err(xfer(FUSE_LOOKUP, 1, noterm, sizeof(noterm), 0), EINVAL,
		   "LOOKUP name without NUL");
	memset(longname, 'a', 256);
	longname[256] = '\0';
	expect_err(lookup(longname), ENAMETOOLONG, "LOOKUP 256-byte name");
	expect_err(name_req(FUSE_MKDIR, 1, &mi, sizeof(mi), ".."), EINVAL,
		   "MKDIR ..");
	expect_err(name_req(FUSE_CREATE, 1, &ci, sizeof(ci), "../escaped"),
		   EINVAL, "CREATE ../escaped");
	expect_err(name_req(FUSE_UNLINK, 1, NULL, 0, "../outside/target"),
		   EINVAL, "UNLINK ../outside/target");
}

static void t_symlinks(void)
{
	struct fuse_open_in oi = { O_RDWR, 0 };
	char arg[256];
	uint32_t mode = 0;
	uint64_t id;
	size_t n;

	id = lookup_id("abs", &mode);
	check(id != 0 && S_ISLNK(mode), "LOOKUP of a symlink out of SRC gives "
	      "the symlink itself");
	expect_err(xfer(FUSE_OPEN, id, &oi, sizeof(oi), 0), ELOOP,
		   "OPEN on a symlink is never followed");
	/* SYMLINK: name, then a target that may say anything. */
	n = (size_t)snprintf(arg, sizeof(arg), "made%c/etc/shadow", 0) + 1;
	check(xfer(FUSE_SYMLINK, 1, arg, n, 0).error == 0,
	      "SYMLINK made -> /etc/shadow");
	id = lookup_id("made", &mode);
	check(id != 0 && S_ISLNK(mode), "it is a symlink");
	expect_err(xfer(FUSE_OPEN, id, &oi, sizeof(oi), 0), ELOOP,
		   "OPEN on it is not followed");
	n = (size_t)snprintf(arg, sizeof(arg), "../x%c/etc/shadow", 0) + 1;
	expect_err(xfer(FUSE_SYMLINK, 1, arg, n, 0), EINVAL,
		   "SYMLINK named ../x");
}

static void t_ids(void)
{
	struct fuse_getattr_in gi;
	struct fuse_read_in ri;
	struct fuse_write_in wi;
	struct fuse_rename_in rn = { 999999 };
	struct fuse_forget_in fi = { 1ULL << 60 };
	struct fuse_batch_forget_in bf = { 1000, 0 };
	struct fuse_interrupt_in ii = { 424242 };
	struct fuse_setxattr_in si = { 1000, 0, 0, 0 };
	char arg[256];
	uint64_t id;

	memset(&gi, 0, sizeof(gi));
	expect_err(xfer(FUSE_GETATTR, 123456, &gi, sizeof(gi), 0), ESTALE,
		   "GETATTR unknown node id");
	id = lookup_id("file", NULL);
	check(id != 0, "LOOKUP file");
	expect_err(xfer(FUSE_GETATTR, id + (1ULL << 32), &gi, sizeof(gi), 0),
		   ESTALE, "GETATTR with a wrong generation");
	memset(&ri, 0, sizeof(ri));
	ri.size = 4096;
	for (uint64_t fh = 0; fh < 5; fh++) {
		ri.fh = fh;
		expect_err(xfer(FUSE_READ, id, &ri, sizeof(ri), 0), EBADF,
			   "READ with an fh we never gave");
	}
	ri.fh = 1ULL << 40;
	expect_err(xfer(FUSE_READ, id, &ri, sizeof(ri), 0), EBADF,
		   "READ with a huge fh");
	ri.fh = 0;
	ri.size = 64 << 20;
	expect_err(xfer(FUSE_READ, id, &ri, sizeof(ri), 0), EINVAL,
		   "READ larger than any buffer");
	expect_err(xfer(FUSE_READ, id, &ri, 10, 0), EINVAL,
		   "READ with a truncated argument");
	memset(&wi, 0, sizeof(wi));
	wi.size = 100;
	memcpy(arg, &wi, sizeof(wi));
	expect_err(xfer(FUSE_WRITE, id, arg, sizeof(wi) + 10, 0), EINVAL,
		   "WRITE whose size is not its payload");
	expect_err(xfer(FUSE_GETATTR, id, &gi, sizeof(gi), 100), EINVAL,
		   "header len that is not the message length");
	memcpy(arg, &rn, sizeof(rn));
	memcpy(arg + sizeof(rn), "file\0other", 11);
	expect_err(xfer(FUSE_RENAME, 1, arg, sizeof(rn) + 11, 0), ESTALE,
		   "RENAME into an unknown directory");
	memcpy(arg, &si, sizeof(uint64_t));
	memcpy(arg + 8, "user.x\0abc", 10);
	expect_err(xfer(FUSE_SETXATTR, id, arg, 18, 0), EINVAL,
		   "SETXATTR value longer than the message");
	expect_err(xfer(999, 1, NULL, 0, 0), ENOSYS, "unknown opcode");
	check(xfer(FUSE_INTERRUPT, 0, &ii, sizeof(ii), 0).none,
	      "INTERRUPT of an unknown request: no reply");
	check(xfer(FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), 0).none,
	      "BATCH_FORGET with a count past its end: no reply");
	check(xfer(FUSE_FORGET, id, &fi, sizeof(fi), 0).none,
	      "FORGET with a huge count: no reply");
	expect_err(xfer(FUSE_GETATTR, id, &gi, sizeof(gi), 0), ESTALE,
		   "the forgotten node id is gone");
	check(lookup_id("file", NULL) != 0, "the daemon still serves");
	{
		struct {
			struct fuse_batch_forget_in h;
			struct fuse_forget_one one[2];
		} b = { { 2, 0 }, { { lookup_id("sub", NULL), 1 },
				   { lookup_id("file", NULL), 2 } } };

		check(xfer(FUSE_BATCH_FORGET, 0, &b, sizeof(b), 0).none,
		      "BATCH_FORGET of two inodes: no reply");
		expect_err(xfer(FUSE_GETATTR, b.one[0].nodeid, &gi,
				sizeof(gi), 0), ESTALE,
			   "first batch-forgotten node id is gone");
		expect_err(xfer(FUSE_GETATTR, b.one[1].nodeid, &gi,
				sizeof(gi), 0), ESTALE,
			   "second batch-forgotten node id is gone");
	}
}

int main(int argc, char **argv)
{
	char fdarg[16], path[4096];
	struct stat before, after;
	int sv[2], status;
	pid_t pid;

	if (argc != 4) {
		fprintf(stderr, "usage: hostile STALEFS SRC OUTSIDE\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/target", argv[3]);
	stat(path, &before);
	snprintf(path, sizeof(path), "%s/sub", argv[2]);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sub/file", argv[2]);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	snprintf(path, sizeof(path), "%s/file", argv[2]);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		dup2(sv[1], 3);
		snprintf(fdarg, sizeof(fdarg), "%d", 3);
		execl(argv[1], argv[1], "passthrough", "-t", "2",
		      "--max-write", "1048576", "--dev-fd",
		      fdarg, argv[2], (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	sock = sv[0];
	t_init();
	t_names();
	t_symlinks();
	t_ids();
	snprintf(path, sizeof(path), "%s/target", argv[3]);
	check(stat(path, &after) == 0 && after.st_mode == before.st_mode &&
	      after.st_size == before.st_size &&
	      after.st_mtim.tv_sec == before.st_mtim.tv_sec,
	      "the file outside SRC is untouched");
	snprintf(path, sizeof(path), "%s/../escaped", argv[2]);
	check(access(path, F_OK) != 0, "nothing was created outside SRC");
	close(sock);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "daemon exits 0 when the kernel side closes");
	snprintf(path, sizeof(path), "%s/made", argv[2]);
	unlink(path);
	return check_done();
}
