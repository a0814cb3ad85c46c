// SPDX-License-Identifier: MIT
/* "/dev/fd/N" file names: fds passed by the VMM's starter (fdpath.h). */
#include "vmm/util/fdpath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "/dev/fd/"

int fdpath_take(const char *path, bool readonly, int *flags)
{
	const char *num = path + sizeof(PREFIX) - 1;
	unsigned long n;
	char *end;
	int fl;

	if (strncmp(path, PREFIX, sizeof(PREFIX) - 1))
		return -ENOENT;
	errno = 0;
	n = strtoul(num, &end, 10);
	if (errno || end == num || *end || n < 3 || n > INT_MAX)
		return -EINVAL;
	fl = fcntl((int)n, F_GETFL);
	if (fl < 0)
		return -EBADF;
	if ((fl & O_ACCMODE) != O_RDWR &&
	    (!readonly || (fl & O_ACCMODE) != O_RDONLY))
		return -EACCES;
	if (fcntl((int)n, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	if (flags)
		*flags = fl;
	return (int)n;
}
