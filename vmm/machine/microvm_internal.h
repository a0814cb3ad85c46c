/* SPDX-License-Identifier: MIT */
/* State of the microvm machine, shared by microvm.c and microvm_hotplug.c. */
#ifndef SV_VMM_MACHINE_MICROVM_INTERNAL_H
#define SV_VMM_MACHINE_MICROVM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "sv/compiler.h"
#include "vmm/arch/arch.h"
#include "vmm/boot/boot.h"
#include "vmm/irq/irq.h"
#include "vmm/machine/console_ports.h"
#include "vmm/machine/hotplug_common.h"
#include "vmm/machine/microvm_memmap.h"
#include "vmm/machine/platform.h"

struct block_backend;
struct chardev;
struct debug_exit;
struct hotplug_blockdev;
struct hotplug_device;
struct i8042;
struct machine;
struct serial8250;
struct virtio_dev;
struct virtio_mmio;

#define MICROVM_CMDLINE_MAX 4096
#define MICROVM_MAX_BLOCKDEVS 16

struct microvm_slot {
	struct irq_line irq;
	bool irq_ready;
	struct virtio_dev *dev;		/* empty slot: device without backend */
	struct virtio_mmio *transport;
	char *dev_id;			/* NULL while the slot is empty */
};


struct microvm {
	struct arch_ram_layout ram;
	struct machine_serial serial;
	struct i8042 *i8042;
	struct debug_exit *debug_exit;
	struct microvm_slot slots[MICROVM_VIRTIO_SLOTS];
	struct machine_blockdev blockdevs[MICROVM_MAX_BLOCKDEVS];
	struct machine_console console;
	struct boot_info boot;
	char cmdline[MICROVM_CMDLINE_MAX];
};

int microvm_blockdev_add(struct machine *m, const struct hotplug_blockdev *b,
			 char *err, size_t errlen);
int microvm_blockdev_del(struct machine *m, const char *node_name, char *err,
			 size_t errlen);
int microvm_device_add(struct machine *m, const struct hotplug_device *d,
		       char *err, size_t errlen);
int microvm_device_del(struct machine *m, const char *id, char *err,
		       size_t errlen);
void microvm_blockdevs_free(struct microvm *mv);
int microvm_attach_virtio(struct machine *m, struct microvm *mv,
			  unsigned int slot) SV_MUST_CHECK;
/* virtio-serial-device with its virtconsole/virtserialport ports. */
bool microvm_is_console_driver(const char *driver);
int microvm_create_console(struct machine *m,
			   struct microvm *mv) SV_MUST_CHECK;
void microvm_console_free(struct machine *m, struct microvm *mv);

#endif /* SV_VMM_MACHINE_MICROVM_INTERNAL_H */
