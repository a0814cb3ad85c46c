// SPDX-License-Identifier: MIT
/*
 * One-byte opcodes of the software CPU and the step function. Executors
 * decode their immediate before touching a memory operand, because a
 * RIP-relative address depends on the full instruction length.
 */
#include <string.h>

#include "tests/emu/emu_internal.h"

#define OK(x)                              \
	do {                               \
		enum emu_status _st = (x); \
		if (_st != EMU_OK)         \
			return _st;        \
	} while (0)

static unsigned int imm_size(unsigned int size)
{
	return size > 4 ? 4 : size;
}

/* Relative jump with an imm of size bytes, taken if cond. */
enum emu_status emu_jump(struct kvm_vcpu *v, struct emu_insn *in,
			 unsigned int size, bool cond)
{
	OK(emu_imm(v, in, size));
	if (cond) {
		v->g.rip = in->rip + in->len + (uint64_t)in->imm;
		in->jumped = true;
	}
	return EMU_OK;
}

/* 00-3f: add or adc sbb and sub xor cmp in their six forms. */
static enum emu_status exec_alu(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int op = (in->op >> 3) & 7, form = in->op & 7;
	unsigned int size = (form & 1) ? in->osz : 1;
	uint64_t a, b, res;

	if (form >= 6)
		return emu_fail(v, EMU_UNIMPL, "invalid opcode in 64-bit mode");
	if (form >= 4) {
		OK(emu_imm(v, in, imm_size(size)));
		res = emu_alu(v, op, v->g.r[0], (uint64_t)in->imm, size);
		if (op != 7)
			emu_reg_set(v, in, 0, size, res);
		return EMU_OK;
	}
	OK(emu_rm_read(v, in, size, form < 2 ? &a : &b));
	if (form < 2)
		b = emu_reg_get(v, in, in->reg, size);
	else
		a = emu_reg_get(v, in, in->reg, size);
	res = emu_alu(v, op, a, b, size);
	if (op == 7)
		return EMU_OK;
	if (form < 2)
		return emu_rm_write(v, in, size, res);
	emu_reg_set(v, in, in->reg, size, res);
	return EMU_OK;
}

/* 80 81 83: group 1 with an immediate. */
static enum emu_status exec_grp1(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int size = in->op == 0x80 ? 1 : in->osz;
	uint64_t a, res;

	OK(emu_imm(v, in, in->op == 0x81 ? imm_size(size) : 1));
	OK(emu_rm_read(v, in, size, &a));
	res = emu_alu(v, in->reg & 7, a, (uint64_t)in->imm, size);
	if ((in->reg & 7) == 7)
		return EMU_OK;
	return emu_rm_write(v, in, size, res);
}

/* c0 c1 d0-d3: group 2 shifts and rotates. */
static enum emu_status exec_grp2(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int size = (in->op & 1) ? in->osz : 1, cnt;
	uint64_t a, res;

	if (in->op <= 0xc1) {
		OK(emu_imm(v, in, 1));
		cnt = (unsigned int)in->imm;
	} else {
		cnt = in->op <= 0xd1 ? 1 : (unsigned int)v->g.r[1];
	}
	cnt &= size == 8 ? 63 : 31;
	OK(emu_rm_read(v, in, size, &a));
	emu_shift(v, in->reg & 7, a, cnt, size, &res);
	return emu_rm_write(v, in, size, res);
}

static enum emu_status exec_mov(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int size = (in->op & 1) ? in->osz : 1;
	uint64_t val;

	switch (in->op) {
	case 0x88:
	case 0x89:
		return emu_rm_write(v, in, size,
				    emu_reg_get(v, in, in->reg, size));
	case 0x8a:
	case 0x8b:
		OK(emu_rm_read(v, in, size, &val));
		emu_reg_set(v, in, in->reg, size, val);
		return EMU_OK;
	case 0xc6:
	case 0xc7:
		if (in->reg & 7)
			return emu_fail(v, EMU_UNIMPL, "c6/c7 with reg != 0");
		OK(emu_imm(v, in, imm_size(size)));
		return emu_rm_write(v, in, size, (uint64_t)in->imm);
	default: /* 8d lea */
		if (!in->rm_is_mem)
			return emu_fail(v, EMU_UNIMPL, "lea with a register");
		emu_reg_set(v, in, in->reg, in->osz, emu_ea(in) - in->seg_base);
		return EMU_OK;
	}
}

