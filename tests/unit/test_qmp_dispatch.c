// SPDX-License-Identifier: MIT
/*
 * Unit tests for QMP dispatch (vmm/qmp/dispatch.c, cmd_*.c, event.c) over
 * the detached server and a hand-filled machine: greeting, negotiation,
 * envelope errors, the argument schema, every command's reply byte for
 * byte, id echo, events and their order, getfd.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qmp_harness.h"

#define CAPS "{\"execute\":\"qmp_capabilities\"}"
#define OK "{\"return\":{}}\r\n"

static int setup(void **state)
{
	struct qmp_harness *h = malloc(sizeof(*h));

	assert_non_null(h);
	qh_init(h);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct qmp_harness *h = *state;

	qh_fini(h);
	free(h);
	return 0;
}

/* Negotiated harness. */
static int setup_neg(void **state)
{
	struct qmp_harness *h;

	setup(state);
	h = *state;
	assert_string_equal(qh_cmd(h, CAPS), OK);
	return 0;
}

/* Strip the event timestamp values so lines compare byte for byte. */
static char *no_ts(const char *s)
{
	char *r = strdup(s), *p = r;

	while ((p = strstr(p, "\"timestamp\":{"))) {
		char *end = strchr(p, '}');

		p += strlen("\"timestamp\":{");
		memmove(p, end, strlen(end) + 1);
	}
	return r;
}

static void assert_events(const char *got, const char *want)
{
	char *g = no_ts(got);

	assert_string_equal(g, want);
	free(g);
}

static void test_greeting(void **state)
{
	struct qmp_harness h;

	(void)state;
	qh_init(&h);
	assert_string_equal(h.out.p,
		"{\"QMP\":{\"version\":{\"qemu\":{\"micro\":1,\"minor\":0,"
		"\"major\":5},\"package\":\"StratoVirt-2.5.0\"},"
		"\"capabilities\":[]}}\r\n");
	qh_fini(&h);
}

static void test_negotiation(void **state)
{
	struct qmp_harness *h = *state;

	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-status\"}"),
		"{\"error\":{\"class\":\"CommandNotFound\",\"desc\":"
		"\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}\r\n");
	assert_string_equal(qh_cmd(h, "{\"execute\":\"nope\",\"id\":7}"),
		"{\"error\":{\"class\":\"CommandNotFound\",\"desc\":"
		"\"Expecting capabilities negotiation with 'qmp_capabilities'\"},"
		"\"id\":7}\r\n");
	/* Events are not delivered before negotiation. */
	qmp_server_emit_event(h->s, "STOP", NULL);
	qmp_server_flush_events(h->s);
	assert_string_equal(qh_cmd(h, "{\"execute\":\"qmp_capabilities\","
				   "\"arguments\":{\"enable\":[]},\"id\":\"c\"}"),
			    "{\"return\":{},\"id\":\"c\"}\r\n");
	assert_string_equal(qh_cmd(h, CAPS),
		"{\"error\":{\"class\":\"CommandNotFound\",\"desc\":"
		"\"Capabilities negotiation is already complete, command ignored\"}}\r\n");
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-kvm\"}"),
			    "{\"return\":{\"enabled\":true,\"present\":true}}\r\n");
}

