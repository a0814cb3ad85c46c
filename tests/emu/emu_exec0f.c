// SPDX-License-Identifier: MIT
/*
 * Two-byte (0F xx) opcodes of the software CPU: jcc/setcc/cmovcc,
 * movzx/movsx, bit tests and scans, double shifts, cmpxchg/xadd, bswap,
 * and the system instructions (mov cr, rdmsr/wrmsr, cpuid, rdtsc,
 * lgdt/lidt, invlpg, swapgs, fences and hint nops).
 */
#include <string.h>

#include "tests/emu/emu_internal.h"

#define OK(x)                              \
	do {                               \
		enum emu_status _st = (x); \
		if (_st != EMU_OK)         \
			return _st;        \
	} while (0)

#define MSR_TSC_AUX 0xc0000103u

static void set_edx_eax(struct kvm_vcpu *v, uint64_t val)
{
	v->g.r[0] = val & 0xffffffffull;
	v->g.r[2] = val >> 32;
}

static enum emu_status exec_cr(struct kvm_vcpu *v, struct emu_insn *in)
{
	__u64 *cr;
	uint64_t val;

	if (in->rm_is_mem)
		return emu_fail(v, EMU_UNIMPL, "mov cr with mod != 3");
	switch (in->reg) {
	case 0:
		cr = &v->sregs.cr0;
		break;
	case 2:
		cr = &v->sregs.cr2;
		break;
	case 3:
		cr = &v->sregs.cr3;
		break;
	case 4:
		cr = &v->sregs.cr4;
		break;
	case 8:
		cr = &v->sregs.cr8;
		break;
	default:
		return emu_fail(v, EMU_FAULT, "#UD: mov to/from bad CR");
	}
	if (in->op == 0x20) {
		v->g.r[in->rm] = *cr;
		return EMU_OK;
	}
	val = v->g.r[in->rm];
	if (in->reg == 0)
		val |= 0x10; /* ET is hardwired */
	*cr = val;
	emu_tlb_flush(v);
	if (!emu_long_mode(v))
		return emu_fail(v, EMU_UNIMPL, "leaving long mode");
	return EMU_OK;
}

static enum emu_status exec_sys(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint32_t out[4];

	switch (in->op) {
	case 0x30:
		emu_msr_set(v, (uint32_t)v->g.r[1],
			    (v->g.r[2] << 32) | (uint32_t)v->g.r[0]);
		if (!emu_long_mode(v))
			return emu_fail(v, EMU_UNIMPL, "leaving long mode");
		return EMU_OK;
	case 0x31:
		set_edx_eax(v, __builtin_ia32_rdtsc());
		return EMU_OK;
	case 0x32:
		set_edx_eax(v, emu_msr_get(v, (uint32_t)v->g.r[1]));
		return EMU_OK;
	case 0xa2:
		emu_cpuid(v, (uint32_t)v->g.r[0], (uint32_t)v->g.r[1], out);
		v->g.r[0] = out[0];
		v->g.r[3] = out[1];
		v->g.r[1] = out[2];
		v->g.r[2] = out[3];
		return EMU_OK;
	case 0x06:
		v->sregs.cr0 &= ~8ull;
		return EMU_OK;
	default:
		return emu_fail(v, EMU_UNIMPL, "unsupported system opcode");
	}
}

static enum emu_status exec_01_reg(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint64_t tmp;

	if (in->reg == 7 && (in->rm & 7) == 0) { /* swapgs */
		tmp = v->sregs.gs.base;
		v->sregs.gs.base = v->kernel_gs_base;
		v->kernel_gs_base = tmp;
		return EMU_OK;
	}
	if (in->reg == 7 && (in->rm & 7) == 1) { /* rdtscp */
		set_edx_eax(v, __builtin_ia32_rdtsc());
		v->g.r[1] = (uint32_t)emu_msr_get(v, MSR_TSC_AUX);
		return EMU_OK;
	}
	return emu_fail(v, EMU_UNIMPL, "unsupported 0f 01 form");
}

/* 0f 01: sgdt sidt lgdt lidt invlpg swapgs rdtscp. */
static enum emu_status exec_01(struct kvm_vcpu *v, struct emu_insn *in)
{
	struct kvm_dtable *dt = (in->reg & 1) ? &v->sregs.idt : &v->sregs.gdt;
	uint8_t buf[10];
	uint64_t ea = emu_ea(in);

