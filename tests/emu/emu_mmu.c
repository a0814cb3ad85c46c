// SPDX-License-Identifier: MIT
/*
 * Guest memory of the software CPU: 4-level page walk (4 KiB, 2 MiB and
 * 1 GiB pages) with a small direct-mapped TLB, memslot lookup, MMIO and
 * port exits (not for the LAPIC page: emu_lapic.c serves it), ioeventfd
 * matching and instruction fetch. Accessed/dirty bits are not
 * maintained; NX is not enforced.
 */
#include <string.h>

#include "tests/emu/emu_internal.h"

#define LOG_MODULE "emu"
#include "sv/log.h"

#define PAGE_SIZE 4096ull
#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define PTE_ADDR_2M 0x000fffffffe00000ull
#define PTE_ADDR_1G 0x000fffffc0000000ull

void emu_tlb_flush(struct kvm_vcpu *v)
{
	memset(v->tlb, 0, sizeof(v->tlb));
	v->tlb_gen = __atomic_load_n(&v->vm->slot_gen, __ATOMIC_ACQUIRE);
}

/* Host address of the RAM page at gpa (page aligned), or NULL. */
static uint8_t *slot_page(struct kvm_vm *vm, uint64_t gpa, bool *ro)
{
	uint8_t *hva = NULL;

	pthread_rwlock_rdlock(&vm->slot_lock);
	for (unsigned int i = 0; i < EMU_MAX_SLOTS; i++) {
		const struct emu_slot *s = &vm->slots[i];

		if (!s->used || gpa < s->gpa || gpa - s->gpa >= s->size)
			continue;
		hva = s->hva + (gpa - s->gpa);
		*ro = s->readonly;
		break;
	}
	pthread_rwlock_unlock(&vm->slot_lock);
	return hva;
}

static enum emu_status read_pte(struct kvm_vcpu *v, uint64_t gpa, uint64_t *pte)
{
	bool ro;
	uint8_t *p = slot_page(v->vm, gpa & ~(PAGE_SIZE - 1), &ro);

	if (!p)
		return emu_fail(v, EMU_FAULT, "page table outside RAM");
	memcpy(pte, p + (gpa & (PAGE_SIZE - 1)), sizeof(*pte));
	return EMU_OK;
}

static bool canonical(uint64_t la)
{
	return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

/* Linear page -> guest-physical page, ANDing the W bits on the way. */
static enum emu_status walk(struct kvm_vcpu *v, uint64_t la, uint64_t *gpa,
			    bool *writable)
{
	uint64_t table = v->sregs.cr3 & PTE_ADDR, pte = 0;
	enum emu_status st;

	if (!canonical(la))
		return emu_fail(v, EMU_FAULT, "#GP: non-canonical address");
	*writable = true;
	for (int level = 4; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);

		st = read_pte(v, table + ((la >> shift) & 511) * 8, &pte);
		if (st != EMU_OK)
			return st;
		if (!(pte & PTE_P))
			return emu_fail(v, EMU_FAULT, "#PF: page not present");
		*writable = *writable && (pte & PTE_W);
		if (level == 3 && (pte & PTE_PS)) {
			*gpa = (pte & PTE_ADDR_1G) | (la & 0x3ffff000ull);
			return EMU_OK;
		}
		if (level == 2 && (pte & PTE_PS)) {
			*gpa = (pte & PTE_ADDR_2M) | (la & 0x1ff000ull);
			return EMU_OK;
		}
		table = pte & PTE_ADDR;
	}
	*gpa = table;
	return EMU_OK;
}

static enum emu_status translate(struct kvm_vcpu *v, uint64_t la, bool write,
				 const struct emu_tlb **out)
{
	struct emu_tlb *t = &v->tlb[(la >> 12) % EMU_TLB_SIZE];
	enum emu_status st;

	if (v->tlb_gen != __atomic_load_n(&v->vm->slot_gen, __ATOMIC_ACQUIRE))
		emu_tlb_flush(v);
	if (t->vpn != (la >> 12) + 1) {
		st = walk(v, la & ~(PAGE_SIZE - 1), &t->gpa, &t->writable);
		if (st != EMU_OK) {
			t->vpn = 0;
			return st;
		}
		t->hva = slot_page(v->vm, t->gpa, &t->ro_slot);
		t->vpn = (la >> 12) + 1;
	}
	if (write && !t->writable && (v->sregs.cr0 & CR0_WP))
		return emu_fail(v, EMU_FAULT, "#PF: write to read-only page");
	*out = t;
	return EMU_OK;
}

