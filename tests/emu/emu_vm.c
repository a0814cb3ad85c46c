// SPDX-License-Identifier: MIT
/*
 * The KVM seam implemented by the software CPU (test backend): VM,
 * memslots, ioeventfds, CPUID, vCPU objects, the run loop and kicks.
 * irq_line and irqfd are accepted and ignored: no interrupt is ever
 * delivered, the test guests poll. MSIs only set LAPIC IRR bits
 * (emu_lapic.c).
 */
#include "vmm/kvm/kvm.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/emu/emu_internal.h"

#define LOG_MODULE "emu"
#include "sv/log.h"

bool kvm_available(void)
{
	return true;
}

bool kvm_host_is_pvm(void)
{
	return false;
}

const char *kvm_backend_name(void)
{
	return "emu";
}

int kvm_vm_create(uint64_t tss_gpa, struct kvm_vm **out)
{
	struct kvm_vm *vm = xcalloc(1, sizeof(*vm));

	(void)tss_gpa;
	pthread_rwlock_init(&vm->slot_lock, NULL);
	pthread_mutex_init(&vm->ev_lock, NULL);
	pthread_mutex_init(&vm->atomic_lock, NULL);
	pthread_mutex_init(&vm->lapic_lock, NULL);
	*out = vm;
	return 0;
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	if (!vm)
		return;
	pthread_rwlock_destroy(&vm->slot_lock);
	pthread_mutex_destroy(&vm->ev_lock);
	pthread_mutex_destroy(&vm->atomic_lock);
	pthread_mutex_destroy(&vm->lapic_lock);
	free(vm);
}

static bool slot_overlaps(const struct kvm_vm *vm, uint64_t gpa, uint64_t end)
{
	for (unsigned int i = 0; i < EMU_MAX_SLOTS; i++) {
		const struct emu_slot *s = &vm->slots[i];

		if (s->used && gpa < s->gpa + s->size && s->gpa < end)
			return true;
	}
	return false;
}

int kvm_vm_add_memslot(struct kvm_vm *vm, uint64_t gpa, uint64_t size,
		       void *hva, unsigned int flags)
{
	uint64_t end;
	int ret = -ENOSPC;

	if (!size || !hva || (gpa & 0xfff) || (size & 0xfff) ||
	    __builtin_add_overflow(gpa, size, &end)) {
		log_err("memslot 0x%llx+0x%llx: invalid",
			(unsigned long long)gpa, (unsigned long long)size);
		return -EINVAL;
	}
	pthread_rwlock_wrlock(&vm->slot_lock);
	if (slot_overlaps(vm, gpa, end)) {
		ret = -EEXIST;
		goto out;
	}
	for (unsigned int i = 0; i < EMU_MAX_SLOTS; i++) {
		struct emu_slot *s = &vm->slots[i];

		if (s->used)
			continue;
		s->used = true;
		s->readonly = flags & KVM_MEMSLOT_READONLY;
		s->gpa = gpa;
		s->size = size;
		s->hva = hva;
		ret = 0;
		break;
	}
out:
	__atomic_add_fetch(&vm->slot_gen, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&vm->slot_lock);
	if (ret < 0)
		log_err("memslot 0x%llx: %s", (unsigned long long)gpa,
			ret == -EEXIST ? "overlaps a slot" : "no free slot");
	return ret;
}

int kvm_vm_remove_memslot(struct kvm_vm *vm, uint64_t gpa)
{
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&vm->slot_lock);
	for (unsigned int i = 0; i < EMU_MAX_SLOTS; i++) {
		if (!vm->slots[i].used || vm->slots[i].gpa != gpa)
			continue;
		vm->slots[i].used = false;
		ret = 0;
		break;
	}
	__atomic_add_fetch(&vm->slot_gen, 1, __ATOMIC_SEQ_CST);
	pthread_rwlock_unlock(&vm->slot_lock);
	return ret;
}

int kvm_vm_irq_line(struct kvm_vm *vm, uint32_t gsi, bool level)
{
	(void)vm;
	(void)gsi;
	(void)level;
	return 0;
}

int kvm_vm_irqfd(struct kvm_vm *vm, int efd, uint32_t gsi)
{
	(void)vm;
	(void)efd;
	(void)gsi;
	return 0;
}

int kvm_vm_irqfd_remove(struct kvm_vm *vm, int efd, uint32_t gsi)
{
	(void)vm;
	(void)efd;
	(void)gsi;
	return 0;
}

static bool ioev_same(const struct kvm_ioevent *a, const struct kvm_ioevent *b)
{
	return a->addr == b->addr && a->len == b->len && a->pio == b->pio &&
	       a->datamatch == b->datamatch && a->fd == b->fd &&
	       (!a->datamatch || a->data == b->data);
}

int kvm_vm_ioeventfd(struct kvm_vm *vm, const struct kvm_ioevent *ev)
{
	int ret = 0;

	if (ev->len != 0 && ev->len != 1 && ev->len != 2 && ev->len != 4 &&
	    ev->len != 8)
		return -EINVAL;
	pthread_mutex_lock(&vm->ev_lock);
	for (unsigned int i = 0; i < vm->nr_ioev; i++) {
		if (ioev_same(&vm->ioev[i], ev))
			ret = -EEXIST;
	}
	if (!ret && vm->nr_ioev == EMU_MAX_IOEVENTS)
		ret = -ENOSPC;
	if (!ret)
		vm->ioev[vm->nr_ioev++] = *ev;
	pthread_mutex_unlock(&vm->ev_lock);
	if (ret < 0)
		log_err("ioeventfd 0x%llx: %s", (unsigned long long)ev->addr,
			strerror(-ret));
	return ret;
}

int kvm_vm_ioeventfd_remove(struct kvm_vm *vm, const struct kvm_ioevent *ev)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&vm->ev_lock);
	for (unsigned int i = 0; i < vm->nr_ioev; i++) {
		if (!ioev_same(&vm->ioev[i], ev))
			continue;
		vm->ioev[i] = vm->ioev[--vm->nr_ioev];
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&vm->ev_lock);
	return ret;
}

static bool ioev_match(const struct kvm_ioevent *e, bool pio, uint64_t addr,
		       const void *data, unsigned int len)
{
	uint64_t val = 0;

	if (e->pio != pio || e->addr != addr || (e->len && e->len != len))
		return false;
	if (!e->datamatch)
		return true;
	memcpy(&val, data, len);
	return val == e->data;
}

/* A guest write hit a registered ioeventfd: signal it instead of exiting. */
bool emu_ioevent_fire(struct kvm_vm *vm, bool pio, uint64_t addr,
		      const void *data, unsigned int len)
{
	uint64_t one = 1;
	int fd = -1;

	pthread_mutex_lock(&vm->ev_lock);
	for (unsigned int i = 0; i < vm->nr_ioev && fd < 0; i++) {
		if (ioev_match(&vm->ioev[i], pio, addr, data, len))
			fd = vm->ioev[i].fd;
	}
	pthread_mutex_unlock(&vm->ev_lock);
	if (fd < 0)
		return false;
	if (write(fd, &one, sizeof(one)) != sizeof(one))
		log_warn_ratelimited("ioeventfd 0x%llx: write failed",
				     (unsigned long long)addr);
	return true;
}
