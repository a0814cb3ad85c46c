// SPDX-License-Identifier: MIT
/* Unit tests for vmm/util/parse: numbers, booleans, sizes, key=value lists. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/util/parse.h"

struct u64_case {
	const char *in;
	int ret;
	uint64_t val;
};

static void test_u64(void **state)
{
	static const struct u64_case cases[] = {
		{ "0", 0, 0 },
		{ "1", 0, 1 },
		{ "0010", 0, 10 }, /* leading zeros: still decimal */
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999999", -ERANGE, 0 },
		{ "0x0", 0, 0 },
		{ "0x2a", 0, 42 },
		{ "0X2A", 0, 42 },
		{ "0xffffffffffffffff", 0, UINT64_MAX },
		{ "0x10000000000000000", -ERANGE, 0 },
		{ "0x", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "12a", -EINVAL, 0 },
		{ "0x1g", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 },
		{ "99999999999999999999x", -EINVAL, 0 }, /* garbage wins */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0x5a5a;
		int ret = parse_u64(cases[i].in, &v);

		if (ret != cases[i].ret)
			fail_msg("parse_u64(\"%s\") = %d, want %d", cases[i].in,
				 ret, cases[i].ret);
		if (ret == 0)
			assert_int_equal(v, cases[i].val);
		else
			assert_int_equal(v, 0x5a5a); /* untouched */
	}
	assert_int_equal(parse_u64(NULL, &(uint64_t){ 0 }), -EINVAL);
}

static void test_u32_range(void **state)
{
	uint32_t v;
	uint64_t w;

	(void)state;
	assert_int_equal(parse_u32("4294967295", &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(parse_u32("4294967296", &v), -ERANGE);
	assert_int_equal(parse_u32("0x100000000", &v), -ERANGE);
	assert_int_equal(parse_u32("0x7", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(parse_u32("x", &v), -EINVAL);
	assert_int_equal(parse_u64_range("1", 1, 254, &w), 0);
	assert_int_equal(parse_u64_range("254", 1, 254, &w), 0);
	assert_int_equal(parse_u64_range("0", 1, 254, &w), -ERANGE);
	assert_int_equal(parse_u64_range("255", 1, 254, &w), -ERANGE);
	assert_int_equal(parse_u64_range("2x", 1, 254, &w), -EINVAL);
}

static void test_bool(void **state)
{
	static const char *const yes[] = { "on", "true", "yes" };
	static const char *const no[] = { "off", "false", "no" };
	static const char *const bad[] = { "",	  "1",	"0",	 "ON", "y",
					   "onn", "of", "truee", " on" };
	bool b;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		b = false;
		assert_int_equal(parse_bool(yes[i], &b), 0);
		assert_true(b);
		assert_int_equal(parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_bool(bad[i], &b) != -EINVAL)
			fail_msg("parse_bool(\"%s\") accepted", bad[i]);
	assert_int_equal(parse_bool(NULL, &b), -EINVAL);
}

static void test_size(void **state)
{
	static const struct u64_case cases[] = {
		{ "1024", 0, 1024ull << 20 }, /* bare = MiB */
		{ "1024m", 0, 1ull << 30 },
		{ "1024M", 0, 1ull << 30 },
		{ "2G", 0, 2ull << 30 },
		{ "2g", 0, 2ull << 30 },
		{ "512k", 0, 512ull << 10 },
		{ "512K", 0, 512ull << 10 },
		{ "0", 0, 0 },
		{ "0x10M", 0, 16ull << 20 },
		{ "17179869183G", 0, 17179869183ull << 30 },
		{ "17179869184G", -ERANGE, 0 }, /* 2^34 GiB = 2^64 */
		{ "17592186044416", -ERANGE, 0 }, /* 2^44 MiB */
		{ "", -EINVAL, 0 },
		{ "G", -EINVAL, 0 },
		{ "1T", -EINVAL, 0 },
		{ "1GB", -EINVAL, 0 },
		{ "1.5G", -EINVAL, 0 },
		{ "-1G", -EINVAL, 0 },
		{ "123456789012345678901234567890123", -ERANGE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		int ret = parse_size_mib_default(cases[i].in, &v);

		if (ret != cases[i].ret)
			fail_msg("parse_size(\"%s\") = %d, want %d",
				 cases[i].in, ret, cases[i].ret);
		if (ret == 0 && v != cases[i].val)
			fail_msg("parse_size(\"%s\") = %llu", cases[i].in,
				 (unsigned long long)v);
	}
}

static void test_kvs(void **state)
{
	struct parse_kvs kvs;
	const struct parse_kv *kv;

	(void)state;
	assert_int_equal(
		parse_kvs_split("q35,dump-guest-core=off", "type", &kvs), 0);
	assert_int_equal(kvs.n, 2);
	assert_string_equal(kvs.kv[0].key, "type");
	assert_string_equal(kvs.kv[0].value, "q35");
	kv = parse_kvs_find(&kvs, "dump-guest-core");
	assert_non_null(kv);
	assert_string_equal(kv->value, "off");
	assert_null(parse_kvs_find(&kvs, "dump"));
	parse_kvs_free(&kvs);

	/* Named first item; bare keys later are flags; empty value kept. */
	assert_int_equal(parse_kvs_split("type=q35,server,x=", "type", &kvs),
			 0);
	assert_int_equal(kvs.n, 3);
	assert_string_equal(kvs.kv[0].value, "q35");
	assert_string_equal(kvs.kv[1].key, "server");
	assert_null(kvs.kv[1].value);
	assert_string_equal(kvs.kv[2].value, "");
	parse_kvs_free(&kvs);

	/* Without pos_key a bare first item is a flag. */
	assert_int_equal(parse_kvs_split("server", NULL, &kvs), 0);
	assert_null(kvs.kv[0].value);
	parse_kvs_free(&kvs);

	/* The value may itself contain '=' and ':'. */
	assert_int_equal(parse_kvs_split("unix:/a=b", "", &kvs), 0);
	assert_string_equal(kvs.kv[0].key, "unix:/a");
	assert_string_equal(kvs.kv[0].value, "b");
	parse_kvs_free(&kvs);
}

static void test_kvs_errors(void **state)
{
	static const struct {
		const char *in;
		int ret;
		const char *bad;
	} cases[] = {
		{ "", -EINVAL, "" },	     { "a,,b", -EINVAL, "" },
		{ "a,", -EINVAL, "" },	     { "=x", -EINVAL, "" },
		{ "a=1,a=2", -EEXIST, "a" }, { "2G,size=1G", -EEXIST, "size" },
	};
	struct parse_kvs kvs;
	char big[PARSE_KV_MAX * 4 + 8] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = parse_kvs_split(cases[i].in, "size", &kvs);

		if (ret != cases[i].ret)
			fail_msg("split(\"%s\") = %d", cases[i].in, ret);
		assert_non_null(kvs.bad);
		assert_string_equal(kvs.bad, cases[i].bad);
		parse_kvs_free(&kvs);
	}
	for (int i = 0; i <= PARSE_KV_MAX; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "%sk%d",
			 i ? "," : "", i);
	assert_int_equal(parse_kvs_split(big, NULL, &kvs), -E2BIG);
	parse_kvs_free(&kvs);
	big[strlen(big) - 4] = '\0'; /* drop ",k32" */
	assert_int_equal(parse_kvs_split(big, NULL, &kvs), 0);
	assert_int_equal(kvs.n, PARSE_KV_MAX);
	parse_kvs_free(&kvs);
	parse_kvs_free(NULL);
	assert_int_equal(parse_kvs_split(NULL, NULL, &kvs), -EINVAL);
	parse_kvs_free(&kvs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),  cmocka_unit_test(test_u32_range),
		cmocka_unit_test(test_bool), cmocka_unit_test(test_size),
		cmocka_unit_test(test_kvs),  cmocka_unit_test(test_kvs_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
