// SPDX-License-Identifier: MIT
/*
 * microvm hot-plug as StratoVirt does it: no bus hot-plug, the pre-created
 * virtio-blk slots are filled and emptied. blockdev-add opens a backend and
 * keeps it under its node-name; device_add moves it into a slot (a config
 * change tells the guest the new capacity); device_del empties the slot and
 * emits DEVICE_DELETED at once. Runs on the event-loop thread.
 */
#include <stdio.h>
#include <string.h>

#define LOG_MODULE "microvm"
#include "sv/log.h"
#include "vmm/backends/block.h"
#include "vmm/machine/hotplug_common.h"
#include "vmm/machine/machine.h"
#include "vmm/machine/microvm_internal.h"
#include "vmm/qmp/qmp.h"
#include "vmm/util/parse.h"
#include "vmm/virtio/blk.h"

static struct machine_blockdev *find_blockdev(struct microvm *mv,
					      const char *name)
{
	return machine_blockdev_find(mv->blockdevs, MICROVM_MAX_BLOCKDEVS,
				     name);
}

void microvm_blockdevs_free(struct microvm *mv)
{
	machine_blockdevs_free(mv->blockdevs, MICROVM_MAX_BLOCKDEVS);
}

static bool id_in_use(struct microvm *mv, const char *id)
{
	for (unsigned int i = 0; i < MICROVM_VIRTIO_SLOTS; i++)
		if (mv->slots[i].dev_id && strcmp(mv->slots[i].dev_id, id) == 0)
			return true;
	return false;
}

int microvm_blockdev_add(struct machine *m, const struct hotplug_blockdev *b,
			 char *err, size_t errlen)
{
	struct microvm *mv = m->priv;

	return machine_blockdev_add(mv->blockdevs, MICROVM_MAX_BLOCKDEVS, b,
				    err, errlen);
}

int microvm_blockdev_del(struct machine *m, const char *node_name, char *err,
			 size_t errlen)
{
	struct microvm *mv = m->priv;

	return machine_blockdev_del(mv->blockdevs, MICROVM_MAX_BLOCKDEVS,
				    node_name, err, errlen);
}

/* addr is the slot index among the virtio-blk slots ("0x1", "2"). */
static int pick_slot(struct microvm *mv, const char *addr, char *err,
		     size_t errlen)
{
	uint32_t idx;

	if (!addr) {
		for (unsigned int i = 0; i < MICROVM_VIRTIO_BLK_SLOTS; i++)
			if (!mv->slots[MICROVM_VIRTIO_BLK_SLOT0 + i].dev_id)
				return (int)(MICROVM_VIRTIO_BLK_SLOT0 + i);
		snprintf(err, errlen, "all %d virtio-blk slots are in use",
			 MICROVM_VIRTIO_BLK_SLOTS);
		return -ENOSPC;
	}
	if (parse_u32(addr, &idx) < 0 || idx >= MICROVM_VIRTIO_BLK_SLOTS) {
		snprintf(err, errlen,
			 "Invalid addr '%s': the virtio-blk slot must be 0..%d",
			 addr, MICROVM_VIRTIO_BLK_SLOTS - 1);
		return -EINVAL;
	}
	if (mv->slots[MICROVM_VIRTIO_BLK_SLOT0 + idx].dev_id) {
		snprintf(err, errlen, "virtio-blk slot %u is in use", idx);
		return -EBUSY;
	}
	return (int)(MICROVM_VIRTIO_BLK_SLOT0 + idx);
}

int microvm_device_add(struct machine *m, const struct hotplug_device *d,
		       char *err, size_t errlen)
{
	struct microvm *mv = m->priv;
	struct machine_blockdev *b;
	struct microvm_slot *s;
	int slot, ret;

	if (!strstr(d->driver, "blk")) {
		snprintf(err, errlen, "device driver '%s' is not supported on "
			 "microvm (virtio-blk-mmio only)", d->driver);
		return -ENOTSUP;
	}
	if (!machine_valid_id(d->id)) {
		snprintf(err, errlen, "Invalid device id: it must start with a "
			 "letter and hold only letters, digits, '-', '.', '_'");
		return -EINVAL;
	}
	if (!d->drive) {
		snprintf(err, errlen, "No drive set");
		return -EINVAL;
	}
	if (id_in_use(mv, d->id)) {
		snprintf(err, errlen, "Device id '%s' is already in use", d->id);
		return -EEXIST;
	}
	b = find_blockdev(mv, d->drive);
	if (!b) {
		snprintf(err, errlen, "Failed to find block device '%s'",
			 d->drive);
		return -ENOENT;
	}
	slot = pick_slot(mv, d->addr, err, errlen);
	if (slot < 0)
		return slot;
	s = &mv->slots[slot];
	ret = virtio_blk_replace_backend(s->dev, b->backend, b->readonly,
					 d->serial);
	if (ret < 0) {
		snprintf(err, errlen, "serial '%s' is too long", d->serial);
		return ret;
	}
	b->backend = NULL;	/* the device owns it now */
	machine_blockdev_clear(b);
	s->dev_id = xstrdup(d->id);
	log_info("device %s plugged into virtio-blk slot %d", d->id,
		 slot - MICROVM_VIRTIO_BLK_SLOT0);
	return 0;
}

int microvm_device_del(struct machine *m, const char *id, char *err,
		       size_t errlen)
{
	struct microvm *mv = m->priv;

	for (unsigned int i = 0; i < MICROVM_VIRTIO_SLOTS; i++) {
		struct microvm_slot *s = &mv->slots[i];
		if (!s->dev_id || strcmp(s->dev_id, id) != 0)
			continue;
		if (virtio_blk_replace_backend(s->dev, NULL, false, NULL) < 0)
			break;
		free(s->dev_id);
		s->dev_id = NULL;
		machine_emit_device_deleted(m, id, id);
		log_info("device %s unplugged from slot %u", id, i);
		return 0;
	}
	snprintf(err, errlen, "Failed to find device '%s'", id);
	return -ENOENT;
}
