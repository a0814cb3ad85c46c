// SPDX-License-Identifier: MIT
/*
 * Split virtqueue walker (VIRTIO 1.x section 2.7), the security core of the
 * device model. The rings live in guest memory that the guest may change at
 * any time, so every shared value is read once into a local copy and
 * validated there. Chains are bounded by the queue size (or the indirect
 * table size), every buffer is checked with gmem_ptr()/gmem_ptr_rw(), and
 * at most VIRTQ_MAX_SG buffers per direction are accepted. Any violation
 * returns -EINVAL so the device can mark itself broken. Rings are
 * little-endian; like the rest of the VMM this assumes an x86 (LE) host.
 */
#include "vmm/virtio/virtio.h"

#include <errno.h>
#include <string.h>

#include "vmm/mem/mem.h"

#define LOG_MODULE "virtqueue"
#include "sv/log.h"

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

/* Byte sizes of the three parts for a queue of n entries (with events). */
static uint64_t desc_bytes(uint64_t n)
{
	return 16 * n;
}

static uint64_t avail_bytes(uint64_t n)
{
	return 6 + 2 * n;
}

static uint64_t used_bytes(uint64_t n)
{
	return 6 + 8 * n;
}

void virtqueue_reset(struct virtqueue *vq)
{
	uint16_t max = vq->max_size;

	memset(vq, 0, sizeof(*vq));
	vq->max_size = max;
	vq->size = max;
}

int virtqueue_validate(const struct virtqueue *vq, const struct gmem *m)
{
	uint16_t n = vq->size;

	if (n == 0 || (n & (n - 1)) || n > vq->max_size || n > VIRTQ_MAX_SIZE)
		return -EINVAL;
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3))
		return -EINVAL;
	if (!gmem_ptr(m, vq->desc_gpa, desc_bytes(n)) ||
	    !gmem_ptr(m, vq->avail_gpa, avail_bytes(n)) ||
	    !gmem_ptr_rw(m, vq->used_gpa, used_bytes(n)))
		return -EINVAL;
	return 0;
}

/* Copy one descriptor out of shared memory exactly once. */
static void read_desc(const void *src, struct vring_desc *d)
{
	memcpy(d, src, sizeof(*d));
	/* The local copy is what we validate; forbid re-reading src. */
	__asm__ volatile("" ::: "memory");
}

struct walk {
	const struct gmem *m;
	struct virtq_elem *elem;
};

static int add_buf(struct walk *w, const struct vring_desc *d)
{
	struct virtq_elem *e = w->elem;
	void *p;

	if (d->flags & VRING_DESC_F_WRITE) {
		if (e->nr_in >= VIRTQ_MAX_SG)
			return -EINVAL;
		p = gmem_ptr_rw(w->m, d->addr, d->len);
		if (!p)
			return -EINVAL;
		e->in[e->nr_in++] = (struct iovec){ p, d->len };
		return 0;
	}
	/* Device-readable buffers must all precede the writable ones. */
	if (e->nr_in > 0 || e->nr_out >= VIRTQ_MAX_SG)
		return -EINVAL;
	p = gmem_ptr(w->m, d->addr, d->len);
	if (!p)
		return -EINVAL;
	e->out[e->nr_out++] = (struct iovec){ p, d->len };
	return 0;
}

static int walk_indirect(struct walk *w, const struct vring_desc *ind)
{
	const uint8_t *table;
	struct vring_desc d;
	unsigned int n, i = 0, hops = 0;
	int ret;

	if (ind->len == 0 || ind->len % 16 || ind->len > 16u * VIRTQ_MAX_SIZE ||
	    (ind->flags & VRING_DESC_F_NEXT))
		return -EINVAL;
	n = ind->len / 16;
	table = gmem_ptr(w->m, ind->addr, ind->len);
	if (!table)
		return -EINVAL;
	for (;;) {
		if (hops++ >= n)
			return -EINVAL; /* loop inside the table */
		read_desc(table + (size_t)16 * i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT)
			return -EINVAL; /* nested indirect */
		ret = add_buf(w, &d);
		if (ret < 0)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= n)
			return -EINVAL;
	}
}

static int walk_chain(struct virtqueue *vq, struct walk *w, uint16_t head)
{
	const uint8_t *table;
	struct vring_desc d;
	unsigned int i = head, hops = 0;
	int ret;

	table = gmem_ptr(w->m, vq->desc_gpa, desc_bytes(vq->size));
	if (!table)
		return -EINVAL;
	for (;;) {
		if (hops++ >= vq->size)
			return -EINVAL; /* loop in the chain */
		read_desc(table + (size_t)16 * i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* Only a lone head may point to an indirect table. */
			if (!vq->indirect || hops != 1)
				return -EINVAL;
			return walk_indirect(w, &d);
		}
		ret = add_buf(w, &d);
		if (ret < 0)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= vq->size)
			return -EINVAL;
	}
}