static void test_capabilities_oob(void **state)
{
	struct qmp_harness *h = *state;

	assert_string_equal(qh_cmd(h, "{\"execute\":\"qmp_capabilities\","
				   "\"arguments\":{\"enable\":[\"oob\"]}}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":"
		"\"Capability 'oob' not available\"}}\r\n");
	assert_false(qmp_server_mem_session(h->s)->negotiated);
}

static void test_envelope_errors(void **state)
{
	struct qmp_harness *h = *state;
	const char *r;

	r = qh_cmd(h, "[1,2]");
	assert_string_equal(r, "{\"error\":{\"class\":\"GenericError\","
			    "\"desc\":\"QMP input must be a JSON object\"}}\r\n");
	r = qh_cmd(h, "{\"id\":1}");
	assert_string_equal(r, "{\"error\":{\"class\":\"GenericError\","
			    "\"desc\":\"QMP input lacks member 'execute'\"},"
			    "\"id\":1}\r\n");
	r = qh_cmd(h, "{\"execute\":1}");
	assert_string_equal(r, "{\"error\":{\"class\":\"GenericError\","
			    "\"desc\":\"QMP input member 'execute' must be a string\"}}\r\n");
	r = qh_cmd(h, "{\"execute\":\"stop\",\"arguments\":[]}");
	assert_string_equal(r, "{\"error\":{\"class\":\"GenericError\","
			    "\"desc\":\"QMP input member 'arguments' must be an object\"}}\r\n");
	r = qh_cmd(h, "{\"execute\":\"stop\",\"extra\":1}");
	assert_string_equal(r, "{\"error\":{\"class\":\"GenericError\","
			    "\"desc\":\"QMP input member 'extra' is unexpected\"}}\r\n");
	r = qh_cmd(h, "{\"execute\":\"foo\"}");
	assert_string_equal(r, "{\"error\":{\"class\":\"CommandNotFound\","
			    "\"desc\":\"The command foo has not been found\"}}\r\n");
	/* Nothing of the above had a side effect. */
	assert_int_equal(machine_state(&h->m), RUN_STATE_RUNNING);
}

static void test_parse_errors(void **state)
{
	struct qmp_harness *h = *state;
	const char *r;

	r = qh_cmd(h, "{\"execute\" \"stop\"}");
	assert_non_null(strstr(r, "{\"error\":{\"class\":\"GenericError\","
			       "\"desc\":\"JSON parse error, "));
	assert_int_equal(strstr(r, "\r\n") - r, (long)strlen(r) - 2);
	r = qh_cmd(h, "garbage\n");
	assert_non_null(strstr(r, "JSON parse error"));
	r = qh_cmd(h, "{\"a\":\"\xff\xfe\"}");
	assert_non_null(strstr(r, "JSON parse error"));
	r = qh_cmd(h, "}");
	assert_non_null(strstr(r, "JSON parse error"));
	/* Still answering. */
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-target\"}"),
			    "{\"return\":{\"arch\":\"x86_64\"}}\r\n");
}

static void test_size_and_depth(void **state)
{
	struct qmp_harness *h = *state;
	size_t n = 1u << 20;
	char *big = malloc(n + 64);

	assert_non_null(big);
	strcpy(big, "{\"execute\":\"");
	memset(big + 12, 'a', n);
	strcpy(big + 12 + n, "\"}");
	assert_string_equal(qh_cmd(h, big),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":"
		"\"QMP message too long (limit 65536 bytes)\"}}\r\n");
	memset(big, '[', 10000);
	memset(big + 10000, ']', 10000);
	big[20000] = '\0';
	assert_string_equal(qh_cmd(h, big),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":"
		"\"JSON nesting depth limit exceeded\"}}\r\n");
	free(big);
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-status\"}"),
		"{\"return\":{\"running\":true,\"singlestep\":false,"
		"\"status\":\"running\"}}\r\n");
}

static void test_schema(void **state)
{
	struct qmp_harness *h = *state;
	static const struct qmp_arg schema[] = {
		{ "s", QMP_ARG_STR, true },
		{ "i", QMP_ARG_INT, false },
		{ "b", QMP_ARG_BOOL, false },
		{ "o", QMP_ARG_OBJECT, false },
		{ "a", QMP_ARG_ANY, false },
		{ NULL, QMP_ARG_ANY, false },
	};
	static const struct {
		const char *json;
		const char *err;	/* NULL: accepted */
	} cases[] = {
		{ "{\"s\":\"x\"}", NULL },
		{ "{\"s\":\"x\",\"i\":-5,\"b\":true,\"o\":{},\"a\":[null]}", NULL },
		{ "{}", "Parameter 's' is missing" },
		{ "{\"s\":1}", "Invalid parameter type for 's', expected: string" },
		{ "{\"s\":\"x\",\"i\":1.5}",
		  "Invalid parameter type for 'i', expected: integer" },
		{ "{\"s\":\"x\",\"i\":99999999999999999999}",
		  "Invalid parameter type for 'i', expected: integer" },
		{ "{\"s\":\"x\",\"b\":\"true\"}",
		  "Invalid parameter type for 'b', expected: boolean" },
		{ "{\"s\":\"x\",\"o\":[]}",
		  "Invalid parameter type for 'o', expected: object" },
		{ "{\"s\":\"x\",\"zz\":1}", "Invalid parameter 'zz'" },
		{ "{\"s\":\"x\",\"s\":\"y\"}", "Duplicate parameter 's'" },
	};

	(void)h;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct qmp_req r = { 0 };
		struct qjson *v;
		char err[128];
		int ret;

		assert_int_equal(qjson_parse(cases[i].json,
					     strlen(cases[i].json), &v, err,
					     sizeof(err)), 0);
		ret = qmp_args_check(&r, schema, v);
		if (!cases[i].err) {
			assert_int_equal(ret, 0);
			assert_null(r.err_desc);
		} else {
			assert_int_equal(ret, -EINVAL);
			assert_int_equal(r.err_class, QMP_ERR_GENERIC);
			assert_string_equal(r.err_desc, cases[i].err);
		}
		free(r.err_desc);
		qjson_free(v);
	}
}

