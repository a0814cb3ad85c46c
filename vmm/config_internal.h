/* SPDX-License-Identifier: MIT */
/* Shared between config.c (parsing) and config_validate.c. */
#ifndef SV_VMM_CONFIG_INTERNAL_H
#define SV_VMM_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "vmm/config.h"

/* Parsing state for one option. */
struct pctx {
	struct vmm_config *cfg;
	char *err;
	size_t errlen;
	const char *opt; /* "-drive" */
	const char *arg; /* its argument as typed, NULL for flags */
};

struct parse_kvs;
struct key_desc;
typedef int (*key_set_fn)(struct pctx *c, void *obj, const struct key_desc *d,
			  const char *val);

/* One key of an option: setter, offset of the field, numeric range. */
struct key_desc {
	const char *name; /* "" is the positional first item */
	key_set_fn set;
	size_t off;
	uint64_t min, max;
};

#define KEY(n, fn, type, field, lo, hi)              \
	{                                            \
		n, fn, offsetof(type, field), lo, hi \
	}
#define KEYX(n, fn)            \
	{                      \
		n, fn, 0, 0, 0 \
	}
#define FIELD(obj, d, type) ((type *)((char *)(obj) + (d)->off))

/* "-opt arg: message" (or "-opt: message" without an argument) */
int cfg_arg_err(struct pctx *c, const char *fmt, ...) SV_PRINTF(2, 3);
/* "-opt: message", for key-level errors: "-drive: unknown key 'x'" */
int cfg_opt_err(struct pctx *c, const char *fmt, ...) SV_PRINTF(2, 3);

/* Setters for key_desc tables; a NULL val is a bare key. */
int cfg_need_value(struct pctx *c, const struct key_desc *d, const char *val);
int cfg_check_id(struct pctx *c, const char *id);
int cfg_get_bool(struct pctx *c, const struct key_desc *d, const char *val,
		 bool *out);
int cfg_get_num(struct pctx *c, const struct key_desc *d, const char *val,
		uint64_t *out);
int cfg_set_str(struct pctx *c, void *obj, const struct key_desc *d,
		const char *val);
int cfg_set_id(struct pctx *c, void *obj, const struct key_desc *d,
	       const char *val);
int cfg_set_bool(struct pctx *c, void *obj, const struct key_desc *d,
		 const char *val);
int cfg_set_ignore_bool(struct pctx *c, void *obj, const struct key_desc *d,
			const char *val);
int cfg_set_ignore(struct pctx *c, void *obj, const struct key_desc *d,
		   const char *val);
int cfg_set_int(struct pctx *c, void *obj, const struct key_desc *d,
		const char *val);
int cfg_set_uint(struct pctx *c, void *obj, const struct key_desc *d,
		 const char *val);
int cfg_set_u16(struct pctx *c, void *obj, const struct key_desc *d,
		const char *val);
int cfg_set_u64(struct pctx *c, void *obj, const struct key_desc *d,
		const char *val);

/*
 * Split c->arg (pos_key as parse_kvs_split; "" = a type that must come
 * first), then apply the items through keys[]. Unknown keys go to *extra
 * when extra is not NULL, else they are an error.
 */
int cfg_split(struct pctx *c, const char *pos_key, struct parse_kvs *kvs);
int cfg_apply(struct pctx *c, void *obj, const struct key_desc *keys,
	      size_t nkeys, const struct parse_kvs *kvs, char **extra);
int cfg_parse_keys(struct pctx *c, void *obj, const struct key_desc *keys,
		   size_t nkeys, const char *pos_key, char **extra);
#define CFG_PARSE_KEYS(c, obj, keys, pos) \
	cfg_parse_keys(c, obj, keys, ARRAY_SIZE(keys), pos, NULL)

/* Options implemented in config_opts.c. */
int cfg_opt_drive(struct pctx *c);
int cfg_opt_netdev(struct pctx *c);
int cfg_opt_chardev(struct pctx *c);
int cfg_opt_serial(struct pctx *c);
int cfg_opt_qmp(struct pctx *c);
int cfg_opt_mon(struct pctx *c);
int cfg_opt_device(struct pctx *c);
int cfg_opt_object(struct pctx *c);

/* Format one line into err (control characters become '?'); -EINVAL. */
int cfg_err(char *err, size_t errlen, const char *fmt, ...) SV_PRINTF(3, 4);
int cfg_verr(char *err, size_t errlen, const char *fmt, va_list ap)
	SV_PRINTF(3, 0);
/* Range checks shared by the parser and validation; message without prefix. */
int cfg_check_smp(const struct vmm_config *cfg, char *msg, size_t len);
int cfg_check_mem(const struct vmm_config *cfg, char *msg, size_t len);
/* The known -device drivers: bus kind and the backend each requires. */
enum cfg_dev_bus { CFG_BUS_ANY = 0, CFG_BUS_MMIO, CFG_BUS_PCI };
enum cfg_dev_ref {
	CFG_REF_NONE = 0,
	CFG_REF_DRIVE,
	CFG_REF_NETDEV,
	CFG_REF_CHARDEV,
	CFG_REF_RNG,
};
struct cfg_driver {
	const char *name;
	enum cfg_dev_bus bus;
	enum cfg_dev_ref ref; /* the backend it requires */
};
/* NULL for an unknown driver. */
const struct cfg_driver *cfg_driver_find(const char *name);

#endif /* SV_VMM_CONFIG_INTERNAL_H */
