/* SPDX-License-Identifier: MIT */
/* Header-only helpers shared by every component (STYLE.md section F). */
#ifndef SV_COMPILER_H
#define SV_COMPILER_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define SV_MUST_CHECK __attribute__((warn_unused_result))
#define SV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SV_UNUSED __attribute__((unused))
#define SV_NORETURN __attribute__((noreturn))

#define SV_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SV_MAX(a, b) ((a) > (b) ? (a) : (b))
#define SV_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define SV_ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))

#define container_of(ptr, type, member)                                       \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define SV_BUG_ON(cond)                                                        \
	do {                                                                   \
		if (unlikely(cond))                                            \
			abort();                                               \
	} while (0)

static inline void sv_freep(void *p)
{
	free(*(void **)p);
}

static inline void sv_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

#define _cleanup_(fn) __attribute__((cleanup(fn)))
#define _cleanup_free_ _cleanup_(sv_freep)
#define _cleanup_close_ _cleanup_(sv_closep)

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p)                                                            \
	({                                                                     \
		__typeof__(p) _p = (p);                                        \
		(p) = NULL;                                                    \
		_p;                                                            \
	})
#define TAKE_FD(fd)                                                            \
	({                                                                     \
		int _fd = (fd);                                                \
		(fd) = -1;                                                     \
		_fd;                                                           \
	})

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);

#endif /* SV_COMPILER_H */
