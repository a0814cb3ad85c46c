/* SPDX-License-Identifier: MIT */
/*
 * The VMM's seccomp allowlist (DESIGN.md 3.4): written once, in
 * allowlist.c, one comment per syscall. vmm/sandbox/gen_filter.c compiles it
 * with libseccomp at build time into the BPF arrays of filter.h.
 */
#ifndef SV_VMM_SANDBOX_ALLOWLIST_H
#define SV_VMM_SANDBOX_ALLOWLIST_H

#include <stddef.h>

/* Syscall names as libseccomp spells them. */
extern const char *const sandbox_allowlist[];
extern const size_t sandbox_allowlist_len;

/* The only ioctl requests the "ioctl" entry allows (low 32 bits). */
struct sandbox_ioctl {
	unsigned long request;
	const char *name;
};

extern const struct sandbox_ioctl sandbox_ioctls[];
extern const size_t sandbox_ioctls_len;

#endif /* SV_VMM_SANDBOX_ALLOWLIST_H */
