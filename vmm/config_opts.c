// SPDX-License-Identifier: MIT
/*
 * The options that create things: -drive, -netdev, -chardev, -serial, -qmp,
 * -mon, -device, -object (reference/stratovirt.md s.1.4-1.8). The
 * key_desc machinery is in config.c.
 */
#include "vmm/config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "vmm/config_internal.h"
#include "vmm/util/parse.h"

/* ---- -drive ----------------------------------------------------------- */

static int set_drive_if(struct pctx *c, void *obj, const struct key_desc *d,
			const char *val)
{
	struct drive_cfg *drv = obj;

	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (!strcmp(val, "none"))
		drv->iface = DRIVE_IF_NONE;
	else if (!strcmp(val, "pflash"))
		drv->iface = DRIVE_IF_PFLASH;
	else
		return cfg_arg_err(
			c, "unsupported interface if=%s (none, pflash)", val);
	return 0;
}

/* A string key restricted to a list of words. */
static int set_word(struct pctx *c, void *obj, const struct key_desc *d,
		    const char *val, const char *const *words, size_t n)
{
	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(val, words[i]))
			return cfg_set_str(c, obj, d, val);
	return cfg_arg_err(c, "unsupported %s=%s", d->name, val);
}

static int set_format(struct pctx *c, void *obj, const struct key_desc *d,
		      const char *val)
{
	static const char *const w[] = { "raw" };

	return set_word(c, obj, d, val, w, ARRAY_SIZE(w));
}

static int set_aio(struct pctx *c, void *obj, const struct key_desc *d,
		   const char *val)
{
	static const char *const w[] = { "native", "io_uring", "off" };

	return set_word(c, obj, d, val, w, ARRAY_SIZE(w));
}

static int set_media(struct pctx *c, void *obj, const struct key_desc *d,
		     const char *val)
{
	(void)obj;
	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (strcmp(val, "disk"))
		return cfg_arg_err(c, "unsupported media=%s (disk)", val);
	return 0;
}

static int set_discard(struct pctx *c, void *obj, const struct key_desc *d,
		       const char *val)
{
	struct drive_cfg *drv = obj;

	if (val && !strcmp(val, "unmap"))
		drv->discard = true;
	else if (val && !strcmp(val, "ignore"))
		drv->discard = false;
	else
		return cfg_get_bool(c, d, val, &drv->discard);
	return 0;
}

static int set_detect_zeroes(struct pctx *c, void *obj,
			     const struct key_desc *d, const char *val)
{
	struct drive_cfg *drv = obj;

	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (!strcmp(val, "unmap"))
		drv->detect_zeroes = DRIVE_DZ_UNMAP;
	else if (!strcmp(val, "on"))
		drv->detect_zeroes = DRIVE_DZ_ON;
	else if (!strcmp(val, "off"))
		drv->detect_zeroes = DRIVE_DZ_OFF;
	else
		return cfg_arg_err(c,
				   "unsupported detect-zeroes=%s "
				   "(unmap, on, off)",
				   val);
	return 0;
}

static const struct key_desc drive_keys[] = {
	KEY("id", cfg_set_id, struct drive_cfg, id, 0, 0),
	KEY("file", cfg_set_str, struct drive_cfg, file, 0, 0),
	KEY("readonly", cfg_set_bool, struct drive_cfg, readonly, 0, 0),
	KEY("direct", cfg_set_bool, struct drive_cfg, direct, 0, 0),
	KEYX("if", set_drive_if),
	KEY("unit", cfg_set_int, struct drive_cfg, unit, 0, 1),
	KEY("format", set_format, struct drive_cfg, format, 0, 0),
	KEY("aio", set_aio, struct drive_cfg, aio, 0, 0),
	KEY("throttling.iops-total", cfg_set_u64, struct drive_cfg, iops_total,
	    0, 1000000),
	KEYX("discard", set_discard),
	KEYX("detect-zeroes", set_detect_zeroes),
	KEYX("media", set_media),
};

static int drive_finish(struct pctx *c, struct drive_cfg *drv)
{
	if (!drv->file)
		return cfg_arg_err(c, "file= is required");
	if (drv->iface == DRIVE_IF_NONE && !drv->id)
		return cfg_arg_err(c, "id= is required");
	if (drv->iface == DRIVE_IF_NONE && drv->unit >= 0)
		return cfg_arg_err(c, "unit= is only valid with if=pflash");
	if (drv->iface == DRIVE_IF_PFLASH && drv->unit < 0)
		return cfg_arg_err(c, "unit= is required with if=pflash");
	if (!drv->format)
		drv->format = xstrdup("raw");
	if (!drv->aio)
		drv->aio = xstrdup(drv->direct ? "native" : "off");
	return 0;
}

