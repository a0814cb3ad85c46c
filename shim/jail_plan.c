// SPDX-License-Identifier: MIT
/*
 * The jail plan: pure functions from the spec, the VMM argv and the options
 * to a struct jail_plan (shim/jail_int.h). Nothing here changes the host;
 * the paths are only resolved (realpath) and stat'ed to refuse bad input
 * before anything is created. A file named below the bundle must resolve
 * below it; the bind-mounts step opens it again the same way and mounts
 * that fd, so a symlink swapped after this check changes nothing.
 */
#include "shim/jail.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/plan.h"
#include "oci/spec.h"
#include "shim/jail_int.h"
#include "shim/shim.h"
#include "sv/err.h"

int jail_check_id(const char *id)
{
	size_t i, n = id ? strlen(id) : 0;

	if (n == 0 || n > 64 || !strcmp(id, ".") || strstr(id, ".."))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!(id[i] == '-' || id[i] == '_' || id[i] == '.' ||
		      (id[i] >= '0' && id[i] <= '9') ||
		      (id[i] >= 'a' && id[i] <= 'z') ||
		      (id[i] >= 'A' && id[i] <= 'Z')))
			return -EINVAL;
	return 0;
}

/* A cgroupsPath must stay inside the hierarchy: no "..", no "." parts. */
int jail_check_cgroup_path(const char *p)
{
	const char *s = p;

	if (!p || !*p || strlen(p) >= 256)
		return -EINVAL;
	while (*s) {
		size_t n;

		while (*s == '/')
			s++;
		n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && !strncmp(s, "..", 2)))
			return -EINVAL;
		s += n;
	}
	return p[strspn(p, "/")] ? 0 : -EINVAL;
}

/* Replace every occurrence of from in *sp with to (reallocates). */
static int str_subst(char **sp, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	char *s = *sp, *p, *out, *o;

	for (p = strstr(s, from); p; p = strstr(p + fl, from))
		n++;
	if (!n)
		return 0;
	out = malloc(strlen(s) + n * tl + 1);
	if (!out)
		return -ENOMEM;
	for (o = out, p = s; (s = strstr(p, from)); p = s + fl) {
		memcpy(o, p, (size_t)(s - p));
		o += s - p;
		memcpy(o, to, tl);
		o += tl;
	}
	strcpy(o, p);
	free(*sp);
	*sp = out;
	return 0;
}

/* Resolve path and require a regular file (or a directory if dir). */
static int resolve(const char *what, const char *path, bool dir, char **out,
		   struct sv_err *e)
{
	struct stat st;
	char *r = realpath(path, NULL);

	if (!r)
		return sv_err_set(e, errno, "jail: validate: %s %s: %s", what,
				  path, strerror(errno));
	if (stat(r, &st) < 0 || (dir ? !S_ISDIR(st.st_mode) :
				       !S_ISREG(st.st_mode))) {
		free(r);
		return sv_err_set(e, dir ? ENOTDIR : EINVAL,
				  "jail: validate: %s %s: not a %s", what,
				  path, dir ? "directory" : "regular file");
	}
	*out = r;
	return 0;
}

/* A file named below the bundle must resolve below it (bundle_path.c). */
static int check_beneath(const struct jail_plan *p, const char *what,
			 const char *path, struct sv_err *e)
{
	int fd = bundle_open_beneath(p->bundle, path, O_PATH);

	if (fd == -EXDEV || fd == -ELOOP)
		return sv_err_set(e, EXDEV, "jail: validate: %s %s: resolves "
				  "outside the bundle %s (symlink)", what,
				  path, p->bundle);
	if (fd < 0)
		return sv_err_set(e, -fd, "jail: validate: %s %s: %s", what,
				  path, strerror(-fd));
	close(fd);
	return 0;
}

