// SPDX-License-Identifier: MIT
/*
 * StratoVirt's command line (reference/stratovirt.md s.1) into struct
 * vmm_config. Each option is one entry of opts[]; options with key=value
 * arguments describe their keys in a key_desc table that writes into the
 * target struct by offset. Device-ish options are in config_opts.c,
 * cross-option checks in config_validate.c.
 * Nothing here logs or touches the file system: errors go to err, one line.
 */
#include "vmm/config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/config_internal.h"
#include "vmm/util/parse.h"

/* ---- error reporting -------------------------------------------------- */

int cfg_verr(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err && errlen) {
		vsnprintf(err, errlen, fmt, ap);
		/* One line, whatever the arguments contained. */
		for (char *p = err; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	}
	return -EINVAL;
}

int cfg_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfg_verr(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* "-opt arg: message" */
int cfg_arg_err(struct pctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->arg && *c->arg)
		return cfg_err(c->err, c->errlen, "%s %s: %s", c->opt, c->arg,
			       msg);
	return cfg_err(c->err, c->errlen, "%s: %s", c->opt, msg);
}

/* "-opt: message" (for key-level errors, as "-drive: unknown key 'x'") */
int cfg_opt_err(struct pctx *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cfg_err(c->err, c->errlen, "%s: %s", c->opt, msg);
}

/* ---- generic key setters ---------------------------------------------- */

int cfg_need_value(struct pctx *c, const struct key_desc *d, const char *val)
{
	if (val && *val)
		return 0;
	if (!*d->name)
		return cfg_arg_err(c, "missing value");
	return cfg_arg_err(c, "key '%s' needs a value", d->name);
}

int cfg_set_str(struct pctx *c, void *obj, const struct key_desc *d,
		const char *val)
{
	char **p = FIELD(obj, d, char *);

	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	free(*p);
	*p = xstrdup(val);
	return 0;
}

int cfg_check_id(struct pctx *c, const char *id)
{
	if (strlen(id) > CFG_ID_MAX)
		return cfg_arg_err(c, "id is longer than %d characters",
				   CFG_ID_MAX);
	return 0;
}

int cfg_set_id(struct pctx *c, void *obj, const struct key_desc *d,
	       const char *val)
{
	if (cfg_need_value(c, d, val) < 0 || cfg_check_id(c, val) < 0)
		return -EINVAL;
	return cfg_set_str(c, obj, d, val);
}

int cfg_get_bool(struct pctx *c, const struct key_desc *d, const char *val,
		 bool *out)
{
	if (!val) { /* a bare key is a flag */
		*out = true;
		return 0;
	}
	if (parse_bool(val, out) < 0)
		return cfg_arg_err(c,
				   "invalid boolean '%s' for '%s' "
				   "(on/off, true/false, yes/no)",
				   val, d->name);
	return 0;
}

int cfg_set_bool(struct pctx *c, void *obj, const struct key_desc *d,
		 const char *val)
{
	return cfg_get_bool(c, d, val, FIELD(obj, d, bool));
}

/* Accepted for compatibility, checked, not stored. */
int cfg_set_ignore_bool(struct pctx *c, void *obj, const struct key_desc *d,
			const char *val)
{
	bool b;

	(void)obj;
	return cfg_get_bool(c, d, val, &b);
}

int cfg_set_ignore(struct pctx *c, void *obj, const struct key_desc *d,
		   const char *val)
{
	(void)obj;
	return cfg_need_value(c, d, val);
}

int cfg_get_num(struct pctx *c, const struct key_desc *d, const char *val,
		uint64_t *out)
{
	int ret;

	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	ret = parse_u64_range(val, d->min, d->max, out);
	if (ret == -ERANGE)
		return cfg_arg_err(c, "'%s' must be between %llu and %llu",
				   *d->name ? d->name : "value",
				   (unsigned long long)d->min,
				   (unsigned long long)d->max);
	if (ret < 0)
		return cfg_arg_err(c, "invalid number '%s' for '%s'", val,
				   *d->name ? d->name : "value");
	return 0;
}

int cfg_set_int(struct pctx *c, void *obj, const struct key_desc *d,
		const char *val)
{
	uint64_t v;

	if (cfg_get_num(c, d, val, &v) < 0)
		return -EINVAL;
	*FIELD(obj, d, int) = (int)v; /* tables keep max <= INT_MAX */
	return 0;
}

