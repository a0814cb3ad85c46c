// SPDX-License-Identifier: GPL-2.0
/*
 * svtest: `console` drives a multiport virtio-console the way Linux's
 * virtio_console does (DEVICE_READY, DEVICE_ADD, PORT_READY, PORT_NAME,
 * PORT_OPEN), by polling: sends "svtest console ping <n>\n" on port 1 and
 * expects the host peer to send the same line back. The host side is
 * tests/integration/test_vconsole.sh.
 */
#include "virtio.h"

#define VIRTIO_ID_CONSOLE 3
#define VCON_F_MULTIPORT 1
#define CQ_NUM 8
#define POLL (1U << 26)

#define EV_DEVICE_READY 0
#define EV_DEVICE_ADD 1
#define EV_PORT_READY 3
#define EV_PORT_OPEN 6
#define EV_PORT_NAME 7

/* One queue: index, rings in one page, buffers in another. */
struct cq {
	u64 base;
	u32 index;
	u16 avail_idx, used_seen;
	struct vdesc *desc;
	struct vavail *avail;
	struct vused *used;
	u8 *bufs; /* CQ_NUM buffers of 512 bytes */
};

static u8 cq_mem[4][2 * 4096] NOINIT __attribute__((aligned(4096)));
static struct cq qs[4];

struct ctrl_msg {
	u32 id;
	u16 event, value;
};

static void cq_init(struct cq *q, u64 base, u32 index, u8 *mem)
{
	q->base = base;
	q->index = index;
	q->desc = (struct vdesc *)mem;
	q->avail = (struct vavail *)(mem + 16 * CQ_NUM);
	q->used = (struct vused *)(mem + 2048);
	q->bufs = mem + 4096;
	memset(mem, 0, 4096);
	q->avail_idx = q->used_seen = 0;
	mmio_write32(base + VMMIO_QUEUE_SEL, index);
	if (mmio_read32(base + VMMIO_QUEUE_NUM_MAX) < CQ_NUM)
		sv_fail("console: queue %u max size below %u", index, CQ_NUM);
	mmio_write32(base + VMMIO_QUEUE_NUM, CQ_NUM);
	mmio_write32(base + VMMIO_QUEUE_DESC_LO, (u32)(u64)q->desc);
	mmio_write32(base + VMMIO_QUEUE_DESC_HI, 0);
	mmio_write32(base + VMMIO_QUEUE_DRIVER_LO, (u32)(u64)q->avail);
	mmio_write32(base + VMMIO_QUEUE_DRIVER_HI, 0);
	mmio_write32(base + VMMIO_QUEUE_DEVICE_LO, (u32)(u64)q->used);
	mmio_write32(base + VMMIO_QUEUE_DEVICE_HI, 0);
	mmio_write32(base + VMMIO_QUEUE_READY, 1);
}

/* Buffer slot d (d < CQ_NUM) with len bytes, device-writable if in. */
static void cq_post(struct cq *q, u16 d, const void *data, u32 len, int in)
{
	u8 *buf = q->bufs + 512 * d;

	if (data)
		memcpy(buf, data, len);
	q->desc[d].addr = (u64)buf;
	q->desc[d].len = len;
	q->desc[d].flags = in ? VRING_DESC_F_WRITE : 0;
	q->desc[d].next = 0;
	q->avail->ring[q->avail_idx % CQ_NUM] = d;
	mb();
	q->avail->idx = ++q->avail_idx;
	mb();
	mmio_write32(q->base + VMMIO_QUEUE_NOTIFY, q->index);
}

/* The next used buffer: its slot, or -1 after rounds * POLL polls. */
static int cq_used_for(struct cq *q, u32 *len, u32 rounds)
{
	struct vused_elem e;
	u64 i, limit = (u64)POLL * rounds;

	for (i = 0; i < limit; i++)
		if (*(volatile u16 *)&q->used->idx != q->used_seen)
			break;
	if (i == limit)
		return -1;
	mb();
	e = q->used->ring[q->used_seen % CQ_NUM];
	q->used_seen++;
	*len = e.len;
	return e.id < CQ_NUM ? (int)e.id : -1;
}

static int cq_used(struct cq *q, u32 *len)
{
	return cq_used_for(q, len, 1);
}

static void send_ctrl(u32 id, u16 ev, u16 val)
{
	struct ctrl_msg m = { id, ev, val };
	u32 len;
	static u16 slot;

	cq_post(&qs[1], slot++ % CQ_NUM, &m, sizeof(m), 0);
	if (cq_used(&qs[1], &len) < 0)
		sv_fail("console: control message %u not consumed", ev);
}

/*
 * Wait for control event ev on port id; re-posts every buffer it reads.
 * PORT_OPEN waits longer: it comes when the host peer connects.
 */
