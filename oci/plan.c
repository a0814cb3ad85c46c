// SPDX-License-Identifier: MIT
/*
 * Bundle to VM plan to StratoVirt argv (DESIGN.md 3.2). Precedence for the
 * VM size: linux.resources, then the org.stratovirt.* annotation, then the
 * defaults (config file over built-ins). For everything else: annotation,
 * then defaults.
 */
#include "oci/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/err.h"
#include "oci/oci_internal.h"
#include "oci/spec.h"

#define MIB (1024ull * 1024ull)

const char *oci_machine_name(enum vm_machine m)
{
	return m == VM_MACHINE_Q35 ? "q35" : "microvm";
}

static int machine_from_name(const char *name, enum vm_machine *m)
{
	if (!strcmp(name, "microvm"))
		*m = VM_MACHINE_MICROVM;
	else if (!strcmp(name, "q35"))
		*m = VM_MACHINE_Q35;
	else
		return -EINVAL;
	return 0;
}

/* Replace *dst by a copy of src (NULL allowed). */
static int set_str(char **dst, const char *src, struct sv_err *e)
{
	char *copy = NULL;

	if (src) {
		copy = strdup(src);
		if (!copy)
			return sv_err_set(e, ENOMEM, "out of memory");
	}
	free(*dst);
	*dst = copy;
	return 0;
}

/* ---- defaults ---- */

int oci_plan_defaults_init(struct oci_plan_defaults *d)
{
	memset(d, 0, sizeof(*d));
	d->machine = VM_MACHINE_MICROVM;
	d->vcpus = OCI_PLAN_DEFAULT_VCPUS;
	d->memory_mib = OCI_PLAN_DEFAULT_MEMORY_MIB;
	if (set_str(&d->kernel, OCI_PLAN_DEFAULT_KERNEL, NULL) < 0 ||
	    set_str(&d->initrd, OCI_PLAN_DEFAULT_INITRD, NULL) < 0 ||
	    set_str(&d->firmware_code, OCI_PLAN_DEFAULT_FW_CODE, NULL) < 0 ||
	    set_str(&d->firmware_vars, OCI_PLAN_DEFAULT_FW_VARS, NULL) < 0) {
		oci_plan_defaults_fini(d);
		return -ENOMEM;
	}
	return 0;
}

void oci_plan_defaults_fini(struct oci_plan_defaults *d)
{
	free(d->kernel);
	free(d->initrd);
	free(d->kernel_params);
	free(d->firmware_code);
	free(d->firmware_vars);
	free(d->vmm);
	for (size_t i = 0; i < d->n_annotation_paths; i++)
		free(d->annotation_paths[i]);
	free(d->annotation_paths);
	memset(d, 0, sizeof(*d));
}

/* The config file as written; checked, then merged into the defaults. */
struct cfg_file {
	char *kernel, *initrd, *kernel_params, *machine;
	char *firmware_code, *firmware_vars, *vmm;
	struct oci_strlist annotation_paths;
	bool has_vcpus, has_memory_mib, has_annotation_paths;
	uint32_t vcpus, memory_mib;
};

static const struct field cfg_fields[] = {
	FIELD(struct cfg_file, "kernel", oci_p_path, kernel),
	FIELD(struct cfg_file, "initrd", oci_p_path, initrd),
	FIELD(struct cfg_file, "kernel_params", oci_p_string, kernel_params),
	FIELD(struct cfg_file, "machine", oci_p_string, machine),
	FIELD(struct cfg_file, "firmware_code", oci_p_path, firmware_code),
	FIELD(struct cfg_file, "firmware_vars", oci_p_path, firmware_vars),
	FIELD(struct cfg_file, "vmm", oci_p_path, vmm),
	FIELD_OPT(struct cfg_file, "vcpus", oci_p_u32, vcpus, has_vcpus),
	FIELD_OPT(struct cfg_file, "memory_mib", oci_p_u32, memory_mib,
		  has_memory_mib),
	FIELD_OPT(struct cfg_file, "annotation_paths", oci_p_pathlist,
		  annotation_paths, has_annotation_paths),
};

static void cfg_file_fini(struct cfg_file *f)
{
	free(f->kernel);
	free(f->initrd);
	free(f->kernel_params);
	free(f->machine);
	free(f->firmware_code);
	free(f->firmware_vars);
	free(f->vmm);
	oci_strlist_free(&f->annotation_paths);
}

static int cfg_check_path(const char *key, const char *v, struct sv_err *e)
{
	if (v && !oci_path_ok(v))
		return sv_err_set(
			e, EINVAL,
			"%s: \"%.64s\" is not an absolute path without ','",
			key, v);
	return 0;
}

