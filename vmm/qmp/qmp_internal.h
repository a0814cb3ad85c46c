/* SPDX-License-Identifier: MIT */
/*
 * Inside the QMP server: the JSON wrapper (json.c, the only yajl user), the
 * framing scanner (stream.c), the per-connection protocol state and the
 * command table (dispatch.c, cmd_*.c), the event queue (event.c) and the
 * sockets (server.c). Tests and the fuzz target use this header too.
 */
#ifndef SV_VMM_QMP_QMP_INTERNAL_H
#define SV_VMM_QMP_QMP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

struct machine;

#define QMP_MSG_MAX ((size_t)64 * 1024)	/* bytes of one request */
#define QMP_DEPTH_MAX 64	/* nesting of one request */
#define QMP_EVENT_QUEUE_MAX 50	/* as StratoVirt */
#define QMP_MAX_LISTENERS 2	/* -qmp and -mon */
#define QMP_MAX_FDS 16		/* getfd table */
#define QMP_FDNAME_MAX 64

#define QMP_GREETING                                                         \
	"{\"QMP\":{\"version\":{\"qemu\":{\"micro\":1,\"minor\":0,"           \
	"\"major\":5},\"package\":\"StratoVirt-2.5.0\"},"                      \
	"\"capabilities\":[]}}"

/* ---- json.c: growable output buffer ---------------------------------- */

