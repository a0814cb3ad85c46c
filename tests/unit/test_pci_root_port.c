// SPDX-License-Identifier: MIT
/*
 * Unit tests for vmm/pci/root_port.c and bus routing in vmm/pci/root.c:
 * the pcie-root-port header and capabilities as Linux reads them, config
 * routing to the secondary bus through CF8 and ECAM, BAR forwarding
 * through the bridge windows, and the native hot-plug slot driven with
 * the register sequences of Linux pciehp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/bus/bus.h"
#include "vmm/irq/irq.h"
#include "vmm/pci/msi.h"
#include "vmm/pci/pci.h"
#include "vmm/pci/root.h"
#include "vmm/pci/root_port.h"

#define PORT_DEVFN	PCI_DEVFN(2, 0)
#define PORT_NUM	7
#define MSI_DATA	0x4041

struct fixture {
	struct bus pio, mmio;
	struct pci_root root;
	struct pci_root_port *port;
	struct pci_dev child;
	struct irq_line intx;
	bool level;
	unsigned int intx_sets;
	unsigned int msis;
	uint64_t msi_addr;
	uint32_t msi_data;
	unsigned int dones;
	struct pci_dev *done_dev;
	bool done_lock_free;
	unsigned int bar_reads;
	uint64_t bar_off;
	int block_bar, in_bar;		/* atomics: park a vCPU in a BAR */
	uint32_t exp, msi;	/* capability offsets found by walking */
};

static int fake_set(struct irq_line *line, bool level)
{
	struct fixture *f = line->opaque;

	f->level = level;
	f->intx_sets++;
	return 0;
}

static int fake_pulse(struct irq_line *line)
{
	(void)line;
	fail_msg("root port INTx must be level");
	return 0;
}

static const struct irq_line_ops fake_ops = { fake_set, fake_pulse };

static int msi_sink(void *opaque, uint64_t addr, uint32_t data)
{
	struct fixture *f = opaque;

	f->msis++;
	f->msi_addr = addr;
	f->msi_data = data;
	return 0;
}

static void bar_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct fixture *f = opaque;

	f->bar_reads++;
	f->bar_off = off;
	memset(data, 0x5a, len);
	__atomic_store_n(&f->in_bar, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&f->block_bar, __ATOMIC_SEQ_CST))
		usleep(1000);
	__atomic_store_n(&f->in_bar, 0, __ATOMIC_SEQ_CST);
}

static void bar_write(void *opaque, uint64_t off, const void *data,
		      unsigned int len)
{
	(void)opaque;
	(void)off;
	(void)data;
	(void)len;
}

static const struct bus_ops bar_ops = { bar_read, bar_write };

/* ---- config access helpers (ECAM and CF8, any bus) ---- */

static uint64_t ecam_addr(unsigned int bus, unsigned int devfn,
			  unsigned int reg)
{
	return PCI_ROOT_ECAM_BASE + (bus << 20 | devfn << 12 | reg);
}

static uint32_t rd(struct fixture *f, unsigned int bus, unsigned int devfn,
		   unsigned int reg, unsigned int len)
{
	uint32_t val = 0;

	bus_read(&f->mmio, ecam_addr(bus, devfn, reg), &val, len);
	return val;
}

static void wr(struct fixture *f, unsigned int bus, unsigned int devfn,
	       unsigned int reg, uint32_t val, unsigned int len)
{
	bus_write(&f->mmio, ecam_addr(bus, devfn, reg), &val, len);
}

static uint32_t cf8_rd(struct fixture *f, unsigned int bus,
		       unsigned int devfn, unsigned int reg)
{
	uint32_t addr = 0x80000000u | bus << 16 | devfn << 8 | (reg & 0xfc);
	uint32_t val = 0;

	bus_write(&f->pio, 0xcf8, &addr, 4);
	bus_read(&f->pio, 0xcfc, &val, 4);
	return val;
}

static void cf8_wr(struct fixture *f, unsigned int bus, unsigned int devfn,
		   unsigned int reg, uint32_t val)
{
	uint32_t addr = 0x80000000u | bus << 16 | devfn << 8 | (reg & 0xfc);

	bus_write(&f->pio, 0xcf8, &addr, 4);
	bus_write(&f->pio, 0xcfc, &val, 4);
}

/* Port registers as the guest sees them. */
static uint16_t port_rd16(struct fixture *f, unsigned int reg)
{
	return (uint16_t)rd(f, 0, PORT_DEVFN, reg, 2);
}

static void port_wr16(struct fixture *f, unsigned int reg, uint16_t val)
{
	wr(f, 0, PORT_DEVFN, reg, val, 2);
}

