// SPDX-License-Identifier: MIT
/*
 * The KVM seam, real implementation: the only file that issues KVM ioctls.
 * Each function logs the failing ioctl once and returns -errno.
 */
#include "vmm/kvm/kvm.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MODULE "kvm"
#include "sv/log.h"

#define KVM_MAX_MEMSLOTS 32
#define KVM_CPUID_MAX_ENTRIES 256

struct kvm_vm {
	int sys_fd;
	int vm_fd;
	int vcpu_mmap_size;
	pthread_mutex_t slot_lock;	/* protects slots[] */
	struct {
		bool used;
		uint64_t gpa;
		uint64_t size;
		void *hva;
		uint32_t flags;
	} slots[KVM_MAX_MEMSLOTS];
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
};

bool kvm_available(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/*
 * Read once, when the VM is created: a vCPU asks again on a bad exit, after
 * the seccomp filter is in place (stat is not on its allowlist).
 */
bool kvm_host_is_pvm(void)
{
	static int pvm = -1;
	struct stat st;

	if (pvm < 0)
		pvm = stat("/sys/module/kvm_pvm", &st) == 0;
	return pvm;
}

const char *kvm_backend_name(void)
{
	return "kvm";
}

static int xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0) {
		ret = -errno;
		log_err("%s: %s", what, strerror(errno));
	}
	return ret;
}

static int vm_setup(struct kvm_vm *vm, uint64_t tss_gpa)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t ident = tss_gpa;
	int ret;

	/* Identity map page first, then the 3-page TSS right after it. */
	ret = xioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident,
		     "KVM_SET_IDENTITY_MAP_ADDR");
	if (ret < 0)
		return ret;
	ret = ioctl(vm->vm_fd, KVM_SET_TSS_ADDR,
		    (unsigned long)(tss_gpa + 0x1000));
	if (ret < 0) {
		log_err("KVM_SET_TSS_ADDR: %s", strerror(errno));
		return -errno;
	}
	ret = xioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP");
	if (ret < 0)
		return ret;
	return xioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2");
}

int kvm_vm_create(uint64_t tss_gpa, struct kvm_vm **out)
{
	struct kvm_vm *vm = xcalloc(1, sizeof(*vm));
	int ret;

	pthread_mutex_init(&vm->slot_lock, NULL);
	(void)kvm_host_is_pvm();	/* cached before the sandbox */
	vm->vm_fd = -1;
	vm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		ret = -errno;
		log_err("open /dev/kvm: %s", strerror(errno));
		goto err_free;
	}
	ret = ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		log_err("/dev/kvm: API version %d, need %d", ret,
			KVM_API_VERSION);
		ret = -ENOTSUP;
		goto err_close;
	}
	vm->vcpu_mmap_size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		ret = -errno ? -errno : -EINVAL;
		log_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(-ret));
		goto err_close;
	}
	do {
		vm->vm_fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	} while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		ret = -errno;
		log_err("KVM_CREATE_VM: %s", strerror(errno));
		goto err_close;
	}
	ret = vm_setup(vm, tss_gpa);
	if (ret < 0)
		goto err_close_vm;
	*out = vm;
	return 0;

err_close_vm:
	close(vm->vm_fd);
err_close:
	close(vm->sys_fd);
err_free:
	free(vm);
	return ret;
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	if (!vm)
		return;
	close(vm->vm_fd);
	close(vm->sys_fd);
	pthread_mutex_destroy(&vm->slot_lock);
	free(vm);
}

static int set_slot(struct kvm_vm *vm, unsigned int i)
{
	struct kvm_userspace_memory_region r = {
		.slot = i,
		.flags = vm->slots[i].flags,
		.guest_phys_addr = vm->slots[i].gpa,
		.memory_size = vm->slots[i].used ? vm->slots[i].size : 0,
		.userspace_addr = (uint64_t)(uintptr_t)vm->slots[i].hva,
	};

	return xioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r,
		      "KVM_SET_USER_MEMORY_REGION");
}

int kvm_vm_add_memslot(struct kvm_vm *vm, uint64_t gpa, uint64_t size,
		       void *hva, unsigned int flags)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&vm->slot_lock);
	for (unsigned int i = 0; i < KVM_MAX_MEMSLOTS; i++) {
		if (vm->slots[i].used)
			continue;
		vm->slots[i].used = true;
		vm->slots[i].gpa = gpa;
		vm->slots[i].size = size;
		vm->slots[i].hva = hva;
		vm->slots[i].flags = (flags & KVM_MEMSLOT_READONLY) ?
					     KVM_MEM_READONLY : 0;
		ret = set_slot(vm, i);
		if (ret < 0)
			vm->slots[i].used = false;
		break;
	}
	pthread_mutex_unlock(&vm->slot_lock);
	if (ret == -ENOSPC)
		log_err("no free memory slot for 0x%llx", (unsigned long long)gpa);
	return ret;
}

