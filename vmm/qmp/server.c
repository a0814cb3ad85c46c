// SPDX-License-Identifier: MIT
/*
 * QMP sockets on the event loop: one listening socket per -qmp/-mon, one
 * client per listener at a time (a new connection replaces the old one, as
 * StratoVirt does), the greeting, reading with SCM_RIGHTS for getfd, the
 * framing hand-off to stream.c/dispatch.c, and event delivery. Everything
 * but qmp_server_emit_event() runs on the event loop thread.
 */
#include "vmm/qmp/qmp.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define LOG_MODULE "qmp"
#include "sv/log.h"
#include "vmm/backends/chardev.h"
#include "vmm/config.h"
#include "vmm/machine/machine.h"
#include "vmm/qmp/qmp_internal.h"
#include "vmm/util/eventloop.h"

#define QMP_READ_CHUNK 4096
/* A client that stops reading for this long is dropped. */
#define QMP_SEND_TIMEOUT_MS 2000
#define QMP_RX_FDS_MAX 4

struct qmp_client {
	struct qmp_server *s;
	struct qmp_listener *l;		/* NULL for the detached client */
	int fd;				/* -1 for the detached client */
	struct qbuf *sink;		/* detached: output goes here */
	struct qmp_stream in;
	struct qmp_session ss;
	struct qbuf out;
	bool busy;			/* inside its own input handler */
	bool dead;			/* to be dropped when not busy */
};

struct qmp_listener {
	struct qmp_server *s;
	int fd;
	char *unix_path;		/* unlinked on destroy */
	struct qmp_client *client;
};

/* Remember the loop thread: events raised on it are written at once. */
static void note_loop_thread(struct qmp_server *s)
{
	if (!__atomic_load_n(&s->loop_tid_known, __ATOMIC_ACQUIRE)) {
		s->loop_tid = pthread_self();
		__atomic_store_n(&s->loop_tid_known, 1, __ATOMIC_RELEASE);
	}
}

static bool on_loop_thread(struct qmp_server *s)
{
	return __atomic_load_n(&s->loop_tid_known, __ATOMIC_ACQUIRE) &&
	       pthread_equal(s->loop_tid, pthread_self());
}

/* ---- clients ------------------------------------------------------------ */

static void client_send(struct qmp_client *c, const char *p, size_t len)
{
	int waited = 0;

	if (c->dead)
		return;
	if (c->sink) {
		qbuf_add(c->sink, p, len);
		return;
	}
	while (len) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && waited < QMP_SEND_TIMEOUT_MS) {
			poll(&pfd, 1, 100);
			waited += 100;
			continue;
		}
		log_info("QMP client gone (%s)",
			 n < 0 ? strerror(errno) : "write timeout");
		c->dead = true;
		return;
	}
}

static struct qmp_client *client_new(struct qmp_server *s,
				     struct qmp_listener *l, int fd,
				     struct qbuf *sink)
{
	struct qmp_client *c = xcalloc(1, sizeof(*c));

	c->s = s;
	c->l = l;
	c->fd = fd;
	c->sink = sink;
	qmp_stream_init(&c->in);
	qmp_session_init(&c->ss, s, s->m);
	client_send(c, QMP_GREETING "\r\n", sizeof(QMP_GREETING "\r\n") - 1);
	return c;
}

static void client_free(struct qmp_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0) {
		if (c->s->loop)
			eventloop_del(c->s->loop, c->fd);
		close(c->fd);
	}
	qmp_session_fini(&c->ss);
	qmp_stream_fini(&c->in);
	qbuf_free(&c->out);
	free(c);
}

static void drop_dead(struct qmp_server *s)
{
	for (unsigned int i = 0; i < s->nr_listeners; i++) {
		struct qmp_listener *l = s->listeners[i];

		if (l->client && l->client->dead && !l->client->busy) {
			client_free(l->client);
			l->client = NULL;
		}
	}
}

/* Events go to negotiated clients only (QEMU: not in negotiation mode). */
static void send_all(struct qmp_server *s, const char *line, size_t len)
{
	struct qmp_client *c;

	for (unsigned int i = 0; i < s->nr_listeners; i++) {
		c = s->listeners[i]->client;
		if (c && c->ss.negotiated)
			client_send(c, line, len);
	}
	c = s->mem_client;
	if (c && c->ss.negotiated)
		client_send(c, line, len);
}

void qmp_server_flush_events(struct qmp_server *s)
{
	char *line;

	while ((line = qmp_event_pop(&s->events))) {
		send_all(s, line, strlen(line));
		free(line);
	}
}

