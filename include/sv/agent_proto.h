/* SPDX-License-Identifier: MIT */
/*
 * The sv-agent protocol (DESIGN.md 3.3): frames over one virtio-serial port
 * between the shim (host) and sv-agent (guest PID 1).
 *
 * Frame: a 16-byte little-endian header, then `len` payload bytes.
 *   u16 magic (AGENT_MAGIC)  u8 version  u8 type
 *   u32 stream               u32 len     u32 flags (0; reserved)
 * stream 0 is the control stream, every process has its own stream id
 * chosen by the host (the container process is usually 1). len is at most
 * AGENT_MAX_PAYLOAD; a frame that breaks any rule ends the connection.
 *
 * Process spec (START, EXEC payload): a list of TLV records
 *   u16 tag  u16 len  len bytes
 * strings carry no NUL; integers are little-endian. MOUNT records are
 *   u32 mount flags, then "type\0source\0target\0data" (exactly three NULs).
 * RLIMIT records are u32 resource, u64 soft, u64 hard.
 *
 * Every byte from the peer is hostile: the codec in contrib/agent/proto.c
 * checks every length against the buffer and every count against a cap.
 */
#ifndef SV_AGENT_PROTO_H
#define SV_AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_MAGIC 0x5653u /* "SV" */
#define AGENT_VERSION 1u
#define AGENT_HDR_SIZE 16u
#define AGENT_MAX_PAYLOAD (64u * 1024u)
#define AGENT_MAX_FRAME (AGENT_HDR_SIZE + AGENT_MAX_PAYLOAD)
#define AGENT_CTRL_STREAM 0u

enum agent_msg_type {
	AGENT_MSG_HELLO = 1, /* host -> guest: empty; guest answers READY */
	AGENT_MSG_READY, /* guest -> host: agent version string */
	AGENT_MSG_START, /* host -> guest: spec of the container process */
	AGENT_MSG_EXEC, /* host -> guest: spec of an extra process */
	AGENT_MSG_STARTED, /* guest -> host: u32 pid */
	AGENT_MSG_ERROR, /* guest -> host: i32 errno, message */
	AGENT_MSG_STDIN, /* host -> guest: bytes */
	AGENT_MSG_STDIN_EOF, /* host -> guest: empty */
	AGENT_MSG_STDOUT, /* guest -> host: bytes */
	AGENT_MSG_STDERR, /* guest -> host: bytes */
	AGENT_MSG_EXIT, /* guest -> host: struct agent_exit */
	AGENT_MSG_SIGNAL, /* host -> guest: u32 signal [, u32 AGENT_SIGNAL_*] */
	AGENT_MSG_WINSIZE, /* host -> guest: u16 rows, u16 cols */
	AGENT_MSG_POWEROFF, /* host -> guest: empty; agent ends the VM */
	AGENT_MSG_MAX_,
};

struct agent_hdr {
	uint8_t version;
	uint8_t type;
	uint32_t stream;
	uint32_t len;
	uint32_t flags;
};

enum agent_spec_tag {
	AGENT_TAG_ARG = 1,
	AGENT_TAG_ENV,
	AGENT_TAG_CWD,
	AGENT_TAG_UID, /* u32 */
	AGENT_TAG_GID, /* u32 */
	AGENT_TAG_AGID, /* u32, one record per additional gid */
	AGENT_TAG_HOSTNAME,
	AGENT_TAG_TERMINAL, /* u8 or u32, 0 or 1 */
	AGENT_TAG_MOUNT,
	AGENT_TAG_RLIMIT,
};

#define AGENT_SPEC_MAX_ARGS 256
#define AGENT_SPEC_MAX_ENV 256
#define AGENT_SPEC_MAX_GIDS 32
#define AGENT_SPEC_MAX_MOUNTS 32
#define AGENT_SPEC_MAX_RLIMITS 16
#define AGENT_SPEC_MAX_STR 4096

