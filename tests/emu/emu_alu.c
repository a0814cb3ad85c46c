// SPDX-License-Identifier: MIT
/*
 * Arithmetic of the software CPU with eagerly computed flags: the eight
 * ALU operations, inc/dec, shifts and rotates, conditions, and group 3
 * (test/not/neg/mul/imul/div/idiv). Flags the SDM calls undefined are set
 * from the result (SF/ZF/PF) or cleared (AF).
 */
#include "tests/emu/emu_internal.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

uint64_t emu_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

uint64_t emu_sext(uint64_t val, unsigned int size)
{
	unsigned int sh = 64 - 8 * size;

	if (size >= 8)
		return val;
	return (uint64_t)((int64_t)(val << sh) >> sh);
}

static uint64_t msb(uint64_t val, unsigned int size)
{
	return (val >> (8 * size - 1)) & 1;
}

static uint64_t szp(uint64_t res, unsigned int size)
{
	uint64_t f = 0;

	if (!(res & emu_mask(size)))
		f |= FL_ZF;
	if (msb(res, size))
		f |= FL_SF;
	if (!__builtin_parity((unsigned int)(res & 0xff)))
		f |= FL_PF;
	return f;
}

static void set_flags(struct kvm_vcpu *v, uint64_t which, uint64_t f)
{
	v->g.rflags = (v->g.rflags & ~which) | (f & which);
}

void emu_flags_logic(struct kvm_vcpu *v, uint64_t res, unsigned int size)
{
	set_flags(v, FL_ARITH, szp(res, size));
}

static uint64_t add(struct kvm_vcpu *v, uint64_t a, uint64_t b, unsigned int c,
		    unsigned int size, uint64_t which)
{
	uint64_t m = emu_mask(size), res, f;
	u128 full;

	a &= m;
	b &= m;
	full = (u128)a + b + c;
	res = (uint64_t)full & m;
	f = szp(res, size) | ((a ^ b ^ res) & FL_AF);
	if ((full >> (8 * size)) & 1)
		f |= FL_CF;
	if (msb((a ^ res) & (b ^ res), size))
		f |= FL_OF;
	set_flags(v, which, f);
	return res;
}

static uint64_t sub(struct kvm_vcpu *v, uint64_t a, uint64_t b, unsigned int c,
		    unsigned int size, uint64_t which)
{
	uint64_t m = emu_mask(size), res, f;

	a &= m;
	b &= m;
	res = (a - b - c) & m;
	f = szp(res, size) | ((a ^ b ^ res) & FL_AF);
	if ((u128)a < (u128)b + c)
		f |= FL_CF;
	if (msb((a ^ b) & (a ^ res), size))
		f |= FL_OF;
	set_flags(v, which, f);
	return res;
}

/* op: 0 add, 1 or, 2 adc, 3 sbb, 4 and, 5 sub, 6 xor, 7 cmp. */
uint64_t emu_alu(struct kvm_vcpu *v, unsigned int op, uint64_t a, uint64_t b,
		 unsigned int size)
{
	unsigned int cf = (v->g.rflags & FL_CF) ? 1 : 0;
	uint64_t res;

	switch (op & 7) {
	case 0:
		return add(v, a, b, 0, size, FL_ARITH);
	case 2:
		return add(v, a, b, cf, size, FL_ARITH);
	case 3:
		return sub(v, a, b, cf, size, FL_ARITH);
	case 5:
	case 7:
		return sub(v, a, b, 0, size, FL_ARITH);
	case 1:
		res = (a | b) & emu_mask(size);
		break;
	case 4:
		res = (a & b) & emu_mask(size);
		break;
	default:
		res = (a ^ b) & emu_mask(size);
		break;
	}
	emu_flags_logic(v, res, size);
	return res;
}

uint64_t emu_incdec(struct kvm_vcpu *v, uint64_t a, bool dec, unsigned int size)
{
	uint64_t which = FL_ARITH & ~FL_CF;

	return dec ? sub(v, a, 1, 0, size, which) :
		     add(v, a, 1, 0, size, which);
}

