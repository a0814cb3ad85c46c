// SPDX-License-Identifier: MIT
/*
 * vmm_config_validate(): the checks that need the whole command line
 * (references between options, machine-specific rules, duplicates). It
 * does not touch the file system: the machine names missing files later.
 * Unlike StratoVirt, -qmp/-mon is optional here (people run without one).
 */
#include "vmm/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/config_internal.h"

#define USER_LEN 160

struct vctx {
	struct vmm_config *cfg;
	char *err;
	size_t errlen;
	/* who already uses each drive / netdev / chardev, "" if nobody */
	char drive_user[CFG_MAX_DRIVES][USER_LEN];
	char netdev_user[CFG_MAX_NETDEVS][USER_LEN];
	char chardev_user[CFG_MAX_CHARDEVS][USER_LEN];
};

static const char *machine_name(enum machine_type m)
{
	switch (m) {
	case MACHINE_MICROVM:
		return "microvm";
	case MACHINE_Q35:
		return "q35";
	default:
		return "none";
	}
}

static int check_basics(struct vctx *v)
{
	const struct vmm_config *cfg = v->cfg;
	char msg[200];

	if (cfg_check_smp(cfg, msg, sizeof(msg)) < 0)
		return cfg_err(v->err, v->errlen, "-smp: %s", msg);
	if (cfg_check_mem(cfg, msg, sizeof(msg)) < 0)
		return cfg_err(v->err, v->errlen, "-m: %s", msg);
	if (cfg->machine == MACHINE_MICROVM && !cfg->kernel)
		return cfg_err(v->err, v->errlen,
			       "-kernel is required for the microvm machine");
	if (cfg->pidfile && !cfg->daemonize)
		return cfg_err(v->err, v->errlen,
			       "-pidfile %s: -pidfile requires -daemonize",
			       cfg->pidfile);
	return 0;
}

/* Index of the first id equal to an earlier one, or -1. */
static int dup_id(const char *const *ids, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = 0; ids[i] && j < i; j++)
			if (ids[j] && !strcmp(ids[i], ids[j]))
				return (int)i;
	return -1;
}

/* Ids must be unique within each kind (a drive and its device may share). */
static int check_ids(struct vctx *v)
{
	const struct vmm_config *cfg = v->cfg;
	const char *ids[CFG_MAX_DEVICES];
	int d;

#define COLLECT(arr, n)                                   \
	do {                                              \
		for (unsigned int i_ = 0; i_ < (n); i_++) \
			ids[i_] = (arr)[i_].id;           \
		d = dup_id(ids, n);                       \
	} while (0)

	COLLECT(cfg->drives, cfg->nr_drives);
	if (d >= 0)
		return cfg_err(v->err, v->errlen,
			       "-drive %s: duplicate id '%s'",
			       cfg->drives[d].spec, ids[d]);
	COLLECT(cfg->devices, cfg->nr_devices);
	if (d >= 0)
		return cfg_err(v->err, v->errlen,
			       "-device %s: duplicate id '%s'",
			       cfg->devices[d].spec, ids[d]);
	COLLECT(cfg->netdevs, cfg->nr_netdevs);
	if (d >= 0)
		return cfg_err(v->err, v->errlen, "-netdev: duplicate id '%s'",
			       ids[d]);
	COLLECT(cfg->chardevs, cfg->nr_chardevs);
	if (d >= 0)
		return cfg_err(v->err, v->errlen, "-chardev: duplicate id '%s'",
			       ids[d]);
	COLLECT(cfg->objects, cfg->nr_objects);
	if (d >= 0)
		return cfg_err(v->err, v->errlen, "-object: duplicate id '%s'",
			       ids[d]);
#undef COLLECT
	return 0;
}

/* pflash: q35 only, units 0/1, no duplicate unit, unit 0 present. */
static int check_pflash(struct vctx *v)
{
	const struct vmm_config *cfg = v->cfg;
	const struct drive_cfg *seen[2] = { NULL, NULL };
	const struct drive_cfg *any = NULL;

	for (unsigned int i = 0; i < cfg->nr_drives; i++) {
		const struct drive_cfg *drv = &cfg->drives[i];

		if (drv->iface != DRIVE_IF_PFLASH)
			continue;
		if (cfg->machine != MACHINE_Q35)
			return cfg_err(
				v->err, v->errlen,
				"-drive %s: pflash is not supported on %s",
				drv->spec, machine_name(cfg->machine));
		if (drv->unit < 0 || drv->unit > 1)
			return cfg_err(v->err, v->errlen,
				       "-drive %s: pflash unit must be 0 or 1",
				       drv->spec);
		if (seen[drv->unit])
			return cfg_err(v->err, v->errlen,
				       "-drive %s: pflash unit %d given twice",
				       drv->spec, drv->unit);
		seen[drv->unit] = any = drv;
	}
	if (any && !seen[0])
		return cfg_err(v->err, v->errlen,
			       "-drive %s: pflash unit 0 (code) is required",
			       any->spec);
	return 0;
}

