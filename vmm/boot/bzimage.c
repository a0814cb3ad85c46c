// SPDX-License-Identifier: MIT
/*
 * bzImage (Linux x86 boot protocol >= 2.06): the protected-mode part is
 * loaded at code32_start and entered at its 64-bit entry (+0x200); the
 * real-mode setup code is never run. Every header field is checked against
 * the file size and guest RAM before use.
 */
#define LOG_MODULE "boot"
#include "vmm/boot/boot_internal.h"

#include <string.h>

#include "sv/log.h"
#include "vmm/arch/arch.h"
#include "vmm/arch/x86/layout.h"

#define BZ_MIN_VERSION 0x206
#define BZ_XLF_VERSION 0x20c /* xloadflags exist from 2.12 */
#define BZ_INIT_SIZE_VERSION 0x20a
#define BZ_ENTRY64_OFFSET 0x200

bool bzimage_probe(const uint8_t *head)
{
	uint32_t magic;

	memcpy(&magic, head + BP_HDR_FIELD(header), sizeof(magic));
	return magic == BP_HDR_MAGIC;
}

static int check_header(const struct boot_ctx *c, const struct setup_header *h)
{
	const char *name = c->kernel->name;

	if (h->version < BZ_MIN_VERSION) {
		log_err("kernel %s: boot protocol %u.%02u is older than 2.06",
			name, h->version >> 8, h->version & 0xff);
		return -ENOEXEC;
	}
	if (!(h->loadflags & BP_LOADED_HIGH)) {
		log_err("kernel %s: not a bzImage (LOADED_HIGH clear)", name);
		return -ENOEXEC;
	}
	if (h->version >= BZ_XLF_VERSION &&
	    !(h->xloadflags & BP_XLF_KERNEL_64)) {
		log_err("kernel %s: bzImage has no 64-bit entry point "
			"(XLF_KERNEL_64 clear)",
			name);
		return -ENOEXEC;
	}
	return 0;
}

/*
 * Where the protected-mode part is in the file: [*off, *off + *len), the
 * rest of the file. syssize (16-byte units, rounded down by the kernel's
 * build tool) must fit in it; the tail is loaded too, as the last bytes
 * before the CRC need not fill a whole paragraph.
 */
static int pm_part(const struct boot_ctx *c, const struct setup_header *h,
		   uint64_t *off, uint64_t *len)
{
	unsigned int sects =
		h->setup_sects ? h->setup_sects : BP_SETUP_SECTS_DEFAULT;
	uint64_t size = c->kernel->size;

	*off = (sects + 1ull) * 512;
	*len = (uint64_t)h->syssize * 16;
	if (*off >= size) {
		log_err("kernel %s: setup_sects %u points past the end of the "
			"file (%llu bytes)",
			c->kernel->name, sects, (unsigned long long)size);
		return -ENOEXEC;
	}
	if (*len == 0 || *len > size - *off) {
		log_err("kernel %s: truncated bzImage: header claims %llu "
			"bytes of kernel after %llu bytes of setup, file has "
			"%llu bytes",
			c->kernel->name, (unsigned long long)*len,
			(unsigned long long)*off, (unsigned long long)size);
		return -ENOEXEC;
	}
	*len = size - *off;
	if (*len <= BZ_ENTRY64_OFFSET) {
		log_err("kernel %s: bzImage kernel part (%llu bytes) ends "
			"before its 64-bit entry",
			c->kernel->name, (unsigned long long)*len);
		return -ENOEXEC;
	}
	return 0;
}

static int place(const struct boot_ctx *c, const struct setup_header *h,
		 uint64_t len, uint64_t *load, uint64_t *need)
{
	uint64_t ram = c->ram->below_4g_size;

	*load = h->code32_start ? h->code32_start : BP_CODE32_DEFAULT;
	*need = len;
	if (h->version >= BZ_INIT_SIZE_VERSION && h->init_size > len)
		*need = h->init_size;
	if (*load < X86_HIMEM_GPA) {
		log_err("kernel %s: code32_start 0x%llx is below 1 MiB",
			c->kernel->name, (unsigned long long)*load);
		return -ENOEXEC;
	}
	if (*load >= ram || *need > ram - *load) {
		log_err("kernel %s: %llu bytes at 0x%llx do not fit in %llu "
			"MiB of RAM below 4 GiB",
			c->kernel->name, (unsigned long long)*need,
			(unsigned long long)*load,
			(unsigned long long)(ram >> 20));
		return -EINVAL;
	}
	return 0;
}

/* The file's setup header, as long as its jump at 0x200 says, bounded. */
static void copy_header(struct boot_ctx *c)
{
	size_t end = 0x202 + (size_t)c->head[0x201];
	size_t len = SV_MIN(end - BP_HDR_OFFSET, (size_t)BP_HDR_COPY_MAX);

	memcpy((uint8_t *)c->bp + BP_HDR_OFFSET, c->head + BP_HDR_OFFSET, len);
}

int bzimage_load(struct boot_ctx *c)
{
	struct setup_header h;
	uint64_t off, len, load, need;
	int ret;

	memcpy(&h, c->head + BP_HDR_OFFSET, sizeof(h));
	ret = check_header(c, &h);
	if (ret < 0)
		return ret;
	ret = pm_part(c, &h, &off, &len);
	if (ret < 0)
		return ret;
	ret = place(c, &h, len, &load, &need);
	if (ret < 0)
		return ret;
	ret = boot_file_load(c->kernel, c->m, off, load, len);
	if (ret < 0)
		return ret;

	copy_header(c);
	c->cmdline_max = SV_MIN(h.cmdline_size, (uint32_t)X86_CMDLINE_AREA - 1);
	if (h.initrd_addr_max)
		c->initrd_max =
			SV_MIN(c->initrd_max, (uint64_t)h.initrd_addr_max);
	c->bi->mode = BOOT_MODE_LONG64;
	c->bi->format = BOOT_FORMAT_BZIMAGE;
	c->bi->entry = load + BZ_ENTRY64_OFFSET;
	c->bi->kernel_start = load;
	c->bi->kernel_end = load + need;
	return 0;
}
