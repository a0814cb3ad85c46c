// SPDX-License-Identifier: MIT
/*
 * Fuzz config-space write sequences through a pcie-root-port: CF8/CFC and
 * ECAM accesses on buses 0-3 (bus numbers, windows, Slot Control, MSI all
 * guest-programmable), BAR window accesses that may be forwarded to the
 * device behind the port, and host-side hot plug, unplug requests and
 * resets interleaved with them.
 *
 * Invariants checked after every operation: IDs and capability lists stay
 * read-only; presence and link state match the slot's contents; done() is
 * called once per accepted unplug request, with the root lock free, for
 * the device that was plugged; MSI only ever targets the LAPIC range; a
 * decoding BAR of the child is aligned to its size.
 *
 * Input: a sequence of 8-byte operations
 *   [op] [devfn] [off lo] [off hi] [val 0..3]; op bits 0-2 select the kind,
 *   bits 3-4 the access length (1, 2, 4, 8), bits 6-7 the ECAM bus.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus/bus.h"
#include "vmm/irq/irq.h"
#include "vmm/pci/pci.h"
#include "vmm/pci/root.h"
#include "vmm/pci/root_port.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PORT_DEVFN	PCI_DEVFN(3, 0)

struct ctx {
	struct bus pio, mmio;
	struct pci_root root;
	struct pci_root_port *port;
	struct pci_dev child;
	struct irq_line intx;
	uint32_t exp;
	bool plugged;		/* what the slot should hold */
	bool requested;		/* unplug accepted, done() not seen */
};

static int sink(void *opaque, uint64_t addr, uint32_t val)
{
	(void)opaque;
	(void)val;
	if ((addr >> 32) || (addr & 0xfff00000) != 0xfee00000)
		abort();	/* bad addresses must never be signalled */
	return 0;
}

static int intx_set(struct irq_line *line, bool level)
{
	(void)line;
	(void)level;
	return 0;
}

static int intx_pulse(struct irq_line *line)
{
	(void)line;
	abort();		/* the port's INTx is level-triggered */
}

static const struct irq_line_ops intx_ops = { intx_set, intx_pulse };

static void bar_read(void *opaque, uint64_t off, void *d, unsigned int len)
{
	(void)opaque;
	if (off >= 0x1000)
		abort();	/* dispatch beyond the BAR */
	memset(d, 0x5a, len);
}

static void bar_write(void *opaque, uint64_t off, const void *d,
		      unsigned int len)
{
	(void)opaque;
	(void)d;
	(void)len;
	if (off >= 0x1000)
		abort();
}

static const struct bus_ops bar_ops = { bar_read, bar_write };

static void done(void *opaque, struct pci_dev *dev)
{
	struct ctx *c = opaque;

	if (!c->requested || dev != &c->child ||
	    pthread_mutex_trylock(&c->root.lock))
		abort();
	pthread_mutex_unlock(&c->root.lock);
	c->requested = false;
	c->plugged = false;
}

static void ctx_init(struct ctx *c)
{
	struct pci_root_port_args a = { .chassis = 1, .port = 3,
					.signal = sink, .intx = &c->intx };

	memset(c, 0, sizeof(*c));
	c->intx = (struct irq_line){ .ops = &intx_ops, .fd = -1 };
	bus_init(&c->pio, "pio");
	bus_init(&c->mmio, "mmio");
	if (pci_root_init(&c->root, 1ULL << 36) ||
	    pci_root_register(&c->root, &c->pio, &c->mmio) ||
	    pci_root_port_create(&c->root, PORT_DEVFN, &a, &c->port))
		abort();
	c->exp = pci_root_port_pci_dev(c->port)->cfg[PCI_CAP_PTR];
	pci_dev_init(&c->child, 0x1af4, 0x1041, 0x020000, 0);
	c->child.name = "fuzz-child";
	if (pci_bar_register(&c->child, 0, 0x1000, 0, &bar_ops, c) ||
	    pci_bar_register(&c->child, 2, 0x20, PCI_BAR_IO, &bar_ops, c) ||
	    pci_root_port_plug(c->port, &c->child, false))
		abort();
	c->plugged = true;
}

