// SPDX-License-Identifier: MIT
/*
 * Bounded, non-blocking relay ends of the container monitor; see
 * shim/relay.h.
 */
#include "shim/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MODULE "monitor"
#include "sv/log.h"

/* A description of our own for fd, non-blocking, at the same number. */
static void reopen_nonblock(int fd, int acc)
{
	char path[40];
	int nfd, fl;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, acc | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (nfd >= 0) {
		if (dup3(nfd, fd, fd > 2 ? O_CLOEXEC : 0) < 0)
			log_warn("relay fd %d: %s", fd, strerror(errno));
		close(nfd);
		return;
	}
	/* e.g. a FIFO with no reader left: share the flag, it is ours. */
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		log_warn("relay fd %d: O_NONBLOCK: %s", fd, strerror(errno));
}

void relay_end_init(struct relay_end *r, int fd, int acc)
{
	struct stat st;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	if (fd < 0 || fstat(fd, &st) < 0)
		return;
	if (S_ISSOCK(st.st_mode))
		r->sock = true;
	else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
		reopen_nonblock(fd, acc);
}

void relay_end_close(struct relay_end *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->q.buf);
	memset(&r->q, 0, sizeof(r->q));
}

static int q_room(struct relay_q *q, size_t n)
{
	size_t want;
	uint8_t *nb;

	if (q->head && q->head + q->len + n > q->cap) {
		memmove(q->buf, q->buf + q->head, q->len);
		q->head = 0;
	}
	if (q->len + n <= q->cap)
		return 0;
	want = q->cap ? q->cap : 16384;
	while (want < q->len + n)
		want *= 2;
	nb = realloc(q->buf, want);
	if (!nb)
		return -ENOMEM;
	q->buf = nb;
	q->cap = want;
	return 0;
}

static ssize_t end_write(const struct relay_end *r, const void *p, size_t n)
{
	if (r->sock)
		return send(r->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	return write(r->fd, p, n);
}

void relay_flush(struct relay_end *r)
{
	struct relay_q *q = &r->q;
	ssize_t w;

	while (r->fd >= 0 && q->len) {
		w = end_write(r, q->buf + q->head, q->len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (w <= 0) { /* the reader is gone: drop the rest */
			q->len = 0;
			break;
		}
		q->head += (size_t)w;
		q->len -= (size_t)w;
	}
	q->head = 0;
	if (r->fd < 0)
		q->len = 0;
}

void relay_put(struct relay_end *r, const void *p, size_t n)
{
	if (r->fd < 0 || n == 0)
		return;
	if (q_room(&r->q, n) < 0) {
		log_warn("relay fd %d: out of memory, output dropped", r->fd);
		return;
	}
	memcpy(r->q.buf + r->q.head + r->q.len, p, n);
	r->q.len += n;
	relay_flush(r);
}

bool relay_full(const struct relay_end *r)
{
	return r->q.len >= RELAY_Q_MAX;
}

bool relay_pending(const struct relay_end *r)
{
	return r->fd >= 0 && r->q.len > 0;
}

ssize_t relay_read(const struct relay_end *r, void *buf, size_t n)
{
	ssize_t got;

	if (r->fd < 0)
		return 0;
	got = r->sock ? recv(r->fd, buf, n, MSG_DONTWAIT) : read(r->fd, buf, n);
	if (got < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return got;
}
