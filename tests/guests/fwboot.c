// SPDX-License-Identifier: GPL-2.0
/*
 * svtest as firmware (svtest.fd, entered from reset.S at startup_fw with
 * kind KIND_FW): what a firmware does before the "OS" (the test) runs.
 *
 *   - q35 chipset set-up as OVMF/SeaBIOS do it: PCIEXBAR = 0xB0000000
 *     (256 MiB, enabled), ICH9 PMBASE = 0x600 + ACPI I/O enable, PAM
 *     0xE0000-0xFFFFF read/write to RAM.  A VMM with a fixed chipset
 *     may ignore these writes.
 *   - the command line: fw_cfg file "opt/svtest/cmdline" (QEMU: -fw_cfg
 *     name=opt/svtest/cmdline,string=...; QEMU refuses -append without
 *     -kernel), else FW_CFG_CMDLINE_SIZE/DATA (0x14/0x15).
 *   - the memory map: fw_cfg file "etc/e820".
 *   - ACPI: the commands of "etc/table-loader" (ALLOCATE: HIGH zone from
 *     8 MiB, FSEG zone from 0xE0000; ADD_POINTER; ADD_CHECKSUM;
 *     WRITE_POINTER through fw_cfg DMA), so the RSDP ends up in
 *     0xE0000-0xFFFFF where svtest=acpi looks for it.
 * Reports with `info: fw:` lines; errors end the test with TEST: FAIL.
 */
#include "svtest.h"

#define FW_SEL		0x510
#define FW_DATA		0x511
#define FW_DMA_HI	0x514
#define FW_DMA_LO	0x518
#define FW_SIGNATURE	0x00
#define FW_ID		0x01
#define FW_CMDLINE_SIZE	0x14
#define FW_CMDLINE_DATA	0x15
#define FW_FILE_DIR	0x19

#define FW_DMA_ERROR	0x01
#define FW_DMA_SKIP	0x04
#define FW_DMA_SELECT	0x08
#define FW_DMA_WRITE	0x10

#define LOADER_ALLOCATE		1
#define LOADER_ADD_POINTER	2
#define LOADER_ADD_CHECKSUM	3
#define LOADER_WRITE_POINTER	4
#define LOADER_ZONE_HIGH	1
#define LOADER_ZONE_FSEG	2
#define LOADER_NAME		56
#define LOADER_MAX_FILES	16

#define HIGH_BASE	0x800000ull	/* HIGH zone: 8 MiB .. 16 MiB */
#define HIGH_END	0x1000000ull
#define FSEG_BASE	0xe0000ull
#define FSEG_END	0x100000ull

void fw_boot(void);

static inline void fw_outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void fw_outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static void fw_select(u16 key)
{
	fw_outw(FW_SEL, key);
}

static void fw_bytes(void *buf, u64 len)
{
	u8 *p = buf;

	while (len--)
		*p++ = inb(FW_DATA);
}

static u32 fw_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static u32 fw_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* fw_find: key and size of a fw_cfg file, 0 if there is none. */
static u16 fw_find(const char *name, u32 *size)
{
	u8 ent[64], n[4];
	u32 count, i;

	fw_select(FW_FILE_DIR);
	fw_bytes(n, 4);
	count = fw_be32(n);
	for (i = 0; i < count; i++) {
		fw_bytes(ent, 64);
		ent[63] = 0;
		if (streq((const char *)ent + 8, name)) {
			*size = fw_be32(ent);
			return (u16)(ent[4] << 8 | ent[5]);
		}
	}
	return 0;
}

/* fw_load: reads a whole file (at most max bytes); its size or -1. */
static long fw_load(const char *name, void *buf, u32 max)
{
	u32 size;
	u16 key = fw_find(name, &size);

	if (!key)
		return -1;
	if (size > max)
		sv_fail("fw: %s is %u bytes, room for %u", name, size, max);
	fw_select(key);
	fw_bytes(buf, size);
	return size;
}

static void pci_cfg_write32(u32 bdf, u32 reg, u32 v)
{
	fw_outl(0xcf8, 0x80000000u | bdf << 8 | (reg & 0xfc));
	fw_outl(0xcfc, v);
}

static void pci_cfg_write8(u32 bdf, u32 reg, u8 v)
{
	fw_outl(0xcf8, 0x80000000u | bdf << 8 | (reg & 0xfc));
	outb((u16)(0xcfc + (reg & 3)), v);
}

static u32 pci_cfg_read32(u32 bdf, u32 reg)
{
	u32 v;

	fw_outl(0xcf8, 0x80000000u | bdf << 8 | (reg & 0xfc));
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((u16)0xcfc));
	return v;
}

