// SPDX-License-Identifier: MIT
/*
 * features (runc-style JSON), spec (a default config.json).
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
