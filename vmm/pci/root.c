// SPDX-License-Identifier: MIT
/* q35 PCIe root complex: CF8/CFC, ECAM, BAR windows, MCH and LPC. */
#include "vmm/pci/root.h"

#include <errno.h>
#include <string.h>

#define LOG_MODULE "pci-root"
#include "sv/log.h"

#define ECAM_BDF(off)	((uint32_t)((off) >> 12))
#define CF8_ENABLE	0x80000000u

int pci_root_init(struct pci_root *root, uint64_t mmio64_base)
{
	memset(root->devs, 0, sizeof(root->devs));
	root->cf8 = 0;
	root->mmio64_base = mmio64_base;
	pthread_mutex_init(&root->lock, NULL);
	pci_dev_init(&root->mch, PCI_VENDOR_INTEL, PCI_MCH_DEVICE_ID, 0x060000,
		     PCI_HEADER_TYPE_NORMAL);
	root->mch.name = "mch";
	pci_dev_init(&root->lpc, PCI_VENDOR_INTEL, PCI_LPC_DEVICE_ID, 0x060100,
		     PCI_HEADER_TYPE_NORMAL | PCI_HEADER_MULTIFUNC);
	root->lpc.name = "ich9-lpc";
	root->devs[PCI_DEVFN(0, 0)] = &root->mch;
	root->devs[PCI_DEVFN(0x1f, 0)] = &root->lpc;
	return 0;
}

void pci_root_fini(struct pci_root *root)
{
	pthread_mutex_destroy(&root->lock);
}

int pci_root_add(struct pci_root *root, struct pci_dev *dev, uint8_t devfn)
{
	int ret = 0;

	pthread_mutex_lock(&root->lock);
	if (root->devs[devfn]) {
		log_err("pcie.0 slot 0x%x function %u is already used by %s",
			devfn >> 3, devfn & 7, root->devs[devfn]->name);
		ret = -EEXIST;
	} else {
		dev->devfn = devfn;
		root->devs[devfn] = dev;
	}
	pthread_mutex_unlock(&root->lock);
	return ret;
}

void pci_root_remove(struct pci_root *root, uint8_t devfn)
{
	pthread_mutex_lock(&root->lock);
	if (root->devs[devfn] != &root->mch && root->devs[devfn] != &root->lpc)
		root->devs[devfn] = NULL;
	pthread_mutex_unlock(&root->lock);
}

void pci_root_reset(struct pci_root *root)
{
	unsigned int i;

	pthread_mutex_lock(&root->lock);
	for (i = 0; i < 256; i++)
		if (root->devs[i])
			pci_dev_reset(root->devs[i]);
	root->cf8 = 0;
	pthread_mutex_unlock(&root->lock);
}

/* A function > 0 is only visible when function 0 is multi-function. */
static struct pci_dev *lookup(struct pci_root *root, uint32_t bdf)
{
	uint8_t devfn = (uint8_t)bdf;
	struct pci_dev *f0;

	if (bdf >> 8)
		return NULL;	/* no secondary buses yet */
	f0 = root->devs[devfn & ~7u];
	if ((devfn & 7) && (!f0 ||
			    !(f0->cfg[PCI_HEADER_TYPE] & PCI_HEADER_MULTIFUNC)))
		return NULL;
	return root->devs[devfn];
}

uint32_t pci_root_cfg_read(struct pci_root *root, uint32_t bdf_off,
			   unsigned int len)
{
	struct pci_dev *dev;
	uint32_t val = 0xffffffffu >> (32 - 8 * len);

	pthread_mutex_lock(&root->lock);
	dev = lookup(root, bdf_off >> 12);
	if (dev)
		val = pci_cfg_read(dev, bdf_off & 0xfff, len);
	pthread_mutex_unlock(&root->lock);
	return val;
}

void pci_root_cfg_write(struct pci_root *root, uint32_t bdf_off, uint32_t val,
			unsigned int len)
{
	struct pci_dev *dev;

	pthread_mutex_lock(&root->lock);
	dev = lookup(root, bdf_off >> 12);
	if (dev)
		pci_cfg_write(dev, bdf_off & 0xfff, val, len);
	pthread_mutex_unlock(&root->lock);
}

static bool len_ok(unsigned int len)
{
	return len == 1 || len == 2 || len == 4;
}

static void ecam_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	uint32_t val = 0xffffffff;

	if (len_ok(len) && !(off & (len - 1)))
		val = pci_root_cfg_read(opaque, (uint32_t)off, len);
	memcpy(data, &val, len > 4 ? 4 : len);
	if (len > 4)
		memset((uint8_t *)data + 4, 0xff, len - 4);
}

static void ecam_write(void *opaque, uint64_t off, const void *data,
		       unsigned int len)
{
	uint32_t val = 0;

	if (!len_ok(len) || (off & (len - 1))) {
		log_warn_ratelimited("ECAM: bad write 0x%llx len %u",
				     (unsigned long long)off, len);
		return;
	}
	memcpy(&val, data, len);
	pci_root_cfg_write(opaque, (uint32_t)off, val, len);
}

const struct bus_ops pci_root_ecam_ops = {
	.read = ecam_read,
	.write = ecam_write,
};

/* CF8 → ECAM-style offset, or UINT32_MAX when disabled. */
static uint32_t cf8_target(uint32_t cf8, uint64_t port_off)
{
	if (!(cf8 & CF8_ENABLE))
		return UINT32_MAX;
	return ((cf8 >> 8) & 0xffff) << 12 | (cf8 & 0xfc) |
	       ((cf8 >> 16) & 0xf00) | (uint32_t)(port_off & 3);
}

