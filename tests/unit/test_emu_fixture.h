/* SPDX-License-Identifier: MIT */
/*
 * Fixture for the software-CPU tests: a VM with RAM at GPA 0, 4-level page
 * tables, and one vCPU in 64-bit long mode. Header-only (static) so it is
 * shared by test_emu.c and test_emu_guest.c without a helper object.
 *
 * Map: [0, 2 MiB) 4 KiB pages, identity, except virtual EMU_FX_REMAP ->
 * physical EMU_FX_REMAP_PA; [2 MiB, 1 GiB) 2 MiB pages, identity, up to
 * the RAM size; [3 GiB, 4 GiB) one 1 GiB page, identity (MMIO, no RAM).
 */
#ifndef SV_TESTS_UNIT_TEST_EMU_FIXTURE_H
#define SV_TESTS_UNIT_TEST_EMU_FIXTURE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm/kvm.h"

#define EMU_FX_PML4 0x1000ull
#define EMU_FX_PDPT 0x2000ull
#define EMU_FX_PD 0x3000ull
#define EMU_FX_PT 0x4000ull
#define EMU_FX_CODE 0x10000ull
#define EMU_FX_DATA 0x20000ull
#define EMU_FX_STACK 0x80000ull
#define EMU_FX_REMAP 0x1ff000ull
#define EMU_FX_REMAP_PA 0x300000ull
#define EMU_FX_MMIO 0xc0000000ull

struct emu_fx {
	struct kvm_vm *vm;
	struct kvm_vcpu *cpu;
	uint8_t *ram;
	uint64_t size;
};

static inline void emu_fx_put64(struct emu_fx *f, uint64_t gpa, uint64_t val)
{
	memcpy(f->ram + gpa, &val, 8);
}

static inline void emu_fx_page_tables(struct emu_fx *f)
{
	emu_fx_put64(f, EMU_FX_PML4, EMU_FX_PDPT | 3);
	emu_fx_put64(f, EMU_FX_PDPT, EMU_FX_PD | 3);
	emu_fx_put64(f, EMU_FX_PDPT + 3 * 8, EMU_FX_MMIO | 0x83);
	emu_fx_put64(f, EMU_FX_PD, EMU_FX_PT | 3);
	for (uint64_t i = 1; i < 512 && (i << 21) < f->size; i++)
		emu_fx_put64(f, EMU_FX_PD + 8 * i, (i << 21) | 0x83);
	for (uint64_t i = 0; i < 512; i++)
		emu_fx_put64(f, EMU_FX_PT + 8 * i, (i << 12) | 3);
	emu_fx_put64(f, EMU_FX_PT + 8 * (EMU_FX_REMAP >> 12),
		     EMU_FX_REMAP_PA | 3);
}

static inline void emu_fx_long_mode(struct kvm_sregs *s, uint64_t cr3)
{
	memset(s, 0, sizeof(*s));
	s->cr0 = 0x80010033; /* PG WP NE ET MP PE */
	s->cr3 = cr3;
	s->cr4 = 0x20; /* PAE */
	s->efer = 0x500; /* LME LMA */
	s->cs.selector = 0x10;
	s->cs.type = 11;
	s->cs.s = 1;
	s->cs.present = 1;
	s->cs.l = 1;
	s->ds.selector = 0x18;
	s->ds.type = 3;
	s->ds.s = 1;
	s->ds.present = 1;
	s->es = s->ss = s->fs = s->gs = s->ds;
}

/* size: RAM bytes (multiple of 2 MiB, >= 4 MiB). 0 on success. */
static inline int emu_fx_init(struct emu_fx *f, uint64_t size)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	memset(f, 0, sizeof(*f));
	f->size = size;
	f->ram = aligned_alloc(4096, size);
	if (!f->ram)
		return -1;
	memset(f->ram, 0, size);
	emu_fx_page_tables(f);
	if (kvm_vm_create(0xfffbc000, &f->vm) ||
	    kvm_vm_add_memslot(f->vm, 0, size, f->ram, 0) ||
	    kvm_vcpu_create(f->vm, 0, &f->cpu))
		return -1;
	emu_fx_long_mode(&s, EMU_FX_PML4);
	memset(&r, 0, sizeof(r));
	r.rip = EMU_FX_CODE;
	r.rsp = EMU_FX_STACK;
	r.rflags = 2;
	if (kvm_vcpu_set_sregs(f->cpu, &s) || kvm_vcpu_set_regs(f->cpu, &r))
		return -1;
	return 0;
}

static inline void emu_fx_fini(struct emu_fx *f)
{
	kvm_vcpu_destroy(f->cpu);
	kvm_vm_destroy(f->vm);
	free(f->ram);
}

#endif /* SV_TESTS_UNIT_TEST_EMU_FIXTURE_H */