static enum emu_status exec_xchg_test(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int size = (in->op & 1) ? in->osz : 1;
	uint64_t a, b;

	OK(emu_rm_read(v, in, size, &a));
	b = emu_reg_get(v, in, in->reg, size);
	if (in->op <= 0x85) {
		emu_alu(v, 4, a, b, size);
		return EMU_OK;
	}
	OK(emu_rm_write(v, in, size, b));
	emu_reg_set(v, in, in->reg, size, a);
	return EMU_OK;
}

static enum emu_status exec_inc_dec_fe(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint64_t a;

	if ((in->reg & 7) > 1)
		return emu_fail(v, EMU_UNIMPL, "fe with reg > 1");
	OK(emu_rm_read(v, in, 1, &a));
	return emu_rm_write(v, in, 1, emu_incdec(v, a, in->reg & 1, 1));
}

/* ff: inc dec call jmp push on r/m. */
static enum emu_status exec_grp5(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int op = in->reg & 7;
	unsigned int size = op >= 2 ? 8 : in->osz;
	uint64_t a;

	if (op == 3 || op == 5 || op == 7)
		return emu_fail(v, EMU_UNIMPL, "far call/jmp through memory");
	OK(emu_rm_read(v, in, size, &a));
	switch (op) {
	case 0:
	case 1:
		return emu_rm_write(v, in, size, emu_incdec(v, a, op, size));
	case 2:
	case 4:
		if (op == 2)
			OK(emu_push(v, in->rip + in->len));
		v->g.rip = a;
		in->jumped = true;
		return EMU_OK;
	default:
		return emu_push(v, a);
	}
}

static enum emu_status exec_pushpop(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int reg = (in->op & 7) | ((in->rex & 1) ? 8 : 0);
	uint64_t val;

	switch (in->op) {
	case 0x68:
	case 0x6a:
		OK(emu_imm(v, in, in->op == 0x68 ? 4 : 1));
		return emu_push(v, (uint64_t)in->imm);
	case 0x8f:
		if (in->reg & 7)
			return emu_fail(v, EMU_UNIMPL, "8f with reg != 0");
		OK(emu_pop(v, &val));
		return emu_rm_write(v, in, 8, val);
	default:
		if (in->op < 0x58)
			return emu_push(v, v->g.r[reg]);
		OK(emu_pop(v, &val));
		v->g.r[reg] = val;
		return EMU_OK;
	}
}

static enum emu_status exec_ret(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint64_t rip, cs = 0;

	if (in->op == 0xc2 || in->op == 0xca)
		OK(emu_imm(v, in, 2));
	if (in->op >= 0xca && !(in->rex & 8))
		return emu_fail(v, EMU_UNIMPL, "32-bit far return");
	OK(emu_pop(v, &rip));
	if (in->op >= 0xca) {
		OK(emu_pop(v, &cs));
		OK(emu_load_seg(v, 1, (uint16_t)cs));
	}
	v->g.r[4] += (uint64_t)in->imm & 0xffff;
	v->g.rip = rip;
	in->jumped = true;
	return EMU_OK;
}

static enum emu_status exec_imul3(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint64_t a;

	OK(emu_imm(v, in, in->op == 0x69 ? imm_size(in->osz) : 1));
	OK(emu_rm_read(v, in, in->osz, &a));
	emu_reg_set(v, in, in->reg, in->osz,
		    emu_imul2(v, a, (uint64_t)in->imm, in->osz));
	return EMU_OK;
}

static enum emu_status exec_movimm(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int reg = (in->op & 7) | ((in->rex & 1) ? 8 : 0);
	unsigned int size = in->op < 0xb8 ? 1 : in->osz;

	OK(emu_imm(v, in, size));
	emu_reg_set(v, in, reg, size, (uint64_t)in->imm);
	return EMU_OK;
}

static enum emu_status exec_convert(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int half = in->osz / 2;
	uint64_t a = v->g.r[0];

	if (in->op == 0x98) {
		emu_reg_set(v, in, 0, in->osz,
			    emu_sext(a & emu_mask(half), half));
		return EMU_OK;
	}
	emu_reg_set(v, in, 2, in->osz,
		    (a >> (8 * in->osz - 1)) & 1 ? ~0ull : 0);
	return EMU_OK;
}

