// SPDX-License-Identifier: MIT
/*
 * create [--bundle|-b B] [--pid-file F] [--console-socket S] ID
 *
 * Everything that can be checked (id, config.json, annotations, the plan,
 * the files it names, the VMM binary) is checked before anything is
 * created. Then: the state dir (atomically, locked), the rootfs image for
 * container bundles, the console pty, the monitor and the paused VM; the
 * pid file is written last. Any failure undoes all of it.
 */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sv/err.h"
#include "oci/plan.h"
#include "oci/spec.h"
#include "oci/state.h"
#include "shim/jail.h"
#include "sv/agent_proto.h"
#define LOG_MODULE "create"
#include "sv/log.h"

#pragma weak jail_plan_build
#pragma weak jail_plan_destroy
#pragma weak jail_cleanup

#define READY_TIMEOUT_MS 30000
#define JAIL_UID 65534 /* nobody, until the config file names one */

struct create_job {
	const struct shim_ctx *g;
	const struct cli_args *a;
	char bundle[PATH_MAX];
	struct oci_spec *spec;
	struct vm_plan *plan;
	char *vmm;
	struct ctr *c;
	char *disk;
	char **argv;
	struct jail_plan *jail;
	int console;
	int rootfs_fd;	/* the rootfs directory as checked, for the image */
	pid_t monitor;
};

static const struct cli_opt create_opts[] = {
	{ "bundle", 'b', CLI_VALUE, K_BUNDLE },
	{ "pid-file", 0, CLI_VALUE, K_PID_FILE },
	{ "console-socket", 0, CLI_VALUE, K_CONSOLE_SOCKET },
	{ "preserve-fds", 0, CLI_VALUE, K_PRESERVE_FDS },
	{ "no-pivot", 0, CLI_FLAG, K_IGNORED },
	{ "no-new-keyring", 0, CLI_FLAG, K_IGNORED },
	{ "jail-dry-run", 0, CLI_FLAG, K_JAIL_DRY_RUN },
	{ "detach", 'd', CLI_FLAG, K_DETACH }, /* run only */
};

static int load_spec(struct create_job *j, struct sv_err *e)
{
	const char *b = j->a->val[K_BUNDLE] ? j->a->val[K_BUNDLE] : ".";
	char cfg[PATH_MAX + 16];
	int ret;

	if (!realpath(b, j->bundle))
		return sv_err_set(e, errno, "bundle %.200s: %s", b,
				  strerror(errno));
	snprintf(cfg, sizeof(cfg), "%s/config.json", j->bundle);
	ret = oci_spec_parse_file(cfg, 0, &j->spec, e); /* names cfg */
	if (ret == 0 && oci_spec_validate(j->spec, e) < 0)
		ret = sv_err_wrap(e, "%s", cfg);
	return ret;
}

static int check_file(const char *what, const char *path, struct sv_err *e)
{
	if (path && access(path, R_OK) < 0)
		return sv_err_set(e, errno, "%s %.200s: %s", what, path,
				  strerror(errno));
	return 0;
}

/*
 * A rootfs directory named below the bundle (root.path relative) must
 * not lead out of it through a symlink: its tree becomes the disk. The
 * directory is opened once here and the image is built from that fd, so
 * a rename or symlink swap after the check changes nothing.
 */
