// SPDX-License-Identifier: MIT
/*
 * virtio-console, multiport (virtio spec 5.3). Queues: port 0 rx/tx, the
 * control rx/tx pair, then rx/tx for ports 1..max-1. The driver says
 * DEVICE_READY, we announce each port (DEVICE_ADD); on PORT_READY we send
 * its name, CONSOLE_PORT for a virtconsole, and PORT_OPEN when a host
 * client is connected. Host bytes wait in a per-port FIFO until the guest
 * posts receive buffers; a full FIFO pauses the chardev (no byte dropped).
 *
 * Locking: dev->lock around everything; the transport holds it when it
 * calls the ops, the chardev callbacks (event-loop thread) take it.
 * Guest mistakes (short control messages, unknown ports, write-only
 * receive buffers) are warned about and ignored; a queue the guest has
 * corrupted makes the device broken.
 */
#include "vmm/virtio/console.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/backends/chardev.h"
#include "sv/compiler.h"
#include "vmm/virtio/virtio.h"

#define LOG_MODULE "virtio-console"
#include "sv/log.h"

#define VCON_CTRL_PENDING 128
#define VCON_NAME_MAX 64

struct vcon_ctrl {
	uint32_t id;
	uint16_t event;
	uint16_t value;
};

struct vcon_port {
	struct virtio_console *vc;
	bool used;
	unsigned int nr;
	char name[VCON_NAME_MAX];
	bool console;
	struct chardev *chr;
	bool guest_ready;	/* PORT_READY seen */
	bool guest_open;	/* the guest has the port open */
	uint8_t *fifo;		/* host -> guest, ring of VCON_FIFO_SIZE */
	size_t head, len;
	bool paused;
	size_t tx_sent;		/* of the tx request at the head, sent */
};

struct virtio_console {
	struct virtio_dev dev;
	char *id;
	unsigned int max_ports;
	struct virtqueue *vqs;
	struct vcon_port ports[VCON_MAX_PORTS];
	bool activated;
	bool driver_ready;	/* DEVICE_READY seen */
	struct vcon_ctrl pending[VCON_CTRL_PENDING];
	unsigned int nr_pending;
	struct virtq_elem elem;
};

#define to_vc(d) ((struct virtio_console *)(d))

static bool live(struct virtio_console *vc, unsigned int q)
{
	return vc->activated && !vc->dev.broken && vc->vqs[q].ready;
}

/* ---- control messages, device -> driver ---- */

static size_t ctrl_encode(const struct virtio_console *vc,
			  const struct vcon_ctrl *c, uint8_t *buf)
{
	size_t n = 8;

	memcpy(buf, &c->id, 4);
	memcpy(buf + 4, &c->event, 2);
	memcpy(buf + 6, &c->value, 2);
	if (c->event == VCON_PORT_NAME) {
		const char *name = vc->ports[c->id].name;

		memcpy(buf + 8, name, strlen(name));
		n += strlen(name);
	}
	return n;
}

/* Copy len bytes into the element's device-writable buffers. */
static size_t fill_in(struct virtq_elem *e, const uint8_t *src, size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < e->nr_in && done < len; i++) {
		size_t n = e->in[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(e->in[i].iov_base, src + done, n);
		done += n;
	}
	return done;
}

static int push_head(struct virtio_console *vc, unsigned int q,
		     uint16_t head, uint32_t len)
{
	if (virtqueue_push(&vc->vqs[q], vc->dev.mem, head, len) < 0) {
		virtio_dev_set_broken(&vc->dev, "queue %u: bad used ring", q);
		return -EFAULT;
	}
	return 0;
}

static int push(struct virtio_console *vc, unsigned int q, uint32_t len)
{
	return push_head(vc, q, vc->elem.head, len);
}

static void ctrl_flush(struct virtio_console *vc)
{
	uint8_t buf[8 + VCON_NAME_MAX];
	unsigned int sent = 0;
	int ret;

	if (!live(vc, VCON_CTRL_RXQ))
		return;
	while (sent < vc->nr_pending) {
		ret = virtqueue_pop(&vc->vqs[VCON_CTRL_RXQ], vc->dev.mem,
				    &vc->elem);
		if (ret <= 0) {
			if (ret < 0)
				virtio_dev_set_broken(&vc->dev,
						      "control rx queue");
			break;
		}
		size_t n = ctrl_encode(vc, &vc->pending[sent], buf);

		if (push(vc, VCON_CTRL_RXQ, (uint32_t)fill_in(&vc->elem, buf,
							      n)) < 0)
			return;
		sent++;
	}
	memmove(vc->pending, vc->pending + sent,
		(vc->nr_pending - sent) * sizeof(vc->pending[0]));
	vc->nr_pending -= sent;
	if (sent)
		virtio_dev_notify_queue(&vc->dev, VCON_CTRL_RXQ);
}

