// SPDX-License-Identifier: MIT
/*
 * Unit tests for the software CPU of tests/emu/ (the test backend of the
 * KVM seam): hand-encoded guest code in a malloc'd memslot. Arithmetic
 * is checked against the host CPU running the same bytes.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/test_emu_fixture.h"

#define FL_ARITH 0x8d5ull
#define CF 0x1ull
#define PF 0x4ull
#define AF 0x10ull
#define ZF 0x40ull
#define SF 0x80ull
#define OF 0x800ull

static int setup(void **state)
{
	struct emu_fx *f = calloc(1, sizeof(*f));

	if (!f || emu_fx_init(f, 4 << 20))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	emu_fx_fini(*state);
	free(*state);
	return 0;
}

static void load(struct emu_fx *f, const void *code, size_t len)
{
	memcpy(f->ram + EMU_FX_CODE, code, len);
	f->ram[EMU_FX_CODE + len] = 0xf4; /* hlt */
}

static void run_expect(struct emu_fx *f, struct vcpu_exit *e,
		       enum vcpu_exit_kind kind)
{
	assert_int_equal(kvm_vcpu_run(f->cpu, e), 0);
	if (e->kind != kind)
		print_error("exit kind %d, expected %d\n", e->kind, kind);
	assert_int_equal(e->kind, kind);
}

static void get_regs(struct emu_fx *f, struct kvm_regs *r)
{
	assert_int_equal(kvm_vcpu_get_regs(f->cpu, r), 0);
}

static void set_regs(struct emu_fx *f, const struct kvm_regs *r)
{
	assert_int_equal(kvm_vcpu_set_regs(f->cpu, r), 0);
}

/* ---- arithmetic against the host CPU ---- */

struct alu_case {
	const char *name;
	uint8_t bytes[8];
	uint8_t len;
	uint64_t flags; /* defined flags to compare */
	int kind; /* 0 any, 1 div, 2 idiv, 3 rcx in [-256, 256) */
};

