// SPDX-License-Identifier: MIT
/*
 * runc-style option parsing. Like Go's flag package (which runc uses), a
 * long option may be written with one or two dashes and its value either
 * as the next argument or after '='.
 */
#include "shim/cli.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sv/err.h"

static const struct cli_opt *find_opt(const struct cli_opt *tab, unsigned int n,
				      const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (len == 1 && tab[i].short_name == name[0])
			return &tab[i];
		if (strlen(tab[i].name) == len &&
		    !strncmp(tab[i].name, name, len))
			return &tab[i];
	}
	return NULL;
}

static int set_flag(struct cli_args *out, const struct cli_opt *o,
		    const char *v, struct sv_err *e)
{
	if (!v || !strcmp(v, "true") || !strcmp(v, "1")) {
		out->count[o->key]++;
		out->val[o->key] = "true";
	} else if (!strcmp(v, "false") || !strcmp(v, "0")) {
		out->count[o->key] = 0;
		out->val[o->key] = NULL;
	} else {
		return sv_err_set(e, EINVAL,
				  "invalid boolean value \"%.32s\" for --%s", v,
				  o->name);
	}
	return 0;
}

static int set_value(struct cli_args *out, const struct cli_opt *o,
		     const char *v, struct sv_err *e)
{
	if (o->key == K_ENV) {
		if (out->n_env >= CLI_MAX_POS)
			return sv_err_set(e, E2BIG, "too many --env options");
		out->env[out->n_env++] = v;
	}
	out->count[o->key]++;
	out->val[o->key] = v;
	return 0;
}

/* argv[*i] is an option; consume it (and its value). */
static int take_opt(const struct cli_opt *tab, unsigned int n, int argc,
		    char **argv, int *i, struct cli_args *out, struct sv_err *e)
{
	const char *arg = argv[*i];
	const char *name = arg + (arg[1] == '-' ? 2 : 1);
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_opt *o = find_opt(tab, n, name, len);

	if (!o || len == 0)
		return sv_err_set(e, EINVAL, "unknown option %.*s",
				  (int)(len + (size_t)(name - arg)), arg);
	if (o->kind == CLI_FLAG)
		return set_flag(out, o, eq ? eq + 1 : NULL, e);
	if (eq)
		return set_value(out, o, eq + 1, e);
	if (*i + 1 >= argc)
		return sv_err_set(e, EINVAL, "option --%s needs an argument",
				  o->name);
	(*i)++;
	return set_value(out, o, argv[*i], e);
}

static bool is_opt(const char *a)
{
	return a[0] == '-' && a[1] != '\0';
}

static int push_pos(struct cli_args *out, char *arg, struct sv_err *e)
{
	if (out->n_pos >= CLI_MAX_POS)
		return sv_err_set(e, E2BIG, "too many arguments");
	out->posv[out->n_pos++] = arg;
	return 0;
}

int cli_parse(const struct cli_opt *tab, unsigned int n, int argc, char **argv,
	      bool stop_at_pos, struct cli_args *out, struct sv_err *e)
{
	int i, ret = 0;

	memset(out, 0, sizeof(*out));
	out->pos = out->posv;
	for (i = 0; i < argc && ret == 0; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!is_opt(argv[i]) && stop_at_pos)
			break;
		if (!is_opt(argv[i]))
			ret = push_pos(out, argv[i], e);
		else
			ret = take_opt(tab, n, argc, argv, &i, out, e);
	}
	if (ret < 0)
		return ret;
	if (stop_at_pos) {
		/* the rest verbatim: the verb and its arguments, CMD ARGS */
		out->pos = argv + i;
		out->n_pos = argc - i;
		return 0;
	}
	for (; i < argc && ret == 0; i++)
		ret = push_pos(out, argv[i], e);
	return ret;
}

static const struct cli_opt global_opts[] = {
	{ "root", 0, CLI_VALUE, K_ROOT },
	{ "log", 0, CLI_VALUE, K_LOG },
	{ "log-format", 0, CLI_VALUE, K_LOG_FORMAT },
	{ "debug", 0, CLI_FLAG, K_DEBUG },
	{ "systemd-cgroup", 0, CLI_FLAG, K_SYSTEMD_CGROUP },
	{ "rootless", 0, CLI_VALUE, K_IGNORED },
	{ "criu", 0, CLI_VALUE, K_IGNORED },
	{ "jail", 0, CLI_FLAG, K_JAIL },
	{ "no-jail", 0, CLI_FLAG, K_NO_JAIL },
	{ "version", 'v', CLI_FLAG, K_VERSION },
	{ "help", 'h', CLI_FLAG, K_HELP },
};

