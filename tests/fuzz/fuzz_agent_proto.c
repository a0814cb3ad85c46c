// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the host side of the sv-agent protocol: bytes "from the
 * guest" go through shim/agent_client.c's receiver (frame parser with its
 * 64 KiB cap) and every frame's payload through the matching decoder
 * (process spec, exit status, u32). The whole input is also decoded as a
 * process spec, the agent's own decoder.
 *
 * Input format (corpus/agent_proto/): if the first byte is below 0x10 it
 * selects the feed size (byte * 97 + 1) to split frames across reads.
 *
 * The codec and client are included, not linked: `make fuzz` links fuzz
 * targets against libvmm/liboci only, and neither holds them.
 *
 * Aborts when an invariant breaks: a frame over the cap, a spec whose
 * counts pass their caps or whose arrays are not NULL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "contrib/agent/proto.c"
#include "shim/agent_client.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct agent_client fz_client;
static struct agent_spec fz_spec;

static void check_spec(const uint8_t *p, size_t len)
{
	if (agent_spec_decode(&fz_spec, p, len) < 0)
		return;
	if (fz_spec.nargs == 0 || fz_spec.nargs > AGENT_SPEC_MAX_ARGS ||
	    fz_spec.nenv > AGENT_SPEC_MAX_ENV ||
	    fz_spec.ngids > AGENT_SPEC_MAX_GIDS ||
	    fz_spec.nmounts > AGENT_SPEC_MAX_MOUNTS ||
	    fz_spec.nrlimits > AGENT_SPEC_MAX_RLIMITS ||
	    fz_spec.args[fz_spec.nargs] || fz_spec.env[fz_spec.nenv] ||
	    fz_spec.strused > sizeof(fz_spec.strbuf))
		abort();
	for (unsigned int i = 0; i < fz_spec.nargs; i++)
		if (strlen(fz_spec.args[i]) > AGENT_SPEC_MAX_STR)
			abort();
}

static void check_msg(const struct agent_msg *m)
{
	struct agent_exit e;
	uint32_t v, fl;

	if (m->hdr.len > AGENT_MAX_PAYLOAD || m->hdr.type == 0 ||
	    m->hdr.type >= AGENT_MSG_MAX_)
		abort();
	switch (m->hdr.type) {
	case AGENT_MSG_START:
	case AGENT_MSG_EXEC:
		check_spec(m->payload, m->hdr.len);
		break;
	case AGENT_MSG_EXIT:
		if (agent_exit_decode(&e, m->payload, m->hdr.len) == 0 &&
		    (agent_exit_status(&e) < 0 || agent_exit_status(&e) > 255))
			abort();
		break;
	case AGENT_MSG_SIGNAL:
		if (agent_signal_decode(&v, &fl, m->payload, m->hdr.len) == 0 &&
		    (v < 1 || v > 64 || fl > AGENT_SIGNAL_ALL))
			abort();
		break;
	default:
		(void)agent_u32_decode(&v, m->payload, m->hdr.len);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_msg m;
	size_t chunk = size ? size : 1;

	check_spec(data, size);
	if (size && data[0] < 0x10) {
		chunk = (size_t)data[0] * 97 + 1;
		data++;
		size--;
	}
	agent_client_init(&fz_client, -1);
	while (size) {
		size_t room = AGENT_MAX_FRAME - fz_client.have;
		size_t n = size < chunk ? size : chunk;

		n = n < room ? n : room;
		if (n == 0 || agent_client_feed(&fz_client, data, n) < 0)
			break;
		data += n;
		size -= n;
		while (agent_client_next(&fz_client, &m) > 0)
			check_msg(&m);
		if (fz_client.broken)
			break;
	}
	return 0;
}
