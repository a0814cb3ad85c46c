/* SPDX-License-Identifier: MIT */
/*
 * Private to oci/: the JSON tree wrapper (json.c, the only file that sees
 * yajl) and the table-driven field parser shared by spec.c, state.c and
 * plan.c (parse.c).
 */
#ifndef SV_OCI_INTERNAL_H
#define SV_OCI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"
#include "oci/spec.h"

struct sv_err;

/* ---- json.c: a read-only view of a parsed JSON tree ---- */

enum json_kind {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_node; /* opaque */

/*
 * Check the raw text before yajl sees it: at most max_len bytes, nesting
 * at most OCI_MAX_DEPTH, no NUL bytes, no comments, no \u0000 escapes.
 */
int oci_json_prescan(const char *buf, size_t len, size_t max_len,
		     struct sv_err *e) SV_MUST_CHECK;
/* oci_json_prescan() then yajl_tree_parse(). *out freed with oci_json_free(). */
int oci_json_parse(const char *buf, size_t len, size_t max_len,
		   struct json_node **out, struct sv_err *e) SV_MUST_CHECK;
void oci_json_free(struct json_node *root);

enum json_kind oci_json_kind(const struct json_node *n);
const char *oci_json_kind_name(enum json_kind k);
/* Number of elements of an array or members of an object, else 0. */
size_t oci_json_len(const struct json_node *n);
/* i-th array element or object member value. */
const struct json_node *oci_json_at(const struct json_node *n, size_t i);
/* i-th object member name. */
const char *oci_json_key(const struct json_node *n, size_t i);
const char *oci_json_str(const struct json_node *n);
bool oci_json_bool(const struct json_node *n);
/* The number's text as written in the input. */
const char *oci_json_num_text(const struct json_node *n);

/* ---- parse.c: table-driven object parsing with JSON paths ---- */

#define PCTX_PATH_MAX 200

struct pctx {
	unsigned int flags;
	struct sv_err *e;
	size_t plen;
	char path[PCTX_PATH_MAX];
};

typedef int (*field_fn)(struct pctx *c, const struct json_node *v, void *dst);

struct field {
	const char *name;
	field_fn fn; /* NULL: known key, value ignored */
	size_t off; /* of the destination in the parent struct */
	long has_off; /* of a bool set when present, or -1 */
};

#define FIELD(T, key, fn, member)                \
	{                                        \
		key, fn, offsetof(T, member), -1 \
	}
#define FIELD_OPT(T, key, fn, member, has)                           \
	{                                                            \
		key, fn, offsetof(T, member), (long)offsetof(T, has) \
	}
/* The function gets the whole parent struct (for lists with a count). */
#define FIELD_SELF(key, fn)    \
	{                      \
		key, fn, 0, -1 \
	}
#define FIELD_SELF_OPT(T, key, fn, has)            \
	{                                          \
		key, fn, 0, (long)offsetof(T, has) \
	}
#define FIELD_IGNORE(key)        \
	{                        \
		key, NULL, 0, -1 \
	}

void oci_pctx_init(struct pctx *c, unsigned int flags, struct sv_err *e);
/* Error "<path>: <message>"; returns -code. */
int oci_perr(struct pctx *c, int code, const char *fmt, ...) SV_PRINTF(3, 4);
/* Error "<path>: expected <what>, got <kind>"; returns -EINVAL. */
int oci_perr_type(struct pctx *c, const struct json_node *v, const char *what);

int oci_parse_fields(struct pctx *c, const struct json_node *obj,
		     const struct field *tab, size_t n,
		     void *dst) SV_MUST_CHECK;
/* Allocate a zeroed struct of size bytes into *(void **)dst, fill it. */
int oci_parse_new(struct pctx *c, const struct json_node *obj, size_t size,
		  const struct field *tab, size_t n, void *dst) SV_MUST_CHECK;
struct array_desc {
	size_t max; /* elements */
	size_t elem_size; /* bytes */
	field_fn elem; /* parses one element */
};

/*
 * Array of at most d->max elements into a calloc'd *items; *len is set
 * before the elements are parsed, so a partly parsed array is freed like a
 * full one (every element starts zeroed).
 */
int oci_parse_array(struct pctx *c, const struct json_node *v,
		    const struct array_desc *d, void **items,
		    size_t *len) SV_MUST_CHECK;

/* Leaf parsers: dst points at the destination member. */
int oci_p_string(struct pctx *c, const struct json_node *v, void *dst);
int oci_p_path(struct pctx *c, const struct json_node *v, void *dst);
int oci_p_bool(struct pctx *c, const struct json_node *v, void *dst);
int oci_p_u32(struct pctx *c, const struct json_node *v, void *dst);
int oci_p_int(struct pctx *c, const struct json_node *v, void *dst);
int oci_p_i64(struct pctx *c, const struct json_node *v, void *dst);
int oci_p_u64(struct pctx *c, const struct json_node *v, void *dst);
int oci_p_strlist(struct pctx *c, const struct json_node *v, void *dst);
int oci_p_pathlist(struct pctx *c, const struct json_node *v, void *dst);
int oci_p_kvlist(struct pctx *c, const struct json_node *v, void *dst);

void oci_strlist_free(struct oci_strlist *l);
void oci_kvlist_free(struct oci_kvlist *l);

/* validate.c: helpers shared with plan.c. */
/* Decimal digits only, value in [lo, hi]. */
int oci_parse_dec(const char *s, unsigned long lo, unsigned long hi,
		  unsigned long *out) SV_MUST_CHECK;
/* Absolute, shorter than PATH_MAX, no ',' (option syntax), no controls. */
bool oci_path_ok(const char *p);
/* At most OCI_KERNEL_PARAMS_MAX bytes of printable ASCII. */
bool oci_params_ok(const char *p);

/* spec.c: the process tables, shared with oci_process_parse(). */
int oci_parse_process_obj(struct pctx *c, const struct json_node *v, void *dst);
void oci_process_fini(struct oci_process *p);
/* Read a whole file of at most max bytes (+ a NUL) into *out. */
int oci_read_file(const char *path, size_t max, char **out, size_t *len,
		  struct sv_err *e) SV_MUST_CHECK;

#endif /* SV_OCI_INTERNAL_H */
