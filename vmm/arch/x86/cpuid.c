// SPDX-License-Identifier: MIT
/*
 * Guest CPUID, derived from KVM_GET_SUPPORTED_CPUID. Topology is kept
 * simple: one socket with nr_cpus cores of one thread each, APIC id = vCPU
 * index (so the package id, id >> core-shift, is always 0).
 *   leaf 1:     EBX[31:24] APIC id, EBX[23:16] logical count, EDX.HTT when
 *               nr_cpus > 1, ECX.hypervisor, ECX.TSC-deadline if asked
 *               (KVM emulates it with the in-kernel LAPIC, but does not
 *               list it in the supported set).
 *   leaf 4:     EAX[31:26] cores - 1; EAX[25:14] sharing - 1 = 0 for L1/L2
 *               and nr_cpus - 1 for L3.
 *   0xb, 0x1f:  if the host has them: SMT level (1 thread), core level
 *               (nr_cpus, shift = ceil(log2 nr_cpus)), then invalid.
 *   0x40000000: "KVMKVMKVM\0\0\0", max leaf 0x40000001; 0x40000001 (KVM
 *               features, e.g. kvm-clock) as KVM reports it.
 *   0x80000002-4: the host's brand string (guest "model name" = host's).
 * AMD's 0x80000008 ECX.NC / 0x8000001e are left as KVM reports them.
 */
#include "vmm/arch/x86/x86.h"

#include <cpuid.h>
#include <string.h>

#define CPUID_EXTRA_ENTRIES 16
#define LEAF1_ECX_TSC_DEADLINE (1u << 24)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define LEAF1_EDX_HTT (1u << 28)
#define KVM_SIG_LEAF 0x40000000u
#define KVM_FEATURES_LEAF 0x40000001u
#define BRAND_LEAF 0x80000002u
#define TOPO_LEVEL_SMT 1
#define TOPO_LEVEL_CORE 2

struct kvm_cpuid_entry2 *x86_cpuid_find(struct kvm_cpuid2 *c, uint32_t fn,
					uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != fn)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    e->index == index)
			return e;
	}
	return NULL;
}

/* Existing entry, or a new zeroed one; NULL when c is full. */
static struct kvm_cpuid_entry2 *upsert(struct kvm_cpuid2 *c, uint32_t cap,
				       uint32_t fn, uint32_t index,
				       uint32_t flags)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, fn, index);

	if (e)
		return e;
	if (c->nent >= cap)
		return NULL;
	e = &c->entries[c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = index;
	e->flags = flags;
	return e;
}

static void remove_leaf(struct kvm_cpuid2 *c, uint32_t fn)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function != fn)
			c->entries[n++] = c->entries[i];
	c->nent = n;
}

static void leaf1(struct kvm_cpuid2 *c, const struct x86_cpuid_cfg *cfg)
{
	struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, 1, 0);
	unsigned int count = SV_MIN(cfg->nr_cpus, 255u);

	if (!e)
		return;
	e->ebx = (e->ebx & 0xffffu) | (count << 16) | (cfg->vcpu_id << 24);
	e->ecx |= LEAF1_ECX_HYPERVISOR;
	if (cfg->tsc_deadline)
		e->ecx |= LEAF1_ECX_TSC_DEADLINE;
	if (cfg->nr_cpus > 1)
		e->edx |= LEAF1_EDX_HTT;
	else
		e->edx &= ~LEAF1_EDX_HTT;
}

static void leaf4(struct kvm_cpuid2 *c, const struct x86_cpuid_cfg *cfg)
{
	uint32_t cores = SV_MIN(cfg->nr_cpus, 64u) - 1;

	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		uint32_t share = 0;

		if (e->function != 4 || (e->eax & 0x1f) == 0)
			continue;
		if (((e->eax >> 5) & 7) == 3)
			share = SV_MIN(cfg->nr_cpus, 4096u) - 1;
		e->eax &= ~(0x3fu << 26 | 0xfffu << 14);
		e->eax |= cores << 26 | share << 14;
	}
}

static unsigned int order(unsigned int n)
{
	unsigned int s = 0;

	while ((1u << s) < n)
		s++;
	return s;
}