int cfg_set_uint(struct pctx *c, void *obj, const struct key_desc *d,
		 const char *val)
{
	uint64_t v;

	if (cfg_get_num(c, d, val, &v) < 0)
		return -EINVAL;
	*FIELD(obj, d, unsigned int) = (unsigned int)v;
	return 0;
}

int cfg_set_u16(struct pctx *c, void *obj, const struct key_desc *d,
		const char *val)
{
	uint64_t v;

	if (cfg_get_num(c, d, val, &v) < 0)
		return -EINVAL;
	*FIELD(obj, d, uint16_t) = (uint16_t)v;
	return 0;
}

int cfg_set_u64(struct pctx *c, void *obj, const struct key_desc *d,
		const char *val)
{
	return cfg_get_num(c, d, val, FIELD(obj, d, uint64_t));
}

/* ---- splitting and applying ------------------------------------------- */

int cfg_split(struct pctx *c, const char *pos_key, struct parse_kvs *kvs)
{
	int ret = parse_kvs_split(c->arg, pos_key, kvs);

	switch (ret) {
	case 0:
		/* "" marks a type that must be the first item. */
		if (pos_key && !*pos_key && !parse_kvs_find(kvs, ""))
			return cfg_arg_err(c,
					   "missing type (it must be the first "
					   "item)");
		return 0;
	case -EEXIST:
		return cfg_opt_err(c, "key '%s' given twice",
				   *kvs->bad ? kvs->bad : "(positional)");
	case -E2BIG:
		return cfg_arg_err(c, "more than %d items", PARSE_KV_MAX);
	case -EINVAL:
		return cfg_arg_err(c,
				   kvs->bad && *kvs->bad ? "empty key in '%s'" :
							   "empty item%s",
				   kvs->bad ? kvs->bad : "");
	default:
		return cfg_arg_err(c, "%s", strerror(-ret));
	}
}

