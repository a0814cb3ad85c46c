// SPDX-License-Identifier: MIT
/*
 * Raw image backend: one fd, flock()ed, synchronous vectored I/O with
 * short-transfer loops, optional O_DIRECT with a bounce buffer for guest
 * buffers that do not meet its alignment.
 */
#include "vmm/backends/block.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define LOG_MODULE "block"
#include "sv/log.h"
#include "vmm/util/fdpath.h"

#define DIRECT_MEM_ALIGN 4096 /* buffer address and length */
#define DIRECT_OFF_ALIGN 512 /* file offset and total length */
#define BOUNCE_SIZE (1u << 20)

struct block_backend {
	int fd;
	bool readonly;
	bool direct;
	uint64_t size;
	char *path;
	void *bounce; /* BOUNCE_SIZE bytes, allocated on first use */
};

/*
 * "/dev/fd/N": the image was opened by whoever started us (the shim's
 * jail opens disks as root and passes them, so the jailed VMM needs no
 * access to the file by name). Taken over as is, no /proc needed; its
 * access mode must allow what the drive asks. -ENOENT: not such a path.
 */
static int inherited_fd(const char *path, bool readonly, bool *direct)
{
	int fl, n = fdpath_take(path, readonly, &fl);

	if (n < 0)
		return n;
	if (*direct && !(fl & O_DIRECT) &&
	    fcntl(n, F_SETFL, fl | O_DIRECT) < 0) {
		log_warn("block %s: O_DIRECT not supported here, "
			 "using the page cache", path);
		*direct = false;
	}
	return n;
}

static int open_image(const char *path, bool readonly, bool *direct)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	int fd = inherited_fd(path, readonly, direct);

	if (fd != -ENOENT)
		return fd;
	if (*direct) {
		fd = open(path, flags | O_DIRECT);
		if (fd >= 0 || errno != EINVAL)
			return fd < 0 ? -errno : fd;
		log_warn(
			"block %s: O_DIRECT not supported here, using the page cache",
			path);
		*direct = false;
	}
	fd = open(path, flags);
	return fd < 0 ? -errno : fd;
}

static int lock_image(int fd, const char *path, bool readonly)
{
	int ret;

	if (flock(fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0)
		return 0;
	ret = -errno;
	if (errno == EWOULDBLOCK) {
		log_err("block %s: image is in use by another process (%s lock failed)",
			path, readonly ? "shared" : "exclusive");
		return -EBUSY;
	}
	log_err("block %s: flock: %s", path, strerror(-ret));
	return ret;
}

int block_open(const char *path, bool readonly, bool direct,
	       struct block_backend **out)
{
	struct block_backend *b;
	off_t end;
	int ret;

	b = xcalloc(1, sizeof(*b));
	b->readonly = readonly;
	b->direct = direct;
	b->path = xstrdup(path);
	b->fd = open_image(path, readonly, &b->direct);
	if (b->fd < 0) {
		ret = b->fd;
		log_err("block %s: open: %s", path, strerror(-ret));
		goto err_free;
	}
	ret = lock_image(b->fd, path, readonly);
	if (ret < 0)
		goto err_close;
	end = lseek(b->fd, 0, SEEK_END);
	if (end < 0) {
		ret = -errno;
		log_err("block %s: size: %s", path, strerror(errno));
		goto err_close;
	}
	b->size = (uint64_t)end;
	*out = b;
	return 0;

err_close:
	close(b->fd);
err_free:
	free(b->path);
	free(b);
	return ret;
}

void block_close(struct block_backend *b)
{
	if (!b)
		return;
	close(b->fd);
	free(b->bounce);
	free(b->path);
	free(b);
}

uint64_t block_size(const struct block_backend *b)
{
	return b->size;
}

bool block_readonly(const struct block_backend *b)
{
	return b->readonly;
}

const char *block_path(const struct block_backend *b)
{
	return b->path;
}

/* Drop n transferred bytes from the front of v[*i..cnt). */
static void advance(struct iovec *v, unsigned int cnt, unsigned int *i,
		    size_t n)
{
	while (*i < cnt && (n > 0 || v[*i].iov_len == 0)) {
		if (n >= v[*i].iov_len) {
			n -= v[*i].iov_len;
			(*i)++;
		} else {
			v[*i].iov_base = (char *)v[*i].iov_base + n;
			v[*i].iov_len -= n;
			n = 0;
		}
	}
}

static int rw_loop(struct block_backend *b, const struct iovec *iov,
		   unsigned int cnt, uint64_t off, bool write)
{
	struct iovec v[BLOCK_MAX_IOV];
	unsigned int i = 0;
	ssize_t n;

	memcpy(v, iov, cnt * sizeof(*v));
	advance(v, cnt, &i, 0);
	while (i < cnt) {
		if (write)
			n = pwritev(b->fd, v + i, (int)(cnt - i), (off_t)off);
		else
			n = preadv(b->fd, v + i, (int)(cnt - i), (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int ret = n < 0 ? -errno : -EIO;

			log_ratelimited(
				LOG_LEVEL_ERROR, "block %s: %s at %llu: %s",
				b->path, write ? "pwritev" : "preadv",
				(unsigned long long)off,
				n < 0 ? strerror(errno) : "end of file");
			return ret;
		}
		off += (uint64_t)n;
		advance(v, cnt, &i, (size_t)n);
	}
	return 0;
}

static bool direct_ok(const struct iovec *iov, unsigned int cnt)
{
	for (unsigned int i = 0; i < cnt; i++)
		if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) &
		    (DIRECT_MEM_ALIGN - 1))
			return false;
	return true;
}

