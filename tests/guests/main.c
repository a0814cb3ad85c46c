// SPDX-License-Identifier: GPL-2.0
/*
 * svtest: test selection and the small tests.
 *
 * The kernel command line selects the test with svtest=<name>; each test
 * prints lines on COM1, then `TEST: PASS` or `TEST: FAIL <why>`, then
 * resets (i8042 0xFE, then triple fault).  Lines starting with `info:`
 * may differ between VMMs.
 */
#include "svtest.h"

void svtest_main(u64 kind, u64 ptr);

static void test_hello(void)
{
	sv_pass();
}

static void test_reboot(void)
{
	sv_puts("svtest: i8042 reset\n");
	sv_exit();
}

static void test_triple(void)
{
	sv_puts("svtest: triple fault\n");
	sv_triple_fault();
}

/*
 * Execute from a guest-physical hole (no RAM, no device): KVM cannot fetch
 * the instruction and stops with KVM_EXIT_INTERNAL_ERROR; the VMM reports
 * it and exits 1 (on hardware KVM and PVM alike).
 */
static void test_jumphole(void)
{
	void (*hole)(void) = (void (*)(void))0xE0000000ul;

	sv_puts("svtest: jump into a hole\n");
	hole();
	sv_fail("jumphole: came back");
}

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static int bcd_ok(u8 v, u8 lo, u8 hi)
{
	return (v & 0xf) <= 9 && (v >> 4) <= 9 && v >= lo && v <= hi;
}

/* The CMOS clock as firmware and Linux read it at boot (BCD, 24 h). */
static void test_rtc(void)
{
	u8 b = cmos(0x0b), sec = cmos(0x00), min = cmos(0x02);
	u8 hour = cmos(0x04), day = cmos(0x07), mon = cmos(0x08);
	u8 year = cmos(0x09);

	sv_printf("rtc: 20%02x-%02x-%02x %02x:%02x:%02x, status B 0x%x\n",
		  year, mon, day, hour, min, sec, b);
	if (b & 0x04)
		sv_fail("rtc: binary mode at power-on (status B 0x%x)", b);
	if (!bcd_ok(sec, 0, 0x59) || !bcd_ok(min, 0, 0x59) ||
	    !bcd_ok(hour, 0, 0x23) || !bcd_ok(day, 1, 0x31) ||
	    !bcd_ok(mon, 1, 0x12) || !bcd_ok(year, 0, 0x99))
		sv_fail("rtc: a field is not a valid BCD date/time");
	sv_pass();
}

static void test_count(void)
{
	u64 i, tick = 0, shift = 24;

	if (cmdline_u64("svcount.shift=", 10, &shift) == -2 || shift > 40)
		sv_fail("svcount.shift= must be a number up to 40");
	for (i = 1;; i++) {
		barrier();
		if (!(i & ((1ULL << shift) - 1)))
			sv_printf("tick %lu\n", ++tick);
	}
}

/* idle: interrupts off, halted: an idle VM for density measurements. */
static void test_idle(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

static u64 bench_count(void)
{
	u64 n = 100000;

	if (cmdline_u64("svpio.n=", 0, &n) == -2)
		sv_fail("svpio.n= is not a number");
	return n;
}

static void test_pio(void)
{
	u64 i, n = bench_count();

	for (i = 0; i < n; i++)
		outb(0x80, (u8)i);
	sv_printf("pio: %lu writes to port 0x80\n", i);
	if (i != n)
		sv_fail("pio: loop ran %lu times, expected %lu", i, n);
	sv_pass();
}

static void test_mmio(void)
{
	u64 i, n = bench_count();
	u32 v = 0;

	for (i = 0; i < n; i++)
		v = mmio_read32(0xf0000000);
	sv_printf("info: mmio 0xf0000000 reads 0x%08x\n", v);
	sv_printf("mmio: %lu reads of 0xf0000000\n", i);
	if (i != n)
		sv_fail("mmio: loop ran %lu times, expected %lu", i, n);
	sv_pass();
}

/* tests/guests/firmware.c */
void test_acpi(void);
void test_fwcfg(void);
void test_pflash(void);

/* tests/guests/pci.c, vpci.c */
void test_pci(void);
void test_pcibar(void);
void test_msix(void);
void test_vpciblk(void);
void test_pwrbtn(void);
void test_pciehp(void);
void test_pcijunk(void);

static const struct {
	const char *name;
	void (*fn)(void);
	int paging;	/* needs the full 4 GiB map */
} tests[] = {
	{ "hello", test_hello, 0 },
	{ "boot", test_boot, 1 },
	{ "mptable", test_mptable, 1 },
	{ "smp", test_smp, 1 },
	{ "blk", test_blk, 1 },
	{ "scribble", test_scribble, 1 },
	{ "reboot", test_reboot, 0 },
	{ "triple", test_triple, 0 },
	{ "jumphole", test_jumphole, 1 },
	{ "rtc", test_rtc, 0 },
	{ "count", test_count, 0 },
	{ "pio", test_pio, 0 },
	{ "mmio", test_mmio, 1 },
	{ "idle", test_idle, 0 },
	{ "blkbench", test_blkbench, 1 },
	{ "console", test_console, 1 },
	{ "acpi", test_acpi, 1 },
	{ "fwcfg", test_fwcfg, 1 },
	{ "pflash", test_pflash, 1 },
	{ "pci", test_pci, 1 },
	{ "pcibar", test_pcibar, 1 },
	{ "msix", test_msix, 1 },
	{ "vpciblk", test_vpciblk, 1 },
	{ "pwrbtn", test_pwrbtn, 1 },
	{ "pciehp", test_pciehp, 1 },
	{ "pcijunk", test_pcijunk, 1 },
};

void svtest_main(u64 kind, u64 ptr)
{
	char name[32];
	size_t i;

	bootinfo_init((int)kind, ptr);
	/* svchain.elf (linked at 32 MiB) hands over to another image */
	if (kind == KIND_PVH && (u64)startup_32 == 0x2000000 &&
	    cmdline_find(bi.cmdline, "svchain=", &i)) {
		sv_puts("info: svchain: entering the next image\n");
		chain_boot();
	}
	if (cmdline_str("svtest=", name, sizeof(name))) {
		sv_puts("svtest: no test\n");
		sv_fail("no svtest=<name> on the command line");
	}
	sv_printf("svtest: %s\n", name);
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (!streq(name, tests[i].name))
			continue;
		if (tests[i].paging)
			paging_init();
		tests[i].fn();
		sv_fail("test %s returned", name);
	}
	sv_fail("unknown test '%s'", name);
}
