// SPDX-License-Identifier: MIT
/* bzImage loading: a hand-built header, then every way it can be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/boot_fixture.h"
#include "vmm/arch/x86/layout.h"
#include "vmm/boot/boot.h"

#define KLEN (64u << 10)

static int load(struct fx *f, uint8_t *file, size_t len, const char *cmdline,
		struct boot_info *bi)
{
	struct boot_args a = { .cmdline = cmdline };

	a.kernel = fx_file(f, "bzImage", file, len);
	assert_non_null(a.kernel);
	return boot_load(&f->m, &f->layout, &a, bi);
}

static struct boot_params *zero_page(struct fx *f)
{
	return (struct boot_params *)(f->ram + X86_ZERO_PAGE_GPA);
}

static void test_valid(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	struct boot_params *bp;
	size_t len;
	uint8_t *file = fx_bzimage(8, KLEN, &len);

	assert_int_equal(load(f, file, len, "console=ttyS0", &bi), 0);
	assert_int_equal(bi.mode, BOOT_MODE_LONG64);
	assert_int_equal(bi.format, BOOT_FORMAT_BZIMAGE);
	assert_int_equal(bi.entry, 0x100200);
	assert_int_equal(bi.kernel_start, 0x100000);
	assert_int_equal(bi.kernel_end, 0x100000 + 2 * KLEN); /* init_size */
	assert_int_equal(bi.params_gpa, 0x7000);
	assert_memory_equal(f->ram + 0x100000, file + 9 * 512, KLEN);
	bp = zero_page(f);
	assert_int_equal(bp->hdr.setup_sects, 8);
	assert_int_equal(bp->hdr.syssize, KLEN / 16);
	assert_int_equal(bp->hdr.version, 0x20f);
	assert_int_equal(bp->hdr.header, BP_HDR_MAGIC);
	assert_int_equal(bp->hdr.boot_flag, BP_BOOT_FLAG);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.vid_mode, 0xffff);
	assert_int_equal(bp->hdr.cmd_line_ptr, 0x20000);
	assert_int_equal(bp->hdr.cmdline_size, 2047);
	assert_int_equal(bp->hdr.ramdisk_image, 0);
	assert_int_equal(bp->hdr.ramdisk_size, 0);
	assert_int_equal(bp->hdr.pref_address, 0x1000000);
	assert_string_equal((char *)f->ram + 0x20000, "console=ttyS0");
	assert_int_equal(bp->e820_entries, 4);
	assert_int_equal(bp->e820_table[3].addr, 0x100000);
	assert_int_equal(bp->e820_table[3].size, (128u << 20) - 0x100000);
	free(file);
}

static void test_setup_sects_zero(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(0, KLEN, &len);

	assert_int_equal(len, 5 * 512 + KLEN);
	assert_int_equal(load(f, file, len, "", &bi), 0);
	assert_memory_equal(f->ram + 0x100000, file + 5 * 512, KLEN);
	free(file);
}

/* Header copy stops where the file's jump at 0x200 says. */
static void test_short_header_copy(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(4, KLEN, &len);

	file[0x201] = 0x50; /* header ends at 0x252 */
	memset(f->ram + 0x7000, 0xee, 0x1000);
	assert_int_equal(load(f, file, len, "", &bi), 0);
	assert_int_equal(zero_page(f)->hdr.cmdline_size, 2047);
	assert_int_equal(zero_page(f)->hdr.pref_address, 0); /* 0x258 */
	assert_int_equal(zero_page(f)->hdr.init_size, 0);
	free(file);
}

static void test_protocol_too_old(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(4, KLEN, &len);

	fx_hdr(file)->version = 0x205;
	assert_int_equal(load(f, file, len, "", &bi), -ENOEXEC);
	free(file);
}

static void test_not_loaded_high(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(4, KLEN, &len);

	fx_hdr(file)->loadflags = 0;
	assert_int_equal(load(f, file, len, "", &bi), -ENOEXEC);
	free(file);
}

static void test_no_64bit_entry(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(4, KLEN, &len);

	fx_hdr(file)->xloadflags = 0;
	assert_int_equal(load(f, file, len, "", &bi), -ENOEXEC);
	/* Before 2.12 there are no xloadflags to check. */
	fx_hdr(file)->version = 0x20b;
	assert_int_equal(load(f, file, len, "", &bi), 0);
	free(file);
}

