// SPDX-License-Identifier: MIT
/*
 * Host side of the sv-agent protocol; see shim/agent_client.h. The guest
 * is untrusted: received frames go through agent_frame_parse() (magic,
 * version, type and a 64 KiB cap), the receive buffer is fixed-size and
 * the first bad frame breaks the connection for good.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "shim/agent_client.h"

void agent_client_init(struct agent_client *c, int fd)
{
	c->fd = fd;
	c->broken = 0;
	c->have = 0;
	c->queued = false;
	c->txq = NULL;
	c->txq_head = c->txq_len = c->txq_cap = 0;
}

int agent_client_connect(struct agent_client *c, const char *path,
			 int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, waited = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		if ((errno != ENOENT && errno != ECONNREFUSED) ||
		    waited >= timeout_ms)
			return -errno;
		usleep(20 * 1000);
		waited += 20;
	}
	agent_client_init(c, fd);
	return 0;
}

void agent_client_close(struct agent_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->txq);
	c->txq = NULL;
	c->txq_head = c->txq_len = c->txq_cap = 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int agent_client_set_queued(struct agent_client *c)
{
	int fl = fcntl(c->fd, F_GETFL);

	if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	c->queued = true;
	return 0;
}

int agent_client_flush(struct agent_client *c)
{
	while (c->txq_len) {
		ssize_t n = send(c->fd, c->txq + c->txq_head, c->txq_len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 :
									 -errno;
		c->txq_head += (size_t)n;
		c->txq_len -= (size_t)n;
	}
	c->txq_head = 0;
	return 0;
}

size_t agent_client_pending(const struct agent_client *c)
{
	return c->txq_len;
}

static int txq_push(struct agent_client *c, const uint8_t *p, size_t n)
{
	size_t want = c->txq_cap ? c->txq_cap : 2 * AGENT_MAX_FRAME;
	uint8_t *nb;

	if (c->txq_head) {
		memmove(c->txq, c->txq + c->txq_head, c->txq_len);
		c->txq_head = 0;
	}
	while (want < c->txq_len + n)
		want *= 2;
	if (want > c->txq_cap) {
		nb = realloc(c->txq, want);
		if (!nb)
			return -ENOMEM;
		c->txq = nb;
		c->txq_cap = want;
	}
	memcpy(c->txq + c->txq_len, p, n);
	c->txq_len += n;
	return agent_client_flush(c);
}

int agent_client_send(struct agent_client *c, uint8_t type, uint32_t stream,
		      const void *payload, size_t len)
{
	if (c->fd < 0)
		return -EBADF;
	if (len > AGENT_MAX_PAYLOAD)
		return -EMSGSIZE;
	agent_hdr_encode(c->tx, type, stream, (uint32_t)len);
	if (len)
		memcpy(c->tx + AGENT_HDR_SIZE, payload, len);
	if (c->queued)
		return txq_push(c, c->tx, AGENT_HDR_SIZE + len);
	return write_all(c->fd, c->tx, AGENT_HDR_SIZE + len);
}

int agent_client_start(struct agent_client *c, uint32_t stream,
		       const uint8_t *spec, size_t len)
{
	return agent_client_send(c, AGENT_MSG_START, stream, spec, len);
}

int agent_client_exec(struct agent_client *c, uint32_t stream,
		      const uint8_t *spec, size_t len)
{
	return agent_client_send(c, AGENT_MSG_EXEC, stream, spec, len);
}

int agent_client_stdin(struct agent_client *c, uint32_t stream, const void *buf,
		       size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		size_t n = len < AGENT_MAX_PAYLOAD ? len : AGENT_MAX_PAYLOAD;
		int ret = agent_client_send(c, AGENT_MSG_STDIN, stream, p, n);

		if (ret < 0)
			return ret;
		p += n;
		len -= n;
	}
	return 0;
}

int agent_client_stdin_eof(struct agent_client *c, uint32_t stream)
{
	return agent_client_send(c, AGENT_MSG_STDIN_EOF, stream, NULL, 0);
}

int agent_client_signal(struct agent_client *c, uint32_t stream, int sig)
{
	return agent_client_signal_flags(c, stream, sig, 0);
}

int agent_client_signal_flags(struct agent_client *c, uint32_t stream, int sig,
			      uint32_t flags)
{
	uint8_t p[8];

	if (sig <= 0 || sig > 64 || (flags & ~AGENT_SIGNAL_ALL))
		return -EINVAL;
	agent_put_u32(p, (uint32_t)sig);
	agent_put_u32(p + 4, flags);
	return agent_client_send(c, AGENT_MSG_SIGNAL, stream, p, sizeof(p));
}

int agent_client_winsize(struct agent_client *c, uint32_t stream, uint16_t rows,
			 uint16_t cols)
{
	uint8_t p[4] = { (uint8_t)rows, (uint8_t)(rows >> 8), (uint8_t)cols,
			 (uint8_t)(cols >> 8) };

	return agent_client_send(c, AGENT_MSG_WINSIZE, stream, p, sizeof(p));
}

int agent_client_poweroff(struct agent_client *c)
{
	return agent_client_send(c, AGENT_MSG_POWEROFF, AGENT_CTRL_STREAM, NULL,
				 0);
}

int agent_client_feed(struct agent_client *c, const void *buf, size_t len)
{
	if (AGENT_MAX_FRAME - c->have < len)
		return -ENOBUFS;
	memcpy(c->rx + c->have, buf, len);
	c->have += len;
	return 0;
}

/* Drop the frame consumed by the previous agent_client_next(). */
static void client_consume(struct agent_client *c, size_t n)
{
	memmove(c->rx, c->rx + n, c->have - n);
	c->have -= n;
}

