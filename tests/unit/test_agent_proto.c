// SPDX-License-Identifier: MIT
/*
 * Unit tests of the sv-agent protocol codec (contrib/agent/proto.c) and
 * the host-side frame receiver (shim/agent_client.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "shim/agent_client.h"
#include "sv/agent_proto.h"

static struct agent_spec spec;
static struct agent_client client;
static uint8_t buf[AGENT_MAX_FRAME + 64];

static void test_hdr_roundtrip(void **state)
{
	struct agent_hdr h;
	const uint8_t *pl = NULL;

	(void)state;
	agent_hdr_encode(buf, AGENT_MSG_STDOUT, 7, 3);
	memcpy(buf + AGENT_HDR_SIZE, "abc", 3);
	assert_int_equal(agent_frame_parse(buf, AGENT_HDR_SIZE + 3, &h, &pl),
			 AGENT_HDR_SIZE + 3);
	assert_int_equal(h.type, AGENT_MSG_STDOUT);
	assert_int_equal(h.stream, 7);
	assert_int_equal(h.len, 3);
	assert_ptr_equal(pl, buf + AGENT_HDR_SIZE);
	/* Incomplete header or payload: need more. */
	assert_int_equal(agent_frame_parse(buf, AGENT_HDR_SIZE - 1, &h, &pl),
			 0);
	assert_int_equal(agent_frame_parse(buf, AGENT_HDR_SIZE + 2, &h, &pl),
			 0);
}

static void test_hdr_reject(void **state)
{
	struct agent_hdr h;
	const uint8_t *pl;

	(void)state;
	agent_hdr_encode(buf, AGENT_MSG_STDOUT, 1, 0);
	buf[0] ^= 1;
	assert_int_equal(agent_frame_parse(buf, 16, &h, &pl), -EPROTO);
	agent_hdr_encode(buf, AGENT_MSG_STDOUT, 1, 0);
	buf[2] = 2;
	assert_int_equal(agent_frame_parse(buf, 16, &h, &pl), -EPROTO);
	agent_hdr_encode(buf, 0, 1, 0);
	assert_int_equal(agent_frame_parse(buf, 16, &h, &pl), -EPROTO);
	agent_hdr_encode(buf, AGENT_MSG_MAX_, 1, 0);
	assert_int_equal(agent_frame_parse(buf, 16, &h, &pl), -EPROTO);
	agent_hdr_encode(buf, AGENT_MSG_STDOUT, 1, 0);
	buf[12] = 1;
	assert_int_equal(agent_frame_parse(buf, 16, &h, &pl), -EPROTO);
	/* Over the cap: refused from the header alone, before the payload. */
	agent_hdr_encode(buf, AGENT_MSG_STDOUT, 1, AGENT_MAX_PAYLOAD + 1);
	assert_int_equal(agent_frame_parse(buf, 16, &h, &pl), -EMSGSIZE);
	agent_hdr_encode(buf, AGENT_MSG_STDOUT, 1, 0xffffffffu);
	assert_int_equal(agent_frame_parse(buf, 16, &h, &pl), -EMSGSIZE);
	agent_hdr_encode(buf, AGENT_MSG_STDOUT, 1, AGENT_MAX_PAYLOAD);
	assert_int_equal(agent_frame_parse(buf, AGENT_MAX_FRAME, &h, &pl),
			 AGENT_MAX_FRAME);
}

static size_t build_full_spec(void)
{
	struct agent_spec_writer w;

	agent_spec_writer_init(&w, buf, AGENT_MAX_PAYLOAD);
	agent_spec_put_str(&w, AGENT_TAG_ARG, "/bin/sh");
	agent_spec_put_str(&w, AGENT_TAG_ARG, "");
	agent_spec_put_str(&w, AGENT_TAG_ENV, "A=b");
	agent_spec_put_str(&w, AGENT_TAG_CWD, "/tmp");
	agent_spec_put_str(&w, AGENT_TAG_HOSTNAME, "h");
	agent_spec_put_u32(&w, AGENT_TAG_UID, 1000);
	agent_spec_put_u32(&w, AGENT_TAG_GID, 1001);
	agent_spec_put_u32(&w, AGENT_TAG_AGID, 5);
	agent_spec_put_u8(&w, AGENT_TAG_TERMINAL, 1);
	agent_spec_put_mount(&w, 0x1000, "bind", "/src", "/dst", "");
	agent_spec_put_rlimit(&w, 7, 64, 0xffffffffffffffffull);
	assert_int_equal(w.err, 0);
	return w.len;
}

