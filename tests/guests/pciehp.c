// SPDX-License-Identifier: GPL-2.0
/*
 * svtest=pciehp: PCIe native hot-plug of a root port, polled the way
 * Linux's pciehp drives it. svhp.slot=S names the root port's slot on
 * bus 0. The guest arms the slot events, prints "pciehp: ready", waits
 * for presence detect (QMP device_add), finds the function on the
 * secondary bus, waits for the attention button (QMP device_del), powers
 * the slot off and checks the function is gone.
 */
#include "pci.h"

void test_pciehp(void);

#define EXP_SLTCTL 0x18
#define EXP_SLTSTA 0x1a
#define SLTCTL_ABPE 0x0001
#define SLTCTL_PDCE 0x0008
#define SLTCTL_HPIE 0x0020
#define SLTCTL_PCC_OFF 0x0400
#define SLTCTL_DLLSCE 0x1000
#define SLTSTA_ABP 0x0001
#define SLTSTA_PDC 0x0008
#define SLTSTA_PDS 0x0040
#define SLTSTA_DLLSC 0x0100
#define SPIN_MAX (1ull << 36)

static u8 exp_cap(u32 bdf)
{
	u8 p = (u8)pci_read(bdf, PCI_CAP_PTR, 1);

	for (int n = 0; p && n < 48; n++) {
		if (pci_read(bdf, p, 1) == PCI_CAP_EXP)
			return p;
		p = (u8)pci_read(bdf, p + 1u, 1);
	}
	return 0;
}

/* Spin until a slot status bit is set, then write 1 to clear it. */
static void wait_status(u32 rp, u8 cap, u16 bit, const char *what)
{
	u64 spins = 0;

	while (!(pci_read(rp, cap + EXP_SLTSTA, 2) & bit)) {
		if (++spins == SPIN_MAX)
			sv_fail("pciehp: no %s", what);
		barrier();
	}
	pci_write(rp, cap + EXP_SLTSTA, 2, bit);
}

void test_pciehp(void)
{
	u64 slot;
	u32 rp, dev = BDF(1, 0, 0);
	u16 ctl;
	u8 cap;

	if (cmdline_u64("svhp.slot=", 16, &slot) || slot > 31)
		sv_fail("pciehp: svhp.slot=S (hex) required");
	rp = BDF(0, slot, 0);
	pci_scan();	/* ECAM base from the MCFG; root ports get buses 1.. */
	cap = exp_cap(rp);
	if ((pci_read(rp, PCI_HEADER_TYPE, 1) & 0x7f) != 1 || !cap)
		sv_fail("pciehp: 00:%02x.0 is not a PCIe bridge", (u32)slot);
	if (pci_read(rp, PCI_BUS_NUMBERS + 1, 1) != 1)
		sv_fail("pciehp: use the first root port (secondary bus 1)");
	if (pci_read(rp, cap + EXP_SLTSTA, 2) & SLTSTA_PDS)
		sv_fail("pciehp: slot occupied before device_add");
	pci_write(rp, cap + EXP_SLTSTA, 2, 0xffff);	/* clear stale events */
	ctl = SLTCTL_ABPE | SLTCTL_PDCE | SLTCTL_HPIE | SLTCTL_DLLSCE;
	pci_write(rp, cap + EXP_SLTCTL, 2, ctl);
	sv_puts("pciehp: ready\n");
	wait_status(rp, cap, SLTSTA_PDC, "presence detect change");
	if (!(pci_read(rp, cap + EXP_SLTSTA, 2) & SLTSTA_PDS))
		sv_fail("pciehp: presence changed but slot empty");
	if (pci_read(dev, PCI_VENDOR_ID, 2) != 0x1af4)
		sv_fail("pciehp: no virtio function at 01:00.0");
	sv_printf("pciehp: added 1af4:%x\n", pci_read(dev, PCI_DEVICE_ID, 2));
	wait_status(rp, cap, SLTSTA_ABP, "attention button");
	sv_puts("pciehp: button\n");
	pci_write(rp, cap + EXP_SLTCTL, 2, ctl | SLTCTL_PCC_OFF);
	if (pci_read(dev, PCI_VENDOR_ID, 2) != 0xffff)
		sv_fail("pciehp: function still there after power off");
	sv_puts("pciehp: removed\n");
	sv_puts("TEST: PASS\n");
}
