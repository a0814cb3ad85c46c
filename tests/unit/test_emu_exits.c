// SPDX-License-Identifier: MIT
/*
 * Unit tests for the software CPU of tests/emu/: exits and their
 * completion (PIO, MMIO, string I/O), ioeventfds, the page walk, control
 * flow, emulation failures, triple faults and kicks.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/test_emu_fixture.h"

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

static void expect_io(struct emu_fx *f, struct vcpu_exit *e, uint16_t port,
		      unsigned int size, bool write)
{
	run_expect(f, e, VCPU_EXIT_IO);
	assert_int_equal(e->io.port, port);
	assert_int_equal(e->io.size, size);
	assert_int_equal(e->io.write, write);
	assert_int_equal(e->io.count, 1);
}

static void expect_mmio(struct emu_fx *f, struct vcpu_exit *e, uint64_t gpa,
			unsigned int len, bool write)
{
	run_expect(f, e, VCPU_EXIT_MMIO);
	assert_int_equal(e->mmio.gpa, gpa);
	assert_int_equal(e->mmio.len, len);
	assert_int_equal(e->mmio.write, write);
}

static struct kvm_regs regs(struct emu_fx *f)
{
	struct kvm_regs r;

	assert_int_equal(kvm_vcpu_get_regs(f->cpu, &r), 0);
	return r;
}

static void test_pio(void **state)
{
	static const uint8_t code[] = {
		0x66, 0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
		0xb0, 0x41, /* mov al, 0x41 */
		0xee, /* out dx, al */
		0xec, /* in al, dx */
		0xe6, 0x80, /* out 0x80, al */
		0xe5, 0x71, /* in eax, 0x71 */
	};
	struct emu_fx *f = *state;
	struct vcpu_exit e;
	uint32_t v = 0x11223344;

	load(f, code, sizeof(code));
	expect_io(f, &e, 0x3f8, 1, true);
	assert_int_equal(e.io.data[0], 0x41);
	expect_io(f, &e, 0x3f8, 1, false);
	e.io.data[0] = 0x5a;
	expect_io(f, &e, 0x80, 1, true);
	assert_int_equal(e.io.data[0], 0x5a);
	expect_io(f, &e, 0x71, 4, false);
	memcpy(e.io.data, &v, 4);
	run_expect(f, &e, VCPU_EXIT_HLT);
	assert_int_equal(regs(f).rax, 0x11223344);
	assert_int_equal(regs(f).rip, EMU_FX_CODE + sizeof(code) + 1);
}

static void test_mmio(void **state)
{
	static const uint8_t code[] = {
		0x48, 0xbb, 0x00, 0x10, 0x00,
		0xc0, 0,    0,	  0,	0, /* mov rbx, imm */
		0x8b, 0x03, /* mov eax, [rbx] */
		0x48, 0x89, 0x43, 0x08, /* mov [rbx+8], rax */
		0x03, 0x43, 0x10, /* add eax, [rbx+0x10] */
	};
	struct emu_fx *f = *state;
	uint32_t v = 0x80000000;
	struct vcpu_exit e;
	uint64_t w = 0;

	load(f, code, sizeof(code));
	expect_mmio(f, &e, 0xc0001000, 4, false);
	memcpy(e.mmio.data, &v, 4);
	expect_mmio(f, &e, 0xc0001008, 8, true);
	memcpy(&w, e.mmio.data, 8);
	assert_int_equal(w, 0x80000000);
	expect_mmio(f, &e, 0xc0001010, 4, false);
	memcpy(e.mmio.data, &v, 4);
	run_expect(f, &e, VCPU_EXIT_HLT);
	assert_int_equal(regs(f).rax, 0);
	/* 0x80000000 + 0x80000000: CF ZF PF OF */
	assert_int_equal(regs(f).rflags & 0x8d5, 0x845);
}

