// SPDX-License-Identifier: MIT
/*
 * Modern virtio-pci transport. Register state is protected by dev->lock,
 * taken by the BAR handlers around every access and held whenever the
 * device calls back (notify, set_broken). Lock order: root lock or
 * dev->lock, then the MSI-X lock. Queue notifies are handled synchronously
 * on the vCPU that wrote the notify register.
 */
#include "vmm/virtio/pci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/irq/irq.h"
#include "vmm/pci/pci.h"
#include "vmm/virtio/virtio.h"

#define LOG_MODULE "virtio-pci"
#include "sv/log.h"

#define CAP_COMMON	1
#define CAP_NOTIFY	2
#define CAP_ISR		3
#define CAP_DEVICE	4

struct virtio_pci {
	struct pci_dev pci;
	struct pci_msix msix;
	struct virtio_dev *dev;
	struct irq_line *intx;
	char name[64];
	/* Protected by dev->lock. */
	uint8_t status;
	uint8_t config_gen;
	uint32_t dfsel, gfsel;
	uint64_t driver_features;
	uint16_t qsel;
	uint16_t msix_config;
	uint16_t qvec[VIRTIO_PCI_MAX_QUEUES];
	uint8_t isr;
};

#define bad_access(t, fmt, ...) \
	log_warn_ratelimited("%s: " fmt, (t)->name, ##__VA_ARGS__)

static uint64_t host_features(struct virtio_pci *t)
{
	return virtio_offered_features(t->dev);
}

static struct virtqueue *cur_vq(struct virtio_pci *t)
{
	return t->qsel < t->dev->nr_queues ? &t->dev->vqs[t->qsel] : NULL;
}

/* ---- interrupts (dev->lock held) ---- */

static void intx_update(struct virtio_pci *t)
{
	bool off = pci_get_word(&t->pci, PCI_COMMAND) &
		   PCI_COMMAND_INTX_DISABLE;

	if (t->intx)
		irq_line_set(t->intx, t->isr && !off);
}

static void pci_notify(void *transport, uint32_t isr, unsigned int q)
{
	struct virtio_pci *t = transport;
	uint16_t vec;

	if (isr & VIRTIO_ISR_CONFIG)
		t->config_gen++;
	if (pci_msix_enabled(&t->msix)) {
		vec = (isr & VIRTIO_ISR_CONFIG) ? t->msix_config :
		      q < VIRTIO_PCI_MAX_QUEUES ? t->qvec[q] :
						  VIRTIO_PCI_NO_VECTOR;
		if (vec != VIRTIO_PCI_NO_VECTOR)
			pci_msix_notify(&t->msix, vec);
		return;
	}
	t->isr |= (uint8_t)isr;
	intx_update(t);
}

static void pci_set_broken(void *transport)
{
	struct virtio_pci *t = transport;

	t->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (t->status & VIRTIO_STATUS_DRIVER_OK)
		pci_notify(t, VIRTIO_ISR_CONFIG, 0);
}

static const struct virtio_transport_ops pci_transport_ops = {
	.notify = pci_notify,
	.set_broken = pci_set_broken,
};

/* ---- status state machine ---- */

static void transport_reset(struct virtio_pci *t)
{
	unsigned int q;

	virtio_dev_reset(t->dev);
	t->status = 0;
	t->dfsel = t->gfsel = 0;
	t->qsel = 0;
	t->driver_features = 0;
	t->msix_config = VIRTIO_PCI_NO_VECTOR;
	for (q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++)
		t->qvec[q] = VIRTIO_PCI_NO_VECTOR;
	t->isr = 0;
	intx_update(t);
}

static void write_status(struct virtio_pci *t, uint8_t val)
{
	bool ok;
	int next = virtio_status_next(t->dev, t->status, val,
				      t->driver_features, &ok);

	if (next == 0)
		transport_reset(t);
	else if (next > 0)
		t->status = (uint8_t)next;
	if (ok)
		(void)virtio_dev_activate(t->dev);
}

/* ---- common configuration ---- */

static void common_snapshot(struct virtio_pci *t, uint8_t *b)
{
	struct virtqueue *vq = cur_vq(t);
	uint64_t df = t->dfsel < 2 ? host_features(t) >> (32 * t->dfsel) : 0;
	uint64_t gf = t->gfsel < 2 ? t->driver_features >> (32 * t->gfsel) : 0;
	uint16_t w;

	memset(b, 0, VIRTIO_PCI_COMMON_LEN);
	memcpy(b + VIRTIO_PCI_DFSELECT, &t->dfsel, 4);
	memcpy(b + VIRTIO_PCI_DF, &(uint32_t){ (uint32_t)df }, 4);
	memcpy(b + VIRTIO_PCI_GFSELECT, &t->gfsel, 4);
	memcpy(b + VIRTIO_PCI_GF, &(uint32_t){ (uint32_t)gf }, 4);
	memcpy(b + VIRTIO_PCI_MSIX_CONFIG, &t->msix_config, 2);
	w = (uint16_t)t->dev->nr_queues;
	memcpy(b + VIRTIO_PCI_NUM_QUEUES, &w, 2);
	b[VIRTIO_PCI_STATUS] = t->status;
	b[VIRTIO_PCI_CFG_GEN] = t->config_gen;
	memcpy(b + VIRTIO_PCI_Q_SELECT, &t->qsel, 2);
	if (!vq)
		return;
	memcpy(b + VIRTIO_PCI_Q_SIZE, &vq->size, 2);
	memcpy(b + VIRTIO_PCI_Q_MSIX, &t->qvec[t->qsel], 2);
	b[VIRTIO_PCI_Q_ENABLE] = vq->ready;
	memcpy(b + VIRTIO_PCI_Q_NOFF, &t->qsel, 2);
	memcpy(b + VIRTIO_PCI_Q_DESC, &vq->desc_gpa, 8);
	memcpy(b + VIRTIO_PCI_Q_AVAIL, &vq->avail_gpa, 8);
	memcpy(b + VIRTIO_PCI_Q_USED, &vq->used_gpa, 8);
}

static void common_read(struct virtio_pci *t, uint64_t off, void *data,
			unsigned int len)
{
	uint8_t b[VIRTIO_PCI_COMMON_LEN];

	if (off + len > VIRTIO_PCI_COMMON_LEN) {
		memset(data, 0xff, len);
		return;
	}
	common_snapshot(t, b);
	memcpy(data, b + off, len);
}

static struct virtqueue *setup_vq(struct virtio_pci *t, uint64_t off)
{
	struct virtqueue *vq = cur_vq(t);

	if (!vq || vq->ready || !(t->status & VIRTIO_STATUS_FEATURES_OK) ||
	    (t->status & VIRTIO_STATUS_DRIVER_OK)) {
		bad_access(t, "queue register 0x%llx in status 0x%x, queue %u",
			   (unsigned long long)off, t->status, t->qsel);
		return NULL;
	}
	return vq;
}

static void enable_vq(struct virtio_pci *t, struct virtqueue *vq)
{
	if (virtqueue_enable(t->dev, vq) < 0)
		virtio_dev_set_broken(t->dev, "queue %u: bad size %u or rings",
				      t->qsel, vq->size);
}

/* 64-bit ring addresses, written whole or as two 32-bit halves. */
static void write_ring_addr(struct virtio_pci *t, uint64_t off, uint64_t val,
			    unsigned int len)
{
	struct virtqueue *vq = setup_vq(t, off);
	uint64_t *field;
	unsigned int shift = (off & 4) ? 32 : 0;

	if (!vq || (len != 4 && len != 8) || (len == 8 && (off & 4)))
		return;
	field = off < VIRTIO_PCI_Q_AVAIL ? &vq->desc_gpa :
		off < VIRTIO_PCI_Q_USED  ? &vq->avail_gpa :
					   &vq->used_gpa;
	if (len == 8) {
		*field = val;
		return;
	}
	*field &= ~(0xffffffffull << shift);
	*field |= (val & 0xffffffffull) << shift;
}

static uint16_t checked_vector(struct virtio_pci *t, uint16_t v)
{
	return v < t->msix.nr ? v : VIRTIO_PCI_NO_VECTOR;
}

static void write_queue16(struct virtio_pci *t, uint64_t off, uint16_t v)
{
	struct virtqueue *vq;

	if (off == VIRTIO_PCI_Q_SELECT) {
		t->qsel = v;
		return;
	}
	if (off == VIRTIO_PCI_Q_MSIX) {
		if (t->qsel < t->dev->nr_queues &&
		    t->qsel < VIRTIO_PCI_MAX_QUEUES)
			t->qvec[t->qsel] = checked_vector(t, v);
		return;
	}
	vq = setup_vq(t, off);
	if (!vq)
		return;
	if (off == VIRTIO_PCI_Q_SIZE)
		vq->size = v > vq->max_size ? 0 : v;
	else if (off == VIRTIO_PCI_Q_ENABLE && v == 1)
		enable_vq(t, vq);
}

static void write_features(struct virtio_pci *t, uint32_t val)
{
	if (t->status & VIRTIO_STATUS_FEATURES_OK) {
		bad_access(t, "driver features written after FEATURES_OK");
		return;
	}
	if (t->gfsel == 0)
		t->driver_features = (t->driver_features & ~0xffffffffull) |
				     val;
	else if (t->gfsel == 1)
		t->driver_features = (t->driver_features & 0xffffffffull) |
				     ((uint64_t)val << 32);
}

static void common_write(struct virtio_pci *t, uint64_t off, uint64_t val,
			 unsigned int len)
{
	if (off >= VIRTIO_PCI_Q_DESC && off < VIRTIO_PCI_COMMON_LEN) {
		write_ring_addr(t, off, val, len);
		return;
	}
	if (len == 4 && off == VIRTIO_PCI_DFSELECT)
		t->dfsel = (uint32_t)val;
	else if (len == 4 && off == VIRTIO_PCI_GFSELECT)
		t->gfsel = (uint32_t)val;
	else if (len == 4 && off == VIRTIO_PCI_GF)
		write_features(t, (uint32_t)val);
	else if (len == 2 && off == VIRTIO_PCI_MSIX_CONFIG)
		t->msix_config = checked_vector(t, (uint16_t)val);
	else if (len == 1 && off == VIRTIO_PCI_STATUS)
		write_status(t, (uint8_t)val);
	else if (len == 2 && off >= VIRTIO_PCI_Q_SELECT &&
		 off <= VIRTIO_PCI_Q_ENABLE)
		write_queue16(t, off, (uint16_t)val);
	else
		bad_access(t, "common cfg write 0x%llx/%u ignored",
			   (unsigned long long)off, len);
}

static void write_notify(struct virtio_pci *t, uint64_t off)
{
	struct virtio_dev *dev = t->dev;
	uint64_t q = off / VIRTIO_PCI_NOTIFY_MULT;

	if (!(t->status & VIRTIO_STATUS_DRIVER_OK) || dev->broken ||
	    q >= dev->nr_queues || !dev->vqs[q].ready) {
		bad_access(t, "notify of queue %llu ignored (status 0x%x)",
			   (unsigned long long)q, t->status);
		return;
	}
	dev->ops->queue_notify(dev, (unsigned int)q);
}

/* ---- BAR 0 ---- */

static uint8_t read_isr(struct virtio_pci *t)
{
	uint8_t v = t->isr;

	t->isr = 0;
	intx_update(t);
	return v;
}

static void bar_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct virtio_pci *t = opaque;
	struct virtio_dev *dev = t->dev;

	if (off >= VIRTIO_PCI_MSIX_OFF) {
		if (off >= VIRTIO_PCI_PBA_OFF)
			pci_msix_pba_read(&t->msix, off - VIRTIO_PCI_PBA_OFF,
					  data, len);
		else
			pci_msix_table_read(&t->msix,
					    off - VIRTIO_PCI_MSIX_OFF, data,
					    len);
		return;
	}
	memset(data, 0, len);
	pthread_mutex_lock(&dev->lock);
	if (off < VIRTIO_PCI_ISR_OFF)
		common_read(t, off, data, len);
	else if (off == VIRTIO_PCI_ISR_OFF)
		*(uint8_t *)data = read_isr(t);
	else if (off >= VIRTIO_PCI_DEVICE_OFF && off < VIRTIO_PCI_NOTIFY_OFF &&
		 dev->ops->cfg_read)
		dev->ops->cfg_read(dev, off - VIRTIO_PCI_DEVICE_OFF, data,
				   len);
	pthread_mutex_unlock(&dev->lock);
}

