// SPDX-License-Identifier: MIT
/*
 * exec: runs one more process in a running container bundle through its
 * monitor and the guest agent. The calling process (or, with --detach, a
 * forked proxy whose pid goes to --pid-file) hands its stdio (or the pty
 * slave of --console-socket) and the process spec to the monitor, forwards
 * the signals it receives, and exits with the process's status.
 * The process comes from --process FILE (what engines send) or from the
 * arguments after the id, with --cwd, --env (repeatable), --user UID[:GID]
 * and --tty.
 */
#include "shim/shim.h"
#include "shim/ctr_serve.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "oci/spec.h"
#include "sv/agent_proto.h"
#include "sv/err.h"

static const struct cli_opt exec_opts[] = {
	{ "console-socket", 0, CLI_VALUE, K_CONSOLE_SOCKET },
	{ "cwd", 0, CLI_VALUE, K_CWD },
	{ "env", 'e', CLI_VALUE, K_ENV },
	{ "tty", 't', CLI_FLAG, K_TTY },
	{ "user", 'u', CLI_VALUE, K_USER },
	{ "additional-gids", 'g', CLI_VALUE, K_IGNORED },
	{ "process", 'p', CLI_VALUE, K_PROCESS },
	{ "detach", 'd', CLI_FLAG, K_DETACH },
	{ "pid-file", 0, CLI_VALUE, K_PID_FILE },
	{ "process-label", 0, CLI_VALUE, K_IGNORED },
	{ "apparmor", 0, CLI_VALUE, K_IGNORED },
	{ "no-new-privs", 0, CLI_FLAG, K_IGNORED },
	{ "cap", 'c', CLI_VALUE, K_CAP },
	{ "preserve-fds", 0, CLI_VALUE, K_PRESERVE_FDS },
	{ "cgroup", 0, CLI_VALUE, K_IGNORED },
	{ "ignore-paused", 0, CLI_FLAG, K_IGNORED },
};

static volatile sig_atomic_t pending_sig;

static void on_signal(int sig)
{
	pending_sig = sig;
}

#define EXEC_JSON_MAX 65536

/* Append s (a JSON string body when quote) to buf; E2BIG instead of
 * cutting a user's argument short. */
static int put(char *buf, size_t *n, const char *s, bool quote,
	       struct sv_err *e)
{
	size_t need = quote ? 0 : strlen(s);

	for (const char *c = s; quote && *c; c++)
		need += *c == '"' || *c == '\\' ? 2 :
			(unsigned char)*c < 0x20 || *c == 0x7f ? 6 : 1;
	if (*n + need + 8 > EXEC_JSON_MAX)
		return sv_err_set(e, E2BIG, "exec: arguments too long");
	if (quote) {
		*n += shim_json_escape(buf + *n, EXEC_JSON_MAX - *n, s);
	} else {
		memcpy(buf + *n, s, need + 1);
		*n += need;
	}
	return 0;
}

/*
 * --user: "UID" or "UID:GID", numbers only (no passwd lookup on the host
 * for a user of the guest); the user JSON object into out.
 */
static int user_json(const char *v, char *out, size_t len, struct sv_err *e)
{
	unsigned long uid = 0, gid = 0;
	size_t d = v ? strspn(v, "0123456789") : 0;
	const char *g = v && v[d] == ':' ? v + d + 1 : NULL;
	bool ok = !v || (d > 0 && d <= 10 && (!v[d] || g));

	if (ok && g) {
		size_t gd = strspn(g, "0123456789");

		ok = gd > 0 && gd <= 10 && !g[gd];
	}
	if (v && ok) {
		uid = strtoul(v, NULL, 10);
		gid = g ? strtoul(g, NULL, 10) : 0;
	}
	if (!ok || uid > UINT32_MAX || gid > UINT32_MAX)
		return sv_err_set(e, EINVAL, "--user %.64s: want UID or "
				  "UID:GID (numbers)", v);
	snprintf(out, len, "\"user\":{\"uid\":%lu,\"gid\":%lu}", uid, gid);
	return 0;
}

/* A JSON array of strings: ,"key":["v0","v1"...] */
static int put_array(char *json, size_t *n, const char *key,
		     const char *const *v, int nv, struct sv_err *e)
{
	int ret = put(json, n, key, false, e);

	for (int i = 0; ret == 0 && i < nv; i++) {
		ret = put(json, n, i ? ",\"" : "\"", false, e);
		if (ret == 0)
			ret = put(json, n, v[i], true, e);
		if (ret == 0)
			ret = put(json, n, "\"", false, e);
	}
	return ret == 0 ? put(json, n, "]", false, e) : ret;
}

