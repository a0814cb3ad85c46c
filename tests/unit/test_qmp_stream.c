// SPDX-License-Identifier: MIT
/*
 * Unit tests for the QMP framing scanner (vmm/qmp/stream.c): split and
 * byte-at-a-time input, several messages per write, strings holding
 * brackets and escapes, top-level garbage, the size and depth caps, and
 * resynchronisation after each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/qmp/qmp_internal.h"

#define MAXF 16

struct frames {
	unsigned int n;
	enum qmp_frame kind[MAXF];
	char *msg[MAXF];
	unsigned int stop_after;	/* 0: never stop */
};

static bool collect(void *opaque, enum qmp_frame kind, const char *msg,
		    size_t len)
{
	struct frames *f = opaque;

	assert_true(f->n < MAXF);
	f->kind[f->n] = kind;
	f->msg[f->n] = msg ? strndup(msg, len) : NULL;
	if (msg)
		assert_int_equal(strlen(msg), len);	/* NUL-terminated */
	f->n++;
	return !(f->stop_after && f->n == f->stop_after);
}

static void frames_free(struct frames *f)
{
	for (unsigned int i = 0; i < f->n; i++)
		free(f->msg[i]);
	memset(f, 0, sizeof(*f));
}

static void feed(struct qmp_stream *st, struct frames *f, const char *s)
{
	qmp_stream_feed(st, (const uint8_t *)s, strlen(s), collect, f);
}

static void test_one_message(void **state)
{
	struct qmp_stream st;
	struct frames f = { 0 };

	(void)state;
	qmp_stream_init(&st);
	feed(&st, &f, "  {\"execute\":\"stop\"}\r\n");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.kind[0], QMP_FRAME_MSG);
	assert_string_equal(f.msg[0], "{\"execute\":\"stop\"}");
	frames_free(&f);
	qmp_stream_fini(&st);
}

static void test_split_and_multiple(void **state)
{
	struct qmp_stream st;
	struct frames f = { 0 };

	(void)state;
	qmp_stream_init(&st);
	feed(&st, &f, "{\"execute\":\"qu");
	assert_int_equal(f.n, 0);
	feed(&st, &f, "ery-status\"}{\"a\":[1,{\"b\":2}]}{\"c\"");
	assert_int_equal(f.n, 2);
	assert_string_equal(f.msg[0], "{\"execute\":\"query-status\"}");
	assert_string_equal(f.msg[1], "{\"a\":[1,{\"b\":2}]}");
	feed(&st, &f, ":3}");
	assert_int_equal(f.n, 3);
	assert_string_equal(f.msg[2], "{\"c\":3}");
	frames_free(&f);
	qmp_stream_fini(&st);
}

static void test_byte_at_a_time(void **state)
{
	static const char in[] =
		"{\"execute\":\"x\",\"id\":\"a}\\\"{\"} {\"k\":\"\\\\\"}";
	struct qmp_stream st;
	struct frames f = { 0 };

	(void)state;
	qmp_stream_init(&st);
	for (size_t i = 0; i < sizeof(in) - 1; i++)
		qmp_stream_feed(&st, (const uint8_t *)&in[i], 1, collect, &f);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.msg[0], "{\"execute\":\"x\",\"id\":\"a}\\\"{\"}");
	assert_string_equal(f.msg[1], "{\"k\":\"\\\\\"}");
	frames_free(&f);
	qmp_stream_fini(&st);
}

static void test_strings_with_brackets(void **state)
{
	struct qmp_stream st;
	struct frames f = { 0 };

	(void)state;
	qmp_stream_init(&st);
	feed(&st, &f, "{\"s\":\"}}]]{{[[\\\"\\\\\"}");
	assert_int_equal(f.n, 1);
	assert_string_equal(f.msg[0], "{\"s\":\"}}]]{{[[\\\"\\\\\"}");
	frames_free(&f);
	qmp_stream_fini(&st);
}

static void test_top_level_garbage(void **state)
{
	struct qmp_stream st;
	struct frames f = { 0 };

	(void)state;
	qmp_stream_init(&st);
	feed(&st, &f, "garbage{\"a\":1} 42 \"str\"}[1]\n");
	assert_int_equal(f.n, 6);
	assert_string_equal(f.msg[0], "garbage");
	assert_string_equal(f.msg[1], "{\"a\":1}");
	assert_string_equal(f.msg[2], "42");
	assert_string_equal(f.msg[3], "\"str\"");
	assert_string_equal(f.msg[4], "}");
	assert_string_equal(f.msg[5], "[1]");
	frames_free(&f);
	qmp_stream_fini(&st);
}

