// SPDX-License-Identifier: MIT
/*
 * sv-agent processes: start one from a decoded spec (pipes or a pty for its
 * stdio, chroot into the container root, rlimits, groups, uid/gid, env,
 * cwd), relay its output, feed its stdin, reap it and report its exit.
 * Output is always drained before EXIT is sent, so the host sees every
 * byte before the status.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "contrib/agent/agent.h"

extern char **environ;

struct aproc *proc_find(struct agent *a, uint32_t stream)
{
	for (int i = 0; i < AGENT_MAX_PROCS; i++)
		if (a->procs[i].used && a->procs[i].stream == stream)
			return &a->procs[i];
	return NULL;
}

static char **unconst(const char *const *v)
{
	char **r;

	memcpy(&r, &v, sizeof(r));
	return r;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* In the child: become what the spec says, then exec. Never returns. */
static SV_NORETURN void child_exec(struct agent *a, const struct agent_spec *s,
				   const int stdio[3], bool tty, int errfd)
{
	sigset_t none;
	int err;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (setsid() < 0 || (tty && ioctl(stdio[0], TIOCSCTTY, 0) < 0))
		goto fail;
	for (int i = 0; i < 3; i++)
		if (dup2(stdio[i], i) < 0)
			goto fail;
	if (chroot(a->root) < 0 || chdir(s->cwd ? s->cwd : "/") < 0)
		goto fail;
	for (unsigned int i = 0; i < s->nrlimits; i++) {
		struct rlimit rl = { s->rlimits[i].soft, s->rlimits[i].hard };

		if (setrlimit((int)s->rlimits[i].resource, &rl) < 0)
			goto fail;
	}
	if (setgroups(s->ngids, s->gids) < 0 || setgid(s->gid) < 0 ||
	    setuid(s->uid) < 0)
		goto fail;
	environ = unconst(s->env);
	execvp(s->args[0], unconst(s->args));
fail:
	err = errno;
	if (write(errfd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

/* stdio[] for the child, fds[] (in, out, err, tty) for the agent. */
static int make_pipes(int stdio[3], int fds[4])
{
	int p[3][2];

	for (int i = 0; i < 3; i++) {
		if (pipe2(p[i], O_CLOEXEC) < 0) {
			int err = -errno;

			while (i--) {
				close(p[i][0]);
				close(p[i][1]);
			}
			return err;
		}
	}
	stdio[0] = p[0][0];
	fds[0] = p[0][1];
	stdio[1] = p[1][1];
	fds[1] = p[1][0];
	stdio[2] = p[2][1];
	fds[2] = p[2][0];
	fds[3] = -1;
	return 0;
}

static int make_pty(int stdio[3], int fds[4])
{
	char name[64];
	int m, s;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -errno;
	if (grantpt(m) < 0 || unlockpt(m) < 0 ||
	    ptsname_r(m, name, sizeof(name)) != 0)
		goto fail;
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		goto fail;
	fds[0] = fcntl(m, F_DUPFD_CLOEXEC, 3);
	if (fds[0] < 0) {
		close(s);
		goto fail;
	}
	stdio[0] = stdio[1] = stdio[2] = s;
	fds[1] = fds[3] = m;
	fds[2] = -1;
	return 0;
fail:
	s = -errno;
	close(m);
	return s;
}

static void close_stdio(const int stdio[3])
{
	close(stdio[0]);
	if (stdio[1] != stdio[0])
		close(stdio[1]);
	if (stdio[2] != stdio[0] && stdio[2] != stdio[1])
		close(stdio[2]);
}

static struct aproc *proc_slot(struct agent *a)
{
	for (int i = 0; i < AGENT_MAX_PROCS; i++)
		if (!a->procs[i].used)
			return &a->procs[i];
	return NULL;
}

/* Wait for exec (the error pipe closes) or its errno; 0 or -errno. */
static int wait_exec(pid_t pid, int errfd)
{
	ssize_t n;
	int err;

	do
		n = read(errfd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	waitpid(pid, NULL, 0);
	return n == sizeof(err) && err > 0 ? -err : -EIO;
}

static void proc_register(struct aproc *p, uint32_t stream, pid_t pid,
			  const int fds[4], bool is_init)
{
	p->used = true;
	p->is_init = is_init;
	p->stream = stream;
	p->pid = pid;
	p->in_fd = fds[0];
	p->out_fd = fds[1];
	p->err_fd = fds[2];
	p->tty_fd = fds[3];
	p->in_eof = false;
	p->inq = NULL;
	p->inq_len = 0;
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFL, O_NONBLOCK);
}

int proc_spawn(struct agent *a, uint32_t stream, bool is_init)
{
	const struct agent_spec *s = &a->spec;
	struct aproc *p = proc_slot(a);
	int stdio[3], fds[4], ep[2], ret;
	uint8_t buf[4];
	pid_t pid;

	if (!p)
		return agent_send_error(a, stream, EAGAIN, "process table");
	ret = s->terminal ? make_pty(stdio, fds) : make_pipes(stdio, fds);
	if (ret < 0)
		return agent_send_error(a, stream, -ret, "stdio");
	if (pipe2(ep, O_CLOEXEC) < 0) {
		ret = -errno;
		goto fail;
	}
	pid = fork();
	if (pid == 0)
		child_exec(a, s, stdio, s->terminal, ep[1]);
	close(ep[1]);
	ret = pid < 0 ? -errno : wait_exec(pid, ep[0]);
	close(ep[0]);
	if (ret < 0)
		goto fail;
	close_stdio(stdio);
	proc_register(p, stream, pid, fds, is_init);
	agent_dbg(a, "stream %u: pid %d %s", stream, pid, s->args[0]);
	agent_put_u32(buf, (uint32_t)pid);
	return agent_send(a, AGENT_MSG_STARTED, stream, buf, sizeof(buf));
fail:
	close_stdio(stdio);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return agent_send_error(a, stream, -ret, s->args[0]);
}

/* Forward what fd has; closes it on EOF or error. 1 if data was sent. */
static int relay_once(struct agent *a, struct aproc *p, int *fd)
{
	uint8_t type = *fd == p->err_fd ? AGENT_MSG_STDERR : AGENT_MSG_STDOUT;
	static uint8_t buf[AGENT_MAX_PAYLOAD];
	ssize_t n;

	n = read(*fd, buf, sizeof(buf));
	if (n > 0) {
		agent_send(a, type, p->stream, buf, (size_t)n);
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* EOF, or EIO on a pty master whose slave is gone. */
	if (*fd == p->tty_fd)
		p->tty_fd = -1;
	close_fd(fd);
	return 0;
}

static void stdin_close(struct aproc *p)
{
	close_fd(&p->in_fd);
	free(p->inq);
	p->inq = NULL;
	p->inq_len = 0;
}

/* The host's EOF: close the pipe; a terminal has no EOF of its own, so
 * it gets the EOF character (and stays open). */
static void stdin_eof_now(struct aproc *p)
{
	if (p->tty_fd >= 0 && p->in_fd >= 0) {
		if (write(p->in_fd, "\x04", 1) < 0)
			stdin_close(p);
		return;
	}
	stdin_close(p);
}

/* Write what the pipe takes now; the count written, or -1 (closed). */
static ssize_t stdin_write(struct agent *a, struct aproc *p,
			   const uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(p->in_fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			agent_dbg(a, "stream %u: stdin: %m", p->stream);
			stdin_close(p);
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* POLLOUT on the stdin pipe: move the queue along, then a pending EOF. */
static void stdin_flush(struct agent *a, struct aproc *p)
{
	ssize_t n = stdin_write(a, p, p->inq, p->inq_len);

	if (n < 0)
		return;
	memmove(p->inq, p->inq + n, p->inq_len - (size_t)n);
	p->inq_len -= (size_t)n;
	if (p->inq_len == 0 && p->in_eof)
		stdin_eof_now(p);
}

void proc_relay(struct agent *a, struct aproc *p, int fd)
{
	if (fd == p->out_fd)
		relay_once(a, p, &p->out_fd);
	else if (fd == p->err_fd)
		relay_once(a, p, &p->err_fd);
	else if (fd == p->in_fd)
		stdin_flush(a, p);
}

/* Never blocks: what the pipe cannot take now waits in p->inq, written
 * from the event loop on POLLOUT, so a process that does not read its
 * stdin holds up neither the channel nor the other processes. */
void proc_stdin(struct agent *a, struct aproc *p, const uint8_t *buf,
		size_t len)
{
	ssize_t n = 0;
	uint8_t *q;

	if (p->in_fd < 0 || p->in_eof || !len)
		return;
	if (!p->inq_len) {
		n = stdin_write(a, p, buf, len);
		if (n < 0 || (size_t)n == len)
			return;
	}
	q = realloc(p->inq, p->inq_len + len - (size_t)n);
	if (!q) {
		agent_log("stream %u: stdin queue: out of memory", p->stream);
		stdin_close(p);
		return;
	}
	memcpy(q + p->inq_len, buf + n, len - (size_t)n);
	p->inq = q;
	p->inq_len += len - (size_t)n;
}

void proc_stdin_eof(struct aproc *p)
{
	if (p->inq_len)
		p->in_eof = true;
	else
		stdin_eof_now(p);
}

size_t proc_stdin_queued(const struct agent *a)
{
	size_t sum = 0;

	for (int i = 0; i < AGENT_MAX_PROCS; i++)
		if (a->procs[i].used)
			sum += a->procs[i].inq_len;
	return sum;
}

static void proc_exited(struct agent *a, struct aproc *p, int status)
{
	struct agent_exit e = { 0, 0 };
	uint8_t buf[8];

	while (p->out_fd >= 0 && relay_once(a, p, &p->out_fd))
		;
	while (p->err_fd >= 0 && relay_once(a, p, &p->err_fd))
		;
	if (WIFSIGNALED(status)) {
		e.code = (uint32_t)WTERMSIG(status);
		e.flags = AGENT_EXIT_SIGNALED |
			  (WCOREDUMP(status) ? AGENT_EXIT_COREDUMP : 0);
	} else {
		e.code = (uint32_t)WEXITSTATUS(status);
	}
	agent_dbg(a, "stream %u: pid %d exit %u flags %u", p->stream, p->pid,
		  e.code, e.flags);
	agent_exit_encode(buf, &e);
	agent_send(a, AGENT_MSG_EXIT, p->stream, buf, sizeof(buf));
	if (p->is_init) {
		/* As when a pid namespace's init dies: the rest goes too. */
		a->init_exited = true;
		a->init_exit_ms = agent_now_ms();
	}
	stdin_close(p);
	close_fd(&p->out_fd);
	close_fd(&p->err_fd);
	p->tty_fd = -1;
	p->used = false;
	if (p->is_init) /* after used = false: its pid is no longer ours */
		proc_signal(a, p, SIGKILL, true);
}

/* SIGCHLD: reap every child (ours or reparented orphans). */
void proc_reap(struct agent *a)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(a->sigfd, &si, sizeof(si)) == sizeof(si))
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < AGENT_MAX_PROCS; i++) {
			struct aproc *p = &a->procs[i];

			if (p->used && p->pid == pid) {
				proc_exited(a, p, status);
				break;
			}
		}
	}
}

/* One process, or (all) every process of the container: as PID 1 of the
 * VM or of a pid namespace that is everything but the agent itself. */
void proc_signal(struct agent *a, struct aproc *p, int sig, bool all)
{
	if (!all) {
		if (kill(p->pid, sig) < 0)
			agent_log("kill %d %d: %m", p->pid, sig);
		return;
	}
	for (int i = 0; i < AGENT_MAX_PROCS; i++)
		if (a->procs[i].used)
			kill(a->procs[i].pid, sig);
	if (getpid() == 1)
		kill(-1, sig);
}

void proc_kill_all(struct agent *a)
{
	for (int i = 0; i < AGENT_MAX_PROCS; i++)
		if (a->procs[i].used)
			kill(a->procs[i].pid, SIGKILL);
	if (getpid() == 1)
		kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
}
