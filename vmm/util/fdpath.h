/* SPDX-License-Identifier: MIT */
/*
 * "/dev/fd/N" as a file name: an fd the VMM's starter opened and passed
 * (the shim's jail opens disk and flash images as root, so the jailed VMM
 * needs no access to them by name). Taken over as is, no /proc needed.
 */
#ifndef SV_VMM_UTIL_FDPATH_H
#define SV_VMM_UTIL_FDPATH_H

#include <stdbool.h>

/*
 * The fd, marked close-on-exec, if its access mode allows readonly or
 * read-write use; *flags gets its status flags (may be NULL). -ENOENT:
 * path is not "/dev/fd/N"; -EINVAL bad N; -EBADF not open; -EACCES mode.
 */
int fdpath_take(const char *path, bool readonly, int *flags);

#endif /* SV_VMM_UTIL_FDPATH_H */
