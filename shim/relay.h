/* SPDX-License-Identifier: MIT */
/*
 * Non-blocking stdio relays of the container monitor (relay.c). Output
 * towards a local reader goes through a bounded queue: the monitor never
 * blocks on one reader; when a queue is over RELAY_Q_MAX the monitor stops
 * reading from the agent until it drains (backpressure reaches the guest
 * process through the agent's own buffers). Input towards the agent is
 * read only while the agent connection's send queue has room.
 */
#ifndef SV_SHIM_RELAY_H
#define SV_SHIM_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Soft cap of one queue: one more frame may land on top of it. */
#define RELAY_Q_MAX (256u * 1024)

struct relay_q {
	uint8_t *buf;
	size_t head; /* first unsent byte */
	size_t len; /* unsent bytes from head */
	size_t cap;
};

/* A local fd the monitor writes to (or reads from) without blocking. */
struct relay_end {
	int fd; /* -1: closed (output is dropped) */
	bool sock; /* use send/recv with MSG_DONTWAIT */
	struct relay_q q;
};

/*
 * Make fd usable without blocking, in place: a pipe, FIFO or tty is
 * reopened through /proc/self/fd (a description of our own, so
 * O_NONBLOCK does not leak to whoever shares the original); a socket is
 * used with MSG_DONTWAIT; anything else (a file, /dev/null) cannot block
 * for long and is left alone. acc is O_RDONLY or O_WRONLY.
 */
void relay_end_init(struct relay_end *r, int fd, int acc);
void relay_end_close(struct relay_end *r);

/* Queue n bytes and write what the reader takes now. */
void relay_put(struct relay_end *r, const void *p, size_t n);
/* Write queued bytes; a gone reader (EPIPE...) drops them. */
void relay_flush(struct relay_end *r);
bool relay_full(const struct relay_end *r);
bool relay_pending(const struct relay_end *r);
/* One read: > 0 bytes, 0 EOF, -EAGAIN nothing now, other -errno. */
ssize_t relay_read(const struct relay_end *r, void *buf, size_t n);

#endif /* SV_SHIM_RELAY_H */
