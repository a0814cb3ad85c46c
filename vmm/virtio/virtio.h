/* SPDX-License-Identifier: MIT */
/*
 * Virtio core: split virtqueues, the device side interface (ops) and the
 * transport side interface. A device never knows whether it sits behind
 * virtio-mmio or virtio-pci. Guest input is hostile: a malformed ring makes
 * the device broken (NEEDS_RESET) with a rate-limited warning, never exits.
 */
#ifndef SV_VMM_VIRTIO_VIRTIO_H
#define SV_VMM_VIRTIO_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sv/compiler.h"

struct gmem;
struct virtio_dev;

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2

/* Upper bound for any queue size (virtio allows 32768; we cap lower). */
#define VIRTQ_MAX_SIZE 1024
/* Most segments one request may have (host constant bounding the walk). */
#define VIRTQ_MAX_SG 256

struct virtqueue {
	/* Set by the transport from guest registers. */
	uint16_t size;		/* negotiated size, power of two */
	uint16_t max_size;
	bool ready;
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;
	/* Device-side state. */
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t signalled_used;
	bool signalled_used_valid;
	bool event_idx;		/* VIRTIO_F_RING_EVENT_IDX negotiated */
	bool indirect;		/* VIRTIO_F_RING_INDIRECT_DESC negotiated */
};

/* One request: device-readable (out) then device-writable (in) buffers. */
struct virtq_elem {
	uint16_t head;
	unsigned int nr_out;
	unsigned int nr_in;
	struct iovec out[VIRTQ_MAX_SG];
	struct iovec in[VIRTQ_MAX_SG];
};

void virtqueue_reset(struct virtqueue *vq);
/*
 * Take the next available request. Returns 1 and fills *elem, 0 when the
 * ring is empty, -EINVAL when the guest's ring or descriptors are bad.
 */
int virtqueue_pop(struct virtqueue *vq, const struct gmem *m,
		  struct virtq_elem *elem) SV_MUST_CHECK;
/* Give back the request just popped: the next pop returns it again. */
void virtqueue_unpop(struct virtqueue *vq, const struct gmem *m);
/* Return a request with len bytes written to its in buffers. */
int virtqueue_push(struct virtqueue *vq, const struct gmem *m, uint16_t head,
		   uint32_t len) SV_MUST_CHECK;
/* Whether the driver wants an interrupt now (EVENT_IDX / NO_INTERRUPT). */
bool virtqueue_should_notify(struct virtqueue *vq, const struct gmem *m);
/* Checks a queue's addresses and size before it is enabled. */
int virtqueue_validate(const struct virtqueue *vq, const struct gmem *m) SV_MUST_CHECK;

struct virtio_dev_ops {
	uint64_t (*get_features)(struct virtio_dev *dev);
	/* Called with the accepted subset; may refuse with -EINVAL. */
	int (*set_features)(struct virtio_dev *dev, uint64_t features);
	void (*cfg_read)(struct virtio_dev *dev, uint64_t off, void *data,
			 unsigned int len);
	void (*cfg_write)(struct virtio_dev *dev, uint64_t off,
			  const void *data, unsigned int len);
	/* Queue q has new buffers. Runs on the event loop or the vCPU. */
	void (*queue_notify)(struct virtio_dev *dev, unsigned int q);
	/* DRIVER_OK was set: queues are ready. */
	int (*activate)(struct virtio_dev *dev);
	/* Guest-visible reset (status 0); idempotent. */
	void (*reset)(struct virtio_dev *dev);
	void (*destroy)(struct virtio_dev *dev);
};

/* What a transport gives its device. */
struct virtio_transport_ops {
	/* Raise the interrupt for ISR bits (VIRTIO_ISR_*) or queue q. */
	void (*notify)(void *transport, uint32_t isr, unsigned int q);
	/* The device found a guest error: set NEEDS_RESET and tell the guest. */
	void (*set_broken)(void *transport);
};

struct virtio_dev {
	const struct virtio_dev_ops *ops;
	const char *name;		/* id= from the command line */
	uint32_t device_id;		/* VIRTIO_ID_* */
	unsigned int nr_queues;
	struct virtqueue *vqs;		/* nr_queues entries, owned by device */
	const struct gmem *mem;		/* set by the machine */
	uint64_t host_features;
	uint64_t driver_features;	/* after FEATURES_OK */
	bool broken;
	/* Serializes ops calls between vCPU threads and the event loop. */
	pthread_mutex_t lock;
	const struct virtio_transport_ops *transport_ops;
	void *transport;
};

void virtio_dev_init(struct virtio_dev *dev, const struct virtio_dev_ops *ops,
		     uint32_t device_id, const char *name);
/* A completed request on queue q: interrupt the guest if it asked. */
void virtio_dev_notify_queue(struct virtio_dev *dev, unsigned int q);
void virtio_dev_notify_config(struct virtio_dev *dev);
/* Status 0 written (or a bus reset): the device and its queues as new. */
void virtio_dev_reset(struct virtio_dev *dev);
/* What the device offers; VERSION_1 always (modern-only transports). */
uint64_t virtio_offered_features(struct virtio_dev *dev);
/*
 * A driver's write of val to the device status cur (VIRTIO 1.x 2.1, 3.1):
 * 0 means reset (the transport resets); -EINVAL refuses the write (it
 * clears bits, or sets DRIVER_OK without FEATURES_OK); else the status to
 * store: FEATURES_OK is dropped when driver_features cannot be accepted
 * (on success they become dev->driver_features). *driver_ok: DRIVER_OK
 * was just set, call virtio_dev_activate(). dev->lock held.
 */
int virtio_status_next(struct virtio_dev *dev, uint32_t cur, uint32_t val,
		       uint64_t driver_features, bool *driver_ok);
/* DRIVER_OK: the device's activate; on failure the device is broken. */
int virtio_dev_activate(struct virtio_dev *dev);
/* Queue ready: rings checked against guest RAM, ring features taken from
 * the negotiated set, indices reset. -EINVAL: the caller breaks the device. */
int virtqueue_enable(struct virtio_dev *dev,
		     struct virtqueue *vq) SV_MUST_CHECK;
/* Guest error: mark broken, warn (rate-limited), stop processing. */
void virtio_dev_set_broken(struct virtio_dev *dev, const char *fmt, ...)
	SV_PRINTF(2, 3);

#endif /* SV_VMM_VIRTIO_VIRTIO_H */
