/* SPDX-License-Identifier: MIT */
/* A tiny AML encoder: just what the q35 DSDT needs. Directory-private. */
#ifndef SV_VMM_ACPI_AML_H
#define SV_VMM_ACPI_AML_H

#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

#define AML_MAX_DEPTH 8

struct aml {
	uint8_t *buf;
	size_t len, cap;
	int err;		/* sticky -ENOMEM / -EINVAL */
	unsigned int depth;
	size_t open[AML_MAX_DEPTH];	/* body start of each open package */
};

void aml_init(struct aml *a);
void aml_free(struct aml *a);
void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_byte(struct aml *a, uint8_t v);
/* NameString: "\\_SB_", "PCI0", "_S5_" (1..2 segments, 4 chars each). */
void aml_namestring(struct aml *a, const char *name);
void aml_int(struct aml *a, uint64_t v);
void aml_name(struct aml *a, const char *name);	/* NameOp + name */
uint32_t aml_eisaid(const char *id);
/* Opening constructs; each must be closed with aml_close(). */
void aml_scope(struct aml *a, const char *name);
void aml_device(struct aml *a, const char *name);
void aml_package(struct aml *a, uint8_t nr);
/* Method(name, nargs) { ... }: the body follows, aml_close() ends it. */
void aml_method(struct aml *a, const char *name, uint8_t nargs);
/* Buffer: data follow, closed with aml_close_buffer (writes its size). */
void aml_buffer_open(struct aml *a);
void aml_buffer_close(struct aml *a);
void aml_close(struct aml *a);

/* Resource descriptors (inside a buffer). */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq(struct aml *a, uint8_t irq);
void aml_res_word(struct aml *a, uint8_t type, uint16_t min, uint16_t max);
void aml_res_dword_mem(struct aml *a, uint32_t min, uint32_t len);
void aml_res_qword_mem(struct aml *a, uint64_t min, uint64_t len);
void aml_res_end(struct aml *a);

#endif /* SV_VMM_ACPI_AML_H */
