/* SPDX-License-Identifier: MIT */
/*
 * The logging interface. Each binary links its own implementation: the VMM
 * writes StratoVirt-style lines to stderr or the -D file, the shim writes
 * OCI text/JSON logs. A .c file defines LOG_MODULE before including this.
 */
#ifndef SV_LOG_H
#define SV_LOG_H

#include <stdbool.h>

#include "sv/compiler.h"

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_TRACE,
};

#ifndef LOG_MODULE
#define LOG_MODULE "sv"
#endif

extern enum log_level log_max_level;

void log_msg(enum log_level lvl, const char *module, const char *file,
	     int line, const char *fmt, ...) SV_PRINTF(5, 6);
/* True when a rate-limited message of this call site may be printed now. */
bool log_ratelimit_ok(unsigned long *last_ms, unsigned int *burst);

#define log_at(lvl, ...)                                                       \
	do {                                                                   \
		if ((lvl) <= log_max_level)                                    \
			log_msg((lvl), LOG_MODULE, __FILE__, __LINE__,         \
				__VA_ARGS__);                                  \
	} while (0)

#define log_err(...) log_at(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* At most a burst of 10 messages per call site and second. */
#define log_ratelimited(lvl, ...)                                              \
	do {                                                                   \
		static unsigned long _rl_last;                                 \
		static unsigned int _rl_burst;                                 \
		if ((lvl) <= log_max_level &&                                  \
		    log_ratelimit_ok(&_rl_last, &_rl_burst))                   \
			log_msg((lvl), LOG_MODULE, __FILE__, __LINE__,         \
				__VA_ARGS__);                                  \
	} while (0)
#define log_warn_ratelimited(...) log_ratelimited(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_debug_ratelimited(...) log_ratelimited(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif /* SV_LOG_H */
