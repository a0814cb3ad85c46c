// SPDX-License-Identifier: MIT
/* Unit tests for vmm/pci/msix: capability, table, PBA, masking, delivery. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "vmm/pci/msix.h"
#include "vmm/pci/pci.h"

struct fixture {
	struct pci_dev dev;
	struct pci_msix msix;
	unsigned int signals;
	uint64_t last_addr;
	uint32_t last_data;
};

static int record(void *opaque, uint64_t addr, uint32_t data)
{
	struct fixture *f = opaque;

	f->signals++;
	f->last_addr = addr;
	f->last_data = data;
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pci_msix_args args = {
		.nr_vectors = 4, .bar = 1, .table_off = 0x2000,
		.pba_off = 0x3000, .signal = record,
	};

	assert_non_null(f);
	args.signal_opaque = f;
	pci_dev_init(&f->dev, 0x1af4, 0x1042, 0x010000, 0);
	f->dev.name = "msix-dev";
	assert_int_equal(pci_msix_init(&f->msix, &f->dev, &args), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pci_msix_fini(&f->msix);
	free(f);
	return 0;
}

static void write_entry(struct fixture *f, unsigned int v, uint32_t addr,
			uint32_t data, uint32_t ctrl)
{
	uint32_t e[4] = { addr, 0, data, ctrl };
	unsigned int i;

	for (i = 0; i < 4; i++)
		pci_msix_table_write(&f->msix, v * 16 + i * 4, &e[i], 4);
}

static void set_ctrl(struct fixture *f, uint16_t bits)
{
	uint32_t off = (uint32_t)f->msix.cap + 2;

	pci_cfg_write(&f->dev, off, bits, 2);
	pci_msix_cfg_write(&f->msix, off, 2);
}

static void test_cap(void **state)
{
	struct fixture *f = *state;
	int cap = f->msix.cap;

	assert_int_equal(pci_cfg_read(&f->dev, PCI_CAP_PTR, 1), cap);
	assert_int_equal(pci_cfg_read(&f->dev, cap, 1), PCI_CAP_ID_MSIX);
	assert_int_equal(pci_cfg_read(&f->dev, cap + 2, 2), 3);
	assert_int_equal(pci_cfg_read(&f->dev, cap + 4, 4), 0x2001);
	assert_int_equal(pci_cfg_read(&f->dev, cap + 8, 4), 0x3001);
	/* Table size is read-only; enable and mask-all are writable. */
	pci_cfg_write(&f->dev, cap + 2, 0xffff, 2);
	assert_int_equal(pci_cfg_read(&f->dev, cap + 2, 2), 0xc003);
}

static void test_disabled_falls_back(void **state)
{
	struct fixture *f = *state;

	write_entry(f, 0, 0xfee00000, 0x41, 0);
	assert_int_equal(pci_msix_notify(&f->msix, 0), -ENOENT);
	assert_int_equal(pci_msix_notify(&f->msix, 4), -EINVAL);
	assert_int_equal(f->signals, 0);
}

static void test_deliver(void **state)
{
	struct fixture *f = *state;

	write_entry(f, 2, 0xfee01000, 0x4032, 0);
	set_ctrl(f, PCI_MSIX_CTRL_ENABLE);
	assert_int_equal(pci_msix_notify(&f->msix, 2), 0);
	assert_int_equal(f->signals, 1);
	assert_int_equal(f->last_addr, 0xfee01000);
	assert_int_equal(f->last_data, 0x4032);
}

static void test_mask_pending(void **state)
{
	struct fixture *f = *state;
	uint64_t pba = 0;
	uint32_t ctrl = 0;

	write_entry(f, 1, 0xfee00000, 0x51, PCI_MSIX_VEC_MASKED);
	set_ctrl(f, PCI_MSIX_CTRL_ENABLE);
	assert_int_equal(pci_msix_notify(&f->msix, 1), 0);
	assert_int_equal(f->signals, 0);
	pci_msix_pba_read(&f->msix, 0, &pba, 8);
	assert_int_equal(pba, 2);
	/* Unmasking the vector delivers the pending message. */
	pci_msix_table_write(&f->msix, 16 + 12, &ctrl, 4);
	assert_int_equal(f->signals, 1);
	pci_msix_pba_read(&f->msix, 0, &pba, 8);
	assert_int_equal(pba, 0);
	/* Function mask, then unmask through config space. */
	set_ctrl(f, PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL);
	assert_int_equal(pci_msix_notify(&f->msix, 1), 0);
	assert_int_equal(f->signals, 1);
	set_ctrl(f, PCI_MSIX_CTRL_ENABLE);
	assert_int_equal(f->signals, 2);
}

static void test_bad_entries(void **state)
{
	struct fixture *f = *state;
	uint32_t val = 0x12345678;
	uint64_t v64 = 0;

	/* Garbage address: dropped, no signal. */
	write_entry(f, 0, 0x00001000, 1, 0);
	set_ctrl(f, PCI_MSIX_CTRL_ENABLE);
	assert_int_equal(pci_msix_notify(&f->msix, 0), 0);
	assert_int_equal(f->signals, 0);
	/* Out-of-range and misaligned table accesses are ignored. */
	pci_msix_table_write(&f->msix, 4 * 16, &val, 4);
	pci_msix_table_write(&f->msix, 2, &val, 4);
	pci_msix_table_read(&f->msix, 4 * 16, &val, 4);
	assert_int_equal(val, 0xffffffff);
	pci_msix_pba_read(&f->msix, 8, &v64, 8);
	assert_true(v64 == ~0ULL);
	/* Reserved vector-control bits do not stick. */
	val = 0xfffffffe;
	pci_msix_table_write(&f->msix, 12, &val, 4);
	pci_msix_table_read(&f->msix, 12, &val, 4);
	assert_int_equal(val, 0);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;
	uint32_t val = 0;

	write_entry(f, 3, 0xfee00000, 7, 0);
	set_ctrl(f, PCI_MSIX_CTRL_ENABLE);
	pci_msix_reset(&f->msix);
	assert_false(pci_msix_enabled(&f->msix));
	pci_msix_table_read(&f->msix, 3 * 16 + 12, &val, 4);
	assert_int_equal(val, PCI_MSIX_VEC_MASKED);
}

static void test_bad_init(void **state)
{
	struct pci_dev dev;
	struct pci_msix m;
	struct pci_msix_args a = { .nr_vectors = 0, .bar = 0 };

	(void)state;
	pci_dev_init(&dev, 1, 2, 0, 0);
	assert_int_equal(pci_msix_init(&m, &dev, &a), -EINVAL);
	a.nr_vectors = PCI_MSIX_MAX_VECTORS + 1;
	assert_int_equal(pci_msix_init(&m, &dev, &a), -EINVAL);
	a.nr_vectors = 2;
	a.table_off = 4;
	assert_int_equal(pci_msix_init(&m, &dev, &a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_falls_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deliver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mask_pending, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_entries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test(test_bad_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
