// SPDX-License-Identifier: MIT
/*
 * Instruction decoding for the software CPU: legacy prefixes, REX, one-
 * and two-byte opcodes, ModRM/SIB/RIP-relative addressing, immediates,
 * and the operand helpers the executors share.
 */
#include <string.h>

#include "tests/emu/emu_internal.h"

#define REX_W 8
#define REX_R 4
#define REX_X 2
#define REX_B 1

static enum emu_status get8(struct kvm_vcpu *v, struct emu_insn *in, uint8_t *b)
{
	if (in->len >= in->avail) {
		if (in->fetch_fault)
			return emu_fail(v, EMU_FAULT, "#PF: instruction fetch");
		return emu_fail(v, EMU_FAULT, "#GP: instruction too long");
	}
	*b = in->bytes[in->len++];
	return EMU_OK;
}

/* Little-endian, sign-extended immediate or displacement. */
static enum emu_status get_signed(struct kvm_vcpu *v, struct emu_insn *in,
				  unsigned int size, int64_t *out)
{
	uint64_t val = 0;
	uint8_t b;

	for (unsigned int i = 0; i < size; i++) {
		if (get8(v, in, &b) != EMU_OK)
			return EMU_FAULT;
		val |= (uint64_t)b << (8 * i);
	}
	*out = (int64_t)emu_sext(val, size);
	return EMU_OK;
}

enum emu_status emu_imm(struct kvm_vcpu *v, struct emu_insn *in,
			unsigned int size)
{
	return get_signed(v, in, size, &in->imm);
}

static bool prefix(struct emu_insn *in, uint8_t b, bool *addr32)
{
	switch (b) {
	case 0x66:
		in->opsize = true;
		return true;
	case 0x67:
		*addr32 = true;
		return true;
	case 0xf0:
		in->lock = true;
		return true;
	case 0xf2:
		in->repne = true;
		in->rep = false;
		return true;
	case 0xf3:
		in->rep = true;
		in->repne = false;
		return true;
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x26:
		return true;
	default:
		return false;
	}
}

static enum emu_status prefixes(struct kvm_vcpu *v, struct emu_insn *in,
				uint8_t *op)
{
	bool addr32 = false;
	uint8_t b;

	for (;;) {
		if (get8(v, in, &b) != EMU_OK)
			return EMU_FAULT;
		if (b == 0x64 || b == 0x65) {
			in->seg_base =
				b == 0x64 ? v->sregs.fs.base : v->sregs.gs.base;
			in->rex = 0;
		} else if (prefix(in, b, &addr32)) {
			in->rex = 0; /* REX must be last */
		} else if ((b & 0xf0) == 0x40) {
			in->rex = b;
		} else {
			break;
		}
	}
	if (addr32)
		return emu_fail(v, EMU_UNIMPL, "32-bit address size (0x67)");
	*op = b;
	return EMU_OK;
}

/* Opcodes without a ModRM byte. */
static bool no_modrm_1(uint8_t op)
{
	if (op < 0x40)
		return (op & 7) >= 4;
	if (op >= 0x88 && op <= 0x8f)
		return false;
	if (op >= 0x80 && op <= 0x87)
		return false;
	switch (op) {
	case 0x62:
	case 0x63:
	case 0x69:
	case 0x6b:
	case 0xc0:
	case 0xc1:
	case 0xc6:
	case 0xc7:
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3:
	case 0xf6:
	case 0xf7:
	case 0xfe:
	case 0xff:
		return false;
	default:
		return !(op >= 0xd8 && op <= 0xdf);
	}
}

static bool no_modrm_2(uint8_t op)
{
	if ((op >= 0x30 && op <= 0x37) || (op >= 0x80 && op <= 0x8f) ||
	    (op >= 0xc8 && op <= 0xcf))
		return true;
	switch (op) {
	case 0x05:
	case 0x06:
	case 0x07:
	case 0x08:
	case 0x09:
	case 0x0b:
	case 0x77:
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa8:
	case 0xa9:
	case 0xaa:
		return true;
	default:
		return false;
	}
}

static enum emu_status sib(struct kvm_vcpu *v, struct emu_insn *in,
			   uint64_t *ea)
{
	unsigned int scale, index, base;
	int64_t disp;
	uint8_t s;

	if (get8(v, in, &s) != EMU_OK)
		return EMU_FAULT;
	scale = s >> 6;
	index = ((s >> 3) & 7) | ((in->rex & REX_X) ? 8 : 0);
	base = (s & 7) | ((in->rex & REX_B) ? 8 : 0);
	*ea = 0;
	if (index != 4)
		*ea = v->g.r[index] << scale;
	if ((base & 7) == 5 && in->mod == 0) {
		if (get_signed(v, in, 4, &disp) != EMU_OK)
			return EMU_FAULT;
		*ea += (uint64_t)disp;
	} else {
		*ea += v->g.r[base];
	}
	return EMU_OK;
}

