// SPDX-License-Identifier: MIT
/*
 * Fuzz the split-ring walker. The input is decoded into small operations
 * (QEMU virtio-fuzz style) that build guest memory -- descriptors, avail
 * ring entries and index, raw bytes for indirect tables -- and then pop
 * and push requests. Every popped element is checked against the fake
 * guest memory: no iovec may point outside it, no writable iovec into ROM.
 *
 * Input: byte 0 queue size selector, byte 1 features (bit 0 INDIRECT,
 * bit 1 EVENT_IDX), then operations: opcode byte, then its arguments.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/mem/mem.h"
#include "vmm/virtio/virtio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_GPA 0x10000ull
#define RAM_SIZE 0x10000u
#define ROM_GPA (RAM_GPA + RAM_SIZE) /* adjacent: straddling must fail */
#define ROM_SIZE 0x1000u
#define DESC_OFF 0x0000u /* 1024 * 16 */
#define AVAIL_OFF 0x4000u /* 6 + 2 * 1024 */
#define USED_OFF 0x5000u /* 6 + 8 * 1024 */

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
static uint8_t rom[ROM_SIZE] __attribute__((aligned(4096)));
static struct virtq_elem elem;

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

static void put(size_t off, const void *src, size_t len)
{
	if (off < RAM_SIZE && len <= RAM_SIZE - off)
		memcpy(ram + off, src, len);
}

/* Addresses: mostly inside RAM or ROM, sometimes anything at all. */
static uint64_t take_gpa(struct input *in)
{
	switch (take(in, 1) % 4) {
	case 0:
		return RAM_GPA + take(in, 2);
	case 1:
		return ROM_GPA + take(in, 2) % (2 * ROM_SIZE);
	case 2:
		return RAM_GPA + RAM_SIZE - take(in, 1);
	default:
		return take(in, 8);
	}
}

static void op_desc(struct input *in, uint8_t *table)
{
	unsigned int idx = (unsigned int)take(in, 2) % VIRTQ_MAX_SIZE;
	uint64_t gpa = take_gpa(in);
	uint32_t len = (uint32_t)take(in, 4);
	uint16_t flags = (uint16_t)take(in, 1); /* NEXT|WRITE|INDIRECT|junk */
	uint16_t next = (uint16_t)take(in, 2);
	uint8_t d[16];

	if (len & 0x80000000u)
		len &= 0xfff; /* mostly small lengths */
	memcpy(d, &gpa, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	put((size_t)(table - ram) + 16 * idx, d, 16);
}

static bool in_buf(const struct iovec *v, const uint8_t *buf, size_t size)
{
	const uint8_t *b = v->iov_base;

	return b >= buf && b <= buf + size &&
	       v->iov_len <= (size_t)(buf + size - b);
}

/* The walker's promises, checked on every element it returns. */
static void check_elem(void)
{
	if (elem.nr_out > VIRTQ_MAX_SG || elem.nr_in > VIRTQ_MAX_SG)
		abort();
	for (unsigned int i = 0; i < elem.nr_out; i++)
		if (!in_buf(&elem.out[i], ram, RAM_SIZE) &&
		    !in_buf(&elem.out[i], rom, ROM_SIZE))
			abort();
	for (unsigned int i = 0; i < elem.nr_in; i++)
		if (!in_buf(&elem.in[i], ram, RAM_SIZE))
			abort();
}

/* Returns false once the ring is found broken. */
static bool op_pop(struct input *in, struct virtqueue *vq, const struct gmem *m)
{
	unsigned int n = (unsigned int)take(in, 1) % 64 + 1;

	for (unsigned int i = 0; i < n; i++) {
		int ret = virtqueue_pop(vq, m, &elem);

		if (ret < 0)
			return false;
		if (ret == 0)
			break;
		check_elem();
		if (elem.head >= vq->size ||
		    virtqueue_push(vq, m, elem.head, (uint32_t)take(in, 2)) < 0)
			abort();
		(void)virtqueue_should_notify(vq, m);
	}
	return true;
}

static void op_raw(struct input *in)
{
	size_t off = (size_t)take(in, 2);
	size_t len = (size_t)take(in, 1);

	len = len < in->n ? len : in->n;
	put(off, in->p, len);
	in->p += len;
	in->n -= len;
}

static bool run_op(struct input *in, struct virtqueue *vq, const struct gmem *m)
{
	uint16_t v;

	switch (take(in, 1) % 6) {
	case 0:
		op_desc(in, ram + DESC_OFF);
		return true;
	case 1:
		v = (uint16_t)take(in, 2);
		put(AVAIL_OFF + 4 + 2 * (take(in, 2) % VIRTQ_MAX_SIZE), &v, 2);
		return true;
	case 2:
		v = (uint16_t)take(in, 2);
		put(AVAIL_OFF + 2, &v, 2);
		return true;
	case 3:
		op_raw(in);
		return true;
	case 4:
		return op_pop(in, vq, m);
	default: /* avail flags or used_event */
		v = (uint16_t)take(in, 2);
		put(take(in, 1) & 1 ? AVAIL_OFF : AVAIL_OFF + 4 + 2 * vq->size,
		    &v, 2);
		return true;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t sizes[] = { 1,   2,   4,	 8,    16, 32, 64,
					  128, 256, 512, 1024, 3,  0,  1000 };
	struct input in = { data, size };
	struct virtqueue vq = { .max_size = VIRTQ_MAX_SIZE };
	struct gmem m;
	uint8_t feat;

	memset(ram, 0, sizeof(ram));
	memset(rom, 0, sizeof(rom));
	gmem_init(&m);
	if (gmem_add_region(&m, RAM_GPA, RAM_SIZE, ram, 0) < 0 ||
	    gmem_add_region(&m, ROM_GPA, ROM_SIZE, rom, GMEM_REGION_READONLY) <
		    0)
		abort();
	virtqueue_reset(&vq);
	vq.size = sizes[take(&in, 1) % (sizeof(sizes) / sizeof(sizes[0]))];
	feat = (uint8_t)take(&in, 1);
	vq.indirect = feat & 1;
	vq.event_idx = feat & 2;
	vq.desc_gpa = RAM_GPA + DESC_OFF;
	vq.avail_gpa = RAM_GPA + AVAIL_OFF;
	vq.used_gpa = RAM_GPA + USED_OFF;
	if (virtqueue_validate(&vq, &m) == 0) {
		vq.ready = true;
		while (in.n > 0 && run_op(&in, &vq, &m))
			;
	}
	gmem_fini(&m);
	return 0;
}