static void test_args_rejected_before_handler(void **state)
{
	struct qmp_harness *h = *state;

	assert_string_equal(qh_cmd(h, "{\"execute\":\"stop\",\"arguments\":"
				   "{\"force\":true},\"id\":\"s1\"}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":"
		"\"Invalid parameter 'force'\"},\"id\":\"s1\"}\r\n");
	assert_int_equal(machine_state(&h->m), RUN_STATE_RUNNING);
	assert_string_equal(qh_cmd(h, "{\"execute\":\"quit\",\"arguments\":"
				   "{\"x\":1}}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":"
		"\"Invalid parameter 'x'\"}}\r\n");
	assert_int_equal(h->m.shutdown_cause, SHUTDOWN_NONE);
	assert_string_equal(qh_cmd(h, "{\"execute\":\"getfd\"}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":"
		"\"Parameter 'fdname' is missing\"}}\r\n");
}

static void test_id_echo(void **state)
{
	struct qmp_harness *h = *state;

	assert_string_equal(qh_cmd(h, "{\"id\":\"a\\\"b\\u0001\","
				   "\"execute\":\"qmp_capabilities\"}"),
			    "{\"return\":{},\"id\":\"a\\\"b\\u0001\"}\r\n");
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-target\","
				   "\"id\":{\"n\":[1,2.5e3,true,null]}}"),
			    "{\"return\":{\"arch\":\"x86_64\"},"
			    "\"id\":{\"n\":[1,2.5e3,true,null]}}\r\n");
}

static void test_stop_cont(void **state)
{
	struct qmp_harness *h = *state;

	assert_events(qh_cmd(h, "{\"execute\":\"stop\",\"id\":1}"),
		      "{\"event\":\"STOP\",\"data\":{},\"timestamp\":{}}\r\n"
		      "{\"return\":{},\"id\":1}\r\n");
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-status\"}"),
		"{\"return\":{\"running\":false,\"singlestep\":false,"
		"\"status\":\"paused\"}}\r\n");
	assert_string_equal(qh_cmd(h, "{\"execute\":\"stop\"}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":"
		"\"Failed to pause VM\"}}\r\n");
	assert_events(qh_cmd(h, "{\"execute\":\"cont\"}"),
		      "{\"event\":\"RESUME\",\"data\":{},\"timestamp\":{}}\r\n"
		      OK);
	assert_string_equal(qh_cmd(h, "{\"execute\":\"cont\"}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":"
		"\"Failed to resume VM\"}}\r\n");
	assert_int_equal(machine_state(&h->m), RUN_STATE_RUNNING);
}

static void test_quit(void **state)
{
	struct qmp_harness *h = *state;
	uint64_t v = 0;

	assert_string_equal(qh_cmd(h, "{\"execute\":\"quit\"}"), OK);
	assert_int_equal(h->m.shutdown_cause, SHUTDOWN_HOST_QMP_QUIT);
	assert_int_equal(read(h->m.shutdown_efd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	/* What the machine emits on its way out reaches the client. */
	qbuf_reset(&h->out);
	qmp_server_emit_event(h->s, "SHUTDOWN",
			      "{\"guest\":false,\"reason\":\"host-qmp-quit\"}");
	qmp_server_flush_events(h->s);
	assert_events(h->out.p, "{\"event\":\"SHUTDOWN\",\"data\":{\"guest\":"
		      "false,\"reason\":\"host-qmp-quit\"},\"timestamp\":{}}\r\n");
}

static void test_reset_powerdown(void **state)
{
	struct qmp_harness *h = *state;

	assert_events(qh_cmd(h, "{\"execute\":\"system_powerdown\"}"),
		      "{\"event\":\"POWERDOWN\",\"data\":{},\"timestamp\":{}}\r\n"
		      OK);
	assert_int_equal(h->m.shutdown_cause, SHUTDOWN_GUEST_POWEROFF);
	h->m.shutdown_cause = SHUTDOWN_NONE;
	assert_string_equal(qh_cmd(h, "{\"execute\":\"system_reset\"}"), OK);
	assert_int_equal(h->m.shutdown_cause, SHUTDOWN_HOST_QMP_RESET);
}

static void test_queries(void **state)
{
	struct qmp_harness *h = *state;

	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-version\"}"),
		"{\"return\":{\"qemu\":{\"micro\":1,\"minor\":0,\"major\":5},"
		"\"package\":\"StratoVirt-2.5.0\"}}\r\n");
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-cpus\"}"),
		"{\"return\":[{\"arch\":\"x86\",\"current\":true,\"qom_path\":"
		"\"/machine/unattached/device[0]\",\"halted\":false,\"props\":"
		"{\"socket-id\":0,\"die_id\":0,\"core-id\":0,\"thread-id\":0},"
		"\"CPU\":0,\"thread_id\":1000},{\"arch\":\"x86\",\"current\":"
		"true,\"qom_path\":\"/machine/unattached/device[1]\",\"halted\":"
		"false,\"props\":{\"socket-id\":0,\"die_id\":0,\"core-id\":1,"
		"\"thread-id\":0},\"CPU\":1,\"thread_id\":1001}]}\r\n");
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-hotpluggable-cpus\"}"),
		"{\"return\":[{\"type\":\"host-x86-cpu\",\"vcpus-count\":1,"
		"\"props\":{\"socket-id\":0,\"die_id\":0,\"core-id\":0,"
		"\"thread-id\":0},\"qom-path\":\"/machine/unattached/device[0]\"},"
		"{\"type\":\"host-x86-cpu\",\"vcpus-count\":1,\"props\":"
		"{\"socket-id\":0,\"die_id\":0,\"core-id\":1,\"thread-id\":0},"
		"\"qom-path\":\"/machine/unattached/device[1]\"},"
		"{\"type\":\"host-x86-cpu\",\"vcpus-count\":1,\"props\":"
		"{\"socket-id\":1,\"die_id\":0,\"core-id\":0,\"thread-id\":0}},"
		"{\"type\":\"host-x86-cpu\",\"vcpus-count\":1,\"props\":"
		"{\"socket-id\":1,\"die_id\":0,\"core-id\":1,\"thread-id\":0}}]}"
		"\r\n");
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-mem\"}"), OK);
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-target\"}"),
			    "{\"return\":{\"arch\":\"x86_64\"}}\r\n");
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-machines\"}"),
		"{\"return\":[{\"cpu-max\":255,\"deprecated\":false,"
		"\"hotplug-cpus\":false,\"name\":\"none\",\"numa-mem-supported\":"
		"false},{\"cpu-max\":255,\"deprecated\":false,\"hotplug-cpus\":"
		"false,\"name\":\"microvm\",\"numa-mem-supported\":false},"
		"{\"cpu-max\":255,\"deprecated\":false,\"hotplug-cpus\":false,"
		"\"name\":\"q35\",\"numa-mem-supported\":false}]}\r\n");
	assert_string_equal(qh_cmd(h, "{\"execute\":\"query-events\"}"),
		"{\"return\":[{\"name\":\"SHUTDOWN\"},{\"name\":\"RESET\"},"
		"{\"name\":\"STOP\"},{\"name\":\"RESUME\"},{\"name\":"
		"\"POWERDOWN\"},{\"name\":\"DEVICE_DELETED\"}]}\r\n");
}

