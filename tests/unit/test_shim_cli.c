// SPDX-License-Identifier: MIT
/*
 * shim/cli.c: runc's option spellings (--f v, --f=v, -f v, -f=v, single
 * dash long names, repeated --env, flags =true/=false), global options
 * before the verb, positional handling for exec, signal names/numbers, ids.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sv/err.h"
#include "shim/cli.h"

static const struct cli_opt opts[] = {
	{ "bundle", 'b', CLI_VALUE, K_BUNDLE },
	{ "pid-file", 0, CLI_VALUE, K_PID_FILE },
	{ "force", 'f', CLI_FLAG, K_FORCE },
	{ "env", 'e', CLI_VALUE, K_ENV },
	{ "detach", 'd', CLI_FLAG, K_DETACH },
};

/* Writable argv strings (the parser keeps pointers), freed by teardown. */
static char *pool[512];
static unsigned int n_pool;

static int mkargv(const char *const *in, char **out)
{
	int n;

	for (n = 0; in[n]; n++) {
		out[n] = strdup(in[n]);
		assert_true(n_pool < sizeof(pool) / sizeof(pool[0]));
		pool[n_pool++] = out[n];
	}
	out[n] = NULL;
	return n;
}

static int free_pool(void **state)
{
	(void)state;
	while (n_pool)
		free(pool[--n_pool]);
	return 0;
}

static int parse_v(bool stop, struct cli_args *a, struct sv_err *e,
		   const char *const *in)
{
	static char *argv[32];
	int argc = mkargv(in, argv);

	return cli_parse(opts, sizeof(opts) / sizeof(opts[0]), argc, argv, stop,
			 a, e);
}

#define PARSE(stop, a, e, ...) \
	parse_v(stop, a, e, (const char *const[]){ __VA_ARGS__, NULL })

static void test_value_spellings(void **state)
{
	static const char *const forms[][2] = {
		{ "--bundle", "/b" },	 { "-bundle", "/b" }, { "-b", "/b" },
		{ "--bundle=/b", NULL }, { "-b=/b", NULL },
	};
	struct sv_err e = SV_ERR_INIT;
	const char *in[4];
	struct cli_args a;
	unsigned int i;
	int argc;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		argc = 0;
		in[argc++] = forms[i][0];
		if (forms[i][1])
			in[argc++] = forms[i][1];
		in[argc++] = "id1";
		in[argc] = NULL;
		assert_int_equal(parse_v(false, &a, &e, in), 0);
		assert_string_equal(a.val[K_BUNDLE], "/b");
		assert_int_equal(a.n_pos, 1);
		assert_string_equal(a.pos[0], "id1");
	}
}

static void test_mixed_order_and_flags(void **state)
{
	struct sv_err e = SV_ERR_INIT;
	struct cli_args a;

	(void)state;
	assert_int_equal(PARSE(false, &a, &e, "id", "--pid-file", "/p", "-f"),
			 0);
	assert_string_equal(a.val[K_PID_FILE], "/p");
	assert_int_equal(a.count[K_FORCE], 1);
	assert_int_equal(a.n_pos, 1);
	assert_int_equal(PARSE(false, &a, &e, "--force=false", "id"), 0);
	assert_int_equal(a.count[K_FORCE], 0);
	assert_int_equal(PARSE(false, &a, &e, "--force=true", "id"), 0);
	assert_int_equal(a.count[K_FORCE], 1);
	assert_int_equal(PARSE(false, &a, &e, "--force=maybe", "id"), -EINVAL);
	assert_non_null(strstr(e.msg, "--force"));
}

static void test_errors(void **state)
{
	struct sv_err e = SV_ERR_INIT;
	struct cli_args a;

	(void)state;
	assert_int_equal(PARSE(false, &a, &e, "--nope", "id"), -EINVAL);
	assert_string_equal(e.msg, "unknown option --nope");
	sv_err_clear(&e);
	assert_int_equal(PARSE(false, &a, &e, "id", "--bundle"), -EINVAL);
	assert_string_equal(e.msg, "option --bundle needs an argument");
	sv_err_clear(&e);
	assert_int_equal(PARSE(false, &a, &e, "-x", "id"), -EINVAL);
	sv_err_clear(&e);
	assert_int_equal(PARSE(false, &a, &e, "--=x"), -EINVAL);
}