int cfg_opt_drive(struct pctx *c)
{
	struct vmm_config *cfg = c->cfg;
	struct drive_cfg *drv;

	if (cfg->nr_drives == CFG_MAX_DRIVES)
		return cfg_arg_err(c, "too many drives (at most %d)",
				   CFG_MAX_DRIVES);
	drv = &cfg->drives[cfg->nr_drives++];
	drv->direct = true;
	drv->unit = -1;
	drv->spec = xstrdup(c->arg);
	if (CFG_PARSE_KEYS(c, drv, drive_keys, NULL) < 0)
		return -EINVAL;
	return drive_finish(c, drv);
}

/* ---- -netdev ---------------------------------------------------------- */

static int set_netdev_type(struct pctx *c, void *obj, const struct key_desc *d,
			   const char *val)
{
	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (strcmp(val, "tap"))
		return cfg_arg_err(c, "unsupported netdev type '%s' (tap)",
				   val);
	return cfg_set_str(c, obj, d, val);
}

/* "N" or "N:M:..." into fds[]; *nr is the count. */
static int get_fds(struct pctx *c, const struct key_desc *d, const char *val,
		   int *fds, unsigned int *nr)
{
	const char *p = val;

	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (*nr)
		return cfg_arg_err(c, "file descriptors given twice");
	while (*p) {
		size_t len = strcspn(p, ":");
		char num[16];
		uint64_t v;

		if (*nr == CFG_MAX_FDS)
			return cfg_arg_err(c, "more than %d fds", CFG_MAX_FDS);
		if (len == 0 || len >= sizeof(num))
			return cfg_arg_err(c, "invalid fd list '%s'", val);
		memcpy(num, p, len);
		num[len] = '\0';
		if (parse_u64_range(num, 0, INT_MAX, &v) < 0)
			return cfg_arg_err(c, "invalid fd '%s'", num);
		fds[(*nr)++] = (int)v;
		p += len;
		if (*p == ':' && !*++p)
			return cfg_arg_err(c, "invalid fd list '%s'", val);
	}
	return 0;
}

static int set_fds(struct pctx *c, void *obj, const struct key_desc *d,
		   const char *val)
{
	struct netdev_cfg *nd = obj;

	if (!strcmp(d->name, "fd") && val && strchr(val, ':'))
		return cfg_arg_err(c, "fd= takes one descriptor, use fds=");
	return get_fds(c, d, val, nd->fds, &nd->nr_fds);
}

static int set_vhostfds(struct pctx *c, void *obj, const struct key_desc *d,
			const char *val)
{
	struct netdev_cfg *nd = obj;

	if (!strcmp(d->name, "vhostfd") && val && strchr(val, ':'))
		return cfg_arg_err(c, "vhostfd= takes one descriptor, "
				      "use vhostfds=");
	return get_fds(c, d, val, nd->vhostfds, &nd->nr_vhostfds);
}

static const struct key_desc netdev_keys[] = {
	KEY("", set_netdev_type, struct netdev_cfg, type, 0, 0),
	KEY("id", cfg_set_id, struct netdev_cfg, id, 0, 0),
	KEY("ifname", cfg_set_str, struct netdev_cfg, ifname, 0, 0),
	KEYX("fd", set_fds),
	KEYX("fds", set_fds),
	KEY("vhost", cfg_set_bool, struct netdev_cfg, vhost, 0, 0),
	KEYX("vhostfd", set_vhostfds),
	KEYX("vhostfds", set_vhostfds),
	KEY("queues", cfg_set_uint, struct netdev_cfg, queues, 1, 16),
};

static int netdev_finish(struct pctx *c, struct netdev_cfg *nd)
{
	if (!nd->type)
		return cfg_arg_err(c, "netdev type is required (tap)");
	if (!nd->id)
		return cfg_arg_err(c, "id= is required");
	if (!nd->ifname && !nd->nr_fds)
		return cfg_arg_err(c, "ifname= or fd(s)= is required");
	if (nd->queues && nd->nr_fds > 1 && nd->queues != nd->nr_fds)
		return cfg_arg_err(c, "queues=%u does not match %u fds",
				   nd->queues, nd->nr_fds);
	if (nd->nr_vhostfds && !nd->vhost)
		return cfg_arg_err(c, "vhostfd(s)= needs vhost=on");
	if (!nd->queues)
		nd->queues = nd->nr_fds > 1 ? nd->nr_fds : 1;
	return 0;
}

