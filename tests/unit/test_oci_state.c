// SPDX-License-Identifier: MIT
/*
 * oci/ state output: byte-for-byte runc (Go json.MarshalIndent) layout,
 * Go string escaping, RFC3339Nano times, parse round trip, writer misuse.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sv/err.h"
#include "oci/state.h"

#define ID "7422c5a20e0998d4fd2149db5a6a426bf4283c17c1b2b522de5b0ce67fcf3c62"
#define BUNDLE "/tmp/pm/root/vfs-containers/" ID "/userdata"
#define ROOTFS                  \
	"/tmp/pm/root/vfs/dir/" \
	"801cda13b86cbc7b642bbaa7e37a2c57ef47bff02e910db5bdc5d802719032ff"

/* What runc 1.1.5 printed for podman's container (engine-traces/podman). */
static const char runc_state[] =
	"{\n"
	"  \"ociVersion\": \"1.0.2-dev\",\n"
	"  \"id\": \"" ID "\",\n"
	"  \"pid\": 13742,\n"
	"  \"status\": \"created\",\n"
	"  \"bundle\": \"" BUNDLE "\",\n"
	"  \"rootfs\": \"" ROOTFS "\",\n"
	"  \"created\": \"2026-11-24T18:41:35.615577642Z\",\n"
	"  \"annotations\": {\n"
	"    \"io.container.manager\": \"libpod\",\n"
	"    \"io.kubernetes.cri-o.Created\": \"2026-11-24T18:41:35.514714968Z\",\n"
	"    \"io.kubernetes.cri-o.TTY\": \"false\",\n"
	"    \"io.podman.annotations.autoremove\": \"TRUE\",\n"
	"    \"io.podman.annotations.init\": \"FALSE\",\n"
	"    \"io.podman.annotations.privileged\": \"FALSE\",\n"
	"    \"io.podman.annotations.publish-all\": \"FALSE\",\n"
	"    \"org.opencontainers.image.stopSignal\": \"15\"\n"
	"  },\n"
	"  \"owner\": \"\"\n"
	"}";

/* Test data are literals; the struct's strings are not const. */
#define S(x) ((char *)(uintptr_t)(x))

/* Input order differs from the sorted output on purpose. */
static struct oci_kv podman_annotations[] = {
	{ S("org.opencontainers.image.stopSignal"), S("15") },
	{ S("io.container.manager"), S("libpod") },
	{ S("io.kubernetes.cri-o.TTY"), S("false") },
	{ S("io.kubernetes.cri-o.Created"),
	  S("2026-11-24T18:41:35.514714968Z") },
	{ S("io.podman.annotations.privileged"), S("FALSE") },
	{ S("io.podman.annotations.autoremove"), S("TRUE") },
	{ S("io.podman.annotations.publish-all"), S("FALSE") },
	{ S("io.podman.annotations.init"), S("FALSE") },
};

static void podman_state(struct oci_state *st)
{
	struct tm tm = { .tm_year = 126,
			 .tm_mon = 10,
			 .tm_mday = 24,
			 .tm_hour = 18,
			 .tm_min = 41,
			 .tm_sec = 35 };

	memset(st, 0, sizeof(*st));
	st->oci_version = S("1.0.2-dev");
	st->id = S(ID);
	st->pid = 13742;
	st->status = S("created");
	st->bundle = S(BUNDLE);
	st->rootfs = S(ROOTFS);
	st->created.tv_sec = timegm(&tm);
	st->created.tv_nsec = 615577642;
	st->owner = S("");
	st->annotations.items = podman_annotations;
	st->annotations.len = ARRAY_SIZE(podman_annotations);
}

static void test_runc_bytes(void **state)
{
	struct sv_err e = SV_ERR_INIT;
	struct oci_state st;
	char *json = NULL;

	(void)state;
	podman_state(&st);
	assert_int_equal(oci_state_gen(&st, &json, &e), 0);
	assert_string_equal(json, runc_state);
	free(json);
}

