// SPDX-License-Identifier: MIT
/*
 * Container bundles in the monitor: boot the VM to "agent ready" (QMP
 * cont, connect to the agent's port, HELLO/READY), then serve until the
 * workload ends: `start` and `kill` arrive on the control socket
 * <state>/ctl.sock (ctr_ctl.c), the container's stdin goes to the agent,
 * its stdout and stderr come back separately, and the workload's EXIT
 * ends the monitor with that status after the VM was powered off.
 *
 * The loop never blocks on one peer: frames to the agent are queued
 * (agent_client_set_queued) and stdin is read only while that queue is
 * under RELAY_Q_MAX; output to local readers is queued per reader and the
 * agent is not read while any reader's queue is over RELAY_Q_MAX. The
 * monitor also ends (killing the VM) when its state directory is removed.
 * Everything from the agent is untrusted (agent_client.c validates the
 * framing).
 */
#include "shim/shim.h"
#include "shim/ctr_serve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim/agent_client.h"
#include "sv/err.h"

#define LOG_MODULE "monitor"
#include "sv/log.h"

/* The agent's port socket, retried while the VMM is not listening yet. */
static int agent_connect(struct agent_client *c, const char *path,
			 int timeout_ms)
{
	long deadline = serve_now_ms() + timeout_ms;
	int fd, ret;

	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		ret = shim_unix_connect(fd, path);
		if (ret == 0)
			break;
		close(fd);
		if ((ret != -ENOENT && ret != -ECONNREFUSED) ||
		    serve_now_ms() >= deadline)
			return ret;
		usleep(20 * 1000);
	}
	agent_client_init(c, fd);
	return 0;
}

int agent_boot(const struct monitor_args *a, struct agent_client **out,
	       int *ctl_fd, struct sv_err *e)
{
	struct agent_client *c;
	int ret;

	/* Listening before create returns, so an immediate start finds it. */
	*ctl_fd = ctl_listen_open(a->ctl_path, e);
	if (*ctl_fd < 0)
		return *ctl_fd;
	ret = qmp_run(a->qmp_path, "cont", e);
	if (ret < 0)
		return ret;
	c = calloc(1, sizeof(*c));
	if (!c)
		return sv_err_set(e, ENOMEM, "out of memory");
	agent_client_init(c, -1);
	ret = agent_connect(c, a->agent_path, a->ready_timeout_ms);
	if (ret == 0)
		ret = agent_client_handshake(c, a->ready_timeout_ms);
	if (ret == 0)
		ret = agent_client_set_queued(c);
	if (ret < 0) {
		agent_client_close(c);
		free(c);
		return sv_err_set(e, -ret,
				  "guest agent not ready after %d ms: %s",
				  a->ready_timeout_ms, strerror(-ret));
	}
	*out = c;
	return 0;
}

/* Guest bytes for a terminal: printable ASCII, the rest as '?'. */
static void guest_text(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < cap; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[i] = '\0';
}

