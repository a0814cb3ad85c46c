/* SPDX-License-Identifier: MIT */
/*
 * QMP server as the machine sees it: created on the event loop before the
 * first vCPU runs, emits events. Commands live in vmm/qmp/ (dispatch.c).
 */
#ifndef SV_VMM_QMP_QMP_H
#define SV_VMM_QMP_QMP_H

#include "sv/compiler.h"

struct machine;
struct qmp_cfg;
struct qmp_server;

/* One server listening on every socket of cfgs (-qmp and -mon). */
int qmp_server_create(struct machine *m, const struct qmp_cfg *cfgs,
		      unsigned int n, struct qmp_server **out) SV_MUST_CHECK;
/* Closes clients, the listening socket, and unlinks a unix socket path. */
void qmp_server_destroy(struct qmp_server *s);
/*
 * Queue an event for the connected client (dropped when none). data_json
 * is a JSON object text or NULL for {}. Any thread.
 */
void qmp_server_emit_event(struct qmp_server *s, const char *event,
			   const char *data_json);
/*
 * Take the fd a client stored with getfd under name (netdev_add fds=...);
 * the caller owns it afterwards. -ENOENT if none. Event loop thread.
 */
int qmp_server_take_fd(struct qmp_server *s, const char *name) SV_MUST_CHECK;

#endif /* SV_VMM_QMP_QMP_H */
