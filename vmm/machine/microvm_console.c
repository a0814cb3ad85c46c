// SPDX-License-Identifier: MIT
/*
 * microvm's virtio-serial-device: the console device of console_ports.c in
 * the first "other" virtio-mmio slot.
 */
#include <string.h>

#define LOG_MODULE "microvm"
#include "sv/log.h"
#include "vmm/config.h"
#include "vmm/machine/console_ports.h"
#include "vmm/machine/machine.h"
#include "vmm/machine/microvm_internal.h"

#define CONSOLE_SLOT MICROVM_VIRTIO_OTHER_SLOT0

bool microvm_is_console_driver(const char *driver)
{
	return !strcmp(driver, "virtio-serial-device") ||
	       machine_is_console_port(driver);
}

int microvm_create_console(struct machine *m, struct microvm *mv)
{
	int ret = machine_console_create(m, "virtio-serial-device",
					 &mv->console);

	mv->slots[CONSOLE_SLOT].dev = mv->console.dev;
	if (ret < 0 || !mv->console.dev)
		return ret;
	if (mv->console.cfg->id)
		mv->slots[CONSOLE_SLOT].dev_id = xstrdup(mv->console.cfg->id);
	return microvm_attach_virtio(m, mv, CONSOLE_SLOT);
}

void microvm_console_free(struct machine *m, struct microvm *mv)
{
	(void)m;
	machine_console_free(&mv->console);
}
