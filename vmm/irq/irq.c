// SPDX-License-Identifier: MIT
/*
 * Interrupt lines backed by KVM: an irqfd edge line (the fast path: a write
 * to an eventfd, no ioctl) or a KVM_IRQ_LINE line for level semantics.
 */
#include "vmm/irq/irq.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/kvm/kvm.h"

#define LOG_MODULE "irq"
#include "sv/log.h"

static int irqfd_pulse(struct irq_line *line)
{
	uint64_t one = 1;

	if (write(line->fd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		int ret = -errno;

		log_warn_ratelimited("irqfd gsi %u: write: %s", line->gsi,
				     strerror(errno));
		return ret;
	}
	return 0;
}

static int irqfd_set(struct irq_line *line, bool level)
{
	/* An irqfd line is edge-only: raising it is a pulse. */
	return level ? irqfd_pulse(line) : 0;
}

static const struct irq_line_ops irqfd_ops = {
	.set = irqfd_set,
	.pulse = irqfd_pulse,
};

int irq_line_init_irqfd(struct irq_line *line, struct kvm_vm *vm, uint32_t gsi)
{
	int fd, ret;

	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		log_err("eventfd for gsi %u: %s", gsi, strerror(errno));
		return ret;
	}
	ret = kvm_vm_irqfd(vm, fd, gsi);
	if (ret < 0) {
		log_err("irqfd for gsi %u: %s", gsi, strerror(-ret));
		close(fd);
		return ret;
	}
	*line = (struct irq_line){
		.ops = &irqfd_ops,
		.opaque = vm,
		.gsi = gsi,
		.fd = fd,
	};
	return 0;
}

static int kvm_line_set(struct irq_line *line, bool level)
{
	int ret = kvm_vm_irq_line(line->opaque, line->gsi, level);

	if (ret < 0)
		log_warn_ratelimited("KVM_IRQ_LINE gsi %u: %s", line->gsi,
				     strerror(-ret));
	return ret;
}

static int kvm_line_pulse(struct irq_line *line)
{
	int ret = kvm_line_set(line, true);

	if (ret < 0)
		return ret;
	return kvm_line_set(line, false);
}

static const struct irq_line_ops kvm_line_ops = {
	.set = kvm_line_set,
	.pulse = kvm_line_pulse,
};

void irq_line_init_kvm(struct irq_line *line, struct kvm_vm *vm, uint32_t gsi)
{
	*line = (struct irq_line){
		.ops = &kvm_line_ops,
		.opaque = vm,
		.gsi = gsi,
		.fd = -1,
	};
}

void irq_line_fini(struct irq_line *line, struct kvm_vm *vm)
{
	if (line->fd >= 0) {
		if (vm && kvm_vm_irqfd_remove(vm, line->fd, line->gsi) < 0)
			log_warn("irqfd remove gsi %u failed", line->gsi);
		close(line->fd);
		line->fd = -1;
	}
	line->ops = NULL;
}
