/* SPDX-License-Identifier: GPL-2.0 */
/*
 * svtest bzImage setup sectors (Linux boot protocol 2.15).
 *
 * Loaders that enter in long mode (StratoVirt) or at code32_start only
 * read the header.  Loaders that run the real-mode setup (QEMU's linuxboot
 * option ROM, qboot: CS = seg + 0x20, IP = 0, DS = ES = SS = seg) land at
 * offset 0x200: we build boot_params in the zero page kept at offset
 * ZP_OFF of these sectors (header copy + BIOS E820 map), switch to 32-bit
 * protected mode and jump to code32_start with ESI = boot_params.
 *
 * syssize, init_size and kernel_info_offset are filled in by mkbzimage.
 */
#define SETUP_SECTS	15		/* + boot sector = 0x2000 bytes */
#define ZP_OFF		0x1000

	.code16
	.text
	.globl	_start
_start:
	.org	0x1f1
hdr:
	.byte	SETUP_SECTS		/* setup_sects */
	.word	0			/* root_flags */
	.long	0			/* syssize (patched) */
	.word	0			/* ram_size */
	.word	0xffff			/* vid_mode: normal */
	.word	0			/* root_dev */
	.word	0xaa55			/* boot_flag */
	.org	0x200
	jmp	start_of_setup		/* jump (2 bytes) */
	.ascii	"HdrS"			/* header */
	.word	0x020f			/* version 2.15 */
	.long	0			/* realmode_swtch */
	.word	0x1000			/* start_sys_seg */
	.word	kernel_version - 0x200	/* kernel_version */
	.byte	0			/* type_of_loader */
	.byte	0x01			/* loadflags: LOADED_HIGH */
	.word	0x8000			/* setup_move_size */
	.long	0x100000		/* code32_start */
	.long	0			/* ramdisk_image */
	.long	0			/* ramdisk_size */
	.long	0			/* bootsect_kludge */
	.word	0			/* heap_end_ptr */
	.byte	0			/* ext_loader_ver */
	.byte	0			/* ext_loader_type */
	.long	0			/* cmd_line_ptr */
	.long	0x37ffffff		/* initrd_addr_max */
	.long	0x200000		/* kernel_alignment */
	.byte	0			/* relocatable_kernel */
	.byte	21			/* min_alignment */
	.word	0x0001			/* xloadflags: XLF_KERNEL_64 */
	.long	2047			/* cmdline_size */
	.long	0			/* hardware_subarch */
	.quad	0			/* hardware_subarch_data */
	.long	0			/* payload_offset */
	.long	0			/* payload_length */
	.quad	0			/* setup_data */
	.quad	0x100000		/* pref_address */
	.long	0			/* init_size (patched) */
	.long	0			/* handover_offset */
	.long	0			/* kernel_info_offset (patched) */
hdr_end:

start_of_setup:
	cli
	cld
	movw	%ds, %ax
	movw	%ax, %es
	movw	%ax, %ss
	movw	$ZP_OFF, %sp
	/* boot_params.hdr = our (loader-filled) header */
	movw	$hdr, %si
	movw	$(ZP_OFF + 0x1f1), %di
	movw	$(hdr_end - hdr), %cx
	rep movsb
	/* BIOS E820 into boot_params.e820_table (0x2d0), count at 0x1e8 */
	xorl	%ebx, %ebx
	xorw	%bp, %bp
	movw	$(ZP_OFF + 0x2d0), %di
1:	movl	$0xe820, %eax
	movl	$20, %ecx
	movl	$0x534d4150, %edx
	pushw	%di
	pushw	%bp
	int	$0x15
	popw	%bp
	popw	%di
	jc	2f
	cmpl	$0x534d4150, %eax
	jne	2f
	incw	%bp
	addw	$20, %di
	testl	%ebx, %ebx
	jz	2f
	cmpw	$128, %bp
	jb	1b
2:	movw	%bp, %ax
	movb	%al, (ZP_OFF + 0x1e8)
	/* linear base of this segment */
	cli
	xorl	%ebx, %ebx
	movw	%ds, %bx
	shll	$4, %ebx
	addl	%ebx, gdt_ptr + 2
	addl	%ebx, pm_ptr
	lgdtl	gdt_ptr
	movl	%ebx, %esi
	addl	$ZP_OFF, %esi
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	ljmpl	*pm_ptr

	.code32
pm32:
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	0x214(%esi), %eax	/* boot_params.hdr.code32_start */
	jmp	*%eax

	.p2align 3
gdt:
	.quad	0
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x10: __BOOT_CS */
	.quad	0x00cf92000000ffff	/* 0x18: __BOOT_DS */
gdt_end:
gdt_ptr:
	.word	gdt_end - gdt - 1
	.long	gdt			/* + linear base at run time */
pm_ptr:
	.long	pm32			/* + linear base at run time */
	.word	0x10
kernel_version:
	.asciz	"svtest"

	.org	ZP_OFF
	.fill	0x1000, 1, 0		/* boot_params built here */