static void ctrl_send(struct virtio_console *vc, uint32_t id, uint16_t ev,
		      uint16_t val)
{
	if (vc->nr_pending == VCON_CTRL_PENDING) {
		log_warn_ratelimited("%s: control queue full, event %u lost",
				     vc->dev.name, ev);
		return;
	}
	vc->pending[vc->nr_pending++] = (struct vcon_ctrl){ id, ev, val };
	ctrl_flush(vc);
}

/* ---- data, host -> guest ---- */

static void rx_flush(struct vcon_port *p)
{
	struct virtio_console *vc = p->vc;
	unsigned int q = vcon_rxq(p->nr);
	bool any = false;
	int ret;

	while (p->len && live(vc, q)) {
		ret = virtqueue_pop(&vc->vqs[q], vc->dev.mem, &vc->elem);
		if (ret <= 0) {
			if (ret < 0)
				virtio_dev_set_broken(&vc->dev,
						      "port %u rx queue", p->nr);
			break;
		}
		size_t chunk = VCON_FIFO_SIZE - p->head;

		if (chunk > p->len)
			chunk = p->len;
		size_t n = fill_in(&vc->elem, p->fifo + p->head, chunk);

		p->head = (p->head + n) % VCON_FIFO_SIZE;
		p->len -= n;
		if (push(vc, q, (uint32_t)n) < 0)
			return;
		any = true;
	}
	if (any)
		virtio_dev_notify_queue(&vc->dev, q);
	if (p->paused && p->len < VCON_FIFO_SIZE / 2) {
		p->paused = false;
		chardev_pause_input(p->chr, false);
	}
}

static size_t on_host_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct vcon_port *p = opaque;
	struct virtio_console *vc = p->vc;
	size_t n, tail;

	pthread_mutex_lock(&vc->dev.lock);
	n = VCON_FIFO_SIZE - p->len;
	if (n > len)
		n = len;
	else if (n < len)
		log_warn_ratelimited("%s: port %u: %zu host bytes dropped",
				     vc->dev.name, p->nr, len - n);
	for (size_t i = 0; i < n; i++) {
		tail = (p->head + p->len) % VCON_FIFO_SIZE;
		p->fifo[tail] = buf[i];
		p->len++;
	}
	rx_flush(p);
	if (p->len > VCON_FIFO_SIZE - 4096 && !p->paused) {
		p->paused = true;
		chardev_pause_input(p->chr, true);
	}
	pthread_mutex_unlock(&vc->dev.lock);
	return n;
}

static void on_host_conn(void *opaque, bool connected)
{
	struct vcon_port *p = opaque;
	struct virtio_console *vc = p->vc;

	pthread_mutex_lock(&vc->dev.lock);
	if (vc->driver_ready && p->guest_ready)
		ctrl_send(vc, p->nr, VCON_PORT_OPEN, connected);
	pthread_mutex_unlock(&vc->dev.lock);
}

/* ---- data, guest -> host ---- */

static void tx_resume(void *opaque);

/*
 * The popped request to the host without blocking (the caller may be the
 * event loop). True: all sent, or dropped for want of a peer. False: the
 * host is full; the request goes back to the ring with what was sent
 * remembered, and the chardev calls tx_resume() once it drains. Virtqueue
 * flow control: the guest's writes wait, nothing is lost.
 */
static bool tx_send(struct virtio_console *vc, struct vcon_port *p,
		    unsigned int q)
{
	size_t total = 0;
	ssize_t n;

	for (unsigned int i = 0; i < vc->elem.nr_out; i++)
		total += vc->elem.out[i].iov_len;
	n = chardev_write_nb(p->chr, vc->elem.out, vc->elem.nr_out,
			     p->tx_sent);
	if (n < 0 || p->tx_sent + (size_t)n >= total) {
		p->tx_sent = 0;
		return true;
	}
	p->tx_sent += (size_t)n;
	virtqueue_unpop(&vc->vqs[q], vc->dev.mem);
	chardev_when_writable(p->chr, tx_resume, p);
	return false;
}

