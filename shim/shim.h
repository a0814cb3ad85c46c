/* SPDX-License-Identifier: MIT */
/*
 * stratovirt-shim internals shared by the shim/ sources: logging, the
 * per-container state directory, the VMM launch and its monitor process,
 * the QMP client, the console socket, the rootfs image and the verbs.
 *
 * State directory <root>/<id>/ (DESIGN.md 3.1):
 *   state.json   the `state` output as last saved (written by rename)
 *   shim.info    monitor pid + start time, VMM pid, kind, image hash
 *   qmp.sock     the VMM's QMP socket
 *   vmm.log      the VMM's stderr
 *   rootfs.ext4  container bundles: the rootfs image (see rootfs_image.c)
 * The directory itself is the per-container lock (flock on its fd).
 */
#ifndef SV_SHIM_SHIM_H
#define SV_SHIM_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sv/compiler.h"
#include "shim/cli.h"

struct sv_err;
struct oci_state;
struct jail_plan;

/* ---- log.c ---- */
int shim_log_open(const struct shim_ctx *g) SV_MUST_CHECK;
int shim_log_fd(void);
/* One line on stderr and an error line in the --log file. */
void shim_log_fatal(const char *msg);
/* JSON string body of s into dst (always NUL-terminated, truncates). */
size_t shim_json_escape(char *dst, size_t cap, const char *s);

/* ---- state.c ---- */
enum ctr_status {
	CTR_CREATING,
	CTR_CREATED,
	CTR_RUNNING,
	CTR_PAUSED,
	CTR_STOPPED,
};

struct ctr_info {
	pid_t monitor_pid; /* 0 while creating */
	unsigned long long monitor_start; /* /proc/<pid>/stat starttime */
	pid_t vmm_pid;
	unsigned long long vmm_start;
	bool vm_kind;
	bool jailed;
		/* jail_cleanup() is due at delete */ /* org.stratovirt.bundle=vm */
	char image_hash[72]; /* "" unless a cached rootfs image is used */
};

struct ctr {
	char *root;
	char *id;
	char *dir; /* <root>/<id> */
	int dir_fd; /* locked with flock(LOCK_EX) while open */
	struct oci_state *st; /* NULL if state.json is missing */
	struct ctr_info info;
};

/* Lock and load an existing container; -ENOENT if there is none. */
int ctr_open(const char *root, const char *id, struct ctr **out,
	     struct sv_err *e) SV_MUST_CHECK;
/* Create <root>/<id> atomically, locked, status "creating". */
int ctr_new(const char *root, const char *id, const char *bundle,
	    struct ctr **out, struct sv_err *e) SV_MUST_CHECK;
/* Write shim.info and state.json (status given) by rename. */
int ctr_save(struct ctr *c, enum ctr_status s, struct sv_err *e) SV_MUST_CHECK;
/* The live status: stopped once the monitor is gone. */
enum ctr_status ctr_status(const struct ctr *c);
const char *ctr_status_name(enum ctr_status s);
/* malloc'd "<dir>/<name>", NULL on ENOMEM. */
char *ctr_path(const struct ctr *c, const char *name);
/* SIGKILL the monitor and the VMM (if they are still ours) and wait. */
void ctr_kill_all(const struct ctr *c);
/* Remove the directory and everything in it; c stays valid to close. */
int ctr_remove(struct ctr *c, struct sv_err *e) SV_MUST_CHECK;
void ctr_close(struct ctr *c);
/* Ids under root, sorted; free with shim_strv_free(). */
int ctr_list(const char *root, char ***ids, size_t *n,
	     struct sv_err *e) SV_MUST_CHECK;
void shim_strv_free(char **v, size_t n);
int pid_starttime(pid_t pid, unsigned long long *out);
bool pid_alive(pid_t pid, unsigned long long start);
/* Write len bytes to path by tmp file + rename. */
int shim_write_file(const char *path, const char *buf, size_t len, mode_t mode,
		    struct sv_err *e) SV_MUST_CHECK;

