// SPDX-License-Identifier: MIT
/*
 * Table-driven parsing of JSON objects into plain structs: type checks,
 * caps on strings, lists and numbers, and error messages that name the JSON
 * path ("process.args[2]: expected a string, got a number").
 */
#include "oci/oci_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/err.h"

void oci_pctx_init(struct pctx *c, unsigned int flags, struct sv_err *e)
{
	c->flags = flags;
	c->e = e;
	c->plen = 0;
	c->path[0] = '\0';
}

/* Append ".key" (or "key" at the top, or "[i]" when key is NULL). */
static size_t path_push(struct pctx *c, const char *key, size_t idx)
{
	size_t mark = c->plen;
	size_t room = sizeof(c->path) - c->plen;
	int n;

	if (key)
		n = snprintf(c->path + c->plen, room, "%s%.64s",
			     c->plen ? "." : "", key);
	else
		n = snprintf(c->path + c->plen, room, "[%zu]", idx);
	if (n < 0 || (size_t)n >= room)
		c->plen = sizeof(c->path) - 1;
	else
		c->plen += (size_t)n;
	return mark;
}

static void path_pop(struct pctx *c, size_t mark)
{
	c->plen = mark;
	c->path[mark] = '\0';
}

int oci_perr(struct pctx *c, int code, const char *fmt, ...)
{
	char msg[SV_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->plen)
		return sv_err_set(c->e, code, "%s", msg);
	return sv_err_set(c->e, code, "%s: %s", c->path, msg);
}

int oci_perr_type(struct pctx *c, const struct json_node *v, const char *what)
{
	return oci_perr(c, EINVAL, "expected %s, got %s", what,
			oci_json_kind_name(oci_json_kind(v)));
}

static const struct field *field_find(const struct field *tab, size_t n,
				      const char *key, size_t *idx)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(tab[i].name, key)) {
			*idx = i;
			return &tab[i];
		}
	}
	return NULL;
}

static int parse_member(struct pctx *c, const struct field *f,
			const struct json_node *v, void *dst)
{
	char *base = dst;
	int ret;

	if (!f->fn || oci_json_kind(v) == JSON_NULL)
		return 0;
	ret = f->fn(c, v, base + f->off);
	if (ret == 0 && f->has_off >= 0)
		*(bool *)(base + f->has_off) = true;
	return ret;
}

int oci_parse_fields(struct pctx *c, const struct json_node *obj,
		     const struct field *tab, size_t n, void *dst)
{
	uint64_t seen = 0;
	size_t i, idx, mark;
	const struct field *f;
	int ret;

	SV_BUG_ON(n > 64);
	if (oci_json_kind(obj) != JSON_OBJECT)
		return oci_perr_type(c, obj, "an object");
	for (i = 0; i < oci_json_len(obj); i++) {
		const char *key = oci_json_key(obj, i);

		mark = path_push(c, key, 0);
		f = field_find(tab, n, key, &idx);
		if (!f && (c->flags & OCI_PARSE_STRICT))
			return oci_perr(c, EINVAL, "unknown key");
		if (f && (seen & (1ull << idx)))
			return oci_perr(c, EINVAL, "duplicate key");
		if (f) {
			seen |= 1ull << idx;
			ret = parse_member(c, f, oci_json_at(obj, i), dst);
			if (ret < 0)
				return ret;
		}
		path_pop(c, mark);
	}
	return 0;
}

int oci_parse_new(struct pctx *c, const struct json_node *obj, size_t size,
		  const struct field *tab, size_t n, void *dst)
{
	void **slot = dst;

	if (oci_json_kind(obj) != JSON_OBJECT)
		return oci_perr_type(c, obj, "an object");
	*slot = calloc(1, size);
	if (!*slot)
		return oci_perr(c, ENOMEM, "out of memory");
	return oci_parse_fields(c, obj, tab, n, *slot);
}

int oci_parse_array(struct pctx *c, const struct json_node *v,
		    const struct array_desc *d, void **items, size_t *len)
{
	size_t i, n, mark;
	char *arr;
	int ret;

	if (oci_json_kind(v) != JSON_ARRAY)
		return oci_perr_type(c, v, "an array");
	n = oci_json_len(v);
	if (n > d->max)
		return oci_perr(c, E2BIG,
				"%zu elements exceed the limit of %zu", n,
				d->max);
	if (n == 0)
		return 0;
	arr = calloc(n, d->elem_size);
	if (!arr)
		return oci_perr(c, ENOMEM, "out of memory");
	*items = arr;
	*len = n;
	for (i = 0; i < n; i++) {
		mark = path_push(c, NULL, i);
		ret = d->elem(c, oci_json_at(v, i), arr + i * d->elem_size);
		if (ret < 0)
			return ret;
		path_pop(c, mark);
	}
	return 0;
}

static int string_capped(struct pctx *c, const struct json_node *v, size_t max,
			 void *dst)
{
	char **out = dst;
	size_t n;

	if (oci_json_kind(v) != JSON_STRING)
		return oci_perr_type(c, v, "a string");
	n = strlen(oci_json_str(v));
	if (n > max)
		return oci_perr(c, E2BIG,
				"string of %zu bytes exceeds the limit of %zu",
				n, max);
	free(*out);
	*out = strdup(oci_json_str(v));
	if (!*out)
		return oci_perr(c, ENOMEM, "out of memory");
	return 0;
}

