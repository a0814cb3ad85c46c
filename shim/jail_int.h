/* SPDX-License-Identifier: MIT */
/* The jail plan's layout, shared by jail_plan.c (pure) and jail.c (apply). */
#ifndef SV_SHIM_JAIL_INT_H
#define SV_SHIM_JAIL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define JAIL_MAX_BINDS 12
#define JAIL_ROOT_NAME "root" /* <state_dir>/root is the VMM's / */
#define JAIL_SOCK_DIR "/run" /* the state dir, seen from the jail */
#define JAIL_DISK_FD0 100 /* disk n is passed as fd JAIL_DISK_FD0 + n */

struct jail_bind {
	char *src; /* host path, canonical */
	char *arg; /* the path as argv names it */
	char *dst; /* path inside the jail, absolute */
	bool ro;
	bool dir;
	bool beneath; /* arg is below the bundle: opened RESOLVE_BENEATH */
	int fd; /* >= 0: a disk, opened by the jail and passed as this fd
		 * ("file=/dev/fd/N"), not mounted */
};

enum jail_cg_kind { JAIL_CG_V1_MEMORY, JAIL_CG_V1_CPU, JAIL_CG_V2, JAIL_CG_N };

struct jail_plan {
	char *id;
	char *state_dir;
	char *bundle; /* canonical, NULL: none */
	char *root; /* <state_dir>/root */
	char *binary; /* host path of argv[0], opened before pivot_root */
	struct jail_bind binds[JAIL_MAX_BINDS];
	size_t n_binds;
	char *cgroup; /* relative to each hierarchy, NULL: none */
	int64_t memory_limit; /* bytes, -1: none */
	int64_t cpu_quota; /* us per cpu_period, -1: none */
	uint64_t cpu_period;
	char *netns; /* path to setns into, NULL: stay */
	int unshare_flags; /* CLONE_NEW{NS,UTS,IPC,PID} */
	uid_t uid;
	gid_t gid;
	uint64_t nofile; /* RLIMIT_NOFILE */
	bool kvm; /* bind /dev/kvm */
};

/* Pure checks used by the plan and the tests. */
int jail_check_id(const char *id);
int jail_check_cgroup_path(const char *p);

/* Fault injection (tests only): SV_JAIL_FAIL=<step name> fails that step. */
bool jail_fault(const char *step);

#endif /* SV_SHIM_JAIL_INT_H */
