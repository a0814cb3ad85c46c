// SPDX-License-Identifier: MIT
/*
 * virtio-console (multiport) over virtio-mmio on the fake guest of
 * virtio_harness.h, with a real unix-socket chardev served by a real event
 * loop: the control handshake Linux's virtio_console driver performs, data
 * both ways byte-exact, back-pressure when the guest posts no buffers, host
 * connect/disconnect as PORT_OPEN, and garbage control messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/virtio_harness.h"
#include "vmm/backends/chardev.h"
#include "vmm/config.h"
#include "vmm/util/eventloop.h"
#include "vmm/virtio/console.h"

#define QSZ 16
#define NQ 6 /* port 0 rx/tx, control rx/tx, port 1 rx/tx */

/* One split ring per queue, 0x2000 apart from 0x10000 in fake RAM. */
struct ring {
	uint64_t base;
	uint16_t avail_idx;
	uint16_t last_used;
	uint16_t next_desc;
};

struct fx {
	struct harness h;
	struct ring r[NQ];
	struct eventloop *loop;
	pthread_t loop_thread;
	struct chardev *chr;
	struct chardev_cfg cc;
	char path[108];
	struct virtio_dev *dev;
	int client;
	uint64_t buf_next;
};

static uint64_t rd(struct ring *r) { return r->base; }
static uint64_t ra(struct ring *r) { return r->base + 0x800; }
static uint64_t ru(struct ring *r) { return r->base + 0x1000; }

static void *loop_main(void *opaque)
{
	struct fx *f = opaque;

	if (eventloop_run(f->loop) < 0)
		fprintf(stderr, "event loop failed\n");
	return NULL;
}

/* Post one buffer (device-writable if in) of len bytes; returns its gpa. */
static uint64_t post(struct fx *f, unsigned int q, const void *data,
		     uint32_t len, bool in)
{
	struct ring *r = &f->r[q];
	uint64_t gpa = h_gpa(f->buf_next);
	uint16_t d = r->next_desc++ % QSZ, slot = r->avail_idx % QSZ;

	f->buf_next += 0x1000;
	if (data)
		memcpy(h_ptr(&f->h, f->buf_next - 0x1000), data, len);
	h_desc_at(h_ptr(&f->h, rd(r)), d, gpa, len, in ? H_DESC_F_WRITE : 0,
		  0);
	memcpy(h_ptr(&f->h, ra(r) + 4 + 2 * slot), &d, 2);
	r->avail_idx++;
	memcpy(h_ptr(&f->h, ra(r) + 2), &r->avail_idx, 2);
	h_w32(&f->h, VIRTIO_MMIO_QUEUE_NOTIFY, q);
	return gpa;
}

/* Next used element of queue q: 1 with its buffer's gpa and length. */
static int used(struct fx *f, unsigned int q, uint64_t *gpa, uint32_t *len)
{
	struct ring *r = &f->r[q];
	uint16_t idx, id;
	uint32_t id32;

	memcpy(&idx, h_ptr(&f->h, ru(r) + 2), 2);
	if (idx == r->last_used)
		return 0;
	memcpy(&id32, h_ptr(&f->h, ru(r) + 4 + 8 * (r->last_used % QSZ)), 4);
	memcpy(len, h_ptr(&f->h, ru(r) + 8 + 8 * (r->last_used % QSZ)), 4);
	id = (uint16_t)id32;
	memcpy(gpa, h_ptr(&f->h, rd(r) + 16 * id), 8);
	r->last_used++;
	return 1;
}

