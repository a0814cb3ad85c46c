// SPDX-License-Identifier: GPL-2.0
/*
 * svtest: virtio-mmio devices from the command line and a polling
 * virtio-blk driver (`blk`), plus a hostile driver (`scribble`).
 */
#include "virtio.h"

#define POLL_LIMIT	(1U << 26)
#define RING_PAGES	12	/* room for a 1280-entry split ring */

static u8 ring_mem[RING_PAGES * 4096] NOINIT __attribute__((aligned(4096)));
static u8 data_buf[2 * 4096] NOINIT __attribute__((aligned(4096)));
static struct blk_req req_hdr NOINIT __attribute__((aligned(16)));
static volatile u8 req_status NOINIT;

static u32 rd(const struct vq *q, u32 off)
{
	return mmio_read32(q->base + off);
}

static void wr(const struct vq *q, u32 off, u32 v)
{
	mmio_write32(q->base + off, v);
}

/* memparse(): number (base auto) with an optional K/M/G/T/P/E suffix */
static int memparse(const char *s, const char **end, u64 *out)
{
	static const char sfx[] = "kmgtpe";
	int i;

	if (sv_strtou64(s, end, 0, out))
		return -1;
	for (i = 0; sfx[i]; i++)
		if ((**end | 0x20) == sfx[i]) {
			*out <<= 10 * (i + 1);
			(*end)++;
			break;
		}
	return 0;
}

/* "<size>@<base>:<irq>[:<id>]" as Linux's virtio_mmio_cmdline_set() */
static int vmmio_parse_one(const char *v, size_t len, struct vmmio_dev *d)
{
	char buf[96];
	const char *p;
	u64 id;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, v, len);
	buf[len] = 0;
	if (memparse(buf, &p, &d->size) || *p++ != '@')
		return -1;
	if (*p == '-' || sv_strtou64(p, &p, 0, &d->base) || *p++ != ':')
		return -1;
	if (sv_strtou64(p, &p, 10, &id) || !id || id > 0xffffffffULL)
		return -1;
	d->irq = (u32)id;
	if (*p == ':') {
		p++;
		if (*p == '-')
			p++;
		if (sv_strtou64(p, &p, 10, &id))
			return -1;
	}
	return *p ? -1 : 0;
}

int vmmio_cmdline_devices(struct vmmio_dev *out, int max)
{
	const char *p = bi.cmdline, *v;
	size_t len;
	int n = 0;

	while ((v = cmdline_find(p, "virtio_mmio.device=", &len))) {
		if (n < max && !vmmio_parse_one(v, len, &out[n]))
			n++;
		else if (n < max)
			sv_printf("info: bad virtio_mmio.device=%s\n", v);
		p = v + len;
	}
	return n;
}

static u16 pow2_floor(u32 v)
{
	u16 r = 1;

	while ((u32)r * 2 <= v && r < 0x8000)
		r *= 2;
	return r;
}

static void vq_layout(struct vq *q)
{
	q->desc = (struct vdesc *)ring_mem;
	q->avail = (struct vavail *)(ring_mem + 5 * 4096);
	q->used = (struct vused *)(ring_mem + 7 * 4096);
	memset(ring_mem, 0, 16 * (size_t)q->num);
	memset(q->avail, 0, 6 + 2 * (size_t)q->num);
	memset(q->used, 0, 6 + 8 * (size_t)q->num);
	q->avail_idx = 0;
	q->used_seen = 0;
}