static bool on_frame(void *opaque, enum qmp_frame kind, const char *msg,
		     size_t len)
{
	struct qmp_client *c = opaque;

	qbuf_reset(&c->out);
	if (kind == QMP_FRAME_MSG)
		qmp_dispatch(&c->ss, msg, len, &c->out);
	else if (kind == QMP_FRAME_TOO_BIG)
		qmp_reply_error(&c->out, QMP_ERR_GENERIC,
				"QMP message too long (limit 65536 bytes)");
	else
		qmp_reply_error(&c->out, QMP_ERR_GENERIC,
				"JSON nesting depth limit exceeded");
	/* Events raised by the command (STOP, RESUME) precede its reply. */
	qmp_server_flush_events(c->s);
	client_send(c, c->out.p, c->out.len);
	return !c->dead;
}

static void client_input(struct qmp_client *c, const uint8_t *data,
			 size_t len)
{
	c->busy = true;
	qmp_stream_feed(&c->in, data, len, on_frame, c);
	c->busy = false;
}

/* recvmsg(): data plus any fds passed with SCM_RIGHTS (for getfd). */
static ssize_t recv_fds(struct qmp_client *c, uint8_t *buf, size_t len)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * QMP_RX_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
	};
	struct cmsghdr *cm;
	ssize_t n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t nfd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(fd), sizeof(fd));
			qmp_session_adopt_fd(&c->ss, fd);
		}
	}
	if (mh.msg_flags & MSG_CTRUNC)
		log_warn_ratelimited("QMP client passed too many fds");
	return n;
}

static void on_client(void *opaque, uint32_t events)
{
	struct qmp_client *c = opaque;
	uint8_t buf[QMP_READ_CHUNK];
	ssize_t n;

	note_loop_thread(c->s);
	if (events & EPOLLIN) {
		n = recv_fds(c, buf, sizeof(buf));
		if (n > 0)
			client_input(c, buf, (size_t)n);
		else if (n == 0 || (n != -EAGAIN && n != -EINTR))
			c->dead = true;
	} else if (events & (EPOLLHUP | EPOLLERR)) {
		c->dead = true;
	}
	if (c->dead)
		log_debug("QMP client disconnected");
	drop_dead(c->s);
}

static void on_accept(void *opaque, uint32_t events)
{
	struct qmp_listener *l = opaque;
	struct qmp_server *s = l->s;
	struct qmp_client *c;
	int fd;

	(void)events;
	note_loop_thread(s);
	fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn_ratelimited("QMP accept: %s", strerror(errno));
		return;
	}
	if (l->client) {
		log_info("QMP: new client replaces the connected one");
		client_free(l->client);
		l->client = NULL;
	}
	c = client_new(s, l, fd, NULL);
	if (c->dead || eventloop_add(s->loop, fd, EPOLLIN, on_client, c) < 0) {
		c->fd = -1;	/* not registered */
		close(fd);
		client_free(c);
		return;
	}
	l->client = c;
	log_info("QMP client connected");
}

/* ---- server ------------------------------------------------------------- */