/* ---- unix_addr.c ---- */
/*
 * connect() / bind() a unix socket to a path of any length: one that does
 * not fit sun_path (108 bytes) goes through /proc/self/fd/<dir fd>/<name>
 * of its directory. 0 or -errno.
 */
int shim_unix_connect(int fd, const char *path) SV_MUST_CHECK;
int shim_unix_bind(int fd, const char *path) SV_MUST_CHECK;
/* Does path fit a sockaddr_un as it is? */
bool shim_unix_fits(const char *path);

/* ---- bundle_path.c ---- */
/* Is path below the directory bundle ("<bundle>/...")? */
bool bundle_contains(const char *bundle, const char *path);
/*
 * Open path (below bundle) with openat2 RESOLVE_BENEATH from the bundle's
 * directory: symlinks that stay inside are followed, one that leads out
 * fails with -EXDEV. flags: open(2) flags (O_CLOEXEC is added). fd or
 * -errno.
 */
int bundle_open_beneath(const char *bundle, const char *path, int flags);

/* ---- launch.c ---- */
struct launch_args {
	char **argv; /* argv[0] is the absolute VMM path */
	const char *cwd; /* the VMM's (the state dir: socket names may be
			  * relative to it, see cmd_create.c); NULL: / */
	const char *log_path; /* the VMM's stderr */
	const struct jail_plan *jail; /* NULL: exec unjailed */
};

/* The VMM binary: $STRATOVIRT_SHIM_VMM, next to the shim, then $PATH. */
/* A close-on-exec pipe (child reports on p[1]) and fork(). */
int fork_with_pipe(int p[2], pid_t *child, struct sv_err *e) SV_MUST_CHECK;

/* STRATOVIRT_SHIM_VMM, else cfg (the config file's "vmm", may be NULL),
 * else `stratovirt` beside the shim, else $PATH. */
int vmm_find_binary(const char *cfg, char **out,
		    struct sv_err *e) SV_MUST_CHECK;
/*
 * Fork the VMM with the caller's fds 0-2 (PR_SET_PDEATHSIG: it dies with
 * the caller), through the jail when a->jail. Returns once exec succeeded.
 */
int vmm_launch(const struct launch_args *a, pid_t *pid,
	       struct sv_err *e) SV_MUST_CHECK;
/* Close every fd >= 3 except the n in keep. */
void shim_close_fds(const int *keep, unsigned int n);
/* waitpid status -> exit code (128+N for signal N). */
int shim_exit_code(int wstatus);

/* ---- monitor.c ---- */
struct monitor_args {
	const struct launch_args *launch;
	const char *qmp_path;
	int stdio_fd; /* -1: keep 0-2; else dup'd onto 0-2 (pty slave) */
	int ready_timeout_ms;
	/* Container bundles (NULL agent_path for vm bundles): */
	const char *agent_path;	/* the agent port's socket */
	const char *ctl_path;	/* where start/kill reach the monitor */
	const uint8_t *spec;	/* START payload (agent_spec_from_oci) */
	size_t spec_len;
};

/* Fork the container monitor (setsid); returns when the VMM is ready. */
struct agent_client;
struct oci_spec;
struct oci_process;
/* ctr_agent.c: the monitor's side of container bundles. */
int agent_boot(const struct monitor_args *a, struct agent_client **out,
	       int *ctl_fd, struct sv_err *e) SV_MUST_CHECK;
SV_NORETURN void agent_serve(const struct monitor_args *a,
			     struct agent_client *c, int ctl_fd, pid_t vmm);
/* A CLI call's request to the monitor ("start", "kill N"). */
int ctl_request(const char *path, const char *req, int timeout_ms,
		struct sv_err *e) SV_MUST_CHECK;
/* agent_spec.c */
int agent_spec_from_oci(const struct oci_spec *s, const struct oci_process *p,
			uint8_t *buf, size_t cap, size_t *len,
			struct sv_err *e) SV_MUST_CHECK;