static void test_query_commands(void **state)
{
	struct qmp_harness *h = *state;
	static const char *const names[] = {
		"qmp_capabilities", "quit", "stop", "cont", "system_reset",
		"system_powerdown", "getfd", "query-status", "query-version",
		"query-commands", "query-events", "query-cpus",
		"query-hotpluggable-cpus", "query-mem", "query-target",
		"query-kvm", "query-machines", "blockdev-add",
		"blockdev-del", "device_add", "device_del",
	};
	const char *r = qh_cmd(h, "{\"execute\":\"query-commands\"}");
	char want[64];

	assert_int_equal(qmp_cmd_count(), ARRAY_SIZE(names));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(want, sizeof(want), "{\"name\":\"%s\"}", names[i]);
		assert_non_null(strstr(r, want));
		/* Every listed command exists and answers (not CommandNotFound). */
		assert_non_null(qmp_cmd_find(names[i]));
	}
}

static void test_getfd(void **state)
{
	struct qmp_harness *h = *state;
	struct qmp_session *ss = qmp_server_mem_session(h->s);
	int p[2], fd;

	assert_string_equal(qh_cmd(h, "{\"execute\":\"getfd\",\"arguments\":"
				   "{\"fdname\":\"tap0\"}}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":"
		"\"No file descriptor supplied via SCM_RIGHTS\"}}\r\n");
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	qmp_session_adopt_fd(ss, p[0]);
	assert_string_equal(qh_cmd(h, "{\"execute\":\"getfd\",\"arguments\":"
				   "{\"fdname\":\"1tap\"}}"),
		"{\"error\":{\"class\":\"GenericError\",\"desc\":"
		"\"Parameter 'fdname' expects a name not starting with a digit\"}}"
		"\r\n");
	assert_int_equal(ss->pending_fd, p[0]);	/* not consumed */
	assert_string_equal(qh_cmd(h, "{\"execute\":\"getfd\",\"arguments\":"
				   "{\"fdname\":\"tap0\"}}"), OK);
	assert_int_equal(ss->pending_fd, -1);
	fd = qmp_server_take_fd(h->s, "tap0");
	assert_int_equal(fd, p[0]);
	assert_int_equal(qmp_server_take_fd(h->s, "tap0"), -ENOENT);
	close(fd);
	close(p[1]);
}

static void test_getfd_table_cap(void **state)
{
	struct qmp_harness *h = *state;
	char cmd[96];
	int p[2];

	for (int i = 0; i <= QMP_MAX_FDS; i++) {
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		close(p[1]);
		qmp_session_adopt_fd(qmp_server_mem_session(h->s), p[0]);
		snprintf(cmd, sizeof(cmd), "{\"execute\":\"getfd\",\"arguments\":"
			 "{\"fdname\":\"f%d\"}}", i);
		if (i < QMP_MAX_FDS)
			assert_string_equal(qh_cmd(h, cmd), OK);
		else
			assert_non_null(strstr(qh_cmd(h, cmd),
						"Too many file descriptors"));
	}
	/* Replacing an existing name works when full. */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[1]);
	qmp_session_adopt_fd(qmp_server_mem_session(h->s), p[0]);
	assert_string_equal(qh_cmd(h, "{\"execute\":\"getfd\",\"arguments\":"
				   "{\"fdname\":\"f3\"}}"), OK);
}

