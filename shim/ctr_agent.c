// SPDX-License-Identifier: MIT
/*
 * Container bundles in the monitor: boot the VM to "agent ready" (QMP
 * cont, connect to the agent's port, HELLO/READY), then serve until the
 * workload ends: `start` and `kill` arrive on the control socket
 * <state>/ctl.sock as one line each ("start", "kill N"), the container's
 * stdin goes to the agent, its stdout and stderr come back separately, and
 * the workload's EXIT ends the monitor with that status after the VM was
 * powered off. Everything from the agent is untrusted (agent_client.c
 * validates the framing; here every payload length is checked again).
 */
#include "shim/shim.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shim/agent_client.h"
#include "shim/ctr_exec.h"
#include "sv/err.h"

#define LOG_MODULE "monitor"
#include "sv/log.h"

#define CTR_STREAM 1u
#define CTL_LINE 128

struct serve {
	const struct monitor_args *a;
	struct agent_client *c;
	pid_t vmm;
	int ctl_listen;
	int ctl_client;		/* waiting for STARTED/ERROR, or -1 */
	bool started;
	bool stdin_open;
	bool exited;
	int status;		/* the workload's, once exited */
	struct exec_table ex;
};

static int unix_listen(const char *path, struct sv_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return sv_err_set(e, ENAMETOOLONG, "%s: path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sv_err_set(e, errno, "socket: %s", strerror(errno));
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0) {
		int err = errno;

		close(fd);
		return sv_err_set(e, err, "%s: %s", path, strerror(err));
	}
	return fd;
}

int agent_boot(const struct monitor_args *a, struct agent_client **out,
	       int *ctl_fd, struct sv_err *e)
{
	struct agent_client *c;
	int ret;

	/* Listening before create returns, so an immediate start finds it. */
	*ctl_fd = unix_listen(a->ctl_path, e);
	if (*ctl_fd < 0)
		return *ctl_fd;
	ret = qmp_run(a->qmp_path, "cont", e);
	if (ret < 0)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c)
		return sv_err_set(e, ENOMEM, "out of memory");
	agent_client_init(c, -1);
	ret = agent_client_connect(c, a->agent_path, a->ready_timeout_ms);
	if (ret == 0)
		ret = agent_client_handshake(c, a->ready_timeout_ms);
	if (ret < 0) {
		agent_client_close(c);
		free(c);
		return sv_err_set(e, -ret, "guest agent not ready after %d ms: %s",
				  a->ready_timeout_ms, strerror(-ret));
	}
	*out = c;
	return 0;
}

static void ctl_reply(int fd, const char *msg)
{
	if (fd >= 0 && write(fd, msg, strlen(msg)) < 0)
		log_warn("control reply: %s", strerror(errno));
}

static void ctl_done(struct serve *s, const char *msg)
{
	ctl_reply(s->ctl_client, msg);
	if (s->ctl_client >= 0)
		close(s->ctl_client);
	s->ctl_client = -1;
}

/* One request line from a CLI call; start answers when the agent did. */
static void ctl_handle(struct serve *s, int fd, const char *line)
{
	unsigned int stream;
	int sig, ret = -EINVAL;

	if (!strcmp(line, "start") && !s->started && s->ctl_client < 0) {
		ret = agent_client_start(s->c, CTR_STREAM, s->a->spec,
					 s->a->spec_len);
		if (ret == 0) {
			s->ctl_client = fd;
			return;
		}
	} else if (sscanf(line, "kill %d", &sig) == 1 && s->started &&
		   !s->exited) {
		ret = agent_client_signal(s->c, CTR_STREAM, sig);
	} else if (sscanf(line, "sig %u %d", &stream, &sig) == 2) {
		ret = exec_signal(&s->ex, s->c, stream, sig);
	}
	ctl_reply(fd, ret == 0 ? "ok\n" : "err request refused\n");
	close(fd);
}

/* "exec LEN\n" + LEN spec bytes, with the proxy's stdio as SCM_RIGHTS. */
static void ctl_exec(struct serve *s, int fd, const char *buf, size_t have,
		     const int fds[3])
{
	uint8_t *spec = NULL;
	size_t len = 0, nl = strcspn(buf, "\n");
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (sscanf(buf, "exec %zu", &len) == 1 && len <= AGENT_MAX_PAYLOAD &&
	    nl < have && s->started && !s->exited)
		spec = malloc(len ? len : 1);
	if (spec) {
		have -= nl + 1;
		memcpy(spec, buf + nl + 1, have < len ? have : len);
		while (have < len && poll(&p, 1, 2000) == 1 &&
		       (n = read(fd, spec + have, len - have)) > 0)
			have += (size_t)n;
	}
	if (!spec || have < len ||
	    exec_begin(&s->ex, s->c, fd, fds, spec, len) < 0) {
		ctl_reply(fd, "err exec refused\n");
		close(fd);
		for (int i = 0; i < 3; i++)
			close(fds[i]);
	}
	free(spec);
}

/* One request; recvmsg takes up to 3 fds along (exec only). */
static ssize_t ctl_recv(int fd, char *buf, size_t cap, int fds[3])
{
	union {
		char b[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = cap - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.b,
			     .msg_controllen = sizeof(u.b) };
	struct cmsghdr *cm;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = poll(&p, 1, 2000) == 1 ? recvmsg(fd, &mh, MSG_CMSG_CLOEXEC) :
					    -1;

	fds[0] = fds[1] = fds[2] = -1;
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int got[3];

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    nfd > 3)
			continue;
		memcpy(got, CMSG_DATA(cm), nfd * sizeof(int));
		if (nfd == 3 && fds[0] < 0) {
			memcpy(fds, got, sizeof(got));
			continue;
		}
		for (size_t i = 0; i < nfd; i++) /* not what exec sends */
			close(got[i]);
	}
	return n;
}

