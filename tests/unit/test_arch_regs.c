// SPDX-License-Identifier: MIT
/*
 * Boot-time CPU state without KVM: GDT/IDT/page tables in guest RAM,
 * segment caches, vCPU 0 registers for both entry modes, MSR and FPU
 * defaults, and the guest page-table walk used by arch_vcpu_dump().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/arch/arch.h"
#include "vmm/arch/x86/layout.h"
#include "vmm/arch/x86/x86.h"
#include "vmm/boot/boot.h"
#include "vmm/mem/mem.h"

#define RAM_SIZE (4u << 20)

struct rfx {
	uint8_t *ram;
	struct gmem m;
};

static int setup(void **state)
{
	struct rfx *f = calloc(1, sizeof(*f));

	f->ram = calloc(1, RAM_SIZE);
	gmem_init(&f->m);
	if (gmem_add_region(&f->m, 0, RAM_SIZE, f->ram, 0) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct rfx *f = *state;

	gmem_fini(&f->m);
	free(f->ram);
	free(f);
	return 0;
}

static uint64_t rd64(const uint8_t *ram, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

static void test_tables(void **state)
{
	struct rfx *f = *state;

	assert_int_equal(arch_write_boot_tables(&f->m), 0);
	assert_int_equal(rd64(f->ram, 0x500), 0);
	assert_int_equal(rd64(f->ram, 0x508), 0x00cf9b000000ffffull);
	assert_int_equal(rd64(f->ram, 0x510), 0x00af9b000000ffffull);
	assert_int_equal(rd64(f->ram, 0x518), 0x00cf93000000ffffull);
	assert_int_equal(rd64(f->ram, 0x520), 0);
	assert_int_equal(rd64(f->ram, 0x9000), 0xa003);
	assert_int_equal(rd64(f->ram, 0xa000), 0xb003);
	assert_int_equal(rd64(f->ram, 0xb000), 0x83);
	assert_int_equal(rd64(f->ram, 0xb008), 0x200083);
	assert_int_equal(rd64(f->ram, 0xbff8), (511ull << 21) | 0x83);
}

static void test_segments(void **state)
{
	struct kvm_segment s;

	(void)state;
	x86_seg_from_desc(0x00af9b000000ffffull, 0x10, &s);
	assert_int_equal(s.selector, 0x10);
	assert_int_equal(s.base, 0);
	assert_int_equal(s.limit, 0xffffffff);
	assert_int_equal(s.type, 0xb);
	assert_int_equal(s.s, 1);
	assert_int_equal(s.present, 1);
	assert_int_equal(s.l, 1);
	assert_int_equal(s.db, 0);
	assert_int_equal(s.g, 1);
	assert_int_equal(s.unusable, 0);
	x86_seg_from_desc(0x0040920012340fffull, 0x18, &s); /* byte gran. */
	assert_int_equal(s.base, 0x1234);
	assert_int_equal(s.limit, 0xfff);
	assert_int_equal(s.db, 1);
	assert_int_equal(s.g, 0);
	x86_seg_from_desc(0, 0, &s);
	assert_int_equal(s.unusable, 1);
}

static void test_long_mode(void **state)
{
	struct boot_info bi = { .mode = BOOT_MODE_LONG64,
				.entry = 0x100200,
				.params_gpa = 0x7000 };
	struct kvm_sregs s;
	struct kvm_regs r;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.apic_base = 0xfee00900;
	s.tr.type = 11;
	x86_boot_sregs(&bi, &s);
	x86_boot_regs(&bi, &r);
	assert_int_equal(s.cr0, 0x80000011);
	assert_int_equal(s.cr3, 0x9000);
	assert_int_equal(s.cr4, 0x20);
	assert_int_equal(s.efer, 0x500);
	assert_int_equal(s.cs.selector, 0x10);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.ds.selector, 0x18);
	assert_int_equal(s.ss.selector, 0x18);
	assert_int_equal(s.ss.type, 3);
	assert_int_equal(s.gdt.base, 0x500);
	assert_int_equal(s.gdt.limit, 31);
	assert_int_equal(s.idt.base, 0x520);
	assert_int_equal(s.idt.limit, 0);
	assert_int_equal(s.apic_base, 0xfee00900); /* untouched */
	assert_int_equal(s.tr.type, 11);
	assert_int_equal(r.rip, 0x100200);
	assert_int_equal(r.rsp, 0x8ff0);
	assert_int_equal(r.rbp, 0x8ff0);
	assert_int_equal(r.rsi, 0x7000);
	assert_int_equal(r.rbx, 0);
	assert_int_equal(r.rflags, 2);
}

