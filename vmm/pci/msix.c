// SPDX-License-Identifier: MIT
/* MSI-X table, PBA and delivery. */
#include "vmm/pci/msix.h"

#include <errno.h>
#include <string.h>

#define LOG_MODULE "pci-msix"
#include "sv/log.h"

#define MSI_ADDR_MASK	0xfff00000ULL
#define MSI_ADDR_BASE	0xfee00000ULL

static void table_init(struct pci_msix *msix)
{
	unsigned int i;

	memset(msix->table, 0, sizeof(msix->table));
	for (i = 0; i < msix->nr; i++)
		msix->table[i * 4 + 3] = PCI_MSIX_VEC_MASKED;
	msix->pba = 0;
}

int pci_msix_init(struct pci_msix *msix, struct pci_dev *dev,
		  const struct pci_msix_args *args)
{
	int cap;

	if (!args->nr_vectors || args->nr_vectors > PCI_MSIX_MAX_VECTORS ||
	    args->bar >= PCI_NUM_BARS || (args->table_off & 7) ||
	    (args->pba_off & 7))
		return -EINVAL;
	cap = pci_cap_add(dev, PCI_CAP_ID_MSIX, 12);
	if (cap < 0)
		return cap;
	msix->dev = dev;
	msix->nr = args->nr_vectors;
	msix->cap = cap;
	msix->signal = args->signal;
	msix->signal_opaque = args->signal_opaque;
	pci_set_word(dev, cap + 2, (uint16_t)(args->nr_vectors - 1));
	pci_set_long(dev, cap + 4, args->table_off | args->bar);
	pci_set_long(dev, cap + 8, args->pba_off | args->bar);
	dev->wmask[cap + 3] = 0xc0;	/* enable + function mask */
	pthread_mutex_init(&msix->lock, NULL);
	table_init(msix);
	return 0;
}

void pci_msix_fini(struct pci_msix *msix)
{
	pthread_mutex_destroy(&msix->lock);
}

static uint16_t ctrl(const struct pci_msix *msix)
{
	return pci_get_word(msix->dev, (uint32_t)msix->cap + 2);
}

bool pci_msix_enabled(struct pci_msix *msix)
{
	return ctrl(msix) & PCI_MSIX_CTRL_ENABLE;
}

static bool vec_masked(const struct pci_msix *msix, unsigned int v)
{
	return (ctrl(msix) & PCI_MSIX_CTRL_MASKALL) ||
	       (msix->table[v * 4 + 3] & PCI_MSIX_VEC_MASKED);
}

/* Locked. */
static void deliver(struct pci_msix *msix, unsigned int v)
{
	uint64_t addr = msix->table[v * 4] |
			((uint64_t)msix->table[v * 4 + 1] << 32);
	uint32_t data = msix->table[v * 4 + 2];

	if ((addr & MSI_ADDR_MASK) != MSI_ADDR_BASE ||
	    (addr >> 32)) {
		log_warn_ratelimited("%s: MSI-X vector %u has bad address "
				     "0x%llx; dropped", msix->dev->name, v,
				     (unsigned long long)addr);
		return;
	}
	if (msix->signal && msix->signal(msix->signal_opaque, addr, data) < 0)
		log_warn_ratelimited("%s: MSI-X vector %u delivery failed",
				     msix->dev->name, v);
}

/* Locked: deliver every pending vector that is now unmasked. */
static void flush_pending(struct pci_msix *msix)
{
	unsigned int v;

	if (!pci_msix_enabled(msix))
		return;
	for (v = 0; v < msix->nr; v++) {
		if (!(msix->pba & (1ULL << v)) || vec_masked(msix, v))
			continue;
		msix->pba &= ~(1ULL << v);
		deliver(msix, v);
	}
}

int pci_msix_notify(struct pci_msix *msix, unsigned int vector)
{
	int ret = 0;

	if (vector >= msix->nr)
		return -EINVAL;
	pthread_mutex_lock(&msix->lock);
	if (!pci_msix_enabled(msix))
		ret = -ENOENT;
	else if (vec_masked(msix, vector))
		msix->pba |= 1ULL << vector;
	else
		deliver(msix, vector);
	pthread_mutex_unlock(&msix->lock);
	return ret;
}

static bool table_access_ok(const struct pci_msix *msix, uint64_t off,
			    unsigned int len)
{
	return (len == 4 || len == 8) && !(off & (len - 1)) &&
	       off + len <= (uint64_t)msix->nr * PCI_MSIX_ENTRY_SIZE;
}

void pci_msix_table_read(struct pci_msix *msix, uint64_t off, void *data,
			 unsigned int len)
{
	if (!table_access_ok(msix, off, len)) {
		memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&msix->lock);
	memcpy(data, &msix->table[off / 4], len);
	pthread_mutex_unlock(&msix->lock);
}

void pci_msix_table_write(struct pci_msix *msix, uint64_t off,
			  const void *data, unsigned int len)
{
	if (!table_access_ok(msix, off, len)) {
		log_warn_ratelimited("%s: bad MSI-X table write 0x%llx/%u",
				     msix->dev->name, (unsigned long long)off,
				     len);
		return;
	}
	pthread_mutex_lock(&msix->lock);
	memcpy(&msix->table[off / 4], data, len);
	msix->table[(off / 16) * 4 + 3] &= PCI_MSIX_VEC_MASKED;
	flush_pending(msix);
	pthread_mutex_unlock(&msix->lock);
}

void pci_msix_pba_read(struct pci_msix *msix, uint64_t off, void *data,
		       unsigned int len)
{
	uint64_t val;

	if ((len != 4 && len != 8) || off + len > 8 || (off & (len - 1))) {
		memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&msix->lock);
	val = msix->pba >> (8 * off);
	pthread_mutex_unlock(&msix->lock);
	memcpy(data, &val, len);
}

void pci_msix_cfg_write(struct pci_msix *msix, uint32_t off, unsigned int len)
{
	uint32_t c = (uint32_t)msix->cap;

	if (off + len <= c + 2 || off >= c + 4)
		return;
	pthread_mutex_lock(&msix->lock);
	flush_pending(msix);
	pthread_mutex_unlock(&msix->lock);
}

void pci_msix_reset(struct pci_msix *msix)
{
	pthread_mutex_lock(&msix->lock);
	pci_set_word(msix->dev, (uint32_t)msix->cap + 2,
		     (uint16_t)(msix->nr - 1));
	table_init(msix);
	pthread_mutex_unlock(&msix->lock);
}
