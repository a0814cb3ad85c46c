// SPDX-License-Identifier: MIT
/*
 * Unix socket addresses for paths longer than sun_path: the state
 * directory <root>/<id>/ may be deep (engines choose --root, ids are up
 * to 1024 bytes), so a path that does not fit is reached through an
 * O_PATH descriptor of its directory, as /proc/self/fd/N/<name>.
 */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

bool shim_unix_fits(const char *path)
{
	return strlen(path) < sizeof(((struct sockaddr_un *)NULL)->sun_path);
}

static int unix_addr_op(int fd, const char *path, bool do_bind)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int dfd = -1;
	const char *slash = strrchr(path, '/');
	char *dir;
	int ret;

	if (shim_unix_fits(path)) {
		strcpy(sa.sun_path, path);
	} else {
		if (!slash || slash == path)
			return -ENAMETOOLONG;
		dir = strndup(path, (size_t)(slash - path));
		if (!dir)
			return -ENOMEM;
		dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		free(dir);
		if (dfd < 0)
			return -errno;
		ret = snprintf(sa.sun_path, sizeof(sa.sun_path),
			       "/proc/self/fd/%d/%s", dfd, slash + 1);
		if (ret < 0 || (size_t)ret >= sizeof(sa.sun_path))
			return -ENAMETOOLONG;
	}
	ret = do_bind ? bind(fd, (struct sockaddr *)&sa, sizeof(sa)) :
			connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	return ret < 0 ? -errno : 0;
}

int shim_unix_connect(int fd, const char *path)
{
	return unix_addr_op(fd, path, false);
}

int shim_unix_bind(int fd, const char *path)
{
	return unix_addr_op(fd, path, true);
}
