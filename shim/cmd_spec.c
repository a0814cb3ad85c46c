// SPDX-License-Identifier: MIT
/*
 * spec [--bundle|-b B]: write runc's default config.json (a shell in
 * rootfs/, read-only root) into the bundle directory; refuses to overwrite.
 * Add org.stratovirt.* annotations to turn it into a vm bundle.
 */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sv/err.h"
#include "oci/state.h"

static const struct cli_opt spec_opts[] = {
	{ "bundle", 'b', CLI_VALUE, K_BUNDLE },
	{ "rootless", 0, CLI_FLAG, K_IGNORED },
};

static void kv_str(struct oci_jw *w, const char *k, const char *v)
{
	oci_jw_key(w, k);
	oci_jw_string(w, v);
}

static void str_array(struct oci_jw *w, const char *k, const char *const *v)
{
	oci_jw_key(w, k);
	oci_jw_begin_array(w);
	for (; *v; v++)
		oci_jw_string(w, *v);
	oci_jw_end_array(w);
}

static void spec_process(struct oci_jw *w)
{
	static const char *const args[] = { "sh", NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm", NULL
	};

	oci_jw_key(w, "process");
	oci_jw_begin_object(w);
	oci_jw_key(w, "terminal");
	oci_jw_bool(w, true);
	oci_jw_key(w, "user");
	oci_jw_begin_object(w);
	oci_jw_key(w, "uid");
	oci_jw_int(w, 0);
	oci_jw_key(w, "gid");
	oci_jw_int(w, 0);
	oci_jw_end_object(w);
	str_array(w, "args", args);
	str_array(w, "env", env);
	kv_str(w, "cwd", "/");
	oci_jw_key(w, "noNewPrivileges");
	oci_jw_bool(w, true);
	oci_jw_end_object(w);
}

static void spec_mount(struct oci_jw *w, const char *dst, const char *type,
		       const char *const *opts)
{
	oci_jw_begin_object(w);
	kv_str(w, "destination", dst);
	kv_str(w, "type", type);
	kv_str(w, "source", type);
	if (opts)
		str_array(w, "options", opts);
	oci_jw_end_object(w);
}

static void spec_mounts(struct oci_jw *w)
{
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755",
					   "size=65536k", NULL };
	static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro",
					   NULL };

	oci_jw_key(w, "mounts");
	oci_jw_begin_array(w);
	spec_mount(w, "/proc", "proc", NULL);
	spec_mount(w, "/dev", "tmpfs", dev);
	spec_mount(w, "/sys", "sysfs", sys);
	oci_jw_end_array(w);
}

static void spec_linux(struct oci_jw *w)
{
	static const char *const ns[] = { "pid", "network", "ipc",
					  "uts", "mount",   NULL };
	const char *const *n;

	oci_jw_key(w, "linux");
	oci_jw_begin_object(w);
	oci_jw_key(w, "namespaces");
	oci_jw_begin_array(w);
	for (n = ns; *n; n++) {
		oci_jw_begin_object(w);
		kv_str(w, "type", *n);
		oci_jw_end_object(w);
	}
	oci_jw_end_array(w);
	oci_jw_end_object(w);
}

static int spec_gen(char **out, size_t *len)
{
	struct oci_jw *w;

	if (oci_jw_create(&w) < 0)
		return -ENOMEM;
	oci_jw_begin_object(w);
	kv_str(w, "ociVersion", SHIM_OCI_VERSION);
	spec_process(w);
	oci_jw_key(w, "root");
	oci_jw_begin_object(w);
	kv_str(w, "path", "rootfs");
	oci_jw_key(w, "readonly");
	oci_jw_bool(w, true);
	oci_jw_end_object(w);
	kv_str(w, "hostname", "stratovirt");
	spec_mounts(w);
	spec_linux(w);
	oci_jw_end_object(w);
	return oci_jw_finish(w, out, len);
}

int cmd_spec(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX];
	struct cli_args a;
	size_t len = 0;
	int ret;

	(void)g;
	ret = cli_parse(spec_opts, ARRAY_SIZE(spec_opts), argc, argv, false, &a,
			e);
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/config.json",
		 a.val[K_BUNDLE] ? a.val[K_BUNDLE] : ".");
	if (spec_gen(&json, &len) < 0)
		return sv_err_set(e, ENOMEM, "generating config.json");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return sv_err_set(e, errno, "%s: %s", path, strerror(errno));
	if (write(fd, json, len) != (ssize_t)len)
		return sv_err_set(e, EIO, "write %s", path);
	return 0;
}
