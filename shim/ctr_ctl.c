// SPDX-License-Identifier: MIT
/*
 * The container monitor's control socket <state>/ctl.sock: CLI calls send
 * one request each ("start", "kill N", "killall N", "sig STREAM N", or
 * "exec LEN\n" + LEN spec bytes with the exec proxy's stdio as
 * SCM_RIGHTS) and get one reply line. Connections are non-blocking and
 * read as bytes arrive, at most CTL_PENDING at once; one that has not sent
 * a whole request within CTL_DEADLINE_MS is dropped. A stuck client never
 * stalls the monitor's relays.
 */
#include "shim/shim.h"
#include "shim/ctr_serve.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "shim/agent_client.h"
#include "sv/err.h"

#define LOG_MODULE "monitor"
#include "sv/log.h"

#define CTL_BUF (CTL_LINE + AGENT_MAX_PAYLOAD + 1)

long serve_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int ctl_listen_open(const char *path, struct sv_err *e)
{
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sv_err_set(e, errno, "socket: %s", strerror(errno));
	unlink(path);
	ret = shim_unix_bind(fd, path);
	if (ret == 0 && listen(fd, 16) < 0)
		ret = -errno;
	if (ret < 0) {
		close(fd);
		return sv_err_set(e, -ret, "%s: %s", path, strerror(-ret));
	}
	return fd;
}

