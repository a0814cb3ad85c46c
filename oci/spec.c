// SPDX-License-Identifier: MIT
/*
 * config.json and the exec process JSON: the field tables of the OCI
 * runtime spec subset we support, and the matching free functions. Keys
 * listed with FIELD_IGNORE are known (accepted by OCI_PARSE_STRICT) but not
 * interpreted; any other unknown key is ignored unless strict.
 */
#include "oci/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv/err.h"
#include "oci/oci_internal.h"

#define ARRAY_FN(name, T, member, count, max, elemfn)                         \
	static int name(struct pctx *c, const struct json_node *v, void *dst) \
	{                                                                     \
		static const struct array_desc d = {                          \
			max, sizeof(*((T *)NULL)->member), elemfn             \
		};                                                            \
		T *o = dst;                                                   \
		void *items = NULL;                                           \
		int ret = oci_parse_array(c, v, &d, &items, &o->count);       \
		o->member = items;                                            \
		return ret;                                                   \
	}

#define OBJ_FN(name, tab)                                                     \
	static int name(struct pctx *c, const struct json_node *v, void *dst) \
	{                                                                     \
		return oci_parse_fields(c, v, tab, ARRAY_SIZE(tab), dst);     \
	}

#define NEW_FN(name, T, tab)                                                  \
	static int name(struct pctx *c, const struct json_node *v, void *dst) \
	{                                                                     \
		return oci_parse_new(c, v, sizeof(T), tab, ARRAY_SIZE(tab),   \
				     dst);                                    \
	}

/* ---- process ---- */

ARRAY_FN(p_additional_gids, struct oci_user, additional_gids, n_additional_gids,
	 OCI_MAX_ARRAY, oci_p_u32)

static const struct field user_fields[] = {
	FIELD(struct oci_user, "uid", oci_p_u32, uid),
	FIELD(struct oci_user, "gid", oci_p_u32, gid),
	FIELD_OPT(struct oci_user, "umask", oci_p_u32, umask, has_umask),
	FIELD_SELF("additionalGids", p_additional_gids),
	FIELD_IGNORE("username"),
};
OBJ_FN(p_user, user_fields)

static const struct field console_fields[] = {
	FIELD(struct oci_process, "height", oci_p_u32, console_height),
	FIELD(struct oci_process, "width", oci_p_u32, console_width),
};
OBJ_FN(p_console, console_fields)

static const struct field caps_fields[] = {
	FIELD(struct oci_process, "bounding", oci_p_strlist,
	      caps[OCI_CAP_BOUNDING]),
	FIELD(struct oci_process, "effective", oci_p_strlist,
	      caps[OCI_CAP_EFFECTIVE]),
	FIELD(struct oci_process, "inheritable", oci_p_strlist,
	      caps[OCI_CAP_INHERITABLE]),
	FIELD(struct oci_process, "permitted", oci_p_strlist,
	      caps[OCI_CAP_PERMITTED]),
	FIELD(struct oci_process, "ambient", oci_p_strlist,
	      caps[OCI_CAP_AMBIENT]),
};
OBJ_FN(p_caps, caps_fields)

static const struct field rlimit_fields[] = {
	FIELD(struct oci_rlimit, "type", oci_p_string, type),
	FIELD(struct oci_rlimit, "hard", oci_p_u64, hard),
	FIELD(struct oci_rlimit, "soft", oci_p_u64, soft),
};
OBJ_FN(p_rlimit, rlimit_fields)
ARRAY_FN(p_rlimits, struct oci_process, rlimits, n_rlimits, 1024, p_rlimit)

