// SPDX-License-Identifier: MIT
/*
 * A JSON writer whose output matches Go's json.MarshalIndent(v, "", "  ")
 * (what runc prints for `state`), including Go's string escaping.
 */
#include "oci/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct oci_jw {
	char *buf;
	size_t len;
	size_t cap;
	int err; /* first error, negative errno */
	size_t depth;
	bool after_key; /* the next value follows "key": */
	size_t count[OCI_MAX_DEPTH + 1]; /* elements per open container */
	char kind[OCI_MAX_DEPTH + 1]; /* '{' or '[' */
};

int oci_jw_create(struct oci_jw **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void oci_jw_destroy(struct oci_jw *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}

static void put(struct oci_jw *w, const char *s, size_t n)
{
	size_t cap;
	char *nb;

	if (w->err)
		return;
	if (w->len + n + 1 > w->cap) {
		cap = SV_MAX(w->cap * 2, w->len + n + 64);
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->err = -ENOMEM;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct oci_jw *w, const char *s)
{
	put(w, s, strlen(s));
}

static void newline_indent(struct oci_jw *w, size_t depth)
{
	size_t i;

	put(w, "\n", 1);
	for (i = 0; i < depth; i++)
		put(w, "  ", 2);
}

/* Separator and indentation before a value or a key. */
static void before_item(struct oci_jw *w, bool is_key)
{
	if (w->after_key) {
		w->after_key = false;
		if (is_key)
			w->err = w->err ? w->err : -EINVAL;
		return;
	}
	if (w->depth == 0) {
		if (w->len || is_key)
			w->err = w->err ? w->err : -EINVAL;
		return;
	}
	if ((w->kind[w->depth] == '{') != is_key)
		w->err = w->err ? w->err : -EINVAL;
	if (w->count[w->depth]++)
		put(w, ",", 1);
	newline_indent(w, w->depth);
}

static void begin(struct oci_jw *w, char kind)
{
	before_item(w, false);
	if (w->depth >= OCI_MAX_DEPTH) {
		w->err = w->err ? w->err : -E2BIG;
		return;
	}
	put(w, &kind, 1);
	w->depth++;
	w->kind[w->depth] = kind;
	w->count[w->depth] = 0;
}

static void end(struct oci_jw *w, char kind)
{
	if (w->depth == 0 || w->kind[w->depth] != kind || w->after_key) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	if (w->count[w->depth])
		newline_indent(w, w->depth - 1);
	put(w, kind == '{' ? "}" : "]", 1);
	w->depth--;
}

void oci_jw_begin_object(struct oci_jw *w)
{
	begin(w, '{');
}

void oci_jw_end_object(struct oci_jw *w)
{
	end(w, '{');
}

void oci_jw_begin_array(struct oci_jw *w)
{
	begin(w, '[');
}

void oci_jw_end_array(struct oci_jw *w)
{
	end(w, '[');
}

/* Length of a valid UTF-8 sequence at s (Go's rules), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, unsigned int *cp)
{
	unsigned int c = s[0], n, min, i;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
	*cp = c & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* Bytes Go writes as they are. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' &&
	       c != '>' && c != '&';
}

static void put_escaped(struct oci_jw *w, const unsigned char *s, size_t *i)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = s[*i];
	unsigned int cp = 0;
	char u[7] = "\\u00";
	size_t n;

	if (c == '"' || c == '\\') {
		put(w, c == '"' ? "\\\"" : "\\\\", 2);
	} else if (c == '\n' || c == '\r' || c == '\t') {
		put(w, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t", 2);
	} else if (c < 0x80) {
		u[4] = hex[c >> 4];
		u[5] = hex[c & 0xf];
		put(w, u, 6);
	} else if ((n = utf8_len(s + *i, &cp)) == 0) {
		puts_(w, "\\ufffd");
	} else {
		if (cp == 0x2028 || cp == 0x2029)
			puts_(w, cp == 0x2028 ? "\\u2028" : "\\u2029");
		else
			put(w, (const char *)s + *i, n);
		*i += n - 1;
	}
	(*i)++;
}

static void put_string(struct oci_jw *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t i = 0, start;

	put(w, "\"", 1);
	while (s[i]) {
		start = i;
		while (s[i] && plain(s[i]))
			i++;
		put(w, (const char *)s + start, i - start);
		if (s[i])
			put_escaped(w, s, &i);
	}
	put(w, "\"", 1);
}

void oci_jw_key(struct oci_jw *w, const char *key)
{
	before_item(w, true);
	put_string(w, key);
	put(w, ": ", 2);
	w->after_key = true;
}

void oci_jw_string(struct oci_jw *w, const char *s)
{
	before_item(w, false);
	put_string(w, s);
}

void oci_jw_int(struct oci_jw *w, long long v)
{
	char b[24];

	before_item(w, false);
	(void)snprintf(b, sizeof(b), "%lld", v);
	puts_(w, b);
}

void oci_jw_uint(struct oci_jw *w, unsigned long long v)
{
	char b[24];

	before_item(w, false);
	(void)snprintf(b, sizeof(b), "%llu", v);
	puts_(w, b);
}

void oci_jw_bool(struct oci_jw *w, bool v)
{
	before_item(w, false);
	puts_(w, v ? "true" : "false");
}

void oci_jw_null(struct oci_jw *w)
{
	before_item(w, false);
	puts_(w, "null");
}

int oci_jw_finish(struct oci_jw *w, char **out, size_t *len)
{
	int ret = w->err;

	if (!ret && (w->depth || w->after_key || !w->len))
		ret = -EINVAL;
	if (ret == 0) {
		*out = w->buf;
		if (len)
			*len = w->len;
		w->buf = NULL;
	}
	oci_jw_destroy(w);
	return ret;
}
