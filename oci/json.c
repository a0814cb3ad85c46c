// SPDX-License-Identifier: MIT
/*
 * The only file of oci/ that includes yajl: input caps, a byte scanner that
 * bounds nesting before yajl's recursive tree code runs, and read-only
 * accessors over yajl_val (fuzz_oci_spec targets this through the parser).
 */
#include "oci/oci_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "sv/err.h"

static const struct yajl_val_s *Y(const struct json_node *n)
{
	return (const struct yajl_val_s *)(const void *)n;
}

struct scan {
	size_t depth;
	bool in_str;
	bool esc;
};

/* One byte inside a string; returns 0 or -EINVAL on "\u0000". */
static int scan_str_byte(struct scan *s, const char *buf, size_t len, size_t i,
			 struct sv_err *e)
{
	if (s->esc) {
		s->esc = false;
		if (buf[i] == 'u' && i + 4 < len &&
		    !memcmp(buf + i + 1, "0000", 4))
			return sv_err_set(
				e, EINVAL,
				"invalid JSON: \\u0000 in a string at offset %zu",
				i - 1);
	} else if (buf[i] == '\\') {
		s->esc = true;
	} else if (buf[i] == '"') {
		s->in_str = false;
	}
	return 0;
}

static int scan_byte(struct scan *s, const char *buf, size_t i,
		     struct sv_err *e)
{
	switch (buf[i]) {
	case '"':
		s->in_str = true;
		break;
	case '[':
	case '{':
		if (++s->depth > OCI_MAX_DEPTH)
			return sv_err_set(
				e, EINVAL,
				"invalid JSON: nesting deeper than %d at offset %zu",
				OCI_MAX_DEPTH, i);
		break;
	case ']':
	case '}':
		if (s->depth > 0)
			s->depth--;
		break;
	case '/':
		return sv_err_set(e, EINVAL,
				  "invalid JSON: comment at offset %zu", i);
	default:
		break;
	}
	return 0;
}

int oci_json_prescan(const char *buf, size_t len, size_t max_len,
		     struct sv_err *e)
{
	struct scan s = { 0, false, false };
	size_t i;
	int ret;

	if (len > max_len)
		return sv_err_set(
			e, EFBIG,
			"JSON input of %zu bytes exceeds the limit of %zu", len,
			max_len);
	for (i = 0; i < len; i++) {
		if (buf[i] == '\0')
			return sv_err_set(
				e, EINVAL,
				"invalid JSON: NUL byte at offset %zu", i);
		if (s.in_str)
			ret = scan_str_byte(&s, buf, len, i, e);
		else
			ret = scan_byte(&s, buf, i, e);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* yajl's message spans lines and shows the input; keep its first line. */
static void first_line(char *msg)
{
	char *nl = strchr(msg, '\n');

	if (nl)
		*nl = '\0';
}

int oci_json_parse(const char *buf, size_t len, size_t max_len,
		   struct json_node **out, struct sv_err *e)
{
	_cleanup_free_ char *copy = NULL;
	char errbuf[256] = "";
	yajl_val root;
	int ret;

	*out = NULL;
	ret = oci_json_prescan(buf, len, max_len, e);
	if (ret < 0)
		return ret;
	copy = malloc(len + 1);
	if (!copy)
		return sv_err_set(e, ENOMEM, "out of memory reading JSON");
	memcpy(copy, buf, len);
	copy[len] = '\0';
	root = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	if (!root) {
		first_line(errbuf);
		return sv_err_set(e, EINVAL, "invalid JSON: %s",
				  errbuf[0] ? errbuf : "parse error");
	}
	*out = (struct json_node *)(void *)root;
	return 0;
}

void oci_json_free(struct json_node *root)
{
	yajl_tree_free((yajl_val)(void *)root);
}

enum json_kind oci_json_kind(const struct json_node *n)
{
	const struct yajl_val_s *v = Y(n);

	switch (v->type) {
	case yajl_t_true:
	case yajl_t_false:
		return JSON_BOOL;
	case yajl_t_number:
		return JSON_NUMBER;
	case yajl_t_string:
		return JSON_STRING;
	case yajl_t_array:
		return JSON_ARRAY;
	case yajl_t_object:
		return JSON_OBJECT;
	default:
		return JSON_NULL;
	}
}

const char *oci_json_kind_name(enum json_kind k)
{
	static const char *const names[] = {
		[JSON_NULL] = "null",	    [JSON_BOOL] = "a boolean",
		[JSON_NUMBER] = "a number", [JSON_STRING] = "a string",
		[JSON_ARRAY] = "an array",  [JSON_OBJECT] = "an object",
	};

	return names[k];
}

size_t oci_json_len(const struct json_node *n)
{
	const struct yajl_val_s *v = Y(n);

	if (v->type == yajl_t_array)
		return v->u.array.len;
	if (v->type == yajl_t_object)
		return v->u.object.len;
	return 0;
}

const struct json_node *oci_json_at(const struct json_node *n, size_t i)
{
	const struct yajl_val_s *v = Y(n);
	yajl_val r;

	if (v->type == yajl_t_array)
		r = v->u.array.values[i];
	else
		r = v->u.object.values[i];
	return (const struct json_node *)(const void *)r;
}

const char *oci_json_key(const struct json_node *n, size_t i)
{
	return Y(n)->u.object.keys[i];
}

const char *oci_json_str(const struct json_node *n)
{
	return Y(n)->u.string;
}

bool oci_json_bool(const struct json_node *n)
{
	return Y(n)->type == yajl_t_true;
}

const char *oci_json_num_text(const struct json_node *n)
{
	return Y(n)->u.number.r;
}