static const struct key_desc *find_key(const struct key_desc *keys,
				       size_t nkeys, const char *name)
{
	for (size_t i = 0; i < nkeys; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static void append_extra(char **extra, const struct parse_kv *kv)
{
	size_t old = *extra ? strlen(*extra) + 1 : 0;
	size_t len = old + strlen(kv->key) + 1 +
		     (kv->value ? strlen(kv->value) : 0) + 1;
	char *s = xmalloc(len);

	snprintf(s, len, "%s%s%s%s%s", *extra ? *extra : "", *extra ? "," : "",
		 kv->key, kv->value ? "=" : "", kv->value ? kv->value : "");
	free(*extra);
	*extra = s;
}

/*
 * Apply every item of kvs through keys[]. Unknown keys go to *extra when it
 * is given (-device), otherwise they are an error.
 */
int cfg_apply(struct pctx *c, void *obj, const struct key_desc *keys,
	      size_t nkeys, const struct parse_kvs *kvs, char **extra)
{
	for (unsigned int i = 0; i < kvs->n; i++) {
		const struct parse_kv *kv = &kvs->kv[i];
		const struct key_desc *d = find_key(keys, nkeys, kv->key);

		if (!d && extra) {
			append_extra(extra, kv);
			continue;
		}
		if (!d && !*kv->key)
			return cfg_opt_err(c, "unexpected value '%s'",
					   kv->value);
		if (!d)
			return cfg_opt_err(c, "unknown key '%s'", kv->key);
		if (d->set(c, obj, d, kv->value) < 0)
			return -EINVAL;
	}
	return 0;
}

int cfg_parse_keys(struct pctx *c, void *obj, const struct key_desc *keys,
		   size_t nkeys, const char *pos_key, char **extra)
{
	struct parse_kvs kvs;
	int ret = cfg_split(c, pos_key, &kvs);

	if (ret == 0)
		ret = cfg_apply(c, obj, keys, nkeys, &kvs, extra);
	parse_kvs_free(&kvs);
	return ret;
}

/* ---- -machine, -accel, -cpu ------------------------------------------- */

static int set_machine_type(struct pctx *c, void *obj, const struct key_desc *d,
			    const char *val)
{
	static const char *const names[] = {
		[MACHINE_MICROVM] = "microvm",
		[MACHINE_Q35] = "q35",
		[MACHINE_NONE] = "none",
	};
	struct vmm_config *cfg = obj;

	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	/* StratoVirt's aarch64 standard machine; the seed's direct kernel
	 * boot command names it, and on x86 that is q35. */
	if (!strcmp(val, "virt")) {
		cfg->machine = MACHINE_Q35;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(val, names[i])) {
			cfg->machine = (enum machine_type)i;
			return 0;
		}
	}
	return cfg_arg_err(c, "unknown machine type '%s' (microvm, q35, virt, none)",
			   val);
}

static int set_accel(struct pctx *c, void *obj, const struct key_desc *d,
		     const char *val)
{
	(void)obj;
	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (strcmp(val, "kvm"))
		return cfg_arg_err(c, "only kvm acceleration is supported");
	return 0;
}

static const struct key_desc machine_keys[] = {
	KEYX("type", set_machine_type),
	KEY("dump-guest-core", cfg_set_bool, struct vmm_config, dump_guest_core,
	    0, 0),
	KEY("mem-share", cfg_set_bool, struct vmm_config, mem_share, 0, 0),
	KEYX("accel", set_accel),
	KEYX("usb", cfg_set_ignore_bool),
};

static int opt_machine(struct pctx *c)
{
	return CFG_PARSE_KEYS(c, c->cfg, machine_keys, "type");
}

static int opt_accel(struct pctx *c)
{
	static const struct key_desc d = KEYX("", set_accel);

	return set_accel(c, NULL, &d, c->arg);
}

static int set_cpu_model(struct pctx *c, void *obj, const struct key_desc *d,
			 const char *val)
{
	(void)obj;
	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (strcmp(val, "host"))
		return cfg_arg_err(c, "only the 'host' CPU model is supported");
	return 0;
}

static const struct key_desc cpu_keys[] = {
	KEYX("", set_cpu_model),
	KEYX("pmu", cfg_set_ignore_bool),
	KEYX("sve", cfg_set_ignore_bool),
	KEYX("kvm-steal-time", cfg_set_ignore_bool),
};

static int opt_cpu(struct pctx *c)
{
	return CFG_PARSE_KEYS(c, NULL, cpu_keys, "");
}

/* ---- -smp ------------------------------------------------------------- */

struct smp_args {
	unsigned int cpus, maxcpus;
	unsigned int sockets, dies, clusters, cores, threads;
};

#define SMP_KEY(n, f) KEY(n, cfg_set_uint, struct smp_args, f, 1, CFG_CPUS_MAX)

static const struct key_desc smp_keys[] = {
	SMP_KEY("cpus", cpus),	       SMP_KEY("maxcpus", maxcpus),
	SMP_KEY("sockets", sockets),   SMP_KEY("dies", dies),
	SMP_KEY("clusters", clusters), SMP_KEY("cores", cores),
	SMP_KEY("threads", threads),
};

/* Product of the given topology values (absent = 1); no overflow. */
static uint64_t topo_product(const struct smp_args *s)
{
	const unsigned int v[] = { s->sockets, s->dies, s->clusters, s->cores,
				   s->threads };
	uint64_t p = 1;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++)
		p *= v[i] ? v[i] : 1; /* each <= 254: at most 254^5 */
	return p;
}

