/* SPDX-License-Identifier: MIT */
/* exec sessions of the container monitor (ctr_exec.c). */
#ifndef SV_SHIM_CTR_EXEC_H
#define SV_SHIM_CTR_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agent_client;
struct agent_msg;
struct pollfd;

#define EXEC_MAX 16

struct exec_sess {
	bool used;
	bool started;
	bool stdin_open;
	uint32_t stream;
	int fd[3];	/* the proxy's stdin, stdout, stderr */
	int ctl;	/* the proxy's control connection */
};

struct exec_table {
	struct exec_sess s[EXEC_MAX];
	uint32_t next_stream;
};

void exec_table_init(struct exec_table *t);
/* Takes ctl and fds on success; -EBUSY when EXEC_MAX run. */
int exec_begin(struct exec_table *t, struct agent_client *c, int ctl,
	       const int fds[3], const uint8_t *spec, size_t len);
/* A frame of an exec stream: handled, true; else false. */
bool exec_frame(struct exec_table *t, const struct agent_msg *m);
/* EXEC_MAX pollfds (stdin of started sessions, else fd -1). */
int exec_pollfds(struct exec_table *t, struct pollfd *p);
void exec_stdin(struct exec_table *t, struct agent_client *c,
		const struct pollfd *p);
int exec_signal(struct exec_table *t, struct agent_client *c, uint32_t stream,
		int sig);
/* Write all of p to fd (EINTR retried; a dead reader drops the rest). */
void exec_write_all(int fd, const uint8_t *p, size_t n);
/* The container ended: every proxy gets "exit 137". */
void exec_end_all(struct exec_table *t);

#endif /* SV_SHIM_CTR_EXEC_H */
