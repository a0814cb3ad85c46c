// SPDX-License-Identifier: MIT
/*
 * Every syscall the VMM may make once the machine is built (the filter goes
 * on after machine_create(), before the vCPU threads start). Measured with
 * `strace -f` on the emulated-CPU build running the boot, block, QMP
 * (stop/cont, hot-plug, quit) and virtio-console suites; ioctl is allowed
 * only for the requests of sandbox_ioctls[] below (every ioctl( call in
 * vmm/kvm/kvm.c and vmm/backends/ that can run once the machine is built).
 * Anything else kills the process. Keep it short: StratoVirt's microvm
 * allows 67.
 */
#include "vmm/sandbox/allowlist.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>

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
	"ioctl", /* only the requests of sandbox_ioctls[] */
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

/*
 * The ioctl requests, matched on the low 32 bits of the second argument
 * (the kernel's `unsigned int cmd`). Not here, because they only run while
 * the machine is built: KVM_GET_API_VERSION, KVM_CREATE_VM,
 * KVM_GET_VCPU_MMAP_SIZE, KVM_CREATE_VCPU, KVM_CREATE_IRQCHIP,
 * KVM_CREATE_PIT2, KVM_SET_TSS_ADDR, KVM_SET_IDENTITY_MAP_ADDR. The stdio
 * and pty chardevs set raw mode before the filter; only the restore at
 * exit runs under it.
 */
#define IOC(req) { (req), #req }

const struct sandbox_ioctl sandbox_ioctls[] = {
	/* vCPU fd */
	IOC(KVM_RUN), /* the vCPU threads enter the guest */
	IOC(KVM_GET_REGS), /* q35 reset, and the crash dump */
	IOC(KVM_SET_REGS), /* q35 reset: boot registers */
	IOC(KVM_GET_SREGS), /* q35 reset, and the crash dump */
	IOC(KVM_SET_SREGS), /* q35 reset: segments, CRs */
	IOC(KVM_SET_FPU), /* q35 reset: FPU power-on state */
	IOC(KVM_SET_MSRS), /* q35 reset: boot MSRs */
	IOC(KVM_GET_LAPIC), /* q35 reset: LINT0/1 setup */
	IOC(KVM_SET_LAPIC), /* q35 reset: LINT0/1 setup */
	IOC(KVM_SET_MP_STATE), /* q35 reset: BSP runs, APs wait */
	IOC(KVM_SET_CPUID2), /* q35 reset re-applies the CPUID */
	/* VM fd */
	IOC(KVM_IRQ_LINE), /* level interrupts (serial, RTC) */
	IOC(KVM_IRQFD), /* a virtio device's irqfd, hot-plug */
	IOC(KVM_IOEVENTFD), /* queue notify eventfds */
	IOC(KVM_SIGNAL_MSI), /* q35: a PCI device's MSI */
	IOC(KVM_SET_USER_MEMORY_REGION), /* q35: the pflash ROM slot */
	/* /dev/kvm fd */
	IOC(KVM_GET_SUPPORTED_CPUID), /* q35 reset: CPUID */
	/* chardevs */
	IOC(TCGETS), /* glibc's tcsetattr() reads the mode first (exit) */
	IOC(TCSETS), /* stdio chardev: restore the tty mode at exit */
};

const size_t sandbox_ioctls_len =
	sizeof(sandbox_ioctls) / sizeof(sandbox_ioctls[0]);
