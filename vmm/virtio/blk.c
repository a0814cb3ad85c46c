// SPDX-License-Identifier: MIT
/*
 * virtio-blk. A request is an out header (type, reserved, sector; it may be
 * split over several descriptors), data buffers (out for writes, in for
 * reads and GET_ID) and a status byte, the last byte of the last in buffer.
 * Requests are executed synchronously in queue_notify (under dev->lock).
 * Malformed requests break the device; I/O failures become IOERR.
 */
#include "vmm/virtio/blk.h"

#include <errno.h>
#include <string.h>

#include "vmm/backends/block.h"
#include "vmm/virtio/virtio.h"

#define LOG_MODULE "virtio-blk"
#include "sv/log.h"

#define BLK_HDR_SIZE 16
#define BLK_CFG_SIZE 64

struct blk_req {
	uint32_t type;
	uint64_t sector;
	uint8_t *status;
	unsigned int nr_data;
	size_t data_len;
	struct iovec data[VIRTQ_MAX_SG];
};

struct virtio_blk {
	struct virtio_dev dev;
	struct virtqueue vq;
	struct block_backend *backend; /* owned; NULL for an empty slot */
	bool readonly;
	uint64_t capacity; /* 512-byte sectors */
	char *id;
	char serial[VIRTIO_BLK_ID_BYTES];
	uint8_t cfg[BLK_CFG_SIZE];
	/* Scratch for queue_notify; protected by dev.lock. */
	struct virtq_elem elem;
	struct blk_req req;
};

static struct virtio_blk *to_blk(struct virtio_dev *dev)
{
	return container_of(dev, struct virtio_blk, dev);
}

/* Copy the 16-byte header out of the leading out buffers. */
static int read_header(const struct virtq_elem *e, uint8_t *hdr)
{
	size_t got = 0;

	for (unsigned int i = 0; i < e->nr_out && got < BLK_HDR_SIZE; i++) {
		size_t n = SV_MIN(e->out[i].iov_len, BLK_HDR_SIZE - got);

		memcpy(hdr + got, e->out[i].iov_base, n);
		got += n;
	}
	return got == BLK_HDR_SIZE ? 0 : -EINVAL;
}

static void add_data(struct blk_req *r, void *base, size_t len)
{
	if (len == 0)
		return;
	r->data[r->nr_data++] = (struct iovec){ base, len };
	r->data_len += len;
}

/* Data buffers of a write: the out buffers after the header. */
static void out_data(struct blk_req *r, const struct virtq_elem *e)
{
	size_t skip = BLK_HDR_SIZE;

	for (unsigned int i = 0; i < e->nr_out; i++) {
		size_t n = SV_MIN(skip, e->out[i].iov_len);

		add_data(r, (uint8_t *)e->out[i].iov_base + n,
			 e->out[i].iov_len - n);
		skip -= n;
	}
}

/* Data buffers of a read: the in buffers minus the status byte. */
static void in_data(struct blk_req *r, const struct virtq_elem *e)
{
	for (unsigned int i = 0; i < e->nr_in; i++) {
		size_t len = e->in[i].iov_len;

		if (i == e->nr_in - 1)
			len--;
		add_data(r, e->in[i].iov_base, len);
	}
}

static int parse_request(const struct virtq_elem *e, struct blk_req *r)
{
	const struct iovec *last;
	uint8_t hdr[BLK_HDR_SIZE];

	if (read_header(e, hdr) < 0 || e->nr_in == 0)
		return -EINVAL;
	last = &e->in[e->nr_in - 1];
	if (last->iov_len == 0)
		return -EINVAL;
	memcpy(&r->type, hdr, 4);
	memcpy(&r->sector, hdr + 8, 8);
	r->status = (uint8_t *)last->iov_base + last->iov_len - 1;
	r->nr_data = 0;
	r->data_len = 0;
	if (r->type == VIRTIO_BLK_T_OUT)
		out_data(r, e);
	else
		in_data(r, e);
	return 0;
}

static bool range_ok(const struct virtio_blk *b, const struct blk_req *r)
{
	uint64_t nsec = r->data_len / VIRTIO_BLK_SECTOR_SIZE;

	if (r->data_len % VIRTIO_BLK_SECTOR_SIZE || r->sector > b->capacity ||
	    nsec > b->capacity - r->sector) {
		log_debug_ratelimited("virtio-blk %s: bad range %llu+%zu bytes",
				      b->id, (unsigned long long)r->sector,
				      r->data_len);
		return false;
	}
	return true;
}