struct agent_mount {
	uint32_t flags;
	const char *type, *source, *target, *data;
};

struct agent_rlimit {
	uint32_t resource;
	uint64_t soft, hard;
};

/*
 * A decoded spec. Strings point into `strbuf`; args and env are
 * NULL-terminated arrays ready for execve().
 */
struct agent_spec {
	const char *args[AGENT_SPEC_MAX_ARGS + 1];
	const char *env[AGENT_SPEC_MAX_ENV + 1];
	unsigned int nargs, nenv, ngids, nmounts, nrlimits;
	const char *cwd, *hostname;
	uint32_t uid, gid;
	uint32_t gids[AGENT_SPEC_MAX_GIDS];
	int terminal;
	struct agent_mount mounts[AGENT_SPEC_MAX_MOUNTS];
	struct agent_rlimit rlimits[AGENT_SPEC_MAX_RLIMITS];
	size_t strused;
	char strbuf[AGENT_MAX_PAYLOAD + AGENT_MAX_PAYLOAD / 4 + 16];
};

/* SIGNAL flags: every process of the container, not just this one. */
#define AGENT_SIGNAL_ALL 1u

#define AGENT_EXIT_SIGNALED 1u
#define AGENT_EXIT_COREDUMP 2u

struct agent_exit {
	uint32_t code; /* exit status, or the signal number when signaled */
	uint32_t flags; /* AGENT_EXIT_* */
};

/* Frames. */
void agent_hdr_encode(uint8_t out[AGENT_HDR_SIZE], uint8_t type,
		      uint32_t stream, uint32_t len);
/*
 * Parse one frame at the start of buf[0..len). Returns the frame's total
 * size (> 0) and fills *h / *payload, 0 when more bytes are needed, or
 * -EPROTO (bad magic, version, type, flags) / -EMSGSIZE (len over the cap).
 */
long agent_frame_parse(const uint8_t *buf, size_t len, struct agent_hdr *h,
		       const uint8_t **payload);

/* Process specs: a writer over a caller buffer of AGENT_MAX_PAYLOAD. */
struct agent_spec_writer {
	uint8_t *buf;
	size_t cap, len;
	int err; /* sticky -EMSGSIZE */
};

void agent_spec_writer_init(struct agent_spec_writer *w, uint8_t *buf,
			    size_t cap);
void agent_spec_put_str(struct agent_spec_writer *w, uint16_t tag,
			const char *s);
void agent_spec_put_u32(struct agent_spec_writer *w, uint16_t tag, uint32_t v);
void agent_spec_put_u8(struct agent_spec_writer *w, uint16_t tag, uint8_t v);
void agent_spec_put_mount(struct agent_spec_writer *w, uint32_t flags,
			  const char *type, const char *source,
			  const char *target, const char *data);
void agent_spec_put_rlimit(struct agent_spec_writer *w, uint32_t resource,
			   uint64_t soft, uint64_t hard);
/* Returns 0 or -EINVAL/-E2BIG; spec is reset first. uid/gid default 0. */
int agent_spec_decode(struct agent_spec *spec, const uint8_t *buf, size_t len);

/* Small payloads. */
void agent_exit_encode(uint8_t out[8], const struct agent_exit *e);
int agent_exit_decode(struct agent_exit *e, const uint8_t *buf, size_t len);
/* Shell-style status: code, or 128 + signal. */
int agent_exit_status(const struct agent_exit *e);
void agent_put_u32(uint8_t *p, uint32_t v);
uint32_t agent_get_u32(const uint8_t *p);
uint64_t agent_get_u64(const uint8_t *p);
int agent_u32_decode(uint32_t *v, const uint8_t *buf, size_t len);
/* SIGNAL payload: 4 or 8 bytes, signal 1..64, known flags only. */
int agent_signal_decode(uint32_t *sig, uint32_t *flags, const uint8_t *buf,
			size_t len);

#endif /* SV_AGENT_PROTO_H */