static enum emu_status exec_xchg_acc(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int reg = (in->op & 7) | ((in->rex & 1) ? 8 : 0);
	uint64_t a = emu_reg_get(v, in, 0, in->osz);

	if (reg == 0) /* nop, pause */
		return EMU_OK;
	emu_reg_set(v, in, 0, in->osz, emu_reg_get(v, in, reg, in->osz));
	emu_reg_set(v, in, reg, in->osz, a);
	return EMU_OK;
}

static enum emu_status exec_flags(struct kvm_vcpu *v, struct emu_insn *in)
{
	static const uint64_t popf_bits =
		FL_ARITH | FL_DF | FL_IF | 0x100 | 0x4000 | 0x40000 | 0x200000;
	uint64_t *f = &v->g.rflags, val;

	switch (in->op) {
	case 0x9c:
		return emu_push(v, *f);
	case 0x9d:
		OK(emu_pop(v, &val));
		*f = (*f & ~popf_bits) | (val & popf_bits) | 2;
		return EMU_OK;
	case 0x9e:
		*f = (*f & ~0xd5ull) | ((v->g.r[0] >> 8) & 0xd5);
		break;
	case 0x9f:
		emu_reg_set(v, in, 4, 1, *f & 0xff);
		break;
	case 0xf5:
		*f ^= FL_CF;
		break;
	case 0xf8:
		*f &= ~FL_CF;
		break;
	case 0xf9:
		*f |= FL_CF;
		break;
	case 0xfa:
		*f &= ~FL_IF;
		break;
	case 0xfb:
		*f |= FL_IF;
		break;
	case 0xfc:
		*f &= ~FL_DF;
		break;
	default:
		*f |= FL_DF;
		break;
	}
	return EMU_OK;
}

static enum emu_status exec_loop(struct kvm_vcpu *v, struct emu_insn *in)
{
	bool zf = v->g.rflags & FL_ZF;

	if (in->op == 0xe3)
		return emu_jump(v, in, 1, v->g.r[1] == 0);
	v->g.r[1]--;
	if (in->op == 0xe2)
		return emu_jump(v, in, 1, v->g.r[1] != 0);
	return emu_jump(v, in, 1, v->g.r[1] != 0 && zf == (in->op == 0xe1));
}

static enum emu_status exec_misc(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint64_t val;

	switch (in->op) {
	case 0x63:
		OK(emu_rm_read(v, in, 4, &val));
		emu_reg_set(v, in, in->reg, in->osz, emu_sext(val, 4));
		return EMU_OK;
	case 0x8c:
		if ((in->reg & 7) > 5)
			return emu_fail(v, EMU_UNIMPL, "mov from sreg > 5");
		val = emu_sreg(v, in->reg & 7)->selector;
		return emu_rm_write(v, in, in->rm_is_mem ? 2 : in->osz, val);
	case 0x8e:
		OK(emu_rm_read(v, in, 2, &val));
		return emu_load_seg(v, in->reg & 7, (uint16_t)val);
	case 0xc9:
		v->g.r[4] = v->g.r[5];
		OK(emu_pop(v, &val));
		v->g.r[5] = val;
		return EMU_OK;
	case 0xe8:
		OK(emu_imm(v, in, 4));
		OK(emu_push(v, in->rip + in->len));
		v->g.rip = in->rip + in->len + (uint64_t)in->imm;
		in->jumped = true;
		return EMU_OK;
	case 0xf4:
		memset(&v->exit, 0, sizeof(v->exit));
		v->exit.kind = VCPU_EXIT_HLT;
		v->exit.reason = KVM_EXIT_HLT;
		return EMU_EXIT;
	default:
		return emu_fail(v, EMU_FAULT, "int/int3/into without an IDT");
	}
}

static enum emu_status exec_8x(struct kvm_vcpu *v, struct emu_insn *in)
{
	switch (in->op) {
	case 0x80:
	case 0x81:
	case 0x83:
		return exec_grp1(v, in);
	case 0x84:
	case 0x85:
	case 0x86:
	case 0x87:
		return exec_xchg_test(v, in);
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
	case 0x8d:
		return exec_mov(v, in);
	case 0x8c:
	case 0x8e:
		return exec_misc(v, in);
	case 0x8f:
		return exec_pushpop(v, in);
	default:
		return emu_fail(v, EMU_UNIMPL, "opcode 0x82");
	}
}

