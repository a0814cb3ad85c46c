/* SPDX-License-Identifier: MIT */
/*
 * Every base, size, port and IRQ of the q35 standard machine, as StratoVirt
 * lays it out (reference/stratovirt.md section 3.2). The PCI windows are in
 * vmm/pci/root.h, pflash placement in vmm/devices/pflash.h.
 */
#ifndef SV_VMM_MACHINE_Q35_MEMMAP_H
#define SV_VMM_MACHINE_Q35_MEMMAP_H

#include "vmm/acpi/acpi.h"

/* Guest RAM: [0, min(size, 2 GiB)) then the rest from 4 GiB. */
#define Q35_RAM_BELOW_4G_MAX 0x80000000ull
#define Q35_RAM_ABOVE_4G_BASE 0x100000000ull

/* KVM identity map page + 3-page TSS (reserved, never RAM). */
#define Q35_KVM_TSS_BASE 0xFEF0C000ull
#define Q35_KVM_TSS_SIZE 0x4000ull

#define Q35_IOAPIC_BASE 0xFEC00000ull
#define Q35_LAPIC_BASE 0xFEE00000ull

/* Direct boot: ACPI tables in the reserved BIOS area, RSDP where Linux
 * scans for it (0xE0000-0xFFFFF). */
#define Q35_ACPI_TABLES_GPA 0xD0000ull
#define Q35_ACPI_RSDP_GPA 0xE0000ull

/* Firmware boot: the last 128 KiB of pflash unit 0 are copied here so the
 * reset vector's real-mode code finds itself below 1 MiB too. */
#define Q35_BIOS_SHADOW_GPA 0xE0000ull
#define Q35_BIOS_SHADOW_SIZE 0x20000ull

/* 64-bit PCI window: from the first GiB boundary above RAM. */
#define Q35_MMIO64_ALIGN (1ull << 30)

/* Legacy I/O. */
#define Q35_SERIAL_PORT 0x3F8
#define Q35_SERIAL_IRQ 4
#define Q35_RTC_IRQ 8
#define Q35_PM_BASE 0x600
#define Q35_SCI_IRQ 9

/* PCI INTx: pin A-D of slot s -> GSI 16 + (s + pin) % 4 (the DSDT _PRT). */
#define Q35_PCI_GSI_BASE ACPI_PCI_GSI_BASE
#define Q35_PCI_NR_GSI 4

#endif /* SV_VMM_MACHINE_Q35_MEMMAP_H */