static uint64_t rotate(struct kvm_vcpu *v, unsigned int op, uint64_t a,
		       unsigned int cnt, unsigned int size)
{
	unsigned int bits = 8 * size, cf = (v->g.rflags & FL_CF) ? 1 : 0;
	uint64_t m = emu_mask(size), res = a, f = 0;

	if (op == 0 || op == 1) {
		unsigned int c = cnt % bits;

		if (c && op == 0)
			res = ((a << c) | (a >> (bits - c))) & m;
		else if (c)
			res = ((a >> c) | (a << (bits - c))) & m;
		cf = op == 0 ? res & 1 : msb(res, size);
	} else {
		for (unsigned int i = 0; i < cnt % (bits + 1); i++) {
			unsigned int out = op == 2 ? msb(res, size) : res & 1;

			if (op == 2)
				res = ((res << 1) | cf) & m;
			else
				res = (res >> 1) | ((uint64_t)cf << (bits - 1));
			cf = out;
		}
	}
	if (cf)
		f |= FL_CF;
	if (op == 0 || op == 2 ? msb(res, size) ^ cf :
				 msb(res, size) ^ msb(res << 1, size))
		f |= FL_OF;
	set_flags(v, FL_CF | FL_OF, f);
	return res;
}

static uint64_t shift(struct kvm_vcpu *v, unsigned int op, uint64_t a,
		      unsigned int cnt, unsigned int size)
{
	unsigned int bits = 8 * size;
	uint64_t m = emu_mask(size), res, cf, of;

	if (op == 4 || op == 6) {
		res = (a << cnt) & m;
		cf = cnt <= bits ? (a >> (bits - cnt)) & 1 : 0;
		of = msb(res, size) ^ cf;
	} else if (op == 5) {
		res = a >> cnt;
		cf = (a >> (cnt - 1)) & 1;
		of = msb(a, size);
	} else {
		int64_t sa = (int64_t)emu_sext(a, size);

		res = (uint64_t)(sa >> cnt) & m;
		cf = (uint64_t)(sa >> (cnt - 1)) & 1;
		of = 0;
	}
	set_flags(v, FL_ARITH,
		  szp(res, size) | (cf ? FL_CF : 0) | (of ? FL_OF : 0));
	return res;
}

/* Group 2 (rol ror rcl rcr shl shr sal sar); cnt already masked. */
bool emu_shift(struct kvm_vcpu *v, unsigned int op, uint64_t a,
	       unsigned int cnt, unsigned int size, uint64_t *res)
{
	a &= emu_mask(size);
	*res = a;
	if (!cnt)
		return true;
	if (op < 4)
		*res = rotate(v, op, a, cnt, size);
	else
		*res = shift(v, op, a, cnt, size);
	return true;
}

bool emu_cond(const struct kvm_vcpu *v, unsigned int cc)
{
	uint64_t f = v->g.rflags;
	bool cf = f & FL_CF, zf = f & FL_ZF, sf = f & FL_SF, of = f & FL_OF;
	bool r;

	switch (cc >> 1) {
	case 0:
		r = of;
		break;
	case 1:
		r = cf;
		break;
	case 2:
		r = zf;
		break;
	case 3:
		r = cf || zf;
		break;
	case 4:
		r = sf;
		break;
	case 5:
		r = f & FL_PF;
		break;
	case 6:
		r = sf != of;
		break;
	default:
		r = zf || sf != of;
		break;
	}
	return (cc & 1) ? !r : r;
}

uint64_t emu_imul2(struct kvm_vcpu *v, uint64_t a, uint64_t b,
		   unsigned int size)
{
	s128 full =
		(s128)(int64_t)emu_sext(a, size) * (int64_t)emu_sext(b, size);
	uint64_t res = (uint64_t)full & emu_mask(size);
	bool ovf = (s128)(int64_t)emu_sext(res, size) != full;

	set_flags(v, FL_ARITH, szp(res, size) | (ovf ? FL_CF | FL_OF : 0));
	return res;
}

