// SPDX-License-Identifier: MIT
/*
 * Glue between a virtio device and its transport: interrupt decisions, the
 * broken state, and the rules every transport shares (feature negotiation,
 * the device status state machine, enabling a queue). Called with dev->lock held (from queue_notify and the
 * transport's register handlers).
 */
#include "vmm/virtio/virtio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LOG_MODULE "virtio"
#include "sv/log.h"

void virtio_dev_init(struct virtio_dev *dev, const struct virtio_dev_ops *ops,
		     uint32_t device_id, const char *name)
{
	memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	dev->device_id = device_id;
	dev->name = name;
	pthread_mutex_init(&dev->lock, NULL);
}

void virtio_dev_notify_queue(struct virtio_dev *dev, unsigned int q)
{
	if (q >= dev->nr_queues || !dev->transport_ops || !dev->mem)
		return;
	if (!virtqueue_should_notify(&dev->vqs[q], dev->mem))
		return;
	dev->transport_ops->notify(dev->transport, VIRTIO_ISR_QUEUE, q);
}

void virtio_dev_notify_config(struct virtio_dev *dev)
{
	if (dev->transport_ops)
		dev->transport_ops->notify(dev->transport, VIRTIO_ISR_CONFIG,
					   0);
}

void virtio_dev_set_broken(struct virtio_dev *dev, const char *fmt, ...)
{
	char reason[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	log_warn_ratelimited("virtio device %s is broken: %s",
			     dev->name ? dev->name : "?", reason);
	if (dev->broken)
		return;
	dev->broken = true;
	if (dev->transport_ops && dev->transport_ops->set_broken)
		dev->transport_ops->set_broken(dev->transport);
}

void virtio_dev_reset(struct virtio_dev *dev)
{
	if (dev->ops->reset)
		dev->ops->reset(dev);
	for (unsigned int q = 0; q < dev->nr_queues; q++)
		virtqueue_reset(&dev->vqs[q]);
	dev->driver_features = 0;
	dev->broken = false;
}

uint64_t virtio_offered_features(struct virtio_dev *dev)
{
	uint64_t f = dev->ops->get_features ? dev->ops->get_features(dev) : 0;

	/* Modern-only transports: VERSION_1 is always offered. */
	return f | (1ull << VIRTIO_F_VERSION_1);
}

/* FEATURES_OK: a subset of what is offered, VERSION_1 included. */
static bool negotiate(struct virtio_dev *dev, uint64_t f)
{
	if ((f & ~virtio_offered_features(dev)) ||
	    !(f & (1ull << VIRTIO_F_VERSION_1)))
		return false;
	if (dev->ops->set_features && dev->ops->set_features(dev, f) < 0)
		return false;
	dev->driver_features = f;
	return true;
}

int virtio_status_next(struct virtio_dev *dev, uint32_t cur, uint32_t val,
		       uint64_t driver_features, bool *driver_ok)
{
	uint32_t keep = cur & VIRTIO_STATUS_NEEDS_RESET;
	uint32_t added = val & ~cur;

	*driver_ok = false;
	if (val == 0)
		return 0;
	if ((cur & ~keep) & ~val) {
		log_warn_ratelimited("%s: status 0x%x clears bits of 0x%x",
				     dev->name ? dev->name : "?", val, cur);
		return -EINVAL;
	}
	val = (val & ~VIRTIO_STATUS_NEEDS_RESET) | keep;
	if ((added & VIRTIO_STATUS_FEATURES_OK) &&
	    !negotiate(dev, driver_features))
		val &= ~VIRTIO_STATUS_FEATURES_OK;
	if ((added & VIRTIO_STATUS_DRIVER_OK) &&
	    !(val & VIRTIO_STATUS_FEATURES_OK)) {
		log_warn_ratelimited("%s: DRIVER_OK without FEATURES_OK",
				     dev->name ? dev->name : "?");
		return -EINVAL;
	}
	*driver_ok = added & VIRTIO_STATUS_DRIVER_OK;
	return (int)val;
}

int virtio_dev_activate(struct virtio_dev *dev)
{
	int ret;

	if (!dev->ops->activate)
		return 0;
	ret = dev->ops->activate(dev);
	if (ret < 0)
		virtio_dev_set_broken(dev, "activate: %s", strerror(-ret));
	return ret;
}

int virtqueue_enable(struct virtio_dev *dev, struct virtqueue *vq)
{
	uint64_t f = dev->driver_features;

	if (virtqueue_validate(vq, dev->mem) < 0)
		return -EINVAL;
	vq->event_idx = f & (1ull << VIRTIO_F_RING_EVENT_IDX);
	vq->indirect = f & (1ull << VIRTIO_F_RING_INDIRECT_DESC);
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used_valid = false;
	vq->ready = true;
	return 0;
}
