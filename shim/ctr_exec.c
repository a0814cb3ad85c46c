// SPDX-License-Identifier: MIT
/*
 * exec sessions in the container monitor: an `exec` proxy hands over its
 * stdio fds (SCM_RIGHTS) and the process spec on the control socket; the
 * monitor runs it on a new agent stream, relays stdin/stdout/stderr
 * between those fds and the agent without blocking (shim/relay.h), and
 * writes "exit N" back to the proxy once the agent reported the process's
 * end and its output reached the proxy. Stream ids from 2 (1 is the
 * container process).
 */
#include "shim/ctr_exec.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim/agent_client.h"

#define LOG_MODULE "monitor"
#include "sv/log.h"

static void sess_reset(struct exec_sess *x)
{
	memset(x, 0, sizeof(*x));
	x->ctl = x->in.fd = x->out[0].fd = x->out[1].fd = -1;
}

static void sess_close(struct exec_sess *x, const char *reply)
{
	if (x->ctl >= 0 && reply && write(x->ctl, reply, strlen(reply)) < 0)
		log_warn("exec reply: %s", strerror(errno));
	relay_end_close(&x->in);
	relay_end_close(&x->out[0]);
	relay_end_close(&x->out[1]);
	if (x->ctl >= 0)
		close(x->ctl);
	sess_reset(x);
}

void exec_table_init(struct exec_table *t)
{
	memset(t, 0, sizeof(*t));
	t->next_stream = 2;
	for (int i = 0; i < EXEC_MAX; i++)
		sess_reset(&t->s[i]);
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
	relay_end_init(&x->in, fds[0], O_RDONLY);
	relay_end_init(&x->out[0], fds[1], O_WRONLY);
	relay_end_init(&x->out[1], fds[2], O_WRONLY);
	return 0;
}

/* Ended and everything it wrote is out: tell the proxy. */
static void sess_maybe_done(struct exec_sess *x)
{
	char msg[32];

	if (!x->used || !x->exited || relay_pending(&x->out[0]) ||
	    relay_pending(&x->out[1]))
		return;
	snprintf(msg, sizeof(msg), "exit %d\n", x->status);
	sess_close(x, msg);
}

/* STARTED: "ok N" to the proxy; without a proxy, SIGKILL to the process
 * (its EXIT frame then ends the session and frees the slot). */
static void sess_started(struct exec_sess *x, struct agent_client *c)
{
	char msg[32];

	x->started = x->stdin_open = true;
	snprintf(msg, sizeof(msg), "ok %u\n", x->stream);
	if (send(x->ctl, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
		return;
	log_warn("exec stream %u: the proxy left before the process started "
		 "(%s): killing it", x->stream, strerror(errno));
	x->stdin_open = false;
	if (agent_client_signal(c, x->stream, SIGKILL) < 0)
		log_warn("exec stream %u: SIGKILL to the agent failed",
			 x->stream);
}

bool exec_frame(struct exec_table *t, struct agent_client *c,
		const struct agent_msg *m)
{
	struct exec_sess *x = by_stream(t, m->hdr.stream);
	struct agent_exit ex;

	if (!x)
		return false;
	switch (m->hdr.type) {
	case AGENT_MSG_STARTED:
		sess_started(x, c);
		break;
	case AGENT_MSG_ERROR:
		sess_close(x,
			   "err the guest agent could not run the process\n");
		break;
	case AGENT_MSG_STDOUT:
	case AGENT_MSG_STDERR:
		relay_put(&x->out[m->hdr.type == AGENT_MSG_STDERR], m->payload,
			  m->hdr.len);
		break;
	case AGENT_MSG_EXIT:
		x->exited = true;
		x->stdin_open = false;
		x->status =
			agent_exit_decode(&ex, m->payload, m->hdr.len) == 0 ?
				agent_exit_status(&ex) :
				255;
		sess_maybe_done(x);
		break;
	default:
		break;
	}
	return true;
}

void exec_pollfds(struct exec_table *t, struct pollfd *p, bool read_in)
{
	for (int i = 0; i < EXEC_MAX; i++) {
		struct exec_sess *x = &t->s[i];
		bool in = x->used && x->stdin_open && read_in;

		p[3 * i] = (struct pollfd){ .fd = in ? x->in.fd : -1,
					    .events = POLLIN };
		for (int k = 0; k < 2; k++)
			p[3 * i + 1 + k] = (struct pollfd){
				.fd = relay_pending(&x->out[k]) ? x->out[k].fd :
								  -1,
				.events = POLLOUT
			};
	}
}

static void sess_stdin(struct exec_sess *x, struct agent_client *c)
{
	uint8_t buf[16384];
	ssize_t n = relay_read(&x->in, buf, sizeof(buf));

	if (n > 0) {
		if (agent_client_stdin(c, x->stream, buf, (size_t)n) < 0)
			x->stdin_open = false;
	} else if (n != -EAGAIN && n != -EINTR) {
		x->stdin_open = false;
		if (agent_client_stdin_eof(c, x->stream) < 0)
			log_warn("exec stdin EOF to the agent failed");
	}
}

void exec_events(struct exec_table *t, struct agent_client *c,
		 const struct pollfd *p)
{
	const short ev = POLLIN | POLLOUT | POLLHUP | POLLERR | POLLNVAL;

	for (int i = 0; i < EXEC_MAX; i++) {
		struct exec_sess *x = &t->s[i];

		if (p[3 * i].fd >= 0 && (p[3 * i].revents & ev) && x->used &&
		    x->stdin_open)
			sess_stdin(x, c);
		for (int k = 0; k < 2; k++)
			if (p[3 * i + 1 + k].fd >= 0 &&
			    (p[3 * i + 1 + k].revents & ev))
				relay_flush(&x->out[k]);
		sess_maybe_done(x);
	}
}

bool exec_full(const struct exec_table *t)
{
	for (int i = 0; i < EXEC_MAX; i++)
		if (relay_full(&t->s[i].out[0]) || relay_full(&t->s[i].out[1]))
			return true;
	return false;
}

bool exec_pending(const struct exec_table *t)
{
	for (int i = 0; i < EXEC_MAX; i++)
		if (relay_pending(&t->s[i].out[0]) ||
		    relay_pending(&t->s[i].out[1]))
			return true;
	return false;
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
	char msg[32];

	for (int i = 0; i < EXEC_MAX; i++) {
		struct exec_sess *x = &t->s[i];

		if (!x->used)
			continue;
		snprintf(msg, sizeof(msg), "exit %d\n",
			 x->exited ? x->status : 137);
		sess_close(x, msg);
	}
}
