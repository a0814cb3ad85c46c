/* SPDX-License-Identifier: MIT */
/*
 * pcie-root-port (1b36:000c, class 0x060400, type-1 header) on pcie.0 with
 * a native PCIe hot-plug slot, as QEMU and StratoVirt expose it:
 * attention button, power controller, attention/power indicators, no MRL,
 * no surprise removal, command-completed notification, physical slot
 * number = port. Its secondary bus holds one device, at slot 0 (functions
 * 0-7; function 0 is what makes the slot present).
 * The hot-plug interrupt goes out by MSI when the guest enabled it, else
 * by INTx (level, INTA) on args->intx.
 *
 * Link state follows presence: a plugged device is visible in config space
 * and its link is up whether or not the slot is powered; slot power only
 * gates unplug completion (and a powered-off slot is unplugged at once).
 *
 * Hot-add: presence detect + link up, PDC and DLLSC events and an
 * interrupt; Linux pciehp powers the slot on and enumerates bus
 * <secondary>. Hot-remove: the attention button is pressed (ABP); Linux
 * waits 5 s, removes its driver, powers the slot off (Slot Control PCC=1);
 * that write removes the device (presence and link drop, PDC and DLLSC)
 * and then done() is called. A guest reset completes a pending unplug too.
 *
 * Locking: every function takes root->lock. done() always runs with no
 * PCI lock held, on the thread that completed the unplug (a vCPU thread
 * writing Slot Control, the caller of pci_root_reset(), or the caller of
 * pci_root_port_unplug_request() when the slot was already powered off);
 * it may call pci_root_* and pci_root_port_* functions.
 */
#ifndef SV_VMM_PCI_ROOT_PORT_H
#define SV_VMM_PCI_ROOT_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "vmm/pci/msix.h"
#include "vmm/pci/pci.h"

#define PCI_ROOT_PORT_VENDOR	0x1b36
#define PCI_ROOT_PORT_DEVICE	0x000c

/* PCIe capability registers (offsets inside the capability). */
#define PCI_EXP_FLAGS		0x02
#define PCI_EXP_DEVCAP		0x04
#define PCI_EXP_DEVCTL		0x08
#define PCI_EXP_DEVSTA		0x0a
#define PCI_EXP_LNKCAP		0x0c
#define PCI_EXP_LNKCTL		0x10
#define PCI_EXP_LNKSTA		0x12
#define PCI_EXP_SLTCAP		0x14
#define PCI_EXP_SLTCTL		0x18
#define PCI_EXP_SLTSTA		0x1a
#define PCI_EXP_RTCTL		0x1c
#define PCI_EXP_RTSTA		0x20
#define PCI_EXP_LNKCAP2		0x2c
#define PCI_EXP_CAP_LEN		0x3c

#define PCI_EXP_TYPE_ROOT_PORT	0x4
#define PCI_EXP_FLAGS_SLOT	0x0100
#define PCI_EXP_LNKCAP_DLLLARC	0x00100000
#define PCI_EXP_LNKSTA_DLLLA	0x2000
#define PCI_EXP_LNKSTA_LT	0x0800
#define PCI_EXP_LNKSTA_NLW	0x03f0

#define PCI_EXP_SLTCAP_ABP	0x00000001	/* attention button */
#define PCI_EXP_SLTCAP_PCP	0x00000002	/* power controller */
#define PCI_EXP_SLTCAP_MRLSP	0x00000004
#define PCI_EXP_SLTCAP_AIP	0x00000008
#define PCI_EXP_SLTCAP_PIP	0x00000010
#define PCI_EXP_SLTCAP_HPS	0x00000020	/* surprise removal */
#define PCI_EXP_SLTCAP_HPC	0x00000040	/* hot-plug capable */
#define PCI_EXP_SLTCAP_NCCS	0x00040000
#define PCI_EXP_SLTCAP_PSN_SHIFT 19