static const struct field process_fields[] = {
	FIELD(struct oci_process, "terminal", oci_p_bool, terminal),
	FIELD_SELF_OPT(struct oci_process, "consoleSize", p_console,
		       has_console_size),
	FIELD(struct oci_process, "user", p_user, user),
	FIELD(struct oci_process, "args", oci_p_strlist, args),
	FIELD(struct oci_process, "env", oci_p_strlist, env),
	FIELD(struct oci_process, "cwd", oci_p_path, cwd),
	FIELD_SELF_OPT(struct oci_process, "capabilities", p_caps,
		       has_capabilities),
	FIELD_SELF("rlimits", p_rlimits),
	FIELD(struct oci_process, "noNewPrivileges", oci_p_bool,
	      no_new_privileges),
	FIELD_OPT(struct oci_process, "oomScoreAdj", oci_p_int, oom_score_adj,
		  has_oom_score_adj),
	FIELD_IGNORE("apparmorProfile"),
	FIELD_IGNORE("selinuxLabel"),
	FIELD_IGNORE("ioPriority"),
	FIELD_IGNORE("scheduler"),
	FIELD_IGNORE("execCPUAffinity"),
	FIELD_IGNORE("commandLine"),
};

int oci_parse_process_obj(struct pctx *c, const struct json_node *v, void *dst)
{
	return oci_parse_new(c, v, sizeof(struct oci_process), process_fields,
			     ARRAY_SIZE(process_fields), dst);
}

/* ---- root, mounts ---- */

static const struct field root_fields[] = {
	FIELD(struct oci_root, "path", oci_p_path, path),
	FIELD(struct oci_root, "readonly", oci_p_bool, readonly),
};
NEW_FN(p_root, struct oci_root, root_fields)

static const struct field mount_fields[] = {
	FIELD(struct oci_mount, "destination", oci_p_path, destination),
	FIELD(struct oci_mount, "type", oci_p_string, type),
	FIELD(struct oci_mount, "source", oci_p_path, source),
	FIELD(struct oci_mount, "options", oci_p_strlist, options),
	FIELD_IGNORE("uidMappings"),
	FIELD_IGNORE("gidMappings"),
};
OBJ_FN(p_mount, mount_fields)
ARRAY_FN(p_mounts, struct oci_spec, mounts, n_mounts, OCI_MAX_ARRAY, p_mount)

/* ---- linux ---- */

static int p_ns_type(struct pctx *c, const struct json_node *v, void *dst)
{
	struct oci_namespace *ns = dst;
	int ret = oci_p_string(c, v, &ns->type_name);

	if (ret == 0)
		ns->type = oci_ns_type_from_name(ns->type_name);
	return ret;
}

static const struct field ns_fields[] = {
	FIELD_SELF("type", p_ns_type),
	FIELD(struct oci_namespace, "path", oci_p_path, path),
};
OBJ_FN(p_ns, ns_fields)
ARRAY_FN(p_namespaces, struct oci_linux, namespaces, n_namespaces, 64, p_ns)

static const struct field idmap_fields[] = {
	FIELD(struct oci_id_mapping, "containerID", oci_p_u32, container_id),
	FIELD(struct oci_id_mapping, "hostID", oci_p_u32, host_id),
	FIELD(struct oci_id_mapping, "size", oci_p_u32, size),
};
OBJ_FN(p_idmap, idmap_fields)
ARRAY_FN(p_uid_mappings, struct oci_linux, uid_mappings, n_uid_mappings, 340,
	 p_idmap)
ARRAY_FN(p_gid_mappings, struct oci_linux, gid_mappings, n_gid_mappings, 340,
	 p_idmap)

static const struct field devrule_fields[] = {
	FIELD(struct oci_device_rule, "allow", oci_p_bool, allow),
	FIELD(struct oci_device_rule, "type", oci_p_string, type),
	FIELD_OPT(struct oci_device_rule, "major", oci_p_i64, major, has_major),
	FIELD_OPT(struct oci_device_rule, "minor", oci_p_i64, minor, has_minor),
	FIELD(struct oci_device_rule, "access", oci_p_string, access),
};
OBJ_FN(p_devrule, devrule_fields)
ARRAY_FN(p_devrules, struct oci_resources, devices, n_devices, OCI_MAX_ARRAY,
	 p_devrule)

static const struct field memory_fields[] = {
	FIELD_OPT(struct oci_resources, "limit", oci_p_i64, memory_limit,
		  has_memory_limit),
	FIELD_IGNORE("reservation"),
	FIELD_IGNORE("swap"),
	FIELD_IGNORE("kernel"),
	FIELD_IGNORE("kernelTCP"),
	FIELD_IGNORE("swappiness"),
	FIELD_IGNORE("disableOOMKiller"),
	FIELD_IGNORE("useHierarchy"),
	FIELD_IGNORE("checkBeforeUpdate"),
};
OBJ_FN(p_memory, memory_fields)