/* Leaf 0xb or 0x1f: SMT, core, terminating invalid level. */
static int topology(struct kvm_cpuid2 *c, uint32_t cap, uint32_t fn,
		    const struct x86_cpuid_cfg *cfg)
{
	const uint32_t eax[3] = { 0, order(cfg->nr_cpus), 0 };
	const uint32_t ebx[3] = { 1, cfg->nr_cpus, 0 };
	const uint32_t type[3] = { TOPO_LEVEL_SMT, TOPO_LEVEL_CORE, 0 };

	if (!x86_cpuid_find(c, fn, 0))
		return 0;
	remove_leaf(c, fn);
	for (uint32_t i = 0; i < 3; i++) {
		struct kvm_cpuid_entry2 *e =
			upsert(c, cap, fn, i, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);

		if (!e)
			return -E2BIG;
		e->eax = eax[i];
		e->ebx = ebx[i];
		e->ecx = type[i] << 8 | i;
		e->edx = cfg->vcpu_id;
	}
	return 0;
}

static int kvm_leaves(struct kvm_cpuid2 *c, uint32_t cap)
{
	static const char sig[12] = "KVMKVMKVM\0\0";
	struct kvm_cpuid_entry2 *e;

	e = upsert(c, cap, KVM_SIG_LEAF, 0, 0);
	if (!e)
		return -E2BIG;
	e->eax = KVM_FEATURES_LEAF;
	memcpy(&e->ebx, sig, 4);
	memcpy(&e->ecx, sig + 4, 4);
	memcpy(&e->edx, sig + 8, 4);
	return upsert(c, cap, KVM_FEATURES_LEAF, 0, 0) ? 0 : -E2BIG;
}

static int brand(struct kvm_cpuid2 *c, uint32_t cap,
		 const struct x86_cpuid_cfg *cfg)
{
	if (!cfg->have_brand)
		return 0;
	for (size_t i = 0; i < 3; i++) {
		struct kvm_cpuid_entry2 *e =
			upsert(c, cap, BRAND_LEAF + (uint32_t)i, 0, 0);

		if (!e)
			return -E2BIG;
		e->eax = cfg->brand[4 * i];
		e->ebx = cfg->brand[4 * i + 1];
		e->ecx = cfg->brand[4 * i + 2];
		e->edx = cfg->brand[4 * i + 3];
	}
	return 0;
}

int x86_cpuid_build(const struct kvm_cpuid2 *sup,
		    const struct x86_cpuid_cfg *cfg, struct kvm_cpuid2 **out)
{
	uint32_t cap = sup->nent + CPUID_EXTRA_ENTRIES;
	struct kvm_cpuid2 *c;
	int ret;

	if (cfg->nr_cpus == 0 || cfg->nr_cpus > 254 ||
	    cfg->vcpu_id >= cfg->nr_cpus)
		return -EINVAL;
	c = calloc(1, sizeof(*c) + cap * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->nent = sup->nent;
	memcpy(c->entries, sup->entries, sup->nent * sizeof(c->entries[0]));
	leaf1(c, cfg);
	leaf4(c, cfg);
	ret = topology(c, cap, 0xb, cfg);
	if (ret == 0)
		ret = topology(c, cap, 0x1f, cfg);
	if (ret == 0)
		ret = kvm_leaves(c, cap);
	if (ret == 0)
		ret = brand(c, cap, cfg);
	if (ret < 0) {
		free(c);
		return ret;
	}
	*out = c;
	return 0;
}

void x86_cpuid_host_brand(struct x86_cpuid_cfg *cfg)
{
	unsigned int max = __get_cpuid_max(0x80000000u, NULL);
	uint32_t *b = cfg->brand;

	cfg->have_brand = false;
	if (max < BRAND_LEAF + 2)
		return;
	for (size_t i = 0; i < 3; i++)
		__cpuid(BRAND_LEAF + (uint32_t)i, b[4 * i], b[4 * i + 1],
			b[4 * i + 2], b[4 * i + 3]);
	cfg->have_brand = true;
}
