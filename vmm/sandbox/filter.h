/* SPDX-License-Identifier: MIT */
/*
 * The built-in filter: BPF arrays generated at build time from the
 * allowlist ($(O)/vmm/sandbox/filter_bpf.c) so the VMM needs no
 * libseccomp at run time, and the function main() calls to install it.
 */
#ifndef SV_VMM_SANDBOX_FILTER_H
#define SV_VMM_SANDBOX_FILTER_H

#include <linux/filter.h>

#include "sv/compiler.h"

/* Default action KILL_PROCESS. */
extern const struct sock_filter sandbox_filter_kill[];
extern const unsigned short sandbox_filter_kill_len;
/* The same list with default action LOG (STRATOVIRT_SECCOMP=log). */
extern const struct sock_filter sandbox_filter_log[];
extern const unsigned short sandbox_filter_log_len;
/* How many syscalls the generated filter allows. */
extern const unsigned int sandbox_filter_nr_syscalls;
/* How many ioctl requests it allows (vmm/sandbox/allowlist.c). */
extern const unsigned int sandbox_filter_nr_ioctls;

/*
 * NO_NEW_PRIVS, then the built-in filter with TSYNC (every thread). The
 * mode comes from STRATOVIRT_SECCOMP: "kill" (the default), "log" (the
 * default of sanitizer builds, whose runtimes need more syscalls).
 */
int sandbox_apply_builtin(void) SV_MUST_CHECK;

#endif /* SV_VMM_SANDBOX_FILTER_H */