static uint16_t sltsta(struct fixture *f)
{
	return port_rd16(f, f->exp + PCI_EXP_SLTSTA);
}

static uint16_t sltctl(struct fixture *f)
{
	return port_rd16(f, f->exp + PCI_EXP_SLTCTL);
}

static uint16_t lnksta(struct fixture *f)
{
	return port_rd16(f, f->exp + PCI_EXP_LNKSTA);
}

/* Linux pcie_write_cmd(): read-modify-write Slot Control. */
static void slot_cmd(struct fixture *f, uint16_t val, uint16_t mask)
{
	uint16_t ctl = sltctl(f);

	port_wr16(f, f->exp + PCI_EXP_SLTCTL, (uint16_t)((ctl & ~mask) |
							  (val & mask)));
}

static void ack(struct fixture *f, uint16_t events)
{
	port_wr16(f, f->exp + PCI_EXP_SLTSTA, events);
}

static uint32_t find_cap(struct fixture *f, uint8_t id)
{
	uint8_t ptr = (uint8_t)rd(f, 0, PORT_DEVFN, PCI_CAP_PTR, 1);
	unsigned int n;

	for (n = 0; ptr && n < 48; n++) {
		if ((uint8_t)rd(f, 0, PORT_DEVFN, ptr, 1) == id)
			return ptr;
		ptr = (uint8_t)rd(f, 0, PORT_DEVFN, ptr + 1u, 1);
	}
	return 0;
}

/* Linux pcie_init() + pcie_enable_notification() with an attention button. */
static void guest_probe(struct fixture *f)
{
	ack(f, 0x011f);
	slot_cmd(f, PCI_EXP_SLTCTL_DLLSCE | PCI_EXP_SLTCTL_ABPE |
		 PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_CCIE,
		 PCI_EXP_SLTCTL_PDCE | PCI_EXP_SLTCTL_ABPE |
		 PCI_EXP_SLTCTL_PFDE | PCI_EXP_SLTCTL_HPIE |
		 PCI_EXP_SLTCTL_CCIE | PCI_EXP_SLTCTL_DLLSCE);
	assert_true(sltsta(f) & PCI_EXP_SLTSTA_CC);
	ack(f, PCI_EXP_SLTSTA_CC);
}

/* Bus numbers 0 / 1 / 1, as firmware or Linux assign them. */
static void set_buses(struct fixture *f)
{
	wr(f, 0, PORT_DEVFN, PCI_PRIMARY_BUS, 0x010100, 4);
}

static void enable_msi(struct fixture *f)
{
	wr(f, 0, PORT_DEVFN, f->msi + 4, 0xfee01000, 4);
	wr(f, 0, PORT_DEVFN, f->msi + 8, 0, 4);
	wr(f, 0, PORT_DEVFN, f->msi + 12, MSI_DATA, 2);
	wr(f, 0, PORT_DEVFN, f->msi + 2, PCI_MSI_CTRL_ENABLE, 2);
}

static void done_cb(void *opaque, struct pci_dev *dev)
{
	struct fixture *f = opaque;

	f->dones++;
	f->done_dev = dev;
	/* The root lock must not be held while done() runs. */
	f->done_lock_free = pthread_mutex_trylock(&f->root.lock) == 0;
	if (f->done_lock_free)
		pthread_mutex_unlock(&f->root.lock);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pci_root_port_args a = { .chassis = 1, .port = PORT_NUM,
					.signal = msi_sink };

	assert_non_null(f);
	f->intx = (struct irq_line){ .ops = &fake_ops, .opaque = f,
				     .fd = -1 };
	a.signal_opaque = f;
	a.intx = &f->intx;
	bus_init(&f->pio, "pio");
	bus_init(&f->mmio, "mmio");
	assert_int_equal(pci_root_init(&f->root, 1ULL << 40), 0);
	assert_int_equal(pci_root_register(&f->root, &f->pio, &f->mmio), 0);
	assert_int_equal(pci_root_port_create(&f->root, PORT_DEVFN, &a,
					      &f->port), 0);
	pci_dev_init(&f->child, 0x1af4, 0x1041, 0x020000, 0);
	f->child.name = "child";
	assert_int_equal(pci_bar_register(&f->child, 0, 0x1000, 0, &bar_ops,
					  f), 0);
	assert_int_equal(pci_bar_register(&f->child, 2, 0x20, PCI_BAR_IO,
					  &bar_ops, f), 0);
	f->exp = find_cap(f, PCI_CAP_ID_EXP);
	f->msi = find_cap(f, PCI_CAP_ID_MSI);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pci_root_port_destroy(f->port);
	pci_root_fini(&f->root);
	bus_fini(&f->pio);
	bus_fini(&f->mmio);
	free(f);
	return 0;
}