static const struct alu_case alu_cases[] = {
	{ "add r64", { 0x48, 0x01, 0xc8 }, 3, FL_ARITH, 0 },
	{ "add r32", { 0x01, 0xc8 }, 2, FL_ARITH, 0 },
	{ "add r16", { 0x66, 0x01, 0xc8 }, 3, FL_ARITH, 0 },
	{ "add r8", { 0x00, 0xc8 }, 2, FL_ARITH, 0 },
	{ "add ah,cl", { 0x00, 0xcc }, 2, FL_ARITH, 0 },
	{ "adc r64", { 0x48, 0x11, 0xc8 }, 3, FL_ARITH, 0 },
	{ "adc r8", { 0x10, 0xc8 }, 2, FL_ARITH, 0 },
	{ "sub r64", { 0x48, 0x29, 0xc8 }, 3, FL_ARITH, 0 },
	{ "sub r32", { 0x29, 0xc8 }, 2, FL_ARITH, 0 },
	{ "sbb r64", { 0x48, 0x19, 0xc8 }, 3, FL_ARITH, 0 },
	{ "sbb r16", { 0x66, 0x19, 0xc8 }, 3, FL_ARITH, 0 },
	{ "cmp r64", { 0x48, 0x39, 0xc8 }, 3, FL_ARITH, 0 },
	{ "cmp r8", { 0x38, 0xc8 }, 2, FL_ARITH, 0 },
	{ "and r64", { 0x48, 0x21, 0xc8 }, 3, FL_ARITH & ~AF, 0 },
	{ "or r32", { 0x09, 0xc8 }, 2, FL_ARITH & ~AF, 0 },
	{ "xor r8", { 0x30, 0xc8 }, 2, FL_ARITH & ~AF, 0 },
	{ "test r64", { 0x48, 0x85, 0xc8 }, 3, FL_ARITH & ~AF, 0 },
	{ "add imm8", { 0x48, 0x83, 0xc0, 0x80 }, 4, FL_ARITH, 0 },
	{ "sub imm32", { 0x48, 0x2d, 0x01, 0x00, 0x00, 0x80 }, 6, FL_ARITH, 0 },
	{ "cmp al,imm", { 0x3c, 0x7f }, 2, FL_ARITH, 0 },
	{ "inc r64", { 0x48, 0xff, 0xc0 }, 3, FL_ARITH, 0 },
	{ "dec r32", { 0xff, 0xc8 }, 2, FL_ARITH, 0 },
	{ "inc r8", { 0xfe, 0xc0 }, 2, FL_ARITH, 0 },
	{ "neg r64", { 0x48, 0xf7, 0xd8 }, 3, FL_ARITH, 0 },
	{ "neg r8", { 0xf6, 0xd8 }, 2, FL_ARITH, 0 },
	{ "not r64", { 0x48, 0xf7, 0xd0 }, 3, FL_ARITH, 0 },
	{ "shl r64,1", { 0x48, 0xd1, 0xe0 }, 3, FL_ARITH & ~AF, 0 },
	{ "shl r64,cl", { 0x48, 0xd3, 0xe0 }, 3, FL_ARITH & ~(AF | OF), 0 },
	{ "shl r8,cl", { 0xd2, 0xe0 }, 2, FL_ARITH & ~(AF | OF), 0 },
	{ "shr r32,1", { 0xd1, 0xe8 }, 2, FL_ARITH & ~AF, 0 },
	{ "shr r64,cl", { 0x48, 0xd3, 0xe8 }, 3, FL_ARITH & ~(AF | OF), 0 },
	{ "shr r16,5",
	  { 0x66, 0xc1, 0xe8, 0x05 },
	  4,
	  FL_ARITH & ~(AF | OF),
	  0 },
	{ "sar r64,cl", { 0x48, 0xd3, 0xf8 }, 3, FL_ARITH & ~(AF | OF), 0 },
	{ "sar r8,1", { 0xd0, 0xf8 }, 2, FL_ARITH & ~AF, 0 },
	{ "rol r64,cl", { 0x48, 0xd3, 0xc0 }, 3, CF, 0 },
	{ "ror r32,1", { 0xd1, 0xc8 }, 2, CF | OF, 0 },
	{ "rol r16,3", { 0x66, 0xc1, 0xc0, 0x03 }, 4, CF, 0 },
	{ "rcl r64,1", { 0x48, 0xd1, 0xd0 }, 3, CF | OF, 0 },
	{ "rcr r8,cl", { 0xd2, 0xd8 }, 2, CF, 0 },
	{ "shld r64,cl", { 0x48, 0x0f, 0xa5, 0xd0 }, 4, CF | ZF | SF | PF, 0 },
	{ "shrd r32,7", { 0x0f, 0xac, 0xd0, 0x07 }, 4, CF | ZF | SF | PF, 0 },
	{ "mul r64", { 0x48, 0xf7, 0xe1 }, 3, CF | OF, 0 },
	{ "mul r8", { 0xf6, 0xe1 }, 2, CF | OF, 0 },
	{ "imul r64", { 0x48, 0xf7, 0xe9 }, 3, CF | OF, 0 },
	{ "imul r32", { 0xf7, 0xe9 }, 2, CF | OF, 0 },
	{ "imul r64,r64", { 0x48, 0x0f, 0xaf, 0xc1 }, 4, CF | OF, 0 },
	{ "imul r32,imm8", { 0x6b, 0xc1, 0x85 }, 3, CF | OF, 0 },
	{ "imul r16,imm", { 0x66, 0x69, 0xc1, 0x34, 0x92 }, 5, CF | OF, 0 },
	{ "div r64", { 0x48, 0xf7, 0xf1 }, 3, 0, 1 },
	{ "div r32", { 0xf7, 0xf1 }, 2, 0, 1 },
	{ "idiv r64", { 0x48, 0xf7, 0xf9 }, 3, 0, 2 },
	{ "idiv r32", { 0xf7, 0xf9 }, 2, 0, 2 },
	{ "cqo", { 0x48, 0x99 }, 2, 0, 0 },
	{ "cdq", { 0x99 }, 1, 0, 0 },
	{ "cdqe", { 0x48, 0x98 }, 2, 0, 0 },
	{ "cwde", { 0x98 }, 1, 0, 0 },
	{ "movsx r64,r8", { 0x48, 0x0f, 0xbe, 0xc1 }, 4, 0, 0 },
	{ "movzx r32,r16", { 0x0f, 0xb7, 0xc1 }, 3, 0, 0 },
	{ "movsxd", { 0x48, 0x63, 0xc1 }, 3, 0, 0 },
	{ "mov r32,r32", { 0x89, 0xc8 }, 2, 0, 0 },
	{ "mov r8h", { 0x88, 0xec }, 2, 0, 0 },
	{ "setb cl", { 0x0f, 0x92, 0xc1 }, 3, 0, 0 },
	{ "setg dl", { 0x0f, 0x9f, 0xc2 }, 3, 0, 0 },
	{ "setp al", { 0x0f, 0x9a, 0xc0 }, 3, 0, 0 },
	{ "cmovl r64", { 0x48, 0x0f, 0x4c, 0xc1 }, 4, 0, 0 },
	{ "cmova r32", { 0x0f, 0x47, 0xc1 }, 3, 0, 0 },
	{ "bsf r64", { 0x48, 0x0f, 0xbc, 0xc1 }, 4, ZF, 0 },
	{ "bsr r32", { 0x0f, 0xbd, 0xc1 }, 3, ZF, 0 },
	{ "bt r64,r64", { 0x48, 0x0f, 0xa3, 0xc8 }, 4, CF, 0 },
	{ "bts r32,imm", { 0x0f, 0xba, 0xe8, 0x13 }, 4, CF, 0 },
	{ "btr r64,r64", { 0x48, 0x0f, 0xb3, 0xc8 }, 4, CF, 0 },
	{ "btc r16,imm", { 0x66, 0x0f, 0xba, 0xf8, 0x0c }, 5, CF, 0 },
	{ "xchg r64", { 0x48, 0x91 }, 2, 0, 0 },
	{ "xadd r64", { 0x48, 0x0f, 0xc1, 0xc8 }, 4, FL_ARITH, 0 },
	{ "cmpxchg r32", { 0x0f, 0xb1, 0xca }, 3, FL_ARITH, 0 },
	{ "bswap r64", { 0x48, 0x0f, 0xc8 }, 3, 0, 0 },
	{ "lea", { 0x48, 0x8d, 0x44, 0x48, 0x10 }, 5, 0, 0 },
	{ "sahf", { 0x9e }, 1, FL_ARITH & ~OF, 0 },
	{ "lahf", { 0x9f }, 1, 0, 0 },
	{ "cmc", { 0xf5 }, 1, CF, 0 },
	/* memory operands at [rdi+32] (state.mem) */
	{ "add m64,r", { 0x48, 0x01, 0x4f, 0x20 }, 4, FL_ARITH, 0 },
	{ "sub r,m64", { 0x48, 0x2b, 0x4f, 0x20 }, 4, FL_ARITH, 0 },
	{ "cmp m32,imm8", { 0x83, 0x7f, 0x20, 0x85 }, 4, FL_ARITH, 0 },
	{ "sbb m8,imm8", { 0x80, 0x5f, 0x21, 0x33 }, 4, FL_ARITH, 0 },
	{ "shl m64,cl", { 0x48, 0xd3, 0x67, 0x20 }, 4, CF | ZF | SF | PF, 0 },
	{ "inc m8", { 0xfe, 0x47, 0x20 }, 3, FL_ARITH, 0 },
	{ "neg m16", { 0x66, 0xf7, 0x5f, 0x20 }, 4, FL_ARITH, 0 },
	{ "not m32", { 0xf7, 0x57, 0x24 }, 3, 0, 0 },
	{ "xchg m64", { 0x48, 0x87, 0x47, 0x20 }, 4, 0, 0 },
	{ "lock xadd m64",
	  { 0xf0, 0x48, 0x0f, 0xc1, 0x4f, 0x20 },
	  6,
	  FL_ARITH,
	  0 },
	{ "lock cmpxchg m64",
	  { 0xf0, 0x48, 0x0f, 0xb1, 0x4f, 0x20 },
	  6,
	  FL_ARITH,
	  0 },
	{ "lock or m32", { 0xf0, 0x09, 0x4f, 0x28 }, 4, FL_ARITH & ~AF, 0 },
	{ "bts m32,imm", { 0x0f, 0xba, 0x6f, 0x20, 0x1d }, 5, CF, 0 },
	{ "bt m64,r64", { 0x48, 0x0f, 0xa3, 0x4f, 0x20 }, 5, CF, 3 },
	{ "btr m16,r16", { 0x66, 0x0f, 0xb3, 0x4f, 0x30 }, 5, CF, 3 },
	{ "movzx r32,m8", { 0x0f, 0xb6, 0x47, 0x21 }, 4, 0, 0 },
	{ "movsx r64,m16", { 0x48, 0x0f, 0xbf, 0x47, 0x22 }, 5, 0, 0 },
	{ "imul r,m,imm32",
	  { 0x48, 0x69, 0x47, 0x20, 0x78, 0x56, 0x34, 0xf2 },
	  8,
	  CF | OF,
	  0 },
	{ "test m8,r8", { 0x84, 0x4f, 0x20 }, 3, FL_ARITH & ~AF, 0 },
	{ "cmovg r,m64", { 0x48, 0x0f, 0x4f, 0x4f, 0x20 }, 5, 0, 0 },
	{ "setl m8", { 0x0f, 0x9c, 0x47, 0x20 }, 4, 0, 0 },
	{ "mul m64", { 0x48, 0xf7, 0x67, 0x20 }, 4, CF | OF, 0 },
	{ "mov m16,imm", { 0x66, 0xc7, 0x47, 0x26, 0x34, 0x12 }, 6, 0, 0 },
	{ "lea sib",
	  { 0x48, 0x8d, 0x84, 0xd1, 0x00, 0x01, 0x00, 0x00 },
	  8,
	  0,
	  0 },
};