/* The process from the command line, as the JSON --process would hold. */
static int process_from_args(const struct cli_args *a, struct oci_process **p,
			     struct sv_err *e)
{
	_cleanup_free_ char *json = malloc(EXEC_JSON_MAX);
	char user[64];
	size_t n = 0;
	int ret;

	if (!json)
		return sv_err_set(e, ENOMEM, "out of memory");
	ret = user_json(a->val[K_USER], user, sizeof(user), e);
	if (ret == 0)
		ret = put(json, &n, a->val[K_TTY] ? "{\"terminal\":true,\"cwd\":\"" :
						      "{\"terminal\":false,\"cwd\":\"",
			  false, e);
	if (ret == 0)
		ret = put(json, &n, a->val[K_CWD] ? a->val[K_CWD] : "/", true, e);
	if (ret == 0)
		ret = put(json, &n, "\",", false, e);
	if (ret == 0)
		ret = put(json, &n, user, false, e);
	if (ret == 0)
		ret = put_array(json, &n, ",\"env\":[", a->env, (int)a->n_env, e);
	if (ret == 0)
		ret = put_array(json, &n, ",\"args\":[",
				(const char *const *)a->pos + 1, a->n_pos - 1, e);
	if (ret == 0)
		ret = put(json, &n, "}", false, e);
	if (ret == 0)
		ret = oci_process_parse(json, n, 0, p, e);
	return ret < 0 ? sv_err_wrap(e, "exec") : 0;
}

static int load_process(const struct cli_args *a, struct oci_process **p,
			struct sv_err *e)
{
	int ret;

	if (!a->val[K_PROCESS] && a->n_pos < 2)
		return sv_err_set(e, EINVAL, "exec: no command (args or --process)");
	if (!a->val[K_PROCESS])
		ret = process_from_args(a, p, e);
	else
		ret = oci_process_parse_file(a->val[K_PROCESS], 0, p, e);
	if (ret == 0)
		ret = oci_process_validate(*p, e);
	if (ret < 0 && a->val[K_PROCESS])
		sv_err_wrap(e, "--process %.200s", a->val[K_PROCESS]);
	return ret;
}

