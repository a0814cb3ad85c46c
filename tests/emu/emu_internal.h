/* SPDX-License-Identifier: MIT */
/*
 * The test backend of the KVM seam: a small software x86-64 CPU that runs
 * 64-bit long-mode ring-0 code (no interrupts, no x87/SSE, no real or
 * 32-bit mode). Private to tests/emu/.
 *
 * Execution model: one instruction at a time on the vCPU's own state.
 * An instruction that needs data from the VMM (MMIO read, port read)
 * rolls back its register changes, exits, and is executed again on the
 * next kvm_vcpu_run() with the data the VMM filled in (kept in
 * vcpu->rd[] by access index). An instruction that writes to MMIO or a
 * port completes first and then exits, as KVM does. String I/O exits once
 * per element (count is always 1).
 */
#ifndef SV_TESTS_EMU_EMU_INTERNAL_H
#define SV_TESTS_EMU_EMU_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/kvm/kvm.h"

#define EMU_MAX_SLOTS 32
#define EMU_MAX_IOEVENTS 64
#define EMU_MAX_MSRS 32
#define EMU_MAX_CPUID 128
#define EMU_TLB_SIZE 256
#define EMU_MAX_RD 2 /* data-in accesses per instruction */
#define EMU_KICK_CHECK 1024 /* instructions between kick checks */
#define EMU_MAX_APICS 256 /* LAPICs addressable by an 8-bit MSI dest */
#define EMU_LAPIC_GPA 0xfee00000ull

#define FL_CF (1ull << 0)
#define FL_PF (1ull << 2)
#define FL_AF (1ull << 4)
#define FL_ZF (1ull << 6)
#define FL_SF (1ull << 7)
#define FL_IF (1ull << 9)
#define FL_DF (1ull << 10)
#define FL_OF (1ull << 11)
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

#define CR0_PE (1ull << 0)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

#define MSR_EFER 0xc0000080u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_TSC 0x10u

/* Result of one step or one memory/port access. */
enum emu_status {
	EMU_OK,
	EMU_EXIT, /* instruction completed, vcpu->exit filled */
	EMU_RETRY, /* needs data: roll back, exit, execute again */
	EMU_FAULT, /* exception: no IDT emulation, so triple fault */
	EMU_UNIMPL, /* not emulated: KVM_INTERNAL_ERROR_EMULATION */
	EMU_RESTART, /* lost a compare-and-swap race: execute again */
};

struct emu_slot {
	bool used;
	bool readonly;
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct kvm_vm {
	pthread_rwlock_t slot_lock; /* protects slots[] */
	struct emu_slot slots[EMU_MAX_SLOTS];
	unsigned int slot_gen; /* bumped on every change (atomic) */
	pthread_mutex_t ev_lock; /* protects ioev[] */
	struct kvm_ioevent ioev[EMU_MAX_IOEVENTS];
	unsigned int nr_ioev;
	pthread_mutex_t atomic_lock; /* serialises locked instructions */
	pthread_mutex_t lapic_lock; /* apics[] and every vCPU's lapic */
	struct kvm_vcpu *apics[EMU_MAX_APICS]; /* by vCPU id = APIC ID */
};

struct emu_tlb {
	uint64_t vpn; /* linear page number + 1; 0 = invalid */
	uint64_t gpa; /* guest-physical page */
	uint8_t *hva; /* host page if RAM, else NULL */
	bool writable; /* page tables allow writes */
	bool ro_slot; /* RAM but read-only memslot */
};

/* Data the VMM supplied for an access of the current instruction. */
struct emu_rd {
	bool valid;
	bool pio;
	uint64_t addr;
	uint32_t len;
	uint8_t data[8];
};

struct emu_gprs {
	uint64_t r[16];
	uint64_t rip;
	uint64_t rflags;
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned int id;

	/* Only the vCPU thread touches these. */
	struct emu_gprs g;
	struct kvm_sregs sregs; /* CRs, EFER, segments, GDT/IDT */
	uint64_t kernel_gs_base;
	struct {
		uint32_t index;
		uint64_t value;
	} msrs[EMU_MAX_MSRS];
	unsigned int nr_msrs;
	struct kvm_cpuid_entry2 cpuid[EMU_MAX_CPUID];
	unsigned int nr_cpuid;
	uint32_t mp_state;
	struct kvm_lapic_state lapic; /* emu_lapic.c; under vm->lapic_lock */

	struct emu_tlb tlb[EMU_TLB_SIZE];
	unsigned int tlb_gen;

	/* Exit being built, and the data-in protocol. */
	struct vcpu_exit exit;
	bool have_exit; /* a write exit was recorded */
	int pending_rd; /* rd[] index the VMM must fill, or -1 */
	unsigned int rd_idx; /* data-in accesses so far in this insn */
	struct emu_rd rd[EMU_MAX_RD];
	uint8_t xfer[8]; /* exit->mmio.data / exit->io.data */
	const char *why; /* reason for EMU_FAULT/EMU_UNIMPL */

	/*
	 * A locked read-modify-write on RAM: the read records where and what,
	 * the write is a compare-and-swap against it, so a plain store from
	 * another vCPU between the two (a spinlock release) is never lost.
	 */
	bool locked;
	uint8_t *lock_hva;
	unsigned int lock_len;
	uint64_t lock_old;

