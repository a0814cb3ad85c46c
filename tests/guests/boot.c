// SPDX-License-Identifier: GPL-2.0
/* svtest: boot information (boot_params or PVH), page tables, `boot`. */
#include "svtest.h"

struct bootinfo bi NOINIT;	/* not in .bss: no clearing at entry */

/* struct boot_params offsets (Documentation/arch/x86/zero-page.rst) */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_HDR_MAGIC		0x202
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_CMD_LINE_PTR		0x228
#define BP_E820_TABLE		0x2d0

#define PVH_MAGIC		0x336ec578

#define PTE_P		0x1ULL
#define PTE_W		0x2ULL
#define PTE_PWT		0x8ULL
#define PTE_PCD		0x10ULL
#define PTE_PS		0x80ULL

static u32 rd32(u64 a)
{
	return *(const volatile u32 *)a;
}

static u64 rd64(u64 a)
{
	return *(const volatile u64 *)a;
}

static void copy_cmdline(u64 pa)
{
	const char *s = (const char *)pa;
	size_t i;

	if (!pa)
		return;
	for (i = 0; i + 1 < sizeof(bi.cmdline) && s[i]; i++)
		bi.cmdline[i] = s[i];
	bi.cmdline[i] = 0;
}

static void from_boot_params(u64 bp)
{
	int i, n = *(const volatile u8 *)(bp + BP_E820_ENTRIES);

	copy_cmdline(rd32(bp + BP_CMD_LINE_PTR) |
		     ((u64)rd32(bp + BP_EXT_CMD_LINE_PTR) << 32));
	if (n > E820_MAX)
		n = E820_MAX;
	for (i = 0; i < n; i++) {
		u64 e = bp + BP_E820_TABLE + 20 * (u64)i;

		bi.e820[i].addr = rd64(e);
		bi.e820[i].size = rd64(e + 8);
		bi.e820[i].type = rd32(e + 16);
	}
	bi.ne820 = n;
	bi.initrd_addr = rd32(bp + BP_RAMDISK_IMAGE) |
			 ((u64)rd32(bp + BP_EXT_RAMDISK_IMAGE) << 32);
	bi.initrd_size = rd32(bp + BP_RAMDISK_SIZE) |
			 ((u64)rd32(bp + BP_EXT_RAMDISK_SIZE) << 32);
	bi.has_initrd = bi.initrd_size != 0;
}

/* struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h) */
static void from_pvh(u64 si)
{
	u32 ver, n, i;
	u64 mm;

	if (rd32(si) != PVH_MAGIC)
		return;
	ver = rd32(si + 4);
	copy_cmdline(rd64(si + 24));
	if (rd32(si + 12) >= 1) {
		u64 mod = rd64(si + 16);

		bi.initrd_addr = rd64(mod);
		bi.initrd_size = rd64(mod + 8);
		bi.has_initrd = 1;
	}
	if (ver < 1)
		return;
	mm = rd64(si + 40);
	n = rd32(si + 48);
	if (n > E820_MAX)
		n = E820_MAX;
	for (i = 0; i < n; i++) {
		bi.e820[i].addr = rd64(mm + 24 * (u64)i);
		bi.e820[i].size = rd64(mm + 24 * (u64)i + 8);
		bi.e820[i].type = rd32(mm + 24 * (u64)i + 16);
	}
	bi.ne820 = (int)n;
}

void bootinfo_init(int kind, u64 ptr)
{
	bi.kind = kind;
	bi.cmdline[0] = 0;
	bi.ne820 = 0;
	bi.has_initrd = 0;
	bi.initrd_addr = 0;
	bi.initrd_size = 0;
	if (kind == KIND_PVH)
		from_pvh(ptr);
	else if (kind == KIND_FW)
		fw_boot();
	else
		from_boot_params(ptr);
}

/*
 * Identity map 0-4 GiB with 2 MiB pages, 3-4 GiB uncached (virtio-mmio
 * windows, IOAPIC, LAPIC, the unclaimed 0xF0000000 used by `mmio`).
 * The entries covering the running code keep their values, so rewriting
 * the tables the 32-bit path built is safe.
 */
void paging_init(void)
{
	u64 i;

	for (i = 0; i < 2048; i++) {
		u64 f = PTE_P | PTE_W | PTE_PS;

		if (i >= 1536)
			f |= PTE_PCD | PTE_PWT;
		pgt_pd[i] = (i << 21) | f;
	}
	for (i = 0; i < 512; i++) {
		pgt_pdpt[i] = i < 4 ? (u64)&pgt_pd[i * 512] | PTE_P | PTE_W : 0;
		pgt_pml4[i] = i ? 0 : (u64)pgt_pdpt | PTE_P | PTE_W;
	}
	__asm__ volatile("movq %0, %%cr3" : : "r"((u64)pgt_pml4) : "memory");
}