static int cfg_check(const struct cfg_file *f, struct sv_err *e)
{
	enum vm_machine m;
	int ret;

	if ((ret = cfg_check_path("kernel", f->kernel, e)) < 0 ||
	    (ret = cfg_check_path("initrd", f->initrd, e)) < 0 ||
	    (ret = cfg_check_path("firmware_code", f->firmware_code, e)) < 0 ||
	    (ret = cfg_check_path("firmware_vars", f->firmware_vars, e)) < 0 ||
	    (ret = cfg_check_path("vmm", f->vmm, e)) < 0)
		return ret;
	for (size_t i = 0; i < f->annotation_paths.len; i++)
		if ((ret = cfg_check_path("annotation_paths",
					  f->annotation_paths.items[i], e)) < 0)
			return ret;
	if (f->kernel_params && !oci_params_ok(f->kernel_params))
		return sv_err_set(
			e, EINVAL,
			"kernel_params: not printable ASCII of at most %d bytes",
			OCI_KERNEL_PARAMS_MAX);
	if (f->machine && machine_from_name(f->machine, &m) < 0)
		return sv_err_set(
			e, EINVAL,
			"machine: \"%.32s\" is not one of microvm|q35",
			f->machine);
	if (f->has_vcpus &&
	    (f->vcpus < OCI_VCPUS_MIN || f->vcpus > OCI_VCPUS_MAX))
		return sv_err_set(e, ERANGE, "vcpus: %u is not in %d..%d",
				  f->vcpus, OCI_VCPUS_MIN, OCI_VCPUS_MAX);
	if (f->has_memory_mib && (f->memory_mib < OCI_MEMORY_MIB_MIN ||
				  f->memory_mib > OCI_MEMORY_MIB_MAX))
		return sv_err_set(e, ERANGE, "memory_mib: %u is not in %d..%d",
				  f->memory_mib, OCI_MEMORY_MIB_MIN,
				  OCI_MEMORY_MIB_MAX);
	return 0;
}

/* Move what the file sets into d; the file's strings are taken. */
static void cfg_merge(struct oci_plan_defaults *d, struct cfg_file *f)
{
#define TAKE_IF(x)                             \
	do {                                   \
		if (f->x) {                    \
			free(d->x);            \
			d->x = TAKE_PTR(f->x); \
		}                              \
	} while (0)
	TAKE_IF(kernel);
	TAKE_IF(initrd);
	TAKE_IF(kernel_params);
	TAKE_IF(firmware_code);
	TAKE_IF(firmware_vars);
	TAKE_IF(vmm);
#undef TAKE_IF
	if (f->machine)
		(void)machine_from_name(f->machine, &d->machine);
	if (f->has_vcpus)
		d->vcpus = f->vcpus;
	if (f->has_memory_mib)
		d->memory_mib = f->memory_mib;
	if (f->has_annotation_paths) {
		d->annotation_paths = TAKE_PTR(f->annotation_paths.items);
		d->n_annotation_paths = f->annotation_paths.len;
		f->annotation_paths.len = 0;
		d->restrict_annotation_paths = true;
	}
}

int oci_plan_defaults_load(struct oci_plan_defaults *d, const char *path,
			   struct sv_err *e)
{
	_cleanup_free_ char *buf = NULL;
	struct json_node *root = NULL;
	struct cfg_file f = { 0 };
	struct pctx c;
	size_t len = 0;
	int ret;

	ret = oci_read_file(path, 64u << 10, &buf, &len, e);
	if (ret == -ENOENT) {
		sv_err_clear(e);
		return 0;
	}
	if (ret < 0)
		return ret;
	ret = oci_json_parse(buf, len, 64u << 10, &root, e);
	if (ret == 0) {
		oci_pctx_init(&c, OCI_PARSE_STRICT, e);
		ret = oci_parse_fields(&c, root, cfg_fields,
				       ARRAY_SIZE(cfg_fields), &f);
		oci_json_free(root);
	}
	if (ret == 0)
		ret = cfg_check(&f, e);
	if (ret == 0)
		cfg_merge(d, &f);
	cfg_file_fini(&f);
	if (ret < 0)
		sv_err_wrap(e, "%s", path);
	return ret;
}

/* ---- plan ---- */

void oci_plan_destroy(struct vm_plan *p)
{
	if (!p)
		return;
	free(p->kernel);
	free(p->initrd);
	free(p->cmdline);
	free(p->rootfs);
	free(p->firmware_code);
	free(p->firmware_vars);
	free(p);
}

