// SPDX-License-Identifier: MIT
/* Unit tests for vmm/devices/acpi_pm: S5, power button SCI, timer, 0xCF9. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "vmm/acpi/acpi.h"
#include "vmm/bus/bus.h"
#include "vmm/devices/acpi_pm.h"
#include "vmm/irq/irq.h"

static int last_ev;
static unsigned int nr_ev;
static bool sci_level;

static void ev(void *opaque, enum vm_event e, int status)
{
	(void)opaque;
	(void)status;
	last_ev = e;
	nr_ev++;
}

static int fake_set(struct irq_line *line, bool level)
{
	(void)line;
	sci_level = level;
	return 0;
}

static int fake_pulse(struct irq_line *line)
{
	(void)line;
	return 0;
}

static const struct irq_line_ops fake_ops = { fake_set, fake_pulse };

static void test_pm(void **state)
{
	struct bus b;
	struct irq_line sci = { .ops = &fake_ops, .fd = -1 };
	struct acpi_pm *p;
	uint16_t v;
	uint32_t t1, t2;

	(void)state;
	bus_init(&b, "pio");
	assert_int_equal(acpi_pm_create(&b, 0x600, &sci, ev, NULL, &p), 0);
	assert_true(bus_read(&b, 0x604, &v, 2));
	assert_int_equal(v & ACPI_PM1_CNT_SCI_EN, ACPI_PM1_CNT_SCI_EN);
	acpi_pm_power_button(p);
	assert_false(sci_level);	/* not enabled yet */
	v = ACPI_PM1_STS_PWRBTN;
	assert_true(bus_write(&b, 0x602, &v, 2));
	assert_true(sci_level);
	assert_true(bus_read(&b, 0x600, &v, 2));
	assert_int_equal(v, ACPI_PM1_STS_PWRBTN);
	assert_true(bus_write(&b, 0x600, &v, 2));	/* write-1-clear */
	assert_false(sci_level);
	assert_true(bus_read(&b, 0x608, &t1, 4));
	assert_true(bus_read(&b, 0x608, &t2, 4));
	assert_true(t1 <= 0xffffff);
	nr_ev = 0;
	v = (3 << 10) | ACPI_PM1_CNT_SLP_EN;	/* S3: ignored */
	assert_true(bus_write(&b, 0x604, &v, 2));
	assert_int_equal(nr_ev, 0);
	v = (ACPI_S5_SLP_TYP << 10) | ACPI_PM1_CNT_SLP_EN;
	assert_true(bus_write(&b, 0x604, &v, 2));
	assert_int_equal(nr_ev, 1);
	assert_int_equal(last_ev, VM_EVENT_POWEROFF);
	assert_true(bus_write(&b, 0xcf9, &(uint8_t){ 0x02 }, 1));
	assert_int_equal(nr_ev, 1);
	assert_true(bus_write(&b, 0xcf9, &(uint8_t){ 0x06 }, 1));
	assert_int_equal(last_ev, VM_EVENT_RESET);
	acpi_pm_destroy(p);
	bus_fini(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
