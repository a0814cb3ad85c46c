// SPDX-License-Identifier: MIT
/*
 * boot_load() beyond bzImage: raw vmlinux.bin, ELF with and without a PVH
 * note, bad inputs, initrd placement and overlap, command line limits and
 * the e820 map for several RAM sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <elf.h>

#include "tests/unit/boot_fixture.h"
#include "vmm/arch/x86/layout.h"
#include "vmm/boot/boot.h"
#include "vmm/boot/boot_internal.h"

#define ELF_SIZE 0x3100
#define PVH_ENTRY 0x1000040

static int load2(struct fx *f, const char *kernel, const char *initrd,
		 const char *cmdline, struct boot_info *bi)
{
	char k[128], i[128];
	struct boot_args a = { .cmdline = cmdline };

	snprintf(k, sizeof(k), "%s", kernel);
	a.kernel = k;
	if (initrd) {
		snprintf(i, sizeof(i), "%s", initrd);
		a.initrd = i;
	}
	return boot_load(&f->m, &f->layout, &a, bi);
}

static size_t put_note(uint8_t *p, const char *name, uint32_t type,
		       const void *desc, uint32_t descsz)
{
	uint32_t nh[3] = { (uint32_t)strlen(name) + 1, descsz, type };
	size_t off = sizeof(nh);

	memcpy(p, nh, sizeof(nh));
	memcpy(p + off, name, nh[0]);
	off += (nh[0] + 3) & ~3u;
	memcpy(p + off, desc, descsz);
	return off + ((descsz + 3) & ~3u);
}

/* ELF64 with two PT_LOADs (the second with bss) and a PT_NOTE. */
static uint8_t *make_elf(bool pvh, uint32_t pvh_descsz)
{
	uint8_t *b = calloc(1, ELF_SIZE);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(b + sizeof(*eh));
	uint8_t gnu[20] = { 1, 2, 3 };
	uint64_t entry = PVH_ENTRY;
	size_t n;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_machine = EM_X86_64;
	eh->e_entry = 0xffffffff81000000ull;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 3;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD,
			      .p_offset = 0x1000,
			      .p_paddr = 0x1000000,
			      .p_filesz = 0x1000,
			      .p_memsz = 0x1000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD,
			      .p_offset = 0x2000,
			      .p_paddr = 0x1200000,
			      .p_filesz = 0x800,
			      .p_memsz = 0x3000 };
	n = put_note(b + 0x3000, "GNU", 3, gnu, sizeof(gnu));
	if (pvh)
		n += put_note(b + 0x3000 + n, "Xen", 18, &entry, pvh_descsz);
	ph[2] = (Elf64_Phdr){ .p_type = PT_NOTE,
			      .p_offset = 0x3000,
			      .p_filesz = n };
	for (size_t i = 0x1000; i < 0x2800; i++)
		b[i] = fx_pattern(i);
	return b;
}

static void test_raw(void **state)
{
	struct fx *f = *state;
	struct boot_params *bp = (void *)(f->ram + X86_ZERO_PAGE_GPA);
	uint8_t img[8192];
	struct boot_info bi;

	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = fx_pattern(i);
	assert_int_equal(load2(f, fx_file(f, "vmlinux.bin", img, sizeof(img)),
			       NULL, "root=/dev/vda", &bi),
			 0);
	assert_int_equal(bi.format, BOOT_FORMAT_RAW);
	assert_int_equal(bi.mode, BOOT_MODE_LONG64);
	assert_int_equal(bi.entry, 0x1000000);
	assert_int_equal(bi.kernel_end, 0x1000000 + sizeof(img));
	assert_memory_equal(f->ram + 0x1000000, img, sizeof(img));
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_int_equal(bp->hdr.header, BP_HDR_MAGIC);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.cmd_line_ptr, 0x20000);
	assert_int_equal(bp->hdr.kernel_alignment, 0x1000000);
	assert_string_equal((char *)f->ram + 0x20000, "root=/dev/vda");
	assert_int_equal(bp->e820_entries, 4);
}

