// SPDX-License-Identifier: MIT
/*
 * Query commands. Output shapes follow reference/stratovirt.md section 2;
 * where it gives no order, objects keep StratoVirt's serde order (keys
 * sorted, since its replies go through serde_json::Value).
 */
#include "vmm/qmp/qmp_internal.h"

#define LOG_MODULE "qmp"
#include "sv/log.h"
#include "vmm/config.h"
#include "vmm/machine/machine.h"

int qmp_cmd_query_status(struct qmp_req *r)
{
	static const char *const names[] = {
		[RUN_STATE_RUNNING] = "running",
		[RUN_STATE_PAUSED] = "paused",
		[RUN_STATE_SHUTDOWN] = "shutdown",
	};
	enum run_state st = machine_state(r->m);

	qbuf_printf(r->ret,
		    "{\"running\":%s,\"singlestep\":false,\"status\":\"%s\"}",
		    st == RUN_STATE_RUNNING ? "true" : "false", names[st]);
	return 0;
}

int qmp_cmd_query_version(struct qmp_req *r)
{
	qbuf_puts(r->ret, "{\"qemu\":{\"micro\":1,\"minor\":0,\"major\":5},"
			  "\"package\":\"StratoVirt-2.5.0\"}");
	return 0;
}

int qmp_cmd_query_commands(struct qmp_req *r)
{
	qbuf_puts(r->ret, "[");
	for (size_t i = 0; i < qmp_cmd_count(); i++)
		qbuf_printf(r->ret, "%s{\"name\":\"%s\"}", i ? "," : "",
			    qmp_cmd_at(i)->name);
	qbuf_puts(r->ret, "]");
	return 0;
}

int qmp_cmd_query_events(struct qmp_req *r)
{
	qbuf_puts(r->ret, "[");
	for (size_t i = 0; i < qmp_event_names_count; i++)
		qbuf_printf(r->ret, "%s{\"name\":\"%s\"}", i ? "," : "",
			    qmp_event_names[i]);
	qbuf_puts(r->ret, "]");
	return 0;
}

struct topo {
	unsigned int socket, die, core, thread;
};

static unsigned int or1(unsigned int v)
{
	return v ? v : 1;
}

/* vCPU index -> topology ids, threads innermost (StratoVirt's order). */
static struct topo cpu_topo(const struct vmm_config *cfg, unsigned int i)
{
	unsigned int threads = cfg ? or1(cfg->threads) : 1;
	unsigned int cores = cfg ? or1(cfg->cores) : 1;
	unsigned int clusters = cfg ? or1(cfg->clusters) : 1;
	unsigned int dies = cfg ? or1(cfg->dies) : 1;
	struct topo t;

	t.thread = i % threads;
	t.core = (i / threads) % cores;
	t.die = (i / (threads * cores * clusters)) % dies;
	t.socket = i / (threads * cores * clusters * dies);
	return t;
}

static void put_props(struct qbuf *b, const struct vmm_config *cfg,
		      unsigned int i)
{
	struct topo t = cpu_topo(cfg, i);

	qbuf_printf(b, "{\"socket-id\":%u,\"die_id\":%u,\"core-id\":%u,"
		       "\"thread-id\":%u}", t.socket, t.die, t.core, t.thread);
}

int qmp_cmd_query_cpus(struct qmp_req *r)
{
	struct machine *m = r->m;

	qbuf_puts(r->ret, "[");
	for (unsigned int i = 0; i < m->nr_cpus; i++) {
		qbuf_printf(r->ret, "%s{\"arch\":\"x86\",\"current\":true,"
			    "\"qom_path\":\"/machine/unattached/device[%u]\","
			    "\"halted\":false,\"props\":", i ? "," : "", i);
		put_props(r->ret, m->cfg, i);
		qbuf_printf(r->ret, ",\"CPU\":%u,\"thread_id\":%d}", i,
			    m->vcpus ? m->vcpus[i].tid : 0);
	}
	qbuf_puts(r->ret, "]");
	return 0;
}

int qmp_cmd_query_hotpluggable_cpus(struct qmp_req *r)
{
	struct machine *m = r->m;
	unsigned int max = m->cfg && m->cfg->max_cpus > m->nr_cpus ?
			   m->cfg->max_cpus : m->nr_cpus;

	qbuf_puts(r->ret, "[");
	for (unsigned int i = 0; i < max; i++) {
		qbuf_printf(r->ret, "%s{\"type\":\"host-x86-cpu\","
			    "\"vcpus-count\":1,\"props\":", i ? "," : "");
		put_props(r->ret, m->cfg, i);
		if (i < m->nr_cpus)
			qbuf_printf(r->ret, ",\"qom-path\":"
				    "\"/machine/unattached/device[%u]\"", i);
		qbuf_puts(r->ret, "}");
	}
	qbuf_puts(r->ret, "]");
	return 0;
}

int qmp_cmd_query_mem(struct qmp_req *r)
{
	const struct gmem *mem = &r->m->mem;

	/* As StratoVirt: the memory map goes to the log. */
	log_info("guest memory: %u region(s)", mem->nr_regions);
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		const struct gmem_region *g = &mem->regions[i];

		log_info("  [0x%llx, 0x%llx) %s",
			 (unsigned long long)g->gpa,
			 (unsigned long long)(g->gpa + g->size),
			 (g->flags & GMEM_REGION_READONLY) ? "rom" : "ram");
	}
	return 0;
}

int qmp_cmd_query_target(struct qmp_req *r)
{
	qbuf_puts(r->ret, "{\"arch\":\"x86_64\"}");
	return 0;
}

int qmp_cmd_query_kvm(struct qmp_req *r)
{
	qbuf_puts(r->ret, "{\"enabled\":true,\"present\":true}");
	return 0;
}

int qmp_cmd_query_machines(struct qmp_req *r)
{
	static const char *const names[] = { "none", "microvm", "q35" };

	qbuf_puts(r->ret, "[");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		qbuf_printf(r->ret, "%s{\"cpu-max\":255,\"deprecated\":false,"
			    "\"hotplug-cpus\":false,\"name\":\"%s\","
			    "\"numa-mem-supported\":false}", i ? "," : "",
			    names[i]);
	qbuf_puts(r->ret, "]");
	return 0;
}
