// SPDX-License-Identifier: MIT
/* Unit tests for vmm/bus: registration rules, lookup, dispatch, locking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/bus/bus.h"

struct dummy {
	unsigned int reads, writes;
	uint64_t last_off;
	unsigned int last_len;
	uint8_t last_data[8];
	uint8_t fill;
};

static void dummy_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct dummy *d = opaque;

	d->reads++;
	d->last_off = off;
	d->last_len = len;
	memset(data, d->fill, len);
}

static void dummy_write(void *opaque, uint64_t off, const void *data,
			unsigned int len)
{
	struct dummy *d = opaque;

	d->writes++;
	d->last_off = off;
	d->last_len = len;
	memcpy(d->last_data, data, len > 8 ? 8 : len);
}

static const struct bus_ops dummy_ops = {
	.read = dummy_read,
	.write = dummy_write,
};

static struct bus bus;

static int setup(void **state)
{
	(void)state;
	bus_init(&bus, "test");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bus_fini(&bus);
	return 0;
}

static void test_register_rules(void **state)
{
	struct dummy d = { 0 };

	(void)state;
	assert_int_equal(bus_register(&bus, 0x100, 0, &dummy_ops, &d, "z"),
			 -EINVAL);
	assert_int_equal(bus_register(&bus, UINT64_MAX, 2, &dummy_ops, &d, "w"),
			 -EINVAL);
	assert_int_equal(bus_register(&bus, 0x100, 0x10, &dummy_ops, &d, "a"),
			 0);
	assert_int_equal(bus_register(&bus, 0x100, 0x10, &dummy_ops, &d, "b"),
			 -EEXIST);
	assert_int_equal(bus_register(&bus, 0x108, 0x2, &dummy_ops, &d, "b"),
			 -EEXIST);
	assert_int_equal(bus_register(&bus, 0xf0, 0x11, &dummy_ops, &d, "b"),
			 -EEXIST);
	assert_int_equal(bus_register(&bus, 0x10f, 0x10, &dummy_ops, &d, "b"),
			 -EEXIST);
	assert_int_equal(bus_register(&bus, 0x0, 0x1000, &dummy_ops, &d, "b"),
			 -EEXIST);
	assert_int_equal(bus_register(&bus, 0xf0, 0x10, &dummy_ops, &d, "c"),
			 0);
	assert_int_equal(bus_register(&bus, 0x110, 0x10, &dummy_ops, &d, "d"),
			 0);
	/* The very top of the address space is a valid region. */
	assert_int_equal(bus_register(&bus, UINT64_MAX - 0xfff, 0x1000,
				      &dummy_ops, &d, "top"),
			 0);
	assert_int_equal(bus.nr, 4);
	assert_int_equal(bus_unregister(&bus, 0x101), -ENOENT);
	assert_int_equal(bus_unregister(&bus, 0x100), 0);
	assert_int_equal(bus_unregister(&bus, 0x100), -ENOENT);
	assert_int_equal(bus.nr, 3);
}

static void test_dispatch_offsets(void **state)
{
	struct dummy a = { .fill = 0xaa }, b = { .fill = 0xbb };
	uint32_t v = 0x12345678, r = 0;

	(void)state;
	assert_int_equal(bus_register(&bus, 0x1000, 0x100, &dummy_ops, &a, "a"),
			 0);
	assert_int_equal(bus_register(&bus, 0x1100, 0x100, &dummy_ops, &b, "b"),
			 0);
	assert_true(bus_write(&bus, 0x1104, &v, 4));
	assert_int_equal(b.writes, 1);
	assert_int_equal(b.last_off, 4);
	assert_int_equal(b.last_len, 4);
	assert_memory_equal(b.last_data, &v, 4);
	assert_int_equal(a.writes, 0);
	assert_true(bus_read(&bus, 0x10fc, &r, 4));
	assert_int_equal(a.reads, 1);
	assert_int_equal(a.last_off, 0xfc);
	assert_int_equal(r, 0xaaaaaaaa);
}

static void test_unclaimed(void **state)
{
	struct dummy a = { .fill = 0x11 };
	uint8_t buf[8];

	(void)state;
	assert_int_equal(bus_register(&bus, 0x1000, 0x100, &dummy_ops, &a, "a"),
			 0);
	memset(buf, 0, sizeof(buf));
	assert_false(bus_read(&bus, 0x2000, buf, 8));
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0xff);
	/* Straddling the end of a region is unclaimed. */
	memset(buf, 0, sizeof(buf));
	assert_false(bus_read(&bus, 0x10fe, buf, 4));
	assert_int_equal(buf[0], 0xff);
	assert_false(bus_write(&bus, 0x10fe, buf, 4));
	assert_false(bus_write(&bus, 0xfff, buf, 1));
	assert_int_equal(a.reads + a.writes, 0);
	assert_true(bus_read(&bus, 0x10ff, buf, 1));
}

