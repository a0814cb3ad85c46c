/* SPDX-License-Identifier: MIT */
/*
 * Direct kernel boot: load a kernel (bzImage, ELF vmlinux with a PVH note,
 * or a raw `objcopy -O binary` vmlinux.bin), an optional initrd and the
 * command line into guest RAM, and write the zero page (boot_params) or the
 * PVH hvm_start_info with the e820 map. The vCPU state that goes with it is
 * set by arch_vcpu_init() from the boot_info filled here.
 */
#ifndef SV_VMM_BOOT_BOOT_H
#define SV_VMM_BOOT_BOOT_H

#include <stdint.h>

#include "sv/compiler.h"

struct gmem;
struct arch_ram_layout;

struct boot_args {
	const char *kernel; /* path, required */
	const char *initrd; /* path or NULL */
	const char *cmdline; /* NULL means "" */
};

enum boot_mode {
	BOOT_MODE_LONG64, /* 64-bit entry, RSI = zero page */
	BOOT_MODE_PVH32, /* 32-bit flat protected mode, EBX = start_info */
	BOOT_MODE_RESET, /* firmware: real mode at the reset vector */
};

enum boot_format {
	BOOT_FORMAT_BZIMAGE,
	BOOT_FORMAT_ELF_PVH,
	BOOT_FORMAT_RAW,
};

struct boot_info {
	enum boot_mode mode;
	enum boot_format format;
	uint64_t entry; /* RIP of vCPU 0 */
	uint64_t params_gpa; /* zero page (RSI) or start_info (EBX) */
	uint64_t kernel_start; /* [start, end) reserved for the kernel */
	uint64_t kernel_end;
	uint64_t initrd_gpa; /* 0 when there is no initrd */
	uint64_t initrd_size;
	uint64_t cmdline_gpa;
};

/*
 * Load everything for a direct boot into m (RAM laid out as ram says).
 * Errors are logged here, naming the file and the reason: -ENOEXEC for an
 * unusable kernel format, -EINVAL when something does not fit (RAM,
 * command line, initrd), -errno for I/O errors.
 */
int boot_load(const struct gmem *m, const struct arch_ram_layout *ram,
	      const struct boot_args *a, struct boot_info *out) SV_MUST_CHECK;

/*
 * The same in two steps, for machines that reload on reset (q35): the
 * files stay open (no open/stat after the seccomp filter is in place) and
 * each load reads them again with preadv.
 */
struct boot_source;
int boot_source_open(const struct boot_args *a,
		     struct boot_source **out) SV_MUST_CHECK;
int boot_source_load(const struct boot_source *s, const struct gmem *m,
		     const struct arch_ram_layout *ram,
		     struct boot_info *out) SV_MUST_CHECK;
void boot_source_close(struct boot_source *s);
const char *boot_format_name(enum boot_format f);

#endif /* SV_VMM_BOOT_BOOT_H */
