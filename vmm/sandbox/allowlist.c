// SPDX-License-Identifier: MIT
/*
 * Every syscall the VMM may make once the machine is built (the filter goes
 * on after machine_create(), before the vCPU threads start). Measured with
 * `strace -f` on the emulated-CPU build running the boot, block, QMP
 * (stop/cont, hot-plug, quit) and virtio-console suites; ioctl is what
 * KVM_RUN and the other KVM calls go through on the real build. Anything
 * else kills the process. Keep it short: StratoVirt's microvm allows 67.
 */
#include "vmm/sandbox/allowlist.h"

const char *const sandbox_allowlist[] = {
	/* Device emulation and the event loop. */
	"read", /* eventfds, signalfd, serial stdin, virtio-console */
	"write", /* eventfd kicks, serial/console output, the log */
	"preadv", /* virtio-blk reads (block.c is all vectored I/O) */
	"pwritev", /* virtio-blk writes */
	"fdatasync", /* virtio-blk FLUSH, and the flush at exit */
	"epoll_wait", /* the main loop waits for every fd here */
	"epoll_ctl", /* fds join and leave the loop (QMP, hot-plug) */
	"eventfd2", /* ioeventfds of a virtio device the guest activates */
	"ioctl", /* KVM_RUN, KVM_IRQ_LINE, KVM_IOEVENTFD, ... */
	"close", /* QMP clients leave, hot-unplugged devices' fds */
	"fcntl", /* O_NONBLOCK on accepted QMP sockets */
	"clock_nanosleep", /* serial output back-off on EAGAIN */
	"restart_syscall", /* that sleep resumes after a vCPU kick */
	"clock_gettime", /* log/QMP event timestamps without the vDSO */
	/* QMP: the monitor socket. */
	"accept4", /* a QMP client connects */
	"recvmsg", /* QMP input (and SCM_RIGHTS fds for getfd) */
	"sendto", /* QMP replies and events: send(MSG_NOSIGNAL) */
	"poll", /* QMP send back-off while a client's socket is full */
	"unlink", /* the QMP socket is removed at exit */
	/* Hot-plug (QMP blockdev-add / device_add). */
	"openat", /* opens the image a blockdev-add names */
	"lseek", /* sizes it (SEEK_END) */
	"flock", /* locks it like the start-up drives */
	/* Memory: malloc and thread stacks. */
	"mmap", /* malloc arenas, vCPU thread stacks */
	"munmap", /* free of large blocks, thread stacks */
	"mprotect", /* guard page of a new thread stack, arena growth */
	"madvise", /* glibc trims a dying thread's stack */
	"brk", /* malloc's main heap */
	/* Threads: the vCPUs start after the filter, covered by TSYNC. */
	"clone3", /* pthread_create */
	"clone", /* pthread_create on kernels without clone3 */
	"set_robust_list", /* a new thread registers its robust futexes */
	"rseq", /* a new thread registers restartable sequences */
	"futex", /* mutexes, condition variables, pthread_join */
	"rt_sigaction", /* start_vcpus() installs the vCPU kick handler */
	"rt_sigprocmask", /* threads block/unblock the kick signal */
	"rt_sigreturn", /* returning from the vCPU kick handler */
	"getpid", /* pthread_kill's tgkill needs the tgid */
	"gettid", /* pthread_kill, log line prefixes */
	"tgkill", /* kick a vCPU out of KVM_RUN (pause, shutdown) */
	"exit", /* a vCPU thread ends */
	"exit_group", /* the VMM ends */
};

const size_t sandbox_allowlist_len =
	sizeof(sandbox_allowlist) / sizeof(sandbox_allowlist[0]);
