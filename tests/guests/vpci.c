// SPDX-License-Identifier: GPL-2.0
/*
 * svtest: modern virtio-pci, polled, on the functions pci.c found and
 * placed.
 *   pcibar   BARs placed; virtio capabilities (common, notify, ISR,
 *            device, MSI-X) inside their BARs; reads land in the device
 *            (VERSION_1 offered, num_queues, queue size, MSI-X entries
 *            masked at reset, virtio-blk capacity = svblk.sectors=N);
 *            with memory decode off the same read does not.
 *   vpciblk  virtio-blk over virtio-pci (INTx mode: ISR bit 0 after each
 *            completion): sector 0 starts SVDISK01, sector 1 write and
 *            read back (svblk.stamp=HEX as in `blk`), flush; svblk.ro=1
 *            expects VIRTIO_BLK_F_RO and a failing write.
 *            svpci.blk=BB:DD.F picks the function (else the first blk).
 *   msix     MSI-X vector 1 of the virtio-blk queue to the LAPIC
 *            (0xFEE00000, vector 0x50): a completion sets IRR bit 0x50
 *            (IF stays 0); then masked, a completion sets PBA bit 1 and
 *            not IRR 0x51, and unmasking delivers 0x51.
 */
#include "pci.h"
#include "virtio.h"

#define POLL_LIMIT	(1U << 24)
#define NO_VECTOR	0xffff
#define MSI_VEC0	0x50
#define MSI_VEC1	0x51

/* virtio_pci_common_cfg */
#define CC_DFSELECT	0
#define CC_DF		4
#define CC_GFSELECT	8
#define CC_GF		12
#define CC_MSIX		16
#define CC_NUMQ		18
#define CC_STATUS	20
#define CC_QSELECT	22
#define CC_QSIZE	24
#define CC_QMSIX	26
#define CC_QENABLE	28
#define CC_QNOFF	30
#define CC_QDESC	32
#define CC_QDRIVER	40
#define CC_QDEVICE	48

struct vpci {
	struct pci_fn *f;
	char name[8];
	u64 common, notify, isr, device, dev_len;
	u32 notify_mult;
	u8 msix_cap;
	u16 msix_n;
	u64 msix_table, msix_pba;
	u64 features, notify_addr;
	u16 num, avail_idx, used_seen;
	struct vdesc *desc;
	struct vavail *avail;
	struct vused *used;
};

static u8 vring[3 * 4096] NOINIT __attribute__((aligned(4096)));
static u8 vbuf[3 * 512] NOINIT __attribute__((aligned(512)));
static struct blk_req vhdr NOINIT __attribute__((aligned(16)));
static volatile u8 vstatus NOINIT;

static void cc_w32(struct vpci *v, u32 off, u32 val)
{
	mmio_write32(v->common + off, val);
}

static void cc_w16(struct vpci *v, u32 off, u16 val)
{
	mmio_write16(v->common + off, val);
}

static u16 cc_r16(struct vpci *v, u32 off)
{
	return mmio_read16(v->common + off);
}

static void cc_w64(struct vpci *v, u32 off, u64 val)
{
	cc_w32(v, off, (u32)val);
	cc_w32(v, off + 4, (u32)(val >> 32));
}

/* MSI-X capability: table and PBA inside memory BARs. */
static void probe_msix(struct vpci *v, u8 cap)
{
	const struct pci_fn *f = v->f;
	u32 t = pci_read(f->bdf, cap + 4u, 4), p = pci_read(f->bdf, cap + 8u, 4);
	u8 tb = t & 7, pb = p & 7;

	v->msix_cap = cap;
	v->msix_n = (u16)((pci_read(f->bdf, cap + 2u, 2) & 0x7ff) + 1);
	if (tb > 5 || pb > 5 || !f->bar[tb] || !f->bar[pb] ||
	    f->bar_kind[tb] == BAR_IO || f->bar_kind[pb] == BAR_IO)
		sv_fail("pcibar: %s MSI-X table BAR%u / PBA BAR%u not memory",
			v->name, tb, pb);
	if ((t & ~7u) + 16ULL * v->msix_n > f->bar_size[tb] ||
	    (p & ~7u) + 8ULL * ((v->msix_n + 63) / 64) > f->bar_size[pb])
		sv_fail("pcibar: %s MSI-X table/PBA beyond their BARs",
			v->name);
	v->msix_table = f->bar[tb] + (t & ~7u);
	v->msix_pba = f->bar[pb] + (p & ~7u);
	sv_printf("info: %s MSI-X %u vectors, table 0x%lx, PBA 0x%lx\n",
		  v->name, v->msix_n, v->msix_table, v->msix_pba);
}

