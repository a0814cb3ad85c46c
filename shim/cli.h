/* SPDX-License-Identifier: MIT */
/*
 * runc-compatible command-line parsing (reference/oci-engines.md 4.1):
 * table-driven long/short options in both `--flag v` and `--flag=v`
 * spellings, and signal names/numbers as `kill` takes them. Pure: no I/O,
 * so tests/unit/test_shim_cli.c covers it.
 */
#ifndef SV_SHIM_CLI_H
#define SV_SHIM_CLI_H

#include <stdbool.h>

#include "sv/compiler.h"

struct sv_err;

#define SHIM_NAME "stratovirt-shim"
#define SHIM_VERSION "0.1.0"
#define SHIM_OCI_VERSION "1.0.2-dev"
#define SHIM_DEFAULT_ROOT "/run/stratovirt-shim"

/* Every option any verb knows; a verb's table picks its subset. */
enum cli_key {
	K_ROOT,
	K_LOG,
	K_LOG_FORMAT,
	K_DEBUG,
	K_SYSTEMD_CGROUP,
	K_JAIL,
	K_NO_JAIL,
	K_VERSION,
	K_HELP,
	K_IGNORED, /* accepted for runc compatibility, value unused */
	K_BUNDLE,
	K_PID_FILE,
	K_CONSOLE_SOCKET,
	K_FORCE,
	K_ALL,
	K_DETACH,
	K_PROCESS,
	K_FORMAT,
	K_QUIET,
	K_TTY,
	K_CWD,
	K_ENV,
	K_USER,
	K_CAP,
	K_PRESERVE_FDS,
	K_JAIL_DRY_RUN,
	K__MAX,
};

enum cli_kind {
	CLI_FLAG, /* boolean; `--f=true|false` also accepted */
	CLI_VALUE, /* takes one argument */
};

struct cli_opt {
	const char *name; /* long name without "--" */
	char short_name; /* 0: none */
	enum cli_kind kind;
	enum cli_key key;
};

#define CLI_MAX_POS 256

struct cli_args {
	const char *val[K__MAX]; /* last value given (flags: "true") */
	unsigned int count[K__MAX]; /* times given (flags: 0 if =false) */
	const char *env[CLI_MAX_POS]; /* every --env value, in order */
	unsigned int n_env;
	char *posv[CLI_MAX_POS];
	char **pos; /* positional arguments: posv, or a tail of argv */
	int n_pos;
};

/* Global flags of the shim, from the options before the verb. */
struct shim_ctx {
	const char *root;
	const char *log_path;
	bool log_json;
	bool debug;
	bool jail; /* jail the VMM: default when root; --no-jail, --jail */
	const char *argv0;
};

/*
 * Parse argv[0..argc) against tab (n entries). With stop_at_pos, the first
 * positional argument ends option parsing (global options before the verb,
 * `exec ID CMD ARGS...`); otherwise options and positionals may mix. "--"
 * always ends options. *out is zeroed first.
 */
int cli_parse(const struct cli_opt *tab, unsigned int n, int argc, char **argv,
	      bool stop_at_pos, struct cli_args *out,
	      struct sv_err *e) SV_MUST_CHECK;

/* Global options into ctx; *verb_idx = index of the verb in argv, or argc. */
int cli_parse_global(int argc, char **argv, struct shim_ctx *ctx,
		     struct cli_args *a, int *verb_idx,
		     struct sv_err *e) SV_MUST_CHECK;

/* "9", "KILL", "SIGKILL", "sigkill", "RTMIN+2" -> signal number. */
int cli_parse_signal(const char *s, int *sig, struct sv_err *e) SV_MUST_CHECK;
/* Canonical name without SIG ("KILL"), or NULL for unnamed numbers. */
const char *cli_signal_name(int sig);

/* True if id is a valid container id: [A-Za-z0-9][A-Za-z0-9_.+-]*, <=1024. */
bool cli_id_ok(const char *id);

#endif /* SV_SHIM_CLI_H */
