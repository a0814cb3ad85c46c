/* SPDX-License-Identifier: MIT */
/*
 * MSI-X capability, vector table and PBA inside a device BAR. Delivery goes
 * through a signal callback (kvm_vm_signal_msi in the machine, a recorder in
 * tests); pci_msix_notify() returns -ENOENT when MSI-X is off so the device
 * can fall back to INTx.
 */
#ifndef SV_VMM_PCI_MSIX_H
#define SV_VMM_PCI_MSIX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "vmm/pci/pci.h"

#define PCI_MSIX_MAX_VECTORS	64
#define PCI_MSIX_ENTRY_SIZE	16
#define PCI_MSIX_CTRL_ENABLE	0x8000
#define PCI_MSIX_CTRL_MASKALL	0x4000
#define PCI_MSIX_VEC_MASKED	0x1

typedef int (*pci_msix_signal_fn)(void *opaque, uint64_t addr, uint32_t data);

struct pci_msix {
	struct pci_dev *dev;
	unsigned int nr;
	int cap;		/* offset of the capability in config space */
	uint32_t table[PCI_MSIX_MAX_VECTORS * 4];
	uint64_t pba;		/* one bit per vector */
	pci_msix_signal_fn signal;
	void *signal_opaque;
	pthread_mutex_t lock;
};

struct pci_msix_args {
	unsigned int nr_vectors;
	unsigned int bar;
	uint32_t table_off;	/* within the BAR, 8-byte aligned */
	uint32_t pba_off;
	pci_msix_signal_fn signal;
	void *signal_opaque;
};

int pci_msix_init(struct pci_msix *msix, struct pci_dev *dev,
		  const struct pci_msix_args *args) SV_MUST_CHECK;
void pci_msix_fini(struct pci_msix *msix);
bool pci_msix_enabled(struct pci_msix *msix);
/* Table / PBA accesses relative to their start (4 or 8 bytes). */
void pci_msix_table_read(struct pci_msix *msix, uint64_t off, void *data,
			 unsigned int len);
void pci_msix_table_write(struct pci_msix *msix, uint64_t off,
			  const void *data, unsigned int len);
void pci_msix_pba_read(struct pci_msix *msix, uint64_t off, void *data,
		       unsigned int len);
/* Call from the device's cfg_write hook (delivers pending on unmask). */
void pci_msix_cfg_write(struct pci_msix *msix, uint32_t off, unsigned int len);
/* 0 delivered or left pending; -ENOENT MSI-X disabled; -EINVAL bad vector. */
int pci_msix_notify(struct pci_msix *msix, unsigned int vector);
void pci_msix_reset(struct pci_msix *msix);

#endif /* SV_VMM_PCI_MSIX_H */