	if (!in->rm_is_mem)
		return exec_01_reg(v, in);
	switch (in->reg & 7) {
	case 0:
	case 1:
		memcpy(buf, &dt->limit, 2);
		memcpy(buf + 2, &dt->base, 8);
		return emu_mem_write(v, ea, buf, 10);
	case 2:
	case 3:
		OK(emu_mem_read(v, ea, buf, 10));
		memcpy(&dt->limit, buf, 2);
		memcpy(&dt->base, buf + 2, 8);
		return EMU_OK;
	case 7:
		emu_tlb_flush(v);
		return EMU_OK;
	default:
		return emu_fail(v, EMU_UNIMPL, "unsupported 0f 01 form");
	}
}

/* bt bts btr btc; kind 0..3, with the bit offset from a reg or imm8. */
static enum emu_status bitop(struct kvm_vcpu *v, struct emu_insn *in,
			     unsigned int kind, uint64_t off, bool from_reg)
{
	unsigned int size = in->osz, bits = 8 * size;
	uint64_t val = 0, la = emu_ea(in), bit;

	if (in->rm_is_mem && from_reg) {
		int64_t soff = (int64_t)emu_sext(off, size);

		la += (uint64_t)((soff >> __builtin_ctz(bits)) * (int64_t)size);
	}
	bit = off & (bits - 1);
	if (in->rm_is_mem)
		OK(emu_mem_read(v, la, &val, size));
	else
		val = emu_reg_get(v, in, in->rm, size);
	v->g.rflags = (v->g.rflags & ~FL_CF) | ((val >> bit) & 1);
	if (kind == 0)
		return EMU_OK;
	if (kind == 1)
		val |= 1ull << bit;
	else if (kind == 2)
		val &= ~(1ull << bit);
	else
		val ^= 1ull << bit;
	if (in->rm_is_mem)
		return emu_mem_write(v, la, &val, size);
	emu_reg_set(v, in, in->rm, size, val);
	return EMU_OK;
}

static enum emu_status exec_bits(struct kvm_vcpu *v, struct emu_insn *in)
{
	if (in->op == 0xba) {
		if ((in->reg & 7) < 4)
			return emu_fail(v, EMU_UNIMPL, "0f ba with reg < 4");
		OK(emu_imm(v, in, 1));
		return bitop(v, in, (in->reg & 7) - 4, (uint8_t)in->imm, false);
	}
	return bitop(v, in, (in->op >> 3) & 3,
		     emu_reg_get(v, in, in->reg, in->osz), true);
}

static enum emu_status exec_bitscan(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint64_t a;

	OK(emu_rm_read(v, in, in->osz, &a));
	if (!a) {
		v->g.rflags |= FL_ZF;
		return EMU_OK;
	}
	v->g.rflags &= ~FL_ZF;
	emu_reg_set(v, in, in->reg, in->osz,
		    in->op == 0xbc ? (uint64_t)__builtin_ctzll(a) :
				     63 - (uint64_t)__builtin_clzll(a));
	return EMU_OK;
}

/* shld/shrd: a4 a5 ac ad. */
static enum emu_status exec_dshift(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int size = in->osz, bits = 8 * size, cnt;
	unsigned __int128 c;
	uint64_t dst, src, res, cf;

	if (!(in->op & 1))
		OK(emu_imm(v, in, 1));
	cnt = (unsigned int)((in->op & 1) ? v->g.r[1] : (uint64_t)in->imm);
	cnt &= size == 8 ? 63 : 31;
	OK(emu_rm_read(v, in, size, &dst));
	if (!cnt)
		return EMU_OK;
	src = emu_reg_get(v, in, in->reg, size);
	if (in->op < 0xa8) {
		c = ((unsigned __int128)dst << bits) | src;
		res = (uint64_t)((c << cnt) >> bits) & emu_mask(size);
		cf = cnt <= bits ? (dst >> (bits - cnt)) & 1 : 0;
	} else {
		c = ((unsigned __int128)src << bits) | dst;
		res = (uint64_t)(c >> cnt) & emu_mask(size);
		cf = (uint64_t)(c >> (cnt - 1)) & 1;
	}
	emu_flags_logic(v, res, size);
	if (cf)
		v->g.rflags |= FL_CF;
	if (((res ^ dst) >> (bits - 1)) & 1)
		v->g.rflags |= FL_OF;
	return emu_rm_write(v, in, size, res);
}

