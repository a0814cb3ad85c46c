/* SPDX-License-Identifier: MIT */
/* virtio-serial and its ports, built from the -device list (any machine). */
#ifndef SV_VMM_MACHINE_CONSOLE_PORTS_H
#define SV_VMM_MACHINE_CONSOLE_PORTS_H

#include <stdbool.h>

#include "sv/compiler.h"
#include "vmm/virtio/console.h"

struct chardev;
struct device_cfg;
struct machine;
struct virtio_dev;

struct machine_console {
	struct virtio_dev *dev;		/* NULL: no virtio-serial device */
	const struct device_cfg *cfg;	/* the virtio-serial -device */
	struct chardev *chr[VCON_MAX_PORTS];
	unsigned int nr_chr;
};

bool machine_is_console_port(const char *driver);
/*
 * Build the device named driver ("virtio-serial-device" or
 * "virtio-serial-pci") with its ports. On error the caller still frees
 * mc->dev (if set) and calls machine_console_free().
 */
int machine_console_create(struct machine *m, const char *driver,
			   struct machine_console *mc) SV_MUST_CHECK;
void machine_console_free(struct machine_console *mc);

#endif /* SV_VMM_MACHINE_CONSOLE_PORTS_H */
