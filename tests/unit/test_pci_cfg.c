// SPDX-License-Identifier: MIT
/* Unit tests for vmm/pci: config space, BAR sizing, CF8/CFC, ECAM, windows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "vmm/bus/bus.h"
#include "vmm/pci/pci.h"
#include "vmm/pci/root.h"

struct fixture {
	struct bus pio, mmio;
	struct pci_root root;
	struct pci_dev dev;
	unsigned int reads, writes;
	uint64_t last_off;
};

static void bar_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct fixture *f = opaque;

	f->reads++;
	f->last_off = off;
	memset(data, 0x5a, len);
}

static void bar_write(void *opaque, uint64_t off, const void *data,
		      unsigned int len)
{
	struct fixture *f = opaque;

	(void)data;
	(void)len;
	f->writes++;
	f->last_off = off;
}

static const struct bus_ops bar_ops = { bar_read, bar_write };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	bus_init(&f->pio, "pio");
	bus_init(&f->mmio, "mmio");
	assert_int_equal(pci_root_init(&f->root, 1ULL << 40), 0);
	assert_int_equal(pci_root_register(&f->root, &f->pio, &f->mmio), 0);
	pci_dev_init(&f->dev, 0x1af4, 0x1042, 0x010000, 0);
	f->dev.name = "test-dev";
	assert_int_equal(pci_bar_register(&f->dev, 0, 0x4000, 0, &bar_ops, f),
			 0);
	assert_int_equal(pci_bar_register(&f->dev, 2, 0x100000,
					  PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
					  &bar_ops, f), 0);
	assert_int_equal(pci_bar_register(&f->dev, 4, 0x40, PCI_BAR_IO,
					  &bar_ops, f), 0);
	assert_int_equal(pci_root_add(&f->root, &f->dev, PCI_DEVFN(2, 0)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pci_root_fini(&f->root);
	bus_fini(&f->pio);
	bus_fini(&f->mmio);
	free(f);
	return 0;
}

static uint32_t cf8_read(struct fixture *f, unsigned int devfn,
			 unsigned int reg, unsigned int len)
{
	uint32_t addr = 0x80000000u | devfn << 8 | (reg & 0xfc), val = 0;

	bus_write(&f->pio, 0xcf8, &addr, 4);
	bus_read(&f->pio, 0xcfc + (reg & 3), &val, len);
	return val;
}

static void cf8_write(struct fixture *f, unsigned int devfn, unsigned int reg,
		      uint32_t val, unsigned int len)
{
	uint32_t addr = 0x80000000u | devfn << 8 | (reg & 0xfc);

	bus_write(&f->pio, 0xcf8, &addr, 4);
	bus_write(&f->pio, 0xcfc + (reg & 3), &val, len);
}

static uint32_t ecam_read(struct fixture *f, unsigned int bus,
			  unsigned int devfn, unsigned int reg)
{
	uint32_t val = 0;

	bus_read(&f->mmio, PCI_ROOT_ECAM_BASE + (bus << 20 | devfn << 12 | reg),
		 &val, 4);
	return val;
}

static void ecam_write(struct fixture *f, unsigned int devfn,
		       unsigned int reg, uint32_t val)
{
	bus_write(&f->mmio, PCI_ROOT_ECAM_BASE + (devfn << 12 | reg), &val, 4);
}

static void test_topology(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(cf8_read(f, 0, 0, 4), 0x29c08086);
	assert_int_equal(cf8_read(f, PCI_DEVFN(0x1f, 0), 0, 4), 0x29188086);
	assert_int_equal(cf8_read(f, PCI_DEVFN(0x1f, 0), 0x0a, 2), 0x0601);
	assert_int_equal(cf8_read(f, PCI_DEVFN(0, 0), 0x0a, 2), 0x0600);
	assert_int_equal(ecam_read(f, 0, PCI_DEVFN(2, 0), 0), 0x10421af4);
	/* Empty slot, function 1 of a single-function device, other bus. */
	assert_int_equal(cf8_read(f, PCI_DEVFN(3, 0), 0, 4), 0xffffffff);
	assert_int_equal(cf8_read(f, PCI_DEVFN(2, 1), 0, 4), 0xffffffff);
	assert_int_equal(ecam_read(f, 1, 0, 0), 0xffffffff);
	assert_int_equal(cf8_read(f, 0, 2, 2), 0x29c0);
}

