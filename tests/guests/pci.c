// SPDX-License-Identifier: GPL-2.0
/*
 * svtest: PCI on q35 the way firmware and Linux use it.  Every config
 * register is read through both CF8/CFC and ECAM (base from the ACPI MCFG
 * table, else 0xB0000000) and the two must agree; writes alternate
 * between the two mechanisms.  pci_scan() walks bus 0 and gives each
 * root port the next bus number (depth first, slot order, from 1), then
 * scans slot 0 behind it.  pci_assign() sizes every BAR (all-ones,
 * read back, restore) and places it in 0xC0000000-0xEFFFFFFF (64-bit
 * BARs too) or I/O 0xC000-0xFFFF, with a window per root port.
 *
 * svtest=pci checks what it finds against the command line:
 *   svpci.dev=BB:DD.F:VVVV:DDDD  a function with these IDs (repeatable)
 *   svpci.rp=BB:DD.F             a PCIe root port (repeatable)
 * plus the MCH (8086:29c0 at 00:00.0) and the LPC bridge (8086:2918 at
 * 00:1f.0, multifunction header); anything else present fails.
 */
#include "pci.h"

#define ECAM_DEFAULT	0xb0000000ULL
#define MAX_EXPECT	32

struct pci_fn pci_fns[PCI_MAX_FNS] NOINIT;
int pci_nfns NOINIT;
static u64 ecam NOINIT;
static u32 wcount NOINIT;

static const u8 *find_rsdp(void)
{
	u64 a;
	u8 s;
	int i;

	for (a = 0xe0000; a < 0x100000; a += 16) {
		if (memcmp((const void *)a, "RSD PTR ", 8))
			continue;
		for (s = 0, i = 0; i < 20; i++)
			s = (u8)(s + ((const u8 *)a)[i]);
		if (!s)
			return (const u8 *)a;
	}
	return NULL;
}

