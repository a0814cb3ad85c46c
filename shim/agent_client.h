/* SPDX-License-Identifier: MIT */
/*
 * Host side of the sv-agent protocol (include/sv/agent_proto.h): connect
 * to the unix socket behind the guest's virtio-serial port, handshake, send
 * requests, receive and demultiplex frames. Everything the guest sends is
 * untrusted: frames are length-capped and validated by the shared codec;
 * a bad frame makes the connection unusable (-EPROTO from then on).
 * Functions return 0 (or a count) or -errno; they do not log.
 */
#ifndef SV_SHIM_AGENT_CLIENT_H
#define SV_SHIM_AGENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/agent_proto.h"

struct agent_client {
	int fd;
	int broken; /* sticky -errno after a protocol violation */
	size_t have;
	uint8_t rx[2 * AGENT_MAX_FRAME];
	uint8_t tx[AGENT_MAX_FRAME];
	/* Queued mode (agent_client_set_queued): frames not yet sent. */
	bool queued;
	uint8_t *txq;
	size_t txq_head, txq_len, txq_cap;
};

/* One received frame; payload points into the client's buffer and is
 * valid until the next agent_client_recv(). */
struct agent_msg {
	struct agent_hdr hdr;
	const uint8_t *payload;
};

void agent_client_init(struct agent_client *c, int fd);
/* Connect to a unix socket path (with retries for up to timeout_ms). */
int agent_client_connect(struct agent_client *c, const char *path,
			 int timeout_ms);
void agent_client_close(struct agent_client *c);
/* Send HELLO and wait for READY (other frames before it are dropped). */
int agent_client_handshake(struct agent_client *c, int timeout_ms);

/*
 * Queued mode, for an event loop: the socket becomes non-blocking, sends
 * append to a queue (never blocking; -ENOMEM at most) and go out as the
 * peer takes them; agent_client_flush() on POLLOUT.
 */
int agent_client_set_queued(struct agent_client *c);
int agent_client_flush(struct agent_client *c);
size_t agent_client_pending(const struct agent_client *c);
/* One non-blocking read into the receive buffer: 1 (bytes or nothing
 * yet), 0 on EOF, -errno. Frames come out with agent_client_next(). */
int agent_client_pump(struct agent_client *c);

int agent_client_send(struct agent_client *c, uint8_t type, uint32_t stream,
		      const void *payload, size_t len);
int agent_client_start(struct agent_client *c, uint32_t stream,
		       const uint8_t *spec, size_t len);
int agent_client_exec(struct agent_client *c, uint32_t stream,
		      const uint8_t *spec, size_t len);
int agent_client_stdin(struct agent_client *c, uint32_t stream, const void *buf,
		       size_t len);
int agent_client_stdin_eof(struct agent_client *c, uint32_t stream);
int agent_client_signal(struct agent_client *c, uint32_t stream, int sig);
/* flags AGENT_SIGNAL_ALL: every process of the container (kill --all). */
int agent_client_signal_flags(struct agent_client *c, uint32_t stream, int sig,
			      uint32_t flags);
int agent_client_winsize(struct agent_client *c, uint32_t stream, uint16_t rows,
			 uint16_t cols);
int agent_client_poweroff(struct agent_client *c);

/*
 * Receive the next frame: 1 with *msg filled, 0 on orderly EOF, -ETIMEDOUT
 * after timeout_ms (< 0: wait forever), -EPROTO / -EMSGSIZE on a bad frame.
 */
int agent_client_recv(struct agent_client *c, struct agent_msg *msg,
		      int timeout_ms);

/*
 * Feed raw bytes (as read from the socket) and take out frames; exposed
 * for the fuzz target. agent_client_feed returns -ENOBUFS when full.
 */
int agent_client_feed(struct agent_client *c, const void *buf, size_t len);
int agent_client_next(struct agent_client *c, struct agent_msg *msg);

#endif /* SV_SHIM_AGENT_CLIENT_H */