static void probe_vendor(struct vpci *v, u8 cap)
{
	u8 type = (u8)pci_read(v->f->bdf, cap + 3u, 1);
	u64 len, a;

	if (type < 1 || type > 4)
		return;		/* PCI cfg access, shared memory, ... */
	a = pci_cap_addr(v->f, cap, &len);
	sv_printf("info: %s virtio cap type %u at 0x%lx len 0x%lx\n", v->name,
		  type, a, len);
	if (type == 1 && !v->common && len >= 56)
		v->common = a;
	if (type == 2 && !v->notify && len >= 2) {
		v->notify = a;
		v->notify_mult = pci_read(v->f->bdf, cap + 16u, 4);
	}
	if (type == 3 && !v->isr && len >= 1)
		v->isr = a;
	if (type == 4 && !v->device) {
		v->device = a;
		v->dev_len = len;
	}
}

static void vpci_probe(struct vpci *v, struct pci_fn *f)
{
	u8 cap = 0;

	memset(v, 0, sizeof(*v));
	v->f = f;
	sv_snprintf(v->name, sizeof(v->name), "%02x:%02x.%x", f->bdf >> 8,
		    (f->bdf >> 3) & 31, f->bdf & 7);
	while ((cap = pci_find_cap(f, PCI_CAP_VENDOR, cap)))
		probe_vendor(v, cap);
	cap = pci_find_cap(f, PCI_CAP_MSIX, 0);
	if (cap)
		probe_msix(v, cap);
	if (!v->common || !v->notify || !v->isr || !v->device)
		sv_fail("pcibar: %s lacks a virtio capability (common %d, "
			"notify %d, ISR %d, device %d)", v->name, !!v->common,
			!!v->notify, !!v->isr, !!v->device);
	sv_printf("pcibar: %s virtio common/notify/ISR/device caps in BARs, "
		  "MSI-X %s\n", v->name, v->msix_cap ? "present" : "absent");
}

static struct pci_fn *setup_blk(struct vpci *v)
{
	struct pci_fn *f;

	char want[16], n[16];
	int i;

	pci_scan();
	pci_assign();
	f = pci_find_virtio(VIRTIO_ID_BLK);
	if (!cmdline_str("svpci.blk=", want, sizeof(want))) {
		for (i = 0, f = NULL; i < pci_nfns && !f; i++) {
			u32 b = pci_fns[i].bdf;

			sv_snprintf(n, sizeof(n), "%02x:%02x.%x", b >> 8,
				    (b >> 3) & 31, b & 7);
			if (streq(n, want))
				f = &pci_fns[i];
		}
	}
	if (!f)
		sv_fail("no virtio-blk PCI function found");
	vpci_probe(v, f);
	return f;
}

static const char *vpci_reset(struct vpci *v)
{
	int i;

	mmio_write8(v->common + CC_STATUS, 0);
	for (i = 0; i < 1000 && mmio_read8(v->common + CC_STATUS); i++)
		barrier();
	return mmio_read8(v->common + CC_STATUS) ? "status not 0 after reset" :
		NULL;
}

static u64 blk_sectors(struct vpci *v)
{
	u32 lo, hi;
	u8 gen;
	int i;

	for (i = 0; i < 100; i++) {
		gen = mmio_read8(v->common + CC_STATUS + 1);
		lo = mmio_read32(v->device);
		hi = mmio_read32(v->device + 4);
		if (gen == mmio_read8(v->common + CC_STATUS + 1))
			break;
	}
	return lo | (u64)hi << 32;
}

static void check_capacity(struct vpci *v, u64 cap)
{
	u64 want;
	int r = cmdline_u64("svblk.sectors=", 0, &want);

	sv_printf("info: %s capacity %lu sectors\n", v->name, cap);
	if (r == -2)
		sv_fail("svblk.sectors= is not a number");
	if (r)
		return;
	if (cap != want)
		sv_fail("%s: capacity %lu sectors, svblk.sectors=%lu", v->name,
			cap, want);
	sv_printf("%s: capacity matches svblk.sectors=%lu\n", v->name, want);
}

