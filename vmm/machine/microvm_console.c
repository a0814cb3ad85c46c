// SPDX-License-Identifier: MIT
/*
 * microvm's virtio-serial-device (StratoVirt syntax): one virtio-console
 * in the first "other" virtio-mmio slot, with a port per virtconsole /
 * virtserialport, each on its -chardev. virtconsole takes nr 0 unless told
 * otherwise, virtserialport the first free nr from 1.
 */
#include <string.h>

#define LOG_MODULE "microvm"
#include "sv/log.h"
#include "vmm/backends/chardev.h"
#include "vmm/config.h"
#include "vmm/machine/machine.h"
#include "vmm/machine/microvm_internal.h"
#include "vmm/virtio/console.h"
#include "vmm/virtio/virtio.h"

#define CONSOLE_SLOT MICROVM_VIRTIO_OTHER_SLOT0

bool microvm_is_console_driver(const char *driver)
{
	return !strcmp(driver, "virtio-serial-device") ||
	       !strcmp(driver, "virtconsole") ||
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

static int add_port(struct machine *m, struct microvm *mv,
		    struct virtio_dev *dev, const struct device_cfg *d, int nr)
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
	mv->console_chr[mv->nr_console_chr++] = chr;
	a.chr = chr;
	a.console = !strcmp(d->driver, "virtconsole");
	a.name = port_name(d, name, sizeof(name));
	ret = virtio_console_add_port(dev, &a);
	if (ret < 0)
		log_err("-device %s: port %d: %s", d->driver, nr,
			strerror(-ret));
	return ret;
}

static const struct device_cfg *find_serial(const struct vmm_config *cfg)
{
	const struct device_cfg *found = NULL;

	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		if (strcmp(cfg->devices[i].driver, "virtio-serial-device"))
			continue;
		if (found) {
			log_err("-device virtio-serial-device: only one");
			return (const struct device_cfg *)-1;
		}
		found = &cfg->devices[i];
	}
	return found;
}

int microvm_create_console(struct machine *m, struct microvm *mv)
{
	const struct device_cfg *vs = find_serial(m->cfg);
	int nr[CFG_MAX_DEVICES];
	unsigned int max_ports;
	struct virtio_dev *dev;
	int ret;

	if (!vs)
		return 0;
	if (vs == (const struct device_cfg *)-1)
		return -EINVAL;
	ret = assign_nrs(m->cfg, nr, &max_ports);
	if (ret < 0)
		return ret;
	ret = virtio_console_create(vs->id, max_ports, &dev);
	if (ret < 0)
		return ret;
	mv->slots[CONSOLE_SLOT].dev = dev;
	for (unsigned int i = 0; i < m->cfg->nr_devices && ret == 0; i++) {
		const struct device_cfg *d = &m->cfg->devices[i];

		if (!strcmp(d->driver, "virtconsole") ||
		    !strcmp(d->driver, "virtserialport"))
			ret = add_port(m, mv, dev, d, nr[i]);
	}
	if (ret < 0)
		return ret;
	mv->slots[CONSOLE_SLOT].dev_id = vs->id ? xstrdup(vs->id) : NULL;
	return microvm_attach_virtio(m, mv, CONSOLE_SLOT);
}

void microvm_console_free(struct machine *m, struct microvm *mv)
{
	(void)m;
	for (unsigned int i = 0; i < mv->nr_console_chr; i++)
		chardev_destroy(mv->console_chr[i]);
	mv->nr_console_chr = 0;
}
