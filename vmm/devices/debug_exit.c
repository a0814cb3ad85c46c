// SPDX-License-Identifier: MIT
/*
 * QEMU's isa-debug-exit, for test guests that want to end the VM with a
 * status: a write of v to the port ends the VMM with exit status (v<<1)|1,
 * as QEMU does, so the same guest can be run under both.
 */
#include <string.h>

#define LOG_MODULE "debug-exit"
#include "sv/log.h"
#include "vmm/bus/bus.h"
#include "vmm/devices/devices.h"

struct debug_exit {
	struct bus *pio;
	uint16_t port;
	vm_event_fn fn;
	void *opaque;
};

static void de_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	(void)opaque;
	(void)off;
	memset(data, 0xff, len);
}

static void de_write(void *opaque, uint64_t off, const void *data,
		     unsigned int len)
{
	struct debug_exit *d = opaque;
	uint32_t v = 0;

	(void)off;
	memcpy(&v, data, SV_MIN(len, sizeof(v)));
	d->fn(d->opaque, VM_EVENT_DEBUG_EXIT, (int)(((v << 1) | 1) & 0xff));
}

static const struct bus_ops de_ops = { .read = de_read, .write = de_write };

int debug_exit_create(struct bus *pio, uint16_t port, vm_event_fn fn,
		      void *opaque, struct debug_exit **out)
{
	struct debug_exit *d = xcalloc(1, sizeof(*d));
	int ret;

	d->pio = pio;
	d->port = port;
	d->fn = fn;
	d->opaque = opaque;
	ret = bus_register(pio, port, 4, &de_ops, d, "isa-debug-exit");
	if (ret < 0) {
		log_err("isa-debug-exit at 0x%x: %s", port, strerror(-ret));
		free(d);
		return ret;
	}
	*out = d;
	return 0;
}

void debug_exit_destroy(struct debug_exit *d)
{
	if (!d)
		return;
	bus_unregister(d->pio, d->port);
	free(d);
}
