// SPDX-License-Identifier: MIT
/*
 * q35's PCI devices: virtio-blk-pci and virtio-serial-pci on pcie.0 or in
 * slot 0 behind a pcie-root-port. Interrupts: MSI-X through KVM's MSI
 * injection; INTx (pin A) on GSI 16 + (slot + pin) % 4 as the DSDT's _PRT
 * says, each GSI a wired OR of the functions sharing it.
 */
#include <stdio.h>
#include <string.h>

#define LOG_MODULE "q35"
#include "sv/log.h"
#include "vmm/backends/block.h"
#include "vmm/config.h"
#include "vmm/kvm/kvm.h"
#include "vmm/machine/console_ports.h"
#include "vmm/machine/machine.h"
#include "vmm/machine/q35_internal.h"
#include "vmm/virtio/blk.h"
#include "vmm/virtio/pci.h"
#include "vmm/virtio/virtio.h"

#define LPC_SLOT 0x1f

int q35_msi_signal(void *opaque, uint64_t addr, uint32_t data)
{
	struct machine *m = opaque;

	return kvm_vm_signal_msi(m->vm, addr, data);
}

/* Level line of one function; the GSI is high while any sharer is. */
static int intx_set(struct irq_line *line, bool level)
{
	struct q35_pci_dev *d = container_of(line, struct q35_pci_dev, intx);
	struct q35 *q = line->opaque;
	unsigned int i = line->gsi - Q35_PCI_GSI_BASE;
	int ret = 0;

	pthread_mutex_lock(&q->intx_lock);
	if (d->intx_level != level) {
		d->intx_level = level;
		if (level)
			q->intx_count[i]++;
		else
			q->intx_count[i]--;
		if (q->intx_count[i] == (level ? 1u : 0u))
			ret = kvm_vm_irq_line(q->m->vm, line->gsi, level);
	}
	pthread_mutex_unlock(&q->intx_lock);
	return ret;
}

static int intx_pulse(struct irq_line *line)
{
	int ret = intx_set(line, true);

	return ret ? ret : intx_set(line, false);
}

static const struct irq_line_ops intx_ops = { intx_set, intx_pulse };

/* Pin A of a function (swizzled through its root port, if any). */
static void intx_init(struct q35 *q, struct q35_pci_dev *d)
{
	unsigned int behind = d->port >= 0 ? Q35_SLOT(d->devfn) : 0;
	unsigned int rs = d->port >= 0 ? Q35_SLOT(q->devs[d->port].devfn) :
					 Q35_SLOT(d->devfn);

	d->intx.ops = &intx_ops;
	d->intx.opaque = q;
	d->intx.fd = -1;
	d->intx.gsi = Q35_PCI_GSI_BASE + (rs + behind) % Q35_PCI_NR_GSI;
}

static struct q35_pci_dev *new_dev(struct q35 *q)
{
	for (unsigned int i = 0; i < Q35_MAX_PCI_DEVS; i++)
		if (!q->devs[i].used) {
			memset(&q->devs[i], 0, sizeof(q->devs[i]));
			q->devs[i].used = true;
			q->devs[i].port = -1;
			return &q->devs[i];
		}
	return NULL;
}

struct q35_pci_dev *q35_find_dev(struct q35 *q, const char *id)
{
	for (unsigned int i = 0; id && i < Q35_MAX_PCI_DEVS; i++)
		if (q->devs[i].used && q->devs[i].id &&
		    !strcmp(q->devs[i].id, id))
			return &q->devs[i];
	return NULL;
}

/* A slot on pcie.0 some -device asks for with addr=. */
static bool slot_requested(const struct vmm_config *cfg, unsigned int slot)
{
	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		const struct device_cfg *c = &cfg->devices[i];

		if (c->slot == (int)slot && (!c->bus || !strcmp(c->bus, "pcie.0")))
			return true;
	}
	return false;
}

/*
 * First slot on pcie.0 (1..30: 0 is the MCH, 0x1f the LPC) that is free
 * and that no -device names explicitly (it may come later in argv).
 */
