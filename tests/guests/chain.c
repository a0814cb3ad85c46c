// SPDX-License-Identifier: GPL-2.0
/*
 * svtest: `svchain=` mode, a stand-in for StratoVirt's direct-boot loader
 * so the 64-bit entries can be checked under QEMU (which cannot enter
 * them).  Built as svchain.elf (linked at 32 MiB, booted by QEMU as PVH);
 * with
 *   svchain=bz@<addr>  a whole bzImage placed at <addr> (QEMU
 *                      `-device loader,force-raw=on`) is loaded like
 *                      StratoVirt does: payload at code32_start, entered
 *                      at code32_start + 0x200;
 *   svchain=bin        a raw image already at 0x1000000 is entered there;
 * after writing StratoVirt's boot state: boot_params at 0x7000, command
 * line at 0x20000, e820 RAM [0, 0x9fc00) + [1 MiB, end), page tables at
 * 0x9000 (1 GiB identity, 2 MiB pages), GDT at 0x500 (code 0x10, data
 * 0x18), RSP = RBP = 0x8ff0, RSI = 0x7000, RFLAGS = 2.
 */
#include "svtest.h"

#define ZP		0x7000ULL
#define CMDLINE		0x20000ULL
#define SV_PML4		0x9000ULL
#define SV_GDT		0x500ULL
#define SV_IDT		0x520ULL

static void put32(u64 a, u32 v)
{
	*(volatile u32 *)a = v;
}

static void put64(u64 a, u64 v)
{
	*(volatile u64 *)a = v;
}

static void zp_e820(int i, u64 addr, u64 size, u32 type)
{
	u64 e = ZP + 0x2d0 + 20 * (u64)i;

	put64(e, addr);
	put64(e + 8, size);
	put32(e + 16, type);
}

static u64 ram_end_below_4g(void)
{
	u64 end = 0;
	int i;

	for (i = 0; i < bi.ne820; i++) {
		const struct e820e *e = &bi.e820[i];

		if (e->type == 1 && e->addr + e->size <= (4ULL << 30) &&
		    e->addr + e->size > end)
			end = e->addr + e->size;
	}
	return end;
}

static u64 chain_load_bz(u64 blob)
{
	const u8 *b = (const u8 *)blob;
	u32 sects = b[0x1f1] ? b[0x1f1] : 4, code32, syssize;

	if (memcmp(b + 0x202, "HdrS", 4))
		sv_fail("svchain: no HdrS at 0x%lx", blob + 0x202);
	memcpy((void *)(ZP + 0x1f1), b + 0x1f1, 0x26c - 0x1f1);
	code32 = *(const u32 *)(b + 0x214);
	syssize = *(const u32 *)(b + 0x1f4);
	memcpy((void *)(u64)code32, b + (sects + 1) * 512, syssize * 16ULL);
	return code32 + 0x200ULL;
}

static void chain_state(void)
{
	u64 *pml4 = (u64 *)SV_PML4, i;

	for (i = 0; i < 512; i++) {
		pml4[i] = i ? 0 : (SV_PML4 + 0x1000) | 3;
		pml4[512 + i] = i ? 0 : (SV_PML4 + 0x2000) | 3;
		pml4[1024 + i] = (i << 21) | 0x83;
	}
	put64(SV_GDT, 0);
	put64(SV_GDT + 8, 0);
	put64(SV_GDT + 16, 0x00af9b000000ffffULL);
	put64(SV_GDT + 24, 0x00cf93000000ffffULL);
	put64(SV_IDT, 0);
}

static void chain_zero_page(void)
{
	u64 end = ram_end_below_4g();
	int i, n = 4;

	memcpy((void *)CMDLINE, bi.cmdline, strlen(bi.cmdline) + 1);
	*(volatile u16 *)(ZP + 0x1fe) = 0xaa55;
	memcpy((void *)(ZP + 0x202), "HdrS", 4);
	*(volatile u8 *)(ZP + 0x210) = 0xff;		/* type_of_loader */
	put32(ZP + 0x228, (u32)CMDLINE);
	put32(ZP + 0x238, (u32)strlen(bi.cmdline));
	if (bi.has_initrd) {
		put32(ZP + 0x218, (u32)bi.initrd_addr);
		put32(ZP + 0x21c, (u32)bi.initrd_size);
	}
	zp_e820(0, 0, 0x9fc00, 1);
	zp_e820(1, 0x9fc00, 0x400, 2);
	zp_e820(2, 0xd0000, 0x30000, 2);
	zp_e820(3, 0x100000, end - 0x100000, 1);
	for (i = 0; i < bi.ne820 && n < 16; i++)
		if (bi.e820[i].type == 1 && bi.e820[i].addr >= (4ULL << 30))
			zp_e820(n++, bi.e820[i].addr, bi.e820[i].size, 1);
	*(volatile u8 *)(ZP + 0x1e8) = (u8)n;
}

/* StratoVirt's vCPU state: GDT 0x500, CR3 0x9000, RSP 0x8ff0, RSI 0x7000 */
__attribute__((noreturn)) static void chain_jump(u64 entry)
{
	static struct __attribute__((packed)) {
		u16 limit;
		u64 base;
	} gdtr = { 31, SV_GDT }, idtr = { 7, SV_IDT };

	__asm__ volatile("lgdt (%0)\n\t"
			 "lidt (%1)\n\t"
			 "movq %2, %%cr3\n\t"
			 "pushq $0x10\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\tmovl $0x18, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "movq $0x8ff0, %%rsp\n\t"
			 "movq %%rsp, %%rbp\n\t"
			 "pushq $2\n\t"
			 "popfq\n\t"
			 "movq $0x7000, %%rsi\n\t"
			 "jmp *%3"
			 : : "D"(&gdtr), "d"(&idtr), "b"(SV_PML4), "c"(entry)
			 : "rax", "memory");
	__builtin_unreachable();
}

void chain_boot(void)
{
	size_t len;
	const char *v = cmdline_find(bi.cmdline, "svchain=", &len);
	u64 entry = 0x1000000, blob;

	paging_init();
	memset((void *)ZP, 0, 4096);
	if (len > 3 && !memcmp(v, "bz@", 3)) {
		if (sv_strtou64(v + 3, NULL, 0, &blob))
			sv_fail("svchain: bad address");
		entry = chain_load_bz(blob);
	}
	chain_zero_page();
	chain_state();
	chain_jump(entry);
}
