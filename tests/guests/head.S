/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svtest entry points.
 *
 *   startup_32  (image offset 0, .head32): 32-bit protected mode, paging
 *               off, flat segments, ESI = boot_params (QEMU's loader, the
 *               setup code in setup.S).
 *   startup_64  (image offset 0x200 in the bzImage, first byte of the raw
 *               .bin, .head64): long mode, RSI = boot_params, identity map
 *               covering at least the image, boot_params and cmdline.
 *   pvh_start   (Xen PVH note): 32-bit protected mode, paging off,
 *               EBX = hvm_start_info.
 *
 * Every path ends in svtest_main(kind, ptr) on our own stack and GDT.  The
 * 32-bit paths first build a 1 GiB identity map; C code (paging_init())
 * builds the final 4 GiB map later.  Interrupts stay disabled throughout.
 */
#include "svtest_asm.h"

	.section .head32, "ax"
	.code32
	.globl	startup_32
startup_32:
	cli
	cld
	movl	$KIND_BP32, %edi
	jmp	enter_long32

	.section .head64, "ax"
	.code64
	.globl	startup_64
startup_64:
	cli
	cld
	movl	$KIND_BP64, %edi
	jmp	common64

/* svtest.fd: reset.S enters here (first byte of svtest-fw.lds's image). */
	.section .text.headfw, "ax"
	.code64
	.globl	startup_fw
startup_fw:
	cli
	cld
	movl	$KIND_FW, %edi
	xorl	%esi, %esi
	jmp	common64

	.text
	.code32
	.globl	pvh_start
pvh_start:
	cli
	cld
	movl	%ebx, %esi
	movl	$KIND_PVH, %edi
	/* fall through */

/* edi = kind, esi = boot info pointer; no stack is used here. */
enter_long32:
	movl	%edi, %ebp
	lgdt	gdt_desc
	ljmp	$SEL_CODE32, $1f
1:	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	/* PML4 and PDPT are contiguous: zero both, then point entry 0 down. */
	movl	$pgt_pml4, %edi
	xorl	%eax, %eax
	movl	$2048, %ecx
	rep stosl
	movl	$(pgt_pdpt + 3), pgt_pml4
	movl	$(pgt_pd + 3), pgt_pdpt
	movl	$pgt_pd, %edi
	movl	$0x83, %eax
	movl	$512, %ecx
2:	movl	%eax, (%edi)
	movl	$0, 4(%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	decl	%ecx
	jnz	2b
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$pgt_pml4, %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx		/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax		/* PG | PE */
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $3f
	.code64
3:	movl	%esi, %esi
	movl	%ebp, %edi

/* rdi = kind, rsi = pointer; long mode, any GDT. */
common64:
	leaq	boot_stack_top(%rip), %rsp
	xorl	%ebp, %ebp
	lgdt	gdt_desc(%rip)
	pushq	$SEL_CODE64
	leaq	4f(%rip), %rax
	pushq	%rax
	lretq
4:	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movq	%rdi, %r12
	movq	%rsi, %r13
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	shrq	$3, %rcx
	xorl	%eax, %eax
	rep stosq
	movq	%r12, %rdi
	movq	%r13, %rsi
	call	svtest_main
	jmp	sv_triple_fault

/* Load an empty IDT and raise #UD: #UD -> #GP -> #DF -> shutdown. */
	.globl	sv_triple_fault
sv_triple_fault:
	cli
	lidt	null_idt(%rip)
	ud2
	jmp	sv_triple_fault

	.section .rodata
	.p2align 4
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff		/* 0x08: 32-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data */
	.quad	0x00af9a000000ffff		/* 0x18: 64-bit code */
gdt_end:
	.p2align 4
	.globl	gdt_desc
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt
	.p2align 4
null_idt:
	.word	0
	.quad	0

/* boot protocol 2.15 kernel_info (offset patched into the setup header) */
	.p2align 3
	.globl	kernel_info
kernel_info:
	.ascii	"LToP"
	.long	kernel_info_end - kernel_info	/* size */
	.long	kernel_info_end - kernel_info	/* size_total */
	.long	0				/* setup_type_max */
kernel_info_end:

/* Xen PVH entry note, read by QEMU for -kernel ELF images */
	.section .note.Xen, "a", @note
	.p2align 2
	.long	4
	.long	8
	.long	18				/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.p2align 2
	.quad	pvh_start

	.section .noinit, "aw", @nobits
	.p2align 12
	.globl	pgt_pml4, pgt_pdpt, pgt_pd
pgt_pml4:
	.skip	4096
pgt_pdpt:
	.skip	4096
pgt_pd:
	.skip	4 * 4096
	.globl	boot_stack_top
	.skip	16384
boot_stack_top:

/*
 * AP start-up trampoline, copied to TRAMP_BASE (SIPI vector
 * TRAMP_BASE >> 12).  The BSP fills tramp_gdtr, tramp_cr3, tramp_stack and
 * tramp_entry in the copy before each SIPI.  Real mode -> 32-bit protected
 * mode -> long mode with the BSP's page tables -> tramp_entry().
 */
#define TR(x)	(TRAMP_BASE + ((x) - tramp_start))
	.section .rodata
	.p2align 4
	.globl	tramp_start, tramp_end, tramp_gdtr, tramp_cr3, tramp_stack
	.globl	tramp_entry
	.code16
tramp_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	TR(tramp_gdtr)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$SEL_CODE32, $TR(tramp32)
	.code32
tramp32:
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$0x20, %eax
	movl	%eax, %cr4
	movl	TR(tramp_cr3), %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $TR(tramp64)
	.code64
tramp64:
	movq	TR(tramp_stack), %rsp
	xorl	%ebp, %ebp
	movq	TR(tramp_entry), %rax
	call	*%rax
1:	cli
	hlt
	jmp	1b
	.p2align 3
tramp_gdtr:
	.word	0
	.quad	0
	.p2align 3
tramp_cr3:
	.quad	0
tramp_stack:
	.quad	0
tramp_entry:
	.quad	0
tramp_end:
