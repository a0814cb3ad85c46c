/* SPDX-License-Identifier: MIT */
/*
 * The VMM's command line (StratoVirt syntax, reference/stratovirt.md s.1)
 * parsed into one plain struct. Parsing and validation happen before any
 * resource is created; an error names the option and the reason.
 */
#ifndef SV_VMM_CONFIG_H
#define SV_VMM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv/compiler.h"

#define CFG_MAX_DRIVES 16
#define CFG_MAX_DEVICES 32
#define CFG_MAX_NETDEVS 8
#define CFG_MAX_CHARDEVS 8
#define CFG_MAX_FDS 16
#define CFG_MAX_OBJECTS 16
#define CFG_MAX_GLOBALS 8
#define CFG_ID_MAX 255

#define CFG_MEM_DEFAULT (256ull << 20)
#define CFG_MEM_MIN (128ull << 20)
#define CFG_MEM_MAX (512ull << 30)
#define CFG_CPUS_MAX 254

enum machine_type {
	MACHINE_MICROVM = 0,
	MACHINE_Q35,
	MACHINE_NONE,
};

enum chardev_kind {
	CHARDEV_NONE = 0,
	CHARDEV_STDIO,
	CHARDEV_PTY,
	CHARDEV_FILE,
	CHARDEV_UNIX,		/* socket,path= */
	CHARDEV_TCP,		/* socket,port=[,host=] */
};

struct chardev_cfg {
	enum chardev_kind kind;
	char *id;
	char *path;		/* FILE, UNIX */
	char *host;		/* TCP, default 0.0.0.0 */
	uint16_t port;		/* TCP */
	bool server;
	bool nowait;
};

enum drive_detect_zeroes {
	DRIVE_DZ_OFF = 0,
	DRIVE_DZ_ON,
	DRIVE_DZ_UNMAP,
};

enum drive_if {
	DRIVE_IF_NONE = 0,
	DRIVE_IF_PFLASH,
};

struct drive_cfg {
	char *id;		/* NULL for pflash without id */
	char *file;
	bool readonly;
	bool direct;		/* default on, as StratoVirt */
	enum drive_if iface;
	int unit;		/* pflash unit, -1 if none */
	char *format;		/* "raw" */
	char *aio;		/* native|io_uring|off; default native if direct */
	bool used;		/* set by validation when a device takes it */
	char *spec;		/* the -drive argument as typed, for messages */
	uint64_t iops_total;	/* throttling.iops-total, 0 = none */
	bool discard;		/* discard=unmap (true) | ignore (default) */
	enum drive_detect_zeroes detect_zeroes;
};

struct netdev_cfg {
	char *id;
	char *type;		/* "tap" */
	char *ifname;
	int fds[CFG_MAX_FDS];
	unsigned int nr_fds;
	bool vhost;
	unsigned int queues;	/* default nr_fds, or 1 */
	int vhostfds[CFG_MAX_FDS];	/* vhostfd= / vhostfds=N:M */
	unsigned int nr_vhostfds;
};

/*
 * One -device. The well-known keys are decoded; the rest are kept as raw
 * "key=value" pairs for the device's own create function.
 */
struct device_cfg {
	char *driver;		/* virtio-blk-device, virtio-blk-pci, ... */
	char *id;
	char *drive;
	char *netdev;
	char *chardev;
	char *bus;
	char *mac;
	char *serial;		/* virtio-blk serial= */
	char *iothread;
	int slot;		/* addr=slot[.func], -1 if absent */
	int func;
	bool multifunction;
	unsigned int num_queues;	/* 0 = default */
	unsigned int queue_size;	/* 0 = default */
	int nr;			/* virtconsole/virtserialport nr=, -1 */
	int port;		/* pcie-root-port port=, -1 */
	int chassis;		/* pcie-root-port chassis=, -1 */
	char *rng;		/* virtio-rng rng= */
	char *extra;		/* remaining key=value pairs, comma separated */
	int bootindex;		/* -1 if absent */
	char *spec;		/* the -device argument as typed, NULL if none */
};

enum object_kind {
	OBJECT_IOTHREAD = 0,
	OBJECT_RNG_RANDOM,
};

/* One -object. */
struct object_cfg {
	enum object_kind kind;
	char *id;
	char *filename;		/* rng-random */
};

/*
 * -qmp fills dev while parsing. -mon only records the chardev id; validation
 * copies that chardev into dev (a deep copy, freed with the config), so the
 * machine must not open a chardev that some qmp[].chardev names.
 */
struct qmp_cfg {
	struct chardev_cfg dev;	/* CHARDEV_UNIX or CHARDEV_TCP */
	bool present;
	char *chardev;		/* -mon chardev=ID, NULL for -qmp */
};

struct vmm_config {
	enum machine_type machine;
	bool dump_guest_core;
	bool mem_share;
	uint64_t mem_size;	/* bytes */
	unsigned int nr_cpus;
	unsigned int max_cpus;
	unsigned int sockets, dies, clusters, cores, threads;
	char *name;
	char *kernel;
	char *initrd;
	char *append;		/* joined -append words, NULL if none */
	char *mem_path;
	bool mem_prealloc;
	uint64_t mem_maxmem;	/* -m ...,maxmem= in bytes, 0 if absent */

	struct drive_cfg drives[CFG_MAX_DRIVES];
	unsigned int nr_drives;
	struct device_cfg devices[CFG_MAX_DEVICES];
	unsigned int nr_devices;
	struct netdev_cfg netdevs[CFG_MAX_NETDEVS];
	unsigned int nr_netdevs;
	struct chardev_cfg chardevs[CFG_MAX_CHARDEVS];
	unsigned int nr_chardevs;
	struct object_cfg objects[CFG_MAX_OBJECTS];
	unsigned int nr_objects;

	struct chardev_cfg serial;	/* kind NONE when no -serial */
	char *serial_chardev;		/* -serial chardev:ID */
	struct qmp_cfg qmp[2];		/* -qmp and/or -mon */
	unsigned int nr_qmp;

	bool log_enabled;		/* -D given */
	char *log_file;			/* -D path, NULL = stderr */
	bool freeze;			/* -S */
	bool disable_seccomp;
	bool daemonize;
	char *pidfile;
	int seccomp_fd;			/* -seccomp-fd N (shim contract), -1 */
	bool debug_exit;		/* -device isa-debug-exit (tests) */
	uint16_t debug_exit_port;
	char *incoming;			/* -incoming, stored only */
	char *globals[CFG_MAX_GLOBALS];	/* -global, stored only */
	unsigned int nr_globals;
	bool no_shutdown;		/* -no-shutdown (recorded) */
	bool no_reboot;			/* -no-reboot: a guest reset exits */
};

/*
 * Parse argv (argv[0] is the program name) into cfg, which is reset first.
 * On error returns -EINVAL and writes one line naming the option and the
 * reason into err; cfg may then be partly filled: call vmm_config_free().
 */
int vmm_config_parse(int argc, char **argv, struct vmm_config *cfg,
		     char *err, size_t errlen) SV_MUST_CHECK;
/* Cross-checks: drive references, duplicates, machine-specific rules. */
int vmm_config_validate(struct vmm_config *cfg, char *err,
			size_t errlen) SV_MUST_CHECK;
/* NULL-safe, idempotent; cfg must be zeroed or have been through parse. */
void vmm_config_free(struct vmm_config *cfg);
/* Find by id; NULL if absent. */
struct drive_cfg *vmm_config_drive(struct vmm_config *cfg, const char *id);
struct chardev_cfg *vmm_config_chardev(struct vmm_config *cfg, const char *id);
struct netdev_cfg *vmm_config_netdev(struct vmm_config *cfg, const char *id);
struct object_cfg *vmm_config_object(struct vmm_config *cfg, const char *id);

#endif /* SV_VMM_CONFIG_H */