static const struct field cpu_fields[] = {
	FIELD_OPT(struct oci_resources, "shares", oci_p_u64, cpu_shares,
		  has_cpu_shares),
	FIELD_OPT(struct oci_resources, "quota", oci_p_i64, cpu_quota,
		  has_cpu_quota),
	FIELD_OPT(struct oci_resources, "period", oci_p_u64, cpu_period,
		  has_cpu_period),
	FIELD(struct oci_resources, "cpus", oci_p_string, cpu_cpus),
	FIELD_IGNORE("mems"),
	FIELD_IGNORE("realtimeRuntime"),
	FIELD_IGNORE("realtimePeriod"),
	FIELD_IGNORE("idle"),
	FIELD_IGNORE("burst"),
};
OBJ_FN(p_cpu, cpu_fields)

static const struct field pids_fields[] = {
	FIELD_OPT(struct oci_resources, "limit", oci_p_i64, pids_limit,
		  has_pids_limit),
};
OBJ_FN(p_pids, pids_fields)

static const struct field resources_fields[] = {
	FIELD_SELF("memory", p_memory), FIELD_SELF("cpu", p_cpu),
	FIELD_SELF("pids", p_pids),	FIELD_SELF("devices", p_devrules),
	FIELD_IGNORE("blockIO"),	FIELD_IGNORE("hugepageLimits"),
	FIELD_IGNORE("network"),	FIELD_IGNORE("rdma"),
	FIELD_IGNORE("unified"),
};
NEW_FN(p_resources, struct oci_resources, resources_fields)

/* Seccomp is summarised: rule and syscall-name counts, types checked. */
static int p_syscall_rule(struct pctx *c, const struct json_node *v, void *dst)
{
	size_t i, *names = dst;

	(void)c;
	if (oci_json_kind(v) != JSON_OBJECT)
		return -EINVAL;
	for (i = 0; i < oci_json_len(v); i++) {
		const struct json_node *n = oci_json_at(v, i);

		if (strcmp(oci_json_key(v, i), "names") != 0)
			continue;
		if (oci_json_kind(n) != JSON_ARRAY)
			return -EINVAL;
		*names += oci_json_len(n);
	}
	return 0;
}

static int p_syscalls(struct pctx *c, const struct json_node *v, void *dst)
{
	struct oci_seccomp *sc = dst;
	size_t i;
	int ret;

	if (oci_json_kind(v) != JSON_ARRAY)
		return oci_perr_type(c, v, "an array");
	if (oci_json_len(v) > OCI_MAX_ARRAY)
		return oci_perr(c, E2BIG, "%zu rules exceed the limit of %d",
				oci_json_len(v), OCI_MAX_ARRAY);
	sc->n_syscall_rules = oci_json_len(v);
	for (i = 0; i < oci_json_len(v); i++) {
		ret = p_syscall_rule(c, oci_json_at(v, i),
				     &sc->n_syscall_names);
		if (ret < 0)
			return oci_perr(
				c, -ret,
				"[%zu]: expected an object with a names array",
				i);
	}
	return 0;
}

static const struct field seccomp_fields[] = {
	FIELD(struct oci_seccomp, "defaultAction", oci_p_string,
	      default_action),
	FIELD_SELF("syscalls", p_syscalls),
	FIELD_IGNORE("defaultErrnoRet"),
	FIELD_IGNORE("architectures"),
	FIELD_IGNORE("flags"),
	FIELD_IGNORE("listenerPath"),
	FIELD_IGNORE("listenerMetadata"),
};
NEW_FN(p_seccomp, struct oci_seccomp, seccomp_fields)

static const struct field device_fields[] = {
	FIELD(struct oci_device, "path", oci_p_path, path),
	FIELD(struct oci_device, "type", oci_p_string, type),
	FIELD(struct oci_device, "major", oci_p_i64, major),
	FIELD(struct oci_device, "minor", oci_p_i64, minor),
	FIELD_OPT(struct oci_device, "fileMode", oci_p_u32, file_mode,
		  has_file_mode),
	FIELD_OPT(struct oci_device, "uid", oci_p_u32, uid, has_uid),
	FIELD_OPT(struct oci_device, "gid", oci_p_u32, gid, has_gid),
};
OBJ_FN(p_device, device_fields)
ARRAY_FN(p_devices, struct oci_linux, devices, n_devices, OCI_MAX_ARRAY,
	 p_device)