static int free_root_slot(struct q35 *q)
{
	for (unsigned int s = 1; s < LPC_SLOT; s++)
		if (!q->root.devs[PCI_DEVFN(s, 0)] &&
		    !slot_requested(q->m->cfg, s))
			return (int)s;
	return -1;
}

/* Where d goes: devfn on pcie.0, or slot 0 of a root port's bus. */
static int place(struct q35 *q, const struct device_cfg *c,
		 struct q35_pci_dev *d)
{
	int slot = c->slot;

	if (c->bus && strcmp(c->bus, "pcie.0")) {
		d->port = q35_find_port(q, c->bus);
		if (d->port < 0) {
			log_err("-device %s: bus '%s' not found", c->driver,
				c->bus);
			return -ENODEV;
		}
		if (slot > 0) {
			log_err("-device %s: addr 0x%x: a device behind a root "
				"port must use slot 0", c->driver, slot);
			return -EINVAL;
		}
		d->devfn = PCI_DEVFN(0, c->func);
		return 0;
	}
	if (slot < 0)
		slot = free_root_slot(q);
	if (slot == 0 || slot == LPC_SLOT || slot < 0) {
		log_err("-device %s: %s", c->driver, slot < 0 ?
			"no free slot on pcie.0" : slot == 0 ?
			"addr 0x0 is the host bridge's slot" :
			"addr 0x1f is the LPC bridge's slot");
		return slot < 0 ? -ENOSPC : -EBUSY;
	}
	d->devfn = PCI_DEVFN(slot, c->slot < 0 ? 0 : c->func);
	return 0;
}

/* Plug the function where place() said; then the guest can see it. */
static int attach(struct q35 *q, struct q35_pci_dev *d, struct pci_dev *pci,
		  bool hotplug)
{
	if (d->port >= 0)
		return q35_port_plug(q, d, pci, hotplug);
	return pci_root_add(&q->root, pci, d->devfn);
}

static int wrap_virtio(struct machine *m, struct q35 *q,
		       struct q35_pci_dev *d, struct virtio_dev *vdev)
{
	struct virtio_pci_args a = {
		.dev = vdev, .intx = &d->intx,
		.signal = q35_msi_signal, .signal_opaque = m,
	};

	d->kind = Q35_DEV_VIRTIO;
	d->vdev = vdev;
	vdev->mem = &m->mem;
	(void)q;
	return virtio_pci_create(&a, &d->vpci);
}

static int open_drive(struct machine *m, const struct device_cfg *c,
		      struct block_backend **be, bool *ro)
{
	struct drive_cfg *drv = vmm_config_drive(m->cfg, c->drive);

	if (!drv) {
		log_err("-device %s: drive '%s' not found", c->driver,
			c->drive ? c->drive : "");
		return -EINVAL;
	}
	*ro = drv->readonly;
	return block_open(drv->file, drv->readonly, drv->direct, be);
}

static int create_blk(struct machine *m, struct q35 *q,
		      const struct device_cfg *c, struct q35_pci_dev *d)
{
	struct virtio_blk_args a = { 0 };
	struct block_backend *be = NULL;
	struct virtio_dev *vdev;
	int ret = open_drive(m, c, &be, &a.readonly);

	if (ret < 0)
		return ret;
	a.id = c->id ? c->id : c->drive;
	a.backend = be;
	a.serial = c->serial;
	a.queue_size = c->queue_size;
	ret = virtio_blk_create(&a, &vdev);
	if (ret < 0) {
		block_close(be);
		return ret;
	}
	return wrap_virtio(m, q, d, vdev);
}

