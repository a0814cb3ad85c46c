// SPDX-License-Identifier: MIT
/*
 * Paths inside a bundle (DESIGN.md 3.4, validate): a file the bundle names
 * under its own directory must stay there after every symlink is followed.
 * openat2(RESOLVE_BENEATH) from the bundle's directory fd does the walk in
 * the kernel, so there is no window between the check and the open: the
 * fd is what gets used (bind-mounted from /proc/self/fd/N by the jail).
 */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

bool bundle_contains(const char *bundle, const char *path)
{
	size_t n = bundle ? strlen(bundle) : 0;

	return n && path && !strncmp(path, bundle, n) && path[n] == '/';
}

int bundle_open_beneath(const char *bundle, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int dfd, fd, err;

	if (!bundle_contains(bundle, path))
		return -EINVAL;
	dfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, dfd, path + strlen(bundle) + 1, &how,
			  sizeof(how));
	err = errno;
	close(dfd);
	return fd < 0 ? -err : fd;
}