static const struct field linux_fields[] = {
	FIELD_SELF("namespaces", p_namespaces),
	FIELD_SELF("uidMappings", p_uid_mappings),
	FIELD_SELF("gidMappings", p_gid_mappings),
	FIELD(struct oci_linux, "resources", p_resources, resources),
	FIELD(struct oci_linux, "cgroupsPath", oci_p_path, cgroups_path),
	FIELD(struct oci_linux, "sysctl", oci_p_kvlist, sysctl),
	FIELD(struct oci_linux, "maskedPaths", oci_p_pathlist, masked_paths),
	FIELD(struct oci_linux, "readonlyPaths", oci_p_pathlist,
	      readonly_paths),
	FIELD(struct oci_linux, "seccomp", p_seccomp, seccomp),
	FIELD_SELF("devices", p_devices),
	FIELD_IGNORE("rootfsPropagation"),
	FIELD_IGNORE("mountLabel"),
	FIELD_IGNORE("intelRdt"),
	FIELD_IGNORE("personality"),
	FIELD_IGNORE("timeOffsets"),
	FIELD_IGNORE("memoryPolicy"),
};
NEW_FN(p_linux, struct oci_linux, linux_fields)

/* ---- the top level ---- */

static const struct field spec_fields[] = {
	FIELD(struct oci_spec, "ociVersion", oci_p_string, oci_version),
	FIELD(struct oci_spec, "root", p_root, root),
	FIELD(struct oci_spec, "process", oci_parse_process_obj, process),
	FIELD(struct oci_spec, "hostname", oci_p_string, hostname),
	FIELD(struct oci_spec, "domainname", oci_p_string, domainname),
	FIELD_SELF("mounts", p_mounts),
	FIELD(struct oci_spec, "annotations", oci_p_kvlist, annotations),
	FIELD(struct oci_spec, "linux", p_linux, linux_cfg),
	FIELD_IGNORE("hooks"),
	FIELD_IGNORE("vm"),
	FIELD_IGNORE("windows"),
	FIELD_IGNORE("solaris"),
	FIELD_IGNORE("zos"),
};

/* ---- free ---- */

void oci_process_fini(struct oci_process *p)
{
	size_t i;

	free(p->user.additional_gids);
	oci_strlist_free(&p->args);
	oci_strlist_free(&p->env);
	free(p->cwd);
	for (i = 0; i < OCI_CAP_NSETS; i++)
		oci_strlist_free(&p->caps[i]);
	for (i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
}

void oci_process_free(struct oci_process *p)
{
	if (!p)
		return;
	oci_process_fini(p);
	free(p);
}

static void resources_free(struct oci_resources *r)
{
	size_t i;

	if (!r)
		return;
	free(r->cpu_cpus);
	for (i = 0; i < r->n_devices; i++) {
		free(r->devices[i].type);
		free(r->devices[i].access);
	}
	free(r->devices);
	free(r);
}

static void linux_free(struct oci_linux *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n_namespaces; i++) {
		free(l->namespaces[i].type_name);
		free(l->namespaces[i].path);
	}
	free(l->namespaces);
	free(l->uid_mappings);
	free(l->gid_mappings);
	resources_free(l->resources);
	free(l->cgroups_path);
	oci_kvlist_free(&l->sysctl);
	oci_strlist_free(&l->masked_paths);
	oci_strlist_free(&l->readonly_paths);
	if (l->seccomp)
		free(l->seccomp->default_action);
	free(l->seccomp);
	for (i = 0; i < l->n_devices; i++) {
		free(l->devices[i].path);
		free(l->devices[i].type);
	}
	free(l->devices);
	free(l);
}