static uint16_t *avail_idx_ptr(const struct virtqueue *vq, const struct gmem *m)
{
	uint8_t *avail = gmem_ptr(m, vq->avail_gpa, avail_bytes(vq->size));

	return avail ? (uint16_t *)(avail + 2) : NULL;
}

/* used->avail_event: "kick me when avail idx passes this". */
static void set_avail_event(struct virtqueue *vq, const struct gmem *m)
{
	uint8_t *used = gmem_ptr_rw(m, vq->used_gpa, used_bytes(vq->size));

	if (used && vq->event_idx)
		__atomic_store_n((uint16_t *)(used + 4 + (size_t)8 * vq->size),
				 vq->last_avail, __ATOMIC_RELAXED);
}

/* Number of new entries, or -EINVAL if the guest's idx is impossible. */
static int pending(struct virtqueue *vq, const uint16_t *idx_p)
{
	uint16_t idx = __atomic_load_n(idx_p, __ATOMIC_ACQUIRE);
	uint16_t n = (uint16_t)(idx - vq->last_avail);

	return n > vq->size ? -EINVAL : n;
}

static int ring_has_work(struct virtqueue *vq, const struct gmem *m,
			 const uint16_t *idx_p)
{
	int n = pending(vq, idx_p);

	if (n != 0 || !vq->event_idx)
		return n;
	/* Publish avail_event, then look again so no kick is lost. */
	set_avail_event(vq, m);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return pending(vq, idx_p);
}

int virtqueue_pop(struct virtqueue *vq, const struct gmem *m,
		  struct virtq_elem *elem)
{
	struct walk w = { .m = m, .elem = elem };
	const uint16_t *idx_p;
	uint16_t head;
	int ret;

	if (!vq->ready || vq->size == 0)
		return 0;
	idx_p = avail_idx_ptr(vq, m);
	if (!idx_p)
		return -EINVAL;
	ret = ring_has_work(vq, m, idx_p);
	if (ret <= 0)
		return ret;
	head = __atomic_load_n(idx_p + 1 + (vq->last_avail & (vq->size - 1)),
			       __ATOMIC_RELAXED);
	if (head >= vq->size)
		return -EINVAL;
	elem->head = head;
	elem->nr_out = 0;
	elem->nr_in = 0;
	ret = walk_chain(vq, &w, head);
	if (ret < 0)
		return ret;
	vq->last_avail++;
	set_avail_event(vq, m);
	return 1;
}

void virtqueue_unpop(struct virtqueue *vq, const struct gmem *m)
{
	vq->last_avail--;
	set_avail_event(vq, m);
}

int virtqueue_push(struct virtqueue *vq, const struct gmem *m, uint16_t head,
		   uint32_t len)
{
	uint8_t *used;
	struct vring_used_elem *ue;

	if (vq->size == 0 || head >= vq->size)
		return -EINVAL;
	used = gmem_ptr_rw(m, vq->used_gpa, used_bytes(vq->size));
	if (!used)
		return -EINVAL;
	ue = (struct vring_used_elem *)(used + 4) +
	     (vq->used_idx & (vq->size - 1));
	__atomic_store_n(&ue->id, head, __ATOMIC_RELAXED);
	__atomic_store_n(&ue->len, len, __ATOMIC_RELAXED);
	vq->used_idx++;
	/* The element must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n((uint16_t *)(used + 2), vq->used_idx,
			 __ATOMIC_RELAXED);
	return 0;
}

bool virtqueue_should_notify(struct virtqueue *vq, const struct gmem *m)
{
	const uint16_t *avail;
	uint16_t old, new, event;
	bool valid;

	avail = gmem_ptr(m, vq->avail_gpa, avail_bytes(vq->size));
	if (!avail || vq->size == 0)
		return false;
	/* Our used idx store must be ordered before reading the guest's. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(__atomic_load_n(&avail[0], __ATOMIC_RELAXED) &
			 VRING_AVAIL_F_NO_INTERRUPT);
	event = __atomic_load_n(&avail[2 + vq->size], __ATOMIC_RELAXED);
	old = vq->signalled_used;
	new = vq->used_idx;
	valid = vq->signalled_used_valid;
	vq->signalled_used = new;
	vq->signalled_used_valid = true;
	/* vring_need_event(): did new pass event since the last signal? */
	return !valid || (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}