static void bar_write(void *opaque, uint64_t off, const void *data,
		      unsigned int len)
{
	struct virtio_pci *t = opaque;
	struct virtio_dev *dev = t->dev;
	uint64_t val = 0;

	if (off >= VIRTIO_PCI_MSIX_OFF) {
		if (off < VIRTIO_PCI_PBA_OFF)
			pci_msix_table_write(&t->msix,
					     off - VIRTIO_PCI_MSIX_OFF, data,
					     len);
		return;
	}
	memcpy(&val, data, len > 8 ? 8 : len);
	pthread_mutex_lock(&dev->lock);
	if (off < VIRTIO_PCI_ISR_OFF)
		common_write(t, off, val, len);
	else if (off >= VIRTIO_PCI_DEVICE_OFF &&
		 off < VIRTIO_PCI_NOTIFY_OFF && dev->ops->cfg_write)
		dev->ops->cfg_write(dev, off - VIRTIO_PCI_DEVICE_OFF, data,
				    len);
	else if (off >= VIRTIO_PCI_NOTIFY_OFF)
		write_notify(t, off - VIRTIO_PCI_NOTIFY_OFF);
	pthread_mutex_unlock(&dev->lock);
}

static const struct bus_ops bar_ops = { bar_read, bar_write };

/* ---- PCI function ---- */

