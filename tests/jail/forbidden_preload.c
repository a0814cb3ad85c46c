// SPDX-License-Identifier: MIT
/*
 * LD_PRELOAD into the real VMM binary (tests/jail/seccomp.sh): with
 * SV_TEST_FORBIDDEN=1, a thread started before main() waits until the
 * VMM's filter is on (Seccomp: 2 in /proc/self/status), then calls
 * getppid(2), which is not on the allowlist: the whole VMM must die with
 * SIGSYS (the thread predates the filter, so this also checks TSYNC).
 * With SV_TEST_FORBIDDEN=ioctl the call is ioctl(KVM_CREATE_VM) instead:
 * ioctl is allowed, but not that request.
 * Prints "forbidden: survived" on stderr if it lives on.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int filtered(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, "\nSeccomp:\t2\n") != NULL;
}

static int use_ioctl;

static void *probe(void *arg)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	static const char msg[] = "forbidden: survived\n";

	for (int i = 0; i < 200 && !filtered(); i++)
		nanosleep(&ts, NULL);
	if (!filtered())
		return arg; /* -disable-seccomp: nothing to probe */
	if (use_ioctl)
		ioctl(-1, KVM_CREATE_VM, 0);
	else
		syscall(SYS_getppid);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		return arg;
	return arg;
}

__attribute__((constructor)) static void start_probe(void)
{
	const char *on = getenv("SV_TEST_FORBIDDEN");
	pthread_t t;

	use_ioctl = on && !strcmp(on, "ioctl");
	if (on && (!strcmp(on, "1") || use_ioctl) &&
	    pthread_create(&t, NULL, probe, NULL) == 0)
		pthread_detach(t);
}
