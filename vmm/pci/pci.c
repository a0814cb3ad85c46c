// SPDX-License-Identifier: MIT
/* PCI config space model: headers, capabilities, BAR sizing. */
#include "vmm/pci/pci.h"

#include <errno.h>
#include <string.h>

#define LOG_MODULE "pci"
#include "sv/log.h"

#define PCI_STD_CAP_START	0x40
#define PCI_STD_CAP_END		0x100
#define PCI_STATUS_W1C		0xf900

static void set_wmask_word(struct pci_dev *dev, uint32_t off, uint16_t m)
{
	dev->wmask[off] = (uint8_t)m;
	dev->wmask[off + 1] = (uint8_t)(m >> 8);
}

static void init_bridge(struct pci_dev *dev)
{
	/* Bus numbers, I/O + memory + prefetchable windows, bridge control. */
	memset(&dev->wmask[PCI_PRIMARY_BUS], 0xff, 3);
	dev->wmask[0x1c] = 0xf0;	/* I/O base */
	dev->wmask[0x1d] = 0xf0;	/* I/O limit */
	set_wmask_word(dev, 0x20, 0xfff0);	/* memory base */
	set_wmask_word(dev, 0x22, 0xfff0);	/* memory limit */
	set_wmask_word(dev, 0x24, 0xfff0);	/* prefetch base */
	set_wmask_word(dev, 0x26, 0xfff0);	/* prefetch limit */
	memset(&dev->wmask[0x28], 0xff, 8);	/* prefetch upper 32 */
	set_wmask_word(dev, 0x3e, 0x0fff);	/* bridge control */
	dev->cfg[0x1c] = 0x01;	/* 32-bit I/O addressing not supported */
	dev->cfg[0x24] = 0x01;	/* 64-bit prefetchable window */
	dev->cfg[0x26] = 0x01;
	dev->is_bridge = true;
}

void pci_dev_init(struct pci_dev *dev, uint16_t vendor, uint16_t device,
		  uint32_t class_code, uint8_t header_type)
{
	memset(dev, 0, sizeof(*dev));
	pci_set_word(dev, PCI_VENDOR_ID, vendor);
	pci_set_word(dev, PCI_DEVICE_ID, device);
	dev->cfg[PCI_CLASS_PROG] = (uint8_t)class_code;
	dev->cfg[PCI_CLASS_PROG + 1] = (uint8_t)(class_code >> 8);
	dev->cfg[PCI_CLASS_PROG + 2] = (uint8_t)(class_code >> 16);
	dev->cfg[PCI_HEADER_TYPE] = header_type;
	set_wmask_word(dev, PCI_COMMAND, 0x0547);
	dev->w1c[PCI_STATUS + 1] = PCI_STATUS_W1C >> 8;
	dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
	dev->wmask[0x0c] = 0xff;	/* cache line size */
	dev->wmask[0x0d] = 0xff;	/* latency timer */
	if ((header_type & 0x7f) == PCI_HEADER_TYPE_BRIDGE)
		init_bridge(dev);
	dev->next_cap = PCI_STD_CAP_START;
	dev->next_ecap = 0x100;
	dev->is_bridge = (header_type & 0x7f) == PCI_HEADER_TYPE_BRIDGE;
}

static unsigned int max_bars(const struct pci_dev *dev)
{
	return dev->is_bridge ? 2 : PCI_NUM_BARS;
}

static void bar_set_wmask(struct pci_dev *dev, unsigned int idx)
{
	struct pci_bar *bar = &dev->bars[idx];
	uint32_t off = PCI_BAR0 + 4 * idx;
	uint64_t mask = ~(bar->size - 1);
	uint32_t low = (bar->flags & PCI_BAR_IO) ? 0x3 : 0xf;

	pci_set_long(dev, off, bar->flags);
	memcpy(&dev->wmask[off], &(uint32_t){ (uint32_t)mask & ~low }, 4);
	if (bar->flags & PCI_BAR_MEM64)
		memcpy(&dev->wmask[off + 4], &(uint32_t){ mask >> 32 }, 4);
}

int pci_bar_register(struct pci_dev *dev, unsigned int idx, uint64_t size,
		     uint8_t flags, const struct bus_ops *ops, void *opaque)
{
	bool is64 = flags & PCI_BAR_MEM64;
	uint64_t min = (flags & PCI_BAR_IO) ? 4 : 16;

	if (idx >= max_bars(dev) || (is64 && idx + 1 >= max_bars(dev)) ||
	    size < min || (size & (size - 1)) ||
	    ((flags & PCI_BAR_IO) && (is64 || size > 256)) ||
	    (!is64 && size > (1ULL << 31)) || dev->bars[idx].size) {
		log_err("BAR %u of %s: bad size 0x%llx or flags 0x%x", idx,
			dev->name ? dev->name : "device",
			(unsigned long long)size, flags);
		return -EINVAL;
	}
	dev->bars[idx] = (struct pci_bar){ .size = size, .flags = flags,
					   .ops = ops, .opaque = opaque,
					   .name = dev->name };
	bar_set_wmask(dev, idx);
	return 0;
}

