// SPDX-License-Identifier: MIT
/*
 * start / pause / resume: one QMP command each on the container's socket,
 * allowed only from runc's source state (start: created; pause: running;
 * resume: paused), under the container lock.
 */
#include "shim/shim.h"

#include <errno.h>
#include <stdlib.h>

#include "sv/err.h"

#define START_TIMEOUT_MS 30000

struct transition {
	const char *verb;
	enum ctr_status from;
	const char *qmp;
	enum ctr_status to;
};

static const struct transition t_start = { "start", CTR_CREATED, "cont",
					   CTR_RUNNING };
static const struct transition t_pause = { "pause", CTR_RUNNING, "stop",
					   CTR_PAUSED };
static const struct transition t_resume = { "resume", CTR_PAUSED, "cont",
					    CTR_RUNNING };

int shim_one_id(const struct cli_args *a, const char *verb, const char **id,
		struct sv_err *e)
{
	if (a->n_pos < 1)
		return sv_err_set(e, EINVAL, "%s: missing container id", verb);
	if (a->n_pos > 1)
		return sv_err_set(
			e, EINVAL,
			"%s: unexpected argument \"%.64s\" after the id", verb,
			a->pos[1]);
	*id = a->pos[0];
	return 0;
}

static int do_transition(const struct shim_ctx *g, const char *id,
			 const struct transition *t, struct sv_err *e)
{
	_cleanup_free_ char *qmp = NULL;
	struct ctr *c = NULL;
	enum ctr_status s;
	int ret;

	ret = ctr_open(g->root, id, &c, e);
	if (ret < 0)
		return ret;
	s = ctr_status(c);
	if (s != t->from) {
		ret = sv_err_set(e, EINVAL,
				 "cannot %s container %s: it is %s, not %s",
				 t->verb, id, ctr_status_name(s),
				 ctr_status_name(t->from));
	} else if (!(qmp = ctr_path(c, t == &t_start && !c->info.vm_kind ?
						   "ctl.sock" :
						   "qmp.sock"))) {
		ret = sv_err_set(e, ENOMEM, "out of memory");
	} else {
		/* A container's process is started by the guest agent. */
		ret = t == &t_start && !c->info.vm_kind ?
			      ctl_request(qmp, "start\n", START_TIMEOUT_MS, e) :
			      qmp_run(qmp, t->qmp, e);
		if (ret == 0)
			ret = ctr_save(c, t->to, e);
	}
	if (ret < 0)
		sv_err_wrap(e, "%s", t->verb);
	ctr_close(c);
	return ret;
}

int shim_start(const struct shim_ctx *g, const char *id, struct sv_err *e)
{
	return do_transition(g, id, &t_start, e);
}

static int verb(const struct shim_ctx *g, int argc, char **argv,
		const struct transition *t, struct sv_err *e)
{
	struct cli_args a;
	const char *id;
	int ret;

	ret = cli_parse(NULL, 0, argc, argv, false, &a, e);
	if (ret == 0)
		ret = shim_one_id(&a, t->verb, &id, e);
	if (ret == 0)
		ret = do_transition(g, id, t, e);
	return ret;
}

int cmd_start(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e)
{
	return verb(g, argc, argv, &t_start, e);
}

int cmd_pause(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e)
{
	return verb(g, argc, argv, &t_pause, e);
}

int cmd_resume(const struct shim_ctx *g, int argc, char **argv,
	       struct sv_err *e)
{
	return verb(g, argc, argv, &t_resume, e);
}
