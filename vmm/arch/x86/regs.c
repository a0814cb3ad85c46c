// SPDX-License-Identifier: MIT
/*
 * Boot-time CPU state, computed without KVM so it can be unit tested:
 * GDT/IDT/identity page tables in guest RAM, segment caches, vCPU 0
 * registers for the 64-bit (Linux boot protocol) and 32-bit PVH entries,
 * FPU and MSR defaults, and a guest page-table walk for vCPU dumps.
 */
#include "vmm/arch/x86/x86.h"

#include <string.h>

#include "vmm/arch/arch.h"
#include "vmm/arch/x86/layout.h"
#include "vmm/boot/boot.h"
#include "vmm/mem/mem.h"

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull
#define PT_ENTRIES 512
#define PAGE_2M (2ull << 20)

/* flags: access byte in bits 7:0, G/DB/L/AVL nibble in bits 15:12. */
static uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000u) << 32) |
	       ((uint64_t)(flags & 0xf0ffu) << 40) |
	       ((uint64_t)(limit & 0xf0000u) << 32) |
	       ((uint64_t)(base & 0x00ffffffu) << 16) | (limit & 0xffffu);
}

void x86_boot_gdt(uint64_t gdt[4])
{
	gdt[0] = 0;
	gdt[X86_SEL_CODE32 >> 3] = gdt_entry(0xc09b, 0, 0xfffff);
	gdt[X86_SEL_CODE64 >> 3] = gdt_entry(0xa09b, 0, 0xfffff);
	gdt[X86_SEL_DATA >> 3] = gdt_entry(0xc093, 0, 0xfffff);
}

void x86_seg_from_desc(uint64_t d, uint16_t sel, struct kvm_segment *s)
{
	uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));

	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000);
	s->g = (d >> 55) & 1;
	s->limit = s->g ? (limit << 12) | 0xfff : limit;
	s->type = (d >> 40) & 0xf;
	s->s = (d >> 44) & 1;
	s->dpl = (d >> 45) & 3;
	s->present = (d >> 47) & 1;
	s->avl = (d >> 52) & 1;
	s->l = (d >> 53) & 1;
	s->db = (d >> 54) & 1;
	s->unusable = !s->present;
}

static int write_page_tables(const struct gmem *m)
{
	uint64_t pml4e = X86_PDPT_GPA | PTE_P | PTE_RW;
	uint64_t pdpte = X86_PD_GPA | PTE_P | PTE_RW;
	uint64_t *pd = gmem_ptr_rw(m, X86_PD_GPA, PT_ENTRIES * 8ull);
	int ret;

	if (!pd)
		return -EFAULT;
	ret = gmem_write(m, X86_PML4_GPA, &pml4e, sizeof(pml4e));
	if (ret == 0)
		ret = gmem_write(m, X86_PDPT_GPA, &pdpte, sizeof(pdpte));
	for (unsigned int i = 0; ret == 0 && i < PT_ENTRIES; i++)
		pd[i] = i * PAGE_2M | PTE_P | PTE_RW | PTE_PS;
	return ret;
}

int arch_write_boot_tables(const struct gmem *m)
{
	uint64_t gdt[X86_GDT_ENTRIES], idt = 0;
	int ret;

	x86_boot_gdt(gdt);
	ret = gmem_write(m, X86_GDT_GPA, gdt, sizeof(gdt));
	if (ret == 0)
		ret = gmem_write(m, X86_IDT_GPA, &idt, sizeof(idt));
	if (ret == 0)
		ret = write_page_tables(m);
	return ret;
}