static void test_ioeventfd(void **state)
{
	static const uint8_t code[] = {
		0x48, 0xbb, 0x00, 0x20, 0x00, 0xc0,
		0,    0,    0,	  0, /* mov rbx, imm */
		0xc7, 0x03, 0x07, 0,	0,    0, /* mov dword [rbx], 7 */
		0xc7, 0x03, 0x08, 0,	0,    0, /* mov dword [rbx], 8 */
		0x66, 0xba, 0x10, 0x05, /* mov dx, 0x510 */
		0x66, 0xef, /* out dx, ax */
	};
	struct emu_fx *f = *state;
	struct kvm_ioevent mm = {
		.addr = 0xc0002000, .len = 4, .datamatch = true, .data = 7
	};
	struct kvm_ioevent pio = { .addr = 0x510, .len = 2, .pio = true };
	struct vcpu_exit e;
	uint64_t cnt = 0;

	mm.fd = eventfd(0, EFD_NONBLOCK);
	pio.fd = eventfd(0, EFD_NONBLOCK);
	assert_true(mm.fd >= 0 && pio.fd >= 0);
	assert_int_equal(kvm_vm_ioeventfd(f->vm, &mm), 0);
	assert_int_equal(kvm_vm_ioeventfd(f->vm, &pio), 0);
	assert_int_equal(kvm_vm_ioeventfd(f->vm, &pio), -EEXIST);
	load(f, code, sizeof(code));
	expect_mmio(f, &e, 0xc0002000, 4, true); /* data 8: no match */
	assert_int_equal(e.mmio.data[0], 8);
	assert_int_equal(read(mm.fd, &cnt, 8), 8);
	assert_int_equal(cnt, 1);
	run_expect(f, &e, VCPU_EXIT_HLT); /* no PIO exit */
	assert_int_equal(read(pio.fd, &cnt, 8), 8);
	assert_int_equal(cnt, 1);
	assert_int_equal(kvm_vm_ioeventfd_remove(f->vm, &pio), 0);
	assert_int_equal(kvm_vm_ioeventfd_remove(f->vm, &pio), -ENOENT);
	close(mm.fd);
	close(pio.fd);
}

static void test_paging(void **state)
{
	static const uint8_t code[] = {
		0x48, 0xb8, 0xef, 0xbe, 0xad, 0xde, 0, 0,    0, 0, /* mov rax */
		0x48, 0xbb, 0x00, 0xf0, 0x1f, 0,    0, 0,    0, 0, /* mov rbx */
		0x48, 0x89, 0x43, 0x08, /* mov [rbx+8], rax */
		0x48, 0x8b, 0x8b, 0xfc, 0x0f, 0,    0, /* rcx = [rbx+0xffc] */
		0x89, 0x8b, 0xfe, 0x0f, 0,    0, /* mov [rbx+0xffe], ecx */
		0x48, 0x8b, 0x04, 0x25, 0,    0,    0, 0x40, /* rax = [1G] */
	};
	static const uint8_t lo[4] = { 0x11, 0x22, 0x33, 0x44 };
	static const uint8_t hi[4] = { 0x55, 0x66, 0x77, 0x88 };
	struct emu_fx *f = *state;
	struct vcpu_exit e;
	uint64_t v;

	load(f, code, sizeof(code));
	memcpy(f->ram + EMU_FX_REMAP_PA + 0xffc, lo, 4);
	memcpy(f->ram + 0x200000, hi, 4);
	/* Not-present PDPT entry for 1 GiB: #PF -> triple fault. */
	run_expect(f, &e, VCPU_EXIT_SHUTDOWN);
	assert_int_equal(regs(f).rip, EMU_FX_CODE + sizeof(code) - 8);
	memcpy(&v, f->ram + EMU_FX_REMAP_PA + 8, 8);
	assert_int_equal(v, 0xdeadbeef);
	memcpy(&v, f->ram + EMU_FX_REMAP + 8, 8);
	assert_int_equal(v, 0); /* identity page untouched */
	assert_int_equal(regs(f).rcx, 0x8877665544332211ull);
	assert_memory_equal(f->ram + EMU_FX_REMAP_PA + 0xffe, lo, 2);
	assert_memory_equal(f->ram + 0x200000, lo + 2, 2);
}

