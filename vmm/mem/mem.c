// SPDX-License-Identifier: MIT
/*
 * Guest RAM regions and the checked guest-physical accessors. Every lookup
 * demands that the whole range lies inside one region; sums are computed
 * with __builtin_add_overflow so a hostile gpa/len can never wrap.
 */
#include "vmm/mem/mem.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#define LOG_MODULE "mem"
#include "sv/log.h"

void gmem_init(struct gmem *m)
{
	memset(m, 0, sizeof(*m));
}

static bool overlaps(const struct gmem_region *r, uint64_t gpa, uint64_t end)
{
	return gpa < r->gpa + r->size && r->gpa < end;
}

int gmem_add_region(struct gmem *m, uint64_t gpa, uint64_t size, void *hva,
		    unsigned int flags)
{
	uint64_t end;

	if (size == 0 || !hva || __builtin_add_overflow(gpa, size, &end))
		return -EINVAL;
	if (m->nr_regions >= GMEM_MAX_REGIONS)
		return -ENOSPC;
	for (unsigned int i = 0; i < m->nr_regions; i++) {
		if (overlaps(&m->regions[i], gpa, end)) {
			log_err("RAM region 0x%llx+0x%llx overlaps 0x%llx",
				(unsigned long long)gpa,
				(unsigned long long)size,
				(unsigned long long)m->regions[i].gpa);
			return -EEXIST;
		}
	}
	m->regions[m->nr_regions++] = (struct gmem_region){
		.gpa = gpa,
		.size = size,
		.hva = hva,
		.flags = flags,
	};
	return 0;
}

int gmem_add_ram(struct gmem *m, uint64_t gpa, uint64_t size)
{
	void *p;
	int ret;

	if (size == 0 || size > SIZE_MAX)
		return -EINVAL;
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		log_err("mmap %llu bytes of guest RAM: %s",
			(unsigned long long)size, strerror(errno));
		return ret;
	}
	ret = gmem_add_region(m, gpa, size, p, GMEM_REGION_OWNED);
	if (ret < 0)
		munmap(p, (size_t)size);
	return ret;
}

void gmem_fini(struct gmem *m)
{
	for (unsigned int i = 0; i < m->nr_regions; i++) {
		struct gmem_region *r = &m->regions[i];

		if (r->flags & GMEM_REGION_OWNED)
			munmap(r->hva, (size_t)r->size);
	}
	gmem_init(m);
}

static const struct gmem_region *lookup(const struct gmem *m, uint64_t gpa,
					uint64_t len)
{
	uint64_t end;

	if (__builtin_add_overflow(gpa, len, &end))
		return NULL;
	for (unsigned int i = 0; i < m->nr_regions; i++) {
		const struct gmem_region *r = &m->regions[i];

		/* r->gpa + r->size cannot wrap: checked at registration. */
		if (gpa >= r->gpa && end <= r->gpa + r->size)
			return r;
	}
	return NULL;
}

void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	const struct gmem_region *r = lookup(m, gpa, len);

	return r ? r->hva + (gpa - r->gpa) : NULL;
}

void *gmem_ptr_rw(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	const struct gmem_region *r = lookup(m, gpa, len);

	if (!r || (r->flags & GMEM_REGION_READONLY))
		return NULL;
	return r->hva + (gpa - r->gpa);
}

int gmem_read(const struct gmem *m, uint64_t gpa, void *buf, size_t len)
{
	const void *p = gmem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

int gmem_write(const struct gmem *m, uint64_t gpa, const void *buf, size_t len)
{
	void *p = gmem_ptr_rw(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

uint64_t gmem_total(const struct gmem *m)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < m->nr_regions; i++)
		total += m->regions[i].size;
	return total;
}