static unsigned long anno_num(const struct oci_spec *s, const char *key,
			      unsigned long lo, unsigned long hi,
			      unsigned long dflt)
{
	const char *v = oci_spec_annotation(s, key);
	unsigned long n;

	if (v && oci_parse_dec(v, lo, hi, &n) == 0)
		return n;
	return dflt;
}

static const struct oci_resources *resources(const struct oci_spec *s)
{
	return s->linux_cfg ? s->linux_cfg->resources : NULL;
}

/* cpu quota/period rounded up; else annotation; else default. */
static unsigned int plan_vcpus(const struct oci_spec *s,
			       const struct oci_plan_defaults *d)
{
	const struct oci_resources *r = resources(s);
	uint64_t n;

	if (r && r->has_cpu_quota && r->has_cpu_period && r->cpu_quota > 0 &&
	    r->cpu_period > 0) {
		n = ((uint64_t)r->cpu_quota + r->cpu_period - 1) /
		    r->cpu_period;
		return (unsigned int)SV_MIN(SV_MAX(n, OCI_VCPUS_MIN),
					    OCI_VCPUS_MAX);
	}
	return (unsigned int)anno_num(s, OCI_ANNO_VCPUS, OCI_VCPUS_MIN,
				      OCI_VCPUS_MAX, d->vcpus);
}

/* memory limit rounded up to MiB, at least 128; else annotation; else default. */
static unsigned int plan_memory(const struct oci_spec *s,
				const struct oci_plan_defaults *d)
{
	const struct oci_resources *r = resources(s);
	uint64_t mib;

	if (r && r->has_memory_limit && r->memory_limit > 0) {
		mib = ((uint64_t)r->memory_limit + MIB - 1) / MIB;
		return (unsigned int)SV_MIN(SV_MAX(mib, OCI_MEMORY_MIB_MIN),
					    OCI_MEMORY_MIB_MAX);
	}
	return (unsigned int)anno_num(s, OCI_ANNO_MEMORY_MIB,
				      OCI_MEMORY_MIB_MIN, OCI_MEMORY_MIB_MAX,
				      d->memory_mib);
}

static const char *default_params(const struct vm_plan *p)
{
	bool micro = p->machine == VM_MACHINE_MICROVM;

	if (p->kind == VM_KIND_CONTAINER)
		return micro ? "console=ttyS0 reboot=k panic=1 pci=off quiet" :
			       "console=ttyS0 reboot=k panic=1 quiet";
	if (micro)
		return p->readonly ?
			       "console=ttyS0 reboot=k panic=1 pci=off root=/dev/vda ro" :
			       "console=ttyS0 reboot=k panic=1 pci=off root=/dev/vda rw";
	return p->readonly ? "console=ttyS0 reboot=k panic=1 root=/dev/vda ro" :
			     "console=ttyS0 reboot=k panic=1 root=/dev/vda rw";
}

static int plan_rootfs(struct vm_plan *p, const struct oci_spec *s,
		       const char *bundle, struct sv_err *e)
{
	const char *img = oci_spec_annotation(s, OCI_ANNO_ROOTFS_IMAGE);
	const char *root = s->root->path;

	p->readonly = s->root->readonly;
	if (img)
		return set_str(&p->rootfs, img, e);
	if (p->kind == VM_KIND_VM)
		return sv_err_set(e, EINVAL, "annotation %s=vm needs %s",
				  OCI_ANNO_BUNDLE, OCI_ANNO_ROOTFS_IMAGE);
	p->rootfs_is_dir = true;
	if (root[0] == '/')
		return set_str(&p->rootfs, root, e);
	if (!bundle || bundle[0] != '/')
		return sv_err_set(
			e, EINVAL,
			"root.path \"%.64s\" is relative and the bundle path is not absolute",
			root);
	if (asprintf(&p->rootfs, "%s/%s", bundle, root) < 0) {
		p->rootfs = NULL;
		return sv_err_set(e, ENOMEM, "out of memory");
	}
	return 0;
}

/* Machine: annotation, else default; a vm bundle without kernel is q35. */
static int plan_machine(struct vm_plan *p, const struct oci_spec *s,
			const struct oci_plan_defaults *d, struct sv_err *e)
{
	const char *m = oci_spec_annotation(s, OCI_ANNO_MACHINE);
	bool fw_boot = p->kind == VM_KIND_VM &&
		       !oci_spec_annotation(s, OCI_ANNO_KERNEL);

	p->machine = d->machine;
	if (m && machine_from_name(m, &p->machine) < 0)
		return sv_err_set(
			e, EINVAL,
			"annotation %s: \"%.32s\" is not one of microvm|q35",
			OCI_ANNO_MACHINE, m);
	if (fw_boot && !m)
		p->machine = VM_MACHINE_Q35;
	if (fw_boot && p->machine != VM_MACHINE_Q35)
		return sv_err_set(
			e, EINVAL,
			"annotation %s=vm without %s boots firmware and needs %s=q35",
			OCI_ANNO_BUNDLE, OCI_ANNO_KERNEL, OCI_ANNO_MACHINE);
	return 0;
}