/* Copy len bytes between the iovec (starting at byte pos) and buf. */
static void iov_copy(const struct iovec *iov, unsigned int cnt, size_t pos,
		     void *buf, size_t len, bool to_buf)
{
	for (unsigned int i = 0; i < cnt && len > 0; i++) {
		size_t n;
		char *p;

		if (pos >= iov[i].iov_len) {
			pos -= iov[i].iov_len;
			continue;
		}
		p = (char *)iov[i].iov_base + pos;
		n = SV_MIN(len, iov[i].iov_len - pos);
		if (to_buf)
			memcpy(buf, p, n);
		else
			memcpy(p, buf, n);
		buf = (char *)buf + n;
		len -= n;
		pos = 0;
	}
}

static int bounce_rw(struct block_backend *b, const struct iovec *iov,
		     unsigned int cnt, uint64_t off, size_t total, bool write)
{
	int ret;

	if (!b->bounce &&
	    posix_memalign(&b->bounce, DIRECT_MEM_ALIGN, BOUNCE_SIZE) != 0) {
		b->bounce = NULL;
		return -ENOMEM;
	}
	for (size_t done = 0; done < total;) {
		size_t n = SV_MIN((size_t)BOUNCE_SIZE, total - done);
		struct iovec one = { b->bounce, n };

		if (write)
			iov_copy(iov, cnt, done, b->bounce, n, true);
		ret = rw_loop(b, &one, 1, off + done, write);
		if (ret < 0)
			return ret;
		if (!write)
			iov_copy(iov, cnt, done, b->bounce, n, false);
		done += n;
	}
	return 0;
}

static int do_io(struct block_backend *b, const struct iovec *iov,
		 unsigned int cnt, uint64_t off, bool write)
{
	size_t total = 0;

	if (cnt > BLOCK_MAX_IOV)
		return -EINVAL;
	if (!b->direct || direct_ok(iov, cnt))
		return rw_loop(b, iov, cnt, off, write);
	for (unsigned int i = 0; i < cnt; i++)
		if (__builtin_add_overflow(total, iov[i].iov_len, &total))
			return -EINVAL;
	if ((off | total) & (DIRECT_OFF_ALIGN - 1)) {
		log_ratelimited(
			LOG_LEVEL_ERROR,
			"block %s: unaligned O_DIRECT access at %llu+%zu",
			b->path, (unsigned long long)off, total);
		return -EINVAL;
	}
	return bounce_rw(b, iov, cnt, off, total, write);
}

int block_preadv(struct block_backend *b, const struct iovec *iov,
		 unsigned int iovcnt, uint64_t off)
{
	return do_io(b, iov, iovcnt, off, false);
}

int block_pwritev(struct block_backend *b, const struct iovec *iov,
		  unsigned int iovcnt, uint64_t off)
{
	if (b->readonly)
		return -EROFS;
	return do_io(b, iov, iovcnt, off, true);
}

int block_flush(struct block_backend *b)
{
	int ret;

	if (fdatasync(b->fd) == 0)
		return 0;
	ret = -errno;
	log_ratelimited(LOG_LEVEL_ERROR, "block %s: fdatasync: %s", b->path,
			strerror(errno));
	return ret;
}
