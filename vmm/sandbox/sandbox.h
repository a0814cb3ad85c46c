/* SPDX-License-Identifier: MIT */
/*
 * Applies the seccomp filter the shim compiled (a classic BPF program in a
 * memfd, passed with -seccomp-fd N). The VMM never links libseccomp.
 */
#ifndef SV_VMM_SANDBOX_SANDBOX_H
#define SV_VMM_SANDBOX_SANDBOX_H

#include "sv/compiler.h"

/* Read the program from fd, set NO_NEW_PRIVS, install it with TSYNC. */
int sandbox_apply_seccomp_fd(int fd) SV_MUST_CHECK;

#endif /* SV_VMM_SANDBOX_SANDBOX_H */
