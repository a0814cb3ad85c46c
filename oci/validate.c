// SPDX-License-Identifier: MIT
/*
 * Meaning checks on a parsed config.json (oci_spec_validate) and exec
 * process (oci_process_validate). Each message names the JSON path or the
 * annotation it is about.
 */
#include "oci/spec.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sv/err.h"
#include "oci/oci_internal.h"

int oci_parse_dec(const char *s, unsigned long lo, unsigned long hi,
		  unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!s[0] || strlen(s) > 10)
		return -EINVAL;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

static bool printable(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return false;
	return true;
}

bool oci_path_ok(const char *p)
{
	return p[0] == '/' && strlen(p) < PATH_MAX && !strchr(p, ',') &&
	       printable(p);
}

bool oci_params_ok(const char *p)
{
	return strlen(p) <= OCI_KERNEL_PARAMS_MAX && printable(p);
}

static bool is_abs(const char *p)
{
	return p && p[0] == '/';
}

/* ---- process ---- */

static const char *const rlimit_names[] = {
	"RLIMIT_AS",	  "RLIMIT_CORE",     "RLIMIT_CPU",
	"RLIMIT_DATA",	  "RLIMIT_FSIZE",    "RLIMIT_LOCKS",
	"RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
	"RLIMIT_NOFILE",  "RLIMIT_NPROC",    "RLIMIT_RSS",
	"RLIMIT_RTPRIO",  "RLIMIT_RTTIME",   "RLIMIT_SIGPENDING",
	"RLIMIT_STACK",
};

static bool rlimit_known(const char *t)
{
	size_t i;

	for (i = 0; t && i < ARRAY_SIZE(rlimit_names); i++)
		if (!strcmp(t, rlimit_names[i]))
			return true;
	return false;
}

static int check_rlimits(const char *pfx, const struct oci_process *p,
			 struct sv_err *e)
{
	const struct oci_rlimit *r;
	size_t i, j;

	for (i = 0; i < p->n_rlimits; i++) {
		r = &p->rlimits[i];
		if (!rlimit_known(r->type))
			return sv_err_set(
				e, EINVAL,
				"%srlimits[%zu].type: unknown rlimit \"%.64s\"",
				pfx, i, r->type ? r->type : "");
		if (r->soft > r->hard)
			return sv_err_set(
				e, EINVAL,
				"%srlimits[%zu]: soft limit above hard limit",
				pfx, i);
		for (j = 0; j < i; j++)
			if (!strcmp(p->rlimits[j].type, r->type))
				return sv_err_set(
					e, EINVAL,
					"%srlimits[%zu]: duplicate %s", pfx, i,
					r->type);
	}
	return 0;
}

static int check_process(const char *pfx, const struct oci_process *p,
			 struct sv_err *e)
{
	size_t i;

	if (p->args.len == 0)
		return sv_err_set(e, EINVAL, "%sargs: must not be empty", pfx);
	if (!p->cwd)
		return sv_err_set(e, EINVAL, "%scwd: missing", pfx);
	if (!is_abs(p->cwd))
		return sv_err_set(e, EINVAL,
				  "%scwd: \"%.64s\" is not an absolute path",
				  pfx, p->cwd);
	for (i = 0; i < p->env.len; i++)
		if (!strchr(p->env.items[i], '=') || p->env.items[i][0] == '=')
			return sv_err_set(e, EINVAL,
					  "%senv[%zu]: expected KEY=value", pfx,
					  i);
	return check_rlimits(pfx, p, e);
}

int oci_process_validate(const struct oci_process *p, struct sv_err *e)
{
	return check_process("", p, e);
}

/* ---- spec ---- */

static int check_version(const struct oci_spec *s, struct sv_err *e)
{
	const char *v = s->oci_version;

	if (!v)
		return sv_err_set(e, EINVAL, "ociVersion: missing");
	if (strncmp(v, "1.", 2) != 0 || v[2] < '0' || v[2] > '9')
		return sv_err_set(
			e, EINVAL,
			"ociVersion: \"%.32s\" is not supported (need 1.x)", v);
	return 0;
}

