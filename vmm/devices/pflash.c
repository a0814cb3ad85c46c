// SPDX-License-Identifier: MIT
/*
 * CFI flash with the Intel/Sharp command set, device width 1 (so an access
 * of any width is that many bytes; commands come from the low byte). The
 * image is kept in an anonymous mapping (page-aligned, usable for a
 * read-only KVM slot); unit 1 writes are also written to the file so
 * they persist. A read-only unit refuses program/erase with the status
 * error bits set and the block-locked bit, nothing more.
 */
#include "vmm/devices/pflash.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define LOG_MODULE "pflash"
#include "sv/log.h"
#include "vmm/util/fdpath.h"
#include "vmm/bus/bus.h"

#define ST_READY 0x80
#define ST_ERASE_ERR 0x20
#define ST_PROG_ERR 0x10
#define ST_LOCKED 0x02

enum pflash_mode {
	MODE_ARRAY,
	MODE_STATUS,
	MODE_ID,
	MODE_CFI,
	MODE_PROGRAM,	/* next write is data */
	MODE_ERASE,	/* next write must be 0xD0 */
};

struct pflash {
	struct bus *mmio;
	uint64_t gpa, size;
	uint8_t *img;
	int fd;
	bool readonly;
	pflash_romd_fn romd_fn;
	void *opaque;
	pthread_mutex_t lock;	/* protects mode, status, img writes */
	enum pflash_mode mode;
	uint8_t status;
};

int pflash_file_size(const char *file, uint64_t *size)
{
	struct stat st;
	int r, fd = fdpath_take(file, true, NULL);	/* passed by the jail */

	if (fd >= 0) {
		r = fstat(fd, &st);
	} else if (fd == -ENOENT) {
		r = stat(file, &st);
	} else {
		errno = -fd;
		r = -1;
	}
	if (r) {
		log_err("pflash %s: %s", file, strerror(errno));
		return -errno;
	}
	if (!st.st_size || st.st_size % PFLASH_SECTOR_SIZE) {
		log_err("pflash %s: size %lld is not a non-zero multiple of %u",
			file, (long long)st.st_size, PFLASH_SECTOR_SIZE);
		return -EINVAL;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

int pflash_layout(const uint64_t *sizes, unsigned int n, uint64_t *gpas)
{
	uint64_t top = PFLASH_TOP_GPA, total = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		total += sizes[i];
		if (!sizes[i] || total > PFLASH_MAX_TOTAL) {
			log_err("pflash units 0..%u: %llu bytes exceed the "
				"%llu-byte window below 4 GiB", i,
				(unsigned long long)total,
				(unsigned long long)PFLASH_MAX_TOTAL);
			return -EINVAL;
		}
		top -= sizes[i];
		gpas[i] = top;
	}
	return 0;
}

static uint8_t cfi_byte(const struct pflash *p, uint64_t off)
{
	uint32_t blocks = (uint32_t)(p->size / PFLASH_SECTOR_SIZE) - 1;
	uint32_t bsz = PFLASH_SECTOR_SIZE / 256;
	uint8_t log2 = 0;

	while ((1ull << log2) < p->size)
		log2++;
	switch (off) {
	case 0x10: return 'Q';
	case 0x11: return 'R';
	case 0x12: return 'Y';
	case 0x13: return 0x01;	/* Intel/Sharp primary command set */
	case 0x1b: return 0x45;	/* Vcc min 4.5 V */
	case 0x1c: return 0x55;
	case 0x1f: return 0x07;	/* typical byte program 2^7 us */
	case 0x21: return 0x0a;	/* typical block erase 2^10 ms */
	case 0x27: return log2;
	case 0x2c: return 1;	/* one erase-block region */
	case 0x2d: return (uint8_t)blocks;
	case 0x2e: return (uint8_t)(blocks >> 8);
	case 0x2f: return (uint8_t)bsz;
	case 0x30: return (uint8_t)(bsz >> 8);
	default: return 0;
	}
}

/* ID and CFI answers repeat every 256 bytes: only the low address bits count. */
static uint8_t read_byte(const struct pflash *p, uint64_t off)
{
	switch (p->mode) {
	case MODE_ARRAY:
		return p->img[off];
	case MODE_ID:
		off &= 0xff;
		return off == 0 ? 0x89 : off == 1 ? 0x18 : 0;
	case MODE_CFI:
		return cfi_byte(p, off & 0xff);
	default:
		return p->status;
	}
}

static void pf_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct pflash *p = opaque;
	uint8_t *out = data;
	unsigned int i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < len; i++)
		out[i] = off + i < p->size ? read_byte(p, off + i) : 0xff;
	pthread_mutex_unlock(&p->lock);
}

static void set_mode(struct pflash *p, enum pflash_mode m)
{
	bool was = p->mode == MODE_ARRAY, now = m == MODE_ARRAY;

	p->mode = m;
	if (was != now && p->romd_fn)
		p->romd_fn(p->opaque, now);
}

/* pwritev: the one write call the VMM's seccomp allowlist has for files. */
static int persist(struct pflash *p, uint64_t off, uint64_t len)
{
	struct iovec iov = { .iov_base = p->img + off, .iov_len = len };
	ssize_t n = pwritev(p->fd, &iov, 1, (off_t)off);

	if (n != (ssize_t)len) {
		log_warn_ratelimited("pflash write at 0x%llx: %s",
				     (unsigned long long)off,
				     n < 0 ? strerror(errno) : "short write");
		return -EIO;
	}
	return 0;
}