static u64 le(const u8 *p, int n)
{
	u64 v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/* ECAM base from MCFG (segment 0, starting at bus 0); 0 if none. */
static u64 mcfg_base(void)
{
	const u8 *r = find_rsdp(), *x, *t;
	int esz;
	u64 n, i;

	if (!r)
		return 0;
	esz = r[15] >= 2 ? 8 : 4;
	x = (const u8 *)(esz == 8 ? le(r + 24, 8) : le(r + 16, 4));
	if (memcmp(x, esz == 8 ? "XSDT" : "RSDT", 4))
		return 0;
	n = (le(x + 4, 4) - 36) / (u64)esz;
	for (i = 0; i < n; i++) {
		t = (const u8 *)le(x + 36 + (u64)esz * i, esz);
		if (!memcmp(t, "MCFG", 4) && le(t + 4, 4) >= 60 &&
		    le(t + 52, 2) == 0 && t[54] == 0)
			return le(t + 44, 8);
	}
	return 0;
}

static void ecam_init(void)
{
	ecam = mcfg_base();
	if (ecam) {
		sv_printf("info: pci: ECAM at 0x%lx (MCFG)\n", ecam);
	} else {
		ecam = ECAM_DEFAULT;
		sv_puts("info: pci: no MCFG, ECAM assumed at 0xb0000000\n");
	}
	if (ecam >= 0x100000000ULL || (ecam & 0xfffffff))
		sv_fail("pci: ECAM base 0x%lx not 256 MiB aligned below 4 GiB",
			ecam);
}

static void cf8_select(u32 bdf, u32 off)
{
	outl(0xcf8, 0x80000000u | bdf << 8 | (off & 0xfc));
}

static u32 cf8_read(u32 bdf, u32 off, int size)
{
	u16 port = (u16)(0xcfc + (off & 3));

	cf8_select(bdf, off);
	if (size == 1)
		return inb(port);
	if (size == 2)
		return inw(port);
	return inl(port);
}

static u32 ecam_read(u32 bdf, u32 off, int size)
{
	u64 a = ecam + ((u64)bdf << 12) + off;

	if (size == 1)
		return mmio_read8(a);
	if (size == 2)
		return mmio_read16(a);
	return mmio_read32(a);
}

static void fmt_bdf(char *b, u32 bdf)
{
	sv_snprintf(b, 8, "%02x:%02x.%x", bdf >> 8, (bdf >> 3) & 31, bdf & 7);
}

/*
 * Both mechanisms must agree. A status register can change between the
 * two reads (a hot-plug event from the host), so a mismatch is read again
 * before it counts; a device that disagrees three times in a row fails.
 */
u32 pci_read(u32 bdf, u32 off, int size)
{
	u32 a = 0, b = 0;
	char n[8];

	for (int i = 0; i < 3; i++) {
		a = cf8_read(bdf, off, size);
		b = ecam_read(bdf, off, size);
		if (a == b)
			return a;
	}
	fmt_bdf(n, bdf);
	sv_fail("pci: %s reg 0x%x/%d: CF8/CFC reads 0x%x, ECAM 0x%x",
		n, off, size, a, b);
	return a;
}

void pci_write(u32 bdf, u32 off, int size, u32 v)
{
	u64 a = ecam + ((u64)bdf << 12) + off;
	u16 port = (u16)(0xcfc + (off & 3));

	if (wcount++ & 1) {
		if (size == 1)
			mmio_write8(a, (u8)v);
		else if (size == 2)
			mmio_write16(a, (u16)v);
		else
			mmio_write32(a, v);
		return;
	}
	cf8_select(bdf, off);
	if (size == 1)
		outb(port, (u8)v);
	else if (size == 2)
		outw(port, (u16)v);
	else
		outl(port, v);
}

u8 pci_find_cap(const struct pci_fn *f, u8 id, u8 from)
{
	u8 p;
	int i;

	if (!(pci_read(f->bdf, PCI_STATUS, 2) & PCI_STATUS_CAPS))
		return 0;
	p = (u8)pci_read(f->bdf, from ? from + 1u : PCI_CAP_PTR, 1);
	for (i = 0; i < 48; i++) {
		p &= 0xfc;
		if (p < 0x40)
			return 0;
		if (pci_read(f->bdf, p, 1) == id)
			return p;
		p = (u8)pci_read(f->bdf, p + 1u, 1);
	}
	sv_fail("pci: capability list loops");
}

static int is_bridge(const struct pci_fn *f)
{
	return (f->hdr & 0x7f) == 1;
}

static struct pci_fn *add_fn(u32 bdf, u32 id, int parent)
{
	struct pci_fn *f;
	char n[8];

	if (pci_nfns == PCI_MAX_FNS)
		sv_fail("pci: more than %d functions", PCI_MAX_FNS);
	f = &pci_fns[pci_nfns++];
	memset(f, 0, sizeof(*f));
	f->bdf = bdf;
	f->vendor = (u16)id;
	f->device = (u16)(id >> 16);
	f->class = pci_read(bdf, PCI_CLASS_REV, 4) >> 8;
	f->hdr = (u8)pci_read(bdf, PCI_HEADER_TYPE, 1);
	f->parent = parent;
	f->nbars = (f->hdr & 0x7f) == 0 ? 6 : (f->hdr & 0x7f) == 1 ? 2 : 0;
	fmt_bdf(n, bdf);
	sv_printf("pci: %s %04x:%04x\n", n, f->vendor, f->device);
	sv_printf("info: pci %s class %06x header 0x%02x\n", n, f->class,
		  f->hdr);
	return f;
}

/* Functions of one slot; fn 1-7 only behind a multifunction header. */
static void scan_slot(u8 bus, u8 dev, int parent)
{
	u32 id0 = pci_read(BDF(bus, dev, 0), PCI_VENDOR_ID, 4), id;
	u8 mf = 0, fn;
	char n[8];

	if ((u16)id0 != 0xffff)
		mf = add_fn(BDF(bus, dev, 0), id0, parent)->hdr & 0x80;
	for (fn = 1; fn < 8; fn++) {
		id = pci_read(BDF(bus, dev, fn), PCI_VENDOR_ID, 4);
		if ((u16)id == 0xffff)
			continue;
		fmt_bdf(n, BDF(bus, dev, fn));
		if ((u16)id0 == 0xffff)
			sv_fail("pci: %s present without function 0", n);
		if (!mf)
			sv_fail("pci: %s present but function 0 has no "
				"multifunction bit", n);
		add_fn(BDF(bus, dev, fn), id, parent);
	}
}

/* Give a root port the next bus number and scan slot 0 behind it. */
static void scan_bridge(int idx, u8 *next_bus)
{
	struct pci_fn *f = &pci_fns[idx];
	u32 old = pci_read(f->bdf, PCI_BUS_NUMBERS, 4), want, got;
	char n[8];

	fmt_bdf(n, f->bdf);
	f->sec_bus = (*next_bus)++;
	want = (old & 0xff000000u) | (u32)f->sec_bus << 16 |
	       (u32)f->sec_bus << 8 | (f->bdf >> 8);
	pci_write(f->bdf, PCI_BUS_NUMBERS, 4, want);
	got = pci_read(f->bdf, PCI_BUS_NUMBERS, 4);
	if ((got & 0xffffff) != (want & 0xffffff))
		sv_fail("pci: %s bus numbers 0x%06x, wrote 0x%06x", n,
			got & 0xffffff, want & 0xffffff);
	sv_printf("pci: %s bridge to bus %02x\n", n, f->sec_bus);
	scan_slot(f->sec_bus, 0, idx);
}

void pci_scan(void)
{
	u8 dev, next_bus = 1;
	int i, n;

	ecam_init();
	pci_nfns = 0;
	wcount = 0;
	for (dev = 0; dev < 32; dev++)
		scan_slot(0, dev, -1);
	n = pci_nfns;
	for (i = 0; i < n; i++)
		if (is_bridge(&pci_fns[i]))
			scan_bridge(i, &next_bus);
	sv_printf("pci: %d functions\n", pci_nfns);
}

/* ---- svtest=pci: topology against the command line ---- */

struct expect {
	u32 bdf;
	u32 id;		/* device << 16 | vendor; 0 for a root port */
	int seen;
};

static int parse_bdf(const char *s, const char **end, u32 *bdf)
{
	u64 b, d, f;

	if (sv_strtou64(s, &s, 16, &b) || *s++ != ':' || b > 255 ||
	    sv_strtou64(s, &s, 16, &d) || *s++ != '.' || d > 31 ||
	    sv_strtou64(s, &s, 16, &f) || f > 7)
		return -1;
	*bdf = BDF(b, d, f);
	*end = s;
	return 0;
}

static int parse_one(const char *v, size_t len, int rp, struct expect *e)
{
	char buf[40];
	const char *p;
	u64 ven, dev;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, v, len);
	buf[len] = 0;
	e->id = 0;
	e->seen = 0;
	if (parse_bdf(buf, &p, &e->bdf))
		return -1;
	if (rp)
		return *p ? -1 : 0;
	if (*p++ != ':' || sv_strtou64(p, &p, 16, &ven) || *p++ != ':' ||
	    sv_strtou64(p, &p, 16, &dev) || *p || ven > 0xffff ||
	    dev > 0xffff)
		return -1;
	e->id = (u32)(dev << 16 | ven);
	return 0;
}

