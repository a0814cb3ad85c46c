// SPDX-License-Identifier: MIT
/*
 * Unit tests for the QMP sockets (vmm/qmp/server.c) with a real event loop
 * on a thread and a unix socket: greeting, byte-at-a-time requests, getfd
 * with SCM_RIGHTS, a new client replacing the old one, clients vanishing
 * mid-command, 20 clients in a row, oversize and deep input, events from
 * another thread, -mon chardev=ID, and cleanup of the socket path.
 */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cmocka.h>

#include "qmp_harness.h"
#include "vmm/util/eventloop.h"

#define GREETING QMP_GREETING "\r\n"
#define OK "{\"return\":{}}\r\n"

struct env {
	struct qmp_harness h;
	struct qmp_cfg qcfg;
	char path[108];
	pthread_t loop_thread;
};

static void *loop_main(void *opaque)
{
	struct env *e = opaque;

	assert_int_equal(eventloop_run(e->h.m.loop), 0);
	return NULL;
}

static void env_start(struct env *e, const struct qmp_cfg *cfgs,
		      unsigned int n)
{
	assert_int_equal(eventloop_create(&e->h.m.loop), 0);
	assert_int_equal(qmp_server_create(&e->h.m, cfgs, n, &e->h.m.qmp), 0);
	assert_int_equal(pthread_create(&e->loop_thread, NULL, loop_main, e), 0);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	qh_init(&e->h);
	/* The detached server of the harness is not used here. */
	qmp_server_destroy(e->h.s);
	e->h.s = NULL;
	e->h.m.qmp = NULL;
	snprintf(e->path, sizeof(e->path), "/tmp/test_qmp_%d.sock",
		 (int)getpid());
	e->qcfg.dev.kind = CHARDEV_UNIX;
	e->qcfg.dev.path = e->path;
	e->qcfg.dev.server = e->qcfg.dev.nowait = true;
	e->qcfg.present = true;
	env_start(e, &e->qcfg, 1);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	eventloop_stop(e->h.m.loop);
	pthread_join(e->loop_thread, NULL);
	qmp_server_destroy(e->h.m.qmp);
	e->h.m.qmp = NULL;
	eventloop_destroy(e->h.m.loop);
	qh_fini(&e->h);
	free(e);
	return 0;
}

