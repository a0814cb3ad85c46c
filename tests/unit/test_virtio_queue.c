// SPDX-License-Identifier: MIT
/*
 * Unit tests for the split-ring walker (vmm/virtio/queue.c): well-formed
 * chains, and every hostile shape the walker must reject with -EINVAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/virtio_harness.h"

static struct harness h;
static struct virtqueue vq;
static struct virtq_elem elem;

static int setup_size(uint16_t size)
{
	if (h_init(&h) < 0)
		return -1;
	vq = (struct virtqueue){ .max_size = VIRTQ_MAX_SIZE };
	virtqueue_reset(&vq);
	vq.size = size;
	vq.desc_gpa = h_gpa(H_DESC);
	vq.avail_gpa = h_gpa(H_AVAIL);
	vq.used_gpa = h_gpa(H_USED);
	vq.ready = true;
	h.qsize = size;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_size(16);
}

static int teardown(void **state)
{
	(void)state;
	h_fini(&h);
	return 0;
}

static int pop(void)
{
	return virtqueue_pop(&vq, &h.mem, &elem);
}

/* ---- validation ---- */

static void test_validate(void **state)
{
	struct virtqueue v;

	(void)state;
	assert_int_equal(virtqueue_validate(&vq, &h.mem), 0);
	v = vq;
	v.size = 12;
	assert_int_equal(virtqueue_validate(&v, &h.mem), -EINVAL);
	v.size = 0;
	assert_int_equal(virtqueue_validate(&v, &h.mem), -EINVAL);
	v = vq;
	v.max_size = 8;
	assert_int_equal(virtqueue_validate(&v, &h.mem), -EINVAL);
	v = vq;
	v.desc_gpa += 8; /* 16-byte alignment */
	assert_int_equal(virtqueue_validate(&v, &h.mem), -EINVAL);
	v = vq;
	v.avail_gpa += 1;
	assert_int_equal(virtqueue_validate(&v, &h.mem), -EINVAL);
	v = vq;
	v.used_gpa += 2;
	assert_int_equal(virtqueue_validate(&v, &h.mem), -EINVAL);
	v = vq;
	v.desc_gpa = 0; /* not RAM */
	assert_int_equal(virtqueue_validate(&v, &h.mem), -EINVAL);
	v = vq;
	v.desc_gpa = H_RAM_GPA + H_RAM_SIZE - 128; /* straddles into ROM */
	assert_int_equal(virtqueue_validate(&v, &h.mem), -EINVAL);
	v = vq;
	v.used_gpa = H_ROM_GPA; /* used ring must be writable */
	assert_int_equal(virtqueue_validate(&v, &h.mem), -EINVAL);
	v = vq;
	v.avail_gpa = H_ROM_GPA; /* a read-only avail ring is fine */
	assert_int_equal(virtqueue_validate(&v, &h.mem), 0);
	v = vq;
	v.avail_gpa = UINT64_MAX - 7;
	assert_int_equal(virtqueue_validate(&v, &h.mem), -EINVAL);
}

/* ---- well-formed chains ---- */

static void test_empty_and_not_ready(void **state)
{
	(void)state;
	assert_int_equal(pop(), 0);
	h_desc(&h, 0, h_gpa(H_DATA), 8, 0, 0);
	h_publish(&h, 0);
	vq.ready = false;
	assert_int_equal(pop(), 0);
	vq.ready = true;
	assert_int_equal(pop(), 1);
	assert_int_equal(pop(), 0);
}

