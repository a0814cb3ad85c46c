/* SPDX-License-Identifier: GPL-2.0 */
/* svtest: freestanding x86-64 test guest, shared declarations. */
#ifndef SVTEST_H
#define SVTEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "svtest_asm.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NOINIT		__attribute__((section(".noinit")))
#define MiB		(1024UL * 1024)

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 mmio_read32(u64 addr)
{
	u32 v;

	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32(u64 addr, u32 v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline u8 mmio_read8(u64 addr)
{
	u8 v;

	__asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(addr) : "memory");
	return v;
}

static inline void barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

/* full fence without SSE2 (mfence) */
static inline void mb(void)
{
	__asm__ volatile("lock addl $0, (%%rsp)" : : : "memory", "cc");
}

#define E820_MAX	128

struct e820e {
	u64 addr;
	u64 size;
	u32 type;
};

struct bootinfo {
	int kind;
	char cmdline[4096];
	int ne820;
	struct e820e e820[E820_MAX];
	int has_initrd;
	u64 initrd_addr;
	u64 initrd_size;
};

extern struct bootinfo bi;

/* lib.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int streq(const char *a, const char *b);
int sv_strtou64(const char *s, const char **end, int base, u64 *out);
void sv_putc(char c);
void sv_puts(const char *s);
void sv_vprintf(const char *fmt, va_list ap);
void sv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int sv_snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *cmdline_find(const char *cmd, const char *key, size_t *len);
int cmdline_str(const char *key, char *buf, size_t n);
int cmdline_u64(const char *key, int base, u64 *out);
__attribute__((noreturn)) void sv_exit(void);
__attribute__((noreturn)) void sv_pass(void);
__attribute__((noreturn, format(printf, 1, 2))) void sv_fail(const char *fmt,
							     ...);
void sv_spin_lock(volatile u32 *l);
void sv_spin_unlock(volatile u32 *l);

/* fwboot.c */
void fw_boot(void);

/* boot.c */
void bootinfo_init(int kind, u64 ptr);
void paging_init(void);
int e820_is_ram(u64 addr, u64 size);
void test_boot(void);

/* mp.c */
void test_mptable(void);
void test_smp(void);

/* virtio.c */
void test_blk(void);
void test_blkbench(void);
void test_scribble(void);

/* console.c */
void test_console(void);

/* chain.c */
__attribute__((noreturn)) void chain_boot(void);

/* head.S */
extern char startup_32[];
__attribute__((noreturn)) void sv_triple_fault(void);
extern u64 pgt_pml4[512], pgt_pdpt[512], pgt_pd[4 * 512];
extern char gdt_desc[];
extern char tramp_start[], tramp_end[], tramp_gdtr[], tramp_cr3[];
extern char tramp_stack[], tramp_entry[];

#endif
