// SPDX-License-Identifier: MIT
/*
 * sv-agent: the guest agent (DESIGN.md 3.3). In the VM it is PID 1 of the
 * initramfs: it mounts the root disk, opens the virtio-serial port and
 * serves the shim's requests (include/sv/agent_proto.h) until POWEROFF or
 * the channel's end, then powers the VM off.
 *
 * For tests on the host: sv-agent --root DIR (--listen SOCK | --channel PATH
 * | --fd N) [-v] serves the same protocol with DIR as the container root
 * and never mounts a disk nor powers anything off.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "contrib/agent/agent.h"

#define AGENT_VERSION_STR "sv-agent 1"

void agent_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, "sv-agent: ", 10) < 0 ||
	    write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			poll(&pfd, 1, 1000);
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int agent_send(struct agent *a, uint8_t type, uint32_t stream,
	       const void *payload, size_t len)
{
	int ret;

	if (a->chan < 0 || len > AGENT_MAX_PAYLOAD)
		return -EINVAL;
	agent_hdr_encode(a->tx, type, stream, (uint32_t)len);
	if (len)
		memcpy(a->tx + AGENT_HDR_SIZE, payload, len);
	ret = write_all(a->chan, a->tx, AGENT_HDR_SIZE + len);
	if (ret < 0)
		agent_log("channel write: %s", strerror(-ret));
	return ret;
}

int agent_send_error(struct agent *a, uint32_t stream, int err,
		     const char *what)
{
	uint8_t buf[260];
	int n;

	agent_put_u32(buf, (uint32_t)err);
	n = snprintf((char *)buf + 4, sizeof(buf) - 4, "%s: %s", what,
		     strerror(err));
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(buf) - 5)
		n = (int)sizeof(buf) - 5;
	agent_log("stream %u: %s", stream, (char *)buf + 4);
	return agent_send(a, AGENT_MSG_ERROR, stream, buf, 4 + (size_t)n);
}

static void handle_start(struct agent *a, const struct agent_hdr *h,
			 const uint8_t *pl)
{
	bool is_init = h->type == AGENT_MSG_START;
	int ret;

	if (h->stream == AGENT_CTRL_STREAM || proc_find(a, h->stream)) {
		agent_send_error(a, h->stream, EEXIST, "stream");
		return;
	}
	if (is_init == a->started) {
		agent_send_error(a, h->stream, is_init ? EALREADY : ESRCH,
				 is_init ? "start" : "exec before start");
		return;
	}
	ret = agent_spec_decode(&a->spec, pl, h->len);
	if (ret < 0) {
		agent_send_error(a, h->stream, -ret, "process spec");
		return;
	}
	if (is_init) {
		ret = sys_setup_root(a, &a->spec);
		if (ret < 0) {
			agent_send_error(a, h->stream, -ret, "container setup");
			return;
		}
		a->started = true;
	}
	proc_spawn(a, h->stream, is_init);
}

static void handle_proc_msg(struct agent *a, const struct agent_hdr *h,
			    const uint8_t *pl)
{
	struct aproc *p = proc_find(a, h->stream);
	uint32_t sig, fl;

	if (!p) {
		agent_dbg(a, "frame type %u for unknown stream %u", h->type,
			  h->stream);
		return;
	}
	switch (h->type) {
	case AGENT_MSG_STDIN:
		proc_stdin(a, p, pl, h->len);
		break;
	case AGENT_MSG_STDIN_EOF:
		proc_stdin_eof(p);
		break;
	case AGENT_MSG_SIGNAL:
		if (agent_signal_decode(&sig, &fl, pl, h->len) == 0)
			proc_signal(a, p, (int)sig, fl & AGENT_SIGNAL_ALL);
		break;
	case AGENT_MSG_WINSIZE:
		if (h->len == 4 && p->tty_fd >= 0) {
			struct winsize ws = {
				.ws_row = (unsigned short)(pl[0] | pl[1] << 8),
				.ws_col = (unsigned short)(pl[2] | pl[3] << 8),
			};
			ioctl(p->tty_fd, TIOCSWINSZ, &ws);
		}
		break;
	default:
		break;
	}
}

/* Returns 1 to go on, 0 to shut down. */
static int handle_frame(struct agent *a, const struct agent_hdr *h,
			const uint8_t *pl)
{
	agent_dbg(a, "rx type %u stream %u len %u", h->type, h->stream, h->len);
	switch (h->type) {
	case AGENT_MSG_HELLO:
		agent_send(a, AGENT_MSG_READY, AGENT_CTRL_STREAM,
			   AGENT_VERSION_STR, strlen(AGENT_VERSION_STR));
		return 1;
	case AGENT_MSG_START:
	case AGENT_MSG_EXEC:
		handle_start(a, h, pl);
		return 1;
	case AGENT_MSG_POWEROFF:
		return 0;
	default:
		handle_proc_msg(a, h, pl);
		return 1;
	}
}

/* Read from the channel and handle whole frames; 0 on EOF or POWEROFF. */
static int chan_readable(struct agent *a)
{
	struct agent_hdr h;
	const uint8_t *pl;
	size_t off = 0;
	ssize_t n;
	long fl;

	n = read(a->chan, a->rx + a->have, sizeof(a->rx) - a->have);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0 && a->vm) {
		/* A virtio-serial port reads EOF (and polls HUP) while no host
		 * is connected: wait for one, never give up the VM for it. */
		a->chan_wait = true;
		a->have = 0;
		return 1;
	}
	if (n == 0)
		return 0;
	a->have += (size_t)n;
	while ((fl = agent_frame_parse(a->rx + off, a->have - off, &h, &pl)) >
	       0) {
		off += (size_t)fl;
		if (!handle_frame(a, &h, pl))
			return 0;
	}
	if (fl < 0) {
		agent_log("bad frame from host (%s), dropping input",
			  strerror((int)-fl));
		off = a->have;
	}
	memmove(a->rx, a->rx + off, a->have - off);
	a->have -= off;
	return 1;
}

