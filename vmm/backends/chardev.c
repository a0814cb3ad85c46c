// SPDX-License-Identifier: MIT
#include "vmm/backends/chardev.h"

#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <poll.h>
#include <pty.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define LOG_MODULE "chardev"
#include "sv/log.h"
#include "vmm/config.h"
#include "vmm/util/eventloop.h"
#include "vmm/util/kick.h"

struct chardev {
	enum chardev_kind kind;
	struct eventloop *loop;
	int in_fd;		/* read side, -1 if none */
	int out_fd;		/* write side, -1 if none */
	int listen_fd;		/* socket server */
	char *path;		/* pty or unix socket path */
	bool raw_tty;
	struct termios saved_tio;
	pthread_mutex_t out_lock;
	chardev_input_fn input;
	void *opaque;
	chardev_conn_fn conn;	/* socket client came or went */
	void *conn_opaque;
	bool input_paused;	/* back-pressure from the device */
	chardev_writable_fn writable;	/* armed: called once out_fd drains */
	void *writable_opaque;
	bool out_polled;	/* out_fd != in_fd is in the loop for EPOLLOUT */
};

/*
 * Lossless while the reader keeps up or catches up; a reader that stalls
 * holds the writer (a vCPU thread) only until the VMM kicks it for a
 * pause, reset or quit: then the rest is dropped.
 */
static void write_fd(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct timespec ts = { 0, 1000000 };

			if (sv_kick_pending) {
				log_warn_ratelimited("console reader stalled: "
						     "%zu bytes dropped", len);
				return;
			}
			if (errno == EAGAIN)
				nanosleep(&ts, NULL);
			continue;
		}
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* in_fd's events: input unless paused, output while a writer waits. */
static uint32_t in_events(const struct chardev *c)
{
	return (c->input_paused ? 0 : EPOLLIN) |
	       (c->writable && c->out_fd == c->in_fd ? EPOLLOUT : 0);
}

/* Event loop: the output drained; the armed writer is called once. */
static void fire_writable(struct chardev *c)
{
	chardev_writable_fn fn;
	void *opaque;

	pthread_mutex_lock(&c->out_lock);
	fn = c->writable;
	opaque = c->writable_opaque;
	c->writable = NULL;
	if (c->out_polled) {
		eventloop_del(c->loop, c->out_fd);
		c->out_polled = false;
	} else if (c->in_fd >= 0 &&
		   eventloop_mod(c->loop, c->in_fd, in_events(c)) < 0) {
		log_warn_ratelimited("chardev: cannot stop output polling");
	}
	pthread_mutex_unlock(&c->out_lock);
	if (fn)
		fn(opaque);
}

static void on_output(void *opaque, uint32_t events)
{
	(void)events;
	fire_writable(opaque);
}

/*
 * One chunk without blocking: 0 when the fd cannot take bytes now. Sockets
 * and the pty are non-blocking; stdout may be a blocking pipe or tty that
 * is shared with others, so it gets poll() and at most PIPE_BUF bytes (a
 * pipe that polls writable takes that much whole).
 */