int monitor_spawn(const struct monitor_args *a, pid_t *monitor, pid_t *vmm,
		  struct sv_err *e) SV_MUST_CHECK;

/* ---- qmp_client.c ---- */
/* Connect, read the greeting, negotiate. */
int qmp_connect(const char *path, int timeout_ms, int *fd,
		struct sv_err *e) SV_MUST_CHECK;
/* {"execute":cmd}; the "return" line into reply (may be NULL). */
int qmp_command(int fd, const char *cmd, char *reply, size_t cap,
		struct sv_err *e) SV_MUST_CHECK;
/* Connect, run one command, close. */
int qmp_run(const char *path, const char *cmd, struct sv_err *e) SV_MUST_CHECK;

/* ---- console.c ---- */
/* New pty; master sent to the console socket; *slave returned (raw). */
int console_create(const char *sock_path, int *slave,
		   struct sv_err *e) SV_MUST_CHECK;

/* ---- rootfs_image.c ---- */
/*
 * The ext4 image of a rootfs directory, built with `mkfs.ext4 -d` into
 * cache_dir/<sha256 of the tree>.ext4 and reused for identical trees.
 * dirfd is the directory (dir names it in messages).
 * state_dir/rootfs.ext4 is a hard link to it (readonly) or a private copy
 * (read-write, with a rootfs.base link keeping the cache entry alive).
 */
int rootfs_image_get(int dirfd, const char *dir, const char *cache_dir,
		     const char *state_dir, bool readonly, char **path,
		     char hash[72], struct sv_err *e) SV_MUST_CHECK;
/* Content hash of a tree (hex SHA-256); tests use it directly. */
int rootfs_tree_hash(const char *dir, char hash[72],
		     struct sv_err *e) SV_MUST_CHECK;
/* Drop the container's links; remove the cache entry if unused. */
void rootfs_image_release(const char *cache_dir, const char *state_dir,
			  const char *hash);

/* ---- verbs (cmd_*.c): argv = the verb's arguments; exit code or -errno */
typedef int (*shim_cmd_fn)(const struct shim_ctx *g, int argc, char **argv,
			   struct sv_err *e);
int cmd_create(const struct shim_ctx *g, int argc, char **argv,
	       struct sv_err *e);
int cmd_run(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e);
int cmd_start(const struct shim_ctx *g, int argc, char **argv,
	      struct sv_err *e);
int cmd_pause(const struct shim_ctx *g, int argc, char **argv,
	      struct sv_err *e);
int cmd_resume(const struct shim_ctx *g, int argc, char **argv,
	       struct sv_err *e);
int cmd_state(const struct shim_ctx *g, int argc, char **argv,
	      struct sv_err *e);
int cmd_list(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e);
int cmd_ps(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e);
int cmd_kill(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e);
int cmd_delete(const struct shim_ctx *g, int argc, char **argv,
	       struct sv_err *e);
int cmd_exec(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e);
int cmd_features(const struct shim_ctx *g, int argc, char **argv,
		 struct sv_err *e);
int cmd_spec(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e);

/* cmd_create.c, shared with run: create, and hand back the monitor pid. */
int shim_create(const struct shim_ctx *g, const struct cli_args *a,
		pid_t *monitor, struct sv_err *e) SV_MUST_CHECK;
/* cmd_start.c, shared with run. */
int shim_start(const struct shim_ctx *g, const char *id,
	       struct sv_err *e) SV_MUST_CHECK;
/* cmd_delete.c, shared with run and failed creates. */
int shim_delete(const struct shim_ctx *g, const char *id, bool force,
		struct sv_err *e) SV_MUST_CHECK;
/* One positional argument (the id), checked; else an error naming verb. */
int shim_one_id(const struct cli_args *a, const char *verb, const char **id,
		struct sv_err *e) SV_MUST_CHECK;

#endif /* SV_SHIM_SHIM_H */
