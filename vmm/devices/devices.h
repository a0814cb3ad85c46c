/* SPDX-License-Identifier: MIT */
/*
 * Platform devices. Each create function takes the bus, base and IRQ line it
 * is wired to; none reads machine globals (STYLE.md section B).
 */
#ifndef SV_VMM_DEVICES_DEVICES_H
#define SV_VMM_DEVICES_DEVICES_H

#include <stdint.h>

#include "sv/compiler.h"

struct bus;
struct chardev;
struct irq_line;

/* 16550A UART; output to chr, input from chr raises irq. */
struct serial8250;
int serial8250_create(struct bus *pio, uint16_t base, struct irq_line *irq,
		      struct chardev *chr, struct serial8250 **out) SV_MUST_CHECK;
void serial8250_destroy(struct serial8250 *s);
/* Feed input bytes (used by the chardev callback and by tests). */
size_t serial8250_input(void *opaque, const uint8_t *buf, size_t len);

/* Called by devices that end the VM (reset line, poweroff, debug exit). */
enum vm_event {
	VM_EVENT_RESET = 1,	/* guest asked for a reset */
	VM_EVENT_POWEROFF,	/* guest asked for power off */
	VM_EVENT_DEBUG_EXIT,	/* isa-debug-exit: status given */
};
typedef void (*vm_event_fn)(void *opaque, enum vm_event ev, int status);

/* i8042 keyboard controller, just enough for its reset line (0xFE). */
struct i8042;
int i8042_create(struct bus *pio, vm_event_fn fn, void *opaque,
		 struct i8042 **out) SV_MUST_CHECK;
void i8042_destroy(struct i8042 *k);

/* QEMU's isa-debug-exit: a write of v ends the VM with status (v<<1)|1. */
struct debug_exit;
int debug_exit_create(struct bus *pio, uint16_t port, vm_event_fn fn,
		      void *opaque, struct debug_exit **out) SV_MUST_CHECK;
void debug_exit_destroy(struct debug_exit *d);

#endif /* SV_VMM_DEVICES_DEVICES_H */
