/* SPDX-License-Identifier: MIT */
/*
 * Modern virtio-pci transport (VIRTIO 1.x §4.1): vendor 0x1af4, device
 * 0x1040 + type, revision 1; common/ISR/device/notify configuration
 * structures and the MSI-X table/PBA live in BAR 0 (64-bit, prefetchable).
 * Interrupts go through MSI-X when the driver enabled it, else INTx.
 */
#ifndef SV_VMM_VIRTIO_PCI_H
#define SV_VMM_VIRTIO_PCI_H

#include "sv/compiler.h"
#include "vmm/pci/msix.h"

struct irq_line;
struct pci_dev;
struct virtio_dev;
struct virtio_pci;

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040
#define VIRTIO_PCI_BAR_SIZE	0x8000
#define VIRTIO_PCI_COMMON_OFF	0x0000
#define VIRTIO_PCI_ISR_OFF	0x1000
#define VIRTIO_PCI_DEVICE_OFF	0x2000
#define VIRTIO_PCI_NOTIFY_OFF	0x3000
#define VIRTIO_PCI_MSIX_OFF	0x4000
#define VIRTIO_PCI_PBA_OFF	0x6000
#define VIRTIO_PCI_NOTIFY_MULT	4
#define VIRTIO_PCI_MAX_QUEUES	32
#define VIRTIO_PCI_NO_VECTOR	0xffff

/* Common configuration offsets. */
#define VIRTIO_PCI_DFSELECT	0x00
#define VIRTIO_PCI_DF		0x04
#define VIRTIO_PCI_GFSELECT	0x08
#define VIRTIO_PCI_GF		0x0c
#define VIRTIO_PCI_MSIX_CONFIG	0x10
#define VIRTIO_PCI_NUM_QUEUES	0x12
#define VIRTIO_PCI_STATUS	0x14
#define VIRTIO_PCI_CFG_GEN	0x15
#define VIRTIO_PCI_Q_SELECT	0x16
#define VIRTIO_PCI_Q_SIZE	0x18
#define VIRTIO_PCI_Q_MSIX	0x1a
#define VIRTIO_PCI_Q_ENABLE	0x1c
#define VIRTIO_PCI_Q_NOFF	0x1e
#define VIRTIO_PCI_Q_DESC	0x20
#define VIRTIO_PCI_Q_AVAIL	0x28
#define VIRTIO_PCI_Q_USED	0x30
#define VIRTIO_PCI_COMMON_LEN	0x38

struct virtio_pci_args {
	struct virtio_dev *dev;		/* borrowed; dev->mem must be set */
	struct irq_line *intx;		/* level line for INTx, or NULL */
	pci_msix_signal_fn signal;	/* MSI delivery (kvm_vm_signal_msi) */
	void *signal_opaque;
};

int virtio_pci_create(const struct virtio_pci_args *a,
		      struct virtio_pci **out) SV_MUST_CHECK;
/* Frees the transport; the caller removed it from the root first. */
void virtio_pci_destroy(struct virtio_pci *t);
/* The PCI function to add to the root complex. */
struct pci_dev *virtio_pci_pci_dev(struct virtio_pci *t);
uint8_t virtio_pci_status(struct virtio_pci *t);

#endif /* SV_VMM_VIRTIO_PCI_H */
