// SPDX-License-Identifier: MIT
/*
 * Lifecycle commands: qmp_capabilities, quit, stop, cont, system_reset,
 * system_powerdown, and getfd. Arguments were checked by dispatch.c.
 */
#include "vmm/qmp/qmp_internal.h"

#include <ctype.h>
#include <string.h>

#define LOG_MODULE "qmp"
#include "sv/log.h"
#include "vmm/machine/machine.h"
#include "vmm/qmp/qmp.h"

#define E_FDNAME_LEN "Parameter 'fdname' expects a name of 1 to %d characters"
#define E_FDNAME_DIGIT \
	"Parameter 'fdname' expects a name not starting with a digit"

int qmp_cmd_capabilities(struct qmp_req *r)
{
	const struct qjson *en = r->args ? qjson_obj_get(r->args, "enable") :
					   NULL;

	/* No optional capability (oob) is offered in the greeting. */
	if (en && qjson_arr_len(en) > 0) {
		const struct qjson *c = qjson_arr_get(en, 0);

		return qmp_req_error(r, QMP_ERR_GENERIC,
				     "Capability '%s' not available",
				     qjson_str(c) ? qjson_str(c) : "?");
	}
	r->ss->negotiated = true;
	return 0;
}

int qmp_cmd_quit(struct qmp_req *r)
{
	/* The reply goes out first; the machine emits SHUTDOWN on exit. */
	machine_request_shutdown(r->m, SHUTDOWN_HOST_QMP_QUIT, 0);
	return 0;
}

int qmp_cmd_stop(struct qmp_req *r)
{
	if (machine_pause(r->m) < 0)
		return qmp_req_error(r, QMP_ERR_GENERIC, "Failed to pause VM");
	return 0;
}

int qmp_cmd_cont(struct qmp_req *r)
{
	if (machine_resume(r->m) < 0)
		return qmp_req_error(r, QMP_ERR_GENERIC, "Failed to resume VM");
	return 0;
}

int qmp_cmd_system_reset(struct qmp_req *r)
{
	/* q35: in place (RESET event); microvm: the VM is destroyed. */
	machine_request_reset(r->m, false);
	return 0;
}

int qmp_cmd_system_powerdown(struct qmp_req *r)
{
	/*
	 * microvm has no ACPI power button: announce it, then power off at
	 * once as StratoVirt does on x86.
	 */
	qmp_server_emit_event(r->ss->s, "POWERDOWN", NULL);
	if (r->m->ops && r->m->ops->powerdown)
		r->m->ops->powerdown(r->m);	/* q35: ACPI power button */
	else
		machine_request_shutdown(r->m, SHUTDOWN_GUEST_POWEROFF, 0);
	return 0;
}

int qmp_cmd_getfd(struct qmp_req *r)
{
	const char *name = qmp_arg_str(r, "fdname");
	int fd = r->ss->pending_fd;
	int ret;

	if (!name[0] || strlen(name) > QMP_FDNAME_MAX)
		return qmp_req_error(r, QMP_ERR_GENERIC, E_FDNAME_LEN,
				     QMP_FDNAME_MAX);
	if (isdigit((unsigned char)name[0]))
		return qmp_req_error(r, QMP_ERR_GENERIC, E_FDNAME_DIGIT);
	if (fd < 0)
		return qmp_req_error(r, QMP_ERR_GENERIC, "%s",
			"No file descriptor supplied via SCM_RIGHTS");
	r->ss->pending_fd = -1;
	ret = qmp_fd_store(r->ss->s, name, fd);
	if (ret < 0)
		return qmp_req_error(r, QMP_ERR_GENERIC,
				     "Too many file descriptors (at most %d)",
				     QMP_MAX_FDS);
	return 0;
}
