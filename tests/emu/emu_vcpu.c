// SPDX-License-Identifier: MIT
/*
 * vCPU objects of the software CPU: register access, the run loop (exit
 * completion, rollback, triple fault, emulation failure) and kicks.
 */
#include <stdio.h>
#include <string.h>

#include "tests/emu/emu_internal.h"

#define LOG_MODULE "emu"
#include "sv/log.h"

static void reset_state(struct kvm_vcpu *v)
{
	struct kvm_segment seg = {
		.limit = 0xffff, .present = 1, .s = 1, .type = 3
	};

	v->g.rflags = 2;
	v->g.rip = 0xfff0;
	v->sregs.cr0 = 0x60000010;
	v->sregs.cs = seg;
	v->sregs.cs.type = 11;
	v->sregs.cs.selector = 0xf000;
	v->sregs.cs.base = 0xffff0000;
	v->sregs.ds = v->sregs.es = v->sregs.ss = seg;
	v->sregs.fs = v->sregs.gs = seg;
	v->sregs.gdt.limit = v->sregs.idt.limit = 0xffff;
	v->mp_state =
		v->id ? KVM_MP_STATE_INIT_RECEIVED : KVM_MP_STATE_RUNNABLE;
}

int kvm_vcpu_create(struct kvm_vm *vm, unsigned int id, struct kvm_vcpu **out)
{
	struct kvm_vcpu *v = xcalloc(1, sizeof(*v));

	v->vm = vm;
	v->id = id;
	v->pending_rd = -1;
	pthread_mutex_init(&v->kick_lock, NULL);
	pthread_cond_init(&v->kick_cond, NULL);
	reset_state(v);
	emu_lapic_attach(v);
	*out = v;
	return 0;
}

void kvm_vcpu_destroy(struct kvm_vcpu *v)
{
	if (!v)
		return;
	emu_lapic_detach(v);
	pthread_mutex_destroy(&v->kick_lock);
	pthread_cond_destroy(&v->kick_cond);
	free(v);
}

unsigned int kvm_vcpu_id(const struct kvm_vcpu *v)
{
	return v->id;
}

/* struct kvm_regs order: rax rbx rcx rdx rsi rdi rsp rbp r8..r15. */
static const unsigned char regs_map[16] = { 0, 3, 1,  2,  6,  7,  4,  5,
					    8, 9, 10, 11, 12, 13, 14, 15 };

int kvm_vcpu_get_regs(struct kvm_vcpu *v, struct kvm_regs *r)
{
	__u64 *dst = &r->rax;

	for (unsigned int i = 0; i < 16; i++)
		dst[i] = v->g.r[regs_map[i]];
	r->rip = v->g.rip;
	r->rflags = v->g.rflags;
	return 0;
}

int kvm_vcpu_set_regs(struct kvm_vcpu *v, const struct kvm_regs *r)
{
	const __u64 *src = &r->rax;

	for (unsigned int i = 0; i < 16; i++)
		v->g.r[regs_map[i]] = src[i];
	v->g.rip = r->rip;
	v->g.rflags = r->rflags | 2;
	v->pending_rd = -1;
	v->rd[0].valid = v->rd[1].valid = false;
	return 0;
}

int kvm_vcpu_get_sregs(struct kvm_vcpu *v, struct kvm_sregs *s)
{
	*s = v->sregs;
	return 0;
}

int kvm_vcpu_set_sregs(struct kvm_vcpu *v, const struct kvm_sregs *s)
{
	v->sregs = *s;
	emu_tlb_flush(v);
	return 0;
}

int kvm_vcpu_set_fpu(struct kvm_vcpu *v, const struct kvm_fpu *f)
{
	(void)v;
	(void)f;
	return 0;
}

int kvm_vcpu_set_mp_state(struct kvm_vcpu *v, uint32_t state)
{
	v->mp_state = state;
	return 0;
}

bool emu_long_mode(const struct kvm_vcpu *v)
{
	const struct kvm_sregs *s = &v->sregs;

	return (s->cr0 & CR0_PG) && (s->cr0 & CR0_PE) && (s->cr4 & CR4_PAE) &&
	       (s->efer & EFER_LMA) && s->cs.l;
}

void kvm_vcpu_kick(struct kvm_vcpu *v)
{
	pthread_mutex_lock(&v->kick_lock);
	__atomic_store_n(&v->kicked, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&v->kick_cond);
	pthread_mutex_unlock(&v->kick_lock);
}

void kvm_vcpu_clear_kick(struct kvm_vcpu *v)
{
	__atomic_store_n(&v->kicked, 0, __ATOMIC_SEQ_CST);
}

static bool kicked(struct kvm_vcpu *v)
{
	return __atomic_load_n(&v->kicked, __ATOMIC_ACQUIRE) != 0;
}

