/* SPDX-License-Identifier: MIT */
/*
 * Inside vmm/boot/: a kernel/initrd source that is either a file descriptor
 * or a memory buffer (so the fuzzer drives the same code), and the per-format
 * loaders. Not for use outside vmm/boot/ and its tests.
 */
#ifndef SV_VMM_BOOT_BOOT_INTERNAL_H
#define SV_VMM_BOOT_BOOT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "vmm/arch/x86/bootparam.h"
#include "vmm/boot/boot.h"

#define BOOT_KERNEL_MIN_SIZE 4096u
#define BOOT_HEAD_SIZE 4096u
/* Linux x86 COMMAND_LINE_SIZE, for formats without a cmdline_size field. */
#define BOOT_CMDLINE_DEFAULT_MAX 2047u

struct boot_file {
	const char *name; /* for messages */
	int fd; /* read with pread when buf is NULL */
	const uint8_t *buf;
	uint64_t size;
};

/* Exactly len bytes at off; the caller has checked off + len <= size. */
int boot_file_read(const struct boot_file *f, uint64_t off, void *dst,
		   size_t len) SV_MUST_CHECK;
/* Copy [off, off + len) of f to guest [gpa, gpa + len). */
int boot_file_load(const struct boot_file *f, const struct gmem *m,
		   uint64_t off, uint64_t gpa, uint64_t len) SV_MUST_CHECK;

struct boot_ctx {
	const struct gmem *m;
	const struct arch_ram_layout *ram;
	const struct boot_file *kernel;
	uint8_t head[BOOT_HEAD_SIZE]; /* first 4 KiB of the kernel */
	struct boot_params *bp; /* zero page being built */
	uint32_t cmdline_max; /* bytes, without the NUL */
	uint64_t initrd_max; /* highest byte the initrd may use */
	struct boot_info *bi;
};

bool bzimage_probe(const uint8_t *head);
int bzimage_load(struct boot_ctx *c) SV_MUST_CHECK;
bool elf_probe(const uint8_t *head);
int elf_load(struct boot_ctx *c) SV_MUST_CHECK;
/* PVH entry from a buffer of ELF notes; -ENOENT when absent. */
int elf_find_pvh_entry(const uint8_t *notes, size_t len, uint64_t *entry);

/* Write cmdline (NUL terminated) at X86_CMDLINE_GPA; -EINVAL if > max. */
int boot_cmdline_write(const struct gmem *m, const char *cmdline, uint32_t max,
		       const char *kernel_name) SV_MUST_CHECK;

/*
 * boot_load() with kernel (and initrd, may be NULL) already opened or in
 * memory: the fuzz target's entry point.
 */
int boot_load_files(const struct gmem *m, const struct arch_ram_layout *ram,
		    const struct boot_file *kernel,
		    const struct boot_file *initrd, const char *cmdline,
		    struct boot_info *out) SV_MUST_CHECK;

#endif /* SV_VMM_BOOT_BOOT_INTERNAL_H */