static void check_start_info(struct fx *f, uint64_t initrd, uint64_t size)
{
	struct hvm_start_info si;
	struct hvm_memmap_table_entry mm[4];
	struct hvm_modlist_entry mod;

	memcpy(&si, f->ram + X86_PVH_INFO_GPA, sizeof(si));
	assert_int_equal(si.magic, 0x336ec578);
	assert_int_equal(si.version, 1);
	assert_int_equal(si.cmdline_paddr, 0x20000);
	assert_int_equal(si.rsdp_paddr, 0);
	assert_int_equal(si.memmap_entries, 4);
	assert_true(si.memmap_paddr >= X86_PVH_INFO_GPA + sizeof(si));
	memcpy(mm, f->ram + si.memmap_paddr, sizeof(mm));
	assert_int_equal(mm[0].addr, 0);
	assert_int_equal(mm[0].size, 0x9fc00);
	assert_int_equal(mm[0].type, E820_RAM);
	assert_int_equal(mm[1].type, E820_RESERVED);
	assert_int_equal(mm[3].addr, 0x100000);
	assert_int_equal(mm[3].size, (128u << 20) - 0x100000);
	assert_int_equal(si.nr_modules, initrd ? 1 : 0);
	if (!initrd)
		return;
	memcpy(&mod, f->ram + si.modlist_paddr, sizeof(mod));
	assert_int_equal(mod.paddr, initrd);
	assert_int_equal(mod.size, size);
}

static void test_elf_pvh(void **state)
{
	struct fx *f = *state;
	uint8_t *elf = make_elf(true, 8), rd[100];
	struct boot_info bi;

	memset(f->ram + 0x1200000, 0xff, 0x3000);
	memset(rd, 0x33, sizeof(rd));
	assert_int_equal(load2(f, fx_file(f, "vmlinux", elf, ELF_SIZE),
			       fx_file(f, "rd", rd, sizeof(rd)), "quiet", &bi),
			 0);
	assert_int_equal(bi.format, BOOT_FORMAT_ELF_PVH);
	assert_int_equal(bi.mode, BOOT_MODE_PVH32);
	assert_int_equal(bi.entry, PVH_ENTRY);
	assert_int_equal(bi.params_gpa, X86_PVH_INFO_GPA);
	assert_int_equal(bi.kernel_start, 0x1000000);
	assert_int_equal(bi.kernel_end, 0x1203000);
	assert_memory_equal(f->ram + 0x1000000, elf + 0x1000, 0x1000);
	assert_memory_equal(f->ram + 0x1200000, elf + 0x2000, 0x800);
	assert_int_equal(f->ram[0x1200800], 0); /* bss cleared */
	assert_int_equal(f->ram[0x1202fff], 0);
	assert_string_equal((char *)f->ram + 0x20000, "quiet");
	assert_int_equal(bi.initrd_gpa, ((128u << 20) - 100) & ~0xfffu);
	check_start_info(f, bi.initrd_gpa, 100);
	free(elf);

	elf = make_elf(true, 4); /* 32-bit entry field */
	assert_int_equal(
		load2(f, fx_file(f, "vmlinux4", elf, ELF_SIZE), NULL, "", &bi),
		0);
	assert_int_equal(bi.entry, PVH_ENTRY);
	check_start_info(f, 0, 0);
	free(elf);
}

static void test_elf_bad(void **state)
{
	struct fx *f = *state;
	uint8_t *elf = make_elf(false, 0);
	Elf64_Phdr *ph = (Elf64_Phdr *)(elf + sizeof(Elf64_Ehdr));
	struct boot_info bi;

	assert_int_equal(
		load2(f, fx_file(f, "nonote", elf, ELF_SIZE), NULL, "", &bi),
		-ENOEXEC);
	free(elf);

	elf = make_elf(true, 8);
	ph = (Elf64_Phdr *)(elf + sizeof(Elf64_Ehdr));
	ph[0].p_paddr = 0x80000; /* below 1 MiB */
	assert_int_equal(
		load2(f, fx_file(f, "low", elf, ELF_SIZE), NULL, "", &bi),
		-ENOEXEC);
	ph[0].p_paddr = 0x1000000;
	ph[1].p_paddr = 0x7fff000; /* past 128 MiB */
	assert_int_equal(
		load2(f, fx_file(f, "high", elf, ELF_SIZE), NULL, "", &bi),
		-EINVAL);
	ph[1].p_paddr = 0x1200000;
	ph[1].p_filesz = 0x100000; /* past EOF */
	ph[1].p_memsz = 0x100000;
	assert_int_equal(
		load2(f, fx_file(f, "eof", elf, ELF_SIZE), NULL, "", &bi),
		-ENOEXEC);
	ph[1].p_filesz = 0x800;
	((Elf64_Ehdr *)elf)->e_phnum = 5000;
	assert_int_equal(
		load2(f, fx_file(f, "phnum", elf, ELF_SIZE), NULL, "", &bi),
		-ENOEXEC);
	((Elf64_Ehdr *)elf)->e_phnum = 3;
	elf[EI_CLASS] = ELFCLASS32;
	assert_int_equal(
		load2(f, fx_file(f, "elf32", elf, ELF_SIZE), NULL, "", &bi),
		-ENOEXEC);
	free(elf);
}