struct alu_state {
	uint64_t rax, rcx, rdx, flags;
	uint64_t mem[8]; /* [rdi+32] */
};

/*
 * push rbx; load rax rcx rdx flags from [rdi]; <insn>; store them back;
 * pop rbx; ret.
 */
static const uint8_t stub_head[] = {
	0x53, 0x48, 0x8b, 0x07, 0x48, 0x8b, 0x4f, 0x08,
	0x48, 0x8b, 0x57, 0x10, 0xff, 0x77, 0x18, 0x9d,
};
static const uint8_t stub_tail[] = {
	0x9c, 0x8f, 0x47, 0x18, 0x48, 0x89, 0x07, 0x48, 0x89,
	0x4f, 0x08, 0x48, 0x89, 0x57, 0x10, 0x5b, 0xc3,
};

static uint8_t *native_page;

static void native_run(const struct alu_case *c, struct alu_state *s)
{
	size_t n = 0;

	memcpy(native_page, stub_head, sizeof(stub_head));
	n += sizeof(stub_head);
	memcpy(native_page + n, c->bytes, c->len);
	n += c->len;
	memcpy(native_page + n, stub_tail, sizeof(stub_tail));
	__builtin___clear_cache((char *)native_page,
				(char *)native_page + 4096);
	((void (*)(struct alu_state *))(uintptr_t)native_page)(s);
}

