// SPDX-License-Identifier: MIT
/*
 * oci/ config.json and exec process parsing and validation: the configs
 * podman and containerd really sent, broken inputs with their exact
 * messages, unknown keys, caps, and the sv_err helpers.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sv/err.h"
#include "oci/spec.h"

#define CORPUS "tests/fuzz/corpus/oci_spec/"

static struct oci_spec *parse_ok(const char *json, unsigned int flags)
{
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s = NULL;
	int ret = oci_spec_parse(json, strlen(json), flags, &s, &e);

	if (ret != 0)
		print_error("parse: %s\n", e.msg);
	assert_int_equal(ret, 0);
	assert_non_null(s);
	return s;
}

static struct oci_spec *parse_file_ok(const char *name, unsigned int flags)
{
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s = NULL;
	int ret = oci_spec_parse_file(name, flags, &s, &e);

	if (ret != 0)
		print_error("%s: %s (run from the repository root)\n", name,
			    e.msg);
	assert_int_equal(ret, 0);
	ret = oci_spec_validate(s, &e);
	if (ret != 0)
		print_error("validate %s: %s\n", name, e.msg);
	assert_int_equal(ret, 0);
	return s;
}

static void test_podman_config(void **state)
{
	struct oci_spec *s;
	const struct oci_process *p;
	const struct oci_linux *l;

	(void)state;
	s = parse_file_ok(CORPUS "podman-config-full.json", OCI_PARSE_STRICT);
	assert_string_equal(s->oci_version, "1.0.2-dev");
	p = s->process;
	assert_non_null(p);
	assert_int_equal(p->args.len, 2);
	assert_string_equal(p->args.items[0], "echo");
	assert_string_equal(p->args.items[1], "hi");
	assert_int_equal(p->env.len, 5);
	assert_string_equal(p->cwd, "/");
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 18);
	assert_true(p->has_capabilities);
	assert_int_equal(p->caps[OCI_CAP_BOUNDING].len, 14);
	assert_int_equal(p->caps[OCI_CAP_AMBIENT].len, 0);
	assert_int_equal(p->n_rlimits, 2);
	assert_string_equal(p->rlimits[1].type, "RLIMIT_NPROC");
	assert_int_equal(p->rlimits[1].hard, 32768);
	assert_string_equal(s->hostname, "7422c5a20e09");
	assert_int_equal(s->n_mounts, 10);
	assert_string_equal(s->mounts[9].destination, "/sys/fs/cgroup");
	assert_int_equal(s->mounts[9].options.len, 6);
	assert_int_equal(s->annotations.len, 8);
	assert_string_equal(s->annotations.items[0].key,
			    "io.container.manager");
	assert_string_equal(
		oci_spec_annotation(s, "io.podman.annotations.init"), "FALSE");
	assert_null(oci_spec_annotation(s, "org.stratovirt.vcpus"));
	l = s->linux_cfg;
	assert_non_null(l);
	assert_int_equal(l->n_namespaces, 5);
	assert_int_equal(l->namespaces[1].type, OCI_NS_NETWORK);
	assert_null(l->namespaces[1].path);
	assert_true(l->resources->has_pids_limit);
	assert_int_equal(l->resources->pids_limit, 2048);
	assert_false(l->resources->has_memory_limit);
	assert_int_equal(l->resources->n_devices, 1);
	assert_false(l->resources->devices[0].allow);
	assert_string_equal(l->seccomp->default_action, "SCMP_ACT_ERRNO");
	assert_int_equal(l->seccomp->n_syscall_rules, 19);
	assert_int_equal(l->masked_paths.len, 11);
	assert_int_equal(l->readonly_paths.len, 6);
	oci_spec_free(s);
}

static void test_containerd_config(void **state)
{
	struct oci_spec *s;
	const struct oci_linux *l;

	(void)state;
	s = parse_file_ok(CORPUS "containerd-config-full.json",
			  OCI_PARSE_STRICT);
	assert_string_equal(s->root->path, "rootfs");
	assert_true(s->process->no_new_privileges);
	assert_int_equal(s->process->user.n_additional_gids, 1);
	assert_int_equal(s->process->user.additional_gids[0], 0);
	assert_false(s->process->user.has_umask);
	assert_int_equal(s->n_mounts, 7);
	assert_int_equal(s->annotations.len, 0);
	l = s->linux_cfg;
	assert_string_equal(l->cgroups_path, "/default/c1");
	assert_true(l->resources->has_cpu_shares);
	assert_int_equal(l->resources->cpu_shares, 1024);
	assert_int_equal(l->resources->n_devices, 10);
	assert_false(l->resources->devices[8].has_minor);
	assert_int_equal(l->resources->devices[8].major, 136);
	assert_null(l->seccomp);
	oci_spec_free(s);
}

static void test_exec_process(void **state)
{
	static const struct {
		const char *file;
		bool terminal;
		size_t n_rlimits;
	} cases[] = {
		{ CORPUS "podman-exec-process.json", false, 2 },
		{ CORPUS "podman-exec-process-tty.json", true, 2 },
		{ CORPUS "containerd-exec-process.json", false, 1 },
		{ CORPUS "containerd-exec-process-tty.json", true, 1 },
	};
	struct sv_err e = SV_ERR_INIT;
	struct oci_process *p;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(oci_process_parse_file(cases[i].file,
							OCI_PARSE_STRICT, &p,
							&e),
				 0);
		assert_int_equal(oci_process_validate(p, &e), 0);
		assert_int_equal(p->terminal, cases[i].terminal);
		assert_int_equal(p->n_rlimits, cases[i].n_rlimits);
		assert_string_equal(p->args.items[0], "sh");
		assert_int_equal(p->args.len, 3);
		oci_process_free(p);
	}
}

struct bad_case {
	const char *json;
	int code;
	const char *msg;
};

#define ROOT "\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"}"
#define PROC(x) "{" ROOT ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"," x "}}"

static const struct bad_case bad_parse[] = {
	{ "", EINVAL, "invalid JSON: parse error: premature EOF" },
	{ "{" ROOT ",}", EINVAL,
	  "invalid JSON: parse error: invalid object key (must be a string)" },
	{ "{\"a\":1 \"b\":2}", EINVAL,
	  "invalid JSON: parse error: after key and value, inside map, I expect ',' or '}'" },
	{ "{\"a\":\"\xff\"}", EINVAL,
	  "invalid JSON: lexical error: invalid bytes in UTF8 string." },
	{ "{\"x\":1 /* c */}", EINVAL, "invalid JSON: comment at offset 7" },
	{ "{\"root\":{\"path\":\"r\\u0000x\"}}", EINVAL,
	  "invalid JSON: \\u0000 in a string at offset 18" },
	{ "[1]", EINVAL,
	  "expected a JSON object at the top level, got an array" },
	{ "{\"ociVersion\":1}", EINVAL,
	  "ociVersion: expected a string, got a number" },
	{ "{\"process\":{\"args\":[\"a\",\"b\",3]}}", EINVAL,
	  "process.args[2]: expected a string, got a number" },
	{ "{\"process\":{\"user\":{\"uid\":-1}}}", ERANGE,
	  "process.user.uid: -1 is out of range 0..4294967295" },
	{ "{\"process\":{\"user\":{\"gid\":1.5}}}", EINVAL,
	  "process.user.gid: expected an integer, got 1.5" },
	{ "{\"process\":{\"terminal\":\"yes\"}}", EINVAL,
	  "process.terminal: expected a boolean, got a string" },
	{ "{\"mounts\":{}}", EINVAL,
	  "mounts: expected an array, got an object" },
	{ "{\"mounts\":[{\"options\":[\"a\",null]}]}", EINVAL,
	  "mounts[0].options[1]: expected a string, got null" },
	{ "{\"linux\":{\"namespaces\":[1]}}", EINVAL,
	  "linux.namespaces[0]: expected an object, got a number" },
	{ "{\"annotations\":{\"a\":\"1\",\"a\":\"2\"}}", EINVAL,
	  "annotations.a: duplicate key" },
	{ "{" ROOT ",\"root\":{\"path\":\"s\"}}", EINVAL,
	  "root: duplicate key" },
	{ "{\"annotations\":{\"a\":true}}", EINVAL,
	  "annotations.a: expected a string, got a boolean" },
	{ "{\"linux\":{\"resources\":{\"memory\":{\"limit\":9223372036854775808}}}}",
	  ERANGE,
	  "linux.resources.memory.limit: 9223372036854775808 is out of range -9223372036854775808..9223372036854775807" },
	{ "{\"linux\":{\"seccomp\":{\"syscalls\":[{\"names\":\"read\"}]}}}",
	  EINVAL,
	  "linux.seccomp.syscalls: [0]: expected an object with a names array" },
	{ "{\"process\":{\"oomScoreAdj\":2147483648}}", ERANGE,
	  "process.oomScoreAdj: 2147483648 is out of range -2147483648..2147483647" },
};