static void cfg_hook(struct pci_dev *pci, uint32_t off, uint32_t val,
		     unsigned int len)
{
	struct virtio_pci *t = pci->opaque;

	(void)val;
	pci_msix_cfg_write(&t->msix, off, len);
	if (off <= PCI_COMMAND + 1 && off + len > PCI_COMMAND) {
		pthread_mutex_lock(&t->dev->lock);
		intx_update(t);
		pthread_mutex_unlock(&t->dev->lock);
	}
}

static void reset_hook(struct pci_dev *pci)
{
	struct virtio_pci *t = pci->opaque;

	pthread_mutex_lock(&t->dev->lock);
	transport_reset(t);
	pthread_mutex_unlock(&t->dev->lock);
	pci_msix_reset(&t->msix);
}

static const struct pci_dev_ops virtio_pci_dev_ops = {
	.cfg_write = cfg_hook,
	.reset = reset_hook,
};

static int add_vcap(struct virtio_pci *t, uint8_t type, uint32_t off,
		    uint32_t len)
{
	unsigned int size = type == CAP_NOTIFY ? 20 : 16;
	int cap = pci_cap_add(&t->pci, PCI_CAP_ID_VNDR, size);

	if (cap < 0)
		return cap;
	t->pci.cfg[cap + 2] = (uint8_t)size;
	t->pci.cfg[cap + 3] = type;
	t->pci.cfg[cap + 4] = 0;	/* BAR 0 */
	pci_set_long(&t->pci, (uint32_t)cap + 8, off);
	pci_set_long(&t->pci, (uint32_t)cap + 12, len);
	if (type == CAP_NOTIFY)
		pci_set_long(&t->pci, (uint32_t)cap + 16,
			     VIRTIO_PCI_NOTIFY_MULT);
	return 0;
}

