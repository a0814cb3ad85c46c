// SPDX-License-Identifier: MIT
/* MP table: layout, checksums and entry counts for 1..254 vCPUs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/arch/arch.h"
#include "vmm/arch/x86/layout.h"
#include "vmm/arch/x86/mptable.h"
#include "vmm/mem/mem.h"

#define RAM_SIZE (1u << 20)

struct counts {
	unsigned int cpu, bus, ioapic, ioint, lint;
};

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static void check_cpu(const struct mp_processor *c, unsigned int i)
{
	assert_int_equal(c->lapic_id, i);
	assert_int_equal(c->lapic_version, MP_LAPIC_VERSION);
	assert_int_equal(c->flags & MP_CPU_ENABLED, MP_CPU_ENABLED);
	assert_int_equal(!!(c->flags & MP_CPU_BSP), i == 0);
	assert_int_not_equal(c->signature, 0);
}

static void check_int(const struct mp_intsrc *e, unsigned int idx,
		      unsigned int ioapic_id)
{
	if (e->type == MP_ENTRY_IOINT) {
		assert_int_equal(e->irq_type, MP_INT_TYPE_INT);
		assert_int_equal(e->src_bus, 0);
		assert_int_equal(e->src_irq, idx);
		assert_int_equal(e->dst_pin, idx);
		assert_int_equal(e->dst_apic, ioapic_id);
		return;
	}
	assert_int_equal(e->dst_apic, MP_ALL_LAPICS);
	assert_int_equal(e->dst_pin, idx);
	assert_int_equal(e->irq_type,
			 idx == 0 ? MP_INT_TYPE_EXTINT : MP_INT_TYPE_NMI);
}

/* Walk the base entries, checking each, and count them by type. */
static void walk(const uint8_t *p, const uint8_t *end, unsigned int n,
		 struct counts *c)
{
	memset(c, 0, sizeof(*c));
	while (p < end) {
		switch (*p) {
		case MP_ENTRY_PROCESSOR:
			check_cpu((const void *)p, c->cpu++);
			p += sizeof(struct mp_processor);
			break;
		case MP_ENTRY_BUS:
			assert_memory_equal(
				((const struct mp_bus *)p)->bus_type, "ISA   ",
				6);
			c->bus++;
			p += 8;
			break;
		case MP_ENTRY_IOAPIC: {
			const struct mp_ioapic *io = (const void *)p;

			assert_int_equal(io->id, n < 254 ? n + 1 : 254);
			assert_int_equal(io->gpa, 0xfec00000);
			assert_int_equal(io->version, 0x11);
			assert_int_equal(io->flags, MP_IOAPIC_ENABLED);
			c->ioapic++;
			p += 8;
			break;
		}
		case MP_ENTRY_IOINT:
			check_int((const void *)p, c->ioint++,
				  n < 254 ? n + 1 : 254);
			p += 8;
			break;
		case MP_ENTRY_LOCALINT:
			check_int((const void *)p, c->lint++, 0);
			p += 8;
			break;
		default:
			fail_msg("unknown MP entry type %u", *p);
		}
	}
	assert_ptr_equal(p, end);
}

static void check_table(unsigned int n)
{
	uint8_t *ram = calloc(1, RAM_SIZE);
	const struct mp_float *fp = (void *)(ram + X86_MPTABLE_GPA);
	const struct mp_config *cfg;
	struct counts c;
	struct gmem m;

	gmem_init(&m);
	assert_int_equal(gmem_add_region(&m, 0, RAM_SIZE, ram, 0), 0);
	assert_int_equal(arch_write_mptable(&m, n), 0);
	assert_memory_equal(fp->signature, "_MP_", 4);
	assert_int_equal(fp->length, 1);
	assert_int_equal(fp->spec_rev, 4);
	assert_int_equal(sum((const uint8_t *)fp, 16), 0);
	assert_int_equal(fp->config_gpa, X86_MPTABLE_GPA + 16);
	cfg = (void *)(ram + fp->config_gpa);
	assert_memory_equal(cfg->signature, "PCMP", 4);
	assert_int_equal(cfg->spec_rev, 4);
	assert_int_equal(cfg->lapic_gpa, 0xfee00000);
	assert_int_equal(cfg->length, 44 + 20 * n + 8 + 8 + 18 * 8);
	assert_int_equal(sum((const uint8_t *)cfg, cfg->length), 0);
	assert_int_equal(cfg->entry_count, n + 1 + 1 + 16 + 2);
	walk((const uint8_t *)(cfg + 1), (const uint8_t *)cfg + cfg->length, n,
	     &c);
	assert_int_equal(c.cpu, n);
	assert_int_equal(c.bus, 1);
	assert_int_equal(c.ioapic, 1);
	assert_int_equal(c.ioint, 16);
	assert_int_equal(c.lint, 2);
	gmem_fini(&m);
	free(ram);
}

static void test_counts(void **state)
{
	static const unsigned int n[] = { 1, 2, 4, 39, 40, 100, 253, 254 };

	(void)state;
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		check_table(n[i]);
}

static void test_bounds(void **state)
{
	uint8_t *ram = calloc(1, RAM_SIZE);
	struct gmem m;
	uint8_t buf[64];

	(void)state;
	gmem_init(&m);
	assert_int_equal(gmem_add_region(&m, 0, RAM_SIZE, ram, 0), 0);
	assert_int_equal(arch_write_mptable(&m, 0), -EINVAL);
	assert_int_equal(arch_write_mptable(&m, 255), -EINVAL);
	assert_int_equal(x86_mptable_build(buf, sizeof(buf), 0x9fc00, 1), 0);
	gmem_fini(&m);
	/* RAM that ends at the EBDA: nothing to write into. */
	gmem_init(&m);
	assert_int_equal(gmem_add_region(&m, 0, X86_MPTABLE_GPA, ram, 0), 0);
	assert_int_not_equal(arch_write_mptable(&m, 1), 0);
	gmem_fini(&m);
	free(ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