static void wait_ctrl(u32 id, u16 ev, u16 *val)
{
	struct ctrl_msg m;
	u32 len;
	int d;

	for (;;) {
		d = cq_used_for(&qs[0], &len, ev == EV_PORT_OPEN ? 64 : 1);
		if (d < 0)
			sv_fail("console: no control event %u for port %u", ev,
				id);
		memcpy(&m, qs[0].bufs + 512 * d, sizeof(m));
		if (m.event == EV_PORT_NAME && len > 8 && len < 72) {
			char name[64];

			memcpy(name, qs[0].bufs + 512 * d + 8, len - 8);
			name[len - 8] = 0;
			sv_printf("console: port %u is named '%s'\n", m.id,
				  name);
		}
		cq_post(&qs[0], (u16)d, 0, 64, 1);
		if (m.id == id && m.event == ev) {
			if (val)
				*val = m.value;
			return;
		}
	}
}

static u64 find_console(void)
{
	struct vmmio_dev devs[32];
	int n = vmmio_cmdline_devices(devs, 32);

	for (int i = 0; i < n; i++)
		if (mmio_read32(devs[i].base + VMMIO_DEVICE_ID) ==
		    VIRTIO_ID_CONSOLE)
			return devs[i].base;
	sv_fail("console: no virtio-console among %d virtio-mmio devices", n);
}

static void bring_up(u64 base)
{
	u32 f0, f1;

	mmio_write32(base + VMMIO_STATUS, 0);
	mmio_write32(base + VMMIO_STATUS, VST_ACK | VST_DRIVER);
	mmio_write32(base + VMMIO_DEV_FEATURES_SEL, 0);
	f0 = mmio_read32(base + VMMIO_DEV_FEATURES);
	mmio_write32(base + VMMIO_DEV_FEATURES_SEL, 1);
	f1 = mmio_read32(base + VMMIO_DEV_FEATURES);
	if (!(f0 & (1U << VCON_F_MULTIPORT)) || !(f1 & 1))
		sv_fail("console: features 0x%x%08x lack MULTIPORT/VERSION_1",
			f1, f0);
	mmio_write32(base + VMMIO_DRV_FEATURES_SEL, 0);
	mmio_write32(base + VMMIO_DRV_FEATURES, 1U << VCON_F_MULTIPORT);
	mmio_write32(base + VMMIO_DRV_FEATURES_SEL, 1);
	mmio_write32(base + VMMIO_DRV_FEATURES, 1);
	mmio_write32(base + VMMIO_STATUS, VST_ACK | VST_DRIVER |
					  VST_FEATURES_OK);
	/* control rx/tx (2, 3), port 1 rx/tx (4, 5) */
	for (u32 i = 0; i < 4; i++)
		cq_init(&qs[i], base, 2 + i, cq_mem[i]);
	mmio_write32(base + VMMIO_STATUS, VST_ACK | VST_DRIVER |
					  VST_FEATURES_OK | VST_DRIVER_OK);
	for (u16 d = 0; d < CQ_NUM; d++) {
		cq_post(&qs[0], d, 0, 64, 1);
		cq_post(&qs[2], d, 0, 512, 1);
	}
}

/* Read port 1 until a whole line arrived; returns its length. */
static u32 read_line(char *line, u32 max)
{
	u32 got = 0, len;
	int d;

	while (got == 0 || line[got - 1] != '\n') {
		d = cq_used(&qs[2], &len);
		if (d < 0)
			sv_fail("console: no reply from the host (%u bytes)",
				got);
		if (len > 512 || got + len > max)
			sv_fail("console: reply too long (%u + %u)", got, len);
		memcpy(line + got, qs[2].bufs + 512 * d, len);
		got += len;
		cq_post(&qs[2], (u16)d, 0, 512, 1);
	}
	return got;
}

void test_console(void)
{
	char msg[64], line[256];
	u64 rounds = 3;
	u16 open = 0;
	u32 len;

	bring_up(find_console());
	send_ctrl(0, EV_DEVICE_READY, 1);
	wait_ctrl(1, EV_DEVICE_ADD, 0);
	send_ctrl(1, EV_PORT_READY, 1);
	while (!open)
		wait_ctrl(1, EV_PORT_OPEN, &open);
	send_ctrl(1, EV_PORT_OPEN, 1);
	sv_puts("console: port 1 open on both sides\n");
	cmdline_u64("svcon.n=", 10, &rounds);
	for (u64 i = 0; i < rounds; i++) {
		int n = sv_snprintf(msg, sizeof(msg), "svtest console ping %lu\n",
				    i);

		cq_post(&qs[3], (u16)(i % CQ_NUM), msg, (u32)n, 0);
		if (cq_used(&qs[3], &len) < 0)
			sv_fail("console: tx buffer %lu not consumed", i);
		len = read_line(line, sizeof(line) - 1);
		line[len] = 0;
		if (len != (u32)n || memcmp(line, msg, len))
			sv_fail("console: sent '%s', got back '%s'", msg, line);
	}
	sv_printf("console: %lu lines echoed\n", rounds);
	sv_pass();
}
