// SPDX-License-Identifier: MIT
/*
 * delete [--force|-f] ID
 *
 * As runc: a stopped or created container is deleted; a running or paused
 * one only with --force (which kills the monitor and the VMM); --force on
 * an unknown id succeeds. Everything create made goes: the processes, the
 * jail's leftovers, the rootfs image link, the state directory.
 */
#include "shim/shim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sv/err.h"
#include "shim/jail.h"

#pragma weak jail_cleanup

static const struct cli_opt delete_opts[] = {
	{ "force", 'f', CLI_FLAG, K_FORCE },
};

static int destroy(const struct shim_ctx *g, struct ctr *c, struct sv_err *e)
{
	_cleanup_free_ char *cache = NULL;
	int ret;

	ctr_kill_all(c);
	if (c->info.jailed && jail_cleanup) {
		ret = jail_cleanup(c->dir, e);
		if (ret < 0)
			return ret;
	}
	if (asprintf(&cache, "%s/.images", g->root) < 0)
		return sv_err_set(e, ENOMEM, "out of memory");
	rootfs_image_release(cache, c->dir, c->info.image_hash);
	return ctr_remove(c, e);
}

int shim_delete(const struct shim_ctx *g, const char *id, bool force,
		struct sv_err *e)
{
	struct ctr *c = NULL;
	enum ctr_status s;
	int ret;

	ret = ctr_open(g->root, id, &c, e);
	if (ret == -ENOENT && force) {
		sv_err_clear(e);
		return 0;
	}
	if (ret < 0)
		return ret;
	s = ctr_status(c);
	if ((s == CTR_RUNNING || s == CTR_PAUSED) && !force)
		ret = sv_err_set(
			e, EBUSY,
			"cannot delete container %s that is %s (use --force)",
			id, ctr_status_name(s));
	else
		ret = destroy(g, c, e);
	ctr_close(c);
	return ret;
}

int cmd_delete(const struct shim_ctx *g, int argc, char **argv,
	       struct sv_err *e)
{
	struct cli_args a;
	const char *id;
	int ret;

	ret = cli_parse(delete_opts, ARRAY_SIZE(delete_opts), argc, argv, false,
			&a, e);
	if (ret == 0)
		ret = shim_one_id(&a, "delete", &id, e);
	if (ret == 0)
		ret = shim_delete(g, id, a.count[K_FORCE] > 0, e);
	return ret;
}
