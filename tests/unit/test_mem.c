// SPDX-License-Identifier: MIT
/* Unit tests for vmm/mem: region bookkeeping and the checked accessors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/mem/mem.h"

static uint8_t buf_a[0x2000];
static uint8_t buf_b[0x1000];

static void test_add_region_rules(void **state)
{
	struct gmem m;

	(void)state;
	gmem_init(&m);
	assert_int_equal(gmem_add_region(&m, 0x1000, 0, buf_a, 0), -EINVAL);
	assert_int_equal(
		gmem_add_region(&m, UINT64_MAX - 0xfff, 0x2000, buf_a, 0),
		-EINVAL);
	assert_int_equal(gmem_add_region(&m, 0x10000, 0x2000, buf_a, 0), 0);
	/* Same start, inside, spanning, overlapping either end. */
	assert_int_equal(gmem_add_region(&m, 0x10000, 0x1000, buf_b, 0),
			 -EEXIST);
	assert_int_equal(gmem_add_region(&m, 0x10800, 0x100, buf_b, 0),
			 -EEXIST);
	assert_int_equal(gmem_add_region(&m, 0xf000, 0x4000, buf_b, 0),
			 -EEXIST);
	assert_int_equal(gmem_add_region(&m, 0xf800, 0x1000, buf_b, 0),
			 -EEXIST);
	assert_int_equal(gmem_add_region(&m, 0x11fff, 0x1000, buf_b, 0),
			 -EEXIST);
	/* Adjacent on both sides is fine. */
	assert_int_equal(gmem_add_region(&m, 0x12000, 0x1000, buf_b, 0), 0);
	assert_int_equal(gmem_add_region(&m, 0xf000, 0x1000, buf_b, 0), 0);
	assert_int_equal(m.nr_regions, 3);
	assert_int_equal(gmem_total(&m), 0x4000);
	gmem_fini(&m);
	assert_int_equal(m.nr_regions, 0);
}

static void test_region_limit(void **state)
{
	struct gmem m;

	(void)state;
	gmem_init(&m);
	for (unsigned int i = 0; i < GMEM_MAX_REGIONS; i++)
		assert_int_equal(
			gmem_add_region(&m, 0x100000ull * i, 0x100, buf_b, 0),
			0);
	assert_int_equal(gmem_add_region(&m, 0x100000ull * GMEM_MAX_REGIONS,
					 0x100, buf_b, 0),
			 -ENOSPC);
	gmem_fini(&m);
}

static void test_ptr_bounds(void **state)
{
	struct gmem m;

	(void)state;
	gmem_init(&m);
	assert_int_equal(gmem_add_region(&m, 0x10000, 0x2000, buf_a, 0), 0);
	assert_int_equal(gmem_add_region(&m, 0x12000, 0x1000, buf_b, 0), 0);
	assert_ptr_equal(gmem_ptr(&m, 0x10000, 0x2000), buf_a);
	assert_ptr_equal(gmem_ptr(&m, 0x10010, 0x10), buf_a + 0x10);
	assert_ptr_equal(gmem_ptr(&m, 0x12fff, 1), buf_b + 0xfff);
	assert_ptr_equal(gmem_ptr(&m, 0x12001, 0), buf_b + 1);
	/* One byte past the end, below the start, a hole. */
	assert_null(gmem_ptr(&m, 0x12fff, 2));
	assert_null(gmem_ptr(&m, 0xffff, 2));
	assert_null(gmem_ptr(&m, 0x13000, 1));
	assert_null(gmem_ptr(&m, 0, 1));
	/* Adjacent regions are not one range. */
	assert_null(gmem_ptr(&m, 0x11fff, 2));
	/* Wrap-around of gpa + len. */
	assert_null(gmem_ptr(&m, 0x10000, UINT64_MAX));
	assert_null(gmem_ptr(&m, UINT64_MAX, 2));
	assert_null(gmem_ptr(&m, 0x10001, UINT64_MAX - 0x10000));
	gmem_fini(&m);
}

static void test_readonly(void **state)
{
	struct gmem m;
	uint8_t v = 0x5a;

	(void)state;
	gmem_init(&m);
	assert_int_equal(gmem_add_region(&m, 0x10000, 0x1000, buf_b,
					 GMEM_REGION_READONLY),
			 0);
	assert_non_null(gmem_ptr(&m, 0x10000, 16));
	assert_null(gmem_ptr_rw(&m, 0x10000, 16));
	assert_int_equal(gmem_write(&m, 0x10000, &v, 1), -EFAULT);
	assert_int_equal(gmem_read(&m, 0x10000, &v, 1), 0);
	gmem_fini(&m);
}

static void test_copy_helpers(void **state)
{
	struct gmem m;
	uint8_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8] = { 0 };

	(void)state;
	gmem_init(&m);
	assert_int_equal(gmem_add_region(&m, 0x10000, 0x2000, buf_a, 0), 0);
	assert_int_equal(gmem_write(&m, 0x11ff8, in, 8), 0);
	assert_memory_equal(buf_a + 0x1ff8, in, 8);
	assert_int_equal(gmem_read(&m, 0x11ff8, out, 8), 0);
	assert_memory_equal(out, in, 8);
	assert_int_equal(gmem_write(&m, 0x11ffc, in, 8), -EFAULT);
	assert_int_equal(gmem_read(&m, 0x11ffc, out, 8), -EFAULT);
	gmem_fini(&m);
}

static void test_add_ram(void **state)
{
	struct gmem m;
	uint8_t *p;

	(void)state;
	gmem_init(&m);
	assert_int_equal(gmem_add_ram(&m, 0, 1 << 20), 0);
	assert_int_equal(gmem_add_ram(&m, 1ull << 32, 1ull << 30), 0);
	assert_int_equal(gmem_add_ram(&m, 0x80000, 0x1000), -EEXIST);
	assert_int_equal(gmem_add_ram(&m, 0, 0), -EINVAL);
	p = gmem_ptr_rw(&m, (1ull << 32) + (1ull << 30) - 1, 1);
	assert_non_null(p);
	*p = 7; /* MAP_NORESERVE memory is usable */
	assert_int_equal(
		*(uint8_t *)gmem_ptr(&m, (1ull << 32) + (1ull << 30) - 1, 1),
		7);
	assert_int_equal(gmem_total(&m), (1ull << 20) + (1ull << 30));
	assert_true(m.regions[0].flags & GMEM_REGION_OWNED);
	gmem_fini(&m);
	assert_int_equal(gmem_total(&m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_region_rules),
		cmocka_unit_test(test_region_limit),
		cmocka_unit_test(test_ptr_bounds),
		cmocka_unit_test(test_readonly),
		cmocka_unit_test(test_copy_helpers),
		cmocka_unit_test(test_add_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
