// SPDX-License-Identifier: MIT
/*
 * virtio-blk on the virtio-mmio transport over a temp-file backend, driven
 * through the bus like Linux's virtio_blk driver: requests are placed in
 * fake guest RAM, the queue is kicked, and the used ring, status bytes and
 * the image file are checked. Hostile requests must end in NEEDS_RESET.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/virtio_harness.h"
#include "vmm/backends/block.h"
#include "vmm/virtio/blk.h"

#define DISK_SECTORS 2048
#define DISK_SIZE (DISK_SECTORS * 512)
#define HDR_OFF H_DATA /* request header */
#define STATUS_OFF (H_DATA + 0x100) /* status byte */
#define BUF_OFF (H_DATA + 0x1000) /* data buffers */

static struct harness h;
static struct virtio_dev *dev;
static char path[64];
static int file_fd = -1;

static const uint64_t blk_features =
	(1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_BLK_F_FLUSH) |
	(1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_F_RING_INDIRECT_DESC);

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + off / 512);
}

static int make_disk(void)
{
	static uint8_t buf[DISK_SIZE];

	snprintf(path, sizeof(path), "/tmp/test_virtio_blk.XXXXXX");
	file_fd = mkstemp(path);
	if (file_fd < 0)
		return -1;
	for (uint64_t i = 0; i < DISK_SIZE; i++)
		buf[i] = pattern(i);
	return pwrite(file_fd, buf, DISK_SIZE, 0) == DISK_SIZE ? 0 : -1;
}

static int create_dev(bool readonly, bool direct, const char *serial)
{
	struct block_backend *be;
	struct virtio_blk_args a = { .id = "disk0",
				     .readonly = readonly,
				     .serial = serial,
				     .queue_size = 64 };

	if (block_open(path, readonly, direct, &be) < 0)
		return -1;
	a.backend = be;
	if (virtio_blk_create(&a, &dev) < 0) {
		block_close(be);
		return -1;
	}
	return h_attach(&h, dev);
}

static void bring_up(uint64_t features)
{
	assert_true(h_negotiate(&h, features) & VIRTIO_STATUS_FEATURES_OK);
	h_setup_queue(&h, 0, 16);
	h_driver_ok(&h);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_STATUS),
			 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_FEATURES_OK |
				 VIRTIO_STATUS_DRIVER_OK);
}

static int setup_common(bool readonly, bool direct, const char *serial)
{
	if (h_init(&h) < 0 || make_disk() < 0 ||
	    create_dev(readonly, direct, serial) < 0)
		return -1;
	bring_up(blk_features);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_common(false, false, "sv-serial-01");
}

static int setup_ro(void **state)
{
	(void)state;
	return setup_common(true, false, NULL);
}

static int setup_direct(void **state)
{
	(void)state;
	return setup_common(false, true, NULL);
}

static int teardown(void **state)
{
	(void)state;
	virtio_mmio_destroy(h.t);
	h.t = NULL;
	if (dev)
		dev->ops->destroy(dev);
	dev = NULL;
	h_fini(&h);
	if (file_fd >= 0) {
		close(file_fd);
		unlink(path);
	}
	file_fd = -1;
	return 0;
}

