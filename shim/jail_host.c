// SPDX-License-Identifier: MIT
/*
 * Jail steps with more moving parts: bind mounts, capabilities (libcap),
 * cgroup placement (v1 memory + cpu controllers, v2 unified if mounted;
 * the monitor joins first, jail_cgroup_enter(), the VMM inherits it and
 * the step sets it again for callers without a monitor), and
 * jail_cleanup_dir() for delete.
 */
#include "shim/jail_steps.h"
#include "shim/jail.h"
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv/err.h"

#define CG_FILE "jail.cgroup" /* in the state dir: what cleanup removes */

static const char *const cg_mnt[JAIL_CG_N] = {
	[JAIL_CG_V1_MEMORY] = "/sys/fs/cgroup/memory",
	[JAIL_CG_V1_CPU] = "/sys/fs/cgroup/cpu",
	[JAIL_CG_V2] = "/sys/fs/cgroup/unified",
};

static int make_target(const char *path, bool dir)
{
	int fd;

	if (dir)
		return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int bind_one(const char *src, const char *dst, bool ro, bool dir)
{
	unsigned long fl = MS_BIND | MS_REMOUNT | MS_NOSUID;

	if (make_target(dst, dir) < 0 ||
	    mount(src, dst, NULL, MS_BIND, NULL) < 0)
		return -1;
	return mount(NULL, dst, NULL, fl | MS_NODEV | (ro ? MS_RDONLY : 0),
		     NULL);
}

/*
 * The VMM's /dev/kvm: a node of its own on a small tmpfs at root/dev, owned
 * by the jail's uid (as Firecracker's jailer does). A bind of the host's
 * node would carry its mode, and /dev/kvm is often 0600 root.
 */
static int kvm_node(struct jail_ctx *c, char *dst, size_t len)
{
	const struct jail_plan *p = c->p;
	struct stat st;

	snprintf(dst, len, "%s/dev", p->root);
	if (stat("/dev/kvm", &st) < 0 || !S_ISCHR(st.st_mode) ||
	    mkdir(dst, 0755) < 0 ||
	    mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NOEXEC,
		  "mode=0755,size=16k") < 0)
		return -1;
	snprintf(dst, len, "%s/dev/kvm", p->root);
	if (mknod(dst, S_IFCHR | 0600, st.st_rdev) < 0 ||
	    chown(dst, p->uid, p->gid) < 0)
		return -1;
	return 0;
}

/*
 * A file is opened here (below the bundle: RESOLVE_BENEATH again; else its
 * canonical path, O_NOFOLLOW) and the mount takes that fd, so what was
 * validated is what the VMM gets, whatever was renamed in between.
 */
static int open_source(struct jail_ctx *c, const struct jail_bind *b,
		       int flags, struct sv_err *e)
{
	struct stat st;
	int fd = b->beneath ?
			 bundle_open_beneath(c->p->bundle, b->arg, flags) :
			 open(b->src, flags | O_NOFOLLOW | O_CLOEXEC);

	if (b->beneath && (fd == -EXDEV || fd == -ELOOP))
		return sv_err_set(e, EXDEV, "jail: %s: %s: resolves outside "
				  "the bundle %s (symlink)", c->step, b->arg,
				  c->p->bundle);
	if (fd < 0 && b->beneath)
		errno = -fd;
	if (fd < 0)
		return jail_fail(c, b->arg, e);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return jail_fail(c, b->arg, e);
	}
	return fd;
}

static int bind_file(struct jail_ctx *c, const struct jail_bind *b,
		     const char *dst, struct sv_err *e)
{
	char src[64];
	int fd = open_source(c, b, O_PATH, e), ret = 0;

	if (fd < 0)
		return fd;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (bind_one(src, dst, b->ro, false) < 0)
		ret = jail_fail(c, dst, e);
	close(fd);
	return ret;
}

int jail_bind_mounts(struct jail_ctx *c, struct sv_err *e)
{
	const struct jail_plan *p = c->p;
	const struct jail_bind *b;
	char dst[PATH_MAX];
	size_t i;
	int ret;

	for (i = 0; i < p->n_binds; i++, c->n_mounted++) {
		b = &p->binds[i];
		snprintf(dst, sizeof(dst), "%s%s", p->root, b->dst);
		if (b->fd >= 0)
			continue; /* a disk: open-disks passes it */
		if (!b->dir && (ret = bind_file(c, b, dst, e)) < 0)
			return ret;
		if (b->dir && bind_one(b->src, dst, b->ro, true) < 0)
			return jail_fail(c, dst, e);
	}
	if (p->kvm && kvm_node(c, dst, sizeof(dst)) < 0)
		return jail_fail(c, dst, e);
	return 0;
}

