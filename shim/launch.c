// SPDX-License-Identifier: MIT
/*
 * vmm_launch(): the one place the VMM is exec'd, jailed or not. The child
 * asks for SIGKILL when its parent (the container monitor) dies, keeps only
 * fds 0-2, sends its stderr to the VMM log, then either runs the jail
 * steps (shim/jail.c, linked when present: weak symbols below) or execs
 * directly, in a->cwd (the state directory, so that "./qmp.sock" names
 * the container's socket when its absolute path is too long for a
 * sockaddr_un). An exec failure comes back over a close-on-exec pipe, so
 * the caller knows the VMM really started.
 */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sv/err.h"
#include "shim/jail.h"

#pragma weak jail_exec
#pragma weak jail_cgroup_enter

int shim_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void shim_close_fds(const int *keep, unsigned int n)
{
	int k[8] = { 0 }, from = 3;
	unsigned int i, m = 0;

	for (i = 0; i < n && m < ARRAY_SIZE(k); i++)
		if (keep[i] >= 3)
			k[m++] = keep[i];
	qsort(k, m, sizeof(k[0]), cmp_int);
	for (i = 0; i < m; i++) {
		if (k[i] > from)
			close_range((unsigned int)from, (unsigned int)k[i] - 1,
				    0);
		from = k[i] + 1;
	}
	close_range((unsigned int)from, ~0u, 0);
}

static bool executable(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && !access(p, X_OK);
}

static int path_search(const char *name, char **out)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy = strdup(path ? path : "/usr/bin:/bin");
	char *dir, *save = NULL, *cand;

	for (dir = copy ? strtok_r(copy, ":", &save) : NULL; dir;
	     dir = strtok_r(NULL, ":", &save)) {
		if (asprintf(&cand, "%s/%s", dir, name) < 0)
			return -ENOMEM;
		if (dir[0] == '/' && executable(cand)) {
			*out = cand;
			return 0;
		}
		free(cand);
	}
	return -ENOENT;
}

int vmm_find_binary(const char *cfg, char **out, struct sv_err *e)
{
	const char *env = getenv("STRATOVIRT_SHIM_VMM");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if ((!env || !env[0]) && cfg) {
		if (executable(cfg))
			return (*out = strdup(cfg)) ? 0 : -ENOMEM;
		return sv_err_set(e, ENOENT,
				  "config \"vmm\": %.200s: not an executable",
				  cfg);
	}
	if (env && env[0]) {
		if (strchr(env, '/') && executable(env))
			return (*out = strdup(env)) ? 0 : -ENOMEM;
		if (!strchr(env, '/') && path_search(env, out) == 0)
			return 0;
		return sv_err_set(
			e, ENOENT,
			"STRATOVIRT_SHIM_VMM=%.200s: not an executable", env);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 16);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			strcpy(slash + 1, "stratovirt");
			if (executable(self))
				return (*out = strdup(self)) ? 0 : -ENOMEM;
		}
	}
	if (path_search("stratovirt", out) == 0)
		return 0;
	return sv_err_set(
		e, ENOENT,
		"VMM binary stratovirt not found next to the shim or in $PATH (set STRATOVIRT_SHIM_VMM)");
}

static void child_fail(int fd, const char *msg)
{
	if (write(fd, msg, strlen(msg)) < 0)
		_exit(126);
	_exit(127);
}

static SV_NORETURN void vmm_child(const struct launch_args *a, pid_t parent,
				  int err_fd)
{
	struct sv_err e = SV_ERR_INIT;
	char msg[SV_ERR_MSG_MAX + 64];
	sigset_t none;
	int fd;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127); /* the monitor is already gone */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	fd = open(a->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && dup2(fd, STDERR_FILENO) < 0)
		child_fail(err_fd, "dup2 VMM log");
	shim_close_fds(&err_fd, 1);
	if (a->cwd && chdir(a->cwd) < 0)
		child_fail(err_fd, "chdir to the state directory");
	if (a->jail) {
		if (!jail_exec)
			child_fail(err_fd, "this build has no jail");
		if (jail_exec(a->jail, a->argv, &e) < 0 || e.code)
			snprintf(msg, sizeof(msg), "jail: %s", e.msg);
		else
			snprintf(msg, sizeof(msg), "jail: %s", e.msg);
		child_fail(err_fd, msg);
	}
	execv(a->argv[0], a->argv);
	snprintf(msg, sizeof(msg), "exec %.200s: %s", a->argv[0],
		 strerror(errno));
	child_fail(err_fd, msg);
	_exit(127);
}

int fork_with_pipe(int p[2], pid_t *child, struct sv_err *e)
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return sv_err_set(e, errno, "pipe: %s", strerror(errno));
	*child = fork();
	if (*child < 0) {
		close(p[0]);
		close(p[1]);
		return sv_err_set(e, errno, "fork: %s", strerror(errno));
	}
	return 0;
}

int vmm_launch(const struct launch_args *a, pid_t *pid, struct sv_err *e)
{
	char msg[SV_ERR_MSG_MAX];
	pid_t parent = getpid(), child;
	int p[2], ret;
	ssize_t n;

	/* The monitor (the caller) joins linux.cgroupsPath; the VMM inherits
	 * it. */
	if (a->jail && jail_cgroup_enter &&
	    (ret = jail_cgroup_enter(a->jail, e)) < 0)
		return ret;
	if ((ret = fork_with_pipe(p, &child, e)) < 0)
		return ret;
	if (child == 0)
		vmm_child(a, parent, p[1]);
	close(p[1]);
	do
		n = read(p[0], msg, sizeof(msg) - 1);
	while (n < 0 && errno == EINTR);
	close(p[0]);
	if (n > 0) {
		msg[n] = '\0';
		waitpid(child, NULL, 0);
		return sv_err_set(e, ENOEXEC, "starting the VMM: %s", msg);
	}
	*pid = child;
	return 0;
}