static void program(struct pflash *p, uint64_t off, const uint8_t *in,
		    unsigned int len)
{
	unsigned int i;

	if (p->readonly) {
		p->status |= ST_PROG_ERR | ST_LOCKED;
		return;
	}
	if (off + len > p->size)
		len = (unsigned int)(p->size - off);
	for (i = 0; i < len; i++)
		p->img[off + i] &= in[i];	/* flash only clears bits */
	if (persist(p, off, len))
		p->status |= ST_PROG_ERR;
}

static void erase(struct pflash *p, uint64_t off)
{
	uint64_t start = off & ~(uint64_t)(PFLASH_SECTOR_SIZE - 1);

	if (p->readonly) {
		p->status |= ST_ERASE_ERR | ST_LOCKED;
		return;
	}
	memset(p->img + start, 0xff, PFLASH_SECTOR_SIZE);
	if (persist(p, start, PFLASH_SECTOR_SIZE))
		p->status |= ST_ERASE_ERR;
}

static void command(struct pflash *p, uint64_t off, uint8_t cmd)
{
	switch (cmd) {
	case 0x00: case 0xf0: case 0xff:
		set_mode(p, MODE_ARRAY);
		break;
	case 0x10: case 0x40:
		set_mode(p, MODE_PROGRAM);
		break;
	case 0x20:
		set_mode(p, MODE_ERASE);
		break;
	case 0x50:
		p->status = ST_READY;
		set_mode(p, MODE_ARRAY);
		break;
	case 0x70:
		set_mode(p, MODE_STATUS);
		break;
	case 0x90:
		set_mode(p, MODE_ID);
		break;
	case 0x98:
		set_mode(p, MODE_CFI);
		break;
	default:
		log_warn_ratelimited("unknown command 0x%02x at 0x%llx", cmd,
				     (unsigned long long)off);
		p->status |= ST_PROG_ERR | ST_ERASE_ERR;
		set_mode(p, MODE_STATUS);
		break;
	}
}

static void pf_write(void *opaque, uint64_t off, const void *data,
		     unsigned int len)
{
	struct pflash *p = opaque;
	const uint8_t *in = data;

	if (off >= p->size)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->mode == MODE_PROGRAM) {
		program(p, off, in, len);
		set_mode(p, MODE_STATUS);
	} else if (p->mode == MODE_ERASE) {
		if (in[0] == 0xd0)
			erase(p, off);
		else
			p->status |= ST_PROG_ERR | ST_ERASE_ERR;
		set_mode(p, MODE_STATUS);
	} else {
		command(p, off, in[0]);
	}
	pthread_mutex_unlock(&p->lock);
}

static const struct bus_ops pflash_ops = {
	.read = pf_read,
	.write = pf_write,
};

static int load(struct pflash *p, const char *file)
{
	ssize_t n;

	p->fd = fdpath_take(file, p->readonly, NULL);	/* passed by the jail */
	if (p->fd == -ENOENT)
		p->fd = open(file, (p->readonly ? O_RDONLY : O_RDWR) |
			     O_CLOEXEC);
	else if (p->fd < 0)
		errno = -p->fd;
	if (p->fd < 0) {
		log_err("pflash %s: open: %s", file, strerror(errno));
		return -errno;
	}
	p->img = mmap(NULL, p->size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->img == MAP_FAILED) {
		p->img = NULL;
		return -ENOMEM;
	}
	n = pread(p->fd, p->img, p->size, 0);
	if (n != (ssize_t)p->size) {
		log_err("pflash %s: read: %s", file,
			n < 0 ? strerror(errno) : "short read");
		return -EIO;
	}
	return 0;
}

static void release(struct pflash *p)
{
	if (p->img)
		munmap(p->img, p->size);
	if (p->fd >= 0)
		close(p->fd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int pflash_create(const struct pflash_args *a, struct pflash **out)
{
	struct pflash *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->fd = -1;
	p->mmio = a->mmio;
	p->gpa = a->gpa;
	p->readonly = a->readonly;
	p->romd_fn = a->romd_fn;
	p->opaque = a->opaque;
	p->status = ST_READY;
	pthread_mutex_init(&p->lock, NULL);
	ret = pflash_file_size(a->file, &p->size);
	if (!ret)
		ret = load(p, a->file);
	if (ret)
		goto err;
	ret = bus_register(p->mmio, p->gpa, p->size, &pflash_ops, p, "pflash");
	if (ret) {
		log_err("pflash %s at 0x%llx: %s", a->file,
			(unsigned long long)p->gpa, strerror(-ret));
		goto err;
	}
	*out = p;
	return 0;
err:
	release(p);
	return ret;
}

void pflash_destroy(struct pflash *p)
{
	if (!p)
		return;
	bus_unregister(p->mmio, p->gpa);
	release(p);
}

void pflash_reset(struct pflash *p)
{
	pthread_mutex_lock(&p->lock);
	p->status = ST_READY;
	set_mode(p, MODE_ARRAY);
	pthread_mutex_unlock(&p->lock);
}

uint64_t pflash_gpa(const struct pflash *p)
{
	return p->gpa;
}

uint64_t pflash_size(const struct pflash *p)
{
	return p->size;
}

void *pflash_hva(const struct pflash *p)
{
	return p->img;
}

bool pflash_romd(const struct pflash *p)
{
	return p->mode == MODE_ARRAY;
}
