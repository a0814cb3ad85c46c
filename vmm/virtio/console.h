/* SPDX-License-Identifier: MIT */
/*
 * virtio-console with VIRTIO_CONSOLE_F_MULTIPORT (StratoVirt's
 * virtio-serial-device + virtconsole/virtserialport): port 0 and the
 * control queues always exist; every configured port is backed by a
 * chardev (a unix socket for the sv-agent channel).
 */
#ifndef SV_VMM_VIRTIO_CONSOLE_H
#define SV_VMM_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

struct chardev;
struct virtio_dev;

#define VIRTIO_CONSOLE_F_SIZE 0
#define VIRTIO_CONSOLE_F_MULTIPORT 1

/* Control events (virtio spec 5.3.6.2). */
#define VCON_DEVICE_READY 0
#define VCON_DEVICE_ADD 1
#define VCON_DEVICE_REMOVE 2
#define VCON_PORT_READY 3
#define VCON_CONSOLE_PORT 4
#define VCON_RESIZE 5
#define VCON_PORT_OPEN 6
#define VCON_PORT_NAME 7

#define VCON_MAX_PORTS 31	/* nr= 0..30 */
#define VCON_QUEUE_SIZE 128
#define VCON_FIFO_SIZE 65536	/* host bytes waiting for guest buffers */

struct vcon_port_args {
	unsigned int nr;	/* port number */
	const char *name;	/* PORT_NAME, may be NULL */
	bool console;		/* virtconsole */
	struct chardev *chr;	/* owned by the caller, outlives the device */
};

/* Ports are added before the device is attached to a transport. */
int virtio_console_create(const char *id, unsigned int max_ports,
			  struct virtio_dev **out) SV_MUST_CHECK;
int virtio_console_add_port(struct virtio_dev *dev,
			    const struct vcon_port_args *a) SV_MUST_CHECK;

/* Queue index of port nr's receive (host->guest) / transmit queue. */
static inline unsigned int vcon_rxq(unsigned int nr)
{
	return nr == 0 ? 0 : 2 + 2 * nr;
}

static inline unsigned int vcon_txq(unsigned int nr)
{
	return vcon_rxq(nr) + 1;
}

#define VCON_CTRL_RXQ 2	/* device -> driver */
#define VCON_CTRL_TXQ 3	/* driver -> device */

#endif /* SV_VMM_VIRTIO_CONSOLE_H */
