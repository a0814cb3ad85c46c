// SPDX-License-Identifier: MIT
/*
 * CPUID and MSRs of the software CPU: the "supported" table the VMM starts
 * from, the per-vCPU table it sets, and a small MSR store.
 */
#include <cpuid.h>
#include <string.h>

#include "tests/emu/emu_internal.h"

#define LOG_MODULE "emu"
#include "sv/log.h"

/* FPU PSE TSC MSR PAE CX8 APIC PGE CMOV PAT CLFSH FXSR SSE SSE2 */
#define LEAF1_EDX 0x07808379u
#define LEAF1_ECX (1u << 31) /* hypervisor */
#define EXT1_EDX ((1u << 29) | (1u << 20) | (1u << 11)) /* LM NX SYSCALL */
#define EXT1_ECX 1u /* LAHF/SAHF */

static const char brand[48] = "StratoVirt emulated x86-64 CPU";

static void add(struct kvm_cpuid2 *c, uint32_t fn, uint32_t a, uint32_t b,
		uint32_t cx, uint32_t d)
{
	struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];

	e->function = fn;
	e->eax = a;
	e->ebx = b;
	e->ecx = cx;
	e->edx = d;
}

static void add_brand(struct kvm_cpuid2 *c)
{
	uint32_t w[12];

	memcpy(w, brand, sizeof(w));
	for (unsigned int i = 0; i < 3; i++)
		add(c, 0x80000002u + i, w[4 * i], w[4 * i + 1], w[4 * i + 2],
		    w[4 * i + 3]);
}

int kvm_vm_supported_cpuid(struct kvm_vm *vm, struct kvm_cpuid2 **out)
{
	size_t sz = sizeof(struct kvm_cpuid2) +
		    EMU_MAX_CPUID * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = xcalloc(1, sz);
	unsigned int a, b, cx, d, sig;

	(void)vm;
	__cpuid(0, a, b, cx, d);
	add(c, 0, 0xb, b, cx, d);
	__cpuid(1, sig, b, cx, d);
	add(c, 1, sig, 0x00010800u, LEAF1_ECX, LEAF1_EDX);
	add(c, 7, 0, 0, 0, 0);
	c->entries[c->nent - 1].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	add(c, 0xb, 0, 0, 0, 0);
	c->entries[c->nent - 1].flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	add(c, 0x80000000u, 0x80000008u, 0, 0, 0);
	add(c, 0x80000001u, 0, 0, EXT1_ECX, EXT1_EDX);
	add_brand(c);
	add(c, 0x80000008u, 0x3028, 0, 0, 0); /* 40-bit PA, 48-bit VA */
	*out = c;
	return 0;
}

int kvm_vcpu_set_cpuid(struct kvm_vcpu *v, const struct kvm_cpuid2 *c)
{
	if (c->nent > EMU_MAX_CPUID) {
		log_err("vCPU %u: %u CPUID entries, at most %u", v->id, c->nent,
			EMU_MAX_CPUID);
		return -E2BIG;
	}
	memcpy(v->cpuid, c->entries, c->nent * sizeof(c->entries[0]));
	v->nr_cpuid = c->nent;
	return 0;
}

void emu_cpuid(struct kvm_vcpu *v, uint32_t fn, uint32_t idx, uint32_t out[4])
{
	memset(out, 0, 4 * sizeof(out[0]));
	for (unsigned int i = 0; i < v->nr_cpuid; i++) {
		const struct kvm_cpuid_entry2 *e = &v->cpuid[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != idx)
			continue;
		out[0] = e->eax;
		out[1] = e->ebx;
		out[2] = e->ecx;
		out[3] = e->edx;
		return;
	}
}

uint64_t emu_msr_get(struct kvm_vcpu *v, uint32_t index)
{
	switch (index) {
	case MSR_EFER:
		return v->sregs.efer;
	case MSR_FS_BASE:
		return v->sregs.fs.base;
	case MSR_GS_BASE:
		return v->sregs.gs.base;
	case MSR_KERNEL_GS_BASE:
		return v->kernel_gs_base;
	case MSR_TSC:
		return __builtin_ia32_rdtsc();
	default:
		break;
	}
	for (unsigned int i = 0; i < v->nr_msrs; i++) {
		if (v->msrs[i].index == index)
			return v->msrs[i].value;
	}
	return 0;
}

void emu_msr_set(struct kvm_vcpu *v, uint32_t index, uint64_t value)
{
	switch (index) {
	case MSR_EFER:
		/* LMA follows LME while paging is on. */
		value &= ~EFER_LMA;
		if ((value & EFER_LME) && (v->sregs.cr0 & CR0_PG))
			value |= EFER_LMA;
		v->sregs.efer = value;
		return;
	case MSR_FS_BASE:
		v->sregs.fs.base = value;
		return;
	case MSR_GS_BASE:
		v->sregs.gs.base = value;
		return;
	case MSR_KERNEL_GS_BASE:
		v->kernel_gs_base = value;
		return;
	default:
		break;
	}
	for (unsigned int i = 0; i < v->nr_msrs; i++) {
		if (v->msrs[i].index == index) {
			v->msrs[i].value = value;
			return;
		}
	}
	if (v->nr_msrs < EMU_MAX_MSRS) {
		v->msrs[v->nr_msrs].index = index;
		v->msrs[v->nr_msrs++].value = value;
		return;
	}
	log_debug_ratelimited("vCPU %u: MSR 0x%x dropped (store full)", v->id,
			      index);
}

int kvm_vcpu_set_msrs(struct kvm_vcpu *v, const struct kvm_msrs *m)
{
	for (uint32_t i = 0; i < m->nmsrs; i++)
		emu_msr_set(v, m->entries[i].index, m->entries[i].data);
	return 0;
}