/* Fill missing topology values; sockets, then cores, absorb the rest. */
static int smp_derive(struct pctx *c, struct smp_args *s)
{
	bool topo =
		s->sockets || s->dies || s->clusters || s->cores || s->threads;
	unsigned int rest;

	if (topo && topo_product(s) > CFG_CPUS_MAX)
		return cfg_arg_err(
			c, "the topology gives %llu vCPUs, at most %d",
			(unsigned long long)topo_product(s), CFG_CPUS_MAX);
	if (!s->cpus && !s->maxcpus && topo)
		s->maxcpus = (unsigned int)topo_product(s);
	if (!s->cpus)
		s->cpus = s->maxcpus ? s->maxcpus : 1;
	if (!topo) {
		s->maxcpus = s->maxcpus ? s->maxcpus : s->cpus;
		s->sockets = s->maxcpus;
		s->dies = s->clusters = s->cores = s->threads = 1;
		return 0;
	}
	s->dies = s->dies ? s->dies : 1;
	s->clusters = s->clusters ? s->clusters : 1;
	s->threads = s->threads ? s->threads : 1;
	if (s->sockets && s->cores && !s->maxcpus)
		s->maxcpus = (unsigned int)topo_product(s);
	if (!s->maxcpus)
		s->maxcpus = s->cpus;
	if (s->sockets && s->cores)
		return 0;
	if (!s->cores && !s->sockets)
		s->cores = 1;
	rest = s->dies * s->clusters * s->threads *
	       (s->sockets ? s->sockets : s->cores);
	if (s->maxcpus % rest)
		return cfg_arg_err(c,
				   "maxcpus (%u) is not a multiple of the "
				   "given topology (%u)",
				   s->maxcpus, rest);
	if (s->sockets)
		s->cores = s->maxcpus / rest;
	else
		s->sockets = s->maxcpus / rest;
	return 0;
}

int cfg_check_smp(const struct vmm_config *cfg, char *msg, size_t len)
{
	uint64_t prod = (uint64_t)cfg->sockets * cfg->dies * cfg->clusters *
			cfg->cores * cfg->threads;

	if (cfg->nr_cpus < 1 || cfg->nr_cpus > CFG_CPUS_MAX)
		return cfg_err(msg, len, "cpus must be between 1 and %d",
			       CFG_CPUS_MAX);
	if (cfg->max_cpus < cfg->nr_cpus || cfg->max_cpus > CFG_CPUS_MAX)
		return cfg_err(msg, len,
			       "maxcpus (%u) must be between cpus "
			       "(%u) and %d",
			       cfg->max_cpus, cfg->nr_cpus, CFG_CPUS_MAX);
	if (prod != cfg->max_cpus)
		return cfg_err(msg, len,
			       "sockets*dies*clusters*cores*threads "
			       "(%llu) must equal maxcpus (%u)",
			       (unsigned long long)prod, cfg->max_cpus);
	return 0;
}

static int opt_smp(struct pctx *c)
{
	struct smp_args s = { 0 };
	struct vmm_config *cfg = c->cfg;
	char msg[200];

	if (CFG_PARSE_KEYS(c, &s, smp_keys, "cpus") < 0 ||
	    smp_derive(c, &s) < 0)
		return -EINVAL;
	cfg->nr_cpus = s.cpus;
	cfg->max_cpus = s.maxcpus;
	cfg->sockets = s.sockets;
	cfg->dies = s.dies;
	cfg->clusters = s.clusters;
	cfg->cores = s.cores;
	cfg->threads = s.threads;
	if (cfg_check_smp(cfg, msg, sizeof(msg)) < 0)
		return cfg_arg_err(c, "%s", msg);
	return 0;
}

/* ---- -m --------------------------------------------------------------- */

static int set_size(struct pctx *c, void *obj, const struct key_desc *d,
		    const char *val)
{
	if (cfg_need_value(c, d, val) < 0)
		return -EINVAL;
	if (parse_size_mib_default(val, FIELD(obj, d, uint64_t)) < 0)
		return cfg_arg_err(c,
				   "invalid size '%s' (number with optional "
				   "K/M/G suffix, default M)",
				   val);
	return 0;
}

static const struct key_desc mem_keys[] = {
	KEY("size", set_size, struct vmm_config, mem_size, 0, 0),
	KEY("maxmem", set_size, struct vmm_config, mem_maxmem, 0, 0),
};

int cfg_check_mem(const struct vmm_config *cfg, char *msg, size_t len)
{
	if (cfg->mem_size < CFG_MEM_MIN || cfg->mem_size > CFG_MEM_MAX)
		return cfg_err(msg, len,
			       "memory size must be between 128M and 512G");
	if (cfg->mem_size % 4096)
		return cfg_err(msg, len,
			       "memory size must be a multiple of 4K");
	if (cfg->mem_maxmem &&
	    (cfg->mem_maxmem < cfg->mem_size || cfg->mem_maxmem > CFG_MEM_MAX))
		return cfg_err(msg, len,
			       "maxmem must be between the memory "
			       "size and 512G");
	return 0;
}