static void cf8_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct pci_root *root = opaque;
	uint32_t val = 0xffffffff, tgt;

	if (off == 0 && len == 4) {
		val = root->cf8;
	} else if (off >= 4 && len_ok(len) && (off & 3) + len <= 4) {
		tgt = cf8_target(root->cf8, off);
		if (tgt != UINT32_MAX && !(tgt & (len - 1)))
			val = pci_root_cfg_read(root, tgt, len);
	}
	memcpy(data, &val, len > 4 ? 4 : len);
}

static void cf8_write(void *opaque, uint64_t off, const void *data,
		      unsigned int len)
{
	struct pci_root *root = opaque;
	uint32_t val = 0, tgt;

	if (!len_ok(len))
		return;
	memcpy(&val, data, len);
	if (off == 0 && len == 4) {
		root->cf8 = val & 0x8ffffffcu;
		return;
	}
	if (off < 4 || (off & 3) + len > 4)
		return;
	tgt = cf8_target(root->cf8, off);
	if (tgt != UINT32_MAX && !(tgt & (len - 1)))
		pci_root_cfg_write(root, tgt, val, len);
}

const struct bus_ops pci_root_cf8_ops = {
	.read = cf8_read,
	.write = cf8_write,
};

/* BAR windows: dispatch to the BAR that decodes the address. */
static bool find_bar(struct pci_root *root, uint64_t addr, bool io,
		     const struct pci_bar **out, uint64_t *bar_off)
{
	unsigned int i, b;

	for (i = 0; i < 256; i++) {
		struct pci_dev *dev = root->devs[i];

		if (!dev)
			continue;
		for (b = 0; b < PCI_NUM_BARS; b++) {
			const struct pci_bar *bar = &dev->bars[b];
			uint64_t base = pci_bar_addr(dev, b);

			if (!base || !bar->ops ||
			    !!(bar->flags & PCI_BAR_IO) != io ||
			    addr < base || addr - base >= bar->size)
				continue;
			*out = bar;
			*bar_off = addr - base;
			return true;
		}
	}
	return false;
}

static void win_access(struct pci_root *root, uint64_t addr, bool io,
		       void *rdata, const void *wdata, unsigned int len)
{
	const struct pci_bar *bar = NULL;
	uint64_t off = 0;
	bool found;

	pthread_mutex_lock(&root->lock);
	found = find_bar(root, addr, io, &bar, &off);
	pthread_mutex_unlock(&root->lock);
	/*
	 * The device's handler runs unlocked (it may raise interrupts); BAR
	 * descriptors live as long as the device is on the bus.
	 */
	if (found && off + len <= bar->size) {
		if (rdata && bar->ops->read)
			bar->ops->read(bar->opaque, off, rdata, len);
		else if (wdata && bar->ops->write)
			bar->ops->write(bar->opaque, off, wdata, len);
		return;
	}
	if (rdata)
		memset(rdata, 0xff, len);
}

static void m32_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	win_access(opaque, PCI_ROOT_MMIO32_BASE + off, false, data, NULL, len);
}

static void m32_write(void *opaque, uint64_t off, const void *data,
		      unsigned int len)
{
	win_access(opaque, PCI_ROOT_MMIO32_BASE + off, false, NULL, data, len);
}

static void m64_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct pci_root *root = opaque;

	win_access(root, root->mmio64_base + off, false, data, NULL, len);
}

static void m64_write(void *opaque, uint64_t off, const void *data,
		      unsigned int len)
{
	struct pci_root *root = opaque;

	win_access(root, root->mmio64_base + off, false, NULL, data, len);
}

static void pio_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	win_access(opaque, PCI_ROOT_PIO_BASE + off, true, data, NULL, len);
}

static void pio_write(void *opaque, uint64_t off, const void *data,
		      unsigned int len)
{
	win_access(opaque, PCI_ROOT_PIO_BASE + off, true, NULL, data, len);
}

const struct bus_ops pci_root_mmio32_ops = { m32_read, m32_write };
const struct bus_ops pci_root_mmio64_ops = { m64_read, m64_write };
const struct bus_ops pci_root_pio_ops = { pio_read, pio_write };

int pci_root_register(struct pci_root *root, struct bus *pio,
		      struct bus *mmio)
{
	int ret;

	ret = bus_register(pio, PCI_ROOT_CF8, 8, &pci_root_cf8_ops, root,
			   "pci-cf8");
	if (!ret)
		ret = bus_register(mmio, PCI_ROOT_ECAM_BASE, PCI_ROOT_ECAM_SIZE,
				   &pci_root_ecam_ops, root, "pcie-ecam");
	if (!ret)
		ret = bus_register(mmio, PCI_ROOT_MMIO32_BASE,
				   PCI_ROOT_MMIO32_SIZE, &pci_root_mmio32_ops,
				   root, "pci-mmio32");
	if (!ret)
		ret = bus_register(mmio, root->mmio64_base,
				   PCI_ROOT_MMIO64_SIZE, &pci_root_mmio64_ops,
				   root, "pci-mmio64");
	if (!ret)
		ret = bus_register(pio, PCI_ROOT_PIO_BASE, PCI_ROOT_PIO_SIZE,
				   &pci_root_pio_ops, root, "pci-pio");
	if (ret)
		log_err("registering PCI root regions: %s", strerror(-ret));
	return ret;
}
