// SPDX-License-Identifier: MIT
/*
 * Test driver for the jail (tests/jail/run.sh).
 *   jail_run print CONFIG STATE_DIR ID -- VMM ARGS...   dry run: the plan
 *   jail_run exec  CONFIG STATE_DIR ID -- VMM ARGS...   jail the VMM with
 *       the shim's seccomp filter (-seccomp-fd); prints the waiter's pid,
 *       then exits 0 once the jail was applied, 1 with the error if not;
 *       the bundle is CONFIG's directory; $SV_TEST_AFTER_PLAN, if set,
 *       runs (sh -c) between the plan and the jail, to race it
 *   jail_run forbidden      install the VMM filter, call socket(): killed
 *   jail_run count          number of syscalls in the allowlist
 *   jail_run cleanup DIR    jail_cleanup(DIR), as `delete` does
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/spec.h"
#include "shim/jail.h"
#include "shim/seccomp.h"
#include "sv/err.h"

static int install(int fd)
{
	struct sock_filter insns[4096];
	struct sock_fprog prog;
	ssize_t n = pread(fd, insns, sizeof(insns), 0);

	if (n <= 0)
		return -1;
	prog.len = (unsigned short)(n / (ssize_t)sizeof(insns[0]));
	prog.filter = insns;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_TSYNC, &prog);
}

static int forbidden(void)
{
	struct sv_err e = SV_ERR_INIT;
	int fd;

	if (seccomp_vmm_memfd(SECCOMP_VMM_KILL, &fd, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	if (install(fd) < 0) {
		perror("install");
		return 1;
	}
	if (write(1, "filtered\n", 9) != 9) /* allowed */
		return 1;
	socket(AF_INET, SOCK_STREAM, 0); /* not allowed: killed here */
	return 2;
}

/* argv: VMM argv, with room for two more: -seccomp-fd N. */
static int run(int mode, const char *cfg, const char *dir, const char *id,
	       char **argv, int argc)
{
	struct jail_opts o = { .id = id, .state_dir = dir, .enabled = true,
			       .uid = 65534, .gid = 65534 };
	const char *hook = getenv("SV_TEST_AFTER_PLAN");
	char bundle[PATH_MAX];
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s = NULL;
	struct jail_plan *p = NULL;
	char num[16];
	int fd, rep[2];
	ssize_t n;
	pid_t pid;

	if (!realpath(cfg, bundle)) {
		perror(cfg);
		return 1;
	}
	o.bundle = dirname(bundle);
	if (oci_spec_parse_file(cfg, 0, &s, &e) < 0 ||
	    jail_plan_build(s, NULL, &o, argv, &p, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	if (mode == 0) {
		jail_plan_print(p, 1);
		return 0;
	}
	if (seccomp_vmm_memfd(SECCOMP_VMM_KILL, &fd, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	snprintf(num, sizeof(num), "%d", fd);
	argv[argc] = strdup("-seccomp-fd");
	argv[argc + 1] = num;
	argv[argc + 2] = NULL;
	if (pipe2(rep, O_CLOEXEC) < 0)
		return 1;
	if (hook && system(hook) != 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		close(rep[0]);
		if (jail_exec(p, argv, &e) < 0)
			dprintf(rep[1], "%s", e.msg);
		_exit(1);
	}
	close(rep[1]);
	printf("%d\n", (int)pid);
	fflush(stdout);
	/* EOF: the jail was applied (exec or the waiter closed it). Steps
	 * after pivot-root cannot undo on the host: jail_cleanup() does. */
	n = read(rep[0], e.msg, sizeof(e.msg) - 1);
	if (n <= 0)
		return 0;
	e.msg[n] = '\0';
	fprintf(stderr, "%s\n", e.msg);
	waitpid(pid, NULL, 0);
	if (jail_cleanup(dir, &e) < 0)
		fprintf(stderr, "%s\n", e.msg);
	return 1;
}

int main(int argc, char **argv)
{
	char **vargv;
	int i, n;

	if (argc == 2 && !strcmp(argv[1], "forbidden"))
		return forbidden();
	if (argc == 3 && !strcmp(argv[1], "cleanup")) {
		struct sv_err e = SV_ERR_INIT;

		if (jail_cleanup(argv[2], &e) < 0)
			fprintf(stderr, "%s\n", e.msg);
		return e.code != 0;
	}
	if (argc == 2 && !strcmp(argv[1], "count"))
		return printf("%zu\n", seccomp_vmm_count()) < 0;
	if (argc < 7 || strcmp(argv[5], "--")) {
		fprintf(stderr, "usage: see tests/jail/jail_run.c\n");
		return 2;
	}
	n = argc - 6;
	vargv = calloc((size_t)n + 3, sizeof(*vargv));
	for (i = 0; vargv && i < n; i++)
		vargv[i] = strdup(argv[6 + i]);
	if (!vargv)
		return 1;
	return run(strcmp(argv[1], "print") ? 1 : 0, argv[2], argv[3],
		   argv[4], vargv, n);
}