static void test_bad_files(void **state)
{
	struct fx *f = *state;
	uint8_t buf[8192];
	struct boot_info bi;

	memset(buf, 0x90, sizeof(buf));
	assert_int_equal(
		load2(f, fx_file(f, "small", buf, 4095), NULL, "", &bi),
		-ENOEXEC);
	assert_int_equal(load2(f, fx_file(f, "empty", buf, 0), NULL, "", &bi),
			 -ENOEXEC);
	buf[0] = 'M';
	buf[1] = 'Z';
	assert_int_equal(
		load2(f, fx_file(f, "pe", buf, sizeof(buf)), NULL, "", &bi),
		-ENOEXEC);
	assert_int_equal(load2(f, "/nonexistent/kernel", NULL, "", &bi),
			 -ENOENT);
	assert_int_equal(load2(f, f->dir, NULL, "", &bi), -EINVAL);
	/* Raw image larger than RAM above 16 MiB. */
	assert_int_equal(
		load2(f, fx_sparse(f, "big", 113ull << 20), NULL, "", &bi),
		-EINVAL);
}

/* Files people pass by mistake are refused before any byte runs. */
static void test_not_a_kernel(void **state)
{
	struct fx *f = *state;
	static uint8_t buf[8192];
	struct boot_info bi;

	memset(buf, 'a', sizeof(buf));
	assert_int_equal(load2(f, fx_file(f, "text", buf, sizeof(buf)), NULL,
			       "", &bi), -ENOEXEC);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(load2(f, fx_file(f, "zeros", buf, sizeof(buf)), NULL,
			       "", &bi), -ENOEXEC);
	buf[0] = 0x1f;
	buf[1] = 0x8b;
	assert_int_equal(load2(f, fx_file(f, "gz", buf, sizeof(buf)), NULL,
			       "", &bi), -ENOEXEC);
	memset(buf, 0, sizeof(buf));
	buf[0x438] = 0x53;	/* ext4 superblock magic 0xef53 */
	buf[0x439] = 0xef;
	assert_int_equal(load2(f, fx_file(f, "ext4", buf, sizeof(buf)), NULL,
			       "", &bi), -ENOEXEC);
	memcpy(buf, "070701", 6);
	buf[0x438] = 0;
	assert_int_equal(load2(f, fx_file(f, "cpio", buf, sizeof(buf)), NULL,
			       "", &bi), -ENOEXEC);
	/* Code bytes (nops + binary data) are a plausible raw image. */
	memset(buf, 0x90, sizeof(buf));
	buf[100] = 0x00;
	assert_int_equal(load2(f, fx_file(f, "code", buf, sizeof(buf)), NULL,
			       "", &bi), 0);
	assert_int_equal(bi.format, BOOT_FORMAT_RAW);
}

static void test_initrd(void **state)
{
	struct fx *f = *state;
	struct boot_params *bp = (void *)(f->ram + X86_ZERO_PAGE_GPA);
	uint8_t img[8192], rd[5000];
	struct boot_info bi;
	char k[128];

	memset(img, 0x90, sizeof(img));
	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = fx_pattern(i + 3);
	snprintf(k, sizeof(k), "%s", fx_file(f, "k", img, sizeof(img)));
	assert_int_equal(load2(f, k, fx_file(f, "rd", rd, sizeof(rd)), "", &bi),
			 0);
	assert_int_equal(bi.initrd_gpa, 0x7ffe000);
	assert_int_equal(bi.initrd_size, 5000);
	assert_int_equal(bp->hdr.ramdisk_image, 0x7ffe000);
	assert_int_equal(bp->hdr.ramdisk_size, 5000);
	assert_memory_equal(f->ram + 0x7ffe000, rd, sizeof(rd));
	/* Too large for RAM. */
	assert_int_equal(
		load2(f, k, fx_sparse(f, "huge", 200ull << 20), "", &bi),
		-EINVAL);
	/* Would overlap the kernel [16 MiB, 16 MiB + 100 MiB). */
	snprintf(k, sizeof(k), "%s", fx_sparse(f, "k100", 100ull << 20));
	assert_int_equal(
		load2(f, k, fx_sparse(f, "rd20", 20ull << 20), "", &bi),
		-EINVAL);
	assert_int_equal(load2(f, k, fx_sparse(f, "rd4", 4ull << 20), "", &bi),
			 0);
	assert_true(bi.initrd_gpa >= bi.kernel_end);
	assert_int_equal(load2(f, k, fx_file(f, "rd0", rd, 0), "", &bi),
			 -EINVAL);
}