/* reset .. FEATURES_OK; returns NULL or what went wrong */
static const char *vblk_features(struct vq *q, u64 base, u64 extra)
{
	u64 want;
	int i;

	q->base = base;
	wr(q, VMMIO_STATUS, 0);
	for (i = 0; i < 1000 && rd(q, VMMIO_STATUS); i++)
		barrier();
	if (rd(q, VMMIO_STATUS))
		return "status not 0 after reset";
	wr(q, VMMIO_STATUS, VST_ACK);
	wr(q, VMMIO_STATUS, VST_ACK | VST_DRIVER);
	wr(q, VMMIO_DEV_FEATURES_SEL, 0);
	q->features = rd(q, VMMIO_DEV_FEATURES);
	wr(q, VMMIO_DEV_FEATURES_SEL, 1);
	q->features |= (u64)rd(q, VMMIO_DEV_FEATURES) << 32;
	if (!(q->features & (1ULL << VIRTIO_F_VERSION_1)))
		return "VIRTIO_F_VERSION_1 not offered";
	want = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_BLK_F_RO) |
	       (1ULL << VIRTIO_BLK_F_FLUSH) | extra;
	q->features &= want;
	wr(q, VMMIO_DRV_FEATURES_SEL, 0);
	wr(q, VMMIO_DRV_FEATURES, (u32)q->features);
	wr(q, VMMIO_DRV_FEATURES_SEL, 1);
	wr(q, VMMIO_DRV_FEATURES, (u32)(q->features >> 32));
	wr(q, VMMIO_STATUS, VST_ACK | VST_DRIVER | VST_FEATURES_OK);
	if (!(rd(q, VMMIO_STATUS) & VST_FEATURES_OK))
		return "FEATURES_OK not kept";
	return NULL;
}

static void vq_program(struct vq *q, u64 desc, u64 avail, u64 used, u32 num)
{
	wr(q, VMMIO_QUEUE_NUM, num);
	wr(q, VMMIO_QUEUE_DESC_LO, (u32)desc);
	wr(q, VMMIO_QUEUE_DESC_HI, (u32)(desc >> 32));
	wr(q, VMMIO_QUEUE_DRIVER_LO, (u32)avail);
	wr(q, VMMIO_QUEUE_DRIVER_HI, (u32)(avail >> 32));
	wr(q, VMMIO_QUEUE_DEVICE_LO, (u32)used);
	wr(q, VMMIO_QUEUE_DEVICE_HI, (u32)(used >> 32));
	wr(q, VMMIO_QUEUE_READY, 1);
}

static const char *vq_init(struct vq *q, u16 want_num)
{
	u32 max;

	wr(q, VMMIO_QUEUE_SEL, 0);
	if (rd(q, VMMIO_QUEUE_READY))
		return "queue 0 ready before setup";
	max = rd(q, VMMIO_QUEUE_NUM_MAX);
	if (!max)
		return "QueueNumMax is 0";
	q->num = pow2_floor(max < want_num ? max : want_num);
	vq_layout(q);
	vq_program(q, (u64)q->desc, (u64)q->avail, (u64)q->used, q->num);
	if (rd(q, VMMIO_QUEUE_READY) != 1)
		return "QueueReady did not read back 1";
	wr(q, VMMIO_STATUS, VST_ACK | VST_DRIVER | VST_FEATURES_OK |
	   VST_DRIVER_OK);
	return NULL;
}

const char *vblk_setup(struct vq *q, u64 base, u16 want_num)
{
	const char *err = vblk_features(q, base, 0);

	return err ? err : vq_init(q, want_num);
}

static void vq_submit(struct vq *q, u16 head)
{
	q->avail->ring[q->avail_idx % q->num] = head;
	mb();
	q->avail->idx = ++q->avail_idx;
	mb();
	wr(q, VMMIO_QUEUE_NOTIFY, 0);
}

/* 0: used element seen; -1: timeout */
static int vq_wait(struct vq *q, u32 limit, struct vused_elem *e)
{
	u32 i;

	for (i = 0; i < limit; i++) {
		if (*(volatile u16 *)&q->used->idx != q->used_seen)
			break;
	}
	if (i == limit)
		return -1;
	mb();
	*e = q->used->ring[q->used_seen % q->num];
	q->used_seen++;
	return 0;
}

