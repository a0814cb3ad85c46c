// SPDX-License-Identifier: MIT
/*
 * The only QMP file that touches yajl (STYLE.md section I): parse one
 * already size- and depth-capped message with yajl_tree_parse and expose
 * it through struct qjson; generate output into a growable buffer with
 * JSON string escaping.
 */
#include "vmm/qmp/qmp_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <yajl/yajl_tree.h>

/* ---- output buffer ------------------------------------------------------ */

static void qbuf_reserve(struct qbuf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < need)
		b->cap *= 2;
	b->p = realloc(b->p, b->cap);
	if (!b->p)
		abort();	/* output is capped by its inputs: OOM only */
}

void qbuf_add(struct qbuf *b, const void *data, size_t len)
{
	qbuf_reserve(b, len);
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void qbuf_puts(struct qbuf *b, const char *s)
{
	qbuf_add(b, s, strlen(s));
}

void qbuf_printf(struct qbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		qbuf_add(b, tmp, (size_t)n);
		return;
	}
	qbuf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void qbuf_json_str(struct qbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;

	qbuf_add(b, "\"", 1);
	for (; *u; u++) {
		char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

		switch (*u) {
		case '"':
			qbuf_add(b, "\\\"", 2);
			continue;
		case '\\':
			qbuf_add(b, "\\\\", 2);
			continue;
		case '\n':
			qbuf_add(b, "\\n", 2);
			continue;
		case '\r':
			qbuf_add(b, "\\r", 2);
			continue;
		case '\t':
			qbuf_add(b, "\\t", 2);
			continue;
		case '\b':
			qbuf_add(b, "\\b", 2);
			continue;
		case '\f':
			qbuf_add(b, "\\f", 2);
			continue;
		default:
			break;
		}
		if (*u < 0x20 || *u == 0x7f) {
			esc[4] = hex[*u >> 4];
			esc[5] = hex[*u & 0xf];
			qbuf_add(b, esc, sizeof(esc));
		} else {
			qbuf_add(b, u, 1);
		}
	}
	qbuf_add(b, "\"", 1);
}

void qbuf_reset(struct qbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void qbuf_free(struct qbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---- parsed values ------------------------------------------------------ */

static const struct yajl_val_s *V(const struct qjson *q)
{
	return (const struct yajl_val_s *)(const void *)q;
}

static const struct qjson *Q(const struct yajl_val_s *v)
{
	return (const struct qjson *)(const void *)v;
}

int qjson_parse(const char *text, size_t len, struct qjson **out, char *err,
		size_t errlen)
{
	char ebuf[256] = "";
	yajl_val v;
	char *nl;

	/* yajl stops at NUL; a message with one inside is not JSON. */
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "parse error: NUL byte in input");
		return -EINVAL;
	}
	v = yajl_tree_parse(text, ebuf, sizeof(ebuf));
	if (!v) {
		nl = strchr(ebuf, '\n');
		if (nl)
			*nl = '\0';
		snprintf(err, errlen, "%s", ebuf[0] ? ebuf : "parse error");
		return -EINVAL;
	}
	*out = (struct qjson *)(void *)v;
	return 0;
}

void qjson_free(struct qjson *v)
{
	yajl_tree_free((yajl_val)(void *)v);
}

enum qjson_type qjson_type(const struct qjson *q)
{
	const struct yajl_val_s *v = V(q);

	switch (v->type) {
	case yajl_t_string:
		return QJSON_STRING;
	case yajl_t_number:
		return YAJL_IS_INTEGER(v) ? QJSON_INT : QJSON_NUMBER;
	case yajl_t_object:
		return QJSON_OBJECT;
	case yajl_t_array:
		return QJSON_ARRAY;
	case yajl_t_true:
	case yajl_t_false:
		return QJSON_BOOL;
	default:
		return QJSON_NULL;
	}
}

const char *qjson_type_name(enum qjson_type t)
{
	switch (t) {
	case QJSON_BOOL:
		return "boolean";
	case QJSON_INT:
		return "integer";
	case QJSON_NUMBER:
		return "number";
	case QJSON_STRING:
		return "string";
	case QJSON_OBJECT:
		return "object";
	case QJSON_ARRAY:
		return "array";
	default:
		return "null";
	}
}

size_t qjson_obj_len(const struct qjson *q)
{
	return YAJL_IS_OBJECT(V(q)) ? V(q)->u.object.len : 0;
}

const char *qjson_obj_key(const struct qjson *q, size_t i)
{
	return V(q)->u.object.keys[i];
}

const struct qjson *qjson_obj_val(const struct qjson *q, size_t i)
{
	return Q(V(q)->u.object.values[i]);
}

const struct qjson *qjson_obj_get(const struct qjson *q, const char *key)
{
	size_t n = qjson_obj_len(q);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(V(q)->u.object.keys[i], key))
			return qjson_obj_val(q, i);
	return NULL;
}

size_t qjson_arr_len(const struct qjson *q)
{
	return YAJL_IS_ARRAY(V(q)) ? V(q)->u.array.len : 0;
}

const struct qjson *qjson_arr_get(const struct qjson *q, size_t i)
{
	return Q(V(q)->u.array.values[i]);
}

const char *qjson_str(const struct qjson *q)
{
	return YAJL_IS_STRING(V(q)) ? V(q)->u.string : NULL;
}

bool qjson_bool(const struct qjson *q)
{
	return YAJL_IS_TRUE(V(q));
}

int64_t qjson_int(const struct qjson *q)
{
	return YAJL_IS_INTEGER(V(q)) ? (int64_t)V(q)->u.number.i : 0;
}

/* Depth is bounded by the scanner's QMP_DEPTH_MAX, so recursion is safe. */
void qjson_gen(struct qbuf *b, const struct qjson *q)
{
	const struct yajl_val_s *v = V(q);

	switch (qjson_type(q)) {
	case QJSON_STRING:
		qbuf_json_str(b, v->u.string);
		break;
	case QJSON_INT:
	case QJSON_NUMBER:
		qbuf_puts(b, v->u.number.r);	/* the text as received */
		break;
	case QJSON_BOOL:
		qbuf_puts(b, YAJL_IS_TRUE(v) ? "true" : "false");
		break;
	case QJSON_OBJECT:
		qbuf_add(b, "{", 1);
		for (size_t i = 0; i < v->u.object.len; i++) {
			if (i)
				qbuf_add(b, ",", 1);
			qbuf_json_str(b, v->u.object.keys[i]);
			qbuf_add(b, ":", 1);
			qjson_gen(b, Q(v->u.object.values[i]));
		}
		qbuf_add(b, "}", 1);
		break;
	case QJSON_ARRAY:
		qbuf_add(b, "[", 1);
		for (size_t i = 0; i < v->u.array.len; i++) {
			if (i)
				qbuf_add(b, ",", 1);
			qjson_gen(b, Q(v->u.array.values[i]));
		}
		qbuf_add(b, "]", 1);
		break;
	default:
		qbuf_puts(b, "null");
		break;
	}
}
