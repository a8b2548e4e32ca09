/*
 * passthrough.h - `stalefs passthrough SRC MNT`: a directory, re-exported.
 * Nothing resolves outside SRC; see passthrough.c for how.
 */
#ifndef SFS_PASSTHROUGH_H
#define SFS_PASSTHROUGH_H

struct pt_options {
	const char *src;
	const char *mnt;
	int nworkers;
	unsigned max_write;
	double timeout;		/* entry and attribute cache, seconds */
	int debug;
	int spin_us;		/* poll this long before sleeping */
	int allow_other;	/* other users too, with the kernel's checks */
	int dev_fd;		/* serve this fd, do not mount (tests) */
};

int pt_main(int argc, char **argv);

#endif
