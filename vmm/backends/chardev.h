/* SPDX-License-Identifier: MIT */
/*
 * Host side of character devices (serial, consoles): stdio (terminal in raw
 * mode, restored at exit), pty, file (output only), unix/tcp socket server.
 * Input arrives on the event loop and is handed to the consumer.
 */
#ifndef SV_VMM_BACKENDS_CHARDEV_H
#define SV_VMM_BACKENDS_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "sv/compiler.h"

struct chardev;
struct chardev_cfg;
struct eventloop;

/* Returns how many bytes the consumer took (the rest is dropped). */
typedef size_t (*chardev_input_fn)(void *opaque, const uint8_t *buf,
				   size_t len);
/* A socket chardev's client connected (true) or went away (false). */
typedef void (*chardev_conn_fn)(void *opaque, bool connected);

int chardev_create(const struct chardev_cfg *cfg, struct eventloop *loop,
		   struct chardev **out) SV_MUST_CHECK;
void chardev_destroy(struct chardev *c);
void chardev_set_input(struct chardev *c, chardev_input_fn fn, void *opaque);
/*
 * Write all of buf if a peer is there; drops output without a peer. A
 * reader that stalls holds the caller (a vCPU thread: the 8250 has no
 * flow control) until the VMM kicks that thread (util/kick.h).
 */
void chardev_write(struct chardev *c, const void *buf, size_t len);
/*
 * Without blocking: write what the output takes now of the bytes of iov
 * after the first skip. Returns the bytes written (0: full, try again
 * once writable), or -EPIPE when there is no peer (drop the output).
 */
ssize_t chardev_write_nb(struct chardev *c, const struct iovec *iov,
			 unsigned int n, size_t skip);
typedef void (*chardev_writable_fn)(void *opaque);
/* fn(opaque) once, on the event loop, when the output can take bytes
 * again; fn NULL cancels. */
void chardev_when_writable(struct chardev *c, chardev_writable_fn fn,
			   void *opaque);
void chardev_set_conn(struct chardev *c, chardev_conn_fn fn, void *opaque);
/* Output has somewhere to go (a socket has a client; always for files). */
bool chardev_connected(struct chardev *c);
/* Stop / resume reading input (the device has no room for it). */
void chardev_pause_input(struct chardev *c, bool pause);
/* pty path, socket path, or NULL. */
const char *chardev_path(const struct chardev *c);
/* Bind and listen on a unix or tcp socket (QMP uses it too); returns fd. */
int chardev_listen(const struct chardev_cfg *cfg) SV_MUST_CHECK;

#endif /* SV_VMM_BACKENDS_CHARDEV_H */
