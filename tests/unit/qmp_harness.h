/* SPDX-License-Identifier: MIT */
/*
 * A hand-filled struct machine for QMP tests and the QMP fuzz target: just
 * the fields the QMP commands use (run state and its lock, vCPU tids,
 * topology, memory map, shutdown eventfd). machine_pause() and friends are
 * the real ones from libvmm.a; no vCPU thread exists, so nr_parked is
 * preset to nr_cpus and a pause completes at once.
 */
#ifndef SV_TESTS_UNIT_QMP_HARNESS_H
#define SV_TESTS_UNIT_QMP_HARNESS_H

#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/config.h"
#include "vmm/machine/machine.h"
#include "vmm/qmp/qmp.h"
#include "vmm/qmp/qmp_internal.h"

#define QH_CPUS 2

struct qmp_harness {
	struct machine m;
	struct vmm_config cfg;
	struct vcpu vcpus[QH_CPUS];
	struct qbuf out;
	struct qmp_server *s;
};

static inline void qh_init(struct qmp_harness *h)
{
	memset(h, 0, sizeof(*h));
	h->cfg.machine = MACHINE_MICROVM;
	h->cfg.nr_cpus = QH_CPUS;
	h->cfg.max_cpus = 4;
	h->cfg.sockets = 2;
	h->cfg.dies = h->cfg.clusters = h->cfg.threads = 1;
	h->cfg.cores = 2;
	h->m.cfg = &h->cfg;
	h->m.nr_cpus = QH_CPUS;
	h->m.nr_parked = QH_CPUS;
	h->m.vcpus = h->vcpus;
	for (unsigned int i = 0; i < QH_CPUS; i++) {
		h->vcpus[i].m = &h->m;
		h->vcpus[i].id = i;
		h->vcpus[i].tid = 1000 + (int)i;
	}
	h->m.state = RUN_STATE_RUNNING;
	h->m.shutdown_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	h->m.signal_fd = -1;
	pthread_mutex_init(&h->m.run_lock, NULL);
	pthread_cond_init(&h->m.run_cond, NULL);
	gmem_init(&h->m.mem);
	h->s = qmp_server_create_detached(&h->m, &h->out);
	h->m.qmp = h->s;
}

static inline void qh_fini(struct qmp_harness *h)
{
	qmp_server_destroy(h->s);
	h->m.qmp = NULL;
	qbuf_free(&h->out);
	if (h->m.shutdown_efd >= 0)
		close(h->m.shutdown_efd);
	pthread_cond_destroy(&h->m.run_cond);
	pthread_mutex_destroy(&h->m.run_lock);
}

static inline void qh_send(struct qmp_harness *h, const char *text)
{
	qmp_server_mem_input(h->s, (const uint8_t *)text, strlen(text));
}

/* Send text and return everything written since the last call. */
static inline const char *qh_cmd(struct qmp_harness *h, const char *text)
{
	qbuf_reset(&h->out);
	qh_send(h, text);
	return h->out.p ? h->out.p : "";
}

#endif /* SV_TESTS_UNIT_QMP_HARNESS_H */
