// SPDX-License-Identifier: MIT
/*
 * Hot-plug commands: blockdev-add, blockdev-del, device_add, device_del.
 * They decode the arguments (already type-checked by dispatch.c) and call
 * the machine's hot-plug ops; the machine emits DEVICE_DELETED.
 */
#include "vmm/qmp/qmp_internal.h"

#include <string.h>

#include "vmm/machine/machine.h"

const struct qmp_arg qmp_blockdev_add_args[] = {
	{ "node-name", QMP_ARG_STR, true },
	{ "file", QMP_ARG_OBJECT, true },
	{ "driver", QMP_ARG_STR, false },
	{ "read-only", QMP_ARG_BOOL, false },
	{ "cache", QMP_ARG_OBJECT, false },
	{ "media", QMP_ARG_STR, false },
	{ "detect-zeroes", QMP_ARG_STR, false },
	{ "discard", QMP_ARG_STR, false },
	{ "aio", QMP_ARG_STR, false },
	{ NULL, QMP_ARG_ANY, false },
};

const struct qmp_arg qmp_blockdev_del_args[] = {
	{ "node-name", QMP_ARG_STR, true },
	{ NULL, QMP_ARG_ANY, false },
};

const struct qmp_arg qmp_device_add_args[] = {
	{ "id", QMP_ARG_STR, true },
	{ "driver", QMP_ARG_STR, true },
	{ "addr", QMP_ARG_STR, false },
	{ "drive", QMP_ARG_STR, false },
	{ "serial", QMP_ARG_STR, false },
	{ "bus", QMP_ARG_STR, false },
	{ "iothread", QMP_ARG_STR, false },
	{ "num-queues", QMP_ARG_INT, false },
	{ "queue-size", QMP_ARG_INT, false },
	{ "boot_index", QMP_ARG_INT, false },
	{ NULL, QMP_ARG_ANY, false },
};

const struct qmp_arg qmp_device_del_args[] = {
	{ "id", QMP_ARG_STR, true },
	{ NULL, QMP_ARG_ANY, false },
};

/* Optional string member of a nested object. */
static const char *member_str(const struct qjson *obj, const char *key)
{
	const struct qjson *v = obj ? qjson_obj_get(obj, key) : NULL;

	return v ? qjson_str(v) : NULL;
}

static bool member_bool(const struct qjson *obj, const char *key, bool dflt)
{
	const struct qjson *v = obj ? qjson_obj_get(obj, key) : NULL;

	return v && qjson_type(v) == QJSON_BOOL ? qjson_bool(v) : dflt;
}

static int unsupported(struct qmp_req *r, const char *what)
{
	return qmp_req_error(r, QMP_ERR_GENERIC, "%s is not supported on %s",
			     what, r->m->ops ? r->m->ops->name : "this machine");
}

int qmp_cmd_blockdev_add(struct qmp_req *r)
{
	const struct qjson *file = qjson_obj_get(r->args, "file");
	const char *drv = qmp_arg_str(r, "driver");
	const char *fdrv = member_str(file, "driver");
	struct hotplug_blockdev b = { 0 };
	char err[256] = "";

	if (!r->m->ops || !r->m->ops->blockdev_add)
		return unsupported(r, "blockdev-add");
	if (drv && strcmp(drv, "raw") != 0)
		return qmp_req_error(r, QMP_ERR_GENERIC,
				     "Only the raw format is supported");
	if (fdrv && strcmp(fdrv, "file") != 0)
		return qmp_req_error(r, QMP_ERR_GENERIC,
				     "Only file.driver 'file' is supported");
	b.node_name = qmp_arg_str(r, "node-name");
	b.file = member_str(file, "filename");
	if (!b.file)
		return qmp_req_error(r, QMP_ERR_GENERIC,
				     "Parameter 'file.filename' is missing");
	b.readonly = member_bool(r->args, "read-only", false);
	b.direct = member_bool(qjson_obj_get(r->args, "cache"), "direct", true);
	if (r->m->ops->blockdev_add(r->m, &b, err, sizeof(err)) < 0)
		return qmp_req_error(r, QMP_ERR_GENERIC, "%s", err);
	return 0;
}

int qmp_cmd_blockdev_del(struct qmp_req *r)
{
	char err[256] = "";

	if (!r->m->ops || !r->m->ops->blockdev_del)
		return unsupported(r, "blockdev-del");
	if (r->m->ops->blockdev_del(r->m, qmp_arg_str(r, "node-name"), err,
				    sizeof(err)) < 0)
		return qmp_req_error(r, QMP_ERR_GENERIC, "%s", err);
	return 0;
}

int qmp_cmd_device_add(struct qmp_req *r)
{
	struct hotplug_device d = {
		.id = qmp_arg_str(r, "id"),
		.driver = qmp_arg_str(r, "driver"),
		.drive = qmp_arg_str(r, "drive"),
		.addr = qmp_arg_str(r, "addr"),
		.serial = qmp_arg_str(r, "serial"),
		.bus = qmp_arg_str(r, "bus"),
	};
	char err[256] = "";

	if (!r->m->ops || !r->m->ops->device_add)
		return unsupported(r, "device_add");
	if (r->m->ops->device_add(r->m, &d, err, sizeof(err)) < 0)
		return qmp_req_error(r, QMP_ERR_GENERIC, "%s", err);
	return 0;
}

int qmp_cmd_device_del(struct qmp_req *r)
{
	char err[256] = "";
	int ret;

	if (!r->m->ops || !r->m->ops->device_del)
		return unsupported(r, "device_del");
	ret = r->m->ops->device_del(r->m, qmp_arg_str(r, "id"), err,
				    sizeof(err));
	if (ret == -ENOENT)
		return qmp_req_error(r, QMP_ERR_DEVICE_NOT_FOUND, "%s", err);
	if (ret < 0)
		return qmp_req_error(r, QMP_ERR_GENERIC, "%s", err);
	return 0;
}