static int parse_expect(struct expect *e, int n, const char *key, int rp)
{
	const char *p = bi.cmdline, *v;
	size_t len;

	while ((v = cmdline_find(p, key, &len))) {
		if (n == MAX_EXPECT || parse_one(v, len, rp, &e[n]))
			sv_fail("pci: bad or too many %s%.*s", key, (int)len,
				v);
		n++;
		p = v + len;
	}
	return n;
}

static void check_root_port(const struct pci_fn *f, const char *n)
{
	u8 cap;
	u16 flags;

	if ((f->class >> 8) != 0x0604 || (f->hdr & 0x7f) != 1)
		sv_fail("pci: %s is not a PCI bridge (class %06x header "
			"0x%02x)", n, f->class, f->hdr);
	cap = pci_find_cap(f, PCI_CAP_EXP, 0);
	if (!cap)
		sv_fail("pci: %s has no PCI Express capability", n);
	flags = (u16)pci_read(f->bdf, cap + 2u, 2);
	if (((flags >> 4) & 0xf) != 4)
		sv_fail("pci: %s PCIe port type %u, expected 4 (root port)", n,
			(flags >> 4) & 0xf);
	sv_printf("pci: %s is a PCIe root port\n", n);
}

static void check_fixed(const struct pci_fn *f, const char *n)
{
	if (f->bdf == BDF(0, 0, 0) && (f->class >> 8) != 0x0600)
		sv_fail("pci: %s (MCH) class %06x, expected 0600xx", n,
			f->class);
	if (f->bdf == BDF(0, 0x1f, 0) && (f->class >> 8) != 0x0601)
		sv_fail("pci: %s (LPC) class %06x, expected 0601xx", n,
			f->class);
	if (f->bdf == BDF(0, 0x1f, 0) && !(f->hdr & 0x80))
		sv_fail("pci: %s (LPC) header 0x%02x lacks the multifunction "
			"bit", n, f->hdr);
}

