/* SPDX-License-Identifier: MIT */
/*
 * ACPI fixed-hardware PM block (layout in vmm/acpi/acpi.h): PM1a event
 * (STS/EN), PM1a control (SLP_TYP/SLP_EN -> poweroff for S5, SCI_EN), the
 * 24-bit 3.579545 MHz PM timer; plus the reset register at 0xCF9. The power
 * button (QMP system_powerdown) sets PWRBTN_STS and raises the SCI level
 * if PWRBTN_EN is set.
 */
#ifndef SV_VMM_DEVICES_ACPI_PM_H
#define SV_VMM_DEVICES_ACPI_PM_H

#include <stdint.h>

#include "sv/compiler.h"
#include "vmm/devices/devices.h"

struct bus;
struct irq_line;

#define ACPI_PM1_STS_TMR (1u << 0)
#define ACPI_PM1_STS_PWRBTN (1u << 8)
#define ACPI_PM1_STS_WAK (1u << 15)
#define ACPI_PM1_CNT_SCI_EN (1u << 0)
#define ACPI_PM1_CNT_SLP_EN (1u << 13)

struct acpi_pm;
/* sci: level-triggered line (may be NULL); fn gets POWEROFF and RESET. */
int acpi_pm_create(struct bus *pio, uint16_t base, struct irq_line *sci,
		   vm_event_fn fn, void *opaque,
		   struct acpi_pm **out) SV_MUST_CHECK;
void acpi_pm_destroy(struct acpi_pm *p);
void acpi_pm_reset(struct acpi_pm *p);
/*
 * The 0xCF9 reset register's handler (opaque: the acpi_pm). q35 shares the
 * port with the PCI config address register 0xCF8 and dispatches itself.
 */
extern const struct bus_ops acpi_pm_reset_ops;
/* QMP system_powerdown. */
void acpi_pm_power_button(struct acpi_pm *p);

#endif /* SV_VMM_DEVICES_ACPI_PM_H */
