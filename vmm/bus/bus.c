// SPDX-License-Identifier: MIT
/*
 * Address-space bus: a sorted array of regions searched by binary search,
 * protected by a rwlock (see bus.h). Unclaimed reads return all-ones and
 * unclaimed writes are dropped, each with a rate-limited debug line.
 */
#include "vmm/bus/bus.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define LOG_MODULE "bus"
#include "sv/log.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
	pthread_rwlock_init(&bus->lock, NULL);
}

void bus_fini(struct bus *bus)
{
	pthread_rwlock_destroy(&bus->lock);
	bus->nr = 0;
}

/* Index of the first region whose base is > addr (upper bound). */
static unsigned int upper_bound(const struct bus *bus, uint64_t addr)
{
	unsigned int lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (bus->regions[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Region containing [addr, addr+len), or NULL. Caller holds the lock. */
static const struct bus_region *lookup(const struct bus *bus, uint64_t addr,
				       uint64_t len)
{
	unsigned int i = upper_bound(bus, addr);
	const struct bus_region *r;
	uint64_t off;

	if (i == 0)
		return NULL;
	r = &bus->regions[i - 1];
	off = addr - r->base;
	if (off >= r->len || len > r->len - off)
		return NULL;
	return r;
}

static bool overlaps(const struct bus *bus, unsigned int i, uint64_t base,
		     uint64_t last)
{
	/* i is where the new region would be inserted. */
	if (i > 0) {
		const struct bus_region *p = &bus->regions[i - 1];

		if (p->base + (p->len - 1) >= base)
			return true;
	}
	return i < bus->nr && bus->regions[i].base <= last;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct bus_ops *ops, void *opaque, const char *name)
{
	uint64_t last;
	unsigned int i;
	int ret = 0;

	if (len == 0 || !ops || __builtin_add_overflow(base, len - 1, &last))
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	i = upper_bound(bus, base);
	if (overlaps(bus, i, base, last)) {
		log_err("%s bus: %s at 0x%llx+0x%llx overlaps another region",
			bus->name, name ? name : "?", (unsigned long long)base,
			(unsigned long long)len);
		ret = -EEXIST;
	} else if (bus->nr >= BUS_MAX_REGIONS) {
		ret = -ENOSPC;
	} else {
		memmove(&bus->regions[i + 1], &bus->regions[i],
			(bus->nr - i) * sizeof(bus->regions[0]));
		bus->regions[i] = (struct bus_region){
			.base = base,
			.len = len,
			.ops = ops,
			.opaque = opaque,
			.name = name,
		};
		bus->nr++;
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int bus_unregister(struct bus *bus, uint64_t base)
{
	unsigned int i;
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&bus->lock);
	i = upper_bound(bus, base);
	if (i > 0 && bus->regions[i - 1].base == base) {
		i--;
		memmove(&bus->regions[i], &bus->regions[i + 1],
			(bus->nr - i - 1) * sizeof(bus->regions[0]));
		bus->nr--;
		ret = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

bool bus_read(struct bus *bus, uint64_t addr, void *data, unsigned int len)
{
	const struct bus_region *r;
	bool claimed;

	pthread_rwlock_rdlock(&bus->lock);
	r = lookup(bus, addr, len);
	claimed = r && r->ops->read;
	if (claimed)
		r->ops->read(r->opaque, addr - r->base, data, len);
	pthread_rwlock_unlock(&bus->lock);
	if (claimed)
		return true;
	memset(data, 0xff, len);
	log_debug_ratelimited("%s bus: unclaimed read at 0x%llx len %u",
			      bus->name, (unsigned long long)addr, len);
	return false;
}

bool bus_write(struct bus *bus, uint64_t addr, const void *data,
	       unsigned int len)
{
	const struct bus_region *r;
	bool claimed;

	pthread_rwlock_rdlock(&bus->lock);
	r = lookup(bus, addr, len);
	claimed = r && r->ops->write;
	if (claimed)
		r->ops->write(r->opaque, addr - r->base, data, len);
	pthread_rwlock_unlock(&bus->lock);
	if (claimed)
		return true;
	log_debug_ratelimited("%s bus: unclaimed write at 0x%llx len %u",
			      bus->name, (unsigned long long)addr, len);
	return false;
}

int bus_find(struct bus *bus, uint64_t addr, struct bus_region *out)
{
	const struct bus_region *r;
	int ret = -ENOENT;

	pthread_rwlock_rdlock(&bus->lock);
	r = lookup(bus, addr, 1);
	if (r) {
		*out = *r;
		ret = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}