/* Common cfg reads reach the device only while memory decode is on. */
static void check_decode(struct vpci *v)
{
	u32 bdf = v->f->bdf, on, off;
	u16 cmd = (u16)pci_read(bdf, PCI_COMMAND, 2);

	on = mmio_read32(v->common + CC_MSIX);
	pci_write(bdf, PCI_COMMAND, 2, cmd & ~PCI_CMD_MEM);
	off = mmio_read32(v->common + CC_MSIX);
	pci_write(bdf, PCI_COMMAND, 2, cmd);
	sv_printf("info: %s common dword 16 reads 0x%08x, 0x%08x with "
		  "decode off\n", v->name, on, off);
	if (off != 0 && off != 0xffffffffu)
		sv_fail("pcibar: %s BAR still decodes with memory space off "
			"(0x%08x)", v->name, off);
	if (mmio_read32(v->common + CC_MSIX) != on)
		sv_fail("pcibar: %s reads differ after decode back on",
			v->name);
	sv_printf("pcibar: %s memory decode off hides the BAR\n", v->name);
}

static void check_common(struct vpci *v)
{
	const char *err = vpci_reset(v);
	u16 nq, qs;
	u32 f1;

	if (err)
		sv_fail("pcibar: %s: %s", v->name, err);
	cc_w32(v, CC_DFSELECT, 1);
	f1 = mmio_read32(v->common + CC_DF);
	nq = cc_r16(v, CC_NUMQ);
	cc_w16(v, CC_QSELECT, 0);
	qs = cc_r16(v, CC_QSIZE);
	sv_printf("info: %s features[63:32] 0x%08x, %u queues, queue 0 size "
		  "%u\n", v->name, f1, nq, qs);
	if (!(f1 & 1))
		sv_fail("pcibar: %s does not offer VIRTIO_F_VERSION_1",
			v->name);
	if (!nq || !qs)
		sv_fail("pcibar: %s num_queues %u, queue 0 size %u", v->name,
			nq, qs);
	if (v->msix_cap && !(mmio_read32(v->msix_table + 12) & 1))
		sv_fail("pcibar: %s MSI-X entry 0 not masked after reset",
			v->name);
	sv_printf("pcibar: %s common config answers (VERSION_1, queues)\n",
		  v->name);
}

void test_pcibar(void)
{
	struct vpci v;
	int i, n = 0;

	pci_scan();
	pci_assign();
	for (i = 0; i < pci_nfns; i++) {
		struct pci_fn *f = &pci_fns[i];

		if (f->vendor != 0x1af4 || f->device < 0x1000 ||
		    f->device > 0x107f)
			continue;
		vpci_probe(&v, f);
		check_common(&v);
		check_decode(&v);
		if (pci_find_virtio(VIRTIO_ID_BLK) == f)
			check_capacity(&v, blk_sectors(&v));
		n++;
	}
	if (!n)
		sv_fail("pcibar: no virtio-pci function to check");
	sv_printf("pcibar: %d virtio-pci functions checked\n", n);
	sv_pass();
}

/* ---- the driver ---- */

static const char *vpci_features(struct vpci *v, u64 want)
{
	const char *err = vpci_reset(v);

	if (err)
		return err;
	mmio_write8(v->common + CC_STATUS, VST_ACK);
	mmio_write8(v->common + CC_STATUS, VST_ACK | VST_DRIVER);
	cc_w32(v, CC_DFSELECT, 0);
	v->features = mmio_read32(v->common + CC_DF);
	cc_w32(v, CC_DFSELECT, 1);
	v->features |= (u64)mmio_read32(v->common + CC_DF) << 32;
	if (!(v->features & (1ULL << VIRTIO_F_VERSION_1)))
		return "VIRTIO_F_VERSION_1 not offered";
	v->features &= want | 1ULL << VIRTIO_F_VERSION_1;
	cc_w32(v, CC_GFSELECT, 0);
	cc_w32(v, CC_GF, (u32)v->features);
	cc_w32(v, CC_GFSELECT, 1);
	cc_w32(v, CC_GF, (u32)(v->features >> 32));
	mmio_write8(v->common + CC_STATUS, VST_ACK | VST_DRIVER |
		    VST_FEATURES_OK);
	if (!(mmio_read8(v->common + CC_STATUS) & VST_FEATURES_OK))
		return "FEATURES_OK not kept";
	return NULL;
}