static const struct bad_case bad_validate[] = {
	{ "{\"root\":{\"path\":\"r\"}}", EINVAL, "ociVersion: missing" },
	{ "{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"r\"}}", EINVAL,
	  "ociVersion: \"2.0.0\" is not supported (need 1.x)" },
	{ "{\"ociVersion\":\"1.0.2\"}", EINVAL, "root.path: missing" },
	{ "{" ROOT ",\"process\":{\"args\":[],\"cwd\":\"/\"}}", EINVAL,
	  "process.args: must not be empty" },
	{ "{" ROOT ",\"process\":{\"args\":[\"sh\"]}}", EINVAL,
	  "process.cwd: missing" },
	{ "{" ROOT ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"tmp\"}}", EINVAL,
	  "process.cwd: \"tmp\" is not an absolute path" },
	{ PROC("\"env\":[\"PATH=/bin\",\"NOVALUE\"]"), EINVAL,
	  "process.env[1]: expected KEY=value" },
	{ PROC("\"rlimits\":[{\"type\":\"NOFILE\",\"hard\":1,\"soft\":1}]"),
	  EINVAL, "process.rlimits[0].type: unknown rlimit \"NOFILE\"" },
	{ PROC("\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":1,\"soft\":2}]"),
	  EINVAL, "process.rlimits[0]: soft limit above hard limit" },
	{ PROC("\"rlimits\":[{\"type\":\"RLIMIT_CORE\"},{\"type\":\"RLIMIT_CORE\"}]"),
	  EINVAL, "process.rlimits[1]: duplicate RLIMIT_CORE" },
	{ "{" ROOT
	  ",\"mounts\":[{\"destination\":\"/proc\"},{\"destination\":\"sys\"}]}",
	  EINVAL, "mounts[1].destination: \"sys\" is not an absolute path" },
	{ "{" ROOT ",\"mounts\":[{\"type\":\"tmpfs\"}]}", EINVAL,
	  "mounts[0].destination: missing" },
	{ "{" ROOT ",\"linux\":{\"namespaces\":[{\"type\":\"pidd\"}]}}", EINVAL,
	  "linux.namespaces[0].type: unknown namespace type \"pidd\"" },
	{ "{" ROOT
	  ",\"linux\":{\"namespaces\":[{\"type\":\"uts\"},{\"type\":\"uts\"}]}}",
	  EINVAL, "linux.namespaces[1]: duplicate namespace type uts" },
	{ "{" ROOT
	  ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"ns\"}]}}",
	  EINVAL, "linux.namespaces[0].path: \"ns\" is not an absolute path" },
	{ "{" ROOT ",\"linux\":{\"resources\":{\"memory\":{\"limit\":-5}}}}",
	  EINVAL, "linux.resources.memory.limit: -5 is negative" },
	{ "{" ROOT ",\"linux\":{\"resources\":{\"cpu\":{\"quota\":-2}}}}",
	  EINVAL, "linux.resources.cpu.quota: -2 is negative" },
	{ "{" ROOT ",\"linux\":{\"resources\":{\"pids\":{\"limit\":-3}}}}",
	  EINVAL, "linux.resources.pids.limit: -3 is negative" },
	{ "{" ROOT ",\"linux\":{\"maskedPaths\":[\"proc/kcore\"]}}", EINVAL,
	  "linux.maskedPaths[0]: \"proc/kcore\" is not an absolute path" },
	{ "{" ROOT
	  ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"z\"}]}}",
	  EINVAL, "linux.devices[0].type: expected c, b, u or p" },
	{ "{" ROOT ",\"annotations\":{\"org.stratovirt.vcpus\":\"0\"}}", EINVAL,
	  "annotation org.stratovirt.vcpus: \"0\" is not a decimal number in 1..254" },
	{ "{" ROOT ",\"annotations\":{\"org.stratovirt.vcpus\":\"255\"}}",
	  EINVAL,
	  "annotation org.stratovirt.vcpus: \"255\" is not a decimal number in 1..254" },
	{ "{" ROOT
	  ",\"annotations\":{\"org.stratovirt.memory_mib\":\"0x100\"}}",
	  EINVAL,
	  "annotation org.stratovirt.memory_mib: \"0x100\" is not a decimal number in 128..524288" },
	{ "{" ROOT
	  ",\"annotations\":{\"org.stratovirt.memory_mib\":\"524289\"}}",
	  EINVAL,
	  "annotation org.stratovirt.memory_mib: \"524289\" is not a decimal number in 128..524288" },
	{ "{" ROOT ",\"annotations\":{\"org.stratovirt.machine\":\"pc\"}}",
	  EINVAL,
	  "annotation org.stratovirt.machine: \"pc\" is not one of microvm|q35" },
	{ "{" ROOT ",\"annotations\":{\"org.stratovirt.bundle\":\"pod\"}}",
	  EINVAL,
	  "annotation org.stratovirt.bundle: \"pod\" is not one of container|vm" },
	{ "{" ROOT ",\"annotations\":{\"org.stratovirt.kernel\":\"vmlinux\"}}",
	  EINVAL,
	  "annotation org.stratovirt.kernel: \"vmlinux\" is not an absolute path without ','" },
	{ "{" ROOT
	  ",\"annotations\":{\"org.stratovirt.rootfs_image\":\"/a,b\"}}",
	  EINVAL,
	  "annotation org.stratovirt.rootfs_image: \"/a,b\" is not an absolute path without ','" },
	{ "{" ROOT
	  ",\"annotations\":{\"org.stratovirt.kernel_params\":\"a\\nb\"}}",
	  EINVAL,
	  "annotation org.stratovirt.kernel_params: not printable ASCII of at most 2048 bytes" },
	{ "{" ROOT ",\"annotations\":{\"org.stratovirt.cpus\":\"2\"}}", EINVAL,
	  "annotation org.stratovirt.cpus: unknown" },
};

static void test_bad_parse(void **state)
{
	struct oci_spec *s;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_parse); i++) {
		struct sv_err e = SV_ERR_INIT;
		const char *j = bad_parse[i].json;
		int ret = oci_spec_parse(j, strlen(j), 0, &s, &e);

		print_message("parse case %zu: %s\n", i, e.msg);
		assert_int_equal(ret, -bad_parse[i].code);
		assert_int_equal(e.code, bad_parse[i].code);
		assert_string_equal(e.msg, bad_parse[i].msg);
		assert_null(s);
	}
}

static void test_bad_validate(void **state)
{
	struct oci_spec *s;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_validate); i++) {
		struct sv_err e = SV_ERR_INIT;

		print_message("validate case %zu\n", i);
		s = parse_ok(bad_validate[i].json, 0);
		assert_int_equal(oci_spec_validate(s, &e),
				 -bad_validate[i].code);
		assert_string_equal(e.msg, bad_validate[i].msg);
		oci_spec_free(s);
	}
}

static void test_good_annotations(void **state)
{
	static const char json[] =
		"{" ROOT ",\"annotations\":{"
		"\"org.stratovirt.bundle\":\"vm\","
		"\"org.stratovirt.machine\":\"q35\","
		"\"org.stratovirt.kernel\":\"/k\",\"org.stratovirt.initrd\":\"/i\","
		"\"org.stratovirt.kernel_params\":\"console=ttyS0 quiet\","
		"\"org.stratovirt.rootfs_image\":\"/disk.raw\","
		"\"org.stratovirt.firmware.code\":\"/c.fd\","
		"\"org.stratovirt.firmware.vars\":\"/v.fd\","
		"\"org.stratovirt.vcpus\":\"254\","
		"\"org.stratovirt.memory_mib\":\"128\","
		"\"org.other.key\":\"anything\"}}";
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s = parse_ok(json, OCI_PARSE_STRICT);

	(void)state;
	assert_int_equal(oci_spec_validate(s, &e), 0);
	assert_int_equal(s->annotations.len, 11);
	assert_string_equal(oci_spec_annotation(s, "org.stratovirt.vcpus"),
			    "254");
	oci_spec_free(s);
}