static void kick(void)
{
	h_w32(&h, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static void write_header(uint64_t off, uint32_t type, uint64_t sector)
{
	uint32_t zero = 0;

	memcpy(h_ptr(&h, off), &type, 4);
	memcpy(h_ptr(&h, off + 4), &zero, 4);
	memcpy(h_ptr(&h, off + 8), &sector, 8);
}

/*
 * Build a request in descriptors 0..nseg+1: header, nseg data segments of
 * len/nseg bytes at BUF_OFF + buf_shift, status byte. Returns the head.
 */
static uint16_t build(uint32_t type, uint64_t sector, uint32_t len,
		      unsigned int nseg, uint64_t buf_shift)
{
	uint16_t dflag = type == VIRTIO_BLK_T_OUT ? 0 : H_DESC_F_WRITE;
	uint32_t seg = nseg ? len / nseg : 0;
	unsigned int i;

	write_header(HDR_OFF, type, sector);
	*(uint8_t *)h_ptr(&h, STATUS_OFF) = 0xee;
	h_desc(&h, 0, h_gpa(HDR_OFF), 16, H_DESC_F_NEXT, 1);
	for (i = 0; i < nseg; i++)
		h_desc(&h, 1 + i, h_gpa(BUF_OFF + buf_shift + i * seg), seg,
		       dflag | H_DESC_F_NEXT, (uint16_t)(2 + i));
	h_desc(&h, 1 + i, h_gpa(STATUS_OFF), 1, H_DESC_F_WRITE, 0);
	return 0;
}

/* Submit, kick, and check one completion; returns the status byte. */
static uint8_t run(uint16_t head, uint32_t expect_len)
{
	uint16_t before = h_used_idx(&h);
	uint32_t id, len;

	h_publish(&h, head);
	kick();
	assert_int_equal(h_used_idx(&h), (uint16_t)(before + 1));
	h_used_elem(&h, before, &id, &len);
	assert_int_equal(id, head);
	assert_int_equal(len, expect_len);
	return *(uint8_t *)h_ptr(&h, STATUS_OFF);
}

static uint32_t cfg32(uint64_t off)
{
	return h_r32(&h, VIRTIO_MMIO_CONFIG + off);
}

static void check_file(uint64_t off, const uint8_t *expect, size_t len)
{
	uint8_t buf[4096];

	assert_true(len <= sizeof(buf));
	assert_int_equal(pread(file_fd, buf, len, (off_t)off), (ssize_t)len);
	assert_memory_equal(buf, expect, len);
}

static bool needs_reset(void)
{
	return h_r32(&h, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET;
}

/* ---- identity, config ---- */

static void test_config(void **state)
{
	uint64_t f;

	(void)state;
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	assert_int_equal(cfg32(0), DISK_SECTORS);
	assert_int_equal(cfg32(4), 0);
	assert_int_equal(cfg32(VIRTIO_BLK_CFG_SEG_MAX), VIRTQ_MAX_SG - 2);
	f = h_device_features(&h);
	assert_true(f & (1ull << VIRTIO_F_VERSION_1));
	assert_true(f & (1ull << VIRTIO_BLK_F_FLUSH));
	assert_true(f & (1ull << VIRTIO_BLK_F_SEG_MAX));
	assert_true(f & (1ull << VIRTIO_F_RING_INDIRECT_DESC));
	assert_true(f & (1ull << VIRTIO_F_RING_EVENT_IDX));
	assert_false(f & (1ull << VIRTIO_BLK_F_RO));
	h_w32(&h, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
}

/* ---- I/O ---- */

static void test_read(void **state)
{
	uint8_t *buf = h_ptr(&h, BUF_OFF);

	(void)state;
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, 3, 1024, 2, 0), 1025),
			 VIRTIO_BLK_S_OK);
	for (unsigned int i = 0; i < 1024; i++)
		assert_int_equal(buf[i], pattern(3 * 512 + i));
	assert_int_equal(h.irq_count, 1);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_ISR_QUEUE);
}

static void test_write(void **state)
{
	uint8_t *buf = h_ptr(&h, BUF_OFF);

	(void)state;
	for (unsigned int i = 0; i < 1024; i++)
		buf[i] = (uint8_t)(0xa5 ^ i);
	assert_int_equal(run(build(VIRTIO_BLK_T_OUT, 10, 1024, 4, 0), 1),
			 VIRTIO_BLK_S_OK);
	check_file(10 * 512, buf, 1024);
	/* Neighbours untouched. */
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, 9, 512, 1, 0x2000), 513),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(buf[0x2000 + 511], pattern(9 * 512 + 511));
}

