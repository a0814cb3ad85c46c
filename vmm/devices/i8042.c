// SPDX-License-Identifier: MIT
/*
 * Minimal i8042 keyboard controller: enough for Linux's reboot=k path and
 * for firmware that pulses the CPU reset line (command 0xFE on port 0x64),
 * plus the controller commands a driver probe issues (read/write the
 * command byte, self-test, port tests) so that probing ends quickly. No
 * keyboard or mouse is attached.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#define LOG_MODULE "i8042"
#include "sv/log.h"
#include "vmm/bus/bus.h"
#include "vmm/devices/devices.h"

#define I8042_DATA 0x60
#define I8042_CMD 0x64
#define STS_OBF 0x01
#define STS_SYS 0x04
#define STS_CMD 0x08

struct i8042 {
	struct bus *pio;
	vm_event_fn fn;
	void *opaque;
	pthread_mutex_t lock;
	uint8_t ctr;		/* controller command byte */
	uint8_t out;		/* output buffer */
	bool out_full;
	uint8_t pending_cmd;	/* command waiting for a data byte */
	uint8_t status;
};

static void put(struct i8042 *k, uint8_t v)
{
	k->out = v;
	k->out_full = true;
}

static void command(struct i8042 *k, uint8_t cmd)
{
	k->status |= STS_CMD;
	switch (cmd) {
	case 0x20:	/* read command byte */
		put(k, k->ctr);
		break;
	case 0x60:	/* write command byte: data follows */
	case 0xd1:	/* write output port: data follows */
		k->pending_cmd = cmd;
		break;
	case 0xaa:	/* controller self-test */
		put(k, 0x55);
		break;
	case 0xab:	/* keyboard port test */
	case 0xa9:	/* aux port test */
		put(k, 0x00);
		break;
	case 0xfe:	/* pulse reset line */
		log_info("guest reset through the i8042");
		k->fn(k->opaque, VM_EVENT_RESET, 0);
		break;
	default:
		break;	/* enable/disable ports and the rest: accepted */
	}
}

static void data_write(struct i8042 *k, uint8_t v)
{
	k->status &= (uint8_t)~STS_CMD;
	if (k->pending_cmd == 0x60) {
		k->ctr = v;
	} else if (k->pending_cmd == 0xd1) {
		if (!(v & 1)) {	/* bit 0 low = reset the CPU */
			log_info("guest reset through the i8042 output port");
			k->fn(k->opaque, VM_EVENT_RESET, 0);
		}
	}
	/* A byte for the keyboard with none attached is dropped. */
	k->pending_cmd = 0;
}

static void k_read(struct i8042 *k, bool cmd_port, void *data,
		   unsigned int len)
{
	uint8_t v;

	memset(data, 0xff, len);
	if (len != 1)
		return;
	pthread_mutex_lock(&k->lock);
	if (!cmd_port) {
		v = k->out;
		k->out_full = false;
	} else {
		v = k->status | (k->out_full ? STS_OBF : 0);
	}
	pthread_mutex_unlock(&k->lock);
	*(uint8_t *)data = v;
}

static void k_write(struct i8042 *k, bool cmd_port, const void *data,
		    unsigned int len)
{
	uint8_t v = *(const uint8_t *)data;

	if (len != 1)
		return;
	pthread_mutex_lock(&k->lock);
	if (cmd_port)
		command(k, v);
	else
		data_write(k, v);
	pthread_mutex_unlock(&k->lock);
}

static void data_rd(void *opaque, uint64_t off, void *data, unsigned int len)
{
	(void)off;
	k_read(opaque, false, data, len);
}

static void data_wr(void *opaque, uint64_t off, const void *data,
		    unsigned int len)
{
	(void)off;
	k_write(opaque, false, data, len);
}

static void cmd_rd(void *opaque, uint64_t off, void *data, unsigned int len)
{
	(void)off;
	k_read(opaque, true, data, len);
}

static void cmd_wr(void *opaque, uint64_t off, const void *data,
		   unsigned int len)
{
	(void)off;
	k_write(opaque, true, data, len);
}

static const struct bus_ops data_ops = { .read = data_rd, .write = data_wr };
static const struct bus_ops cmd_ops = { .read = cmd_rd, .write = cmd_wr };

int i8042_create(struct bus *pio, vm_event_fn fn, void *opaque,
		 struct i8042 **out)
{
	struct i8042 *k = xcalloc(1, sizeof(*k));
	int ret;

	k->pio = pio;
	k->fn = fn;
	k->opaque = opaque;
	k->status = STS_SYS;
	k->ctr = 0x00;	/* no interrupts, ports disabled: nothing attached */
	pthread_mutex_init(&k->lock, NULL);
	ret = bus_register(pio, I8042_DATA, 1, &data_ops, k, "i8042-data");
	if (ret < 0)
		goto err_free;
	ret = bus_register(pio, I8042_CMD, 1, &cmd_ops, k, "i8042-cmd");
	if (ret < 0)
		goto err_unreg;
	*out = k;
	return 0;

err_unreg:
	bus_unregister(pio, I8042_DATA);
err_free:
	log_err("i8042: cannot register ports: %s", strerror(-ret));
	pthread_mutex_destroy(&k->lock);
	free(k);
	return ret;
}

void i8042_destroy(struct i8042 *k)
{
	if (!k)
		return;
	bus_unregister(k->pio, I8042_CMD);
	bus_unregister(k->pio, I8042_DATA);
	pthread_mutex_destroy(&k->lock);
	free(k);
}
