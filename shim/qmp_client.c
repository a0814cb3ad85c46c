// SPDX-License-Identifier: MIT
/*
 * A minimal QMP client for the VMM's socket in the state dir: greeting,
 * capabilities negotiation, argument-less commands. The VMM is treated as
 * untrusted: lines are length-capped, reads time out, and a reply is only
 * recognized by its leading {"return" or {"error" (events are skipped).
 */
#include "shim/shim.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sv/err.h"

#define QMP_LINE_MAX 4096
#define QMP_TIMEOUT_MS 10000
#define QMP_MAX_EVENTS 64

static int read_line(int fd, char *buf, size_t cap, int timeout_ms,
		     struct sv_err *e)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t r;
	int pr;

	for (;;) {
		pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return sv_err_set(e, ETIMEDOUT, "QMP: no reply");
		r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return sv_err_set(e, ECONNRESET,
					  "QMP: connection closed");
		if (buf[n] == '\n')
			break;
		if (++n >= cap - 1)
			return sv_err_set(e, EPROTO, "QMP: line too long");
	}
	while (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

static int write_all(int fd, const char *s, struct sv_err *e)
{
	size_t len = strlen(s), off = 0;
	ssize_t r;

	while (off < len) {
		r = send(fd, s + off, len - off, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sv_err_set(e, errno, "QMP: send: %s",
					  strerror(errno));
		off += (size_t)r;
	}
	return 0;
}

/* The "desc" of an error reply, for the message. */
static void error_desc(const char *line, char *out, size_t cap)
{
	const char *d = strstr(line, "\"desc\":\"");
	size_t n = 0;

	if (!d) {
		snprintf(out, cap, "%.200s", line);
		return;
	}
	for (d += 8; *d && *d != '"' && n + 1 < cap; d++)
		out[n++] = *d;
	out[n] = '\0';
}

int qmp_command(int fd, const char *cmd, char *reply, size_t cap,
		struct sv_err *e)
{
	char line[QMP_LINE_MAX], req[256], desc[256];
	int i, ret;

	snprintf(req, sizeof(req), "{\"execute\":\"%.200s\"}\n", cmd);
	ret = write_all(fd, req, e);
	for (i = 0; ret == 0 && i < QMP_MAX_EVENTS; i++) {
		ret = read_line(fd, line, sizeof(line), QMP_TIMEOUT_MS, e);
		if (ret < 0)
			break;
		if (!strncmp(line, "{\"return\"", 9)) {
			if (reply)
				snprintf(reply, cap, "%s", line);
			return 0;
		}
		if (!strncmp(line, "{\"error\"", 8)) {
			error_desc(line, desc, sizeof(desc));
			return sv_err_set(e, EIO, "QMP %s: %s", cmd, desc);
		}
	}
	if (ret == 0)
		ret = sv_err_set(e, EPROTO, "QMP %s: no reply", cmd);
	return ret;
}

int qmp_connect(const char *path, int timeout_ms, int *fd_out, struct sv_err *e)
{
	_cleanup_close_ int fd = -1;
	char line[QMP_LINE_MAX];
	int ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sv_err_set(e, errno, "socket: %s", strerror(errno));
	ret = shim_unix_connect(fd, path);
	if (ret < 0)
		return sv_err_set(e, -ret, "connect %s: %s", path,
				  strerror(-ret));
	ret = read_line(fd, line, sizeof(line), timeout_ms, e);
	if (ret == 0 && strncmp(line, "{\"QMP\"", 6))
		ret = sv_err_set(e, EPROTO, "QMP: bad greeting");
	if (ret == 0)
		ret = qmp_command(fd, "qmp_capabilities", NULL, 0, e);
	if (ret < 0)
		return ret;
	*fd_out = TAKE_FD(fd);
	return 0;
}

int qmp_run(const char *path, const char *cmd, struct sv_err *e)
{
	_cleanup_close_ int fd = -1;
	int ret = qmp_connect(path, QMP_TIMEOUT_MS, &fd, e);

	if (ret == 0)
		ret = qmp_command(fd, cmd, NULL, 0, e);
	return ret;
}
