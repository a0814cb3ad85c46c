/* SPDX-License-Identifier: MIT */
/*
 * The `state` output (runc's field names and layout, byte for byte: Go's
 * json.MarshalIndent with two spaces, no trailing newline) and a small JSON
 * writer with the same layout for the shim's own files.
 */
#ifndef SV_OCI_STATE_H
#define SV_OCI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sv/compiler.h"
#include "oci/spec.h"

struct sv_err;

/* Strings are owned when the struct comes from oci_state_parse(). */
struct oci_state {
	char *oci_version;
	char *id;
	int pid;
	char *status; /* creating|created|running|paused|stopped */
	char *bundle;
	char *rootfs;
	struct timespec created; /* UTC */
	char *owner;
	struct oci_kvlist annotations; /* printed sorted, omitted if empty */
};

/* *json_out is malloc'd and NUL-terminated; NULL strings print as "". */
int oci_state_gen(const struct oci_state *st, char **json_out,
		  struct sv_err *e) SV_MUST_CHECK;
/* Read back oci_state_gen() output (unknown keys ignored unless strict). */
int oci_state_parse(const char *buf, size_t len, unsigned int flags,
		    struct oci_state **out, struct sv_err *e) SV_MUST_CHECK;
void oci_state_free(struct oci_state *st);

/* Go's RFC3339Nano in UTC: 2026-11-24T18:41:35.615577642Z (zeros trimmed). */
#define OCI_RFC3339_MAX 40
int oci_time_format(const struct timespec *ts, char *buf,
		    size_t len) SV_MUST_CHECK;
/* Accepts Z or a +hh:mm/-hh:mm offset and 0..9 fraction digits. */
int oci_time_parse(const char *s, struct timespec *out) SV_MUST_CHECK;

/*
 * JSON writer. Calls never fail individually; the first error (out of
 * memory, unbalanced calls, nesting over OCI_MAX_DEPTH) is remembered and
 * returned by oci_jw_finish(). Strings are escaped as Go's encoder does
 * (<, >, & as \u003c..., invalid UTF-8 as \ufffd).
 */
struct oci_jw;

int oci_jw_create(struct oci_jw **out) SV_MUST_CHECK;
void oci_jw_destroy(struct oci_jw *w);
void oci_jw_begin_object(struct oci_jw *w);
void oci_jw_end_object(struct oci_jw *w);
void oci_jw_begin_array(struct oci_jw *w);
void oci_jw_end_array(struct oci_jw *w);
void oci_jw_key(struct oci_jw *w, const char *key);
void oci_jw_string(struct oci_jw *w, const char *s);
void oci_jw_int(struct oci_jw *w, long long v);
void oci_jw_uint(struct oci_jw *w, unsigned long long v);
void oci_jw_bool(struct oci_jw *w, bool v);
void oci_jw_null(struct oci_jw *w);
/* Hand out the text (malloc'd, NUL-terminated) and destroy the writer. */
int oci_jw_finish(struct oci_jw *w, char **out, size_t *len) SV_MUST_CHECK;

#endif /* SV_OCI_STATE_H */