/* Record that user takes slot; error if somebody already did. */
static int take(struct vctx *v, char *slot, const char *user, const char *what,
		const char *id)
{
	if (*slot)
		return cfg_err(v->err, v->errlen,
			       "%s: %s '%s' is already used by %s", user, what,
			       id, slot);
	snprintf(slot, USER_LEN, "%s", user);
	return 0;
}

static int SV_PRINTF(3, 4) dev_err(struct vctx *v, const struct device_cfg *dev,
				   const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cfg_err(v->err, v->errlen, "-device %s: %s",
		       dev->spec ? dev->spec : dev->driver, msg);
}

static bool has_driver(const struct vmm_config *cfg, const char *a,
		       const char *b)
{
	for (unsigned int i = 0; i < cfg->nr_devices; i++)
		if (!strcmp(cfg->devices[i].driver, a) ||
		    !strcmp(cfg->devices[i].driver, b))
			return true;
	return false;
}

static bool root_port(const struct vmm_config *cfg, const char *id)
{
	for (unsigned int i = 0; i < cfg->nr_devices; i++)
		if (cfg->devices[i].id && !strcmp(cfg->devices[i].id, id) &&
		    !strcmp(cfg->devices[i].driver, "pcie-root-port"))
			return true;
	return false;
}

/* Machine and bus rules of one device. */
static int check_dev_bus(struct vctx *v, const struct device_cfg *dev,
			 const struct cfg_driver *drv)
{
	const struct vmm_config *cfg = v->cfg;
	const char *m = machine_name(cfg->machine);

	if ((drv->bus == CFG_BUS_MMIO && cfg->machine == MACHINE_Q35) ||
	    (drv->bus == CFG_BUS_PCI && cfg->machine == MACHINE_MICROVM))
		return dev_err(v, dev, "%s is not supported on %s", dev->driver,
			       m);
	if (drv->bus != CFG_BUS_PCI &&
	    (dev->bus || dev->slot >= 0 || dev->multifunction))
		return dev_err(v, dev,
			       "bus/addr/multifunction are only "
			       "valid for PCI devices");
	if (dev->bus && strcmp(dev->bus, "pcie.0") && !root_port(cfg, dev->bus))
		return dev_err(v, dev, "bus '%s' not found", dev->bus);
	if ((!strcmp(dev->driver, "virtconsole") ||
	     !strcmp(dev->driver, "virtserialport")) &&
	    !has_driver(cfg, "virtio-serial-device", "virtio-serial-pci"))
		return dev_err(v, dev, "%s needs a virtio-serial device",
			       dev->driver);
	return 0;
}

/* The one backend reference a driver takes; all others must be absent. */
static int check_dev_refs(struct vctx *v, const struct device_cfg *dev,
			  const struct cfg_driver *drv)
{
	static const char *const key[] = {
		[CFG_REF_DRIVE] = "drive",
		[CFG_REF_NETDEV] = "netdev",
		[CFG_REF_CHARDEV] = "chardev",
		[CFG_REF_RNG] = "rng",
	};
	const char *val[] = {
		[CFG_REF_DRIVE] = dev->drive,
		[CFG_REF_NETDEV] = dev->netdev,
		[CFG_REF_CHARDEV] = dev->chardev,
		[CFG_REF_RNG] = dev->rng,
	};

	for (size_t r = CFG_REF_DRIVE; r < ARRAY_SIZE(key); r++) {
		if (val[r] && r != drv->ref)
			return dev_err(v, dev, "key '%s' is not valid for %s",
				       key[r], dev->driver);
		if (!val[r] && r == drv->ref)
			return dev_err(v, dev, "%s= is required", key[r]);
	}
	return 0;
}