static int check_mounts(const struct oci_spec *s, struct sv_err *e)
{
	size_t i;

	for (i = 0; i < s->n_mounts; i++) {
		const char *d = s->mounts[i].destination;

		if (!d)
			return sv_err_set(e, EINVAL,
					  "mounts[%zu].destination: missing",
					  i);
		if (!is_abs(d))
			return sv_err_set(
				e, EINVAL,
				"mounts[%zu].destination: \"%.64s\" is not an absolute path",
				i, d);
	}
	return 0;
}

static int check_namespaces(const struct oci_linux *l, struct sv_err *e)
{
	unsigned int seen = 0;
	const struct oci_namespace *ns;
	size_t i;

	for (i = 0; i < l->n_namespaces; i++) {
		ns = &l->namespaces[i];
		if (ns->type == OCI_NS_UNKNOWN)
			return sv_err_set(
				e, EINVAL,
				"linux.namespaces[%zu].type: unknown namespace type \"%.32s\"",
				i, ns->type_name ? ns->type_name : "");
		if (seen & (1u << ns->type))
			return sv_err_set(
				e, EINVAL,
				"linux.namespaces[%zu]: duplicate namespace type %s",
				i, ns->type_name);
		seen |= 1u << ns->type;
		if (ns->path && !is_abs(ns->path))
			return sv_err_set(
				e, EINVAL,
				"linux.namespaces[%zu].path: \"%.64s\" is not an absolute path",
				i, ns->path);
	}
	return 0;
}

static int check_resources(const struct oci_resources *r, struct sv_err *e)
{
	if (r->has_memory_limit && r->memory_limit < -1)
		return sv_err_set(
			e, EINVAL,
			"linux.resources.memory.limit: %lld is negative",
			(long long)r->memory_limit);
	if (r->has_cpu_quota && r->cpu_quota < -1)
		return sv_err_set(e, EINVAL,
				  "linux.resources.cpu.quota: %lld is negative",
				  (long long)r->cpu_quota);
	if (r->has_pids_limit && r->pids_limit < -1)
		return sv_err_set(
			e, EINVAL,
			"linux.resources.pids.limit: %lld is negative",
			(long long)r->pids_limit);
	return 0;
}

static int check_pathlist(const char *name, const struct oci_strlist *l,
			  struct sv_err *e)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		if (!is_abs(l->items[i]))
			return sv_err_set(
				e, EINVAL,
				"linux.%s[%zu]: \"%.64s\" is not an absolute path",
				name, i, l->items[i]);
	return 0;
}

static int check_devices(const struct oci_linux *l, struct sv_err *e)
{
	const struct oci_device *d;
	size_t i;

	for (i = 0; i < l->n_devices; i++) {
		d = &l->devices[i];
		if (!is_abs(d->path))
			return sv_err_set(
				e, EINVAL,
				"linux.devices[%zu].path: missing or not absolute",
				i);
		if (!d->type || strlen(d->type) != 1 ||
		    !strchr("cbup", d->type[0]))
			return sv_err_set(
				e, EINVAL,
				"linux.devices[%zu].type: expected c, b, u or p",
				i);
	}
	return 0;
}

static int check_linux(const struct oci_linux *l, struct sv_err *e)
{
	int ret;

	ret = check_namespaces(l, e);
	if (ret == 0 && l->resources)
		ret = check_resources(l->resources, e);
	if (ret == 0)
		ret = check_pathlist("maskedPaths", &l->masked_paths, e);
	if (ret == 0)
		ret = check_pathlist("readonlyPaths", &l->readonly_paths, e);
	if (ret == 0)
		ret = check_devices(l, e);
	return ret;
}

/* ---- org.stratovirt.* annotations ---- */

enum anno_kind { ANNO_CHOICE, ANNO_RANGE, ANNO_PATH, ANNO_PARAMS };

struct anno_rule {
	const char *key;
	enum anno_kind kind;
	const char *choices[3];
	unsigned long lo, hi;
};

