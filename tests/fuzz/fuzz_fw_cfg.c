// SPDX-License-Identifier: MIT
/*
 * Fuzz fw_cfg's port and DMA protocol. The input is decoded into small
 * operations: opcode byte, then arguments. Guest RAM is a small fake
 * region; DMA descriptors and buffers may point anywhere.
 *   0: select key (2 bytes)       1: read n data bytes (1 byte n)
 *   2: write 4 bytes of RAM at off (2 off, 4 data)
 *   3: DMA high half (4)          4: DMA low half (4) -> runs
 *   5: DMA 64-bit write (8)       6: read DMA register (1 len)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus/bus.h"
#include "vmm/devices/fw_cfg.h"
#include "vmm/mem/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_GPA 0x1000ull
#define RAM_SIZE 0x4000u

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));

static int need(size_t *pos, size_t size, size_t n)
{
	if (*pos + n > size)
		return 0;
	*pos += n;
	return 1;
}

static void op(struct bus *pio, const uint8_t *d, size_t size, size_t *pos)
{
	uint8_t code = d[(*pos)++] % 7, buf[256];
	const uint8_t *a = d + *pos;

	switch (code) {
	case 0:
		if (need(pos, size, 2))
			bus_write(pio, 0x510, a, 2);
		break;
	case 1:
		if (need(pos, size, 1))
			bus_read(pio, 0x511, buf, 1 + a[0] % 8);
		break;
	case 2:
		if (need(pos, size, 6))
			memcpy(ram + ((a[0] | a[1] << 8) % (RAM_SIZE - 4)),
			       a + 2, 4);
		break;
	case 3:
		if (need(pos, size, 4))
			bus_write(pio, 0x514, a, 4);
		break;
	case 4:
		if (need(pos, size, 4))
			bus_write(pio, 0x518, a, 4);
		break;
	case 5:
		if (need(pos, size, 8))
			bus_write(pio, 0x514, a, 8);
		break;
	default:
		if (need(pos, size, 1))
			bus_read(pio, 0x514 + a[0] % 8, buf, 1);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t blob[300] = { 1, 2, 3 };
	struct bus pio;
	struct gmem mem;
	struct fw_cfg *f;
	size_t pos = 0;
	unsigned int n = 0;

	bus_init(&pio, "pio");
	gmem_init(&mem);
	memset(ram, 0, sizeof(ram));
	if (gmem_add_region(&mem, RAM_GPA, RAM_SIZE, ram, 0) ||
	    fw_cfg_create(&pio, 0x510, &mem, &f))
		abort();
	if (fw_cfg_add_file(f, "etc/blob", blob, sizeof(blob)) ||
	    fw_cfg_add_cmdline(f, "console=ttyS0"))
		abort();
	while (pos < size && n++ < 4096)
		op(&pio, data, size, &pos);
	fw_cfg_destroy(f);
	gmem_fini(&mem);
	bus_fini(&pio);
	return 0;
}
