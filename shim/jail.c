// SPDX-License-Identifier: MIT
/*
 * The jail, applied (DESIGN.md 3.4, STYLE.md H): one ordered table of small
 * steps, each with its undo, run in the forked child that becomes the VMM.
 * The plan comes from jail_plan.c; mounts are made after unshare(NEWNS) in
 * a private mount namespace, so nothing of them is visible on (or left on)
 * the host. The cgroup and chown steps touch the host and are undone by
 * jail_cleanup() at delete.
 */
#include "shim/jail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim/jail_int.h"
#include "shim/jail_steps.h"
#include "sv/err.h"

bool jail_fault(const char *step)
{
	const char *f = getenv("SV_JAIL_FAIL");

	return f && !strcmp(f, step);
}

static const struct jail_step steps[] = {
	{ "validate", jail_validate, NULL },
	{ "close-fds", jail_close_fds, NULL },
	{ "mkdir-root", jail_mkdir_root, jail_rmdir_root },
	{ "cgroup", jail_cgroup_join, jail_cgroup_leave },
	{ "namespaces", jail_unshare, NULL },
	{ "netns", jail_setns_net, NULL },
	{ "bind-mounts", jail_bind_mounts, jail_unbind_mounts },
	{ "open-disks", jail_open_disks, jail_close_disks },
	{ "open-binary", jail_open_binary, jail_close_binary },
	{ "pivot-root", jail_pivot_root, NULL },
	{ "rlimits", jail_rlimits, NULL },
	{ "drop-caps", jail_drop_caps, NULL },
	{ "switch-ids", jail_switch_ids, NULL },
	{ "verify-caps", jail_verify_caps, NULL },
	{ "no-new-privs", jail_no_new_privs, NULL },
	{ "exec", jail_do_exec, NULL },
};

#define N_STEPS (sizeof(steps) / sizeof(steps[0]))

static void print_binds(const struct jail_plan *p, FILE *f)
{
	size_t i;

	for (i = 0; i < p->n_binds; i++)
		if (p->binds[i].fd < 0)
			fprintf(f, "    bind %s -> %s%s (%s)\n",
				p->binds[i].src, p->root, p->binds[i].dst,
				p->binds[i].ro ? "ro" : "rw");
	if (p->kvm)
		fprintf(f, "    tmpfs %s/dev, mknod kvm (owner %u:%u)\n",
			p->root, (unsigned int)p->uid, (unsigned int)p->gid);
}

static void print_disks(const struct jail_plan *p, FILE *f)
{
	size_t i;

	for (i = 0; i < p->n_binds; i++)
		if (p->binds[i].fd >= 0)
			fprintf(f, "    open %s (%s) -> fd %d\n",
				p->binds[i].src, p->binds[i].ro ? "ro" : "rw",
				p->binds[i].fd);
}

static void print_step(const struct jail_plan *p, size_t i, FILE *f)
{
	fprintf(f, "%2zu. %s\n", i + 1, steps[i].name);
	if (!strcmp(steps[i].name, "mkdir-root"))
		fprintf(f, "    mkdir %s 0700 owner %u:%u\n", p->root,
			(unsigned)p->uid, (unsigned)p->gid);
	else if (!strcmp(steps[i].name, "cgroup"))
		fprintf(f, "    %s (monitor and VMM) memory.limit=%lld "
			"cpu.quota=%lld\n", p->cgroup ? p->cgroup : "(none)",
			(long long)p->memory_limit, (long long)p->cpu_quota);
	else if (!strcmp(steps[i].name, "netns"))
		fprintf(f, "    %s\n", p->netns ? p->netns : "(stay)");
	else if (!strcmp(steps[i].name, "bind-mounts"))
		print_binds(p, f);
	else if (!strcmp(steps[i].name, "open-disks"))
		print_disks(p, f);
	else if (!strcmp(steps[i].name, "switch-ids"))
		fprintf(f, "    uid %u gid %u\n", (unsigned)p->uid,
			(unsigned)p->gid);
	else if (!strcmp(steps[i].name, "rlimits"))
		fprintf(f, "    NOFILE %llu CORE 0\n",
			(unsigned long long)p->nofile);
}

void jail_plan_print(const struct jail_plan *p, int fd)
{
	FILE *f = fdopen(dup(fd), "w");
	size_t i;

	if (!f)
		return;
	fprintf(f, "jail for %s, root %s\n", p->id, p->root);
	for (i = 0; i < N_STEPS; i++)
		print_step(p, i, f);
	fclose(f);
}

int jail_exec(const struct jail_plan *p, char *const argv[],
	      struct sv_err *e)
{
	struct jail_ctx c = { .p = p, .argv = argv, .bin_fd = -1 };
	size_t i;
	int ret = 0;

	if (prctl(PR_GET_PDEATHSIG, &c.pdeath, 0, 0, 0) < 0)
		c.pdeath = 0;
	for (i = 0; i < N_STEPS && ret == 0; i++) {
		c.step = steps[i].name;
		ret = jail_fault(c.step) ?
			      sv_err_set(e, EIO, "jail: %s: %s: %s (injected)",
					 c.step, p->root, strerror(EIO)) :
			      steps[i].apply(&c, e);
	}
	if (ret == 0)
		return sv_err_set(e, EINVAL, "jail: exec returned");
	while (i-- > 0)
		if (steps[i].undo)
			steps[i].undo(&c);
	return ret;
}

int jail_cleanup(const char *state_dir, struct sv_err *e)
{
	return jail_cleanup_dir(state_dir, e);
}
