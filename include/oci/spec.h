/* SPDX-License-Identifier: MIT */
/*
 * OCI runtime config (config.json) and exec process JSON: the subset the
 * shim uses, parsed over yajl with caps (STYLE.md section I). Parsing checks
 * syntax and types; oci_spec_validate() checks meaning. Every pointer in
 * these structs is owned by the enclosing object and freed by
 * oci_spec_free() / oci_process_free(). Absent objects are NULL, absent
 * lists have len 0, absent optional scalars have their has_* flag false.
 * A JSON null is treated as an absent member (as runc's Go decoder does).
 */
#ifndef SV_OCI_SPEC_H
#define SV_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

struct sv_err;

/* Input caps, checked before and during parsing. */
#define OCI_MAX_INPUT (4u << 20) /* bytes of JSON */
#define OCI_MAX_DEPTH 64 /* nesting of [ and { */
#define OCI_MAX_ARRAY 4096 /* elements of any list or map */
#define OCI_MAX_STRING (64u << 10) /* bytes of any string */

/* Annotations read by the shim (DESIGN.md 3.2), checked by validation. */
#define OCI_ANNO_PREFIX "org.stratovirt."
#define OCI_ANNO_BUNDLE "org.stratovirt.bundle" /* container|vm */
#define OCI_ANNO_MACHINE "org.stratovirt.machine" /* microvm|q35 */
#define OCI_ANNO_KERNEL "org.stratovirt.kernel"
#define OCI_ANNO_INITRD "org.stratovirt.initrd"
#define OCI_ANNO_KERNEL_PARAMS "org.stratovirt.kernel_params"
#define OCI_ANNO_ROOTFS_IMAGE "org.stratovirt.rootfs_image"
#define OCI_ANNO_FW_CODE "org.stratovirt.firmware.code"
#define OCI_ANNO_FW_VARS "org.stratovirt.firmware.vars"
#define OCI_ANNO_VCPUS "org.stratovirt.vcpus" /* 1..254 */
#define OCI_ANNO_MEMORY_MIB "org.stratovirt.memory_mib" /* 128..524288 */

#define OCI_VCPUS_MIN 1
#define OCI_VCPUS_MAX 254
#define OCI_MEMORY_MIB_MIN 128
#define OCI_MEMORY_MIB_MAX 524288
#define OCI_KERNEL_PARAMS_MAX 2048

/* Flags of the *_parse functions. */
#define OCI_PARSE_STRICT 0x1u /* reject unknown keys (tests only) */

struct oci_strlist {
	char **items;
	size_t len;
};

struct oci_kv {
	char *key;
	char *value;
};

/* A JSON object of strings, in input order. */
struct oci_kvlist {
	struct oci_kv *items;
	size_t len;
};

struct oci_root {
	char *path;
	bool readonly;
};

struct oci_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
};

enum oci_cap_set {
	OCI_CAP_BOUNDING,
	OCI_CAP_EFFECTIVE,
	OCI_CAP_INHERITABLE,
	OCI_CAP_PERMITTED,
	OCI_CAP_AMBIENT,
	OCI_CAP_NSETS,
};

struct oci_rlimit {
	char *type; /* "RLIMIT_NOFILE", ... */
	uint64_t hard;
	uint64_t soft;
};

struct oci_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height;
	uint32_t console_width;
	struct oci_user user;
	struct oci_strlist args;
	struct oci_strlist env;
	char *cwd;
	bool has_capabilities;
	struct oci_strlist caps[OCI_CAP_NSETS]; /* indexed by oci_cap_set */
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
};

struct oci_mount {
	char *destination;
	char *type;
	char *source;
	struct oci_strlist options;
};

enum oci_ns_type {
	OCI_NS_UNKNOWN,
	OCI_NS_PID,
	OCI_NS_NETWORK,
	OCI_NS_MOUNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
};

struct oci_namespace {
	char *type_name; /* as written in the input */
	enum oci_ns_type type; /* OCI_NS_UNKNOWN if not a known name */
	char *path; /* NULL: create a new namespace */
};

struct oci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

/* linux.resources.devices: cgroup device rules. */
struct oci_device_rule {
	bool allow;
	char *type; /* "a", "c", "b" or NULL */
	bool has_major;
	int64_t major;
	bool has_minor;
	int64_t minor;
	char *access;
};

/* linux.devices: device nodes to create. */
struct oci_device {
	char *path;
	char *type;
	int64_t major;
	int64_t minor;
	bool has_file_mode;
	uint32_t file_mode;
	bool has_uid;
	uint32_t uid;
	bool has_gid;
	uint32_t gid;
};

/*
 * Resource limits. -1 in memory_limit, cpu_quota and pids_limit means
 * "unlimited" as in runc; validation refuses anything below -1.
 */
struct oci_resources {
	bool has_memory_limit;
	int64_t memory_limit;
	bool has_cpu_shares;
	uint64_t cpu_shares;
	bool has_cpu_quota;
	int64_t cpu_quota;
	bool has_cpu_period;
	uint64_t cpu_period;
	char *cpu_cpus;
	bool has_pids_limit;
	int64_t pids_limit;
	struct oci_device_rule *devices;
	size_t n_devices;
};

/* Seccomp is applied by the guest, not here: kept as a summary only. */
struct oci_seccomp {
	char *default_action;
	size_t n_syscall_rules;
	size_t n_syscall_names;
};

struct oci_linux {
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct oci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct oci_resources *resources;
	char *cgroups_path;
	struct oci_kvlist sysctl;
	struct oci_strlist masked_paths;
	struct oci_strlist readonly_paths;
	struct oci_seccomp *seccomp;
	struct oci_device *devices;
	size_t n_devices;
};

struct oci_spec {
	char *oci_version;
	struct oci_root *root;
	struct oci_process *process;
	char *hostname;
	char *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_kvlist annotations;
	struct oci_linux *linux_cfg; /* "linux" (a predefined macro in gnu11) */
};

/* Parse config.json text (len bytes, no NUL needed). *out owned by caller. */
int oci_spec_parse(const char *buf, size_t len, unsigned int flags,
		   struct oci_spec **out, struct sv_err *e) SV_MUST_CHECK;
int oci_spec_parse_file(const char *path, unsigned int flags,
			struct oci_spec **out, struct sv_err *e) SV_MUST_CHECK;
int oci_spec_validate(const struct oci_spec *s, struct sv_err *e) SV_MUST_CHECK;
void oci_spec_free(struct oci_spec *s);

/* The JSON given to `exec --process`: the same object as spec.process. */
int oci_process_parse(const char *buf, size_t len, unsigned int flags,
		      struct oci_process **out, struct sv_err *e) SV_MUST_CHECK;
int oci_process_parse_file(const char *path, unsigned int flags,
			   struct oci_process **out,
			   struct sv_err *e) SV_MUST_CHECK;
int oci_process_validate(const struct oci_process *p,
			 struct sv_err *e) SV_MUST_CHECK;
void oci_process_free(struct oci_process *p);

/* Value of annotation key, or NULL. */
const char *oci_spec_annotation(const struct oci_spec *s, const char *key);
/* "pid" -> OCI_NS_PID, unknown -> OCI_NS_UNKNOWN. */
enum oci_ns_type oci_ns_type_from_name(const char *name);

#endif /* SV_OCI_SPEC_H */
