/*
 * mount.h - mounting a FUSE connection with mount(2), and unmounting it.
 * No fusermount: we are root, and the options are the kernel's own.
 */
#ifndef SFS_MOUNT_H
#define SFS_MOUNT_H

/*
 * Open /dev/fuse and mount it on mnt as fuse.<subtype>; extra is appended
 * to the kernel options (may be NULL).  Returns the device fd or -errno.
 */
int sfs_mount(const char *mnt, const char *source, const char *subtype,
	      const char *extra);

/* Unmount, falling back to a lazy detach while files are still open. */
int sfs_umount(const char *mnt);

#endif
