// SPDX-License-Identifier: MIT
/*
 * The q35 standard machine (StratoVirt standard.rs): RAM below 2 GiB and
 * from 4 GiB, the legacy devices (COM1, i8042, CMOS RTC, ACPI PM block with
 * the reset register), the PCIe root complex with its devices, fw_cfg and
 * the pflash units, then the boot source: OVMF from pflash unit 0 (reset
 * vector), or without pflash a direct kernel boot with ACPI tables in RAM.
 * Resets happen in place (RESET event), as on a PC; -no-reboot makes a
 * guest reset end the VM instead.
 */
#include <stdio.h>
#include <string.h>

#define LOG_MODULE "q35"
#include "sv/log.h"
#include "vmm/arch/arch.h"
#include "vmm/backends/chardev.h"
#include "vmm/acpi/acpi.h"
#include "vmm/config.h"
#include "vmm/devices/acpi_pm.h"
#include "vmm/devices/devices.h"
#include "vmm/devices/rtc.h"
#include "vmm/kvm/kvm.h"
#include "vmm/machine/machine.h"
#include "vmm/machine/platform.h"
#include "vmm/machine/q35_internal.h"

static void on_vm_event(void *opaque, enum vm_event ev, int status)
{
	struct machine *m = opaque;

	switch (ev) {
	case VM_EVENT_RESET:
		machine_request_reset(m, true);
		break;
	case VM_EVENT_POWEROFF:
		machine_request_shutdown(m, SHUTDOWN_GUEST_POWEROFF, 0);
		break;
	case VM_EVENT_DEBUG_EXIT:
		machine_request_shutdown(m, SHUTDOWN_DEBUG_EXIT, status);
		break;
	}
}

static int create_platform(struct machine *m, struct q35 *q)
{
	int ret = machine_create_serial(m, Q35_SERIAL_PORT, Q35_SERIAL_IRQ,
					&q->serial);

	if (ret < 0)
		return ret;
	ret = i8042_create(&m->pio, on_vm_event, m, &q->i8042);
	if (ret < 0)
		return ret;
	ret = rtc_create(&m->pio, RTC_IO_BASE, q->ram.below_4g_size,
			 q->ram.above_4g_size, m->nr_cpus, &q->rtc);
	if (ret < 0)
		return ret;
	/* The SCI is level-triggered and shared: KVM_IRQ_LINE. */
	irq_line_init_kvm(&q->sci, m->vm, Q35_SCI_IRQ);
	ret = acpi_pm_create(&m->pio, Q35_PM_BASE, &q->sci, on_vm_event, m,
			     &q->pm);
	if (ret < 0)
		return ret;
	if (m->cfg->debug_exit)
		ret = debug_exit_create(&m->pio, m->cfg->debug_exit_port,
					on_vm_event, m, &q->debug_exit);
	return ret;
}

static uint64_t mmio64_base(const struct q35 *q)
{
	uint64_t top = Q35_RAM_ABOVE_4G_BASE + q->ram.above_4g_size;

	return (top + Q35_MMIO64_ALIGN - 1) & ~(Q35_MMIO64_ALIGN - 1);
}

/*
 * 0xCF8-0xCFF: a byte access to 0xCF9 is the reset control register, any
 * other access the PCI config mechanism #1 (as the ICH9 decodes it).
 */
static void cf8_read(void *opaque, uint64_t off, void *data, unsigned int len)
{
	struct q35 *q = opaque;

	if (off == 1 && len == 1)
		acpi_pm_reset_ops.read(q->pm, 0, data, len);
	else
		pci_root_cf8_ops.read(&q->root, off, data, len);
}

static void cf8_write(void *opaque, uint64_t off, const void *data,
		      unsigned int len)
{
	struct q35 *q = opaque;

	if (off == 1 && len == 1)
		acpi_pm_reset_ops.write(q->pm, 0, data, len);
	else
		pci_root_cf8_ops.write(&q->root, off, data, len);
}

static const struct bus_ops cf8_ops = { cf8_read, cf8_write };

static int create_root(struct machine *m, struct q35 *q)
{
	int ret = pci_root_init(&q->root, mmio64_base(q));

	if (ret < 0)
		return ret;
	q->root_ready = true;
	/* acpi_pm put its 0xCF9 there; the mux below takes both. */
	if (bus_unregister(&m->pio, ACPI_RESET_PORT) < 0)
		return -EIO;
	ret = pci_root_register(&q->root, &m->pio, &m->mmio);
	if (ret == 0 && bus_unregister(&m->pio, PCI_ROOT_CF8) < 0)
		ret = -EIO;
	if (ret == 0)
		ret = bus_register(&m->pio, PCI_ROOT_CF8, 8, &cf8_ops, q,
				   "pci-cf8+reset-cf9");
	return ret;
}

static int q35_create(struct machine *m)
{
	struct q35 *q = xcalloc(1, sizeof(*q));
	int ret;

	m->priv = q;
	q->m = m;
	q->unplug_efd = -1;
	pthread_mutex_init(&q->intx_lock, NULL);
	ret = kvm_vm_create(Q35_KVM_TSS_BASE, &m->vm);
	if (ret == 0)
		ret = machine_create_ram(m, Q35_RAM_BELOW_4G_MAX, &q->ram);
	if (ret == 0)
		ret = create_platform(m, q);
	if (ret == 0)
		ret = create_root(m, q);
	if (ret == 0)
		ret = q35_create_pci(m, q);
	if (ret == 0)
		ret = q35_create_firmware(m, q);
	if (ret == 0)
		ret = q35_load_boot(m, q);
	return ret;
}

static int q35_vcpu_init(struct machine *m, struct vcpu *v)
{
	struct q35 *q = m->priv;

	return arch_vcpu_init(m->vm, v->kvm, m->nr_cpus, &q->boot);
}

/* Devices back to power-on state, then the boot source reloaded. */
static int q35_reset(struct machine *m)
{
	struct q35 *q = m->priv;

	pci_root_reset(&q->root);
	acpi_pm_reset(q->pm);
	q35_reset_firmware(q);
	return q35_load_boot(m, q);
}

static int q35_vcpu_reset(struct machine *m, struct vcpu *v)
{
	struct q35 *q = m->priv;

	return arch_vcpu_reset(v->kvm, &q->boot);
}

static void q35_powerdown(struct machine *m)
{
	struct q35 *q = m->priv;

	acpi_pm_power_button(q->pm);
}

static void q35_flush(struct machine *m)
{
	struct q35 *q = m->priv;

	if (q)
		q35_flush_pci(q);
}

static void q35_destroy(struct machine *m)
{
	struct q35 *q = m->priv;

	if (!q)
		return;
	q35_destroy_pci(m, q);
	q35_destroy_firmware(m, q);
	if (q->root_ready)
		pci_root_fini(&q->root);
	debug_exit_destroy(q->debug_exit);
	acpi_pm_destroy(q->pm);
	rtc_destroy(q->rtc);
	i8042_destroy(q->i8042);
	machine_serial_destroy(m, &q->serial);
	pthread_mutex_destroy(&q->intx_lock);
	free(q);
	m->priv = NULL;
}

const struct machine_ops q35_ops = {
	.name = "q35",
	.create = q35_create,
	.vcpu_init = q35_vcpu_init,
	.destroy = q35_destroy,
	.flush = q35_flush,
	.blockdev_add = q35_blockdev_add,
	.blockdev_del = q35_blockdev_del,
	.device_add = q35_device_add,
	.device_del = q35_device_del,
	.reset = q35_reset,
	.vcpu_reset = q35_vcpu_reset,
	.powerdown = q35_powerdown,
};