int kvm_vm_remove_memslot(struct kvm_vm *vm, uint64_t gpa)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&vm->slot_lock);
	for (unsigned int i = 0; i < KVM_MAX_MEMSLOTS; i++) {
		if (!vm->slots[i].used || vm->slots[i].gpa != gpa)
			continue;
		vm->slots[i].used = false;
		ret = set_slot(vm, i);
		break;
	}
	pthread_mutex_unlock(&vm->slot_lock);
	return ret;
}

int kvm_vm_irq_line(struct kvm_vm *vm, uint32_t gsi, bool level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level ? 1 : 0 };

	return xioctl(vm->vm_fd, KVM_IRQ_LINE, &l, "KVM_IRQ_LINE");
}

static int irqfd(struct kvm_vm *vm, int efd, uint32_t gsi, uint32_t flags)
{
	struct kvm_irqfd r = { .fd = (uint32_t)efd, .gsi = gsi, .flags = flags };

	return xioctl(vm->vm_fd, KVM_IRQFD, &r, "KVM_IRQFD");
}

int kvm_vm_irqfd(struct kvm_vm *vm, int efd, uint32_t gsi)
{
	return irqfd(vm, efd, gsi, 0);
}

int kvm_vm_irqfd_remove(struct kvm_vm *vm, int efd, uint32_t gsi)
{
	return irqfd(vm, efd, gsi, KVM_IRQFD_FLAG_DEASSIGN);
}

static int ioeventfd(struct kvm_vm *vm, const struct kvm_ioevent *ev,
		     uint32_t extra)
{
	struct kvm_ioeventfd r = {
		.datamatch = ev->data,
		.addr = ev->addr,
		.len = ev->len,
		.fd = ev->fd,
		.flags = extra,
	};

	if (ev->pio)
		r.flags |= KVM_IOEVENTFD_FLAG_PIO;
	if (ev->datamatch)
		r.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
	return xioctl(vm->vm_fd, KVM_IOEVENTFD, &r, "KVM_IOEVENTFD");
}

int kvm_vm_ioeventfd(struct kvm_vm *vm, const struct kvm_ioevent *ev)
{
	return ioeventfd(vm, ev, 0);
}

int kvm_vm_ioeventfd_remove(struct kvm_vm *vm, const struct kvm_ioevent *ev)
{
	return ioeventfd(vm, ev, KVM_IOEVENTFD_FLAG_DEASSIGN);
}

int kvm_vm_signal_msi(struct kvm_vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = (uint32_t)(addr >> 32),
		.data = data,
	};
	int ret = ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi);

	if (ret < 0) {
		log_warn_ratelimited("KVM_SIGNAL_MSI: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int kvm_vm_supported_cpuid(struct kvm_vm *vm, struct kvm_cpuid2 **out)
{
	size_t sz = sizeof(struct kvm_cpuid2) +
		    KVM_CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = xcalloc(1, sz);
	int ret;

	c->nent = KVM_CPUID_MAX_ENTRIES;
	ret = xioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, c,
		     "KVM_GET_SUPPORTED_CPUID");
	if (ret < 0) {
		free(c);
		return ret;
	}
	*out = c;
	return 0;
}

int kvm_vcpu_create(struct kvm_vm *vm, unsigned int id, struct kvm_vcpu **out)
{
	struct kvm_vcpu *v = xcalloc(1, sizeof(*v));
	int ret;

	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0) {
		ret = -errno;
		log_err("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		goto err_free;
	}
	v->run = mmap(NULL, (size_t)vm->vcpu_mmap_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		ret = -errno;
		log_err("mmap vcpu %u run area: %s", id, strerror(errno));
		goto err_close;
	}
	*out = v;
	return 0;

err_close:
	close(v->fd);
err_free:
	free(v);
	return ret;
}

void kvm_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	if (!vcpu)
		return;
	munmap(vcpu->run, (size_t)vcpu->vm->vcpu_mmap_size);
	close(vcpu->fd);
	free(vcpu);
}

unsigned int kvm_vcpu_id(const struct kvm_vcpu *vcpu)
{
	return vcpu->id;
}

int kvm_vcpu_set_cpuid(struct kvm_vcpu *v, const struct kvm_cpuid2 *c)
{
	return xioctl(v->fd, KVM_SET_CPUID2, (void *)(uintptr_t)c,
		      "KVM_SET_CPUID2");
}

int kvm_vcpu_get_regs(struct kvm_vcpu *v, struct kvm_regs *r)
{
	return xioctl(v->fd, KVM_GET_REGS, r, "KVM_GET_REGS");
}

int kvm_vcpu_set_regs(struct kvm_vcpu *v, const struct kvm_regs *r)
{
	return xioctl(v->fd, KVM_SET_REGS, (void *)(uintptr_t)r, "KVM_SET_REGS");
}

