// SPDX-License-Identifier: MIT
/* The sv_err helpers (include/sv/err.h). */
#include "sv/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sv_err_set(struct sv_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL;
	if (!e)
		return -code;
	e->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -code;
}

/* Append src to dst (of size cap) at *pos, truncating. */
static void append(char *dst, size_t cap, size_t *pos, const char *src)
{
	size_t n = strlen(src);

	if (*pos + 1 >= cap)
		return;
	if (n > cap - 1 - *pos)
		n = cap - 1 - *pos;
	memcpy(dst + *pos, src, n);
	*pos += n;
	dst[*pos] = '\0';
}

int sv_err_wrap(struct sv_err *e, const char *fmt, ...)
{
	size_t pos = 0;
	char prefix[SV_ERR_MSG_MAX];
	char old[SV_ERR_MSG_MAX];
	va_list ap;

	if (!e || e->code == 0)
		return -EINVAL;
	va_start(ap, fmt);
	(void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	e->msg[0] = '\0';
	append(e->msg, sizeof(e->msg), &pos, prefix);
	append(e->msg, sizeof(e->msg), &pos, ": ");
	append(e->msg, sizeof(e->msg), &pos, old);
	return -e->code;
}

void sv_err_clear(struct sv_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = '\0';
}