static const char *anno_or(const struct oci_spec *s, const char *key,
			   const char *dflt)
{
	const char *v = oci_spec_annotation(s, key);

	return v ? v : dflt;
}

static int plan_boot(struct vm_plan *p, const struct oci_spec *s,
		     const struct oci_plan_defaults *d, struct sv_err *e)
{
	bool ctr = p->kind == VM_KIND_CONTAINER;
	const char *params;
	int ret;

	ret = set_str(&p->kernel,
		      anno_or(s, OCI_ANNO_KERNEL, ctr ? d->kernel : NULL), e);
	if (ret == 0)
		ret = set_str(
			&p->initrd,
			anno_or(s, OCI_ANNO_INITRD, ctr ? d->initrd : NULL), e);
	if (ret < 0 || !p->kernel)
		return ret;
	params = ctr && d->kernel_params ? d->kernel_params : default_params(p);
	return set_str(&p->cmdline, anno_or(s, OCI_ANNO_KERNEL_PARAMS, params),
		       e);
}

static int plan_firmware(struct vm_plan *p, const struct oci_spec *s,
			 const struct oci_plan_defaults *d, struct sv_err *e)
{
	const char *code = oci_spec_annotation(s, OCI_ANNO_FW_CODE);
	const char *vars = oci_spec_annotation(s, OCI_ANNO_FW_VARS);
	int ret;

	if (p->machine != VM_MACHINE_Q35) {
		if (code || vars)
			return sv_err_set(
				e, EINVAL,
				"annotation %s: firmware needs %s=q35",
				code ? OCI_ANNO_FW_CODE : OCI_ANNO_FW_VARS,
				OCI_ANNO_MACHINE);
		return 0;
	}
	if (code && !strcmp(code, "none")) {
		/* Direct kernel boot on q35: no pflash, ACPI from the VMM. */
		if (!p->kernel || vars)
			return sv_err_set(e, EINVAL,
					  "annotation %s=none needs a kernel "
					  "and no %s", OCI_ANNO_FW_CODE,
					  OCI_ANNO_FW_VARS);
		return 0;
	}
	ret = set_str(&p->firmware_code, code ? code : d->firmware_code, e);
	if (ret == 0)
		ret = set_str(&p->firmware_vars, vars ? vars : d->firmware_vars,
			      e);
	if (ret == 0 && !p->firmware_code)
		ret = sv_err_set(e, EINVAL, "machine q35 needs firmware (%s)",
				 OCI_ANNO_FW_CODE);
	return ret;
}

int oci_plan_create(const struct oci_spec *s, const char *bundle,
		    const struct oci_plan_defaults *d, struct vm_plan **out,
		    struct sv_err *e)
{
	const char *kind = oci_spec_annotation(s, OCI_ANNO_BUNDLE);
	struct vm_plan *p;
	int ret;

	*out = NULL;
	if (!s->root || !s->root->path)
		return sv_err_set(e, EINVAL, "root.path: missing");
	p = calloc(1, sizeof(*p));
	if (!p)
		return sv_err_set(e, ENOMEM, "out of memory");
	p->kind = kind && !strcmp(kind, "vm") ? VM_KIND_VM : VM_KIND_CONTAINER;
	p->vcpus = plan_vcpus(s, d);
	p->memory_mib = plan_memory(s, d);
	ret = plan_machine(p, s, d, e);
	if (ret == 0)
		ret = plan_rootfs(p, s, bundle, e);
	if (ret == 0)
		ret = plan_boot(p, s, d, e);
	if (ret == 0)
		ret = plan_firmware(p, s, d, e);
	if (ret < 0) {
		oci_plan_destroy(p);
		return ret;
	}
	*out = p;
	return 0;
}

/* ---- argv ---- */

#define ARGV_MAX 128

struct argv_buf {
	char *v[ARGV_MAX + 1];
	size_t n;
	int err;
};

static void arg_push(struct argv_buf *b, const char *fmt, ...) SV_PRINTF(2, 3);

static void arg_push(struct argv_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (b->err)
		return;
	if (b->n >= ARGV_MAX) {
		b->err = -E2BIG;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		b->err = -ENOMEM;
		s = NULL;
	}
	va_end(ap);
	if (s)
		b->v[b->n++] = s;
}