static void test_simple_chain(void **state)
{
	uint32_t id, len;

	(void)state;
	h_desc(&h, 3, h_gpa(H_DATA), 16, H_DESC_F_NEXT, 7);
	h_desc(&h, 7, h_gpa(H_DATA + 0x100), 512,
	       H_DESC_F_NEXT | H_DESC_F_WRITE, 1);
	h_desc(&h, 1, h_gpa(H_DATA + 0x400), 1, H_DESC_F_WRITE, 0);
	h_publish(&h, 3);
	assert_int_equal(pop(), 1);
	assert_int_equal(elem.head, 3);
	assert_int_equal(elem.nr_out, 1);
	assert_int_equal(elem.nr_in, 2);
	assert_ptr_equal(elem.out[0].iov_base, h_ptr(&h, H_DATA));
	assert_int_equal(elem.out[0].iov_len, 16);
	assert_ptr_equal(elem.in[0].iov_base, h_ptr(&h, H_DATA + 0x100));
	assert_int_equal(elem.in[0].iov_len, 512);
	assert_ptr_equal(elem.in[1].iov_base, h_ptr(&h, H_DATA + 0x400));
	assert_int_equal(elem.in[1].iov_len, 1);
	assert_int_equal(vq.last_avail, 1);

	assert_int_equal(virtqueue_push(&vq, &h.mem, 3, 513), 0);
	assert_int_equal(h_used_idx(&h), 1);
	h_used_elem(&h, 0, &id, &len);
	assert_int_equal(id, 3);
	assert_int_equal(len, 513);
	assert_int_equal(virtqueue_push(&vq, &h.mem, 16, 0), -EINVAL);
	assert_int_equal(h_used_idx(&h), 1);
}

static void test_zero_len_and_rom_read(void **state)
{
	(void)state;
	/* A device-readable buffer may sit in read-only memory. */
	h_desc(&h, 0, H_ROM_GPA, 64, H_DESC_F_NEXT, 1);
	h_desc(&h, 1, h_gpa(H_DATA), 0, H_DESC_F_WRITE, 0);
	h_publish(&h, 0);
	assert_int_equal(pop(), 1);
	assert_int_equal(elem.nr_out, 1);
	assert_ptr_equal(elem.out[0].iov_base, h.rom);
	assert_int_equal(elem.nr_in, 1);
	assert_int_equal(elem.in[0].iov_len, 0);
}

/* Indices wrap at 2^16 without confusing the pending count. */
static void test_index_wrap(void **state)
{
	(void)state;
	vq.last_avail = 65534;
	h.avail_idx = 65534;
	h_desc(&h, 0, h_gpa(H_DATA), 8, 0, 0);
	for (unsigned int i = 0; i < 4; i++)
		h_publish(&h, 0);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(pop(), 1);
		assert_int_equal(virtqueue_push(&vq, &h.mem, elem.head, 0), 0);
	}
	assert_int_equal(pop(), 0);
	assert_int_equal(vq.last_avail, 2);
}

static void test_full_ring(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 16; i++) {
		h_desc(&h, i, h_gpa(H_DATA + 16 * i), 16, 0, 0);
		h_publish(&h, (uint16_t)i);
	}
	for (unsigned int i = 0; i < 16; i++) {
		assert_int_equal(pop(), 1);
		assert_int_equal(elem.head, i);
	}
	assert_int_equal(pop(), 0);
}

/* ---- hostile rings ---- */

static void test_avail_idx_jump(void **state)
{
	(void)state;
	h_desc(&h, 0, h_gpa(H_DATA), 8, 0, 0);
	h_set_avail_idx(&h, 17); /* 17 new entries in a ring of 16 */
	assert_int_equal(pop(), -EINVAL);
	h_set_avail_idx(&h, 0xffff); /* "negative" */
	assert_int_equal(pop(), -EINVAL);
	h_set_avail_idx(&h, 16);
	assert_int_equal(pop(), 1);
}

static void test_bad_head(void **state)
{
	(void)state;
	h_publish(&h, 16);
	assert_int_equal(pop(), -EINVAL);
	assert_int_equal(vq.last_avail, 0);
}

static void test_chain_loop(void **state)
{
	(void)state;
	h_desc(&h, 0, h_gpa(H_DATA), 8, H_DESC_F_NEXT, 1);
	h_desc(&h, 1, h_gpa(H_DATA), 8, H_DESC_F_NEXT, 0);
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);
}

static void test_self_loop(void **state)
{
	(void)state;
	h_desc(&h, 5, h_gpa(H_DATA), 8, H_DESC_F_NEXT | H_DESC_F_WRITE, 5);
	h_publish(&h, 5);
	assert_int_equal(pop(), -EINVAL);
}

