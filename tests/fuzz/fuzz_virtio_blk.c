// SPDX-License-Identifier: MIT
/*
 * Fuzz virtio-blk behind the virtio-mmio transport. Each input sets up a
 * fresh device on a bus over a memfd-backed image and replays a list of
 * small operations: register reads/writes, a Linux-like bring-up, writes
 * of descriptors and raw guest memory, block requests (type, sector,
 * segments), avail publishes and queue kicks. Sanitizers catch the rest.
 *
 * Input: byte 0 device flags (bit 0 read-only, bit 1 serial), byte 1 queue
 * size selector, then operations: opcode byte, then its arguments.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/unit/virtio_harness.h"
#include "vmm/backends/block.h"
#include "vmm/virtio/blk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IMG_SIZE (128 * 512)
#define REQ_HDR H_DATA
#define REQ_STATUS (H_DATA + 0x100)
#define REQ_BUF (H_DATA + 0x1000)

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes && in->n > 0; i++, in->n--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

static void put(struct harness *h, uint64_t off, const void *src, size_t len)
{
	if (off < H_RAM_SIZE && len <= H_RAM_SIZE - off)
		memcpy(h->ram + off, src, len);
}

static int image_fd = -1;
static uint8_t ram[H_RAM_SIZE] __attribute__((aligned(4096)));
static uint8_t rom[H_ROM_SIZE] __attribute__((aligned(4096)));

/* A fresh zeroed image each run, opened through /proc like a file. */
static struct block_backend *open_image(bool readonly)
{
	struct block_backend *be;
	char path[64];

	if (image_fd < 0)
		image_fd = memfd_create("fuzz-blk", MFD_CLOEXEC);
	if (image_fd < 0 || ftruncate(image_fd, 0) < 0 ||
	    ftruncate(image_fd, IMG_SIZE) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", image_fd);
	if (block_open(path, readonly, false, &be) < 0)
		abort();
	return be;
}

static const unsigned int lens[] = { 1, 2, 4, 8 };

static void op_reg(struct harness *h, struct input *in, bool write)
{
	uint64_t off = take(in, 2) % VIRTIO_MMIO_SIZE;
	unsigned int len = lens[take(in, 1) % 4];
	uint64_t v = write ? take(in, len) : 0;

	if (write)
		bus_write(&h->bus, H_MMIO_BASE + off, &v, len);
	else
		bus_read(&h->bus, H_MMIO_BASE + off, &v, len);
}

static void op_bring_up(struct harness *h, struct input *in)
{
	uint8_t f = (uint8_t)take(in, 1);
	uint64_t features = 1ull << VIRTIO_F_VERSION_1;

	if (f & 1)
		features |= 1ull << VIRTIO_F_RING_INDIRECT_DESC;
	if (f & 2)
		features |= 1ull << VIRTIO_F_RING_EVENT_IDX;
	if (f & 4)
		features |= 1ull << VIRTIO_BLK_F_FLUSH;
	if (f & 8)
		features |= 1ull << (f >> 4); /* maybe an unoffered bit */
	h_negotiate(h, features);
	h_setup_queue(h, 0, (uint16_t)(1u << (take(in, 1) % 11)));
	h_driver_ok(h);
}

static uint64_t take_gpa(struct input *in)
{
	switch (take(in, 1) % 3) {
	case 0:
		return h_gpa(take(in, 3) % H_RAM_SIZE);
	case 1:
		return h_gpa(REQ_BUF + take(in, 2));
	default:
		return take(in, 8);
	}
}

static void op_desc(struct harness *h, struct input *in)
{
	unsigned int idx = (unsigned int)take(in, 2) % VIRTQ_MAX_SIZE;
	uint64_t gpa = take_gpa(in);
	uint32_t len = (uint32_t)take(in, 4);
	uint16_t flags = (uint16_t)take(in, 1);
	uint16_t next = (uint16_t)take(in, 2);

	if (len & 0x80000000u)
		len &= 0xffff;
	h_desc(h, idx, gpa, len, flags, next);
}

static void op_raw(struct harness *h, struct input *in)
{
	uint64_t off = take(in, 3) % H_RAM_SIZE;
	size_t len = (size_t)take(in, 1);

	len = len < in->n ? len : in->n;
	put(h, off, in->p, len);
	in->p += len;
	in->n -= len;
}

/* A block request in descriptors base..: header, segments, status. */
static void op_request(struct harness *h, struct input *in)
{
	static const uint32_t types[] = { VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
					  VIRTIO_BLK_T_FLUSH,
					  VIRTIO_BLK_T_GET_ID };
	uint8_t t = (uint8_t)take(in, 1);
	uint32_t type = t < 0xf0 ? types[t % 4] : (uint32_t)take(in, 4);
	uint8_t smode = (uint8_t)take(in, 1);
	uint64_t sector = smode & 1 ? take(in, 8) : take(in, 1);
	unsigned int nseg = (unsigned int)take(in, 1) % 5;
	uint32_t seg = (uint32_t)take(in, 2) % 0x1001;
	unsigned int base = (unsigned int)take(in, 1);
	uint16_t dflag = type == VIRTIO_BLK_T_OUT ? 0 : H_DESC_F_WRITE;
	uint8_t hdr[16] = { 0 };
	unsigned int i, d = base;

	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	put(h, REQ_HDR, hdr, 16);
	h_desc(h, d, h_gpa(REQ_HDR), 16, H_DESC_F_NEXT, (uint16_t)(d + 1));
	for (i = 0, d++; i < nseg; i++, d++)
		h_desc(h, d, h_gpa(REQ_BUF + i * seg), seg,
		       dflag | H_DESC_F_NEXT, (uint16_t)(d + 1));
	h_desc(h, d, h_gpa(REQ_STATUS), 1, H_DESC_F_WRITE, 0);
	h_publish(h, (uint16_t)base);
}

static void run_op(struct harness *h, struct input *in)
{
	uint16_t v;

	switch (take(in, 1) % 9) {
	case 0:
		op_reg(h, in, true);
		break;
	case 1:
		op_reg(h, in, false);
		break;
	case 2:
		op_bring_up(h, in);
		break;
	case 3:
		op_desc(h, in);
		break;
	case 4:
		op_raw(h, in);
		break;
	case 5:
		op_request(h, in);
		break;
	case 6:
		h_publish(h, (uint16_t)take(in, 2));
		break;
	case 7:
		h_w32(h, VIRTIO_MMIO_QUEUE_NOTIFY, (uint32_t)take(in, 1) % 3);
		break;
	default:
		v = (uint16_t)take(in, 2);
		if (take(in, 1) & 1)
			h_set_avail_idx(h, v);
		else if (h->qsize)
			h_set_used_event(h, v);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct virtio_blk_args a = { .id = "fuzz" };
	struct harness h;
	struct virtio_dev *dev;
	uint8_t flags = (uint8_t)take(&in, 1);

	a.readonly = flags & 1;
	a.serial = flags & 2 ? "fuzz-serial-0123456" : NULL;
	a.queue_size = 4u << (take(&in, 1) % 9); /* 4 .. 1024 */
	/* Static guest memory: no page faults per input. */
	if (h_init_on(&h, ram, rom) < 0)
		abort();
	a.backend = open_image(a.readonly);
	if (virtio_blk_create(&a, &dev) < 0 || h_attach(&h, dev) < 0)
		abort();
	while (in.n > 0)
		run_op(&h, &in);
	virtio_mmio_destroy(h.t);
	h.t = NULL;
	dev->ops->destroy(dev);
	h_fini(&h);
	return 0;
}