static int vq_ack_irq(struct vq *q)
{
	u32 i, isr = 0;

	for (i = 0; i < POLL_LIMIT && !(isr & 1); i++)
		isr = rd(q, VMMIO_INT_STATUS);
	wr(q, VMMIO_INT_ACK, isr);
	return (isr & 1) ? 0 : -1;
}

static void blk_chain(struct vq *q, u32 type, u64 sector, void *buf, u32 len)
{
	u16 d = 0;

	req_hdr.type = type;
	req_hdr.reserved = 0;
	req_hdr.sector = sector;
	req_status = 0xff;
	q->desc[0] = (struct vdesc){ (u64)&req_hdr, 16, VRING_DESC_F_NEXT, 1 };
	if (len) {
		u16 f = VRING_DESC_F_NEXT;

		if (type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID)
			f |= VRING_DESC_F_WRITE;
		d = 1;
		q->desc[d] = (struct vdesc){ (u64)buf, len, f, 2 };
	}
	d++;
	q->desc[d] = (struct vdesc){ (u64)&req_status, 1,
				     VRING_DESC_F_WRITE, 0 };
}

/*
 * One request; returns 0 (status in *status), -1 timeout, -2 wrong used
 * element, -3 no interrupt status.
 */
int vblk_rw(struct vq *q, u32 type, u64 sector, void *buf, u32 len,
	    u8 *status)
{
	struct vused_elem e;

	blk_chain(q, type, sector, buf, len);
	vq_submit(q, 0);
	if (vq_wait(q, POLL_LIMIT, &e))
		return -1;
	*status = req_status;
	if (e.id != 0)
		return -2;
	return vq_ack_irq(q) ? -3 : 0;
}

static void blk_req_ok(struct vq *q, u32 type, u64 sector, void *buf,
		       u32 len, u8 want)
{
	u8 st = 0xff;
	int r = vblk_rw(q, type, sector, buf, len, &st);

	if (r == -1)
		sv_fail("blk: request type %u sector %lu: no completion", type,
			sector);
	if (r == -2)
		sv_fail("blk: request type %u: used id not 0", type);
	if (r == -3)
		sv_fail("blk: request type %u: InterruptStatus bit 0 not set",
			type);
	if (st != want)
		sv_fail("blk: request type %u sector %lu: status %u, "
			"expected %u", type, sector, st, want);
}

static u64 vmmio_first_blk(void)
{
	struct vmmio_dev devs[32];
	int i, n = vmmio_cmdline_devices(devs, 32);
	u64 blk = 0;

	for (i = 0; i < n; i++) {
		struct vmmio_dev *d = &devs[i];
		u32 magic, ver;

		if (d->base < 0xc0000000 || d->base >= 0x100000000ULL)
			sv_fail("virtio-mmio: base 0x%lx outside 3-4 GiB",
				d->base);
		magic = mmio_read32(d->base + VMMIO_MAGIC);
		ver = mmio_read32(d->base + VMMIO_VERSION);
		d->devid = mmio_read32(d->base + VMMIO_DEVICE_ID);
		sv_printf("info: virtio-mmio %lu@0x%lx:%u id %u version %u\n",
			  d->size, d->base, d->irq, d->devid, ver);
		if (magic != VMMIO_MAGIC_VALUE)
			sv_fail("virtio-mmio 0x%lx: magic 0x%08x", d->base,
				magic);
		if (ver != 2)
			sv_fail("virtio-mmio 0x%lx: version %u, expected 2",
				d->base, ver);
		if (d->devid == VIRTIO_ID_BLK && !blk)
			blk = d->base;
	}
	if (!n)
		sv_fail("no virtio_mmio.device= on the command line");
	if (!blk)
		sv_fail("no virtio-blk among %d virtio-mmio devices", n);
	sv_puts("blk: found a virtio-blk device\n");
	return blk;
}

