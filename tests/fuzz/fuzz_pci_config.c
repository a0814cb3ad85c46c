// SPDX-License-Identifier: MIT
/*
 * Fuzz config-space write sequences on the q35 root complex: CF8/CFC and
 * ECAM accesses of any length and alignment, BAR window accesses, MSI-X
 * table writes and resets. Invariants checked after every operation: IDs
 * and the capability list stay read-only, and a decoding BAR always lies
 * inside the BAR's own size alignment.
 *
 * Input: a sequence of 8-byte operations
 *   [op] [devfn] [off lo] [off hi] [val 0..3]; op bits 0-2 select the kind,
 *   bits 3-5 the access length (1, 2, 4 or 8; other values too).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus/bus.h"
#include "vmm/pci/msix.h"
#include "vmm/pci/pci.h"
#include "vmm/pci/root.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	struct bus pio, mmio;
	struct pci_root root;
	struct pci_dev dev;
	struct pci_msix msix;
};

static int sink(void *opaque, uint64_t addr, uint32_t val)
{
	(void)opaque;
	if ((addr & 0xfff00000) != 0xfee00000)
		abort();	/* bad addresses must never be signalled */
	(void)val;
	return 0;
}

static void bar_read(void *opaque, uint64_t off, void *d, unsigned int len)
{
	struct ctx *c = opaque;

	if (off >= 0x2000 && off < 0x3000)
		pci_msix_table_read(&c->msix, off - 0x2000, d, len);
	else
		memset(d, 0, len);
}

static void bar_write(void *opaque, uint64_t off, const void *d,
		      unsigned int len)
{
	struct ctx *c = opaque;

	if (off >= 0x2000 && off < 0x3000)
		pci_msix_table_write(&c->msix, off - 0x2000, d, len);
}

static const struct bus_ops bar_ops = { bar_read, bar_write };

static void cfg_hook(struct pci_dev *dev, uint32_t off, uint32_t val,
		     unsigned int len)
{
	struct ctx *c = dev->opaque;

	(void)val;
	pci_msix_cfg_write(&c->msix, off, len);
}

static const struct pci_dev_ops dev_ops = { .cfg_write = cfg_hook };

static void ctx_init(struct ctx *c)
{
	struct pci_msix_args a = { .nr_vectors = 8, .bar = 0,
				   .table_off = 0x2000, .pba_off = 0x3000,
				   .signal = sink };

	bus_init(&c->pio, "pio");
	bus_init(&c->mmio, "mmio");
	if (pci_root_init(&c->root, 1ULL << 36) ||
	    pci_root_register(&c->root, &c->pio, &c->mmio))
		abort();
	pci_dev_init(&c->dev, 0x1af4, 0x1042, 0x010000, 0);
	c->dev.name = "fuzz-dev";
	c->dev.ops = &dev_ops;
	c->dev.opaque = c;
	if (pci_bar_register(&c->dev, 0, 0x4000, PCI_BAR_MEM64, &bar_ops, c) ||
	    pci_bar_register(&c->dev, 2, 0x20, PCI_BAR_IO, &bar_ops, c) ||
	    pci_msix_init(&c->msix, &c->dev, &a) ||
	    pci_root_add(&c->root, &c->dev, PCI_DEVFN(2, 0)))
		abort();
}

static void ctx_fini(struct ctx *c)
{
	pci_msix_fini(&c->msix);
	pci_root_fini(&c->root);
	bus_fini(&c->pio);
	bus_fini(&c->mmio);
}

static void one_op(struct ctx *c, const uint8_t *p)
{
	unsigned int len = 1u << ((p[0] >> 3) & 3);
	uint32_t off = p[2] | (uint32_t)p[3] << 8;
	uint64_t val = p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
		       (uint32_t)p[7] << 24;
	uint64_t addr = PCI_ROOT_ECAM_BASE + ((uint64_t)p[1] << 12) +
			(off & 0xfff);

	switch (p[0] & 7) {
	case 0:
		bus_write(&c->pio, 0xcf8, &val, 4);
		break;
	case 1:
		bus_write(&c->pio, 0xcfc + (off & 3), &val, len);
		break;
	case 2:
		bus_read(&c->pio, 0xcf8 + (off & 7), &val, len);
		break;
	case 3:
		bus_write(&c->mmio, addr, &val, len);
		break;
	case 4:
		bus_read(&c->mmio, addr, &val, len);
		break;
	case 5:
		bus_write(&c->mmio, PCI_ROOT_MMIO32_BASE + off * 0x10, &val,
			  len);
		break;
	case 6:
		pci_msix_notify(&c->msix, p[1] & 15);
		break;
	default:
		pci_root_reset(&c->root);
		pci_msix_reset(&c->msix);
		break;
	}
}

static void check(struct ctx *c)
{
	unsigned int b;

	if (pci_get_long(&c->dev, 0) != 0x10421af4 ||
	    pci_get_long(&c->root.mch, 0) != 0x29c08086 ||
	    c->dev.cfg[PCI_CAP_PTR] != (uint8_t)c->msix.cap)
		abort();
	for (b = 0; b < PCI_NUM_BARS; b++) {
		uint64_t a = pci_bar_addr(&c->dev, b);

		if (a && (a & (c->dev.bars[b].size - 1)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx c;
	size_t i;

	ctx_init(&c);
	for (i = 0; i + 8 <= size && i < 8 * 4096; i += 8) {
		one_op(&c, data + i);
		check(&c);
	}
	ctx_fini(&c);
	return 0;
}