/* Next data-in slot of this instruction; NULL if there are too many. */
static struct emu_rd *next_rd(struct kvm_vcpu *v, int *idx)
{
	if (v->rd_idx >= EMU_MAX_RD || v->have_exit)
		return NULL;
	*idx = (int)v->rd_idx++;
	return &v->rd[*idx];
}

static enum emu_status data_in(struct kvm_vcpu *v, bool pio, uint64_t addr,
			       void *buf, unsigned int len)
{
	struct emu_rd *rd;
	int idx;

	rd = next_rd(v, &idx);
	if (!rd)
		return emu_fail(v, EMU_UNIMPL, "too many MMIO/port reads");
	if (rd->valid && rd->pio == pio && rd->addr == addr && rd->len == len) {
		memcpy(buf, rd->data, len);
		return EMU_OK;
	}
	rd->valid = false;
	rd->pio = pio;
	rd->addr = addr;
	rd->len = len;
	memset(v->xfer, 0, sizeof(v->xfer));
	memset(&v->exit, 0, sizeof(v->exit));
	if (pio) {
		v->exit.kind = VCPU_EXIT_IO;
		v->exit.reason = KVM_EXIT_IO;
		v->exit.io.port = (uint16_t)addr;
		v->exit.io.size = (uint8_t)len;
		v->exit.io.count = 1;
		v->exit.io.data = v->xfer;
	} else {
		v->exit.kind = VCPU_EXIT_MMIO;
		v->exit.reason = KVM_EXIT_MMIO;
		v->exit.mmio.gpa = addr;
		v->exit.mmio.len = len;
		v->exit.mmio.data = v->xfer;
	}
	v->pending_rd = idx;
	return EMU_RETRY;
}

static enum emu_status data_out(struct kvm_vcpu *v, bool pio, uint64_t addr,
				const void *buf, unsigned int len)
{
	if (emu_ioevent_fire(v->vm, pio, addr, buf, len))
		return EMU_OK;
	if (v->have_exit)
		return emu_fail(v, EMU_UNIMPL, "two MMIO/port writes");
	memset(&v->exit, 0, sizeof(v->exit));
	memset(v->xfer, 0, sizeof(v->xfer));
	memcpy(v->xfer, buf, len);
	if (pio) {
		v->exit.kind = VCPU_EXIT_IO;
		v->exit.reason = KVM_EXIT_IO;
		v->exit.io.port = (uint16_t)addr;
		v->exit.io.size = (uint8_t)len;
		v->exit.io.write = true;
		v->exit.io.count = 1;
		v->exit.io.data = v->xfer;
	} else {
		v->exit.kind = VCPU_EXIT_MMIO;
		v->exit.reason = KVM_EXIT_MMIO;
		v->exit.mmio.gpa = addr;
		v->exit.mmio.len = len;
		v->exit.mmio.write = true;
		v->exit.mmio.data = v->xfer;
	}
	v->have_exit = true;
	return EMU_OK;
}

enum emu_status emu_pio_in(struct kvm_vcpu *v, uint16_t port, void *buf,
			   unsigned int len)
{
	return data_in(v, true, port, buf, len);
}

enum emu_status emu_pio_out(struct kvm_vcpu *v, uint16_t port, const void *buf,
			    unsigned int len)
{
	return data_out(v, true, port, buf, len);
}

static bool cas(uint8_t *p, uint64_t old, const uint8_t *buf,
		unsigned int len)
{
	uint64_t val = 0;

	memcpy(&val, buf, len);
	switch (len) {
	case 1: {
		uint8_t o = (uint8_t)old;

		return __atomic_compare_exchange_n(p, &o, (uint8_t)val, false,
						   __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST);
	}
	case 2: {
		uint16_t o = (uint16_t)old;

		return __atomic_compare_exchange_n((uint16_t *)p, &o,
						   (uint16_t)val, false,
						   __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST);
	}
	case 4: {
		uint32_t o = (uint32_t)old;

		return __atomic_compare_exchange_n((uint32_t *)p, &o,
						   (uint32_t)val, false,
						   __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST);
	}
	default:
		return __atomic_compare_exchange_n((uint64_t *)p, &old, val,
						   false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST);
	}
}

