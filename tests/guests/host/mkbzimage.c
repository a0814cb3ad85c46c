// SPDX-License-Identifier: GPL-2.0
/*
 * mkbzimage: glue svtest's setup sectors and protected-mode payload into
 * a Linux boot-protocol image, filling syssize, init_size and
 * kernel_info_offset.
 *
 * usage: mkbzimage SETUP.bin PAYLOAD.bin INIT_SIZE KINFO_OFF OUT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		perror(path);
		exit(1);
	}
	buf = malloc((size_t)n + 16);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

int main(int argc, char **argv)
{
	size_t slen, plen;
	unsigned char *setup, *pm;
	unsigned long init_size, kinfo;
	FILE *out;
	static const unsigned char zeros[16];

	if (argc != 6) {
		fprintf(stderr, "usage: %s SETUP PAYLOAD INIT_SIZE KINFO_OFF "
			"OUT\n", argv[0]);
		return 2;
	}
	setup = slurp(argv[1], &slen);
	pm = slurp(argv[2], &plen);
	init_size = strtoul(argv[3], NULL, 0);
	kinfo = strtoul(argv[4], NULL, 0);
	if (slen != (size_t)(setup[0x1f1] + 1) * 512 ||
	    memcmp(setup + 0x202, "HdrS", 4)) {
		fprintf(stderr, "%s: bad setup (%zu bytes)\n", argv[1], slen);
		return 1;
	}
	if (init_size < plen || kinfo >= plen) {
		fprintf(stderr, "init_size %lu / kernel_info %lu vs %zu\n",
			init_size, kinfo, plen);
		return 1;
	}
	put32(setup + 0x1f4, (uint32_t)((plen + 15) / 16));
	put32(setup + 0x260, (uint32_t)((init_size + 4095) & ~4095UL));
	put32(setup + 0x268, (uint32_t)kinfo);
	out = fopen(argv[5], "wb");
	/* Pad the payload to syssize paragraphs, as Linux's build tool does. */
	if (!out || fwrite(setup, 1, slen, out) != slen ||
	    fwrite(pm, 1, plen, out) != plen ||
	    fwrite(zeros, 1, (16 - plen % 16) % 16, out) !=
		    (16 - plen % 16) % 16 ||
	    fclose(out)) {
		perror(argv[5]);
		return 1;
	}
	return 0;
}
