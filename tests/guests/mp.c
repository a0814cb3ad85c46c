// SPDX-License-Identifier: GPL-2.0
/* svtest: Intel MP table (`mptable`) and AP start-up (`smp`). */
#include "svtest.h"

#define MP_PROC		0
#define MP_BUS		1
#define MP_IOAPIC	2
#define MP_IOINT	3
#define MP_LINT		4
#define MP_MAX_BUS	256

struct mpinfo {
	u32 ncpus;
	u32 apic_ids[256];
	u8 is_bsp[256];
	u32 ioapic_at_fec;
	u32 isa_ints;
	u32 isa_mask;	/* ISA IRQs (source bus IRQ) with an entry */
	u64 lapic;
};

static u8 sum8(u64 addr, u64 len)
{
	const u8 *p = (const u8 *)addr;
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

static u64 mpf_scan(u64 base, u64 len)
{
	u64 a;

	for (a = base; a + 16 <= base + len; a += 16)
		if (!memcmp((const void *)a, "_MP_", 4))
			return a;
	return 0;
}

static u64 mpf_find(void)
{
	u64 ebda = (u64)*(const volatile u16 *)0x40e << 4;
	u64 basekb = *(const volatile u16 *)0x413;
	u64 a = 0;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		a = mpf_scan(ebda, 1024);
	if (!a && basekb >= 512 && basekb <= 640)
		a = mpf_scan((basekb - 1) * 1024, 1024);
	if (!a)
		a = mpf_scan(0x9fc00, 1024);
	if (!a)
		a = mpf_scan(0xf0000, 0x10000);
	return a;
}

static void mp_entries(u64 p, u64 end, u32 count, struct mpinfo *mi)
{
	u8 isa[MP_MAX_BUS] = { 0 };
	u32 i;

	/* Linux walks the table by its length; the entry count is advisory */
	for (i = 0; p < end; i++) {
		const u8 *e = (const u8 *)p;

		switch (e[0]) {
		case MP_PROC:
			if (e[3] & 1) {
				if (mi->ncpus < ARRAY_SIZE(mi->apic_ids)) {
					mi->apic_ids[mi->ncpus] = e[1];
					mi->is_bsp[mi->ncpus] = !!(e[3] & 2);
				}
				mi->ncpus++;
			}
			p += 20;
			break;
		case MP_BUS:
			if (!memcmp(e + 2, "ISA   ", 6))
				isa[e[1]] = 1;
			p += 8;
			break;
		case MP_IOAPIC:
			sv_printf("info: mp ioapic id %u at 0x%08x\n", e[1],
				  *(const u32 *)(e + 4));
			if (*(const u32 *)(e + 4) == 0xfec00000 && (e[3] & 1))
				mi->ioapic_at_fec = 1;
			p += 8;
			break;
		case MP_IOINT:
			if (isa[e[4]]) {
				mi->isa_ints++;
				if (e[5] < 16)
					mi->isa_mask |= 1U << e[5];
			}
			p += 8;
			break;
		case MP_LINT:
			p += 8;
			break;
		default:
			sv_fail("mptable: unknown entry type %u at 0x%lx", e[0],
				p);
		}
	}
	if (p != end)
		sv_fail("mptable: last entry overruns the table by %lu bytes",
			p - end);
	sv_printf("info: mp %u entries, header count %u\n", i, count);
}

static void mp_parse(struct mpinfo *mi)
{
	u64 mpf = mpf_find(), cfg;
	const u8 *f, *c;
	u32 len;

	memset(mi, 0, sizeof(*mi));
	if (!mpf)
		sv_fail("mptable: no _MP_ floating pointer found");
	sv_printf("info: mp floating pointer at 0x%lx\n", mpf);
	f = (const u8 *)mpf;
	if (f[8] != 1 || sum8(mpf, 16))
		sv_fail("mptable: floating pointer length %u, checksum "
			"residue 0x%02x", f[8], sum8(mpf, 16 * (u64)f[8]));
	sv_puts("mptable: floating pointer checksum ok\n");
	cfg = *(const u32 *)(f + 4);
	if (!cfg || cfg >= 0x100000)
		sv_fail("mptable: config table pointer 0x%lx", cfg);
	c = (const u8 *)cfg;
	len = c[4] | c[5] << 8;
	if (memcmp(c, "PCMP", 4) || len < 44)
		sv_fail("mptable: bad config table header at 0x%lx", cfg);
	if (sum8(cfg, len))
		sv_fail("mptable: config table checksum residue 0x%02x",
			sum8(cfg, len));
	sv_puts("mptable: config table checksum ok\n");
	mi->lapic = *(const u32 *)(c + 36);
	mp_entries(cfg + 44, cfg + len, c[34] | c[35] << 8, mi);
}

static void mp_check(struct mpinfo *mi)
{
	u64 want, isa = 16;

	mp_parse(mi);
	if (cmdline_u64("svcpus=", 10, &want))
		sv_fail("svcpus=<n> missing or bad on the command line");
	if (mi->ncpus != want)
		sv_fail("mptable: %u processor entries, expected %lu",
			mi->ncpus, want);
	sv_printf("mptable: %u processors\n", mi->ncpus);
	if (!mi->ioapic_at_fec)
		sv_fail("mptable: no enabled IOAPIC at 0xfec00000");
	sv_puts("mptable: ioapic at 0xfec00000\n");
	/*
	 * StratoVirt maps ISA IRQ i to pin i (16 entries); QEMU's qboot
	 * routes IRQ 0 to pin 2 and has no entry for IRQ 2 (15): the harness
	 * passes svmp.isa=15 there.  Every other ISA IRQ must be routed.
	 */
	if (cmdline_u64("svmp.isa=", 10, &isa) == -2)
		sv_fail("svmp.isa= is not a number");
	sv_printf("info: mp %u ISA interrupt entries, mask 0x%04x\n",
		  mi->isa_ints, mi->isa_mask);
	if (mi->isa_ints != isa)
		sv_fail("mptable: %u ISA I/O interrupt entries, expected %lu",
			mi->isa_ints, isa);
	if ((mi->isa_mask | 0x4) != 0xffff)
		sv_fail("mptable: ISA IRQ mask 0x%04x, expected 0xffff "
			"(IRQ 2 optional)", mi->isa_mask);
	sv_puts("mptable: ISA interrupt entries as expected\n");
}

void test_mptable(void)
{
	struct mpinfo mi;

	mp_check(&mi);
	sv_pass();
}

/* smp: INIT-SIPI-SIPI every AP of the MP table, one at a time */

#define LAPIC		0xfee00000ULL
#define LAPIC_ID	0x020
#define LAPIC_SVR	0x0f0
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define ICR_BUSY	(1U << 12)
#define AP_MAX		64
#define AP_STACK	8192
#define AP_WAIT		(1U << 26)

static u8 ap_stacks[AP_MAX][AP_STACK] NOINIT __attribute__((aligned(16)));
static volatile u32 ap_up;
static volatile u32 print_lock;

void ap_main(void);

void ap_main(void)
{
	u32 id = mmio_read32(LAPIC + LAPIC_ID) >> 24, n = 1;

	/* count after printing: the BSP waits for it, so lines stay ordered */
	sv_spin_lock(&print_lock);
	sv_printf("cpu %u up\n", id);
	__asm__ volatile("lock xaddl %0, %1" : "+r"(n), "+m"(ap_up) : :
			 "memory");
	sv_spin_unlock(&print_lock);
}

static u64 tramp(const char *sym)
{
	return TRAMP_BASE + (u64)(sym - tramp_start);
}

static int icr_send(u32 apic_id, u32 lo)
{
	u32 i;

	mmio_write32(LAPIC + LAPIC_ICR_HI, apic_id << 24);
	mmio_write32(LAPIC + LAPIC_ICR_LO, lo);
	for (i = 0; i < 1000000; i++)
		if (!(mmio_read32(LAPIC + LAPIC_ICR_LO) & ICR_BUSY))
			return 0;
	return -1;
}

static void delay(u32 n)
{
	while (n--)
		barrier();
}

static void ap_start(u32 apic_id, u32 slot)
{
	u32 before = ap_up, i;

	*(volatile u64 *)tramp(tramp_stack) = (u64)ap_stacks[slot + 1];
	if (icr_send(apic_id, 0x4500))			/* INIT, assert */
		sv_fail("smp: INIT to APIC %u stuck in ICR", apic_id);
	delay(10000);
	for (i = 0; i < 2; i++) {
		if (icr_send(apic_id, 0x4600 | (TRAMP_BASE >> 12)))
			sv_fail("smp: SIPI to APIC %u stuck in ICR", apic_id);
		delay(2000);
		if (ap_up != before)
			break;
	}
	for (i = 0; i < AP_WAIT && ap_up == before; i++)
		barrier();
	if (ap_up == before)
		sv_fail("smp: APIC %u did not come up", apic_id);
}

static void tramp_install(void)
{
	u64 cr3;

	memcpy((void *)TRAMP_BASE, tramp_start,
	       (size_t)(tramp_end - tramp_start));
	memcpy((void *)tramp(tramp_gdtr), gdt_desc, 10);
	__asm__ volatile("movq %%cr3, %0" : "=r"(cr3));
	*(volatile u64 *)tramp(tramp_cr3) = cr3;
	*(volatile u64 *)tramp(tramp_entry) = (u64)ap_main;
}

void test_smp(void)
{
	struct mpinfo mi;
	u32 i, self, slot = 0;

	mp_check(&mi);
	if (mi.ncpus > AP_MAX)
		sv_fail("smp: %u CPUs, this test handles %u", mi.ncpus, AP_MAX);
	self = mmio_read32(LAPIC + LAPIC_ID) >> 24;
	sv_printf("info: smp BSP APIC id %u\n", self);
	mmio_write32(LAPIC + LAPIC_SVR, 0x1ff);
	tramp_install();
	sv_spin_lock(&print_lock);
	sv_printf("cpu %u up\n", self);
	sv_spin_unlock(&print_lock);
	for (i = 0; i < mi.ncpus; i++) {
		if (mi.apic_ids[i] == self)
			continue;
		ap_start(mi.apic_ids[i], slot++);
	}
	if (ap_up + 1 != mi.ncpus)
		sv_fail("smp: %u CPUs up, expected %u", ap_up + 1, mi.ncpus);
	sv_spin_lock(&print_lock);
	sv_printf("smp: all %u CPUs up\n", mi.ncpus);
	sv_spin_unlock(&print_lock);
	sv_pass();
}
