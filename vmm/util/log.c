// SPDX-License-Identifier: MIT
/*
 * The VMM's log: StratoVirt's line format
 *   YYYY-MM-DDTHH:MM:SS.nnnnnnnnn: [pid][tid][file:line]:LEVEL: message
 * to the -D file or stderr. Errors always reach stderr too, as one plain
 * "stratovirt: error: ..." line, so a user sees why the VMM stopped.
 */
#include "vmm/util/log_impl.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sv/log.h"

enum log_level log_max_level = LOG_LEVEL_ERROR;

static int log_fd = 2;
static bool log_to_file;
/* No -D: plain "stratovirt: error: ..." lines for a human on stderr. */
static bool log_plain = true;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "ERROR", [LOG_LEVEL_WARN] = "WARN",
	[LOG_LEVEL_INFO] = "INFO",   [LOG_LEVEL_DEBUG] = "DEBUG",
	[LOG_LEVEL_TRACE] = "TRACE",
};

int log_parse_level(const char *s, enum log_level *out)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_init_from_env(void)
{
	const char *lvl = getenv("STRATOVIRT_LOG_LEVEL");
	enum log_level l;

	if (lvl && log_parse_level(lvl, &l) == 0)
		log_max_level = l;
}

int log_open_file(const char *path)
{
	int fd;

	log_plain = false;
	if (!path) {
		log_fd = 2;
		log_to_file = false;
		if (log_max_level < LOG_LEVEL_INFO && !getenv("STRATOVIRT_LOG_LEVEL"))
			log_max_level = LOG_LEVEL_INFO;
		return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	log_fd = fd;
	log_to_file = true;
	if (log_max_level < LOG_LEVEL_INFO && !getenv("STRATOVIRT_LOG_LEVEL"))
		log_max_level = LOG_LEVEL_INFO;
	return 0;
}

int log_get_fd(void)
{
	return log_fd;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static size_t format_prefix(char *buf, size_t cap, enum log_level lvl,
			    const char *file, int line)
{
	struct timespec ts;
	struct tm tm;
	const char *base = strrchr(file, '/');
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(buf, cap,
		     "%04d-%02d-%02dT%02d:%02d:%02d.%09ld: [%d][%ld][%s:%d]:%s: ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts.tv_nsec, (int)getpid(),
		     (long)syscall(SYS_gettid), base ? base + 1 : file, line,
		     level_names[lvl]);
	return n < 0 ? 0 : SV_MIN((size_t)n, cap - 1);
}

void log_msg(enum log_level lvl, const char *module, const char *file,
	     int line, const char *fmt, ...)
{
	char buf[1024];
	char msg[768];
	size_t n;
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_plain) {
		n = (size_t)snprintf(buf, sizeof(buf), "stratovirt: %s: %s\n",
				     lvl == LOG_LEVEL_ERROR ? "error" : "warning",
				     msg);
		write_all(2, buf, SV_MIN(n, sizeof(buf) - 1));
		errno = saved;
		return;
	}
	n = format_prefix(buf, sizeof(buf), lvl, file, line);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s: %s\n", module, msg);
	write_all(log_fd, buf, SV_MIN(n, sizeof(buf) - 1));
	if (lvl == LOG_LEVEL_ERROR && log_to_file) {
		n = (size_t)snprintf(buf, sizeof(buf), "stratovirt: error: %s\n",
				     msg);
		write_all(2, buf, SV_MIN(n, sizeof(buf) - 1));
	}
	errno = saved;
}

static unsigned long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000ul +
	       (unsigned long)ts.tv_nsec / 1000000ul;
}

bool log_ratelimit_ok(unsigned long *last_ms, unsigned int *burst)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	unsigned long now = now_ms();
	bool ok;

	pthread_mutex_lock(&lock);
	if (now - *last_ms >= 1000) {
		*last_ms = now;
		*burst = 0;
	}
	ok = *burst < 10;
	if (ok)
		(*burst)++;
	pthread_mutex_unlock(&lock);
	return ok;
}