static int check_beneath(struct create_job *j, struct sv_err *e)
{
	const char *r = j->plan->rootfs;
	int fd;

	if (!j->plan->rootfs_is_dir)
		return 0;
	if (bundle_contains(j->bundle, r))
		fd = bundle_open_beneath(j->bundle, r, O_RDONLY | O_DIRECTORY);
	else if ((fd = open(r, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fd = -errno;
	if (fd == -EXDEV || fd == -ELOOP)
		return sv_err_set(e, EXDEV, "rootfs %.200s: resolves outside "
				  "the bundle %.200s (symlink)", r, j->bundle);
	if (fd < 0)
		return sv_err_set(e, -fd, "rootfs %.200s: %s", r,
				  strerror(-fd));
	j->rootfs_fd = fd;
	return 0;
}

/* path is dir or below it (both canonical). */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return true;
	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

/*
 * With "annotation_paths" in the config, a path annotation must resolve
 * into the bundle or below one of those prefixes: annotations may come
 * from less trusted hands than the engine (pod specs through CRI).
 */
static int check_annotation_paths(const struct create_job *j,
				  const struct oci_plan_defaults *d,
				  struct sv_err *e)
{
	static const char *const keys[] = { OCI_ANNO_KERNEL, OCI_ANNO_INITRD,
					     OCI_ANNO_ROOTFS_IMAGE,
					     OCI_ANNO_FW_CODE, OCI_ANNO_FW_VARS };
	char real[PATH_MAX], pre[PATH_MAX];

	for (size_t k = 0; d->restrict_annotation_paths && k < ARRAY_SIZE(keys);
	     k++) {
		const char *v = oci_spec_annotation(j->spec, keys[k]);
		bool ok;

		if (!v || !strcmp(v, "none"))
			continue;
		if (!realpath(v, real))
			return sv_err_set(e, errno, "annotation %s=%.200s: %s",
					  keys[k], v, strerror(errno));
		ok = path_under(real, j->bundle);
		for (size_t i = 0; !ok && i < d->n_annotation_paths; i++)
			ok = realpath(d->annotation_paths[i], pre) &&
			     path_under(real, pre);
		if (!ok)
			return sv_err_set(e, EPERM, "annotation %s=%.200s: "
					  "outside the bundle and the config's "
					  "annotation_paths", keys[k], v);
	}
	return 0;
}

static int plan(struct create_job *j, struct sv_err *e)
{
	const char *cfg = getenv("STRATOVIRT_SHIM_CONFIG");
	struct oci_plan_defaults d;
	int ret;

	if (oci_plan_defaults_init(&d) < 0)
		return sv_err_set(e, ENOMEM, "out of memory");
	ret = oci_plan_defaults_load(&d, cfg ? cfg : OCI_PLAN_CONFIG_FILE, e);
	if (ret == 0)
		ret = check_annotation_paths(j, &d, e);
	if (ret == 0)
		ret = oci_plan_create(j->spec, j->bundle, &d, &j->plan, e);
	if (ret == 0)
		ret = vmm_find_binary(d.vmm, &j->vmm, e);
	oci_plan_defaults_fini(&d);
	if (ret < 0)
		return ret;
	if ((ret = check_beneath(j, e)) < 0 ||
	    (ret = check_file("kernel", j->plan->kernel, e)) < 0 ||
	    (ret = check_file("initrd", j->plan->initrd, e)) < 0 ||
	    (ret = check_file("rootfs", j->plan->rootfs, e)) < 0 ||
	    (ret = check_file("firmware", j->plan->firmware_code, e)) < 0 ||
	    (ret = check_file("firmware vars", j->plan->firmware_vars, e)) < 0)
		return ret;
	return 0;
}

/*
 * Socket names the VMM binds. The VMM runs with the state directory as its
 * cwd (launch.c); when <dir>/agent.sock would not fit a sockaddr_un (108
 * bytes) an unjailed VMM gets "./qmp.sock" and "./agent.sock" instead. In
 * the jail the directory is bind-mounted at a short path and argv is
 * rewritten to it (jail_plan.c), so names stay absolute there.
 */
static bool short_sock_names(const struct create_job *j)
{
	_cleanup_free_ char *p = ctr_path(j->c, "agent.sock");

	return !j->g->jail && !j->a->val[K_JAIL_DRY_RUN] && p &&
	       !shim_unix_fits(p);
}

/* "unix:<dir>/qmp.sock,..." -> "unix:./qmp.sock,..." */
static int qmp_relative(struct create_job *j, struct sv_err *e)
{
	_cleanup_free_ char *from = NULL;
	char *to;

	if (asprintf(&from, "unix:%s/qmp.sock,", j->c->dir) < 0)
		return sv_err_set(e, ENOMEM, "out of memory");
	for (size_t i = 1; j->argv[i]; i++) {
		if (strncmp(j->argv[i], from, strlen(from)))
			continue;
		if (asprintf(&to, "unix:./qmp.sock,%s",
			     j->argv[i] + strlen(from)) < 0)
			return sv_err_set(e, ENOMEM, "out of memory");
		free(j->argv[i]);
		j->argv[i] = to;
	}
	return 0;
}

static int build_argv(struct create_job *j, struct sv_err *e)
{
	_cleanup_free_ char *agent = NULL, *serial = NULL;
	const char *vm_extra[] = { "-S", NULL };
	const char *ctr_extra[] = {
		"-S",
		"-device",
		NULL,	/* virtio-serial of the machine, below */
		"-chardev",
		NULL,
		"-device",
		"virtserialport,chardev=agent,id=agent,nr=1,name=sv.agent",
		NULL
	};
	struct vm_argv_args args = {
		.binary = j->vmm,
		.state_dir = j->c->dir,
		.disk = j->disk,
		.extra = vm_extra,
	};
	bool rel = short_sock_names(j);
	int ret;

	if (j->plan->kind == VM_KIND_CONTAINER) {
		/* Kernel messages never reach the workload's stdout. */
		if (asprintf(&serial, "file,path=%s/console.log", j->c->dir) <
		    0)
			return sv_err_set(e, ENOMEM, "out of memory");
		args.serial = serial;
		if (asprintf(&agent,
			     "socket,id=agent,path=%s/agent.sock,server,nowait",
			     rel ? "." : j->c->dir) < 0)
			return sv_err_set(e, ENOMEM, "out of memory");
		ctr_extra[4] = agent;
		ctr_extra[2] = j->plan->machine == VM_MACHINE_Q35 ?
				       "virtio-serial-pci,id=virtio-serial0" :
				       "virtio-serial-device,id=virtio-serial0";
		args.extra = ctr_extra;
	}
	ret = oci_plan_argv(j->plan, &args, &j->argv, e);
	if (ret == 0 && rel)
		ret = qmp_relative(j, e);
	return ret;
}

/* runc's state carries the rootfs path and the config's annotations. */
static int state_extras(struct create_job *j, struct sv_err *e)
{
	const struct oci_kvlist *src = &j->spec->annotations;
	struct oci_state *st = j->c->st;
	const char *root = j->spec->root->path;
	size_t i;

	if (asprintf(&st->rootfs, root[0] == '/' ? "%s%s" : "%s/%s",
		     root[0] == '/' ? "" : j->bundle, root) < 0) {
		st->rootfs = NULL;
		return sv_err_set(e, ENOMEM, "out of memory");
	}
	st->annotations.items = calloc(src->len + 1, sizeof(struct oci_kv));
	if (!st->annotations.items)
		return sv_err_set(e, ENOMEM, "out of memory");
	for (i = 0; i < src->len; i++) {
		st->annotations.items[i].key = strdup(src->items[i].key);
		st->annotations.items[i].value = strdup(src->items[i].value);
		st->annotations.len = i + 1;
		if (!st->annotations.items[i].key ||
		    !st->annotations.items[i].value)
			return sv_err_set(e, ENOMEM, "out of memory");
	}
	return 0;
}

static int prepare(struct create_job *j, struct sv_err *e)
{
	_cleanup_free_ char *cache = NULL;
	int ret = state_extras(j, e);

	j->c->info.vm_kind = j->plan->kind == VM_KIND_VM;
	if (ret == 0 && j->plan->rootfs_is_dir) {
		if (asprintf(&cache, "%s/.images", j->g->root) < 0)
			return sv_err_set(e, ENOMEM, "out of memory");
		ret = rootfs_image_get(j->rootfs_fd, j->plan->rootfs, cache,
				       j->c->dir, j->plan->readonly, &j->disk,
				       j->c->info.image_hash, e);
	}
	if (ret == 0)
		ret = build_argv(j, e);
	if (ret == 0 && j->a->val[K_CONSOLE_SOCKET])
		ret = console_create(j->a->val[K_CONSOLE_SOCKET], &j->console,
				     e);
	return ret;
}

static int jail_prepare(struct create_job *j, struct sv_err *e)
{
	struct jail_opts o = {
		.id = j->c->id,
		.state_dir = j->c->dir,
		.bundle = j->bundle,
		.enabled = true,
		.uid = JAIL_UID,
		.gid = JAIL_UID,
	};

	if (!j->g->jail && !j->a->val[K_JAIL_DRY_RUN])
		return 0;
	if (!jail_plan_build)
		return sv_err_set(e, ENOSYS, "--jail: this build has no jail");
	return jail_plan_build(j->spec, j->plan, &o, j->argv, &j->jail, e);
}

static int launch(struct create_job *j, struct sv_err *e)
{
	_cleanup_free_ char *log = ctr_path(j->c, "vmm.log");
	_cleanup_free_ char *qmp = ctr_path(j->c, "qmp.sock");
	const char *tmo = getenv("STRATOVIRT_SHIM_READY_TIMEOUT_MS");
	struct launch_args la = { .argv = j->argv,
				  .cwd = j->c->dir,
				  .log_path = log,
				  .jail = j->jail };
	struct monitor_args ma = {
		.launch = &la,
		.qmp_path = qmp,
		.stdio_fd = j->console,
		.ready_timeout_ms = tmo ? atoi(tmo) : READY_TIMEOUT_MS,
	};
	_cleanup_free_ char *agent = ctr_path(j->c, "agent.sock");
	_cleanup_free_ char *ctl = ctr_path(j->c, "ctl.sock");
	_cleanup_free_ uint8_t *spec = NULL;
	pid_t vmm;
	int ret;

	if (!log || !qmp || !agent || !ctl)
		return sv_err_set(e, ENOMEM, "out of memory");
	if (j->plan->kind == VM_KIND_CONTAINER) {
		spec = malloc(AGENT_MAX_PAYLOAD);
		if (!spec)
			return sv_err_set(e, ENOMEM, "out of memory");
		ret = agent_spec_from_oci(j->spec, j->spec->process, spec,
					  AGENT_MAX_PAYLOAD, &ma.spec_len, e);
		if (ret < 0)
			return ret;
		ma.spec = spec;
		ma.agent_path = agent;
		ma.ctl_path = ctl;
	}
	ret = monitor_spawn(&ma, &j->monitor, &vmm, e);
	if (ret < 0)
		return ret;
	j->c->info.monitor_pid = j->monitor;
	j->c->info.vmm_pid = vmm;
	j->c->info.jailed = j->jail != NULL;
	log_info("%s: monitor %d, VMM %d (%s)", j->c->id, (int)j->monitor,
		 (int)vmm, j->argv[0]);
	if (pid_starttime(j->monitor, &j->c->info.monitor_start) < 0 ||
	    pid_starttime(vmm, &j->c->info.vmm_start) < 0)
		return sv_err_set(e, ESRCH, "the VM exited during create");
	return ctr_save(j->c, CTR_CREATED, e);
}

static int write_pid_file(struct create_job *j, struct sv_err *e)
{
	const char *path = j->a->val[K_PID_FILE];
	char buf[32];
	int n;

	if (!path)
		return 0;
	n = snprintf(buf, sizeof(buf), "%d", (int)j->monitor);
	return shim_write_file(path, buf, (size_t)n, 0644, e);
}

static void undo(struct create_job *j)
{
	_cleanup_free_ char *cache = NULL;
	struct sv_err e2 = SV_ERR_INIT;

	if (j->monitor > 0) {
		kill(j->monitor, SIGKILL);
		waitpid(j->monitor, NULL, 0);
	}
	ctr_kill_all(j->c); /* the VMM, if it got that far */
	/* the monitor's cgroup and what the jail left on the host */
	if (j->jail && jail_cleanup && jail_cleanup(j->c->dir, &e2) < 0)
		shim_log_fatal(e2.msg);
	if (j->c->info.image_hash[0] &&
	    asprintf(&cache, "%s/.images", j->g->root) >= 0)
		rootfs_image_release(cache, j->c->dir, j->c->info.image_hash);
	if (ctr_remove(j->c, &e2) < 0)
		shim_log_fatal(e2.msg);
}

static void job_fini(struct create_job *j)
{
	if (j->jail && jail_plan_destroy)
		jail_plan_destroy(j->jail);
	if (j->console >= 0)
		close(j->console);
	if (j->rootfs_fd >= 0)
		close(j->rootfs_fd);
	oci_argv_free(j->argv);
	free(j->disk);
	ctr_close(j->c);
	free(j->vmm);
	oci_plan_destroy(j->plan);
	oci_spec_free(j->spec);
}

int shim_create(const struct shim_ctx *g, const struct cli_args *a,
		pid_t *monitor, struct sv_err *e)
{
	struct create_job j = { .g = g, .a = a, .console = -1,
				.rootfs_fd = -1 };
	const char *id = NULL;
	int ret;

	ret = shim_one_id(a, "create", &id, e);
	if (ret == 0)
		ret = load_spec(&j, e);
	if (ret == 0)
		ret = plan(&j, e);
	if (ret == 0)
		ret = ctr_new(g->root, id, j.bundle, &j.c, e);
	if (ret < 0) {
		job_fini(&j);
		return ret;
	}
	ret = prepare(&j, e);
	if (ret == 0)
		ret = jail_prepare(&j, e);
	if (ret == 0 && a->val[K_JAIL_DRY_RUN]) {
		/* Print what the jail would do; create nothing. */
		jail_plan_print(j.jail, STDOUT_FILENO);
		undo(&j);
		job_fini(&j);
		return 0;
	}
	if (ret == 0)
		ret = launch(&j, e);
	if (ret == 0)
		ret = write_pid_file(&j, e);
	if (ret < 0)
		undo(&j);
	*monitor = j.monitor;
	job_fini(&j);
	return ret;
}

int cmd_create(const struct shim_ctx *g, int argc, char **argv,
	       struct sv_err *e)
{
	struct cli_args a;
	pid_t monitor;
	int ret;

	ret = cli_parse(create_opts, ARRAY_SIZE(create_opts) - 1, argc, argv,
			false, &a, e);
	if (ret == 0)
		ret = shim_create(g, &a, &monitor, e);
	return ret < 0 ? ret : 0;
}

static volatile sig_atomic_t run_monitor;

static void run_forward(int sig)
{
	if (run_monitor > 0)
		kill((pid_t)run_monitor, sig);
}

/* The monitor has its own session: pass ^C and friends on to it. */
static void run_forward_signals(pid_t monitor)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = run_forward };
	unsigned int i;

	run_monitor = monitor;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

static int run_wait(const struct shim_ctx *g, const char *id, pid_t monitor,
		    struct sv_err *e)
{
	struct sv_err e2 = SV_ERR_INIT;
	int st = 0;

	run_forward_signals(monitor);
	while (waitpid(monitor, &st, 0) < 0)
		if (errno != EINTR)
			return sv_err_set(e, errno, "wait: %s",
					  strerror(errno));
	if (shim_delete(g, id, true, &e2) < 0)
		shim_log_fatal(e2.msg);
	return shim_exit_code(st);
}

/* run = create + start + wait (--detach: + return), then delete. */
int cmd_run(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e)
{
	struct sv_err e2 = SV_ERR_INIT;
	struct cli_args a;
	pid_t monitor = 0;
	int ret;

	ret = cli_parse(create_opts, ARRAY_SIZE(create_opts), argc, argv, false,
			&a, e);
	if (ret == 0)
		ret = shim_create(g, &a, &monitor, e);
	if (ret < 0)
		return ret;
	ret = shim_start(g, a.pos[0], e);
	if (ret < 0) {
		if (shim_delete(g, a.pos[0], true, &e2) < 0)
			shim_log_fatal(e2.msg);
		return ret;
	}
	if (a.count[K_DETACH])
		return 0;
	return run_wait(g, a.pos[0], monitor, e);
}
