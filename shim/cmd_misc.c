// SPDX-License-Identifier: MIT
/*
 * exec (flags parsed and the process JSON read, then refused: it needs
 * the guest agent), features (runc-style JSON), spec (a default
 * config.json).
 */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv/err.h"
#include "oci/spec.h"
#include "oci/state.h"

static const struct cli_opt exec_opts[] = {
	{ "console-socket", 0, CLI_VALUE, K_CONSOLE_SOCKET },
	{ "cwd", 0, CLI_VALUE, K_CWD },
	{ "env", 'e', CLI_VALUE, K_ENV },
	{ "tty", 't', CLI_FLAG, K_TTY },
	{ "user", 'u', CLI_VALUE, K_USER },
	{ "additional-gids", 'g', CLI_VALUE, K_IGNORED },
	{ "process", 'p', CLI_VALUE, K_PROCESS },
	{ "detach", 'd', CLI_FLAG, K_DETACH },
	{ "pid-file", 0, CLI_VALUE, K_PID_FILE },
	{ "process-label", 0, CLI_VALUE, K_IGNORED },
	{ "apparmor", 0, CLI_VALUE, K_IGNORED },
	{ "no-new-privs", 0, CLI_FLAG, K_IGNORED },
	{ "cap", 'c', CLI_VALUE, K_CAP },
	{ "preserve-fds", 0, CLI_VALUE, K_PRESERVE_FDS },
	{ "cgroup", 0, CLI_VALUE, K_IGNORED },
	{ "ignore-paused", 0, CLI_FLAG, K_IGNORED },
};

/* The --process file may vanish when exec returns: read it first. */
static int exec_process(const struct cli_args *a, struct sv_err *e)
{
	struct oci_process *p = NULL;
	int ret;

	if (!a->val[K_PROCESS]) {
		if (a->n_pos < 2)
			return sv_err_set(
				e, EINVAL,
				"exec: no command (args or --process)");
		return 0;
	}
	ret = oci_process_parse_file(a->val[K_PROCESS], 0, &p, e);
	if (ret == 0)
		ret = oci_process_validate(p, e);
	oci_process_free(p);
	return ret < 0 ? sv_err_wrap(e, "--process %.200s", a->val[K_PROCESS]) :
			 0;
}

int cmd_exec(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e)
{
	struct ctr *c = NULL;
	struct cli_args a;
	enum ctr_status s;
	int ret;

	ret = cli_parse(exec_opts, ARRAY_SIZE(exec_opts), argc, argv, true, &a,
			e);
	if (ret == 0 && a.n_pos < 1)
		ret = sv_err_set(e, EINVAL, "exec: missing container id");
	if (ret == 0)
		ret = exec_process(&a, e);
	if (ret == 0)
		ret = ctr_open(g->root, a.pos[0], &c, e);
	if (ret < 0)
		return ret;
	s = ctr_status(c);
	if (s != CTR_RUNNING)
		ret = sv_err_set(e, EINVAL,
				 "exec: container %s is %s, not running", c->id,
				 ctr_status_name(s));
	else if (c->info.vm_kind)
		ret = sv_err_set(
			e, ENOTSUP,
			"exec: container %s is a vm bundle: there is no guest agent to run processes",
			c->id);
	else
		ret = sv_err_set(
			e, ENOTSUP,
			"exec: the guest agent channel is not wired into the shim yet");
	ctr_close(c);
	return ret;
}

static void jw_strings(struct oci_jw *w, const char *key, const char *const *v)
{
	oci_jw_key(w, key);
	oci_jw_begin_array(w);
	for (; *v; v++)
		oci_jw_string(w, *v);
	oci_jw_end_array(w);
}

static void features_linux(struct oci_jw *w)
{
	static const char *const ns[] = { "cgroup", "ipc",  "mount", "network",
					  "pid",    "user", "uts",   NULL };

	oci_jw_key(w, "linux");
	oci_jw_begin_object(w);
	jw_strings(w, "namespaces", ns);
	oci_jw_key(w, "cgroup");
	oci_jw_begin_object(w);
	oci_jw_key(w, "v1");
	oci_jw_bool(w, false);
	oci_jw_key(w, "v2");
	oci_jw_bool(w, false);
	oci_jw_key(w, "systemd");
	oci_jw_bool(w, false);
	oci_jw_end_object(w);
	oci_jw_key(w, "seccomp");
	oci_jw_begin_object(w);
	oci_jw_key(w, "enabled");
	oci_jw_bool(w, false);
	oci_jw_end_object(w);
	oci_jw_end_object(w);
}

static void features_annotations(struct oci_jw *w)
{
	static const char *const keys[] = {
		OCI_ANNO_BUNDLE,	OCI_ANNO_MACHINE,
		OCI_ANNO_KERNEL,	OCI_ANNO_INITRD,
		OCI_ANNO_KERNEL_PARAMS, OCI_ANNO_ROOTFS_IMAGE,
		OCI_ANNO_FW_CODE,	OCI_ANNO_FW_VARS,
		OCI_ANNO_VCPUS,		OCI_ANNO_MEMORY_MIB,
	};
	unsigned int i;

	oci_jw_key(w, "annotations");
	oci_jw_begin_object(w);
	oci_jw_key(w, "org.stratovirt.shim.version");
	oci_jw_string(w, SHIM_VERSION);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		oci_jw_key(w, keys[i]);
		oci_jw_string(w, "supported");
	}
	oci_jw_end_object(w);
}

static int print_jw(struct oci_jw *w, struct sv_err *e)
{
	_cleanup_free_ char *out = NULL;
	size_t len;

	if (oci_jw_finish(w, &out, &len) < 0)
		return sv_err_set(e, ENOMEM, "generating JSON");
	fwrite(out, 1, len, stdout);
	fputc('\n', stdout);
	return 0;
}

int cmd_features(const struct shim_ctx *g, int argc, char **argv,
		 struct sv_err *e)
{
	static const char *const none[] = { NULL };
	static const char *const mopts[] = {
		"bind", "rbind", "ro", "rw", "nosuid", "nodev", "noexec", NULL
	};
	struct oci_jw *w;
	struct cli_args a;
	int ret;

	(void)g;
	ret = cli_parse(NULL, 0, argc, argv, false, &a, e);
	if (ret < 0)
		return ret;
	if (oci_jw_create(&w) < 0)
		return sv_err_set(e, ENOMEM, "out of memory");
	oci_jw_begin_object(w);
	oci_jw_key(w, "ociVersionMin");
	oci_jw_string(w, "1.0.0");
	oci_jw_key(w, "ociVersionMax");
	oci_jw_string(w, "1.1.0");
	jw_strings(w, "hooks", none);
	jw_strings(w, "mountOptions", mopts);
	features_linux(w);
	features_annotations(w);
	oci_jw_end_object(w);
	return print_jw(w, e);
}
