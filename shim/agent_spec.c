// SPDX-License-Identifier: MIT
/*
 * config.json's process (and hostname, mounts) as the sv-agent's START /
 * EXEC payload (include/sv/agent_proto.h): a pure function, unit-tested.
 * Mount options that are mount(2) flags become flags; the rest is data.
 */
#include "shim/shim.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "oci/spec.h"
#include "sv/agent_proto.h"
#include "sv/err.h"

struct flag_opt {
	const char *name;
	unsigned long set;	/* 0 with clear: an option that clears */
	unsigned long clear;
};

static const struct flag_opt flag_opts[] = {
	{ "ro", MS_RDONLY, 0 },		{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },	{ "exec", 0, MS_NOEXEC },
	{ "bind", MS_BIND, 0 },		{ "rbind", MS_BIND | MS_REC, 0 },
	{ "noatime", MS_NOATIME, 0 },	{ "relatime", MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "private", 0, 0 },		{ "rprivate", 0, 0 },
};

static const struct flag_opt *find_flag(const char *o)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_opts); i++)
		if (!strcmp(flag_opts[i].name, o))
			return &flag_opts[i];
	return NULL;
}

static void put_mount(struct agent_spec_writer *w, const struct oci_mount *m)
{
	char data[1024] = "";
	unsigned long flags = 0;
	size_t used = 0;

	for (size_t i = 0; i < m->options.len; i++) {
		const char *o = m->options.items[i];
		const struct flag_opt *f = find_flag(o);
		size_t n = strlen(o);

		if (f) {
			flags = (flags | f->set) & ~f->clear;
			continue;
		}
		if (used + n + 2 > sizeof(data)) {
			w->err = -EMSGSIZE;
			return;
		}
		if (used)
			data[used++] = ',';
		memcpy(data + used, o, n + 1);
		used += n;
	}
	agent_spec_put_mount(w, (uint32_t)flags, m->type ? m->type : "",
			     m->source ? m->source : "", m->destination, data);
}

static const struct {
	const char *name;
	int res;
} rlimits[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU },	    { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_DATA", RLIMIT_DATA },	    { "RLIMIT_STACK", RLIMIT_STACK },
	{ "RLIMIT_CORE", RLIMIT_CORE },	    { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },   { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },   { "RLIMIT_SIGPENDING",
					      RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

static int rlimit_of(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (!strcmp(rlimits[i].name, name))
			return rlimits[i].res;
	return -1;
}

static void put_process(struct agent_spec_writer *w,
			const struct oci_process *p)
{
	for (size_t i = 0; i < p->args.len; i++)
		agent_spec_put_str(w, AGENT_TAG_ARG, p->args.items[i]);
	for (size_t i = 0; i < p->env.len; i++)
		agent_spec_put_str(w, AGENT_TAG_ENV, p->env.items[i]);
	if (p->cwd)
		agent_spec_put_str(w, AGENT_TAG_CWD, p->cwd);
	agent_spec_put_u32(w, AGENT_TAG_UID, p->user.uid);
	agent_spec_put_u32(w, AGENT_TAG_GID, p->user.gid);
	for (size_t i = 0; i < p->user.n_additional_gids; i++)
		agent_spec_put_u32(w, AGENT_TAG_AGID,
				   p->user.additional_gids[i]);
	agent_spec_put_u32(w, AGENT_TAG_TERMINAL, p->terminal);
	for (size_t i = 0; i < p->n_rlimits; i++) {
		int r = rlimit_of(p->rlimits[i].type);

		if (r >= 0)
			agent_spec_put_rlimit(w, (uint32_t)r,
					      p->rlimits[i].soft,
					      p->rlimits[i].hard);
	}
}

int agent_spec_from_oci(const struct oci_spec *s, const struct oci_process *p,
			uint8_t *buf, size_t cap, size_t *len,
			struct sv_err *e)
{
	struct agent_spec_writer w;

	if (!p || p->args.len == 0)
		return sv_err_set(e, EINVAL, "process.args is empty");
	agent_spec_writer_init(&w, buf, cap);
	put_process(&w, p);
	if (s && s->hostname)
		agent_spec_put_str(&w, AGENT_TAG_HOSTNAME, s->hostname);
	for (size_t i = 0; s && i < s->n_mounts; i++)
		put_mount(&w, &s->mounts[i]);
	if (w.err)
		return sv_err_set(e, E2BIG,
				  "the process spec does not fit in %zu bytes "
				  "(too many args, env or mounts)",
				  cap);
	*len = w.len;
	return 0;
}
