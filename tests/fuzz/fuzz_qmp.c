// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the QMP server: bytes go through the framing scanner,
 * the JSON wrapper, dispatch and the command handlers of a detached server
 * over a hand-filled machine (tests/unit/qmp_harness.h).
 *
 * Input format (corpus/qmp/): the bytes a client sends. If the first byte
 * is below 0x10 it is not sent but selects the write size (byte + 1), to
 * exercise messages split across reads; otherwise everything is one write.
 *
 * Besides crashes and leaks, it aborts when the output contract breaks:
 * every line the server writes must end in CRLF and be a JSON object with
 * exactly one of "QMP", "return", "error", "event".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/qmp_harness.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(const char *line, size_t len)
{
	static const char *const keys[] = { "QMP", "return", "error", "event" };
	struct qjson *v;
	char err[160];
	unsigned int found = 0;
	char *copy;

	if (len < 2 || line[len - 2] != '\r')
		abort();
	copy = strndup(line, len - 2);
	if (!copy || qjson_parse(copy, len - 2, &v, err, sizeof(err)) < 0)
		abort();
	if (qjson_type(v) != QJSON_OBJECT)
		abort();
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		found += qjson_obj_get(v, keys[i]) != NULL;
	if (found != 1)
		abort();
	qjson_free(v);
	free(copy);
}

static void check_output(const struct qbuf *out)
{
	const char *p = out->p, *nl;

	if (!p)
		abort();	/* at least the greeting */
	while ((nl = strchr(p, '\n'))) {
		check_line(p, (size_t)(nl - p) + 1);
		p = nl + 1;
	}
	if (*p)
		abort();	/* a partial line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qmp_harness h;
	size_t chunk = size;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (size && data[0] < 0x10) {
		chunk = (size_t)data[0] + 1;
		data++;
		size--;
	}
	qh_init(&h);
	for (size_t off = 0; off < size; off += chunk)
		qmp_server_mem_input(h.s, data + off, SV_MIN(chunk, size - off));
	qmp_server_flush_events(h.s);
	check_output(&h.out);
	qh_fini(&h);
	return 0;
}
