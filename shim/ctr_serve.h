/* SPDX-License-Identifier: MIT */
/*
 * The container monitor's event loop state (ctr_agent.c) and its control
 * socket (ctr_ctl.c). Nothing in the loop blocks: the agent connection is
 * queued (agent_client_set_queued), stdio goes through relay ends, and a
 * control client's request is collected as it arrives, within
 * CTL_DEADLINE_MS, while the relays go on.
 */
#ifndef SV_SHIM_CTR_SERVE_H
#define SV_SHIM_CTR_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shim/ctr_exec.h"
#include "shim/relay.h"

struct monitor_args;
struct agent_client;
struct pollfd;
struct sv_err;

#define CTR_STREAM 1u
#define CTL_LINE 128
#define CTL_PENDING 8 /* control clients being read at once */
#define CTL_DEADLINE_MS 2000 /* to send a whole request */

struct ctl_conn {
	int fd; /* -1: free slot */
	long deadline; /* CLOCK_MONOTONIC ms */
	int fds[3]; /* SCM_RIGHTS (exec), else -1 */
	uint8_t *buf;
	size_t have;
};

struct serve {
	const struct monitor_args *a;
	struct agent_client *c;
	pid_t vmm;
	int state_dir; /* O_PATH: gone (st_nlink 0) ends the monitor */
	int ctl_listen;
	int ctl_client; /* waiting for STARTED/ERROR, or -1 */
	bool started;
	bool stdin_open;
	bool exited;
	int status; /* the workload's, once exited */
	struct relay_end in; /* fd 0 */
	struct relay_end out[2]; /* fds 1, 2 */
	struct ctl_conn conn[CTL_PENDING];
	struct exec_table ex;
};

/* pollfds of the control socket: the listener, then each connection. */
#define CTL_POLLFDS (1 + CTL_PENDING)

long serve_now_ms(void);
int ctl_listen_open(const char *path, struct sv_err *e);
void ctl_init(struct serve *s);
void ctl_pollfds(struct serve *s, struct pollfd *p);
void ctl_events(struct serve *s, const struct pollfd *p);
/* Answer the client waiting for start (if any) and close it. */
void ctl_done(struct serve *s, const char *msg);
void ctl_fini(struct serve *s);

#endif /* SV_SHIM_CTR_SERVE_H */