static void set_intr(struct vcpu_exit *e)
{
	e->kind = VCPU_EXIT_INTR;
	e->reason = KVM_EXIT_INTR;
}

/* An AP in wait-for-SIPI: nothing to run until someone kicks us. */
static void block_until_kick(struct kvm_vcpu *v, struct vcpu_exit *e)
{
	pthread_mutex_lock(&v->kick_lock);
	while (!kicked(v))
		pthread_cond_wait(&v->kick_cond, &v->kick_lock);
	pthread_mutex_unlock(&v->kick_lock);
	set_intr(e);
}

static void set_internal(struct kvm_vcpu *v, struct vcpu_exit *e,
			 const struct emu_insn *in)
{
	uint8_t b[16] = { 0 };
	unsigned int n = in ? SV_MIN(in->avail, 15u) : 0;

	e->kind = VCPU_EXIT_INTERNAL_ERROR;
	e->reason = KVM_EXIT_INTERNAL_ERROR;
	e->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	/* KVM's emulation_failure layout: flags, insn_size + 15 bytes. */
	e->internal.ndata = 4;
	e->internal.data[0] =
		n ? KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES : 0;
	b[0] = (uint8_t)n;
	if (n)
		memcpy(b + 1, in->bytes, n);
	memcpy(&e->internal.data[1], b, 16);
	e->internal.data[3] = v->g.rip; /* ours: RIP of the instruction */
}

static void report_unimpl(struct kvm_vcpu *v, const struct emu_insn *in)
{
	char hex[3 * 15 + 1] = "";
	unsigned int n = SV_MIN(in->avail, 15u);

	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ",
			 in->bytes[i]);
	log_err("vCPU %u: emulation failure at rip 0x%llx: %s [%s]", v->id,
		(unsigned long long)v->g.rip, v->why ? v->why : "?", hex);
}

static void end_insn(struct kvm_vcpu *v)
{
	v->rd_idx = 0;
	v->rd[0].valid = false;
	v->rd[1].valid = false;
	v->have_exit = false;
}

/* Handle a step result; true if kvm_vcpu_run must return with *e. */
static bool finish_step(struct kvm_vcpu *v, enum emu_status st,
			const struct emu_gprs *saved, const struct emu_insn *in,
			struct vcpu_exit *e)
{
	switch (st) {
	case EMU_OK:
		end_insn(v);
		return false;
	case EMU_EXIT:
		*e = v->exit;
		end_insn(v);
		return true;
	case EMU_RESTART:
		v->g = *saved;
		end_insn(v);
		return false;
	case EMU_RETRY:
		v->g = *saved;
		*e = v->exit;
		v->rd_idx = 0;
		v->have_exit = false;
		return true;
	case EMU_FAULT:
		v->g = *saved;
		log_info("vCPU %u: exception at rip 0x%llx (%s): triple fault",
			  v->id, (unsigned long long)v->g.rip,
			  v->why ? v->why : "?");
		end_insn(v);
		e->kind = VCPU_EXIT_SHUTDOWN;
		e->reason = KVM_EXIT_SHUTDOWN;
		return true;
	default:
		v->g = *saved;
		report_unimpl(v, in);
		set_internal(v, e, in);
		end_insn(v);
		return true;
	}
}

static int not_long_mode(struct kvm_vcpu *v, struct vcpu_exit *e)
{
	if (v->id != 0) {
		block_until_kick(v, e);
		return 0;
	}
	log_err("vCPU %u: not in 64-bit long mode (cr0 0x%llx efer 0x%llx "
		"cs.l %u); the emulator runs only long-mode code",
		v->id, (unsigned long long)v->sregs.cr0,
		(unsigned long long)v->sregs.efer, v->sregs.cs.l);
	set_internal(v, e, NULL);
	return 0;
}

int kvm_vcpu_run(struct kvm_vcpu *v, struct vcpu_exit *e)
{
	struct emu_gprs saved;
	struct emu_insn in;

	memset(e, 0, sizeof(*e));
	if (kicked(v)) {
		set_intr(e);
		return 0;
	}
	if (!emu_long_mode(v))
		return not_long_mode(v, e);
	if (v->pending_rd >= 0) {
		memcpy(v->rd[v->pending_rd].data, v->xfer, sizeof(v->xfer));
		v->rd[v->pending_rd].valid = true;
		v->pending_rd = -1;
	}
	for (unsigned long n = 1;; n++) {
		if (!(n % EMU_KICK_CHECK) && kicked(v)) {
			set_intr(e);
			return 0;
		}
		saved = v->g;
		if (finish_step(v, emu_step(v, &in), &saved, &in, e))
			return 0;
	}
}
