/* SPDX-License-Identifier: MIT */
/* Set-up side of the VMM's log implementation (used by main.c). */
#ifndef SV_VMM_UTIL_LOG_IMPL_H
#define SV_VMM_UTIL_LOG_IMPL_H

#include "sv/log.h"

/* STRATOVIRT_LOG_LEVEL=trace|debug|info|warn|error (default error). */
void log_init_from_env(void);
int log_parse_level(const char *s, enum log_level *out);
/* -D: path, or NULL for stderr. Raises the default level to info. */
int log_open_file(const char *path) SV_MUST_CHECK;
int log_get_fd(void);

#endif /* SV_VMM_UTIL_LOG_IMPL_H */
