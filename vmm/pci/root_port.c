// SPDX-License-Identifier: MIT
/* pcie-root-port with a native PCIe hot-plug slot (see root_port.h). */
#include "vmm/pci/root_port.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/irq/irq.h"
#include "vmm/pci/msi.h"
#include "vmm/pci/root.h"

#define LOG_MODULE "pcie-root-port"
#include "sv/log.h"

#define PCI_STATUS_INTERRUPT	0x08
#define SLTCTL_WMASK		0x17ff	/* all but EIC (write-only, 0) */
#define SLTSTA_EVENTS		(PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PFD | \
				 PCI_EXP_SLTSTA_MRLSC | PCI_EXP_SLTSTA_PDC | \
				 PCI_EXP_SLTSTA_CC | PCI_EXP_SLTSTA_DLLSC)
#define SLTCTL_EMPTY		(PCI_EXP_SLTCTL_AIC_OFF | \
				 PCI_EXP_SLTCTL_PIC_OFF | PCI_EXP_SLTCTL_PCC)
#define SLTCTL_POWERED		(PCI_EXP_SLTCTL_AIC_OFF | \
				 PCI_EXP_SLTCTL_PIC_ON)
#define LNKSTA_UP_X1		0x0011	/* 2.5 GT/s, x1 */

struct pci_root_port {
	struct pci_dev dev;
	struct pci_msi msi;
	struct pci_root *root;
	struct irq_line *intx;
	uint8_t chassis, port;
	uint32_t exp;			/* PCIe capability offset */

	/* Everything below is protected by root->lock. */
	struct pci_dev *slot[PCI_SEC_FUNCS];	/* functions of device 0 */
	uint16_t sltctl_seen;		/* Slot Control before a write */
	uint8_t brctl_seen;		/* Bridge Control before a write */
	bool irq_cond;			/* hot-plug interrupt condition */
	bool intx_level;
	bool unplug_pending;		/* button pressed, waiting */
	bool unplug_ready;		/* removed, done() not called yet */
	struct pci_dev *removed[PCI_SEC_FUNCS];
	pci_root_port_done_fn done;
	void *done_opaque;
};

static uint16_t exp_word(const struct pci_root_port *p, uint32_t reg)
{
	return pci_get_word(&p->dev, p->exp + reg);
}

static void exp_set_word(struct pci_root_port *p, uint32_t reg, uint16_t v)
{
	pci_set_word(&p->dev, p->exp + reg, v);
}

static void exp_wmask_word(struct pci_root_port *p, uint32_t reg, uint16_t m)
{
	p->dev.wmask[p->exp + reg] = (uint8_t)m;
	p->dev.wmask[p->exp + reg + 1] = (uint8_t)(m >> 8);
}

static void exp_w1c_word(struct pci_root_port *p, uint32_t reg, uint16_t m)
{
	p->dev.w1c[p->exp + reg] = (uint8_t)m;
	p->dev.w1c[p->exp + reg + 1] = (uint8_t)(m >> 8);
}

