/* SPDX-License-Identifier: MIT */
/*
 * PCI/PCIe config space model: type 0/1 headers, capability list, BAR
 * sizing and programming by the guest (BARs are remapped on the PIO/MMIO
 * buses when the command register enables decode), and the root complex
 * (CF8/CFC and ECAM config access, q35 MCH host bridge + ICH9 LPC).
 */
#ifndef SV_VMM_PCI_PCI_H
#define SV_VMM_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "vmm/bus/bus.h"

#define PCI_CFG_SIZE		4096
#define PCI_NUM_BARS		6
#define PCI_DEVFN(slot, fn)	((uint8_t)(((slot) << 3) | ((fn) & 7)))
#define PCI_MAX_BUSES		256

/* Standard header offsets. */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_SUBSYS_VENDOR_ID	0x2c
#define PCI_SUBSYS_ID		0x2e
#define PCI_CAP_PTR		0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d
#define PCI_PRIMARY_BUS		0x18
#define PCI_SECONDARY_BUS	0x19
#define PCI_SUBORDINATE_BUS	0x1a

#define PCI_COMMAND_IO		0x1
#define PCI_COMMAND_MEMORY	0x2
#define PCI_COMMAND_MASTER	0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_CAP_LIST	0x10

#define PCI_BAR_IO		0x1
#define PCI_BAR_MEM64		0x4
#define PCI_BAR_PREFETCH	0x8

#define PCI_HEADER_TYPE_NORMAL	0
#define PCI_HEADER_TYPE_BRIDGE	1
#define PCI_HEADER_MULTIFUNC	0x80

#define PCI_CAP_ID_PM		0x01
#define PCI_CAP_ID_VNDR		0x09
#define PCI_CAP_ID_EXP		0x10
#define PCI_CAP_ID_MSIX		0x11

struct pci_bar {
	uint64_t size;		/* power of two; 0 = unused */
	uint8_t flags;		/* PCI_BAR_IO / PCI_BAR_MEM64 / PREFETCH */
	const struct bus_ops *ops;
	void *opaque;
	const char *name;
};

struct pci_dev;

struct pci_dev_ops {
	/* Optional hooks after the generic model handled the access. */
	void (*cfg_write)(struct pci_dev *dev, uint32_t off, uint32_t val,
			  unsigned int len);
	void (*reset)(struct pci_dev *dev);
	/*
	 * Optional: called by the root complex with its lock dropped after
	 * a guest config write to this device and after pci_root_reset(),
	 * for work that must not run under the lock (completion callbacks).
	 */
	void (*unlocked_work)(struct pci_dev *dev);
};

/* Functions of device 0 on a bridge's secondary bus (PCIe downstream). */
#define PCI_SEC_FUNCS		8

struct pci_dev {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];	/* bits the guest may write */
	uint8_t w1c[PCI_CFG_SIZE];	/* write-1-to-clear bits */
	struct pci_bar bars[PCI_NUM_BARS];
	const struct pci_dev_ops *ops;
	void *opaque;
	uint8_t devfn;
	uint8_t next_cap;		/* next free standard cap offset */
	uint16_t next_ecap;		/* next free extended cap offset */
	bool is_bridge;
	const char *name;
	/*
	 * Bridges only: PCI_SEC_FUNCS entries, the functions of device 0 on
	 * the secondary bus (NULL = empty), or NULL for no downstream
	 * devices. Owned by the bridge; changed under the root lock.
	 */
	struct pci_dev **secondary;
};

/* Zeroes *dev (set name, ops and opaque afterwards). */
void pci_dev_init(struct pci_dev *dev, uint16_t vendor, uint16_t device,
		  uint32_t class_code, uint8_t header_type);
/* Declare a BAR (size power of two, >= 16 for MMIO, >= 4 for I/O). */
int pci_bar_register(struct pci_dev *dev, unsigned int idx, uint64_t size,
		     uint8_t flags, const struct bus_ops *ops,
		     void *opaque) SV_MUST_CHECK;
/* Add a capability of len bytes; returns its offset or -ENOSPC. */
int pci_cap_add(struct pci_dev *dev, uint8_t id, unsigned int len);
/*
 * Address a BAR decodes at, or 0 when it does not decode (unused, decode
 * disabled in the command register, unprogrammed or wrapping). BARs are
 * not registered on the buses one by one: the root complex owns the
 * MMIO/PIO windows and dispatches into BARs (so a guest can never place a
 * BAR over RAM or another device, and no bus is changed from a handler).
 */
uint64_t pci_bar_addr(const struct pci_dev *dev, unsigned int idx);

/* Guest config accesses: len 1, 2 or 4; misaligned/out-of-range ignored. */
uint32_t pci_cfg_read(struct pci_dev *dev, uint32_t off, unsigned int len);
void pci_cfg_write(struct pci_dev *dev, uint32_t off, uint32_t val,
		   unsigned int len);
/* Return the guest-writable header to its initial state. */
void pci_dev_reset(struct pci_dev *dev);

static inline uint16_t pci_get_word(const struct pci_dev *d, uint32_t off)
{
	return (uint16_t)(d->cfg[off] | (d->cfg[off + 1] << 8));
}

static inline void pci_set_word(struct pci_dev *d, uint32_t off, uint16_t v)
{
	d->cfg[off] = (uint8_t)v;
	d->cfg[off + 1] = (uint8_t)(v >> 8);
}

static inline uint32_t pci_get_long(const struct pci_dev *d, uint32_t off)
{
	return pci_get_word(d, off) |
	       ((uint32_t)pci_get_word(d, off + 2) << 16);
}

static inline void pci_set_long(struct pci_dev *d, uint32_t off, uint32_t v)
{
	pci_set_word(d, off, (uint16_t)v);
	pci_set_word(d, off + 2, (uint16_t)(v >> 16));
}

#endif /* SV_VMM_PCI_PCI_H */