static int setup_function(struct virtio_pci *t,
			  const struct virtio_pci_args *a)
{
	struct pci_msix_args m = {
		.nr_vectors = t->dev->nr_queues + 1, .bar = 0,
		.table_off = VIRTIO_PCI_MSIX_OFF, .pba_off = VIRTIO_PCI_PBA_OFF,
		.signal = a->signal, .signal_opaque = a->signal_opaque,
	};
	uint32_t class = t->dev->device_id == 2 ? 0x018000 : 0xff0000;
	int ret;

	pci_dev_init(&t->pci, VIRTIO_PCI_VENDOR,
		     (uint16_t)(VIRTIO_PCI_DEVICE_BASE + t->dev->device_id),
		     class, PCI_HEADER_TYPE_NORMAL);
	t->pci.cfg[PCI_REVISION_ID] = 1;
	pci_set_word(&t->pci, PCI_SUBSYS_VENDOR_ID, VIRTIO_PCI_VENDOR);
	pci_set_word(&t->pci, PCI_SUBSYS_ID, 0x1100);
	t->pci.cfg[PCI_INTERRUPT_PIN] = 1;
	t->pci.name = t->name;
	t->pci.ops = &virtio_pci_dev_ops;
	t->pci.opaque = t;
	ret = pci_bar_register(&t->pci, 0, VIRTIO_PCI_BAR_SIZE,
			       PCI_BAR_MEM64 | PCI_BAR_PREFETCH, &bar_ops, t);
	if (!ret)
		ret = pci_msix_init(&t->msix, &t->pci, &m);
	if (!ret)
		ret = add_vcap(t, CAP_COMMON, VIRTIO_PCI_COMMON_OFF,
			       VIRTIO_PCI_COMMON_LEN);
	if (!ret)
		ret = add_vcap(t, CAP_ISR, VIRTIO_PCI_ISR_OFF, 1);
	if (!ret)
		ret = add_vcap(t, CAP_DEVICE, VIRTIO_PCI_DEVICE_OFF, 0x1000);
	if (!ret)
		ret = add_vcap(t, CAP_NOTIFY, VIRTIO_PCI_NOTIFY_OFF,
			       VIRTIO_PCI_NOTIFY_MULT * t->dev->nr_queues);
	return ret;
}

