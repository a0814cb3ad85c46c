// SPDX-License-Identifier: MIT
/*
 * The software CPU of tests/emu/ runs the project's svtest guest
 * ($O/guests/svtest.bin, gcc -O2 freestanding code) directly, without the
 * VMM: 64-bit entry at 16 MiB, RSI = boot_params, 1 GiB identity map, a
 * fake 8250 on COM1 and an i8042 reset port. Skips when the guest has not
 * been built. Set SV_EMU_GUEST_VERBOSE=1 to see the guest's output.
 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/test_emu_fixture.h"

#define RAM_SIZE (64ull << 20)
#define LOAD_GPA 0x1000000ull
#define BP_GPA 0x7000ull
#define CMDLINE_GPA 0x20000ull
#define PML4_GPA 0x9000ull
#define MAX_EXITS 5000000u

struct guest_run {
	char out[8192];
	size_t n;
	bool reset;
	enum vcpu_exit_kind last;
	unsigned int exits;
	uint64_t mmio_reads;
	uint64_t pio_writes;
};

static char image_path[PATH_MAX];

static int load_image(struct emu_fx *f)
{
	int fd = open(image_path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, f->ram + LOAD_GPA, RAM_SIZE - LOAD_GPA);
	close(fd);
	return n > 0 ? 0 : -1;
}

static void put32(struct emu_fx *f, uint64_t gpa, uint32_t v)
{
	memcpy(f->ram + gpa, &v, 4);
}

static void e820(struct emu_fx *f, int i, uint64_t addr, uint64_t size)
{
	uint64_t e = BP_GPA + 0x2d0 + 20 * (uint64_t)i;

	emu_fx_put64(f, e, addr);
	emu_fx_put64(f, e + 8, size);
	put32(f, e + 16, 1);
}

/* boot_params: cmdline pointer, e820, header magic; 1 GiB identity map. */
static void boot_setup(struct emu_fx *f, const char *cmdline)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = LOAD_GPA, .rsi = BP_GPA, .rflags = 2 };

	memcpy(f->ram + CMDLINE_GPA, cmdline, strlen(cmdline) + 1);
	put32(f, BP_GPA + 0x228, CMDLINE_GPA);
	put32(f, BP_GPA + 0x202, 0x53726448); /* "HdrS" */
	f->ram[BP_GPA + 0x1e8] = 2;
	e820(f, 0, 0, 0x9fc00);
	e820(f, 1, 0x100000, RAM_SIZE - 0x100000);
	emu_fx_put64(f, PML4_GPA, (PML4_GPA + 0x1000) | 3);
	emu_fx_put64(f, PML4_GPA + 0x1000, (PML4_GPA + 0x2000) | 3);
	for (uint64_t i = 0; i < 512; i++)
		emu_fx_put64(f, PML4_GPA + 0x2000 + 8 * i, (i << 21) | 0x83);
	emu_fx_long_mode(&s, PML4_GPA);
	assert_int_equal(kvm_vcpu_set_sregs(f->cpu, &s), 0);
	assert_int_equal(kvm_vcpu_set_regs(f->cpu, &r), 0);
}

static bool handle_io(struct guest_run *g, struct vcpu_exit *e)
{
	uint8_t v = e->io.data[0];

	if (!e->io.write) {
		memset(e->io.data, e->io.port == 0x3fd ? 0x60 : 0xff,
		       e->io.size);
		return true;
	}
	g->pio_writes++;
	if (e->io.port == 0x3f8 && g->n + 1 < sizeof(g->out))
		g->out[g->n++] = (char)v;
	if (e->io.port == 0x64 && v == 0xfe) {
		g->reset = true;
		return false;
	}
	return true;
}

static void run_guest(const char *cmdline, struct guest_run *g)
{
	struct emu_fx f;
	struct vcpu_exit e;
	bool go = true;

	memset(g, 0, sizeof(*g));
	assert_int_equal(emu_fx_init(&f, RAM_SIZE), 0);
	assert_int_equal(load_image(&f), 0);
	boot_setup(&f, cmdline);
	while (go && g->exits++ < MAX_EXITS) {
		assert_int_equal(kvm_vcpu_run(f.cpu, &e), 0);
		g->last = e.kind;
		if (e.kind == VCPU_EXIT_IO) {
			go = handle_io(g, &e);
		} else if (e.kind == VCPU_EXIT_MMIO) {
			if (!e.mmio.write)
				memset(e.mmio.data, 0x5a, e.mmio.len);
			g->mmio_reads += !e.mmio.write;
		} else {
			go = false;
		}
	}
	g->out[g->n] = 0;
	if (getenv("SV_EMU_GUEST_VERBOSE"))
		print_message("--- %s ---\n%s--- exit %d after %u exits\n",
			      cmdline, g->out, g->last, g->exits);
	emu_fx_fini(&f);
}

static void expect_pass(const char *cmdline)
{
	struct guest_run g;

	run_guest(cmdline, &g);
	if (!strstr(g.out, "TEST: PASS") || !g.reset)
		fail_msg("%s: exit %d, reset %d, output:\n%s", cmdline, g.last,
			 g.reset, g.out);
}

static void test_hello(void **state)
{
	(void)state;
	expect_pass("console=ttyS0 svtest=hello");
}

static void test_boot(void **state)
{
	(void)state;
	expect_pass("console=ttyS0 svtest=boot svmem=64 svmagic=abc123");
}

static void test_pio(void **state)
{
	struct guest_run g;

	(void)state;
	run_guest("svtest=pio svpio.n=2000", &g);
	assert_non_null(strstr(g.out, "pio: 2000 writes to port 0x80"));
	assert_non_null(strstr(g.out, "TEST: PASS"));
	assert_true(g.pio_writes > 2000);
}

static void test_mmio(void **state)
{
	struct guest_run g;

	(void)state;
	run_guest("svtest=mmio svpio.n=500", &g);
	assert_non_null(strstr(g.out, "reads 0x5a5a5a5a"));
	assert_non_null(strstr(g.out, "TEST: PASS"));
	assert_int_equal(g.mmio_reads, 500);
}

static void test_triple(void **state)
{
	struct guest_run g;

	(void)state;
	run_guest("svtest=triple", &g);
	assert_non_null(strstr(g.out, "svtest: triple fault"));
	assert_int_equal(g.last, VCPU_EXIT_SHUTDOWN);
}

static int find_image(void **state)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	const char *env = getenv("SVTEST_BIN");

	(void)state;
	if (env) {
		snprintf(image_path, sizeof(image_path), "%s", env);
		return 0;
	}
	if (n <= 0)
		return 0;
	self[n] = 0;
	/* $O/tests/unit/test_emu_guest -> $O/guests/svtest.bin */
	snprintf(image_path, sizeof(image_path), "%s/../../guests/svtest.bin",
		 dirname(self));
	return 0;
}

static int need_image(void **state)
{
	(void)state;
	if (access(image_path, R_OK) != 0) {
		print_message("%s missing: build the test guests first\n",
			      image_path);
		return -1;
	}
	return 0;
}

static void skip_all(void **state)
{
	(void)state;
	skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),  cmocka_unit_test(test_boot),
		cmocka_unit_test(test_pio),    cmocka_unit_test(test_mmio),
		cmocka_unit_test(test_triple),
	};

	find_image(NULL);
	if (need_image(NULL)) {
		/* cmocka has no group skip: report each test as skipped. */
		const struct CMUnitTest skipped[] = {
			cmocka_unit_test(skip_all),
		};

		return cmocka_run_group_tests(skipped, NULL, NULL);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
