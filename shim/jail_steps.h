/* SPDX-License-Identifier: MIT */
/* The jail's steps (shim/jail_steps.c, jail_cgroup.c), table in jail.c. */
#ifndef SV_SHIM_JAIL_STEPS_H
#define SV_SHIM_JAIL_STEPS_H

#include "shim/jail_int.h"

struct sv_err;

struct jail_ctx {
	const struct jail_plan *p;
	char *const *argv;
	const char *step; /* the step being applied, for messages */
	int bin_fd; /* O_PATH fd of the VMM binary */
	size_t n_mounted; /* binds done, for the undo */
	int cg_done; /* bitmask of enum jail_cg_kind joined */
	int pdeath; /* PR_SET_PDEATHSIG on entry (the id switch clears it) */
};

struct jail_step {
	const char *name;
	int (*apply)(struct jail_ctx *c, struct sv_err *e);
	void (*undo)(struct jail_ctx *c);
};

/* Fill e with "jail: <step>: <path>: <strerror(errno)>", return -errno. */
int jail_fail(struct jail_ctx *c, const char *path, struct sv_err *e);

int jail_validate(struct jail_ctx *c, struct sv_err *e);
int jail_close_fds(struct jail_ctx *c, struct sv_err *e);
int jail_mkdir_root(struct jail_ctx *c, struct sv_err *e);
void jail_rmdir_root(struct jail_ctx *c);
int jail_cgroup_join(struct jail_ctx *c, struct sv_err *e);
void jail_cgroup_leave(struct jail_ctx *c);
int jail_unshare(struct jail_ctx *c, struct sv_err *e);
int jail_setns_net(struct jail_ctx *c, struct sv_err *e);
int jail_bind_mounts(struct jail_ctx *c, struct sv_err *e);
void jail_unbind_mounts(struct jail_ctx *c);
int jail_open_disks(struct jail_ctx *c, struct sv_err *e);
void jail_close_disks(struct jail_ctx *c);
int jail_open_binary(struct jail_ctx *c, struct sv_err *e);
void jail_close_binary(struct jail_ctx *c);
int jail_pivot_root(struct jail_ctx *c, struct sv_err *e);
int jail_rlimits(struct jail_ctx *c, struct sv_err *e);
int jail_drop_caps(struct jail_ctx *c, struct sv_err *e);
int jail_switch_ids(struct jail_ctx *c, struct sv_err *e);
int jail_verify_caps(struct jail_ctx *c, struct sv_err *e);
int jail_no_new_privs(struct jail_ctx *c, struct sv_err *e);
int jail_do_exec(struct jail_ctx *c, struct sv_err *e);
int jail_cleanup_dir(const char *state_dir, struct sv_err *e);

#endif /* SV_SHIM_JAIL_STEPS_H */
