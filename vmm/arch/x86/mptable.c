// SPDX-License-Identifier: MIT
/*
 * MP table (Intel MP spec 1.4) for microvm, at 0x9fc00 (the EBDA's start,
 * one of the places Linux scans for "_MP_"):
 *   floating pointer, config table header, one processor entry per vCPU
 *   (APIC id = index, CPU 0 the BSP), bus 0 "ISA", one IOAPIC at
 *   0xfec00000, I/O interrupt entries ISA IRQ i -> IOAPIC pin i for
 *   i = 0..15 (identity, as KVM's default GSI routing wires the in-kernel
 *   PIT/IOAPIC: GSI n -> pin n, including the timer on pin 0; flags 0 =
 *   conform to the bus, i.e. edge / active high for ISA), and local
 *   interrupt entries ExtINT -> LINT0, NMI -> LINT1 on every LAPIC.
 * From about 40 vCPUs on, the table runs past 0xa0000 into the legacy
 * hole, which is still backed by the low RAM memslot and is not RAM in the
 * e820 map, so the guest leaves it alone.
 */
#define LOG_MODULE "mptable"
#include "vmm/arch/x86/mptable.h"

#include <cpuid.h>
#include <string.h>

#include "sv/log.h"
#include "vmm/arch/arch.h"
#include "vmm/arch/x86/layout.h"
#include "vmm/mem/mem.h"

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return (uint8_t)-sum;
}

unsigned int x86_mptable_ioapic_id(unsigned int nr_cpus)
{
	return SV_MIN(nr_cpus + 1, (unsigned int)MP_MAX_CPUS);
}

static uint8_t *put(uint8_t *p, const void *e, size_t len)
{
	memcpy(p, e, len);
	return p + len;
}

static uint8_t *put_cpus(uint8_t *p, unsigned int nr_cpus)
{
	unsigned int eax = 0x600, ebx, ecx, edx = 0x201; /* FPU | APIC */

	/* Plausible signature and features: the host's. */
	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
		eax = 0x600;
		edx = 0x201;
	}
	for (unsigned int i = 0; i < nr_cpus; i++) {
		struct mp_processor c = {
			.type = MP_ENTRY_PROCESSOR,
			.lapic_id = (uint8_t)i,
			.lapic_version = MP_LAPIC_VERSION,
			.flags = MP_CPU_ENABLED | (i == 0 ? MP_CPU_BSP : 0),
			.signature = eax,
			.features = edx,
		};

		p = put(p, &c, sizeof(c));
	}
	return p;
}

static uint8_t *put_irqs(uint8_t *p, uint8_t ioapic_id)
{
	struct mp_intsrc e = { .type = MP_ENTRY_IOINT,
			       .irq_type = MP_INT_TYPE_INT,
			       .dst_apic = ioapic_id };

	for (unsigned int i = 0; i < MP_ISA_IRQS; i++) {
		e.src_irq = (uint8_t)i;
		e.dst_pin = (uint8_t)i;
		p = put(p, &e, sizeof(e));
	}
	e = (struct mp_intsrc){ .type = MP_ENTRY_LOCALINT,
				.irq_type = MP_INT_TYPE_EXTINT,
				.dst_apic = MP_ALL_LAPICS,
				.dst_pin = 0 };
	p = put(p, &e, sizeof(e));
	e.irq_type = MP_INT_TYPE_NMI;
	e.dst_pin = 1;
	return put(p, &e, sizeof(e));
}

static void fill_float(struct mp_float *f, uint64_t gpa)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->signature, MP_FLOAT_SIG, 4);
	f->config_gpa = (uint32_t)(gpa + sizeof(*f));
	f->length = 1;
	f->spec_rev = MP_SPEC_REV;
	f->checksum = checksum(f, sizeof(*f));
}

size_t x86_mptable_build(uint8_t *buf, size_t cap, uint64_t gpa,
			 unsigned int nr_cpus)
{
	uint8_t ioapic_id = (uint8_t)x86_mptable_ioapic_id(nr_cpus);
	struct mp_bus bus = { .type = MP_ENTRY_BUS, .bus_type = "ISA   " };
	struct mp_ioapic io = { .type = MP_ENTRY_IOAPIC,
				.id = ioapic_id,
				.version = MP_IOAPIC_VERSION,
				.flags = MP_IOAPIC_ENABLED,
				.gpa = X86_IOAPIC_GPA };
	struct mp_config *hdr;
	uint8_t *p;

	if (nr_cpus == 0 || nr_cpus > MP_MAX_CPUS ||
	    cap < MP_TABLE_SIZE(nr_cpus) || gpa + cap > UINT32_MAX)
		return 0;
	memset(buf, 0, MP_TABLE_SIZE(nr_cpus));
	fill_float((struct mp_float *)buf, gpa);
	hdr = (struct mp_config *)(buf + sizeof(struct mp_float));
	memcpy(hdr->signature, MP_CONFIG_SIG, 4);
	hdr->spec_rev = MP_SPEC_REV;
	memcpy(hdr->oem_id, "STRATOVI", 8);
	memcpy(hdr->product_id, "MICROVM     ", 12);
	hdr->lapic_gpa = X86_LAPIC_GPA;
	hdr->entry_count = (uint16_t)(nr_cpus + 2 + MP_ISA_IRQS + 2);
	p = put_cpus((uint8_t *)(hdr + 1), nr_cpus);
	p = put(p, &bus, sizeof(bus));
	p = put(p, &io, sizeof(io));
	p = put_irqs(p, ioapic_id);
	hdr->length = (uint16_t)(p - (uint8_t *)hdr);
	hdr->checksum = checksum(hdr, hdr->length);
	return (size_t)(p - buf);
}

int arch_write_mptable(const struct gmem *m, unsigned int nr_cpus)
{
	uint8_t buf[MP_TABLE_SIZE(MP_MAX_CPUS)];
	size_t len;
	int ret;

	len = x86_mptable_build(buf, sizeof(buf), X86_MPTABLE_GPA, nr_cpus);
	if (len == 0) {
		log_err("MP table: %u vCPUs is not in 1..%u", nr_cpus,
			MP_MAX_CPUS);
		return -EINVAL;
	}
	ret = gmem_write(m, X86_MPTABLE_GPA, buf, len);
	if (ret < 0)
		log_err("MP table: [0x%llx, +%zu) is not guest RAM",
			(unsigned long long)X86_MPTABLE_GPA, len);
	return ret;
}
