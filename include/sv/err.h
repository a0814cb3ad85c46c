/* SPDX-License-Identifier: MIT */
/*
 * Error out-parameter for shim/, oci/ and netns/ (STYLE.md section C): a
 * fixed buffer that never allocates, filled once where the failure is
 * detected, prefixed with context on the way up, printed once by main().
 */
#ifndef SV_ERR_H
#define SV_ERR_H

#include "sv/compiler.h"

#define SV_ERR_MSG_MAX 512

struct sv_err {
	int code; /* positive errno, 0 when no error was recorded */
	char msg[SV_ERR_MSG_MAX];
};

#define SV_ERR_INIT   \
	{             \
		0, "" \
	}

/*
 * Record an error: code is a positive errno (a negative one is accepted and
 * made positive; 0 becomes EINVAL). Returns -code. e may be NULL.
 */
int sv_err_set(struct sv_err *e, int code, const char *fmt, ...)
	SV_PRINTF(3, 4);

/*
 * Prefix the recorded message with "context: ". Returns -e->code, or
 * -EINVAL when e is NULL or holds no error.
 */
int sv_err_wrap(struct sv_err *e, const char *fmt, ...) SV_PRINTF(2, 3);

/* Forget a recorded error. */
void sv_err_clear(struct sv_err *e);

#endif /* SV_ERR_H */
