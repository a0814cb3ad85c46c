// SPDX-License-Identifier: MIT
/*
 * virtio-mmio version 2 transport. Owns the status state machine, feature
 * negotiation, queue setup and interrupt status; the device only sees its
 * virtio_dev_ops. All register state is protected by dev->lock, which the
 * bus handlers and the ioeventfd handlers take around every access and
 * which is held whenever the device calls back into the transport.
 *
 * Guest mistakes (wrong access width, unknown offsets, writes in the wrong
 * state) are ignored with a rate-limited warning; a queue enabled with bad
 * addresses or size makes the device broken (NEEDS_RESET).
 */
#include "vmm/virtio/mmio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/bus/bus.h"
#include "vmm/irq/irq.h"
#include "vmm/kvm/kvm.h"
#include "vmm/util/eventloop.h"
#include "vmm/virtio/virtio.h"

#define LOG_MODULE "virtio-mmio"
#include "sv/log.h"

struct mmio_ioevent {
	struct virtio_mmio *t;
	unsigned int q;
	int fd;
	bool in_kvm; /* registered with kvm_vm_ioeventfd */
};

struct virtio_mmio {
	struct bus *bus;
	uint64_t base;
	struct irq_line *irq;
	struct virtio_dev *dev;
	struct kvm_vm *vm;
	struct eventloop *loop;
	char name[64];
	/* Protected by dev->lock. */
	uint32_t status;
	uint32_t dev_feat_sel;
	uint32_t drv_feat_sel;
	uint32_t queue_sel;
	uint32_t config_gen;
	uint64_t driver_features;
	/* Atomic: or'ed by notify, cleared by InterruptACK. */
	uint32_t isr;
	/* nr_queues entries when ioeventfds are usable, else NULL. */
	struct mmio_ioevent *ioev;
};

