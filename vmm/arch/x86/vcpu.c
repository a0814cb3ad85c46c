// SPDX-License-Identifier: MIT
/*
 * arch_vcpu_init() and arch_vcpu_dump(): hand the state computed in
 * regs.c / cpuid.c to KVM through the vmm/kvm/ seam. Order per vCPU:
 * CPUID first (KVM checks EFER.LME and some MSRs against it), then sregs
 * and regs (vCPU 0 only; the others wait for INIT/SIPI from the guest),
 * MSRs, FPU, and the LAPIC's LINT0 (ExtINT) / LINT1 (NMI) delivery modes.
 * The vmm/kvm/ seam logs its own ioctl failures; only failures detected
 * here are logged here.
 */
#define LOG_MODULE "vcpu"
#include "vmm/arch/x86/x86.h"

#include <stdio.h>
#include <string.h>

#include "sv/log.h"
#include "vmm/arch/arch.h"
#include "vmm/boot/boot.h"
#include "vmm/kvm/kvm.h"
#include "vmm/mem/mem.h"

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7
#define DUMP_CODE_BYTES 16

static int setup_cpuid(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
		       unsigned int id, unsigned int nr_cpus)
{
	_cleanup_free_ struct kvm_cpuid2 *sup = NULL;
	_cleanup_free_ struct kvm_cpuid2 *c = NULL;
	struct x86_cpuid_cfg cfg = { .vcpu_id = id,
				     .nr_cpus = nr_cpus,
				     .tsc_deadline = true };
	int ret;

	x86_cpuid_host_brand(&cfg);
	ret = kvm_vm_supported_cpuid(vm, &sup);
	if (ret < 0)
		return ret;
	ret = x86_cpuid_build(sup, &cfg, &c);
	if (ret < 0) {
		log_err("vCPU %u of %u: building CPUID: %s", id, nr_cpus,
			strerror(-ret));
		return ret;
	}
	return kvm_vcpu_set_cpuid(vcpu, c);
}

static int setup_boot_regs(struct kvm_vcpu *vcpu, const struct boot_info *bi)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	int ret;

	ret = kvm_vcpu_get_sregs(vcpu, &s);
	if (ret == 0) {
		x86_boot_sregs(bi, &s);
		ret = kvm_vcpu_set_sregs(vcpu, &s);
	}
	if (ret == 0) {
		x86_boot_regs(bi, &r);
		ret = kvm_vcpu_set_regs(vcpu, &r);
	}
	return ret;
}

static int setup_msrs_fpu(struct kvm_vcpu *vcpu)
{
	_cleanup_free_ struct kvm_msrs *msrs = NULL;
	struct kvm_fpu fpu;
	int ret;

	msrs = calloc(1,
		      sizeof(*msrs) + X86_BOOT_MSRS * sizeof(msrs->entries[0]));
	if (!msrs)
		return -ENOMEM;
	msrs->nmsrs = x86_boot_msrs(msrs->entries);
	ret = kvm_vcpu_set_msrs(vcpu, msrs);
	if (ret < 0)
		return ret;
	x86_boot_fpu(&fpu);
	return kvm_vcpu_set_fpu(vcpu, &fpu);
}

static void set_mode(struct kvm_lapic_state *l, unsigned int reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &l->regs[reg], sizeof(v));
	v = (v & ~0x700u) | (mode << 8);
	memcpy(&l->regs[reg], &v, sizeof(v));
}

static int setup_lint(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic_state l;
	int ret;

	ret = kvm_vcpu_get_lapic(vcpu, &l);
	if (ret < 0)
		return ret;
	set_mode(&l, APIC_LVT0, APIC_MODE_EXTINT);
	set_mode(&l, APIC_LVT1, APIC_MODE_NMI);
	return kvm_vcpu_set_lapic(vcpu, &l);
}

int arch_vcpu_init(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
		   unsigned int nr_cpus, const struct boot_info *bi)
{
	unsigned int id = kvm_vcpu_id(vcpu);
	int ret;

	ret = setup_cpuid(vm, vcpu, id, nr_cpus);
	if (ret == 0 && id == 0 && bi)
		ret = setup_boot_regs(vcpu, bi);
	if (ret == 0)
		ret = setup_msrs_fpu(vcpu);
	if (ret == 0)
		ret = setup_lint(vcpu);
	return ret;
}

