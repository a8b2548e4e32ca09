/*
 * pattern.h - torture's content: byte = H(file, offset) + generation.
 * Any byte is checkable alone; a stale copy from elsewhere fails the check.
 */
#ifndef SFS_PATTERN_H
#define SFS_PATTERN_H

#include <stdint.h>

/* One 64-bit mix per aligned 8-byte word of a file. */
static inline uint64_t tt_word(uint32_t file, uint64_t off)
{
	uint64_t x = (off >> 3) ^ ((uint64_t)(file + 1) << 52);

	x *= 0x9e3779b97f4a7c15ULL;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

static inline uint8_t tt_hbyte(uint32_t file, uint64_t off)
{
	return (uint8_t)(tt_word(file, off) >> ((off & 7) * 8));
}

/* The byte that file holds at off when its generation there is gen. */
static inline uint8_t tt_byte(uint32_t file, uint64_t off, uint8_t gen)
{
	return (uint8_t)(tt_hbyte(file, off) + gen);
}

/* The generation a byte claims to be of. */
static inline uint8_t tt_gen_of(uint32_t file, uint64_t off, uint8_t b)
{
	return (uint8_t)(b - tt_hbyte(file, off));
}

/* Fill dst with file's bytes at [off, off+len) given per-byte gens. */
static inline void tt_fill(uint8_t *dst, uint32_t file, uint64_t off,
			   size_t len, const uint8_t *gens)
{
	uint64_t w = tt_word(file, off);
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t o = off + i;

		if ((o & 7) == 0)
			w = tt_word(file, o);
		dst[i] = (uint8_t)((uint8_t)(w >> ((o & 7) * 8)) + gens[i]);
	}
}

#endif