int agent_client_next(struct agent_client *c, struct agent_msg *msg)
{
	long n;

	if (c->broken)
		return c->broken;
	n = agent_frame_parse(c->rx, c->have, &msg->hdr, &msg->payload);
	if (n < 0) {
		c->broken = (int)n;
		return c->broken;
	}
	if (n == 0)
		return 0;
	/* Move the frame to the buffer's upper half so the payload stays
	 * valid while the lower half is refilled. */
	memcpy(c->rx + AGENT_MAX_FRAME, c->rx, (size_t)n);
	msg->payload = c->rx + AGENT_MAX_FRAME + AGENT_HDR_SIZE;
	client_consume(c, (size_t)n);
	return 1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int client_fill(struct agent_client *c, int timeout_ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t n;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? 1 : -errno;
	if (ret == 0)
		return -ETIMEDOUT;
	n = read(c->fd, c->rx + c->have, AGENT_MAX_FRAME - c->have);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	c->have += (size_t)n;
	return 1;
}

int agent_client_pump(struct agent_client *c)
{
	ssize_t n;

	if (c->fd < 0)
		return -EBADF;
	if (c->have >= AGENT_MAX_FRAME)
		return 1; /* take frames out first */
	n = recv(c->fd, c->rx + c->have, AGENT_MAX_FRAME - c->have,
		 MSG_DONTWAIT);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ||
				       errno == EWOULDBLOCK ?
			       1 :
			       -errno;
	if (n == 0)
		return c->have ? -EPROTO : 0;
	c->have += (size_t)n;
	return 1;
}

int agent_client_recv(struct agent_client *c, struct agent_msg *msg,
		      int timeout_ms)
{
	long deadline = now_ms() + timeout_ms, left;
	int ret;

	for (;;) {
		ret = agent_client_next(c, msg);
		if (ret != 0)
			return ret;
		if (c->fd < 0)
			return -EBADF;
		if (timeout_ms >= 0 && now_ms() >= deadline)
			return -ETIMEDOUT;
		left = timeout_ms < 0 ? -1 : deadline - now_ms();
		ret = client_fill(c,
				  left < 0 && timeout_ms >= 0 ? 0 : (int)left);
		if (ret <= 0)
			return ret == 0 && c->have ? -EPROTO : ret;
	}
}

int agent_client_handshake(struct agent_client *c, int timeout_ms)
{
	struct agent_msg msg;
	int ret;

	ret = agent_client_send(c, AGENT_MSG_HELLO, AGENT_CTRL_STREAM, NULL, 0);
	if (ret < 0)
		return ret;
	for (;;) {
		ret = agent_client_recv(c, &msg, timeout_ms);
		if (ret <= 0)
			return ret == 0 ? -ECONNRESET : ret;
		if (msg.hdr.type == AGENT_MSG_READY)
			return 0;
	}
}