/* Queue 0 with up to 8 entries; vector: MSI-X entry or NO_VECTOR. */
static const char *vpci_queue(struct vpci *v, u16 vector)
{
	u16 max, noff;

	cc_w16(v, CC_MSIX, NO_VECTOR);
	cc_w16(v, CC_QSELECT, 0);
	if (cc_r16(v, CC_QENABLE))
		return "queue 0 enabled before setup";
	max = cc_r16(v, CC_QSIZE);
	if (!max)
		return "queue 0 size is 0";
	for (v->num = 8; v->num > max; v->num /= 2)
		;
	memset(vring, 0, sizeof(vring));
	v->desc = (struct vdesc *)vring;
	v->avail = (struct vavail *)(vring + 4096);
	v->used = (struct vused *)(vring + 2 * 4096);
	v->avail_idx = v->used_seen = 0;
	cc_w16(v, CC_QSIZE, v->num);
	cc_w16(v, CC_QMSIX, vector);
	if (cc_r16(v, CC_QMSIX) != vector)
		return "queue_msix_vector not accepted";
	cc_w64(v, CC_QDESC, (u64)v->desc);
	cc_w64(v, CC_QDRIVER, (u64)v->avail);
	cc_w64(v, CC_QDEVICE, (u64)v->used);
	cc_w16(v, CC_QENABLE, 1);
	if (cc_r16(v, CC_QENABLE) != 1)
		return "queue_enable did not read back 1";
	noff = cc_r16(v, CC_QNOFF);
	v->notify_addr = v->notify + (u64)noff * v->notify_mult;
	sv_printf("info: %s queue 0 size %u, notify off %u x %u at 0x%lx\n",
		  v->name, v->num, noff, v->notify_mult, v->notify_addr);
	mmio_write8(v->common + CC_STATUS, VST_ACK | VST_DRIVER |
		    VST_FEATURES_OK | VST_DRIVER_OK);
	return NULL;
}

static void vpci_setup(struct vpci *v, u16 vector)
{
	const char *err = vpci_features(v, 1ULL << VIRTIO_BLK_F_RO |
					1ULL << VIRTIO_BLK_F_FLUSH);

	if (!err)
		err = vpci_queue(v, vector);
	if (err)
		sv_fail("%s: setup: %s", v->name, err);
	sv_printf("info: %s features 0x%lx\n", v->name, v->features);
	sv_printf("%s: virtio-blk set up over virtio-pci (VERSION_1, "
		  "DRIVER_OK)\n", v->name);
}

/* Posts one request (header, optional data, status); no wait. */
static void blk_post(struct vpci *v, u32 type, u64 sector, void *buf,
		     u32 len)
{
	u16 d = 1;

	vhdr = (struct blk_req){ type, 0, sector };
	vstatus = 0xff;
	v->desc[0] = (struct vdesc){ (u64)&vhdr, 16, VRING_DESC_F_NEXT, 1 };
	if (len) {
		v->desc[1] = (struct vdesc){ (u64)buf, len, VRING_DESC_F_NEXT |
			(type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0), 2 };
		d = 2;
	}
	v->desc[d] = (struct vdesc){ (u64)&vstatus, 1, VRING_DESC_F_WRITE,
				     0 };
	v->avail->ring[v->avail_idx % v->num] = 0;
	mb();
	v->avail->idx = ++v->avail_idx;
	mb();
	mmio_write16(v->notify_addr, 0);
}

/* Waits for the used element; returns the request status. */
static u8 blk_wait(struct vpci *v, u32 type, u64 sector)
{
	struct vused_elem e;
	u32 i;

	for (i = 0; i < POLL_LIMIT; i++)
		if (*(volatile u16 *)&v->used->idx != v->used_seen)
			break;
	if (i == POLL_LIMIT)
		sv_fail("%s: request type %u sector %lu: no completion",
			v->name, type, sector);
	mb();
	e = v->used->ring[v->used_seen % v->num];
	v->used_seen++;
	if (e.id != 0)
		sv_fail("%s: used id %u, expected 0", v->name, e.id);
	return vstatus;
}

static void blk_ok(struct vpci *v, u32 type, u64 sector, void *buf, u32 len,
		   u8 want)
{
	u8 st, isr;
	u32 i;

	blk_post(v, type, sector, buf, len);
	st = blk_wait(v, type, sector);
	if (st != want)
		sv_fail("%s: request type %u sector %lu: status %u, expected "
			"%u", v->name, type, sector, st, want);
	for (i = 0, isr = 0; i < POLL_LIMIT && !(isr & 1); i++)
		isr = mmio_read8(v->isr);	/* may lag the used ring */
	if (!(isr & 1))
		sv_fail("%s: ISR bit 0 never set after a completion",
			v->name);
	for (i = 0; i < 1000 && (isr & 1); i++)
		isr = mmio_read8(v->isr);	/* a late duplicate is allowed */
	if (isr & 1)
		sv_fail("%s: ISR bit 0 does not clear when read", v->name);
}

