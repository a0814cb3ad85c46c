/* SPDX-License-Identifier: MIT */
/* Shared between the acpi/ files only. */
#ifndef SV_VMM_ACPI_ACPI_INTERNAL_H
#define SV_VMM_ACPI_ACPI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/acpi/acpi.h"

#define ACPI_HDR_LEN 36
#define ACPI_FADT_LEN 244
#define ACPI_FACS_LEN 64

/* Growable blob the tables are appended to. */
struct acpi_blob {
	struct acpi_tables *t;
	size_t cap;
	int err;
};

/* Append a zeroed table of len bytes with a header; returns its offset. */
size_t acpi_blob_table(struct acpi_blob *b, const char *sig, size_t len,
		       uint8_t rev);
void acpi_put(struct acpi_blob *b, size_t off, uint64_t v, unsigned int n);
void acpi_fixup(struct acpi_blob *b, bool in_rsdp, size_t field_off,
		unsigned int size, size_t table_off);
int acpi_build_dsdt(struct acpi_blob *b, const struct acpi_cfg *cfg,
		    size_t *off);
/* Set every table's checksum (not FACS) and both RSDP checksums. */
void acpi_checksum_all(struct acpi_tables *t);

#endif /* SV_VMM_ACPI_ACPI_INTERNAL_H */
