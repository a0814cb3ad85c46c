// SPDX-License-Identifier: MIT
/*
 * Unit tests for the virtio-mmio transport with a fake two-queue device,
 * driven through bus_read()/bus_write() the way Linux's driver does it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/virtio_harness.h"

#define FAKE_ID 42
#define FAKE_F_A 3 /* a device feature bit */
#define FAKE_F_REFUSED 40 /* offered, but set_features refuses it */

struct fake {
	struct virtio_dev dev;
	struct virtqueue vqs[2];
	unsigned int notified[2];
	unsigned int resets;
	unsigned int activations;
	int activate_ret;
	uint64_t accepted;
	uint8_t cfg[16];
	uint64_t cfg_write_off;
	unsigned int cfg_write_len;
};

static struct harness h;
static struct fake fk;

static uint64_t fake_get_features(struct virtio_dev *dev)
{
	(void)dev;
	return (1ull << FAKE_F_A) | (1ull << FAKE_F_REFUSED) |
	       (1ull << VIRTIO_F_RING_EVENT_IDX);
}

static int fake_set_features(struct virtio_dev *dev, uint64_t f)
{
	(void)dev;
	if (f & (1ull << FAKE_F_REFUSED))
		return -EINVAL;
	fk.accepted = f;
	return 0;
}

static void fake_cfg_read(struct virtio_dev *dev, uint64_t off, void *data,
			  unsigned int len)
{
	(void)dev;
	if (off + len <= sizeof(fk.cfg))
		memcpy(data, fk.cfg + off, len);
}

static void fake_cfg_write(struct virtio_dev *dev, uint64_t off,
			   const void *data, unsigned int len)
{
	(void)dev;
	(void)data;
	fk.cfg_write_off = off;
	fk.cfg_write_len = len;
}

static void fake_queue_notify(struct virtio_dev *dev, unsigned int q)
{
	(void)dev;
	fk.notified[q]++;
}

static int fake_activate(struct virtio_dev *dev)
{
	(void)dev;
	fk.activations++;
	return fk.activate_ret;
}

static void fake_reset(struct virtio_dev *dev)
{
	(void)dev;
	fk.resets++;
}

static const struct virtio_dev_ops fake_ops = {
	.get_features = fake_get_features,
	.set_features = fake_set_features,
	.cfg_read = fake_cfg_read,
	.cfg_write = fake_cfg_write,
	.queue_notify = fake_queue_notify,
	.activate = fake_activate,
	.reset = fake_reset,
};

static const uint64_t good_features = (1ull << VIRTIO_F_VERSION_1) |
				      (1ull << FAKE_F_A) |
				      (1ull << VIRTIO_F_RING_EVENT_IDX);

static int setup(void **state)
{
	(void)state;
	if (h_init(&h) < 0)
		return -1;
	memset(&fk, 0, sizeof(fk));
	virtio_dev_init(&fk.dev, &fake_ops, FAKE_ID, "fake0");
	fk.dev.nr_queues = 2;
	fk.dev.vqs = fk.vqs;
	fk.vqs[0].max_size = 64;
	fk.vqs[1].max_size = 8;
	virtqueue_reset(&fk.vqs[0]);
	virtqueue_reset(&fk.vqs[1]);
	for (unsigned int i = 0; i < sizeof(fk.cfg); i++)
		fk.cfg[i] = (uint8_t)(0xc0 + i);
	return h_attach(&h, &fk.dev);
}

static int teardown(void **state)
{
	(void)state;
	h_fini(&h);
	pthread_mutex_destroy(&fk.dev.lock);
	return 0;
}

static uint32_t status(void)
{
	return h_r32(&h, VIRTIO_MMIO_STATUS);
}

/* The full probe: negotiate, queue 0 at the harness rings, DRIVER_OK. */
static void bring_up(void)
{
	assert_true(h_negotiate(&h, good_features) & VIRTIO_STATUS_FEATURES_OK);
	h_setup_queue(&h, 0, 16);
	h_driver_ok(&h);
	assert_int_equal(status() & VIRTIO_STATUS_DRIVER_OK,
			 VIRTIO_STATUS_DRIVER_OK);
}

static void test_identity(void **state)
{
	(void)state;
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_VERSION_REG), 2);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_DEVICE_ID), FAKE_ID);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_VENDOR_ID), 0);
	assert_int_equal(status(), 0);
	/* SHM_LEN all-ones: no shared memory region. */
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
}