static void emu_run_case(struct emu_fx *f, const struct alu_case *c,
			 struct alu_state *s)
{
	struct kvm_regs r = { .rax = s->rax,
			      .rcx = s->rcx,
			      .rdx = s->rdx,
			      .rflags = s->flags,
			      .rip = EMU_FX_CODE,
			      .rsp = EMU_FX_STACK,
			      .rdi = EMU_FX_DATA };
	struct vcpu_exit e;

	memcpy(f->ram + EMU_FX_DATA, s, sizeof(*s));
	load(f, c->bytes, c->len);
	set_regs(f, &r);
	run_expect(f, &e, VCPU_EXIT_HLT);
	get_regs(f, &r);
	assert_int_equal(r.rip, EMU_FX_CODE + c->len + 1);
	s->rax = r.rax;
	s->rcx = r.rcx;
	s->rdx = r.rdx;
	s->flags = r.rflags;
	memcpy(s->mem, f->ram + EMU_FX_DATA + 32, sizeof(s->mem));
}

static uint64_t rnd64(uint64_t *seed)
{
	static const uint64_t edges[] = { 0,
					  1,
					  0x7f,
					  0x80,
					  0xff,
					  0x7fff,
					  0x8000,
					  0xffff,
					  0x7fffffff,
					  0x80000000,
					  0xffffffff,
					  0x7fffffffffffffffull,
					  0x8000000000000000ull,
					  ~0ull };

	*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
	if ((*seed >> 60) < 6)
		return edges[(*seed >> 32) %
			     (sizeof(edges) / sizeof(edges[0]))];
	return *seed ^ (*seed >> 29);
}