int virtio_pci_create(const struct virtio_pci_args *a, struct virtio_pci **out)
{
	struct virtio_pci *t;
	int ret;

	if (!a->dev || !a->dev->mem || a->dev->nr_queues == 0 ||
	    a->dev->nr_queues > VIRTIO_PCI_MAX_QUEUES)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->dev = a->dev;
	t->intx = a->intx;
	snprintf(t->name, sizeof(t->name), "virtio-pci %s",
		 a->dev->name ? a->dev->name : "?");
	ret = setup_function(t, a);
	if (ret < 0) {
		log_err("%s: creating the PCI function: %s", t->name,
			strerror(-ret));
		free(t);
		return ret;
	}
	pthread_mutex_lock(&t->dev->lock);
	transport_reset(t);
	t->dev->transport_ops = &pci_transport_ops;
	t->dev->transport = t;
	pthread_mutex_unlock(&t->dev->lock);
	*out = t;
	return 0;
}

void virtio_pci_destroy(struct virtio_pci *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->dev->lock);
	t->dev->transport_ops = NULL;
	t->dev->transport = NULL;
	pthread_mutex_unlock(&t->dev->lock);
	pci_msix_fini(&t->msix);
	free(t);
}

struct pci_dev *virtio_pci_pci_dev(struct virtio_pci *t)
{
	return &t->pci;
}

uint8_t virtio_pci_status(struct virtio_pci *t)
{
	uint8_t s;

	pthread_mutex_lock(&t->dev->lock);
	s = t->status;
	pthread_mutex_unlock(&t->dev->lock);
	return s;
}