#define bad_access(t, fmt, ...) \
	log_warn_ratelimited("%s: " fmt, (t)->name, ##__VA_ARGS__)

static uint64_t host_features(struct virtio_mmio *t)
{
	return virtio_offered_features(t->dev);
}

static struct virtqueue *cur_vq(struct virtio_mmio *t)
{
	if (t->queue_sel >= t->dev->nr_queues)
		return NULL;
	return &t->dev->vqs[t->queue_sel];
}

/* ---- ioeventfds ---- */

static void on_ioevent(void *opaque, uint32_t events)
{
	struct mmio_ioevent *e = opaque;
	struct virtio_dev *dev = e->t->dev;
	uint64_t cnt;

	(void)events;
	if (read(e->fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		log_warn_ratelimited("%s: read ioeventfd: %s", e->t->name,
				     strerror(errno));
	pthread_mutex_lock(&dev->lock);
	if ((e->t->status & VIRTIO_STATUS_DRIVER_OK) && !dev->broken &&
	    dev->vqs[e->q].ready)
		dev->ops->queue_notify(dev, e->q);
	pthread_mutex_unlock(&dev->lock);
}

static struct kvm_ioevent ioevent_of(const struct virtio_mmio *t,
				     const struct mmio_ioevent *e)
{
	return (struct kvm_ioevent){
		.addr = t->base + VIRTIO_MMIO_QUEUE_NOTIFY,
		.len = 4,
		.datamatch = true,
		.data = e->q,
		.fd = e->fd,
	};
}

static void ioevents_stop(struct virtio_mmio *t)
{
	for (unsigned int q = 0; t->ioev && q < t->dev->nr_queues; q++) {
		struct mmio_ioevent *e = &t->ioev[q];
		struct kvm_ioevent ev = ioevent_of(t, e);

		if (e->in_kvm && kvm_vm_ioeventfd_remove(t->vm, &ev) < 0)
			log_warn("%s: remove ioeventfd of queue %u", t->name,
				 q);
		e->in_kvm = false;
	}
}

/* At DRIVER_OK; on failure the transport notifies synchronously. */
static void ioevents_start(struct virtio_mmio *t)
{
	for (unsigned int q = 0; t->ioev && q < t->dev->nr_queues; q++) {
		struct mmio_ioevent *e = &t->ioev[q];
		struct kvm_ioevent ev = ioevent_of(t, e);

		if (!t->dev->vqs[q].ready)
			continue;
		if (kvm_vm_ioeventfd(t->vm, &ev) < 0) {
			log_warn(
				"%s: ioeventfd for queue %u failed, notifying synchronously",
				t->name, q);
			ioevents_stop(t);
			return;
		}
		e->in_kvm = true;
	}
}

static void ioevents_free(struct virtio_mmio *t, unsigned int n)
{
	for (unsigned int q = 0; q < n; q++) {
		eventloop_del(t->loop, t->ioev[q].fd);
		close(t->ioev[q].fd);
	}
	free(t->ioev);
	t->ioev = NULL;
}

/* At creation, while the loop does not run yet. Failure is not fatal. */
static void ioevents_alloc(struct virtio_mmio *t)
{
	unsigned int n = t->dev->nr_queues, q;

	if (!t->vm || !t->loop || n == 0)
		return;
	t->ioev = calloc(n, sizeof(*t->ioev));
	if (!t->ioev)
		return;
	for (q = 0; q < n; q++) {
		struct mmio_ioevent *e = &t->ioev[q];

		*e = (struct mmio_ioevent){ .t = t, .q = q };
		e->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (e->fd < 0)
			break;
		if (eventloop_add(t->loop, e->fd, EPOLLIN, on_ioevent, e) < 0) {
			close(e->fd);
			break;
		}
	}
	if (q < n) {
		log_warn("%s: no ioeventfds, notifying synchronously", t->name);
		ioevents_free(t, q);
	}
}

/* ---- interrupts and the broken state (called with dev->lock held) ---- */

static void mmio_notify(void *transport, uint32_t isr, unsigned int q)
{
	struct virtio_mmio *t = transport;

	(void)q;
	if (isr & VIRTIO_ISR_CONFIG)
		t->config_gen++;
	__atomic_fetch_or(&t->isr, isr, __ATOMIC_SEQ_CST);
	if (t->irq)
		irq_line_pulse(t->irq);
}

static void mmio_set_broken(void *transport)
{
	struct virtio_mmio *t = transport;

	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (t->status & VIRTIO_STATUS_DRIVER_OK)
		mmio_notify(t, VIRTIO_ISR_CONFIG, 0);
}

static const struct virtio_transport_ops mmio_transport_ops = {
	.notify = mmio_notify,
	.set_broken = mmio_set_broken,
};

/* ---- status state machine ---- */

static void mmio_reset(struct virtio_mmio *t)
{
	struct virtio_dev *dev = t->dev;

	ioevents_stop(t);
	virtio_dev_reset(dev);
	t->status = 0;
	t->dev_feat_sel = 0;
	t->drv_feat_sel = 0;
	t->queue_sel = 0;
	t->driver_features = 0;
	__atomic_store_n(&t->isr, 0, __ATOMIC_SEQ_CST);
}

static void write_status(struct virtio_mmio *t, uint32_t val)
{
	bool ok;
	int next = virtio_status_next(t->dev, t->status, val,
				      t->driver_features, &ok);

	if (next == 0)
		mmio_reset(t);
	else if (next > 0)
		t->status = (uint32_t)next;
	if (ok && virtio_dev_activate(t->dev) == 0)
		ioevents_start(t);
}

/* ---- queue registers ---- */

/* Queue layout may only change after FEATURES_OK, before DRIVER_OK. */
static struct virtqueue *setup_vq(struct virtio_mmio *t, uint64_t off)
{
	struct virtqueue *vq = cur_vq(t);

	if (!vq || vq->ready || !(t->status & VIRTIO_STATUS_FEATURES_OK) ||
	    (t->status & VIRTIO_STATUS_DRIVER_OK)) {
		bad_access(t, "queue register 0x%llx in status 0x%x, queue %u",
			   (unsigned long long)off, t->status, t->queue_sel);
		return NULL;
	}
	return vq;
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffull) | ((uint64_t)val << 32);
	else
		*v = (*v & ~0xffffffffull) | val;
}

static void enable_vq(struct virtio_mmio *t, struct virtqueue *vq)
{
	if (virtqueue_enable(t->dev, vq) < 0)
		virtio_dev_set_broken(
			t->dev,
			"queue %u: bad size %u or rings 0x%llx/0x%llx/0x%llx",
			t->queue_sel, vq->size,
			(unsigned long long)vq->desc_gpa,
			(unsigned long long)vq->avail_gpa,
			(unsigned long long)vq->used_gpa);
}

static void write_queue_ready(struct virtio_mmio *t, uint32_t val)
{
	struct virtqueue *vq = cur_vq(t);

	if (vq && val == 0) {
		vq->ready = false;
		return;
	}
	vq = setup_vq(t, VIRTIO_MMIO_QUEUE_READY);
	if (vq && val == 1)
		enable_vq(t, vq);
}

static void write_queue_reg(struct virtio_mmio *t, uint64_t off, uint32_t val)
{
	struct virtqueue *vq = setup_vq(t, off);
	bool high = off & 4;

	if (!vq)
		return;
	switch (off & ~4ull) {
	case VIRTIO_MMIO_QUEUE_NUM:
		/* Too big to store: 0 makes QueueReady fail validation. */
		vq->size = val > VIRTQ_MAX_SIZE ? 0 : (uint16_t)val;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		set_half(&vq->desc_gpa, high, val);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		set_half(&vq->avail_gpa, high, val);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		set_half(&vq->used_gpa, high, val);
		break;
	}
}

static void write_queue_notify(struct virtio_mmio *t, uint32_t q)
{
	struct virtio_dev *dev = t->dev;

	if (!(t->status & VIRTIO_STATUS_DRIVER_OK) || dev->broken ||
	    q >= dev->nr_queues || !dev->vqs[q].ready) {
		bad_access(t, "notify of queue %u ignored (status 0x%x)", q,
			   t->status);
		return;
	}
	dev->ops->queue_notify(dev, q);
}

static void write_driver_features(struct virtio_mmio *t, uint32_t val)
{
	if (!(t->status & VIRTIO_STATUS_DRIVER) ||
	    (t->status & VIRTIO_STATUS_FEATURES_OK) || t->drv_feat_sel > 1) {
		bad_access(t, "DriverFeatures write in status 0x%x, sel %u",
			   t->status, t->drv_feat_sel);
		return;
	}
	set_half(&t->driver_features, t->drv_feat_sel == 1, val);
}

/* ---- register dispatch ---- */

static void reg_write(struct virtio_mmio *t, uint64_t off, uint32_t val)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_feat_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		write_driver_features(t, val);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_feat_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		write_queue_reg(t, off, val);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		write_queue_ready(t, val);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		write_queue_notify(t, val);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		__atomic_fetch_and(&t->isr, ~val, __ATOMIC_SEQ_CST);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(t, val);
		break;
	case VIRTIO_MMIO_SHM_SEL:
		break;
	default:
		bad_access(t, "write 0x%x to offset 0x%llx", val,
			   (unsigned long long)off);
	}
}