static ssize_t write_some(const struct chardev *c, const void *p, size_t n)
{
	struct pollfd pfd = { .fd = c->out_fd, .events = POLLOUT };
	ssize_t w;

	if (c->kind == CHARDEV_STDIO) {
		if (poll(&pfd, 1, 0) == 0)
			return 0;
		n = SV_MIN(n, (size_t)PIPE_BUF);
	}
	if (c->kind == CHARDEV_UNIX || c->kind == CHARDEV_TCP)
		w = send(c->out_fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		w = write(c->out_fd, p, n);
	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return w < 0 ? -errno : w;
}

ssize_t chardev_write_nb(struct chardev *c, const struct iovec *iov,
			 unsigned int n, size_t skip)
{
	size_t done = 0;
	ssize_t w = 0;

	pthread_mutex_lock(&c->out_lock);
	if (c->out_fd < 0)
		w = -EPIPE;
	for (unsigned int i = 0; w >= 0 && i < n; i++) {
		const uint8_t *b = iov[i].iov_base;
		size_t len = iov[i].iov_len, off = 0;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		off = skip;
		skip = 0;
		while (off < len && (w = write_some(c, b + off, len - off)) > 0) {
			off += (size_t)w;
			done += (size_t)w;
		}
		if (off < len)
			break;	/* full (w == 0) or gone (w < 0) */
	}
	pthread_mutex_unlock(&c->out_lock);
	return w < 0 && !done ? w : (ssize_t)done;
}

void chardev_when_writable(struct chardev *c, chardev_writable_fn fn,
			   void *opaque)
{
	pthread_mutex_lock(&c->out_lock);
	c->writable = fn;
	c->writable_opaque = opaque;
	if (c->out_fd >= 0 && c->loop && c->out_fd == c->in_fd) {
		if (eventloop_mod(c->loop, c->in_fd, in_events(c)) < 0)
			log_warn_ratelimited("chardev: cannot poll output");
	} else if (c->out_fd >= 0 && c->loop && fn && !c->out_polled) {
		c->out_polled = eventloop_add(c->loop, c->out_fd, EPOLLOUT,
					      on_output, c) == 0;
		if (!c->out_polled)
			log_warn_ratelimited("chardev: output not pollable; "
					     "held output waits for the guest");
	} else if (!fn && c->out_polled) {
		eventloop_del(c->loop, c->out_fd);
		c->out_polled = false;
	}
	pthread_mutex_unlock(&c->out_lock);
}

void chardev_write(struct chardev *c, const void *buf, size_t len)
{
	pthread_mutex_lock(&c->out_lock);
	if (c->out_fd >= 0)
		write_fd(c->out_fd, buf, len);
	pthread_mutex_unlock(&c->out_lock);
}

/* The client left: a writer waiting for room is told (it gets -EPIPE). */
static void drop_client(struct chardev *c)
{
	chardev_writable_fn fn;
	bool had;

	pthread_mutex_lock(&c->out_lock);
	had = c->in_fd >= 0;
	if (had) {
		eventloop_del(c->loop, c->in_fd);
		close(c->in_fd);
	}
	c->in_fd = c->out_fd = -1;
	fn = c->writable;
	c->writable = NULL;
	pthread_mutex_unlock(&c->out_lock);
	if (fn)
		fn(c->writable_opaque);
	if (had && c->conn)
		c->conn(c->conn_opaque, false);
}

static void on_input(void *opaque, uint32_t events)
{
	struct chardev *c = opaque;
	uint8_t buf[256];
	ssize_t n;

	if (events & EPOLLOUT)
		fire_writable(c);
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = read(c->in_fd, buf, sizeof(buf));

	if (n > 0) {
		if (c->input)
			c->input(c->opaque, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF or error: a socket client left; stdin/pty stop being polled. */
	(void)events;
	if (c->kind == CHARDEV_UNIX || c->kind == CHARDEV_TCP) {
		drop_client(c);
		return;
	}
	eventloop_del(c->loop, c->in_fd);
}

static void on_accept(void *opaque, uint32_t events)
{
	struct chardev *c = opaque;
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	(void)events;
	if (fd < 0)
		return;
	if (c->in_fd >= 0)
		drop_client(c);	/* a new client replaces the old one */
	pthread_mutex_lock(&c->out_lock);
	c->in_fd = c->out_fd = fd;
	if (eventloop_add(c->loop, fd, in_events(c), on_input, c) < 0) {
		close(fd);
		c->in_fd = c->out_fd = -1;
		pthread_mutex_unlock(&c->out_lock);
		return;
	}
	pthread_mutex_unlock(&c->out_lock);
	if (c->conn)
		c->conn(c->conn_opaque, true);
}

static int open_stdio(struct chardev *c)
{
	struct termios tio;

	c->in_fd = 0;
	c->out_fd = 1;
	if (isatty(0) && tcgetattr(0, &c->saved_tio) == 0) {
		tio = c->saved_tio;
		cfmakeraw(&tio);
		tio.c_oflag |= OPOST | ONLCR; /* keep host output readable */
		if (tcsetattr(0, TCSANOW, &tio) == 0)
			c->raw_tty = true;
	}
	return 0;
}

static int open_pty(struct chardev *c, const char *cfg_id)
{
	int master, slave;
	char name[128];
	struct termios tio;

	if (openpty(&master, &slave, name, NULL, NULL) < 0) {
		log_err("openpty: %s", strerror(errno));
		return -errno;
	}
	if (tcgetattr(slave, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(slave, TCSANOW, &tio);
	}
	close(slave);
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(master, F_SETFL, O_NONBLOCK);
	c->in_fd = c->out_fd = master;
	c->path = xstrdup(name);
	/* CLI output, as QEMU prints it: users need the path to attach. */
	fprintf(stderr, "char device redirected to %s (label %s)\n", name,
		cfg_id ? cfg_id : "serial");
	return 0;
}

static int open_file(struct chardev *c, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	if (fd < 0) {
		log_err("chardev file %s: %s", path, strerror(errno));
		return -errno;
	}
	c->out_fd = fd;
	return 0;
}

/* Shared by chardev sockets and QMP: a listening unix or tcp socket. */
int chardev_listen(const struct chardev_cfg *cfg)
{
	int fd;

	if (cfg->kind == CHARDEV_UNIX) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		if (strlen(cfg->path) >= sizeof(sa.sun_path)) {
			log_err("socket path %s: too long", cfg->path);
			return -ENAMETOOLONG;
		}
		strcpy(sa.sun_path, cfg->path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -errno;
		unlink(cfg->path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto err;
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons(cfg->port) };
		int one = 1;

		if (inet_pton(AF_INET, cfg->host ? cfg->host : "0.0.0.0",
			      &sa.sin_addr) != 1) {
			log_err("socket host %s: not an IPv4 address", cfg->host);
			return -EINVAL;
		}
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -errno;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto err;
	}
	if (listen(fd, 8) < 0)
		goto err;
	return fd;
err:
	log_err("socket %s: %s",
		cfg->kind == CHARDEV_UNIX ? cfg->path : "tcp", strerror(errno));
	{
		int e = -errno;

		close(fd);
		return e;
	}
}

static int open_socket(struct chardev *c, const struct chardev_cfg *cfg)
{
	int fd = chardev_listen(cfg);

	if (fd < 0)
		return fd;
	c->listen_fd = fd;
	if (cfg->kind == CHARDEV_UNIX)
		c->path = xstrdup(cfg->path);
	return eventloop_add(c->loop, fd, EPOLLIN, on_accept, c);
}

static int open_kind(struct chardev *c, const struct chardev_cfg *cfg)
{
	switch (cfg->kind) {
	case CHARDEV_STDIO:
		return open_stdio(c);
	case CHARDEV_PTY:
		return open_pty(c, cfg->id);
	case CHARDEV_FILE:
		return open_file(c, cfg->path);
	case CHARDEV_UNIX:
	case CHARDEV_TCP:
		return open_socket(c, cfg);
	default:
		return -EINVAL;
	}
}

int chardev_create(const struct chardev_cfg *cfg, struct eventloop *loop,
		   struct chardev **out)
{
	struct chardev *c = xcalloc(1, sizeof(*c));
	int ret;

	c->kind = cfg->kind;
	c->loop = loop;
	c->in_fd = c->out_fd = c->listen_fd = -1;
	pthread_mutex_init(&c->out_lock, NULL);
	ret = open_kind(c, cfg);
	if (ret < 0) {
		chardev_destroy(c);
		return ret;
	}
	if (c->in_fd >= 0 && c->kind != CHARDEV_UNIX && c->kind != CHARDEV_TCP) {
		if (c->kind == CHARDEV_STDIO)
			fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
		if (eventloop_add(loop, c->in_fd, EPOLLIN, on_input, c) < 0)
			log_debug("input of chardev not pollable");
	}
	*out = c;
	return 0;
}

void chardev_set_input(struct chardev *c, chardev_input_fn fn, void *opaque)
{
	c->input = fn;
	c->opaque = opaque;
}

void chardev_set_conn(struct chardev *c, chardev_conn_fn fn, void *opaque)
{
	c->conn = fn;
	c->conn_opaque = opaque;
}

bool chardev_connected(struct chardev *c)
{
	bool r;

	pthread_mutex_lock(&c->out_lock);
	r = c->out_fd >= 0;
	pthread_mutex_unlock(&c->out_lock);
	return r;
}

void chardev_pause_input(struct chardev *c, bool pause)
{
	pthread_mutex_lock(&c->out_lock);
	if (c->input_paused != pause) {
		c->input_paused = pause;
		if (c->in_fd >= 0 && c->loop &&
		    eventloop_mod(c->loop, c->in_fd, in_events(c)) < 0)
			log_warn_ratelimited("chardev: cannot %s input",
					     pause ? "pause" : "resume");
	}
	pthread_mutex_unlock(&c->out_lock);
}

const char *chardev_path(const struct chardev *c)
{
	return c->path;
}

void chardev_destroy(struct chardev *c)
{
	if (!c)
		return;
	if (c->out_polled)
		eventloop_del(c->loop, c->out_fd);
	if (c->in_fd >= 0 && c->loop)
		eventloop_del(c->loop, c->in_fd);
	if (c->raw_tty)
		tcsetattr(0, TCSANOW, &c->saved_tio);
	if (c->kind == CHARDEV_STDIO) {
		if (c->in_fd == 0)
			fcntl(0, F_SETFL, fcntl(0, F_GETFL) & ~O_NONBLOCK);
	} else if (c->in_fd >= 0) {
		close(c->in_fd);
	} else if (c->out_fd >= 0) {
		close(c->out_fd);
	}
	if (c->listen_fd >= 0) {
		if (c->loop)
			eventloop_del(c->loop, c->listen_fd);
		close(c->listen_fd);
		if (c->kind == CHARDEV_UNIX && c->path)
			unlink(c->path);
	}
	pthread_mutex_destroy(&c->out_lock);
	free(c->path);
	free(c);
}