static void tx_drain(struct virtio_console *vc, struct vcon_port *p,
		     unsigned int q)
{
	bool any = false;
	int ret;

	while (live(vc, q)) {
		ret = virtqueue_pop(&vc->vqs[q], vc->dev.mem, &vc->elem);
		if (ret <= 0) {
			if (ret < 0)
				virtio_dev_set_broken(&vc->dev, "tx queue %u",
						      q);
			break;
		}
		if (p && !tx_send(vc, p, q))
			break;
		if (push(vc, q, 0) < 0)
			return;
		any = true;
	}
	if (any)
		virtio_dev_notify_queue(&vc->dev, q);
}

/* Event loop: the port's host side drained; send on. */
static void tx_resume(void *opaque)
{
	struct vcon_port *p = opaque;
	struct virtio_console *vc = p->vc;

	pthread_mutex_lock(&vc->dev.lock);
	tx_drain(vc, p, vcon_txq(p->nr));
	pthread_mutex_unlock(&vc->dev.lock);
}

/* ---- control messages, driver -> device ---- */

static void port_ready(struct virtio_console *vc, struct vcon_port *p)
{
	p->guest_ready = true;
	if (p->console)
		ctrl_send(vc, p->nr, VCON_CONSOLE_PORT, 1);
	if (p->name[0])
		ctrl_send(vc, p->nr, VCON_PORT_NAME, 1);
	if (p->console || chardev_connected(p->chr))
		ctrl_send(vc, p->nr, VCON_PORT_OPEN, 1);
}

static void ctrl_handle(struct virtio_console *vc, const struct vcon_ctrl *c)
{
	struct vcon_port *p = c->id < vc->max_ports ? &vc->ports[c->id] : NULL;

	if (c->event == VCON_DEVICE_READY) {
		vc->driver_ready = c->value == 1;
		for (unsigned int i = 0; vc->driver_ready && i < vc->max_ports;
		     i++)
			if (vc->ports[i].used)
				ctrl_send(vc, i, VCON_DEVICE_ADD, 0);
		return;
	}
	if (!p || !p->used) {
		log_warn_ratelimited("%s: control event %u for unknown port %u",
				     vc->dev.name, c->event, c->id);
		return;
	}
	if (c->event == VCON_PORT_READY && c->value == 1)
		port_ready(vc, p);
	else if (c->event == VCON_PORT_OPEN)
		p->guest_open = c->value != 0;
	else if (c->event != VCON_PORT_READY)
		log_warn_ratelimited("%s: unexpected control event %u",
				     vc->dev.name, c->event);
}

static void ctrl_drain(struct virtio_console *vc)
{
	struct vcon_ctrl c;
	uint16_t head;
	int ret;

	while (live(vc, VCON_CTRL_TXQ)) {
		ret = virtqueue_pop(&vc->vqs[VCON_CTRL_TXQ], vc->dev.mem,
				    &vc->elem);
		if (ret <= 0) {
			if (ret < 0)
				virtio_dev_set_broken(&vc->dev,
						      "control tx queue");
			break;
		}
		head = vc->elem.head;	/* ctrl_handle may pop rx into elem */
		if (vc->elem.nr_out == 0 || vc->elem.out[0].iov_len < 8) {
			log_warn_ratelimited("%s: short control message",
					     vc->dev.name);
		} else {
			const uint8_t *b = vc->elem.out[0].iov_base;

			memcpy(&c.id, b, 4);
			memcpy(&c.event, b + 4, 2);
			memcpy(&c.value, b + 6, 2);
			ctrl_handle(vc, &c);
		}
		if (push_head(vc, VCON_CTRL_TXQ, head, 0) < 0)
			return;
		virtio_dev_notify_queue(&vc->dev, VCON_CTRL_TXQ);
	}
}

/* ---- virtio_dev_ops ---- */

static uint64_t vcon_get_features(struct virtio_dev *dev)
{
	(void)dev;
	return 1ull << VIRTIO_CONSOLE_F_MULTIPORT;
}

static void vcon_cfg_read(struct virtio_dev *dev, uint64_t off, void *data,
			  unsigned int len)
{
	struct virtio_console *vc = to_vc(dev);
	uint8_t cfg[12] = { 0 }; /* cols, rows, max_nr_ports, emerg_wr */
	uint32_t max = vc->max_ports;

	memcpy(cfg + 4, &max, 4);
	memset(data, 0, len);
	if (off < sizeof(cfg) && len <= sizeof(cfg) - off)
		memcpy(data, cfg + off, len);
}

static void vcon_cfg_write(struct virtio_dev *dev, uint64_t off,
			   const void *data, unsigned int len)
{
	struct virtio_console *vc = to_vc(dev);
	uint32_t ch = 0;

	/* emerg_wr: one character for port 0. */
	if (off == 8 && len == 4 && vc->ports[0].used) {
		memcpy(&ch, data, 4);
		chardev_write(vc->ports[0].chr, &ch, 1);
	}
}