static void check_topology(struct expect *e, int ne)
{
	char n[8];
	int i, j;

	for (i = 0; i < pci_nfns; i++) {
		const struct pci_fn *f = &pci_fns[i];
		u32 id = (u32)f->device << 16 | f->vendor;

		fmt_bdf(n, f->bdf);
		for (j = 0; j < ne && e[j].bdf != f->bdf; j++)
			;
		if (j == ne)
			sv_fail("pci: unexpected %04x:%04x at %s", f->vendor,
				f->device, n);
		if (e[j].seen++)
			sv_fail("pci: %s listed twice", n);
		if (!e[j].id)
			check_root_port(f, n);
		else if (e[j].id != id)
			sv_fail("pci: %s is %04x:%04x, expected %04x:%04x", n,
				f->vendor, f->device, e[j].id & 0xffff,
				e[j].id >> 16);
		check_fixed(f, n);
	}
	for (j = 0; j < ne; j++) {
		fmt_bdf(n, e[j].bdf);
		if (!e[j].seen)
			sv_fail("pci: nothing at %s, expected %s", n,
				e[j].id ? "a function" : "a root port");
	}
}

void test_pci(void)
{
	struct expect e[MAX_EXPECT];
	int ne = 2;

	e[0] = (struct expect){ BDF(0, 0, 0), 0x29c08086, 0 };
	e[1] = (struct expect){ BDF(0, 0x1f, 0), 0x29188086, 0 };
	ne = parse_expect(e, ne, "svpci.dev=", 0);
	ne = parse_expect(e, ne, "svpci.rp=", 1);
	pci_scan();
	check_topology(e, ne);
	sv_printf("pci: topology matches (%d functions)\n", pci_nfns);
	sv_pass();
}

/* ---- BAR sizing and assignment ---- */

static u64 size_mem(u32 bdf, u32 off, int is64)
{
	u32 lo = pci_read(bdf, off, 4), hi = 0, mlo, mhi = 0xffffffffu;

	pci_write(bdf, off, 4, 0xffffffffu);
	if (is64) {
		hi = pci_read(bdf, off + 4, 4);
		pci_write(bdf, off + 4, 4, 0xffffffffu);
		mhi = pci_read(bdf, off + 4, 4);
	}
	mlo = pci_read(bdf, off, 4) & ~0xfu;
	pci_write(bdf, off, 4, lo);
	if (is64)
		pci_write(bdf, off + 4, 4, hi);
	if (!mlo && (!is64 || !mhi))
		return 0;
	return ~((u64)mhi << 32 | mlo) + 1;
}

static u64 size_io(u32 bdf, u32 off)
{
	u32 old = pci_read(bdf, off, 4), m;

	pci_write(bdf, off, 4, 0xffffffffu);
	m = pci_read(bdf, off, 4) & ~3u;
	pci_write(bdf, off, 4, old);
	if (!m)
		return 0;
	if (!(m >> 16))
		m |= 0xffff0000u;
	return (u32)(~m + 1);
}

