// SPDX-License-Identifier: MIT
/*
 * MC146818 CMOS RTC: the time comes from the host clock on every read (no
 * update cycle, no alarm or periodic interrupt), and the CMOS RAM carries
 * the memory-size bytes firmware reads to size RAM.
 */
#include "vmm/devices/rtc.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_MODULE "rtc"
#include "sv/log.h"
#include "vmm/bus/bus.h"

#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_B_24H 0x02
#define REG_B_BIN 0x04
#define CMOS_LEN 128

struct rtc {
	struct bus *pio;
	uint16_t base;
	pthread_mutex_t lock;	/* protects idx and cmos */
	uint8_t idx;
	uint8_t cmos[CMOS_LEN];
};

static uint8_t to_bcd(const struct rtc *r, int v)
{
	if (r->cmos[REG_B] & REG_B_BIN)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t time_reg(const struct rtc *r, uint8_t idx)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (idx) {
	case 0x00: return to_bcd(r, tm.tm_sec);
	case 0x02: return to_bcd(r, tm.tm_min);
	case 0x04: return to_bcd(r, tm.tm_hour);
	case 0x06: return to_bcd(r, tm.tm_wday + 1);
	case 0x07: return to_bcd(r, tm.tm_mday);
	case 0x08: return to_bcd(r, tm.tm_mon + 1);
	case 0x09: return to_bcd(r, tm.tm_year % 100);
	case 0x32: return to_bcd(r, 19 + tm.tm_year / 100);
	default: return r->cmos[idx];
	}
}

static void rtc_read(void *opaque, uint64_t off, void *data,
		     unsigned int len)
{
	struct rtc *r = opaque;
	uint8_t *out = data;

	memset(out, 0xff, len);
	if (off != 1)
		return;
	pthread_mutex_lock(&r->lock);
	out[0] = time_reg(r, r->idx);
	pthread_mutex_unlock(&r->lock);
}

static void rtc_write(void *opaque, uint64_t off, const void *data,
		      unsigned int len)
{
	struct rtc *r = opaque;
	const uint8_t *in = data;

	(void)len;
	pthread_mutex_lock(&r->lock);
	if (off == 0) {
		r->idx = in[0] & 0x7f;	/* bit 7 is the NMI mask */
	} else if (off == 1) {
		if (r->idx == REG_A)
			r->cmos[REG_A] = in[0] & 0x7f;	/* UIP read-only */
		else if (r->idx == REG_B || r->idx > REG_D)
			r->cmos[r->idx] = in[0];
		/* time writes ignored: the clock is the host's */
	}
	pthread_mutex_unlock(&r->lock);
}

static const struct bus_ops rtc_ops = {
	.read = rtc_read,
	.write = rtc_write,
};

static void put16(uint8_t *p, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void set_memory(struct rtc *r, uint64_t below, uint64_t above,
		       unsigned int nr_cpus)
{
	uint64_t ext_kb = below > (1 << 20) ? (below - (1 << 20)) >> 10 : 0;
	uint64_t hi = below > (16 << 20) ? (below - (16 << 20)) >> 16 : 0;
	uint64_t above64k = above >> 16;

	put16(&r->cmos[0x15], 640);
	put16(&r->cmos[0x17], ext_kb);
	put16(&r->cmos[0x30], ext_kb);
	put16(&r->cmos[0x34], hi);
	r->cmos[0x5b] = (uint8_t)above64k;
	r->cmos[0x5c] = (uint8_t)(above64k >> 8);
	r->cmos[0x5d] = (uint8_t)(above64k >> 16);
	r->cmos[0x5f] = (uint8_t)(nr_cpus ? nr_cpus - 1 : 0);
}

int rtc_create(struct bus *pio, uint16_t base, uint64_t below_4g,
	       uint64_t above_4g, unsigned int nr_cpus, struct rtc **out)
{
	struct rtc *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->pio = pio;
	r->base = base;
	pthread_mutex_init(&r->lock, NULL);
	r->cmos[REG_A] = 0x26;
	r->cmos[REG_B] = REG_B_24H;
	r->cmos[REG_D] = 0x80;	/* RAM and time valid */
	set_memory(r, below_4g, above_4g, nr_cpus);
	ret = bus_register(pio, base, 2, &rtc_ops, r, "rtc");
	if (ret) {
		log_err("register rtc at 0x%x: %s", base, strerror(-ret));
		pthread_mutex_destroy(&r->lock);
		free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void rtc_destroy(struct rtc *r)
{
	if (!r)
		return;
	bus_unregister(r->pio, r->base);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

uint8_t rtc_cmos(struct rtc *r, uint8_t idx)
{
	uint8_t v;

	pthread_mutex_lock(&r->lock);
	v = time_reg(r, idx & 0x7f);
	pthread_mutex_unlock(&r->lock);
	return v;
}
