// SPDX-License-Identifier: MIT
/*
 * Machine lifecycle common to every machine type: vCPU threads and their
 * exit dispatch, the pause protocol, signals, and the one shutdown path.
 */
#include "vmm/machine/machine.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LOG_MODULE "machine"
#include "sv/log.h"
#include "vmm/arch/arch.h"
#include "vmm/config.h"
#include "vmm/kvm/kvm.h"
#include "vmm/qmp/qmp.h"
#include "vmm/util/eventloop.h"
#include "vmm/util/kick.h"

#define SIG_VCPU_KICK SIGUSR1

/* Interrupts KVM_RUN, or a device handler waiting on a host fd. */
static void kick_handler(int sig)
{
	(void)sig;
	sv_kick_pending = 1;
}

void machine_request_shutdown(struct machine *m, enum shutdown_cause cause,
			      int status)
{
	int expected = SHUTDOWN_NONE;
	uint64_t one = 1;

	if (!__atomic_compare_exchange_n(&m->shutdown_cause, &expected,
					 (int)cause, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return;
	m->exit_status = status;
	if (write(m->shutdown_efd, &one, sizeof(one)) < 0)
		log_err("shutdown eventfd: %s", strerror(errno));
}

const char *machine_shutdown_reason(const struct machine *m, bool *guest)
{
	static __thread char buf[64];

	*guest = true;
	switch (m->shutdown_cause) {
	case SHUTDOWN_HOST_QMP_QUIT:
		*guest = false;
		return "host-qmp-quit";
	case SHUTDOWN_HOST_QMP_RESET:
		*guest = false;
		return "host-qmp-system-reset";
	case SHUTDOWN_HOST_SIGNAL:
		*guest = false;
		snprintf(buf, sizeof(buf), "Guest shutdown by signal %d",
			 m->shutdown_signal);
		return buf;
	case SHUTDOWN_GUEST_ERROR:
		return "guest-panicked";
	default:
		return "guest-shutdown";
	}
}

static void kick_all(struct machine *m)
{
	for (unsigned int i = 0; i < m->nr_cpus; i++) {
		struct vcpu *v = &m->vcpus[i];

		if (!v->thread_started)
			continue;
		kvm_vcpu_kick(v->kvm);
		pthread_kill(v->thread, SIG_VCPU_KICK);
	}
}

/* vCPU thread: park while a pause is requested. False when stopping. */
static bool vcpu_wait_runnable(struct vcpu *v)
{
	struct machine *m = v->m;
	bool run;

	pthread_mutex_lock(&m->run_lock);
	while (m->pause_req && !m->stopping) {
		m->nr_parked++;
		pthread_cond_broadcast(&m->run_cond);
		pthread_cond_wait(&m->run_cond, &m->run_lock);
		m->nr_parked--;
	}
	run = !m->stopping;
	pthread_mutex_unlock(&m->run_lock);
	return run;
}

static void handle_io(struct machine *m, struct vcpu_exit *e)
{
	for (uint32_t i = 0; i < e->io.count; i++) {
		uint8_t *data = e->io.data + (size_t)i * e->io.size;

		if (e->io.write)
			bus_write(&m->pio, e->io.port, data, e->io.size);
		else
			bus_read(&m->pio, e->io.port, data, e->io.size);
	}
}

static void handle_mmio(struct machine *m, struct vcpu_exit *e)
{
	if (e->mmio.len == 0 || e->mmio.len > 8)
		return;
	if (e->mmio.write)
		bus_write(&m->mmio, e->mmio.gpa, e->mmio.data, e->mmio.len);
	else
		bus_read(&m->mmio, e->mmio.gpa, e->mmio.data, e->mmio.len);
}

/*
 * An emulation failure with KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES
 * (flags in data[0]) carries the instruction: a size byte, then up to 15
 * bytes. The code dump cannot show them when the vCPU runs from flash.
 */
static void log_insn_bytes(const struct vcpu *v, const struct vcpu_exit *e)
{
	uint8_t b[16];
	char hex[15 * 3 + 1] = "";
	unsigned int n;

	if (e->internal.suberror != 1 || e->internal.ndata < 3 ||
	    !(e->internal.data[0] & 1))
		return;
	memcpy(b, &e->internal.data[1], sizeof(b));
	n = SV_MIN(b[0], 15u);
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + i * 3, sizeof(hex) - i * 3, "%02x ", b[1 + i]);
	if (n)
		hex[n * 3 - 1] = '\0';
	log_err("vCPU %u: instruction bytes %s", v->id, hex);
}

static void report_bad_exit(struct vcpu *v, const struct vcpu_exit *e)
{
	const char *pvm = kvm_host_is_pvm() ?
		" (host is PVM: non-PVM guests run in KVM's instruction "
		"emulator, which lacks some instructions; see "
		"kvm-on-pvm.md)" : "";

	switch (e->kind) {
	case VCPU_EXIT_INTERNAL_ERROR:
		log_err("vCPU %u: KVM_EXIT_INTERNAL_ERROR, suberror %u%s%s",
			v->id, e->internal.suberror,
			e->internal.suberror == 1 ? " (emulation failure)" : "",
			pvm);
		for (uint32_t i = 0; i < e->internal.ndata; i++)
			log_err("vCPU %u: internal data[%u] = 0x%llx", v->id, i,
				(unsigned long long)e->internal.data[i]);
		log_insn_bytes(v, e);
		break;
	case VCPU_EXIT_FAIL_ENTRY:
		log_err("vCPU %u: KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx",
			v->id, (unsigned long long)e->fail_entry.hw_reason);
		break;
	default:
		log_err("vCPU %u: unexpected exit reason %u%s", v->id,
			e->reason, pvm);
		break;
	}
	arch_vcpu_dump(v->kvm, &v->m->mem);
}

static void handle_system_event(struct vcpu *v, const struct vcpu_exit *e)
{
	if (e->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
		machine_request_shutdown(v->m, SHUTDOWN_GUEST_POWEROFF, 0);
	else if (e->system_event.type == KVM_SYSTEM_EVENT_RESET)
		machine_request_shutdown(v->m, SHUTDOWN_GUEST_RESET, 0);
	else
		machine_request_shutdown(v->m, SHUTDOWN_GUEST_ERROR, 1);
}

/* Returns false when the vCPU must stop running. */
static bool vcpu_handle_exit(struct vcpu *v, struct vcpu_exit *e)
{
	struct machine *m = v->m;

	switch (e->kind) {
	case VCPU_EXIT_IO:
		handle_io(m, e);
		return true;
	case VCPU_EXIT_MMIO:
		handle_mmio(m, e);
		return true;
	case VCPU_EXIT_INTR:
		kvm_vcpu_clear_kick(v->kvm);
		sv_kick_pending = 0;
		return true;
	case VCPU_EXIT_HLT: {
		/* Only without an in-kernel LAPIC (test backend): idle. */
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
		return true;
	}
	case VCPU_EXIT_SHUTDOWN:
		log_info("vCPU %u: triple fault, the guest reset itself", v->id);
		machine_request_shutdown(m, SHUTDOWN_GUEST_RESET, 0);
		return false;
	case VCPU_EXIT_SYSTEM_EVENT:
		handle_system_event(v, e);
		return false;
	default:
		report_bad_exit(v, e);
		machine_request_shutdown(m, SHUTDOWN_GUEST_ERROR, 1);
		return false;
	}
}

static void *vcpu_thread(void *opaque)
{
	struct vcpu *v = opaque;
	struct vcpu_exit e;
	sigset_t set;

	v->tid = (int)syscall(SYS_gettid);
	sigemptyset(&set);
	sigaddset(&set, SIG_VCPU_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (vcpu_wait_runnable(v)) {
		if (kvm_vcpu_run(v->kvm, &e) < 0) {
			machine_request_shutdown(v->m, SHUTDOWN_GUEST_ERROR, 1);
			break;
		}
		v->exits++;
		if (!vcpu_handle_exit(v, &e))
			break;
		/* Poweroff/exit requested by this exit: run no further. */
		if (__atomic_load_n(&v->m->shutdown_cause, __ATOMIC_RELAXED))
			break;
	}
	/* Park for good so a pause request never waits for this vCPU. */
	pthread_mutex_lock(&v->m->run_lock);
	v->m->nr_parked++;
	pthread_cond_broadcast(&v->m->run_cond);
	pthread_mutex_unlock(&v->m->run_lock);
	return NULL;
}

/* now + 50 ms on CLOCK_REALTIME (what the pthread timed waits take). */
static struct timespec soon(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/*
 * Kicks again every 50 ms: a vCPU held in a device handler by a host fd
 * (util/kick.h) may have taken the first kick just before it blocked.
 */
static void wait_parked(struct machine *m)
{
	while (m->nr_parked < m->nr_cpus) {
		struct timespec ts = soon();

		if (pthread_cond_timedwait(&m->run_cond, &m->run_lock,
					   &ts) == ETIMEDOUT)
			kick_all(m);
	}
}

int machine_pause(struct machine *m)
{
	pthread_mutex_lock(&m->run_lock);
	if (m->state != RUN_STATE_RUNNING) {
		pthread_mutex_unlock(&m->run_lock);
		return -EINVAL;
	}
	m->pause_req = true;
	pthread_mutex_unlock(&m->run_lock);
	kick_all(m);
	pthread_mutex_lock(&m->run_lock);
	wait_parked(m);
	m->state = RUN_STATE_PAUSED;
	pthread_mutex_unlock(&m->run_lock);
	if (m->qmp)
		qmp_server_emit_event(m->qmp, "STOP", NULL);
	return 0;
}

int machine_resume(struct machine *m)
{
	pthread_mutex_lock(&m->run_lock);
	if (m->state != RUN_STATE_PAUSED) {
		pthread_mutex_unlock(&m->run_lock);
		return -EINVAL;
	}
	m->pause_req = false;
	m->state = RUN_STATE_RUNNING;
	pthread_cond_broadcast(&m->run_cond);
	pthread_mutex_unlock(&m->run_lock);
	if (m->qmp)
		qmp_server_emit_event(m->qmp, "RESUME", NULL);
	return 0;
}

enum run_state machine_state(struct machine *m)
{
	enum run_state s;

	pthread_mutex_lock(&m->run_lock);
	s = m->state;
	pthread_mutex_unlock(&m->run_lock);
	return s;
}

static void on_shutdown(void *opaque, uint32_t events)
{
	struct machine *m = opaque;
	uint64_t v;

	(void)events;
	if (read(m->shutdown_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug("read shutdown eventfd: %s", strerror(errno));
	eventloop_stop(m->loop);
}

void machine_request_reset(struct machine *m, bool guest)
{
	uint64_t one = 1;

	if (!m->ops || !m->ops->reset || m->reset_efd < 0 ||
	    (guest && m->cfg->no_reboot)) {
		machine_request_shutdown(m, guest ? SHUTDOWN_GUEST_RESET :
						    SHUTDOWN_HOST_QMP_RESET, 0);
		return;
	}
	__atomic_store_n(&m->reset_guest, guest ? 1 : 0, __ATOMIC_SEQ_CST);
	/* A vCPU asking for the reset parks at once, not running on into
	 * whatever the guest does next (svtest triple-faults). */
	pthread_mutex_lock(&m->run_lock);
	m->pause_req = true;
	pthread_mutex_unlock(&m->run_lock);
	if (write(m->reset_efd, &one, sizeof(one)) < 0)
		log_err("reset eventfd: %s", strerror(errno));
}

/* Park every vCPU (no STOP event); returns the state to go back to. */
static enum run_state quiesce(struct machine *m)
{
	enum run_state was;

	pthread_mutex_lock(&m->run_lock);
	was = m->state;
	m->pause_req = true;
	pthread_mutex_unlock(&m->run_lock);
	kick_all(m);
	pthread_mutex_lock(&m->run_lock);
	wait_parked(m);
	pthread_mutex_unlock(&m->run_lock);
	return was;
}

static int reset_all(struct machine *m)
{
	int ret = m->ops->reset(m);

	for (unsigned int i = 0; ret == 0 && i < m->nr_cpus; i++)
		ret = m->ops->vcpu_reset(m, &m->vcpus[i]);
	return ret;
}

/* Event-loop thread: the in-place reset of q35 (StratoVirt's RESET). */
static void on_reset(void *opaque, uint32_t events)
{
	struct machine *m = opaque;
	bool guest = __atomic_load_n(&m->reset_guest, __ATOMIC_SEQ_CST);
	enum run_state was;
	uint64_t v;

	(void)events;
	if (read(m->reset_efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug("read reset eventfd: %s", strerror(errno));
	if (__atomic_load_n(&m->shutdown_cause, __ATOMIC_SEQ_CST))
		return;
	was = quiesce(m);
	if (reset_all(m) < 0) {
		log_err("reset failed: the VM cannot run on");
		machine_request_shutdown(m, SHUTDOWN_GUEST_ERROR, 1);
		return;
	}
	log_info("reset (%s)", guest ? "guest" : "host");
	if (m->qmp)
		qmp_server_emit_event(m->qmp, "RESET", guest ?
				      "{\"guest\":true}" : "{\"guest\":false}");
	pthread_mutex_lock(&m->run_lock);
	if (was == RUN_STATE_RUNNING)
		m->pause_req = false;
	pthread_cond_broadcast(&m->run_cond);
	pthread_mutex_unlock(&m->run_lock);
}

static void on_signal(void *opaque, uint32_t events)
{
	struct machine *m = opaque;
	struct signalfd_siginfo si;

	(void)events;
	if (read(m->signal_fd, &si, sizeof(si)) != sizeof(si))
		return;
	log_info("received signal %u, shutting down", si.ssi_signo);
	m->shutdown_signal = (int)si.ssi_signo;
	machine_request_shutdown(m, SHUTDOWN_HOST_SIGNAL, 0);
}

/* Block the shutdown signals in every thread; read them via signalfd. */
static int setup_signals(struct machine *m)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigset_t set;
	int ret;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_VCPU_KICK, &sa, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIG_VCPU_KICK);	/* only vCPU threads take kicks */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIG_VCPU_KICK);
	m->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->signal_fd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return -errno;
	}
	ret = eventloop_add(m->loop, m->signal_fd, EPOLLIN, on_signal, m);
	if (ret < 0)
		return ret;
	m->shutdown_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	m->reset_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->shutdown_efd < 0 || m->reset_efd < 0) {
		log_err("eventfd: %s", strerror(errno));
		return -errno;
	}
	ret = eventloop_add(m->loop, m->reset_efd, EPOLLIN, on_reset, m);
	if (ret < 0)
		return ret;
	return eventloop_add(m->loop, m->shutdown_efd, EPOLLIN, on_shutdown, m);
}

static int create_vcpus(struct machine *m)
{
	int ret;

	m->vcpus = xcalloc(m->nr_cpus, sizeof(*m->vcpus));
	for (unsigned int i = 0; i < m->nr_cpus; i++) {
		struct vcpu *v = &m->vcpus[i];

		v->m = m;
		v->id = i;
		ret = kvm_vcpu_create(m->vm, i, &v->kvm);
		if (ret < 0)
			return ret;
		ret = m->ops->vcpu_init(m, v);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static const struct machine_ops *ops_for(enum machine_type t)
{
	switch (t) {
	case MACHINE_MICROVM:
		return &microvm_ops;
	case MACHINE_Q35:
		return &q35_ops;
	default:
		return NULL;
	}
}

int machine_create(struct vmm_config *cfg, struct machine **out)
{
	struct machine *m = xcalloc(1, sizeof(*m));
	int ret;

	m->cfg = cfg;
	m->nr_cpus = cfg->nr_cpus ? cfg->nr_cpus : 1;
	m->ops = ops_for(cfg->machine);
	m->shutdown_efd = m->signal_fd = m->reset_efd = -1;
	m->state = RUN_STATE_RUNNING;
	pthread_mutex_init(&m->run_lock, NULL);
	pthread_cond_init(&m->run_cond, NULL);
	gmem_init(&m->mem);
	bus_init(&m->pio, "pio");
	bus_init(&m->mmio, "mmio");
	*out = m;	/* machine_destroy() undoes a partial create */
	if (!m->ops) {
		log_err("-machine: this machine type is not supported yet");
		return -ENOTSUP;
	}
	ret = eventloop_create(&m->loop);
	if (ret < 0)
		return ret;
	ret = setup_signals(m);
	if (ret < 0)
		return ret;
	if (cfg->nr_qmp) {
		/* The sockets exist before the first vCPU runs. */
		ret = qmp_server_create(m, cfg->qmp, cfg->nr_qmp, &m->qmp);
		if (ret < 0)
			return ret;
	}
	ret = m->ops->create(m);
	if (ret < 0)
		return ret;
	ret = create_vcpus(m);
	if (ret < 0)
		return ret;
	log_info("machine %s created: %u vCPU(s), %llu MiB, backend %s",
		 m->ops->name, m->nr_cpus,
		 (unsigned long long)(gmem_total(&m->mem) >> 20),
		 kvm_backend_name());
	return 0;
}

static int start_vcpus(struct machine *m)
{
	for (unsigned int i = 0; i < m->nr_cpus; i++) {
		struct vcpu *v = &m->vcpus[i];
		int ret = pthread_create(&v->thread, NULL, vcpu_thread, v);

		if (ret) {
			log_err("create vCPU %u thread: %s", i, strerror(ret));
			return -ret;
		}
		v->thread_started = true;
	}
	return 0;
}

static void stop_vcpus(struct machine *m)
{
	if (!m->vcpus)
		return;
	pthread_mutex_lock(&m->run_lock);
	m->stopping = true;
	pthread_cond_broadcast(&m->run_cond);
	pthread_mutex_unlock(&m->run_lock);
	kick_all(m);
	for (unsigned int i = 0; i < m->nr_cpus; i++) {
		struct timespec ts;

		if (!m->vcpus[i].thread_started)
			continue;
		ts = soon();
		while (pthread_timedjoin_np(m->vcpus[i].thread, NULL, &ts) ==
		       ETIMEDOUT) {
			kick_all(m);	/* as in wait_parked() */
			ts = soon();
		}
		m->vcpus[i].thread_started = false;
	}
}

static void emit_shutdown(struct machine *m)
{
	char data[128];
	bool guest;
	const char *reason = machine_shutdown_reason(m, &guest);

	log_info("shutdown: %s", reason);
	if (!m->qmp)
		return;
	snprintf(data, sizeof(data), "{\"guest\":%s,\"reason\":\"%s\"}",
		 guest ? "true" : "false", reason);
	qmp_server_emit_event(m->qmp, "SHUTDOWN", data);
}

int machine_run(struct machine *m)
{
	int ret;

	if (m->cfg->freeze) {
		/* -S: vCPU threads park before their first KVM_RUN. */
		m->pause_req = true;
		m->state = RUN_STATE_PAUSED;
	}
	ret = start_vcpus(m);
	if (ret < 0)
		machine_request_shutdown(m, SHUTDOWN_GUEST_ERROR, 1);
	ret = eventloop_run(m->loop);
	if (ret < 0 && !m->shutdown_cause)
		machine_request_shutdown(m, SHUTDOWN_GUEST_ERROR, 1);
	pthread_mutex_lock(&m->run_lock);
	m->state = RUN_STATE_SHUTDOWN;
	pthread_mutex_unlock(&m->run_lock);
	emit_shutdown(m);
	stop_vcpus(m);
	if (m->ops->flush)
		m->ops->flush(m);
	return m->exit_status;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	stop_vcpus(m);
	for (unsigned int i = 0; m->vcpus && i < m->nr_cpus; i++)
		kvm_vcpu_destroy(m->vcpus[i].kvm);
	free(m->vcpus);
	if (m->ops && m->ops->destroy)
		m->ops->destroy(m);
	qmp_server_destroy(m->qmp);
	kvm_vm_destroy(m->vm);
	gmem_fini(&m->mem);
	if (m->signal_fd >= 0)
		close(m->signal_fd);
	if (m->shutdown_efd >= 0)
		close(m->shutdown_efd);
	if (m->reset_efd >= 0)
		close(m->reset_efd);
	eventloop_destroy(m->loop);
	bus_fini(&m->pio);
	bus_fini(&m->mmio);
	pthread_cond_destroy(&m->run_cond);
	pthread_mutex_destroy(&m->run_lock);
	free(m);
}
