/* SPDX-License-Identifier: MIT */
/*
 * Header-only test harness for the virtio unit tests and fuzz targets: a
 * fake guest (RAM in a malloc'd buffer, a counting interrupt line, an MMIO
 * bus) and a tiny split-ring "driver" that programs a virtio-mmio window
 * exactly the way Linux's virtio_mmio driver does. No cmocka in here, so
 * fuzz targets can include it too.
 */
#ifndef SV_TESTS_UNIT_VIRTIO_HARNESS_H
#define SV_TESTS_UNIT_VIRTIO_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus/bus.h"
#include "vmm/irq/irq.h"
#include "vmm/mem/mem.h"
#include "vmm/virtio/mmio.h"
#include "vmm/virtio/virtio.h"

/* Guest-physical layout of the fake RAM (not at 0: catches gpa/hva mixups). */
#define H_RAM_GPA 0x40000000ull
#define H_RAM_SIZE (1u << 20)
#define H_DESC 0x1000 /* up to 1024 * 16 bytes */
#define H_AVAIL 0x5000 /* 6 + 2 * 1024 */
#define H_USED 0x6000 /* 6 + 8 * 1024 */
#define H_IND 0x9000 /* indirect tables */
#define H_DATA 0x20000 /* request buffers */
/* A read-only region right after RAM (ROM-like). */
#define H_ROM_GPA (H_RAM_GPA + H_RAM_SIZE)
#define H_ROM_SIZE 0x1000
#define H_MMIO_BASE 0xd0000000ull

#define H_DESC_F_NEXT 1
#define H_DESC_F_WRITE 2
#define H_DESC_F_INDIRECT 4

struct harness {
	struct gmem mem;
	uint8_t *ram;
	uint8_t *rom;
	struct bus bus;
	struct irq_line irq;
	unsigned int irq_count;
	struct virtio_mmio *t;
	uint16_t qsize;
	uint16_t avail_idx; /* driver's next avail idx */
	bool owns_buffers;
};

static inline int h_fake_pulse(struct irq_line *line)
{
	((struct harness *)line->opaque)->irq_count++;
	return 0;
}

static inline int h_fake_set(struct irq_line *line, bool level)
{
	if (level)
		((struct harness *)line->opaque)->irq_count++;
	return 0;
}

static const struct irq_line_ops h_fake_irq_ops = {
	.set = h_fake_set,
	.pulse = h_fake_pulse,
};

/* RAM + ROM over caller buffers (H_RAM_SIZE, H_ROM_SIZE), bus, IRQ. */
static inline int h_init_on(struct harness *h, uint8_t *ram, uint8_t *rom)
{
	memset(h, 0, sizeof(*h));
	h->ram = ram;
	h->rom = rom;
	memset(h->ram, 0, H_RAM_SIZE);
	memset(h->rom, 0, H_ROM_SIZE);
	gmem_init(&h->mem);
	if (gmem_add_region(&h->mem, H_RAM_GPA, H_RAM_SIZE, h->ram, 0) < 0 ||
	    gmem_add_region(&h->mem, H_ROM_GPA, H_ROM_SIZE, h->rom,
			    GMEM_REGION_READONLY) < 0)
		return -EINVAL;
	bus_init(&h->bus, "mmio");
	h->irq = (struct irq_line){ .ops = &h_fake_irq_ops,
				    .opaque = h,
				    .fd = -1 };
	return 0;
}

/* Same with malloc'd buffers that h_fini() frees. */
static inline int h_init(struct harness *h)
{
	uint8_t *ram = aligned_alloc(4096, H_RAM_SIZE);
	uint8_t *rom = aligned_alloc(4096, H_ROM_SIZE);
	int ret;

	if (!ram || !rom) {
		free(ram);
		free(rom);
		return -ENOMEM;
	}
	ret = h_init_on(h, ram, rom);
	h->owns_buffers = true;
	return ret;
}

static inline void h_fini(struct harness *h)
{
	virtio_mmio_destroy(h->t);
	h->t = NULL;
	bus_fini(&h->bus);
	gmem_fini(&h->mem);
	if (h->owns_buffers) {
		free(h->ram);
		free(h->rom);
	}
	h->ram = h->rom = NULL;
}

/* Plug dev into a virtio-mmio window on the harness bus. */
static inline int h_attach(struct harness *h, struct virtio_dev *dev)
{
	struct virtio_mmio_args a = {
		.bus = &h->bus, .base = H_MMIO_BASE, .irq = &h->irq, .dev = dev
	};

	dev->mem = &h->mem;
	return virtio_mmio_create(&a, &h->t);
}

static inline void *h_ptr(struct harness *h, uint64_t off)
{
	return h->ram + off;
}

static inline uint64_t h_gpa(uint64_t off)
{
	return H_RAM_GPA + off;
}