/* Power-on state of a real-mode segment register. */
static void real_seg(struct kvm_segment *s, uint16_t sel, uint32_t base,
		     uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

/* The architectural reset state: CS:IP = F000:FFF0, base FFFF0000. */
static void reset_sregs(struct kvm_sregs *s)
{
	real_seg(&s->cs, 0xf000, 0xffff0000u, 0xb);
	real_seg(&s->ds, 0, 0, 0x3);
	s->es = s->fs = s->gs = s->ss = s->ds;
	s->gdt.base = s->idt.base = 0;
	s->gdt.limit = s->idt.limit = 0xffff;
	s->cr0 = X86_CR0_ET | 0x60000000ull;	/* CD | NW */
	s->cr2 = s->cr3 = s->cr4 = 0;
	s->efer = 0;
}

void x86_boot_regs(const struct boot_info *bi, struct kvm_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->rflags = X86_RFLAGS_FIXED;
	r->rip = bi->entry;
	if (bi->mode == BOOT_MODE_RESET) {
		r->rip = 0xfff0;
		r->rdx = 0x600;		/* family 6: what CPUs report on reset */
		return;
	}
	if (bi->mode == BOOT_MODE_PVH32) {
		r->rbx = bi->params_gpa;
		return;
	}
	r->rsp = X86_BOOT_STACK_GPA;
	r->rbp = X86_BOOT_STACK_GPA;
	r->rsi = bi->params_gpa;
}

void x86_boot_sregs(const struct boot_info *bi, struct kvm_sregs *s)
{
	uint64_t gdt[X86_GDT_ENTRIES];
	bool pvh = bi->mode == BOOT_MODE_PVH32;
	uint16_t cs = pvh ? X86_SEL_CODE32 : X86_SEL_CODE64;
	struct kvm_segment data;

	if (bi->mode == BOOT_MODE_RESET) {
		reset_sregs(s);
		return;
	}
	x86_boot_gdt(gdt);
	s->gdt.base = X86_GDT_GPA;
	s->gdt.limit = sizeof(gdt) - 1;
	s->idt.base = X86_IDT_GPA;
	s->idt.limit = 0;
	x86_seg_from_desc(gdt[cs >> 3], cs, &s->cs);
	x86_seg_from_desc(gdt[X86_SEL_DATA >> 3], X86_SEL_DATA, &data);
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	/* TR, LDT and apic_base keep KVM's reset values. */
	if (pvh) {
		s->cr0 = X86_CR0_PE | X86_CR0_ET;
		s->cr3 = 0;
		s->cr4 = 0;
		s->efer = 0;
		return;
	}
	s->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
	s->cr3 = X86_PML4_GPA;
	s->cr4 = X86_CR4_PAE;
	s->efer = X86_EFER_LME | X86_EFER_LMA;
}

void x86_boot_fpu(struct kvm_fpu *f)
{
	memset(f, 0, sizeof(*f));
	f->fcw = 0x37f;
	f->mxcsr = 0x1f80;
}

unsigned int x86_boot_msrs(struct kvm_msr_entry *e)
{
	static const uint32_t zero[] = {
		MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP,
		MSR_IA32_SYSENTER_EIP,
		MSR_STAR,
		MSR_LSTAR,
		MSR_CSTAR,
		MSR_SYSCALL_MASK,
		MSR_KERNEL_GS_BASE,
	};
	unsigned int n = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(zero); i++)
		e[n++] = (struct kvm_msr_entry){ .index = zero[i] };
	e[n++] = (struct kvm_msr_entry){ .index = MSR_IA32_MISC_ENABLE,
					 .data = MISC_ENABLE_FAST_STRING };
	e[n++] = (struct kvm_msr_entry){ .index = MSR_MTRR_DEF_TYPE,
					 .data = MTRR_DEF_TYPE_WB_ENABLED };
	return n;
}

struct walk {
	unsigned int levels, bits, esize;
	uint64_t mask; /* address bits of an entry */
	unsigned int huge_min, huge_max; /* levels allowing PS */
};

static void walk_mode(const struct kvm_sregs *s, struct walk *w,
		      uint64_t *table)
{
	if (s->efer & X86_EFER_LMA) {
		*w = (struct walk){ (s->cr4 & X86_CR4_LA57) ? 5 : 4, 9, 8,
				    0x000ffffffffff000ull,	     2, 3 };
		*table = s->cr3 & w->mask;
	} else if (s->cr4 & X86_CR4_PAE) {
		*w = (struct walk){ 3, 9, 8, 0x000ffffffffff000ull, 2, 2 };
		*table = s->cr3 & 0xffffffe0ull;
	} else {
		*w = (struct walk){ 2, 10,
				    4, 0xfffff000ull,
				    2, (s->cr4 & X86_CR4_PSE) ? 2 : 0 };
		*table = s->cr3 & w->mask;
	}
}

int x86_gva_to_gpa(const struct gmem *m, const struct kvm_sregs *s,
		   uint64_t gva, uint64_t *gpa)
{
	struct walk w;
	uint64_t table;

	if (!(s->cr0 & X86_CR0_PG)) {
		*gpa = gva;
		return 0;
	}
	walk_mode(s, &w, &table);
	if (!(s->efer & X86_EFER_LMA))
		gva &= 0xffffffffull;
	for (unsigned int lvl = w.levels; lvl >= 1; lvl--) {
		unsigned int shift = 12 + w.bits * (lvl - 1);
		uint64_t idx = (gva >> shift) & ((1ull << w.bits) - 1);
		uint64_t e = 0, page = 1ull << shift;

		if (gmem_read(m, table + idx * w.esize, &e, w.esize) < 0 ||
		    !(e & PTE_P))
			return -EFAULT;
		if (lvl == 1 ||
		    ((e & PTE_PS) && lvl >= w.huge_min && lvl <= w.huge_max)) {
			*gpa = (e & w.mask & ~(page - 1)) | (gva & (page - 1));
			return 0;
		}
		table = e & w.mask;
	}
	return -EFAULT;
}