static int create_one(struct machine *m, struct q35 *q,
		      const struct device_cfg *c)
{
	struct q35_pci_dev *d = new_dev(q);
	int ret;

	if (!d) {
		log_err("-device %s: more than %d PCI devices", c->driver,
			Q35_MAX_PCI_DEVS);
		return -ENOSPC;
	}
	d->id = c->id ? xstrdup(c->id) : NULL;
	ret = place(q, c, d);
	if (ret < 0)
		return ret;
	intx_init(q, d);
	if (!strcmp(c->driver, "pcie-root-port"))
		return q35_create_port(m, q, c, d);
	if (!strcmp(c->driver, "virtio-blk-pci"))
		ret = create_blk(m, q, c, d);
	else if (!strcmp(c->driver, "virtio-serial-pci"))
		ret = q->console.dev ? wrap_virtio(m, q, d, q->console.dev) :
				       -EINVAL;
	else
		ret = -ENOTSUP;
	if (ret == -ENOTSUP)
		log_err("-device %s: not supported on q35 yet", c->driver);
	if (ret == 0)
		ret = attach(q, d, virtio_pci_pci_dev(d->vpci), false);
	return ret;
}

int q35_hotplug_blk(struct machine *m, struct q35 *q,
		    const struct hotplug_device *hd, int port,
		    struct machine_blockdev *b)
{
	struct q35_pci_dev *d = new_dev(q);
	struct virtio_blk_args a = {
		.id = hd->id, .backend = b->backend, .readonly = b->readonly,
		.serial = hd->serial,
	};
	struct virtio_dev *vdev;
	int ret;

	if (!d)
		return -ENOSPC;
	d->port = port;
	d->devfn = PCI_DEVFN(0, 0);
	intx_init(q, d);
	ret = virtio_blk_create(&a, &vdev);
	if (ret < 0) {
		memset(d, 0, sizeof(*d));
		return ret;
	}
	b->backend = NULL;	/* the device owns it now */
	machine_blockdev_clear(b);
	d->id = xstrdup(hd->id);
	ret = wrap_virtio(m, q, d, vdev);
	if (ret == 0)
		ret = attach(q, d, virtio_pci_pci_dev(d->vpci), true);
	if (ret < 0)
		q35_free_dev(q, d);
	return ret;
}

static bool skip_driver(const char *driver)
{
	return !strcmp(driver, "isa-debug-exit") ||
	       machine_is_console_port(driver);
}

int q35_create_pci(struct machine *m, struct q35 *q)
{
	int ret = machine_console_create(m, "virtio-serial-pci", &q->console);

	if (ret < 0)
		return ret;
	/* Root ports first: the devices behind them name them as bus. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < m->cfg->nr_devices; i++) {
			const struct device_cfg *c = &m->cfg->devices[i];
			bool port = !strcmp(c->driver, "pcie-root-port");

			if (skip_driver(c->driver) || port != (pass == 0))
				continue;
			ret = create_one(m, q, c);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

void q35_flush_pci(struct q35 *q)
{
	for (unsigned int i = 0; i < Q35_MAX_PCI_DEVS; i++) {
		struct virtio_dev *v = q->devs[i].vdev;

		if (q->devs[i].used && v && v->device_id == VIRTIO_ID_BLOCK)
			virtio_blk_flush(v);
	}
}

/*
 * Undo one function: off the bus (a root port has removed its own already,
 * or is being torn down), transport, device, INTx level.
 */
void q35_free_dev(struct q35 *q, struct q35_pci_dev *d)
{
	if (d->vpci) {
		if (d->port < 0)
			pci_root_remove(&q->root, d->devfn);
		(void)intx_set(&d->intx, false);
		virtio_pci_destroy(d->vpci);
	}
	if (d->vdev && d->vdev != q->console.dev && d->vdev->ops->destroy)
		d->vdev->ops->destroy(d->vdev);
	free(d->id);
	memset(d, 0, sizeof(*d));
}

void q35_destroy_pci(struct machine *m, struct q35 *q)
{
	(void)m;
	for (int i = Q35_MAX_PCI_DEVS - 1; i >= 0; i--) {
		struct q35_pci_dev *d = &q->devs[i];

		if (!d->used || d->kind == Q35_DEV_ROOT_PORT)
			continue;
		q35_free_dev(q, d);
	}
	q35_destroy_ports(q);
	if (q->console.dev && q->console.dev->ops->destroy)
		q->console.dev->ops->destroy(q->console.dev);
	q->console.dev = NULL;
	machine_console_free(&q->console);
	machine_blockdevs_free(q->blockdevs, Q35_MAX_BLOCKDEVS);
}
