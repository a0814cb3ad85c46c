// SPDX-License-Identifier: MIT
/*
 * virtio-serial as StratoVirt configures it, for every machine: one
 * virtio-console device with a port per virtconsole / virtserialport, each
 * on its -chardev. virtconsole takes nr 0 unless told otherwise,
 * virtserialport the first free nr from 1. The machine plugs the device
 * into its transport (virtio-mmio slot, virtio-pci function).
 */
#include "vmm/machine/console_ports.h"

#include <string.h>

#define LOG_MODULE "console"
#include "sv/log.h"
#include "vmm/backends/chardev.h"
#include "vmm/config.h"
#include "vmm/machine/machine.h"
#include "vmm/virtio/console.h"
#include "vmm/virtio/virtio.h"

bool machine_is_console_port(const char *driver)
{
	return !strcmp(driver, "virtconsole") ||
	       !strcmp(driver, "virtserialport");
}

/* name=NAME from the keys the parser kept aside, into buf. */
static const char *port_name(const struct device_cfg *d, char *buf,
			     size_t len)
{
	const char *s = d->extra;

	while (s && *s) {
		size_t n = strcspn(s, ",");

		if (n > 5 && !strncmp(s, "name=", 5) && n - 5 < len) {
			memcpy(buf, s + 5, n - 5);
			buf[n - 5] = '\0';
			return buf;
		}
		s += n + (s[n] == ',');
	}
	return NULL;
}

/* Port numbers: explicit nr= first, then the rest in order. */
static int assign_nrs(const struct vmm_config *cfg, int nr[],
		      unsigned int *max_ports)
{
	bool taken[VCON_MAX_PORTS] = { false };
	unsigned int next = 1, top = 1;

	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		const struct device_cfg *d = &cfg->devices[i];

		nr[i] = -1;
		if (strcmp(d->driver, "virtconsole") &&
		    strcmp(d->driver, "virtserialport"))
			continue; /* nr= of other devices is not a port */
		nr[i] = d->nr;
		if (nr[i] < 0 && !strcmp(d->driver, "virtconsole") && !taken[0])
			nr[i] = 0;
		if (nr[i] < 0)
			continue;
		if (nr[i] >= VCON_MAX_PORTS || taken[nr[i]]) {
			log_err("-device %s: port nr=%d is %s", d->driver,
				nr[i], nr[i] >= VCON_MAX_PORTS ? "out of range" :
								 "taken");
			return -EINVAL;
		}
		taken[nr[i]] = true;
	}
	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		const char *drv = cfg->devices[i].driver;

		if (strcmp(drv, "virtconsole") && strcmp(drv, "virtserialport"))
			continue;
		while (nr[i] < 0 && next < VCON_MAX_PORTS) {
			if (!taken[next])
				nr[i] = (int)next;
			taken[next++] = true;
		}
		if (nr[i] < 0) {
			log_err("-device %s: no free port", drv);
			return -ENOSPC;
		}
		if ((unsigned int)nr[i] + 1 > top)
			top = (unsigned int)nr[i] + 1;
	}
	*max_ports = top < 2 ? 2 : top;
	return 0;
}

static int add_port(struct machine *m, struct machine_console *mc,
		    const struct device_cfg *d, int nr)
{
	struct chardev_cfg *cc = vmm_config_chardev(m->cfg, d->chardev);
	struct vcon_port_args a = { .nr = (unsigned int)nr };
	struct chardev *chr;
	char name[64];
	int ret;

	if (!cc) {
		log_err("-device %s: chardev '%s' not found", d->driver,
			d->chardev ? d->chardev : "");
		return -EINVAL;
	}
	ret = chardev_create(cc, m->loop, &chr);
	if (ret < 0)
		return ret;
	mc->chr[mc->nr_chr++] = chr;
	a.chr = chr;
	a.console = !strcmp(d->driver, "virtconsole");
	a.name = port_name(d, name, sizeof(name));
	ret = virtio_console_add_port(mc->dev, &a);
	if (ret < 0)
		log_err("-device %s: port %d: %s", d->driver, nr,
			strerror(-ret));
	return ret;
}

static const struct device_cfg *find_serial(const struct vmm_config *cfg,
					    const char *driver)
{
	const struct device_cfg *found = NULL;

	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		if (strcmp(cfg->devices[i].driver, driver))
			continue;
		if (found) {
			log_err("-device %s: only one per VM", driver);
			return (const struct device_cfg *)-1;
		}
		found = &cfg->devices[i];
	}
	return found;
}

int machine_console_create(struct machine *m, const char *driver,
			   struct machine_console *mc)
{
	const struct device_cfg *vs = find_serial(m->cfg, driver);
	int nr[CFG_MAX_DEVICES];
	unsigned int max_ports;
	int ret;

	mc->dev = NULL;
	mc->cfg = vs;
	if (!vs)
		return 0;
	if (vs == (const struct device_cfg *)-1)
		return -EINVAL;
	ret = assign_nrs(m->cfg, nr, &max_ports);
	if (ret < 0)
		return ret;
	ret = virtio_console_create(vs->id, max_ports, &mc->dev);
	if (ret < 0)
		return ret;
	for (unsigned int i = 0; i < m->cfg->nr_devices && ret == 0; i++) {
		const struct device_cfg *d = &m->cfg->devices[i];

		if (machine_is_console_port(d->driver))
			ret = add_port(m, mc, d, nr[i]);
	}
	return ret;
}

void machine_console_free(struct machine_console *mc)
{
	for (unsigned int i = 0; i < mc->nr_chr; i++)
		chardev_destroy(mc->chr[i]);
	mc->nr_chr = 0;
}