/* Read the implicit accumulator pair: AX, DX:AX, EDX:EAX or RDX:RAX. */
static u128 acc_get(const struct kvm_vcpu *v, unsigned int size)
{
	uint64_t m = emu_mask(size);

	if (size == 1)
		return v->g.r[0] & 0xffff;
	return ((u128)(v->g.r[2] & m) << (8 * size)) | (v->g.r[0] & m);
}

static void acc_set(struct kvm_vcpu *v, const struct emu_insn *in,
		    unsigned int size, uint64_t lo, uint64_t hi)
{
	if (size == 1) {
		emu_reg_set(v, in, 0, 2, (lo & 0xff) | ((hi & 0xff) << 8));
		return;
	}
	emu_reg_set(v, in, 0, size, lo);
	emu_reg_set(v, in, 2, size, hi);
}

static enum emu_status mul(struct kvm_vcpu *v, struct emu_insn *in,
			   unsigned int size, uint64_t src, bool sign)
{
	uint64_t m = emu_mask(size), a = v->g.r[0] & m, lo, hi;
	u128 full;
	bool ovf;

	if (sign)
		full = (u128)((s128)(int64_t)emu_sext(a, size) *
			      (int64_t)emu_sext(src, size));
	else
		full = (u128)a * (src & m);
	lo = (uint64_t)full & m;
	hi = (uint64_t)(full >> (8 * size)) & m;
	if (sign)
		ovf = (u128)(s128)(int64_t)emu_sext(lo, size) != full;
	else
		ovf = hi != 0;
	acc_set(v, in, size, lo, hi);
	set_flags(v, FL_ARITH, szp(lo, size) | (ovf ? FL_CF | FL_OF : 0));
	return EMU_OK;
}

static enum emu_status divide(struct kvm_vcpu *v, struct emu_insn *in,
			      unsigned int size, uint64_t src, bool sign)
{
	unsigned int bits = 8 * size;
	uint64_t m = emu_mask(size);
	u128 n = acc_get(v, size), q, r;

	src &= m;
	if (!src)
		return emu_fail(v, EMU_FAULT, "#DE: divide by zero");
	if (!sign) {
		q = n / src;
		r = n % src;
		if (q > m)
			return emu_fail(v, EMU_FAULT, "#DE: quotient overflow");
	} else {
		s128 sn = (s128)(n << (128 - 2 * bits)) >> (128 - 2 * bits);
		s128 sd = (int64_t)emu_sext(src, size);
		s128 sq = sn / sd, lim = (s128)1 << (bits - 1);

		if (sq >= lim || sq < -lim)
			return emu_fail(v, EMU_FAULT, "#DE: quotient overflow");
		q = (u128)sq;
		r = (u128)(sn % sd);
	}
	acc_set(v, in, size, (uint64_t)q & m, (uint64_t)r & m);
	return EMU_OK;
}

/* F6/F7: test/not/neg/mul/imul/div/idiv on r/m. */
enum emu_status emu_grp3(struct kvm_vcpu *v, struct emu_insn *in,
			 unsigned int size)
{
	unsigned int op = in->reg & 7;
	enum emu_status st;
	uint64_t a;

	if (op < 2 && emu_imm(v, in, SV_MIN(size, 4u)) != EMU_OK)
		return EMU_FAULT;
	st = emu_rm_read(v, in, size, &a);
	if (st != EMU_OK)
		return st;
	switch (op) {
	case 0:
	case 1:
		emu_alu(v, 4, a, (uint64_t)in->imm, size);
		return EMU_OK;
	case 2:
		return emu_rm_write(v, in, size, ~a);
	case 3:
		a = sub(v, 0, a, 0, size, FL_ARITH);
		return emu_rm_write(v, in, size, a);
	case 4:
	case 5:
		return mul(v, in, size, a, op == 5);
	default:
		return divide(v, in, size, a, op == 7);
	}
}