static void test_features(void **state)
{
	uint64_t f;

	(void)state;
	f = h_device_features(&h);
	assert_true(f & (1ull << VIRTIO_F_VERSION_1));
	assert_true(f & (1ull << FAKE_F_A));
	h_w32(&h, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_DEVICE_FEATURES), 0);

	assert_true(h_negotiate(&h, good_features) & VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(fk.dev.driver_features, good_features);
	assert_int_equal(fk.accepted, good_features);
}

static void test_features_refused(void **state)
{
	(void)state;
	/* A bit the device does not offer. */
	assert_false(h_negotiate(&h, good_features | (1ull << 5)) &
		     VIRTIO_STATUS_FEATURES_OK);
	/* Legacy driver (no VERSION_1) on a modern-only transport. */
	assert_false(h_negotiate(&h, 1ull << FAKE_F_A) &
		     VIRTIO_STATUS_FEATURES_OK);
	/* The device's set_features says no. */
	assert_false(h_negotiate(&h, good_features | (1ull << FAKE_F_REFUSED)) &
		     VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(fk.dev.driver_features, 0);
	/* DRIVER_OK without FEATURES_OK is ignored. */
	h_driver_ok(&h);
	assert_int_equal(status() & VIRTIO_STATUS_DRIVER_OK, 0);
	assert_int_equal(fk.activations, 0);
}

static void test_features_locked_after_ok(void **state)
{
	(void)state;
	assert_true(h_negotiate(&h, good_features) & VIRTIO_STATUS_FEATURES_OK);
	h_w32(&h, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	h_w32(&h, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	assert_int_equal(fk.dev.driver_features, good_features);
}

static void test_queue_setup(void **state)
{
	(void)state;
	/* Queue registers before FEATURES_OK are ignored. */
	h_setup_queue(&h, 0, 16);
	h_w32(&h, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(status() & VIRTIO_STATUS_NEEDS_RESET, 0);

	assert_true(h_negotiate(&h, good_features) & VIRTIO_STATUS_FEATURES_OK);
	h_w32(&h, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	h_w32(&h, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_QUEUE_NUM_MAX), 8);
	h_w32(&h, VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	h_setup_queue(&h, 0, 16);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_QUEUE_READY), 1);
	assert_true(fk.vqs[0].ready);
	assert_true(fk.vqs[0].event_idx);
	assert_false(fk.vqs[0].indirect);
	assert_int_equal(fk.vqs[0].size, 16);
	assert_int_equal(fk.vqs[0].desc_gpa, h_gpa(H_DESC));
	assert_int_equal(fk.vqs[0].avail_gpa, h_gpa(H_AVAIL));
	assert_int_equal(fk.vqs[0].used_gpa, h_gpa(H_USED));
	/* A ready queue cannot be moved. */
	h_w32(&h, VIRTIO_MMIO_QUEUE_SEL, 0);
	h_w32(&h, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	assert_int_equal(fk.vqs[0].desc_gpa, h_gpa(H_DESC));
	/* Disabling works (Linux's del_vq), and reads back 0. */
	h_w32(&h, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_QUEUE_READY), 0);
}

static void check_bad_queue(uint16_t size, uint64_t desc, uint64_t avail,
			    uint64_t used)
{
	assert_true(h_negotiate(&h, good_features) & VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(status() & VIRTIO_STATUS_NEEDS_RESET, 0);
	h_setup_queue_at(&h, 0, size, desc, avail, used);
	assert_false(fk.vqs[0].ready);
	assert_true(fk.dev.broken);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_bad_queue_enable(void **state)
{
	(void)state;
	check_bad_queue(12, h_gpa(H_DESC), h_gpa(H_AVAIL), h_gpa(H_USED));
	check_bad_queue(128, h_gpa(H_DESC), h_gpa(H_AVAIL), h_gpa(H_USED));
	check_bad_queue(0, h_gpa(H_DESC), h_gpa(H_AVAIL), h_gpa(H_USED));
	check_bad_queue(16, 0x1000, h_gpa(H_AVAIL), h_gpa(H_USED));
	check_bad_queue(16, h_gpa(H_DESC), UINT64_MAX - 1, h_gpa(H_USED));
	check_bad_queue(16, h_gpa(H_DESC), h_gpa(H_AVAIL), H_ROM_GPA);
	check_bad_queue(16, h_gpa(H_DESC) + 4, h_gpa(H_AVAIL), h_gpa(H_USED));
	/* QueueNum beyond 16 bits must not alias a valid size. */
	assert_true(h_negotiate(&h, good_features) & VIRTIO_STATUS_FEATURES_OK);
	h_w32(&h, VIRTIO_MMIO_QUEUE_SEL, 0);
	h_w32(&h, VIRTIO_MMIO_QUEUE_NUM, 0x10010);
	h_w32(&h, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	/* A reset recovers the device. */
	h_w32(&h, VIRTIO_MMIO_STATUS, 0);
	assert_false(fk.dev.broken);
	assert_int_equal(status(), 0);
}

static void test_notify(void **state)
{
	(void)state;
	/* Before DRIVER_OK: ignored. */
	assert_true(h_negotiate(&h, good_features) & VIRTIO_STATUS_FEATURES_OK);
	h_setup_queue(&h, 0, 16);
	h_w32(&h, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(fk.notified[0], 0);
	h_driver_ok(&h);
	assert_int_equal(fk.activations, 1);
	h_w32(&h, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(fk.notified[0], 1);
	/* Queue 1 is not ready, queue 7 does not exist. */
	h_w32(&h, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	h_w32(&h, VIRTIO_MMIO_QUEUE_NOTIFY, 7);
	h_w32(&h, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	assert_int_equal(fk.notified[0], 1);
	assert_int_equal(fk.notified[1], 0);
	/* Queue registers are locked after DRIVER_OK. */
	h_w32(&h, VIRTIO_MMIO_QUEUE_SEL, 1);
	h_w32(&h, VIRTIO_MMIO_QUEUE_NUM, 8);
	h_w32(&h, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_false(fk.vqs[1].ready);
}

static void test_interrupts(void **state)
{
	(void)state;
	bring_up();
	pthread_mutex_lock(&fk.dev.lock);
	virtio_dev_notify_queue(&fk.dev, 0); /* first: always */
	pthread_mutex_unlock(&fk.dev.lock);
	assert_int_equal(h.irq_count, 1);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_ISR_QUEUE);
	h_w32(&h, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_ISR_QUEUE);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

	assert_int_equal(h_r32(&h, VIRTIO_MMIO_CONFIG_GENERATION), 0);
	pthread_mutex_lock(&fk.dev.lock);
	virtio_dev_notify_config(&fk.dev);
	pthread_mutex_unlock(&fk.dev.lock);
	assert_int_equal(h.irq_count, 2);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_ISR_CONFIG);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_CONFIG_GENERATION), 1);
	/* Out-of-range queue: nothing. */
	virtio_dev_notify_queue(&fk.dev, 9);
	assert_int_equal(h.irq_count, 2);
}

static void test_set_broken_after_driver_ok(void **state)
{
	(void)state;
	bring_up();
	pthread_mutex_lock(&fk.dev.lock);
	virtio_dev_set_broken(&fk.dev, "test %d", 1);
	pthread_mutex_unlock(&fk.dev.lock);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	assert_true(status() & VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(h.irq_count, 1);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_ISR_CONFIG);
	/* Broken: notifies no longer reach the device. */
	h_w32(&h, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(fk.notified[0], 0);
	/* The driver ORs FAILED into what it read: accepted. */
	h_w32(&h, VIRTIO_MMIO_STATUS, status() | VIRTIO_STATUS_FAILED);
	assert_true(status() & VIRTIO_STATUS_FAILED);
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_activate_failure(void **state)
{
	(void)state;
	fk.activate_ret = -ENOMEM;
	bring_up();
	assert_true(status() & VIRTIO_STATUS_NEEDS_RESET);
	assert_true(fk.dev.broken);
}

static void test_reset(void **state)
{
	unsigned int resets;

	(void)state;
	bring_up();
	resets = fk.resets;
	fk.vqs[0].last_avail = 7;
	h_w32(&h, VIRTIO_MMIO_QUEUE_SEL, 1);
	h_w32(&h, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(status(), 0);
	assert_int_equal(fk.resets, resets + 1);
	assert_false(fk.vqs[0].ready);
	assert_int_equal(fk.vqs[0].last_avail, 0);
	assert_int_equal(fk.vqs[0].max_size, 64);
	assert_int_equal(fk.dev.driver_features, 0);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_QUEUE_SEL), 0);
	h_w32(&h, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(fk.notified[0], 0);
	/* And the device comes up again. */
	bring_up();
	h_w32(&h, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(fk.notified[0], 1);
}

static void test_status_cannot_clear_bits(void **state)
{
	(void)state;
	bring_up();
	h_w32(&h, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_true(status() & VIRTIO_STATUS_DRIVER_OK);
	/* Nor set NEEDS_RESET itself. */
	h_w32(&h, VIRTIO_MMIO_STATUS, status() | VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(status() & VIRTIO_STATUS_NEEDS_RESET, 0);
}

static void test_bad_widths(void **state)
{
	uint16_t v16 = 0xffff;
	uint8_t v8 = 0;
	uint64_t v64 = 0;

	(void)state;
	/* Registers are 32-bit only: reads give 0, writes are dropped. */
	assert_true(bus_read(&h.bus, H_MMIO_BASE + VIRTIO_MMIO_MAGIC_VALUE,
			     &v16, 2));
	assert_int_equal(v16, 0);
	assert_true(bus_read(&h.bus, H_MMIO_BASE + 1, &v8, 1));
	assert_int_equal(v8, 0);
	assert_true(
		bus_read(&h.bus, H_MMIO_BASE + VIRTIO_MMIO_STATUS, &v64, 8));
	assert_int_equal(v64, 0);
	v16 = VIRTIO_STATUS_ACKNOWLEDGE;
	bus_write(&h.bus, H_MMIO_BASE + VIRTIO_MMIO_STATUS, &v16, 2);
	assert_int_equal(status(), 0);
	/* Misaligned 32-bit access. */
	bus_write(&h.bus, H_MMIO_BASE + VIRTIO_MMIO_STATUS + 1, &v16, 4);
	assert_int_equal(status(), 0);
	/* Unknown offsets. */
	assert_int_equal(h_r32(&h, 0x0e0), 0);
	h_w32(&h, 0x0e0, 1);
	h_w32(&h, VIRTIO_MMIO_MAGIC_VALUE, 0);
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	/* Past the window: unclaimed, all-ones. */
	assert_false(
		bus_read(&h.bus, H_MMIO_BASE + VIRTIO_MMIO_SIZE - 2, &v64, 4));
}

static void test_config_space(void **state)
{
	uint8_t b = 0;
	uint16_t w = 0;
	uint32_t l = 0;
	uint64_t q = 0;

	(void)state;
	assert_true(bus_read(&h.bus, H_MMIO_BASE + 0x100, &b, 1));
	assert_int_equal(b, 0xc0);
	assert_true(bus_read(&h.bus, H_MMIO_BASE + 0x103, &w, 2));
	assert_int_equal(w, 0xc4c3);
	assert_true(bus_read(&h.bus, H_MMIO_BASE + 0x104, &l, 4));
	assert_int_equal(l, 0xc7c6c5c4);
	assert_true(bus_read(&h.bus, H_MMIO_BASE + 0x108, &q, 8));
	assert_int_equal(q, 0xcfcecdcccbcac9c8ull);
	/* Beyond the device's config: zeros, not garbage. */
	l = 0x12345678;
	assert_true(bus_read(&h.bus, H_MMIO_BASE + 0x1fc, &l, 4));
	assert_int_equal(l, 0);
	bus_write(&h.bus, H_MMIO_BASE + 0x106, &w, 2);
	assert_int_equal(fk.cfg_write_off, 6);
	assert_int_equal(fk.cfg_write_len, 2);
}

static void test_overlap_and_destroy(void **state)
{
	struct virtio_mmio *t2;
	struct virtio_mmio_args a = { .bus = &h.bus,
				      .base = H_MMIO_BASE + 0x100,
				      .irq = &h.irq,
				      .dev = &fk.dev };

	(void)state;
	assert_int_equal(virtio_mmio_create(&a, &t2), -EEXIST);
	a.dev = NULL;
	assert_int_equal(virtio_mmio_create(&a, &t2), -EINVAL);
	virtio_mmio_destroy(h.t);
	h.t = NULL;
	assert_int_equal(h_r32(&h, VIRTIO_MMIO_MAGIC_VALUE), 0xffffffff);
	assert_null(fk.dev.transport_ops);
	virtio_mmio_destroy(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_features),
		T(test_features_refused),
		T(test_features_locked_after_ok),
		T(test_queue_setup),
		T(test_bad_queue_enable),
		T(test_notify),
		T(test_interrupts),
		T(test_set_broken_after_driver_ok),
		T(test_activate_failure),
		T(test_reset),
		T(test_status_cannot_clear_bits),
		T(test_bad_widths),
		T(test_config_space),
		T(test_overlap_and_destroy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