/* Wait (up to 2 s) for a used element on q. */
static int wait_used(struct fx *f, unsigned int q, uint64_t *gpa,
		     uint32_t *len)
{
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < 2000; i++) {
		if (used(f, q, gpa, len))
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void ctrl(struct fx *f, uint32_t id, uint16_t ev, uint16_t val)
{
	uint8_t m[8];

	memcpy(m, &id, 4);
	memcpy(m + 4, &ev, 2);
	memcpy(m + 6, &val, 2);
	post(f, VCON_CTRL_TXQ, m, 8, false);
}

/* The next control message from the device: event, id, name bytes. */
static int next_ctrl(struct fx *f, uint32_t *id, uint16_t *ev, uint16_t *val,
		     char *name)
{
	uint64_t gpa;
	uint32_t len;
	uint8_t *b;

	post(f, VCON_CTRL_RXQ, NULL, 64, true);
	if (!wait_used(f, VCON_CTRL_RXQ, &gpa, &len) || len < 8)
		return -1;
	b = h_ptr(&f->h, gpa - H_RAM_GPA);
	memcpy(id, b, 4);
	memcpy(ev, b + 4, 2);
	memcpy(val, b + 6, 2);
	if (name) {
		memcpy(name, b + 8, len - 8);
		name[len - 8] = '\0';
	}
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vcon_port_args a = { .nr = 1, .name = "org.sv.agent" };

	if (!f || h_init(&f->h) < 0 || eventloop_create(&f->loop) < 0)
		return -1;
	snprintf(f->path, sizeof(f->path), "/tmp/test_vcon.%d", getpid());
	f->cc = (struct chardev_cfg){ .kind = CHARDEV_UNIX, .path = f->path,
				      .server = true, .nowait = true };
	if (chardev_create(&f->cc, f->loop, &f->chr) < 0 ||
	    virtio_console_create("vs0", 2, &f->dev) < 0)
		return -1;
	a.chr = f->chr;
	if (virtio_console_add_port(f->dev, &a) < 0 || h_attach(&f->h, f->dev))
		return -1;
	pthread_create(&f->loop_thread, NULL, loop_main, f);
	f->buf_next = 0x40000;
	f->client = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->client >= 0)
		close(f->client);
	eventloop_stop(f->loop);
	pthread_join(f->loop_thread, NULL);
	h_fini(&f->h);
	f->dev->ops->destroy(f->dev);
	chardev_destroy(f->chr);
	eventloop_destroy(f->loop);
	free(f);
	return 0;
}

static void bring_up(struct fx *f)
{
	assert_int_equal(h_negotiate(&f->h, (1ull << VIRTIO_F_VERSION_1) |
						    (1ull << VIRTIO_CONSOLE_F_MULTIPORT)) &
				 VIRTIO_STATUS_FEATURES_OK,
			 VIRTIO_STATUS_FEATURES_OK);
	for (unsigned int q = 0; q < NQ; q++) {
		f->r[q].base = 0x10000 + 0x2000ull * q;
		memset(h_ptr(&f->h, f->r[q].base), 0, 0x2000);
		h_setup_queue_at(&f->h, q, QSZ, h_gpa(rd(&f->r[q])),
				 h_gpa(ra(&f->r[q])), h_gpa(ru(&f->r[q])));
	}
	h_driver_ok(&f->h);
}