/* ---- register access, as the guest would do it ---- */

static inline void h_w32(struct harness *h, uint64_t off, uint32_t v)
{
	bus_write(&h->bus, H_MMIO_BASE + off, &v, 4);
}

static inline uint32_t h_r32(struct harness *h, uint64_t off)
{
	uint32_t v = 0;

	bus_read(&h->bus, H_MMIO_BASE + off, &v, 4);
	return v;
}

static inline uint64_t h_device_features(struct harness *h)
{
	uint64_t f;

	h_w32(h, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)h_r32(h, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	h_w32(h, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | h_r32(h, VIRTIO_MMIO_DEVICE_FEATURES);
}

/* Linux's virtio_dev_probe up to FEATURES_OK; returns the status read back. */
static inline uint32_t h_negotiate(struct harness *h, uint64_t features)
{
	uint32_t s;

	h_w32(h, VIRTIO_MMIO_STATUS, 0);
	h_w32(h, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	h_w32(h, VIRTIO_MMIO_STATUS, s);
	(void)h_device_features(h);
	h_w32(h, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	h_w32(h, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	h_w32(h, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	h_w32(h, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	h_w32(h, VIRTIO_MMIO_STATUS, s | VIRTIO_STATUS_FEATURES_OK);
	return h_r32(h, VIRTIO_MMIO_STATUS);
}

static inline void h_w64(struct harness *h, uint64_t off, uint64_t v)
{
	h_w32(h, off, (uint32_t)v);
	h_w32(h, off + 4, (uint32_t)(v >> 32));
}

/* Linux's vm_setup_vq with explicit ring addresses. */
static inline void h_setup_queue_at(struct harness *h, unsigned int q,
				    uint16_t size, uint64_t desc,
				    uint64_t avail, uint64_t used)
{
	h_w32(h, VIRTIO_MMIO_QUEUE_SEL, q);
	h_w32(h, VIRTIO_MMIO_QUEUE_NUM, size);
	h_w64(h, VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
	h_w64(h, VIRTIO_MMIO_QUEUE_DRIVER_LOW, avail);
	h_w64(h, VIRTIO_MMIO_QUEUE_DEVICE_LOW, used);
	h_w32(h, VIRTIO_MMIO_QUEUE_READY, 1);
	h->qsize = size;
	h->avail_idx = 0;
}

static inline void h_setup_queue(struct harness *h, unsigned int q,
				 uint16_t size)
{
	memset(h_ptr(h, H_DESC), 0, H_USED + 8 * 1024 + 8 - H_DESC);
	h_setup_queue_at(h, q, size, h_gpa(H_DESC), h_gpa(H_AVAIL),
			 h_gpa(H_USED));
}

static inline void h_driver_ok(struct harness *h)
{
	h_w32(h, VIRTIO_MMIO_STATUS,
	      h_r32(h, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
}

/* ---- split ring, driver side (fake RAM at ring offsets above) ---- */

static inline void h_desc_at(uint8_t *table, unsigned int i, uint64_t gpa,
			     uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = table + 16 * i;

	memcpy(d, &gpa, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static inline void h_desc(struct harness *h, unsigned int i, uint64_t gpa,
			  uint32_t len, uint16_t flags, uint16_t next)
{
	h_desc_at(h_ptr(h, H_DESC), i, gpa, len, flags, next);
}

static inline void h_set_avail_idx(struct harness *h, uint16_t idx)
{
	memcpy(h_ptr(h, H_AVAIL + 2), &idx, 2);
}

/* Publish head in the avail ring (ring entry, then idx). */
static inline void h_publish(struct harness *h, uint16_t head)
{
	uint16_t slot = h->avail_idx % (h->qsize ? h->qsize : 1);

	memcpy(h_ptr(h, H_AVAIL + 4 + 2 * slot), &head, 2);
	h->avail_idx++;
	h_set_avail_idx(h, h->avail_idx);
}

static inline uint16_t h_used_idx(struct harness *h)
{
	uint16_t v;

	memcpy(&v, h_ptr(h, H_USED + 2), 2);
	return v;
}

static inline void h_used_elem(struct harness *h, unsigned int i, uint32_t *id,
			       uint32_t *len)
{
	uint8_t *e = h_ptr(h, H_USED + 4 + 8 * (i % h->qsize));

	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
}

/* used_event lives after the avail ring, avail_event after the used ring. */
static inline void h_set_used_event(struct harness *h, uint16_t v)
{
	memcpy(h_ptr(h, H_AVAIL + 4 + 2 * h->qsize), &v, 2);
}

static inline uint16_t h_avail_event(struct harness *h)
{
	uint16_t v;

	memcpy(&v, h_ptr(h, H_USED + 4 + 8 * h->qsize), 2);
	return v;
}

#endif /* SV_TESTS_UNIT_VIRTIO_HARNESS_H */
