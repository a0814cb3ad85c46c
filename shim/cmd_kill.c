// SPDX-License-Identifier: MIT
/*
 * kill [--all|-a] ID [SIGNAL]   (default TERM; numbers or names)
 *
 * vm bundles: TERM, INT and PWR ask the guest to power off (QMP
 * system_powerdown, the graceful path, exit 0); KILL kills the VMM (the
 * monitor then exits 137); 0 only checks; any other signal goes to the
 * VMM process. Container bundles do the same until start; then the guest
 * agent delivers the signal to the workload, and with --all (as runc) to
 * every process of the container: init and the exec'd ones. --all is the
 * same as without for a VM.
 */
#include "shim/shim.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sv/err.h"
#define LOG_MODULE "kill"
#include "sv/log.h"

static const struct cli_opt kill_opts[] = {
	{ "all", 'a', CLI_FLAG, K_ALL },
};

/* Container bundles: the guest agent delivers it to the workload. */
static int kill_workload(struct ctr *c, int sig, bool all, struct sv_err *e)
{
	_cleanup_free_ char *ctl = ctr_path(c, "ctl.sock");
	char req[32];

	if (!ctl)
		return sv_err_set(e, ENOMEM, "out of memory");
	snprintf(req, sizeof(req), "%s %d\n", all ? "killall" : "kill", sig);
	return ctl_request(ctl, req, 5000, e);
}

static int signal_vm(struct ctr *c, int sig, bool all, struct sv_err *e)
{
	_cleanup_free_ char *qmp = NULL;

	log_info("%s: signal %d (vmm %d)", c->id, sig, (int)c->info.vmm_pid);
	if (sig == 0)
		return 0;
	if (!c->info.vm_kind && ctr_status(c) != CTR_CREATED)
		return kill_workload(c, sig, all, e);
	if (sig == SIGTERM || sig == SIGINT || sig == SIGPWR) {
		qmp = ctr_path(c, "qmp.sock");
		if (!qmp)
			return sv_err_set(e, ENOMEM, "out of memory");
		return qmp_run(qmp, "system_powerdown", e);
	}
	if (!pid_alive(c->info.vmm_pid, c->info.vmm_start))
		return sv_err_set(e, ESRCH, "container %s: the VM is gone",
				  c->id);
	if (kill(c->info.vmm_pid, sig) < 0)
		return sv_err_set(e, errno, "kill %d: %s", (int)c->info.vmm_pid,
				  strerror(errno));
	return 0;
}

int cmd_kill(const struct shim_ctx *g, int argc, char **argv, struct sv_err *e)
{
	struct ctr *c = NULL;
	struct cli_args a;
	enum ctr_status s;
	int ret, sig = SIGTERM;

	ret = cli_parse(kill_opts, ARRAY_SIZE(kill_opts), argc, argv, false, &a,
			e);
	if (ret == 0 && (a.n_pos < 1 || a.n_pos > 2))
		ret = sv_err_set(e, EINVAL, "usage: kill [--all] ID [SIGNAL]");
	if (ret == 0 && a.n_pos == 2)
		ret = cli_parse_signal(a.pos[1], &sig, e);
	if (ret == 0)
		ret = ctr_open(g->root, a.pos[0], &c, e);
	if (ret < 0)
		return ret;
	s = ctr_status(c);
	if (s != CTR_CREATED && s != CTR_RUNNING && s != CTR_PAUSED)
		ret = sv_err_set(e, EINVAL,
				 "kill: container %s is %s, not running", c->id,
				 ctr_status_name(s));
	else
		ret = signal_vm(c, sig, a.count[K_ALL] > 0, e);
	ctr_close(c);
	return ret;
}
