/* SPDX-License-Identifier: MIT */
/*
 * sv-agent internals (DESIGN.md 3.3). sv-agent.c: arguments, the channel
 * and the event loop; proc.c: starting processes from a spec and relaying
 * their stdio; sys.c: PID 1 duties in the VM (mounts, root disk, channel
 * discovery, poweroff) and the container's mounts.
 */
#ifndef SV_AGENT_AGENT_H
#define SV_AGENT_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sv/agent_proto.h"
#include "sv/compiler.h"

#define AGENT_MAX_PROCS 64
/* In the VM: power off this long after the container process exited,
 * if the host has not sent POWEROFF by then. */
#define AGENT_LINGER_MS 5000
/* Host stdin queued for a process that is not reading it; past this much
 * (over all processes) the agent stops reading the channel for a while. */
#define AGENT_STDIN_QUEUE (1024 * 1024)

struct aproc {
	bool used;
	bool is_init;
	uint32_t stream;
	pid_t pid;
	int in_fd; /* write end of stdin (or the pty master); -1 after EOF */
	int out_fd; /* read end of stdout (or the pty master) */
	int err_fd; /* read end of stderr, -1 in terminal mode */
	int tty_fd; /* pty master for TIOCSWINSZ, or -1 */
	bool in_eof; /* EOF from the host, applied once inq has drained */
	uint8_t *inq; /* stdin the pipe had no room for yet */
	size_t inq_len;
};

struct agent {
	bool vm; /* PID 1 of the VM: mount, poweroff */
	bool debug;
	bool started; /* START seen: root set up, init process run */
	bool init_exited;
	bool chan_wait; /* port without a host: retry later */
	long init_exit_ms;
	const char *root; /* container root directory */
	int chan; /* the channel fd */
	int sigfd; /* signalfd for SIGCHLD */
	size_t have;
	uint8_t rx[AGENT_MAX_FRAME];
	uint8_t tx[AGENT_MAX_FRAME];
	struct aproc procs[AGENT_MAX_PROCS];
	struct agent_spec spec; /* scratch for the last START/EXEC */
};

void agent_log(const char *fmt, ...) SV_PRINTF(1, 2);
#define agent_dbg(a, ...)                       \
	do {                                    \
		if ((a)->debug)                 \
			agent_log(__VA_ARGS__); \
	} while (0)

/* sv-agent.c */
long agent_now_ms(void);
int agent_send(struct agent *a, uint8_t type, uint32_t stream,
	       const void *payload, size_t len);
int agent_send_error(struct agent *a, uint32_t stream, int err,
		     const char *what);

/* proc.c */
struct aproc *proc_find(struct agent *a, uint32_t stream);
int proc_spawn(struct agent *a, uint32_t stream, bool is_init);
void proc_relay(struct agent *a, struct aproc *p, int fd);
void proc_stdin(struct agent *a, struct aproc *p, const uint8_t *buf,
		size_t len);
void proc_stdin_eof(struct aproc *p);
size_t proc_stdin_queued(const struct agent *a);
void proc_reap(struct agent *a);
void proc_kill_all(struct agent *a);
void proc_signal(struct agent *a, struct aproc *p, int sig, bool all);

/* sys.c */
int sys_vm_init(struct agent *a, char *port, size_t port_len);
int sys_open_port(const char *name);
int sys_setup_root(struct agent *a, const struct agent_spec *spec);
SV_NORETURN void sys_poweroff(struct agent *a);

#endif /* SV_AGENT_AGENT_H */
