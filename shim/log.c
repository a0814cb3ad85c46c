// SPDX-License-Identifier: MIT
/*
 * The shim's sv/log.h implementation: lines go to the --log file only
 * (engines show the runtime's stdout/stderr to users, so no chatter
 * there), as logrus text or JSON lines like runc's, e.g.
 * {"level":"error","msg":"...","time":"2026-11-25T07:30:21.1Z"}.
 * The final error of a command also goes to stderr (shim_log_fatal).
 */
#include "shim/shim.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sv/log.h"
#include "oci/state.h"

enum log_level log_max_level = LOG_LEVEL_WARN;

static int log_fd = -1;
static bool log_json;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error", [LOG_LEVEL_WARN] = "warning",
	[LOG_LEVEL_INFO] = "info",   [LOG_LEVEL_DEBUG] = "debug",
	[LOG_LEVEL_TRACE] = "trace",
};

size_t shim_json_escape(char *dst, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	unsigned char c;

	for (; *s && n + 7 < cap; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			dst[n++] = '\\';
			dst[n++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(dst + n, "\\u00", 4);
			dst[n + 4] = hex[c >> 4];
			dst[n + 5] = hex[c & 15];
			n += 6;
		} else {
			dst[n++] = (char)c;
		}
	}
	if (cap)
		dst[n < cap ? n : cap - 1] = '\0';
	return n;
}

int shim_log_open(const struct shim_ctx *g)
{
	log_json = g->log_json;
	log_max_level = g->debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN;
	if (!g->log_path)
		return 0;
	log_fd = open(g->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		      0644);
	return log_fd < 0 ? -errno : 0;
}

int shim_log_fd(void)
{
	return log_fd;
}

static void log_line(enum log_level lvl, const char *msg)
{
	char ts[OCI_RFC3339_MAX] = "";
	char esc[2048], line[2300];
	struct timespec now;
	int n;

	if (log_fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	if (oci_time_format(&now, ts, sizeof(ts)) < 0)
		ts[0] = '\0';
	shim_json_escape(esc, sizeof(esc), msg);
	if (log_json)
		n = snprintf(
			line, sizeof(line),
			"{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			level_names[lvl], esc, ts);
	else
		n = snprintf(line, sizeof(line),
			     "time=\"%s\" level=%s msg=\"%s\"\n", ts,
			     level_names[lvl], esc);
	if (n > 0 &&
	    write(log_fd, line, SV_MIN((size_t)n, sizeof(line) - 1)) < 0)
		return; /* nowhere left to report it */
}

void log_msg(enum log_level lvl, const char *module, const char *file, int line,
	     const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n = snprintf(msg, sizeof(msg), "%s: ", module);

	(void)file;
	(void)line;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	log_line(lvl, msg);
}

bool log_ratelimit_ok(unsigned long *last_ms, unsigned int *burst)
{
	struct timespec now;
	unsigned long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (unsigned long)now.tv_sec * 1000 +
	     (unsigned long)now.tv_nsec / 1000000;
	if (ms - *last_ms >= 1000) {
		*last_ms = ms;
		*burst = 0;
	}
	return (*burst)++ < 10;
}

void shim_log_fatal(const char *msg)
{
	dprintf(STDERR_FILENO, "%s: %s\n", SHIM_NAME, msg);
	log_line(LOG_LEVEL_ERROR, msg);
}
