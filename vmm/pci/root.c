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
	pthread_rwlock_init(&root->bar_lock, NULL);
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
	pthread_rwlock_destroy(&root->bar_lock);
	pthread_mutex_destroy(&root->lock);
}

void pci_root_sync(struct pci_root *root)
{
	pthread_rwlock_wrlock(&root->bar_lock);
	pthread_rwlock_unlock(&root->bar_lock);
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
	pci_root_sync(root);
}

void pci_root_reset(struct pci_root *root)
{
	struct pci_dev *work[256];
	unsigned int i, n = 0;

	pthread_mutex_lock(&root->lock);
	for (i = 0; i < 256; i++) {
		struct pci_dev *dev = root->devs[i];

		if (!dev)
			continue;
		pci_dev_reset(dev);
		if (dev->ops && dev->ops->unlocked_work)
			work[n++] = dev;
	}
	root->cf8 = 0;
	pthread_mutex_unlock(&root->lock);
	for (i = 0; i < n; i++)
		work[i]->ops->unlocked_work(work[i]);
}

#define MAX_BRIDGE_DEPTH	8

/* A function > 0 is only visible when function 0 is multi-function. */
static struct pci_dev *fn_visible(struct pci_dev *const *devs, uint8_t devfn)
{
	struct pci_dev *f0 = devs[devfn & ~7u];

	if ((devfn & 7) && (!f0 ||
			    !(f0->cfg[PCI_HEADER_TYPE] & PCI_HEADER_MULTIFUNC)))
		return NULL;
	return devs[devfn];
}

/* Does bridge br forward type-1 config cycles for bus? */
static bool bridge_claims(const struct pci_dev *br, unsigned int bus)
{
	uint8_t sec = br->cfg[PCI_SECONDARY_BUS];

	return br->is_bridge && br->secondary && sec && bus >= sec &&
	       bus <= br->cfg[PCI_SUBORDINATE_BUS];
}

/*
 * Below a bridge: its secondary bus has only device 0 (PCIe downstream
 * port), other buses of its range are searched in bridges behind it.
 */
static struct pci_dev *lookup_below(struct pci_dev *br, unsigned int bus,
				    uint8_t devfn, unsigned int depth)
{
	unsigned int i;

	if (bus == br->cfg[PCI_SECONDARY_BUS])
		return devfn < PCI_SEC_FUNCS ?
		       fn_visible(br->secondary, devfn) : NULL;
	if (depth >= MAX_BRIDGE_DEPTH)
		return NULL;
	for (i = 0; i < PCI_SEC_FUNCS; i++) {
		struct pci_dev *d = fn_visible(br->secondary, (uint8_t)i);

		if (d && bridge_claims(d, bus))
			return lookup_below(d, bus, devfn, depth + 1);
	}
	return NULL;
}

static struct pci_dev *lookup(struct pci_root *root, uint32_t bdf)
{
	unsigned int bus = (bdf >> 8) & 0xff, i;
	uint8_t devfn = (uint8_t)bdf;

	if (!bus)
		return fn_visible(root->devs, devfn);
	for (i = 0; i < 256; i++) {
		struct pci_dev *d = fn_visible(root->devs, (uint8_t)i);

		if (d && bridge_claims(d, bus))
			return lookup_below(d, bus, devfn, 1);
	}
	return NULL;
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
	void (*work)(struct pci_dev *dev) = NULL;
	struct pci_dev *dev;

