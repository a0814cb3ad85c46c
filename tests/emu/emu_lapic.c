// SPDX-License-Identifier: MIT
/*
 * A minimal xAPIC for the software CPU, enough for a polling guest to see
 * an MSI arrive. Nothing is ever injected (no IDT emulation): a vector's
 * IRR bit is set and stays set.
 *
 * kvm_vm_signal_msi(): address 0xFEExxxxx, physical destination (APIC ID
 * or 0xFF broadcast), fixed or lowest-priority delivery, vector 16-255;
 * dropped when the target LAPIC is software-disabled (SVR bit 8 clear),
 * as KVM does. Logical destinations and other delivery modes are logged
 * and dropped.
 *
 * Guest MMIO at 0xFEE00000-0xFEE00FFF (fixed; IA32_APIC_BASE is not
 * followed): ID (0x20), version (0x30), SVR (0xF0, bits 0-8 writable)
 * and IRR (0x200-0x270) read from the register page; every other
 * register reads 0 and ignores writes. KVM_GET/SET_LAPIC read and replace
 * the same page, so the VMM's LAPIC reset clears IRR and SVR.
 *
 * APIC ID = vCPU id. Locking: vm->lapic_lock protects vm->apics[] and
 * every vCPU's register page.
 */
#include <string.h>

#include "tests/emu/emu_internal.h"

#define LOG_MODULE "emu"
#include "sv/log.h"

#define APIC_ID		0x20
#define APIC_VERSION	0x30
#define APIC_DFR	0xe0
#define APIC_SVR	0xf0
#define APIC_IRR	0x200
#define APIC_LVT_FIRST	0x320
#define APIC_LVT_LAST	0x370

#define SVR_ENABLE	0x100u
#define SVR_WRITABLE	0x1ffu

static uint32_t reg_get(const struct kvm_vcpu *v, unsigned int reg)
{
	uint32_t val;

	memcpy(&val, &v->lapic.regs[reg], sizeof(val));
	return val;
}

static void reg_set(struct kvm_vcpu *v, unsigned int reg, uint32_t val)
{
	memcpy(&v->lapic.regs[reg], &val, sizeof(val));
}

/* Power-on state; the vCPU becomes an MSI target. */
void emu_lapic_attach(struct kvm_vcpu *v)
{
	struct kvm_vm *vm = v->vm;

	pthread_mutex_lock(&vm->lapic_lock);
	memset(&v->lapic, 0, sizeof(v->lapic));
	reg_set(v, APIC_ID, v->id << 24);
	reg_set(v, APIC_VERSION, 0x50014); /* 6 LVT entries, xAPIC 0x14 */
	reg_set(v, APIC_DFR, 0xffffffffu);
	reg_set(v, APIC_SVR, 0xff);
	for (unsigned int r = APIC_LVT_FIRST; r <= APIC_LVT_LAST; r += 0x10)
		reg_set(v, r, 0x10000); /* masked */
	if (v->id < EMU_MAX_APICS)
		vm->apics[v->id] = v;
	pthread_mutex_unlock(&vm->lapic_lock);
}

void emu_lapic_detach(struct kvm_vcpu *v)
{
	struct kvm_vm *vm = v->vm;

	pthread_mutex_lock(&vm->lapic_lock);
	if (v->id < EMU_MAX_APICS && vm->apics[v->id] == v)
		vm->apics[v->id] = NULL;
	pthread_mutex_unlock(&vm->lapic_lock);
}

int kvm_vcpu_get_lapic(struct kvm_vcpu *v, struct kvm_lapic_state *l)
{
	pthread_mutex_lock(&v->vm->lapic_lock);
	*l = v->lapic;
	pthread_mutex_unlock(&v->vm->lapic_lock);
	return 0;
}

int kvm_vcpu_set_lapic(struct kvm_vcpu *v, const struct kvm_lapic_state *l)
{
	pthread_mutex_lock(&v->vm->lapic_lock);
	v->lapic = *l;
	pthread_mutex_unlock(&v->vm->lapic_lock);
	return 0;
}

/* Sets the IRR bit if the LAPIC is enabled; true if it was. */
static bool accept(struct kvm_vcpu *v, unsigned int vector)
{
	unsigned int reg = APIC_IRR + 0x10 * (vector / 32);

	if (!(reg_get(v, APIC_SVR) & SVR_ENABLE))
		return false;
	reg_set(v, reg, reg_get(v, reg) | 1u << (vector % 32));
	return true;
}

int kvm_vm_signal_msi(struct kvm_vm *vm, uint64_t addr, uint32_t data)
{
	unsigned int dest = (addr >> 12) & 0xff, vector = data & 0xff;
	unsigned int mode = (data >> 8) & 7, hits = 0;

	if ((addr >> 20) != 0xfee || (addr & 4) || mode > 1 || vector < 16) {
		log_warn_ratelimited("MSI addr 0x%llx data 0x%x: not emulated "
				     "(only physical fixed/lowest-priority)",
				     (unsigned long long)addr, data);
		return 0;
	}
	pthread_mutex_lock(&vm->lapic_lock);
	for (unsigned int id = 0; id < EMU_MAX_APICS; id++) {
		struct kvm_vcpu *v = vm->apics[id];

		if (!v || (dest != 0xff && dest != id))
			continue;
		if (accept(v, vector))
			hits++;
		if (hits && mode == 1)
			break; /* lowest priority: one CPU */
	}
	pthread_mutex_unlock(&vm->lapic_lock);
	if (!hits)
		log_debug("MSI vector 0x%x to APIC %u: no enabled LAPIC", vector,
			  dest);
	return 0; /* as the KVM backend: delivered or not, no error */
}

static bool readable(unsigned int reg)
{
	return reg == APIC_ID || reg == APIC_VERSION || reg == APIC_SVR ||
	       (reg >= APIC_IRR && reg <= APIC_IRR + 0x70);
}

/* Guest access to the LAPIC page; false if gpa is not in it. */
bool emu_lapic_mmio(struct kvm_vcpu *v, uint64_t gpa, uint8_t *buf,
		    unsigned int len, bool write)
{
	unsigned int off = (unsigned int)(gpa - EMU_LAPIC_GPA);
	unsigned int reg = off & ~0xfu, sub = off & 0xfu;
	uint32_t val;

	if (gpa < EMU_LAPIC_GPA || gpa - EMU_LAPIC_GPA >= 0x1000)
		return false;
	if (!write)
		memset(buf, 0, len);
	if (sub + len > 4) {
		log_warn_ratelimited("LAPIC 0x%x/%u: not inside a register",
				     off, len);
		return true;
	}
	pthread_mutex_lock(&v->vm->lapic_lock);
	val = reg_get(v, reg);
	if (!write && readable(reg)) {
		memcpy(buf, (const uint8_t *)&val + sub, len);
	} else if (write && reg == APIC_SVR) {
		memcpy((uint8_t *)&val + sub, buf, len);
		reg_set(v, reg, val & SVR_WRITABLE);
	}
	pthread_mutex_unlock(&v->vm->lapic_lock);
	return true;
}
