/* SPDX-License-Identifier: MIT */
/*
 * CFI parallel flash, Intel/Sharp command set (0xFF read array, 0x90 read
 * id, 0x98 CFI query, 0x40/0x10 program, 0x20+0xD0 block erase, 0x70 read
 * status, 0x50 clear status). One device per -drive if=pflash unit.
 *
 * ROM-device mode: while in read-array mode the image (pflash_hva) can be
 * mapped as a read-only KVM memslot so reads never exit; every write exits
 * to the MMIO handler. When a command switches the device out of array
 * mode, romd_fn(opaque, false) asks the machine to drop the slot (so reads
 * reach the handler) and romd_fn(..., true) to put it back. The handler
 * also serves array reads, so a machine without ROM slots works too.
 */
#ifndef SV_VMM_DEVICES_PFLASH_H
#define SV_VMM_DEVICES_PFLASH_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

struct bus;

#define PFLASH_SECTOR_SIZE 4096u
#define PFLASH_TOP_GPA 0x100000000ull	/* flash ends at 4 GiB */
#define PFLASH_MAX_TOTAL (16ull << 20)	/* window below 4 GiB */

typedef void (*pflash_romd_fn)(void *opaque, bool romd);

struct pflash_args {
	struct bus *mmio;
	const char *file;
	bool readonly;		/* unit 0 code: writes refused */
	uint64_t gpa;		/* from pflash_layout() */
	pflash_romd_fn romd_fn;	/* may be NULL */
	void *opaque;
};

struct pflash;

/* Size of file checked: non-zero multiple of the sector. -EINVAL + log. */
int pflash_file_size(const char *file, uint64_t *size) SV_MUST_CHECK;
/*
 * Compute bases for units 0..n-1 (unit 0 highest, ending at 4 GiB; unit 1
 * right below). -EINVAL if the total exceeds PFLASH_MAX_TOTAL.
 */
int pflash_layout(const uint64_t *sizes, unsigned int n,
		  uint64_t *gpas) SV_MUST_CHECK;
int pflash_create(const struct pflash_args *a,
		  struct pflash **out) SV_MUST_CHECK;
void pflash_destroy(struct pflash *p);
void pflash_reset(struct pflash *p);	/* back to read-array mode */
uint64_t pflash_gpa(const struct pflash *p);
uint64_t pflash_size(const struct pflash *p);
void *pflash_hva(const struct pflash *p);	/* image for a ROM slot */
bool pflash_romd(const struct pflash *p);

#endif /* SV_VMM_DEVICES_PFLASH_H */
