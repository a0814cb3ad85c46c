// SPDX-License-Identifier: MIT
/* Hot-plug helpers shared by the machines (see hotplug_common.h). */
#include "vmm/machine/hotplug_common.h"

#include <stdio.h>
#include <string.h>

#define LOG_MODULE "hotplug"
#include "sv/log.h"
#include "vmm/backends/block.h"
#include "vmm/machine/machine.h"
#include "vmm/qmp/qmp.h"

struct machine_blockdev *machine_blockdev_find(struct machine_blockdev *pool,
					       unsigned int n,
					       const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (pool[i].node_name && strcmp(pool[i].node_name, name) == 0)
			return &pool[i];
	return NULL;
}

void machine_blockdev_clear(struct machine_blockdev *b)
{
	block_close(b->backend);
	free(b->node_name);
	memset(b, 0, sizeof(*b));
}

void machine_blockdevs_free(struct machine_blockdev *pool, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (pool[i].node_name)
			machine_blockdev_clear(&pool[i]);
}

int machine_blockdev_add(struct machine_blockdev *pool, unsigned int n,
			 const struct hotplug_blockdev *b, char *err,
			 size_t errlen)
{
	struct machine_blockdev *slot = NULL;
	int ret;

	if (machine_blockdev_find(pool, n, b->node_name)) {
		snprintf(err, errlen, "node-name '%s' is already in use",
			 b->node_name);
		return -EEXIST;
	}
	for (unsigned int i = 0; i < n && !slot; i++)
		if (!pool[i].node_name)
			slot = &pool[i];
	if (!slot) {
		snprintf(err, errlen, "too many block devices (%u)", n);
		return -ENOSPC;
	}
	ret = block_open(b->file, b->readonly, b->direct, &slot->backend);
	if (ret < 0) {
		snprintf(err, errlen, "Failed to open '%s': %s", b->file,
			 strerror(-ret));
		return ret;
	}
	slot->node_name = xstrdup(b->node_name);
	slot->readonly = b->readonly;
	return 0;
}

int machine_blockdev_del(struct machine_blockdev *pool, unsigned int n,
			 const char *name, char *err, size_t errlen)
{
	struct machine_blockdev *b = machine_blockdev_find(pool, n, name);

	if (!b) {
		snprintf(err, errlen,
			 "Failed to find block device '%s' (in use by a device, "
			 "or never added)", name);
		return -ENOENT;
	}
	machine_blockdev_clear(b);
	return 0;
}

bool machine_valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 255 || !((id[0] | 0x20) >= 'a' && (id[0] | 0x20) <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = id[i];

		if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
		    !(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '_')
			return false;
	}
	return true;
}

void machine_emit_device_deleted(struct machine *m, const char *id,
				 const char *path)
{
	char data[700];

	if (!m->qmp)
		return;
	snprintf(data, sizeof(data), "{\"device\":\"%s\",\"path\":\"%s\"}", id,
		 path);
	qmp_server_emit_event(m->qmp, "DEVICE_DELETED", data);
}
