// SPDX-License-Identifier: GPL-2.0
/*
 * mkinitrd: write an initrd that svtest's `boot` test checks.
 *   0..7   "SVINITRD"
 *   8..11  u32 little endian: sum of bytes 12..end (mod 2^32)
 *   12..   pseudo-random payload (xorshift32, seeded by SEED)
 *
 * usage: mkinitrd OUT SIZE [SEED]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	unsigned long size, i;
	uint32_t x, sum = 0;
	unsigned char *buf;
	FILE *f;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s OUT SIZE [SEED]\n", argv[0]);
		return 2;
	}
	size = strtoul(argv[2], NULL, 0);
	x = argc == 4 ? (uint32_t)strtoul(argv[3], NULL, 0) : 0x5eed1234;
	if (size < 12 || !x) {
		fprintf(stderr, "SIZE must be >= 12 and SEED non-zero\n");
		return 2;
	}
	buf = malloc(size);
	if (!buf)
		return 1;
	memcpy(buf, "SVINITRD", 8);
	for (i = 12; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
		sum += buf[i];
	}
	for (i = 0; i < 4; i++)
		buf[8 + i] = (unsigned char)(sum >> (8 * i));
	f = fopen(argv[1], "wb");
	if (!f || fwrite(buf, 1, size, f) != size || fclose(f)) {
		perror(argv[1]);
		return 1;
	}
	free(buf);
	return 0;
}
