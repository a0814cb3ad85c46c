/* SPDX-License-Identifier: MIT */
/*
 * An interrupt line as a device sees it. Devices only call irq_line_pulse()
 * or irq_line_set(); the machine decides how it reaches the guest (irqfd
 * edge, KVM_IRQ_LINE level, MSI) and tests plug in counting fakes.
 */
#ifndef SV_VMM_IRQ_IRQ_H
#define SV_VMM_IRQ_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "sv/compiler.h"

struct irq_line;
struct kvm_vm;

struct irq_line_ops {
	int (*set)(struct irq_line *line, bool level);
	int (*pulse)(struct irq_line *line);
};

struct irq_line {
	const struct irq_line_ops *ops;
	void *opaque;
	uint32_t gsi;
	int fd;			/* eventfd bound with irqfd, or -1 */
};

static inline int irq_line_pulse(struct irq_line *line)
{
	return line->ops->pulse(line);
}

static inline int irq_line_set(struct irq_line *line, bool level)
{
	return line->ops->set(line, level);
}

/* Edge line through an eventfd registered with KVM irqfd. */
int irq_line_init_irqfd(struct irq_line *line, struct kvm_vm *vm,
			uint32_t gsi) SV_MUST_CHECK;
/* Line driven with KVM_IRQ_LINE (pulse = raise then lower). */
void irq_line_init_kvm(struct irq_line *line, struct kvm_vm *vm, uint32_t gsi);
void irq_line_fini(struct irq_line *line, struct kvm_vm *vm);

#endif /* SV_VMM_IRQ_IRQ_H */