static void make_inputs(const struct alu_case *c, uint64_t *seed,
			struct alu_state *s)
{
	s->rax = rnd64(seed);
	s->rcx = rnd64(seed);
	s->rdx = rnd64(seed);
	s->flags = 0x202 | (rnd64(seed) & FL_ARITH);
	for (int i = 0; i < 8; i++)
		s->mem[i] = rnd64(seed);
	if (c->kind == 3)
		s->rcx = (uint64_t)((int64_t)(rnd64(seed) % 512) - 256);
	if (c->kind == 1) { /* quotient fits: rdx < rcx */
		s->rcx |= 1;
		s->rdx = 0;
	} else if (c->kind == 2) { /* rdx:rax = sign-extended eax */
		s->rax = (uint64_t)(int64_t)(int32_t)s->rax;
		s->rdx = (s->rax >> 63) ? ~0ull : 0;
		s->rcx = (s->rcx & 0xffff) | 2;
	}
}

static void test_alu_vs_host(void **state)
{
	struct emu_fx *f = *state;
	uint64_t seed = 12345;

	native_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (native_page == MAP_FAILED)
		skip();
	for (size_t i = 0; i < sizeof(alu_cases) / sizeof(alu_cases[0]); i++) {
		const struct alu_case *c = &alu_cases[i];

		for (int k = 0; k < 200; k++) {
			struct alu_state in, hw, sw;

			make_inputs(c, &seed, &in);
			hw = sw = in;
			native_run(c, &hw);
			emu_run_case(f, c, &sw);
			if (hw.rax != sw.rax || hw.rcx != sw.rcx ||
			    hw.rdx != sw.rdx ||
			    memcmp(hw.mem, sw.mem, sizeof(hw.mem)) ||
			    (hw.flags & c->flags) != (sw.flags & c->flags))
				fail_msg("%s: in %#lx %#lx %#lx fl %#lx: "
					 "host %#lx %#lx %#lx %#lx, emu %#lx "
					 "%#lx %#lx %#lx",
					 c->name, in.rax, in.rcx, in.rdx,
					 in.flags, hw.rax, hw.rcx, hw.rdx,
					 hw.flags & c->flags, sw.rax, sw.rcx,
					 sw.rdx, sw.flags & c->flags);
		}
	}
	munmap(native_page, 4096);
}

/* Hand-checked values, independent of the host. */
static void test_alu_known(void **state)
{
	static const struct {
		uint8_t bytes[4];
		uint8_t len;
		uint64_t rax, rcx, want, flags;
	} k[] = {
		/* add eax, ecx: 0x7fffffff + 1 = 0x80000000: SF OF AF PF */
		{ { 0x01, 0xc8 },
		  2,
		  0x7fffffff,
		  1,
		  0x80000000,
		  SF | OF | AF | PF },
		/* sub rax, rcx: 0 - 1: CF SF AF PF */
		{ { 0x48, 0x29, 0xc8 }, 3, 0, 1, ~0ull, CF | SF | AF | PF },
		/* and al, cl: result 0, upper bits of rax kept: ZF PF */
		{ { 0x20, 0xc8 }, 2, 0x1234f0, 0x0f, 0x123400, ZF | PF },
		/* shl eax, 1 with bit 31 set: CF ZF PF OF */
		{ { 0xd1, 0xe0 }, 2, 0x80000000, 0, 0, CF | ZF | PF | OF },
	};
	struct emu_fx *f = *state;

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct alu_case c = { .len = k[i].len };
		struct alu_state s = { .rax = k[i].rax,
				       .rcx = k[i].rcx,
				       .flags = 2 };

		memcpy(c.bytes, k[i].bytes, k[i].len);
		emu_run_case(f, &c, &s);
		assert_int_equal(s.rax, k[i].want);
		assert_int_equal(s.flags & FL_ARITH, k[i].flags);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alu_vs_host, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_alu_known, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
