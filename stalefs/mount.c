/*
 * mount.c - mounting a FUSE connection with mount(2), and unmounting it.
 * The options fd=, rootmode=, user_id=, group_id= are what fuse requires.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "mount.h"

int sfs_mount(const char *mnt, const char *source, const char *subtype,
	      const char *extra)
{
	char opts[512], type[128];
	struct stat st;
	int fd, n, err;

	if (stat(mnt, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(opts, sizeof(opts),
		     "fd=%d,rootmode=%o,user_id=%u,group_id=%u%s%s",
		     fd, (unsigned)(S_IFDIR), (unsigned)getuid(),
		     (unsigned)getgid(), extra != NULL ? "," : "",
		     extra != NULL ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(opts)) {
		close(fd);
		return -E2BIG;
	}
	snprintf(type, sizeof(type), "fuse.%s", subtype);
	if (mount(source, mnt, type, MS_NOSUID | MS_NODEV, opts) != 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

int sfs_umount(const char *mnt)
{
	if (umount2(mnt, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno != EBUSY)
		return -errno;
	if (umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		return 0;
	return -errno;
}