static void on_frame(struct serve *s, const struct agent_msg *m)
{
	const struct agent_hdr *h = &m->hdr;
	struct agent_exit ex;
	char msg[160], text[101];

	if (h->stream != CTR_STREAM && h->stream != AGENT_CTRL_STREAM) {
		exec_frame(&s->ex, s->c, m); /* unknown streams are ignored */
		return;
	}
	switch (h->type) {
	case AGENT_MSG_STARTED:
		s->started = true;
		s->stdin_open = true;
		ctl_done(s, "ok\n");
		break;
	case AGENT_MSG_ERROR:
		guest_text(text, sizeof(text), m->payload + 4,
			   h->len > 4 ? h->len - 4 : 0);
		snprintf(msg, sizeof(msg), "err the guest agent refused: %s\n",
			 text);
		ctl_done(s, msg);
		break;
	case AGENT_MSG_STDOUT:
	case AGENT_MSG_STDERR:
		relay_put(&s->out[h->type == AGENT_MSG_STDERR], m->payload,
			  h->len);
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
	ssize_t n = relay_read(&s->in, buf, sizeof(buf));

	if (n > 0) {
		if (agent_client_stdin(s->c, CTR_STREAM, buf, (size_t)n) < 0)
			s->stdin_open = false;
		return;
	}
	if (n == -EAGAIN || n == -EINTR)
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
	int ret = agent_client_pump(s->c);

	if (ret <= 0)
		return false;
	while (!s->exited && (ret = agent_client_next(s->c, &m)) == 1)
		on_frame(s, &m);
	return ret >= 0;
}

/* Some local reader is over its cap: leave the agent's data where it is. */
static bool readers_full(const struct serve *s)
{
	return relay_full(&s->out[0]) || relay_full(&s->out[1]) ||
	       exec_full(&s->ex);
}

static bool state_dir_gone(const struct serve *s)
{
	struct stat st;

	return s->state_dir >= 0 &&
	       (fstat(s->state_dir, &st) < 0 || st.st_nlink == 0);
}

enum {
	P_AGENT,
	P_STDIN,
	P_OUT,
	P_ERR,
	P_CTL,
	P_EXEC = P_CTL + CTL_POLLFDS,
	P_N = P_EXEC + EXEC_POLLFDS
};

static void fill_pollfds(struct serve *s, struct pollfd *p)
{
	bool tx_room = agent_client_pending(s->c) < RELAY_Q_MAX;

	p[P_AGENT] = (struct pollfd){
		.fd = s->c->fd,
		.events = (short)((readers_full(s) ? 0 : POLLIN) |
				  (agent_client_pending(s->c) ? POLLOUT : 0))
	};
	p[P_STDIN] =
		(struct pollfd){ .fd = s->stdin_open && tx_room ? s->in.fd : -1,
				 .events = POLLIN };
	for (int k = 0; k < 2; k++)
		p[P_OUT + k] = (struct pollfd){
			.fd = relay_pending(&s->out[k]) ? s->out[k].fd : -1,
			.events = POLLOUT
		};
	ctl_pollfds(s, p + P_CTL);
	exec_pollfds(&s->ex, p + P_EXEC, tx_room);
}

/* One turn of the loop; false when the agent connection is over. */
static bool serve_once(struct serve *s, struct pollfd *p)
{
	const short any = POLLIN | POLLOUT | POLLHUP | POLLERR | POLLNVAL;

	if (p[P_AGENT].revents & POLLOUT && agent_client_flush(s->c) < 0)
		return false;
	if ((p[P_AGENT].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    !agent_input(s))
		return false;
	for (int k = 0; k < 2; k++)
		if (p[P_OUT + k].fd >= 0 && (p[P_OUT + k].revents & any))
			relay_flush(&s->out[k]);
	if (p[P_STDIN].fd >= 0 && (p[P_STDIN].revents & any))
		relay_stdin(s);
	ctl_events(s, p + P_CTL);
	exec_events(&s->ex, s->c, p + P_EXEC);
	return true;
}

/* The workload ended: its last output reaches the readers still there. */
static void drain(struct serve *s)
{
	struct pollfd p[P_N];

	while (relay_pending(&s->out[0]) || relay_pending(&s->out[1]) ||
	       exec_pending(&s->ex)) {
		for (int i = 0; i < P_N; i++)
			p[i] = (struct pollfd){ .fd = -1 };
		for (int k = 0; k < 2; k++)
			p[P_OUT + k] = (struct pollfd){
				.fd = relay_pending(&s->out[k]) ? s->out[k].fd :
								  -1,
				.events = POLLOUT
			};
		exec_pollfds(&s->ex, p + P_EXEC, false);
		if (poll(p, P_N, 1000) < 0 && errno != EINTR)
			return;
		if (state_dir_gone(s))
			return;
		for (int k = 0; k < 2; k++)
			if (p[P_OUT + k].fd >= 0 && p[P_OUT + k].revents)
				relay_flush(&s->out[k]);
		exec_events(&s->ex, s->c, p + P_EXEC);
	}
}

static int finish(struct serve *s)
{
	int st = 0, waited = 0;

	if (s->exited && agent_client_poweroff(s->c) < 0)
		log_warn("poweroff request to the agent failed");
	drain(s);
	exec_end_all(&s->ex);
	while (waitpid(s->vmm, &st, WNOHANG) == 0 && waited < 10000) {
		if (agent_client_flush(s->c) < 0)
			agent_client_close(s->c);
		usleep(10000);
		waited += 10;
	}
	if (waited >= 10000) {
		kill(s->vmm, SIGKILL);
		waitpid(s->vmm, &st, 0);
	}
	return s->exited ? s->status : shim_exit_code(st);
}

static int open_state_dir(const char *ctl_path)
{
	char *dir = strdup(ctl_path), *slash = dir ? strrchr(dir, '/') : NULL;
	int fd = -1;

	if (slash) {
		*slash = '\0';
		fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	free(dir);
	return fd;
}

SV_NORETURN void agent_serve(const struct monitor_args *a,
			     struct agent_client *c, int ctl_fd, pid_t vmm)
{
	struct serve s = { .a = a,
			   .c = c,
			   .vmm = vmm,
			   .ctl_client = -1,
			   .ctl_listen = ctl_fd };
	struct pollfd p[P_N];
	int st;

	s.state_dir = open_state_dir(a->ctl_path);
	relay_end_init(&s.in, 0, O_RDONLY);
	relay_end_init(&s.out[0], 1, O_WRONLY);
	relay_end_init(&s.out[1], 2, O_WRONLY);
	ctl_init(&s);
	exec_table_init(&s.ex);
	while (!s.exited) {
		fill_pollfds(&s, p);
		if (poll(p, P_N, 200) < 0 && errno != EINTR)
			break;
		if (waitpid(vmm, &st, WNOHANG) == vmm) {
			drain(&s); /* what the workload wrote still goes out */
			exec_end_all(&s.ex);
			_exit(shim_exit_code(st));
		}
		if (state_dir_gone(&s)) {
			log_warn("state directory removed: stopping the VM");
			kill(vmm, SIGKILL);
			waitpid(vmm, &st, 0);
			_exit(137);
		}
		if (!serve_once(&s, p))
			break;
	}
	ctl_fini(&s);
	_exit(finish(&s));
}
