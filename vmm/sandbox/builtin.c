// SPDX-License-Identifier: MIT
/* Installs the filter generated from allowlist.c (see filter.h). */
#include "vmm/sandbox/filter.h"

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOG_MODULE "sandbox"
#include "sv/log.h"

/*
 * Sanitizer runtimes make syscalls of their own after main() (LeakSanitizer
 * ptraces the threads at exit): there the default is log, and tests that
 * want the kill ask for it with STRATOVIRT_SECCOMP=kill.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANDBOX_DEFAULT_LOG true
#else
#define SANDBOX_DEFAULT_LOG false
#endif

/* STRATOVIRT_SECCOMP: unset (default), "kill" or "log". */
static int sandbox_mode(bool *log_mode)
{
	const char *mode = getenv("STRATOVIRT_SECCOMP");

	*log_mode = SANDBOX_DEFAULT_LOG;
	if (!mode || !*mode)
		return 0;
	if (!strcmp(mode, "kill") || !strcmp(mode, "log")) {
		*log_mode = !strcmp(mode, "log");
		return 0;
	}
	log_err("STRATOVIRT_SECCOMP=%s: want kill or log", mode);
	return -EINVAL;
}

int sandbox_apply_builtin(void)
{
	struct sock_fprog prog = {
		.len = sandbox_filter_kill_len,
		.filter = (struct sock_filter *)(uintptr_t)sandbox_filter_kill,
	};
	bool log_mode;

	if (sandbox_mode(&log_mode) < 0)
		return -EINVAL;
	if (log_mode) {
		prog.len = sandbox_filter_log_len;
		prog.filter =
			(struct sock_filter *)(uintptr_t)sandbox_filter_log;
		log_warn(
			"seccomp: log mode, violations are logged, not killed");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0) {
		int ret = -errno;

		log_err("install seccomp filter: %s", strerror(errno));
		return ret;
	}
	log_debug("seccomp: %u syscalls, %u ioctl requests allowed",
		  sandbox_filter_nr_syscalls, sandbox_filter_nr_ioctls);
	return 0;
}
