// SPDX-License-Identifier: MIT
/*
 * Unit tests for the software CPU's minimal LAPIC (tests/emu/emu_lapic.c):
 * guest MMIO of ID/version/SVR/IRR served without exits, MSIs setting IRR
 * bits only on an enabled LAPIC with the right physical destination, and
 * KVM_SET_LAPIC replacing the state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_emu_fixture.h"

static int setup(void **state)
{
	struct emu_fx *f = calloc(1, sizeof(*f));

	if (!f || emu_fx_init(f, 4 << 20))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	emu_fx_fini(*state);
	free(*state);
	return 0;
}

static uint32_t lapic_reg(struct kvm_vcpu *cpu, unsigned int reg)
{
	struct kvm_lapic_state l;
	uint32_t v;

	assert_int_equal(kvm_vcpu_get_lapic(cpu, &l), 0);
	memcpy(&v, &l.regs[reg], 4);
	return v;
}

static void set_svr(struct kvm_vcpu *cpu, uint32_t svr)
{
	struct kvm_lapic_state l;

	assert_int_equal(kvm_vcpu_get_lapic(cpu, &l), 0);
	memcpy(&l.regs[0xf0], &svr, 4);
	assert_int_equal(kvm_vcpu_set_lapic(cpu, &l), 0);
}

static void run_hlt(struct emu_fx *f)
{
	struct vcpu_exit e;

	assert_int_equal(kvm_vcpu_run(f->cpu, &e), 0);
	assert_int_equal(e.kind, VCPU_EXIT_HLT);
}

static void test_power_on(void **state)
{
	struct emu_fx *f = *state;

	assert_int_equal(lapic_reg(f->cpu, 0x20), 0);
	assert_int_equal(lapic_reg(f->cpu, 0x30) & 0xff, 0x14);
	assert_int_equal(lapic_reg(f->cpu, 0xf0), 0xff);
	/* software-disabled: a fixed MSI is dropped */
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfee00000, 0x50), 0);
	assert_int_equal(lapic_reg(f->cpu, 0x220), 0);
}

static void test_guest_mmio(void **state)
{
	static const uint8_t code[] = {
		0xbb, 0xf0, 0x00, 0xe0, 0xfe,		/* mov ebx, 0xfee000f0 */
		0xc7, 0x03, 0xff, 0x01, 0x00, 0x00,	/* mov [rbx], 0x1ff */
		0x8b, 0x03,				/* mov eax, [rbx] */
		0xf4,					/* hlt */
		0x8b, 0x8b, 0x30, 0x01, 0x00, 0x00,	/* mov ecx, [rbx+0x130] */
		0x8b, 0x93, 0x40, 0xff, 0xff, 0xff,	/* mov edx, [rbx-0xc0] */
		0x8b, 0x73, 0x10,			/* mov esi, [rbx+0x10] */
		0xf4,					/* hlt */
	};
	struct emu_fx *f = *state;
	struct kvm_regs r;

	memcpy(f->ram + EMU_FX_CODE, code, sizeof(code));
	run_hlt(f);		/* no MMIO exit: the emu served the page */
	assert_int_equal(kvm_vcpu_get_regs(f->cpu, &r), 0);
	assert_int_equal(r.rax, 0x1ff);
	assert_int_equal(lapic_reg(f->cpu, 0xf0), 0x1ff);
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfee00000, 0x50), 0);
	run_hlt(f);
	assert_int_equal(kvm_vcpu_get_regs(f->cpu, &r), 0);
	assert_int_equal(r.rcx, 1u << 16);	/* IRR 0x220 bit 0x50 % 32 */
	assert_int_equal(r.rdx, 0x50014);	/* version */
	assert_int_equal(r.rsi, 0);		/* 0x100: not emulated */
}

static void test_msi_routing(void **state)
{
	struct emu_fx *f = *state;
	struct kvm_vcpu *cpu1;

	assert_int_equal(kvm_vcpu_create(f->vm, 1, &cpu1), 0);
	set_svr(f->cpu, 0x1ff);
	set_svr(cpu1, 0x1ff);
	/* dest 1 only; dropped: logical, NMI mode, vector < 16, not 0xFEE */
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfee01000, 0x61), 0);
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfee00004, 0x62), 0);
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfee00000, 0x463), 0);
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfee00000, 0x0f), 0);
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfed00000, 0x64), 0);
	assert_int_equal(lapic_reg(f->cpu, 0x230), 0);
	assert_int_equal(lapic_reg(f->cpu, 0x200), 0);
	assert_int_equal(lapic_reg(cpu1, 0x230), 1u << 1);
	/* broadcast reaches both */
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfeeff000, 0xe5), 0);
	assert_int_equal(lapic_reg(f->cpu, 0x270), 1u << 5);
	assert_int_equal(lapic_reg(cpu1, 0x270), 1u << 5);
	kvm_vcpu_destroy(cpu1);
	/* a destroyed vCPU is no longer a target */
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfee01000, 0x66), 0);
}

static void test_set_lapic_resets(void **state)
{
	struct emu_fx *f = *state;
	struct kvm_lapic_state l;

	set_svr(f->cpu, 0x1ff);
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfee00000, 0x50), 0);
	assert_int_equal(lapic_reg(f->cpu, 0x220), 1u << 16);
	memset(&l, 0, sizeof(l));
	assert_int_equal(kvm_vcpu_set_lapic(f->cpu, &l), 0);
	assert_int_equal(lapic_reg(f->cpu, 0x220), 0);
	assert_int_equal(kvm_vm_signal_msi(f->vm, 0xfee00000, 0x50), 0);
	assert_int_equal(lapic_reg(f->cpu, 0x220), 0);	/* SVR now 0 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_power_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_mmio, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_msi_routing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_set_lapic_resets, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
