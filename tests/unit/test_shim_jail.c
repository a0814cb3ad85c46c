// SPDX-License-Identifier: MIT
/* The jail plan (pure, unprivileged) and the seccomp allowlist. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "shim/jail.h"
#include "shim/jail_int.h"
#include "shim/seccomp.h"
#include "sv/err.h"

static void test_ids(void **state)
{
	(void)state;
	assert_int_equal(jail_check_id("ctr-1_a.b"), 0);
	assert_int_not_equal(jail_check_id("a/b"), 0);
	assert_int_not_equal(jail_check_id(".."), 0);
	assert_int_not_equal(jail_check_id("a..b"), 0);
	assert_int_not_equal(jail_check_id("."), 0);
	assert_int_not_equal(jail_check_id(""), 0);
	assert_int_not_equal(jail_check_id("a b"), 0);
}

static void test_cgroup_paths(void **state)
{
	(void)state;
	assert_int_equal(jail_check_cgroup_path("/a/b"), 0);
	assert_int_equal(jail_check_cgroup_path("a"), 0);
	assert_int_not_equal(jail_check_cgroup_path("/../etc"), 0);
	assert_int_not_equal(jail_check_cgroup_path("/a/./b"), 0);
	assert_int_not_equal(jail_check_cgroup_path("/"), 0);
	assert_int_not_equal(jail_check_cgroup_path(""), 0);
}

static char dir[64];
static char kernel[96];

static int setup(void **state)
{
	FILE *f;

	(void)state;
	strcpy(dir, "/tmp/test_jail.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(kernel, sizeof(kernel), "%s/k.bin", dir);
	f = fopen(kernel, "w");
	return f ? fclose(f) : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(kernel);
	return rmdir(dir);
}

static int build(const char *id, char **argv, struct jail_plan **p,
		 struct sv_err *e)
{
	struct jail_opts o = { .id = id, .state_dir = dir, .enabled = true,
			       .uid = 1000, .gid = 1000 };

	return jail_plan_build(NULL, NULL, &o, argv, p, e);
}

static void test_plan_rewrites_argv(void **state)
{
	char *argv[] = { strdup("/bin/true"), strdup("-kernel"), strdup(kernel),
			 strdup("-qmp"), NULL, NULL };
	struct sv_err e = SV_ERR_INIT;
	struct jail_plan *p = NULL;
	size_t i;

	(void)state;
	assert_int_not_equal(asprintf(&argv[4], "unix:%s/qmp.sock,server", dir),
			     -1);
	assert_int_equal(build("c1", argv, &p, &e), 0);
	assert_string_equal(argv[2], "/kernel");
	assert_string_equal(argv[4], "unix:" JAIL_SOCK_DIR "/qmp.sock,server");
	assert_true(p->binds[0].ro);
	assert_string_equal(p->binds[0].dst, "/kernel");
	assert_int_equal(p->uid, 1000);
	assert_null(p->cgroup);
	assert_null(p->netns);
	jail_plan_destroy(p);
	for (i = 0; i < 5; i++)
		free(argv[i]);
}

static void test_plan_refuses(void **state)
{
	char *argv[] = { strdup("/bin/true"), strdup("-kernel"), strdup(dir),
			 NULL };
	struct sv_err e = SV_ERR_INIT;
	struct jail_plan *p = NULL;
	size_t i;

	(void)state;
	assert_int_not_equal(build("c1", argv, &p, &e), 0);
	assert_non_null(strstr(e.msg, "not a regular file"));
	sv_err_clear(&e);
	assert_int_not_equal(build("../x", argv, &p, &e), 0);
	assert_non_null(strstr(e.msg, "jail: validate: id"));
	assert_int_equal(access(dir, F_OK), 0);
	for (i = 0; i < 3; i++)
		free(argv[i]);
}

static void test_seccomp(void **state)
{
	struct sv_err e = SV_ERR_INIT;
	size_t i;
	int fd;

	(void)state;
	assert_true(seccomp_vmm_count() <= 45);
	for (i = 0; i < seccomp_vmm_count(); i++)
		assert_non_null(seccomp_vmm_name(i));
	assert_null(seccomp_vmm_name(i));
	assert_int_equal(seccomp_vmm_memfd(SECCOMP_VMM_KILL, &fd, &e), 0);
	assert_true(lseek(fd, 0, SEEK_END) > 0);
	assert_true(lseek(fd, 0, SEEK_END) % 8 == 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_cgroup_paths),
		cmocka_unit_test_setup_teardown(test_plan_rewrites_argv, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_plan_refuses, setup,
						teardown),
		cmocka_unit_test(test_seccomp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
