// SPDX-License-Identifier: MIT
/*
 * The sv-agent protocol codec (include/sv/agent_proto.h), shared by the
 * static guest agent and the shim. Only libc: no logging, no allocation.
 * Every input byte is treated as hostile: lengths are checked against the
 * buffer before use, counts against the header's caps.
 */
#include <errno.h>
#include <string.h>

#include "sv/agent_proto.h"

void agent_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

uint32_t agent_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t agent_get_u64(const uint8_t *p)
{
	return (uint64_t)agent_get_u32(p) | (uint64_t)agent_get_u32(p + 4)
						    << 32;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	agent_put_u32(p, (uint32_t)v);
	agent_put_u32(p + 4, (uint32_t)(v >> 32));
}

void agent_hdr_encode(uint8_t out[AGENT_HDR_SIZE], uint8_t type,
		      uint32_t stream, uint32_t len)
{
	out[0] = (uint8_t)AGENT_MAGIC;
	out[1] = (uint8_t)(AGENT_MAGIC >> 8);
	out[2] = AGENT_VERSION;
	out[3] = type;
	agent_put_u32(out + 4, stream);
	agent_put_u32(out + 8, len);
	agent_put_u32(out + 12, 0);
}

long agent_frame_parse(const uint8_t *buf, size_t len, struct agent_hdr *h,
		       const uint8_t **payload)
{
	if (len < AGENT_HDR_SIZE)
		return 0;
	if ((buf[0] | buf[1] << 8) != AGENT_MAGIC || buf[2] != AGENT_VERSION)
		return -EPROTO;
	h->version = buf[2];
	h->type = buf[3];
	h->stream = agent_get_u32(buf + 4);
	h->len = agent_get_u32(buf + 8);
	h->flags = agent_get_u32(buf + 12);
	if (h->type == 0 || h->type >= AGENT_MSG_MAX_ || h->flags != 0)
		return -EPROTO;
	if (h->len > AGENT_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (len - AGENT_HDR_SIZE < h->len)
		return 0;
	*payload = buf + AGENT_HDR_SIZE;
	return (long)(AGENT_HDR_SIZE + h->len);
}

void agent_spec_writer_init(struct agent_spec_writer *w, uint8_t *buf,
			    size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

/* Reserve a record of len value bytes; NULL (and a sticky error) if full. */
static uint8_t *spec_reserve(struct agent_spec_writer *w, uint16_t tag,
			     size_t len)
{
	uint8_t *p;

	if (w->err || len > 0xffff || w->cap - w->len < 4 + len) {
		w->err = -EMSGSIZE;
		return NULL;
	}
	p = w->buf + w->len;
	p[0] = (uint8_t)tag;
	p[1] = (uint8_t)(tag >> 8);
	p[2] = (uint8_t)len;
	p[3] = (uint8_t)(len >> 8);
	w->len += 4 + len;
	return p + 4;
}

void agent_spec_put_str(struct agent_spec_writer *w, uint16_t tag,
			const char *s)
{
	size_t n = strlen(s);
	uint8_t *p = spec_reserve(w, tag, n);

	if (p)
		memcpy(p, s, n);
}

void agent_spec_put_u32(struct agent_spec_writer *w, uint16_t tag, uint32_t v)
{
	uint8_t *p = spec_reserve(w, tag, 4);

	if (p)
		agent_put_u32(p, v);
}

void agent_spec_put_u8(struct agent_spec_writer *w, uint16_t tag, uint8_t v)
{
	uint8_t *p = spec_reserve(w, tag, 1);

	if (p)
		*p = v;
}

void agent_spec_put_mount(struct agent_spec_writer *w, uint32_t flags,
			  const char *type, const char *source,
			  const char *target, const char *data)
{
	const char *parts[4] = { type, source, target, data };
	size_t n = 4 + 3, off = 4;
	uint8_t *p;

	for (int i = 0; i < 4; i++)
		n += strlen(parts[i]);
	p = spec_reserve(w, AGENT_TAG_MOUNT, n);
	if (!p)
		return;
	agent_put_u32(p, flags);
	for (int i = 0; i < 4; i++) {
		size_t l = strlen(parts[i]);

		memcpy(p + off, parts[i], l);
		off += l;
		if (i < 3)
			p[off++] = '\0';
	}
}

void agent_spec_put_rlimit(struct agent_spec_writer *w, uint32_t resource,
			   uint64_t soft, uint64_t hard)
{
	uint8_t *p = spec_reserve(w, AGENT_TAG_RLIMIT, 20);

	if (!p)
		return;
	agent_put_u32(p, resource);
	put_u64(p + 4, soft);
	put_u64(p + 12, hard);
}

/* Copy len bytes into strbuf as a C string; NULL on NUL inside or no room. */
static const char *spec_str(struct agent_spec *s, const uint8_t *p, size_t len)
{
	char *out;

	if (len > AGENT_SPEC_MAX_STR || memchr(p, '\0', len))
		return NULL;
	if (sizeof(s->strbuf) - s->strused < len + 1)
		return NULL;
	out = s->strbuf + s->strused;
	memcpy(out, p, len);
	out[len] = '\0';
	s->strused += len + 1;
	return out;
}

/* MOUNT: u32 flags, then four strings separated by exactly three NULs. */
static int spec_mount(struct agent_spec *s, const uint8_t *p, size_t len)
{
	struct agent_mount *m;
	const char *f[4];
	size_t start = 4;
	int n = 0;

	if (len < 4 + 3 || s->nmounts >= AGENT_SPEC_MAX_MOUNTS)
		return -E2BIG;
	for (size_t i = 4; i <= len && n < 4; i++) {
		if (i < len && p[i] != '\0')
			continue;
		if (i == len && n != 3)
			return -EINVAL;
		f[n] = spec_str(s, p + start, i - start);
		if (!f[n++])
			return -EINVAL;
		start = i + 1;
	}
	if (n != 4 || start != len + 1)
		return -EINVAL;
	m = &s->mounts[s->nmounts++];
	m->flags = agent_get_u32(p);
	m->type = f[0];
	m->source = f[1];
	m->target = f[2];
	m->data = f[3];
	return 0;
}

static int spec_list(struct agent_spec *s, const char **list, unsigned int *n,
		     unsigned int max, const uint8_t *p, size_t len)
{
	if (*n >= max)
		return -E2BIG;
	list[*n] = spec_str(s, p, len);
	if (!list[*n])
		return -EINVAL;
	(*n)++;
	return 0;
}

static int spec_u32(uint32_t *out, const uint8_t *p, size_t len)
{
	if (len != 4)
		return -EINVAL;
	*out = agent_get_u32(p);
	return 0;
}

static int spec_rlimit(struct agent_spec *s, const uint8_t *p, size_t len)
{
	struct agent_rlimit *r;

	if (len != 20)
		return -EINVAL;
	if (s->nrlimits >= AGENT_SPEC_MAX_RLIMITS)
		return -E2BIG;
	r = &s->rlimits[s->nrlimits++];
	r->resource = agent_get_u32(p);
	r->soft = agent_get_u64(p + 4);
	r->hard = agent_get_u64(p + 12);
	return 0;
}

static int spec_gid(struct agent_spec *s, const uint8_t *p, size_t len)
{
	if (s->ngids >= AGENT_SPEC_MAX_GIDS)
		return -E2BIG;
	return spec_u32(&s->gids[s->ngids++], p, len);
}

static int spec_once_str(struct agent_spec *s, const char **out,
			 const uint8_t *p, size_t len)
{
	if (*out)
		return -EINVAL;
	*out = spec_str(s, p, len);
	return *out ? 0 : -EINVAL;
}

/* TERMINAL: u8 (agent_spec_put_u8) or u32 (agent_spec_put_u32), 0 or 1. */
static int spec_terminal(struct agent_spec *s, const uint8_t *p, size_t len)
{
	uint32_t v;

	if (len == 1)
		v = p[0];
	else if (len == 4)
		v = agent_get_u32(p);
	else
		return -EINVAL;
	if (v > 1)
		return -EINVAL;
	s->terminal = (int)v;
	return 0;
}

static int spec_record(struct agent_spec *s, uint16_t tag, const uint8_t *p,
		       size_t len)
{
	switch (tag) {
	case AGENT_TAG_ARG:
		return spec_list(s, s->args, &s->nargs, AGENT_SPEC_MAX_ARGS, p,
				 len);
	case AGENT_TAG_ENV:
		return spec_list(s, s->env, &s->nenv, AGENT_SPEC_MAX_ENV, p,
				 len);
	case AGENT_TAG_CWD:
		return spec_once_str(s, &s->cwd, p, len);
	case AGENT_TAG_HOSTNAME:
		return spec_once_str(s, &s->hostname, p, len);
	case AGENT_TAG_UID:
		return spec_u32(&s->uid, p, len);
	case AGENT_TAG_GID:
		return spec_u32(&s->gid, p, len);
	case AGENT_TAG_AGID:
		return spec_gid(s, p, len);
	case AGENT_TAG_TERMINAL:
		return spec_terminal(s, p, len);
	case AGENT_TAG_MOUNT:
		return spec_mount(s, p, len);
	case AGENT_TAG_RLIMIT:
		return spec_rlimit(s, p, len);
	default:
		return -EINVAL;
	}
}

int agent_spec_decode(struct agent_spec *spec, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	int ret;

	memset(spec, 0, offsetof(struct agent_spec, strbuf));
	if (len > AGENT_MAX_PAYLOAD)
		return -E2BIG;
	while (off < len) {
		uint16_t tag, rlen;

		if (len - off < 4)
			return -EINVAL;
		tag = (uint16_t)(buf[off] | buf[off + 1] << 8);
		rlen = (uint16_t)(buf[off + 2] | buf[off + 3] << 8);
		off += 4;
		if (len - off < rlen)
			return -EINVAL;
		ret = spec_record(spec, tag, buf + off, rlen);
		if (ret < 0)
			return ret;
		off += rlen;
	}
	if (spec->nargs == 0)
		return -EINVAL;
	spec->args[spec->nargs] = NULL;
	spec->env[spec->nenv] = NULL;
	return 0;
}

void agent_exit_encode(uint8_t out[8], const struct agent_exit *e)
{
	agent_put_u32(out, e->code);
	agent_put_u32(out + 4, e->flags);
}

int agent_exit_decode(struct agent_exit *e, const uint8_t *buf, size_t len)
{
	if (len != 8)
		return -EINVAL;
	e->code = agent_get_u32(buf);
	e->flags = agent_get_u32(buf + 4);
	if (e->flags & ~(AGENT_EXIT_SIGNALED | AGENT_EXIT_COREDUMP))
		return -EINVAL;
	if (e->flags & AGENT_EXIT_SIGNALED ? e->code < 1 || e->code > 64 :
					     e->code > 255)
		return -EINVAL;
	return 0;
}

int agent_exit_status(const struct agent_exit *e)
{
	if (e->flags & AGENT_EXIT_SIGNALED)
		return 128 + (int)e->code;
	return (int)e->code;
}

int agent_u32_decode(uint32_t *v, const uint8_t *buf, size_t len)
{
	return spec_u32(v, buf, len);
}

int agent_signal_decode(uint32_t *sig, uint32_t *flags, const uint8_t *buf,
			size_t len)
{
	if (len != 4 && len != 8)
		return -EINVAL;
	*sig = agent_get_u32(buf);
	*flags = len == 8 ? agent_get_u32(buf + 4) : 0;
	if (*sig < 1 || *sig > 64 || (*flags & ~AGENT_SIGNAL_ALL))
		return -EINVAL;
	return 0;
}
