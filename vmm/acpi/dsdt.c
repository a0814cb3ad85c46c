// SPDX-License-Identifier: MIT
/*
 * The DSDT: \_S5 (SLP_TYP for PM1a_CNT), and under \_SB the PCIe host
 * bridge PCI0 (ECAM via MCFG, bus/I/O/memory windows in _CRS) with the
 * INTx routing table (_PRT) and the ICH9 LPC function 1f.0 holding COM1. The power button is the FADT's
 * fixed-feature button, so it needs no AML.
 */
#include <errno.h>
#include <string.h>

#include "vmm/acpi/acpi_internal.h"
#include "vmm/acpi/aml.h"

static void com1(struct aml *a)
{
	aml_device(a, "COM1");
	aml_name(a, "_HID");
	aml_int(a, aml_eisaid("PNP0501"));
	aml_name(a, "_UID");
	aml_int(a, 1);
	aml_name(a, "_CRS");
	aml_buffer_open(a);
	aml_res_io(a, 0x3f8, 8);
	aml_res_irq(a, 4);
	aml_res_end(a);
	aml_buffer_close(a);
	aml_close(a);
}

static void pci0_crs(struct aml *a, const struct acpi_cfg *c)
{
	aml_name(a, "_CRS");
	aml_buffer_open(a);
	aml_res_word(a, 2, c->bus_start, c->bus_end);
	aml_res_io(a, 0xcf8, 8);
	aml_res_word(a, 1, 0x0000, 0x0cf7);
	aml_res_word(a, 1, 0x0d00, 0xffff);
	aml_res_dword_mem(a, (uint32_t)c->mmio32_gpa,
			  (uint32_t)c->mmio32_size);
	if (c->mmio64_size)
		aml_res_qword_mem(a, c->mmio64_gpa, c->mmio64_size);
	aml_res_end(a);
	aml_buffer_close(a);
}

/*
 * INTx routing: pin p (0 = INTA) of slot s on GSI 16 + (s + p) % 4, level,
 * active low (the GSI is given directly: Source 0). Functions behind a
 * root port are swizzled by the OS onto their port's entry.
 */
static void pci0_prt(struct aml *a)
{
	aml_name(a, "_PRT");
	aml_package(a, 32 * 4);
	for (unsigned int slot = 0; slot < 32; slot++) {
		for (unsigned int pin = 0; pin < 4; pin++) {
			aml_package(a, 4);
			aml_int(a, (uint64_t)slot << 16 | 0xffff);
			aml_int(a, pin);
			aml_int(a, 0);
			aml_int(a, ACPI_PCI_GSI_BASE + (slot + pin) % 4);
			aml_close(a);
		}
	}
	aml_close(a);
}

/*
 * _OSC hands every PCIe feature the OS asks for to the OS (native hot-plug
 * of the root ports, PME, AER): the capabilities buffer comes back as is,
 * no error bits in its first dword. Without it Linux keeps pciehp off.
 */
static void pci0_osc(struct aml *a)
{
	static const uint8_t ret_arg3[] = { 0xa4, 0x6b };	/* Return(Arg3) */

	aml_method(a, "_OSC", 4);
	aml_bytes(a, ret_arg3, sizeof(ret_arg3));
	aml_close(a);
}

static void pci0(struct aml *a, const struct acpi_cfg *c)
{
	aml_device(a, "PCI0");
	aml_name(a, "_HID");
	aml_int(a, aml_eisaid("PNP0A08"));
	aml_name(a, "_CID");
	aml_int(a, aml_eisaid("PNP0A03"));
	aml_name(a, "_ADR");
	aml_int(a, 0);
	aml_name(a, "_SEG");
	aml_int(a, 0);
	aml_name(a, "_UID");
	aml_int(a, 0);
	aml_name(a, "_BBN");
	aml_int(a, c->bus_start);
	pci0_crs(a, c);
	pci0_prt(a);
	pci0_osc(a);
	aml_device(a, "LPC_");
	aml_name(a, "_ADR");
	aml_int(a, 0x001f0000);
	if (c->com1)
		com1(a);
	aml_close(a);
	aml_close(a);
}

int acpi_build_dsdt(struct acpi_blob *b, const struct acpi_cfg *cfg,
		    size_t *off)
{
	struct aml a;
	size_t o;

	aml_init(&a);
	aml_name(&a, "\\_S5_");
	aml_package(&a, 4);
	aml_int(&a, ACPI_S5_SLP_TYP);
	aml_int(&a, ACPI_S5_SLP_TYP);
	aml_int(&a, 0);
	aml_int(&a, 0);
	aml_close(&a);
	aml_scope(&a, "\\_SB_");
	pci0(&a, cfg);
	aml_close(&a);
	if (a.err || a.depth) {
		aml_free(&a);
		return -EINVAL;
	}
	o = acpi_blob_table(b, "DSDT", ACPI_HDR_LEN + a.len, 2);
	if (!b->err)
		memcpy(b->t->blob + o + ACPI_HDR_LEN, a.buf, a.len);
	aml_free(&a);
	*off = o;
	return b->err;
}
