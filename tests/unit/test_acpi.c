// SPDX-License-Identifier: MIT
/* Unit tests for vmm/acpi: tables parsed back, checksums, relocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/acpi/acpi.h"
#include "vmm/bus/bus.h"
#include "vmm/devices/fw_cfg.h"
#include "vmm/mem/mem.h"

static const struct acpi_cfg cfg = {
	.nr_cpus = 3, .lapic_gpa = 0xfee00000, .ioapic_gpa = 0xfec00000,
	.ecam_gpa = 0xb0000000, .bus_start = 0, .bus_end = 255,
	.mmio32_gpa = 0xc0000000, .mmio32_size = 0x30000000,
	.mmio64_gpa = 0x8000000000ull, .mmio64_size = 0x8000000000ull,
	.pm_base = 0x600, .sci_irq = 9, .com1 = true,
};

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static const uint8_t *tab(const struct acpi_tables *t, const char *sig)
{
	const struct acpi_table_ref *r = acpi_find(t, sig);

	assert_non_null(r);
	assert_int_equal(le(t->blob + r->off + 4, 4), r->len);
	return t->blob + r->off;
}

static void test_checksums(void **state)
{
	struct acpi_tables t;
	unsigned int i;

	(void)state;
	assert_int_equal(acpi_build(&cfg, &t), 0);
	assert_memory_equal(t.rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(t.rsdp, 20), 0);
	assert_int_equal(sum(t.rsdp, 36), 0);
	assert_int_equal(t.rsdp[15], 2);
	for (i = 0; i < t.nr_tables; i++)
		if (strcmp(t.tables[i].sig, "FACS"))
			assert_int_equal(sum(t.blob + t.tables[i].off,
					     t.tables[i].len), 0);
	assert_int_equal(t.nr_tables, 7);
	acpi_tables_free(&t);
}

static void test_contents(void **state)
{
	struct acpi_tables t;
	const uint8_t *fadt, *madt, *mcfg, *dsdt;
	size_t len;

	(void)state;
	assert_int_equal(acpi_build(&cfg, &t), 0);
	fadt = tab(&t, "FACP");
	assert_int_equal(le(fadt + 46, 2), 9);
	assert_int_equal(le(fadt + 56, 4), 0x600);
	assert_int_equal(le(fadt + 64, 4), 0x604);
	assert_int_equal(le(fadt + 76, 4), 0x608);
	assert_int_equal(le(fadt + 120, 8), 0xcf9);
	assert_int_equal(le(fadt + 112, 4) & (1u << 20), 0); /* not HW-reduced */
	assert_int_equal(le(fadt + 40, 4), acpi_find(&t, "DSDT")->off);
	madt = tab(&t, "APIC");
	assert_int_equal(le(madt + 36, 4), 0xfee00000);
	assert_int_equal(madt[44], 0);
	assert_int_equal(madt[44 + 16 + 3], 2);	/* third LAPIC id */
	assert_int_equal(madt[44 + 24], 1);	/* IOAPIC after 3 CPUs */
	mcfg = tab(&t, "MCFG");
	assert_int_equal(le(mcfg + 44, 8), 0xb0000000);
	assert_int_equal(mcfg[55], 255);
	dsdt = tab(&t, "DSDT");
	len = acpi_find(&t, "DSDT")->len;
	assert_non_null(memmem(dsdt, len, "_S5_", 4));
	assert_non_null(memmem(dsdt, len, "PCI0", 4));
	assert_non_null(memmem(dsdt, len, "COM1", 4));
	acpi_tables_free(&t);
}