static void test_truncated(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(4, KLEN, &len);

	assert_int_equal(load(f, file, len - 16, "", &bi), -ENOEXEC);
	fx_hdr(file)->syssize = 0xffffffff;
	assert_int_equal(load(f, file, len, "", &bi), -ENOEXEC);
	fx_hdr(file)->syssize = 0;
	assert_int_equal(load(f, file, len, "", &bi), -ENOEXEC);
	free(file);
	file = fx_bzimage(4, 0x200, &len); /* ends at the entry */
	assert_int_equal(load(f, file, len, "", &bi), -ENOEXEC);
	free(file);
}

/* Bytes after the last whole paragraph (syssize rounds down) are loaded. */
static void test_tail_loaded(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(4, KLEN + 12, &len);

	assert_int_equal(fx_hdr(file)->syssize, KLEN / 16);
	memset(f->ram + 0x100000, 0, KLEN + 16);
	assert_int_equal(load(f, file, len, "", &bi), 0);
	assert_memory_equal(f->ram + 0x100000, file + 5 * 512, KLEN + 12);
	free(file);
}

static void test_huge_setup_sects(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(4, 4096, &len);

	fx_hdr(file)->setup_sects = 255; /* 128 KiB of setup */
	assert_int_equal(load(f, file, len, "", &bi), -ENOEXEC);
	free(file);
}

static void test_code32_low(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(4, KLEN, &len);

	fx_hdr(file)->code32_start = 0x10000;
	assert_int_equal(load(f, file, len, "", &bi), -ENOEXEC);
	fx_hdr(file)->code32_start = 0; /* means 0x100000 */
	assert_int_equal(load(f, file, len, "", &bi), 0);
	assert_int_equal(bi.entry, 0x100200);
	free(file);
}

static void test_does_not_fit(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(4, KLEN, &len);

	fx_hdr(file)->init_size = 128u << 20; /* more than RAM above 1M */
	assert_int_equal(load(f, file, len, "", &bi), -EINVAL);
	fx_hdr(file)->init_size = 0;
	fx_hdr(file)->code32_start = 0xfff00000;
	assert_int_equal(load(f, file, len, "", &bi), -EINVAL);
	free(file);
}

static void test_cmdline_size(void **state)
{
	struct fx *f = *state;
	struct boot_info bi;
	size_t len;
	uint8_t *file = fx_bzimage(4, KLEN, &len);

	fx_hdr(file)->cmdline_size = 16;
	assert_int_equal(load(f, file, len, "0123456789abcdef", &bi), 0);
	assert_string_equal((char *)f->ram + 0x20000, "0123456789abcdef");
	assert_int_equal(load(f, file, len, "0123456789abcdefg", &bi), -EINVAL);
	free(file);
}

static void test_initrd_addr_max(void **state)
{
	struct fx *f = *state;
	struct boot_args a = { .cmdline = "" };
	struct boot_info bi;
	uint8_t rd[6000];
	char kpath[128];
	size_t len;
	uint8_t *file = fx_bzimage(4, KLEN, &len);

	memset(rd, 0x5a, sizeof(rd));
	fx_hdr(file)->initrd_addr_max = 0x3ffffff;
	snprintf(kpath, sizeof(kpath), "%s", fx_file(f, "bz", file, len));
	a.kernel = kpath;
	a.initrd = fx_file(f, "initrd", rd, sizeof(rd));
	assert_int_equal(boot_load(&f->m, &f->layout, &a, &bi), 0);
	assert_int_equal(bi.initrd_gpa, (0x3ffffffu - 6000) & ~0xfffu);
	assert_int_equal(zero_page(f)->hdr.ramdisk_image, bi.initrd_gpa);
	assert_int_equal(zero_page(f)->hdr.ramdisk_size, 6000);
	assert_memory_equal(f->ram + bi.initrd_gpa, rd, sizeof(rd));
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_setup_sects_zero),
		cmocka_unit_test(test_short_header_copy),
		cmocka_unit_test(test_protocol_too_old),
		cmocka_unit_test(test_not_loaded_high),
		cmocka_unit_test(test_no_64bit_entry),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_tail_loaded),
		cmocka_unit_test(test_huge_setup_sects),
		cmocka_unit_test(test_code32_low),
		cmocka_unit_test(test_does_not_fit),
		cmocka_unit_test(test_cmdline_size),
		cmocka_unit_test(test_initrd_addr_max),
	};

	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