static uint8_t do_rw(struct virtio_blk *b, struct blk_req *r, uint32_t *len)
{
	bool write = r->type == VIRTIO_BLK_T_OUT;
	uint64_t off = r->sector * VIRTIO_BLK_SECTOR_SIZE;
	int ret;

	if (!b->backend || !range_ok(b, r) || (write && b->readonly))
		return VIRTIO_BLK_S_IOERR;
	if (write)
		ret = block_pwritev(b->backend, r->data, r->nr_data, off);
	else
		ret = block_preadv(b->backend, r->data, r->nr_data, off);
	if (ret < 0)
		return VIRTIO_BLK_S_IOERR; /* the backend logged it */
	if (!write)
		*len = (uint32_t)SV_MIN(r->data_len, (size_t)UINT32_MAX - 1);
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(struct virtio_blk *b, struct blk_req *r, uint32_t *len)
{
	size_t left = SV_MIN(r->data_len, (size_t)VIRTIO_BLK_ID_BYTES);
	const char *src = b->serial;

	*len = (uint32_t)left;
	for (unsigned int i = 0; i < r->nr_data && left > 0; i++) {
		size_t n = SV_MIN(left, r->data[i].iov_len);

		memcpy(r->data[i].iov_base, src, n);
		src += n;
		left -= n;
	}
	return VIRTIO_BLK_S_OK;
}

/* Execute r; returns the status byte, *len = data bytes written. */
static uint8_t execute(struct virtio_blk *b, struct blk_req *r, uint32_t *len)
{
	*len = 0;
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		return do_rw(b, r, len);
	case VIRTIO_BLK_T_FLUSH:
		if (!b->backend || block_flush(b->backend) < 0)
			return VIRTIO_BLK_S_IOERR;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		return do_get_id(b, r, len);
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* One popped request; -EINVAL if it is malformed. */
static int handle(struct virtio_blk *b)
{
	struct blk_req *r = &b->req;
	uint32_t len;

	if (parse_request(&b->elem, r) < 0) {
		virtio_dev_set_broken(&b->dev,
				      "request without header or status");
		return -EINVAL;
	}
	*r->status = execute(b, r, &len);
	/* len < UINT32_MAX: do_rw clamps it. */
	if (virtqueue_push(&b->vq, b->dev.mem, b->elem.head, len + 1) < 0) {
		virtio_dev_set_broken(&b->dev, "used ring not writable");
		return -EINVAL;
	}
	return 0;
}

static void blk_queue_notify(struct virtio_dev *dev, unsigned int q)
{
	struct virtio_blk *b = to_blk(dev);
	unsigned int done = 0;
	int ret;

	if (q != 0 || dev->broken)
		return;
	/* Each turn consumes one entry the guest published (<= size ahead). */
	for (;;) {
		ret = virtqueue_pop(&b->vq, dev->mem, &b->elem);
		if (ret == 0)
			break;
		if (ret < 0) {
			virtio_dev_set_broken(dev,
					      "malformed descriptor chain");
			break;
		}
		if (handle(b) < 0)
			break;
		done++;
	}
	if (done)
		virtio_dev_notify_queue(dev, q);
}

static uint64_t blk_get_features(struct virtio_dev *dev)
{
	return dev->host_features;
}

static int blk_set_features(struct virtio_dev *dev, uint64_t features)
{
	(void)dev;
	(void)features;
	return 0;
}

static void blk_cfg_read(struct virtio_dev *dev, uint64_t off, void *data,
			 unsigned int len)
{
	struct virtio_blk *b = to_blk(dev);

	if (off <= BLK_CFG_SIZE && len <= BLK_CFG_SIZE - off)
		memcpy(data, b->cfg + off, len);
}

static void blk_cfg_write(struct virtio_dev *dev, uint64_t off,
			  const void *data, unsigned int len)
{
	(void)data;
	log_warn_ratelimited(
		"virtio-blk %s: config write at %llu len %u ignored", dev->name,
		(unsigned long long)off, len);
}

void virtio_blk_flush(struct virtio_dev *dev)
{
	struct virtio_blk *b = to_blk(dev);

	if (dev->device_id != VIRTIO_ID_BLOCK)
		return;
	pthread_mutex_lock(&dev->lock);
	if (b->backend && !b->readonly && block_flush(b->backend) < 0)
		log_err("virtio-blk %s: flush at shutdown failed", b->id);
	pthread_mutex_unlock(&dev->lock);
}

int virtio_blk_replace_backend(struct virtio_dev *dev,
			       struct block_backend *backend, bool readonly,
			       const char *serial)
{
	struct virtio_blk *b = to_blk(dev);

	if (dev->device_id != VIRTIO_ID_BLOCK ||
	    (serial && strlen(serial) > VIRTIO_BLK_ID_BYTES))
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	if (b->backend && !b->readonly && block_flush(b->backend) < 0)
		log_err("virtio-blk %s: flush before unplug failed", b->id);
	block_close(b->backend);
	b->backend = backend;
	/* Features were negotiated at boot: RO is enforced per request. */
	b->readonly = readonly || (backend && block_readonly(backend));
	b->capacity = backend ? block_size(backend) / VIRTIO_BLK_SECTOR_SIZE : 0;
	memset(b->serial, 0, sizeof(b->serial));
	if (serial)
		memcpy(b->serial, serial, strlen(serial));
	memcpy(b->cfg + VIRTIO_BLK_CFG_CAPACITY, &b->capacity, 8);
	virtio_dev_notify_config(dev);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

static void blk_destroy(struct virtio_dev *dev)
{
	struct virtio_blk *b = to_blk(dev);

	block_close(b->backend);
	pthread_mutex_destroy(&dev->lock);
	free(b->id);
	free(b);
}

static const struct virtio_dev_ops blk_ops = {
	.get_features = blk_get_features,
	.set_features = blk_set_features,
	.cfg_read = blk_cfg_read,
	.cfg_write = blk_cfg_write,
	.queue_notify = blk_queue_notify,
	.destroy = blk_destroy,
};

static int check_args(const struct virtio_blk_args *a, unsigned int qs)
{
	const char *id = a->id ? a->id : "";

	if (qs <= 2 || qs > VIRTQ_MAX_SIZE || (qs & (qs - 1))) {
		log_err("virtio-blk %s: queue-size %u is not a power of 2 in (2, %u]",
			id, qs, VIRTQ_MAX_SIZE);
		return -EINVAL;
	}
	if (a->serial && strlen(a->serial) > VIRTIO_BLK_ID_BYTES) {
		log_err("virtio-blk %s: serial is longer than %d bytes", id,
			VIRTIO_BLK_ID_BYTES);
		return -EINVAL;
	}
	return 0;
}

static void fill_config(struct virtio_blk *b)
{
	uint32_t seg_max = VIRTQ_MAX_SG - 2; /* header and status */

	memcpy(b->cfg + VIRTIO_BLK_CFG_CAPACITY, &b->capacity, 8);
	memcpy(b->cfg + VIRTIO_BLK_CFG_SEG_MAX, &seg_max, 4);
	b->dev.host_features = (1ull << VIRTIO_F_VERSION_1) |
			       (1ull << VIRTIO_F_RING_INDIRECT_DESC) |
			       (1ull << VIRTIO_F_RING_EVENT_IDX) |
			       (1ull << VIRTIO_BLK_F_FLUSH) |
			       (1ull << VIRTIO_BLK_F_SEG_MAX);
	if (b->readonly)
		b->dev.host_features |= 1ull << VIRTIO_BLK_F_RO;
}

int virtio_blk_create(const struct virtio_blk_args *a, struct virtio_dev **out)
{
	unsigned int qs =
		a->queue_size ? a->queue_size : VIRTIO_BLK_DEFAULT_QUEUE_SIZE;
	struct virtio_blk *b;
	int ret;

	ret = check_args(a, qs);
	if (ret < 0)
		return ret;
	b = xcalloc(1, sizeof(*b));
	b->id = xstrdup(a->id ? a->id : "");
	virtio_dev_init(&b->dev, &blk_ops, VIRTIO_ID_BLOCK, b->id);
	b->dev.nr_queues = 1;
	b->dev.vqs = &b->vq;
	b->vq.max_size = (uint16_t)qs;
	virtqueue_reset(&b->vq);
	b->backend = a->backend;
	b->readonly = a->readonly || (a->backend && block_readonly(a->backend));
	if (a->backend)
		b->capacity = block_size(a->backend) / VIRTIO_BLK_SECTOR_SIZE;
	if (a->serial)
		memcpy(b->serial, a->serial, strlen(a->serial));
	fill_config(b);
	*out = &b->dev;
	return 0;
}
