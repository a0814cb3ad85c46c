// SPDX-License-Identifier: MIT
/*
 * Two-byte (0F) opcodes, string instructions, port I/O and the system
 * instructions of the software CPU.
 */
#include <string.h>

#include "tests/emu/emu_internal.h"

#define OK(x)                              \
	do {                               \
		enum emu_status _st = (x); \
		if (_st != EMU_OK)         \
			return _st;        \
	} while (0)

#define STRING_BATCH 4096 /* rep iterations per step */

struct kvm_segment *emu_sreg(struct kvm_vcpu *v, unsigned int idx)
{
	struct kvm_segment *segs[6] = { &v->sregs.es, &v->sregs.cs,
					&v->sregs.ss, &v->sregs.ds,
					&v->sregs.fs, &v->sregs.gs };

	return segs[idx % 6];
}

static void desc_to_seg(uint64_t d, uint16_t sel, struct kvm_segment *s)
{
	s->selector = sel;
	s->base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	s->limit = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16));
	s->type = (d >> 40) & 0xf;
	s->s = (d >> 44) & 1;
	s->dpl = (d >> 45) & 3;
	s->present = (d >> 47) & 1;
	s->avl = (d >> 52) & 1;
	s->l = (d >> 53) & 1;
	s->db = (d >> 54) & 1;
	s->g = (d >> 55) & 1;
	s->unusable = 0;
	if (s->g)
		s->limit = (s->limit << 12) | 0xfff;
}

/* mov to sreg / far return: load a GDT descriptor (0 es .. 5 gs). */
enum emu_status emu_load_seg(struct kvm_vcpu *v, unsigned int sreg,
			     uint16_t sel)
{
	struct kvm_segment *s = emu_sreg(v, sreg), tmp = { 0 };
	uint64_t d = 0;

	if (sreg > 5)
		return emu_fail(v, EMU_UNIMPL, "mov to sreg > 5");
	if (!(sel & ~3)) {
		if (sreg == 1)
			return emu_fail(v, EMU_FAULT, "#GP: null CS");
		memset(s, 0, sizeof(*s));
		s->selector = sel;
		s->unusable = 1;
		return EMU_OK;
	}
	if (sel & 4)
		return emu_fail(v, EMU_UNIMPL, "LDT selector");
	if ((uint32_t)(sel & ~7) + 7 > v->sregs.gdt.limit)
		return emu_fail(v, EMU_FAULT, "#GP: selector beyond GDT limit");
	OK(emu_mem_read(v, v->sregs.gdt.base + (sel & ~7), &d, 8));
	desc_to_seg(d, sel, &tmp);
	if (!tmp.present)
		return emu_fail(v, EMU_FAULT, "#NP: segment not present");
	if (sreg == 1 && !tmp.l)
		return emu_fail(v, EMU_UNIMPL, "far return to non-64-bit code");
	*s = tmp;
	return EMU_OK;
}

/* ---- string instructions (a4-af, 6c-6f) ---- */

static enum emu_status string_elem(struct kvm_vcpu *v, struct emu_insn *in,
				   unsigned int size)
{
	uint64_t src = in->seg_base + v->g.r[6], dst = v->g.r[7], a = 0, b = 0;
	uint8_t op = in->op;

	if (op == 0x6c) {
		OK(emu_pio_in(v, (uint16_t)v->g.r[2], &a, size));
		return emu_mem_write(v, dst, &a, size);
	}
	if (op == 0x6e) {
		OK(emu_mem_read(v, src, &a, size));
		return emu_pio_out(v, (uint16_t)v->g.r[2], &a, size);
	}
	switch (op & ~1) {
	case 0xa4:
		OK(emu_mem_read(v, src, &a, size));
		return emu_mem_write(v, dst, &a, size);
	case 0xa6:
		OK(emu_mem_read(v, src, &a, size));
		OK(emu_mem_read(v, dst, &b, size));
		emu_alu(v, 7, a, b, size);
		return EMU_OK;
	case 0xaa:
		return emu_mem_write(v, dst, &v->g.r[0], size);
	case 0xac:
		OK(emu_mem_read(v, src, &a, size));
		emu_reg_set(v, in, 0, size, a);
		return EMU_OK;
	default: /* ae scas */
		OK(emu_mem_read(v, dst, &b, size));
		emu_alu(v, 7, v->g.r[0], b, size);
		return EMU_OK;
	}
}

static void string_advance(struct kvm_vcpu *v, uint8_t op, unsigned int size)
{
	uint64_t d = (v->g.rflags & FL_DF) ? -(uint64_t)size : size;
	uint8_t k = op & ~1;

	if (k == 0xa4 || k == 0xa6 || k == 0xac || k == 0x6e)
		v->g.r[6] += d;
	if (k != 0xac && k != 0x6e)
		v->g.r[7] += d;
}

static bool string_stop(const struct kvm_vcpu *v, const struct emu_insn *in)
{
	uint8_t k = in->op & ~1;

	if (k != 0xa6 && k != 0xae)
		return false;
	return in->rep ? !(v->g.rflags & FL_ZF) : (v->g.rflags & FL_ZF);
}

/* Forget a data-in request of an element we are not going to finish. */
static void drop_pending(struct kvm_vcpu *v)
{
	v->pending_rd = -1;
	v->rd_idx = 0;
	v->rd[0].valid = v->rd[1].valid = false;
}

enum emu_status emu_exec_string(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int size = (in->op & 1) ? in->osz : 1;
	bool rep = in->rep || in->repne;
	enum emu_status st;

	if (in->op < 0x70) /* ins/outs: at most 32-bit */
		size = SV_MIN(size, 4u);
	for (unsigned int i = 0; i < STRING_BATCH; i++) {
		if (rep && !v->g.r[1])
			return EMU_OK;
		st = string_elem(v, in, size);
		if (st != EMU_OK && i > 0 && st != EMU_UNIMPL) {
			drop_pending(v); /* redo it alone next step */
			v->have_exit = false;
			in->jumped = true;
			return EMU_OK;
		}
		if (st != EMU_OK)
			return st;
		string_advance(v, in->op, size);
		if (!rep)
			return EMU_OK;
		v->g.r[1]--;
		if (string_stop(v, in) || !v->g.r[1])
			return EMU_OK;
		if (v->have_exit || v->rd_idx)
			break;
	}
	in->jumped = true; /* not done: execute again */
	return EMU_OK;
}

/* e4-e7, ec-ef: in/out with imm8 or dx; 6c-6f go to the string path. */
enum emu_status emu_exec_io(struct kvm_vcpu *v, struct emu_insn *in)
{
	unsigned int size = (in->op & 1) ? SV_MIN(in->osz, 4u) : 1;
	uint16_t port = (uint16_t)v->g.r[2];
	uint64_t val = 0;

	if (in->op >= 0x6c && in->op <= 0x6f)
		return emu_exec_string(v, in);
	if (in->op < 0xe8) {
		OK(emu_imm(v, in, 1));
		port = (uint8_t)in->imm;
	}
	if (in->op & 2)
		return emu_pio_out(v, port, &v->g.r[0], size);
	OK(emu_pio_in(v, port, &val, size));
	emu_reg_set(v, in, 0, size, val);
	return EMU_OK;
}