/* Connect to the monitor and hand over "exec LEN", the spec and fds. */
static int send_exec(const char *ctl, uint8_t *spec, size_t len,
		     const int fds[3], struct sv_err *e)
{
	union {
		char b[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u;
	char head[32];
	struct iovec iov[2] = { { head, 0 }, { spec, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2,
			     .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int err, fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	iov[0].iov_len = (size_t)snprintf(head, sizeof(head), "exec %zu\n", len);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, 3 * sizeof(int));
	err = fd < 0 ? errno : -shim_unix_connect(fd, ctl);
	if (err == 0 && sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		err = errno;
	if (err) {
		if (fd >= 0)
			close(fd);
		return sv_err_set(e, err, "exec: the container monitor: %s",
				  strerror(err));
	}
	return fd;
}

/* The monitor answers "ok N" once the agent started the process (or an
 * error): a guest that never answers must not hold exec forever. */
#define EXEC_START_TIMEOUT_MS 30000

/* One line from the monitor ("ok N", "exit N", "err ..."), signals sent
 * on while waiting; timeout_ms < 0: no deadline. */
static int read_line(int fd, const char *ctl, unsigned int stream, char *buf,
		     size_t cap, long timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sv_err e2 = SV_ERR_INIT;
	long deadline = serve_now_ms() + timeout_ms;
	char req[48];
	size_t n = 0;
	ssize_t r;

	while (n + 1 < cap && (n == 0 || buf[n - 1] != '\n')) {
		if (timeout_ms >= 0 && serve_now_ms() >= deadline)
			break;
		if (pending_sig && stream) {
			snprintf(req, sizeof(req), "sig %u %d\n", stream,
				 (int)pending_sig);
			pending_sig = 0;
			if (ctl_request(ctl, req, 2000, &e2) < 0)
				sv_err_clear(&e2);
		}
		if (poll(&p, 1, 200) <= 0)
			continue;
		r = read(fd, buf + n, 1);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return (int)n;
}

/* Start it; then (report to the detaching parent and) wait for the end. */
static int proxy(const char *ctl, uint8_t *spec, size_t len,
		 const int fds[3], int report, struct sv_err *e)
{
	unsigned int stream = 0;
	char line[256];
	int fd, st = 255;

	fd = send_exec(ctl, spec, len, fds, e);
	if (fd < 0)
		return fd;
	read_line(fd, ctl, 0, line, sizeof(line), EXEC_START_TIMEOUT_MS);
	if (sscanf(line, "ok %u", &stream) != 1) {
		close(fd);
		line[strcspn(line, "\n")] = '\0';
		return sv_err_set(e, EIO, "exec: %s",
				  !strncmp(line, "err ", 4) ? line + 4 :
				  "the container monitor did not answer");
	}
	if (report >= 0) {
		if (write(report, "ok", 2) < 0)
			st = 255;
		close(report);
	}
	read_line(fd, ctl, stream, line, sizeof(line), -1);
	close(fd);
	if (sscanf(line, "exit %d", &st) != 1)
		st = 255;
	return st;
}

static int detach(const char *ctl, uint8_t *spec, size_t len,
		  const int fds[3], const char *pid_file, struct sv_err *e)
{
	char buf[SV_ERR_MSG_MAX + 8] = "", pid[24];
	pid_t child;
	ssize_t n;
	int p[2], ret = fork_with_pipe(p, &child, e);

	if (ret < 0)
		return ret;
	if (child == 0) {
		close(p[0]);
		setsid();
		ret = proxy(ctl, spec, len, fds, p[1], e);
		if (ret < 0 && write(p[1], e->msg, strlen(e->msg)) < 0)
			_exit(255);
		_exit(ret < 0 ? 255 : ret);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	if (n != 2 || strncmp(buf, "ok", 2))
		return sv_err_set(e, EIO, "%s", n > 0 ? buf : "exec failed");
	n = snprintf(pid, sizeof(pid), "%d", (int)child);
	return pid_file ? shim_write_file(pid_file, pid, (size_t)n, 0644, e) : 0;
}

static int ctl_path_of(const struct shim_ctx *g, const char *id, char **ctl,
		       struct sv_err *e)
{
	struct ctr *c = NULL;
	enum ctr_status s;
	int ret = ctr_open(g->root, id, &c, e);

	if (ret < 0)
		return ret;
	s = ctr_status(c);
	if (s != CTR_RUNNING)
		ret = sv_err_set(e, EINVAL, "exec: container %s is %s, not running",
				 c->id, ctr_status_name(s));
	else if (c->info.vm_kind)
		ret = sv_err_set(e, ENOTSUP,
				 "exec: container %s is a vm bundle: there is no guest agent to run processes",
				 c->id);
	else if (!(*ctl = ctr_path(c, "ctl.sock")))
		ret = sv_err_set(e, ENOMEM, "out of memory");
	ctr_close(c); /* the exec may run for long: no lock held */
	return ret;
}

int cmd_exec(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e)
{
	_cleanup_free_ char *ctl = NULL;
	_cleanup_free_ uint8_t *spec = malloc(AGENT_MAX_PAYLOAD);
	struct oci_process *p = NULL;
	struct cli_args a;
	int fds[3] = { 0, 1, 2 }, slave = -1, ret;
	size_t len = 0;

	if (!spec)
		return sv_err_set(e, ENOMEM, "out of memory");
	ret = cli_parse(exec_opts, ARRAY_SIZE(exec_opts), argc, argv, true, &a,
			e);
	if (ret == 0 && a.n_pos < 1)
		ret = sv_err_set(e, EINVAL, "exec: missing container id");
	if (ret == 0)
		ret = load_process(&a, &p, e);
	if (ret == 0)
		ret = ctl_path_of(g, a.pos[0], &ctl, e);
	if (ret == 0)
		ret = agent_spec_from_oci(NULL, p, spec, AGENT_MAX_PAYLOAD, &len, e);
	oci_process_free(p);
	if (ret == 0 && a.val[K_CONSOLE_SOCKET])
		ret = console_create(a.val[K_CONSOLE_SOCKET], &slave, e);
	if (ret < 0)
		return ret;
	if (slave >= 0)
		fds[0] = fds[1] = fds[2] = slave;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGHUP, on_signal);
	if (a.val[K_DETACH])
		ret = detach(ctl, spec, len, fds, a.val[K_PID_FILE], e);
	else
		ret = proxy(ctl, spec, len, fds, -1, e);
	if (slave >= 0)
		close(slave);
	return ret;
}