static void test_unknown_keys(void **state)
{
	static const char json[] =
		"{\"ociVersion\":\"1.0.0\",\"newTop\":{\"x\":[1,2]},"
		"\"root\":{\"path\":\"r\",\"futureKey\":true},"
		"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"later\":1}}";
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s = parse_ok(json, 0);

	(void)state;
	assert_string_equal(s->root->path, "r");
	assert_int_equal(oci_spec_validate(s, &e), 0);
	oci_spec_free(s);
	assert_int_equal(
		oci_spec_parse(json, strlen(json), OCI_PARSE_STRICT, &s, &e),
		-EINVAL);
	assert_string_equal(e.msg, "newTop: unknown key");
	assert_null(s);
}

static void test_null_is_absent(void **state)
{
	static const char json[] =
		"{" ROOT ",\"process\":null,\"annotations\":null,"
		"\"linux\":{\"resources\":{\"devices\":null,\"memory\":null}}}";
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s = parse_ok(json, 0);

	(void)state;
	assert_null(s->process);
	assert_int_equal(s->annotations.len, 0);
	assert_non_null(s->linux_cfg->resources);
	assert_false(s->linux_cfg->resources->has_memory_limit);
	assert_int_equal(oci_spec_validate(s, &e), 0);
	oci_spec_free(s);
}

