// SPDX-License-Identifier: MIT
/*
 * state ID (runc's JSON, status computed live), list [--format
 * table|json] [--quiet], ps [--format table|json] ID (host pids: the
 * monitor and the VMM).
 */
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sv/err.h"
#include "oci/state.h"

static const struct cli_opt list_opts[] = {
	{ "format", 'f', CLI_VALUE, K_FORMAT },
	{ "quiet", 'q', CLI_FLAG, K_QUIET },
};

/* Bring c->st up to date with the live status (for printing). */
static int refresh(struct ctr *c, struct sv_err *e)
{
	enum ctr_status s = ctr_status(c);
	char *name;

	if (!c->st)
		return sv_err_set(e, EIO, "container %s: state.json missing",
				  c->id);
	name = strdup(ctr_status_name(s));
	if (!name)
		return sv_err_set(e, ENOMEM, "out of memory");
	free(c->st->status);
	c->st->status = name;
	if (s == CTR_STOPPED)
		c->st->pid = 0;
	return 0;
}

int cmd_state(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e)
{
	_cleanup_free_ char *json = NULL;
	struct ctr *c = NULL;
	struct cli_args a;
	const char *id;
	int ret;

	ret = cli_parse(NULL, 0, argc, argv, false, &a, e);
	if (ret == 0)
		ret = shim_one_id(&a, "state", &id, e);
	if (ret == 0)
		ret = ctr_open(g->root, id, &c, e);
	if (ret == 0)
		ret = refresh(c, e);
	if (ret == 0)
		ret = oci_state_gen(c->st, &json, e);
	ctr_close(c);
	if (ret == 0)
		fputs(json, stdout);
	return ret;
}

static int check_format(const struct cli_args *a, bool *json, struct sv_err *e)
{
	const char *f = a->val[K_FORMAT] ? a->val[K_FORMAT] : "table";

	if (strcmp(f, "table") && strcmp(f, "json"))
		return sv_err_set(e, EINVAL,
				  "--format: \"%.32s\" is not table|json", f);
	*json = !strcmp(f, "json");
	return 0;
}

static void list_one(const struct oci_state *st, bool json, bool first)
{
	char ts[OCI_RFC3339_MAX] = "", id[2100], bundle[8200];

	if (oci_time_format(&st->created, ts, sizeof(ts)) < 0)
		ts[0] = '\0';
	if (!json) {
		printf("%-12s %-8d %-10s %-40s %-30s %s\n", st->id, st->pid,
		       st->status, st->bundle, ts, st->owner);
		return;
	}
	shim_json_escape(id, sizeof(id), st->id);
	shim_json_escape(bundle, sizeof(bundle), st->bundle);
	printf("%s{\"ociVersion\":\"%s\",\"id\":\"%s\",\"pid\":%d,"
	       "\"status\":\"%s\",\"bundle\":\"%s\",\"rootfs\":\"\","
	       "\"created\":\"%s\",\"owner\":\"\"}",
	       first ? "" : ",", SHIM_OCI_VERSION, id, st->pid, st->status,
	       bundle, ts);
}

static void list_all(const struct shim_ctx *g, char **ids, size_t n,
		     const struct cli_args *a, bool json)
{
	struct sv_err e2 = SV_ERR_INIT;
	struct ctr *c;
	bool first = true;
	size_t i;

	if (!json && !a->count[K_QUIET])
		printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID",
		       "STATUS", "BUNDLE", "CREATED", "OWNER");
	for (i = 0; i < n; i++) {
		if (ctr_open(g->root, ids[i], &c, &e2) < 0) {
			sv_err_clear(&e2);
			continue;
		}
		if (refresh(c, &e2) == 0 && a->count[K_QUIET])
			printf("%s\n", c->id);
		else if (e2.code == 0)
			list_one(c->st, json, first);
		first = first && (e2.code != 0 || a->count[K_QUIET]);
		sv_err_clear(&e2);
		ctr_close(c);
	}
}

int cmd_list(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e)
{
	struct cli_args a;
	char **ids = NULL;
	size_t n = 0;
	bool json = false;
	int ret;

	ret = cli_parse(list_opts, ARRAY_SIZE(list_opts), argc, argv, false, &a,
			e);
	if (ret == 0)
		ret = check_format(&a, &json, e);
	if (ret == 0)
		ret = ctr_list(g->root, &ids, &n, e);
	if (ret < 0)
		return ret;
	if (json && !a.count[K_QUIET])
		fputs("[", stdout);
	list_all(g, ids, n, &a, json);
	if (json && !a.count[K_QUIET])
		fputs("]\n", stdout);
	shim_strv_free(ids, n);
	return 0;
}

static void print_pid(pid_t pid, bool json, bool first)
{
	char path[64], comm[64] = "?";
	int fd;
	ssize_t n;

	if (json) {
		printf("%s%d", first ? "" : ",", (int)pid);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comm, sizeof(comm) - 1);
		comm[n > 0 ? n : 0] = '\0';
		comm[strcspn(comm, "\n")] = '\0';
		close(fd);
	}
	printf("%-8d %s\n", (int)pid, comm);
}

int cmd_ps(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e)
{
	struct ctr *c = NULL;
	struct cli_args a;
	const char *id;
	bool json = false, first = true;
	int ret;

	ret = cli_parse(list_opts, 1, argc, argv, false, &a, e);
	if (ret == 0)
		ret = check_format(&a, &json, e);
	if (ret == 0)
		ret = shim_one_id(&a, "ps", &id, e);
	if (ret == 0)
		ret = ctr_open(g->root, id, &c, e);
	if (ret < 0)
		return ret;
	if (json)
		fputs("[", stdout);
	else
		printf("%-8s %s\n", "PID", "CMD");
	if (pid_alive(c->info.monitor_pid, c->info.monitor_start)) {
		print_pid(c->info.monitor_pid, json, first);
		first = false;
	}
	if (pid_alive(c->info.vmm_pid, c->info.vmm_start))
		print_pid(c->info.vmm_pid, json, first);
	if (json)
		printf("]\n");
	ctr_close(c);
	return 0;
}