static int add_bind(struct jail_plan *p, const char *what, const char *path,
		    const char *dst, bool ro, bool dir, struct sv_err *e)
{
	struct jail_bind *b = &p->binds[p->n_binds];
	int ret;

	if (p->n_binds == JAIL_MAX_BINDS)
		return sv_err_set(e, E2BIG, "jail: validate: too many mounts");
	b->beneath = !dir && bundle_contains(p->bundle, path);
	if (b->beneath && (ret = check_beneath(p, what, path, e)) < 0)
		return ret;
	ret = resolve(what, path, dir, &b->src, e);
	if (ret < 0)
		return ret;
	b->dst = strdup(dst);
	b->arg = strdup(path);
	if (!b->dst || !b->arg)
		return sv_err_set(e, ENOMEM, "out of memory");
	b->ro = ro;
	b->dir = dir;
	b->fd = -1;
	p->n_binds++;
	return 0;
}

/*
 * "-drive file=X,...": the jail opens X (as root, read-only if
 * readonly=on) and passes it as fd JAIL_DISK_FD0 + n, "file=/dev/fd/N":
 * the VMM's uid needs no access to the image. pflash units too (the
 * firmware's vars file is written by the guest).
 */
static int plan_drive(struct jail_plan *p, const char *opt, int n,
		      struct sv_err *e)
{
	const char *f = strstr(opt, "file=");
	bool ro;
	char path[PATH_MAX], dst[32];
	size_t len;
	int ret;

	if (!f)
		return 0;
	f += 5;
	len = strcspn(f, ",");
	if (len >= sizeof(path))
		return sv_err_set(e, ENAMETOOLONG, "jail: validate: drive");
	memcpy(path, f, len);
	path[len] = '\0';
	snprintf(dst, sizeof(dst), "/dev/fd/%d", JAIL_DISK_FD0 + n);
	ro = strstr(opt, "readonly=on") || strstr(opt, "readonly=true");
	ret = add_bind(p, "drive", path, dst, ro, false, e);
	if (ret == 0)
		p->binds[p->n_binds - 1].fd = JAIL_DISK_FD0 + n;
	return ret;
}

/* Walk argv: kernel, initrd and drives become binds. */
static int plan_files(struct jail_plan *p, char **argv, struct sv_err *e)
{
	int i, disks = 0, ret = 0;

	for (i = 1; argv[i] && argv[i + 1] && ret == 0; i++) {
		if (!strcmp(argv[i], "-kernel"))
			ret = add_bind(p, "kernel", argv[++i], "/kernel", true,
				       false, e);
		else if (!strcmp(argv[i], "-initrd"))
			ret = add_bind(p, "initrd", argv[++i], "/initrd", true,
				       false, e);
		else if (!strcmp(argv[i], "-drive"))
			ret = plan_drive(p, argv[++i], disks++, e);
	}
	return ret;
}

/* Rewrite argv to the names inside the jail (longest sources first is
 * not needed: the sources are distinct canonical files). */
static int rewrite_argv(const struct jail_plan *p, char **argv,
			struct sv_err *e)
{
	size_t b;
	int i;

	for (i = 1; argv[i]; i++)
		for (b = 0; b < p->n_binds; b++) {
			const char *from = p->binds[b].arg;

			if (p->binds[b].dir && strcmp(p->binds[b].dst,
						       JAIL_SOCK_DIR))
				continue;
			if (str_subst(&argv[i], from, p->binds[b].dst) < 0)
				return sv_err_set(e, ENOMEM, "out of memory");
		}
	return 0;
}

static int plan_linux(struct jail_plan *p, const struct oci_spec *s,
		      struct sv_err *e)
{
	const struct oci_linux *l = s ? s->linux_cfg : NULL;
	size_t i;

