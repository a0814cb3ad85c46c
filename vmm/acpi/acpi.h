/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for the q35 machine: RSDP, XSDT, RSDT, FADT (+FACS), DSDT
 * (AML), MADT, MCFG. acpi_build() lays every table except the RSDP out in
 * one blob with pointers relative to the blob's start; the two consumers
 * then relocate them:
 *  - direct kernel boot: acpi_install() copies the blob into guest RAM at
 *    tables_gpa (an e820 ACPI region) and the RSDP into the BIOS area
 *    (0xE0000-0xFFFFF), patches pointers and checksums;
 *  - UEFI: acpi_add_fw_cfg() exports etc/acpi/rsdp, etc/acpi/tables and an
 *    etc/table-loader script (ALLOCATE, ADD_POINTER, ADD_CHECKSUM).
 */
#ifndef SV_VMM_ACPI_ACPI_H
#define SV_VMM_ACPI_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

struct gmem;
struct fw_cfg;

/* PM register block layout relative to acpi_cfg.pm_base. */
#define ACPI_PM1_EVT_OFF 0	/* PM1a_EVT_BLK, 4 bytes (STS, EN) */
#define ACPI_PM1_CNT_OFF 4	/* PM1a_CNT_BLK, 2 bytes */
#define ACPI_PM_TMR_OFF 8	/* PM_TMR_BLK, 4 bytes */
#define ACPI_PM_LEN 12
#define ACPI_S5_SLP_TYP 5	/* value the DSDT's \_S5 package carries */
#define ACPI_PCI_GSI_BASE 16	/* _PRT: INTx of slot s pin p -> 16+(s+p)%4 */
#define ACPI_RESET_PORT 0xcf9
#define ACPI_RESET_VALUE 0x06

struct acpi_cfg {
	unsigned int nr_cpus;		/* LAPIC ids 0..nr_cpus-1 */
	uint64_t lapic_gpa;		/* 0xFEE00000 */
	uint64_t ioapic_gpa;		/* 0xFEC00000 */
	uint8_t ioapic_id;
	uint64_t ecam_gpa;		/* 0xB0000000 */
	uint8_t bus_start, bus_end;	/* 0, 255 */
	uint64_t mmio32_gpa, mmio32_size;	/* 0xC0000000, 0x30000000 */
	uint64_t mmio64_gpa, mmio64_size;	/* size 0 = no 64-bit window */
	uint16_t pm_base;		/* I/O base of the PM block (0x600) */
	uint8_t sci_irq;		/* 9 */
	bool com1;			/* describe COM1 (0x3f8, IRQ 4) */
};

struct acpi_table_ref {
	char sig[5];
	size_t off;		/* within acpi_tables.blob */
	size_t len;
};

/* A pointer field to patch: located in blob (or the RSDP if in_rsdp). */
struct acpi_fixup {
	bool in_rsdp;
	size_t field_off;	/* offset of the pointer field */
	unsigned int field_size;	/* 4 or 8 */
	size_t table_off;	/* table holding the field, for its checksum */
	size_t table_len;
};

#define ACPI_MAX_TABLES 12
#define ACPI_MAX_FIXUPS 32

struct acpi_tables {
	uint8_t *blob;		/* all tables but the RSDP; pointers = offsets */
	size_t len;
	uint8_t rsdp[36];	/* ACPI 2.0 RSDP; pointers = offsets in blob */
	unsigned int nr_tables;
	struct acpi_table_ref tables[ACPI_MAX_TABLES];
	unsigned int nr_fixups;
	struct acpi_fixup fixups[ACPI_MAX_FIXUPS];
};

int acpi_build(const struct acpi_cfg *cfg, struct acpi_tables *out) SV_MUST_CHECK;
void acpi_tables_free(struct acpi_tables *t);
/* Find a table by signature; NULL if absent. */
const struct acpi_table_ref *acpi_find(const struct acpi_tables *t,
				       const char *sig);
/* Standard checksum: the byte that makes the sum of buf[0..len) zero. */
uint8_t acpi_checksum(const void *buf, size_t len);

/*
 * Direct kernel boot: build and write into guest RAM. tables_gpa must be
 * inside RAM with room for the blob (mark it E820_ACPI; 64 KiB is plenty);
 * rsdp_gpa 16-byte aligned in 0xE0000-0xFFFFF. -EFAULT if out of RAM.
 */
int acpi_install(const struct acpi_cfg *cfg, const struct gmem *mem,
		 uint64_t tables_gpa, uint64_t rsdp_gpa) SV_MUST_CHECK;
/* Relocate already-built tables into a copy at base (used by install). */
void acpi_relocate(struct acpi_tables *t, uint64_t tables_gpa);

/* UEFI: add etc/acpi/rsdp, etc/acpi/tables and etc/table-loader. */
int acpi_add_fw_cfg(const struct acpi_cfg *cfg,
		    struct fw_cfg *fw) SV_MUST_CHECK;

#endif /* SV_VMM_ACPI_ACPI_H */