static int opt_mem(struct pctx *c)
{
	char msg[200];

	if (CFG_PARSE_KEYS(c, c->cfg, mem_keys, "size") < 0)
		return -EINVAL;
	if (cfg_check_mem(c->cfg, msg, sizeof(msg)) < 0)
		return cfg_arg_err(c, "%s", msg);
	return 0;
}

/* ---- simple options --------------------------------------------------- */

static int opt_log(struct pctx *c)
{
	c->cfg->log_enabled = true;
	if (c->arg) {
		if (!*c->arg)
			return cfg_arg_err(c, "empty log file name");
		c->cfg->log_file = xstrdup(c->arg);
	}
	return 0;
}

static int opt_global(struct pctx *c)
{
	struct vmm_config *cfg = c->cfg;

	if (cfg->nr_globals == CFG_MAX_GLOBALS)
		return cfg_arg_err(c, "too many -global options (at most %d)",
				   CFG_MAX_GLOBALS);
	if (!strchr(c->arg, '='))
		return cfg_arg_err(c, "expected DRIVER.PROPERTY=VALUE");
	cfg->globals[cfg->nr_globals++] = xstrdup(c->arg);
	return 0;
}

static int opt_seccomp_fd(struct pctx *c)
{
	uint64_t v;

	if (parse_u64_range(c->arg, 0, INT_MAX, &v) < 0)
		return cfg_arg_err(c, "invalid file descriptor");
	c->cfg->seccomp_fd = (int)v;
	return 0;
}

static int opt_ignore(struct pctx *c)
{
	(void)c;
	return 0;
}

/* ---- the option table and the argv walk ------------------------------- */

enum opt_arg {
	OA_FLAG, /* no argument */
	OA_ONE, /* exactly one */
	OA_OPTIONAL, /* -D [file] */
	OA_WORDS, /* -append: words up to the next known option */
};

struct opt_desc {
	const char *name;
	enum opt_arg arg;
	bool multi; /* may be repeated */
	int (*fn)(struct pctx *c); /* NULL: store at off */
	size_t off; /* bool (OA_FLAG) or char * (OA_ONE) */
};

#define OPT_FN(n, a, m, f)    \
	{                     \
		n, a, m, f, 0 \
	}
#define OPT_STR(n, f)                                                  \
	{                                                              \
		n, OA_ONE, false, NULL, offsetof(struct vmm_config, f) \
	}
#define OPT_FLAG(n, f)                                                 \
	{                                                              \
		n, OA_FLAG, true, NULL, offsetof(struct vmm_config, f) \
	}
#define OPT_IGN(n, a)                     \
	{                                 \
		n, a, true, opt_ignore, 0 \
	}

static const struct opt_desc opts[] = {
	OPT_STR("-name", name),
	OPT_FN("-machine", OA_ONE, false, opt_machine),
	OPT_FN("-accel", OA_ONE, false, opt_accel),
	OPT_FN("-smp", OA_ONE, false, opt_smp),
	OPT_FN("-cpu", OA_ONE, false, opt_cpu),
	OPT_FN("-m", OA_ONE, false, opt_mem),
	OPT_STR("-mem-path", mem_path),
	OPT_FLAG("-mem-prealloc", mem_prealloc),
	OPT_STR("-kernel", kernel),
	{ "-append", OA_WORDS, false, NULL,
	  offsetof(struct vmm_config, append) },
	OPT_STR("-initrd", initrd),
	OPT_FN("-drive", OA_ONE, true, cfg_opt_drive),
	OPT_FN("-netdev", OA_ONE, true, cfg_opt_netdev),
	OPT_FN("-chardev", OA_ONE, true, cfg_opt_chardev),
	OPT_FN("-serial", OA_ONE, false, cfg_opt_serial),
	OPT_FN("-qmp", OA_ONE, true, cfg_opt_qmp),
	OPT_FN("-mon", OA_ONE, true, cfg_opt_mon),
	OPT_FN("-device", OA_ONE, true, cfg_opt_device),
	OPT_FN("-object", OA_ONE, true, cfg_opt_object),
	OPT_FN("-D", OA_OPTIONAL, false, opt_log),
	OPT_FLAG("-S", freeze),
	OPT_FLAG("-freeze", freeze),
	OPT_FLAG("-disable-seccomp", disable_seccomp),
	OPT_FLAG("-daemonize", daemonize),
	OPT_STR("-pidfile", pidfile),
	OPT_STR("-incoming", incoming),
	OPT_FN("-global", OA_ONE, true, opt_global),
	OPT_FN("-seccomp-fd", OA_ONE, false, opt_seccomp_fd),
	OPT_FLAG("-no-shutdown", no_shutdown),
	OPT_FLAG("-no-reboot", no_reboot),
	/* libvirt compatibility: accepted and ignored, as StratoVirt */
	OPT_IGN("-uuid", OA_ONE),
	OPT_IGN("-overcommit", OA_ONE),
	OPT_IGN("-no-user-config", OA_FLAG),
	OPT_IGN("-nodefaults", OA_FLAG),
	OPT_IGN("-sandbox", OA_ONE),
	OPT_IGN("-msg", OA_ONE),
	OPT_IGN("-rtc", OA_ONE),
	OPT_IGN("-boot", OA_ONE),
	OPT_IGN("-nographic", OA_FLAG),
	OPT_IGN("-realtime", OA_ONE),
	OPT_IGN("-display", OA_ONE),
	OPT_IGN("-usb", OA_FLAG),
};