static int connect_client(struct fx *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* The handshake as Linux does it; the host client connects first. */
static void handshake(struct fx *f)
{
	uint32_t id;
	uint16_t ev, val;
	char name[64];

	bring_up(f);
	f->client = connect_client(f);
	usleep(50000); /* the loop accepts */
	ctrl(f, 0, VCON_DEVICE_READY, 1);
	assert_int_equal(next_ctrl(f, &id, &ev, &val, NULL), 0);
	assert_int_equal(ev, VCON_DEVICE_ADD);
	assert_int_equal(id, 1);
	ctrl(f, 1, VCON_PORT_READY, 1);
	assert_int_equal(next_ctrl(f, &id, &ev, &val, name), 0);
	assert_int_equal(ev, VCON_PORT_NAME);
	assert_string_equal(name, "org.sv.agent");
	assert_int_equal(next_ctrl(f, &id, &ev, &val, NULL), 0);
	assert_int_equal(ev, VCON_PORT_OPEN);
	assert_int_equal(val, 1);
	ctrl(f, 1, VCON_PORT_OPEN, 1);
}

static void test_features_and_config(void **state)
{
	struct fx *f = *state;
	uint32_t max = 0;

	assert_true(h_device_features(&f->h) &
		    (1ull << VIRTIO_CONSOLE_F_MULTIPORT));
	assert_int_equal(h_r32(&f->h, VIRTIO_MMIO_DEVICE_ID),
			 VIRTIO_ID_CONSOLE);
	max = h_r32(&f->h, VIRTIO_MMIO_CONFIG + 4);
	assert_int_equal(max, 2);
}

static void test_handshake_and_data(void **state)
{
	struct fx *f = *state;
	static const char out[] = "guest->host \x00\xff bytes";
	char got[64] = { 0 };
	uint64_t gpa;
	uint32_t len;

	handshake(f);
	/* guest -> host */
	post(f, vcon_txq(1), out, sizeof(out), false);
	assert_int_equal(wait_used(f, vcon_txq(1), &gpa, &len), 1);
	assert_int_equal(read(f->client, got, sizeof(out)), sizeof(out));
	assert_memory_equal(got, out, sizeof(out));
	/* host -> guest */
	post(f, vcon_rxq(1), NULL, 64, true);
	assert_int_equal(write(f->client, "pong", 4), 4);
	assert_int_equal(wait_used(f, vcon_rxq(1), &gpa, &len), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(h_ptr(&f->h, gpa - H_RAM_GPA), "pong", 4);
}

/* Host bytes sent before any receive buffer wait; none is lost. */
static void test_backpressure(void **state)
{
	struct fx *f = *state;
	char buf[3000];
	size_t total = 0;
	uint64_t gpa;
	uint32_t len;

	handshake(f);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	assert_int_equal(write(f->client, buf, sizeof(buf)), sizeof(buf));
	usleep(100000);
	assert_int_equal(used(f, vcon_rxq(1), &gpa, &len), 0);
	while (total < sizeof(buf)) {
		post(f, vcon_rxq(1), NULL, 1000, true);
		assert_int_equal(wait_used(f, vcon_rxq(1), &gpa, &len), 1);
		assert_memory_equal(h_ptr(&f->h, gpa - H_RAM_GPA),
				    buf + total, len);
		total += len;
	}
	assert_int_equal(total, sizeof(buf));
}

/*
 * 1 MiB from the host, far more than the FIFO: the chardev is paused while
 * the guest is slow, and every byte arrives once and in order.
 */
static void test_backpressure_large(void **state)
{
	struct fx *f = *state;
	const size_t n = 1 << 20;
	uint8_t *src = malloc(n);
	size_t sent = 0, got = 0;
	uint64_t gpa;
	uint32_t len;

	handshake(f);
	for (size_t i = 0; i < n; i++)
		src[i] = (uint8_t)(i * 31 + (i >> 9));
	fcntl(f->client, F_SETFL, O_NONBLOCK);
	while (got < n) {
		ssize_t w = sent < n ? write(f->client, src + sent, n - sent) :
				       0;

		if (w > 0)
			sent += (size_t)w;
		f->buf_next = 0x40000 + (f->buf_next - 0x40000) % 0x80000;
		post(f, vcon_rxq(1), NULL, 4096, true);
		assert_int_equal(wait_used(f, vcon_rxq(1), &gpa, &len), 1);
		assert_true(got + len <= n);
		assert_memory_equal(h_ptr(&f->h, gpa - H_RAM_GPA), src + got,
				    len);
		got += len;
	}
	assert_int_equal(got, n);
	free(src);
}

static void test_host_disconnect(void **state)
{
	struct fx *f = *state;
	uint32_t id;
	uint16_t ev, val;

	handshake(f);
	close(f->client);
	f->client = -1;
	assert_int_equal(next_ctrl(f, &id, &ev, &val, NULL), 0);
	assert_int_equal(ev, VCON_PORT_OPEN);
	assert_int_equal(id, 1);
	assert_int_equal(val, 0);
	f->client = connect_client(f);
	assert_int_equal(next_ctrl(f, &id, &ev, &val, NULL), 0);
	assert_int_equal(ev, VCON_PORT_OPEN);
	assert_int_equal(val, 1);
}

/* Short messages, unknown ports, unknown events: ignored, still working. */
static void test_garbage_control(void **state)
{
	struct fx *f = *state;
	uint64_t gpa;
	uint32_t len;

	handshake(f);
	post(f, VCON_CTRL_TXQ, "abc", 3, false);
	ctrl(f, 999, VCON_PORT_READY, 1);
	ctrl(f, 1, 0x7777, 1);
	ctrl(f, 0, VCON_PORT_OPEN, 1); /* port 0 is not configured */
	for (int i = 0; i < 4; i++)
		assert_int_equal(wait_used(f, VCON_CTRL_TXQ, &gpa, &len), 1);
	assert_false(f->dev->broken);
	post(f, vcon_txq(1), "ok", 2, false);
	assert_int_equal(wait_used(f, vcon_txq(1), &gpa, &len), 1);
	assert_false(f->dev->broken);
}

/* A descriptor pointing outside RAM breaks the device, not the VMM. */
static void test_bad_descriptor(void **state)
{
	struct fx *f = *state;
	struct ring *r;
	uint16_t d, slot;

	handshake(f);
	r = &f->r[vcon_txq(1)];
	d = r->next_desc++ % QSZ;
	slot = r->avail_idx % QSZ;
	h_desc_at(h_ptr(&f->h, rd(r)), d, 0xdead0000000ull, 64, 0, 0);
	memcpy(h_ptr(&f->h, ra(r) + 4 + 2 * slot), &d, 2);
	r->avail_idx++;
	memcpy(h_ptr(&f->h, ra(r) + 2), &r->avail_idx, 2);
	h_w32(&f->h, VIRTIO_MMIO_QUEUE_NOTIFY, vcon_txq(1));
	assert_true(f->dev->broken);
	assert_true(h_r32(&f->h, VIRTIO_MMIO_STATUS) &
		    VIRTIO_STATUS_NEEDS_RESET);
}

static void test_add_port_errors(void **state)
{
	struct fx *f = *state;
	struct vcon_port_args a = { .nr = 1, .chr = f->chr };

	assert_int_equal(virtio_console_add_port(f->dev, &a), -EEXIST);
	a.nr = 2;
	assert_int_equal(virtio_console_add_port(f->dev, &a), -ERANGE);
}

/* One tx buffer of len bytes at RAM offset off, filled with a pattern. */
static uint64_t post_big(struct fx *f, unsigned int q, uint64_t off,
			 uint32_t len)
{
	struct ring *r = &f->r[q];
	uint16_t d = r->next_desc++ % QSZ, slot = r->avail_idx % QSZ;
	uint8_t *b = h_ptr(&f->h, off);

	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 13 + i / 4096);
	h_desc_at(h_ptr(&f->h, rd(r)), d, h_gpa(off), len, 0, 0);
	memcpy(h_ptr(&f->h, ra(r) + 4 + 2 * slot), &d, 2);
	r->avail_idx++;
	memcpy(h_ptr(&f->h, ra(r) + 2), &r->avail_idx, 2);
	h_w32(&f->h, VIRTIO_MMIO_QUEUE_NOTIFY, q);
	return h_gpa(off);
}

/*
 * Guest output larger than the socket takes while the host reads nothing:
 * the notify returns at once (no thread blocks on the host), the request
 * stays with the device until the host has read every byte, in order.
 */
static void test_tx_waits_for_host(void **state)
{
	struct fx *f = *state;
	const uint32_t n = 0x90000;	/* 576 KiB: more than a socket buffer */
	uint8_t *got = malloc(n);
	uint32_t have = 0, len;
	uint64_t gpa;
	ssize_t r;

	assert_non_null(got);
	handshake(f);
	post_big(f, vcon_txq(1), 0x60000, n);
	usleep(100000);
	assert_int_equal(used(f, vcon_txq(1), &gpa, &len), 0);
	for (int spins = 0; have < n && spins < 5000; spins++) {
		r = recv(f->client, got + have, n - have, MSG_DONTWAIT);
		if (r > 0)
			have += (uint32_t)r;
		else
			usleep(1000);
	}
	assert_int_equal(have, n);
	assert_int_equal(wait_used(f, vcon_txq(1), &gpa, &len), 1);
	assert_memory_equal(got, h_ptr(&f->h, 0x60000), n);
	free(got);
}

/* The host leaves while a request waits for room: it is dropped, returned. */
static void test_tx_held_then_host_leaves(void **state)
{
	struct fx *f = *state;
	uint64_t gpa;
	uint32_t len;

	handshake(f);
	post_big(f, vcon_txq(1), 0x60000, 0x90000);
	usleep(100000);
	assert_int_equal(used(f, vcon_txq(1), &gpa, &len), 0);
	close(f->client);
	f->client = -1;
	assert_int_equal(wait_used(f, vcon_txq(1), &gpa, &len), 1);
}

/*
 * Linux fills the control rx queue before it sends PORT_READY; the answer
 * to PORT_READY pops an rx buffer while the tx message is being handled.
 * The tx buffer itself must come back on the used ring, not the rx one.
 */
static void test_ctrl_tx_head_after_rx_pop(void **state)
{
	struct fx *f = *state;
	struct ring *r = &f->r[VCON_CTRL_RXQ];
	uint8_t m[8];
	uint32_t id = 1, len;
	uint16_t ev = VCON_PORT_READY, val = 1;
	uint64_t gpa, tx_gpa;

	bring_up(f);
	f->client = connect_client(f);
	usleep(50000);
	for (int i = 0; i < 6; i++) {
		uint16_t d = r->next_desc++ % QSZ, slot = r->avail_idx % QSZ;
		uint64_t g = h_gpa(f->buf_next);

		f->buf_next += 0x1000;
		h_desc_at(h_ptr(&f->h, rd(r)), d, g, 64, H_DESC_F_WRITE, 0);
		memcpy(h_ptr(&f->h, ra(r) + 4 + 2 * slot), &d, 2);
		r->avail_idx++;
		memcpy(h_ptr(&f->h, ra(r) + 2), &r->avail_idx, 2);
	}
	ctrl(f, 0, VCON_DEVICE_READY, 1);
	assert_int_equal(wait_used(f, VCON_CTRL_TXQ, &gpa, &len), 1);
	memcpy(m, &id, 4);
	memcpy(m + 4, &ev, 2);
	memcpy(m + 6, &val, 2);
	tx_gpa = post(f, VCON_CTRL_TXQ, m, 8, false);
	assert_int_equal(wait_used(f, VCON_CTRL_TXQ, &gpa, &len), 1);
	assert_int_equal(gpa, tx_gpa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ctrl_tx_head_after_rx_pop,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_waits_for_host, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_held_then_host_leaves,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_features_and_config,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_and_data, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_backpressure_large, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_host_disconnect, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_garbage_control, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_descriptor, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_add_port_errors, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
