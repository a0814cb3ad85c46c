// SPDX-License-Identifier: MIT
/* The jail's steps that stay inside the child (the table is in jail.c). */
#include "shim/jail_steps.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sv/err.h"

int jail_fail(struct jail_ctx *c, const char *path, struct sv_err *e)
{
	int err = errno ? errno : EINVAL;

	return sv_err_set(e, err, "jail: %s: %s: %s", c->step, path,
			  strerror(err));
}

int jail_validate(struct jail_ctx *c, struct sv_err *e)
{
	struct stat st;

	if (lstat(c->p->root, &st) == 0) {
		errno = EEXIST;
		return jail_fail(c, c->p->root, e);
	}
	return 0;
}

/* Is fd named in argv ("-seccomp-fd N", "fd=N")? Those stay open. */
static bool fd_in_argv(char *const *argv, int fd)
{
	char num[16], key[20];
	int i;

	snprintf(num, sizeof(num), "%d", fd);
	snprintf(key, sizeof(key), "fd=%d", fd);
	for (i = 1; argv[i]; i++) {
		const char *k = strstr(argv[i], key);

		if (k && !((k[strlen(key)] >= '0' && k[strlen(key)] <= '9')))
			return true;
		if (!strcmp(argv[i], num) &&
		    !strcmp(argv[i - 1], "-seccomp-fd"))
			return true;
	}
	return false;
}

/* Close every inherited fd >= 3 that is neither named in argv nor
 * close-on-exec (those go at exec: launch.c's report pipe is one). */
int jail_close_fds(struct jail_ctx *c, struct sv_err *e)
{
	int fd, fl;

	(void)e;
	for (fd = 3; fd < 1024; fd++) {
		fl = fcntl(fd, F_GETFD);
		if (fl < 0 || (fl & FD_CLOEXEC) || fd_in_argv(c->argv, fd))
			continue;
		close(fd);
	}
	syscall(SYS_close_range, 1024U, ~0U, 0U);
	return 0;
}

int jail_mkdir_root(struct jail_ctx *c, struct sv_err *e)
{
	const struct jail_plan *p = c->p;

	if (mkdir(p->root, 0700) < 0)
		return jail_fail(c, p->root, e);
	if (chown(p->root, p->uid, p->gid) < 0 ||
	    chown(p->state_dir, p->uid, p->gid) < 0) {
		jail_fail(c, p->root, e);
		rmdir(p->root);
		return -e->code;
	}
	return 0;
}

void jail_rmdir_root(struct jail_ctx *c)
{
	if (chown(c->p->state_dir, 0, 0) < 0)
		fprintf(stderr, "jail: undo: chown %s: %s\n", c->p->state_dir,
			strerror(errno));
	rmdir(c->p->root);
}

int jail_unshare(struct jail_ctx *c, struct sv_err *e)
{
	if (unshare(c->p->unshare_flags) < 0)
		return jail_fail(c, "unshare", e);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return jail_fail(c, "/", e);
	return 0;
}

int jail_setns_net(struct jail_ctx *c, struct sv_err *e)
{
	int fd;

	if (!c->p->netns)
		return 0;
	fd = open(c->p->netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jail_fail(c, c->p->netns, e);
	if (setns(fd, CLONE_NEWNET) < 0) {
		jail_fail(c, c->p->netns, e);
		close(fd);
		return -e->code;
	}
	close(fd);
	return 0;
}

int jail_open_binary(struct jail_ctx *c, struct sv_err *e)
{
	c->bin_fd = open(c->p->binary, O_PATH | O_CLOEXEC);
	return c->bin_fd < 0 ? jail_fail(c, c->p->binary, e) : 0;
}

void jail_close_binary(struct jail_ctx *c)
{
	if (c->bin_fd >= 0)
		close(c->bin_fd);
	c->bin_fd = -1;
}

int jail_pivot_root(struct jail_ctx *c, struct sv_err *e)
{
	const char *r = c->p->root;

	if (mount(r, r, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(r) < 0)
		return jail_fail(c, r, e);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return jail_fail(c, r, e);
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return jail_fail(c, "old root", e);
	return 0;
}

int jail_rlimits(struct jail_ctx *c, struct sv_err *e)
{
	struct rlimit nofile = { c->p->nofile, c->p->nofile };
	struct rlimit core = { 0, 0 };

	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		return jail_fail(c, "RLIMIT_NOFILE", e);
	if (setrlimit(RLIMIT_CORE, &core) < 0)
		return jail_fail(c, "RLIMIT_CORE", e);
	return 0;
}

int jail_switch_ids(struct jail_ctx *c, struct sv_err *e)
{
	if (setgroups(0, NULL) < 0)	/* /dev/kvm in the root is the uid's */
		return jail_fail(c, "setgroups", e);
	if (setresgid(c->p->gid, c->p->gid, c->p->gid) < 0)
		return jail_fail(c, "setresgid", e);
	if (setresuid(c->p->uid, c->p->uid, c->p->uid) < 0)
		return jail_fail(c, "setresuid", e);
	return 0;
}

int jail_no_new_privs(struct jail_ctx *c, struct sv_err *e)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return jail_fail(c, "PR_SET_NO_NEW_PRIVS", e);
	return 0;
}

static pid_t vmm_child;

static void forward(int sig)
{
	if (vmm_child > 0)
		kill(vmm_child, sig);
}

/* The new PID namespace applies to children: fork the VMM as its pid 1,
 * and stay as a small waiter that forwards signals and its exit status. */
static void wait_vmm(pid_t pid, pid_t parent, int pdeath)
{
	int st, sig;

	vmm_child = pid;
	/* The id switch cleared PR_SET_PDEATHSIG: die with the monitor again
	 * if launch.c asked for it (the VMM dies with us: its own is set
	 * after its fork). */
	if (pdeath && (prctl(PR_SET_PDEATHSIG, pdeath, 0, 0, 0) < 0 ||
		       getppid() != parent))
		kill(pid, SIGKILL);
	for (sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			signal(sig, forward);
	syscall(SYS_close_range, 0U, ~0U, 0U);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st)) {
		signal(WTERMSIG(st), SIG_DFL);
		raise(WTERMSIG(st));
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128);
}

int jail_do_exec(struct jail_ctx *c, struct sv_err *e)
{
	static char path_env[] = "PATH=/usr/bin";
	char *const env[] = { path_env, NULL };
	pid_t parent = getppid(), pid = fork();

	if (pid < 0)
		return jail_fail(c, "fork", e);
	if (pid > 0)
		wait_vmm(pid, parent, c->pdeath);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	syscall(SYS_execveat, c->bin_fd, "", c->argv, env, AT_EMPTY_PATH);
	fprintf(stderr, "jail: exec: %s: %s\n", c->p->binary,
		strerror(errno));
	_exit(127);
}
