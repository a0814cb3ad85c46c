// SPDX-License-Identifier: MIT
/*
 * The x86 microvm machine, wired explicitly and in order (QEMU microvm,
 * StratoVirt micro.rs): RAM, legacy devices, virtio-mmio devices in their
 * slots, then the kernel with the virtio_mmio.device= entries appended.
 * Every address and IRQ comes from microvm_memmap.h.
 */
#include <stdio.h>
#include <string.h>

#define LOG_MODULE "microvm"
#include "sv/log.h"
#include "vmm/arch/arch.h"
#include "vmm/backends/block.h"
#include "vmm/backends/chardev.h"
#include "vmm/boot/boot.h"
#include "vmm/config.h"
#include "vmm/devices/devices.h"
#include "vmm/irq/irq.h"
#include "vmm/kvm/kvm.h"
#include "vmm/machine/machine.h"
#include "vmm/machine/microvm_internal.h"
#include "vmm/machine/microvm_memmap.h"
#include "vmm/machine/platform.h"
#include "vmm/virtio/blk.h"
#include "vmm/virtio/mmio.h"
#include "vmm/virtio/virtio.h"

static void on_vm_event(void *opaque, enum vm_event ev, int status)
{
	struct machine *m = opaque;

	switch (ev) {
	case VM_EVENT_RESET:
		/* On microvm a reset ends the VM, as StratoVirt does. */
		machine_request_shutdown(m, SHUTDOWN_GUEST_RESET, 0);
		break;
	case VM_EVENT_POWEROFF:
		machine_request_shutdown(m, SHUTDOWN_GUEST_POWEROFF, 0);
		break;
	case VM_EVENT_DEBUG_EXIT:
		machine_request_shutdown(m, SHUTDOWN_DEBUG_EXIT, status);
		break;
	}
}

static int create_platform(struct machine *m, struct microvm *mv)
{
	int ret = machine_create_serial(m, MICROVM_SERIAL_PORT,
					MICROVM_SERIAL_IRQ, &mv->serial);

	if (ret < 0)
		return ret;
	ret = i8042_create(&m->pio, on_vm_event, m, &mv->i8042);
	if (ret < 0)
		return ret;
	if (m->cfg->debug_exit)
		ret = debug_exit_create(&m->pio, m->cfg->debug_exit_port,
					on_vm_event, m, &mv->debug_exit);
	return ret;
}

static int open_drive(struct machine *m, const struct device_cfg *d,
		      struct block_backend **be, bool *ro)
{
	struct drive_cfg *drv = vmm_config_drive(m->cfg, d->drive);

	if (!drv) {
		log_err("-device %s: drive '%s' not found", d->driver,
			d->drive ? d->drive : "");
		return -EINVAL;
	}
	*ro = drv->readonly;
	return block_open(drv->file, drv->readonly, drv->direct, be);
}

static int create_blk_slot(struct microvm_slot *s, unsigned int slot,
			   const struct device_cfg *d, struct block_backend *be,
			   bool ro)
{
	char name[32];
	struct virtio_blk_args a = { 0 };
	int ret;

	snprintf(name, sizeof(name), "blk-slot%u", slot);
	a.id = d && d->id ? d->id : name;
	a.backend = be;
	a.readonly = ro;
	a.serial = d ? d->serial : NULL;
	a.queue_size = d ? d->queue_size : 0;
	ret = virtio_blk_create(&a, &s->dev);
	if (ret < 0)
		return ret;
	s->dev_id = d && d->id ? xstrdup(d->id) : NULL;
	return 0;
}

int microvm_attach_virtio(struct machine *m, struct microvm *mv,
			  unsigned int slot)
{
	struct microvm_slot *s = &mv->slots[slot];
	struct virtio_dev *dev = s->dev;
	uint64_t base = MICROVM_VIRTIO_MMIO_BASE +
			slot * MICROVM_VIRTIO_MMIO_SIZE;
	unsigned int irq = MICROVM_VIRTIO_IRQ_BASE + slot;
	struct virtio_mmio_args a = { .bus = &m->mmio, .base = base,
				      .irq = &s->irq, .dev = dev,
				      .vm = m->vm, .loop = m->loop };
	size_t len = strlen(mv->cmdline);
	int ret;

	dev->mem = &m->mem;
	ret = irq_line_init_irqfd(&s->irq, m->vm, irq);
	if (ret < 0)
		return ret;
	s->irq_ready = true;
	ret = virtio_mmio_create(&a, &s->transport);
	if (ret < 0)
		return ret;
	/* Announce it as StratoVirt does: size in decimal, base in hex. */
	snprintf(mv->cmdline + len, sizeof(mv->cmdline) - len,
		 " virtio_mmio.device=%llu@0x%08llx:%u",
		 (unsigned long long)MICROVM_VIRTIO_MMIO_SIZE,
		 (unsigned long long)base, irq);
	return 0;
}