static void test_next_out_of_range(void **state)
{
	(void)state;
	h_desc(&h, 0, h_gpa(H_DATA), 8, H_DESC_F_NEXT, 16);
	h_desc(&h, 16, h_gpa(H_DATA), 8, 0, 0); /* valid, but outside */
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);
}

static void test_longest_chain_ok(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 16; i++)
		h_desc(&h, i, h_gpa(H_DATA), 8, i < 15 ? H_DESC_F_NEXT : 0,
		       (uint16_t)(i + 1));
	h_publish(&h, 0);
	assert_int_equal(pop(), 1);
	assert_int_equal(elem.nr_out, 16);
}

static void test_bad_buffers(void **state)
{
	static const struct {
		uint64_t gpa;
		uint32_t len;
		uint16_t flags;
	} bad[] = {
		{ 0, 8, 0 }, /* below RAM */
		{ H_RAM_GPA + H_RAM_SIZE - 4, 8, H_DESC_F_WRITE }, /* end */
		{ H_RAM_GPA, 0xffffffff, 0 }, /* huge length */
		{ UINT64_MAX - 3, 8, 0 }, /* wraps */
		{ H_ROM_GPA, 8, H_DESC_F_WRITE }, /* write to ROM */
		{ H_ROM_GPA + H_ROM_SIZE - 1, 2, 0 }, /* past ROM */
	};

	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		h_desc(&h, 0, bad[i].gpa, bad[i].len, bad[i].flags, 0);
		vq.last_avail = 0;
		h.avail_idx = 0;
		h_publish(&h, 0);
		assert_int_equal(pop(), -EINVAL);
	}
}

static void test_out_after_in(void **state)
{
	(void)state;
	h_desc(&h, 0, h_gpa(H_DATA), 8, H_DESC_F_WRITE | H_DESC_F_NEXT, 1);
	h_desc(&h, 1, h_gpa(H_DATA), 8, 0, 0);
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);
}

/* ---- indirect tables ---- */

static uint8_t *ind(void)
{
	return h_ptr(&h, H_IND);
}

static void test_indirect_ok(void **state)
{
	(void)state;
	vq.indirect = true;
	h_desc_at(ind(), 0, h_gpa(H_DATA), 16, H_DESC_F_NEXT, 2);
	h_desc_at(ind(), 2, h_gpa(H_DATA + 0x200), 512,
		  H_DESC_F_WRITE | H_DESC_F_NEXT, 1);
	h_desc_at(ind(), 1, h_gpa(H_DATA + 0x400), 1, H_DESC_F_WRITE, 0);
	/* WRITE on the indirect descriptor itself must be ignored. */
	h_desc(&h, 4, h_gpa(H_IND), 48, H_DESC_F_INDIRECT | H_DESC_F_WRITE, 0);
	h_publish(&h, 4);
	assert_int_equal(pop(), 1);
	assert_int_equal(elem.head, 4);
	assert_int_equal(elem.nr_out, 1);
	assert_int_equal(elem.nr_in, 2);
	assert_int_equal(elem.in[0].iov_len, 512);
}

static void test_indirect_not_negotiated(void **state)
{
	(void)state;
	h_desc_at(ind(), 0, h_gpa(H_DATA), 16, 0, 0);
	h_desc(&h, 0, h_gpa(H_IND), 16, H_DESC_F_INDIRECT, 0);
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);
}

static void check_indirect_rejected(uint32_t len, uint16_t flags)
{
	h_desc(&h, 0, h_gpa(H_IND), len, H_DESC_F_INDIRECT | flags, 1);
	h_desc(&h, 1, h_gpa(H_DATA), 1, H_DESC_F_WRITE, 0);
	vq.last_avail = 0;
	h.avail_idx = 0;
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);
}

static void test_indirect_bad_tables(void **state)
{
	(void)state;
	vq.indirect = true;
	for (unsigned int i = 0; i < 8; i++)
		h_desc_at(ind(), i, h_gpa(H_DATA), 16, 0, 0);
	check_indirect_rejected(0, 0);
	check_indirect_rejected(24, 0); /* not a multiple of 16 */
	check_indirect_rejected(16 * VIRTQ_MAX_SIZE + 16, 0);
	check_indirect_rejected(0xfffffff0, 0);
	check_indirect_rejected(32, H_DESC_F_NEXT); /* INDIRECT|NEXT */
	/* Table address outside RAM. */
	h_desc(&h, 0, 0x1000, 16, H_DESC_F_INDIRECT, 0);
	vq.last_avail = 0;
	h.avail_idx = 0;
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);
}

