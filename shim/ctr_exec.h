/* SPDX-License-Identifier: MIT */
/* exec sessions of the container monitor (ctr_exec.c). */
#ifndef SV_SHIM_CTR_EXEC_H
#define SV_SHIM_CTR_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shim/relay.h"

struct agent_client;
struct agent_msg;
struct pollfd;

#define EXEC_MAX 16

struct exec_sess {
	bool used;
	bool started;
	bool stdin_open;
	bool exited; /* "exit N" goes out once out[] drained */
	int status;
	uint32_t stream;
	struct relay_end in; /* the proxy's stdin */
	struct relay_end out[2]; /* its stdout, stderr */
	int ctl; /* the proxy's control connection */
};

/* pollfds per session: stdin, stdout, stderr */
#define EXEC_POLLFDS (3 * EXEC_MAX)

struct exec_table {
	struct exec_sess s[EXEC_MAX];
	uint32_t next_stream;
};

void exec_table_init(struct exec_table *t);
/* Takes ctl and fds on success; -EBUSY when EXEC_MAX run. */
int exec_begin(struct exec_table *t, struct agent_client *c, int ctl,
	       const int fds[3], const uint8_t *spec, size_t len);
/* A frame of an exec stream: handled, true; else false. A process that
 * starts after its proxy left (gave up waiting, or was killed) is killed:
 * nobody would see its output or its end. */
bool exec_frame(struct exec_table *t, struct agent_client *c,
		const struct agent_msg *m);
/* EXEC_POLLFDS pollfds: stdin of started sessions while read_in (the
 * agent's send queue has room), outputs with queued bytes; else fd -1. */
void exec_pollfds(struct exec_table *t, struct pollfd *p, bool read_in);
/* Relay what poll reported; end sessions whose output drained. */
void exec_events(struct exec_table *t, struct agent_client *c,
		 const struct pollfd *p);
/* Some session's output queue is over its cap. */
bool exec_full(const struct exec_table *t);
/* Some session still has output queued. */
bool exec_pending(const struct exec_table *t);
int exec_signal(struct exec_table *t, struct agent_client *c, uint32_t stream,
		int sig);
/* The container ended: every proxy gets its status, or "exit 137". */
void exec_end_all(struct exec_table *t);

#endif /* SV_SHIM_CTR_EXEC_H */