static void fill(u8 *p, u64 stamp)
{
	u32 i;

	memcpy(p, "SVWRITE!", 8);
	sv_snprintf((char *)p + 8, 17, "%016lx", stamp);
	for (i = 24; i < 512; i++)
		p[i] = (u8)(i * 7 + stamp);
}

static void blk_write_check(struct vpci *v, int ro)
{
	u8 *w = vbuf, *r = vbuf + 512, *before = vbuf + 1024;
	u64 stamp = 0;

	if (cmdline_u64("svblk.stamp=", 16, &stamp) == -2)
		sv_fail("svblk.stamp= is not hex");
	blk_ok(v, VIRTIO_BLK_T_IN, 1, before, 512, VIRTIO_BLK_S_OK);
	fill(w, stamp);
	blk_ok(v, VIRTIO_BLK_T_OUT, 1, w, 512,
	       ro ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK);
	sv_printf("%s: %s\n", v->name, ro ? "write to read-only disk "
		  "failed with IOERR" : "wrote sector 1");
	memset(r, 0, 512);
	blk_ok(v, VIRTIO_BLK_T_IN, 1, r, 512, VIRTIO_BLK_S_OK);
	if (memcmp(r, ro ? before : w, 512))
		sv_fail("%s: sector 1 reads back '%.8s', expected '%.8s'",
			v->name, (const char *)r,
			(const char *)(ro ? before : w));
	sv_printf("%s: sector 1 %s\n", v->name, ro ? "unchanged" :
		  "reads back what was written");
}

void test_vpciblk(void)
{
	struct vpci v;
	u64 ro = 0;

	if (cmdline_u64("svblk.ro=", 10, &ro) == -2)
		sv_fail("svblk.ro= is not a number");
	setup_blk(&v);
	vpci_setup(&v, NO_VECTOR);
	if (!ro != !(v.features & (1ULL << VIRTIO_BLK_F_RO)))
		sv_fail("%s: VIRTIO_BLK_F_RO %s but svblk.ro=%lu", v.name,
			ro ? "not offered" : "offered", ro);
	check_capacity(&v, blk_sectors(&v));
	memset(vbuf, 0, 512);
	blk_ok(&v, VIRTIO_BLK_T_IN, 0, vbuf, 512, VIRTIO_BLK_S_OK);
	if (memcmp(vbuf, "SVDISK01", 8))
		sv_fail("%s: sector 0 starts %02x %02x %02x %02x, expected "
			"SVDISK01", v.name, vbuf[0], vbuf[1], vbuf[2],
			vbuf[3]);
	sv_printf("%s: sector 0 starts with SVDISK01\n", v.name);
	blk_write_check(&v, (int)ro);
	if (v.features & (1ULL << VIRTIO_BLK_F_FLUSH)) {
		blk_ok(&v, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, VIRTIO_BLK_S_OK);
		sv_printf("%s: flush ok\n", v.name);
	}
	sv_pass();
}

/* ---- MSI-X to the local APIC ---- */

static int irr_bit(u32 vec)
{
	return (mmio_read32(LAPIC_BASE + 0x200 + 0x10 * (vec / 32)) >>
		(vec % 32)) & 1;
}

static int pba_bit(struct vpci *v, u32 entry)
{
	return (mmio_read32(v->msix_pba + 4 * (entry / 32)) >> (entry % 32)) &
	       1;
}

/* Polls for IRR bit vec (want 1) or PBA bit entry (vec 0). */
static int wait_bit(struct vpci *v, u32 vec, u32 entry)
{
	u32 i;

	for (i = 0; i < POLL_LIMIT / 16; i++)
		if (vec ? irr_bit(vec) : pba_bit(v, entry))
			return 1;
	return 0;
}