static void test_indirect_nested(void **state)
{
	(void)state;
	vq.indirect = true;
	h_desc_at(ind(), 0, h_gpa(H_IND + 0x100), 16, H_DESC_F_INDIRECT, 0);
	h_desc_at(ind() + 0x100, 0, h_gpa(H_DATA), 16, 0, 0);
	h_desc(&h, 0, h_gpa(H_IND), 16, H_DESC_F_INDIRECT, 0);
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);
}

static void test_indirect_loop_and_range(void **state)
{
	(void)state;
	vq.indirect = true;
	h_desc_at(ind(), 0, h_gpa(H_DATA), 16, H_DESC_F_NEXT, 1);
	h_desc_at(ind(), 1, h_gpa(H_DATA), 16, H_DESC_F_NEXT, 0);
	h_desc(&h, 0, h_gpa(H_IND), 32, H_DESC_F_INDIRECT, 0);
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);

	h_desc_at(ind(), 1, h_gpa(H_DATA), 16, H_DESC_F_NEXT, 2); /* 2 >= n */
	h_desc_at(ind(), 2, h_gpa(H_DATA), 16, 0, 0); /* valid, but outside */
	vq.last_avail = 0;
	h.avail_idx = 0;
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);

	h_desc_at(ind(), 0, h_gpa(H_DATA), 16, H_DESC_F_NEXT, 5); /* 5 >= n */
	h_desc_at(ind(), 5, h_gpa(H_DATA), 16, 0, 0);
	vq.last_avail = 0;
	h.avail_idx = 0;
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);
}

static void test_indirect_not_head(void **state)
{
	(void)state;
	vq.indirect = true;
	h_desc_at(ind(), 0, h_gpa(H_DATA), 16, 0, 0);
	h_desc(&h, 0, h_gpa(H_DATA), 16, H_DESC_F_NEXT, 1);
	h_desc(&h, 1, h_gpa(H_IND), 16, H_DESC_F_INDIRECT, 0);
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);
}

/* 256 out buffers fit; 257 would overflow the caller's iovec array. */
static void test_sg_limit(void **state)
{
	(void)state;
	vq.indirect = true;
	for (unsigned int i = 0; i < VIRTQ_MAX_SG + 1; i++)
		h_desc_at(ind(), i, h_gpa(H_DATA), 16, H_DESC_F_NEXT,
			  (uint16_t)(i + 1));
	h_desc_at(ind(), VIRTQ_MAX_SG - 1, h_gpa(H_DATA), 16, 0, 0);
	h_desc(&h, 0, h_gpa(H_IND), 16 * VIRTQ_MAX_SG, H_DESC_F_INDIRECT, 0);
	h_publish(&h, 0);
	assert_int_equal(pop(), 1);
	assert_int_equal(elem.nr_out, VIRTQ_MAX_SG);

	h_desc_at(ind(), VIRTQ_MAX_SG - 1, h_gpa(H_DATA), 16, H_DESC_F_NEXT,
		  VIRTQ_MAX_SG);
	h_desc_at(ind(), VIRTQ_MAX_SG, h_gpa(H_DATA), 16, 0, 0);
	h_desc(&h, 0, h_gpa(H_IND), 16 * (VIRTQ_MAX_SG + 1), H_DESC_F_INDIRECT,
	       0);
	h_publish(&h, 0);
	assert_int_equal(pop(), -EINVAL);
}

/* ---- notification suppression ---- */

static void test_no_interrupt_flag(void **state)
{
	uint16_t flags = 1;

	(void)state;
	assert_true(virtqueue_should_notify(&vq, &h.mem));
	memcpy(h_ptr(&h, H_AVAIL), &flags, 2);
	assert_false(virtqueue_should_notify(&vq, &h.mem));
}

