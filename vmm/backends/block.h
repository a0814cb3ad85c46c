/* SPDX-License-Identifier: MIT */
/*
 * Host side of a disk: a raw image file or block device. The image is
 * locked with flock() (exclusive for read-write, shared for read-only) so
 * that two VMMs cannot open one image read-write. I/O is synchronous
 * (preadv/pwritev with short-transfer loops); with direct=true the file is
 * opened O_DIRECT and unaligned guest buffers go through a bounce buffer.
 */
#ifndef SV_VMM_BACKENDS_BLOCK_H
#define SV_VMM_BACKENDS_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sv/compiler.h"

struct block_backend;

/* Most iovec entries one call accepts. */
#define BLOCK_MAX_IOV 1024

/*
 * Open path. -EBUSY (logged with the file name) when another process holds
 * a conflicting lock. If the filesystem refuses O_DIRECT (tmpfs), the file
 * is opened buffered with a warning. "/dev/fd/N" takes over the inherited
 * fd N (opened by the caller: the shim's jail passes disks that way).
 */
int block_open(const char *path, bool readonly, bool direct,
	       struct block_backend **out) SV_MUST_CHECK;
/* Close the fd (dropping the lock) and free; NULL-safe. */
void block_close(struct block_backend *b);

/* Size in bytes at open time. */
uint64_t block_size(const struct block_backend *b);
bool block_readonly(const struct block_backend *b);
const char *block_path(const struct block_backend *b);

/*
 * Transfer the whole iovec at byte offset off. 0 on success; -EIO for a
 * short read at end of file; -errno otherwise. Each failure is logged
 * (rate-limited, naming the file).
 */
int block_preadv(struct block_backend *b, const struct iovec *iov,
		 unsigned int iovcnt, uint64_t off) SV_MUST_CHECK;
int block_pwritev(struct block_backend *b, const struct iovec *iov,
		  unsigned int iovcnt, uint64_t off) SV_MUST_CHECK;
int block_flush(struct block_backend *b) SV_MUST_CHECK;

#endif /* SV_VMM_BACKENDS_BLOCK_H */