static void test_readonly(void **state)
{
	static const uint8_t code[] = {
		0x48, 0xbb, 0, 0,    0x80, 0, 0, 0, 0, 0, /* mov rbx, 8 MiB */
		0x8b, 0x03, /* mov eax, [rbx] */
		0x89, 0x03, /* mov [rbx], eax */
		0x48, 0xbb, 0, 0x50, 0,	   0, 0, 0, 0, 0, /* rbx = 0x5000 */
		0x89, 0x03, /* mov [rbx], eax */
	};
	struct emu_fx *f = *state;
	uint8_t *rom = aligned_alloc(4096, 2 << 20);
	struct vcpu_exit e;

	assert_non_null(rom);
	memset(rom, 0xab, 2 << 20);
	emu_fx_put64(f, EMU_FX_PD + 8 * 4, 0x800000 | 0x83);
	emu_fx_put64(f, EMU_FX_PT + 8 * 5, 0x5000 | 1); /* read-only */
	assert_int_equal(kvm_vm_add_memslot(f->vm, 0x800000, 2 << 20, rom,
					    KVM_MEMSLOT_READONLY),
			 0);
	assert_int_equal(kvm_vm_add_memslot(f->vm, 0x900000, 4096, rom, 0),
			 -EEXIST);
	load(f, code, sizeof(code));
	expect_mmio(f, &e, 0x800000, 4, true);
	assert_int_equal(e.mmio.data[0], 0xab);
	assert_int_equal(rom[0], 0xab);
	/* CR0.WP and a read-only PTE: #PF -> triple fault. */
	run_expect(f, &e, VCPU_EXIT_SHUTDOWN);
	assert_int_equal(kvm_vm_remove_memslot(f->vm, 0x800000), 0);
	free(rom);
}

static void test_string_io(void **state)
{
	static const uint8_t code[] = {
		0x48, 0xbe, 0,	  0,	0x02,
		0,    0,    0,	  0,	0, /* mov rsi, 0x20000 */
		0xb9, 0x03, 0,	  0,	0, /* mov ecx, 3 */
		0x66, 0xba, 0xf8, 0x03, /* mov dx, 0x3f8 */
		0xf3, 0x6e, /* rep outsb */
		0x48, 0xbf, 0,	  1,	0x02,
		0,    0,    0,	  0,	0, /* mov rdi, 0x20100 */
		0xb9, 0x02, 0,	  0,	0, /* mov ecx, 2 */
		0xf3, 0x6c, /* rep insb */
	};
	struct emu_fx *f = *state;
	struct vcpu_exit e;

	load(f, code, sizeof(code));
	memcpy(f->ram + EMU_FX_DATA, "abc", 3);
	for (int i = 0; i < 3; i++) {
		expect_io(f, &e, 0x3f8, 1, true);
		assert_int_equal(e.io.data[0], "abc"[i]);
	}
	for (int i = 0; i < 2; i++) {
		expect_io(f, &e, 0x3f8, 1, false);
		e.io.data[0] = (uint8_t) "xy"[i];
	}
	run_expect(f, &e, VCPU_EXIT_HLT);
	assert_memory_equal(f->ram + EMU_FX_DATA + 0x100, "xy", 2);
	assert_int_equal(regs(f).rcx, 0);
	assert_int_equal(regs(f).rsi, EMU_FX_DATA + 3);
	assert_int_equal(regs(f).rdi, EMU_FX_DATA + 0x102);
}