static void test_oversize_then_resync(void **state)
{
	size_t n = (1u << 20);
	char *big = malloc(n + 64);
	struct qmp_stream st;
	struct frames f = { 0 };

	(void)state;
	assert_non_null(big);
	strcpy(big, "{\"execute\":\"");
	memset(big + 12, 'a', n);
	strcpy(big + 12 + n, "\"}{\"ok\":1}");
	qmp_stream_init(&st);
	feed(&st, &f, big);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.kind[0], QMP_FRAME_TOO_BIG);
	assert_int_equal(f.kind[1], QMP_FRAME_MSG);
	assert_string_equal(f.msg[1], "{\"ok\":1}");
	assert_true(st.cap <= QMP_MSG_MAX + 1);	/* memory stays bounded */
	frames_free(&f);
	qmp_stream_fini(&st);
	free(big);
}

static void test_exact_limit(void **state)
{
	char *msg = malloc(QMP_MSG_MAX + 1);
	struct qmp_stream st;
	struct frames f = { 0 };

	(void)state;
	assert_non_null(msg);
	memset(msg, ' ', QMP_MSG_MAX);
	msg[0] = '{';
	msg[QMP_MSG_MAX - 1] = '}';
	msg[QMP_MSG_MAX] = '\0';
	qmp_stream_init(&st);
	feed(&st, &f, msg);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.kind[0], QMP_FRAME_MSG);
	assert_int_equal(strlen(f.msg[0]), QMP_MSG_MAX);
	frames_free(&f);
	/* One byte more is too big. */
	msg[QMP_MSG_MAX - 1] = ' ';
	feed(&st, &f, msg);
	feed(&st, &f, "}");
	assert_int_equal(f.n, 1);
	assert_int_equal(f.kind[0], QMP_FRAME_TOO_BIG);
	frames_free(&f);
	qmp_stream_fini(&st);
	free(msg);
}

static void test_deep_nesting(void **state)
{
	size_t depth = 10000;
	char *s = malloc(2 * depth + 16);
	struct qmp_stream st;
	struct frames f = { 0 };

	(void)state;
	assert_non_null(s);
	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	strcpy(s + 2 * depth, "{\"x\":[[1]]}");
	qmp_stream_init(&st);
	feed(&st, &f, s);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.kind[0], QMP_FRAME_TOO_DEEP);
	assert_string_equal(f.msg[1], "{\"x\":[[1]]}");
	frames_free(&f);
	qmp_stream_fini(&st);
	free(s);
}

static void test_depth_limit_exact(void **state)
{
	char s[2 * QMP_DEPTH_MAX + 3];
	struct qmp_stream st;
	struct frames f = { 0 };

	(void)state;
	memset(s, '[', QMP_DEPTH_MAX);
	memset(s + QMP_DEPTH_MAX, ']', QMP_DEPTH_MAX);
	s[2 * QMP_DEPTH_MAX] = '\0';
	qmp_stream_init(&st);
	feed(&st, &f, s);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.kind[0], QMP_FRAME_MSG);
	frames_free(&f);
	memmove(s + 1, s, 2 * QMP_DEPTH_MAX + 1);
	s[0] = '[';
	strcat(s, "]");
	feed(&st, &f, s);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.kind[0], QMP_FRAME_TOO_DEEP);
	frames_free(&f);
	qmp_stream_fini(&st);
}

static void test_stop_feeding(void **state)
{
	struct qmp_stream st;
	struct frames f = { .stop_after = 1 };

	(void)state;
	qmp_stream_init(&st);
	assert_false(qmp_stream_feed(&st, (const uint8_t *)"{}{}{}", 6,
				     collect, &f));
	assert_int_equal(f.n, 1);
	frames_free(&f);
	qmp_stream_fini(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_message),
		cmocka_unit_test(test_split_and_multiple),
		cmocka_unit_test(test_byte_at_a_time),
		cmocka_unit_test(test_strings_with_brackets),
		cmocka_unit_test(test_top_level_garbage),
		cmocka_unit_test(test_oversize_then_resync),
		cmocka_unit_test(test_exact_limit),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_depth_limit_exact),
		cmocka_unit_test(test_stop_feeding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
