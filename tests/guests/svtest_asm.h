/* SPDX-License-Identifier: GPL-2.0 */
/* Constants shared by svtest assembly and C. */
#ifndef SVTEST_ASM_H
#define SVTEST_ASM_H

#define KIND_BP64	0	/* 64-bit entry, RSI = boot_params */
#define KIND_BP32	1	/* 32-bit entry, ESI = boot_params */
#define KIND_PVH	2	/* PVH entry, EBX = hvm_start_info */
#define KIND_FW		3	/* svtest.fd: reset.S, boot info from fw_cfg */

#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18

/* AP trampoline (real mode, below 1 MiB) */
#define TRAMP_BASE	0x8000

#endif
