/* SPDX-License-Identifier: MIT */
/*
 * Machine lifecycle shared by microvm and q35: vCPU threads, pause/resume,
 * and the single shutdown path (guest poweroff/reset, QMP quit, signals all
 * go through machine_request_shutdown(); the main loop then emits the
 * SHUTDOWN event, stops the vCPUs, flushes disks and returns the status).
 */
#ifndef SV_VMM_MACHINE_MACHINE_H
#define SV_VMM_MACHINE_MACHINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "vmm/bus/bus.h"
#include "vmm/mem/mem.h"

struct vmm_config;
struct kvm_vm;
struct kvm_vcpu;
struct eventloop;
struct qmp_server;

enum shutdown_cause {
	SHUTDOWN_NONE = 0,
	SHUTDOWN_GUEST_RESET,	/* triple fault, i8042, reboot=k: exit 0 */
	SHUTDOWN_GUEST_POWEROFF,
	SHUTDOWN_HOST_QMP_QUIT,
	SHUTDOWN_HOST_QMP_RESET,	/* system_reset on microvm */
	SHUTDOWN_HOST_SIGNAL,
	SHUTDOWN_DEBUG_EXIT,	/* isa-debug-exit status */
	SHUTDOWN_GUEST_ERROR,	/* unhandled vCPU exit: exit 1 */
};

enum run_state {
	RUN_STATE_RUNNING,
	RUN_STATE_PAUSED,
	RUN_STATE_SHUTDOWN,
};

struct vcpu {
	struct machine *m;
	struct kvm_vcpu *kvm;
	unsigned int id;
	pthread_t thread;
	bool thread_started;
	uint64_t exits;		/* for query-cpus/bench, vCPU thread only */
	int tid;
};

struct machine_ops;

struct machine {
	const struct machine_ops *ops;
	struct vmm_config *cfg;
	struct kvm_vm *vm;
	struct gmem mem;
	struct bus pio;
	struct bus mmio;
	struct eventloop *loop;
	unsigned int nr_cpus;
	struct vcpu *vcpus;
	void *priv;		/* the machine type's own state */

	/* Pause protocol; protected by run_lock. */
	pthread_mutex_t run_lock;
	pthread_cond_t run_cond;
	bool pause_req;
	bool stopping;
	unsigned int nr_parked;
	enum run_state state;

	/* Shutdown: first cause wins; then shutdown_efd wakes the loop. */
	int shutdown_cause;	/* enum shutdown_cause, atomic */
	int shutdown_signal;
	int exit_status;
	int shutdown_efd;
	int signal_fd;
	int reset_efd;		/* in-place reset requests (q35) */
	int reset_guest;	/* atomic: last request came from the guest */

	struct qmp_server *qmp;
};

/* QMP hot-plug requests (microvm: filling pre-created slots). */
struct hotplug_blockdev {
	const char *node_name;
	const char *file;
	bool readonly;
	bool direct;
};

struct hotplug_device {
	const char *id;
	const char *driver;
	const char *drive;	/* node-name of a blockdev */
	const char *addr;	/* slot index, NULL = first free */
	const char *serial;
	const char *bus;	/* q35: the pcie-root-port's id */
};

struct machine_ops {
	const char *name;
	/* Create memory, devices and boot state (before vCPUs exist). */
	int (*create)(struct machine *m);
	/* Set up vCPU id's registers for boot. */
	int (*vcpu_init)(struct machine *m, struct vcpu *v);
	void (*destroy)(struct machine *m);
	/* Called before the process exits: flush disks. */
	void (*flush)(struct machine *m);
	/*
	 * Hot-plug, on the event-loop thread. On error, return -errno with a
	 * one-line reason in err (it becomes the QMP GenericError desc).
	 */
	int (*blockdev_add)(struct machine *m, const struct hotplug_blockdev *b,
			    char *err, size_t errlen);
	int (*blockdev_del)(struct machine *m, const char *node_name,
			    char *err, size_t errlen);
	int (*device_add)(struct machine *m, const struct hotplug_device *d,
			  char *err, size_t errlen);
	int (*device_del)(struct machine *m, const char *id, char *err,
			  size_t errlen);
	/*
	 * In-place reset (q35), on the event-loop thread with every vCPU
	 * parked: devices back to power-on state, boot state reloaded. Then
	 * vcpu_reset runs for each vCPU. NULL (microvm): a reset ends the VM.
	 */
	int (*reset)(struct machine *m);
	int (*vcpu_reset)(struct machine *m, struct vcpu *v);
	/* ACPI power button (q35); NULL: power off at once (microvm). */
	void (*powerdown)(struct machine *m);
};

extern const struct machine_ops microvm_ops;
extern const struct machine_ops q35_ops;

int machine_create(struct vmm_config *cfg, struct machine **out) SV_MUST_CHECK;
/* Start vCPUs (paused with -S) and run the event loop; returns exit status. */
int machine_run(struct machine *m);
void machine_destroy(struct machine *m);

/* Any thread. The first cause is kept; later requests are ignored. */
void machine_request_shutdown(struct machine *m, enum shutdown_cause cause,
			      int status);
/*
 * Any thread: reset the machine in place if it supports it (and the guest
 * asked for it without -no-reboot), else shut down with SHUTDOWN_GUEST_RESET
 * or SHUTDOWN_HOST_QMP_RESET. guest: the guest asked (RESET event data).
 */
void machine_request_reset(struct machine *m, bool guest);
/* Event-loop thread (QMP stop/cont). Return -EINVAL in the wrong state. */
int machine_pause(struct machine *m) SV_MUST_CHECK;
int machine_resume(struct machine *m) SV_MUST_CHECK;
enum run_state machine_state(struct machine *m);
/* SHUTDOWN event data for a cause: guest flag and reason string. */
const char *machine_shutdown_reason(const struct machine *m, bool *guest);

#endif /* SV_VMM_MACHINE_MACHINE_H */
