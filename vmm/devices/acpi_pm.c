// SPDX-License-Identifier: MIT
/*
 * ACPI PM1a event/control block, PM timer and the 0xCF9 reset register.
 * The hardware is always in ACPI mode (FADT SMI_CMD = 0), so SCI_EN reads
 * as set from the start.
 */
#include "vmm/devices/acpi_pm.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_MODULE "acpi-pm"
#include "sv/log.h"
#include "vmm/acpi/acpi.h"
#include "vmm/bus/bus.h"
#include "vmm/irq/irq.h"

#define PM_TIMER_HZ 3579545ull
#define SLP_TYP_SHIFT 10
#define SLP_TYP_MASK 0x7

struct acpi_pm {
	struct bus *pio;
	uint16_t base;
	struct irq_line *sci;
	vm_event_fn fn;
	void *opaque;
	pthread_mutex_t lock;	/* protects the registers */
	uint16_t sts, en, cnt;
	bool sci_level;
};

static uint32_t timer(void)
{
	struct timespec ts;
	uint64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return (uint32_t)((ns / 1000 * PM_TIMER_HZ / 1000000) & 0xffffff);
}

static void update_sci(struct acpi_pm *p)
{
	bool level = (p->sts & p->en & (ACPI_PM1_STS_PWRBTN | ACPI_PM1_STS_TMR))
		     && (p->cnt & ACPI_PM1_CNT_SCI_EN);

	if (level == p->sci_level || !p->sci)
		return;
	p->sci_level = level;
	if (irq_line_set(p->sci, level))
		log_warn_ratelimited("SCI set %d failed", level);
}

static void pm_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct acpi_pm *p = opaque;
	uint8_t regs[ACPI_PM_LEN] = { 0 };
	uint32_t t = timer();
	unsigned int i;

	pthread_mutex_lock(&p->lock);
	memcpy(regs + ACPI_PM1_EVT_OFF, &p->sts, 2);
	memcpy(regs + ACPI_PM1_EVT_OFF + 2, &p->en, 2);
	memcpy(regs + ACPI_PM1_CNT_OFF, &p->cnt, 2);
	pthread_mutex_unlock(&p->lock);
	memcpy(regs + ACPI_PM_TMR_OFF, &t, 4);
	for (i = 0; i < len; i++)
		((uint8_t *)data)[i] = off + i < ACPI_PM_LEN ? regs[off + i] : 0;
}

static void cnt_write(struct acpi_pm *p, uint16_t v)
{
	unsigned int typ = (v >> SLP_TYP_SHIFT) & SLP_TYP_MASK;

	p->cnt = (uint16_t)((v & ~ACPI_PM1_CNT_SLP_EN) | ACPI_PM1_CNT_SCI_EN);
	if (!(v & ACPI_PM1_CNT_SLP_EN))
		return;
	if (typ == ACPI_S5_SLP_TYP) {
		log_info("guest entered S5: power off");
		p->fn(p->opaque, VM_EVENT_POWEROFF, 0);
	} else {
		log_warn_ratelimited("sleep type %u not supported", typ);
	}
}

/* Little-endian register update from a (possibly partial) access. */
static uint16_t merge(uint16_t old, uint64_t off, uint64_t reg,
		      const uint8_t *in, unsigned int len, uint16_t *mask)
{
	uint16_t v = old;
	unsigned int i;

	*mask = 0;
	for (i = 0; i < len; i++) {
		if (off + i < reg || off + i >= reg + 2)
			continue;
		v = (uint16_t)(v & ~(0xff << (8 * (off + i - reg))));
		v = (uint16_t)(v | in[i] << (8 * (off + i - reg)));
		*mask = (uint16_t)(*mask | 0xff << (8 * (off + i - reg)));
	}
	return v;
}

static void pm_write(void *opaque, uint64_t off, const void *data,
		     unsigned int len)
{
	struct acpi_pm *p = opaque;
	uint16_t m, v;

	pthread_mutex_lock(&p->lock);
	v = merge(0, off, ACPI_PM1_EVT_OFF, data, len, &m);
	p->sts = (uint16_t)(p->sts & ~(v & m));	/* write 1 to clear */
	v = merge(p->en, off, ACPI_PM1_EVT_OFF + 2, data, len, &m);
	if (m)
		p->en = v;
	v = merge(p->cnt, off, ACPI_PM1_CNT_OFF, data, len, &m);
	if (m)
		cnt_write(p, v);
	update_sci(p);
	pthread_mutex_unlock(&p->lock);
}

static const struct bus_ops pm_ops = {
	.read = pm_read,
	.write = pm_write,
};

static void rst_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	(void)opaque;
	(void)off;
	memset(data, 0, len);
}

static void rst_write(void *opaque, uint64_t off, const void *data,
		      unsigned int len)
{
	struct acpi_pm *p = opaque;

	(void)off;
	(void)len;
	if (*(const uint8_t *)data & 0x04) {
		log_info("guest reset through 0xcf9");
		p->fn(p->opaque, VM_EVENT_RESET, 0);
	}
}

const struct bus_ops acpi_pm_reset_ops = {
	.read = rst_read,
	.write = rst_write,
};

void acpi_pm_reset(struct acpi_pm *p)
{
	pthread_mutex_lock(&p->lock);
	p->sts = 0;
	p->en = 0;
	p->cnt = ACPI_PM1_CNT_SCI_EN;
	update_sci(p);
	pthread_mutex_unlock(&p->lock);
}

void acpi_pm_power_button(struct acpi_pm *p)
{
	pthread_mutex_lock(&p->lock);
	p->sts |= ACPI_PM1_STS_PWRBTN;
	update_sci(p);
	pthread_mutex_unlock(&p->lock);
}

int acpi_pm_create(struct bus *pio, uint16_t base, struct irq_line *sci,
		   vm_event_fn fn, void *opaque, struct acpi_pm **out)
{
	struct acpi_pm *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	*p = (struct acpi_pm){ .pio = pio, .base = base, .sci = sci,
			       .fn = fn, .opaque = opaque,
			       .cnt = ACPI_PM1_CNT_SCI_EN };
	pthread_mutex_init(&p->lock, NULL);
	ret = bus_register(pio, base, ACPI_PM_LEN, &pm_ops, p, "acpi-pm");
	if (ret)
		goto err_free;
	ret = bus_register(pio, ACPI_RESET_PORT, 1, &acpi_pm_reset_ops, p, "reset-cf9");
	if (ret)
		goto err_unregister;
	*out = p;
	return 0;
err_unregister:
	bus_unregister(pio, base);
err_free:
	log_err("register ACPI PM at 0x%x: %s", base, strerror(-ret));
	pthread_mutex_destroy(&p->lock);
	free(p);
	return ret;
}

void acpi_pm_destroy(struct acpi_pm *p)
{
	if (!p)
		return;
	bus_unregister(p->pio, ACPI_RESET_PORT);
	bus_unregister(p->pio, p->base);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