/* LAPIC power-on state: keep ID and version, mask every LVT. */
static int reset_lapic(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic_state l;
	uint32_t id, ver, masked = 0x10000, svr = 0xff, dfr = 0xffffffffu;
	int ret = kvm_vcpu_get_lapic(vcpu, &l);

	if (ret < 0)
		return ret;
	memcpy(&id, &l.regs[0x20], 4);
	memcpy(&ver, &l.regs[0x30], 4);
	memset(&l, 0, sizeof(l));
	memcpy(&l.regs[0x20], &id, 4);
	memcpy(&l.regs[0x30], &ver, 4);
	memcpy(&l.regs[0xe0], &dfr, 4);
	memcpy(&l.regs[0xf0], &svr, 4);
	for (unsigned int r = 0x320; r <= 0x370; r += 0x10)
		memcpy(&l.regs[r], &masked, 4);
	return kvm_vcpu_set_lapic(vcpu, &l);
}

int arch_vcpu_reset(struct kvm_vcpu *vcpu, const struct boot_info *bi)
{
	static const struct boot_info power_on = { .mode = BOOT_MODE_RESET };
	unsigned int id = kvm_vcpu_id(vcpu);
	int ret = reset_lapic(vcpu);

	if (ret == 0)
		ret = setup_boot_regs(vcpu, id == 0 && bi ? bi : &power_on);
	if (ret == 0)
		ret = kvm_vcpu_set_mp_state(vcpu, id == 0 ?
					    KVM_MP_STATE_RUNNABLE :
					    KVM_MP_STATE_INIT_RECEIVED);
	/*
	 * Not CPUID: it survives a reset, and KVM refuses KVM_SET_CPUID2
	 * after KVM_RUN unless it matches the entries as KVM has since
	 * updated them (OSXSAVE, APIC), which ours would not.
	 */
	if (ret == 0)
		ret = setup_msrs_fpu(vcpu);
	if (ret == 0)
		ret = setup_lint(vcpu);
	return ret;
}

static void dump_code(const struct gmem *m, const struct kvm_sregs *s,
		      uint64_t linear, char *out, size_t size)
{
	size_t pos = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < DUMP_CODE_BYTES; i++) {
		uint64_t gpa;
		uint8_t b;

		if (x86_gva_to_gpa(m, s, linear + i, &gpa) < 0 ||
		    gmem_read(m, gpa, &b, 1) < 0) {
			snprintf(out + pos, size - pos, "%s<unmapped>",
				 i ? " " : "");
			return;
		}
		pos += (size_t)snprintf(out + pos, size - pos, "%s%02x",
					i ? " " : "", b);
	}
}

void arch_vcpu_dump(struct kvm_vcpu *vcpu, const struct gmem *m)
{
	unsigned int id = kvm_vcpu_id(vcpu);
	char code[DUMP_CODE_BYTES * 3 + 16];
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t linear;

	if (kvm_vcpu_get_regs(vcpu, &r) < 0 ||
	    kvm_vcpu_get_sregs(vcpu, &s) < 0) {
		log_err("vCPU %u: cannot read registers for a dump", id);
		return;
	}
	linear = (s.efer & X86_EFER_LMA) && s.cs.l ?
			 r.rip :
			 (s.cs.base + r.rip) & 0xffffffffull;
	dump_code(m, &s, linear, code, sizeof(code));
	log_err("vCPU %u: RIP %04x:%016llx code [%s]", id, s.cs.selector,
		(unsigned long long)r.rip, code);
	log_err("vCPU %u: RAX %016llx RBX %016llx RCX %016llx RDX %016llx", id,
		r.rax, r.rbx, r.rcx, r.rdx);
	log_err("vCPU %u: RSI %016llx RDI %016llx RBP %016llx RSP %016llx", id,
		r.rsi, r.rdi, r.rbp, r.rsp);
	log_err("vCPU %u: R8  %016llx R9  %016llx R10 %016llx R11 %016llx", id,
		r.r8, r.r9, r.r10, r.r11);
	log_err("vCPU %u: R12 %016llx R13 %016llx R14 %016llx R15 %016llx", id,
		r.r12, r.r13, r.r14, r.r15);
	log_err("vCPU %u: RFLAGS %08llx CR0 %08llx CR2 %016llx CR3 %016llx "
		"CR4 %08llx EFER %08llx",
		id, r.rflags, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
}