static u64 blk_capacity(struct vq *q)
{
	u32 gen, lo, hi;
	int i;

	for (i = 0; i < 100; i++) {
		gen = rd(q, VMMIO_CONFIG_GEN);
		lo = rd(q, VMMIO_CONFIG);
		hi = rd(q, VMMIO_CONFIG + 4);
		if (gen == rd(q, VMMIO_CONFIG_GEN))
			break;
	}
	return lo | (u64)hi << 32;
}

static void blk_fill(u8 *p, u64 stamp)
{
	u32 i;

	memcpy(p, "SVWRITE!", 8);
	sv_snprintf((char *)p + 8, 17, "%016lx", stamp);
	for (i = 24; i < 512; i++)
		p[i] = (u8)(i * 7 + stamp);
}

static void blk_write_test(struct vq *q, int ro)
{
	u8 *w = data_buf, *r = data_buf + 512, *before = data_buf + 1024;
	u64 stamp = 0;

	if (cmdline_u64("svblk.stamp=", 16, &stamp) == -2)
		sv_fail("svblk.stamp= is not hex");
	blk_req_ok(q, VIRTIO_BLK_T_IN, 1, before, 512, VIRTIO_BLK_S_OK);
	blk_fill(w, stamp);
	blk_req_ok(q, VIRTIO_BLK_T_OUT, 1, w, 512,
		   ro ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
	sv_puts(ro ? "blk: write to read-only disk failed with IOERR\n" :
		"blk: wrote sector 1\n");
	memset(r, 0, 512);
	blk_req_ok(q, VIRTIO_BLK_T_IN, 1, r, 512, VIRTIO_BLK_S_OK);
	if (memcmp(r, ro ? before : w, 512))
		sv_fail("blk: sector 1 reads back '%.8s', expected '%.8s'",
			(const char *)r, (const char *)(ro ? before : w));
	sv_puts(ro ? "blk: sector 1 unchanged\n" :
		"blk: sector 1 reads back what was written\n");
}

static void blk_id_test(struct vq *q)
{
	char want[24], *id = (char *)data_buf + 2048;
	u8 st = 0xff;
	int r, have = !cmdline_str("svblk.serial=", want, sizeof(want));

	memset(id, 0, 21);
	r = vblk_rw(q, VIRTIO_BLK_T_GET_ID, 0, id, 20, &st);
	sv_printf("info: blk GET_ID result %d status %u id '%s'\n", r, st, id);
	if (!have)
		return;
	if (r || st != VIRTIO_BLK_S_OK)
		sv_fail("blk: GET_ID failed (%d, status %u)", r, st);
	if (strlen(want) > 20 || memcmp(id, want, strlen(want)) ||
	    (strlen(want) < 20 && id[strlen(want)]))
		sv_fail("blk: serial '%s', expected '%s'", id, want);
	sv_puts("blk: serial matches svblk.serial\n");
}

void test_blk(void)
{
	struct vq q;
	const char *err;
	u64 ro = 0, cap;
	u8 *s0 = data_buf;

	if (cmdline_u64("svblk.ro=", 10, &ro) == -2)
		sv_fail("svblk.ro= is not a number");
	err = vblk_setup(&q, vmmio_first_blk(), 8);
	if (err)
		sv_fail("blk: setup: %s", err);
	sv_printf("info: blk features 0x%lx, queue size %u\n", q.features,
		  q.num);
	sv_puts("blk: device set up (VERSION_1, FEATURES_OK, DRIVER_OK)\n");
	if (ro && !(q.features & (1ULL << VIRTIO_BLK_F_RO)))
		sv_fail("blk: svblk.ro=1 but VIRTIO_BLK_F_RO not offered");
	if (!ro && (q.features & (1ULL << VIRTIO_BLK_F_RO)))
		sv_fail("blk: VIRTIO_BLK_F_RO offered but svblk.ro not set");
	cap = blk_capacity(&q);
	sv_printf("info: blk capacity %lu sectors\n", cap);
	if (cap < 2)
		sv_fail("blk: capacity %lu sectors, need 2", cap);
	memset(s0, 0, 512);
	blk_req_ok(&q, VIRTIO_BLK_T_IN, 0, s0, 512, VIRTIO_BLK_S_OK);
	if (memcmp(s0, "SVDISK01", 8))
		sv_fail("blk: sector 0 starts %02x %02x %02x %02x, expected "
			"SVDISK01", s0[0], s0[1], s0[2], s0[3]);
	sv_puts("blk: sector 0 starts with SVDISK01\n");
	blk_write_test(&q, (int)ro);
	if (q.features & (1ULL << VIRTIO_BLK_F_FLUSH)) {
		blk_req_ok(&q, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, VIRTIO_BLK_S_OK);
		sv_puts("blk: flush ok\n");
	} else {
		sv_puts("info: blk VIRTIO_BLK_F_FLUSH not offered\n");
	}
	blk_id_test(&q);
	sv_pass();
}

/*
 * blkbench: svblk.n= (default 10000) sequential 4 KiB reads of the first
 * virtio-blk, one request in flight, for the benchmark (requests/s = n over
 * the time between "blkbench: start" and TEST: PASS).
 */
void test_blkbench(void)
{
	struct vq q;
	const char *err;
	u64 i, n = 10000, cap;

	if (cmdline_u64("svblk.n=", 0, &n) == -2)
		sv_fail("svblk.n= is not a number");
	err = vblk_setup(&q, vmmio_first_blk(), 8);
	if (err)
		sv_fail("blk: setup: %s", err);
	cap = blk_capacity(&q);
	if (cap < 8)
		sv_fail("blkbench: capacity %lu sectors, need 8", cap);
	sv_puts("blkbench: start\n");
	for (i = 0; i < n; i++)
		blk_req_ok(&q, VIRTIO_BLK_T_IN, (i * 8) % (cap - 7), data_buf,
			   4096, VIRTIO_BLK_S_OK);
	sv_printf("blkbench: %lu reads of 4096 bytes\n", i);
	sv_pass();
}

/* scribble: hostile driver steps on the first virtio-blk */

#define ST_GOOD		(VST_ACK | VST_DRIVER | VST_FEATURES_OK | VST_DRIVER_OK)
#define SCRIBBLE_POLL	(1U << 20)

enum { SC_NONE, SC_NOT_OK };	/* what a completed request must not be */

static void scribble_start(struct vq *q, u64 base)
{
	const char *err = vblk_features(q, base,
					1ULL << VIRTIO_F_INDIRECT_DESC);

	if (err)
		sv_fail("scribble: setup: %s", err);
	wr(q, VMMIO_QUEUE_SEL, 0);
	q->num = 8;
	vq_layout(q);
}

static void scribble_go(struct vq *q)
{
	wr(q, VMMIO_STATUS, ST_GOOD);
}

/* wait briefly, then check the device state is sane */
static void scribble_end(struct vq *q, const char *what, int rule)
{
	struct vused_elem e;
	int done = !vq_wait(q, SCRIBBLE_POLL, &e);
	u32 st = rd(q, VMMIO_STATUS);

	sv_printf("info: scribble %s: status 0x%02x, %s, req status 0x%02x\n",
		  what, st, done ? "completed" : "not completed", req_status);
	if ((st & ~(u32)VST_NEEDS_RESET) != ST_GOOD)
		sv_fail("scribble %s: status 0x%02x, expected 0x%02x or "
			"0x%02x", what, st, ST_GOOD, ST_GOOD | VST_NEEDS_RESET);
	if (rule == SC_NOT_OK && done && req_status == VIRTIO_BLK_S_OK)
		sv_fail("scribble %s: device completed it with status OK",
			what);
	sv_printf("scribble: %s survived\n", what);
}

static void scribble_qsize(struct vq *q, u64 base, int over)
{
	u32 max;

	scribble_start(q, base);
	max = rd(q, VMMIO_QUEUE_NUM_MAX);
	if (over && max > 1024) {
		sv_printf("info: scribble: QueueNumMax %u, skipping oversize\n",
			  max);
		return;
	}
	vq_program(q, (u64)q->desc, (u64)q->avail, (u64)q->used,
		   over ? max + 1 : 3);
	scribble_go(q);
	q->num = over ? (u16)(max + 1) : 3;
	blk_chain(q, VIRTIO_BLK_T_IN, 0, data_buf, 512);
	vq_submit(q, 0);
	scribble_end(q, over ? "queue size above QueueNumMax" :
		     "queue size 3", SC_NONE);
}

static void scribble_far_rings(struct vq *q, u64 base)
{
	scribble_start(q, base);
	vq_program(q, 1ULL << 44, (1ULL << 44) + 0x10000, 0xfffff000, 8);
	scribble_go(q);
	wr(q, VMMIO_QUEUE_NOTIFY, 0);
	wr(q, VMMIO_QUEUE_NOTIFY, 7);	/* no such queue */
	sv_printf("info: scribble rings beyond RAM: status 0x%02x\n",
		  rd(q, VMMIO_STATUS));
	if ((rd(q, VMMIO_STATUS) & ~(u32)VST_NEEDS_RESET) != ST_GOOD)
		sv_fail("scribble rings beyond RAM: status 0x%02x",
			rd(q, VMMIO_STATUS));
	sv_puts("scribble: rings beyond RAM survived\n");
}

/* a good queue, then `fn` corrupts the request before it is posted */
static void scribble_chain(struct vq *q, u64 base, int kind)
{
	static struct vdesc tbl[2][4] __attribute__((aligned(16)));
	static const char *const names[] = {
		"looping chain", "length 0xffffffff", "nested indirect",
		"avail idx +5000",
	};
	u16 i;

	scribble_start(q, base);
	vq_program(q, (u64)q->desc, (u64)q->avail, (u64)q->used, q->num);
	scribble_go(q);
	blk_chain(q, VIRTIO_BLK_T_IN, 0, data_buf, 512);
	if (kind == 0) {
		q->desc[2].flags |= VRING_DESC_F_NEXT;
		q->desc[2].next = 0;
	} else if (kind == 1) {
		q->desc[1].len = 0xffffffff;
	} else if (kind == 2) {
		for (i = 0; i < 3; i++)
			tbl[1][i] = q->desc[i];
		tbl[0][0] = (struct vdesc){ (u64)tbl[1], 3 * 16,
					    VRING_DESC_F_INDIRECT, 0 };
		q->desc[3] = (struct vdesc){ (u64)tbl[0], 16,
					     VRING_DESC_F_INDIRECT, 0 };
	}
	if (kind == 3) {
		for (i = 0; i < q->num; i++)
			q->avail->ring[i] = 0;
		mb();
		q->avail->idx = q->avail_idx = 5000;
		mb();
		wr(q, VMMIO_QUEUE_NOTIFY, 0);
	} else {
		vq_submit(q, kind == 2 ? 3 : 0);
	}
	scribble_end(q, names[kind], kind == 3 ? SC_NONE : SC_NOT_OK);
}

void test_scribble(void)
{
	struct vq q;
	const char *err;
	u64 base = vmmio_first_blk();
	int k;

	scribble_qsize(&q, base, 0);
	scribble_qsize(&q, base, 1);
	scribble_far_rings(&q, base);
	for (k = 0; k < 4; k++)
		scribble_chain(&q, base, k);
	err = vblk_setup(&q, base, 8);
	if (err)
		sv_fail("scribble: clean setup after reset: %s", err);
	sv_puts("scribble: device reset and set up again\n");
	memset(data_buf, 0, 512);
	blk_req_ok(&q, VIRTIO_BLK_T_IN, 0, data_buf, 512, VIRTIO_BLK_S_OK);
	if (memcmp(data_buf, "SVDISK01", 8))
		sv_fail("scribble: sector 0 does not start with SVDISK01");
	sv_puts("scribble: good read of sector 0 after reset\n");
	sv_pass();
}