static const struct opt_desc *find_opt(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (!strcmp(opts[i].name, name))
			return &opts[i];
	return NULL;
}

static bool is_option(const char *tok)
{
	return tok[0] == '-' && find_opt(tok);
}

/* -append's words, joined by spaces; returns how many were taken. */
static int join_words(int argc, char **argv, int i, char **out)
{
	size_t len = 0, pos = 0;
	int n = 0;
	char *s;

	while (i + n < argc && !is_option(argv[i + n]))
		len += strlen(argv[i + n++]) + 1;
	if (n == 0)
		return 0;
	s = xmalloc(len);
	for (int k = 0; k < n; k++) {
		size_t l = strlen(argv[i + k]);

		memcpy(s + pos, argv[i + k], l);
		pos += l;
		s[pos++] = k + 1 < n ? ' ' : '\0';
	}
	*out = s;
	return n;
}

static int run_opt(struct pctx *c, const struct opt_desc *o)
{
	char *base = (char *)c->cfg;

	if (o->fn)
		return o->fn(c);
	if (o->arg == OA_FLAG) {
		*(bool *)(void *)(base + o->off) = true;
		return 0;
	}
	if (!*c->arg && o->arg != OA_WORDS) /* -append "" is fine */
		return cfg_opt_err(c, "empty value");
	*(char **)(void *)(base + o->off) = xstrdup(c->arg);
	return 0;
}

/* Take o's argument from argv[*i + 1...] and run it; advances *i. */
static int take_opt(struct pctx *c, const struct opt_desc *o, int argc,
		    char **argv, int *i)
{
	char *words = NULL;
	int n, ret;

	c->arg = NULL;
	if (o->arg == OA_WORDS) {
		n = join_words(argc, argv, *i + 1, &words);
		if (n == 0)
			return cfg_opt_err(c, "missing value");
		*i += n;
		c->arg = words;
		ret = run_opt(c, o);
		free(words);
		return ret;
	}
	if (o->arg == OA_OPTIONAL && *i + 1 < argc && argv[*i + 1][0] != '-')
		c->arg = argv[++*i];
	if (o->arg == OA_ONE) {
		if (*i + 1 >= argc || is_option(argv[*i + 1]))
			return cfg_opt_err(c, "missing value");
		c->arg = argv[++*i];
	}
	return run_opt(c, o);
}

static void config_init(struct vmm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->machine = MACHINE_MICROVM;
	cfg->dump_guest_core = true;
	cfg->mem_size = CFG_MEM_DEFAULT;
	cfg->nr_cpus = cfg->max_cpus = cfg->sockets = 1;
	cfg->dies = cfg->clusters = cfg->cores = cfg->threads = 1;
	cfg->seccomp_fd = -1;
	cfg->debug_exit_port = 0x501;
}