#define BDF_MCH	0x00		/* 00:00.0 */
#define BDF_LPC	0xf8		/* 00:1f.0 */

static void chipset_init(void)
{
	u32 id = pci_cfg_read32(BDF_MCH, 0);
	int i;

	sv_printf("info: fw: host bridge %04x:%04x\n", id & 0xffff, id >> 16);
	if (id != 0x29c08086)
		return;
	pci_cfg_write32(BDF_MCH, 0x64, 0);
	pci_cfg_write32(BDF_MCH, 0x60, 0xb0000001);	/* PCIEXBAR */
	pci_cfg_write8(BDF_MCH, 0x90, 0x30);		/* PAM0: F segment */
	for (i = 1; i <= 6; i++)			/* PAM1-6: C, D, E */
		pci_cfg_write8(BDF_MCH, (u32)(0x90 + i), 0x33);
	pci_cfg_write32(BDF_LPC, 0x40, 0x601);		/* PMBASE 0x600 */
	pci_cfg_write8(BDF_LPC, 0x44, 0x80);		/* ACPI_CNTL: enable */
}

static void fw_cmdline(void)
{
	u8 n[4];
	long len;
	u32 size;

	len = fw_load("opt/svtest/cmdline", bi.cmdline, sizeof(bi.cmdline) - 1);
	if (len >= 0) {
		bi.cmdline[len] = 0;
		sv_puts("info: fw: command line from opt/svtest/cmdline\n");
		return;
	}
	fw_select(FW_CMDLINE_SIZE);
	fw_bytes(n, 4);
	size = fw_le32(n);
	if (size >= sizeof(bi.cmdline))
		size = sizeof(bi.cmdline) - 1;
	fw_select(FW_CMDLINE_DATA);
	fw_bytes(bi.cmdline, size);
	bi.cmdline[size] = 0;
	sv_puts("info: fw: command line from FW_CFG_CMDLINE_DATA\n");
}

static void fw_e820(void)
{
	static u8 raw[E820_MAX * 20];
	long len = fw_load("etc/e820", raw, sizeof(raw));
	int i;

	if (len < 0) {
		sv_puts("info: fw: no etc/e820\n");
		return;
	}
	bi.ne820 = (int)(len / 20);
	for (i = 0; i < bi.ne820; i++) {
		const u8 *e = raw + 20 * i;

		bi.e820[i].addr = fw_le32(e) | (u64)fw_le32(e + 4) << 32;
		bi.e820[i].size = fw_le32(e + 8) | (u64)fw_le32(e + 12) << 32;
		bi.e820[i].type = fw_le32(e + 16);
	}
}

/* The ACPI table loader. */
struct blob {
	char name[LOADER_NAME];
	u8 *addr;
	u32 size;
};

static struct blob blobs[LOADER_MAX_FILES];
static int nblobs;
static u64 high_next = HIGH_BASE, fseg_next = FSEG_BASE;

static struct blob *blob_get(const char *name)
{
	int i;

	for (i = 0; i < nblobs; i++)
		if (streq(blobs[i].name, name))
			return &blobs[i];
	sv_fail("fw: table-loader names %s before allocating it", name);
}

static void loader_allocate(const u8 *c)
{
	u32 align = fw_le32(c + 4 + LOADER_NAME), size;
	u8 zone = c[8 + LOADER_NAME];
	u64 *next = zone == LOADER_ZONE_FSEG ? &fseg_next : &high_next;
	u64 end = zone == LOADER_ZONE_FSEG ? FSEG_END : HIGH_END;
	struct blob *b;
	u16 key;

	if (nblobs == LOADER_MAX_FILES || !align || (align & (align - 1)))
		sv_fail("fw: ALLOCATE: too many files or alignment %u", align);
	b = &blobs[nblobs];
	memcpy(b->name, c + 4, LOADER_NAME);
	b->name[LOADER_NAME - 1] = 0;
	key = fw_find(b->name, &size);
	*next = (*next + align - 1) & ~(u64)(align - 1);
	if (!key || *next + size > end)
		sv_fail("fw: ALLOCATE %s: missing or no room", b->name);
	b->addr = (u8 *)*next;
	b->size = size;
	*next += size;
	*(volatile u8 *)b->addr = 0x5a;
	if (*(volatile u8 *)b->addr != 0x5a)
		sv_fail("fw: ALLOCATE %s: 0x%lx is not writable RAM", b->name,
			(u64)b->addr);
	fw_select(key);
	fw_bytes(b->addr, size);
	nblobs++;
	sv_printf("info: fw: %s: %u bytes at 0x%lx\n", b->name, size,
		  (u64)b->addr);
}