static void test_event_queue_cap(void **state)
{
	struct qmp_harness *h = *state;
	unsigned int lines = 0;
	const char *p;

	qbuf_reset(&h->out);
	for (int i = 0; i < 2 * QMP_EVENT_QUEUE_MAX; i++)
		qmp_server_emit_event(h->s, "DEVICE_DELETED",
				      "{\"device\":\"d\",\"path\":\"d\"}");
	qmp_server_flush_events(h->s);
	for (p = h->out.p; p && (p = strstr(p, "\r\n")); p += 2)
		lines++;
	assert_int_equal(lines, QMP_EVENT_QUEUE_MAX);
	assert_int_equal(h->s->events.dropped, QMP_EVENT_QUEUE_MAX);
}

static void test_event_timestamp(void **state)
{
	struct qmp_harness *h = *state;
	long long sec = 0;
	long usec = -1;
	const char *p;

	qbuf_reset(&h->out);
	qmp_server_emit_event(h->s, "RESET", "{\"guest\":true}");
	qmp_server_flush_events(h->s);
	p = strstr(h->out.p, "\"timestamp\":{");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "\"timestamp\":{\"seconds\":%lld,"
				"\"microseconds\":%ld}}", &sec, &usec), 2);
	assert_true(sec > 1600000000);
	assert_true(usec >= 0 && usec < 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting),
		cmocka_unit_test_setup_teardown(test_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capabilities_oob, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_envelope_errors, setup_neg,
						teardown),
		cmocka_unit_test_setup_teardown(test_parse_errors, setup_neg,
						teardown),
		cmocka_unit_test_setup_teardown(test_size_and_depth, setup_neg,
						teardown),
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_args_rejected_before_handler,
						setup_neg, teardown),
		cmocka_unit_test_setup_teardown(test_id_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_cont, setup_neg,
						teardown),
		cmocka_unit_test_setup_teardown(test_quit, setup_neg, teardown),
		cmocka_unit_test_setup_teardown(test_reset_powerdown, setup_neg,
						teardown),
		cmocka_unit_test_setup_teardown(test_queries, setup_neg, teardown),
		cmocka_unit_test_setup_teardown(test_query_commands, setup_neg,
						teardown),
		cmocka_unit_test_setup_teardown(test_getfd, setup_neg, teardown),
		cmocka_unit_test_setup_teardown(test_getfd_table_cap, setup_neg,
						teardown),
		cmocka_unit_test_setup_teardown(test_event_queue_cap, setup_neg,
						teardown),
		cmocka_unit_test_setup_teardown(test_event_timestamp, setup_neg,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
