/* SPDX-License-Identifier: MIT */
/*
 * x86 boot protocol structures, written from the documented layouts:
 * Linux Documentation/arch/x86/boot.rst and zero-page.rst (setup header,
 * boot_params, e820) and the Xen PVH start_info ABI (hvm_start_info,
 * version 1). Only the fields the VMM fills or checks are named; every
 * offset is pinned by a static_assert.
 */
#ifndef SV_VMM_ARCH_X86_BOOTPARAM_H
#define SV_VMM_ARCH_X86_BOOTPARAM_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* ---- bzImage setup header (at 0x1f1 in the file and in boot_params) ---- */

#define BP_HDR_OFFSET 0x1f1
#define BP_HDR_MAGIC 0x53726448u /* "HdrS" at 0x202 */
#define BP_BOOT_FLAG 0xaa55
#define BP_LOADED_HIGH 0x01 /* loadflags */
#define BP_CAN_USE_HEAP 0x80 /* loadflags */
#define BP_XLF_KERNEL_64 0x01 /* xloadflags */
#define BP_LOADER_UNDEFINED 0xff /* type_of_loader */
#define BP_VID_MODE_NORMAL 0xffff
#define BP_SETUP_SECTS_DEFAULT 4
#define BP_CODE32_DEFAULT 0x100000u

struct setup_header {
	uint8_t setup_sects; /* 0x1f1 */
	uint16_t root_flags;
	uint32_t syssize; /* 16-byte paragraphs */
	uint16_t ram_size;
	uint16_t vid_mode; /* 0x1fa */
	uint16_t root_dev;
	uint16_t boot_flag; /* 0x1fe */
	uint16_t jump; /* 0x200 */
	uint32_t header; /* 0x202 */
	uint16_t version; /* 0x206 */
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version;
	uint8_t type_of_loader; /* 0x210 */
	uint8_t loadflags; /* 0x211 */
	uint16_t setup_move_size;
	uint32_t code32_start; /* 0x214 */
	uint32_t ramdisk_image; /* 0x218 */
	uint32_t ramdisk_size; /* 0x21c */
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr; /* 0x228 */
	uint32_t initrd_addr_max; /* 0x22c */
	uint32_t kernel_alignment; /* 0x230 */
	uint8_t relocatable_kernel;
	uint8_t min_alignment;
	uint16_t xloadflags; /* 0x236 */
	uint32_t cmdline_size; /* 0x238 */
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset;
	uint32_t payload_length;
	uint64_t setup_data;
	uint64_t pref_address; /* 0x258 */
	uint32_t init_size; /* 0x260 */
	uint32_t handover_offset;
	uint32_t kernel_info_offset; /* 0x268 */
} __attribute__((packed));

#define BP_HDR_FIELD(f) (BP_HDR_OFFSET + offsetof(struct setup_header, f))
static_assert(BP_HDR_FIELD(vid_mode) == 0x1fa, "vid_mode");
static_assert(BP_HDR_FIELD(header) == 0x202, "header");
static_assert(BP_HDR_FIELD(type_of_loader) == 0x210, "type_of_loader");
static_assert(BP_HDR_FIELD(code32_start) == 0x214, "code32_start");
static_assert(BP_HDR_FIELD(cmd_line_ptr) == 0x228, "cmd_line_ptr");
static_assert(BP_HDR_FIELD(xloadflags) == 0x236, "xloadflags");
static_assert(BP_HDR_FIELD(init_size) == 0x260, "init_size");
static_assert(sizeof(struct setup_header) == 0x26c - 0x1f1, "setup_header");

/* ---- e820 ---- */

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_MAX_ENTRIES 128 /* in boot_params */

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));
static_assert(sizeof(struct e820_entry) == 20, "e820_entry");

/* ---- boot_params, the "zero page" (4 KiB) ---- */

struct boot_params {
	uint8_t _pad0[0x0c0];
	uint32_t ext_ramdisk_image; /* 0x0c0 */
	uint32_t ext_ramdisk_size; /* 0x0c4 */
	uint32_t ext_cmd_line_ptr; /* 0x0c8 */
	uint8_t _pad1[0x1e8 - 0x0cc];
	uint8_t e820_entries; /* 0x1e8 */
	uint8_t _pad2[BP_HDR_OFFSET - 0x1e9];
	struct setup_header hdr; /* 0x1f1 */
	uint8_t _pad3[0x2d0 - 0x26c];
	struct e820_entry e820_table[E820_MAX_ENTRIES]; /* 0x2d0 */
	uint8_t _pad4[0x1000 - 0x2d0 - 20 * E820_MAX_ENTRIES];
} __attribute__((packed));
static_assert(offsetof(struct boot_params, e820_entries) == 0x1e8, "e820n");
static_assert(offsetof(struct boot_params, hdr) == 0x1f1, "hdr");
static_assert(offsetof(struct boot_params, e820_table) == 0x2d0, "e820");
static_assert(sizeof(struct boot_params) == 0x1000, "boot_params");

/* Bytes of boot_params a loader may copy the file's header into. */
#define BP_HDR_COPY_MAX (0x290 - BP_HDR_OFFSET)

/* ---- PVH (Xen hvm_start_info, version 1) ---- */

#define PVH_NOTE_NAME "Xen"
#define PVH_NOTE_PHYS32_ENTRY 18 /* XEN_ELFNOTE_PHYS32_ENTRY */
#define PVH_START_MAGIC 0x336ec578u
#define PVH_START_VERSION 1

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version 1 */
	uint32_t memmap_entries; /* version 1 */
	uint32_t reserved;
};
static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};
static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry");

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820_* values */
	uint32_t reserved;
};
static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap");

#endif /* SV_VMM_ARCH_X86_BOOTPARAM_H */