	pthread_mutex_lock(&root->lock);
	dev = lookup(root, bdf_off >> 12);
	if (dev) {
		pci_cfg_write(dev, bdf_off & 0xfff, val, len);
		if (dev->ops)
			work = dev->ops->unlocked_work;
	}
	pthread_mutex_unlock(&root->lock);
	/* Devices with this hook (root ports) are never freed at runtime. */
	if (work)
		work(dev);
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
static bool dev_bar_hit(struct pci_dev *dev, uint64_t addr, bool io,
			const struct pci_bar **out, uint64_t *bar_off)
{
	unsigned int b;

	for (b = 0; b < PCI_NUM_BARS; b++) {
		const struct pci_bar *bar = &dev->bars[b];
		uint64_t base = pci_bar_addr(dev, b);

		if (!base || !bar->ops || !!(bar->flags & PCI_BAR_IO) != io ||
		    addr < base || addr - base >= bar->size)
			continue;
		*out = bar;
		*bar_off = addr - base;
		return true;
	}
	return false;
}

static bool in_range(uint64_t addr, uint64_t base, uint64_t limit)
{
	return base <= limit && addr >= base && addr <= limit;
}

/* Does bridge br forward this memory or I/O address to its secondary? */
static bool bridge_forwards(const struct pci_dev *br, uint64_t addr, bool io)
{
	uint16_t cmd = pci_get_word(br, PCI_COMMAND);
	uint64_t base, limit;

	if (io) {
		base = (uint64_t)(br->cfg[0x1c] & 0xf0) << 8 |
		       (uint64_t)pci_get_word(br, 0x30) << 16;
		limit = (uint64_t)(br->cfg[0x1d] & 0xf0) << 8 |
			(uint64_t)pci_get_word(br, 0x32) << 16 | 0xfff;
		return (cmd & PCI_COMMAND_IO) && in_range(addr, base, limit);
	}
	if (!(cmd & PCI_COMMAND_MEMORY))
		return false;
	base = (uint64_t)(pci_get_word(br, 0x20) & 0xfff0) << 16;
	limit = (uint64_t)(pci_get_word(br, 0x22) & 0xfff0) << 16 | 0xfffff;
	if (in_range(addr, base, limit))
		return true;
	base = (uint64_t)(pci_get_word(br, 0x24) & 0xfff0) << 16 |
	       (uint64_t)pci_get_long(br, 0x28) << 32;
	limit = (uint64_t)(pci_get_word(br, 0x26) & 0xfff0) << 16 | 0xfffff |
		(uint64_t)pci_get_long(br, 0x2c) << 32;
	return in_range(addr, base, limit);
}

/* Devices behind a bridge are reached only through its windows. */
static bool find_bar_in(struct pci_dev *const *devs, unsigned int n,
			uint64_t addr, bool io, const struct pci_bar **out,
			uint64_t *bar_off, unsigned int depth)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct pci_dev *dev = devs[i];

		if (!dev)
			continue;
		if (dev_bar_hit(dev, addr, io, out, bar_off))
			return true;
		if (dev->is_bridge && dev->secondary &&
		    depth < MAX_BRIDGE_DEPTH && bridge_forwards(dev, addr, io) &&
		    find_bar_in(dev->secondary, PCI_SEC_FUNCS, addr, io, out,
				bar_off, depth + 1))
			return true;
	}
	return false;
}

static bool find_bar(struct pci_root *root, uint64_t addr, bool io,
		     const struct pci_bar **out, uint64_t *bar_off)
{
	return find_bar_in(root->devs, 256, addr, io, out, bar_off, 0);
}

static void win_access(struct pci_root *root, uint64_t addr, bool io,
		       void *rdata, const void *wdata, unsigned int len)
{
	const struct pci_bar *bar = NULL;
	uint64_t off = 0;
	bool found;

	pthread_rwlock_rdlock(&root->bar_lock);
	pthread_mutex_lock(&root->lock);
	found = find_bar(root, addr, io, &bar, &off);
	pthread_mutex_unlock(&root->lock);
	/*
	 * The device's handler runs without the config lock (it may raise
	 * interrupts); bar_lock keeps a device removed meanwhile alive until
	 * the handler returns (pci_root_sync()).
	 */
	if (found && off + len <= bar->size) {
		if (rdata && bar->ops->read)
			bar->ops->read(bar->opaque, off, rdata, len);
		else if (wdata && bar->ops->write)
			bar->ops->write(bar->opaque, off, wdata, len);
	} else if (rdata) {
		memset(rdata, 0xff, len);
	}
	pthread_rwlock_unlock(&root->bar_lock);
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