static enum emu_status exec_9x_bx(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint8_t op = in->op;

	if (op <= 0x97)
		return exec_xchg_acc(v, in);
	if (op <= 0x99)
		return exec_convert(v, in);
	if (op >= 0x9c && op <= 0x9f)
		return exec_flags(v, in);
	if (op == 0xa8 || op == 0xa9) {
		unsigned int size = op == 0xa8 ? 1 : in->osz;

		OK(emu_imm(v, in, imm_size(size)));
		emu_alu(v, 4, v->g.r[0], (uint64_t)in->imm, size);
		return EMU_OK;
	}
	if (op >= 0xa4 && op <= 0xaf)
		return emu_exec_string(v, in);
	if (op >= 0xb0)
		return exec_movimm(v, in);
	return emu_fail(v, EMU_UNIMPL, "opcode 9a-a3");
}

static enum emu_status exec_cx_fx(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint8_t op = in->op;

	if (op == 0xc0 || op == 0xc1 || (op >= 0xd0 && op <= 0xd3))
		return exec_grp2(v, in);
	if (op == 0xc2 || op == 0xc3 || op == 0xca || op == 0xcb)
		return exec_ret(v, in);
	if (op == 0xc6 || op == 0xc7)
		return exec_mov(v, in);
	if (op == 0xc9 || op == 0xe8 || op == 0xf4 ||
	    (op >= 0xcc && op <= 0xce))
		return exec_misc(v, in);
	if (op >= 0xe0 && op <= 0xe3)
		return exec_loop(v, in);
	if ((op >= 0xe4 && op <= 0xe7) || op >= 0xec) {
		if (op <= 0xef)
			return emu_exec_io(v, in);
	}
	if (op == 0xe9 || op == 0xeb)
		return emu_jump(v, in, op == 0xe9 ? 4 : 1, true);
	if (op == 0xf6 || op == 0xf7)
		return emu_grp3(v, in, op == 0xf6 ? 1 : in->osz);
	if (op == 0xfe)
		return exec_inc_dec_fe(v, in);
	if (op == 0xff)
		return exec_grp5(v, in);
	if (op == 0xf5 || op >= 0xf8)
		return exec_flags(v, in);
	return emu_fail(v, EMU_UNIMPL, "unsupported one-byte opcode");
}

static enum emu_status exec_1(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint8_t op = in->op;

	if (op < 0x40)
		return exec_alu(v, in);
	if (op >= 0x50 && op <= 0x5f)
		return exec_pushpop(v, in);
	if (op == 0x63)
		return exec_misc(v, in);
	if (op == 0x68 || op == 0x6a)
		return exec_pushpop(v, in);
	if (op == 0x69 || op == 0x6b)
		return exec_imul3(v, in);
	if (op >= 0x6c && op <= 0x6f)
		return emu_exec_io(v, in);
	if (op >= 0x70 && op <= 0x7f)
		return emu_jump(v, in, 1, emu_cond(v, op & 15));
	if (op >= 0x80 && op <= 0x8f)
		return exec_8x(v, in);
	if (op >= 0x90 && op <= 0xbf)
		return exec_9x_bx(v, in);
	if (op >= 0xc0)
		return exec_cx_fx(v, in);
	return emu_fail(v, EMU_UNIMPL, "unsupported one-byte opcode");
}

static bool needs_lock(const struct emu_insn *in)
{
	return in->lock ||
	       (!in->twobyte && (in->op == 0x86 || in->op == 0x87) &&
		in->rm_is_mem);
}

enum emu_status emu_step(struct kvm_vcpu *v, struct emu_insn *in)
{
	enum emu_status st;
	bool locked;

	v->why = NULL;
	st = emu_decode(v, in);
	if (st != EMU_OK)
		return st;
	locked = needs_lock(in);
	if (locked) {
		pthread_mutex_lock(&v->vm->atomic_lock);
		v->locked = true;
		v->lock_hva = NULL;
	}
	st = in->twobyte ? emu_exec_0f(v, in) : exec_1(v, in);
	if (locked) {
		v->locked = false;
		pthread_mutex_unlock(&v->vm->atomic_lock);
	}
	if (st != EMU_OK && st != EMU_EXIT)
		return st;
	if (!in->jumped)
		v->g.rip = in->rip + in->len;
	if (st == EMU_OK && v->have_exit)
		st = EMU_EXIT;
	return st;
}
