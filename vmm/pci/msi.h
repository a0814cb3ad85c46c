/* SPDX-License-Identifier: MIT */
/*
 * MSI capability with one vector, 32- or 64-bit message address and no
 * per-vector masking. Delivery goes through the same signal callback type
 * as MSI-X. The caller serialises access (the root complex lock for config
 * writes and for pci_msi_notify()).
 */
#ifndef SV_VMM_PCI_MSI_H
#define SV_VMM_PCI_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "vmm/pci/msix.h"
#include "vmm/pci/pci.h"

#define PCI_CAP_ID_MSI		0x05
#define PCI_MSI_CTRL_ENABLE	0x0001
#define PCI_MSI_CTRL_64BIT	0x0080

struct pci_msi {
	struct pci_dev *dev;
	int cap;		/* offset of the capability in config space */
	bool is64;
	pci_msix_signal_fn signal;
	void *signal_opaque;
};

struct pci_msi_args {
	bool is64;		/* 64-bit message address */
	pci_msix_signal_fn signal;
	void *signal_opaque;
};

/* Adds the capability to dev; -ENOSPC when config space is full. */
int pci_msi_init(struct pci_msi *msi, struct pci_dev *dev,
		 const struct pci_msi_args *args) SV_MUST_CHECK;
bool pci_msi_enabled(const struct pci_msi *msi);
/*
 * Send the message: 0 sent, -ENOENT MSI disabled (use INTx), -EINVAL the
 * guest programmed an address outside the LAPIC range (nothing sent).
 */
int pci_msi_notify(struct pci_msi *msi);
/* Disable MSI and clear the guest-programmed address and data. */
void pci_msi_reset(struct pci_msi *msi);

#endif /* SV_VMM_PCI_MSI_H */