static void test_repeated_env_and_exec_tail(void **state)
{
	struct sv_err e = SV_ERR_INIT;
	struct cli_args a;

	(void)state;
	assert_int_equal(PARSE(true, &a, &e, "-e", "A=1", "--env=B=2", "-d",
			       "ctr", "ls", "-l", "--bundle"),
			 0);
	assert_int_equal(a.n_env, 2);
	assert_string_equal(a.env[0], "A=1");
	assert_string_equal(a.env[1], "B=2");
	assert_int_equal(a.count[K_DETACH], 1);
	assert_int_equal(a.n_pos, 4);
	assert_string_equal(a.pos[0], "ctr");
	assert_string_equal(a.pos[2], "-l");
	assert_string_equal(a.pos[3], "--bundle");
	/* "--" ends options; "-" alone is positional */
	assert_int_equal(PARSE(false, &a, &e, "--", "-f", "-"), 0);
	assert_int_equal(a.count[K_FORCE], 0);
	assert_int_equal(a.n_pos, 2);
	assert_string_equal(a.pos[0], "-f");
}

static void test_global(void **state)
{
	static const char *const in[] = { "shim",
					  "--root",
					  "/r",
					  "--log=/l",
					  "--log-format",
					  "json",
					  "--systemd-cgroup",
					  "--debug",
					  "kill",
					  "--all",
					  "id",
					  NULL };
	char *argv[16], xml[] = "xml", no_jail[] = "--no-jail",
	     jail[] = "--jail";
	struct sv_err e = SV_ERR_INIT;
	struct shim_ctx g;
	struct cli_args a;
	int verb;

	(void)state;
	mkargv(in, argv);
	assert_int_equal(cli_parse_global(11, argv, &g, &a, &verb, &e), 0);
	assert_int_equal(verb, 8);
	assert_string_equal(g.root, "/r");
	assert_string_equal(g.log_path, "/l");
	assert_true(g.log_json);
	assert_true(g.debug);
	assert_int_equal(g.jail, geteuid() == 0); /* the default: root */
	argv[7] = no_jail; /* --debug -> --no-jail */
	assert_int_equal(cli_parse_global(11, argv, &g, &a, &verb, &e), 0);
	assert_false(g.jail);
	argv[7] = jail;
	assert_int_equal(cli_parse_global(11, argv, &g, &a, &verb, &e), 0);
	assert_true(g.jail);
	argv[5] = xml;
	assert_int_equal(cli_parse_global(11, argv, &g, &a, &verb, &e),
			 -EINVAL);
	assert_non_null(strstr(e.msg, "--log-format"));
	assert_int_equal(cli_parse_global(1, argv, &g, &a, &verb, &e), 0);
	assert_string_equal(g.root, SHIM_DEFAULT_ROOT);
	assert_int_equal(verb, 1);
}

static void test_signals(void **state)
{
	static const struct {
		const char *s;
		int sig;
	} ok[] = {
		{ "9", SIGKILL },	{ "15", SIGTERM },
		{ "KILL", SIGKILL },	{ "SIGKILL", SIGKILL },
		{ "sigterm", SIGTERM }, { "term", SIGTERM },
		{ "SIGUSR1", SIGUSR1 }, { "HUP", SIGHUP },
		{ "PWR", SIGPWR },	{ "RTMIN", 0 },
		{ "RTMIN+2", 2 },	{ "SIGRTMAX-1", -1 },
		{ "64", 64 },
	};
	static const char *const bad[] = { "",	 "0x9",	     "-9",
					   "65", "SIG",	     "SIGFOO",
					   "9x", "RTMIN+99", "1e1" };
	struct sv_err e = SV_ERR_INIT;
	unsigned int i;
	int sig, want;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		want = ok[i].sig;
		if (!strncmp(ok[i].s, "RTMIN", 5))
			want += SIGRTMIN;
		else if (strstr(ok[i].s, "RTMAX"))
			want += SIGRTMAX;
		assert_int_equal(cli_parse_signal(ok[i].s, &sig, &e), 0);
		assert_int_equal(sig, want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cli_parse_signal(bad[i], &sig, &e), -EINVAL);
		sv_err_clear(&e);
	}
	assert_string_equal(cli_signal_name(SIGTERM), "TERM");
	assert_null(cli_signal_name(SIGRTMIN + 3));
}

static void test_ids(void **state)
{
	static const char *const good[] = { "a", "ctr-1", "A.b_c+d",
					    "7422c5a20e0998d4fd2149db5a6a" };
	static const char *const bad[] = { "",	  ".",	  "..",	     "a..b",
					   "a/b", "../x", ".hidden", "-x",
					   "a b", "a\n",  "é" };
	char longid[1100];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(cli_id_ok(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(cli_id_ok(bad[i]));
	assert_false(cli_id_ok(NULL));
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_false(cli_id_ok(longid));
	longid[1024] = '\0';
	assert_true(cli_id_ok(longid));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_spellings),
		cmocka_unit_test(test_mixed_order_and_flags),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_repeated_env_and_exec_tail),
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_ids),
	};

	return cmocka_run_group_tests(tests, NULL, free_pool);
}
