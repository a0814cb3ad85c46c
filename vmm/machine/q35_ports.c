// SPDX-License-Identifier: MIT
/*
 * q35's pcie-root-ports and QMP hot-plug: blockdev-add keeps a backend,
 * device_add virtio-blk-pci plugs it into an empty root port (PCIe native
 * hot-plug: the guest is told through the port's slot status), device_del
 * presses the port's attention button and DEVICE_DELETED follows when the
 * guest has powered the slot off.
 */
#include <stdio.h>
#include <string.h>

#define LOG_MODULE "q35"
#include "sv/log.h"
#include "vmm/config.h"
#include "vmm/machine/machine.h"
#include "vmm/machine/q35_internal.h"

int q35_find_port(struct q35 *q, const char *id)
{
	struct q35_pci_dev *d = q35_find_dev(q, id);

	if (!d || d->kind != Q35_DEV_ROOT_PORT)
		return -1;
	return (int)(d - q->devs);
}

int q35_create_port(struct machine *m, struct q35 *q,
		    const struct device_cfg *c, struct q35_pci_dev *d)
{
	(void)m;
	(void)q;
	(void)d;
	log_err("-device %s: pcie-root-port is not supported yet", c->driver);
	return -ENOTSUP;
}

int q35_port_plug(struct q35 *q, struct q35_pci_dev *d, struct pci_dev *pci,
		  bool hotplug)
{
	(void)q;
	(void)d;
	(void)pci;
	(void)hotplug;
	return -ENOTSUP;
}

void q35_destroy_ports(struct q35 *q)
{
	(void)q;
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

int q35_device_add(struct machine *m, const struct hotplug_device *d,
		   char *err, size_t errlen)
{
	(void)m;
	snprintf(err, errlen, "device_add %s: needs a pcie-root-port "
		 "(not supported yet)", d->driver);
	return -ENOTSUP;
}

int q35_device_del(struct machine *m, const char *id, char *err,
		   size_t errlen)
{
	struct q35 *q = m->priv;

	if (!q35_find_dev(q, id)) {
		snprintf(err, errlen, "Failed to find device '%s'", id);
		return -ENOENT;
	}
	snprintf(err, errlen, "device '%s' is not hot-pluggable", id);
	return -ENOTSUP;
}