/* ---- header and capabilities ---- */

static void test_header(void **state)
{
	struct fixture *f = *state;
	uint32_t cap;

	assert_int_equal(rd(f, 0, PORT_DEVFN, 0, 4), 0x000c1b36);
	assert_int_equal(rd(f, 0, PORT_DEVFN, 0x08, 4) >> 8, 0x060400);
	assert_int_equal(rd(f, 0, PORT_DEVFN, PCI_HEADER_TYPE, 1), 0x01);
	assert_int_equal(rd(f, 0, PORT_DEVFN, PCI_INTERRUPT_PIN, 1), 1);
	assert_true(rd(f, 0, PORT_DEVFN, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_int_not_equal(f->exp, 0);
	assert_int_not_equal(f->msi, 0);
	cap = port_rd16(f, f->exp + PCI_EXP_FLAGS);
	assert_int_equal(cap & 0xf, 2);				/* version */
	assert_int_equal((cap >> 4) & 0xf, PCI_EXP_TYPE_ROOT_PORT);
	assert_true(cap & PCI_EXP_FLAGS_SLOT);
	assert_int_equal((cap >> 9) & 0x1f, 0);		/* MSI vector 0 */
	cap = rd(f, 0, PORT_DEVFN, f->exp + PCI_EXP_SLTCAP, 4);
	assert_true(cap & PCI_EXP_SLTCAP_ABP);
	assert_true(cap & PCI_EXP_SLTCAP_PCP);
	assert_true(cap & PCI_EXP_SLTCAP_HPC);
	assert_false(cap & PCI_EXP_SLTCAP_MRLSP);
	assert_false(cap & PCI_EXP_SLTCAP_HPS);
	assert_false(cap & PCI_EXP_SLTCAP_NCCS);
	assert_int_equal(cap >> PCI_EXP_SLTCAP_PSN_SHIFT, PORT_NUM);
	cap = rd(f, 0, PORT_DEVFN, f->exp + PCI_EXP_LNKCAP, 4);
	assert_true(cap & PCI_EXP_LNKCAP_DLLLARC);
	assert_int_equal(cap >> 24, PORT_NUM);
	/* MSI: 64-bit, one vector, disabled. */
	assert_int_equal(port_rd16(f, f->msi + 2), PCI_MSI_CTRL_64BIT);
	/* No extended capabilities. */
	assert_int_equal(rd(f, 0, PORT_DEVFN, 0x100, 4), 0);
	/* Empty slot: not present, link down, powered off. */
	assert_false(sltsta(f) & PCI_EXP_SLTSTA_PDS);
	assert_false(lnksta(f) & PCI_EXP_LNKSTA_DLLLA);
	assert_true(sltctl(f) & PCI_EXP_SLTCTL_PCC);
	assert_int_equal(pci_root_port_pci_dev(f->port)->devfn, PORT_DEVFN);
}

static void test_bridge_registers(void **state)
{
	struct fixture *f = *state;

	wr(f, 0, PORT_DEVFN, PCI_PRIMARY_BUS, 0x00050300, 4);
	assert_int_equal(rd(f, 0, PORT_DEVFN, PCI_PRIMARY_BUS, 4) & 0xffffff,
			 0x050300);
	wr(f, 0, PORT_DEVFN, 0x20, 0xc01fc010, 4);	/* memory window */
	assert_int_equal(rd(f, 0, PORT_DEVFN, 0x20, 4), 0xc010c010);
	wr(f, 0, PORT_DEVFN, 0x24, 0xffffffff, 4);	/* prefetchable */
	assert_int_equal(rd(f, 0, PORT_DEVFN, 0x24, 4), 0xfff1fff1);
	wr(f, 0, PORT_DEVFN, 0x28, 0x12345678, 4);
	assert_int_equal(rd(f, 0, PORT_DEVFN, 0x28, 4), 0x12345678);
	wr(f, 0, PORT_DEVFN, 0x1c, 0xd0c0, 2);		/* I/O window */
	assert_int_equal(rd(f, 0, PORT_DEVFN, 0x1c, 2), 0xd1c1);
	/* Read-only: IDs, class, header type, slot capabilities. */
	wr(f, 0, PORT_DEVFN, 0, 0, 4);
	wr(f, 0, PORT_DEVFN, 0x08, 0, 4);
	wr(f, 0, PORT_DEVFN, f->exp + PCI_EXP_SLTCAP, 0, 4);
	assert_int_equal(rd(f, 0, PORT_DEVFN, 0, 4), 0x000c1b36);
	assert_int_equal(rd(f, 0, PORT_DEVFN, 0x08, 4) >> 8, 0x060400);
	assert_true(rd(f, 0, PORT_DEVFN, f->exp + PCI_EXP_SLTCAP, 4) &
		    PCI_EXP_SLTCAP_HPC);
}

/* ---- routing ---- */

static void test_config_routing(void **state)
{
	struct fixture *f = *state;

	f->child.devfn = PCI_DEVFN(1, 0);
	assert_int_equal(pci_root_port_plug(f->port, &f->child, false),
			 -EINVAL);
	f->child.devfn = 0;
	assert_int_equal(pci_root_port_plug(f->port, &f->child, false), 0);
	/* Bus numbers not programmed yet: nothing behind the port. */
	assert_int_equal(rd(f, 1, 0, 0, 4), 0xffffffff);
	set_buses(f);
	assert_int_equal(rd(f, 1, 0, 0, 4), 0x10411af4);
	assert_int_equal(cf8_rd(f, 1, 0, 0), 0x10411af4);
	assert_int_equal(rd(f, 1, 0, 0x0a, 2), 0x0200);
	/* Only device 0 exists; other buses are not claimed. */
	assert_int_equal(rd(f, 1, PCI_DEVFN(3, 0), 0, 4), 0xffffffff);
	assert_int_equal(cf8_rd(f, 1, PCI_DEVFN(1, 0), 0), 0xffffffff);
	assert_int_equal(rd(f, 1, PCI_DEVFN(0, 1), 0, 4), 0xffffffff);
	assert_int_equal(rd(f, 2, 0, 0, 4), 0xffffffff);
	assert_int_equal(rd(f, 1, 0, 0, 2), 0x1af4);
	/* Writes reach the child through CF8 and ECAM. */
	cf8_wr(f, 1, 0, PCI_BAR0, 0xc0100000);
	assert_int_equal(pci_get_long(&f->child, PCI_BAR0), 0xc0100000);
	wr(f, 1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	assert_int_equal(pci_get_word(&f->child, PCI_COMMAND),
			 PCI_COMMAND_MEMORY);
	/* Subordinate range: bus 2..4 claimed, but nothing there. */
	wr(f, 0, PORT_DEVFN, PCI_SUBORDINATE_BUS, 4, 1);
	assert_int_equal(rd(f, 3, 0, 0, 4), 0xffffffff);
	assert_int_equal(rd(f, 1, 0, 0, 4), 0x10411af4);
	/* Moving the secondary bus moves the child. */
	wr(f, 0, PORT_DEVFN, PCI_SECONDARY_BUS, 3, 1);
	assert_int_equal(rd(f, 1, 0, 0, 4), 0xffffffff);
	assert_int_equal(rd(f, 3, 0, 0, 4), 0x10411af4);
	/* Reset clears the bus numbers. */
	pci_root_reset(&f->root);
	assert_int_equal(rd(f, 3, 0, 0, 4), 0xffffffff);
}

static void test_bar_forwarding(void **state)
{
	struct fixture *f = *state;
	uint32_t val = 0;

	assert_int_equal(pci_root_port_plug(f->port, &f->child, false), 0);
	set_buses(f);
	wr(f, 1, 0, PCI_BAR0, 0xc0100000, 4);
	wr(f, 1, 0, PCI_BAR0 + 8, 0xd000, 4);
	wr(f, 1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
	/* The bridge does not forward yet. */
	bus_read(&f->mmio, 0xc0100010, &val, 4);
	assert_int_equal(val, 0xffffffff);
	assert_int_equal(f->bar_reads, 0);
	wr(f, 0, PORT_DEVFN, 0x20, 0xc010c010, 4);	/* c0100000-c01fffff */
	bus_read(&f->mmio, 0xc0100010, &val, 4);
	assert_int_equal(f->bar_reads, 0);		/* memory off */
	wr(f, 0, PORT_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	bus_read(&f->mmio, 0xc0100010, &val, 4);
	assert_int_equal(val, 0x5a5a5a5a);
	assert_int_equal(f->bar_reads, 1);
	assert_int_equal(f->bar_off, 0x10);
	/* I/O needs the I/O window and the bridge's I/O enable. */
	bus_read(&f->pio, 0xd004, &val, 2);
	assert_int_equal(f->bar_reads, 1);
	wr(f, 0, PORT_DEVFN, 0x1c, 0xd0d0, 2);
	bus_read(&f->pio, 0xd004, &val, 2);
	assert_int_equal(f->bar_reads, 1);		/* I/O off */
	wr(f, 0, PORT_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY |
	   PCI_COMMAND_IO, 2);
	bus_read(&f->pio, 0xd004, &val, 2);
	assert_int_equal(f->bar_reads, 2);
	assert_int_equal(f->bar_off, 4);
	/* Window moved away: no longer reachable. */
	wr(f, 0, PORT_DEVFN, 0x20, 0xc030c020, 4);
	val = 0;
	bus_read(&f->mmio, 0xc0100010, &val, 4);
	assert_int_equal(val, 0xffffffff);
	assert_int_equal(f->bar_reads, 2);
}

static void test_secondary_bus_reset(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pci_root_port_plug(f->port, &f->child, false), 0);
	set_buses(f);
	wr(f, 1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	wr(f, 0, PORT_DEVFN, PCI_BRIDGE_CONTROL, PCI_BRIDGE_CTL_SBR, 2);
	assert_int_equal(pci_get_word(&f->child, PCI_COMMAND), 0);
	wr(f, 0, PORT_DEVFN, PCI_BRIDGE_CONTROL, 0, 2);
	/* The link stays up across a secondary bus reset. */
	assert_true(lnksta(f) & PCI_EXP_LNKSTA_DLLLA);
	assert_int_equal(rd(f, 1, 0, 0, 4), 0x10411af4);
}

/* ---- hot plug ---- */

static void test_cold_plug(void **state)
{
	struct fixture *f = *state;
	uint16_t lnk;

	assert_int_equal(pci_root_port_plug(f->port, &f->child, false), 0);
	assert_ptr_equal(pci_root_port_slot_dev(f->port), &f->child);
	assert_int_equal(sltsta(f), PCI_EXP_SLTSTA_PDS);	/* no events */
	lnk = lnksta(f);
	assert_true(lnk & PCI_EXP_LNKSTA_DLLLA);
	assert_true(lnk & PCI_EXP_LNKSTA_NLW);
	assert_false(lnk & PCI_EXP_LNKSTA_LT);
	assert_int_equal(sltctl(f) & (PCI_EXP_SLTCTL_PCC | PCI_EXP_SLTCTL_PIC),
			 PCI_EXP_SLTCTL_PIC_ON);
	assert_int_equal(f->intx_sets, 0);
	assert_int_equal(f->msis, 0);
	assert_int_equal(pci_root_port_plug(f->port, &f->child, true),
			 -EBUSY);
	/* Reset keeps a cold-plugged device powered and present. */
	pci_root_reset(&f->root);
	assert_int_equal(sltsta(f), PCI_EXP_SLTSTA_PDS);
	assert_false(sltctl(f) & PCI_EXP_SLTCTL_PCC);
}

static void test_hotplug_intx(void **state)
{
	struct fixture *f = *state;

	guest_probe(f);
	assert_false(f->level);			/* CC was acked */
	assert_true(f->intx_sets > 0);
	assert_int_equal(pci_root_port_plug(f->port, &f->child, true), 0);
	assert_true(f->level);
	assert_int_equal(sltsta(f) & 0x1ff, PCI_EXP_SLTSTA_PDS |
			 PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
	assert_true(lnksta(f) & PCI_EXP_LNKSTA_DLLLA);
	assert_true(rd(f, 0, PORT_DEVFN, PCI_STATUS, 2) & 0x08);
	ack(f, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
	assert_false(f->level);
	assert_false(rd(f, 0, PORT_DEVFN, PCI_STATUS, 2) & 0x08);
	/* Linux powers the slot on: CC raises the line again. */
	slot_cmd(f, PCI_EXP_SLTCTL_PIC_ON, PCI_EXP_SLTCTL_PCC |
		 PCI_EXP_SLTCTL_PIC);
	assert_true(f->level);
	/* INTx disabled in the command register: line drops. */
	wr(f, 0, PORT_DEVFN, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
	assert_false(f->level);
	wr(f, 0, PORT_DEVFN, PCI_COMMAND, 0, 2);
	assert_true(f->level);
	ack(f, PCI_EXP_SLTSTA_CC);
	assert_false(f->level);
	assert_int_equal(f->msis, 0);
	set_buses(f);
	assert_int_equal(rd(f, 1, 0, 0, 4), 0x10411af4);
}

static void test_hotplug_msi(void **state)
{
	struct fixture *f = *state;

	enable_msi(f);
	guest_probe(f);
	assert_int_equal(f->msis, 1);		/* command completed */
	assert_int_equal(f->msi_addr, 0xfee01000);
	assert_int_equal(f->msi_data, MSI_DATA);
	assert_int_equal(pci_root_port_plug(f->port, &f->child, true), 0);
	assert_int_equal(f->msis, 2);
	/* Edge: no new message while an enabled event is still set. */
	slot_cmd(f, PCI_EXP_SLTCTL_PIC_ON, PCI_EXP_SLTCTL_PCC |
		 PCI_EXP_SLTCTL_PIC);
	assert_int_equal(f->msis, 2);
	ack(f, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC | PCI_EXP_SLTSTA_CC);
	slot_cmd(f, 0, PCI_EXP_SLTCTL_AIC);	/* attention on */
	assert_int_equal(f->msis, 3);
	assert_false(f->level);
	assert_int_equal(f->intx_sets, 0);
	/* Masked by HPIE=0: no message. */
	ack(f, PCI_EXP_SLTSTA_CC);
	slot_cmd(f, 0, PCI_EXP_SLTCTL_HPIE);
	assert_int_equal(f->msis, 3);
}

static void test_msi_bad_address(void **state)
{
	struct fixture *f = *state;

	enable_msi(f);
	wr(f, 0, PORT_DEVFN, f->msi + 4, 0x1000, 4);	/* not the LAPIC */
	guest_probe(f);
	assert_int_equal(f->msis, 0);
	assert_false(f->level);
}

/* Linux: button -> blink -> 5 s -> remove driver -> power off -> LED off */
static void test_unplug_handshake(void **state)
{
	struct fixture *f = *state;

	enable_msi(f);
	assert_int_equal(pci_root_port_plug(f->port, &f->child, false), 0);
	set_buses(f);
	guest_probe(f);
	f->msis = 0;
	assert_int_equal(pci_root_port_unplug_request(f->port, done_cb, f), 0);
	assert_int_equal(f->msis, 1);
	assert_true(sltsta(f) & PCI_EXP_SLTSTA_ABP);
	assert_int_equal(pci_root_port_unplug_request(f->port, done_cb, f),
			 -EBUSY);
	ack(f, PCI_EXP_SLTSTA_ABP);
	slot_cmd(f, PCI_EXP_SLTCTL_PIC_BLINK, PCI_EXP_SLTCTL_PIC);
	ack(f, PCI_EXP_SLTSTA_CC);
	assert_int_equal(f->dones, 0);
	assert_int_equal(rd(f, 1, 0, 0, 4), 0x10411af4);
	/* Power off: the device goes away and done() runs unlocked. */
	slot_cmd(f, PCI_EXP_SLTCTL_PCC, PCI_EXP_SLTCTL_PCC);
	assert_int_equal(f->dones, 1);
	assert_ptr_equal(f->done_dev, &f->child);
	assert_true(f->done_lock_free);
	assert_null(pci_root_port_slot_dev(f->port));
	assert_int_equal(rd(f, 1, 0, 0, 4), 0xffffffff);
	assert_int_equal(sltsta(f) & (PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_PDC |
				      PCI_EXP_SLTSTA_DLLSC),
			 PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
	assert_false(lnksta(f) & PCI_EXP_LNKSTA_DLLLA);
	ack(f, 0x011f);
	slot_cmd(f, PCI_EXP_SLTCTL_PIC_OFF, PCI_EXP_SLTCTL_PIC);
	assert_int_equal(f->dones, 1);
	assert_int_equal(pci_root_port_unplug_request(f->port, done_cb, f),
			 -ENODEV);
	/* The slot can be used again. */
	assert_int_equal(pci_root_port_plug(f->port, &f->child, true), 0);
	assert_int_equal(rd(f, 1, 0, 0, 4), 0x10411af4);
}

static void *vcpu_bar_read(void *arg)
{
	struct fixture *f = arg;
	uint32_t val;

	bus_read(&f->mmio, 0xc0100000, &val, 4);
	return NULL;
}

static void *vcpu_power_off(void *arg)
{
	struct fixture *f = arg;

	slot_cmd(f, PCI_EXP_SLTCTL_PCC, PCI_EXP_SLTCTL_PCC);
	return NULL;
}

/* done() (which frees the device) waits for vCPUs inside its BARs. */
static void test_unplug_waits_for_bar_users(void **state)
{
	struct fixture *f = *state;
	unsigned int early;
	pthread_t t1, t2;
	bool gone;

	assert_int_equal(pci_root_port_plug(f->port, &f->child, false), 0);
	set_buses(f);
	wr(f, 1, 0, PCI_BAR0, 0xc0100000, 4);
	wr(f, 1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	wr(f, 0, PORT_DEVFN, 0x20, 0xc010c010, 4);
	wr(f, 0, PORT_DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	guest_probe(f);
	assert_int_equal(pci_root_port_unplug_request(f->port, done_cb, f), 0);
	__atomic_store_n(&f->block_bar, 1, __ATOMIC_SEQ_CST);
	assert_int_equal(pthread_create(&t1, NULL, vcpu_bar_read, f), 0);
	while (!__atomic_load_n(&f->in_bar, __ATOMIC_SEQ_CST))
		usleep(1000);
	assert_int_equal(pthread_create(&t2, NULL, vcpu_power_off, f), 0);
	usleep(100 * 1000);
	/* Off the bus already, but done() must not have run yet. */
	gone = pci_root_port_slot_dev(f->port) == NULL;
	early = __atomic_load_n(&f->dones, __ATOMIC_SEQ_CST);
	__atomic_store_n(&f->block_bar, 0, __ATOMIC_SEQ_CST);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	assert_true(gone);
	assert_int_equal(early, 0);
	assert_int_equal(f->dones, 1);
}

static void test_unplug_empty(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pci_root_port_unplug_request(f->port, done_cb, f),
			 -ENODEV);
	assert_int_equal(f->dones, 0);
	assert_int_equal(sltsta(f) & PCI_EXP_SLTSTA_ABP, 0);
}

static void test_unplug_powered_off(void **state)
{
	struct fixture *f = *state;

	/* Hot-added, never powered on by the guest: removed at once. */
	assert_int_equal(pci_root_port_plug(f->port, &f->child, true), 0);
	assert_int_equal(pci_root_port_unplug_request(f->port, done_cb, f), 0);
	assert_int_equal(f->dones, 1);
	assert_true(f->done_lock_free);
	assert_null(pci_root_port_slot_dev(f->port));
}

static void test_unplug_without_power_off(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(pci_root_port_plug(f->port, &f->child, false), 0);
	guest_probe(f);
	assert_int_equal(pci_root_port_unplug_request(f->port, done_cb, f), 0);
	/* Indicator writes alone do not complete the request. */
	slot_cmd(f, PCI_EXP_SLTCTL_PIC_OFF, PCI_EXP_SLTCTL_PIC);
	slot_cmd(f, PCI_EXP_SLTCTL_AIC_OFF, PCI_EXP_SLTCTL_AIC);
	assert_int_equal(f->dones, 0);
	/* A guest reset does. */
	pci_root_reset(&f->root);
	assert_int_equal(f->dones, 1);
	assert_true(f->done_lock_free);
	assert_false(sltsta(f) & PCI_EXP_SLTSTA_PDS);
	assert_true(sltctl(f) & PCI_EXP_SLTCTL_PCC);
}

static void test_guest_power_cycle(void **state)
{
	struct fixture *f = *state;

	/* Guest-initiated power off (sysfs) without a request keeps it. */
	assert_int_equal(pci_root_port_plug(f->port, &f->child, false), 0);
	guest_probe(f);
	slot_cmd(f, PCI_EXP_SLTCTL_PCC, PCI_EXP_SLTCTL_PCC);
	slot_cmd(f, 0, PCI_EXP_SLTCTL_PCC);
	assert_ptr_equal(pci_root_port_slot_dev(f->port), &f->child);
	assert_int_equal(f->dones, 0);
}

static void test_multifunction(void **state)
{
	struct fixture *f = *state;
	struct pci_dev fn1;

	pci_dev_init(&fn1, 0x1af4, 0x1042, 0x010000, 0);
	fn1.devfn = PCI_DEVFN(0, 1);
	enable_msi(f);
	guest_probe(f);
	f->msis = 0;
	/* Function 1 alone: silent, invisible, slot not present. */
	assert_int_equal(pci_root_port_plug(f->port, &fn1, true), 0);
	assert_int_equal(f->msis, 0);
	assert_false(sltsta(f) & PCI_EXP_SLTSTA_PDS);
	assert_int_equal(pci_root_port_plug(f->port, &fn1, true), -EBUSY);
	f->child.cfg[PCI_HEADER_TYPE] |= PCI_HEADER_MULTIFUNC;
	assert_int_equal(pci_root_port_plug(f->port, &f->child, true), 0);
	assert_int_equal(f->msis, 1);
	set_buses(f);
	assert_int_equal(rd(f, 1, PCI_DEVFN(0, 1), 0, 4), 0x10421af4);
	assert_int_equal(rd(f, 1, PCI_DEVFN(0, 2), 0, 4), 0xffffffff);
	/* Without the multi-function bit, function 1 disappears. */
	f->child.cfg[PCI_HEADER_TYPE] = 0;
	assert_int_equal(rd(f, 1, PCI_DEVFN(0, 1), 0, 4), 0xffffffff);
	/* Unplug: done() once per function. */
	assert_int_equal(pci_root_port_unplug_request(f->port, done_cb, f), 0);
	slot_cmd(f, PCI_EXP_SLTCTL_PCC, PCI_EXP_SLTCTL_PCC);
	assert_int_equal(f->dones, 2);
	assert_ptr_equal(f->done_dev, &fn1);
	assert_int_equal(pci_root_port_unplug_request(f->port, done_cb, f),
			 -ENODEV);
	/* Function 1 left alone without function 0 goes at once. */
	assert_int_equal(pci_root_port_plug(f->port, &fn1, false), 0);
	assert_int_equal(pci_root_port_unplug_request(f->port, done_cb, f), 0);
	assert_int_equal(f->dones, 3);
}

/* ---- garbage ---- */

static void test_garbage_writes(void **state)
{
	struct fixture *f = *state;
	unsigned int i, seed = 12345;
	uint32_t exp_flags;

	assert_int_equal(pci_root_port_plug(f->port, &f->child, false), 0);
	exp_flags = port_rd16(f, f->exp + PCI_EXP_FLAGS);
	for (i = 0; i < 20000; i++) {
		unsigned int len = 1u << ((seed = seed * 1103515245 + 12345) >>
					  16 & 3);
		unsigned int off = (seed = seed * 1103515245 + 12345) >> 8 &
				   0xfff;
		uint64_t val = (uint64_t)(seed = seed * 1103515245 + 12345) *
			       0x9e3779b97f4a7c15ULL;

		bus_write(&f->mmio, ecam_addr(0, PORT_DEVFN, off), &val, len);
		if (i % 7 == 0)
			cf8_wr(f, (uint8_t)val, (uint8_t)(val >> 8), off,
			       (uint32_t)val);
	}
	assert_int_equal(rd(f, 0, PORT_DEVFN, 0, 4), 0x000c1b36);
	assert_int_equal(rd(f, 0, PORT_DEVFN, PCI_HEADER_TYPE, 1), 0x01);
	assert_int_equal(find_cap(f, PCI_CAP_ID_EXP), f->exp);
	assert_int_equal(find_cap(f, PCI_CAP_ID_MSI), f->msi);
	assert_int_equal(port_rd16(f, f->exp + PCI_EXP_FLAGS), exp_flags);
	assert_true(sltsta(f) & PCI_EXP_SLTSTA_PDS);
	assert_true(lnksta(f) & PCI_EXP_LNKSTA_DLLLA);
	assert_ptr_equal(pci_root_port_slot_dev(f->port), &f->child);
	assert_int_equal(pci_get_long(&f->child, 0), 0x10411af4);
}

static void test_create_conflict(void **state)
{
	struct fixture *f = *state;
	struct pci_root_port_args a = { .port = 9 };
	struct pci_root_port *p2 = NULL;

	assert_int_equal(pci_root_port_create(&f->root, PORT_DEVFN, &a, &p2),
			 -EEXIST);
	assert_null(p2);
	assert_int_equal(pci_root_port_create(&f->root, PCI_DEVFN(3, 0), &a,
					      &p2), 0);
	/* INTx-only port (no MSI callback, no line) still signals safely. */
	wr(f, 0, PCI_DEVFN(3, 0), f->exp + PCI_EXP_SLTCTL,
	   PCI_EXP_SLTCTL_HPIE | PCI_EXP_SLTCTL_CCIE, 2);
	assert_true(rd(f, 0, PCI_DEVFN(3, 0), f->exp + PCI_EXP_SLTSTA, 2) &
		    PCI_EXP_SLTSTA_CC);
	pci_root_port_destroy(p2);
	assert_int_equal(rd(f, 0, PCI_DEVFN(3, 0), 0, 4), 0xffffffff);
	pci_root_port_destroy(NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_header),
		T(test_bridge_registers),
		T(test_config_routing),
		T(test_bar_forwarding),
		T(test_secondary_bus_reset),
		T(test_cold_plug),
		T(test_hotplug_intx),
		T(test_hotplug_msi),
		T(test_msi_bad_address),
		T(test_unplug_handshake),
		T(test_unplug_waits_for_bar_users),
		T(test_unplug_empty),
		T(test_unplug_powered_off),
		T(test_unplug_without_power_off),
		T(test_guest_power_cycle),
		T(test_multifunction),
		T(test_garbage_writes),
		T(test_create_conflict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