static void test_rep_movs_stos(void **state)
{
	static const uint8_t code[] = {
		0x48, 0xbf, 0,	  0,	0x03,
		0,    0,    0,	  0,	0, /* mov rdi, 0x30000 */
		0xb9, 0x00, 0x02, 0,	0, /* mov ecx, 512 */
		0x48, 0xb8, 8,	  7,	6,
		5,    4,    3,	  2,	1, /* mov rax, imm64 */
		0xf3, 0x48, 0xab, /* rep stosq */
		0x48, 0xbe, 0,	  0,	0x03,
		0,    0,    0,	  0,	0, /* mov rsi, 0x30000 */
		0x48, 0xbf, 0,	  0x10, 0x03,
		0,    0,    0,	  0,	0, /* mov rdi, 0x31000 */
		0xb9, 0x00, 0x10, 0,	0, /* mov ecx, 4096 */
		0xf3, 0xa4, /* rep movsb */
		0xfd, /* std */
		0xaa, /* stosb: [0x32000], rdi-- */
		0xfc, /* cld */
	};
	struct emu_fx *f = *state;
	struct vcpu_exit e;

	load(f, code, sizeof(code));
	run_expect(f, &e, VCPU_EXIT_HLT);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(f->ram[0x31000 + i], 8 - (i & 7));
	assert_int_equal(f->ram[0x32000], 8);
	assert_int_equal(regs(f).rcx, 0);
	assert_int_equal(regs(f).rdi, 0x31fff);
}

static void test_string_ops(void **state)
{
	static const uint8_t code[] = {
		0x48, 0xbe, 0,	  0,	2,    0,    0,
		0,    0,    0, /* rsi = 0x20000 */
		0x48, 0xbf, 0,	  1,	2,    0,    0,
		0,    0,    0, /* rdi = 0x20100 */
		0xb9, 6,    0,	  0,	0, /* ecx = 6 */
		0xf3, 0xa6, /* repe cmpsb */
		0x49, 0x89, 0xc8, /* r8 = rcx */
		0x48, 0xbf, 0,	  2,	2,    0,    0,
		0,    0,    0, /* rdi = 0x20200 */
		0xb0, 0x00, /* al = 0 */
		0x48, 0xc7, 0xc1, 0xff, 0xff, 0xff, 0xff, /* rcx = -1 */
		0xf2, 0xae, /* repne scasb */
		0x49, 0x89, 0xf9, /* r9 = rdi */
		0x48, 0xbe, 0,	  0x30, 0,    0xc0, 0,
		0,    0,    0, /* rsi = MMIO */
		0x48, 0xbf, 0,	  3,	2,    0,    0,
		0,    0,    0, /* rdi = 0x20300 */
		0xb9, 2,    0,	  0,	0, /* ecx = 2 */
		0xf3, 0x48, 0xa5, /* rep movsq */
	};
	struct emu_fx *f = *state;
	uint64_t a = 0x1111111122222222ull, b = 0x3333333344444444ull;
	struct vcpu_exit e;
	struct kvm_regs r;

	load(f, code, sizeof(code));
	memcpy(f->ram + EMU_FX_DATA, "abcdef", 6);
	memcpy(f->ram + EMU_FX_DATA + 0x100, "abcXef", 6);
	memcpy(f->ram + EMU_FX_DATA + 0x200, "hello", 6);
	expect_mmio(f, &e, 0xc0003000, 8, false);
	memcpy(e.mmio.data, &a, 8);
	expect_mmio(f, &e, 0xc0003008, 8, false);
	memcpy(e.mmio.data, &b, 8);
	run_expect(f, &e, VCPU_EXIT_HLT);
	r = regs(f);
	assert_int_equal(r.r8, 2); /* stopped after 'X' */
	assert_int_equal(r.r9, EMU_FX_DATA + 0x206);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rsi, 0xc0003010);
	assert_memory_equal(f->ram + EMU_FX_DATA + 0x300, &a, 8);
	assert_memory_equal(f->ram + EMU_FX_DATA + 0x308, &b, 8);
}