int pci_cap_add(struct pci_dev *dev, uint8_t id, unsigned int len)
{
	unsigned int off = dev->next_cap;
	uint8_t *link;

	if (len < 2 || off + len > PCI_STD_CAP_END)
		return -ENOSPC;
	dev->cfg[off] = id;
	dev->cfg[off + 1] = 0;
	/* Append at the end of the list so the order is creation order. */
	link = &dev->cfg[PCI_CAP_PTR];
	while (*link)
		link = &dev->cfg[*link + 1];
	*link = (uint8_t)off;
	dev->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	dev->next_cap = (uint8_t)((off + len + 3) & ~3u);
	if (off + len + 3 >= PCI_STD_CAP_END)
		dev->next_cap = 0xfc;
	return (int)off;
}

uint64_t pci_bar_addr(const struct pci_dev *dev, unsigned int idx)
{
	const struct pci_bar *bar;
	uint16_t cmd = pci_get_word(dev, PCI_COMMAND);
	uint64_t addr;

	if (idx >= PCI_NUM_BARS || !dev->bars[idx].size)
		return 0;
	bar = &dev->bars[idx];
	addr = pci_get_long(dev, PCI_BAR0 + 4 * idx);
	if (bar->flags & PCI_BAR_IO) {
		addr &= ~3ULL;
		if (!(cmd & PCI_COMMAND_IO) || addr + bar->size > 0x10000)
			return 0;
		return addr;
	}
	addr &= ~0xfULL;
	if (bar->flags & PCI_BAR_MEM64)
		addr |= (uint64_t)pci_get_long(dev, PCI_BAR0 + 4 * idx + 4)
			<< 32;
	if (!(cmd & PCI_COMMAND_MEMORY) || addr + bar->size < addr)
		return 0;
	if (!(bar->flags & PCI_BAR_MEM64) && addr + bar->size > (1ULL << 32))
		return 0;
	return addr;
}

static bool access_ok(uint32_t off, unsigned int len)
{
	if (len != 1 && len != 2 && len != 4)
		return false;
	return (off & (len - 1)) == 0 && off + len <= PCI_CFG_SIZE;
}

uint32_t pci_cfg_read(struct pci_dev *dev, uint32_t off, unsigned int len)
{
	uint32_t val = 0;

	if (!access_ok(off, len))
		return 0xffffffff;
	memcpy(&val, &dev->cfg[off], len);
	return val;
}

void pci_cfg_write(struct pci_dev *dev, uint32_t off, uint32_t val,
		   unsigned int len)
{
	unsigned int i;

	if (!access_ok(off, len)) {
		log_warn_ratelimited("%s: bad config write off 0x%x len %u",
				     dev->name ? dev->name : "pci", off, len);
		return;
	}
	for (i = 0; i < len; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i));
		uint8_t wm = dev->wmask[off + i], w1c = dev->w1c[off + i];

		dev->cfg[off + i] = (uint8_t)((dev->cfg[off + i] & ~wm) |
					      (b & wm));
		dev->cfg[off + i] &= (uint8_t)~(b & w1c);
	}
	if (dev->ops && dev->ops->cfg_write)
		dev->ops->cfg_write(dev, off, val, len);
}

void pci_dev_reset(struct pci_dev *dev)
{
	unsigned int i;

	pci_set_word(dev, PCI_COMMAND, 0);
	pci_set_word(dev, PCI_STATUS, pci_get_word(dev, PCI_STATUS) &
		     (uint16_t)~PCI_STATUS_W1C);
	dev->cfg[PCI_INTERRUPT_LINE] = 0;
	for (i = 0; i < PCI_NUM_BARS; i++) {
		if (dev->bars[i].size)
			bar_set_wmask(dev, i);
		if (dev->bars[i].flags & PCI_BAR_MEM64)
			pci_set_long(dev, PCI_BAR0 + 4 * i + 4, 0);
	}
	if (dev->is_bridge)
		memset(&dev->cfg[PCI_PRIMARY_BUS], 0, 3);
	if (dev->ops && dev->ops->reset)
		dev->ops->reset(dev);
}
