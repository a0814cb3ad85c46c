// SPDX-License-Identifier: MIT
/*
 * The q35 ACPI tables. Every table but the RSDP lives in one blob whose
 * pointer fields hold offsets into the blob; fixups[] lists those fields
 * so the installer or the firmware's table loader can relocate them.
 */
#include "vmm/acpi/acpi.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MODULE "acpi"
#include "sv/log.h"
#include "vmm/acpi/acpi_internal.h"
#include "vmm/mem/mem.h"

#define OEM_ID "SVIRT "
#define OEM_TABLE "SVQ35   "

uint8_t acpi_checksum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)(0 - sum);
}

void acpi_put(struct acpi_blob *b, size_t off, uint64_t v, unsigned int n)
{
	unsigned int i;

	if (b->err || off + n > b->t->len)
		return;
	for (i = 0; i < n; i++)
		b->t->blob[off + i] = (uint8_t)(v >> (8 * i));
}

static int blob_grow(struct acpi_blob *b, size_t len)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *p;

	while (cap < len)
		cap *= 2;
	if (cap == b->cap)
		return 0;
	p = realloc(b->t->blob, cap);
	if (!p)
		return -ENOMEM;
	memset(p + b->cap, 0, cap - b->cap);
	b->t->blob = p;
	b->cap = cap;
	return 0;
}

size_t acpi_blob_table(struct acpi_blob *b, const char *sig, size_t len,
		       uint8_t rev)
{
	struct acpi_tables *t = b->t;
	size_t off = (t->len + 7) & ~(size_t)7;
	struct acpi_table_ref *r;

	if (b->err)
		return 0;
	if (t->nr_tables >= ACPI_MAX_TABLES || blob_grow(b, off + len)) {
		b->err = -ENOMEM;
		return 0;
	}
	t->len = off + len;
	r = &t->tables[t->nr_tables++];
	memcpy(r->sig, sig, 4);
	r->sig[4] = 0;
	r->off = off;
	r->len = len;
	memcpy(t->blob + off, sig, 4);
	if (!strcmp(sig, "FACS")) {
		acpi_put(b, off + 4, len, 4);
		return off;
	}
	acpi_put(b, off + 4, len, 4);
	acpi_put(b, off + 8, rev, 1);
	memcpy(t->blob + off + 10, OEM_ID, 6);
	memcpy(t->blob + off + 16, OEM_TABLE, 8);
	acpi_put(b, off + 24, 1, 4);
	memcpy(t->blob + off + 28, "SVMM", 4);
	acpi_put(b, off + 32, 1, 4);
	return off;
}

void acpi_fixup(struct acpi_blob *b, bool in_rsdp, size_t field_off,
		unsigned int size, size_t table_off)
{
	struct acpi_fixup *f;

	if (b->t->nr_fixups >= ACPI_MAX_FIXUPS) {
		b->err = -ENOSPC;
		return;
	}
	f = &b->t->fixups[b->t->nr_fixups++];
	f->in_rsdp = in_rsdp;
	f->field_off = field_off;
	f->field_size = size;
	f->table_off = table_off;
}

/* A GAS (generic address structure) in system I/O space. */
static void gas_io(struct acpi_blob *b, size_t off, uint16_t port,
		   uint8_t bits)
{
	acpi_put(b, off, 1, 1);
	acpi_put(b, off + 1, bits, 1);
	acpi_put(b, off + 3, bits >= 32 ? 3 : bits >= 16 ? 2 : 1, 1);
	acpi_put(b, off + 4, port, 8);
}

