/* SPDX-License-Identifier: GPL-2.0 */
/* svtest: PCI configuration access, enumeration and BARs (q35). */
#ifndef SVTEST_PCI_H
#define SVTEST_PCI_H

#include "svtest.h"

#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_CLASS_REV		0x08
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_BUS_NUMBERS		0x18	/* type 1 */
#define PCI_IO_BASE		0x1c	/* type 1 */
#define PCI_MEM_BASE		0x20	/* type 1 */
#define PCI_PREF_BASE		0x24	/* type 1 */
#define PCI_PREF_BASE_UPPER	0x28	/* type 1 */
#define PCI_PREF_LIMIT_UPPER	0x2c	/* type 1 */
#define PCI_IO_BASE_UPPER	0x30	/* type 1 */
#define PCI_SUBSYS_ID		0x2e	/* type 0 */
#define PCI_CAP_PTR		0x34

#define PCI_CMD_IO		0x1
#define PCI_CMD_MEM		0x2
#define PCI_CMD_MASTER		0x4
#define PCI_STATUS_CAPS		0x10

#define PCI_CAP_MSI		0x05
#define PCI_CAP_VENDOR		0x09
#define PCI_CAP_EXP		0x10
#define PCI_CAP_MSIX		0x11

#define MSIX_CTRL_ENABLE	0x8000
#define MSIX_CTRL_MASKALL	0x4000

#define PCI_MAX_FNS		64
#define MMIO32_BASE		0xc0000000ULL
#define MMIO32_END		0xf0000000ULL	/* exclusive */
#define IO_BASE			0xc000
#define IO_END			0x10000
#define LAPIC_BASE		0xfee00000ULL

#define BDF(b, d, f)		((u32)(b) << 8 | (u32)(d) << 3 | (u32)(f))

struct pci_fn {
	u32 bdf;
	u16 vendor, device;
	u32 class;		/* class << 16 | subclass << 8 | prog-if */
	u8 hdr;			/* header type, multifunction bit included */
	u8 sec_bus;		/* bridges: secondary bus we gave it */
	int parent;		/* index of the root port above, or -1 */
	int nbars;
	u64 bar[6];		/* assigned address (0: none) */
	u64 bar_size[6];
	u8 bar_kind[6];		/* BAR_* */
};

enum { BAR_NONE, BAR_IO, BAR_MEM32, BAR_MEM64, BAR_HI };

extern struct pci_fn pci_fns[PCI_MAX_FNS];
extern int pci_nfns;

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 mmio_read16(u64 addr)
{
	return *(volatile u16 *)addr;
}

static inline void mmio_write16(u64 addr, u16 v)
{
	*(volatile u16 *)addr = v;
}

static inline void mmio_write8(u64 addr, u8 v)
{
	*(volatile u8 *)addr = v;
}

/* pci.c */
u32 pci_read(u32 bdf, u32 off, int size);
void pci_write(u32 bdf, u32 off, int size, u32 v);
void pci_scan(void);
void pci_assign(void);
u8 pci_find_cap(const struct pci_fn *f, u8 id, u8 from);
struct pci_fn *pci_find_virtio(u16 type);
u64 pci_cap_addr(const struct pci_fn *f, u8 cap, u64 *len);
void test_pci(void);
void test_pcibar(void);

/* vpci.c */
void test_msix(void);
void test_vpciblk(void);

#endif