/* RAM access of a locked instruction within one page; -1 if not one. */
static int locked_ram(struct kvm_vcpu *v, uint8_t *p, uint8_t *buf,
		      unsigned int len, bool write)
{
	if (!write) {
		memcpy(buf, p, len);
		v->lock_hva = p;
		v->lock_len = len;
		v->lock_old = 0;
		memcpy(&v->lock_old, buf, len);
		return EMU_OK;
	}
	if (p != v->lock_hva || len != v->lock_len)
		return -1;
	return cas(p, v->lock_old, buf, len) ? EMU_OK : EMU_RESTART;
}

/* One access of len bytes; splits at page boundaries. */
static enum emu_status mem_access(struct kvm_vcpu *v, uint64_t la, uint8_t *buf,
				  unsigned int len, bool write)
{
	unsigned int first =
		(unsigned int)SV_MIN((uint64_t)len, PAGE_SIZE - (la & 0xfff));
	const struct emu_tlb *t[2];
	enum emu_status st;

	st = translate(v, la, write, &t[0]);
	if (st == EMU_OK && first < len)
		st = translate(v, la + first, write, &t[1]);
	if (st != EMU_OK)
		return st;
	if (t[0]->hva && (!write || !t[0]->ro_slot) &&
	    (first == len || (t[1]->hva && (!write || !t[1]->ro_slot)))) {
		uint8_t *p0 = t[0]->hva + (la & 0xfff);
		uint8_t *p1 = first < len ? t[1]->hva : NULL;
		int lst = -1;

		if (v->locked && !p1 && (len == 1 || len == 2 || len == 4 ||
					 len == 8))
			lst = locked_ram(v, p0, buf, len, write);
		if (lst >= 0)
			return (enum emu_status)lst;

		if (write)
			memcpy(p0, buf, first);
		else
			memcpy(buf, p0, first);
		if (p1 && write)
			memcpy(p1, buf + first, len - first);
		else if (p1)
			memcpy(buf + first, p1, len - first);
		return EMU_OK;
	}
	if (first < len || len > 8)
		return emu_fail(v, EMU_UNIMPL, "MMIO access crossing a page");
	if (emu_lapic_mmio(v, t[0]->gpa | (la & 0xfff), buf, len, write))
		return EMU_OK;
	if (write)
		return data_out(v, false, t[0]->gpa | (la & 0xfff), buf, len);
	return data_in(v, false, t[0]->gpa | (la & 0xfff), buf, len);
}

enum emu_status emu_mem_read(struct kvm_vcpu *v, uint64_t la, void *buf,
			     unsigned int len)
{
	return mem_access(v, la, buf, len, false);
}

enum emu_status emu_mem_write(struct kvm_vcpu *v, uint64_t la, const void *buf,
			      unsigned int len)
{
	/* mem_access() does not write through buf for a write. */
	return mem_access(v, la, (uint8_t *)(uintptr_t)buf, len, true);
}

/* Up to 15 bytes at RIP; bytes on an unmapped next page stay unfetched. */
enum emu_status emu_fetch(struct kvm_vcpu *v, struct emu_insn *in)
{
	uint64_t la = v->g.rip;
	unsigned int first =
		(unsigned int)SV_MIN(15ull, PAGE_SIZE - (la & 0xfff));
	const struct emu_tlb *t;
	enum emu_status st;

	in->avail = 0;
	in->fetch_fault = false;
	st = translate(v, la, false, &t);
	if (st != EMU_OK)
		return st;
	if (!t->hva)
		return emu_fail(v, EMU_UNIMPL, "instruction fetch from MMIO");
	if (first == 15 && (la & 0xfff) <= PAGE_SIZE - 16) {
		memcpy(in->bytes, t->hva + (la & 0xfff), 16); /* fixed size */
		in->avail = 15;
		return EMU_OK;
	}
	memcpy(in->bytes, t->hva + (la & 0xfff), first);
	in->avail = first;
	if (first == 15)
		return EMU_OK;
	if (translate(v, la + first, false, &t) != EMU_OK || !t->hva) {
		in->fetch_fault = true;
		return EMU_OK;
	}
	memcpy(in->bytes + first, t->hva, 15 - first);
	in->avail = 15;
	return EMU_OK;
}
