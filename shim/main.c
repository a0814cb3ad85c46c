// SPDX-License-Identifier: MIT
/*
 * stratovirt-shim: runc-compatible global flags, then one verb from the
 * table below. A failing verb's message is printed once, here: one line on
 * stderr and, with --log, an error line in the log file (JSON with
 * --log-format json; containerd shows only that).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sv/err.h"
#include "shim/shim.h"
#define LOG_MODULE "main"
#include "sv/log.h"

static int cmd_unsupported(const struct shim_ctx *g, int argc, char **argv,
			   struct sv_err *e)
{
	(void)g;
	(void)argc;
	(void)argv;
	return sv_err_set(e, ENOTSUP, "this command is not supported by %s",
			  SHIM_NAME);
}

static const struct {
	const char *name;
	shim_cmd_fn fn;
	const char *help;
} verbs[] = {
	{ "create", cmd_create, "create a container (VM booted, paused)" },
	{ "start", cmd_start, "run the created container" },
	{ "state", cmd_state, "print the state JSON of a container" },
	{ "kill", cmd_kill, "send a signal (TERM: graceful power-off)" },
	{ "delete", cmd_delete, "delete a container and all it holds" },
	{ "pause", cmd_pause, "pause all vCPUs" },
	{ "resume", cmd_resume, "resume a paused container" },
	{ "exec", cmd_exec, "run a process in a container (needs the agent)" },
	{ "ps", cmd_ps, "host processes of a container" },
	{ "list", cmd_list, "list containers" },
	{ "features", cmd_features, "print the supported features (JSON)" },
	{ "run", cmd_run, "create + start + wait" },
	{ "spec", cmd_spec, "write a default config.json" },
	{ "checkpoint", cmd_unsupported, NULL },
	{ "restore", cmd_unsupported, NULL },
	{ "events", cmd_unsupported, NULL },
	{ "update", cmd_unsupported, NULL },
};

static void usage(void)
{
	unsigned int i;

	printf("usage: %s [global options] COMMAND [options] ID [args]\n\n"
	       "An OCI runtime that runs each container as a StratoVirt VM.\n\n"
	       "global options:\n"
	       "  --root DIR             state directory (default %s)\n"
	       "  --log FILE             log file\n"
	       "  --log-format text|json log format (default text)\n"
	       "  --debug                debug logging\n"
	       "  --systemd-cgroup       accepted for runc compatibility\n"
	       "  --jail / --no-jail     run the VMM jailed (default: as root)\n"
	       "  -v, --version          print the version\n\ncommands:\n",
	       SHIM_NAME, SHIM_DEFAULT_ROOT);
	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		if (verbs[i].help)
			printf("  %-10s %s\n", verbs[i].name, verbs[i].help);
}

static int dispatch(const struct shim_ctx *g, int argc, char **argv,
		    struct sv_err *e)
{
	unsigned int i;

	log_debug("%s %s (root %s)", argv[0], argc > 1 ? argv[argc - 1] : "",
		  g->root);
	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(argv[0], verbs[i].name))
			return verbs[i].fn(g, argc - 1, argv + 1, e);
	return sv_err_set(e, EINVAL, "unknown command \"%.64s\"", argv[0]);
}

int main(int argc, char **argv)
{
	struct sv_err e = SV_ERR_INIT;
	struct shim_ctx g;
	struct cli_args a;
	int verb, ret;

	ret = cli_parse_global(argc, argv, &g, &a, &verb, &e);
	if (ret == 0 && shim_log_open(&g) < 0)
		ret = sv_err_set(&e, errno, "--log %.200s: %s", g.log_path,
				 strerror(errno));
	if (ret < 0) {
		shim_log_fatal(e.msg);
		return 1;
	}
	if (a.count[K_VERSION]) {
		printf("%s version %s\nspec: %s\n", SHIM_NAME, SHIM_VERSION,
		       SHIM_OCI_VERSION);
		return 0;
	}
	if (a.count[K_HELP] || verb >= argc || !strcmp(argv[verb], "help")) {
		usage();
		return 0;
	}
	ret = dispatch(&g, argc - verb, argv + verb, &e);
	fflush(stdout);
	if (ret < 0) {
		shim_log_fatal(e.code ? e.msg : strerror(-ret));
		return 1;
	}
	return ret;
}