static void test_control_flow(void **state)
{
	static const uint8_t code[] = {
		0x31, 0xc0, /* 0: xor eax, eax */
		0xb9, 0x0a, 0,	  0,	0, /* 2: mov ecx, 10 */
		0x01, 0xc8, /* 7: add eax, ecx */
		0xe2, 0xfc, /* 9: loop 7 */
		0xe8, 0x03, 0,	  0,	0, /* 11: call 19 */
		0xeb, 0x06, /* 16: jmp 24 */
		0x90, /* 18 */
		0x48, 0x83, 0xc0, 0x64, /* 19: add rax, 100 */
		0xc3, /* 23: ret */
		0x48, 0x8d, 0x1d, 0xe1, 0xff, 0xff, 0xff, /* 24: lea rbx */
		0x53, /* 31: push rbx */
		0x41, 0x5c, /* 32: pop r12 */
		0x48, 0x8b, 0x15, 0xd7, 0,    0,    0, /* 34: mov rdx, [rip+] */
	};
	struct emu_fx *f = *state;
	struct vcpu_exit e;
	uint64_t data = 0x1122334455667788ull;
	struct kvm_regs r;

	load(f, code, sizeof(code));
	memcpy(f->ram + EMU_FX_CODE + 0x100, &data, 8);
	run_expect(f, &e, VCPU_EXIT_HLT);
	r = regs(f);
	assert_int_equal(r.rax, 155);
	assert_int_equal(r.rbx, EMU_FX_CODE);
	assert_int_equal(r.r12, EMU_FX_CODE);
	assert_int_equal(r.rdx, data);
	assert_int_equal(r.rsp, EMU_FX_STACK);
}

static void test_unknown_opcode(void **state)
{
	static const uint8_t code[] = { 0x90, 0xd9, 0xe8 }; /* nop; fld1 */
	struct emu_fx *f = *state;
	struct vcpu_exit e;
	uint8_t b[16];

	load(f, code, sizeof(code));
	run_expect(f, &e, VCPU_EXIT_INTERNAL_ERROR);
	assert_int_equal(e.internal.suberror, KVM_INTERNAL_ERROR_EMULATION);
	assert_int_equal(e.internal.ndata, 4);
	assert_int_equal(e.internal.data[0],
			 KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES);
	memcpy(b, &e.internal.data[1], 16);
	assert_int_equal(b[0], 15);
	assert_int_equal(b[1], 0xd9);
	assert_int_equal(b[2], 0xe8);
	assert_int_equal(b[3], 0xf4);
	assert_int_equal(e.internal.data[3], EMU_FX_CODE + 1);
	assert_int_equal(regs(f).rip, EMU_FX_CODE + 1);
}

static void test_exceptions(void **state)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	static const uint8_t div0[] = { 0x31, 0xc9, 0xf7, 0xf1 };
	static const uint8_t int3[] = { 0xcc };
	struct emu_fx *f = *state;
	struct kvm_regs r = regs(f);
	struct vcpu_exit e;

	load(f, ud2, sizeof(ud2));
	run_expect(f, &e, VCPU_EXIT_SHUTDOWN);
	assert_int_equal(regs(f).rip, EMU_FX_CODE);
	load(f, div0, sizeof(div0));
	assert_int_equal(kvm_vcpu_set_regs(f->cpu, &r), 0);
	run_expect(f, &e, VCPU_EXIT_SHUTDOWN);
	assert_int_equal(regs(f).rip, EMU_FX_CODE + 2);
	load(f, int3, sizeof(int3));
	assert_int_equal(kvm_vcpu_set_regs(f->cpu, &r), 0);
	run_expect(f, &e, VCPU_EXIT_SHUTDOWN);
}

struct runner {
	struct kvm_vcpu *cpu;
	struct vcpu_exit e;
	int ret;
};

static void *run_thread(void *opaque)
{
	struct runner *r = opaque;

	r->ret = kvm_vcpu_run(r->cpu, &r->e);
	return NULL;
}