static enum emu_status modrm(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint64_t ea = 0;
	int64_t disp = 0;
	uint8_t b;

	if (get8(v, in, &b) != EMU_OK)
		return EMU_FAULT;
	in->has_modrm = true;
	in->mod = b >> 6;
	in->reg = ((b >> 3) & 7) | ((in->rex & REX_R) ? 8 : 0);
	in->rm = b & 7;
	if (in->mod == 3) {
		in->rm |= (in->rex & REX_B) ? 8 : 0;
		return EMU_OK;
	}
	in->rm_is_mem = true;
	if (in->rm == 4) {
		if (sib(v, in, &ea) != EMU_OK)
			return EMU_FAULT;
	} else if (in->rm == 5 && in->mod == 0) {
		in->rip_rel = true;
	} else {
		ea = v->g.r[in->rm | ((in->rex & REX_B) ? 8 : 0)];
	}
	if (in->mod == 1 || in->mod == 2 || in->rip_rel) {
		if (get_signed(v, in, in->mod == 1 ? 1 : 4, &disp) != EMU_OK)
			return EMU_FAULT;
	}
	in->ea = ea + (uint64_t)disp + in->seg_base;
	return EMU_OK;
}

enum emu_status emu_decode(struct kvm_vcpu *v, struct emu_insn *in)
{
	enum emu_status st;
	uint8_t op;

	memset(in, 0, sizeof(*in));
	in->rip = v->g.rip;
	st = emu_fetch(v, in);
	if (st == EMU_OK)
		st = prefixes(v, in, &op);
	if (st != EMU_OK)
		return st;
	if (op == 0x0f) {
		in->twobyte = true;
		if (get8(v, in, &op) != EMU_OK)
			return EMU_FAULT;
	}
	in->op = op;
	in->osz = (in->rex & REX_W) ? 8 : in->opsize ? 2 : 4;
	if (in->twobyte ? no_modrm_2(op) : no_modrm_1(op))
		return EMU_OK;
	return modrm(v, in);
}

/* The effective linear address; RIP-relative needs the full length. */
uint64_t emu_ea(const struct emu_insn *in)
{
	if (in->rip_rel)
		return in->ea + in->rip + in->len;
	return in->ea;
}

uint64_t emu_reg_get(const struct kvm_vcpu *v, const struct emu_insn *in,
		     unsigned int reg, unsigned int size)
{
	if (size == 1 && !in->rex && reg >= 4 && reg < 8)
		return (v->g.r[reg - 4] >> 8) & 0xff;
	return v->g.r[reg] & emu_mask(size);
}

void emu_reg_set(struct kvm_vcpu *v, const struct emu_insn *in,
		 unsigned int reg, unsigned int size, uint64_t val)
{
	uint64_t *r = &v->g.r[reg];

	switch (size) {
	case 1:
		if (!in->rex && reg >= 4 && reg < 8) {
			r = &v->g.r[reg - 4];
			*r = (*r & ~0xff00ull) | ((val & 0xff) << 8);
		} else {
			*r = (*r & ~0xffull) | (val & 0xff);
		}
		break;
	case 2:
		*r = (*r & ~0xffffull) | (val & 0xffff);
		break;
	case 4:
		*r = val & 0xffffffffull;
		break;
	default:
		*r = val;
		break;
	}
}

enum emu_status emu_rm_read(struct kvm_vcpu *v, const struct emu_insn *in,
			    unsigned int size, uint64_t *val)
{
	if (!in->rm_is_mem) {
		*val = emu_reg_get(v, in, in->rm, size);
		return EMU_OK;
	}
	*val = 0;
	return emu_mem_read(v, emu_ea(in), val, size);
}

enum emu_status emu_rm_write(struct kvm_vcpu *v, const struct emu_insn *in,
			     unsigned int size, uint64_t val)
{
	if (!in->rm_is_mem) {
		emu_reg_set(v, in, in->rm, size, val);
		return EMU_OK;
	}
	return emu_mem_write(v, emu_ea(in), &val, size);
}

enum emu_status emu_push(struct kvm_vcpu *v, uint64_t val)
{
	enum emu_status st = emu_mem_write(v, v->g.r[4] - 8, &val, 8);

	if (st == EMU_OK)
		v->g.r[4] -= 8;
	return st;
}

enum emu_status emu_pop(struct kvm_vcpu *v, uint64_t *val)
{
	enum emu_status st = emu_mem_read(v, v->g.r[4], val, 8);

	if (st == EMU_OK)
		v->g.r[4] += 8;
	return st;
}
