/* SPDX-License-Identifier: MIT */
/*
 * PCIe root complex of the q35 machine: bus 0 with the MCH host bridge at
 * 00:0.0 and ICH9 LPC at 00:1f.0, config access through CF8/CFC and ECAM,
 * and the MMIO/PIO windows in which guest-programmed BARs decode.
 *
 * Buses N > 0 are reached through bridges on bus 0 (pcie-root-port,
 * root_port.h): a config access to bus N goes to the bridge whose
 * secondary..subordinate range holds N; on its secondary bus only device 0
 * exists. BAR accesses reach a device behind a bridge only when the
 * bridge's command register and I/O, memory or prefetchable window
 * forward the address.
 */
#ifndef SV_VMM_PCI_ROOT_H
#define SV_VMM_PCI_ROOT_H

#include <pthread.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "vmm/bus/bus.h"
#include "vmm/pci/pci.h"

#define PCI_ROOT_CF8		0xcf8
#define PCI_ROOT_CFC		0xcfc
#define PCI_ROOT_ECAM_BASE	0xb0000000ULL
#define PCI_ROOT_ECAM_SIZE	0x10000000ULL	/* bus 0-255 */
#define PCI_ROOT_MMIO32_BASE	0xc0000000ULL
#define PCI_ROOT_MMIO32_SIZE	0x30000000ULL	/* up to 0xefffffff */
#define PCI_ROOT_PIO_BASE	0xc000
#define PCI_ROOT_PIO_SIZE	0x4000
#define PCI_ROOT_MMIO64_SIZE	(64ULL << 30)

#define PCI_MCH_DEVICE_ID	0x29c0
#define PCI_LPC_DEVICE_ID	0x2918
#define PCI_VENDOR_INTEL	0x8086

struct pci_root {
	struct pci_dev *devs[256];	/* bus 0, by devfn */
	struct pci_dev mch;
	struct pci_dev lpc;
	uint32_t cf8;
	uint64_t mmio64_base;
	/* Config space, BAR decode, and the slots of bridges behind bus 0. */
	pthread_mutex_t lock;
	/* Held for reading around each BAR handler call (see pci_root_sync). */
	pthread_rwlock_t bar_lock;
};

/* Creates bus 0 with MCH + LPC; mmio64_base: start of the 64-bit window. */
int pci_root_init(struct pci_root *root, uint64_t mmio64_base) SV_MUST_CHECK;
void pci_root_fini(struct pci_root *root);
/* Registers CF8/CFC, ECAM and the BAR windows. */
int pci_root_register(struct pci_root *root, struct bus *pio,
		      struct bus *mmio) SV_MUST_CHECK;
/* -EEXIST: slot taken; -EINVAL: devfn of function != 0 with no function 0
 * is allowed, but the slot's function 0 must not be single-function. */
int pci_root_add(struct pci_root *root, struct pci_dev *dev,
		 uint8_t devfn) SV_MUST_CHECK;
/* Takes a device off bus 0 and waits like pci_root_sync(). */
void pci_root_remove(struct pci_root *root, uint8_t devfn);
/*
 * Wait until every BAR handler call that started before this call has
 * returned: after taking a device off the bus, call this before freeing
 * it. Never from a BAR handler. (Root ports do it before their done().)
 */
void pci_root_sync(struct pci_root *root);
void pci_root_reset(struct pci_root *root);

/* Config access as the guest does it, for the handlers and for tests. */
uint32_t pci_root_cfg_read(struct pci_root *root, uint32_t bdf_off,
			   unsigned int len);
void pci_root_cfg_write(struct pci_root *root, uint32_t bdf_off, uint32_t val,
			unsigned int len);

extern const struct bus_ops pci_root_cf8_ops;	/* 4 ports at 0xcf8 */
extern const struct bus_ops pci_root_ecam_ops;
extern const struct bus_ops pci_root_mmio32_ops;
extern const struct bus_ops pci_root_mmio64_ops;
extern const struct bus_ops pci_root_pio_ops;

#endif /* SV_VMM_PCI_ROOT_H */