static const struct anno_rule anno_rules[] = {
	{ OCI_ANNO_BUNDLE, ANNO_CHOICE, { "container", "vm", NULL }, 0, 0 },
	{ OCI_ANNO_MACHINE, ANNO_CHOICE, { "microvm", "q35", NULL }, 0, 0 },
	{ OCI_ANNO_KERNEL, ANNO_PATH, { NULL }, 0, 0 },
	{ OCI_ANNO_INITRD, ANNO_PATH, { NULL }, 0, 0 },
	{ OCI_ANNO_KERNEL_PARAMS, ANNO_PARAMS, { NULL }, 0, 0 },
	{ OCI_ANNO_ROOTFS_IMAGE, ANNO_PATH, { NULL }, 0, 0 },
	{ OCI_ANNO_FW_CODE, ANNO_PATH, { NULL }, 0, 0 },
	{ OCI_ANNO_FW_VARS, ANNO_PATH, { NULL }, 0, 0 },
	{ OCI_ANNO_VCPUS, ANNO_RANGE, { NULL }, OCI_VCPUS_MIN, OCI_VCPUS_MAX },
	{ OCI_ANNO_MEMORY_MIB,
	  ANNO_RANGE,
	  { NULL },
	  OCI_MEMORY_MIB_MIN,
	  OCI_MEMORY_MIB_MAX },
};

static int check_choice(const struct anno_rule *r, const char *v,
			struct sv_err *e)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(r->choices) && r->choices[i]; i++)
		if (!strcmp(v, r->choices[i]))
			return 0;
	return sv_err_set(e, EINVAL,
			  "annotation %s: \"%.64s\" is not one of %s|%s",
			  r->key, v, r->choices[0], r->choices[1]);
}

static int check_anno(const struct anno_rule *r, const char *v,
		      struct sv_err *e)
{
	unsigned long n;

	switch (r->kind) {
	case ANNO_CHOICE:
		return check_choice(r, v, e);
	case ANNO_RANGE:
		if (oci_parse_dec(v, r->lo, r->hi, &n) < 0)
			return sv_err_set(
				e, EINVAL,
				"annotation %s: \"%.64s\" is not a decimal number in %lu..%lu",
				r->key, v, r->lo, r->hi);
		return 0;
	case ANNO_PATH:
		/* firmware.code=none: q35 direct kernel boot */
		if (!strcmp(r->key, OCI_ANNO_FW_CODE) && !strcmp(v, "none"))
			return 0;
		if (!oci_path_ok(v))
			return sv_err_set(
				e, EINVAL,
				"annotation %s: \"%.64s\" is not an absolute path without ','%s",
				r->key, v, strcmp(r->key, OCI_ANNO_FW_CODE) ?
						   "" : " (or none)");
		return 0;
	case ANNO_PARAMS:
		if (!oci_params_ok(v))
			return sv_err_set(
				e, EINVAL,
				"annotation %s: not printable ASCII of at most %d bytes",
				r->key, OCI_KERNEL_PARAMS_MAX);
		return 0;
	}
	return 0;
}

static int check_annotations(const struct oci_spec *s, struct sv_err *e)
{
	const struct oci_kv *kv;
	size_t i, j;
	int ret;

	for (i = 0; i < s->annotations.len; i++) {
		kv = &s->annotations.items[i];
		if (strncmp(kv->key, OCI_ANNO_PREFIX,
			    strlen(OCI_ANNO_PREFIX)) != 0)
			continue;
		for (j = 0; j < ARRAY_SIZE(anno_rules); j++)
			if (!strcmp(kv->key, anno_rules[j].key))
				break;
		if (j == ARRAY_SIZE(anno_rules))
			return sv_err_set(e, EINVAL,
					  "annotation %.128s: unknown",
					  kv->key);
		ret = check_anno(&anno_rules[j], kv->value, e);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int oci_spec_validate(const struct oci_spec *s, struct sv_err *e)
{
	int ret;

	ret = check_version(s, e);
	if (ret < 0)
		return ret;
	if (!s->root || !s->root->path || !s->root->path[0])
		return sv_err_set(e, EINVAL, "root.path: missing");
	if (s->process) {
		ret = check_process("process.", s->process, e);
		if (ret < 0)
			return ret;
	}
	ret = check_mounts(s, e);
	if (ret == 0 && s->linux_cfg)
		ret = check_linux(s->linux_cfg, e);
	if (ret == 0)
		ret = check_annotations(s, e);
	return ret;
}
