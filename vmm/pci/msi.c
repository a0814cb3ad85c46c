// SPDX-License-Identifier: MIT
/* MSI capability (one vector) and delivery. */
#include "vmm/pci/msi.h"

#include <errno.h>
#include <string.h>

#define LOG_MODULE "pci-msi"
#include "sv/log.h"

#define MSI_ADDR_MASK	0xfff00000ULL
#define MSI_ADDR_BASE	0xfee00000ULL

static uint32_t data_off(const struct pci_msi *msi)
{
	return (uint32_t)msi->cap + (msi->is64 ? 12 : 8);
}

int pci_msi_init(struct pci_msi *msi, struct pci_dev *dev,
		 const struct pci_msi_args *args)
{
	int cap = pci_cap_add(dev, PCI_CAP_ID_MSI, args->is64 ? 14 : 10);

	if (cap < 0)
		return cap;
	memset(msi, 0, sizeof(*msi));
	msi->dev = dev;
	msi->cap = cap;
	msi->is64 = args->is64;
	msi->signal = args->signal;
	msi->signal_opaque = args->signal_opaque;
	/* Multiple Message Capable = 0: one vector; MME stays 0. */
	pci_set_word(dev, cap + 2, args->is64 ? PCI_MSI_CTRL_64BIT : 0);
	dev->wmask[cap + 2] = PCI_MSI_CTRL_ENABLE;
	memset(&dev->wmask[cap + 4], 0xff, 4);
	dev->wmask[cap + 4] = 0xfc;	/* dword-aligned address */
	if (args->is64)
		memset(&dev->wmask[cap + 8], 0xff, 4);
	memset(&dev->wmask[data_off(msi)], 0xff, 2);
	return 0;
}

bool pci_msi_enabled(const struct pci_msi *msi)
{
	return pci_get_word(msi->dev, (uint32_t)msi->cap + 2) &
	       PCI_MSI_CTRL_ENABLE;
}

int pci_msi_notify(struct pci_msi *msi)
{
	uint64_t addr;
	uint32_t data;

	if (!pci_msi_enabled(msi))
		return -ENOENT;
	addr = pci_get_long(msi->dev, (uint32_t)msi->cap + 4);
	if (msi->is64)
		addr |= (uint64_t)pci_get_long(msi->dev,
					       (uint32_t)msi->cap + 8) << 32;
	data = pci_get_word(msi->dev, data_off(msi));
	if ((addr >> 32) || (addr & MSI_ADDR_MASK) != MSI_ADDR_BASE) {
		log_warn_ratelimited("%s: MSI address 0x%llx is not a LAPIC "
				     "address", msi->dev->name ?
				     msi->dev->name : "pci",
				     (unsigned long long)addr);
		return -EINVAL;
	}
	if (msi->signal)
		return msi->signal(msi->signal_opaque, addr, data);
	return 0;
}

void pci_msi_reset(struct pci_msi *msi)
{
	uint32_t cap = (uint32_t)msi->cap;

	pci_set_word(msi->dev, cap + 2, msi->is64 ? PCI_MSI_CTRL_64BIT : 0);
	memset(&msi->dev->cfg[cap + 4], 0, msi->is64 ? 10 : 6);
}