static void test_spec_roundtrip(void **state)
{
	static bool boundary[AGENT_MAX_PAYLOAD];
	size_t len = build_full_spec();

	(void)state;
	assert_int_equal(agent_spec_decode(&spec, buf, len), 0);
	assert_int_equal(spec.nargs, 2);
	assert_string_equal(spec.args[0], "/bin/sh");
	assert_string_equal(spec.args[1], "");
	assert_null(spec.args[2]);
	assert_string_equal(spec.env[0], "A=b");
	assert_null(spec.env[1]);
	assert_string_equal(spec.cwd, "/tmp");
	assert_string_equal(spec.hostname, "h");
	assert_int_equal(spec.uid, 1000);
	assert_int_equal(spec.gid, 1001);
	assert_int_equal(spec.ngids, 1);
	assert_int_equal(spec.gids[0], 5);
	assert_int_equal(spec.terminal, 1);
	assert_int_equal(spec.nmounts, 1);
	assert_int_equal(spec.mounts[0].flags, 0x1000);
	assert_string_equal(spec.mounts[0].type, "bind");
	assert_string_equal(spec.mounts[0].source, "/src");
	assert_string_equal(spec.mounts[0].target, "/dst");
	assert_string_equal(spec.mounts[0].data, "");
	assert_int_equal(spec.nrlimits, 1);
	assert_int_equal(spec.rlimits[0].resource, 7);
	assert_int_equal(spec.rlimits[0].soft, 64);
	assert_true(spec.rlimits[0].hard == 0xffffffffffffffffull);
	/* A prefix decodes exactly when it ends on a record boundary. */
	memset(boundary, 0, sizeof(boundary));
	for (size_t off = 0; off < len;
	     off += 4 + (buf[off + 2] | buf[off + 3] << 8))
		boundary[off] = true;
	for (size_t i = 1; i < len; i++)
		assert_int_equal(agent_spec_decode(&spec, buf, i) == 0,
				 boundary[i]);
}

static int decode_raw(const char *raw, size_t len)
{
	memcpy(buf, raw, len);
	return agent_spec_decode(&spec, buf, len);
}

static void test_spec_reject(void **state)
{
	(void)state;
	/* No args at all. */
	assert_int_equal(decode_raw("", 0), -EINVAL);
	assert_int_equal(decode_raw("\x03\x00\x01\x00/", 5), -EINVAL);
	/* Record longer than the buffer; truncated header. */
	assert_int_equal(decode_raw("\x01\x00\x09\x00sh", 6), -EINVAL);
	assert_int_equal(decode_raw("\x01\x00\x02\x00sh\x01", 7), -EINVAL);
	/* NUL inside a string, unknown tag, bad sizes and values. */
	assert_int_equal(decode_raw("\x01\x00\x02\x00s\0", 6), -EINVAL);
	assert_int_equal(decode_raw("\x63\x00\x00\x00", 4), -EINVAL);
	assert_int_equal(decode_raw("\x04\x00\x03\x00\x01\x02\x03", 7),
			 -EINVAL);
	assert_int_equal(decode_raw("\x08\x00\x01\x00\x02", 5), -EINVAL);
	assert_int_equal(decode_raw("\x08\x00\x04\x00\x02\0\0\0", 8), -EINVAL);
	assert_int_equal(decode_raw("\x08\x00\x02\x00\x01\0", 6), -EINVAL);
	assert_int_equal(decode_raw("\x08\x00\x04\x00\x01\0\0\0"
				    "\x01\x00\x01\x00x",
				    13),
			 0);
	assert_int_equal(spec.terminal, 1);
	assert_int_equal(decode_raw("\x0a\x00\x13\x00"
				    "0123456789012345678",
				    23),
			 -EINVAL);
	/* Duplicate cwd. */
	assert_int_equal(decode_raw("\x03\x00\x01\x00/\x03\x00\x01\x00/", 10),
			 -EINVAL);
	/* Mounts with two and with four NULs, and a short one. */
	assert_int_equal(decode_raw("\x09\x00\x09\x00\0\0\0\0a\0b\0c", 13),
			 -EINVAL);
	assert_int_equal(decode_raw("\x09\x00\x0b\x00\0\0\0\0a\0b\0c\0d", 15),
			 -EINVAL);
	assert_int_equal(decode_raw("\x09\x00\x04\x00\0\0\0\0", 8), -E2BIG);
	assert_int_equal(decode_raw("\x09\x00\x07\x00\0\0\0\0\0\0\0\x01\x00"
				    "\x01\x00x",
				    16),
			 0);
}

