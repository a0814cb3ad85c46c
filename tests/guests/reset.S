/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svtest.fd reset stage: the last 4 KiB of the flash image, linked at
 * 0xFFFFF000 (svtest-fw.lds), so it ends at 4 GiB whatever the image size.
 *
 * The CPU leaves reset in real mode at 0xFFFFFFF0 (CS selector 0xF000,
 * base 0xFFFF0000, IP 0xFFF0).  Real mode -> 32-bit protected mode (flat
 * GDT in flash) -> page tables at PGT_BASE (identity map of 0-4 GiB with
 * 2 MiB pages) -> long mode -> copy svtest from flash (its LMA) to RAM
 * (its VMA, 16 MiB) -> startup_fw (head.S, kind KIND_FW).  Nothing is
 * taken from the 0xE0000-0xFFFFF copy of the flash; no stack is used.
 */
#include "svtest_asm.h"

#define PGT_BASE	0x10000		/* PML4, PDPT, 4 PDs: 0x10000-0x15fff */
#define RESET_IP(x)	((x) - reset_start + 0xf000)

	.section .reset, "ax"
	.code16
	.globl	reset_start
reset_start:
	cli
	cld
	lgdtl	%cs:RESET_IP(fw_gdt_desc)
	movl	%cr0, %eax
	andl	$0x9fffffff, %eax		/* CD, NW off */
	orb	$1, %al				/* PE */
	movl	%eax, %cr0
	ljmpl	$SEL_CODE32, $pm32

	.code32
pm32:
	movl	$SEL_DATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	/* PML4[0] -> PDPT, PDPT[0..3] -> PD0..3, PDs: 2048 x 2 MiB */
	movl	$PGT_BASE, %edi
	xorl	%eax, %eax
	movl	$(6 * 1024), %ecx
	rep stosl
	movl	$(PGT_BASE + 0x1000 + 3), PGT_BASE
	movl	$(PGT_BASE + 0x1000), %edi
	movl	$(PGT_BASE + 0x2000 + 3), %eax
	movl	$4, %ecx
1:	movl	%eax, (%edi)
	addl	$0x1000, %eax
	addl	$8, %edi
	decl	%ecx
	jnz	1b
	movl	$(PGT_BASE + 0x2000), %edi
	movl	$0x83, %eax			/* P, W, PS */
	movl	$2048, %ecx
2:	movl	%eax, (%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	decl	%ecx
	jnz	2b
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$PGT_BASE, %eax
	movl	%eax, %cr3
	movl	$0xC0000080, %ecx		/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax		/* PG | PE */
	movl	%eax, %cr0
	ljmpl	$SEL_CODE64, $lm64

	.code64
lm64:
	movl	$__payload_lma, %esi
	movl	$__payload_vma, %edi
	movl	$__payload_size, %ecx
	rep movsb
	movl	$startup_fw, %eax
	jmp	*%rax

	.p2align 3
fw_gdt:
	.quad	0
	/* accessed bits preset: the CPU must not write to the flash */
	.quad	0x00cf9b000000ffff		/* 0x08: 32-bit code */
	.quad	0x00cf93000000ffff		/* 0x10: data */
	.quad	0x00af9b000000ffff		/* 0x18: 64-bit code */
fw_gdt_end:
fw_gdt_desc:
	.word	fw_gdt_end - fw_gdt - 1
	.long	fw_gdt

/* The reset vector: 16 bytes below 4 GiB. */
	.section .resetvec, "ax"
	.code16
	.globl	reset_vector
reset_vector:
	jmp	reset_start
	.fill	16 - (. - reset_vector), 1, 0xf4	/* hlt */