void jail_unbind_mounts(struct jail_ctx *c)
{
	const struct jail_plan *p = c->p;
	char dst[PATH_MAX];
	size_t i;

	for (i = 0; i < p->n_binds; i++) {
		if (p->binds[i].fd >= 0)
			continue;
		snprintf(dst, sizeof(dst), "%s%s", p->root, p->binds[i].dst);
		if (i < c->n_mounted || i == c->n_mounted)
			umount2(dst, MNT_DETACH);
		if (p->binds[i].dir)
			rmdir(dst);
		else
			unlink(dst);
	}
	snprintf(dst, sizeof(dst), "%s/dev", p->root);
	umount2(dst, MNT_DETACH);	/* the node goes with the tmpfs */
	rmdir(dst);
}

/* Disks: opened here as root, the way bind_file() opens a file, and
 * moved to the fd number argv names (not close-on-exec). */
int jail_open_disks(struct jail_ctx *c, struct sv_err *e)
{
	const struct jail_plan *p = c->p;
	const struct jail_bind *b;
	size_t i;
	int fd;

	for (i = 0; i < p->n_binds; i++) {
		b = &p->binds[i];
		if (b->fd < 0)
			continue;
		fd = open_source(c, b, b->ro ? O_RDONLY : O_RDWR, e);
		if (fd < 0)
			return fd;
		if (dup2(fd, b->fd) < 0) {
			jail_fail(c, b->arg, e);
			close(fd);
			return -e->code;
		}
		close(fd);
	}
	return 0;
}

void jail_close_disks(struct jail_ctx *c)
{
	size_t i;

	for (i = 0; i < c->p->n_binds; i++)
		if (c->p->binds[i].fd >= 0)
			close(c->p->binds[i].fd);
}

/* Bounding set and ambient set go first, while still privileged. */
int jail_drop_caps(struct jail_ctx *c, struct sv_err *e)
{
	cap_value_t v;
	cap_t caps;

	for (v = 0; v <= CAP_LAST_CAP; v++)
		if (CAP_IS_SUPPORTED(v) && cap_drop_bound(v) < 0)
			return jail_fail(c, "bounding set", e);
	if (cap_reset_ambient() < 0)
		return jail_fail(c, "ambient set", e);
	caps = cap_get_proc();
	if (!caps || cap_clear_flag(caps, CAP_INHERITABLE) < 0 ||
	    cap_set_proc(caps) < 0) {
		jail_fail(c, "inheritable set", e);
		cap_free(caps);
		return -e->code;
	}
	cap_free(caps);
	return 0;
}

/* After the switch away from uid 0, permitted and effective are empty;
 * check every set rather than trust it. */
int jail_verify_caps(struct jail_ctx *c, struct sv_err *e)
{
	cap_t now = cap_get_proc(), none = cap_init();
	cap_value_t v;
	int diff = !now || !none || cap_compare(now, none) != 0;

	cap_free(now);
	cap_free(none);
	for (v = 0; v <= CAP_LAST_CAP && !diff; v++)
		diff = CAP_IS_SUPPORTED(v) &&
		       (cap_get_bound(v) != 0 ||
			cap_get_ambient(v) > 0);
	if (diff) {
		errno = EPERM;
		return jail_fail(c, "capability sets not empty", e);
	}
	return 0;
}

static int write_str(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -1;
	close(fd);
	return ret;
}

static int cg_limits(const struct jail_plan *p, int k, const char *d)
{
	char v[64];

	if (k == JAIL_CG_V1_MEMORY && p->memory_limit > 0) {
		snprintf(v, sizeof(v), "%lld", (long long)p->memory_limit);
		return write_str(d, "memory.limit_in_bytes", v);
	}
	if (k == JAIL_CG_V1_CPU && p->cpu_quota > 0) {
		snprintf(v, sizeof(v), "%llu",
			 (unsigned long long)p->cpu_period);
		if (write_str(d, "cpu.cfs_period_us", v) < 0)
			return -1;
		snprintf(v, sizeof(v), "%lld", (long long)p->cpu_quota);
		return write_str(d, "cpu.cfs_quota_us", v);
	}
	return 0;
}