/* Paths go into key=value option lists, where ',' separates options. */
static int check_opt_path(const char *what, const char *path, struct sv_err *e)
{
	if (path && strchr(path, ','))
		return sv_err_set(e, EINVAL, "%s \"%.64s\" contains ','", what,
				  path);
	return 0;
}

static int argv_check(const struct vm_plan *p, const struct vm_argv_args *a,
		      const char *disk, struct sv_err *e)
{
	int ret;

	if (!a->state_dir || a->state_dir[0] != '/')
		return sv_err_set(e, EINVAL,
				  "state directory must be absolute");
	if (!disk || (!a->disk && p->rootfs_is_dir))
		return sv_err_set(e, EINVAL,
				  "rootfs directory %.64s needs a disk image",
				  p->rootfs ? p->rootfs : "");
	if ((ret = check_opt_path("disk", disk, e)) < 0 ||
	    (ret = check_opt_path("state directory", a->state_dir, e)) < 0 ||
	    (ret = check_opt_path("firmware", p->firmware_code, e)) < 0 ||
	    (ret = check_opt_path("firmware vars", p->firmware_vars, e)) < 0)
		return ret;
	return 0;
}

static void argv_disk(struct argv_buf *b, const struct vm_plan *p,
		      const char *disk)
{
	arg_push(b, "-drive");
	arg_push(b, "file=%s,id=rootfs,readonly=%s,direct=off", disk,
		 p->readonly ? "on" : "off");
	arg_push(b, "-device");
	if (p->machine == VM_MACHINE_Q35)
		arg_push(
			b,
			"virtio-blk-pci,drive=rootfs,id=rootfs,bus=pcie.0,addr=0x2");
	else
		arg_push(b, "virtio-blk-device,drive=rootfs,id=rootfs");
	if (p->firmware_code) {
		arg_push(b, "-drive");
		arg_push(b, "file=%s,if=pflash,unit=0,readonly=true",
			 p->firmware_code);
	}
	if (p->firmware_vars) {
		arg_push(b, "-drive");
		arg_push(b, "file=%s,if=pflash,unit=1", p->firmware_vars);
	}
}

static void argv_fill(struct argv_buf *b, const struct vm_plan *p,
		      const struct vm_argv_args *a, const char *disk)
{
	size_t i;

	arg_push(b, "%s", a->binary ? a->binary : "stratovirt");
	arg_push(b, "-machine");
	arg_push(b, "%s", oci_machine_name(p->machine));
	/* q35 resets in place; a container ends when its VM reboots, as a
	 * microvm does. */
	if (p->machine == VM_MACHINE_Q35)
		arg_push(b, "-no-reboot");
	if (p->kernel) {
		arg_push(b, "-kernel");
		arg_push(b, "%s", p->kernel);
	}
	if (p->kernel && p->initrd) {
		arg_push(b, "-initrd");
		arg_push(b, "%s", p->initrd);
	}
	arg_push(b, "-smp");
	arg_push(b, "%u", p->vcpus);
	arg_push(b, "-m");
	arg_push(b, "%um", p->memory_mib);
	if (p->kernel && p->cmdline) {
		arg_push(b, "-append");
		arg_push(b, "%s", p->cmdline);
	}
	argv_disk(b, p, disk);
	arg_push(b, "-qmp");
	arg_push(b, "unix:%s/qmp.sock,server,nowait", a->state_dir);
	arg_push(b, "-serial");
	arg_push(b, "%s", a->serial ? a->serial : "stdio");
	for (i = 0; a->extra && a->extra[i]; i++)
		arg_push(b, "%s", a->extra[i]);
}

int oci_plan_argv(const struct vm_plan *p, const struct vm_argv_args *a,
		  char ***argv_out, struct sv_err *e)
{
	const char *disk = a->disk ? a->disk : p->rootfs;
	struct argv_buf b = { .n = 0, .err = 0 };
	char **argv;
	size_t i;
	int ret;

	*argv_out = NULL;
	ret = argv_check(p, a, disk, e);
	if (ret < 0)
		return ret;
	argv_fill(&b, p, a, disk);
	argv = b.err ? NULL : calloc(b.n + 1, sizeof(*argv));
	if (!argv) {
		for (i = 0; i < b.n; i++)
			free(b.v[i]);
		return sv_err_set(e, b.err ? -b.err : ENOMEM,
				  "building the VMM command line");
	}
	memcpy(argv, b.v, b.n * sizeof(*argv));
	*argv_out = argv;
	return 0;
}

void oci_argv_free(char **argv)
{
	size_t i;

	if (!argv)
		return;
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}
