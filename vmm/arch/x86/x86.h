/* SPDX-License-Identifier: MIT */
/*
 * x86 internals shared between the files of vmm/arch/x86/ and their unit
 * tests: the pure parts of vCPU set-up (CPUID transform, register state,
 * boot page tables, guest page-table walk). vcpu.c feeds them to KVM.
 */
#ifndef SV_VMM_ARCH_X86_X86_H
#define SV_VMM_ARCH_X86_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "sv/compiler.h"

struct gmem;
struct boot_info;

/* ---- CPUID ---- */

struct x86_cpuid_cfg {
	unsigned int vcpu_id; /* = APIC id */
	unsigned int nr_cpus; /* 1..254: one socket, nr_cpus cores, 1 thread */
	bool tsc_deadline; /* advertise the LAPIC TSC-deadline timer */
	bool have_brand;
	uint32_t brand[12]; /* CPUID 0x80000002..4, EAX EBX ECX EDX each */
};

/* The host CPU's brand string (cpuid instruction) into cfg->brand. */
void x86_cpuid_host_brand(struct x86_cpuid_cfg *cfg);
/*
 * The vCPU's CPUID from KVM's supported set: leaf 1 APIC id / count /
 * HTT / hypervisor / TSC-deadline, leaf 4 core counts, leaves 0xb and 0x1f
 * topology, 0x40000000 "KVMKVMKVM", brand string. *out is malloc'd.
 */
int x86_cpuid_build(const struct kvm_cpuid2 *supported,
		    const struct x86_cpuid_cfg *cfg,
		    struct kvm_cpuid2 **out) SV_MUST_CHECK;
/* Entry (function, index) of c, or NULL. */
struct kvm_cpuid_entry2 *x86_cpuid_find(struct kvm_cpuid2 *c, uint32_t fn,
					uint32_t index);

/* ---- boot-time register state ---- */

#define X86_CR0_PE (1ull << 0)
#define X86_CR0_ET (1ull << 4)
#define X86_CR0_PG (1ull << 31)
#define X86_CR4_PSE (1ull << 4)
#define X86_CR4_PAE (1ull << 5)
#define X86_CR4_LA57 (1ull << 12)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_RFLAGS_FIXED 0x2ull

#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MISC_ENABLE_FAST_STRING 0x1ull
#define MTRR_DEF_TYPE_WB_ENABLED 0x806ull /* E | type 6 (WB) */

#define X86_BOOT_MSRS 10

/* The 4 GDT entries written at X86_GDT_GPA. */
void x86_boot_gdt(uint64_t gdt[4]);
/* Segment cache for a GDT descriptor and its selector. */
void x86_seg_from_desc(uint64_t desc, uint16_t sel, struct kvm_segment *s);
/* vCPU 0 registers for bi; sregs must hold KVM's current values. */
void x86_boot_regs(const struct boot_info *bi, struct kvm_regs *r);
void x86_boot_sregs(const struct boot_info *bi, struct kvm_sregs *s);
void x86_boot_fpu(struct kvm_fpu *f);
/* Fill entries (room for X86_BOOT_MSRS); returns the count. */
unsigned int x86_boot_msrs(struct kvm_msr_entry *e);

/*
 * Translate a guest-virtual address with the vCPU's paging state (none,
 * 32-bit, PAE, 4- or 5-level); -EFAULT when unmapped or not in RAM.
 */
int x86_gva_to_gpa(const struct gmem *m, const struct kvm_sregs *s,
		   uint64_t gva, uint64_t *gpa);

#endif /* SV_VMM_ARCH_X86_X86_H */