static void ctl_accept(struct serve *s)
{
	char buf[CTL_LINE + 1];
	int fds[3];
	ssize_t n;
	int fd = accept4(s->ctl_listen, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	n = ctl_recv(fd, buf, sizeof(buf), fds);
	if (n > 0 && !strncmp(buf, "exec ", 5) && fds[0] >= 0) {
		ctl_exec(s, fd, buf, (size_t)n, fds);
		return;
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (n <= 0) {
		close(fd);
		return;
	}
	buf[strcspn(buf, "\n")] = '\0';
	ctl_handle(s, fd, buf);
}

static void on_frame(struct serve *s, const struct agent_msg *m)
{
	const struct agent_hdr *h = &m->hdr;
	struct agent_exit ex;
	char msg[160];

	if (h->stream != CTR_STREAM && h->stream != AGENT_CTRL_STREAM) {
		exec_frame(&s->ex, m); /* unknown streams are ignored */
		return;
	}
	switch (h->type) {
	case AGENT_MSG_STARTED:
		s->started = true;
		s->stdin_open = true;
		ctl_done(s, "ok\n");
		break;
	case AGENT_MSG_ERROR:
		snprintf(msg, sizeof(msg), "err the guest agent refused: %.*s\n",
			 h->len > 4 ? (int)(h->len - 4 < 100 ? h->len - 4 : 100) :
				      0,
			 h->len > 4 ? (const char *)m->payload + 4 : "");
		ctl_done(s, msg);
		break;
	case AGENT_MSG_STDOUT:
		exec_write_all(1, m->payload, h->len);
		break;
	case AGENT_MSG_STDERR:
		exec_write_all(2, m->payload, h->len);
		break;
	case AGENT_MSG_EXIT:
		if (agent_exit_decode(&ex, m->payload, h->len) == 0) {
			s->exited = true;
			s->status = agent_exit_status(&ex);
		}
		break;
	default:
		break;
	}
}

static void relay_stdin(struct serve *s)
{
	uint8_t buf[16384];
	ssize_t n = read(0, buf, sizeof(buf));

	if (n > 0) {
		if (agent_client_stdin(s->c, CTR_STREAM, buf, (size_t)n) < 0)
			s->stdin_open = false;
		return;
	}
	if (n < 0 && errno == EINTR)
		return;
	s->stdin_open = false;
	if (agent_client_stdin_eof(s->c, CTR_STREAM) < 0)
		log_warn("stdin EOF to the agent failed");
}

/* Read what is there and handle every complete frame; false when the
 * agent is gone (EOF) or broke the protocol. */
static bool agent_input(struct serve *s)
{
	struct agent_msg m;
	int ret = agent_client_recv(s->c, &m, 50);

	if (ret == -ETIMEDOUT)
		return true; /* a partial frame: the rest comes later */
	if (ret <= 0)
		return false;
	do
		on_frame(s, &m);
	while (!s->exited && (ret = agent_client_next(s->c, &m)) == 1);
	return ret >= 0;
}

static int finish(struct serve *s)
{
	int st = 0, waited = 0;

	if (s->exited && agent_client_poweroff(s->c) < 0)
		log_warn("poweroff request to the agent failed");
	while (waitpid(s->vmm, &st, WNOHANG) == 0 && waited < 10000) {
		usleep(10000);
		waited += 10;
	}
	if (waited >= 10000) {
		kill(s->vmm, SIGKILL);
		waitpid(s->vmm, &st, 0);
	}
	return s->exited ? s->status : shim_exit_code(st);
}

SV_NORETURN void agent_serve(const struct monitor_args *a,
			     struct agent_client *c, int ctl_fd, pid_t vmm)
{
	struct serve s = { .a = a, .c = c, .vmm = vmm, .ctl_client = -1,
			   .ctl_listen = ctl_fd };
	struct pollfd p[3 + EXEC_MAX];
	int st;

	exec_table_init(&s.ex);
	while (!s.exited) {
		p[0] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = s.ctl_listen, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = s.stdin_open ? 0 : -1,
					.events = POLLIN };
		exec_pollfds(&s.ex, p + 3);
		if (poll(p, 3 + EXEC_MAX, 200) < 0 && errno != EINTR)
			break;
		if (waitpid(vmm, &st, WNOHANG) == vmm)
			_exit(shim_exit_code(st));
		if ((p[0].revents & (POLLIN | POLLHUP)) && !agent_input(&s))
			break;
		if (p[1].revents & POLLIN)
			ctl_accept(&s);
		if (p[2].revents & (POLLIN | POLLHUP | POLLNVAL))
			relay_stdin(&s);
		exec_stdin(&s.ex, c, p + 3);
	}
	exec_end_all(&s.ex);
	ctl_done(&s, "err the container ended\n");
	_exit(finish(&s));
}

/* From a CLI call: one request line, one reply line. */
int ctl_request(const char *path, const char *req, int timeout_ms,
		struct sv_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char reply[200];
	struct pollfd p;
	ssize_t n = -1;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(fd, req, strlen(req)) < 0) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		return sv_err_set(e, err, "the container monitor (%s): %s",
				  path, strerror(err));
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) == 1)
		n = read(fd, reply, sizeof(reply) - 1);
	close(fd);
	if (n <= 0)
		return sv_err_set(e, ETIMEDOUT, "the container monitor did "
						"not answer \"%.20s\"", req);
	reply[n] = '\0';
	reply[strcspn(reply, "\n")] = '\0';
	if (strncmp(reply, "ok", 2))
		return sv_err_set(e, EIO, "%s",
				  !strncmp(reply, "err ", 4) ? reply + 4 :
							       reply);
	return 0;
}