static enum emu_status exec_atomic(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int size = (in->op & 1) ? in->osz : 1;
	uint64_t a, b = emu_reg_get(v, in, in->reg, size), sum;

	OK(emu_rm_read(v, in, size, &a));
	if (in->op >= 0xc0) { /* xadd */
		sum = emu_alu(v, 0, a, b, size);
		emu_reg_set(v, in, in->reg, size, a);
		return emu_rm_write(v, in, size, sum);
	}
	emu_alu(v, 7, emu_reg_get(v, in, 0, size), a, size); /* cmpxchg */
	if (v->g.rflags & FL_ZF)
		return emu_rm_write(v, in, size, b);
	emu_reg_set(v, in, 0, size, a);
	return EMU_OK;
}

static enum emu_status exec_movx(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int from = (in->op & 1) ? 2 : 1;
	uint64_t a;

	OK(emu_rm_read(v, in, from, &a));
	if (in->op >= 0xbe)
		a = emu_sext(a, from);
	emu_reg_set(v, in, in->reg, in->osz, a);
	return EMU_OK;
}

static enum emu_status exec_cc(struct kvm_vcpu *v, struct emu_insn *in)
{
	bool cond = emu_cond(v, in->op & 15);
	uint64_t a;

	if (in->op >= 0x90)
		return emu_rm_write(v, in, 1, cond);
	OK(emu_rm_read(v, in, in->osz, &a));
	if (!cond) /* a 32-bit cmov clears bits 63:32 anyway */
		a = emu_reg_get(v, in, in->reg, in->osz);
	emu_reg_set(v, in, in->reg, in->osz, a);
	return EMU_OK;
}

static enum emu_status exec_misc(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int reg = (in->op & 7) | ((in->rex & 1) ? 8 : 0);
	uint64_t a;

	switch (in->op) {
	case 0xaf:
		OK(emu_rm_read(v, in, in->osz, &a));
		emu_reg_set(v, in, in->reg, in->osz,
			    emu_imul2(v, emu_reg_get(v, in, in->reg, in->osz),
				      a, in->osz));
		return EMU_OK;
	case 0xae:
		if ((in->rm_is_mem && (in->reg & 7) == 7) ||
		    (!in->rm_is_mem && (in->reg & 7) >= 5)) {
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			return EMU_OK; /* clflush, lfence, mfence, sfence */
		}
		return emu_fail(v, EMU_UNIMPL, "0f ae (fxsave & co)");
	case 0x0b:
		return emu_fail(v, EMU_FAULT, "#UD: ud2");
	case 0x08:
	case 0x09:
	case 0x0d:
	case 0x18:
	case 0x19:
	case 0x1a:
	case 0x1b:
	case 0x1c:
	case 0x1d:
	case 0x1e:
	case 0x1f:
		return EMU_OK; /* invd, wbinvd, prefetch, hint nops */
	default:
		break;
	}
	if (in->op >= 0xc8 && in->op <= 0xcf) {
		a = v->g.r[reg];
		if (in->osz == 8)
			v->g.r[reg] = __builtin_bswap64(a);
		else
			emu_reg_set(v, in, reg, 4,
				    __builtin_bswap32((uint32_t)a));
		return EMU_OK;
	}
	return emu_fail(v, EMU_UNIMPL, "unsupported two-byte opcode");
}

enum emu_status emu_exec_0f(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint8_t op = in->op;

	if (op >= 0x80 && op <= 0x8f)
		return emu_jump(v, in, 4, emu_cond(v, op & 15));
	if ((op >= 0x40 && op <= 0x4f) || (op >= 0x90 && op <= 0x9f))
		return exec_cc(v, in);
	if (op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf)
		return exec_movx(v, in);
	if (op == 0xa3 || op == 0xab || op == 0xb3 || op == 0xbb || op == 0xba)
		return exec_bits(v, in);
	if (op == 0xbc || op == 0xbd)
		return exec_bitscan(v, in);
	if (op == 0xa4 || op == 0xa5 || op == 0xac || op == 0xad)
		return exec_dshift(v, in);
	if (op == 0xb0 || op == 0xb1 || op == 0xc0 || op == 0xc1)
		return exec_atomic(v, in);
	if (op == 0x20 || op == 0x22)
		return exec_cr(v, in);
	if (op == 0x01)
		return exec_01(v, in);
	if (op == 0x06 || op == 0x30 || op == 0x31 || op == 0x32 || op == 0xa2)
		return exec_sys(v, in);
	return exec_misc(v, in);
}