static void kick_after(struct runner *r, struct kvm_vcpu *cpu)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pthread_t t;

	r->cpu = cpu;
	r->ret = -1;
	assert_int_equal(pthread_create(&t, NULL, run_thread, r), 0);
	nanosleep(&ts, NULL);
	kvm_vcpu_kick(cpu);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r->ret, 0);
	assert_int_equal(r->e.kind, VCPU_EXIT_INTR);
}

static void test_kick(void **state)
{
	static const uint8_t spin[] = { 0xeb, 0xfe }; /* jmp $ */
	struct emu_fx *f = *state;
	struct kvm_vcpu *ap;
	struct vcpu_exit e;
	struct runner r;

	load(f, spin, sizeof(spin));
	kick_after(&r, f->cpu);
	/* Kick still pending: the next run returns at once. */
	run_expect(f, &e, VCPU_EXIT_INTR);
	kvm_vcpu_clear_kick(f->cpu);
	kick_after(&r, f->cpu);
	kvm_vcpu_clear_kick(f->cpu);
	assert_int_equal(regs(f).rip, EMU_FX_CODE);
	/* An AP in wait-for-SIPI blocks until kicked. */
	assert_int_equal(kvm_vcpu_create(f->vm, 1, &ap), 0);
	assert_int_equal(kvm_vcpu_id(ap), 1);
	kick_after(&r, ap);
	kvm_vcpu_destroy(ap);
}

struct smp_cpu {
	struct kvm_vcpu *cpu;
	enum vcpu_exit_kind last;
	time_t deadline;
	int done;
};

static void *smp_thread(void *opaque)
{
	struct smp_cpu *c = opaque;
	struct vcpu_exit e;

	do {
		if (kvm_vcpu_run(c->cpu, &e) < 0)
			break;
		c->last = e.kind;
		kvm_vcpu_clear_kick(c->cpu);
	} while (e.kind == VCPU_EXIT_INTR && time(NULL) < c->deadline);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Wait for both vCPUs; past the deadline kick them (a deadlocked guest). */
static void smp_wait(struct smp_cpu *c, const pthread_t *t)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	while (!__atomic_load_n(&c[0].done, __ATOMIC_ACQUIRE) ||
	       !__atomic_load_n(&c[1].done, __ATOMIC_ACQUIRE)) {
		if (time(NULL) > c[0].deadline) {
			kvm_vcpu_kick(c[0].cpu);
			kvm_vcpu_kick(c[1].cpu);
		}
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
}

/* Two vCPUs: xchg spinlock with a plain-store unlock, plus lock inc. */
static void test_smp_atomics(void **state)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0,	  0,	0, /* 0: eax = 1 */
		0x87, 0x07, /* 5: xchg [rdi], eax */
		0x85, 0xc0, /* 7: test eax, eax */
		0x75, 0xf5, /* 9: jnz 0 */
		0x48, 0x8b, 0x06, /* 11: rax = [rsi] */
		0x48, 0xff, 0xc0, /* 14: inc rax */
		0x48, 0x89, 0x06, /* 17: [rsi] = rax */
		0xc7, 0x07, 0,	  0,	0,    0, /* 20: [rdi] = 0 */
		0xf0, 0x48, 0xff, 0x46, 0x08, /* 26: lock inc [rsi+8] */
		0xff, 0xc9, /* 31: dec ecx */
		0x75, 0xdd, /* 33: jnz 0 */
	};
	enum { N = 100000 };
	struct emu_fx *f = *state;
	struct kvm_regs r = { .rip = EMU_FX_CODE,
			      .rdi = EMU_FX_DATA,
			      .rsi = EMU_FX_DATA + 64,
			      .rcx = N,
			      .rflags = 2 };
	struct smp_cpu c[2] = { { .cpu = f->cpu } };
	struct kvm_sregs s;
	pthread_t t[2];
	uint64_t v[2];

	load(f, code, sizeof(code));
	assert_int_equal(kvm_vcpu_create(f->vm, 1, &c[1].cpu), 0);
	emu_fx_long_mode(&s, EMU_FX_PML4);
	assert_int_equal(kvm_vcpu_set_sregs(c[1].cpu, &s), 0);
	for (int i = 0; i < 2; i++) {
		r.rsp = EMU_FX_STACK - 0x1000 * (uint64_t)i;
		assert_int_equal(kvm_vcpu_set_regs(c[i].cpu, &r), 0);
		c[i].deadline = time(NULL) + 20;
		assert_int_equal(pthread_create(&t[i], NULL, smp_thread, &c[i]),
				 0);
	}
	smp_wait(c, t);
	memcpy(v, f->ram + EMU_FX_DATA + 64, sizeof(v));
	kvm_vcpu_destroy(c[1].cpu);
	assert_int_equal(c[0].last, VCPU_EXIT_HLT);
	assert_int_equal(c[1].last, VCPU_EXIT_HLT);
	assert_int_equal(v[0], 2 * N);
	assert_int_equal(v[1], 2 * N);
}

