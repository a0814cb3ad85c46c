// SPDX-License-Identifier: MIT
/*
 * q35's pcie-root-ports and QMP hot-plug: blockdev-add keeps a backend,
 * device_add virtio-blk-pci plugs it into an empty root port (PCIe native
 * hot-plug: presence detect and link up on the port, its interrupt), and
 * device_del presses the port's attention button; when the guest powers
 * the slot off the port hands the function back (on whatever thread did
 * that), and the event loop frees it and emits DEVICE_DELETED.
 */
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define LOG_MODULE "q35"
#include "sv/log.h"
#include "vmm/backends/block.h"
#include "vmm/config.h"
#include "vmm/machine/machine.h"
#include "vmm/machine/q35_internal.h"
#include "vmm/pci/root_port.h"
#include "vmm/util/eventloop.h"
#include "vmm/util/parse.h"
#include "vmm/virtio/blk.h"
#include "vmm/virtio/pci.h"

int q35_find_port(struct q35 *q, const char *id)
{
	struct q35_pci_dev *d = q35_find_dev(q, id);

	if (!d || d->kind != Q35_DEV_ROOT_PORT)
		return -1;
	return (int)(d - q->devs);
}

/* Event loop: free the functions the guest let go of. */
static void on_unplugged(void *opaque, uint32_t events)
{
	struct q35 *q = opaque;
	uint64_t v;

	(void)events;
	if (read(q->unplug_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug("unplug eventfd: %s", strerror(errno));
	for (unsigned int i = 0; i < Q35_MAX_PCI_DEVS; i++) {
		struct q35_pci_dev *d = &q->devs[i];
		char id[CFG_ID_MAX + 1], path[CFG_ID_MAX + 32];

		if (!d->used || !__atomic_load_n(&d->unplugged,
						 __ATOMIC_ACQUIRE))
			continue;
		snprintf(id, sizeof(id), "%s", d->id ? d->id : "");
		snprintf(path, sizeof(path), "/machine/peripheral/%s", id);
		q35_free_dev(q, d);
		log_info("device %s unplugged by the guest", id);
		machine_emit_device_deleted(q->m, id, path);
	}
}

static int unplug_init(struct machine *m, struct q35 *q)
{
	if (q->unplug_efd >= 0)
		return 0;
	q->unplug_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->unplug_efd < 0) {
		log_err("eventfd: %s", strerror(errno));
		return -errno;
	}
	return eventloop_add(m->loop, q->unplug_efd, EPOLLIN, on_unplugged, q);
}

int q35_create_port(struct machine *m, struct q35 *q,
		    const struct device_cfg *c, struct q35_pci_dev *d)
{
	struct pci_root_port_args a = {
		.chassis = (uint8_t)(c->chassis >= 0 ? c->chassis : 0),
		.port = (uint8_t)(c->port >= 0 ? (unsigned int)c->port :
						 Q35_SLOT(d->devfn)),
		.multifunction = c->multifunction,
		.signal = q35_msi_signal, .signal_opaque = m,
		.intx = &d->intx,
	};
	int ret = unplug_init(m, q);

	if (ret < 0)
		return ret;
	d->kind = Q35_DEV_ROOT_PORT;
	ret = pci_root_port_create(&q->root, d->devfn, &a, &d->rp);
	if (ret < 0)
		log_err("-device %s: creating the root port: %s", c->driver,
			strerror(-ret));
	return ret;
}

int q35_port_plug(struct q35 *q, struct q35_pci_dev *d, struct pci_dev *pci,
		  bool hotplug)
{
	struct q35_pci_dev *port = &q->devs[d->port];

	pci->devfn = d->devfn;
	return pci_root_port_plug(port->rp, pci, hotplug);
}

void q35_destroy_ports(struct q35 *q)
{
	for (unsigned int i = 0; i < Q35_MAX_PCI_DEVS; i++) {
		struct q35_pci_dev *d = &q->devs[i];

		if (!d->used || d->kind != Q35_DEV_ROOT_PORT)
			continue;
		pci_root_port_destroy(d->rp);
		free(d->id);
		memset(d, 0, sizeof(*d));
	}
	if (q->unplug_efd >= 0) {
		eventloop_del(q->m->loop, q->unplug_efd);
		close(q->unplug_efd);
		q->unplug_efd = -1;
	}
}

int q35_blockdev_add(struct machine *m, const struct hotplug_blockdev *b,
		     char *err, size_t errlen)
{
	struct q35 *q = m->priv;

	return machine_blockdev_add(q->blockdevs, Q35_MAX_BLOCKDEVS, b, err,
				    errlen);
}

int q35_blockdev_del(struct machine *m, const char *node_name, char *err,
		     size_t errlen)
{
	struct q35 *q = m->priv;

	return machine_blockdev_del(q->blockdevs, Q35_MAX_BLOCKDEVS, node_name,
				    err, errlen);
}

/* The empty root port device_add names (bus=), slot 0 function 0. */
static int hotplug_port(struct q35 *q, const struct hotplug_device *hd,
			char *err, size_t errlen)
{
	int port = hd->bus ? q35_find_port(q, hd->bus) : -1;
	uint32_t slot = 0;

	if (port < 0) {
		snprintf(err, errlen, "device_add %s: bus '%s' is not a "
			 "pcie-root-port (hot-plug needs one)", hd->driver,
			 hd->bus ? hd->bus : "pcie.0");
		return -EINVAL;
	}
	if (hd->addr && (parse_u32(hd->addr, &slot) < 0 || slot != 0)) {
		snprintf(err, errlen, "Invalid addr '%s': a device behind a "
			 "root port must use slot 0", hd->addr);
		return -EINVAL;
	}
	if (pci_root_port_slot_dev(q->devs[port].rp)) {
		snprintf(err, errlen, "root port '%s' is occupied", hd->bus);
		return -EBUSY;
	}
	return port;
}

static int hotplug_check(struct q35 *q, const struct hotplug_device *hd,
			 char *err, size_t errlen)
{
	if (strcmp(hd->driver, "virtio-blk-pci")) {
		snprintf(err, errlen, "device driver '%s' is not supported for "
			 "hot-plug on q35 (virtio-blk-pci)", hd->driver);
		return -ENOTSUP;
	}
	if (!machine_valid_id(hd->id)) {
		snprintf(err, errlen, "Invalid device id: it must start with a "
			 "letter and hold only letters, digits, '-', '.', '_'");
		return -EINVAL;
	}
	if (q35_find_dev(q, hd->id)) {
		snprintf(err, errlen, "Device id '%s' is already in use",
			 hd->id);
		return -EEXIST;
	}
	if (!hd->drive) {
		snprintf(err, errlen, "No drive set");
		return -EINVAL;
	}
	return 0;
}

int q35_device_add(struct machine *m, const struct hotplug_device *hd,
		   char *err, size_t errlen)
{
	struct q35 *q = m->priv;
	struct machine_blockdev *b;
	int port, ret = hotplug_check(q, hd, err, errlen);

	if (ret < 0)
		return ret;
	b = machine_blockdev_find(q->blockdevs, Q35_MAX_BLOCKDEVS, hd->drive);
	if (!b) {
		snprintf(err, errlen, "Failed to find block device '%s'",
			 hd->drive);
		return -ENOENT;
	}
	port = hotplug_port(q, hd, err, errlen);
	if (port < 0)
		return port;
	ret = q35_hotplug_blk(m, q, hd, port, b);
	if (ret < 0) {
		snprintf(err, errlen, "device_add %s: %s", hd->id,
			 strerror(-ret));
		return ret;
	}
	log_info("device %s hot-plugged into root port %s", hd->id, hd->bus);
	return 0;
}

/* Root port callback, no PCI lock held, any thread: defer to the loop. */
static void unplug_done(void *opaque, struct pci_dev *pci)
{
	struct q35_pci_dev *d = opaque;
	uint64_t one = 1;

	(void)pci;
	__atomic_store_n(&d->unplugged, true, __ATOMIC_RELEASE);
	if (write(d->q->unplug_efd, &one, sizeof(one)) < 0)
		log_err("unplug eventfd: %s", strerror(errno));
}

int q35_device_del(struct machine *m, const char *id, char *err,
		   size_t errlen)
{
	struct q35 *q = m->priv;
	struct q35_pci_dev *d = q35_find_dev(q, id);
	int ret;

	if (!d) {
		snprintf(err, errlen, "Failed to find device '%s'", id);
		return -ENOENT;
	}
	if (d->port < 0 || d->kind != Q35_DEV_VIRTIO) {
		snprintf(err, errlen, "device '%s' is not behind a "
			 "pcie-root-port: it cannot be unplugged", id);
		return -ENOTSUP;
	}
	d->q = q;
	ret = pci_root_port_unplug_request(q->devs[d->port].rp, unplug_done,
					   d);
	if (ret == -EBUSY) {
		snprintf(err, errlen, "device '%s' is being unplugged already",
			 id);
		return ret;
	}
	if (ret < 0)
		snprintf(err, errlen, "device '%s': %s", id, strerror(-ret));
	return ret;
}
