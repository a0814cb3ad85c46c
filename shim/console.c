// SPDX-License-Identifier: MIT
/*
 * --console-socket: as runc does, create a pty during `create`, send its
 * master with SCM_RIGHTS (payload: the name "/dev/ptmx") to the AF_UNIX
 * stream socket the engine listens on, and give the slave to the monitor
 * as the container's stdio. The slave is raw: it carries the guest's serial
 * console, whose own line discipline runs inside the guest.
 */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "sv/err.h"

static int send_fd(const char *sock_path, int fd, struct sv_err *e)
{
	char name[] = "/dev/ptmx";
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	_cleanup_close_ int s = -1;
	int ret;

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ret = s < 0 ? -errno : shim_unix_connect(s, sock_path);
	if (ret < 0)
		return sv_err_set(e, -ret, "--console-socket %.200s: %s",
				  sock_path, strerror(-ret));
	memset(u.buf, 0, sizeof(u.buf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0)
		return sv_err_set(e, errno, "--console-socket %.200s: send: %s",
				  sock_path, strerror(errno));
	return 0;
}

int console_create(const char *sock_path, int *slave, struct sv_err *e)
{
	_cleanup_close_ int master = -1, sl = -1;
	struct termios t;
	char name[128];
	int ret;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0)
		return sv_err_set(e, errno, "pty: %s", strerror(errno));
	sl = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (sl < 0)
		return sv_err_set(e, errno, "open %s: %s", name,
				  strerror(errno));
	if (tcgetattr(sl, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(sl, TCSANOW, &t);
	}
	ret = send_fd(sock_path, master, e);
	if (ret < 0)
		return ret;
	*slave = TAKE_FD(sl);
	return 0;
}