static void test_spec_caps(void **state)
{
	struct agent_spec_writer w;
	size_t i;

	(void)state;
	agent_spec_writer_init(&w, buf, AGENT_MAX_PAYLOAD);
	for (i = 0; i <= AGENT_SPEC_MAX_ARGS; i++)
		agent_spec_put_str(&w, AGENT_TAG_ARG, "x");
	assert_int_equal(agent_spec_decode(&spec, buf, w.len), -E2BIG);
	agent_spec_writer_init(&w, buf, AGENT_MAX_PAYLOAD);
	agent_spec_put_str(&w, AGENT_TAG_ARG, "x");
	for (i = 0; i <= AGENT_SPEC_MAX_GIDS; i++)
		agent_spec_put_u32(&w, AGENT_TAG_AGID, (uint32_t)i);
	assert_int_equal(agent_spec_decode(&spec, buf, w.len), -E2BIG);
	/* A full writer stays full. */
	agent_spec_writer_init(&w, buf, 10);
	agent_spec_put_str(&w, AGENT_TAG_ARG, "abcdefg");
	assert_int_equal(w.err, -EMSGSIZE);
	agent_spec_put_str(&w, AGENT_TAG_ARG, "");
	assert_int_equal(w.len, 0);
	assert_int_equal(agent_spec_decode(&spec, buf, AGENT_MAX_PAYLOAD + 1),
			 -E2BIG);
}

static void test_exit(void **state)
{
	struct agent_exit e = { 9, AGENT_EXIT_SIGNALED }, d;
	uint8_t p[8];

	(void)state;
	agent_exit_encode(p, &e);
	assert_int_equal(agent_exit_decode(&d, p, 8), 0);
	assert_int_equal(agent_exit_status(&d), 137);
	assert_int_equal(agent_exit_decode(&d, p, 7), -EINVAL);
	e = (struct agent_exit){ 65, AGENT_EXIT_SIGNALED };
	agent_exit_encode(p, &e);
	assert_int_equal(agent_exit_decode(&d, p, 8), -EINVAL);
	e = (struct agent_exit){ 256, 0 };
	agent_exit_encode(p, &e);
	assert_int_equal(agent_exit_decode(&d, p, 8), -EINVAL);
	e = (struct agent_exit){ 3, 4 };
	agent_exit_encode(p, &e);
	assert_int_equal(agent_exit_decode(&d, p, 8), -EINVAL);
	e = (struct agent_exit){ 42, 0 };
	agent_exit_encode(p, &e);
	assert_int_equal(agent_exit_decode(&d, p, 8), 0);
	assert_int_equal(agent_exit_status(&d), 42);
}

static void test_signal(void **state)
{
	uint8_t p[8];
	uint32_t sig, fl;

	(void)state;
	agent_put_u32(p, 15);
	agent_put_u32(p + 4, AGENT_SIGNAL_ALL);
	assert_int_equal(agent_signal_decode(&sig, &fl, p, 4), 0);
	assert_int_equal(sig, 15);
	assert_int_equal(fl, 0);
	assert_int_equal(agent_signal_decode(&sig, &fl, p, 8), 0);
	assert_int_equal(fl, AGENT_SIGNAL_ALL);
	assert_int_equal(agent_signal_decode(&sig, &fl, p, 5), -EINVAL);
	agent_put_u32(p + 4, 2);
	assert_int_equal(agent_signal_decode(&sig, &fl, p, 8), -EINVAL);
	agent_put_u32(p, 0);
	assert_int_equal(agent_signal_decode(&sig, &fl, p, 4), -EINVAL);
	agent_put_u32(p, 65);
	assert_int_equal(agent_signal_decode(&sig, &fl, p, 4), -EINVAL);
}

