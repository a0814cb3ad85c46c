/* SPDX-License-Identifier: MIT */
/*
 * Low-memory layout of an x86 direct kernel boot (StratoVirt microvm's,
 * reused by q35 direct boot) and the e820 map built from the RAM layout.
 * Used by vmm/arch/x86/ and vmm/boot/; no <linux/kvm.h> here.
 *
 *   0x000500  GDT (4 entries)          0x009000  PML4
 *   0x000520  IDT (limit 0)            0x00a000  PDPT
 *   0x006000  PVH hvm_start_info,      0x00b000  PD (512 x 2 MiB)
 *             modlist, memmap          0x020000  kernel command line
 *   0x007000  boot_params (zero page)  0x09fc00  MP table (EBDA)
 *   0x008ff0  initial RSP/RBP          0x100000  bzImage protected-mode code
 *                                      0x1000000 raw vmlinux.bin
 */
#ifndef SV_VMM_ARCH_X86_LAYOUT_H
#define SV_VMM_ARCH_X86_LAYOUT_H

#include <stdint.h>

#include "vmm/arch/x86/bootparam.h"

struct arch_ram_layout;

#define X86_GDT_GPA 0x500ull
#define X86_GDT_ENTRIES 4
#define X86_IDT_GPA 0x520ull
#define X86_PVH_INFO_GPA 0x6000ull
#define X86_PVH_MODLIST_GPA 0x6040ull
#define X86_PVH_MEMMAP_GPA 0x6080ull
#define X86_PVH_MEMMAP_MAX 64
#define X86_ZERO_PAGE_GPA 0x7000ull
#define X86_BOOT_STACK_GPA 0x8ff0ull
#define X86_PML4_GPA 0x9000ull
#define X86_PDPT_GPA 0xa000ull
#define X86_PD_GPA 0xb000ull
#define X86_CMDLINE_GPA 0x20000ull
#define X86_CMDLINE_AREA 0x10000ull /* cmdline may use 64 KiB at most */
#define X86_EBDA_GPA 0x9fc00ull
#define X86_MPTABLE_GPA X86_EBDA_GPA
#define X86_LOWMEM_END 0xa0000ull
#define X86_BIOS_GPA 0xd0000ull /* reserved up to 1 MiB */
#define X86_HIMEM_GPA 0x100000ull
#define X86_RAW_KERNEL_GPA 0x1000000ull
#define X86_INITRD_ADDR_MAX 0x37ffffffull

/* GDT selectors (entry index * 8). */
#define X86_SEL_CODE32 0x08 /* flat 32-bit code, PVH entry */
#define X86_SEL_CODE64 0x10 /* 64-bit code (0xa09b) */
#define X86_SEL_DATA 0x18 /* flat data (0xc093) */

#define X86_IOAPIC_GPA 0xfec00000u
#define X86_LAPIC_GPA 0xfee00000u

/*
 * Fill e820 with RAM [0, 0x9fc00), reserved [0x9fc00, 0xa0000), reserved
 * [0xd0000, 1 MiB), RAM [1 MiB, below_4g), RAM [4 GiB, 4 GiB + above).
 * Returns the number of entries (at most max).
 */
unsigned int x86_e820_build(const struct arch_ram_layout *ram,
			    struct e820_entry *e, unsigned int max);

#endif /* SV_VMM_ARCH_X86_LAYOUT_H */
