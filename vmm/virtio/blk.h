/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk device (VIRTIO 1.x section 5.2): one queue, requests handled
 * synchronously in queue_notify on a raw block backend. Offers VERSION_1,
 * FLUSH, SEG_MAX, INDIRECT_DESC, EVENT_IDX and RO when read-only.
 */
#ifndef SV_VMM_VIRTIO_BLK_H
#define SV_VMM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

struct block_backend;
struct virtio_dev;

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_SECTOR_SIZE 512
#define VIRTIO_BLK_DEFAULT_QUEUE_SIZE 256

/* Config space offsets. */
#define VIRTIO_BLK_CFG_CAPACITY 0 /* u64, 512-byte sectors */
#define VIRTIO_BLK_CFG_SEG_MAX 12 /* u32 */

struct virtio_blk_args {
	const char *id; /* copied */
	/* Owned by the device from a successful create on; may be NULL
	 * (an empty slot: capacity 0, every I/O request fails). */
	struct block_backend *backend;
	bool readonly; /* also forces RO on a rw backend */
	const char *serial; /* GET_ID; at most 20 bytes; NULL = "" */
	unsigned int queue_size; /* power of 2 in (2, 1024]; 0 = 256 */
};

/*
 * Create the device. On success the device owns a->backend; the caller
 * sets dev->mem and plugs the device into a transport, and frees it with
 * dev->ops->destroy(dev). On failure the backend is still the caller's.
 */
int virtio_blk_create(const struct virtio_blk_args *a,
		      struct virtio_dev **out) SV_MUST_CHECK;
/*
 * Hot-plug into a pre-created slot (microvm): swap the backend (NULL empties
 * the slot), update the capacity and raise a config-change interrupt. The
 * device takes ownership of backend and closes the old one.
 */
int virtio_blk_replace_backend(struct virtio_dev *dev,
			       struct block_backend *backend, bool readonly,
			       const char *serial) SV_MUST_CHECK;
/* fdatasync the backend (machine shutdown); failures are logged. */
void virtio_blk_flush(struct virtio_dev *dev);

#endif /* SV_VMM_VIRTIO_BLK_H */
