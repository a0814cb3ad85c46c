// SPDX-License-Identifier: MIT
/* RAM and COM1, shared by microvm and q35 (see platform.h). */
#include "vmm/machine/platform.h"

#define LOG_MODULE "machine"
#include "sv/log.h"
#include "vmm/backends/chardev.h"
#include "vmm/config.h"
#include "vmm/devices/devices.h"
#include "vmm/kvm/kvm.h"
#include "vmm/machine/machine.h"

int machine_create_ram(struct machine *m, uint64_t below_4g_max,
		       struct arch_ram_layout *out)
{
	int ret;

	arch_ram_layout(m->cfg->mem_size, below_4g_max, out);
	ret = gmem_add_ram(&m->mem, 0, out->below_4g_size);
	if (ret < 0)
		return ret;
	if (out->above_4g_size) {
		ret = gmem_add_ram(&m->mem, ARCH_RAM_ABOVE_4G_GPA,
				   out->above_4g_size);
		if (ret < 0)
			return ret;
	}
	for (unsigned int i = 0; i < m->mem.nr_regions; i++) {
		const struct gmem_region *r = &m->mem.regions[i];

		ret = kvm_vm_add_memslot(m->vm, r->gpa, r->size, r->hva, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int machine_create_serial(struct machine *m, uint16_t port, uint32_t irq,
			  struct machine_serial *s)
{
	const struct chardev_cfg *cc = &m->cfg->serial;
	int ret;

	if (m->cfg->serial_chardev)
		cc = vmm_config_chardev(m->cfg, m->cfg->serial_chardev);
	if (!cc || cc->kind == CHARDEV_NONE)
		return 0;
	ret = chardev_create(cc, m->loop, &s->chr);
	if (ret < 0)
		return ret;
	ret = irq_line_init_irqfd(&s->irq, m->vm, irq);
	if (ret < 0)
		return ret;
	s->irq_ready = true;
	return serial8250_create(&m->pio, port, &s->irq, s->chr, &s->dev);
}

void machine_serial_destroy(struct machine *m, struct machine_serial *s)
{
	serial8250_destroy(s->dev);
	if (s->irq_ready)
		irq_line_fini(&s->irq, m->vm);
	chardev_destroy(s->chr);
	s->dev = NULL;
	s->chr = NULL;
	s->irq_ready = false;
}
