/* SPDX-License-Identifier: MIT */
/*
 * The VMM's syscall allowlist (STYLE.md H: generate early, apply late). The
 * shim compiles it with libseccomp into a classic BPF program in a memfd and
 * passes it as `-seccomp-fd N`; the VMM installs it with TSYNC before the
 * first KVM_RUN (vmm/sandbox/sandbox.c) and never links libseccomp.
 */
#ifndef SV_SHIM_SECCOMP_H
#define SV_SHIM_SECCOMP_H

#include <stddef.h>

#include "sv/compiler.h"

struct sv_err;

enum seccomp_mode {
	SECCOMP_VMM_KILL, /* default: outside the list kills the process */
	SECCOMP_VMM_LOG, /* debugging: allow, but log to the audit log */
	SECCOMP_VMM_TRAP, /* debugging: SIGSYS, visible under gdb/strace */
};

/* Number of syscalls the VMM may make. */
size_t seccomp_vmm_count(void);
/* Name of the i-th allowed syscall (tests, dry-run). */
const char *seccomp_vmm_name(size_t i);

/*
 * Compile the allowlist into a sealed memfd holding the BPF program; *fd is
 * not close-on-exec (it is for the VMM). SV_SECCOMP_MODE=log|trap in the
 * environment overrides mode (debugging).
 */
int seccomp_vmm_memfd(enum seccomp_mode mode, int *fd,
		      struct sv_err *e) SV_MUST_CHECK;

#endif /* SV_SHIM_SECCOMP_H */