int vmm_config_parse(int argc, char **argv, struct vmm_config *cfg, char *err,
		     size_t errlen)
{
	bool seen[ARRAY_SIZE(opts)] = { false };
	struct pctx c = { .cfg = cfg, .err = err, .errlen = errlen };

	if (err && errlen)
		err[0] = '\0';
	config_init(cfg);
	for (int i = 1; i < argc; i++) {
		const struct opt_desc *o = find_opt(argv[i]);

		if (argv[i][0] != '-')
			return cfg_err(err, errlen, "unexpected argument '%s'",
				       argv[i]);
		if (!o)
			return cfg_err(err, errlen, "unknown option '%s'",
				       argv[i]);
		c.opt = o->name;
		if (seen[o - opts] && !o->multi)
			return cfg_opt_err(&c, "option given more than once");
		seen[o - opts] = true;
		if (take_opt(&c, o, argc, argv, &i) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- free and lookups ------------------------------------------------- */

static void chardev_cfg_free(struct chardev_cfg *ch)
{
	free(ch->id);
	free(ch->path);
	free(ch->host);
}

static void free_strs(char **const *strs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(*strs[i]);
}

#define FREE_STRS(...)                                  \
	do {                                            \
		char **const strs_[] = { __VA_ARGS__ }; \
		free_strs(strs_, ARRAY_SIZE(strs_));    \
	} while (0)

static void device_cfg_free(struct device_cfg *d)
{
	FREE_STRS(&d->driver, &d->id, &d->drive, &d->netdev, &d->chardev,
		  &d->bus, &d->mac, &d->serial, &d->iothread, &d->rng,
		  &d->extra, &d->spec);
}

/*
 * Every array slot, not only the counted ones: a failed option may have
 * left strings in the slot it was filling.
 */
void vmm_config_free(struct vmm_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < CFG_MAX_DRIVES; i++) {
		struct drive_cfg *d = &cfg->drives[i];

		FREE_STRS(&d->id, &d->file, &d->format, &d->aio, &d->spec);
	}
	for (size_t i = 0; i < CFG_MAX_DEVICES; i++)
		device_cfg_free(&cfg->devices[i]);
	for (size_t i = 0; i < CFG_MAX_NETDEVS; i++) {
		struct netdev_cfg *nd = &cfg->netdevs[i];

		FREE_STRS(&nd->id, &nd->type, &nd->ifname);
	}
	for (size_t i = 0; i < CFG_MAX_CHARDEVS; i++)
		chardev_cfg_free(&cfg->chardevs[i]);
	for (size_t i = 0; i < CFG_MAX_OBJECTS; i++)
		FREE_STRS(&cfg->objects[i].id, &cfg->objects[i].filename);
	for (size_t i = 0; i < ARRAY_SIZE(cfg->qmp); i++) {
		chardev_cfg_free(&cfg->qmp[i].dev);
		free(cfg->qmp[i].chardev);
	}
	for (size_t i = 0; i < CFG_MAX_GLOBALS; i++)
		free(cfg->globals[i]);
	chardev_cfg_free(&cfg->serial);
	FREE_STRS(&cfg->serial_chardev, &cfg->name, &cfg->kernel, &cfg->initrd,
		  &cfg->append, &cfg->mem_path, &cfg->log_file, &cfg->pidfile,
		  &cfg->incoming);
	memset(cfg, 0, sizeof(*cfg));
	cfg->seccomp_fd = -1;
}

#define FIND_BY_ID(arr, n, id)                                         \
	do {                                                           \
		for (unsigned int i_ = 0; id && i_ < (n); i_++)        \
			if ((arr)[i_].id && !strcmp((arr)[i_].id, id)) \
				return &(arr)[i_];                     \
		return NULL;                                           \
	} while (0)

struct drive_cfg *vmm_config_drive(struct vmm_config *cfg, const char *id)
{
	FIND_BY_ID(cfg->drives, cfg->nr_drives, id);
}

struct chardev_cfg *vmm_config_chardev(struct vmm_config *cfg, const char *id)
{
	FIND_BY_ID(cfg->chardevs, cfg->nr_chardevs, id);
}

struct netdev_cfg *vmm_config_netdev(struct vmm_config *cfg, const char *id)
{
	FIND_BY_ID(cfg->netdevs, cfg->nr_netdevs, id);
}

struct object_cfg *vmm_config_object(struct vmm_config *cfg, const char *id)
{
	FIND_BY_ID(cfg->objects, cfg->nr_objects, id);
}
