// SPDX-License-Identifier: MIT
/*
 * The VMM's seccomp filter as a BPF program in a sealed memfd, for the
 * jail's -seccomp-fd: the same allowlist the VMM installs by itself
 * (vmm/sandbox/allowlist.c), ioctl limited to its requests, with a
 * selectable default action.
 */
#include "shim/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sv/err.h"
#include "vmm/sandbox/allowlist.h"

/* The list itself is the VMM's (vmm/sandbox/allowlist.c): written once,
 * compiled into the VMM at build time and here into an fd for -seccomp-fd. */
#define VMM_ALLOW_N sandbox_allowlist_len
#define vmm_allow sandbox_allowlist

size_t seccomp_vmm_count(void)
{
	return VMM_ALLOW_N;
}

const char *seccomp_vmm_name(size_t i)
{
	return i < VMM_ALLOW_N ? vmm_allow[i] : NULL;
}

static uint32_t default_action(enum seccomp_mode mode)
{
	const char *env = getenv("SV_SECCOMP_MODE");

	if (env && !strcmp(env, "log"))
		mode = SECCOMP_VMM_LOG;
	else if (env && !strcmp(env, "trap"))
		mode = SECCOMP_VMM_TRAP;
	switch (mode) {
	case SECCOMP_VMM_LOG:
		return SCMP_ACT_LOG;
	case SECCOMP_VMM_TRAP:
		return SCMP_ACT_TRAP;
	default:
		return SCMP_ACT_KILL_PROCESS;
	}
}

/* ioctl: only the requests of sandbox_ioctls[], low 32 bits of arg 1. */
static int add_rule(scmp_filter_ctx ctx, int nr)
{
	size_t i;
	int ret;

	if (nr != SCMP_SYS(ioctl))
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	for (i = 0; i < sandbox_ioctls_len; i++) {
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
					       sandbox_ioctls[i].request));
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int build(scmp_filter_ctx ctx, struct sv_err *e)
{
	size_t i;
	int nr, ret;

	for (i = 0; i < VMM_ALLOW_N; i++) {
		nr = seccomp_syscall_resolve_name(vmm_allow[i]);
		if (nr == __NR_SCMP_ERROR)
			return sv_err_set(e, EINVAL,
					  "seccomp: unknown syscall %s",
					  vmm_allow[i]);
		ret = add_rule(ctx, nr);
		if (ret < 0)
			return sv_err_set(e, -ret, "seccomp: rule %s: %s",
					  vmm_allow[i], strerror(-ret));
	}
	return 0;
}

int seccomp_vmm_memfd(enum seccomp_mode mode, int *fd, struct sv_err *e)
{
	scmp_filter_ctx ctx = seccomp_init(default_action(mode));
	int mfd, ret;

	if (!ctx)
		return sv_err_set(e, ENOMEM, "seccomp: seccomp_init failed");
	mfd = memfd_create("sv-seccomp", MFD_ALLOW_SEALING);
	if (mfd < 0) {
		ret = sv_err_set(e, errno, "seccomp: memfd_create: %s",
				 strerror(errno));
		goto out;
	}
	ret = build(ctx, e);
	if (ret == 0 && (ret = seccomp_export_bpf(ctx, mfd)) < 0)
		ret = sv_err_set(e, -ret, "seccomp: export: %s",
				 strerror(-ret));
	if (ret == 0 && fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_WRITE |
					F_SEAL_GROW | F_SEAL_SHRINK) < 0)
		ret = sv_err_set(e, errno, "seccomp: seal: %s",
				 strerror(errno));
	if (ret < 0)
		close(mfd);
	else
		*fd = mfd;
out:
	seccomp_release(ctx);
	return ret;
}
