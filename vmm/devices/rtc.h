/* SPDX-License-Identifier: MIT */
/*
 * MC146818 CMOS RTC at 0x70 (index, bit 7 = NMI mask) / 0x71 (data): time
 * from the host clock in BCD, 24h, plus the memory-size bytes that
 * SeaBIOS/OVMF read (0x15-0x18, 0x30/0x31, 0x34/0x35, 0x5b-0x5d).
 */
#ifndef SV_VMM_DEVICES_RTC_H
#define SV_VMM_DEVICES_RTC_H

#include <stdint.h>

#include "sv/compiler.h"

struct bus;

#define RTC_IO_BASE 0x70

struct rtc;
/* below_4g: RAM bytes below 4 GiB; above_4g: RAM bytes from 4 GiB. */
int rtc_create(struct bus *pio, uint16_t base, uint64_t below_4g,
	       uint64_t above_4g, unsigned int nr_cpus,
	       struct rtc **out) SV_MUST_CHECK;
void rtc_destroy(struct rtc *r);
/* For tests: raw CMOS byte. */
uint8_t rtc_cmos(struct rtc *r, uint8_t idx);

#endif /* SV_VMM_DEVICES_RTC_H */
