// SPDX-License-Identifier: MIT
/*
 * Arbitrary bytes as the kernel file: format detection, the bzImage setup
 * header, ELF program headers and notes, raw images, with and without an
 * initrd, into a 64 MiB guest. Must never crash; on success the result is
 * checked for the loader's invariants.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vmm/arch/arch.h"
#include "vmm/boot/boot_internal.h"
#include "vmm/mem/mem.h"

#define FUZZ_RAM (64u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gmem m;
static uint8_t *ram;
static struct arch_ram_layout layout;

static void check(int ret, const struct boot_info *bi, bool initrd)
{
	if (ret < 0)
		return;
	if (bi->entry < bi->kernel_start || bi->entry >= bi->kernel_end ||
	    bi->kernel_start < 0x100000 ||
	    bi->kernel_end > layout.below_4g_size)
		abort();
	if (initrd && (bi->initrd_gpa < bi->kernel_end ||
		       bi->initrd_gpa + bi->initrd_size > layout.below_4g_size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t rd[4096] = { 1, 2, 3 };
	struct boot_file k = {
		.name = "fuzz-kernel", .fd = -1, .buf = data, .size = size
	};
	struct boot_file i = {
		.name = "fuzz-initrd", .fd = -1, .buf = rd, .size = sizeof(rd)
	};
	struct boot_info bi;
	uint64_t entry;
	int ret;

	if (!ram) {
		ram = calloc(1, FUZZ_RAM);
		if (!ram)
			abort();
		gmem_init(&m);
		if (gmem_add_region(&m, 0, FUZZ_RAM, ram, 0) < 0)
			abort();
		arch_ram_layout(FUZZ_RAM, ARCH_MICROVM_BELOW_4G_MAX, &layout);
	}
	ret = boot_load_files(&m, &layout, &k, NULL, "console=ttyS0", &bi);
	check(ret, &bi, false);
	ret = boot_load_files(&m, &layout, &k, &i, "", &bi);
	check(ret, &bi, true);
	ret = elf_find_pvh_entry(data, size, &entry);
	(void)ret;
	return 0;
}