static void test_no_annotations(void **state)
{
	static const char want[] =
		"{\n  \"ociVersion\": \"1.0.2\",\n  \"id\": \"c1\",\n"
		"  \"pid\": 0,\n  \"status\": \"stopped\",\n"
		"  \"bundle\": \"/b\",\n  \"rootfs\": \"/b/rootfs\",\n"
		"  \"created\": \"1970-01-01T00:00:01Z\",\n  \"owner\": \"\"\n}";
	struct oci_state st = {
		.oci_version = S("1.0.2"),
		.id = S("c1"),
		.status = S("stopped"),
		.bundle = S("/b"),
		.rootfs = S("/b/rootfs"),
		.created = { 1, 0 },
	};
	struct sv_err e = SV_ERR_INIT;
	char *json = NULL;

	(void)state;
	assert_int_equal(oci_state_gen(&st, &json, &e), 0);
	assert_string_equal(json, want);
	free(json);
}

static void test_go_escaping(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "q\"b\\", "\"q\\\"b\\\\\"" },
		{ "<a&b>", "\"\\u003ca\\u0026b\\u003e\"" },
		{ "t\tn\nr\r", "\"t\\tn\\nr\\r\"" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"" },
		{ "\b\f", "\"\\u0008\\u000c\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ "\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\"" },
		{ "a\xffz", "\"a\\ufffdz\"" },
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" }, /* overlong */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" }, /* surrogate */
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"" }, /* truncated */
	};
	struct oci_jw *w;
	char *out;
	size_t i, len;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(oci_jw_create(&w), 0);
		oci_jw_string(w, cases[i].in);
		assert_int_equal(oci_jw_finish(w, &out, &len), 0);
		assert_string_equal(out, cases[i].out);
		assert_int_equal(len, strlen(cases[i].out));
		free(out);
	}
}

