// SPDX-License-Identifier: MIT
/*
 * The container monitor (DESIGN.md 3.1): forked by `create`, a new session
 * leader holding the stdio given to create (or the pty slave), parent of
 * the VMM. It reports "ready" to create over a pipe once QMP answers,
 * forwards the terminating signals it gets to the VMM, and exits with the
 * VMM's status (128+N when the VMM died of signal N). The VMM has
 * PR_SET_PDEATHSIG, so killing the monitor kills the VM; and the monitor
 * kills the VM and ends when its state directory is removed under it.
 */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sv/err.h"

#define REPORT_MAX (SV_ERR_MSG_MAX + 64)

static volatile sig_atomic_t vmm_pid_g;

static void forward_signal(int sig)
{
	if (vmm_pid_g > 0)
		kill((pid_t)vmm_pid_g, sig);
}

static void install_forwarders(void)
{
	static const int sigs[] = { SIGTERM, SIGINT,  SIGHUP,
				    SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward_signal };
	unsigned int i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The last non-empty line of the VMM log, for error messages. */
static void log_tail(const char *path, char *out, size_t cap)
{
	char buf[512], *end, *start;
	ssize_t n = -1;
	off_t size;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	out[0] = '\0';
	if (fd >= 0) {
		size = lseek(fd, 0, SEEK_END);
		if (size >= 0)
			n = pread(fd, buf, sizeof(buf) - 1,
				  size > (off_t)sizeof(buf) - 1 ?
					  size - (off_t)sizeof(buf) + 1 :
					  0);
		close(fd);
	}
	if (n <= 0)
		return;
	buf[n] = '\0';
	end = buf + n;
	while (end > buf && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	start = strrchr(buf, '\n');
	snprintf(out, cap, "%.256s", start ? start + 1 : buf);
}

static int vmm_exited(pid_t pid, const char *log, struct sv_err *e)
{
	char tail[300];
	int st;

	if (waitpid(pid, &st, WNOHANG) != pid)
		return 0;
	log_tail(log, tail, sizeof(tail));
	return sv_err_set(e, EIO, "VMM exited with status %d%s%s",
			  shim_exit_code(st), tail[0] ? ": " : "", tail);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Ready = QMP answers query-status with a paused (or running) VM. */
static int wait_ready(const struct monitor_args *a, pid_t pid, struct sv_err *e)
{
	long deadline = now_ms() + a->ready_timeout_ms;
	char reply[512];
	int fd, ret;

	while (now_ms() < deadline) {
		ret = vmm_exited(pid, a->launch->log_path, e);
		if (ret < 0)
			return ret;
		if (qmp_connect(a->qmp_path, 2000, &fd, e) == 0) {
			ret = qmp_command(fd, "query-status", reply,
					  sizeof(reply), e);
			close(fd);
			if (ret == 0 && strstr(reply, "\"status\":"))
				return 0;
		}
		sv_err_clear(e);
		usleep(10000);
	}
	return sv_err_set(e, ETIMEDOUT, "VMM not ready after %d ms",
			  a->ready_timeout_ms);
}

static void report(int fd, const char *msg)
{
	if (write(fd, msg, strlen(msg)) < 0)
		_exit(1);
}

static bool dir_gone(int dfd)
{
	struct stat sb;

	return dfd >= 0 && (fstat(dfd, &sb) < 0 || sb.st_nlink == 0);
}

/* The VMM's exit status; SIGKILL to it (137) if the state dir goes. */
static int wait_vmm(const struct monitor_args *a, pid_t pid)
{
	char *dir = strdup(a->qmp_path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	struct pollfd p = { .fd = (int)syscall(SYS_pidfd_open, pid, 0),
			    .events = POLLIN };
	int st, dfd = -1;
	pid_t r;

	if (slash) {
		*slash = '\0';
		dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	free(dir);
	while ((r = waitpid(pid, &st, WNOHANG)) <= 0) {
		if (r < 0 && errno != EINTR)
			return 255;
		if (dir_gone(dfd)) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return 137;
		}
		if (p.fd < 0 || poll(&p, 1, 200) < 0)
			usleep(200 * 1000);
	}
	return shim_exit_code(st);
}

static SV_NORETURN void monitor_main(const struct monitor_args *a, int sync)
{
	struct sv_err e = SV_ERR_INIT;
	int keep[2] = { sync, shim_log_fd() };
	struct agent_client *agent = NULL;
	int ctl_fd = -1;
	char msg[REPORT_MAX];
	pid_t pid = -1;

	setsid();
	prctl(PR_SET_NAME, "sv-monitor"); /* readable in ps; argv stays */
	if (chdir("/") < 0) /* never pin the caller's cwd (a bundle mount) */
		sv_err_set(&e, errno, "chdir /: %s", strerror(errno));
	if (a->stdio_fd >= 0 &&
	    (dup2(a->stdio_fd, 0) < 0 || dup2(a->stdio_fd, 1) < 0 ||
	     dup2(a->stdio_fd, 2) < 0))
		sv_err_set(&e, errno, "stdio: %s", strerror(errno));
	shim_close_fds(keep, 2);
	install_forwarders();
	if (e.code == 0 && vmm_launch(a->launch, &pid, &e) == 0) {
		vmm_pid_g = pid;
		if (wait_ready(a, pid, &e) < 0 ||
		    (a->agent_path && agent_boot(a, &agent, &ctl_fd, &e) < 0))
			kill(pid, SIGKILL);
	}
	if (e.code) {
		snprintf(msg, sizeof(msg), "err %s", e.msg);
		report(sync, msg);
		_exit(1);
	}
	snprintf(msg, sizeof(msg), "ok %d", (int)pid);
	report(sync, msg);
	close(sync);
	if (agent)
		agent_serve(a, agent, ctl_fd, pid);
	_exit(wait_vmm(a, pid));
}

static int read_report(int fd, int timeout_ms, char *buf, size_t cap)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t r;
	int pr;

	while (n + 1 < cap) {
		pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return (int)n;
}

int monitor_spawn(const struct monitor_args *a, pid_t *monitor, pid_t *vmm,
		  struct sv_err *e)
{
	char msg[REPORT_MAX];
	pid_t child;
	int p[2], ret;

	if ((ret = fork_with_pipe(p, &child, e)) < 0)
		return ret;
	if (child == 0) {
		close(p[0]);
		monitor_main(a, p[1]);
	}
	close(p[1]);
	read_report(p[0], a->ready_timeout_ms + 5000, msg, sizeof(msg));
	close(p[0]);
	if (!strncmp(msg, "ok ", 3)) {
		*monitor = child;
		*vmm = (pid_t)atoi(msg + 3);
		return 0;
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return sv_err_set(
		e, EIO, "%s",
		!strncmp(msg, "err ", 4) ?
			msg + 4 :
			"container monitor exited before the VM was ready");
}
