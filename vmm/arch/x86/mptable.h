/* SPDX-License-Identifier: MIT */
/*
 * Intel MultiProcessor Specification 1.4 structures (floating pointer,
 * configuration table header and base entries), from the published spec.
 */
#ifndef SV_VMM_ARCH_X86_MPTABLE_H
#define SV_VMM_ARCH_X86_MPTABLE_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define MP_FLOAT_SIG "_MP_"
#define MP_CONFIG_SIG "PCMP"
#define MP_SPEC_REV 4 /* 1.4 */

enum mp_entry_type {
	MP_ENTRY_PROCESSOR = 0,
	MP_ENTRY_BUS = 1,
	MP_ENTRY_IOAPIC = 2,
	MP_ENTRY_IOINT = 3,
	MP_ENTRY_LOCALINT = 4,
};

#define MP_CPU_ENABLED 0x01
#define MP_CPU_BSP 0x02
#define MP_IOAPIC_ENABLED 0x01
#define MP_INT_TYPE_INT 0
#define MP_INT_TYPE_NMI 1
#define MP_INT_TYPE_EXTINT 3
#define MP_LAPIC_VERSION 0x14
#define MP_IOAPIC_VERSION 0x11
#define MP_ALL_LAPICS 0xff

struct mp_float {
	char signature[4];
	uint32_t config_gpa;
	uint8_t length; /* in 16-byte units: 1 */
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t feature[5]; /* 0: a configuration table is present */
} __attribute__((packed));

struct mp_config {
	char signature[4];
	uint16_t length; /* header + base entries */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table_gpa;
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t lapic_gpa;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

struct mp_processor {
	uint8_t type;
	uint8_t lapic_id;
	uint8_t lapic_version;
	uint8_t flags;
	uint32_t signature; /* CPUID.1 EAX */
	uint32_t features; /* CPUID.1 EDX */
	uint32_t reserved[2];
} __attribute__((packed));

struct mp_bus {
	uint8_t type;
	uint8_t bus_id;
	char bus_type[6];
} __attribute__((packed));

struct mp_ioapic {
	uint8_t type;
	uint8_t id;
	uint8_t version;
	uint8_t flags;
	uint32_t gpa;
} __attribute__((packed));

/* I/O interrupt (type 3) and local interrupt (type 4) entries. */
struct mp_intsrc {
	uint8_t type;
	uint8_t irq_type;
	uint16_t flags; /* 0: polarity/trigger conform to the bus */
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_apic;
	uint8_t dst_pin; /* IOAPIC INTIN# or LAPIC LINTIN# */
} __attribute__((packed));

static_assert(sizeof(struct mp_float) == 16, "mp_float");
static_assert(sizeof(struct mp_config) == 44, "mp_config");
static_assert(sizeof(struct mp_processor) == 20, "mp_processor");
static_assert(sizeof(struct mp_bus) == 8, "mp_bus");
static_assert(sizeof(struct mp_ioapic) == 8, "mp_ioapic");
static_assert(sizeof(struct mp_intsrc) == 8, "mp_intsrc");

#define MP_ISA_IRQS 16
#define MP_MAX_CPUS 254
#define MP_TABLE_SIZE(ncpu)                                             \
	(sizeof(struct mp_float) + sizeof(struct mp_config) +           \
	 (ncpu) * sizeof(struct mp_processor) + sizeof(struct mp_bus) + \
	 sizeof(struct mp_ioapic) +                                     \
	 (MP_ISA_IRQS + 2) * sizeof(struct mp_intsrc))

/* The IOAPIC's id: the first id after the LAPICs (StratoVirt), <= 254. */
unsigned int x86_mptable_ioapic_id(unsigned int nr_cpus);
/*
 * Build the whole table for placement at gpa into buf; returns its size,
 * or 0 if nr_cpus is 0 or above MP_MAX_CPUS or cap is too small.
 */
size_t x86_mptable_build(uint8_t *buf, size_t cap, uint64_t gpa,
			 unsigned int nr_cpus);

#endif /* SV_VMM_ARCH_X86_MPTABLE_H */