static void test_writer_layout(void **state)
{
	static const char want[] =
		"{\n  \"a\": [\n    1,\n    -2,\n    true,\n"
		"    null\n  ],\n  \"e\": {},\n  \"f\": [],\n"
		"  \"u\": 18446744073709551615\n}";
	struct oci_jw *w;
	char *out;

	(void)state;
	assert_int_equal(oci_jw_create(&w), 0);
	oci_jw_begin_object(w);
	oci_jw_key(w, "a");
	oci_jw_begin_array(w);
	oci_jw_int(w, 1);
	oci_jw_int(w, -2);
	oci_jw_bool(w, true);
	oci_jw_null(w);
	oci_jw_end_array(w);
	oci_jw_key(w, "e");
	oci_jw_begin_object(w);
	oci_jw_end_object(w);
	oci_jw_key(w, "f");
	oci_jw_begin_array(w);
	oci_jw_end_array(w);
	oci_jw_key(w, "u");
	oci_jw_uint(w, UINT64_MAX);
	oci_jw_end_object(w);
	assert_int_equal(oci_jw_finish(w, &out, NULL), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_writer_misuse(void **state)
{
	struct oci_jw *w;
	char *out = NULL;
	int i;

	(void)state;
	/* unbalanced */
	assert_int_equal(oci_jw_create(&w), 0);
	oci_jw_begin_object(w);
	assert_int_equal(oci_jw_finish(w, &out, NULL), -EINVAL);
	/* value without key inside an object */
	assert_int_equal(oci_jw_create(&w), 0);
	oci_jw_begin_object(w);
	oci_jw_int(w, 1);
	oci_jw_end_object(w);
	assert_int_equal(oci_jw_finish(w, &out, NULL), -EINVAL);
	/* key inside an array */
	assert_int_equal(oci_jw_create(&w), 0);
	oci_jw_begin_array(w);
	oci_jw_key(w, "k");
	oci_jw_int(w, 1);
	oci_jw_end_array(w);
	assert_int_equal(oci_jw_finish(w, &out, NULL), -EINVAL);
	/* nothing written, and two top-level values */
	assert_int_equal(oci_jw_create(&w), 0);
	assert_int_equal(oci_jw_finish(w, &out, NULL), -EINVAL);
	assert_int_equal(oci_jw_create(&w), 0);
	oci_jw_int(w, 1);
	oci_jw_int(w, 2);
	assert_int_equal(oci_jw_finish(w, &out, NULL), -EINVAL);
	/* too deep */
	assert_int_equal(oci_jw_create(&w), 0);
	for (i = 0; i < OCI_MAX_DEPTH + 1; i++)
		oci_jw_begin_array(w);
	assert_int_equal(oci_jw_finish(w, &out, NULL), -E2BIG);
	assert_null(out);
	oci_jw_destroy(NULL);
}

static void test_time_format(void **state)
{
	static const struct {
		time_t sec;
		long nsec;
		const char *out;
	} cases[] = {
		{ 0, 0, "1970-01-01T00:00:00Z" },
		{ 0, 500000000, "1970-01-01T00:00:00.5Z" },
		{ 0, 123000, "1970-01-01T00:00:00.000123Z" },
		{ 0, 1, "1970-01-01T00:00:00.000000001Z" },
		{ 951782400, 999999999, "2000-02-29T00:00:00.999999999Z" },
	};
	struct timespec ts, back;
	char buf[OCI_RFC3339_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ts.tv_sec = cases[i].sec;
		ts.tv_nsec = cases[i].nsec;
		assert_int_equal(oci_time_format(&ts, buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].out);
		assert_int_equal(oci_time_parse(buf, &back), 0);
		assert_int_equal(back.tv_sec, ts.tv_sec);
		assert_int_equal(back.tv_nsec, ts.tv_nsec);
	}
	ts.tv_nsec = 1000000000;
	assert_int_equal(oci_time_format(&ts, buf, sizeof(buf)), -EINVAL);
	ts.tv_nsec = 0;
	assert_int_equal(oci_time_format(&ts, buf, 10), -ENOSPC);
	assert_int_equal(oci_time_parse("2000-02-29T01:00:00+01:00", &back), 0);
	assert_int_equal(back.tv_sec, 951782400);
	assert_int_equal(oci_time_parse("2000-02-29T00:00:00", &back), -EINVAL);
	assert_int_equal(oci_time_parse("2000-02-29T00:00:00.Z", &back),
			 -EINVAL);
	assert_int_equal(
		oci_time_parse("2000-02-29T00:00:00.1234567890Z", &back),
		-EINVAL);
	assert_int_equal(oci_time_parse("2000-13-01T00:00:00Z", &back),
			 -EINVAL);
	assert_int_equal(oci_time_parse("2000-02-29T00:00:00Zjunk", &back),
			 -EINVAL);
}

static void test_round_trip(void **state)
{
	struct sv_err e = SV_ERR_INIT;
	struct oci_state st, *back = NULL;
	char *json = NULL, *again = NULL;

	(void)state;
	podman_state(&st);
	assert_int_equal(oci_state_gen(&st, &json, &e), 0);
	assert_int_equal(oci_state_parse(json, strlen(json), OCI_PARSE_STRICT,
					 &back, &e),
			 0);
	assert_string_equal(back->id, ID);
	assert_int_equal(back->pid, 13742);
	assert_string_equal(back->status, "created");
	assert_int_equal(back->created.tv_sec, st.created.tv_sec);
	assert_int_equal(back->created.tv_nsec, 615577642);
	assert_int_equal(back->annotations.len, 8);
	assert_int_equal(oci_state_gen(back, &again, &e), 0);
	assert_string_equal(again, json);
	oci_state_free(back);
	free(json);
	free(again);
}

static void test_state_parse_errors(void **state)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{\"pid\":\"1\"}", "pid: expected an integer, got a string" },
		{ "{\"created\":\"yesterday\"}",
		  "created: \"yesterday\" is not an RFC 3339 time" },
		{ "{\"id\":\"a\",\"extra\":1}", "extra: unknown key" },
	};
	struct sv_err e = SV_ERR_INIT;
	struct oci_state *st;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(oci_state_parse(cases[i].json,
						 strlen(cases[i].json),
						 OCI_PARSE_STRICT, &st, &e),
				 -EINVAL);
		assert_null(st);
		assert_string_equal(e.msg, cases[i].msg);
	}
	assert_int_equal(
		oci_state_parse("{\"id\":\"a\",\"extra\":1}", 20, 0, &st, &e),
		0);
	assert_string_equal(st->id, "a");
	oci_state_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runc_bytes),
		cmocka_unit_test(test_no_annotations),
		cmocka_unit_test(test_go_escaping),
		cmocka_unit_test(test_writer_layout),
		cmocka_unit_test(test_writer_misuse),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_state_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