struct qbuf {
	char *p;	/* NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
};

void qbuf_add(struct qbuf *b, const void *data, size_t len);
void qbuf_puts(struct qbuf *b, const char *s);
void qbuf_printf(struct qbuf *b, const char *fmt, ...) SV_PRINTF(2, 3);
/* Append s as a JSON string literal, quotes included. */
void qbuf_json_str(struct qbuf *b, const char *s);
void qbuf_reset(struct qbuf *b);
void qbuf_free(struct qbuf *b);

/* ---- json.c: parsed values (opaque wrapper over yajl_val) ------------ */

struct qjson;

enum qjson_type {
	QJSON_NULL,
	QJSON_BOOL,
	QJSON_INT,	/* integer that fits int64_t */
	QJSON_NUMBER,	/* any other number */
	QJSON_STRING,
	QJSON_OBJECT,
	QJSON_ARRAY,
};

/*
 * Parse one JSON text of len bytes (text[len] must be '\0'). On a syntax
 * error returns -EINVAL with the first line of the parser's message in err.
 */
int qjson_parse(const char *text, size_t len, struct qjson **out, char *err,
		size_t errlen) SV_MUST_CHECK;
void qjson_free(struct qjson *v);
enum qjson_type qjson_type(const struct qjson *v);
const char *qjson_type_name(enum qjson_type t);
size_t qjson_obj_len(const struct qjson *v);
const char *qjson_obj_key(const struct qjson *v, size_t i);
const struct qjson *qjson_obj_val(const struct qjson *v, size_t i);
/* First member named key, or NULL. */
const struct qjson *qjson_obj_get(const struct qjson *v, const char *key);
size_t qjson_arr_len(const struct qjson *v);
const struct qjson *qjson_arr_get(const struct qjson *v, size_t i);
const char *qjson_str(const struct qjson *v);	/* NULL unless a string */
bool qjson_bool(const struct qjson *v);
int64_t qjson_int(const struct qjson *v);
/* Serialize v compactly (used to echo "id"). */
void qjson_gen(struct qbuf *b, const struct qjson *v);

/* ---- stream.c: split a byte stream into JSON messages ---------------- */

enum qmp_frame {
	QMP_FRAME_MSG,		/* one complete top-level value */
	QMP_FRAME_TOO_BIG,	/* over QMP_MSG_MAX: the rest is skipped */
	QMP_FRAME_TOO_DEEP,	/* over QMP_DEPTH_MAX: the rest is skipped */
};

/* msg is NUL-terminated for QMP_FRAME_MSG. Return false to stop feeding. */
typedef bool (*qmp_frame_fn)(void *opaque, enum qmp_frame kind,
			     const char *msg, size_t len);

struct qmp_stream {
	char *buf;
	size_t len, cap;
	size_t depth;		/* unbounded while skipping */
	bool in_msg, in_str, esc, bare, skip;
};

void qmp_stream_init(struct qmp_stream *st);
void qmp_stream_fini(struct qmp_stream *st);
/* Returns false when fn asked to stop (the rest of data is not consumed). */
bool qmp_stream_feed(struct qmp_stream *st, const uint8_t *data, size_t len,
		     qmp_frame_fn fn, void *opaque);

/* ---- dispatch.c: one connection's protocol state and commands -------- */

struct qmp_server;

struct qmp_session {
	struct qmp_server *s;
	struct machine *m;
	bool negotiated;
	int pending_fd;		/* last fd received by SCM_RIGHTS, or -1 */
};

enum qmp_err {
	QMP_ERR_GENERIC,
	QMP_ERR_COMMAND_NOT_FOUND,
	QMP_ERR_DEVICE_NOT_ACTIVE,
	QMP_ERR_DEVICE_NOT_FOUND,
	QMP_ERR_KVM_MISSING_CAP,
};

/* A command being executed: a handler reads args, fills ret or err. */
struct qmp_req {
	struct qmp_session *ss;
	struct machine *m;
	const struct qjson *args;	/* object or NULL */
	struct qbuf *ret;		/* return value; empty means {} */
	enum qmp_err err_class;
	char *err_desc;			/* set by qmp_req_error() */
};

/* Sets the error of r and returns -EINVAL, for `return qmp_req_error()`. */
int qmp_req_error(struct qmp_req *r, enum qmp_err cls, const char *fmt, ...)
	SV_PRINTF(3, 4);
/* Optional string argument or NULL. */
const char *qmp_arg_str(const struct qmp_req *r, const char *name);

typedef int (*qmp_cmd_fn)(struct qmp_req *r);

enum qmp_arg_type {
	QMP_ARG_STR,
	QMP_ARG_INT,
	QMP_ARG_BOOL,
	QMP_ARG_OBJECT,
	QMP_ARG_ARRAY,
	QMP_ARG_ANY,
};

struct qmp_arg {
	const char *name;
	enum qmp_arg_type type;
	bool required;
};

#define QMP_CMD_PRECAP (1u << 0)	/* allowed before negotiation */
#define QMP_ARGS_MAX 16

struct qmp_cmd {
	const char *name;
	const struct qmp_arg *args;	/* NULL-name terminated, or NULL */
	qmp_cmd_fn fn;
	unsigned int flags;
};

void qmp_session_init(struct qmp_session *ss, struct qmp_server *s,
		      struct machine *m);
/* Close the pending fd. */
void qmp_session_fini(struct qmp_session *ss);
/* Adopt fd as the session's pending fd (an older one is closed). */
void qmp_session_adopt_fd(struct qmp_session *ss, int fd);
/* Execute one framed message; append the reply line (with CRLF) to out. */
void qmp_dispatch(struct qmp_session *ss, const char *msg, size_t len,
		  struct qbuf *out);
/* Append an error reply without id (framing errors). */
void qmp_reply_error(struct qbuf *out, enum qmp_err cls, const char *desc);
/*
 * Check args (object or NULL) against schema (NULL-name terminated).
 * Returns 0 or -EINVAL with the error in r.
 */
int qmp_args_check(struct qmp_req *r, const struct qmp_arg *schema,
		   const struct qjson *args) SV_MUST_CHECK;
const struct qmp_cmd *qmp_cmd_find(const char *name);
size_t qmp_cmd_count(void);
const struct qmp_cmd *qmp_cmd_at(size_t i);

/* cmd_lifecycle.c */
int qmp_cmd_capabilities(struct qmp_req *r);
int qmp_cmd_quit(struct qmp_req *r);
int qmp_cmd_stop(struct qmp_req *r);
int qmp_cmd_cont(struct qmp_req *r);
int qmp_cmd_system_reset(struct qmp_req *r);
int qmp_cmd_system_powerdown(struct qmp_req *r);
int qmp_cmd_getfd(struct qmp_req *r);
/* cmd_query.c */
int qmp_cmd_query_status(struct qmp_req *r);
int qmp_cmd_query_version(struct qmp_req *r);
int qmp_cmd_query_commands(struct qmp_req *r);
int qmp_cmd_query_events(struct qmp_req *r);
int qmp_cmd_query_cpus(struct qmp_req *r);
int qmp_cmd_query_hotpluggable_cpus(struct qmp_req *r);
int qmp_cmd_query_mem(struct qmp_req *r);
int qmp_cmd_query_target(struct qmp_req *r);
int qmp_cmd_query_kvm(struct qmp_req *r);
int qmp_cmd_query_machines(struct qmp_req *r);
/* cmd_hotplug.c */
int qmp_cmd_blockdev_add(struct qmp_req *r);
int qmp_cmd_blockdev_del(struct qmp_req *r);
int qmp_cmd_device_add(struct qmp_req *r);
int qmp_cmd_device_del(struct qmp_req *r);
extern const struct qmp_arg qmp_blockdev_add_args[];
extern const struct qmp_arg qmp_blockdev_del_args[];
extern const struct qmp_arg qmp_device_add_args[];
extern const struct qmp_arg qmp_device_del_args[];

/* ---- event.c: the queue (any thread in, loop thread out) ------------- */

struct qmp_event_queue {
	pthread_mutex_t lock;	/* protects everything below */
	char *ev[QMP_EVENT_QUEUE_MAX];	/* complete lines with CRLF */
	unsigned int head, count;
	unsigned long dropped;
};

void qmp_event_queue_init(struct qmp_event_queue *q);
void qmp_event_queue_fini(struct qmp_event_queue *q);
/* Build the event line now (timestamp) and queue it; false if full. */
bool qmp_event_push(struct qmp_event_queue *q, const char *event,
		    const char *data_json);
/* Pop the oldest line (caller frees) or NULL. */
char *qmp_event_pop(struct qmp_event_queue *q);
/* The names query-events lists. */
extern const char *const qmp_event_names[];
extern const size_t qmp_event_names_count;

/* ---- server.c --------------------------------------------------------- */

struct qmp_listener;
struct qmp_client;

struct qmp_fd_entry {
	char name[QMP_FDNAME_MAX + 1];
	int fd;			/* -1 when the slot is free */
};

struct qmp_server {
	struct machine *m;
	struct eventloop *loop;		/* NULL for a detached test server */
	struct qmp_listener *listeners[QMP_MAX_LISTENERS];
	unsigned int nr_listeners;
	struct qmp_client *mem_client;	/* detached: output to memory */
	int event_efd;
	struct qmp_event_queue events;
	/* The thread running the loop's QMP handlers, once seen (atomic). */
	pthread_t loop_tid;
	int loop_tid_known;
	struct qmp_fd_entry fds[QMP_MAX_FDS];	/* loop thread only */
};

/* getfd table (loop thread). qmp_fd_store adopts fd, even on error. */
int qmp_fd_store(struct qmp_server *s, const char *name, int fd)
	SV_MUST_CHECK;

/*
 * Tests and fuzzing: a server without sockets or event loop whose one
 * client writes everything (greeting, replies, events) to out.
 */
struct qmp_server *qmp_server_create_detached(struct machine *m,
					      struct qbuf *out);
/* Feed bytes as if the detached client had sent them (loop thread). */
void qmp_server_mem_input(struct qmp_server *s, const uint8_t *data,
			  size_t len);
/* The detached client's session (negotiation state, pending fd). */
struct qmp_session *qmp_server_mem_session(struct qmp_server *s);
/* Deliver queued events to connected clients now (loop thread). */
void qmp_server_flush_events(struct qmp_server *s);

#endif /* SV_VMM_QMP_QMP_INTERNAL_H */
