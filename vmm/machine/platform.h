/* SPDX-License-Identifier: MIT */
/*
 * Pieces both x86 machines build the same way: guest RAM around the 32-bit
 * hole (with its memslots), and COM1 on its -serial / -serial chardev:.
 */
#ifndef SV_VMM_MACHINE_PLATFORM_H
#define SV_VMM_MACHINE_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "vmm/arch/arch.h"
#include "vmm/irq/irq.h"

struct chardev;
struct machine;
struct serial8250;

/* RAM [0, min(size, below_4g_max)) and the rest from 4 GiB, as memslots. */
int machine_create_ram(struct machine *m, uint64_t below_4g_max,
		       struct arch_ram_layout *out) SV_MUST_CHECK;

struct machine_serial {
	struct chardev *chr;
	struct irq_line irq;
	bool irq_ready;
	struct serial8250 *dev;
};

/* The 8250 at port with an edge IRQ (irqfd); nothing with -serial none. */
int machine_create_serial(struct machine *m, uint16_t port, uint32_t irq,
			  struct machine_serial *s) SV_MUST_CHECK;
void machine_serial_destroy(struct machine *m, struct machine_serial *s);

#endif /* SV_VMM_MACHINE_PLATFORM_H */
