/* SPDX-License-Identifier: MIT */
/*
 * Shared by test_boot_bzimage.c and test_boot_loader.c: a guest RAM over a
 * calloc'd buffer, a temp directory for crafted kernel files, and a
 * hand-built bzImage. Header-only so it is not linked into other tests.
 */
#ifndef SV_TESTS_UNIT_BOOT_FIXTURE_H
#define SV_TESTS_UNIT_BOOT_FIXTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/arch/arch.h"
#include "vmm/arch/x86/bootparam.h"
#include "vmm/mem/mem.h"

struct fx {
	char dir[64];
	char paths[4][128]; /* the last four files written */
	unsigned int next;
	struct gmem m;
	uint8_t *ram;
	struct arch_ram_layout layout;
};

static inline int fx_ram(struct fx *f, uint64_t size)
{
	if (f->ram) {
		gmem_fini(&f->m);
		free(f->ram);
	}
	f->ram = calloc(1, size);
	if (!f->ram)
		return -1;
	gmem_init(&f->m);
	if (gmem_add_region(&f->m, 0, size, f->ram, 0) < 0)
		return -1;
	arch_ram_layout(size, ARCH_MICROVM_BELOW_4G_MAX, &f->layout);
	return 0;
}

static inline int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/sv-boot-XXXXXX");
	if (!mkdtemp(f->dir) || fx_ram(f, 128ull << 20) < 0)
		return -1;
	*state = f;
	return 0;
}

static inline int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	gmem_fini(&f->m);
	free(f->ram);
	free(f);
	return 0;
}

static inline char *fx_path(struct fx *f, const char *name)
{
	char *p = f->paths[f->next++ % 4];
	char tmp[sizeof(f->paths[0])];

	snprintf(tmp, sizeof(tmp), "%s/%s", f->dir, name);
	memcpy(p, tmp, sizeof(tmp));
	return p;
}

/* Write buf to <dir>/name; the path stays valid for four more calls. */
static inline const char *fx_file(struct fx *f, const char *name,
				  const void *buf, size_t len)
{
	char *path = fx_path(f, name);
	FILE *fp;

	fp = fopen(path, "wb");
	if (!fp)
		return NULL;
	if (len && fwrite(buf, 1, len, fp) != len) {
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	return path;
}

/* A sparse file of len bytes. */
static inline const char *fx_sparse(struct fx *f, const char *name,
				    uint64_t len)
{
	char *path = fx_path(f, name);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)len) < 0) {
		close(fd);
		return NULL;
	}
	/* A raw kernel starting with 4 KiB of zeros is refused: start with code. */
	if (len >= 4096) {
		static const uint8_t nops[4096] = { [0 ... 4095] = 0x90 };

		if (pwrite(fd, nops, sizeof(nops), 0) != (ssize_t)sizeof(nops)) {
			close(fd);
			return NULL;
		}
	}
	close(fd);
	return path;
}

static inline uint8_t fx_pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 9) + 1);
}

/*
 * bzImage with setup_sects (the field; 0 means 4), a kernel part of
 * kernel_len bytes (pattern) and a 2.15 header. *len gets the file size.
 */
static inline uint8_t *fx_bzimage(unsigned int setup_sects, uint32_t kernel_len,
				  size_t *len)
{
	unsigned int real = setup_sects ? setup_sects : 4;
	size_t setup = (real + 1) * 512;
	struct setup_header h;
	uint8_t *b;

	*len = setup + kernel_len;
	b = calloc(1, *len);
	if (!b)
		return NULL;
	memset(&h, 0, sizeof(h));
	h.setup_sects = (uint8_t)setup_sects;
	h.syssize = kernel_len / 16;
	h.boot_flag = BP_BOOT_FLAG;
	h.jump = 0x66eb; /* jmp 0x268: header ends at 0x268 */
	h.header = BP_HDR_MAGIC;
	h.version = 0x20f;
	h.loadflags = BP_LOADED_HIGH;
	h.code32_start = 0x100000;
	h.initrd_addr_max = 0x7fffffff;
	h.kernel_alignment = 0x200000;
	h.relocatable_kernel = 1;
	h.xloadflags = BP_XLF_KERNEL_64;
	h.cmdline_size = 2047;
	h.pref_address = 0x1000000;
	h.init_size = kernel_len * 2;
	memcpy(b + BP_HDR_OFFSET, &h, sizeof(h));
	for (size_t i = 0; i < kernel_len; i++)
		b[setup + i] = fx_pattern(i);
	return b;
}

static inline struct setup_header *fx_hdr(uint8_t *file)
{
	return (struct setup_header *)(file + BP_HDR_OFFSET);
}

#endif /* SV_TESTS_UNIT_BOOT_FIXTURE_H */
