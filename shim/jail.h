/* SPDX-License-Identifier: MIT */
/*
 * The jail (DESIGN.md 3.4): an ordered table of steps, planned by pure
 * functions from the container's spec and applied, in the child that
 * becomes the VMM, by separate functions. Every applied step has an undo
 * that `delete` runs from the state the plan left in the state dir.
 */
#ifndef SV_SHIM_JAIL_H
#define SV_SHIM_JAIL_H

#include <stdbool.h>
#include <sys/types.h>

#include "sv/compiler.h"

struct oci_spec;
struct vm_plan;
struct sv_err;
struct jail_plan;

struct jail_opts {
	const char *id; /* container id */
	const char *state_dir; /* <root>/<id>, exists, 0700 */
	const char *bundle; /* canonical; files named below it must resolve
			     * below it (RESOLVE_BENEATH); NULL: no bundle */
	bool enabled; /* false: --no-jail (debugging), exec unjailed */
	uid_t uid; /* unprivileged ids the VMM runs as */
	gid_t gid;
};

/*
 * Pure: what the jail will do for this VM (paths to bind, namespaces,
 * cgroup, netns, ids). argv is the VMM argv from oci_plan_argv(); paths in
 * it (kernel, initrd, disks, sockets) are rewritten in place to their
 * names inside the jail.
 */
int jail_plan_build(const struct oci_spec *s, const struct vm_plan *vp,
		    const struct jail_opts *o, char **argv,
		    struct jail_plan **out, struct sv_err *e) SV_MUST_CHECK;
void jail_plan_destroy(struct jail_plan *p);
/* Print the ordered steps (create --jail-dry-run). */
void jail_plan_print(const struct jail_plan *p, int fd);

/*
 * In the forked child that becomes the VMM: apply every step in order and
 * exec argv. Returns only on failure, with e naming the step, path and
 * errno; the steps already applied are undone.
 */
int jail_exec(const struct jail_plan *p, char *const argv[],
	      struct sv_err *e) SV_MUST_CHECK;

/*
 * In the container monitor, before it forks the VMM: create the plan's
 * cgroup (linux.cgroupsPath) with its limits and move the calling process
 * in, so monitor and VMM share it. No-op without a cgroupsPath; undone by
 * jail_cleanup(). On failure nothing is left.
 */
int jail_cgroup_enter(const struct jail_plan *p, struct sv_err *e) SV_MUST_CHECK;

/* From `delete`: remove whatever jail_exec left on the host (mounts,
 * per-VM directory, cgroup). Idempotent; missing pieces are not errors. */
int jail_cleanup(const char *state_dir, struct sv_err *e) SV_MUST_CHECK;

#endif /* SV_SHIM_JAIL_H */