static void test_cf8_disabled(void **state)
{
	struct fixture *f = *state;
	uint32_t addr = PCI_DEVFN(0, 0) << 8, val = 0;

	bus_write(&f->pio, 0xcf8, &addr, 4);
	bus_read(&f->pio, 0xcfc, &val, 4);
	assert_int_equal(val, 0xffffffff);
	bus_read(&f->pio, 0xcf8, &val, 4);
	assert_int_equal(val, 0);
}

static void test_readonly(void **state)
{
	struct fixture *f = *state;

	ecam_write(f, PCI_DEVFN(2, 0), 0, 0x12345678);
	assert_int_equal(ecam_read(f, 0, PCI_DEVFN(2, 0), 0), 0x10421af4);
	ecam_write(f, PCI_DEVFN(2, 0), 0x3c, 0xffffffff);
	assert_int_equal(ecam_read(f, 0, PCI_DEVFN(2, 0), 0x3c) & 0xffff,
			 0x00ff);
}

static void test_bar_sizing(void **state)
{
	struct fixture *f = *state;
	unsigned int d = PCI_DEVFN(2, 0);

	cf8_write(f, d, 0x10, 0xffffffff, 4);
	assert_int_equal(cf8_read(f, d, 0x10, 4), 0xffffc000);
	cf8_write(f, d, 0x18, 0xffffffff, 4);
	cf8_write(f, d, 0x1c, 0xffffffff, 4);
	assert_int_equal(cf8_read(f, d, 0x18, 4), 0xfff0000c);
	assert_int_equal(cf8_read(f, d, 0x1c, 4), 0xffffffff);
	cf8_write(f, d, 0x20, 0xffffffff, 4);
	assert_int_equal(cf8_read(f, d, 0x20, 4), 0xffffffc1);
	/* Unused BARs read 0 and stay 0. */
	cf8_write(f, d, 0x14, 0xffffffff, 4);
	assert_int_equal(cf8_read(f, d, 0x14, 4), 0);
}

static void test_bar_decode(void **state)
{
	struct fixture *f = *state;
	unsigned int d = PCI_DEVFN(2, 0);
	uint32_t val = 0;

	ecam_write(f, d, 0x10, 0xc0004000);
	ecam_write(f, d, 0x20, 0xc040);
	/* Decode off: nothing claims the BAR. */
	bus_read(&f->mmio, 0xc0004010, &val, 4);
	assert_int_equal(val, 0xffffffff);
	assert_int_equal(f->reads, 0);
	ecam_write(f, d, 0x04, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	bus_read(&f->mmio, 0xc0004010, &val, 4);
	assert_int_equal(val, 0x5a5a5a5a);
	assert_int_equal(f->last_off, 0x10);
	bus_write(&f->pio, 0xc044, &val, 2);
	assert_int_equal(f->writes, 1);
	assert_int_equal(f->last_off, 4);
	assert_int_equal(pci_bar_addr(&f->dev, 4), 0xc040);
	/* Moving the BAR: old address unclaimed, new one claimed. */
	ecam_write(f, d, 0x10, 0xc0010000);
	f->reads = 0;
	bus_read(&f->mmio, 0xc0004010, &val, 4);
	assert_int_equal(f->reads, 0);
	bus_read(&f->mmio, 0xc0010000, &val, 4);
	assert_int_equal(f->reads, 1);
	/* 64-bit BAR in the 64-bit window. */
	ecam_write(f, d, 0x18, 0x00100000);
	ecam_write(f, d, 0x1c, 0x100);
	assert_int_equal(pci_bar_addr(&f->dev, 2), 0x10000100000ULL);
	bus_read(&f->mmio, 0x10000100008ULL, &val, 4);
	assert_int_equal(f->last_off, 8);
	/* Decode disabled again. */
	ecam_write(f, d, 0x04, 0);
	assert_int_equal(pci_bar_addr(&f->dev, 0), 0);
}

static void test_bar_outside_window(void **state)
{
	struct fixture *f = *state;
	unsigned int d = PCI_DEVFN(2, 0);
	uint32_t val = 0;

	/* A BAR over RAM decodes in the model but no window reaches it. */
	ecam_write(f, d, 0x10, 0x00100000);
	ecam_write(f, d, 0x04, PCI_COMMAND_MEMORY);
	assert_false(bus_read(&f->mmio, 0x00100000, &val, 4));
	assert_int_equal(f->reads, 0);
}

static void test_slot_conflict(void **state)
{
	struct fixture *f = *state;
	struct pci_dev other;

	pci_dev_init(&other, 0x1af4, 0x1041, 0x020000, 0);
	other.name = "other";
	assert_int_equal(pci_root_add(&f->root, &other, PCI_DEVFN(2, 0)),
			 -EEXIST);
	assert_int_equal(pci_root_add(&f->root, &other, PCI_DEVFN(0, 0)),
			 -EEXIST);
	assert_int_equal(pci_root_add(&f->root, &other, PCI_DEVFN(3, 0)), 0);
	pci_root_remove(&f->root, PCI_DEVFN(3, 0));
	assert_int_equal(cf8_read(f, PCI_DEVFN(3, 0), 0, 4), 0xffffffff);
}

static void test_bad_accesses(void **state)
{
	struct fixture *f = *state;
	uint32_t val = 0;
	uint64_t v64 = 0;

	/* Misaligned ECAM, 8-byte ECAM, straddling CFC. */
	bus_read(&f->mmio, PCI_ROOT_ECAM_BASE + 1, &val, 2);
	assert_int_equal(val & 0xffff, 0xffff);
	bus_read(&f->mmio, PCI_ROOT_ECAM_BASE, &v64, 8);
	assert_true(v64 == ~0ULL);
	bus_write(&f->mmio, PCI_ROOT_ECAM_BASE + (PCI_DEVFN(2, 0) << 12) + 3,
		  &val, 2);
	val = 0;
	assert_int_equal(cf8_read(f, PCI_DEVFN(2, 0), 0, 4), 0x10421af4);
	assert_int_equal(pci_cfg_read(&f->dev, 4095, 2), 0xffffffff);
	assert_int_equal(pci_cfg_read(&f->dev, 4096, 1), 0xffffffff);
	pci_cfg_write(&f->dev, 4094, 0xffff, 4);
}

static void test_bad_bar_register(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pci_bar_register(&f->dev, 0, 0x1000, 0, NULL, NULL),
			 -EINVAL);	/* in use */
	assert_int_equal(pci_bar_register(&f->dev, 1, 0x1800, 0, NULL, NULL),
			 -EINVAL);	/* not a power of two */
	assert_int_equal(pci_bar_register(&f->dev, 5, 0x1000, PCI_BAR_MEM64,
					  NULL, NULL), -EINVAL);
	assert_int_equal(pci_bar_register(&f->dev, 6, 0x1000, 0, NULL, NULL),
			 -EINVAL);
}