int cfg_opt_netdev(struct pctx *c)
{
	struct vmm_config *cfg = c->cfg;
	struct netdev_cfg *nd;

	if (cfg->nr_netdevs == CFG_MAX_NETDEVS)
		return cfg_arg_err(c, "too many netdevs (at most %d)",
				   CFG_MAX_NETDEVS);
	nd = &cfg->netdevs[cfg->nr_netdevs++];
	if (CFG_PARSE_KEYS(c, nd, netdev_keys, "") < 0)
		return -EINVAL;
	return netdev_finish(c, nd);
}

/* ---- -chardev and -serial --------------------------------------------- */

static int set_backend(struct pctx *c, void *obj, const struct key_desc *d,
		       const char *val)
{
	static const struct {
		const char *name;
		enum chardev_kind kind;
	} kinds[] = {
		{ "stdio", CHARDEV_STDIO },
		{ "pty", CHARDEV_PTY },
		{ "file", CHARDEV_FILE },
		{ "socket", CHARDEV_UNIX },
	};
	struct chardev_cfg *ch = obj;

	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!strcmp(val, kinds[i].name)) {
			ch->kind = kinds[i].kind;
			return 0;
		}
	}
	return cfg_arg_err(c,
			   "unsupported backend '%s' "
			   "(stdio, pty, file, socket)",
			   val);
}

static const struct key_desc chardev_keys[] = {
	KEYX("", set_backend),
	KEY("id", cfg_set_id, struct chardev_cfg, id, 0, 0),
	KEY("path", cfg_set_str, struct chardev_cfg, path, 0, 0),
	KEY("host", cfg_set_str, struct chardev_cfg, host, 0, 0),
	KEY("port", cfg_set_u16, struct chardev_cfg, port, 0, UINT16_MAX),
	KEY("server", cfg_set_bool, struct chardev_cfg, server, 0, 0),
	KEY("nowait", cfg_set_bool, struct chardev_cfg, nowait, 0, 0),
};

/* Backend-specific key rules; socket becomes TCP when port= is given. */
static int chardev_finish(struct pctx *c, struct chardev_cfg *ch,
			  const struct parse_kvs *kvs)
{
	bool port = parse_kvs_find(kvs, "port") != NULL;
	bool sock = ch->kind == CHARDEV_UNIX;

	if (ch->kind == CHARDEV_NONE)
		return cfg_arg_err(c, "backend type is required "
				      "(stdio, pty, file, socket)");
	if (sock && port && ch->path)
		return cfg_arg_err(c, "path= and port= are mutually exclusive");
	if (sock && port)
		ch->kind = CHARDEV_TCP;
	else if (sock && !ch->path)
		return cfg_arg_err(c, "socket needs path= or port=");
	if (ch->host && ch->kind != CHARDEV_TCP)
		return cfg_arg_err(c, "host= needs a socket with port=");
	if (port && ch->kind != CHARDEV_TCP)
		return cfg_arg_err(c, "port= is only valid for socket");
	if (ch->kind == CHARDEV_FILE && !ch->path)
		return cfg_arg_err(c, "file needs path=");
	if (ch->path && ch->kind != CHARDEV_FILE && ch->kind != CHARDEV_UNIX)
		return cfg_arg_err(c, "path= is not valid for this backend");
	if ((ch->server || ch->nowait) && !sock)
		return cfg_arg_err(c,
				   "server/nowait are only valid for socket");
	return 0;
}

static int parse_chardev(struct pctx *c, struct chardev_cfg *ch)
{
	struct parse_kvs kvs;
	int ret = cfg_split(c, "", &kvs);

	if (ret == 0)
		ret = cfg_apply(c, ch, chardev_keys, ARRAY_SIZE(chardev_keys),
				&kvs, NULL);
	if (ret == 0)
		ret = chardev_finish(c, ch, &kvs);
	parse_kvs_free(&kvs);
	return ret;
}

