/* SPDX-License-Identifier: MIT */
/*
 * Pieces of QMP hot-plug shared by microvm and q35: the pool of backends
 * that blockdev-add opened and device_add has not taken yet, QEMU's rule
 * for device ids, and the DEVICE_DELETED event.
 */
#ifndef SV_VMM_MACHINE_HOTPLUG_COMMON_H
#define SV_VMM_MACHINE_HOTPLUG_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "sv/compiler.h"

struct block_backend;
struct hotplug_blockdev;
struct machine;

struct machine_blockdev {
	char *node_name;	/* NULL: free entry */
	struct block_backend *backend;
	bool readonly;
};

struct machine_blockdev *machine_blockdev_find(struct machine_blockdev *pool,
					       unsigned int n,
					       const char *name);
int machine_blockdev_add(struct machine_blockdev *pool, unsigned int n,
			 const struct hotplug_blockdev *b, char *err,
			 size_t errlen) SV_MUST_CHECK;
int machine_blockdev_del(struct machine_blockdev *pool, unsigned int n,
			 const char *name, char *err,
			 size_t errlen) SV_MUST_CHECK;
/* Close the backend (if still owned) and free the entry. */
void machine_blockdev_clear(struct machine_blockdev *b);
void machine_blockdevs_free(struct machine_blockdev *pool, unsigned int n);

/* QEMU's rule for ids: a letter, then letters, digits, '-', '.', '_'. */
bool machine_valid_id(const char *id);
/* DEVICE_DELETED {"device":id,"path":path}; ids passed machine_valid_id. */
void machine_emit_device_deleted(struct machine *m, const char *id,
				 const char *path);

#endif /* SV_VMM_MACHINE_HOTPLUG_COMMON_H */