static void test_not_long_mode(void **state)
{
	struct emu_fx *f = *state;
	struct kvm_sregs s;
	struct vcpu_exit e;

	assert_int_equal(kvm_vcpu_get_sregs(f->cpu, &s), 0);
	s.cr0 = 0x11; /* 32-bit protected mode, paging off */
	s.efer = 0;
	s.cs.l = 0;
	assert_int_equal(kvm_vcpu_set_sregs(f->cpu, &s), 0);
	run_expect(f, &e, VCPU_EXIT_INTERNAL_ERROR);
	assert_int_equal(e.internal.suberror, KVM_INTERNAL_ERROR_EMULATION);
}

static void test_cpuid_msr(void **state)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0,	  0,	0, /* mov eax, 1 */
		0x0f, 0xa2, /* cpuid */
		0x41, 0x89, 0xd8, /* mov r8d, ebx */
		0xb9, 0x00, 0x01, 0,	0xc0, /* mov ecx, FS_BASE */
		0x31, 0xd2, /* xor edx, edx */
		0xb8, 0x00, 0x40, 0,	0, /* mov eax, 0x4000 */
		0x0f, 0x30, /* wrmsr */
		0x64, 0x48, 0x8b, 0x34, 0x25,
		0x08, 0,    0,	  0, /* mov rsi, fs:[8] */
		0xb9, 0x00, 0x01, 0,	0xc0, /* mov ecx, FS_BASE */
		0x0f, 0x32, /* rdmsr */
		0x41, 0x89, 0xc1, /* mov r9d, eax */
	};
	struct emu_fx *f = *state;
	struct kvm_cpuid2 *c = NULL;
	uint64_t v = 0x5555aaaa5555aaaaull;
	struct vcpu_exit e;
	struct kvm_regs r;

	assert_int_equal(kvm_vm_supported_cpuid(f->vm, &c), 0);
	assert_true(c->nent > 4);
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ebx = 0x07000800; /* APIC id 7 */
	assert_int_equal(kvm_vcpu_set_cpuid(f->cpu, c), 0);
	free(c);
	memcpy(f->ram + 0x4008, &v, 8);
	load(f, code, sizeof(code));
	run_expect(f, &e, VCPU_EXIT_HLT);
	r = regs(f);
	assert_int_equal(r.r8, 0x07000800);
	assert_int_equal(r.rsi, v);
	assert_int_equal(r.r9, 0x4000);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_pio),	       T(test_mmio),
		T(test_ioeventfd),     T(test_paging),
		T(test_readonly),      T(test_string_io),
		T(test_rep_movs_stos), T(test_string_ops),
		T(test_control_flow),  T(test_unknown_opcode),
		T(test_exceptions),    T(test_kick),
		T(test_smp_atomics),   T(test_not_long_mode),
		T(test_cpuid_msr),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