static void test_split_header(void **state)
{
	uint8_t *buf = h_ptr(&h, BUF_OFF);

	(void)state;
	/* Header over two descriptors (4 + 12 bytes). */
	write_header(HDR_OFF, VIRTIO_BLK_T_IN, 5);
	h_desc(&h, 0, h_gpa(HDR_OFF), 4, H_DESC_F_NEXT, 1);
	h_desc(&h, 1, h_gpa(HDR_OFF + 4), 12, H_DESC_F_NEXT, 2);
	h_desc(&h, 2, h_gpa(BUF_OFF), 512, H_DESC_F_WRITE | H_DESC_F_NEXT, 3);
	h_desc(&h, 3, h_gpa(STATUS_OFF), 1, H_DESC_F_WRITE, 0);
	assert_int_equal(run(0, 513), VIRTIO_BLK_S_OK);
	assert_int_equal(buf[17], pattern(5 * 512 + 17));

	/* Header and write data in one descriptor; status after data. */
	write_header(BUF_OFF + 0x3000, VIRTIO_BLK_T_OUT, 20);
	memset(h_ptr(&h, BUF_OFF + 0x3010), 0x3c, 512);
	h_desc(&h, 0, h_gpa(BUF_OFF + 0x3000), 16 + 512, H_DESC_F_NEXT, 1);
	h_desc(&h, 1, h_gpa(STATUS_OFF), 1, H_DESC_F_WRITE, 0);
	assert_int_equal(run(0, 1), VIRTIO_BLK_S_OK);
	check_file(20 * 512, h_ptr(&h, BUF_OFF + 0x3010), 512);

	/* Status byte at the end of a larger last in buffer. */
	write_header(HDR_OFF, VIRTIO_BLK_T_IN, 6);
	h_desc(&h, 0, h_gpa(HDR_OFF), 16, H_DESC_F_NEXT, 1);
	h_desc(&h, 1, h_gpa(BUF_OFF), 513, H_DESC_F_WRITE, 0);
	h_publish(&h, 0);
	kick();
	assert_int_equal(buf[512], VIRTIO_BLK_S_OK);
	assert_int_equal(buf[0], pattern(6 * 512));
}

static void test_several_per_kick(void **state)
{
	(void)state;
	/* Three one-descriptor-set requests sharing buffers, one kick. */
	build(VIRTIO_BLK_T_IN, 1, 512, 1, 0);
	h_publish(&h, 0);
	h_publish(&h, 0);
	h_publish(&h, 0);
	kick();
	assert_int_equal(h_used_idx(&h), 3);
	assert_int_equal(h.irq_count, 1);
}

static void test_flush_get_id_unsupp(void **state)
{
	static const char expect[20] = "sv-serial-01";
	uint8_t *buf = h_ptr(&h, BUF_OFF);

	(void)state;
	assert_int_equal(run(build(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0), 1),
			 VIRTIO_BLK_S_OK);
	memset(buf, 0x77, 32);
	assert_int_equal(run(build(VIRTIO_BLK_T_GET_ID, 0, 20, 1, 0), 21),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(buf, expect, 20);
	assert_int_equal(buf[20], 0x77);
	/* Shorter buffer: truncated, never overrun. */
	memset(buf, 0x77, 32);
	assert_int_equal(run(build(VIRTIO_BLK_T_GET_ID, 0, 4, 1, 0), 5),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(buf, "sv-s", 4);
	assert_int_equal(buf[4], 0x77);
	assert_int_equal(run(build(0x42, 0, 0, 0, 0), 1), VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(
		run(build(VIRTIO_BLK_T_IN | 0x80000000u, 0, 512, 1, 0), 1),
		VIRTIO_BLK_S_UNSUPP);
	assert_false(needs_reset());
}

static void test_default_serial(void **state)
{
	uint8_t *buf = h_ptr(&h, BUF_OFF);
	static const uint8_t zero[20];

	(void)state;
	memset(buf, 0x77, 20);
	assert_int_equal(run(build(VIRTIO_BLK_T_GET_ID, 0, 20, 1, 0), 21),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(buf, zero, 20);
}

static void test_range_errors(void **state)
{
	(void)state;
	assert_int_equal(
		run(build(VIRTIO_BLK_T_IN, DISK_SECTORS, 512, 1, 0), 1),
		VIRTIO_BLK_S_IOERR);
	assert_int_equal(
		run(build(VIRTIO_BLK_T_OUT, DISK_SECTORS - 1, 1024, 1, 0), 1),
		VIRTIO_BLK_S_IOERR);
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, UINT64_MAX, 512, 1, 0), 1),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(
		run(build(VIRTIO_BLK_T_IN, UINT64_MAX / 512, 512, 1, 0), 1),
		VIRTIO_BLK_S_IOERR);
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, 0, 100, 1, 0), 1),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(
		run(build(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 512, 1, 0), 513),
		VIRTIO_BLK_S_OK);
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, DISK_SECTORS, 0, 0, 0), 1),
			 VIRTIO_BLK_S_OK);
	assert_false(needs_reset());
}

