/* SPDX-License-Identifier: MIT */
/*
 * The KVM seam: the only interface through which the VMM talks to the
 * hypervisor. vmm/kvm/kvm.c implements it with ioctls on /dev/kvm; the test
 * build (tests/emu/) implements the same functions with a small software CPU
 * so that machines and devices can be exercised where /dev/kvm is missing.
 * Register and CPUID structures are the <linux/kvm.h> ones.
 */
#ifndef SV_VMM_KVM_KVM_H
#define SV_VMM_KVM_KVM_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "sv/compiler.h"

struct kvm_vm;
struct kvm_vcpu;

/* What KVM_RUN stopped for, decoded from struct kvm_run. */
enum vcpu_exit_kind {
	VCPU_EXIT_IO,
	VCPU_EXIT_MMIO,
	VCPU_EXIT_HLT,
	VCPU_EXIT_SHUTDOWN,	/* triple fault */
	VCPU_EXIT_INTR,		/* interrupted by a signal (kick) */
	VCPU_EXIT_INTERNAL_ERROR,
	VCPU_EXIT_FAIL_ENTRY,
	VCPU_EXIT_SYSTEM_EVENT,
	VCPU_EXIT_OTHER,
};

struct vcpu_exit {
	enum vcpu_exit_kind kind;
	uint32_t reason;	/* raw KVM_EXIT_* */
	union {
		struct {
			uint16_t port;
			uint8_t size;	/* 1, 2 or 4 */
			bool write;
			uint32_t count;	/* > 1 for string I/O */
			uint8_t *data;	/* count * size bytes, in kvm_run */
		} io;
		struct {
			uint64_t gpa;
			uint32_t len;	/* 1..8 */
			bool write;
			uint8_t *data;	/* in kvm_run; fill it for reads */
		} mmio;
		struct {
			uint32_t suberror;
			uint32_t ndata;
			uint64_t data[16];
		} internal;
		struct {
			uint64_t hw_reason;
		} fail_entry;
		struct {
			uint32_t type;
		} system_event;
	};
};

struct kvm_ioevent {
	uint64_t addr;
	uint32_t len;		/* 0 (any), 1, 2, 4 or 8 */
	bool pio;
	bool datamatch;
	uint64_t data;
	int fd;			/* eventfd, borrowed */
};

/* True if /dev/kvm can be opened (or the test backend is linked). */
bool kvm_available(void);
/* True when /dev/kvm is provided by the PVM hypervisor (guests emulated). */
bool kvm_host_is_pvm(void);
/* Name of the backend for logs: "kvm" or "emu". */
const char *kvm_backend_name(void);

/*
 * Open /dev/kvm, check the API version, create the VM with TSS and identity
 * map at tss_gpa (3 pages + 1), in-kernel irqchip and PIT2.
 */
int kvm_vm_create(uint64_t tss_gpa, struct kvm_vm **out) SV_MUST_CHECK;
void kvm_vm_destroy(struct kvm_vm *vm);

#define KVM_MEMSLOT_READONLY (1u << 0)
int kvm_vm_add_memslot(struct kvm_vm *vm, uint64_t gpa, uint64_t size,
		       void *hva, unsigned int flags) SV_MUST_CHECK;
int kvm_vm_remove_memslot(struct kvm_vm *vm, uint64_t gpa) SV_MUST_CHECK;
int kvm_vm_irq_line(struct kvm_vm *vm, uint32_t gsi, bool level) SV_MUST_CHECK;
/* Route eventfd efd to gsi (edge); efd stays owned by the caller. */
int kvm_vm_irqfd(struct kvm_vm *vm, int efd, uint32_t gsi) SV_MUST_CHECK;
int kvm_vm_irqfd_remove(struct kvm_vm *vm, int efd, uint32_t gsi) SV_MUST_CHECK;
int kvm_vm_ioeventfd(struct kvm_vm *vm, const struct kvm_ioevent *ev) SV_MUST_CHECK;
int kvm_vm_ioeventfd_remove(struct kvm_vm *vm, const struct kvm_ioevent *ev) SV_MUST_CHECK;
/* Deliver an MSI (address/data as written by the guest). */
int kvm_vm_signal_msi(struct kvm_vm *vm, uint64_t addr, uint32_t data) SV_MUST_CHECK;
/* KVM_GET_SUPPORTED_CPUID; *out is malloc'd, caller frees. */
int kvm_vm_supported_cpuid(struct kvm_vm *vm, struct kvm_cpuid2 **out) SV_MUST_CHECK;

int kvm_vcpu_create(struct kvm_vm *vm, unsigned int id,
		    struct kvm_vcpu **out) SV_MUST_CHECK;
void kvm_vcpu_destroy(struct kvm_vcpu *vcpu);
unsigned int kvm_vcpu_id(const struct kvm_vcpu *vcpu);
int kvm_vcpu_set_cpuid(struct kvm_vcpu *vcpu,
		       const struct kvm_cpuid2 *cpuid) SV_MUST_CHECK;
int kvm_vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *r) SV_MUST_CHECK;
int kvm_vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *r) SV_MUST_CHECK;
int kvm_vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *s) SV_MUST_CHECK;
int kvm_vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *s) SV_MUST_CHECK;
int kvm_vcpu_set_fpu(struct kvm_vcpu *vcpu, const struct kvm_fpu *f) SV_MUST_CHECK;
int kvm_vcpu_set_msrs(struct kvm_vcpu *vcpu, const struct kvm_msrs *m) SV_MUST_CHECK;
int kvm_vcpu_get_lapic(struct kvm_vcpu *vcpu, struct kvm_lapic_state *l) SV_MUST_CHECK;
int kvm_vcpu_set_lapic(struct kvm_vcpu *vcpu, const struct kvm_lapic_state *l) SV_MUST_CHECK;
int kvm_vcpu_set_mp_state(struct kvm_vcpu *vcpu, uint32_t state) SV_MUST_CHECK;

/*
 * Run until the next exit the VMM must handle. Returns 0 and fills *exit,
 * or -errno on an ioctl failure. A pending kick makes it return
 * VCPU_EXIT_INTR without entering the guest.
 */
int kvm_vcpu_run(struct kvm_vcpu *vcpu, struct vcpu_exit *exit) SV_MUST_CHECK;
/*
 * Make the vCPU leave (or not enter) the guest soon: sets immediate_exit.
 * Called from another thread, followed by a signal to that thread.
 */
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
void kvm_vcpu_clear_kick(struct kvm_vcpu *vcpu);

#endif /* SV_VMM_KVM_KVM_H */