int cli_parse_global(int argc, char **argv, struct shim_ctx *ctx,
		     struct cli_args *a, int *verb_idx, struct sv_err *e)
{
	static char root_abs[PATH_MAX + 1];
	char cwd[PATH_MAX];
	const char *fmt;
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	ctx->argv0 = argc > 0 ? argv[0] : SHIM_NAME;
	ret = cli_parse(global_opts, ARRAY_SIZE(global_opts), argc - 1,
			argv + 1, true, a, e);
	if (ret < 0)
		return ret;
	*verb_idx = argc - a->n_pos;
	ctx->root = a->val[K_ROOT] ? a->val[K_ROOT] : SHIM_DEFAULT_ROOT;
	if (!ctx->root[0])
		return sv_err_set(e, EINVAL, "--root: empty path");
	if (ctx->root[0] != '/') {
		/* sockets and the VMM argv need an absolute state dir */
		if (!getcwd(cwd, sizeof(cwd) - 1 - strlen(ctx->root)))
			return sv_err_set(e, ENAMETOOLONG, "--root: %s",
					  strerror(errno));
		snprintf(root_abs, sizeof(root_abs), "%s/%s", cwd, ctx->root);
		ctx->root = root_abs;
	}
	ctx->log_path =
		a->val[K_LOG] && a->val[K_LOG][0] ? a->val[K_LOG] : NULL;
	fmt = a->val[K_LOG_FORMAT] ? a->val[K_LOG_FORMAT] : "text";
	if (strcmp(fmt, "text") && strcmp(fmt, "json"))
		return sv_err_set(e, EINVAL,
				  "--log-format: \"%.32s\" is not text|json",
				  fmt);
	ctx->log_json = !strcmp(fmt, "json");
	ctx->debug = a->count[K_DEBUG] > 0;
	/* The jail needs root (mounts, namespaces, the id switch): on by
	 * default there, --no-jail opts out, --jail asks for it anyway. */
	ctx->jail = !a->count[K_NO_JAIL] &&
		    (a->count[K_JAIL] > 0 || geteuid() == 0);
	return 0;
}

/* ---- signals ---- */

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP },	 { "INT", SIGINT },	  { "QUIT", SIGQUIT },
	{ "ILL", SIGILL },	 { "TRAP", SIGTRAP },	  { "ABRT", SIGABRT },
	{ "IOT", SIGIOT },	 { "BUS", SIGBUS },	  { "FPE", SIGFPE },
	{ "KILL", SIGKILL },	 { "USR1", SIGUSR1 },	  { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },	 { "PIPE", SIGPIPE },	  { "ALRM", SIGALRM },
	{ "TERM", SIGTERM },	 { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
	{ "CLD", SIGCHLD },	 { "CONT", SIGCONT },	  { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },	 { "TTIN", SIGTTIN },	  { "TTOU", SIGTTOU },
	{ "URG", SIGURG },	 { "XCPU", SIGXCPU },	  { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },	  { "WINCH", SIGWINCH },
	{ "IO", SIGIO },	 { "POLL", SIGPOLL },	  { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

/* Decimal 1..max without sign or leading garbage; -1 if not. */
static int small_dec(const char *s, int max)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > max)
		return -1;
	return (int)v;
}

static int rt_signal(const char *name)
{
	int n;

	if (!strcasecmp(name, "RTMIN"))
		return SIGRTMIN;
	if (!strcasecmp(name, "RTMAX"))
		return SIGRTMAX;
	if (!strncasecmp(name, "RTMIN+", 6)) {
		n = small_dec(name + 6, SIGRTMAX - SIGRTMIN);
		return n < 0 ? -1 : SIGRTMIN + n;
	}
	if (!strncasecmp(name, "RTMAX-", 6)) {
		n = small_dec(name + 6, SIGRTMAX - SIGRTMIN);
		return n < 0 ? -1 : SIGRTMAX - n;
	}
	return -1;
}

int cli_parse_signal(const char *s, int *sig, struct sv_err *e)
{
	const char *name = s;
	size_t i;
	int n;

	if (!s || !s[0])
		return sv_err_set(e, EINVAL, "empty signal");
	n = small_dec(s, SIGRTMAX);
	if (n < 0 && !strncasecmp(name, "SIG", 3))
		name += 3;
	for (i = 0; n < 0 && i < ARRAY_SIZE(signals); i++)
		if (!strcasecmp(name, signals[i].name))
			n = signals[i].sig;
	if (n < 0)
		n = rt_signal(name);
	if (n < 0)
		return sv_err_set(e, EINVAL, "invalid signal \"%.32s\"", s);
	*sig = n;
	return 0;
}

const char *cli_signal_name(int sig)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(signals); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return NULL;
}

bool cli_id_ok(const char *id)
{
	size_t i, len = id ? strlen(id) : 0;

	if (len == 0 || len > 1024 || !isalnum((unsigned char)id[0]))
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("_.+-", id[i]))
			return false;
	return strstr(id, "..") == NULL;
}