static void test_readonly(void **state)
{
	uint8_t *buf = h_ptr(&h, BUF_OFF);
	uint8_t orig[512];

	(void)state;
	assert_true(h_device_features(&h) & (1ull << VIRTIO_BLK_F_RO));
	for (unsigned int i = 0; i < 512; i++)
		orig[i] = pattern(4 * 512 + i);
	memset(buf, 0, 512);
	assert_int_equal(run(build(VIRTIO_BLK_T_OUT, 4, 512, 1, 0), 1),
			 VIRTIO_BLK_S_IOERR);
	check_file(4 * 512, orig, 512);
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, 4, 512, 1, 0), 513),
			 VIRTIO_BLK_S_OK);
	assert_memory_equal(buf, orig, 512);
	assert_int_equal(run(build(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0), 1),
			 VIRTIO_BLK_S_OK);
}

/* readonly=on over a read-write backend: the device itself refuses. */
static void test_readonly_flag(void **state)
{
	struct block_backend *be;
	struct virtio_blk_args a = { .id = "ro", .readonly = true };
	uint8_t orig[512];

	(void)state;
	virtio_mmio_destroy(h.t);
	h.t = NULL;
	dev->ops->destroy(dev);
	assert_int_equal(block_open(path, false, false, &be), 0);
	a.backend = be;
	assert_int_equal(virtio_blk_create(&a, &dev), 0);
	assert_int_equal(h_attach(&h, dev), 0);
	assert_true(h_device_features(&h) & (1ull << VIRTIO_BLK_F_RO));
	bring_up(blk_features | (1ull << VIRTIO_BLK_F_RO));
	for (unsigned int i = 0; i < 512; i++)
		orig[i] = pattern(4 * 512 + i);
	memset(h_ptr(&h, BUF_OFF), 0, 512);
	assert_int_equal(run(build(VIRTIO_BLK_T_OUT, 4, 512, 1, 0), 1),
			 VIRTIO_BLK_S_IOERR);
	check_file(4 * 512, orig, 512);
}

static void test_indirect_request(void **state)
{
	uint8_t *tbl = h_ptr(&h, H_IND);
	uint8_t *buf = h_ptr(&h, BUF_OFF);

	(void)state;
	write_header(HDR_OFF, VIRTIO_BLK_T_IN, 7);
	h_desc_at(tbl, 0, h_gpa(HDR_OFF), 16, H_DESC_F_NEXT, 1);
	for (unsigned int i = 1; i <= 8; i++)
		h_desc_at(tbl, i, h_gpa(BUF_OFF + 64 * (i - 1)), 64,
			  H_DESC_F_WRITE | H_DESC_F_NEXT, (uint16_t)(i + 1));
	h_desc_at(tbl, 9, h_gpa(STATUS_OFF), 1, H_DESC_F_WRITE, 0);
	h_desc(&h, 5, h_gpa(H_IND), 16 * 10, H_DESC_F_INDIRECT, 0);
	assert_int_equal(run(5, 513), VIRTIO_BLK_S_OK);
	for (unsigned int i = 0; i < 512; i++)
		assert_int_equal(buf[i], pattern(7 * 512 + i));
}

/* ---- malformed requests and hostile rings: NEEDS_RESET ---- */

static void expect_broken(void)
{
	uint16_t used = h_used_idx(&h);

	h_publish(&h, 0);
	kick();
	assert_true(needs_reset());
	assert_int_equal(h_used_idx(&h), used);
	assert_true(h_r32(&h, VIRTIO_MMIO_INTERRUPT_STATUS) &
		    VIRTIO_ISR_CONFIG);
	/* Broken: later requests are not processed. */
	build(VIRTIO_BLK_T_IN, 0, 512, 1, 0);
	h_publish(&h, 0);
	kick();
	assert_int_equal(h_used_idx(&h), used);
}

static void test_no_status(void **state)
{
	(void)state;
	write_header(HDR_OFF, VIRTIO_BLK_T_IN, 0);
	h_desc(&h, 0, h_gpa(HDR_OFF), 16, 0, 0);
	expect_broken();
}

static void test_short_header(void **state)
{
	(void)state;
	h_desc(&h, 0, h_gpa(HDR_OFF), 8, H_DESC_F_NEXT, 1);
	h_desc(&h, 1, h_gpa(STATUS_OFF), 1, H_DESC_F_WRITE, 0);
	expect_broken();
}

static void test_empty_status_buffer(void **state)
{
	(void)state;
	write_header(HDR_OFF, VIRTIO_BLK_T_FLUSH, 0);
	h_desc(&h, 0, h_gpa(HDR_OFF), 16, H_DESC_F_NEXT, 1);
	h_desc(&h, 1, h_gpa(STATUS_OFF), 0, H_DESC_F_WRITE, 0);
	expect_broken();
}