static void ctx_fini(struct ctx *c)
{
	pci_root_port_destroy(c->port);
	pci_root_fini(&c->root);
	bus_fini(&c->pio);
	bus_fini(&c->mmio);
}

static void host_op(struct ctx *c, uint8_t what)
{
	bool expect_ok;
	int ret;

	switch (what & 3) {
	case 0:
		ret = pci_root_port_plug(c->port, &c->child, true);
		if (!ret == c->plugged)
			abort();	/* must succeed exactly when empty */
		c->plugged = true;
		break;
	case 1:
		expect_ok = c->plugged && !c->requested;
		if (expect_ok)
			c->requested = true;	/* done() may run at once */
		ret = pci_root_port_unplug_request(c->port, done, c);
		if (expect_ok != !ret ||
		    (ret && ret != (c->plugged ? -EBUSY : -ENODEV)))
			abort();
		break;
	case 2:
		pci_root_reset(&c->root);
		break;
	default:
		bus_read(&c->pio, PCI_ROOT_PIO_BASE + (what >> 2) * 0x100,
			 &(uint32_t){ 0 }, 4);
		break;
	}
}

static void one_op(struct ctx *c, const uint8_t *p)
{
	unsigned int len = 1u << ((p[0] >> 3) & 3);
	uint32_t off = p[2] | (uint32_t)p[3] << 8;
	uint64_t val = p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
		       (uint32_t)p[7] << 24;
	uint64_t addr = PCI_ROOT_ECAM_BASE + ((uint64_t)(p[0] >> 6) << 20) +
			((uint64_t)p[1] << 12) + (off & 0xfff);

	switch (p[0] & 7) {
	case 0:
		bus_write(&c->pio, 0xcf8, &val, 4);
		break;
	case 1:
		bus_write(&c->pio, 0xcfc + (off & 3), &val, len);
		break;
	case 2:
		bus_read(&c->pio, 0xcf8 + (off & 7), &val, len);
		break;
	case 3:
		bus_write(&c->mmio, addr, &val, len);
		break;
	case 4:
		bus_read(&c->mmio, addr, &val, len);
		break;
	case 5:
		bus_write(&c->mmio, PCI_ROOT_MMIO32_BASE + off * 0x10, &val,
			  len);
		break;
	case 6:
		bus_read(&c->mmio, PCI_ROOT_MMIO32_BASE + off * 0x10, &val,
			 len);
		break;
	default:
		host_op(c, p[1]);
		break;
	}
}

static void check(struct ctx *c)
{
	struct pci_dev *port = pci_root_port_pci_dev(c->port);
	uint16_t sta = pci_get_word(port, c->exp + PCI_EXP_SLTSTA);
	uint16_t lnk = pci_get_word(port, c->exp + PCI_EXP_LNKSTA);
	uint64_t a = pci_bar_addr(&c->child, 0);

	if (pci_get_long(port, 0) != 0x000c1b36 ||
	    port->cfg[PCI_HEADER_TYPE] != PCI_HEADER_TYPE_BRIDGE ||
	    port->cfg[PCI_CAP_PTR] != c->exp ||
	    port->cfg[c->exp] != PCI_CAP_ID_EXP ||
	    pci_get_long(&c->child, 0) != 0x10411af4)
		abort();
	if ((pci_root_port_slot_dev(c->port) == &c->child) != c->plugged ||
	    !!(sta & PCI_EXP_SLTSTA_PDS) != c->plugged ||
	    !!(lnk & PCI_EXP_LNKSTA_DLLLA) != c->plugged)
		abort();
	if (a && (a & 0xfff))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx c;
	size_t i;

	ctx_init(&c);
	for (i = 0; i + 8 <= size && i < 8 * 4096; i += 8) {
		one_op(&c, data + i);
		check(&c);
	}
	ctx_fini(&c);
	return 0;
}