static void test_event_idx(void **state)
{
	uint16_t one = 1;

	(void)state;
	vq.event_idx = true;
	h_desc(&h, 0, h_gpa(H_DATA), 8, 0, 0);
	/* Empty ring: the device publishes avail_event = last_avail. */
	assert_int_equal(pop(), 0);
	assert_int_equal(h_avail_event(&h), 0);
	h_publish(&h, 0);
	h_publish(&h, 0);
	h_publish(&h, 0);
	assert_int_equal(pop(), 1);
	assert_int_equal(h_avail_event(&h), 1);
	assert_int_equal(pop(), 1);
	assert_int_equal(pop(), 1);
	assert_int_equal(h_avail_event(&h), 3);

	/* Driver wants an interrupt once used idx passes 1. */
	h_set_used_event(&h, 1);
	assert_int_equal(virtqueue_push(&vq, &h.mem, 0, 0), 0); /* idx 1 */
	assert_true(virtqueue_should_notify(&vq, &h.mem)); /* first */
	assert_int_equal(virtqueue_push(&vq, &h.mem, 0, 0), 0); /* idx 2 */
	assert_true(virtqueue_should_notify(&vq, &h.mem)); /* 1 passed */
	assert_int_equal(virtqueue_push(&vq, &h.mem, 0, 0), 0); /* idx 3 */
	assert_false(virtqueue_should_notify(&vq, &h.mem));
	h_set_used_event(&h, 3);
	assert_int_equal(virtqueue_push(&vq, &h.mem, 0, 0), 0); /* idx 4 */
	assert_true(virtqueue_should_notify(&vq, &h.mem));
	/* NO_INTERRUPT is ignored once EVENT_IDX is negotiated. */
	memcpy(h_ptr(&h, H_AVAIL), &one, 2);
	h_set_used_event(&h, 4);
	assert_int_equal(virtqueue_push(&vq, &h.mem, 0, 0), 0); /* idx 5 */
	assert_true(virtqueue_should_notify(&vq, &h.mem));
	h_set_used_event(&h, 100);
	assert_int_equal(virtqueue_push(&vq, &h.mem, 0, 0), 0);
	assert_false(virtqueue_should_notify(&vq, &h.mem));
}

static void test_reset_keeps_max(void **state)
{
	(void)state;
	vq.last_avail = 5;
	vq.max_size = 64;
	virtqueue_reset(&vq);
	assert_int_equal(vq.max_size, 64);
	assert_int_equal(vq.size, 64);
	assert_int_equal(vq.last_avail, 0);
	assert_false(vq.ready);
	assert_int_equal(pop(), 0);
}

static int setup_big(void **state)
{
	(void)state;
	return setup_size(VIRTQ_MAX_SIZE);
}

/* A chain through all 1024 descriptors of the biggest queue, then a loop. */
static void test_big_queue_chain(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < VIRTQ_MAX_SIZE; i++)
		h_desc(&h, i, h_gpa(H_DATA), 8,
		       H_DESC_F_NEXT | (i >= 512 ? H_DESC_F_WRITE : 0),
		       (uint16_t)((i + 1) % VIRTQ_MAX_SIZE));
	h_publish(&h, 0);
	/* Loop through all 1024 → rejected (also over the SG limit). */
	assert_int_equal(pop(), -EINVAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_validate),
		T(test_empty_and_not_ready),
		T(test_simple_chain),
		T(test_zero_len_and_rom_read),
		T(test_index_wrap),
		T(test_full_ring),
		T(test_avail_idx_jump),
		T(test_bad_head),
		T(test_chain_loop),
		T(test_self_loop),
		T(test_next_out_of_range),
		T(test_longest_chain_ok),
		T(test_bad_buffers),
		T(test_out_after_in),
		T(test_indirect_ok),
		T(test_indirect_not_negotiated),
		T(test_indirect_bad_tables),
		T(test_indirect_nested),
		T(test_indirect_loop_and_range),
		T(test_indirect_not_head),
		T(test_sg_limit),
		T(test_no_interrupt_flag),
		T(test_event_idx),
		T(test_reset_keeps_max),
		cmocka_unit_test_setup_teardown(test_big_queue_chain, setup_big,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
