// SPDX-License-Identifier: MIT
/* Unit tests for vmm/devices/pflash: CFI command sequences, persistence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#include <cmocka.h>

#include "vmm/bus/bus.h"
#include "vmm/devices/pflash.h"

#define SZ (4 * PFLASH_SECTOR_SIZE)

static char path[64];
static unsigned int romd_calls;

static void make_file(size_t len, uint8_t fill)
{
	uint8_t *buf = malloc(len);
	FILE *f;
	int fd;

	strcpy(path, "/tmp/test_pflash.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	memset(buf, fill, len);
	f = fdopen(fd, "w");
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

static void romd(void *opaque, bool on)
{
	(void)opaque;
	(void)on;
	romd_calls++;
}

static struct pflash *mk(struct bus *b, bool ro)
{
	struct pflash_args a = { .mmio = b, .file = path, .readonly = ro,
				 .gpa = PFLASH_TOP_GPA - SZ, .romd_fn = romd };
	struct pflash *p = NULL;

	assert_int_equal(pflash_create(&a, &p), 0);
	return p;
}

static void w8(struct bus *b, uint64_t off, uint8_t v)
{
	assert_true(bus_write(b, PFLASH_TOP_GPA - SZ + off, &v, 1));
}

static uint8_t r8(struct bus *b, uint64_t off)
{
	uint8_t v;

	assert_true(bus_read(b, PFLASH_TOP_GPA - SZ + off, &v, 1));
	return v;
}

static void test_query_id(void **state)
{
	struct bus b;
	struct pflash *p;

	(void)state;
	make_file(SZ, 0x11);
	bus_init(&b, "mmio");
	p = mk(&b, true);
	assert_int_equal(r8(&b, 5), 0x11);
	romd_calls = 0;
	w8(&b, 0, 0x98);
	assert_false(pflash_romd(p));
	assert_int_equal(r8(&b, 0x10), 'Q');
	assert_int_equal(r8(&b, 0x11), 'R');
	assert_int_equal(r8(&b, 0x12), 'Y');
	assert_int_equal(r8(&b, 0x2d), 3);	/* 4 blocks */
	assert_int_equal(r8(&b, 0x2f), 0x10);	/* 4096 / 256 */
	assert_int_equal(r8(&b, 0x30), 0);
	/* the query answers in every block: low address bits only */
	assert_int_equal(r8(&b, 0x3010), 'Q');
	assert_int_equal(r8(&b, 0x1f12), 'Y');
	w8(&b, 0, 0x90);
	assert_int_equal(r8(&b, 0), 0x89);
	assert_int_equal(r8(&b, 0x2001), 0x18);
	w8(&b, 0, 0xff);
	assert_true(pflash_romd(p));
	assert_int_equal(romd_calls, 2);
	assert_int_equal(r8(&b, 0), 0x11);
	pflash_destroy(p);
	bus_fini(&b);
	unlink(path);
}

static void test_program_erase_persist(void **state)
{
	struct bus b;
	struct pflash *p;
	uint8_t buf[2];
	FILE *f;

	(void)state;
	make_file(SZ, 0xff);
	bus_init(&b, "mmio");
	p = mk(&b, false);
	w8(&b, 0x1234, 0x40);
	w8(&b, 0x1234, 0xa5);
	assert_int_equal(r8(&b, 0), 0x80);	/* status mode, ready */
	w8(&b, 0, 0xff);
	assert_int_equal(r8(&b, 0x1234), 0xa5);
	f = fopen(path, "r");
	fseek(f, 0x1234, SEEK_SET);
	assert_int_equal(fread(buf, 1, 1, f), 1);
	fclose(f);
	assert_int_equal(buf[0], 0xa5);
	w8(&b, 0x1000, 0x20);
	w8(&b, 0x1000, 0xd0);
	w8(&b, 0, 0x70);
	assert_int_equal(r8(&b, 0), 0x80);
	w8(&b, 0, 0xff);
	assert_int_equal(r8(&b, 0x1234), 0xff);
	f = fopen(path, "r");
	fseek(f, 0x1234, SEEK_SET);
	assert_int_equal(fread(buf, 1, 1, f), 1);
	fclose(f);
	assert_int_equal(buf[0], 0xff);
	/* erase without confirm: error bits */
	w8(&b, 0, 0x20);
	w8(&b, 0, 0x00);
	assert_int_equal(r8(&b, 0) & 0x30, 0x30);
	w8(&b, 0, 0x50);
	assert_int_equal(r8(&b, 0), 0xff);
	pflash_destroy(p);
	bus_fini(&b);
	unlink(path);
}

static void test_readonly_refuses(void **state)
{
	struct bus b;
	struct pflash *p;

	(void)state;
	make_file(SZ, 0xff);
	bus_init(&b, "mmio");
	p = mk(&b, true);
	w8(&b, 0x10, 0x40);
	w8(&b, 0x10, 0x00);
	assert_int_equal(r8(&b, 0) & 0x12, 0x12);
	w8(&b, 0, 0xff);
	assert_int_equal(r8(&b, 0x10), 0xff);
	w8(&b, 0, 0x20);
	w8(&b, 0, 0xd0);
	assert_int_equal(r8(&b, 0) & 0x22, 0x22);
	pflash_destroy(p);
	bus_fini(&b);
	unlink(path);
}

static void test_bad_sizes(void **state)
{
	uint64_t size, sizes[2] = { 8ull << 20, 9ull << 20 }, gpas[2];

	(void)state;
	make_file(PFLASH_SECTOR_SIZE + 1, 0);
	assert_int_equal(pflash_file_size(path, &size), -EINVAL);
	unlink(path);
	assert_int_equal(pflash_file_size("/nonexistent/x", &size), -ENOENT);
	assert_int_equal(pflash_layout(sizes, 2, gpas), -EINVAL);
	sizes[1] = 0x84000;
	assert_int_equal(pflash_layout(sizes, 2, gpas), 0);
	assert_int_equal(gpas[0], 0xff800000);
	assert_int_equal(gpas[1], 0xff800000 - 0x84000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_id),
		cmocka_unit_test(test_program_erase_persist),
		cmocka_unit_test(test_readonly_refuses),
		cmocka_unit_test(test_bad_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
