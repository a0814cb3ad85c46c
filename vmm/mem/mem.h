/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM and the checked guest-physical accessors (STYLE.md section D).
 * No device computes host_base + gpa itself: every access goes through
 * gmem_ptr(), which fails unless [gpa, gpa+len) lies inside one RAM region.
 */
#ifndef SV_VMM_MEM_MEM_H
#define SV_VMM_MEM_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

#define GMEM_MAX_REGIONS 8

struct gmem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
	unsigned int flags;	/* GMEM_REGION_* */
};
#define GMEM_REGION_READONLY (1u << 0)	/* ROM/flash mapped read-only */
#define GMEM_REGION_OWNED (1u << 1)	/* gmem munmaps it */

struct gmem {
	unsigned int nr_regions;
	struct gmem_region regions[GMEM_MAX_REGIONS];
};

/* Empty map; regions are added in any order, never overlapping. */
void gmem_init(struct gmem *m);
/* mmap anonymous RAM of size bytes at gpa (MAP_NORESERVE). */
int gmem_add_ram(struct gmem *m, uint64_t gpa, uint64_t size) SV_MUST_CHECK;
/* Add a region over memory the caller owns (tests, flash images). */
int gmem_add_region(struct gmem *m, uint64_t gpa, uint64_t size, void *hva,
		    unsigned int flags) SV_MUST_CHECK;
void gmem_fini(struct gmem *m);

/* Host pointer for [gpa, gpa+len), or NULL if it is not inside one region. */
void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len);
/* Same, but also NULL for read-only regions. */
void *gmem_ptr_rw(const struct gmem *m, uint64_t gpa, uint64_t len);
/* Copy helpers; -EFAULT when the range is not guest RAM. */
int gmem_read(const struct gmem *m, uint64_t gpa, void *buf,
	      size_t len) SV_MUST_CHECK;
int gmem_write(const struct gmem *m, uint64_t gpa, const void *buf,
	       size_t len) SV_MUST_CHECK;
/* Total RAM bytes (for info and RSS accounting). */
uint64_t gmem_total(const struct gmem *m);

#endif /* SV_VMM_MEM_MEM_H */