static void size_bars(struct pci_fn *f)
{
	int i;
	u32 off, lo;
	char n[8];

	fmt_bdf(n, f->bdf);
	for (i = 0; i < f->nbars; i++) {
		off = PCI_BAR0 + 4u * (u32)i;
		lo = pci_read(f->bdf, off, 4);
		if (lo & 1) {
			f->bar_kind[i] = BAR_IO;
			f->bar_size[i] = size_io(f->bdf, off);
		} else if (((lo >> 1) & 3) == 2 && i + 1 < f->nbars) {
			f->bar_kind[i] = BAR_MEM64;
			f->bar_size[i] = size_mem(f->bdf, off, 1);
			f->bar_kind[i + 1] = BAR_HI;
		} else {
			f->bar_kind[i] = BAR_MEM32;
			f->bar_size[i] = size_mem(f->bdf, off, 0);
		}
		if (!f->bar_size[i])
			f->bar_kind[i] = BAR_NONE;
		if (f->bar_size[i] & (f->bar_size[i] - 1))
			sv_fail("pci: %s BAR%d size 0x%lx not a power of 2", n,
				i, f->bar_size[i]);
		if (f->bar_kind[i] == BAR_MEM64)
			i++;
	}
}

struct alloc {
	u64 mem, io;
	int used_mem, used_io;
};

static u64 align_up(u64 v, u64 a)
{
	return (v + a - 1) & ~(a - 1);
}

static void place_bar(struct pci_fn *f, int i, struct alloc *a)
{
	u64 sz = f->bar_size[i], base, got;
	u32 off = PCI_BAR0 + 4u * (u32)i;
	int io = f->bar_kind[i] == BAR_IO;
	char n[8];

	fmt_bdf(n, f->bdf);
	base = align_up(io ? a->io : a->mem, sz < 4096 && !io ? 4096 : sz);
	if (base + sz > (io ? IO_END : MMIO32_END))
		sv_fail("pci: %s BAR%d (0x%lx bytes) does not fit", n, i, sz);
	*(io ? &a->io : &a->mem) = base + sz;
	*(io ? &a->used_io : &a->used_mem) = 1;
	pci_write(f->bdf, off, 4, (u32)base);
	got = pci_read(f->bdf, off, 4) & (io ? ~3u : ~0xfu);
	if (f->bar_kind[i] == BAR_MEM64) {
		pci_write(f->bdf, off + 4, 4, 0);
		got |= (u64)pci_read(f->bdf, off + 4, 4) << 32;
	}
	if (got != base)
		sv_fail("pci: %s BAR%d reads 0x%lx after writing 0x%lx", n, i,
			got, base);
	f->bar[i] = base;
	sv_printf("info: pci %s BAR%d %s size 0x%lx at 0x%lx\n", n, i,
		  io ? "io" : f->bar_kind[i] == BAR_MEM64 ? "mem64" : "mem32",
		  sz, base);
}

static void enable_fn(struct pci_fn *f, u16 cmd)
{
	char n[8];
	u16 got;
	int i;

	for (i = 0; i < f->nbars; i++) {
		if (f->bar_kind[i] == BAR_IO)
			cmd |= PCI_CMD_IO;
		else if (f->bar_kind[i] == BAR_MEM32 ||
			 f->bar_kind[i] == BAR_MEM64)
			cmd |= PCI_CMD_MEM;
	}
	cmd |= PCI_CMD_MASTER;
	pci_write(f->bdf, PCI_COMMAND, 2, cmd);
	got = (u16)pci_read(f->bdf, PCI_COMMAND, 2);
	if ((got & 7) != cmd) {
		fmt_bdf(n, f->bdf);
		sv_fail("pci: %s command reads 0x%x, wrote 0x%x", n, got, cmd);
	}
}

