// SPDX-License-Identifier: MIT
/*
 * QMP framing: requests arrive as a byte stream with no delimiter (a client
 * may send half a message, several at once, or one byte per write). A small
 * scanner tracks string/escape state and bracket depth and hands each
 * complete top-level value to the caller. A top-level scalar or stray byte
 * becomes its own message, so dispatch answers it with a JSON error and the
 * stream resynchronises. Messages over QMP_MSG_MAX bytes or QMP_DEPTH_MAX
 * levels are reported once and the rest of them skipped without storing
 * them: memory per client is bounded by QMP_MSG_MAX.
 */
#include "vmm/qmp/qmp_internal.h"

#include <string.h>

void qmp_stream_init(struct qmp_stream *st)
{
	memset(st, 0, sizeof(*st));
}

void qmp_stream_fini(struct qmp_stream *st)
{
	free(st->buf);
	memset(st, 0, sizeof(*st));
}

static bool is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Ends a bare top-level token (number, literal, garbage). */
static bool ends_bare(uint8_t c)
{
	return is_ws(c) || c == '{' || c == '}' || c == '[' || c == ']' ||
	       c == '"';
}

static void start(struct qmp_stream *st)
{
	st->in_msg = true;
	st->len = 0;
	st->depth = 0;
	st->in_str = st->esc = st->bare = st->skip = false;
}

/* Store one byte; false when fn asked to stop. */
static bool append(struct qmp_stream *st, uint8_t c, qmp_frame_fn fn,
		   void *opaque)
{
	if (st->skip)
		return true;
	if (st->len == QMP_MSG_MAX) {
		st->skip = true;
		return fn(opaque, QMP_FRAME_TOO_BIG, NULL, 0);
	}
	if (st->len + 2 > st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 512;

		if (cap > QMP_MSG_MAX + 1)
			cap = QMP_MSG_MAX + 1;
		st->buf = realloc(st->buf, cap);
		if (!st->buf)
			abort();	/* bounded by QMP_MSG_MAX */
		st->cap = cap;
	}
	st->buf[st->len++] = (char)c;
	return true;
}

static bool finish(struct qmp_stream *st, qmp_frame_fn fn, void *opaque)
{
	st->in_msg = false;
	if (st->skip)
		return true;	/* already reported */
	st->buf[st->len] = '\0';
	return fn(opaque, QMP_FRAME_MSG, st->buf, st->len);
}

static bool open_bracket(struct qmp_stream *st, uint8_t c, qmp_frame_fn fn,
			 void *opaque)
{
	st->depth++;
	if (st->depth > QMP_DEPTH_MAX && !st->skip) {
		st->skip = true;
		return fn(opaque, QMP_FRAME_TOO_DEEP, NULL, 0);
	}
	return append(st, c, fn, opaque);
}

static bool close_bracket(struct qmp_stream *st, uint8_t c, qmp_frame_fn fn,
			  void *opaque)
{
	if (!append(st, c, fn, opaque))
		return false;
	if (st->depth > 0)
		st->depth--;
	return st->depth == 0 ? finish(st, fn, opaque) : true;
}

static bool in_string(struct qmp_stream *st, uint8_t c, qmp_frame_fn fn,
		      void *opaque)
{
	if (!append(st, c, fn, opaque))
		return false;
	if (st->esc)
		st->esc = false;
	else if (c == '\\')
		st->esc = true;
	else if (c == '"')
		st->in_str = false;
	if (!st->in_str && st->depth == 0)
		return finish(st, fn, opaque);	/* top-level string */
	return true;
}

static bool structural(struct qmp_stream *st, uint8_t c, qmp_frame_fn fn,
		       void *opaque)
{
	switch (c) {
	case '"':
		st->in_str = true;
		return append(st, c, fn, opaque);
	case '{':
	case '[':
		return open_bracket(st, c, fn, opaque);
	case '}':
	case ']':
		return close_bracket(st, c, fn, opaque);
	default:
		if (st->depth == 0)
			st->bare = true;
		return append(st, c, fn, opaque);
	}
}

static bool scan_byte(struct qmp_stream *st, uint8_t c, qmp_frame_fn fn,
		      void *opaque)
{
	if (st->in_msg && st->bare) {
		if (!ends_bare(c))
			return append(st, c, fn, opaque);
		if (!finish(st, fn, opaque))
			return false;
	}
	if (!st->in_msg) {
		if (is_ws(c))
			return true;
		start(st);
	}
	if (st->in_str)
		return in_string(st, c, fn, opaque);
	return structural(st, c, fn, opaque);
}

bool qmp_stream_feed(struct qmp_stream *st, const uint8_t *data, size_t len,
		     qmp_frame_fn fn, void *opaque)
{
	for (size_t i = 0; i < len; i++)
		if (!scan_byte(st, data[i], fn, opaque))
			return false;
	return true;
}