static void test_null_handlers(void **state)
{
	static const struct bus_ops ro_ops = { .read = dummy_read };
	struct dummy a = { .fill = 0x22 };
	uint32_t v = 1;

	(void)state;
	assert_int_equal(bus_register(&bus, 0x40, 4, &ro_ops, &a, "ro"), 0);
	assert_false(bus_write(&bus, 0x40, &v, 4));
	assert_true(bus_read(&bus, 0x40, &v, 4));
	assert_int_equal(v, 0x22222222);
}

/* Many regions in shuffled order: binary search finds each exactly. */
static void test_many_regions(void **state)
{
	static struct dummy d[200];
	struct bus_region r;
	unsigned int order[200];

	(void)state;
	for (unsigned int i = 0; i < 200; i++)
		order[i] = i;
	srand(42);
	for (unsigned int i = 199; i > 0; i--) {
		unsigned int j = (unsigned int)rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned int i = 0; i < 200; i++) {
		unsigned int k = order[i];

		d[k].fill = (uint8_t)k;
		assert_int_equal(bus_register(&bus, 0x1000 * k + 0x10, 0x20,
					      &dummy_ops, &d[k], "r"),
				 0);
	}
	for (unsigned int i = 1; i < bus.nr; i++)
		assert_true(bus.regions[i - 1].base < bus.regions[i].base);
	for (unsigned int k = 0; k < 200; k++) {
		uint8_t v = 0;

		assert_true(bus_read(&bus, 0x1000 * k + 0x2f, &v, 1));
		assert_int_equal(v, (uint8_t)k);
		assert_false(bus_read(&bus, 0x1000 * k + 0x30, &v, 1));
		assert_false(bus_read(&bus, 0x1000 * k + 0xf, &v, 1));
		assert_int_equal(bus_find(&bus, 0x1000 * k + 0x10, &r), 0);
		assert_ptr_equal(r.opaque, &d[k]);
		assert_int_equal(r.len, 0x20);
	}
	assert_int_equal(bus_find(&bus, 0x5, &r), -ENOENT);
	for (unsigned int k = 0; k < 200; k += 2)
		assert_int_equal(bus_unregister(&bus, 0x1000 * k + 0x10), 0);
	for (unsigned int k = 0; k < 200; k++) {
		uint8_t v;

		assert_int_equal(bus_read(&bus, 0x1000 * k + 0x10, &v, 1),
				 k % 2 == 1);
	}
}

static void test_full(void **state)
{
	struct dummy d = { 0 };

	(void)state;
	for (unsigned int i = 0; i < BUS_MAX_REGIONS; i++)
		assert_int_equal(bus_register(&bus, 0x10ull * i, 0x10,
					      &dummy_ops, &d, "r"),
				 0);
	assert_int_equal(bus_register(&bus, 0x10ull * BUS_MAX_REGIONS, 0x10,
				      &dummy_ops, &d, "r"),
			 -ENOSPC);
}

/* A reader thread hammers the bus while regions come and go. */
struct race {
	volatile int stop;
	unsigned long hits;
};

static void *reader(void *arg)
{
	struct race *r = arg;

	while (!r->stop) {
		uint32_t v;

		if (bus_read(&bus, 0x2004, &v, 4))
			r->hits++;
		if (bus_read(&bus, 0x1004, &v, 4) && v != 0x33333333)
			abort();
	}
	return NULL;
}

static void test_concurrent_unregister(void **state)
{
	struct dummy a = { .fill = 0x33 }, b = { .fill = 0x44 };
	struct race r = { 0 };
	pthread_t th;

	(void)state;
	assert_int_equal(bus_register(&bus, 0x1000, 0x10, &dummy_ops, &a, "a"),
			 0);
	assert_int_equal(pthread_create(&th, NULL, reader, &r), 0);
	for (unsigned int i = 0; i < 2000; i++) {
		assert_int_equal(
			bus_register(&bus, 0x2000, 0x10, &dummy_ops, &b, "b"),
			0);
		assert_int_equal(bus_unregister(&bus, 0x2000), 0);
	}
	r.stop = 1;
	pthread_join(th, NULL);
	assert_int_equal(bus.nr, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_rules, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_offsets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unclaimed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_null_handlers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_many_regions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_unregister,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