static void assign_fn(struct pci_fn *f, struct alloc *a)
{
	u16 cmd = (u16)pci_read(f->bdf, PCI_COMMAND, 2);
	int i;

	pci_write(f->bdf, PCI_COMMAND, 2, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	size_bars(f);
	for (i = 0; i < f->nbars; i++)
		if (f->bar_kind[i] != BAR_NONE && f->bar_kind[i] != BAR_HI)
			place_bar(f, i, a);
	enable_fn(f, is_bridge(f) ? PCI_CMD_IO | PCI_CMD_MEM : 0);
}

/* Memory and I/O windows of a root port; closed when unused. */
static void set_windows(const struct pci_fn *f, const struct alloc *a,
			u64 mem0, u64 io0)
{
	u32 mem = 0x0000fff0u, got;
	u16 io = 0x00f0;
	char n[8];

	if (a->used_mem)
		mem = (u32)((a->mem - 1) >> 16 & 0xfff0) << 16 |
		      (u32)(mem0 >> 16 & 0xfff0);
	if (a->used_io)
		io = (u16)(((a->io - 1) >> 8 & 0xf0) << 8 | (io0 >> 8 & 0xf0));
	pci_write(f->bdf, PCI_IO_BASE_UPPER, 4, 0);
	pci_write(f->bdf, PCI_IO_BASE, 2, io);
	pci_write(f->bdf, PCI_MEM_BASE, 4, mem);
	pci_write(f->bdf, PCI_PREF_BASE, 4, 0x0000fff0u);
	pci_write(f->bdf, PCI_PREF_BASE_UPPER, 4, 0);
	pci_write(f->bdf, PCI_PREF_LIMIT_UPPER, 4, 0);
	got = pci_read(f->bdf, PCI_MEM_BASE, 4);
	fmt_bdf(n, f->bdf);
	if (got != mem)
		sv_fail("pci: %s memory window reads 0x%08x, wrote 0x%08x", n,
			got, mem);
	sv_printf("info: pci %s windows mem 0x%08x io 0x%04x\n", n, mem, io);
}

static void assign_bridge(int idx, struct alloc *a)
{
	struct alloc sub;
	int i;

	assign_fn(&pci_fns[idx], a);	/* its own BARs: primary side */
	sub.mem = align_up(a->mem, 1 * MiB);
	sub.io = align_up(a->io, 4096);
	sub.used_mem = sub.used_io = 0;
	for (i = 0; i < pci_nfns; i++)
		if (pci_fns[i].parent == idx)
			assign_fn(&pci_fns[i], &sub);
	set_windows(&pci_fns[idx], &sub, align_up(a->mem, 1 * MiB),
		    align_up(a->io, 4096));
	if (sub.used_mem)
		a->mem = align_up(sub.mem, 1 * MiB);
	if (sub.used_io)
		a->io = align_up(sub.io, 4096);
}

void pci_assign(void)
{
	struct alloc a = { MMIO32_BASE, IO_BASE, 0, 0 };
	int i;

	for (i = 0; i < pci_nfns; i++) {
		if (pci_fns[i].parent >= 0)
			continue;
		if (is_bridge(&pci_fns[i]))
			assign_bridge(i, &a);
		else
			assign_fn(&pci_fns[i], &a);
	}
	sv_printf("info: pci: MMIO used up to 0x%lx, I/O up to 0x%lx\n",
		  a.mem, a.io);
}

/* virtio function of a device type (modern 0x1040+ or transitional) */
struct pci_fn *pci_find_virtio(u16 type)
{
	int i;

	for (i = 0; i < pci_nfns; i++) {
		struct pci_fn *f = &pci_fns[i];

		if (f->vendor != 0x1af4 || f->device < 0x1000 ||
		    f->device > 0x107f)
			continue;
		if (f->device >= 0x1040 ? f->device - 0x1040 == type :
		    pci_read(f->bdf, PCI_SUBSYS_ID, 2) == type)
			return f;
	}
	return NULL;
}

/* Address of a virtio vendor capability's structure, checked to fit. */
u64 pci_cap_addr(const struct pci_fn *f, u8 cap, u64 *len)
{
	u32 bar = pci_read(f->bdf, cap + 4u, 1);
	u64 off = pci_read(f->bdf, cap + 8u, 4);
	char n[8];

	*len = pci_read(f->bdf, cap + 12u, 4);
	fmt_bdf(n, f->bdf);
	if (bar > 5 || (f->bar_kind[bar] != BAR_MEM32 &&
			f->bar_kind[bar] != BAR_MEM64))
		sv_fail("pci: %s capability at 0x%x names BAR%u, not a memory "
			"BAR", n, cap, bar);
	if (off + *len > f->bar_size[bar])
		sv_fail("pci: %s capability at 0x%x: 0x%lx+0x%lx beyond BAR%u "
			"(0x%lx)", n, cap, off, *len, bar, f->bar_size[bar]);
	return f->bar[bar] + off;
}
