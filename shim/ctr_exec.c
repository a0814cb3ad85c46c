// SPDX-License-Identifier: MIT
/*
 * exec sessions in the container monitor: an `exec` proxy hands over its
 * stdio fds (SCM_RIGHTS) and the process spec on the control socket; the
 * monitor runs it on a new agent stream, relays stdin/stdout/stderr
 * between those fds and the agent, and writes "exit N" back to the proxy
 * when the agent reports the process's end. Stream ids from 2 (1 is the
 * container process).
 */
#include "shim/ctr_exec.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shim/agent_client.h"

#define LOG_MODULE "monitor"
#include "sv/log.h"

static void sess_close(struct exec_sess *x, const char *reply)
{
	if (x->ctl >= 0 && reply && write(x->ctl, reply, strlen(reply)) < 0)
		log_warn("exec reply: %s", strerror(errno));
	for (int i = 0; i < 3; i++)
		if (x->fd[i] >= 0)
			close(x->fd[i]);
	if (x->ctl >= 0)
		close(x->ctl);
	memset(x, 0, sizeof(*x));
	x->ctl = x->fd[0] = x->fd[1] = x->fd[2] = -1;
}

void exec_table_init(struct exec_table *t)
{
	memset(t, 0, sizeof(*t));
	t->next_stream = 2;
	for (int i = 0; i < EXEC_MAX; i++) {
		struct exec_sess *x = &t->s[i];

		x->ctl = x->fd[0] = x->fd[1] = x->fd[2] = -1;
	}
}

static struct exec_sess *by_stream(struct exec_table *t, uint32_t stream)
{
	for (int i = 0; i < EXEC_MAX; i++)
		if (t->s[i].used && t->s[i].stream == stream)
			return &t->s[i];
	return NULL;
}

int exec_begin(struct exec_table *t, struct agent_client *c, int ctl,
	       const int fds[3], const uint8_t *spec, size_t len)
{
	struct exec_sess *x = NULL;
	int ret;

	for (int i = 0; i < EXEC_MAX && !x; i++)
		if (!t->s[i].used)
			x = &t->s[i];
	if (!x)
		return -EBUSY;
	x->stream = t->next_stream++;
	ret = agent_client_exec(c, x->stream, spec, len);
	if (ret < 0)
		return ret;
	x->used = true;
	x->ctl = ctl;
	memcpy(x->fd, fds, sizeof(x->fd));
	return 0;
}

void exec_write_all(int fd, const uint8_t *p, size_t n)
{
	while (fd >= 0 && n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

bool exec_frame(struct exec_table *t, const struct agent_msg *m)
{
	struct exec_sess *x = by_stream(t, m->hdr.stream);
	struct agent_exit ex;
	char msg[64];

	if (!x)
		return false;
	switch (m->hdr.type) {
	case AGENT_MSG_STARTED:
		x->started = x->stdin_open = true;
		snprintf(msg, sizeof(msg), "ok %u\n", x->stream);
		if (write(x->ctl, msg, strlen(msg)) < 0)
			log_warn("exec reply: %s", strerror(errno));
		break;
	case AGENT_MSG_ERROR:
		sess_close(x, "err the guest agent could not run the process\n");
		break;
	case AGENT_MSG_STDOUT:
		exec_write_all(x->fd[1], m->payload, m->hdr.len);
		break;
	case AGENT_MSG_STDERR:
		exec_write_all(x->fd[2], m->payload, m->hdr.len);
		break;
	case AGENT_MSG_EXIT:
		snprintf(msg, sizeof(msg), "exit %d\n",
			 agent_exit_decode(&ex, m->payload, m->hdr.len) == 0 ?
				 agent_exit_status(&ex) :
				 255);
		sess_close(x, msg);
		break;
	default:
		break;
	}
	return true;
}

int exec_pollfds(struct exec_table *t, struct pollfd *p)
{
	int n = 0;

	for (int i = 0; i < EXEC_MAX; i++) {
		struct exec_sess *x = &t->s[i];

		p[n++] = (struct pollfd){
			.fd = x->used && x->stdin_open ? x->fd[0] : -1,
			.events = POLLIN
		};
	}
	return n;
}

void exec_stdin(struct exec_table *t, struct agent_client *c,
		const struct pollfd *p)
{
	uint8_t buf[16384];

	for (int i = 0; i < EXEC_MAX; i++) {
		struct exec_sess *x = &t->s[i];
		ssize_t n;

		if (p[i].fd < 0 ||
		    !(p[i].revents & (POLLIN | POLLHUP | POLLNVAL)))
			continue;
		n = read(x->fd[0], buf, sizeof(buf));
		if (n > 0) {
			if (agent_client_stdin(c, x->stream, buf, (size_t)n) < 0)
				x->stdin_open = false;
		} else if (n == 0 || errno != EINTR) {
			x->stdin_open = false;
			if (agent_client_stdin_eof(c, x->stream) < 0)
				log_warn("exec stdin EOF to the agent failed");
		}
	}
}

int exec_signal(struct exec_table *t, struct agent_client *c, uint32_t stream,
		int sig)
{
	if (!by_stream(t, stream))
		return -ESRCH;
	return agent_client_signal(c, stream, sig);
}

void exec_end_all(struct exec_table *t)
{
	for (int i = 0; i < EXEC_MAX; i++)
		if (t->s[i].used)
			sess_close(&t->s[i], "exit 137\n");
}