static u64 get_le(const u8 *p, int n)
{
	u64 v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void put_le(u8 *p, int n, u64 v)
{
	int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (u8)v;
}

static void loader_add_pointer(const u8 *c)
{
	struct blob *dst = blob_get((const char *)c + 4);
	struct blob *src = blob_get((const char *)c + 4 + LOADER_NAME);
	u32 off = fw_le32(c + 4 + 2 * LOADER_NAME);
	u8 size = c[8 + 2 * LOADER_NAME];

	if ((size != 1 && size != 2 && size != 4 && size != 8) ||
	    off > dst->size || size > dst->size - off)
		sv_fail("fw: ADD_POINTER %s+%u size %u", dst->name, off, size);
	put_le(dst->addr + off, size,
	       get_le(dst->addr + off, size) + (u64)src->addr);
}

static void loader_add_checksum(const u8 *c)
{
	struct blob *b = blob_get((const char *)c + 4);
	u32 off = fw_le32(c + 4 + LOADER_NAME);
	u32 start = fw_le32(c + 8 + LOADER_NAME);
	u32 len = fw_le32(c + 12 + LOADER_NAME), i;
	u8 sum = 0;

	if (off >= b->size || start > b->size || len > b->size - start)
		sv_fail("fw: ADD_CHECKSUM %s out of range", b->name);
	for (i = 0; i < len; i++)
		sum = (u8)(sum + b->addr[start + i]);
	b->addr[off] = (u8)(b->addr[off] - sum);
}

static volatile u32 wp_desc[4] __attribute__((aligned(16)));
static volatile u64 wp_val;

static void fw_dma(u32 control, u32 len, u64 addr)
{
	u64 d = (u64)wp_desc;

	wp_desc[0] = __builtin_bswap32(control);
	wp_desc[1] = __builtin_bswap32(len);
	wp_desc[2] = __builtin_bswap32((u32)(addr >> 32));
	wp_desc[3] = __builtin_bswap32((u32)addr);
	mb();
	fw_outl(FW_DMA_HI, __builtin_bswap32((u32)(d >> 32)));
	fw_outl(FW_DMA_LO, __builtin_bswap32((u32)d));
	mb();
	if (__builtin_bswap32(wp_desc[0]) & FW_DMA_ERROR)
		sv_fail("fw: fw_cfg DMA error (control 0x%x)", control);
}

/* WRITE_POINTER: the address goes back into a fw_cfg file (DMA write). */
static void loader_write_pointer(const u8 *c)
{
	const char *file = (const char *)c + 4;
	struct blob *src = blob_get((const char *)c + 4 + LOADER_NAME);
	u32 dst_off = fw_le32(c + 4 + 2 * LOADER_NAME);
	u32 src_off = fw_le32(c + 8 + 2 * LOADER_NAME);
	u8 size = c[12 + 2 * LOADER_NAME];
	u32 fsize;
	u16 key = fw_find(file, &fsize);

	if (!key || size > 8 || dst_off > fsize || size > fsize - dst_off)
		sv_fail("fw: WRITE_POINTER %s+%u size %u", file, dst_off, size);
	wp_val = (u64)src->addr + src_off;
	fw_dma((u32)key << 16 | FW_DMA_SELECT | FW_DMA_SKIP, dst_off, 0);
	fw_dma(FW_DMA_WRITE, size, (u64)&wp_val);
}

static void table_loader(void)
{
	static u8 cmds[128 * 64];
	long len = fw_load("etc/table-loader", cmds, sizeof(cmds)), i;
	u32 cmd;

	if (len < 0) {
		sv_puts("info: fw: no etc/table-loader\n");
		return;
	}
	for (i = 0; i + 128 <= len; i += 128) {
		cmd = fw_le32(cmds + i);
		if (cmd == LOADER_ALLOCATE)
			loader_allocate(cmds + i);
		else if (cmd == LOADER_ADD_POINTER)
			loader_add_pointer(cmds + i);
		else if (cmd == LOADER_ADD_CHECKSUM)
			loader_add_checksum(cmds + i);
		else if (cmd == LOADER_WRITE_POINTER)
			loader_write_pointer(cmds + i);
		else if (cmd)
			sv_printf("info: fw: table-loader command %u ignored\n",
				  cmd);
	}
	sv_printf("info: fw: table-loader: %ld commands\n", len / 128);
}

void fw_boot(void)
{
	u8 sig[4];

	fw_select(FW_SIGNATURE);
	fw_bytes(sig, 4);
	if (memcmp(sig, "QEMU", 4))
		sv_fail("fw: no fw_cfg at 0x510 (signature %02x%02x%02x%02x)",
			sig[0], sig[1], sig[2], sig[3]);
	chipset_init();
	fw_cmdline();
	fw_e820();
	table_loader();
}