static void ctl_reply(int fd, const char *msg)
{
	if (fd >= 0 &&
	    send(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_warn("control reply: %s", strerror(errno));
}

void ctl_done(struct serve *s, const char *msg)
{
	ctl_reply(s->ctl_client, msg);
	if (s->ctl_client >= 0)
		close(s->ctl_client);
	s->ctl_client = -1;
}

static void close_fds(int fds[3])
{
	for (int i = 0; i < 3; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* One request line; start answers when the agent did. */
static void ctl_handle(struct serve *s, int fd, const char *line)
{
	bool live = s->started && !s->exited;
	unsigned int stream;
	int sig, ret = -EINVAL;

	if (!strcmp(line, "start") && !s->started && s->ctl_client < 0) {
		ret = agent_client_start(s->c, CTR_STREAM, s->a->spec,
					 s->a->spec_len);
		if (ret == 0) {
			s->ctl_client = fd;
			return;
		}
	} else if (sscanf(line, "kill %d", &sig) == 1 && live) {
		ret = agent_client_signal(s->c, CTR_STREAM, sig);
	} else if (sscanf(line, "killall %d", &sig) == 1 && live) {
		ret = agent_client_signal_flags(s->c, CTR_STREAM, sig,
						AGENT_SIGNAL_ALL);
	} else if (sscanf(line, "sig %u %d", &stream, &sig) == 2) {
		ret = exec_signal(&s->ex, s->c, stream, sig);
	}
	ctl_reply(fd, ret == 0 ? "ok\n" : "err request refused\n");
	close(fd);
}

/* The whole "exec LEN\n" + spec is in: hand it to a new exec session. */
static void ctl_exec(struct serve *s, struct ctl_conn *k, size_t nl, size_t len)
{
	if (!s->started || s->exited || k->fds[0] < 0 ||
	    exec_begin(&s->ex, s->c, k->fd, k->fds, k->buf + nl + 1, len) < 0) {
		ctl_reply(k->fd, "err exec refused\n");
		close(k->fd);
		close_fds(k->fds);
	}
	k->fds[0] = k->fds[1] = k->fds[2] = -1; /* the session's now */
}

static void conn_free(struct ctl_conn *k, bool close_fd)
{
	if (close_fd && k->fd >= 0)
		close(k->fd);
	close_fds(k->fds);
	free(k->buf);
	k->buf = NULL;
	k->have = 0;
	k->fd = -1;
}

/* A complete request is handled (true); false while it is incomplete. */
static bool conn_parse(struct serve *s, struct ctl_conn *k, bool eof)
{
	uint8_t *nlp = memchr(k->buf, '\n', k->have);
	size_t nl, len = 0;

	if (!nlp) {
		if (k->have > CTL_LINE || eof)
			conn_free(k, true);
		return k->fd < 0;
	}
	nl = (size_t)(nlp - k->buf);
	*nlp = '\0';
	if (!strncmp((char *)k->buf, "exec ", 5)) {
		if (sscanf((char *)k->buf, "exec %zu", &len) != 1 ||
		    len > AGENT_MAX_PAYLOAD) {
			conn_free(k, true);
			return true;
		}
		if (k->have < nl + 1 + len) {	/* the spec is still coming */
			*nlp = '\n';	/* found again on the next pass */
			if (eof)
				conn_free(k, true);
			return eof;
		}
		ctl_exec(s, k, nl, len);
	} else {
		close_fds(k->fds);
		ctl_handle(s, k->fd, (char *)k->buf);
	}
	conn_free(k, false);
	return true;
}

/* Keep the first SCM_RIGHTS triple; close anything else passed. */
static void conn_take_fds(struct ctl_conn *k, struct msghdr *mh)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int got[3];

		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS || nfd > 3)
			continue;
		memcpy(got, CMSG_DATA(cm), nfd * sizeof(int));
		if (nfd == 3 && k->fds[0] < 0) {
			memcpy(k->fds, got, sizeof(got));
			continue;
		}
		for (size_t i = 0; i < nfd; i++) /* not what exec sends */
			close(got[i]);
	}
}

static void conn_read(struct serve *s, struct ctl_conn *k)
{
	union {
		char b[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = k->buf + k->have,
			     .iov_len = CTL_BUF - 1 - k->have };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.b,
			     .msg_controllen = sizeof(u.b) };
	ssize_t n = recvmsg(k->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		conn_free(k, true);
		return;
	}
	conn_take_fds(k, &mh);
	k->have += (size_t)n;
	k->buf[k->have] = '\0';
	conn_parse(s, k, n == 0);
}

static void ctl_accept(struct serve *s)
{
	struct ctl_conn *k = NULL;
	int fd;

	for (int i = 0; i < CTL_PENDING && !k; i++)
		if (s->conn[i].fd < 0)
			k = &s->conn[i];
	if (!k)
		return;
	fd = accept4(s->ctl_listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	k->buf = malloc(CTL_BUF);
	if (!k->buf) {
		close(fd);
		return;
	}
	k->fd = fd;
	k->have = 0;
	k->deadline = serve_now_ms() + CTL_DEADLINE_MS;
}

void ctl_init(struct serve *s)
{
	for (int i = 0; i < CTL_PENDING; i++) {
		struct ctl_conn *k = &s->conn[i];

		memset(k, 0, sizeof(*k));
		k->fd = k->fds[0] = k->fds[1] = k->fds[2] = -1;
	}
}

void ctl_pollfds(struct serve *s, struct pollfd *p)
{
	bool room = false;

	for (int i = 0; i < CTL_PENDING; i++) {
		p[1 + i] = (struct pollfd){ .fd = s->conn[i].fd,
					    .events = POLLIN };
		room |= s->conn[i].fd < 0;
	}
	p[0] = (struct pollfd){ .fd = room ? s->ctl_listen : -1,
				.events = POLLIN };
}

void ctl_events(struct serve *s, const struct pollfd *p)
{
	long now = serve_now_ms();

	for (int i = 0; i < CTL_PENDING; i++) {
		struct ctl_conn *k = &s->conn[i];

		if (p[1 + i].fd >= 0 && k->fd == p[1 + i].fd &&
		    (p[1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
			conn_read(s, k);
		if (k->fd >= 0 && now >= k->deadline) {
			log_warn(
				"control client sent no whole request in %d ms",
				CTL_DEADLINE_MS);
			conn_free(k, true);
		}
	}
	if (p[0].fd >= 0 && (p[0].revents & POLLIN))
		ctl_accept(s);
}

void ctl_fini(struct serve *s)
{
	for (int i = 0; i < CTL_PENDING; i++)
		if (s->conn[i].fd >= 0)
			conn_free(&s->conn[i], true);
	ctl_done(s, "err the container ended\n");
}

/* From a CLI call: one request line, one reply line. */
int ctl_request(const char *path, const char *req, int timeout_ms,
		struct sv_err *e)
{
	char reply[200];
	struct pollfd p;
	ssize_t n = -1;
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ret = fd < 0 ? -errno : shim_unix_connect(fd, path);
	if (ret == 0 && send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		ret = -errno;
	if (ret < 0) {
		if (fd >= 0)
			close(fd);
		return sv_err_set(e, -ret, "the container monitor (%s): %s",
				  path, strerror(-ret));
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) == 1)
		n = read(fd, reply, sizeof(reply) - 1);
	close(fd);
	if (n <= 0)
		return sv_err_set(e, ETIMEDOUT,
				  "the container monitor did "
				  "not answer \"%.20s\"",
				  req);
	reply[n] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (strncmp(reply, "ok", 2))
		return sv_err_set(e, EIO, "%s",
				  !strncmp(reply, "err ", 4) ? reply + 4 :
							       reply);
	return 0;
}