static void test_client_feed(void **state)
{
	struct agent_msg m;
	uint8_t f[2 * AGENT_HDR_SIZE + 5];

	(void)state;
	agent_client_init(&client, -1);
	agent_hdr_encode(f, AGENT_MSG_STDOUT, 1, 5);
	memcpy(f + AGENT_HDR_SIZE, "hello", 5);
	agent_hdr_encode(f + AGENT_HDR_SIZE + 5, AGENT_MSG_STDERR, 2, 0);
	/* Byte by byte: a frame appears only once complete. */
	for (size_t i = 0; i < AGENT_HDR_SIZE + 4; i++) {
		assert_int_equal(agent_client_feed(&client, f + i, 1), 0);
		assert_int_equal(agent_client_next(&client, &m), 0);
	}
	assert_int_equal(agent_client_feed(&client, f + 20, sizeof(f) - 20), 0);
	assert_int_equal(agent_client_next(&client, &m), 1);
	assert_int_equal(m.hdr.type, AGENT_MSG_STDOUT);
	assert_memory_equal(m.payload, "hello", 5);
	assert_int_equal(agent_client_next(&client, &m), 1);
	assert_int_equal(m.hdr.type, AGENT_MSG_STDERR);
	assert_int_equal(m.hdr.stream, 2);
	assert_int_equal(agent_client_next(&client, &m), 0);
	/* A bad frame breaks the connection for good. */
	assert_int_equal(agent_client_feed(&client, "garbage-garbage-", 16), 0);
	assert_int_equal(agent_client_next(&client, &m), -EPROTO);
	agent_hdr_encode(f, AGENT_MSG_STDOUT, 1, 0);
	assert_int_equal(agent_client_next(&client, &m), -EPROTO);
	agent_client_init(&client, -1);
	assert_int_equal(agent_client_feed(&client, buf, AGENT_MAX_FRAME), 0);
	assert_int_equal(agent_client_feed(&client, buf, 1), -ENOBUFS);
}

static void test_client_socket(void **state)
{
	struct agent_msg m;
	uint8_t f[AGENT_HDR_SIZE + 8];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	agent_client_init(&client, sv[0]);
	agent_hdr_encode(f, AGENT_MSG_READY, 0, 3);
	memcpy(f + AGENT_HDR_SIZE, "v1x", 3);
	assert_int_equal(write(sv[1], f, AGENT_HDR_SIZE + 3),
			 AGENT_HDR_SIZE + 3);
	assert_int_equal(agent_client_handshake(&client, 1000), 0);
	assert_int_equal(read(sv[1], f, sizeof(f)), AGENT_HDR_SIZE);
	assert_int_equal(f[3], AGENT_MSG_HELLO);
	assert_int_equal(agent_client_recv(&client, &m, 50), -ETIMEDOUT);
	assert_int_equal(agent_client_signal(&client, 1, 0), -EINVAL);
	assert_int_equal(agent_client_send(&client, AGENT_MSG_STDIN, 1, buf,
					   AGENT_MAX_PAYLOAD + 1),
			 -EMSGSIZE);
	/* Half a frame, then EOF: a protocol error, not a clean end. */
	assert_int_equal(write(sv[1], f, 5), 5);
	close(sv[1]);
	assert_int_equal(agent_client_recv(&client, &m, 1000), -EPROTO);
	agent_client_close(&client);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_roundtrip),
		cmocka_unit_test(test_hdr_reject),
		cmocka_unit_test(test_spec_roundtrip),
		cmocka_unit_test(test_spec_reject),
		cmocka_unit_test(test_spec_caps),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_client_feed),
		cmocka_unit_test(test_client_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
