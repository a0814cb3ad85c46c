// SPDX-License-Identifier: MIT
/*
 * q35 firmware-facing devices, checked the way firmware and Linux use
 * them: svtest=acpi (RSDP in the BIOS area -> XSDT -> checksums, MADT CPU
 * count against svcpus=, MCFG base, FADT PM ports, then S5 through PM1a
 * with \_S5 from the DSDT), svtest=fwcfg (signature, ID DMA bit, file
 * directory, a DMA read of etc/e820 if present), svtest=pflash (CFI query,
 * program and erase on unit 1 below unit 0; program on unit 0 refused),
 * svtest=pwrbtn (arm PWRBTN_EN in PM1a, wait for the host's power button
 * as Linux's ACPI driver sees it, acknowledge, power off through S5).
 */
#include "svtest.h"

/* Entry points, listed in main.c's test table. */
void test_acpi(void);
void test_fwcfg(void);
void test_pflash(void);
void test_pwrbtn(void);
void sv_acpi_s5(void);

#define ECAM_BASE 0xb0000000ull
#define FLASH_TOP 0x100000000ull

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline void mmio_write8(u64 addr, u8 v)
{
	*(volatile u8 *)addr = v;
}

static u64 rd(const u8 *p, int n)
{
	u64 v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static int csum_ok(const u8 *p, u64 len)
{
	u8 s = 0;

	while (len--)
		s = (u8)(s + *p++);
	return s == 0;
}

static const u8 *find_rsdp(void)
{
	u64 a;

	for (a = 0xe0000; a < 0x100000; a += 16)
		if (!memcmp((const void *)a, "RSD PTR ", 8) &&
		    csum_ok((const u8 *)a, 20))
			return (const u8 *)a;
	return NULL;
}

/* SLP_TYP from the DSDT's \_S5 package; -1 if not found. */
static int s5_type(const u8 *dsdt)
{
	u64 len = rd(dsdt + 4, 4), i;
	const u8 *p;

	for (i = 36; i + 8 < len; i++) {
		if (memcmp(dsdt + i, "_S5_", 4) || dsdt[i + 4] != 0x12)
			continue;
		p = dsdt + i + 5;
		p += 1 + (p[0] >> 6);	/* PkgLength */
		p++;			/* NumElements */
		return p[0] == 0x0a ? p[1] : p[0] <= 1 ? p[0] : -1;
	}
	return -1;
}

static void check_madt(const u8 *t)
{
	u64 len = rd(t + 4, 4), off, cpus = 0, want = 1;

	cmdline_u64("svcpus=", 10, &want);
	for (off = 44; off + 2 <= len && t[off + 1]; off += t[off + 1])
		if (t[off] == 0 && (rd(t + off + 4, 4) & 1))
			cpus++;
	sv_printf("acpi: MADT lists %lu CPUs\n", cpus);
	if (cpus != want)
		sv_fail("acpi: MADT has %lu CPUs, expected %lu", cpus, want);
}

/* XSDT (8-byte entries) or, for an ACPI 1.0 RSDP, the RSDT (4-byte). */
static const u8 *walk_sdt(const u8 *x, int esz, const u8 **fadt)
{
	u64 n = (rd(x + 4, 4) - 36) / (u64)esz, i;
	const u8 *t, *mcfg = NULL;

	for (i = 0; i < n; i++) {
		t = (const u8 *)rd(x + 36 + (u64)esz * i, esz);
		if (!csum_ok(t, rd(t + 4, 4)))
			sv_fail("acpi: table %.4s bad checksum", (const char *)t);
		sv_printf("acpi: %.4s len %lu ok\n", (const char *)t,
			  rd(t + 4, 4));
		if (!memcmp(t, "APIC", 4))
			check_madt(t);
		else if (!memcmp(t, "MCFG", 4))
			mcfg = t;
		else if (!memcmp(t, "FACP", 4))
			*fadt = t;
	}
	return mcfg;
}

void test_acpi(void)
{
	const u8 *r = find_rsdp(), *x, *fadt = NULL, *mcfg, *dsdt;
	int typ;

	if (!r)
		sv_fail("acpi: no RSDP in 0xE0000-0xFFFFF");
	if (r[15] >= 2 && !csum_ok(r, 36))
		sv_fail("acpi: RSDP extended checksum bad");
	x = (const u8 *)(r[15] >= 2 ? rd(r + 24, 8) : rd(r + 16, 4));
	if (memcmp(x, r[15] >= 2 ? "XSDT" : "RSDT", 4) ||
	    !csum_ok(x, rd(x + 4, 4)))
		sv_fail("acpi: XSDT/RSDT missing or bad checksum");
	mcfg = walk_sdt(x, r[15] >= 2 ? 8 : 4, &fadt);
	if (!mcfg || rd(mcfg + 44, 8) != ECAM_BASE)
		sv_fail("acpi: MCFG missing or base not 0xB0000000");
	if (!fadt || rd(fadt + 56, 4) != 0x600 || rd(fadt + 64, 4) != 0x604 ||
	    rd(fadt + 76, 4) != 0x608)
		sv_fail("acpi: FADT PM ports are not 0x600/0x604/0x608");
	dsdt = (const u8 *)rd(fadt + 40, 4);
	if (!csum_ok(dsdt, rd(dsdt + 4, 4)) || (typ = s5_type(dsdt)) < 0)
		sv_fail("acpi: DSDT bad or without \\_S5");
	sv_printf("acpi: entering S5 (SLP_TYP %d)\n", typ);
	sv_puts("TEST: PASS\n");
	outw((u16)rd(fadt + 64, 4), (u16)(typ << 10 | 1 << 13));
	/* a VMM may stop the VM a little later (QEMU with -smp 2: MTTCG) */
	for (u64 i = 0; i < (1ull << 30); i++)
		barrier();
	sv_fail("acpi: still running after S5");
}

static void fw_sel(u16 key)
{
	outw(0x510, key);
}

static void fw_read(void *buf, u64 len)
{
	u8 *p = buf;

	while (len--)
		*p++ = inb(0x511);
}

static u32 be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static volatile u8 dma_buf[64] __attribute__((aligned(16)));
static volatile u32 dma_desc[4] __attribute__((aligned(16)));

static u32 fw_dma_read(u16 key, u64 len)
{
	u64 a = (u64)dma_desc;

	dma_desc[0] = __builtin_bswap32((u32)key << 16 | 0x08 | 0x02);
	dma_desc[1] = __builtin_bswap32((u32)len);
	dma_desc[2] = __builtin_bswap32((u32)((u64)dma_buf >> 32));
	dma_desc[3] = __builtin_bswap32((u32)(u64)dma_buf);
	mb();
	outl(0x514, __builtin_bswap32((u32)(a >> 32)));
	outl(0x518, __builtin_bswap32((u32)a));
	mb();
	return __builtin_bswap32(dma_desc[0]);
}

void test_fwcfg(void)
{
	u8 sig[4], id[4], ent[64];
	u32 n, i, ctl;

	fw_sel(0);
	fw_read(sig, 4);
	if (memcmp(sig, "QEMU", 4))
		sv_fail("fwcfg: signature %.4s", (const char *)sig);
	fw_sel(1);
	fw_read(id, 4);
	if (!(id[0] & 2))
		sv_fail("fwcfg: ID 0x%x lacks the DMA bit", id[0]);
	fw_sel(0x19);
	fw_read(id, 4);
	n = be32(id);
	sv_printf("fwcfg: %u files\n", n);
	for (i = 0; i < n && i < 64; i++) {
		fw_read(ent, 64);
		sv_printf("fwcfg: %s (%u bytes, key 0x%x)\n",
			  (const char *)ent + 8, be32(ent), ent[4] << 8 | ent[5]);
	}
	ctl = fw_dma_read(0, 4);
	if (ctl != 0 || dma_buf[0] != 'Q' || dma_buf[1] != 'E' ||
	    dma_buf[2] != 'M' || dma_buf[3] != 'U')
		sv_fail("fwcfg: DMA read of the signature: control 0x%x", ctl);
	sv_pass();
}

static u8 fl_cmd(u64 a, u8 cmd, u64 status_at)
{
	mmio_write8(a, cmd);
	return mmio_read8(status_at);
}

void test_pflash(void)
{
	u64 size0 = 0, u1;
	u8 st, old;

	if (cmdline_u64("svflash0=", 0, &size0) || !size0)
		sv_fail("pflash: need svflash0=<unit 0 size>");
	u1 = FLASH_TOP - size0 - 4096;	/* last sector of unit 1 */
	fl_cmd(u1, 0x98, u1);
	if (mmio_read8(u1 + 0x10) != 'Q' || mmio_read8(u1 + 0x11) != 'R' ||
	    mmio_read8(u1 + 0x12) != 'Y')
		sv_fail("pflash: no CFI QRY on unit 1");
	fl_cmd(u1, 0xff, u1);	/* read array: QEMU drops commands in query mode */
	fl_cmd(u1, 0x20, u1);
	st = fl_cmd(u1, 0xd0, u1);
	mmio_write8(u1, 0x40);
	mmio_write8(u1 + 8, 0x5a);
	st = mmio_read8(u1);
	fl_cmd(u1, 0xff, u1);
	if ((st & 0x30) || mmio_read8(u1 + 8) != 0x5a)
		sv_fail("pflash: unit 1 program failed (status 0x%x)", st);
	old = mmio_read8(FLASH_TOP - 16);
	mmio_write8(FLASH_TOP - 16, 0x40);
	mmio_write8(FLASH_TOP - 16, (u8)~old);
	st = mmio_read8(FLASH_TOP - 16);
	fl_cmd(FLASH_TOP - 16, 0xff, FLASH_TOP - 16);
	if (!(st & 0x10) || mmio_read8(FLASH_TOP - 16) != old)
		sv_fail("pflash: unit 0 accepted a write (status 0x%x)", st);
	sv_pass();
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define PM1_STS_PWRBTN 0x100
#define PM1_CNT_SCI_EN 0x1

/* PM1a ports and \\_S5 from the FADT and DSDT, as an OS finds them. */
static const u8 *pm1_ports(u16 *evt, u16 *cnt, int *s5)
{
	const u8 *rsdp = find_rsdp(), *xsdt, *fadt = 0;
	u64 n;
	int w;

	if (!rsdp)
		return 0;
	/* ACPI 2.0+: XSDT with 8-byte entries; 1.0 (SeaBIOS): RSDT, 4. */
	w = rsdp[15] >= 2 ? 8 : 4;
	xsdt = (const u8 *)rd(rsdp + (w == 8 ? 24 : 16), w);
	n = (rd(xsdt + 4, 4) - 36) / w;
	for (u64 i = 0; i < n && !fadt; i++) {
		const u8 *t = (const u8 *)rd(xsdt + 36 + w * i, w);

		if (!memcmp(t, "FACP", 4))
			fadt = t;
	}
	if (!fadt)
		return 0;
	*evt = (u16)rd(fadt + 56, 4);
	*cnt = (u16)rd(fadt + 64, 4);
	*s5 = s5_type((const u8 *)rd(fadt + 40, 4));
	return *s5 < 0 ? 0 : fadt;
}

void test_pwrbtn(void)
{
	u16 evt, cnt;
	u64 spins = 0;
	int s5;

	const u8 *fadt = pm1_ports(&evt, &cnt, &s5);

	if (!fadt)
		sv_fail("pwrbtn: no FADT or no \\_S5 in the DSDT");
	/* Legacy mode (SeaBIOS): ask for ACPI mode as Linux does. */
	if (!(inw(cnt) & PM1_CNT_SCI_EN) && rd(fadt + 48, 4)) {
		outb((u16)rd(fadt + 48, 4), fadt[52]);
		while (!(inw(cnt) & PM1_CNT_SCI_EN) && ++spins < (1ull << 24))
			barrier();
		spins = 0;
	}
	if (!(inw(cnt) & PM1_CNT_SCI_EN))
		sv_fail("pwrbtn: SCI_EN clear: not in ACPI mode");
	outw(evt, PM1_STS_PWRBTN);		/* clear a stale status */
	outw((u16)(evt + 2), PM1_STS_PWRBTN);	/* PWRBTN_EN */
	sv_printf("pwrbtn: armed (PM1a_EVT 0x%x)\n", evt);
	while (!(inw(evt) & PM1_STS_PWRBTN)) {
		if (++spins == (1ull << 40))
			sv_fail("pwrbtn: no power button event");
		barrier();
	}
	outw(evt, PM1_STS_PWRBTN);		/* acknowledge (write 1) */
	if (inw(evt) & PM1_STS_PWRBTN)
		sv_fail("pwrbtn: status bit did not clear");
	sv_puts("pwrbtn: pressed\n");
	sv_puts("TEST: PASS\n");
	outw(cnt, (u16)(s5 << 10 | 1 << 13));
	sv_fail("pwrbtn: still running after S5");
}

void sv_acpi_s5(void)
{
	u16 evt, cnt;
	int s5;

	if (pm1_ports(&evt, &cnt, &s5))
		outw(cnt, (u16)(s5 << 10 | 1 << 13));
}