/* Resolve the reference and mark it taken by this device. */
static int resolve_dev_ref(struct vctx *v, const struct device_cfg *dev,
			   const struct cfg_driver *drv)
{
	struct vmm_config *cfg = v->cfg;
	char user[USER_LEN];
	struct drive_cfg *dr;
	struct object_cfg *o;
	struct netdev_cfg *nd;
	struct chardev_cfg *ch;

	snprintf(user, sizeof(user), "-device %s",
		 dev->spec ? dev->spec : dev->driver);
	switch (drv->ref) {
	case CFG_REF_DRIVE:
		dr = vmm_config_drive(cfg, dev->drive);
		if (!dr)
			return dev_err(v, dev, "drive '%s' not found",
				       dev->drive);
		if (dr->iface != DRIVE_IF_NONE)
			return dev_err(v, dev, "drive '%s' is a pflash drive",
				       dev->drive);
		dr->used = true;
		return take(v, v->drive_user[dr - cfg->drives], user, "drive",
			    dev->drive);
	case CFG_REF_NETDEV:
		nd = vmm_config_netdev(cfg, dev->netdev);
		if (!nd)
			return dev_err(v, dev, "netdev '%s' not found",
				       dev->netdev);
		return take(v, v->netdev_user[nd - cfg->netdevs], user,
			    "netdev", dev->netdev);
	case CFG_REF_CHARDEV:
		ch = vmm_config_chardev(cfg, dev->chardev);
		if (!ch)
			return dev_err(v, dev, "chardev '%s' not found",
				       dev->chardev);
		return take(v, v->chardev_user[ch - cfg->chardevs], user,
			    "chardev", dev->chardev);
	case CFG_REF_RNG:
		o = vmm_config_object(cfg, dev->rng);
		if (!o || o->kind != OBJECT_RNG_RANDOM)
			return dev_err(v, dev,
				       "rng-random object '%s' not "
				       "found",
				       dev->rng);
		return 0;
	default:
		return 0;
	}
}

/* virtio-serial ports: nr=0 is the console's, and no nr twice. */
static int check_port_nr(struct vctx *v, unsigned int i)
{
	const struct device_cfg *dev = &v->cfg->devices[i];
	bool port = !strcmp(dev->driver, "virtserialport");

	if (!port && strcmp(dev->driver, "virtconsole"))
		return 0;
	if (port && dev->nr == 0)
		return dev_err(v, dev, "nr=0 is reserved for virtconsole");
	for (unsigned int j = 0; j < i && dev->nr >= 0; j++) {
		const struct device_cfg *o = &v->cfg->devices[j];

		if (o->nr == dev->nr && (!strcmp(o->driver, "virtconsole") ||
					 !strcmp(o->driver, "virtserialport")))
			return dev_err(v, dev, "port nr=%d is already used by "
				       "-device %s", dev->nr,
				       o->spec ? o->spec : o->driver);
	}
	return 0;
}

static int check_devices(struct vctx *v)
{
	struct vmm_config *cfg = v->cfg;

	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		const struct device_cfg *dev = &cfg->devices[i];
		const struct cfg_driver *drv = cfg_driver_find(dev->driver);
		struct object_cfg *io;

		if (!drv)
			return dev_err(v, dev, "unknown device type");
		if (check_dev_bus(v, dev, drv) < 0 ||
		    check_dev_refs(v, dev, drv) < 0 ||
		    check_port_nr(v, i) < 0 ||
		    resolve_dev_ref(v, dev, drv) < 0)
			return -EINVAL;
		io = dev->iothread ? vmm_config_object(cfg, dev->iothread) :
				     NULL;
		if (dev->iothread && (!io || io->kind != OBJECT_IOTHREAD))
			return dev_err(v, dev, "iothread '%s' not found",
				       dev->iothread);
	}
	return 0;
}

/* The slot a PCI device asks for: pcie.0's reserved ones, root ports' 0. */
static int check_pci_addr(struct vctx *v, const struct device_cfg *dev)
{
	bool on_root = !dev->bus || !strcmp(dev->bus, "pcie.0");

	if (!strcmp(dev->driver, "pcie-root-port") && !on_root)
		return dev_err(v, dev, "a root port must be on pcie.0");
	if (dev->slot < 0)
		return 0;
	if (on_root && (dev->slot == 0 || dev->slot == 0x1f))
		return dev_err(v, dev, "addr 0x%x is the %s's slot on pcie.0",
			       dev->slot, dev->slot ? "LPC bridge" :
						      "host bridge");
	if (!on_root && dev->slot != 0)
		return dev_err(v, dev, "addr 0x%x: a device behind a root port "
			       "must use slot 0", dev->slot);
	return 0;
}