static int cl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Read one CRLF-terminated line (kept) or "" on EOF; 5 s timeout. */
static char *cl_line(int fd)
{
	static char buf[4096];
	size_t n = 0;

	while (n < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		assert_int_equal(poll(&p, 1, 5000), 1);
		if (read(fd, &buf[n], 1) != 1)
			break;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return buf;
}

static void cl_send(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Connect, check the greeting, negotiate. */
static int cl_open(struct env *e)
{
	int fd = cl_connect(e->path);

	assert_string_equal(cl_line(fd), GREETING);
	cl_send(fd, "{\"execute\":\"qmp_capabilities\"}");
	assert_string_equal(cl_line(fd), OK);
	return fd;
}

static void test_greeting_and_command(void **state)
{
	struct env *e = *state;
	struct stat st;
	int fd;

	assert_int_equal(stat(e->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	fd = cl_connect(e->path);
	assert_string_equal(cl_line(fd), GREETING);
	cl_send(fd, "{\"execute\":\"query-status\"}");
	assert_string_equal(cl_line(fd),
		"{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"Expecting "
		"capabilities negotiation with 'qmp_capabilities'\"}}\r\n");
	cl_send(fd, "{\"execute\":\"qmp_capabilities\",\"id\":\"x\"}");
	assert_string_equal(cl_line(fd), "{\"return\":{},\"id\":\"x\"}\r\n");
	cl_send(fd, "{\"execute\":\"query-status\"}");
	assert_string_equal(cl_line(fd), "{\"return\":{\"running\":true,"
			    "\"singlestep\":false,\"status\":\"running\"}}\r\n");
	close(fd);
}

static void test_byte_at_a_time(void **state)
{
	struct env *e = *state;
	const char *cmd = "{\"execute\":\"query-target\",\"id\":{\"k\":\"}\"}}";
	int fd = cl_open(e);

	for (const char *p = cmd; *p; p++) {
		assert_int_equal(send(fd, p, 1, MSG_NOSIGNAL), 1);
		usleep(200);
	}
	assert_string_equal(cl_line(fd), "{\"return\":{\"arch\":\"x86_64\"},"
			    "\"id\":{\"k\":\"}\"}}\r\n");
	close(fd);
}

static void send_with_fd(int sock, const char *s, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)(uintptr_t)s,
			     .iov_len = strlen(s) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	assert_int_equal(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)strlen(s));
}

static void test_getfd_scm_rights(void **state)
{
	struct env *e = *state;
	int fd = cl_open(e), p[2], got;
	char c = 0;

	assert_int_equal(pipe(p), 0);
	send_with_fd(fd, "{\"execute\":\"getfd\",\"arguments\":"
		     "{\"fdname\":\"pipe\"}}", p[1]);
	close(p[1]);
	assert_string_equal(cl_line(fd), OK);
	close(fd);
	/* Stop the loop so the table is touched from this thread only. */
	eventloop_stop(e->h.m.loop);
	pthread_join(e->loop_thread, NULL);
	got = qmp_server_take_fd(e->h.m.qmp, "pipe");
	assert_true(got >= 0);
	assert_int_equal(write(got, "z", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'z');
	close(got);
	close(p[0]);
	assert_int_equal(pthread_create(&e->loop_thread, NULL, loop_main, e), 0);
}

static void test_new_client_replaces_old(void **state)
{
	struct env *e = *state;
	int a = cl_open(e), b;

	b = cl_open(e);
	assert_string_equal(cl_line(a), "");	/* closed by the server */
	cl_send(b, "{\"execute\":\"query-kvm\"}");
	assert_string_equal(cl_line(b), "{\"return\":{\"enabled\":true,"
			    "\"present\":true}}\r\n");
	close(a);
	close(b);
}

static void test_vanishing_clients(void **state)
{
	struct env *e = *state;
	int fd;

	for (int i = 0; i < 20; i++) {
		fd = cl_connect(e->path);
		if (i % 3 == 0)
			cl_send(fd, "{\"execute\":\"qmp_capabil");	/* half */
		else if (i % 3 == 1)
			cl_send(fd, "{\"execute\":\"qmp_capabilities\"}"
				    "{\"execute\":\"query-cpus\"}");
		close(fd);
	}
	fd = cl_open(e);
	cl_send(fd, "{\"execute\":\"query-version\"}");
	assert_string_equal(cl_line(fd), "{\"return\":{\"qemu\":{\"micro\":1,"
			    "\"minor\":0,\"major\":5},\"package\":"
			    "\"StratoVirt-2.5.0\"}}\r\n");
	close(fd);
}

static void test_big_and_deep(void **state)
{
	struct env *e = *state;
	size_t n = 1u << 20;
	char *big = malloc(n + 1);
	int fd = cl_open(e);

	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[1] = '"';
	big[n - 2] = '"';
	big[n - 1] = '}';
	big[n] = '\0';
	cl_send(fd, big);
	assert_string_equal(cl_line(fd), "{\"error\":{\"class\":\"GenericError\","
			    "\"desc\":\"QMP message too long (limit 65536 "
			    "bytes)\"}}\r\n");
	memset(big, '{', 10000);
	big[10000] = '\0';
	cl_send(fd, big);
	assert_string_equal(cl_line(fd), "{\"error\":{\"class\":\"GenericError\","
			    "\"desc\":\"JSON nesting depth limit exceeded\"}}\r\n");
	free(big);
	close(fd);	/* the unterminated message dies with the client */
	fd = cl_open(e);
	cl_send(fd, "[]");
	assert_string_equal(cl_line(fd), "{\"error\":{\"class\":\"GenericError\","
			    "\"desc\":\"QMP input must be a JSON object\"}}\r\n");
	close(fd);
}

static void *emitter(void *opaque)
{
	struct env *e = opaque;

	qmp_server_emit_event(e->h.m.qmp, "DEVICE_DELETED",
			      "{\"device\":\"blk0\",\"path\":\"blk0\"}");
	return NULL;
}

static void test_events(void **state)
{
	struct env *e = *state;
	pthread_t t;
	char *l;
	int fd = cl_open(e);

	cl_send(fd, "{\"execute\":\"stop\"}");
	l = cl_line(fd);
	assert_non_null(strstr(l, "{\"event\":\"STOP\",\"data\":{},"
			       "\"timestamp\":{\"seconds\":"));
	assert_string_equal(l + strlen(l) - 4, "}}\r\n");
	assert_string_equal(cl_line(fd), OK);
	cl_send(fd, "{\"execute\":\"cont\"}");
	assert_non_null(strstr(cl_line(fd), "{\"event\":\"RESUME\""));
	assert_string_equal(cl_line(fd), OK);
	assert_int_equal(pthread_create(&t, NULL, emitter, e), 0);
	pthread_join(t, NULL);
	assert_non_null(strstr(cl_line(fd), "{\"event\":\"DEVICE_DELETED\","
			       "\"data\":{\"device\":\"blk0\",\"path\":\"blk0\"},"
			       "\"timestamp\":{\"seconds\":"));
	close(fd);
}

static void test_shutdown_flushed_on_destroy(void **state)
{
	struct env *e = *state;
	int fd = cl_open(e);

	cl_send(fd, "{\"execute\":\"quit\"}");
	assert_string_equal(cl_line(fd), OK);
	assert_int_equal(e->h.m.shutdown_cause, SHUTDOWN_HOST_QMP_QUIT);
	/* As machine_run(): the loop ends, then SHUTDOWN, then destroy. */
	eventloop_stop(e->h.m.loop);
	pthread_join(e->loop_thread, NULL);
	qmp_server_emit_event(e->h.m.qmp, "SHUTDOWN",
			      "{\"guest\":false,\"reason\":\"host-qmp-quit\"}");
	qmp_server_destroy(e->h.m.qmp);
	e->h.m.qmp = NULL;
	assert_non_null(strstr(cl_line(fd), "{\"event\":\"SHUTDOWN\",\"data\":"
			       "{\"guest\":false,\"reason\":\"host-qmp-quit\"}"));
	assert_string_equal(cl_line(fd), "");
	assert_int_equal(access(e->path, F_OK), -1);	/* unlinked */
	close(fd);
	/* teardown expects a server and a running loop */
	e->qcfg.dev.path = e->path;
	assert_int_equal(qmp_server_create(&e->h.m, &e->qcfg, 1, &e->h.m.qmp), 0);
	assert_int_equal(pthread_create(&e->loop_thread, NULL, loop_main, e), 0);
}

static void test_mon_chardev(void **state)
{
	static char id[] = "mon0";
	struct env *e = *state;
	struct qmp_cfg mon = { .present = true, .chardev = id };
	struct qmp_server *s = NULL;
	struct qmp_cfg both[2];
	char path[128];
	int fd;

	/* Unknown chardev id fails cleanly. */
	assert_int_equal(qmp_server_create(&e->h.m, &mon, 1, &s), -EINVAL);
	snprintf(path, sizeof(path), "%s.mon", e->path);
	e->h.cfg.chardevs[0].kind = CHARDEV_UNIX;
	e->h.cfg.chardevs[0].id = id;
	e->h.cfg.chardevs[0].path = path;
	e->h.cfg.chardevs[0].server = true;
	e->h.cfg.nr_chardevs = 1;
	eventloop_stop(e->h.m.loop);
	pthread_join(e->loop_thread, NULL);
	qmp_server_destroy(e->h.m.qmp);
	eventloop_destroy(e->h.m.loop);
	both[0] = e->qcfg;
	both[1] = mon;
	env_start(e, both, 2);
	fd = cl_connect(path);
	assert_string_equal(cl_line(fd), GREETING);
	close(fd);
	fd = cl_open(e);	/* the -qmp socket works alongside */
	close(fd);
	memset(&e->h.cfg.chardevs[0], 0, sizeof(e->h.cfg.chardevs[0]));
	e->h.cfg.nr_chardevs = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_greeting_and_command, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_byte_at_a_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_getfd_scm_rights, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_new_client_replaces_old,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vanishing_clients, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_big_and_deep, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_flushed_on_destroy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mon_chardev, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
