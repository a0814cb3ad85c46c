// SPDX-License-Identifier: MIT
/*
 * tests/jail/forbidden MODE: installs the VMM's built-in seccomp filter
 * exactly as vmm/main.c does (sandbox_apply_builtin, env
 * STRATOVIRT_SECCOMP honoured), then
 *   allowed  - makes only allowed calls (write, a thread), exits 0;
 *   main     - calls getppid(2), not on the list: SIGSYS kills us;
 *   thread   - a thread started BEFORE the filter calls getppid: TSYNC
 *              must have covered it, so the whole process dies;
 *   ioctl    - ioctl(KVM_CREATE_VM), a request not on the list: killed;
 *   ioctl-ok - ioctl(KVM_RUN) and ioctl(TCSETS) on a bad fd, requests on
 *              the list: they fail with EBADF and we exit 0;
 *   pflash FILE - a pflash unit on FILE created before the filter, then a
 *              guest's program and erase of it (persisted to FILE, as
 *              OVMF writes its variables): must live, exit 0.
 * Exit 0 after a forbidden call means the filter let it through.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/bus/bus.h"
#include "vmm/devices/pflash.h"
#include "vmm/sandbox/filter.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int go;

static void *late(void *arg)
{
	pthread_mutex_lock(&lock);
	while (!go)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	syscall(SYS_getppid);
	return arg;
}

static void *nothing(void *arg)
{
	return arg;
}

static struct bus flash_bus;
static struct pflash *flash;

/* Before the filter: the unit as the q35 machine creates it. */
static int pflash_setup(const char *file)
{
	struct pflash_args a = { .mmio = &flash_bus, .file = file,
				 .gpa = PFLASH_TOP_GPA - PFLASH_SECTOR_SIZE };

	bus_init(&flash_bus, "mmio");
	return pflash_create(&a, &flash) ? 2 : 0;
}

/* After it: program byte 8 to 0x5a, then erase the block, as a guest. */
static int pflash_guest(void)
{
	static const uint8_t cmds[][2] = {
		{ 0x08, 0x40 }, { 0x08, 0x5a }, { 0x00, 0xff },
		{ 0x00, 0x20 }, { 0x00, 0xd0 }, { 0x00, 0xff },
		{ 0x08, 0x40 }, { 0x08, 0x5a }, { 0x00, 0xff },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!bus_write(&flash_bus, PFLASH_TOP_GPA - PFLASH_SECTOR_SIZE +
				cmds[i][0], &cmds[i][1], 1))
			return 2;
	return 0;
}

static int run(const char *mode, pthread_t t)
{
	static const char ok[] = "allowed calls work\n";

	if (!strcmp(mode, "allowed")) {
		pthread_t t2;

		if (pthread_create(&t2, NULL, nothing, NULL) ||
		    pthread_join(t2, NULL))
			return 2;
		return write(1, ok, sizeof(ok) - 1) == sizeof(ok) - 1 ? 0 : 2;
	}
	if (!strcmp(mode, "ioctl")) {
		ioctl(-1, KVM_CREATE_VM, 0);
		return 0;
	}
	if (!strcmp(mode, "ioctl-ok")) {
		if (ioctl(-1, KVM_RUN, 0) != -1 || errno != EBADF ||
		    ioctl(-1, TCSETS, NULL) != -1 || errno != EBADF)
			return 2;
		return 0;
	}
	if (!strcmp(mode, "pflash"))
		return pflash_guest();
	if (!strcmp(mode, "main")) {
		syscall(SYS_getppid);
		return 0;
	}
	pthread_mutex_lock(&lock);
	go = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 2 || (argc != 2 && strcmp(argv[1], "pflash")) ||
	    (!strcmp(argv[1], "pflash") && argc != 3)) {
		fprintf(stderr, "usage: forbidden "
			"allowed|main|thread|ioctl|ioctl-ok|pflash FILE\n");
		return 2;
	}
	if (!strcmp(argv[1], "pflash") && pflash_setup(argv[2]))
		return 2;
	if (pthread_create(&t, NULL, late, NULL))
		return 2;
	printf("filter: %u syscalls\n", sandbox_filter_nr_syscalls);
	printf("filter: %u ioctl requests\n", sandbox_filter_nr_ioctls);
	fflush(stdout);
	if (sandbox_apply_builtin() < 0)
		return 2;
	return run(argv[1], t);
}