int oci_p_string(struct pctx *c, const struct json_node *v, void *dst)
{
	return string_capped(c, v, OCI_MAX_STRING, dst);
}

int oci_p_path(struct pctx *c, const struct json_node *v, void *dst)
{
	return string_capped(c, v, PATH_MAX - 1, dst);
}

int oci_p_bool(struct pctx *c, const struct json_node *v, void *dst)
{
	if (oci_json_kind(v) != JSON_BOOL)
		return oci_perr_type(c, v, "a boolean");
	*(bool *)dst = oci_json_bool(v);
	return 0;
}

/* An integer written without fraction or exponent, in [min, max]. */
static int num_i64(struct pctx *c, const struct json_node *v, int64_t min,
		   int64_t max, int64_t *out)
{
	const char *s;
	char *end;
	long long x;

	if (oci_json_kind(v) != JSON_NUMBER)
		return oci_perr_type(c, v, "an integer");
	s = oci_json_num_text(v);
	if (strpbrk(s, ".eE"))
		return oci_perr(c, EINVAL, "expected an integer, got %.32s", s);
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || *end || x < min || x > max)
		return oci_perr(c, ERANGE, "%.32s is out of range %lld..%lld",
				s, (long long)min, (long long)max);
	*out = x;
	return 0;
}

static int num_u64(struct pctx *c, const struct json_node *v, uint64_t max,
		   uint64_t *out)
{
	const char *s;
	char *end;
	unsigned long long x;

	if (oci_json_kind(v) != JSON_NUMBER)
		return oci_perr_type(c, v, "an integer");
	s = oci_json_num_text(v);
	if (strpbrk(s, ".eE"))
		return oci_perr(c, EINVAL, "expected an integer, got %.32s", s);
	errno = 0;
	x = strtoull(s, &end, 10);
	if (s[0] == '-' || errno || *end || x > max)
		return oci_perr(c, ERANGE, "%.32s is out of range 0..%llu", s,
				(unsigned long long)max);
	*out = x;
	return 0;
}

int oci_p_u32(struct pctx *c, const struct json_node *v, void *dst)
{
	uint64_t x = 0;
	int ret = num_u64(c, v, UINT32_MAX, &x);

	if (ret == 0)
		*(uint32_t *)dst = (uint32_t)x;
	return ret;
}

int oci_p_u64(struct pctx *c, const struct json_node *v, void *dst)
{
	return num_u64(c, v, UINT64_MAX, dst);
}

int oci_p_int(struct pctx *c, const struct json_node *v, void *dst)
{
	int64_t x = 0;
	int ret = num_i64(c, v, INT_MIN, INT_MAX, &x);

	if (ret == 0)
		*(int *)dst = (int)x;
	return ret;
}

int oci_p_i64(struct pctx *c, const struct json_node *v, void *dst)
{
	return num_i64(c, v, INT64_MIN, INT64_MAX, dst);
}

static int strlist_capped(struct pctx *c, const struct json_node *v,
			  field_fn elem, void *dst)
{
	struct oci_strlist *l = dst;
	const struct array_desc d = { OCI_MAX_ARRAY, sizeof(char *), elem };
	void *items = NULL;
	int ret;

	oci_strlist_free(l);
	ret = oci_parse_array(c, v, &d, &items, &l->len);
	l->items = items;
	return ret;
}

int oci_p_strlist(struct pctx *c, const struct json_node *v, void *dst)
{
	return strlist_capped(c, v, oci_p_string, dst);
}

int oci_p_pathlist(struct pctx *c, const struct json_node *v, void *dst)
{
	return strlist_capped(c, v, oci_p_path, dst);
}

static bool kv_has(const struct oci_kvlist *l, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(l->items[i].key, key))
			return true;
	return false;
}

int oci_p_kvlist(struct pctx *c, const struct json_node *v, void *dst)
{
	struct oci_kvlist *l = dst;
	size_t i, n, mark;
	int ret;

	if (oci_json_kind(v) != JSON_OBJECT)
		return oci_perr_type(c, v, "an object");
	n = oci_json_len(v);
	if (n > OCI_MAX_ARRAY)
		return oci_perr(c, E2BIG, "%zu members exceed the limit of %d",
				n, OCI_MAX_ARRAY);
	oci_kvlist_free(l);
	if (n == 0)
		return 0;
	l->items = calloc(n, sizeof(*l->items));
	if (!l->items)
		return oci_perr(c, ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const char *key = oci_json_key(v, i);

		mark = path_push(c, key, 0);
		if (strlen(key) > OCI_MAX_STRING)
			return oci_perr(c, E2BIG, "key exceeds %u bytes",
					OCI_MAX_STRING);
		if (kv_has(l, i, key))
			return oci_perr(c, EINVAL, "duplicate key");
		l->items[i].key = strdup(key);
		l->len = i + 1;
		if (!l->items[i].key)
			return oci_perr(c, ENOMEM, "out of memory");
		ret = oci_p_string(c, oci_json_at(v, i), &l->items[i].value);
		if (ret < 0)
			return ret;
		path_pop(c, mark);
	}
	return 0;
}

void oci_strlist_free(struct oci_strlist *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->len = 0;
}

void oci_kvlist_free(struct oci_kvlist *l)
{
	size_t i;

	for (i = 0; i < l->len; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
	l->items = NULL;
	l->len = 0;
}