static void fadt_ports(struct acpi_blob *b, size_t o,
		       const struct acpi_cfg *c)
{
	acpi_put(b, o + 46, c->sci_irq, 2);
	acpi_put(b, o + 56, c->pm_base + ACPI_PM1_EVT_OFF, 4);
	acpi_put(b, o + 64, c->pm_base + ACPI_PM1_CNT_OFF, 4);
	acpi_put(b, o + 76, c->pm_base + ACPI_PM_TMR_OFF, 4);
	acpi_put(b, o + 88, 4, 1);	/* PM1_EVT_LEN */
	acpi_put(b, o + 89, 2, 1);	/* PM1_CNT_LEN */
	acpi_put(b, o + 91, 4, 1);	/* PM_TMR_LEN */
	acpi_put(b, o + 109, 0x2, 2);	/* IAPC_BOOT_ARCH: 8042 */
	/* WBINVD, PROC_C1, SLP_BUTTON (none), RESET_REG_SUP; the power
	 * button is the fixed-feature one (PWR_BUTTON clear). */
	acpi_put(b, o + 112, 0x1 | 0x4 | 0x20 | 0x400, 4);
	gas_io(b, o + 116, ACPI_RESET_PORT, 8);
	acpi_put(b, o + 128, ACPI_RESET_VALUE, 1);
	gas_io(b, o + 148, c->pm_base + ACPI_PM1_EVT_OFF, 32);
	gas_io(b, o + 172, c->pm_base + ACPI_PM1_CNT_OFF, 16);
	gas_io(b, o + 208, c->pm_base + ACPI_PM_TMR_OFF, 32);
}

static size_t build_fadt(struct acpi_blob *b, const struct acpi_cfg *c,
			 size_t facs, size_t dsdt)
{
	size_t o = acpi_blob_table(b, "FACP", ACPI_FADT_LEN, 3);

	if (b->err)
		return 0;
	fadt_ports(b, o, c);
	acpi_put(b, o + 36, facs, 4);
	acpi_fixup(b, false, o + 36, 4, o);
	acpi_put(b, o + 40, dsdt, 4);
	acpi_fixup(b, false, o + 40, 4, o);
	acpi_put(b, o + 140, dsdt, 8);
	acpi_fixup(b, false, o + 140, 8, o);
	return o;
}

static void madt_iso(struct acpi_blob *b, size_t p, uint8_t src, uint32_t gsi,
		     uint16_t flags)
{
	acpi_put(b, p, 2, 1);
	acpi_put(b, p + 1, 10, 1);
	acpi_put(b, p + 3, src, 1);
	acpi_put(b, p + 4, gsi, 4);
	acpi_put(b, p + 8, flags, 2);
}

static size_t build_madt(struct acpi_blob *b, const struct acpi_cfg *c)
{
	size_t len = 44 + 8 * c->nr_cpus + 12 + 2 * 10 + 6;
	size_t o = acpi_blob_table(b, "APIC", len, 3), p;
	unsigned int i;

	if (b->err)
		return 0;
	acpi_put(b, o + 36, c->lapic_gpa, 4);
	acpi_put(b, o + 40, 1, 4);	/* PCAT_COMPAT: dual 8259 present */
	for (i = 0, p = o + 44; i < c->nr_cpus; i++, p += 8) {
		acpi_put(b, p, 0, 1);
		acpi_put(b, p + 1, 8, 1);
		acpi_put(b, p + 2, i, 1);
		acpi_put(b, p + 3, i, 1);
		acpi_put(b, p + 4, 1, 4);	/* enabled */
	}
	acpi_put(b, p, 1, 1);
	acpi_put(b, p + 1, 12, 1);
	acpi_put(b, p + 2, c->ioapic_id, 1);
	acpi_put(b, p + 4, c->ioapic_gpa, 4);
	p += 12;
	madt_iso(b, p, 0, 2, 0);	/* PIT IRQ0 -> GSI2 */
	madt_iso(b, p + 10, c->sci_irq, c->sci_irq, 0xd);	/* level, high */
	p += 20;
	acpi_put(b, p, 4, 1);	/* LAPIC NMI: all CPUs, LINT1 */
	acpi_put(b, p + 1, 6, 1);
	acpi_put(b, p + 2, 0xff, 1);
	acpi_put(b, p + 5, 1, 1);
	return o;
}

static size_t build_mcfg(struct acpi_blob *b, const struct acpi_cfg *c)
{
	size_t o = acpi_blob_table(b, "MCFG", 60, 1);

	acpi_put(b, o + 44, c->ecam_gpa, 8);
	acpi_put(b, o + 52, 0, 2);
	acpi_put(b, o + 54, c->bus_start, 1);
	acpi_put(b, o + 55, c->bus_end, 1);
	return o;
}