int e820_is_ram(u64 addr, u64 size)
{
	int i;

	for (i = 0; i < bi.ne820; i++) {
		const struct e820e *e = &bi.e820[i];

		if (e->type == 1 && addr >= e->addr &&
		    addr + size <= e->addr + e->size && addr + size >= addr)
			return 1;
	}
	return 0;
}

static void boot_check_ram(void)
{
	u64 mib, ram = 0, holes = 0, end = 0, want;
	int i;

	if (cmdline_u64("svmem=", 10, &mib))
		sv_fail("svmem=<MiB> missing or bad on the command line");
	for (i = 0; i < bi.ne820; i++) {
		const struct e820e *e = &bi.e820[i];

		sv_printf("info: e820 %016lx-%016lx type %u\n", e->addr,
			  e->addr + e->size, e->type);
		if (e->type == 1) {
			ram += e->size;
			if (e->addr + e->size > end)
				end = e->addr + e->size;
		}
	}
	for (i = 0; i < bi.ne820; i++) {
		const struct e820e *e = &bi.e820[i];

		if (e->type != 1 && e->addr < end)
			holes += (e->addr + e->size > end ? end : e->addr +
				  e->size) - e->addr;
	}
	if (!e820_is_ram(0, 0x1000))
		sv_fail("e820: no RAM at address 0 (%d entries)", bi.ne820);
	sv_puts("boot: e820 RAM at 0\n");
	if (!e820_is_ram(MiB, 0x1000))
		sv_fail("e820: no RAM at 1 MiB (%d entries)", bi.ne820);
	sv_puts("boot: e820 RAM at 1 MiB\n");
	want = mib * MiB;
	sv_printf("info: e820 RAM %lu bytes, holes %lu bytes\n", ram, holes);
	if (ram > want || want - ram > MiB + holes)
		sv_fail("e820 RAM total %lu bytes, expected %lu (svmem=%lu) "
			"minus at most %lu", ram, want, mib, MiB + holes);
	sv_printf("boot: e820 RAM total matches svmem=%lu\n", mib);
}

/*
 * Initrd format checked by `svinitrd=<size>` (written by mkinitrd):
 *   0..7   "SVINITRD"
 *   8..11  u32 LE: sum of all bytes from offset 12 to the end, mod 2^32
 *   12..   payload (mkinitrd fills it with a pseudo-random sequence)
 */
static void boot_check_initrd(void)
{
	const u8 *p;
	u64 want, i;
	u32 sum = 0, stored;

	if (cmdline_u64("svinitrd=", 0, &want)) {
		sv_puts("boot: no initrd requested\n");
		return;
	}
	if (!bi.has_initrd)
		sv_fail("initrd: none passed (svinitrd=%lu)", want);
	sv_printf("info: initrd at 0x%lx size %lu\n", bi.initrd_addr,
		  bi.initrd_size);
	if (bi.initrd_addr & 0xfff)
		sv_fail("initrd: address 0x%lx not page aligned",
			bi.initrd_addr);
	if (bi.initrd_size != want)
		sv_fail("initrd: size %lu, expected %lu", bi.initrd_size, want);
	if (want < 12)
		sv_fail("initrd: svinitrd=%lu is below the 12-byte header",
			want);
	if (!e820_is_ram(bi.initrd_addr, bi.initrd_size))
		sv_fail("initrd: 0x%lx+%lu not inside one e820 RAM range",
			bi.initrd_addr, bi.initrd_size);
	if (bi.initrd_addr + bi.initrd_size > 4ULL << 30)
		sv_fail("initrd: above 4 GiB (0x%lx)", bi.initrd_addr);
	p = (const u8 *)bi.initrd_addr;
	if (memcmp(p, "SVINITRD", 8))
		sv_fail("initrd: magic %02x%02x%02x%02x%02x%02x%02x%02x, "
			"expected SVINITRD", p[0], p[1], p[2], p[3], p[4],
			p[5], p[6], p[7]);
	stored = p[8] | p[9] << 8 | p[10] << 16 | (u32)p[11] << 24;
	for (i = 12; i < want; i++)
		sum += p[i];
	if (sum != stored)
		sv_fail("initrd: checksum 0x%08x, header says 0x%08x", sum,
			stored);
	sv_printf("boot: initrd ok, %lu bytes\n", want);
}

void test_boot(void)
{
	char magic[16];

	sv_printf("info: entry kind %d, cmdline: %s\n", bi.kind, bi.cmdline);
	boot_check_ram();
	if (cmdline_str("svmagic=", magic, sizeof(magic)))
		sv_fail("cmdline: svmagic= missing or too long");
	if (!streq(magic, "abc123"))
		sv_fail("cmdline: svmagic='%s', expected 'abc123'", magic);
	sv_puts("boot: cmdline svmagic=abc123 intact\n");
	boot_check_initrd();
	sv_pass();
}