static void set_intx(struct pci_root_port *p, bool level)
{
	if (level == p->intx_level)
		return;
	p->intx_level = level;
	if (level)
		p->dev.cfg[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		p->dev.cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
	if (p->intx)
		irq_line_set(p->intx, level);
}

/*
 * Hot-plug interrupt (PCIe 6.7.3.4): HPIE set and an enabled event bit
 * set. MSI is sent on the 0->1 edge of that condition; INTx follows it.
 */
static void update_irq(struct pci_root_port *p)
{
	uint16_t ctl = exp_word(p, PCI_EXP_SLTCTL);
	uint16_t sta = exp_word(p, PCI_EXP_SLTSTA);
	uint16_t enabled = ctl & 0x1f;	/* ABPE..CCIE match ABP..CC */
	bool msi = pci_msi_enabled(&p->msi), cond;

	if (ctl & PCI_EXP_SLTCTL_DLLSCE)
		enabled |= PCI_EXP_SLTSTA_DLLSC;
	cond = (ctl & PCI_EXP_SLTCTL_HPIE) && (sta & enabled);
	if (cond && !p->irq_cond && msi)
		pci_msi_notify(&p->msi);
	p->irq_cond = cond;
	set_intx(p, cond && !msi && !(pci_get_word(&p->dev, PCI_COMMAND) &
				      PCI_COMMAND_INTX_DISABLE));
}

static void slot_event(struct pci_root_port *p, uint16_t events)
{
	exp_set_word(p, PCI_EXP_SLTSTA, exp_word(p, PCI_EXP_SLTSTA) | events);
	update_irq(p);
}

/* Presence and link state follow the slot's device. */
static void set_present(struct pci_root_port *p, bool present)
{
	uint16_t sta = exp_word(p, PCI_EXP_SLTSTA) & ~PCI_EXP_SLTSTA_PDS;
	uint16_t lnk = LNKSTA_UP_X1;

	if (present) {
		sta |= PCI_EXP_SLTSTA_PDS;
		lnk |= PCI_EXP_LNKSTA_DLLLA;
	}
	exp_set_word(p, PCI_EXP_SLTSTA, sta);
	exp_set_word(p, PCI_EXP_LNKSTA, lnk);
}

/* Locked: take the device off the bus; done() runs from unlocked_work. */
static void remove_dev(struct pci_root_port *p)
{
	bool was_present = p->slot[0] != NULL;

	memcpy(p->removed, p->slot, sizeof(p->removed));
	memset(p->slot, 0, sizeof(p->slot));
	p->unplug_pending = false;
	p->unplug_ready = true;
	set_present(p, false);
	if (was_present)
		slot_event(p, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
	log_info("%s %u: slot emptied", p->dev.name, p->port);
}

static void slot_ctl_written(struct pci_root_port *p)
{
	uint16_t ctl = exp_word(p, PCI_EXP_SLTCTL);
	bool was_on = !(p->sltctl_seen & PCI_EXP_SLTCTL_PCC);

	p->sltctl_seen = ctl;
	if (was_on && (ctl & PCI_EXP_SLTCTL_PCC) && p->unplug_pending)
		remove_dev(p);
	/* Every Slot Control write completes at once. */
	slot_event(p, PCI_EXP_SLTSTA_CC);
}

static void reset_children(struct pci_root_port *p)
{
	unsigned int i;

	for (i = 0; i < PCI_SEC_FUNCS; i++)
		if (p->slot[i])
			pci_dev_reset(p->slot[i]);
}

static bool overlaps(uint32_t off, unsigned int len, uint32_t reg,
		     unsigned int reg_len)
{
	return off < reg + reg_len && reg < off + len;
}

/* Runs under root->lock after the generic write. */
static void rp_cfg_write(struct pci_dev *dev, uint32_t off, uint32_t val,
			 unsigned int len)
{
	struct pci_root_port *p = dev->opaque;
	uint8_t brctl = dev->cfg[PCI_BRIDGE_CONTROL];

	(void)val;
	if (overlaps(off, len, p->exp + PCI_EXP_SLTCTL, 2))
		slot_ctl_written(p);
	if ((brctl & PCI_BRIDGE_CTL_SBR) &&
	    !(p->brctl_seen & PCI_BRIDGE_CTL_SBR))
		reset_children(p);
	p->brctl_seen = brctl;
	update_irq(p);
}

static void windows_reset(struct pci_dev *dev)
{
	memset(&dev->cfg[0x1c], 0, 0x30 - 0x1c);
	dev->cfg[0x1c] = 0x01;		/* 32-bit I/O addressing */
	dev->cfg[0x1d] = 0x01;
	dev->cfg[0x24] = 0x01;		/* 64-bit prefetchable window */
	dev->cfg[0x26] = 0x01;
	pci_set_word(dev, PCI_BRIDGE_CONTROL, 0);
}

/* Locked: state after power-on or guest reset, from the slot contents. */
static void exp_reset(struct pci_root_port *p)
{
	bool present = p->slot[0] != NULL;

	exp_set_word(p, PCI_EXP_DEVCTL, 0);
	exp_set_word(p, PCI_EXP_DEVSTA, 0);
	exp_set_word(p, PCI_EXP_LNKCTL, 0);
	exp_set_word(p, PCI_EXP_SLTSTA, 0);
	exp_set_word(p, PCI_EXP_SLTCTL, present ? SLTCTL_POWERED :
						   SLTCTL_EMPTY);
	exp_set_word(p, PCI_EXP_RTCTL, 0);
	pci_set_long(&p->dev, p->exp + PCI_EXP_RTSTA, 0);
	set_present(p, present);
	p->sltctl_seen = exp_word(p, PCI_EXP_SLTCTL);
}

/* Runs under root->lock from pci_dev_reset() (guest/machine reset). */
static void rp_reset(struct pci_dev *dev)
{
	struct pci_root_port *p = dev->opaque;

	if (p->unplug_pending)
		remove_dev(p);
	reset_children(p);
	windows_reset(dev);
	p->brctl_seen = 0;
	pci_msi_reset(&p->msi);
	exp_reset(p);
	p->irq_cond = false;
	set_intx(p, false);
}

/* Called with no lock held: finish an unplug. */
static void rp_unlocked_work(struct pci_dev *dev)
{
	struct pci_root_port *p = dev->opaque;
	struct pci_dev *removed[PCI_SEC_FUNCS];
	pci_root_port_done_fn done;
	unsigned int i;
	void *opaque;

	pthread_mutex_lock(&p->root->lock);
	if (!p->unplug_ready) {
		pthread_mutex_unlock(&p->root->lock);
		return;
	}
	done = p->done;
	opaque = p->done_opaque;
	memcpy(removed, p->removed, sizeof(removed));
	memset(p->removed, 0, sizeof(p->removed));
	p->unplug_ready = false;
	p->done = NULL;
	pthread_mutex_unlock(&p->root->lock);
	pci_root_sync(p->root);	/* no vCPU is left in their BARs */
	for (i = 0; i < PCI_SEC_FUNCS; i++)
		if (done && removed[i])
			done(opaque, removed[i]);
}

static const struct pci_dev_ops rp_ops = {
	.cfg_write = rp_cfg_write,
	.reset = rp_reset,
	.unlocked_work = rp_unlocked_work,
};

static int add_exp_cap(struct pci_root_port *p)
{
	int cap = pci_cap_add(&p->dev, PCI_CAP_ID_EXP, PCI_EXP_CAP_LEN);

	if (cap < 0)
		return cap;
	p->exp = (uint32_t)cap;
	exp_set_word(p, PCI_EXP_FLAGS, 0x2 | PCI_EXP_TYPE_ROOT_PORT << 4 |
		     PCI_EXP_FLAGS_SLOT);
	/* Role-based error reporting, 128-byte max payload. */
	pci_set_long(&p->dev, p->exp + PCI_EXP_DEVCAP, 0x8000);
	pci_set_long(&p->dev, p->exp + PCI_EXP_LNKCAP,
		     (uint32_t)p->port << 24 | PCI_EXP_LNKCAP_DLLLARC |
		     LNKSTA_UP_X1);
	pci_set_long(&p->dev, p->exp + PCI_EXP_SLTCAP,
		     (uint32_t)p->port << PCI_EXP_SLTCAP_PSN_SHIFT |
		     PCI_EXP_SLTCAP_ABP | PCI_EXP_SLTCAP_PCP |
		     PCI_EXP_SLTCAP_AIP | PCI_EXP_SLTCAP_PIP |
		     PCI_EXP_SLTCAP_HPC);
	pci_set_long(&p->dev, p->exp + PCI_EXP_LNKCAP2, 0x2);	/* 2.5 GT/s */
	exp_wmask_word(p, PCI_EXP_DEVCTL, 0x7fff);
	exp_w1c_word(p, PCI_EXP_DEVSTA, 0x000f);
	exp_wmask_word(p, PCI_EXP_LNKCTL, 0x0fdb);
	exp_wmask_word(p, PCI_EXP_SLTCTL, SLTCTL_WMASK);
	exp_w1c_word(p, PCI_EXP_SLTSTA, SLTSTA_EVENTS);
	exp_wmask_word(p, PCI_EXP_RTCTL, 0x000f);
	p->dev.w1c[p->exp + PCI_EXP_RTSTA + 2] = 0x01;	/* PME status */
	exp_reset(p);
	return 0;
}

static int init_dev(struct pci_root_port *p,
		    const struct pci_root_port_args *args)
{
	struct pci_msi_args ma = { .is64 = true, .signal = args->signal,
				   .signal_opaque = args->signal_opaque };
	int ret;

	pci_dev_init(&p->dev, PCI_ROOT_PORT_VENDOR, PCI_ROOT_PORT_DEVICE,
		     0x060400, PCI_HEADER_TYPE_BRIDGE |
		     (args->multifunction ? PCI_HEADER_MULTIFUNC : 0));
	p->dev.name = "pcie-root-port";
	p->dev.ops = &rp_ops;
	p->dev.opaque = p;
	p->dev.secondary = p->slot;
	p->dev.cfg[PCI_INTERRUPT_PIN] = 1;	/* INTA */
	windows_reset(&p->dev);
	ret = add_exp_cap(p);
	if (!ret)
		ret = pci_msi_init(&p->msi, &p->dev, &ma);
	return ret;
}

int pci_root_port_create(struct pci_root *root, uint8_t devfn,
			 const struct pci_root_port_args *args,
			 struct pci_root_port **out)
{
	struct pci_root_port *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->root = root;
	p->intx = args->intx;
	p->chassis = args->chassis;
	p->port = args->port;
	ret = init_dev(p, args);
	if (ret) {
		log_err("pcie-root-port port %u: capabilities: %s", args->port,
			strerror(-ret));
		goto err_free;
	}
	ret = pci_root_add(root, &p->dev, devfn);
	if (ret)
		goto err_free;
	*out = p;
	return 0;

err_free:
	free(p);
	return ret;
}

void pci_root_port_destroy(struct pci_root_port *p)
{
	if (!p)
		return;
	pci_root_remove(p->root, p->dev.devfn);
	free(p);
}

static bool slot_used(const struct pci_root_port *p)
{
	unsigned int i;

	for (i = 0; i < PCI_SEC_FUNCS; i++)
		if (p->slot[i])
			return true;
	return false;
}

/* Locked. Function 0 makes the slot present (and the guest notice). */
static void plug_fn0(struct pci_root_port *p, bool hotplug)
{
	set_present(p, true);
	if (hotplug) {
		slot_event(p, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
	} else {
		exp_set_word(p, PCI_EXP_SLTCTL, SLTCTL_POWERED);
		p->sltctl_seen = SLTCTL_POWERED;
	}
}

int pci_root_port_plug(struct pci_root_port *p, struct pci_dev *dev,
		       bool hotplug)
{
	unsigned int fn = dev->devfn & 7;
	int ret = 0;

	if (dev->devfn >> 3) {
		log_err("pcie-root-port %u: %s must use slot 0", p->port,
			dev->name ? dev->name : "device");
		return -EINVAL;
	}
	pthread_mutex_lock(&p->root->lock);
	if (p->slot[fn] || p->unplug_pending || (fn && hotplug && p->slot[0])) {
		log_err("pcie-root-port %u: function %u is busy", p->port, fn);
		ret = -EBUSY;
		goto out;
	}
	p->slot[fn] = dev;
	if (!fn)
		plug_fn0(p, hotplug);
out:
	pthread_mutex_unlock(&p->root->lock);
	return ret;
}

int pci_root_port_unplug_request(struct pci_root_port *p,
				 pci_root_port_done_fn done, void *opaque)
{
	int ret = 0;

	pthread_mutex_lock(&p->root->lock);
	if (!slot_used(p)) {
		ret = -ENODEV;
	} else if (p->unplug_pending || p->unplug_ready) {
		ret = -EBUSY;
	} else {
		p->unplug_pending = true;
		p->done = done;
		p->done_opaque = opaque;
		/* Powered off or invisible: the guest is not using it. */
		if (!p->slot[0] ||
		    (exp_word(p, PCI_EXP_SLTCTL) & PCI_EXP_SLTCTL_PCC))
			remove_dev(p);
		else
			slot_event(p, PCI_EXP_SLTSTA_ABP);
	}
	pthread_mutex_unlock(&p->root->lock);
	if (!ret)
		rp_unlocked_work(&p->dev);
	return ret;
}

struct pci_dev *pci_root_port_pci_dev(struct pci_root_port *p)
{
	return &p->dev;
}

struct pci_dev *pci_root_port_slot_dev(struct pci_root_port *p)
{
	struct pci_dev *dev;

	pthread_mutex_lock(&p->root->lock);
	dev = p->slot[0];
	pthread_mutex_unlock(&p->root->lock);
	return dev;
}