static void test_relocate_install(void **state)
{
	struct gmem m;
	uint8_t *ram = calloc(1, 1 << 20);
	uint64_t xsdt;
	const uint8_t *x, *r;

	(void)state;
	gmem_init(&m);
	assert_int_equal(gmem_add_region(&m, 0, 1 << 20, ram, 0), 0);
	assert_int_equal(acpi_install(&cfg, &m, 0x80000, 0xe0000), 0);
	r = ram + 0xe0000;
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 36), 0);
	xsdt = le(r + 24, 8);
	assert_true(xsdt >= 0x80000 && xsdt < 0x90000);
	x = ram + xsdt;
	assert_memory_equal(x, "XSDT", 4);
	assert_int_equal(sum(x, le(x + 4, 4)), 0);
	assert_memory_equal(ram + le(x + 36, 8), "FACP", 4);
	assert_memory_equal(ram + le(ram + le(x + 36, 8) + 40, 4), "DSDT", 4);
	assert_int_equal(acpi_install(&cfg, &m, 0x200000, 0xe0000), -EFAULT);
	gmem_fini(&m);
	free(ram);
}

static void test_bad_cfg(void **state)
{
	struct acpi_cfg c = cfg;
	struct acpi_tables t;

	(void)state;
	c.nr_cpus = 0;
	assert_int_equal(acpi_build(&c, &t), -EINVAL);
}

static void test_loader(void **state)
{
	struct bus pio;
	struct gmem m;
	struct fw_cfg *f;
	uint8_t dir[4 + 64 * 64];
	unsigned int i, n, found = 0;

	(void)state;
	bus_init(&pio, "pio");
	gmem_init(&m);
	assert_int_equal(fw_cfg_create(&pio, 0x510, &m, &f), 0);
	assert_int_equal(acpi_add_fw_cfg(&cfg, f), 0);
	assert_true(bus_write(&pio, 0x510, &(uint16_t){ FW_CFG_FILE_DIR }, 2));
	for (i = 0; i < sizeof(dir); i++)
		bus_read(&pio, 0x511, &dir[i], 1);
	n = (unsigned int)((dir[0] << 24) | (dir[1] << 16) | (dir[2] << 8) |
			   dir[3]);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		const char *name = (const char *)dir + 4 + i * 64 + 8;

		found += !strcmp(name, "etc/acpi/tables") +
			 !strcmp(name, "etc/acpi/rsdp") +
			 !strcmp(name, "etc/table-loader");
	}
	assert_int_equal(found, 3);
	fw_cfg_destroy(f);
	bus_fini(&pio);
}

/* Write one table to dir/SIG.dat. */
static void dump_table(const struct acpi_tables *t, const char *dir,
		       const char *sig)
{
	const struct acpi_table_ref *r = acpi_find(t, sig);
	char path[256];
	FILE *f;

	assert_non_null(r);
	snprintf(path, sizeof(path), "%s/%s.dat", dir, sig);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(t->blob + r->off, 1, r->len, f), r->len);
	assert_int_equal(fclose(f), 0);
}

/*
 * ACPICA's disassembler as an independent reader: every table must
 * disassemble without errors, and the DSDT must hold what the OS needs.
 */
static void test_iasl(void **state)
{
	static const char *const sigs[] = { "FACP", "APIC", "MCFG", "DSDT" };
	char dir[] = "/tmp/sv-acpi.XXXXXX", cmd[512];
	struct acpi_tables t;

	(void)state;
	if (system("command -v iasl >/dev/null 2>&1") != 0)
		skip();	/* acpica-tools not installed */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(acpi_build(&cfg, &t), 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		dump_table(&t, dir, sigs[i]);
	acpi_tables_free(&t);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && for f in *.dat; do iasl -d $f >log 2>&1 || "
		 "{ cat log; exit 1; }; done && "
		 "grep -q 'Name (_PRT, Package (0x80)' DSDT.dsl && "
		 "grep -q 'PNP0A08' DSDT.dsl && grep -q '_S5_' DSDT.dsl && "
		 "grep -q 'Method (_OSC, 4' DSDT.dsl && "
		 "grep -q 'Return (Arg3)' DSDT.dsl && "
		 "grep -q 'Pm1aControlBlockAddress\\|PM1A Control Block Address' "
		 "FACP.dsl && grep -qi 'Base Address : 00000000B0000000' "
		 "MCFG.dsl", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_contents),
		cmocka_unit_test(test_relocate_install),
		cmocka_unit_test(test_bad_cfg),
		cmocka_unit_test(test_loader),
		cmocka_unit_test(test_iasl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