static void vcon_queue_notify(struct virtio_dev *dev, unsigned int q)
{
	struct virtio_console *vc = to_vc(dev);
	unsigned int nr = q < 2 ? 0 : (q - 2) / 2;
	struct vcon_port *p = nr < vc->max_ports && vc->ports[nr].used ?
				      &vc->ports[nr] :
				      NULL;

	if (q == VCON_CTRL_RXQ)
		ctrl_flush(vc);
	else if (q == VCON_CTRL_TXQ)
		ctrl_drain(vc);
	else if (q % 2 == 1)
		tx_drain(vc, p, q); /* data of an unknown port is discarded */
	else if (p)
		rx_flush(p);
}

static int vcon_activate(struct virtio_dev *dev)
{
	struct virtio_console *vc = to_vc(dev);

	vc->activated = true;
	ctrl_flush(vc);
	return 0;
}

static void vcon_reset(struct virtio_dev *dev)
{
	struct virtio_console *vc = to_vc(dev);

	vc->activated = vc->driver_ready = false;
	vc->nr_pending = 0;	/* the queues: virtio_dev_reset() */
	for (unsigned int i = 0; i < vc->max_ports; i++) {
		struct vcon_port *p = &vc->ports[i];

		p->guest_ready = p->guest_open = false;
		p->head = p->len = p->tx_sent = 0;
		if (p->used && p->chr)
			chardev_when_writable(p->chr, NULL, NULL);
		if (p->paused && p->chr)
			chardev_pause_input(p->chr, false);
		p->paused = false;
	}
}

static void vcon_destroy(struct virtio_dev *dev)
{
	struct virtio_console *vc = to_vc(dev);

	for (unsigned int i = 0; i < vc->max_ports; i++) {
		if (vc->ports[i].used && vc->ports[i].chr) {
			chardev_set_input(vc->ports[i].chr, NULL, NULL);
			chardev_set_conn(vc->ports[i].chr, NULL, NULL);
			chardev_when_writable(vc->ports[i].chr, NULL, NULL);
		}
		free(vc->ports[i].fifo);
	}
	free(vc->vqs);
	pthread_mutex_destroy(&dev->lock);
	free(vc->id);
	free(vc);
}

static const struct virtio_dev_ops vcon_ops = {
	.get_features = vcon_get_features,
	.cfg_read = vcon_cfg_read,
	.cfg_write = vcon_cfg_write,
	.queue_notify = vcon_queue_notify,
	.activate = vcon_activate,
	.reset = vcon_reset,
	.destroy = vcon_destroy,
};

int virtio_console_create(const char *id, unsigned int max_ports,
			  struct virtio_dev **out)
{
	struct virtio_console *vc;

	if (max_ports == 0 || max_ports > VCON_MAX_PORTS)
		return -EINVAL;
	vc = xcalloc(1, sizeof(*vc));
	vc->id = xstrdup(id ? id : "virtio-serial");
	virtio_dev_init(&vc->dev, &vcon_ops, VIRTIO_ID_CONSOLE, vc->id);
	vc->max_ports = max_ports;
	vc->dev.nr_queues = 2 * (max_ports + 1);
	vc->vqs = xcalloc(vc->dev.nr_queues, sizeof(*vc->vqs));
	for (unsigned int i = 0; i < vc->dev.nr_queues; i++) {
		vc->vqs[i].max_size = VCON_QUEUE_SIZE;
		virtqueue_reset(&vc->vqs[i]);
	}
	vc->dev.vqs = vc->vqs;
	*out = &vc->dev;
	return 0;
}

int virtio_console_add_port(struct virtio_dev *dev,
			    const struct vcon_port_args *a)
{
	struct virtio_console *vc = to_vc(dev);
	struct vcon_port *p;

	if (a->nr >= vc->max_ports)
		return -ERANGE;
	p = &vc->ports[a->nr];
	if (p->used)
		return -EEXIST;
	if (a->name && strlen(a->name) >= VCON_NAME_MAX)
		return -ENAMETOOLONG;
	*p = (struct vcon_port){ .vc = vc, .used = true, .nr = a->nr,
				 .console = a->console, .chr = a->chr };
	snprintf(p->name, sizeof(p->name), "%s", a->name ? a->name : "");
	p->fifo = xcalloc(1, VCON_FIFO_SIZE);
	chardev_set_input(a->chr, on_host_input, p);
	chardev_set_conn(a->chr, on_host_conn, p);
	return 0;
}