/*
 * The four virtio-blk slots always exist, as StratoVirt's do: -device
 * virtio-blk-device fills them in order, QMP device_add fills the rest.
 */
static int create_virtio(struct machine *m, struct microvm *mv)
{
	const struct device_cfg *assigned[MICROVM_VIRTIO_BLK_SLOTS] = { 0 };
	unsigned int nr_blk = 0;
	int ret;

	for (unsigned int i = 0; i < m->cfg->nr_devices; i++) {
		const struct device_cfg *d = &m->cfg->devices[i];

		if (strcmp(d->driver, "isa-debug-exit") == 0 ||
		    microvm_is_console_driver(d->driver))
			continue;
		if (strcmp(d->driver, "virtio-blk-device") != 0) {
			log_err("-device %s: not supported on microvm yet",
				d->driver);
			return -ENOTSUP;
		}
		if (nr_blk == MICROVM_VIRTIO_BLK_SLOTS) {
			log_err("-device %s: all %d virtio-blk slots are in use",
				d->driver, MICROVM_VIRTIO_BLK_SLOTS);
			return -ENOSPC;
		}
		assigned[nr_blk++] = d;
	}
	for (unsigned int i = 0; i < MICROVM_VIRTIO_BLK_SLOTS; i++) {
		unsigned int slot = MICROVM_VIRTIO_BLK_SLOT0 + i;
		struct block_backend *be = NULL;
		bool ro = false;

		if (assigned[i]) {
			ret = open_drive(m, assigned[i], &be, &ro);
			if (ret < 0)
				return ret;
		}
		ret = create_blk_slot(&mv->slots[slot], slot, assigned[i], be, ro);
		if (ret < 0) {
			block_close(be);
			return ret;
		}
		ret = microvm_attach_virtio(m, mv, slot);
		if (ret < 0)
			return ret;
	}
	return microvm_create_console(m, mv);
}

static int load_kernel(struct machine *m, struct microvm *mv)
{
	struct boot_args a = {
		.kernel = m->cfg->kernel,
		.initrd = m->cfg->initrd,
		.cmdline = mv->cmdline,
	};
	int ret = boot_load(&m->mem, &mv->ram, &a, &mv->boot);

	if (ret < 0)
		return ret;
	ret = arch_write_boot_tables(&m->mem);
	if (ret < 0)
		return ret;
	return arch_write_mptable(&m->mem, m->nr_cpus);
}

static int microvm_create(struct machine *m)
{
	struct microvm *mv = xcalloc(1, sizeof(*mv));
	int ret;

	m->priv = mv;
	snprintf(mv->cmdline, sizeof(mv->cmdline), "%s",
		 m->cfg->append ? m->cfg->append : "");
	ret = kvm_vm_create(MICROVM_KVM_TSS_BASE, &m->vm);
	if (ret < 0)
		return ret;
	ret = machine_create_ram(m, MICROVM_RAM_BELOW_4G_MAX, &mv->ram);
	if (ret < 0)
		return ret;
	ret = create_platform(m, mv);
	if (ret < 0)
		return ret;
	ret = create_virtio(m, mv);
	if (ret < 0)
		return ret;
	return load_kernel(m, mv);
}

static int microvm_vcpu_init(struct machine *m, struct vcpu *v)
{
	struct microvm *mv = m->priv;

	return arch_vcpu_init(m->vm, v->kvm, m->nr_cpus, &mv->boot);
}

static void microvm_flush(struct machine *m)
{
	struct microvm *mv = m->priv;

	for (unsigned int i = 0; mv && i < MICROVM_VIRTIO_SLOTS; i++) {
		struct virtio_dev *dev = mv->slots[i].dev;

		if (dev && dev->device_id == VIRTIO_ID_BLOCK)
			virtio_blk_flush(dev);
	}
}

static void microvm_destroy(struct machine *m)
{
	struct microvm *mv = m->priv;

	if (!mv)
		return;
	for (int i = MICROVM_VIRTIO_SLOTS - 1; i >= 0; i--) {
		struct microvm_slot *s = &mv->slots[i];

		virtio_mmio_destroy(s->transport);
		if (s->dev && s->dev->ops->destroy)
			s->dev->ops->destroy(s->dev);
		if (s->irq_ready)
			irq_line_fini(&s->irq, m->vm);
		free(s->dev_id);
	}
	microvm_blockdevs_free(mv);
	microvm_console_free(m, mv);
	debug_exit_destroy(mv->debug_exit);
	i8042_destroy(mv->i8042);
	machine_serial_destroy(m, &mv->serial);
	free(mv);
	m->priv = NULL;
}

const struct machine_ops microvm_ops = {
	.name = "microvm",
	.create = microvm_create,
	.vcpu_init = microvm_vcpu_init,
	.destroy = microvm_destroy,
	.flush = microvm_flush,
	.blockdev_add = microvm_blockdev_add,
	.blockdev_del = microvm_blockdev_del,
	.device_add = microvm_device_add,
	.device_del = microvm_device_del,
};
