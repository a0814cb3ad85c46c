/* SPDX-License-Identifier: MIT */
/*
 * QEMU fw_cfg (I/O flavour, x86): selector at base (0x510, 16-bit), data at
 * base + 1 (0x511, byte reads), DMA address at base + 4 (0x514, 64-bit
 * big-endian, written as two 32-bit halves or one 64-bit access). The
 * DMA descriptor {be32 control, be32 length, be64 address} is read from
 * guest RAM through gmem; a bad address sets the error bit, nothing more.
 */
#ifndef SV_VMM_DEVICES_FW_CFG_H
#define SV_VMM_DEVICES_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

struct bus;
struct gmem;

#define FW_CFG_IO_BASE 0x510
#define FW_CFG_IO_LEN 12	/* 0x510..0x51b incl. the DMA register */

/* Well-known selectors. */
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_KERNEL_ADDR 0x07
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR 0x0a
#define FW_CFG_INITRD_SIZE 0x0b
#define FW_CFG_BOOT_DEVICE 0x0c
#define FW_CFG_KERNEL_ENTRY 0x10
#define FW_CFG_KERNEL_DATA 0x11
#define FW_CFG_INITRD_DATA 0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR 0x16
#define FW_CFG_SETUP_SIZE 0x17
#define FW_CFG_SETUP_DATA 0x18
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_MAX_FILES 64
#define FW_CFG_MAX_ITEM (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define FW_CFG_FILE_NAME_LEN 56

#define FW_CFG_VERSION 0x01
#define FW_CFG_VERSION_DMA 0x02

#define FW_CFG_DMA_CTL_ERROR 0x01
#define FW_CFG_DMA_CTL_READ 0x02
#define FW_CFG_DMA_CTL_SKIP 0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE 0x10
/* Reading the DMA register returns this ("QEMU CFG" big-endian). */
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ull

struct fw_cfg;

/* Registers on pio at base; mem is the guest RAM DMA goes to (borrowed). */
int fw_cfg_create(struct bus *pio, uint16_t base, const struct gmem *mem,
		  struct fw_cfg **out) SV_MUST_CHECK;
void fw_cfg_destroy(struct fw_cfg *f);
/* Select nothing, rewind; keeps the items. */
void fw_cfg_reset(struct fw_cfg *f);

/* Items are copied. Replacing an existing key or file name is allowed. */
int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data,
		     size_t len) SV_MUST_CHECK;
int fw_cfg_add_u16(struct fw_cfg *f, uint16_t key, uint16_t v) SV_MUST_CHECK;
int fw_cfg_add_u32(struct fw_cfg *f, uint16_t key, uint32_t v) SV_MUST_CHECK;
/* A named file ("etc/e820"); -ENOSPC past FW_CFG_MAX_FILES. */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data,
		    size_t len) SV_MUST_CHECK;
/*
 * Kernel the way QEMU's x86 loader exposes it: setup (setup_sects+1
 * sectors) and the protected-mode kernel as separate items, plus sizes.
 * -EINVAL if the image is not a bzImage.
 */
int fw_cfg_add_kernel(struct fw_cfg *f, const void *bzimage,
		      size_t len) SV_MUST_CHECK;
int fw_cfg_add_initrd(struct fw_cfg *f, const void *data,
		      size_t len) SV_MUST_CHECK;
int fw_cfg_add_cmdline(struct fw_cfg *f, const char *cmdline) SV_MUST_CHECK;

/* etc/e820 entries: {le64 addr, le64 len, le32 type}, packed. */
struct fw_cfg_e820 {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));
int fw_cfg_add_e820(struct fw_cfg *f, const struct fw_cfg_e820 *e,
		    unsigned int n) SV_MUST_CHECK;

#endif /* SV_VMM_DEVICES_FW_CFG_H */
