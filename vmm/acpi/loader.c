// SPDX-License-Identifier: MIT
/*
 * The fw_cfg ACPI interface OVMF consumes: etc/acpi/tables (the blob with
 * offsets as pointers), etc/acpi/rsdp, and etc/table-loader, a list of
 * 128-byte commands: ALLOCATE both files, ADD_POINTER for every fixup
 * (the firmware adds the pointee's address to the field), ADD_CHECKSUM
 * for every table and the RSDP.
 */
#include "vmm/acpi/acpi.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MODULE "acpi"
#include "sv/log.h"
#include "vmm/acpi/acpi_internal.h"
#include "vmm/devices/fw_cfg.h"

#define LOADER_ALLOCATE 1
#define LOADER_ADD_POINTER 2
#define LOADER_ADD_CHECKSUM 3
#define ZONE_HIGH 1
#define ZONE_FSEG 2
#define CMD_LEN 128
#define NAME_LEN 56

#define FILE_TABLES "etc/acpi/tables"
#define FILE_RSDP "etc/acpi/rsdp"

struct loader {
	uint8_t *buf;
	unsigned int nr, max;
};

static uint8_t *cmd(struct loader *l, uint32_t type)
{
	uint8_t *c;

	if (l->nr >= l->max)
		return NULL;
	c = l->buf + (size_t)l->nr++ * CMD_LEN;
	memcpy(c, &(uint32_t){ htole32(type) }, 4);
	return c;
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void allocate(struct loader *l, const char *file, uint32_t align,
		     uint8_t zone)
{
	uint8_t *c = cmd(l, LOADER_ALLOCATE);

	if (!c)
		return;
	strncpy((char *)c + 4, file, NAME_LEN - 1);
	put32(c + 4 + NAME_LEN, align);
	c[8 + NAME_LEN] = zone;
}

static void pointer(struct loader *l, const struct acpi_fixup *f)
{
	uint8_t *c = cmd(l, LOADER_ADD_POINTER);

	if (!c)
		return;
	strncpy((char *)c + 4, f->in_rsdp ? FILE_RSDP : FILE_TABLES,
		NAME_LEN - 1);
	strncpy((char *)c + 4 + NAME_LEN, FILE_TABLES, NAME_LEN - 1);
	put32(c + 4 + 2 * NAME_LEN, (uint32_t)f->field_off);
	c[8 + 2 * NAME_LEN] = (uint8_t)f->field_size;
}

static void checksum(struct loader *l, const char *file, size_t sum_off,
		     size_t start, size_t len)
{
	uint8_t *c = cmd(l, LOADER_ADD_CHECKSUM);

	if (!c)
		return;
	strncpy((char *)c + 4, file, NAME_LEN - 1);
	put32(c + 4 + NAME_LEN, (uint32_t)sum_off);
	put32(c + 8 + NAME_LEN, (uint32_t)start);
	put32(c + 12 + NAME_LEN, (uint32_t)len);
}

static void script(struct loader *l, const struct acpi_tables *t)
{
	unsigned int i;

	allocate(l, FILE_TABLES, 64, ZONE_HIGH);
	allocate(l, FILE_RSDP, 16, ZONE_FSEG);
	for (i = 0; i < t->nr_fixups; i++)
		pointer(l, &t->fixups[i]);
	for (i = 0; i < t->nr_tables; i++) {
		const struct acpi_table_ref *r = &t->tables[i];

		if (strcmp(r->sig, "FACS"))
			checksum(l, FILE_TABLES, r->off + 9, r->off, r->len);
	}
	checksum(l, FILE_RSDP, 8, 0, 20);
	checksum(l, FILE_RSDP, 32, 0, 36);
}

int acpi_add_fw_cfg(const struct acpi_cfg *cfg, struct fw_cfg *fw)
{
	struct acpi_tables t;
	struct loader l = { 0 };
	int ret = acpi_build(cfg, &t);

	if (ret)
		return ret;
	l.max = 2 + t.nr_fixups + t.nr_tables + 2;
	l.buf = calloc(l.max, CMD_LEN);
	if (!l.buf) {
		ret = -ENOMEM;
		goto out;
	}
	script(&l, &t);
	ret = fw_cfg_add_file(fw, FILE_TABLES, t.blob, t.len);
	if (!ret)
		ret = fw_cfg_add_file(fw, FILE_RSDP, t.rsdp, sizeof(t.rsdp));
	if (!ret)
		ret = fw_cfg_add_file(fw, "etc/table-loader", l.buf,
				      (size_t)l.nr * CMD_LEN);
	if (ret)
		log_err("exporting ACPI tables over fw_cfg: %s",
			strerror(-ret));
out:
	free(l.buf);
	acpi_tables_free(&t);
	return ret;
}