static void test_pvh(void **state)
{
	struct boot_info bi = { .mode = BOOT_MODE_PVH32,
				.entry = 0x1000040,
				.params_gpa = 0x6000 };
	struct kvm_sregs s;
	struct kvm_regs r;

	(void)state;
	memset(&s, 0, sizeof(s));
	x86_boot_sregs(&bi, &s);
	x86_boot_regs(&bi, &r);
	assert_int_equal(s.cr0, 0x11);
	assert_int_equal(s.cr4, 0);
	assert_int_equal(s.efer, 0);
	assert_int_equal(s.cs.selector, 0x08);
	assert_int_equal(s.cs.db, 1);
	assert_int_equal(s.cs.l, 0);
	assert_int_equal(s.cs.limit, 0xffffffff);
	assert_int_equal(s.ds.db, 1);
	assert_int_equal(r.rip, 0x1000040);
	assert_int_equal(r.rbx, 0x6000);
	assert_int_equal(r.rsi, 0);
	assert_int_equal(r.rflags, 2);
}

static void test_msrs_fpu(void **state)
{
	struct kvm_msr_entry e[X86_BOOT_MSRS];
	struct kvm_fpu fpu;
	unsigned int n, misc = 0, mtrr = 0;

	(void)state;
	n = x86_boot_msrs(e);
	assert_int_equal(n, X86_BOOT_MSRS);
	for (unsigned int i = 0; i < n; i++) {
		if (e[i].index == MSR_IA32_MISC_ENABLE) {
			assert_int_equal(e[i].data, 1);
			misc++;
		} else if (e[i].index == MSR_MTRR_DEF_TYPE) {
			assert_int_equal(e[i].data, 0x806);
			mtrr++;
		} else {
			assert_int_equal(e[i].data, 0);
		}
	}
	assert_int_equal(misc + mtrr, 2);
	x86_boot_fpu(&fpu);
	assert_int_equal(fpu.fcw, 0x37f);
	assert_int_equal(fpu.mxcsr, 0x1f80);
}

static void test_walk(void **state)
{
	struct rfx *f = *state;
	struct kvm_sregs s = {
		.cr0 = 0x80000011, .cr3 = 0x9000, .cr4 = 0x20, .efer = 0x500
	};
	uint64_t gpa, pte;

	assert_int_equal(arch_write_boot_tables(&f->m), 0);
	assert_int_equal(x86_gva_to_gpa(&f->m, &s, 0x1234567, &gpa), 0);
	assert_int_equal(gpa, 0x1234567);
	assert_int_equal(x86_gva_to_gpa(&f->m, &s, 1ull << 30, &gpa), -EFAULT);
	/* A 4 KiB page: PD[511] -> PT at 0x100000, PT[0] -> 0x300000. */
	pte = 0x100000 | 3;
	memcpy(f->ram + 0xbff8, &pte, 8);
	pte = 0x300000 | 3;
	memcpy(f->ram + 0x100000, &pte, 8);
	assert_int_equal(x86_gva_to_gpa(&f->m, &s, (511ull << 21) + 0x12, &gpa),
			 0);
	assert_int_equal(gpa, 0x300012);
	/* Paging off: linear = physical. */
	s.cr0 = 0x11;
	assert_int_equal(x86_gva_to_gpa(&f->m, &s, 0xabcdef, &gpa), 0);
	assert_int_equal(gpa, 0xabcdef);
	/* 32-bit paging with a 4 MiB PSE page. */
	s = (struct kvm_sregs){ .cr0 = 0x80000011,
				.cr3 = 0x200000,
				.cr4 = 0x10 };
	pte = 0x00400083;
	memcpy(f->ram + 0x200000 + 4 * 3, &pte, 4); /* 12 MiB -> 4 MiB */
	assert_int_equal(x86_gva_to_gpa(&f->m, &s, 0xc01234, &gpa), 0);
	assert_int_equal(gpa, 0x401234);
	/* Page tables pointing outside RAM. */
	s = (struct kvm_sregs){
		.cr0 = 0x80000011, .cr3 = 0x7fff0000, .cr4 = 0x20, .efer = 0x500
	};
	assert_int_equal(x86_gva_to_gpa(&f->m, &s, 0, &gpa), -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_long_mode),
		cmocka_unit_test(test_pvh),
		cmocka_unit_test(test_msrs_fpu),
		cmocka_unit_test(test_walk),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