int cfg_opt_chardev(struct pctx *c)
{
	struct vmm_config *cfg = c->cfg;
	struct chardev_cfg *ch;

	if (cfg->nr_chardevs == CFG_MAX_CHARDEVS)
		return cfg_arg_err(c, "too many chardevs (at most %d)",
				   CFG_MAX_CHARDEVS);
	ch = &cfg->chardevs[cfg->nr_chardevs++];
	if (parse_chardev(c, ch) < 0)
		return -EINVAL;
	if (!ch->id)
		return cfg_arg_err(c, "id= is required");
	return 0;
}

int cfg_opt_serial(struct pctx *c)
{
	struct vmm_config *cfg = c->cfg;

	if (!strncmp(c->arg, "chardev:", 8)) {
		if (!c->arg[8])
			return cfg_arg_err(c, "missing chardev id");
		if (cfg_check_id(c, c->arg + 8) < 0)
			return -EINVAL;
		cfg->serial_chardev = xstrdup(c->arg + 8);
		return 0;
	}
	if (parse_chardev(c, &cfg->serial) < 0)
		return -EINVAL;
	if (cfg->serial.id)
		return cfg_opt_err(c, "unknown key 'id'");
	/* As StratoVirt: an internal chardev with this name. */
	cfg->serial.id = xstrdup("serial_chardev");
	return 0;
}

/* ---- -qmp and -mon ---------------------------------------------------- */

static struct qmp_cfg *new_qmp(struct pctx *c)
{
	struct vmm_config *cfg = c->cfg;
	struct qmp_cfg *q;

	if (cfg->nr_qmp == ARRAY_SIZE(cfg->qmp)) {
		cfg_arg_err(c, "at most %zu QMP monitors (-qmp/-mon)",
			    ARRAY_SIZE(cfg->qmp));
		return NULL;
	}
	q = &cfg->qmp[cfg->nr_qmp++];
	q->present = true;
	return q;
}

/* "unix:PATH" or "tcp:[HOST]:PORT" */
static int set_qmp_addr(struct pctx *c, void *obj, const struct key_desc *d,
			const char *val)
{
	struct chardev_cfg *ch = obj;
	static const struct key_desc port_d = KEY(
		"port", cfg_set_u16, struct chardev_cfg, port, 1, UINT16_MAX);
	const char *colon;

	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (!strncmp(val, "unix:", 5) && val[5]) {
		ch->kind = CHARDEV_UNIX;
		ch->path = xstrdup(val + 5);
		return 0;
	}
	colon = strrchr(val, ':');
	if (strncmp(val, "tcp:", 4) || colon == val + 3)
		return cfg_arg_err(c, "expected unix:PATH or tcp:HOST:PORT");
	ch->kind = CHARDEV_TCP;
	if (colon > val + 4)
		ch->host = strndup(val + 4, (size_t)(colon - val - 4));
	if (colon > val + 4 && !ch->host)
		return cfg_arg_err(c, "out of memory");
	return cfg_set_u16(c, ch, &port_d, colon + 1);
}

static const struct key_desc qmp_keys[] = {
	KEYX("", set_qmp_addr),
	KEY("server", cfg_set_bool, struct chardev_cfg, server, 0, 0),
	KEY("nowait", cfg_set_bool, struct chardev_cfg, nowait, 0, 0),
	KEYX("iothread", cfg_set_ignore),
};

int cfg_opt_qmp(struct pctx *c)
{
	struct qmp_cfg *q = new_qmp(c);

	if (!q || CFG_PARSE_KEYS(c, &q->dev, qmp_keys, "") < 0)
		return -EINVAL;
	if (q->dev.kind == CHARDEV_NONE)
		return cfg_arg_err(c, "expected unix:PATH or tcp:HOST:PORT");
	/* StratoVirt requires both: the VMM never blocks on its monitor. */
	if (!q->dev.server || !q->dev.nowait)
		return cfg_arg_err(c, "'server' and 'nowait' are required");
	q->dev.id = xstrdup("qmp");
	return 0;
}

static int set_mon_mode(struct pctx *c, void *obj, const struct key_desc *d,
			const char *val)
{
	(void)obj;
	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (strcmp(val, "control"))
		return cfg_arg_err(c, "only mode=control is supported");
	return 0;
}

static const struct key_desc mon_keys[] = {
	KEY("chardev", cfg_set_id, struct qmp_cfg, chardev, 0, 0),
	KEYX("id", cfg_set_ignore),
	KEYX("mode", set_mon_mode),
};

