// SPDX-License-Identifier: MIT
/*
 * stratovirt: argv -> struct vmm_config -> machine_create() -> machine_run().
 * Start-up order as StratoVirt: parse, logger, checks, daemonize, QMP
 * sockets, machine, seccomp, vCPUs, main loop.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MODULE "main"
#include "sv/log.h"
#include "vmm/config.h"
#include "vmm/machine/machine.h"
#include "vmm/sandbox/filter.h"
#include "vmm/sandbox/sandbox.h"
#include "vmm/util/log_impl.h"

#define VMM_VERSION "2.5.0"

static void usage(void)
{
	printf("StratoVirt " VMM_VERSION " (stratovirt-shim's VMM)\n"
	       "usage: stratovirt -machine microvm -kernel K [-initrd I] "
	       "[-append CMDLINE]\n"
	       "    [-m SIZE] [-smp N] [-drive file=F,id=ID[,readonly=on]"
	       "[,direct=off]]\n"
	       "    [-device virtio-blk-device,drive=ID,id=ID] "
	       "[-serial stdio|pty|file,path=P]\n"
	       "    [-qmp unix:PATH,server,nowait] [-D [FILE]] [-S] "
	       "[-name NAME]\n");
}

/* A path the VMM will open must exist and be a regular file (or device). */
static int check_file(const char *opt, const char *path, bool allow_blk)
{
	struct stat st;

	if (!path || !strncmp(path, "/dev/fd/", 8))
		return 0; /* an inherited fd: block_open() checks that one */
	if (stat(path, &st) < 0) {
		log_err("%s %s: %s", opt, path, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) && !(allow_blk && S_ISBLK(st.st_mode))) {
		log_err("%s %s: not a regular file", opt, path);
		return -EINVAL;
	}
	if (access(path, R_OK) < 0) {
		log_err("%s %s: %s", opt, path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int preflight(const struct vmm_config *cfg)
{
	int ret = check_file("-kernel", cfg->kernel, false);

	if (ret < 0)
		return ret;
	ret = check_file("-initrd", cfg->initrd, false);
	if (ret < 0)
		return ret;
	for (unsigned int i = 0; i < cfg->nr_drives; i++) {
		ret = check_file("-drive", cfg->drives[i].file, true);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int write_pidfile(const char *path)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int n;

	if (fd < 0) {
		log_err("-pidfile %s: %s", path, strerror(errno));
		return -errno;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static int daemonize(const struct vmm_config *cfg)
{
	int fd;

	if (daemon(0, 0) < 0) {
		log_err("daemonize: %s", strerror(errno));
		return -errno;
	}
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0 && fd > 2)
		close(fd);
	return cfg->pidfile ? write_pidfile(cfg->pidfile) : 0;
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "-help") ||
		    !strcmp(argv[i], "--help"))
			return true;
	return false;
}

static int setup(int argc, char **argv, struct vmm_config *cfg)
{
	char err[512] = "";
	int ret;

	ret = vmm_config_parse(argc, argv, cfg, err, sizeof(err));
	if (ret == 0)
		ret = vmm_config_validate(cfg, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "stratovirt: %s\n", err);
		return ret;
	}
	if (cfg->log_enabled) {
		ret = log_open_file(cfg->log_file);
		if (ret < 0) {
			fprintf(stderr, "stratovirt: -D %s: %s\n",
				cfg->log_file, strerror(-ret));
			return ret;
		}
	}
	ret = preflight(cfg);
	if (ret < 0)
		return ret;
	return cfg->daemonize ? daemonize(cfg) : 0;
}

/*
 * After the machine is built, before the vCPU threads start, with TSYNC so
 * every thread is covered: the program the shim passed (-seccomp-fd)
 * replaces the built-in allowlist; -disable-seccomp turns the built-in
 * one off (as StratoVirt's does).
 */
static int sandbox(const struct vmm_config *cfg)
{
	if (cfg->seccomp_fd >= 0)
		return sandbox_apply_seccomp_fd(cfg->seccomp_fd);
	if (cfg->disable_seccomp) {
		log_warn("-disable-seccomp: running without a syscall filter");
		return 0;
	}
	return sandbox_apply_builtin();
}

int main(int argc, char **argv)
{
	struct vmm_config cfg;
	struct machine *m = NULL;
	int ret, status;

	log_init_from_env();
	if (argc == 2 && (!strcmp(argv[1], "-version") ||
			  !strcmp(argv[1], "--version"))) {
		printf("StratoVirt " VMM_VERSION "\n");
		return 0;
	}
	if (wants_help(argc, argv)) {
		usage();
		return 0;
	}
	if (setup(argc, argv, &cfg) < 0) {
		vmm_config_free(&cfg);
		return 1;
	}
	/*
	 * glibc reads /etc/localtime (open, fstat) on the first time
	 * conversion: the RTC and log prefixes convert times after the
	 * filter is in place, where fstat is not allowed.
	 */
	tzset();
	ret = machine_create(&cfg, &m);
	if (ret == 0)
		ret = sandbox(&cfg);
	if (ret < 0) {
		machine_destroy(m);
		if (cfg.pidfile && cfg.daemonize)
			unlink(cfg.pidfile);
		vmm_config_free(&cfg);
		return 1;
	}
	status = machine_run(m);
	machine_destroy(m);
	if (cfg.pidfile && cfg.daemonize)
		unlink(cfg.pidfile);
	vmm_config_free(&cfg);
	return status;
}