static uint32_t features_word(struct virtio_mmio *t)
{
	uint64_t f = host_features(t);

	if (t->dev_feat_sel == 0)
		return (uint32_t)f;
	return t->dev_feat_sel == 1 ? (uint32_t)(f >> 32) : 0;
}

static uint32_t queue_reg(struct virtio_mmio *t, uint64_t off)
{
	struct virtqueue *vq = cur_vq(t);

	if (!vq)
		return 0;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq->max_size;
	case VIRTIO_MMIO_QUEUE_NUM:
		return vq->size;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq->ready;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return (uint32_t)vq->desc_gpa;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return (uint32_t)(vq->desc_gpa >> 32);
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		return (uint32_t)vq->avail_gpa;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		return (uint32_t)(vq->avail_gpa >> 32);
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		return (uint32_t)vq->used_gpa;
	default:
		return (uint32_t)(vq->used_gpa >> 32);
	}
}

static uint32_t reg_read(struct virtio_mmio *t, uint64_t off)
{
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION_REG:
		return VIRTIO_MMIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->dev->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return features_word(t);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
	case VIRTIO_MMIO_QUEUE_NUM:
	case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return queue_reg(t, off);
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return __atomic_load_n(&t->isr, __ATOMIC_SEQ_CST);
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_gen;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffff; /* no shared memory regions */
	default:
		bad_access(t, "read of offset 0x%llx", (unsigned long long)off);
		return 0;
	}
}