/* Collect the poll set: channel, signalfd, every open stdout/stderr. */
static nfds_t loop_fds(struct agent *a, struct pollfd *pfd,
		       struct aproc **owner)
{
	/* Stop taking stdin from the host while too much of it waits. */
	bool hold = a->chan_wait || proc_stdin_queued(a) >= AGENT_STDIN_QUEUE;
	nfds_t n = 2;

	pfd[0] = (struct pollfd){ .fd = hold ? -1 : a->chan, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = a->sigfd, .events = POLLIN };
	for (int i = 0; i < AGENT_MAX_PROCS; i++) {
		struct aproc *p = &a->procs[i];

		if (!p->used)
			continue;
		if (p->in_fd >= 0 && p->inq_len) {
			owner[n] = p;
			pfd[n++] = (struct pollfd){ .fd = p->in_fd,
						    .events = POLLOUT };
		}
		if (p->out_fd >= 0) {
			owner[n] = p;
			pfd[n++] = (struct pollfd){ .fd = p->out_fd,
						    .events = POLLIN };
		}
		if (p->err_fd >= 0) {
			owner[n] = p;
			pfd[n++] = (struct pollfd){ .fd = p->err_fd,
						    .events = POLLIN };
		}
	}
	return n;
}

long agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Poll timeout: retry a disconnected port every 100 ms; in the VM, give
 * the host AGENT_LINGER_MS after the container's exit to send POWEROFF. */
static int loop_timeout(const struct agent *a)
{
	int t = a->chan_wait ? 100 : -1;
	long left;

	if (a->vm && a->init_exited) {
		left = a->init_exit_ms + AGENT_LINGER_MS - agent_now_ms();
		left = left < 0 ? 0 : left;
		if (t < 0 || left < t)
			t = (int)left;
	}
	return t;
}

static void agent_loop(struct agent *a)
{
	struct pollfd pfd[2 + 3 * AGENT_MAX_PROCS];
	struct aproc *owner[2 + 3 * AGENT_MAX_PROCS];
	nfds_t n;
	int ret;

	for (;;) {
		n = loop_fds(a, pfd, owner);
		ret = poll(pfd, n, loop_timeout(a));
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			agent_log("poll: %m");
			return;
		}
		if (ret == 0) {
			a->chan_wait = false;
			if (a->vm && a->init_exited &&
			    agent_now_ms() >= a->init_exit_ms + AGENT_LINGER_MS)
				return;
			continue;
		}
		for (nfds_t i = 2; i < n; i++)
			if (pfd[i].revents)
				proc_relay(a, owner[i], pfd[i].fd);
		if (pfd[1].revents)
			proc_reap(a);
		if (pfd[0].revents && !chan_readable(a))
			return;
	}
}

static int listen_once(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	unlink(path);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 1) < 0) {
		fd = -errno;
		close(lfd);
		return fd;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	close(lfd);
	unlink(path);
	return fd;
}

static int usage(void)
{
	agent_log("usage: sv-agent [--root DIR] [--listen SOCK | --channel "
		  "PATH | --fd N] [-v]");
	return 2;
}

/* Host mode arguments; in the VM (PID 1, no --root) there are none. */
static int parse_args(struct agent *a, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(opt, "-v")) {
			a->debug = true;
			continue;
		}
		if (!val)
			return -EINVAL;
		i++;
		if (!strcmp(opt, "--root"))
			a->root = val;
		else if (!strcmp(opt, "--listen"))
			a->chan = listen_once(val);
		else if (!strcmp(opt, "--channel"))
			a->chan = open(val, O_RDWR | O_CLOEXEC | O_NOCTTY);
		else if (!strcmp(opt, "--fd"))
			a->chan = fcntl(atoi(val), F_DUPFD_CLOEXEC, 3);
		else
			return -EINVAL;
		if (a->chan < 0 && strcmp(opt, "--root"))
			return a->chan == -1 ? -errno : a->chan;
	}
	return 0;
}

static int agent_setup_signals(struct agent *a)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	a->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return a->sigfd < 0 ? -errno : 0;
}

static int agent_open_channel(struct agent *a)
{
	char port[128];
	int ret;

	if (!a->vm)
		return a->chan >= 0 && a->root ? 0 : -EINVAL;
	ret = sys_vm_init(a, port, sizeof(port));
	if (ret < 0)
		return ret;
	a->chan = sys_open_port(port);
	return a->chan < 0 ? a->chan : 0;
}

int main(int argc, char **argv)
{
	static struct agent agent = { .chan = -1, .sigfd = -1 };
	struct agent *a = &agent;
	int ret;

	for (int i = 0; i < AGENT_MAX_PROCS; i++)
		a->procs[i].used = false;
	ret = parse_args(a, argc, argv);
	if (ret < 0) {
		agent_log("arguments: %s", strerror(-ret));
		return usage();
	}
	a->vm = getpid() == 1 && !a->root;
	ret = agent_setup_signals(a);
	if (ret == 0)
		ret = agent_open_channel(a);
	if (ret < 0) {
		agent_log("setup: %s", strerror(-ret));
		if (a->vm)
			sys_poweroff(a);
		return ret == -EINVAL ? usage() : 1;
	}
	/* READY answers the host's HELLO: a virtio-serial write with nobody
	 * connected on the host side could block. */
	agent_loop(a);
	agent_dbg(a, "shutting down");
	proc_kill_all(a);
	if (a->vm)
		sys_poweroff(a);
	return 0;
}