static int record_cgroup(const struct jail_plan *p)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/" CG_FILE, p->state_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, p->cgroup, strlen(p->cgroup)) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* mkdir -p below the first skip bytes of d (the hierarchy's mount). */
static int mkdir_p(char *d, size_t skip)
{
	char *s;

	for (s = d + skip + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(d, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Create the cgroup in every mounted hierarchy, set the limits, move the
 * calling process in; *done gets a bit per hierarchy touched. */
static int cg_place(const struct jail_plan *p, int *done, char *d, size_t n)
{
	struct stat st;
	int k;

	if (record_cgroup(p) < 0) {
		snprintf(d, n, "%s/" CG_FILE, p->state_dir);
		return -1;
	}
	for (k = 0; k < JAIL_CG_N; k++) {
		if (stat(cg_mnt[k], &st) < 0)
			continue; /* controller not mounted here */
		snprintf(d, n, "%s/%s", cg_mnt[k], p->cgroup);
		*done |= 1 << k;
		if (mkdir_p(d, strlen(cg_mnt[k])) < 0 ||
		    cg_limits(p, k, d) < 0 ||
		    write_str(d, "cgroup.procs", "0") < 0)
			return -1;
	}
	return 0;
}

int jail_cgroup_join(struct jail_ctx *c, struct sv_err *e)
{
	char d[PATH_MAX];

	if (!c->p->cgroup)
		return 0;
	if (cg_place(c->p, &c->cg_done, d, sizeof(d)) < 0)
		return jail_fail(c, d, e);
	return 0;
}

/*
 * The leaf, then the parents this jail may have made; a process that was
 * just killed may take a moment to leave (EBUSY), so retry for a second.
 * leave: move the calling process out first (the step's own undo).
 */
static void cg_remove(const char *cgroup, int mask, bool leave)
{
	char d[PATH_MAX];
	int k, tries;

	for (k = 0; k < JAIL_CG_N; k++) {
		if (!(mask & (1 << k)))
			continue;
		if (leave)
			write_str(cg_mnt[k], "cgroup.procs", "0");
		snprintf(d, sizeof(d), "%s/%s", cg_mnt[k], cgroup);
		for (tries = 0; tries < 100 && rmdir(d) < 0 && errno == EBUSY;
		     tries++)
			usleep(10000);
		do
			*strrchr(d, '/') = '\0';
		while (strlen(d) > strlen(cg_mnt[k]) && rmdir(d) == 0);
	}
}

void jail_cgroup_leave(struct jail_ctx *c)
{
	char path[PATH_MAX];

	if (!c->p->cgroup)
		return;
	cg_remove(c->p->cgroup, c->cg_done, true);
	snprintf(path, sizeof(path), "%s/" CG_FILE, c->p->state_dir);
	unlink(path);
}

int jail_cgroup_enter(const struct jail_plan *p, struct sv_err *e)
{
	char d[PATH_MAX];
	int done = 0, err;

	if (!p->cgroup)
		return 0;
	if (cg_place(p, &done, d, sizeof(d)) == 0)
		return 0;
	err = errno ? errno : EINVAL;
	cg_remove(p->cgroup, done, true);
	return sv_err_set(e, err, "jail: cgroup: %s: %s", d, strerror(err));
}

/* On the host the jail root holds only the empty mount targets (the
 * mounts lived in the VMM's mount namespace): remove them, two levels. */
static void empty_root(const char *root, int depth)
{
	DIR *d = opendir(root);
	struct dirent *de;
	char sub[PATH_MAX];

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", root, de->d_name);
		if (de->d_type == DT_DIR && depth > 0)
			empty_root(sub, depth - 1);
		if (unlink(sub) < 0 && errno == EISDIR)
			rmdir(sub);
	}
	if (d)
		closedir(d);
}

int jail_cleanup_dir(const char *state_dir, struct sv_err *e)
{
	char path[PATH_MAX], cg[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/" CG_FILE, state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, cg, sizeof(cg) - 1);
		close(fd);
		if (n > 0 && (cg[n] = '\0', jail_check_cgroup_path(cg) == 0))
			cg_remove(cg, (1 << JAIL_CG_N) - 1, false);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/" JAIL_ROOT_NAME, state_dir);
	empty_root(path, 1);
	if (rmdir(path) < 0 && errno != ENOENT)
		return sv_err_set(e, errno, "jail: cleanup: %s: %s", path,
				  strerror(errno));
	if (chown(state_dir, 0, 0) < 0 && errno != ENOENT)
		return sv_err_set(e, errno, "jail: cleanup: chown %s: %s",
				  state_dir, strerror(errno));
	return 0;
}