static u32 lapic_enable(void)
{
	u32 svr = mmio_read32(LAPIC_BASE + 0xf0), id;

	mmio_write32(LAPIC_BASE + 0xf0, (svr & ~0xffu) | 0x100 | 0xff);
	svr = mmio_read32(LAPIC_BASE + 0xf0);
	id = mmio_read32(LAPIC_BASE + 0x20) >> 24;
	sv_printf("info: LAPIC id %u version 0x%08x SVR 0x%08x\n", id,
		  mmio_read32(LAPIC_BASE + 0x30), svr);
	if (!(svr & 0x100))
		sv_fail("msix: LAPIC SVR enable bit does not stick (0x%x)",
			svr);
	if (irr_bit(MSI_VEC0) || irr_bit(MSI_VEC1))
		sv_fail("msix: IRR bit 0x%x or 0x%x set before any request",
			MSI_VEC0, MSI_VEC1);
	sv_puts("msix: LAPIC enabled, IRR clear\n");
	return id;
}

static void msix_entry(struct vpci *v, u32 e, u32 apic, u32 vec, int mask)
{
	u64 a = v->msix_table + 16 * e;

	mmio_write32(a + 12, 1);
	mmio_write32(a, 0xfee00000u | apic << 12);
	mmio_write32(a + 4, 0);
	mmio_write32(a + 8, vec);
	mmio_write32(a + 12, (u32)mask);
}

static void msix_on(struct vpci *v, u32 apic)
{
	u32 bdf = v->f->bdf, cap = v->msix_cap;
	u16 ctrl;

	if (!cap || v->msix_n < 2)
		sv_fail("msix: %s has no MSI-X capability with 2 vectors",
			v->name);
	ctrl = (u16)pci_read(bdf, cap + 2, 2);
	pci_write(bdf, cap + 2, 2, (ctrl | MSIX_CTRL_ENABLE) &
		  ~MSIX_CTRL_MASKALL);
	ctrl = (u16)pci_read(bdf, cap + 2, 2);
	if ((ctrl & (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL)) !=
	    MSIX_CTRL_ENABLE)
		sv_fail("msix: %s message control 0x%04x", v->name, ctrl);
	msix_entry(v, 1, apic, MSI_VEC0, 0);
	if (mmio_read32(v->msix_table + 16 + 8) != MSI_VEC0 ||
	    (mmio_read32(v->msix_table + 16 + 12) & 1))
		sv_fail("msix: %s table entry 1 does not read back", v->name);
	sv_printf("msix: %s MSI-X enabled, entry 1 -> vector 0x%x\n",
		  v->name, MSI_VEC0);
}

static void msix_masked(struct vpci *v, u32 apic)
{
	msix_entry(v, 1, apic, MSI_VEC1, 1);
	blk_post(v, VIRTIO_BLK_T_IN, 0, vbuf, 512);
	if (blk_wait(v, VIRTIO_BLK_T_IN, 0) != VIRTIO_BLK_S_OK)
		sv_fail("msix: second read failed");
	if (!wait_bit(v, 0, 1))
		sv_fail("msix: masked entry 1: PBA bit 1 not set");
	if (irr_bit(MSI_VEC1))
		sv_fail("msix: masked entry 1 delivered vector 0x%x", MSI_VEC1);
	sv_puts("msix: masked vector: PBA bit set, nothing delivered\n");
	mmio_write32(v->msix_table + 16 + 12, 0);
	if (!wait_bit(v, MSI_VEC1, 0))
		sv_fail("msix: unmasking entry 1 did not deliver vector 0x%x",
			MSI_VEC1);
	if (pba_bit(v, 1))
		sv_fail("msix: PBA bit 1 still set after delivery");
	sv_printf("msix: unmask delivered vector 0x%x, PBA bit clear\n",
		  MSI_VEC1);
}

void test_msix(void)
{
	struct vpci v;
	u32 apic;
	u64 rf;

	__asm__ volatile("cli; pushfq; popq %0" : "=r"(rf) : : "memory");
	if (rf & 0x200)
		sv_fail("msix: IF still set after cli");
	apic = lapic_enable();
	setup_blk(&v);
	msix_on(&v, apic);
	vpci_setup(&v, 1);
	blk_post(&v, VIRTIO_BLK_T_IN, 0, vbuf, 512);
	if (blk_wait(&v, VIRTIO_BLK_T_IN, 0) != VIRTIO_BLK_S_OK)
		sv_fail("msix: read of sector 0 failed");
	if (!wait_bit(&v, MSI_VEC0, 0))
		sv_fail("msix: completion did not set IRR bit 0x%x", MSI_VEC0);
	if (pba_bit(&v, 1))
		sv_fail("msix: PBA bit 1 set for an unmasked entry");
	sv_printf("msix: completion set LAPIC IRR bit 0x%x\n", MSI_VEC0);
	msix_masked(&v, apic);
	sv_pass();
}