/* No two PCI functions at the same bus/slot/function. */
static int check_pci_slots(struct vctx *v)
{
	const struct vmm_config *cfg = v->cfg;

	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		const struct device_cfg *a = &cfg->devices[i];
		const char *bus_a = a->bus ? a->bus : "pcie.0";

		if (check_pci_addr(v, a) < 0)
			return -EINVAL;
		for (unsigned int j = 0; j < i && a->slot >= 0; j++) {
			const struct device_cfg *b = &cfg->devices[j];
			const char *bus_b = b->bus ? b->bus : "pcie.0";

			if (b->slot == a->slot && b->func == a->func &&
			    !strcmp(bus_a, bus_b))
				return dev_err(v, a, "addr 0x%x.%x on %s is "
					       "already used by -device %s",
					       a->slot, a->func, bus_a,
					       b->spec ? b->spec : b->driver);
		}
	}
	return 0;
}

/* At most one stdio user, and none with -daemonize. */
static int check_stdio(struct vctx *v)
{
	const struct vmm_config *cfg = v->cfg;
	const char *first = NULL;

	if (cfg->serial.kind == CHARDEV_STDIO)
		first = "-serial stdio";
	for (unsigned int i = 0; i < cfg->nr_chardevs; i++) {
		const struct chardev_cfg *ch = &cfg->chardevs[i];

		if (ch->kind != CHARDEV_STDIO)
			continue;
		if (first)
			return cfg_err(v->err, v->errlen,
				       "-chardev stdio,id=%s: stdio is already "
				       "used by %s",
				       ch->id, first);
		first = "-chardev stdio";
	}
	if (first && cfg->daemonize)
		return cfg_err(v->err, v->errlen,
			       "%s: stdio cannot be used with -daemonize",
			       first);
	return 0;
}

static void copy_chardev(struct chardev_cfg *dst, const struct chardev_cfg *src)
{
	free(dst->id);
	free(dst->path);
	free(dst->host);
	*dst = *src;
	dst->id = src->id ? xstrdup(src->id) : NULL;
	dst->path = src->path ? xstrdup(src->path) : NULL;
	dst->host = src->host ? xstrdup(src->host) : NULL;
}

static int check_serial_mon(struct vctx *v)
{
	struct vmm_config *cfg = v->cfg;
	struct chardev_cfg *ch;
	char user[USER_LEN];

	if (cfg->serial_chardev) {
		ch = vmm_config_chardev(cfg, cfg->serial_chardev);
		snprintf(user, sizeof(user), "-serial chardev:%s",
			 cfg->serial_chardev);
		if (!ch)
			return cfg_err(v->err, v->errlen,
				       "%s: chardev '%s' not found", user,
				       cfg->serial_chardev);
		if (take(v, v->chardev_user[ch - cfg->chardevs], user,
			 "chardev", ch->id) < 0)
			return -EINVAL;
	}
	for (unsigned int i = 0; i < cfg->nr_qmp; i++) {
		struct qmp_cfg *q = &cfg->qmp[i];

		if (!q->chardev)
			continue;
		ch = vmm_config_chardev(cfg, q->chardev);
		snprintf(user, sizeof(user), "-mon chardev=%s", q->chardev);
		if (!ch)
			return cfg_err(v->err, v->errlen,
				       "%s: chardev '%s' not found", user,
				       q->chardev);
		if ((ch->kind != CHARDEV_UNIX && ch->kind != CHARDEV_TCP) ||
		    !ch->server || !ch->nowait)
			return cfg_err(v->err, v->errlen,
				       "%s: chardev '%s' "
				       "must be a socket with server,nowait",
				       user, q->chardev);
		if (take(v, v->chardev_user[ch - cfg->chardevs], user,
			 "chardev", ch->id) < 0)
			return -EINVAL;
		copy_chardev(&q->dev, ch);
	}
	return 0;
}

int vmm_config_validate(struct vmm_config *cfg, char *err, size_t errlen)
{
	struct vctx *v = calloc(1, sizeof(*v));
	int ret;

	if (!v)
		return cfg_err(err, errlen, "validate: out of memory");
	v->cfg = cfg;
	v->err = err;
	v->errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	for (unsigned int i = 0; i < cfg->nr_drives; i++)
		cfg->drives[i].used = false;
	ret = check_basics(v);
	if (ret == 0)
		ret = check_ids(v);
	if (ret == 0)
		ret = check_pflash(v);
	if (ret == 0)
		ret = check_devices(v);
	if (ret == 0 && cfg->machine == MACHINE_Q35)
		ret = check_pci_slots(v);
	if (ret == 0)
		ret = check_stdio(v);
	if (ret == 0)
		ret = check_serial_mon(v);
	free(v);
	return ret;
}
