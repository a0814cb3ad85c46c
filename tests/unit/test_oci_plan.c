// SPDX-License-Identifier: MIT
/*
 * oci/plan.c: bundle + defaults -> VM plan -> StratoVirt argv, table
 * driven; defaults from a config file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sv/err.h"
#include "oci/plan.h"
#include "oci/spec.h"

#define HEAD "\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}"
#define RO_HEAD \
	"\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\",\"readonly\":true}"
#define ANNO(x) "{" HEAD ",\"annotations\":{" x "}}"
#define RES(x) "{" HEAD ",\"linux\":{\"resources\":{" x "}}}"
#define DK OCI_PLAN_DEFAULT_KERNEL
#define DI OCI_PLAN_DEFAULT_INITRD
#define FWC OCI_PLAN_DEFAULT_FW_CODE
#define FWV OCI_PLAN_DEFAULT_FW_VARS
#define CTR_MICRO "console=ttyS0 reboot=k panic=1 pci=off quiet"

struct plan_case {
	const char *name;
	const char *json;
	enum vm_kind kind;
	enum vm_machine machine;
	unsigned int vcpus, memory_mib;
	const char *kernel, *initrd, *cmdline, *rootfs;
	bool is_dir, readonly;
	const char *fw_code, *fw_vars;
};

static const struct plan_case plan_cases[] = {
	{ "defaults", "{" HEAD "}", VM_KIND_CONTAINER, VM_MACHINE_MICROVM, 1,
	  256, DK, DI, CTR_MICRO, "/bundle/rootfs", true, false, NULL, NULL },
	{ "cpu quota rounds up",
	  RES("\"cpu\":{\"quota\":150000,\"period\":100000}"),
	  VM_KIND_CONTAINER, VM_MACHINE_MICROVM, 2, 256, DK, DI, CTR_MICRO,
	  "/bundle/rootfs", true, false, NULL, NULL },
	{ "tiny quota is 1 vcpu",
	  RES("\"cpu\":{\"quota\":1000,\"period\":100000}"), VM_KIND_CONTAINER,
	  VM_MACHINE_MICROVM, 1, 256, DK, DI, CTR_MICRO, "/bundle/rootfs", true,
	  false, NULL, NULL },
	{ "huge quota capped",
	  RES("\"cpu\":{\"quota\":100000000,\"period\":1000}"),
	  VM_KIND_CONTAINER, VM_MACHINE_MICROVM, 254, 256, DK, DI, CTR_MICRO,
	  "/bundle/rootfs", true, false, NULL, NULL },
	{ "unlimited quota ignored",
	  "{" HEAD ",\"annotations\":{\"org.stratovirt.vcpus\":\"3\"},"
	  "\"linux\":{\"resources\":{\"cpu\":{\"quota\":-1,\"period\":100000}}}}",
	  VM_KIND_CONTAINER, VM_MACHINE_MICROVM, 3, 256, DK, DI, CTR_MICRO,
	  "/bundle/rootfs", true, false, NULL, NULL },
	{ "quota beats annotation",
	  "{" HEAD ",\"annotations\":{\"org.stratovirt.vcpus\":\"3\"},"
	  "\"linux\":{\"resources\":{\"cpu\":{\"quota\":400000,\"period\":100000}}}}",
	  VM_KIND_CONTAINER, VM_MACHINE_MICROVM, 4, 256, DK, DI, CTR_MICRO,
	  "/bundle/rootfs", true, false, NULL, NULL },
	{ "memory rounds up to MiB", RES("\"memory\":{\"limit\":536870913}"),
	  VM_KIND_CONTAINER, VM_MACHINE_MICROVM, 1, 513, DK, DI, CTR_MICRO,
	  "/bundle/rootfs", true, false, NULL, NULL },
	{ "memory at least 128", RES("\"memory\":{\"limit\":4096}"),
	  VM_KIND_CONTAINER, VM_MACHINE_MICROVM, 1, 128, DK, DI, CTR_MICRO,
	  "/bundle/rootfs", true, false, NULL, NULL },
	{ "memory annotation", ANNO("\"org.stratovirt.memory_mib\":\"2048\""),
	  VM_KIND_CONTAINER, VM_MACHINE_MICROVM, 1, 2048, DK, DI, CTR_MICRO,
	  "/bundle/rootfs", true, false, NULL, NULL },
	{ "q35 container gets firmware",
	  ANNO("\"org.stratovirt.machine\":\"q35\""), VM_KIND_CONTAINER,
	  VM_MACHINE_Q35, 1, 256, DK, DI,
	  "console=ttyS0 reboot=k panic=1 quiet", "/bundle/rootfs", true, false,
	  FWC, FWV },
	{ "annotated kernel, params, image",
	  ANNO("\"org.stratovirt.kernel\":\"/k\",\"org.stratovirt.initrd\":\"/i\","
	       "\"org.stratovirt.kernel_params\":\"console=hvc0\","
	       "\"org.stratovirt.rootfs_image\":\"/img.ext4\""),
	  VM_KIND_CONTAINER, VM_MACHINE_MICROVM, 1, 256, "/k", "/i",
	  "console=hvc0", "/img.ext4", false, false, NULL, NULL },
	{ "absolute readonly root", "{" RO_HEAD "}", VM_KIND_CONTAINER,
	  VM_MACHINE_MICROVM, 1, 256, DK, DI, CTR_MICRO, "/r", true, true, NULL,
	  NULL },
	{ "vm with kernel on microvm",
	  "{" RO_HEAD ",\"annotations\":{\"org.stratovirt.bundle\":\"vm\","
	  "\"org.stratovirt.kernel\":\"/vmlinux\","
	  "\"org.stratovirt.rootfs_image\":\"/rootfs.ext4\"}}",
	  VM_KIND_VM, VM_MACHINE_MICROVM, 1, 256, "/vmlinux", NULL,
	  "console=ttyS0 reboot=k panic=1 pci=off root=/dev/vda ro",
	  "/rootfs.ext4", false, true, NULL, NULL },
	{ "q35 direct kernel boot: firmware none",
	  ANNO("\"org.stratovirt.machine\":\"q35\","
	       "\"org.stratovirt.firmware.code\":\"none\""),
	  VM_KIND_CONTAINER, VM_MACHINE_Q35, 1, 256, DK, DI,
	  "console=ttyS0 reboot=k panic=1 quiet", "/bundle/rootfs", true, false,
	  NULL, NULL },
	{ "vm raw image boots firmware on q35",
	  ANNO("\"org.stratovirt.bundle\":\"vm\","
	       "\"org.stratovirt.rootfs_image\":\"/raw.img\","
	       "\"org.stratovirt.firmware.vars\":\"/run/vars.fd\","
	       "\"org.stratovirt.vcpus\":\"2\",\"org.stratovirt.memory_mib\":\"1024\""),
	  VM_KIND_VM, VM_MACHINE_Q35, 2, 1024, NULL, NULL, NULL, "/raw.img",
	  false, false, FWC, "/run/vars.fd" },
};

struct plan_err_case {
	const char *json;
	const char *bundle;
	const char *msg;
};

static const struct plan_err_case plan_err_cases[] = {
	{ ANNO("\"org.stratovirt.bundle\":\"vm\""), "/b",
	  "annotation org.stratovirt.bundle=vm needs org.stratovirt.rootfs_image" },
	{ ANNO("\"org.stratovirt.bundle\":\"vm\",\"org.stratovirt.machine\":\"microvm\","
	       "\"org.stratovirt.rootfs_image\":\"/x\""),
	  "/b",
	  "annotation org.stratovirt.bundle=vm without org.stratovirt.kernel boots firmware and needs org.stratovirt.machine=q35" },
	{ ANNO("\"org.stratovirt.machine\":\"q35\",\"org.stratovirt.bundle\":\"vm\","
	       "\"org.stratovirt.rootfs_image\":\"/x\","
	       "\"org.stratovirt.firmware.code\":\"none\""), "/b",
	  "annotation org.stratovirt.firmware.code=none needs a kernel and no org.stratovirt.firmware.vars" },
	{ ANNO("\"org.stratovirt.firmware.code\":\"/c.fd\""), "/b",
	  "annotation org.stratovirt.firmware.code: firmware needs org.stratovirt.machine=q35" },
	{ "{" HEAD "}", "relative",
	  "root.path \"rootfs\" is relative and the bundle path is not absolute" },
	{ "{" HEAD "}", NULL,
	  "root.path \"rootfs\" is relative and the bundle path is not absolute" },
};

static struct oci_spec *spec_of(const char *json)
{
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s = NULL;

	if (oci_spec_parse(json, strlen(json), OCI_PARSE_STRICT, &s, &e) ||
	    oci_spec_validate(s, &e))
		print_error("%s: %s\n", json, e.msg);
	assert_int_equal(e.code, 0);
	return s;
}

static void assert_str_or_null(const char *got, const char *want)
{
	if (!want)
		assert_null(got);
	else
		assert_string_equal(got, want);
}

static void check_plan(const struct vm_plan *p, const struct plan_case *c)
{
	assert_int_equal(p->kind, c->kind);
	assert_int_equal(p->machine, c->machine);
	assert_int_equal(p->vcpus, c->vcpus);
	assert_int_equal(p->memory_mib, c->memory_mib);
	assert_str_or_null(p->kernel, c->kernel);
	assert_str_or_null(p->initrd, c->initrd);
	assert_str_or_null(p->cmdline, c->cmdline);
	assert_str_or_null(p->rootfs, c->rootfs);
	assert_int_equal(p->rootfs_is_dir, c->is_dir);
	assert_int_equal(p->readonly, c->readonly);
	assert_str_or_null(p->firmware_code, c->fw_code);
	assert_str_or_null(p->firmware_vars, c->fw_vars);
}

static void test_plan_table(void **state)
{
	struct oci_plan_defaults d;
	struct sv_err e = SV_ERR_INIT;
	struct vm_plan *p;
	struct oci_spec *s;
	size_t i;

	(void)state;
	assert_int_equal(oci_plan_defaults_init(&d), 0);
	for (i = 0; i < ARRAY_SIZE(plan_cases); i++) {
		print_message("plan case: %s\n", plan_cases[i].name);
		s = spec_of(plan_cases[i].json);
		if (oci_plan_create(s, "/bundle", &d, &p, &e))
			print_error("%s\n", e.msg);
		assert_int_equal(e.code, 0);
		check_plan(p, &plan_cases[i]);
		oci_plan_destroy(p);
		oci_spec_free(s);
	}
	oci_plan_defaults_fini(&d);
}

static void test_plan_errors(void **state)
{
	struct oci_plan_defaults d;
	struct vm_plan *p;
	struct oci_spec *s;
	size_t i;

	(void)state;
	assert_int_equal(oci_plan_defaults_init(&d), 0);
	for (i = 0; i < ARRAY_SIZE(plan_err_cases); i++) {
		struct sv_err e = SV_ERR_INIT;

		s = spec_of(plan_err_cases[i].json);
		assert_int_equal(oci_plan_create(s, plan_err_cases[i].bundle,
						 &d, &p, &e),
				 -EINVAL);
		assert_null(p);
		assert_string_equal(e.msg, plan_err_cases[i].msg);
		oci_spec_free(s);
	}
	oci_plan_defaults_fini(&d);
}

static char *join(char **argv)
{
	size_t i, n = 1;
	char *s;

	for (i = 0; argv[i]; i++)
		n += strlen(argv[i]) + 3;
	s = calloc(1, n);
	assert_non_null(s);
	for (i = 0; argv[i]; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, strchr(argv[i], ' ') ? "'" : "");
		strcat(s, argv[i]);
		strcat(s, strchr(argv[i], ' ') ? "'" : "");
	}
	return s;
}

struct argv_case {
	const char *json;
	struct vm_argv_args args;
	const char *want;
};

static const char *const extra_args[] = { "-device", "virtio-serial-device",
					  "-netdev", "tap,id=net0,fd=5", NULL };

static const struct argv_case argv_cases[] = {
	{ "{" HEAD "}",
	  { .state_dir = "/run/sv/c1", .disk = "/run/sv/c1/rootfs.ext4" },
	  "stratovirt -machine microvm -kernel " DK " -initrd " DI
	  " -smp 1 -m 256m -append '" CTR_MICRO "'"
	  " -drive file=/run/sv/c1/rootfs.ext4,id=rootfs,readonly=off,direct=off"
	  " -device virtio-blk-device,drive=rootfs,id=rootfs"
	  " -qmp unix:/run/sv/c1/qmp.sock,server,nowait -serial stdio" },
	{ ANNO("\"org.stratovirt.bundle\":\"vm\",\"org.stratovirt.machine\":\"q35\","
	       "\"org.stratovirt.kernel\":\"/k\","
	       "\"org.stratovirt.rootfs_image\":\"/rootfs.raw\","
	       "\"org.stratovirt.firmware.code\":\"/CODE.fd\","
	       "\"org.stratovirt.firmware.vars\":\"/VARS.fd\""),
	  { "/usr/bin/stratovirt", "/s", NULL, "file,path=/s/console.log",
	    extra_args },
	  "/usr/bin/stratovirt -machine q35 -no-reboot -kernel /k -smp 1 -m 256m"
	  " -append 'console=ttyS0 reboot=k panic=1 root=/dev/vda rw'"
	  " -drive file=/rootfs.raw,id=rootfs,readonly=off,direct=off"
	  " -device virtio-blk-pci,drive=rootfs,id=rootfs,bus=pcie.0,addr=0x2"
	  " -drive file=/CODE.fd,if=pflash,unit=0,readonly=true"
	  " -drive file=/VARS.fd,if=pflash,unit=1"
	  " -qmp unix:/s/qmp.sock,server,nowait -serial file,path=/s/console.log"
	  " -device virtio-serial-device -netdev tap,id=net0,fd=5" },
	{ "{" RO_HEAD
	  ",\"annotations\":{\"org.stratovirt.rootfs_image\":\"/i\"}}",
	  { .state_dir = "/s", .disk = NULL },
	  "stratovirt -machine microvm -kernel " DK " -initrd " DI
	  " -smp 1 -m 256m -append '" CTR_MICRO "'"
	  " -drive file=/i,id=rootfs,readonly=on,direct=off"
	  " -device virtio-blk-device,drive=rootfs,id=rootfs"
	  " -qmp unix:/s/qmp.sock,server,nowait -serial stdio" },
};

static void test_argv(void **state)
{
	struct oci_plan_defaults d;
	struct sv_err e = SV_ERR_INIT;
	struct vm_plan *p;
	struct oci_spec *s;
	char **argv, *got;
	size_t i;

	(void)state;
	assert_int_equal(oci_plan_defaults_init(&d), 0);
	for (i = 0; i < ARRAY_SIZE(argv_cases); i++) {
		s = spec_of(argv_cases[i].json);
		assert_int_equal(oci_plan_create(s, "/b", &d, &p, &e), 0);
		if (oci_plan_argv(p, &argv_cases[i].args, &argv, &e))
			print_error("%s\n", e.msg);
		assert_int_equal(e.code, 0);
		got = join(argv);
		assert_string_equal(got, argv_cases[i].want);
		free(got);
		oci_argv_free(argv);
		oci_plan_destroy(p);
		oci_spec_free(s);
	}
	oci_plan_defaults_fini(&d);
}

static void test_argv_errors(void **state)
{
	static const struct {
		struct vm_argv_args args;
		const char *msg;
	} cases[] = {
		{ { .state_dir = "/s", .disk = NULL },
		  "rootfs directory /b/rootfs needs a disk image" },
		{ { .state_dir = "rel", .disk = "/d" },
		  "state directory must be absolute" },
		{ { .state_dir = "/s", .disk = "/d,format=qcow2" },
		  "disk \"/d,format=qcow2\" contains ','" },
		{ { .state_dir = "/s,x", .disk = "/d" },
		  "state directory \"/s,x\" contains ','" },
	};
	struct oci_plan_defaults d;
	struct vm_plan *p;
	struct oci_spec *s;
	char **argv;
	size_t i;

	(void)state;
	assert_int_equal(oci_plan_defaults_init(&d), 0);
	s = spec_of("{" HEAD "}");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sv_err e = SV_ERR_INIT;

		assert_int_equal(oci_plan_create(s, "/b", &d, &p, &e), 0);
		assert_int_equal(oci_plan_argv(p, &cases[i].args, &argv, &e),
				 -EINVAL);
		assert_null(argv);
		assert_string_equal(e.msg, cases[i].msg);
		oci_plan_destroy(p);
	}
	oci_spec_free(s);
	oci_plan_defaults_fini(&d);
}

static void test_argv_too_long(void **state)
{
	static const char *extra[200];
	struct vm_argv_args args = { .state_dir = "/s",
				     .disk = "/d",
				     .extra = extra };
	struct oci_plan_defaults d;
	struct sv_err e = SV_ERR_INIT;
	struct vm_plan *p;
	struct oci_spec *s;
	char **argv;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(extra) - 1; i++)
		extra[i] = "-x";
	assert_int_equal(oci_plan_defaults_init(&d), 0);
	s = spec_of("{" HEAD "}");
	assert_int_equal(oci_plan_create(s, "/b", &d, &p, &e), 0);
	assert_int_equal(oci_plan_argv(p, &args, &argv, &e), -E2BIG);
	assert_null(argv);
	assert_string_equal(e.msg, "building the VMM command line");
	oci_plan_destroy(p);
	oci_spec_free(s);
	oci_plan_defaults_fini(&d);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_defaults_file(void **state)
{
	char path[] = "/tmp/test_oci_plan_XXXXXX";
	struct oci_plan_defaults d;
	struct sv_err e = SV_ERR_INIT;
	struct vm_plan *p;
	struct oci_spec *s;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(oci_plan_defaults_init(&d), 0);
	/* missing file: defaults unchanged */
	assert_int_equal(oci_plan_defaults_load(&d, "/nonexistent/c.json", &e),
			 0);
	assert_string_equal(d.kernel, DK);
	write_file(path,
		   "{\"kernel\":\"/opt/k\",\"machine\":\"q35\",\"vcpus\":2,"
		   "\"memory_mib\":512,\"kernel_params\":\"quiet\","
		   "\"firmware_code\":\"/opt/CODE.fd\","
		   "\"vmm\":\"/opt/bin/stratovirt\"}");
	assert_int_equal(oci_plan_defaults_load(&d, path, &e), 0);
	assert_string_equal(d.vmm, "/opt/bin/stratovirt");
	s = spec_of("{" HEAD "}");
	assert_int_equal(oci_plan_create(s, "/b", &d, &p, &e), 0);
	assert_string_equal(p->kernel, "/opt/k");
	assert_string_equal(p->initrd, DI);
	assert_string_equal(p->cmdline, "quiet");
	assert_int_equal(p->machine, VM_MACHINE_Q35);
	assert_int_equal(p->vcpus, 2);
	assert_int_equal(p->memory_mib, 512);
	assert_string_equal(p->firmware_code, "/opt/CODE.fd");
	oci_plan_destroy(p);
	oci_spec_free(s);
	write_file(path, "{\"vcpus\":300}");
	assert_int_equal(oci_plan_defaults_load(&d, path, &e), -ERANGE);
	assert_non_null(strstr(e.msg, "vcpus: 300 is not in 1..254"));
	write_file(path, "{\"kernal\":\"/k\"}");
	assert_int_equal(oci_plan_defaults_load(&d, path, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "kernal: unknown key"));
	write_file(path, "{\"vmm\":\"stratovirt\"}");
	assert_int_equal(oci_plan_defaults_load(&d, path, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "vmm: \"stratovirt\" is not an absolute"));
	write_file(path, "{\"initrd\":\"relative\"}");
	assert_int_equal(oci_plan_defaults_load(&d, path, &e), -EINVAL);
	assert_non_null(
		strstr(e.msg, "initrd: \"relative\" is not an absolute"));
	assert_string_equal(d.kernel, "/opt/k");
	assert_false(d.restrict_annotation_paths);
	write_file(path, "{\"annotation_paths\":[\"/srv/vm\",\"/opt/k\"]}");
	assert_int_equal(oci_plan_defaults_load(&d, path, &e), 0);
	assert_true(d.restrict_annotation_paths);
	assert_int_equal(d.n_annotation_paths, 2);
	assert_string_equal(d.annotation_paths[1], "/opt/k");
	write_file(path, "{\"annotation_paths\":[\"srv\"]}");
	assert_int_equal(oci_plan_defaults_load(&d, path, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "annotation_paths"));
	unlink(path);
	oci_plan_defaults_fini(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_table),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_argv_errors),
		cmocka_unit_test(test_argv_too_long),
		cmocka_unit_test(test_defaults_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