#define PCI_EXP_SLTCTL_ABPE	0x0001
#define PCI_EXP_SLTCTL_PFDE	0x0002
#define PCI_EXP_SLTCTL_PDCE	0x0008
#define PCI_EXP_SLTCTL_CCIE	0x0010
#define PCI_EXP_SLTCTL_HPIE	0x0020
#define PCI_EXP_SLTCTL_AIC	0x00c0
#define PCI_EXP_SLTCTL_AIC_OFF	0x00c0
#define PCI_EXP_SLTCTL_PIC	0x0300
#define PCI_EXP_SLTCTL_PIC_ON	0x0100
#define PCI_EXP_SLTCTL_PIC_BLINK 0x0200
#define PCI_EXP_SLTCTL_PIC_OFF	0x0300
#define PCI_EXP_SLTCTL_PCC	0x0400		/* 1 = power off */
#define PCI_EXP_SLTCTL_DLLSCE	0x1000

#define PCI_EXP_SLTSTA_ABP	0x0001
#define PCI_EXP_SLTSTA_PFD	0x0002
#define PCI_EXP_SLTSTA_MRLSC	0x0004
#define PCI_EXP_SLTSTA_PDC	0x0008
#define PCI_EXP_SLTSTA_CC	0x0010
#define PCI_EXP_SLTSTA_MRLSS	0x0020
#define PCI_EXP_SLTSTA_PDS	0x0040
#define PCI_EXP_SLTSTA_DLLSC	0x0100

#define PCI_BRIDGE_CONTROL	0x3e
#define PCI_BRIDGE_CTL_SBR	0x40		/* secondary bus reset */

struct irq_line;
struct pci_root;
struct pci_root_port;

struct pci_root_port_args {
	uint8_t chassis;	/* kept for naming; not guest-visible */
	uint8_t port;		/* physical slot and link port number */
	bool multifunction;	/* set the multi-function header bit */
	pci_msix_signal_fn signal;	/* MSI delivery (NULL: INTx only) */
	void *signal_opaque;
	struct irq_line *intx;	/* INTA of the port; may be NULL */
};

typedef void (*pci_root_port_done_fn)(void *opaque, struct pci_dev *dev);

/* Creates the port and adds it to pcie.0 at devfn (-EEXIST: taken). */
int pci_root_port_create(struct pci_root *root, uint8_t devfn,
			 const struct pci_root_port_args *args,
			 struct pci_root_port **out) SV_MUST_CHECK;
/* Removes the port from pcie.0 and frees it; a plugged device is left to
 * its owner. NULL-safe. */
void pci_root_port_destroy(struct pci_root_port *p);
/*
 * Puts dev (owned by the caller, kept until done() or destroy; in its reset
 * state) at PCI_DEVFN(0, fn) of the secondary bus, fn taken from
 * dev->devfn. hotplug=false: cold plug before the guest runs (slot
 * powered, no event); true: the guest is told (PDC + DLLSC, interrupt)
 * when function 0 arrives, so hot-add functions 1-7 first (function 0
 * must be multi-function for them to be seen). -EINVAL: dev->devfn is not
 * slot 0; -EBUSY: function taken, unplug pending, or hot-adding fn > 0
 * after fn 0.
 */
int pci_root_port_plug(struct pci_root_port *p, struct pci_dev *dev,
		       bool hotplug) SV_MUST_CHECK;
/*
 * device_del: press the attention button. When the guest powers the slot
 * off (or resets, or the slot is already off, or has no function 0) all
 * functions are taken off the bus and done(opaque, dev) is called once per
 * function, function 0 first (see the locking note above; it may run
 * before this returns). -ENODEV: slot empty; -EBUSY: request pending.
 */
int pci_root_port_unplug_request(struct pci_root_port *p,
				 pci_root_port_done_fn done,
				 void *opaque) SV_MUST_CHECK;
struct pci_dev *pci_root_port_pci_dev(struct pci_root_port *p);
/* Function 0 of the slot, or NULL (for QMP queries). */
struct pci_dev *pci_root_port_slot_dev(struct pci_root_port *p);

#endif /* SV_VMM_PCI_ROOT_PORT_H */