void oci_spec_free(struct oci_spec *s)
{
	size_t i;

	if (!s)
		return;
	free(s->oci_version);
	if (s->root)
		free(s->root->path);
	free(s->root);
	oci_process_free(s->process);
	free(s->hostname);
	free(s->domainname);
	for (i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		oci_strlist_free(&s->mounts[i].options);
	}
	free(s->mounts);
	oci_kvlist_free(&s->annotations);
	linux_free(s->linux_cfg);
	free(s);
}

/* ---- entry points ---- */

int oci_spec_parse(const char *buf, size_t len, unsigned int flags,
		   struct oci_spec **out, struct sv_err *e)
{
	struct json_node *root = NULL;
	struct oci_spec *s;
	struct pctx c;
	int ret;

	*out = NULL;
	ret = oci_json_parse(buf, len, OCI_MAX_INPUT, &root, e);
	if (ret < 0)
		return ret;
	oci_pctx_init(&c, flags, e);
	s = calloc(1, sizeof(*s));
	if (!s)
		ret = sv_err_set(e, ENOMEM, "out of memory");
	else if (oci_json_kind(root) != JSON_OBJECT)
		ret = oci_perr_type(&c, root, "a JSON object at the top level");
	else
		ret = oci_parse_fields(&c, root, spec_fields,
				       ARRAY_SIZE(spec_fields), s);
	oci_json_free(root);
	if (ret < 0) {
		oci_spec_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

int oci_process_parse(const char *buf, size_t len, unsigned int flags,
		      struct oci_process **out, struct sv_err *e)
{
	struct json_node *root = NULL;
	struct pctx c;
	int ret;

	*out = NULL;
	ret = oci_json_parse(buf, len, OCI_MAX_INPUT, &root, e);
	if (ret < 0)
		return ret;
	oci_pctx_init(&c, flags, e);
	ret = oci_parse_process_obj(&c, root, out);
	oci_json_free(root);
	if (ret < 0) {
		oci_process_free(*out);
		*out = NULL;
	}
	return ret;
}

int oci_read_file(const char *path, size_t max, char **out, size_t *len,
		  struct sv_err *e)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;
	ssize_t r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sv_err_set(e, errno, "open %s: %s", path,
				  strerror(errno));
	buf = malloc(max + 2);
	if (!buf)
		return sv_err_set(e, ENOMEM, "read %s: out of memory", path);
	while (n <= max) {
		r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sv_err_set(e, errno, "read %s: %s", path,
					  strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max)
		return sv_err_set(e, EFBIG, "%s: larger than %zu bytes", path,
				  max);
	buf[n] = '\0';
	*out = TAKE_PTR(buf);
	*len = n;
	return 0;
}

int oci_spec_parse_file(const char *path, unsigned int flags,
			struct oci_spec **out, struct sv_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	ret = oci_read_file(path, OCI_MAX_INPUT, &buf, &len, e);
	if (ret < 0)
		return ret;
	ret = oci_spec_parse(buf, len, flags, out, e);
	if (ret < 0)
		sv_err_wrap(e, "%s", path);
	return ret;
}

int oci_process_parse_file(const char *path, unsigned int flags,
			   struct oci_process **out, struct sv_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	ret = oci_read_file(path, OCI_MAX_INPUT, &buf, &len, e);
	if (ret < 0)
		return ret;
	ret = oci_process_parse(buf, len, flags, out, e);
	if (ret < 0)
		sv_err_wrap(e, "%s", path);
	return ret;
}

const char *oci_spec_annotation(const struct oci_spec *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->annotations.len; i++)
		if (!strcmp(s->annotations.items[i].key, key))
			return s->annotations.items[i].value;
	return NULL;
}

enum oci_ns_type oci_ns_type_from_name(const char *name)
{
	static const char *const names[] = {
		[OCI_NS_PID] = "pid",	    [OCI_NS_NETWORK] = "network",
		[OCI_NS_MOUNT] = "mount",   [OCI_NS_IPC] = "ipc",
		[OCI_NS_UTS] = "uts",	    [OCI_NS_USER] = "user",
		[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
	};
	size_t i;

	for (i = 1; i < ARRAY_SIZE(names); i++)
		if (name && !strcmp(name, names[i]))
			return (enum oci_ns_type)i;
	return OCI_NS_UNKNOWN;
}