int cfg_opt_mon(struct pctx *c)
{
	struct qmp_cfg *q = new_qmp(c);
	struct parse_kvs kvs;
	int ret;

	if (!q)
		return -EINVAL;
	ret = cfg_split(c, NULL, &kvs);
	if (ret == 0)
		ret = cfg_apply(c, q, mon_keys, ARRAY_SIZE(mon_keys), &kvs,
				NULL);
	if (ret == 0 && !q->chardev)
		ret = cfg_arg_err(c, "chardev= is required");
	if (ret == 0 && !parse_kvs_find(&kvs, "mode"))
		ret = cfg_arg_err(c, "mode=control is required");
	parse_kvs_free(&kvs);
	return ret;
}

/* ---- -device ---------------------------------------------------------- */

static const struct cfg_driver drivers[] = {
	{ "virtio-blk-device", CFG_BUS_MMIO, CFG_REF_DRIVE },
	{ "virtio-blk-pci", CFG_BUS_PCI, CFG_REF_DRIVE },
	{ "virtio-net-device", CFG_BUS_MMIO, CFG_REF_NETDEV },
	{ "virtio-net-pci", CFG_BUS_PCI, CFG_REF_NETDEV },
	{ "virtio-serial-device", CFG_BUS_MMIO, CFG_REF_NONE },
	{ "virtio-serial-pci", CFG_BUS_PCI, CFG_REF_NONE },
	{ "virtconsole", CFG_BUS_ANY, CFG_REF_CHARDEV },
	{ "virtserialport", CFG_BUS_ANY, CFG_REF_CHARDEV },
	{ "virtio-rng-device", CFG_BUS_MMIO, CFG_REF_RNG },
	{ "virtio-rng-pci", CFG_BUS_PCI, CFG_REF_RNG },
	{ "pcie-root-port", CFG_BUS_PCI, CFG_REF_NONE },
	{ "vhost-vsock-device", CFG_BUS_MMIO, CFG_REF_NONE },
	{ "vhost-vsock-pci", CFG_BUS_PCI, CFG_REF_NONE },
};

const struct cfg_driver *cfg_driver_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (!strcmp(drivers[i].name, name))
			return &drivers[i];
	return NULL;
}

static int get_addr_part(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	char num[16];

	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len);
	num[len] = '\0';
	return parse_u64_range(num, 0, max, out);
}

/* addr=slot[.func], each decimal or 0x hex */
static int set_addr(struct pctx *c, void *obj, const struct key_desc *d,
		    const char *val)
{
	struct device_cfg *dev = obj;
	uint64_t slot, func = 0;
	const char *dot;

	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	dot = strchr(val, '.');
	if (get_addr_part(val, dot ? (size_t)(dot - val) : strlen(val), 31,
			  &slot) < 0 ||
	    (dot && get_addr_part(dot + 1, strlen(dot + 1), 7, &func) < 0))
		return cfg_arg_err(c,
				   "invalid addr '%s' (slot[.func], slot "
				   "0..31, func 0..7)",
				   val);
	dev->slot = (int)slot;
	dev->func = (int)func;
	return 0;
}

static int set_mac(struct pctx *c, void *obj, const struct key_desc *d,
		   const char *val)
{
	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	for (int i = 0; i < 17; i++) {
		bool colon = i % 3 == 2;

		if (colon ? val[i] != ':' :
			    !val[i] ||
				    !strchr("0123456789abcdefABCDEF", val[i]))
			return cfg_arg_err(c, "invalid mac '%s'", val);
	}
	if (val[17])
		return cfg_arg_err(c, "invalid mac '%s'", val);
	return cfg_set_str(c, obj, d, val);
}

static int set_queue_size(struct pctx *c, void *obj, const struct key_desc *d,
			  const char *val)
{
	struct device_cfg *dev = obj;

	if (cfg_set_uint(c, obj, d, val) < 0)
		return -EINVAL;
	if (dev->queue_size & (dev->queue_size - 1))
		return cfg_arg_err(c, "queue-size must be a power of 2");
	return 0;
}

#define DEV_STR(n, f) KEY(n, cfg_set_str, struct device_cfg, f, 0, 0)
#define DEV_INT(n, f, lo, hi) KEY(n, cfg_set_int, struct device_cfg, f, lo, hi)