static void test_chain_loop(void **state)
{
	(void)state;
	build(VIRTIO_BLK_T_IN, 0, 512, 1, 0);
	h_desc(&h, 2, h_gpa(STATUS_OFF), 1, H_DESC_F_WRITE | H_DESC_F_NEXT, 0);
	expect_broken();
}

static void test_buffer_outside_ram(void **state)
{
	(void)state;
	build(VIRTIO_BLK_T_IN, 0, 512, 1, 0);
	h_desc(&h, 1, H_RAM_GPA + H_RAM_SIZE + 0x10000, 512,
	       H_DESC_F_WRITE | H_DESC_F_NEXT, 2);
	expect_broken();
}

static void test_huge_length(void **state)
{
	(void)state;
	build(VIRTIO_BLK_T_IN, 0, 512, 1, 0);
	h_desc(&h, 1, h_gpa(BUF_OFF), 0xfffffe00,
	       H_DESC_F_WRITE | H_DESC_F_NEXT, 2);
	expect_broken();
}

static void test_read_into_rom(void **state)
{
	(void)state;
	build(VIRTIO_BLK_T_IN, 0, 512, 1, 0);
	h_desc(&h, 1, H_ROM_GPA, 512, H_DESC_F_WRITE | H_DESC_F_NEXT, 2);
	expect_broken();
}

static void test_nested_indirect(void **state)
{
	uint8_t *tbl = h_ptr(&h, H_IND);

	(void)state;
	h_desc_at(tbl, 0, h_gpa(H_IND), 16, H_DESC_F_INDIRECT, 0);
	h_desc(&h, 0, h_gpa(H_IND), 16, H_DESC_F_INDIRECT, 0);
	expect_broken();
}

static void test_avail_jump(void **state)
{
	(void)state;
	build(VIRTIO_BLK_T_IN, 0, 512, 1, 0);
	h.avail_idx = 40; /* 41 entries in a ring of 16 */
	expect_broken();
}

/* After a guest error, a reset brings the device back. */
static void test_reset_recovers(void **state)
{
	(void)state;
	h_desc(&h, 0, h_gpa(HDR_OFF), 8, 0, 0);
	h_publish(&h, 0);
	kick();
	assert_true(needs_reset());
	bring_up(blk_features);
	assert_false(needs_reset());
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, 1, 512, 1, 0), 513),
			 VIRTIO_BLK_S_OK);
}

/* ---- EVENT_IDX ---- */

static void test_event_idx(void **state)
{
	uint64_t f = blk_features | (1ull << VIRTIO_F_RING_EVENT_IDX);

	(void)state;
	bring_up(f);
	h.irq_count = 0;
	build(VIRTIO_BLK_T_IN, 0, 512, 1, 0);
	h_set_used_event(&h, 0);
	h_publish(&h, 0);
	kick();
	assert_int_equal(h.irq_count, 1); /* used idx 0 -> 1 passes 0 */
	assert_int_equal(h_avail_event(&h), 1);
	h_set_used_event(&h, 5);
	h_publish(&h, 0);
	kick();
	assert_int_equal(h_used_idx(&h), 2);
	assert_int_equal(h.irq_count, 1); /* suppressed */
	h_publish(&h, 0);
	h_publish(&h, 0);
	h_publish(&h, 0);
	h_publish(&h, 0);
	kick();
	assert_int_equal(h_used_idx(&h), 6);
	assert_int_equal(h.irq_count, 2); /* passed 5 */
	assert_int_equal(h_avail_event(&h), 6);
}

/* ---- backend behaviour ---- */

static void test_backend_eio(void **state)
{
	(void)state;
	/* The image shrinks under the VMM: reads past EOF fail. */
	assert_int_equal(ftruncate(file_fd, 512), 0);
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, 4, 512, 1, 0), 1),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, 0, 512, 1, 0), 513),
			 VIRTIO_BLK_S_OK);
	assert_false(needs_reset());
}

