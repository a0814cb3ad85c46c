/* SPDX-License-Identifier: MIT */
/*
 * Address-space bus, used twice per VM: PIO (16-bit ports) and MMIO
 * (guest-physical). Handlers get an offset within their region.
 *
 * Locking: the region table is protected by a rwlock. vCPU threads take it
 * for reading around lookup + handler call; register/unregister take it for
 * writing, so a region is never removed while a vCPU is inside its handler.
 * Handlers must therefore never call bus_register/bus_unregister on the same
 * bus (defer such work to the event loop). Devices lock their own state.
 */
#ifndef SV_VMM_BUS_BUS_H
#define SV_VMM_BUS_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

struct bus_ops {
	void (*read)(void *opaque, uint64_t off, void *data, unsigned int len);
	void (*write)(void *opaque, uint64_t off, const void *data,
		      unsigned int len);
};

struct bus_region {
	uint64_t base;
	uint64_t len;
	const struct bus_ops *ops;
	void *opaque;
	const char *name;	/* borrowed; must outlive the registration */
};

#define BUS_MAX_REGIONS 256

struct bus {
	const char *name;	/* "pio" or "mmio" */
	pthread_rwlock_t lock;
	unsigned int nr;
	struct bus_region regions[BUS_MAX_REGIONS];	/* sorted by base */
};

void bus_init(struct bus *bus, const char *name);
void bus_fini(struct bus *bus);
/* -EINVAL: zero length or wrap-around; -EEXIST: overlap; -ENOSPC: full. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct bus_ops *ops, void *opaque,
		 const char *name) SV_MUST_CHECK;
/* -ENOENT if no region starts at base. */
int bus_unregister(struct bus *bus, uint64_t base);
/*
 * Dispatch a guest access. Unclaimed reads fill data with 0xff, unclaimed
 * writes are dropped (rate-limited debug log). Returns true if claimed.
 * An access that straddles the end of a region is unclaimed.
 */
bool bus_read(struct bus *bus, uint64_t addr, void *data, unsigned int len);
bool bus_write(struct bus *bus, uint64_t addr, const void *data,
	       unsigned int len);
/* Copy of the region containing addr, for tests and info queries. */
int bus_find(struct bus *bus, uint64_t addr, struct bus_region *out);

#endif /* SV_VMM_BUS_BUS_H */
