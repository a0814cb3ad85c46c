// SPDX-License-Identifier: MIT
/*
 * `state` output in runc's format and its parser, RFC3339Nano time stamps.
 */
#include "oci/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv/err.h"
#include "oci/oci_internal.h"

int oci_time_format(const struct timespec *ts, char *buf, size_t len)
{
	char frac[11] = "";
	struct tm tm;
	int i, n;

	if (ts->tv_nsec < 0 || ts->tv_nsec > 999999999 ||
	    !gmtime_r(&ts->tv_sec, &tm))
		return -EINVAL;
	if (ts->tv_nsec) {
		(void)snprintf(frac, sizeof(frac), ".%09ld", ts->tv_nsec);
		for (i = 9; frac[i] == '0'; i--)
			frac[i] = '\0';
	}
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%sZ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, frac);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* ".123" -> 123000000 ns; returns the number of bytes used or -1. */
static int parse_frac(const char *s, long *ns)
{
	long scale = 100000000;
	int i;

	*ns = 0;
	if (s[0] != '.')
		return 0;
	for (i = 1; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i > 9)
			return -1;
		*ns += (s[i] - '0') * scale;
		scale /= 10;
	}
	return i > 1 ? i : -1;
}

static int parse_offset(const char *s, long *off)
{
	int hh, mm, n = 0;

	if (!strcmp(s, "Z")) {
		*off = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') ||
	    sscanf(s + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5 || s[6] ||
	    hh > 23 || mm > 59)
		return -EINVAL;
	*off = (hh * 3600L + mm * 60L) * (s[0] == '-' ? -1 : 1);
	return 0;
}

int oci_time_parse(const char *s, struct timespec *out)
{
	struct tm tm = { 0 };
	int n = 0, used;
	long ns, off;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -EINVAL;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -EINVAL;
	used = parse_frac(s + n, &ns);
	if (used < 0 || parse_offset(s + n + used, &off) < 0)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	out->tv_sec = t - off;
	out->tv_nsec = ns;
	return 0;
}

static int kv_cmp(const void *a, const void *b)
{
	const struct oci_kv *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

/* Go prints map keys sorted; sort pointers, leave the input alone. */
static int gen_annotations(struct oci_jw *w, const struct oci_kvlist *l)
{
	const struct oci_kv **sorted;
	size_t i;

	if (l->len == 0)
		return 0;
	sorted = calloc(l->len, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < l->len; i++)
		sorted[i] = &l->items[i];
	qsort(sorted, l->len, sizeof(*sorted), kv_cmp);
	oci_jw_key(w, "annotations");
	oci_jw_begin_object(w);
	for (i = 0; i < l->len; i++) {
		oci_jw_key(w, sorted[i]->key);
		oci_jw_string(w, sorted[i]->value);
	}
	oci_jw_end_object(w);
	free(sorted);
	return 0;
}

int oci_state_gen(const struct oci_state *st, char **json_out, struct sv_err *e)
{
	char created[OCI_RFC3339_MAX];
	struct oci_jw *w = NULL;
	int ret;

	*json_out = NULL;
	if (oci_time_format(&st->created, created, sizeof(created)) < 0)
		return sv_err_set(e, EINVAL, "state: invalid creation time");
	if (oci_jw_create(&w) < 0)
		return sv_err_set(e, ENOMEM, "state: out of memory");
	oci_jw_begin_object(w);
	oci_jw_key(w, "ociVersion");
	oci_jw_string(w, st->oci_version);
	oci_jw_key(w, "id");
	oci_jw_string(w, st->id);
	oci_jw_key(w, "pid");
	oci_jw_int(w, st->pid);
	oci_jw_key(w, "status");
	oci_jw_string(w, st->status);
	oci_jw_key(w, "bundle");
	oci_jw_string(w, st->bundle);
	oci_jw_key(w, "rootfs");
	oci_jw_string(w, st->rootfs);
	oci_jw_key(w, "created");
	oci_jw_string(w, created);
	ret = gen_annotations(w, &st->annotations);
	oci_jw_key(w, "owner");
	oci_jw_string(w, st->owner);
	oci_jw_end_object(w);
	if (ret < 0) {
		oci_jw_destroy(w);
		return sv_err_set(e, -ret, "state: out of memory");
	}
	ret = oci_jw_finish(w, json_out, NULL);
	if (ret < 0)
		return sv_err_set(e, -ret, "state: cannot generate JSON");
	return 0;
}

static int p_time(struct pctx *c, const struct json_node *v, void *dst)
{
	if (oci_json_kind(v) != JSON_STRING)
		return oci_perr_type(c, v, "a string");
	if (oci_time_parse(oci_json_str(v), dst) < 0)
		return oci_perr(c, EINVAL, "\"%.40s\" is not an RFC 3339 time",
				oci_json_str(v));
	return 0;
}

static const struct field state_fields[] = {
	FIELD(struct oci_state, "ociVersion", oci_p_string, oci_version),
	FIELD(struct oci_state, "id", oci_p_string, id),
	FIELD(struct oci_state, "pid", oci_p_int, pid),
	FIELD(struct oci_state, "status", oci_p_string, status),
	FIELD(struct oci_state, "bundle", oci_p_path, bundle),
	FIELD(struct oci_state, "rootfs", oci_p_path, rootfs),
	FIELD(struct oci_state, "created", p_time, created),
	FIELD(struct oci_state, "owner", oci_p_string, owner),
	FIELD(struct oci_state, "annotations", oci_p_kvlist, annotations),
};

int oci_state_parse(const char *buf, size_t len, unsigned int flags,
		    struct oci_state **out, struct sv_err *e)
{
	struct json_node *root = NULL;
	struct pctx c;
	int ret;

	*out = NULL;
	ret = oci_json_parse(buf, len, OCI_MAX_INPUT, &root, e);
	if (ret < 0)
		return ret;
	oci_pctx_init(&c, flags, e);
	ret = oci_parse_new(&c, root, sizeof(struct oci_state), state_fields,
			    ARRAY_SIZE(state_fields), out);
	oci_json_free(root);
	if (ret < 0) {
		oci_state_free(*out);
		*out = NULL;
	}
	return ret;
}

void oci_state_free(struct oci_state *st)
{
	if (!st)
		return;
	free(st->oci_version);
	free(st->id);
	free(st->status);
	free(st->bundle);
	free(st->rootfs);
	free(st->owner);
	oci_kvlist_free(&st->annotations);
	free(st);
}