static void test_backend_lock(void **state)
{
	struct block_backend *a, *b;

	(void)state;
	/* setup holds path open read-write. */
	assert_int_equal(block_open(path, false, false, &a), -EBUSY);
	assert_int_equal(block_open(path, true, false, &a), -EBUSY);
	virtio_mmio_destroy(h.t);
	h.t = NULL;
	dev->ops->destroy(dev);
	dev = NULL;
	assert_int_equal(block_open(path, true, false, &a), 0);
	assert_int_equal(block_open(path, true, false, &b), 0);
	assert_true(block_readonly(b));
	assert_int_equal(block_size(b), DISK_SIZE);
	assert_string_equal(block_path(b), path);
	assert_int_equal(block_open(path, false, false, &a), -EBUSY);
	block_close(a);
	block_close(b);
	assert_int_equal(block_open(path, false, false, &a), 0);
	block_close(a);
	assert_int_equal(block_open("/nonexistent/disk.img", false, false, &a),
			 -ENOENT);
	block_close(NULL);
}

/* O_DIRECT with buffers that are not page aligned goes through a bounce. */
static void test_direct_unaligned(void **state)
{
	uint8_t *buf = h_ptr(&h, BUF_OFF + 1);

	(void)state;
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, 8, 1536, 3, 1), 1537),
			 VIRTIO_BLK_S_OK);
	for (unsigned int i = 0; i < 1536; i++)
		assert_int_equal(buf[i], pattern(8 * 512 + i));
	for (unsigned int i = 0; i < 1024; i++)
		buf[i] = (uint8_t)(i * 13);
	assert_int_equal(run(build(VIRTIO_BLK_T_OUT, 30, 1024, 2, 1), 1),
			 VIRTIO_BLK_S_OK);
	check_file(30 * 512, buf, 1024);
	/* Aligned buffers take the direct path. */
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, 30, 4096, 1, 0), 4097),
			 VIRTIO_BLK_S_OK);
	assert_int_equal(*(uint8_t *)h_ptr(&h, BUF_OFF + 1023),
			 (uint8_t)(1023 * 13));
}

/* ---- creation ---- */

static void test_create_args(void **state)
{
	struct virtio_blk_args a = { .id = "x" };
	struct virtio_dev *d;

	(void)state;
	a.queue_size = 100;
	assert_int_equal(virtio_blk_create(&a, &d), -EINVAL);
	a.queue_size = 2;
	assert_int_equal(virtio_blk_create(&a, &d), -EINVAL);
	a.queue_size = 2048;
	assert_int_equal(virtio_blk_create(&a, &d), -EINVAL);
	a.queue_size = 0;
	a.serial = "123456789012345678901";
	assert_int_equal(virtio_blk_create(&a, &d), -EINVAL);
	a.serial = "12345678901234567890";
	assert_int_equal(virtio_blk_create(&a, &d), 0);
	assert_int_equal(d->vqs[0].max_size, VIRTIO_BLK_DEFAULT_QUEUE_SIZE);
	assert_string_equal(d->name, "x");
	virtio_blk_flush(d);
	d->ops->destroy(d);
}

/* An empty slot: no backend, capacity 0, I/O fails, the device works. */
static void test_empty_slot(void **state)
{
	struct virtio_blk_args a = { .id = "empty" };

	(void)state;
	virtio_mmio_destroy(h.t);
	h.t = NULL;
	dev->ops->destroy(dev);
	assert_int_equal(virtio_blk_create(&a, &dev), 0);
	assert_int_equal(h_attach(&h, dev), 0);
	bring_up(blk_features);
	assert_int_equal(cfg32(0), 0);
	assert_int_equal(run(build(VIRTIO_BLK_T_IN, 0, 512, 1, 0), 1),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(run(build(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0), 1),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(run(build(VIRTIO_BLK_T_GET_ID, 0, 20, 1, 0), 21),
			 VIRTIO_BLK_S_OK);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_config),
		T(test_read),
		T(test_write),
		T(test_split_header),
		T(test_several_per_kick),
		T(test_flush_get_id_unsupp),
		cmocka_unit_test_setup_teardown(test_default_serial, setup_ro,
						teardown),
		T(test_range_errors),
		cmocka_unit_test_setup_teardown(test_readonly, setup_ro,
						teardown),
		T(test_readonly_flag),
		T(test_indirect_request),
		T(test_no_status),
		T(test_short_header),
		T(test_empty_status_buffer),
		T(test_chain_loop),
		T(test_buffer_outside_ram),
		T(test_huge_length),
		T(test_read_into_rom),
		T(test_nested_indirect),
		T(test_avail_jump),
		T(test_reset_recovers),
		T(test_event_idx),
		T(test_backend_eio),
		T(test_backend_lock),
		cmocka_unit_test_setup_teardown(test_direct_unaligned,
						setup_direct, teardown),
		T(test_create_args),
		T(test_empty_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
