// SPDX-License-Identifier: MIT
/* Unit tests for vmm/devices/fw_cfg: port and DMA protocol on fake RAM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>

#include <cmocka.h>

#include "vmm/bus/bus.h"
#include "vmm/devices/fw_cfg.h"
#include "vmm/mem/mem.h"

#define RAM_GPA 0x100000ull
#define RAM_SIZE 0x10000u

struct fx {
	struct bus pio;
	struct gmem mem;
	uint8_t *ram;
	struct fw_cfg *f;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	x->ram = calloc(1, RAM_SIZE);
	bus_init(&x->pio, "pio");
	gmem_init(&x->mem);
	if (gmem_add_region(&x->mem, RAM_GPA, RAM_SIZE, x->ram, 0))
		return -1;
	if (fw_cfg_create(&x->pio, 0x510, &x->mem, &x->f))
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	fw_cfg_destroy(x->f);
	gmem_fini(&x->mem);
	bus_fini(&x->pio);
	free(x->ram);
	free(x);
	return 0;
}

static void sel(struct fx *x, uint16_t key)
{
	assert_true(bus_write(&x->pio, 0x510, &key, 2));
}

static uint8_t rd(struct fx *x)
{
	uint8_t v;

	assert_true(bus_read(&x->pio, 0x511, &v, 1));
	return v;
}

/* Descriptor at RAM_GPA, buffer at RAM_GPA + 0x100. */
static uint32_t dma(struct fx *x, uint32_t ctl, uint32_t len, uint64_t addr)
{
	uint32_t d[4] = { htobe32(ctl), htobe32(len),
			  htobe32((uint32_t)(addr >> 32)), htobe32((uint32_t)addr) };
	uint32_t hi = htobe32((uint32_t)(RAM_GPA >> 32));
	uint32_t lo = htobe32((uint32_t)RAM_GPA);

	memcpy(x->ram, d, sizeof(d));
	assert_true(bus_write(&x->pio, 0x514, &hi, 4));
	assert_true(bus_write(&x->pio, 0x518, &lo, 4));
	memcpy(&ctl, x->ram, 4);
	return be32toh(ctl);
}

static void test_signature_id(void **state)
{
	struct fx *x = *state;
	uint8_t sig[8];
	char s[5] = { 0 };
	int i;

	sel(x, FW_CFG_SIGNATURE);
	for (i = 0; i < 4; i++)
		s[i] = (char)rd(x);
	assert_string_equal(s, "QEMU");
	assert_int_equal(rd(x), 0);	/* past the end */
	sel(x, FW_CFG_ID);
	assert_int_equal(rd(x), FW_CFG_VERSION | FW_CFG_VERSION_DMA);
	assert_true(bus_read(&x->pio, 0x514, sig, 8));
	assert_memory_equal(sig, "QEMU CFG", 8);
}

static void test_files_dma(void **state)
{
	struct fx *x = *state;
	const struct fw_cfg_e820 e[2] = { { 0, 0x80000000, 1 },
					  { 0xfef0c000, 0x4000, 2 } };
	uint8_t dir[4 + 64];

	assert_int_equal(fw_cfg_add_file(x->f, "etc/e820", "x", 1), 0);
	assert_int_equal(fw_cfg_add_e820(x->f, e, 2), 0);	/* replaces */
	assert_int_equal(dma(x, (FW_CFG_FILE_DIR << 16) | FW_CFG_DMA_CTL_SELECT
			     | FW_CFG_DMA_CTL_READ, sizeof(dir),
			     RAM_GPA + 0x100), 0);
	memcpy(dir, x->ram + 0x100, sizeof(dir));
	assert_int_equal(dir[3], 1);
	assert_int_equal(dir[7], 40);	/* size, big-endian */
	assert_int_equal(dir[9], FW_CFG_FILE_FIRST);
	assert_string_equal((char *)dir + 12, "etc/e820");
	/* skip 20 bytes, read the second entry's addr */
	assert_int_equal(dma(x, (FW_CFG_FILE_FIRST << 16) |
			     FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP, 20, 0), 0);
	assert_int_equal(dma(x, FW_CFG_DMA_CTL_READ, 8, RAM_GPA + 0x200), 0);
	assert_int_equal(le64toh(*(uint64_t *)(x->ram + 0x200)), 0xfef0c000);
}

static void test_dma_errors(void **state)
{
	struct fx *x = *state;

	assert_int_equal(dma(x, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4,
			     0xdead0000), FW_CFG_DMA_CTL_ERROR);
	assert_int_equal(dma(x, FW_CFG_DMA_CTL_READ, 0x100,
			     RAM_GPA + RAM_SIZE - 0x10), FW_CFG_DMA_CTL_ERROR);
	assert_int_equal(dma(x, FW_CFG_DMA_CTL_WRITE, 4, RAM_GPA + 0x100),
			 FW_CFG_DMA_CTL_ERROR);
	/* descriptor outside RAM: nothing happens, VMM lives on */
	{
		uint64_t a = htobe64(0x7000000000ull);

		assert_true(bus_write(&x->pio, 0x514, &a, 8));
	}
	/* reading past an item fills zeros */
	memset(x->ram + 0x100, 0xaa, 8);
	assert_int_equal(dma(x, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 8,
			     RAM_GPA + 0x100), 0);
	assert_memory_equal(x->ram + 0x100, "QEMU\0\0\0\0", 8);
}

static void test_kernel_cmdline(void **state)
{
	struct fx *x = *state;
	uint8_t *img = calloc(1, 0x2000);
	uint32_t v;

	assert_int_equal(fw_cfg_add_kernel(x->f, img, 0x2000), -EINVAL);
	memcpy(img + 0x202, "HdrS", 4);
	img[0x1f1] = 3;
	img[0x800] = 0x5a;
	assert_int_equal(fw_cfg_add_kernel(x->f, img, 0x2000), 0);
	sel(x, FW_CFG_SETUP_SIZE);
	v = rd(x);
	v |= rd(x) << 8;
	assert_int_equal(v, 0x800);
	sel(x, FW_CFG_KERNEL_SIZE);
	v = rd(x);
	v |= rd(x) << 8;
	assert_int_equal(v, 0x1800);
	sel(x, FW_CFG_KERNEL_DATA);
	assert_int_equal(rd(x), 0x5a);
	assert_int_equal(fw_cfg_add_cmdline(x->f, "console=ttyS0"), 0);
	sel(x, FW_CFG_CMDLINE_SIZE);
	assert_int_equal(rd(x), 14);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signature_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_cmdline, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
