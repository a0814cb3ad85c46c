/* SPDX-License-Identifier: MIT */
/*
 * Bundle to VM (DESIGN.md 3.2): a pure function from a validated spec and
 * the defaults to a VM plan, and from the plan to the StratoVirt argv.
 * Nothing here touches the file system except oci_plan_defaults_load().
 */
#ifndef SV_OCI_PLAN_H
#define SV_OCI_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "sv/compiler.h"

struct oci_spec;
struct sv_err;

#define OCI_PLAN_CONFIG_FILE "/etc/stratovirt-shim/config.json"

#ifndef OCI_PLAN_DATADIR
#define OCI_PLAN_DATADIR "/usr/local/share/stratovirt-shim"
#endif
#define OCI_PLAN_DEFAULT_KERNEL OCI_PLAN_DATADIR "/vmlinux.bin"
#define OCI_PLAN_DEFAULT_INITRD OCI_PLAN_DATADIR "/sv-agent.initramfs"
#define OCI_PLAN_DEFAULT_FW_CODE "/usr/share/OVMF/OVMF_CODE_4M.fd"
#define OCI_PLAN_DEFAULT_FW_VARS "/usr/share/OVMF/OVMF_VARS_4M.fd"
#define OCI_PLAN_DEFAULT_VCPUS 1
#define OCI_PLAN_DEFAULT_MEMORY_MIB 256

enum vm_kind {
	VM_KIND_CONTAINER, /* root.path is a directory, sv-agent is init */
	VM_KIND_VM, /* the bundle describes a whole guest */
};

enum vm_machine {
	VM_MACHINE_MICROVM,
	VM_MACHINE_Q35,
};

/* Built-in defaults, overridden by /etc/stratovirt-shim/config.json. */
struct oci_plan_defaults {
	char *kernel;
	char *initrd;
	char *kernel_params; /* NULL: per machine and kind, see plan.c */
	enum vm_machine machine;
	unsigned int vcpus;
	unsigned int memory_mib;
	char *firmware_code;
	char *firmware_vars;
	char *vmm; /* VMM binary; NULL: `stratovirt` beside the shim, $PATH */
	/*
	 * "annotation_paths": when set, a path annotation (kernel, initrd,
	 * rootfs_image, firmware.*) must lie in the bundle or below one of
	 * these (checked by the shim on canonical paths); unset, any path.
	 */
	char **annotation_paths;
	size_t n_annotation_paths;
	bool restrict_annotation_paths;
};

struct vm_plan {
	enum vm_kind kind;
	enum vm_machine machine;
	unsigned int vcpus;
	unsigned int memory_mib;
	char *kernel; /* NULL: firmware boots the disk (q35 only) */
	char *initrd; /* NULL: none */
	char *cmdline; /* NULL when there is no kernel */
	char *rootfs; /* image file, or directory if rootfs_is_dir */
	bool rootfs_is_dir; /* the shim turns it into a disk image */
	bool readonly;
	char *firmware_code; /* NULL on microvm */
	char *firmware_vars; /* NULL: no vars pflash */
};

/* What the argv needs besides the plan. */
struct vm_argv_args {
	const char *binary; /* argv[0], "stratovirt" if NULL */
	const char *state_dir; /* qmp.sock is created in it */
	const char *disk; /* image to attach; NULL: plan->rootfs */
	const char *serial; /* -serial value, "stdio" if NULL */
	/* NULL-terminated, appended verbatim (agent port, netdev, ...) */
	const char *const *extra;
};

/* Fill d with the built-in defaults (allocates; undo with _fini). */
int oci_plan_defaults_init(struct oci_plan_defaults *d) SV_MUST_CHECK;
/* Override d from a JSON file; a missing file is not an error. */
int oci_plan_defaults_load(struct oci_plan_defaults *d, const char *path,
			   struct sv_err *e) SV_MUST_CHECK;
void oci_plan_defaults_fini(struct oci_plan_defaults *d);

/* s must have passed oci_spec_validate(); bundle is an absolute path. */
int oci_plan_create(const struct oci_spec *s, const char *bundle,
		    const struct oci_plan_defaults *d, struct vm_plan **out,
		    struct sv_err *e) SV_MUST_CHECK;
void oci_plan_destroy(struct vm_plan *p);

/* NULL-terminated argv; free with oci_argv_free(). */
int oci_plan_argv(const struct vm_plan *p, const struct vm_argv_args *a,
		  char ***argv_out, struct sv_err *e) SV_MUST_CHECK;
void oci_argv_free(char **argv);

const char *oci_machine_name(enum vm_machine m);

#endif /* SV_OCI_PLAN_H */