static void test_initrd_cap(void **state)
{
	struct fx *f = *state;
	uint8_t img[8192], rd[4096];
	struct boot_info bi;
	char k[128];

	/* 1 GiB RAM: the initrd ends at or below 0x37ffffff. */
	assert_int_equal(fx_ram(f, 1ull << 30), 0);
	memset(img, 0x90, sizeof(img));
	memset(rd, 1, sizeof(rd));
	snprintf(k, sizeof(k), "%s", fx_file(f, "k", img, sizeof(img)));
	assert_int_equal(load2(f, k, fx_file(f, "rd", rd, sizeof(rd)), "", &bi),
			 0);
	assert_int_equal(bi.initrd_gpa, 0x37ffe000);
	assert_int_equal(fx_ram(f, 128ull << 20), 0);
}

static void test_cmdline(void **state)
{
	struct fx *f = *state;
	uint8_t img[8192];
	struct boot_info bi;
	char k[128], cmd[2049];

	memset(img, 0x90, sizeof(img));
	memset(cmd, 'a', sizeof(cmd) - 1);
	cmd[2048] = '\0';
	snprintf(k, sizeof(k), "%s", fx_file(f, "k", img, sizeof(img)));
	assert_int_equal(load2(f, k, NULL, cmd, &bi), -EINVAL);
	cmd[2047] = '\0';
	assert_int_equal(load2(f, k, NULL, cmd, &bi), 0);
	assert_int_equal(strlen((char *)f->ram + 0x20000), 2047);
	assert_int_equal(load2(f, k, NULL, NULL, &bi), 0);
	assert_string_equal((char *)f->ram + 0x20000, "");
}

struct e820_case {
	uint64_t mem;
	unsigned int n;
	uint64_t low_end; /* end of the RAM entry from 1 MiB */
	uint64_t high_size; /* RAM from 4 GiB, 0 if none */
};

static void test_e820(void **state)
{
	static const struct e820_case cases[] = {
		{ 128ull << 20, 4, 128ull << 20, 0 },
		{ 1ull << 30, 4, 1ull << 30, 0 },
		{ 3ull << 30, 4, 3ull << 30, 0 },
		{ 4ull << 30, 5, 3ull << 30, 1ull << 30 },
		{ 6ull << 30, 5, 3ull << 30, 3ull << 30 },
	};
	struct e820_entry e[8];
	struct arch_ram_layout l;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct e820_case *c = &cases[i];

		arch_ram_layout(c->mem, ARCH_MICROVM_BELOW_4G_MAX, &l);
		assert_int_equal(l.below_4g_size + l.above_4g_size, c->mem);
		assert_int_equal(x86_e820_build(&l, e, 8), c->n);
		assert_int_equal(e[0].addr, 0);
		assert_int_equal(e[0].size, 0x9fc00);
		assert_int_equal(e[0].type, E820_RAM);
		assert_int_equal(e[1].addr, 0x9fc00);
		assert_int_equal(e[1].size, 0x400);
		assert_int_equal(e[1].type, E820_RESERVED);
		assert_int_equal(e[2].addr, 0xd0000);
		assert_int_equal(e[2].size, 0x30000);
		assert_int_equal(e[2].type, E820_RESERVED);
		assert_int_equal(e[3].addr, 0x100000);
		assert_int_equal(e[3].size, c->low_end - 0x100000);
		assert_int_equal(e[3].type, E820_RAM);
		if (c->n < 5)
			continue;
		assert_int_equal(e[4].addr, 1ull << 32);
		assert_int_equal(e[4].size, c->high_size);
		assert_int_equal(e[4].type, E820_RAM);
	}
	/* The table never overflows the caller's array. */
	arch_ram_layout(6ull << 30, ARCH_MICROVM_BELOW_4G_MAX, &l);
	assert_int_equal(x86_e820_build(&l, e, 2), 2);
}

static void test_pvh_note_scan(void **state)
{
	uint8_t notes[64];
	uint64_t entry = 0, want = 0x1234567;
	size_t n;

	(void)state;
	n = put_note(notes, "Xen", 18, &want, 8);
	assert_int_equal(elf_find_pvh_entry(notes, n, &entry), 0);
	assert_int_equal(entry, want);
	assert_int_equal(elf_find_pvh_entry(notes, n - 1, &entry), -ENOENT);
	n = put_note(notes, "Xen", 17, &want, 8);
	assert_int_equal(elf_find_pvh_entry(notes, n, &entry), -ENOENT);
	n = put_note(notes, "Xe", 18, &want, 8);
	assert_int_equal(elf_find_pvh_entry(notes, n, &entry), -ENOENT);
	memset(notes, 0xff, sizeof(notes)); /* absurd sizes */
	assert_int_equal(elf_find_pvh_entry(notes, sizeof(notes), &entry),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_elf_pvh),
		cmocka_unit_test(test_elf_bad),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_not_a_kernel),
		cmocka_unit_test(test_initrd),
		cmocka_unit_test(test_initrd_cap),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_e820),
		cmocka_unit_test(test_pvh_note_scan),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