static void test_caps_and_reset(void **state)
{
	struct fixture *f = *state;
	int a = pci_cap_add(&f->dev, PCI_CAP_ID_VNDR, 16);
	int b = pci_cap_add(&f->dev, PCI_CAP_ID_MSIX, 12);

	assert_int_equal(a, 0x40);
	assert_int_equal(b, 0x50);
	assert_true(pci_cfg_read(&f->dev, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_int_equal(pci_cfg_read(&f->dev, PCI_CAP_PTR, 1), 0x40);
	assert_int_equal(pci_cfg_read(&f->dev, 0x41, 1), 0x50);
	assert_int_equal(pci_cfg_read(&f->dev, 0x50, 1), PCI_CAP_ID_MSIX);
	assert_int_equal(pci_cfg_read(&f->dev, 0x51, 1), 0);
	ecam_write(f, PCI_DEVFN(2, 0), 0x10, 0xc0004000);
	ecam_write(f, PCI_DEVFN(2, 0), 0x04, 7);
	pci_root_reset(&f->root);
	assert_int_equal(pci_cfg_read(&f->dev, PCI_COMMAND, 2), 0);
	assert_int_equal(pci_cfg_read(&f->dev, 0x10, 4), 0);
	assert_int_equal(pci_cfg_read(&f->dev, 0x20, 4), PCI_BAR_IO);
}

static void test_bridge_header(void **state)
{
	struct pci_dev br;

	(void)state;
	pci_dev_init(&br, 0x1b36, 0x000c, 0x060400,
		     PCI_HEADER_TYPE_BRIDGE);
	pci_cfg_write(&br, PCI_PRIMARY_BUS, 0x00050100, 4);
	assert_int_equal(pci_cfg_read(&br, PCI_SECONDARY_BUS, 1), 1);
	assert_int_equal(pci_cfg_read(&br, PCI_SUBORDINATE_BUS, 1), 5);
	assert_int_equal(pci_bar_register(&br, 2, 0x1000, 0, NULL, NULL),
			 -EINVAL);
	pci_dev_reset(&br);
	assert_int_equal(pci_cfg_read(&br, PCI_SECONDARY_BUS, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_topology, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cf8_disabled, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_sizing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bar_decode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bar_outside_window, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_slot_conflict, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_accesses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_bar_register, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_caps_and_reset, setup,
						teardown),
		cmocka_unit_test(test_bridge_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
