// SPDX-License-Identifier: GPL-2.0
/*
 * svtest=pcijunk: a hostile guest on q35. It writes pseudo-random values
 * (seed svjunk.seed=, default 1) to the whole config space of every
 * function through CF8/CFC and ECAM, places BARs over RAM and over each
 * other, fills MSI-X tables with garbage addresses and fires them, points
 * fw_cfg DMA outside RAM and at the ECAM window, and then checks the VMM
 * still answers: the host bridge's ID reads back and a fw_cfg DMA read
 * into RAM works. Run with -no-reboot; PASS means the VMM survived.
 */
#include "pci.h"

void test_pcijunk(void);

#define FW_SEL 0x510
#define FW_DMA 0x514
#define ECAM_BASE 0xb0000000ull

static u64 rng;

static u32 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (u32)rng;
}

/* Everything but the root complex's own IDs, in random widths. */
static void junk_config(u32 bdf)
{
	for (u32 off = 0x04; off < 0x1000; off += 4) {
		u32 v = next();

		if (next() & 1)
			pci_write(bdf, off, 4, v);
		else
			pci_write(bdf, off + (v & 3), 1, v >> 8);
	}
}

/* Every BAR at a RAM address (1 MiB) with decode on. */
static void bars_over_ram(u32 bdf)
{
	for (u32 i = 0; i < 6; i++)
		pci_write(bdf, PCI_BAR0 + 4 * i, 4, 0x100000);
	pci_write(bdf, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_IO |
		  PCI_CMD_MASTER);
}

/* MSI-X on, table entries with garbage addresses, all unmasked. */
static void junk_msix(struct pci_fn *f)
{
	u8 cap = pci_find_cap(f, PCI_CAP_MSIX, 0);
	u32 loc, bir;
	u64 table;

	if (!cap)
		return;
	loc = pci_read(f->bdf, cap + 4u, 4);	/* table offset | BIR */
	bir = loc & 7;
	if (bir > 5 || !f->bar[bir])
		return;
	table = f->bar[bir] + (loc & ~7u);
	pci_write(f->bdf, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	pci_write(f->bdf, cap + 2u, 2, MSIX_CTRL_ENABLE);
	for (u32 i = 0; i < 4; i++) {
		mmio_write32(table + 16 * i, next());
		mmio_write32(table + 16 * i + 4, next());
		mmio_write32(table + 16 * i + 8, next());
		mmio_write32(table + 16 * i + 12, 0);
	}
}

static u32 be32(u32 v)
{
	return __builtin_bswap32(v);
}

/* One fw_cfg DMA transfer of the signature to dst; returns control. */
static u32 fw_dma(u64 dst)
{
	static volatile struct {
		u32 control, length;
		u64 address;
	} __attribute__((packed, aligned(16))) d;
	u64 a = (u64)(unsigned long)&d;

	d.control = be32(0x08 | 0x02);	/* select key 0 (signature), read */
	d.length = be32(4);
	d.address = __builtin_bswap64(dst);
	outl(FW_DMA, be32((u32)(a >> 32)));
	outl(FW_DMA + 4, be32((u32)a));
	return be32(d.control);
}

void test_pcijunk(void)
{
	static u32 sig;
	u64 seed = 1;

	if (cmdline_u64("svjunk.seed=", 10, &seed) == -2 || !seed)
		sv_fail("pcijunk: svjunk.seed= must be a nonzero number");
	rng = seed;
	pci_scan();
	pci_assign();
	for (int i = 0; i < pci_nfns; i++)
		junk_msix(&pci_fns[i]);
	sv_printf("pcijunk: MSI-X tables of %d functions scribbled\n",
		  pci_nfns);
	for (int i = 0; i < pci_nfns; i++) {
		if (pci_fns[i].bdf == BDF(0, 0, 0))
			continue;
		bars_over_ram(pci_fns[i].bdf);
		junk_config(pci_fns[i].bdf);
	}
	sv_puts("pcijunk: config space and BARs scribbled\n");
	if (!(fw_dma(0xfffffff000ull) & 1) || !(fw_dma(ECAM_BASE) & 1))
		sv_fail("pcijunk: fw_cfg DMA outside RAM did not set error");
	sig = 0;
	if ((fw_dma((u64)(unsigned long)&sig) & 1) ||
	    memcmp(&sig, "QEMU", 4))
		sv_fail("pcijunk: fw_cfg DMA into RAM failed afterwards");
	if (pci_read(BDF(0, 0, 0), PCI_VENDOR_ID, 4) != 0x29c08086)
		sv_fail("pcijunk: the host bridge's ID changed");
	sv_puts("pcijunk: the VMM still answers\n");
	sv_pass();
}