static void mmio_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct virtio_mmio *t = opaque;
	struct virtio_dev *dev = t->dev;
	uint32_t val;

	pthread_mutex_lock(&dev->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		memset(data, 0, len);
		if (dev->ops->cfg_read)
			dev->ops->cfg_read(dev, off - VIRTIO_MMIO_CONFIG, data,
					   len);
	} else if (len != 4 || (off & 3)) {
		bad_access(t, "read of %u bytes at 0x%llx", len,
			   (unsigned long long)off);
		memset(data, 0, len);
	} else {
		val = reg_read(t, off);
		memcpy(data, &val, 4);
	}
	pthread_mutex_unlock(&dev->lock);
}

static void mmio_write(void *opaque, uint64_t off, const void *data,
		       unsigned int len)
{
	struct virtio_mmio *t = opaque;
	struct virtio_dev *dev = t->dev;
	uint32_t val;

	pthread_mutex_lock(&dev->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		if (dev->ops->cfg_write)
			dev->ops->cfg_write(dev, off - VIRTIO_MMIO_CONFIG, data,
					    len);
	} else if (len != 4 || (off & 3)) {
		bad_access(t, "write of %u bytes at 0x%llx", len,
			   (unsigned long long)off);
	} else {
		memcpy(&val, data, 4);
		reg_write(t, off, val);
	}
	pthread_mutex_unlock(&dev->lock);
}

static const struct bus_ops mmio_bus_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

int virtio_mmio_create(const struct virtio_mmio_args *a,
		       struct virtio_mmio **out)
{
	struct virtio_mmio *t;
	int ret;

	if (!a->bus || !a->dev || !a->dev->ops || !a->dev->mem)
		return -EINVAL;
	t = xcalloc(1, sizeof(*t));
	*t = (struct virtio_mmio){
		.bus = a->bus,
		.base = a->base,
		.irq = a->irq,
		.dev = a->dev,
		.vm = a->vm,
		.loop = a->loop,
	};
	snprintf(t->name, sizeof(t->name), "virtio-mmio@0x%llx(%s)",
		 (unsigned long long)a->base, a->dev->name ? a->dev->name : "");
	ioevents_alloc(t);
	ret = bus_register(a->bus, a->base, VIRTIO_MMIO_SIZE, &mmio_bus_ops, t,
			   t->name);
	if (ret < 0)
		goto err_free;
	a->dev->transport_ops = &mmio_transport_ops;
	a->dev->transport = t;
	*out = t;
	return 0;

err_free:
	if (t->ioev)
		ioevents_free(t, a->dev->nr_queues);
	free(t);
	return ret;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	if (!t)
		return;
	if (bus_unregister(t->bus, t->base) < 0)
		log_warn("%s: not registered on the bus", t->name);
	pthread_mutex_lock(&t->dev->lock);
	ioevents_stop(t);
	t->dev->transport_ops = NULL;
	t->dev->transport = NULL;
	pthread_mutex_unlock(&t->dev->lock);
	if (t->ioev)
		ioevents_free(t, t->dev->nr_queues);
	free(t);
}

uint32_t virtio_mmio_status(struct virtio_mmio *t)
{
	uint32_t s;

	pthread_mutex_lock(&t->dev->lock);
	s = t->status;
	pthread_mutex_unlock(&t->dev->lock);
	return s;
}