	p->memory_limit = -1;
	p->cpu_quota = -1;
	if (!l)
		return 0;
	if (l->cgroups_path) {
		if (jail_check_cgroup_path(l->cgroups_path) < 0)
			return sv_err_set(e, EINVAL,
					  "jail: validate: cgroupsPath %s: "
					  "outside the hierarchy",
					  l->cgroups_path);
		p->cgroup = strdup(l->cgroups_path + strspn(l->cgroups_path,
							    "/"));
	}
	for (i = 0; i < l->n_namespaces; i++) {
		const struct oci_namespace *ns = &l->namespaces[i];

		if (ns->type == OCI_NS_NETWORK && ns->path) {
			struct stat st; /* nsfs links do not resolve */

			if (ns->path[0] != '/' || stat(ns->path, &st) < 0)
				return sv_err_set(e, errno ? errno : EINVAL,
					"jail: validate: netns %s: %s",
					ns->path, strerror(errno));
			p->netns = strdup(ns->path);
		}
	}
	if (l->resources && l->resources->has_memory_limit)
		p->memory_limit = l->resources->memory_limit;
	if (l->resources && l->resources->has_cpu_quota) {
		p->cpu_quota = l->resources->cpu_quota;
		p->cpu_period = l->resources->has_cpu_period ?
					l->resources->cpu_period : 100000;
	}
	return 0;
}

static int plan_base(struct jail_plan *p, const struct jail_opts *o,
		     char **argv, struct sv_err *e)
{
	struct stat st;

	if (jail_check_id(o->id) < 0)
		return sv_err_set(e, EINVAL, "jail: validate: id '%s': only "
				  "[A-Za-z0-9_.-], no '..', 1-64 chars",
				  o->id ? o->id : "");
	if (o->uid == 0 || o->gid == 0)
		return sv_err_set(e, EINVAL, "jail: validate: uid/gid 0");
	p->id = strdup(o->id);
	p->uid = o->uid;
	p->gid = o->gid;
	p->nofile = 1024;
	p->unshare_flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
			   CLONE_NEWPID;
	p->kvm = stat("/dev/kvm", &st) == 0 && S_ISCHR(st.st_mode);
	if (o->bundle && !(p->bundle = strdup(o->bundle)))
		return sv_err_set(e, ENOMEM, "out of memory");
	if (resolve("state dir", o->state_dir, true, &p->state_dir, e) < 0)
		return -e->code;
	if (strcmp(p->state_dir, o->state_dir))
		return sv_err_set(e, ELOOP, "jail: validate: state dir %s: "
				  "not canonical (symlink?)", o->state_dir);
	if (asprintf(&p->root, "%s/" JAIL_ROOT_NAME, p->state_dir) < 0)
		return sv_err_set(e, ENOMEM, "out of memory");
	return resolve("binary", argv[0], false, &p->binary, e);
}

int jail_plan_build(const struct oci_spec *s, const struct vm_plan *vp,
		    const struct jail_opts *o, char **argv,
		    struct jail_plan **out, struct sv_err *e)
{
	struct jail_plan *p = calloc(1, sizeof(*p));
	int ret;

	(void)vp; /* argv is the source of truth for the files */
	if (!p)
		return sv_err_set(e, ENOMEM, "out of memory");
	ret = plan_base(p, o, argv, e);
	if (ret == 0)
		ret = plan_linux(p, s, e);
	if (ret == 0)
		ret = plan_files(p, argv, e);
	if (ret == 0)
		ret = add_bind(p, "socket dir", o->state_dir, JAIL_SOCK_DIR,
			       false, true, e);
	/* the dynamic loader and libraries, read-only */
	if (ret == 0)
		ret = add_bind(p, "libraries", "/usr", "/usr", true, true, e);
	if (ret == 0)
		ret = add_bind(p, "libraries", "/lib", "/lib", true, true, e);
	if (ret == 0 && access("/lib64", F_OK) == 0)
		ret = add_bind(p, "libraries", "/lib64", "/lib64", true, true,
			       e);
	if (ret == 0)
		ret = rewrite_argv(p, argv, e);
	if (ret < 0) {
		jail_plan_destroy(p);
		return ret;
	}
	*out = p;
	return 0;
}

void jail_plan_destroy(struct jail_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_binds; i++) {
		free(p->binds[i].src);
		free(p->binds[i].dst);
		free(p->binds[i].arg);
	}
	free(p->id);
	free(p->state_dir);
	free(p->bundle);
	free(p->root);
	free(p->binary);
	free(p->cgroup);
	free(p->netns);
	free(p);
}
