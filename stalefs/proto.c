/*
 * proto.c - validation of messages from the kernel before any use.
 * Lengths, names and offsets are checked here so handlers can trust them.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <linux/limits.h>
#include "proto.h"

struct opinfo {
	const char *name;
	uint32_t fixed;
	uint8_t tail;
	uint8_t noreply;
	uint8_t known;
};

static const struct opinfo optab[SFS_NOPCODES] = {
#define X(op, nm, sz, tl, nr) [op] = { nm, (uint32_t)(sz), tl, nr, 1 },
	SFS_OPCODES(X)
#undef X
};

const char *sfs_opname(uint32_t opcode)
{
	if (opcode < SFS_NOPCODES && optab[opcode].known)
		return optab[opcode].name;
	return "UNKNOWN";
}

int sfs_op_known(uint32_t opcode)
{
	return opcode < SFS_NOPCODES && optab[opcode].known;
}

int sfs_op_noreply(uint32_t opcode)
{
	return opcode < SFS_NOPCODES && optab[opcode].noreply;
}

int sfs_check_entry_name(const char *s, size_t len)
{
	if (len == 0)
		return EINVAL;
	if (len > NAME_MAX)
		return ENAMETOOLONG;
	if (memchr(s, '/', len) != NULL)
		return EINVAL;
	if (s[0] == '.' && (len == 1 || (len == 2 && s[1] == '.')))
		return EINVAL;
	return 0;
}

/* Take one NUL-terminated string from [*p, end); returns its length or -1. */
static long take_string(const char **p, const char *end)
{
	const char *s = *p;
	const char *nul;

	if (s >= end)
		return -1;
	nul = memchr(s, '\0', (size_t)(end - s));
	if (nul == NULL)
		return -1;
	*p = nul + 1;
	return nul - s;
}

static int take_entry(const char **p, const char *end, const char **out)
{
	const char *s = *p;
	long len = take_string(p, end);

	if (len < 0)
		return EINVAL;
	*out = s;
	return sfs_check_entry_name(s, (size_t)len);
}

static int check_tail(struct sfs_msg *m, const struct opinfo *oi,
		      const char *p, const char *end,
		      const struct sfs_limits *lim)
{
	long len;
	int err;

	switch (oi->tail) {
	case SFS_T_NONE:
	case SFS_T_ANY:
	case SFS_T_WRITE:
		return 0;
	case SFS_T_NAME:
		return take_entry(&p, end, &m->name);
	case SFS_T_NAME2:
		err = take_entry(&p, end, &m->name);
		if (err == 0)
			err = take_entry(&p, end, &m->name2);
		return err;
	case SFS_T_SYMLINK:
		err = take_entry(&p, end, &m->name);
		if (err != 0)
			return err;
		m->name2 = p;
		len = take_string(&p, end);
		if (len <= 0)
			return EINVAL;
		return len >= PATH_MAX ? ENAMETOOLONG : 0;
	case SFS_T_XNAME:
	case SFS_T_SETXATTR:
		m->name = p;
		len = take_string(&p, end);
		if (len <= 0)
			return EINVAL;
		if (len > XATTR_NAME_MAX)
			return ERANGE;
		if (oi->tail == SFS_T_XNAME)
			return 0;
		{
			const struct fuse_setxattr_in *si = m->arg;

			if (si->size > XATTR_SIZE_MAX)
				return E2BIG;
			if ((size_t)(end - p) < si->size)
				return EINVAL;
			m->value = p;
			m->valuelen = si->size;
		}
		return 0;
	case SFS_T_FORGETS: {
		const struct fuse_batch_forget_in *bf = m->arg;
		size_t room = (size_t)(end - p);

		if (bf->count > room / sizeof(struct fuse_forget_one))
			return EINVAL;
		m->forgets = (const struct fuse_forget_one *)(const void *)p;
		m->nforgets = bf->count;
		return 0;
	}
	}
	(void)lim;
	return EINVAL;
}

static int check_io(struct sfs_msg *m, uint32_t opcode, size_t total,
		    const struct sfs_limits *lim)
{
	if (opcode == FUSE_WRITE) {
		const struct fuse_write_in *wi = m->arg;
		size_t hdr = sizeof(*m->h) + sizeof(*wi);

		if (m->h->total_extlen != 0 || total - hdr != wi->size)
			return EINVAL;
		if (wi->size > lim->max_write)
			return EINVAL;
		if (wi->offset > (uint64_t)INT64_MAX - wi->size)
			return EFBIG;
		m->datalen = wi->size;
		return 0;
	}
	if (opcode == FUSE_READ || opcode == FUSE_READDIR ||
	    opcode == FUSE_READDIRPLUS) {
		const struct fuse_read_in *ri = m->arg;

		if (ri->size > lim->max_read)
			return EINVAL;
		if (ri->offset > (uint64_t)INT64_MAX)
			return EINVAL;
		return 0;
	}
	if (opcode == FUSE_GETXATTR || opcode == FUSE_LISTXATTR) {
		const struct fuse_getxattr_in *gi = m->arg;

		if (gi->size > lim->max_read)
			return EINVAL;
	}
	return 0;
}

int sfs_proto_check(struct sfs_msg *m, const void *buf, size_t contig,
		    size_t total, const struct sfs_limits *lim)
{
	const struct fuse_in_header *h = buf;
	const struct opinfo *oi;
	const char *p, *end;
	size_t ext, body, fixed;
	int err;

	memset(m, 0, sizeof(*m));
	if (contig < sizeof(*h) || contig > total)
		return EINVAL;
	m->h = h;
	if (h->len != total)
		return EINVAL;
	if (!sfs_op_known(h->opcode))
		return ENOSYS;
	oi = &optab[h->opcode];
	/* Extensions (security context, groups) sit at the end. */
	ext = (size_t)h->total_extlen * 8;
	if (ext > total - sizeof(*h))
		return EINVAL;
	body = total - sizeof(*h) - ext;
	fixed = oi->fixed;
	if (h->opcode == FUSE_SETXATTR && lim->setxattr_ext)
		fixed = sizeof(struct fuse_setxattr_in);
	if (oi->tail == SFS_T_WRITE) {
		if (contig < sizeof(*h) + fixed)
			return EINVAL;
	} else if (contig != total) {
		return EINVAL;
	}
	if (body < fixed)
		return EINVAL;
	p = (const char *)buf + sizeof(*h);
	m->arg = p;
	m->arglen = (oi->tail == SFS_T_WRITE ? fixed : body);
	end = p + m->arglen;
	p += fixed;
	err = check_tail(m, oi, p, end, lim);
	if (err == 0)
		err = check_io(m, h->opcode, total, lim);
	return err;
}