static void on_event_efd(void *opaque, uint32_t events)
{
	struct qmp_server *s = opaque;
	uint64_t v;

	(void)events;
	note_loop_thread(s);
	if (read(s->event_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug("QMP event eventfd: %s", strerror(errno));
	qmp_server_flush_events(s);
	drop_dead(s);
}

void qmp_server_emit_event(struct qmp_server *s, const char *event,
			   const char *data_json)
{
	uint64_t one = 1;

	if (!s)
		return;
	if (!qmp_event_push(&s->events, event, data_json))
		return;
	if (s->loop && on_loop_thread(s)) {
		/*
		 * Write now: STOP raised by a command precedes its reply, and
		 * SHUTDOWN raised after the loop ended (machine_run()) goes
		 * out before the vCPUs are joined.
		 */
		qmp_server_flush_events(s);
		return;
	}
	if (s->event_efd >= 0 && write(s->event_efd, &one, sizeof(one)) < 0)
		log_debug("QMP event wakeup: %s", strerror(errno));
}

static struct qmp_server *server_alloc(struct machine *m)
{
	struct qmp_server *s = xcalloc(1, sizeof(*s));

	s->m = m;
	s->event_efd = -1;
	qmp_event_queue_init(&s->events);
	for (unsigned int i = 0; i < QMP_MAX_FDS; i++)
		s->fds[i].fd = -1;
	return s;
}

/* The socket a -qmp or -mon names; NULL (logged) if unusable. */
static const struct chardev_cfg *listen_cfg(struct qmp_server *s,
					    const struct qmp_cfg *q)
{
	const struct chardev_cfg *dev = &q->dev;

	if (q->chardev) {
		dev = s->m->cfg ? vmm_config_chardev(s->m->cfg, q->chardev) :
				  NULL;
		if (!dev) {
			log_err("-mon: chardev %s not found", q->chardev);
			return NULL;
		}
	}
	if ((dev->kind != CHARDEV_UNIX && dev->kind != CHARDEV_TCP) ||
	    !dev->server) {
		log_err("QMP monitor %s: must be a socket with 'server'",
			dev->id ? dev->id : "?");
		return NULL;
	}
	return dev;
}

static int listener_open(struct qmp_server *s, const struct qmp_cfg *q)
{
	const struct chardev_cfg *dev = listen_cfg(s, q);
	struct qmp_listener *l;
	int ret;

	if (!dev)
		return -EINVAL;
	if (s->nr_listeners == QMP_MAX_LISTENERS) {
		log_err("at most %d QMP monitors", QMP_MAX_LISTENERS);
		return -E2BIG;
	}
	l = xcalloc(1, sizeof(*l));
	l->s = s;
	l->fd = chardev_listen(dev);
	if (l->fd < 0) {
		ret = l->fd;
		free(l);
		return ret;
	}
	if (dev->kind == CHARDEV_UNIX)
		l->unix_path = xstrdup(dev->path);
	s->listeners[s->nr_listeners++] = l;
	ret = eventloop_add(s->loop, l->fd, EPOLLIN, on_accept, l);
	if (ret < 0) {
		log_err("QMP: cannot watch the listening socket");
		close(l->fd);
		l->fd = -1;
	}
	return ret;
}

int qmp_server_create(struct machine *m, const struct qmp_cfg *cfgs,
		      unsigned int n, struct qmp_server **out)
{
	struct qmp_server *s = server_alloc(m);
	int ret;

	s->loop = m->loop;
	s->event_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->event_efd < 0) {
		ret = -errno;
		log_err("QMP eventfd: %s", strerror(errno));
		goto err;
	}
	ret = eventloop_add(s->loop, s->event_efd, EPOLLIN, on_event_efd, s);
	if (ret < 0) {
		close(s->event_efd);
		s->event_efd = -1;
		goto err;
	}
	for (unsigned int i = 0; i < n; i++) {
		ret = listener_open(s, &cfgs[i]);
		if (ret < 0)
			goto err;
	}
	*out = s;
	return 0;
err:
	qmp_server_destroy(s);
	return ret;
}

static void listener_close(struct qmp_server *s, struct qmp_listener *l)
{
	client_free(l->client);
	if (l->fd >= 0) {
		eventloop_del(s->loop, l->fd);
		close(l->fd);
	}
	if (l->unix_path)
		unlink(l->unix_path);
	free(l->unix_path);
	free(l);
}

void qmp_server_destroy(struct qmp_server *s)
{
	if (!s)
		return;
	/* Deliver what is left, e.g. SHUTDOWN emitted after the loop ended. */
	qmp_server_flush_events(s);
	for (unsigned int i = 0; i < s->nr_listeners; i++)
		listener_close(s, s->listeners[i]);
	client_free(s->mem_client);
	if (s->event_efd >= 0) {
		eventloop_del(s->loop, s->event_efd);
		close(s->event_efd);
	}
	for (unsigned int i = 0; i < QMP_MAX_FDS; i++)
		if (s->fds[i].fd >= 0)
			close(s->fds[i].fd);
	qmp_event_queue_fini(&s->events);
	free(s);
}

/* ---- getfd table --------------------------------------------------------- */

int qmp_fd_store(struct qmp_server *s, const char *name, int fd)
{
	struct qmp_fd_entry *free_slot = NULL;

	for (unsigned int i = 0; i < QMP_MAX_FDS; i++) {
		struct qmp_fd_entry *e = &s->fds[i];

		if (e->fd >= 0 && !strcmp(e->name, name)) {
			close(e->fd);	/* replace, as QEMU */
			e->fd = fd;
			return 0;
		}
		if (e->fd < 0 && !free_slot)
			free_slot = e;
	}
	if (!free_slot) {
		close(fd);
		return -ENOSPC;
	}
	snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
	free_slot->fd = fd;
	return 0;
}

int qmp_server_take_fd(struct qmp_server *s, const char *name)
{
	for (unsigned int i = 0; s && i < QMP_MAX_FDS; i++) {
		struct qmp_fd_entry *e = &s->fds[i];

		if (e->fd >= 0 && !strcmp(e->name, name)) {
			int fd = e->fd;

			e->fd = -1;
			return fd;
		}
	}
	return -ENOENT;
}

/* ---- detached server (tests, fuzzing) ------------------------------------ */

struct qmp_server *qmp_server_create_detached(struct machine *m,
					      struct qbuf *out)
{
	struct qmp_server *s = server_alloc(m);

	s->mem_client = client_new(s, NULL, -1, out);
	return s;
}

void qmp_server_mem_input(struct qmp_server *s, const uint8_t *data,
			  size_t len)
{
	client_input(s->mem_client, data, len);
}

struct qmp_session *qmp_server_mem_session(struct qmp_server *s)
{
	return &s->mem_client->ss;
}