/* RSDT and XSDT over the listed tables. */
static void build_sdts(struct acpi_blob *b, const size_t *tabs,
		       unsigned int n)
{
	size_t rsdt = acpi_blob_table(b, "RSDT", ACPI_HDR_LEN + 4 * n, 1);
	size_t xsdt = acpi_blob_table(b, "XSDT", ACPI_HDR_LEN + 8 * n, 1);
	uint8_t *r = b->t->rsdp;
	unsigned int i;

	for (i = 0; i < n && !b->err; i++) {
		acpi_put(b, rsdt + ACPI_HDR_LEN + 4 * i, tabs[i], 4);
		acpi_fixup(b, false, rsdt + ACPI_HDR_LEN + 4 * i, 4, rsdt);
		acpi_put(b, xsdt + ACPI_HDR_LEN + 8 * i, tabs[i], 8);
		acpi_fixup(b, false, xsdt + ACPI_HDR_LEN + 8 * i, 8, xsdt);
	}
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, OEM_ID, 6);
	r[15] = 2;
	memcpy(r + 16, &(uint32_t){ htole32((uint32_t)rsdt) }, 4);
	memcpy(r + 20, &(uint32_t){ htole32(36) }, 4);
	memcpy(r + 24, &(uint64_t){ htole64(xsdt) }, 8);
	acpi_fixup(b, true, 16, 4, 0);
	acpi_fixup(b, true, 24, 8, 0);
}

void acpi_checksum_all(struct acpi_tables *t)
{
	unsigned int i;
	uint8_t *p;

	for (i = 0; i < t->nr_tables; i++) {
		if (!strcmp(t->tables[i].sig, "FACS"))
			continue;
		p = t->blob + t->tables[i].off;
		p[9] = 0;
		p[9] = acpi_checksum(p, t->tables[i].len);
	}
	t->rsdp[8] = 0;
	t->rsdp[8] = acpi_checksum(t->rsdp, 20);
	t->rsdp[32] = 0;
	t->rsdp[32] = acpi_checksum(t->rsdp, 36);
}

int acpi_build(const struct acpi_cfg *cfg, struct acpi_tables *out)
{
	struct acpi_blob b = { .t = out };
	size_t facs, dsdt, tabs[3];
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cfg->nr_cpus || cfg->nr_cpus > 255)
		return -EINVAL;
	facs = acpi_blob_table(&b, "FACS", ACPI_FACS_LEN, 0);
	ret = acpi_build_dsdt(&b, cfg, &dsdt);
	if (!ret) {
		tabs[0] = build_fadt(&b, cfg, facs, dsdt);
		tabs[1] = build_madt(&b, cfg);
		tabs[2] = build_mcfg(&b, cfg);
		build_sdts(&b, tabs, 3);
		ret = b.err;
	}
	if (ret) {
		log_err("building ACPI tables: %s", strerror(-ret));
		acpi_tables_free(out);
		return ret;
	}
	acpi_checksum_all(out);
	return 0;
}

void acpi_tables_free(struct acpi_tables *t)
{
	free(t->blob);
	memset(t, 0, sizeof(*t));
}

const struct acpi_table_ref *acpi_find(const struct acpi_tables *t,
				       const char *sig)
{
	unsigned int i;

	for (i = 0; i < t->nr_tables; i++)
		if (!strncmp(t->tables[i].sig, sig, 4))
			return &t->tables[i];
	return NULL;
}

static void add_le(uint8_t *p, unsigned int n, uint64_t add)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	v += add;
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void acpi_relocate(struct acpi_tables *t, uint64_t tables_gpa)
{
	unsigned int i;

	for (i = 0; i < t->nr_fixups; i++) {
		const struct acpi_fixup *f = &t->fixups[i];
		uint8_t *base = f->in_rsdp ? t->rsdp : t->blob;

		add_le(base + f->field_off, f->field_size, tables_gpa);
	}
	acpi_checksum_all(t);
}

int acpi_install(const struct acpi_cfg *cfg, const struct gmem *mem,
		 uint64_t tables_gpa, uint64_t rsdp_gpa)
{
	struct acpi_tables t;
	int ret = acpi_build(cfg, &t);

	if (ret)
		return ret;
	acpi_relocate(&t, tables_gpa);
	ret = gmem_write(mem, tables_gpa, t.blob, t.len);
	if (!ret)
		ret = gmem_write(mem, rsdp_gpa, t.rsdp, sizeof(t.rsdp));
	if (ret)
		log_err("ACPI tables at 0x%llx / RSDP at 0x%llx: not in RAM",
			(unsigned long long)tables_gpa,
			(unsigned long long)rsdp_gpa);
	acpi_tables_free(&t);
	return ret;
}
