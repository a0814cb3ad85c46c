// SPDX-License-Identifier: MIT
/*
 * Glue between a virtio device and its transport: interrupt decisions and
 * the broken state. Called with dev->lock held (from queue_notify and the
 * transport's register handlers).
 */
#include "vmm/virtio/virtio.h"

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
