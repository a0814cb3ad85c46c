// SPDX-License-Identifier: MIT
/* Unit tests for vmm/devices/rtc: CMOS memory bytes and the time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "vmm/bus/bus.h"
#include "vmm/devices/rtc.h"

static uint8_t cmos(struct bus *b, uint8_t idx)
{
	uint8_t v;

	assert_true(bus_write(b, 0x70, &idx, 1));
	assert_true(bus_read(b, 0x71, &v, 1));
	return v;
}

static void test_memory(void **state)
{
	struct bus b;
	struct rtc *r;

	(void)state;
	bus_init(&b, "pio");
	assert_int_equal(rtc_create(&b, 0x70, 0x80000000ull, 0x40000000ull, 4,
				    &r), 0);
	/* (2 GiB - 16 MiB) / 64 KiB = 0x7f00 */
	assert_int_equal(cmos(&b, 0x34) | cmos(&b, 0x35) << 8, 0x7f00);
	assert_int_equal(cmos(&b, 0x30) | cmos(&b, 0x31) << 8, 0xffff);
	assert_int_equal(cmos(&b, 0x5b), 0);
	assert_int_equal(cmos(&b, 0x5c), 0x40);	/* 1 GiB / 64 KiB = 0x4000 */
	assert_int_equal(cmos(&b, 0x5d), 0);
	assert_int_equal(cmos(&b, 0x5f), 3);
	assert_int_equal(cmos(&b, 0x8d), 0x80);	/* NMI bit masked off */
	rtc_destroy(r);
	bus_fini(&b);
}

static void test_time(void **state)
{
	struct bus b;
	struct rtc *r;
	time_t now = time(NULL);
	struct tm tm;
	uint8_t v, yr;

	(void)state;
	gmtime_r(&now, &tm);
	bus_init(&b, "pio");
	assert_int_equal(rtc_create(&b, 0x70, 1 << 20, 0, 1, &r), 0);
	yr = cmos(&b, 9);
	assert_int_equal(yr, ((tm.tm_year % 100) / 10) << 4 | (tm.tm_year % 10));
	v = 0x02 | 0x04;	/* binary mode */
	assert_true(bus_write(&b, 0x70, &(uint8_t){ 0x0b }, 1));
	assert_true(bus_write(&b, 0x71, &v, 1));
	assert_int_equal(cmos(&b, 9), tm.tm_year % 100);
	assert_int_equal(rtc_cmos(r, 0x0b), 0x06);
	rtc_destroy(r);
	bus_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