static void test_numbers(void **state)
{
	static const char json[] =
		PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
		     "\"hard\":18446744073709551615,\"soft\":0}],"
		     "\"oomScoreAdj\":-1000,\"user\":{\"uid\":4294967295}");
	struct oci_spec *s = parse_ok(json, OCI_PARSE_STRICT);

	(void)state;
	assert_true(s->process->rlimits[0].hard == UINT64_MAX);
	assert_true(s->process->has_oom_score_adj);
	assert_int_equal(s->process->oom_score_adj, -1000);
	assert_int_equal(s->process->user.uid, UINT32_MAX);
	oci_spec_free(s);
}

/* Cap checks: size, depth, list length, string length, path length. */
static char *repeat(const char *pre, char c, size_t n, const char *post)
{
	size_t a = strlen(pre), b = strlen(post);
	char *s = malloc(a + n + b + 1);

	assert_non_null(s);
	memcpy(s, pre, a);
	memset(s + a, c, n);
	memcpy(s + a + n, post, b + 1);
	return s;
}

static void expect_fail(const char *json, size_t len, int code, const char *msg)
{
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s = NULL;

	assert_int_equal(oci_spec_parse(json, len, 0, &s, &e), -code);
	assert_null(s);
	assert_string_equal(e.msg, msg);
}

static void test_cap_size(void **state)
{
	size_t n = 5u << 20;
	char *big = repeat("{\"x\":\"", 'a', n - 8, "\"}");

	(void)state;
	expect_fail(big, strlen(big), EFBIG,
		    "JSON input of 5242880 bytes exceeds the limit of 4194304");
	free(big);
}

static char *nested(size_t depth)
{
	char *s = malloc(2 * depth + 8);
	size_t i, k = 0;

	assert_non_null(s);
	s[k++] = '{';
	s[k++] = '"';
	s[k++] = 'x';
	s[k++] = '"';
	s[k++] = ':';
	for (i = 1; i < depth; i++)
		s[k++] = '[';
	for (i = 1; i < depth; i++)
		s[k++] = ']';
	s[k++] = '}';
	s[k] = '\0';
	return s;
}

static void test_cap_depth(void **state)
{
	char *ok = nested(OCI_MAX_DEPTH);
	char *deep = nested(OCI_MAX_DEPTH + 1);
	char *very = nested(1000);
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s = NULL;

	(void)state;
	assert_int_equal(oci_spec_parse(ok, strlen(ok), 0, &s, &e), 0);
	oci_spec_free(s);
	expect_fail(deep, strlen(deep), EINVAL,
		    "invalid JSON: nesting deeper than 64 at offset 68");
	expect_fail(very, strlen(very), EINVAL,
		    "invalid JSON: nesting deeper than 64 at offset 68");
	/* Brackets inside strings do not count. */
	free(very);
	very = repeat("{\"x\":\"", '[', 1000, "\"}");
	assert_int_equal(oci_spec_parse(very, strlen(very), 0, &s, &e), 0);
	oci_spec_free(s);
	free(ok);
	free(deep);
	free(very);
}