int kvm_vcpu_get_sregs(struct kvm_vcpu *v, struct kvm_sregs *s)
{
	return xioctl(v->fd, KVM_GET_SREGS, s, "KVM_GET_SREGS");
}

int kvm_vcpu_set_sregs(struct kvm_vcpu *v, const struct kvm_sregs *s)
{
	return xioctl(v->fd, KVM_SET_SREGS, (void *)(uintptr_t)s,
		      "KVM_SET_SREGS");
}

int kvm_vcpu_set_fpu(struct kvm_vcpu *v, const struct kvm_fpu *f)
{
	return xioctl(v->fd, KVM_SET_FPU, (void *)(uintptr_t)f, "KVM_SET_FPU");
}

int kvm_vcpu_set_msrs(struct kvm_vcpu *v, const struct kvm_msrs *m)
{
	int ret = ioctl(v->fd, KVM_SET_MSRS, m);

	if (ret < 0) {
		log_err("KVM_SET_MSRS: %s", strerror(errno));
		return -errno;
	}
	if ((uint32_t)ret != m->nmsrs) {
		log_err("KVM_SET_MSRS: only %d of %u MSRs accepted (MSR 0x%x)",
			ret, m->nmsrs, m->entries[ret].index);
		return -EINVAL;
	}
	return 0;
}

int kvm_vcpu_get_lapic(struct kvm_vcpu *v, struct kvm_lapic_state *l)
{
	return xioctl(v->fd, KVM_GET_LAPIC, l, "KVM_GET_LAPIC");
}

int kvm_vcpu_set_lapic(struct kvm_vcpu *v, const struct kvm_lapic_state *l)
{
	return xioctl(v->fd, KVM_SET_LAPIC, (void *)(uintptr_t)l,
		      "KVM_SET_LAPIC");
}

int kvm_vcpu_set_mp_state(struct kvm_vcpu *v, uint32_t state)
{
	struct kvm_mp_state mp = { .mp_state = state };

	return xioctl(v->fd, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE");
}

static void decode_io(struct kvm_run *run, struct vcpu_exit *e)
{
	e->kind = VCPU_EXIT_IO;
	e->io.port = run->io.port;
	e->io.size = run->io.size;
	e->io.write = run->io.direction == KVM_EXIT_IO_OUT;
	e->io.count = run->io.count;
	e->io.data = (uint8_t *)run + run->io.data_offset;
}

static void decode_internal(struct kvm_run *run, struct vcpu_exit *e)
{
	e->kind = VCPU_EXIT_INTERNAL_ERROR;
	e->internal.suberror = run->internal.suberror;
	e->internal.ndata = SV_MIN(run->internal.ndata, 16u);
	for (uint32_t i = 0; i < e->internal.ndata; i++)
		e->internal.data[i] = run->internal.data[i];
}

static void decode(struct kvm_run *run, struct vcpu_exit *e)
{
	e->reason = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		decode_io(run, e);
		break;
	case KVM_EXIT_MMIO:
		e->kind = VCPU_EXIT_MMIO;
		e->mmio.gpa = run->mmio.phys_addr;
		e->mmio.len = run->mmio.len;
		e->mmio.write = run->mmio.is_write;
		e->mmio.data = run->mmio.data;
		break;
	case KVM_EXIT_HLT:
		e->kind = VCPU_EXIT_HLT;
		break;
	case KVM_EXIT_SHUTDOWN:
		e->kind = VCPU_EXIT_SHUTDOWN;
		break;
	case KVM_EXIT_INTR:
		e->kind = VCPU_EXIT_INTR;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		decode_internal(run, e);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		e->kind = VCPU_EXIT_FAIL_ENTRY;
		e->fail_entry.hw_reason =
			run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		e->kind = VCPU_EXIT_SYSTEM_EVENT;
		e->system_event.type = run->system_event.type;
		break;
	default:
		e->kind = VCPU_EXIT_OTHER;
		break;
	}
}

int kvm_vcpu_run(struct kvm_vcpu *vcpu, struct vcpu_exit *exit)
{
	int ret = ioctl(vcpu->fd, KVM_RUN, 0);

	memset(exit, 0, sizeof(*exit));
	if (ret < 0) {
		if (errno == EINTR || errno == EAGAIN) {
			exit->kind = VCPU_EXIT_INTR;
			exit->reason = KVM_EXIT_INTR;
			return 0;
		}
		log_err("KVM_RUN vcpu %u: %s", vcpu->id, strerror(errno));
		return -errno;
	}
	decode(vcpu->run, exit);
	return 0;
}

void kvm_vcpu_kick(struct kvm_vcpu *vcpu)
{
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

void kvm_vcpu_clear_kick(struct kvm_vcpu *vcpu)
{
	__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
}