static const struct key_desc device_keys[] = {
	KEYX("", cfg_set_ignore), /* the driver, checked first */
	KEY("id", cfg_set_id, struct device_cfg, id, 0, 0),
	DEV_STR("drive", drive),
	DEV_STR("netdev", netdev),
	DEV_STR("chardev", chardev),
	DEV_STR("bus", bus),
	KEYX("addr", set_addr),
	KEY("multifunction", cfg_set_bool, struct device_cfg, multifunction, 0,
	    0),
	KEY("mac", set_mac, struct device_cfg, mac, 0, 0),
	DEV_STR("serial", serial),
	DEV_STR("iothread", iothread),
	KEY("num-queues", cfg_set_uint, struct device_cfg, num_queues, 1, 32),
	KEY("queue-size", set_queue_size, struct device_cfg, queue_size, 2,
	    32768),
	DEV_INT("nr", nr, 0, 30),
	DEV_INT("port", port, 0, 255),
	DEV_INT("chassis", chassis, 0, 255),
	DEV_STR("rng", rng),
	DEV_INT("bootindex", bootindex, 0, 0xffff),
};

static const struct key_desc debug_exit_keys[] = {
	KEYX("", cfg_set_ignore),
	KEYX("id", cfg_set_ignore),
	KEY("iobase", cfg_set_u16, struct vmm_config, debug_exit_port, 0,
	    UINT16_MAX),
};

static int device_debug_exit(struct pctx *c)
{
	struct vmm_config *cfg = c->cfg;

	if (cfg->debug_exit)
		return cfg_arg_err(c, "only one isa-debug-exit device");
	cfg->debug_exit = true;
	return CFG_PARSE_KEYS(c, cfg, debug_exit_keys, "");
}

int cfg_opt_device(struct pctx *c)
{
	struct vmm_config *cfg = c->cfg;
	size_t len = strcspn(c->arg, ",");
	struct device_cfg *dev;

	if (!strncmp(c->arg, "isa-debug-exit", len) && len == 14)
		return device_debug_exit(c);
	if (cfg->nr_devices == CFG_MAX_DEVICES)
		return cfg_arg_err(c, "too many devices (at most %d)",
				   CFG_MAX_DEVICES);
	dev = &cfg->devices[cfg->nr_devices++];
	dev->slot = dev->nr = dev->port = dev->chassis = dev->bootindex = -1;
	dev->spec = xstrdup(c->arg);
	dev->driver = strndup(c->arg, len);
	if (!dev->driver)
		return cfg_arg_err(c, "out of memory");
	if (len == 0 || strchr(dev->driver, '='))
		return cfg_arg_err(c, "the device type must come first");
	if (!cfg_driver_find(dev->driver))
		return cfg_arg_err(c, "unknown device type");
	return cfg_parse_keys(c, dev, device_keys, ARRAY_SIZE(device_keys), "",
			      &dev->extra);
}

/* ---- -object ---------------------------------------------------------- */

static int set_object_type(struct pctx *c, void *obj, const struct key_desc *d,
			   const char *val)
{
	struct object_cfg *o = obj;

	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (!strcmp(val, "iothread"))
		o->kind = OBJECT_IOTHREAD;
	else if (!strcmp(val, "rng-random"))
		o->kind = OBJECT_RNG_RANDOM;
	else
		return cfg_arg_err(c,
				   "unsupported object type '%s' "
				   "(iothread, rng-random)",
				   val);
	return 0;
}

static const struct key_desc object_keys[] = {
	KEYX("", set_object_type),
	KEY("id", cfg_set_id, struct object_cfg, id, 0, 0),
	KEY("filename", cfg_set_str, struct object_cfg, filename, 0, 0),
};

int cfg_opt_object(struct pctx *c)
{
	struct vmm_config *cfg = c->cfg;
	struct object_cfg *o;

	if (cfg->nr_objects == CFG_MAX_OBJECTS)
		return cfg_arg_err(c, "too many objects (at most %d)",
				   CFG_MAX_OBJECTS);
	o = &cfg->objects[cfg->nr_objects++];
	if (CFG_PARSE_KEYS(c, o, object_keys, "") < 0)
		return -EINVAL;
	if (!o->id)
		return cfg_arg_err(c, "id= is required");
	if (o->kind == OBJECT_RNG_RANDOM && !o->filename)
		return cfg_arg_err(c, "filename= is required");
	if (o->kind != OBJECT_RNG_RANDOM && o->filename)
		return cfg_opt_err(c, "unknown key 'filename'");
	return 0;
}