	/* Kick: set from any thread. */
	int kicked; /* atomic */
	pthread_mutex_t kick_lock;
	pthread_cond_t kick_cond;
};

/* One decoded instruction. */
struct emu_insn {
	uint8_t bytes[16];
	unsigned int avail; /* fetched bytes */
	bool fetch_fault; /* bytes beyond avail are not mapped */
	unsigned int len; /* decoded length so far */
	uint64_t rip;

	bool opsize; /* 0x66 */
	bool rep, repne, lock;
	uint8_t rex; /* 0 if none */
	uint64_t seg_base; /* fs/gs override base, else 0 */
	bool twobyte;
	uint8_t op;
	unsigned int osz; /* operand size in bytes for v operands */

	bool has_modrm;
	uint8_t mod, reg, rm; /* reg and rm include REX.R / REX.B */
	bool rm_is_mem;
	bool rip_rel; /* ea is relative to the next instruction */
	uint64_t ea; /* linear address when rm_is_mem */
	int64_t imm;
	bool jumped; /* executor set RIP itself */
};

/* emu_mmu.c */
void emu_tlb_flush(struct kvm_vcpu *v);
enum emu_status emu_mem_read(struct kvm_vcpu *v, uint64_t la, void *buf,
			     unsigned int len);
enum emu_status emu_mem_write(struct kvm_vcpu *v, uint64_t la, const void *buf,
			      unsigned int len);
enum emu_status emu_fetch(struct kvm_vcpu *v, struct emu_insn *in);
enum emu_status emu_pio_in(struct kvm_vcpu *v, uint16_t port, void *buf,
			   unsigned int len);
enum emu_status emu_pio_out(struct kvm_vcpu *v, uint16_t port, const void *buf,
			    unsigned int len);

/* emu_lapic.c */
void emu_lapic_attach(struct kvm_vcpu *v);
void emu_lapic_detach(struct kvm_vcpu *v);
bool emu_lapic_mmio(struct kvm_vcpu *v, uint64_t gpa, uint8_t *buf,
		    unsigned int len, bool write);

/* emu_vm.c */
bool emu_ioevent_fire(struct kvm_vm *vm, bool pio, uint64_t addr,
		      const void *data, unsigned int len);
uint64_t emu_msr_get(struct kvm_vcpu *v, uint32_t index);
void emu_msr_set(struct kvm_vcpu *v, uint32_t index, uint64_t value);
void emu_cpuid(struct kvm_vcpu *v, uint32_t fn, uint32_t idx, uint32_t out[4]);
bool emu_long_mode(const struct kvm_vcpu *v);

/* emu_decode.c */
enum emu_status emu_decode(struct kvm_vcpu *v, struct emu_insn *in);
uint64_t emu_ea(const struct emu_insn *in);
enum emu_status emu_imm(struct kvm_vcpu *v, struct emu_insn *in,
			unsigned int size);
uint64_t emu_reg_get(const struct kvm_vcpu *v, const struct emu_insn *in,
		     unsigned int reg, unsigned int size);
void emu_reg_set(struct kvm_vcpu *v, const struct emu_insn *in,
		 unsigned int reg, unsigned int size, uint64_t val);
enum emu_status emu_rm_read(struct kvm_vcpu *v, const struct emu_insn *in,
			    unsigned int size, uint64_t *val);
enum emu_status emu_rm_write(struct kvm_vcpu *v, const struct emu_insn *in,
			     unsigned int size, uint64_t val);
enum emu_status emu_push(struct kvm_vcpu *v, uint64_t val);
enum emu_status emu_pop(struct kvm_vcpu *v, uint64_t *val);

/* emu_alu.c */
uint64_t emu_mask(unsigned int size);
uint64_t emu_sext(uint64_t val, unsigned int size);
uint64_t emu_alu(struct kvm_vcpu *v, unsigned int op, uint64_t a, uint64_t b,
		 unsigned int size);
void emu_flags_logic(struct kvm_vcpu *v, uint64_t res, unsigned int size);
uint64_t emu_incdec(struct kvm_vcpu *v, uint64_t a, bool dec,
		    unsigned int size);
bool emu_shift(struct kvm_vcpu *v, unsigned int op, uint64_t a,
	       unsigned int cnt, unsigned int size, uint64_t *res);
bool emu_cond(const struct kvm_vcpu *v, unsigned int cc);
enum emu_status emu_grp3(struct kvm_vcpu *v, struct emu_insn *in,
			 unsigned int size);
uint64_t emu_imul2(struct kvm_vcpu *v, uint64_t a, uint64_t b,
		   unsigned int size);

/* emu_exec.c, emu_exec2.c */
enum emu_status emu_step(struct kvm_vcpu *v, struct emu_insn *in);
enum emu_status emu_exec_0f(struct kvm_vcpu *v, struct emu_insn *in);
enum emu_status emu_exec_string(struct kvm_vcpu *v, struct emu_insn *in);
enum emu_status emu_exec_io(struct kvm_vcpu *v, struct emu_insn *in);
struct kvm_segment *emu_sreg(struct kvm_vcpu *v, unsigned int idx);
enum emu_status emu_load_seg(struct kvm_vcpu *v, unsigned int sreg,
			     uint16_t sel);
enum emu_status emu_jump(struct kvm_vcpu *v, struct emu_insn *in,
			 unsigned int size, bool cond);

static inline enum emu_status emu_fail(struct kvm_vcpu *v, enum emu_status st,
				       const char *why)
{
	v->why = why;
	return st;
}

#endif /* SV_TESTS_EMU_EMU_INTERNAL_H */