static void test_cap_lists_strings(void **state)
{
	size_t n = OCI_MAX_ARRAY + 1, i;
	char *args = malloc(n * 4 + 64);
	char *str, *path;
	size_t k;

	(void)state;
	assert_non_null(args);
	k = (size_t)sprintf(args, "{\"process\":{\"args\":[");
	for (i = 0; i < n; i++)
		k += (size_t)sprintf(args + k, "%s\"a\"", i ? "," : "");
	strcpy(args + k, "]}}");
	expect_fail(args, strlen(args), E2BIG,
		    "process.args: 4097 elements exceed the limit of 4096");
	free(args);
	str = repeat("{\"hostname\":\"", 'h', OCI_MAX_STRING + 1, "\"}");
	expect_fail(
		str, strlen(str), E2BIG,
		"hostname: string of 65537 bytes exceeds the limit of 65536");
	free(str);
	path = repeat("{\"root\":{\"path\":\"/", 'p', PATH_MAX, "\"}}");
	expect_fail(
		path, strlen(path), E2BIG,
		"root.path: string of 4097 bytes exceeds the limit of 4095");
	free(path);
	expect_fail("{\"a\":1}\0{}", 10, EINVAL,
		    "invalid JSON: NUL byte at offset 7");
}

static void test_parse_file_errors(void **state)
{
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s;

	(void)state;
	assert_int_equal(
		oci_spec_parse_file("/nonexistent/config.json", 0, &s, &e),
		-ENOENT);
	assert_string_equal(
		e.msg,
		"open /nonexistent/config.json: No such file or directory");
	assert_int_equal(
		oci_spec_parse_file(CORPUS "broken-top-array.json", 0, &s, &e),
		-EINVAL);
	assert_string_equal(
		e.msg, CORPUS
		"broken-top-array.json: expected a JSON object at the top level, got an array");
}

static void test_process_parse_errors(void **state)
{
	static const char json[] = "{\"args\":[\"sh\"],\"cwd\":\"rel\"}";
	struct sv_err e = SV_ERR_INIT;
	struct oci_process *p;

	(void)state;
	assert_int_equal(oci_process_parse("[]", 2, 0, &p, &e), -EINVAL);
	assert_string_equal(e.msg, "expected an object, got an array");
	assert_null(p);
	assert_int_equal(oci_process_parse(json, strlen(json), 0, &p, &e), 0);
	assert_int_equal(oci_process_validate(p, &e), -EINVAL);
	assert_string_equal(e.msg, "cwd: \"rel\" is not an absolute path");
	oci_process_free(p);
}

static void test_sv_err(void **state)
{
	struct sv_err e = SV_ERR_INIT;
	char longmsg[600];

	(void)state;
	assert_int_equal(sv_err_set(NULL, ENOENT, "x"), -ENOENT);
	assert_int_equal(sv_err_wrap(NULL, "x"), -EINVAL);
	assert_int_equal(sv_err_wrap(&e, "nothing recorded"), -EINVAL);
	assert_int_equal(sv_err_set(&e, -EPERM, "open %s", "/a"), -EPERM);
	assert_int_equal(e.code, EPERM);
	assert_int_equal(sv_err_wrap(&e, "step %d", 3), -EPERM);
	assert_string_equal(e.msg, "step 3: open /a");
	assert_int_equal(sv_err_set(&e, 0, "zero"), -EINVAL);
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	sv_err_set(&e, EIO, "%s", longmsg);
	assert_int_equal(strlen(e.msg), SV_ERR_MSG_MAX - 1);
	sv_err_wrap(&e, "ctx");
	assert_int_equal(strlen(e.msg), SV_ERR_MSG_MAX - 1);
	assert_memory_equal(e.msg, "ctx: xxx", 8);
	sv_err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.msg, "");
}

static void test_ns_names(void **state)
{
	(void)state;
	assert_int_equal(oci_ns_type_from_name("pid"), OCI_NS_PID);
	assert_int_equal(oci_ns_type_from_name("time"), OCI_NS_TIME);
	assert_int_equal(oci_ns_type_from_name("net"), OCI_NS_UNKNOWN);
	assert_int_equal(oci_ns_type_from_name(NULL), OCI_NS_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman_config),
		cmocka_unit_test(test_containerd_config),
		cmocka_unit_test(test_exec_process),
		cmocka_unit_test(test_bad_parse),
		cmocka_unit_test(test_bad_validate),
		cmocka_unit_test(test_good_annotations),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_null_is_absent),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_cap_size),
		cmocka_unit_test(test_cap_depth),
		cmocka_unit_test(test_cap_lists_strings),
		cmocka_unit_test(test_parse_file_errors),
		cmocka_unit_test(test_process_parse_errors),
		cmocka_unit_test(test_sv_err),
		cmocka_unit_test(test_ns_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
