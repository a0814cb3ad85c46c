/* SPDX-License-Identifier: MIT */
/*
 * Architecture hooks called by generic code (machine/, main.c). The x86
 * implementation lives in vmm/arch/x86/. Nothing here needs <linux/kvm.h>.
 *
 * Order a machine follows for a direct kernel boot:
 *   arch_ram_layout()           -> memslots + gmem regions
 *   boot_load()                 (vmm/boot/boot.h) kernel, initrd, cmdline,
 *                               zero page or PVH start_info, e820
 *   arch_write_boot_tables()    GDT, IDT, identity page tables
 *   arch_write_mptable()        microvm only (q35 uses ACPI)
 *   kvm_vcpu_create() for each vCPU, after the in-kernel irqchip exists,
 *   arch_vcpu_init() for each   CPUID, MSRs, FPU, LAPIC LINT0/1, and on
 *                               vCPU 0 the registers for boot_info's mode
 */
#ifndef SV_VMM_ARCH_ARCH_H
#define SV_VMM_ARCH_ARCH_H

#include <stdint.h>

#include "sv/compiler.h"

struct gmem;
struct kvm_vm;
struct kvm_vcpu;
struct boot_info;

/* RAM split around the 32-bit PCI/IOAPIC/LAPIC hole. */
struct arch_ram_layout {
	uint64_t below_4g_size; /* RAM [0, below_4g_size) */
	uint64_t above_4g_size; /* RAM [4 GiB, 4 GiB + above_4g_size) */
};

#define ARCH_RAM_ABOVE_4G_GPA (1ull << 32)
/* microvm (StratoVirt MemBelow4g): at most 3 GiB below 4 GiB. */
#define ARCH_MICROVM_BELOW_4G_MAX 0xc0000000ull
/* Most vCPUs the MP table / APIC id space allows. */
#define ARCH_MAX_CPUS 254

/* Split mem_size: min(mem_size, below_4g_max) low, the rest from 4 GiB. */
void arch_ram_layout(uint64_t mem_size, uint64_t below_4g_max,
		     struct arch_ram_layout *out);

/* GDT at 0x500, empty IDT at 0x520, 1 GiB identity map at 0x9000-0xbfff. */
int arch_write_boot_tables(const struct gmem *m) SV_MUST_CHECK;
/* Intel MP 1.4 table at 0x9fc00 for nr_cpus (1..254) vCPUs. */
int arch_write_mptable(const struct gmem *m,
		       unsigned int nr_cpus) SV_MUST_CHECK;

/*
 * Per-vCPU boot state: CPUID (topology for nr_cpus), MSRs, FPU, LAPIC
 * LINT0 = ExtINT / LINT1 = NMI; for vCPU 0 also regs and sregs as bi->mode
 * asks. Other vCPUs stay in KVM's wait-for-SIPI state.
 */
int arch_vcpu_init(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
		   unsigned int nr_cpus,
		   const struct boot_info *bi) SV_MUST_CHECK;

/*
 * In-place reset (q35): LAPIC, registers and MP state back to power-on;
 * vCPU 0 then enters as bi says (NULL or BOOT_MODE_RESET: reset vector),
 * the others wait for INIT/SIPI. MSRs and FPU as arch_vcpu_init; CPUID
 * is kept as set at creation.
 */
int arch_vcpu_reset(struct kvm_vcpu *vcpu,
		    const struct boot_info *bi) SV_MUST_CHECK;
/*
 * After KVM_EXIT_INTERNAL_ERROR / FAIL_ENTRY / SHUTDOWN: log_err RIP, the
 * bytes at RIP (translated through the guest page tables), the general
 * registers and CR0/CR3/CR4/EFER.
 */
void arch_vcpu_dump(struct kvm_vcpu *vcpu, const struct gmem *m);

#endif /* SV_VMM_ARCH_ARCH_H */
