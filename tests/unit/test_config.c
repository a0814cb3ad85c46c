// SPDX-License-Identifier: MIT
/*
 * Unit tests for vmm/config: the seed document's command lines and Kata's
 * parse to the expected struct; a table of bad command lines each fails
 * with its expected message; everything is freed (run under ASan).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/config.h"

#define MAX_ARGS 128

/* Split a shell-like line: blanks separate words, "..." groups. */
static int split_line(const char *line, char *buf, size_t buflen, char **argv)
{
	static char prog[] = "stratovirt";
	int argc = 0;
	size_t o = 0;

	argv[argc++] = prog;
	while (*line) {
		bool quoted = false;

		while (*line == ' ' || *line == '\t' || *line == '\n')
			line++;
		if (!*line)
			break;
		assert_true(argc < MAX_ARGS);
		argv[argc++] = &buf[o];
		while (*line && (quoted || (*line != ' ' && *line != '\t' &&
					    *line != '\n'))) {
			if (*line == '"')
				quoted = !quoted;
			else
				buf[o++] = *line;
			line++;
			assert_true(o < buflen - 1);
		}
		buf[o++] = '\0';
	}
	return argc;
}

static char errbuf[512];

/* parse + validate; the config is left for the caller to check and free. */
static int run(const char *line, struct vmm_config *cfg)
{
	static char buf[8192];
	char *argv[MAX_ARGS];
	int argc = split_line(line, buf, sizeof(buf), argv);
	int ret;

	memset(errbuf, 0, sizeof(errbuf));
	ret = vmm_config_parse(argc, argv, cfg, errbuf, sizeof(errbuf));
	if (ret == 0)
		ret = vmm_config_validate(cfg, errbuf, sizeof(errbuf));
	if (ret != 0) {
		assert_int_equal(ret, -EINVAL);
		assert_true(errbuf[0] != '\0');
		assert_null(strchr(errbuf, '\n'));
	}
	return ret;
}

static void run_ok(const char *line, struct vmm_config *cfg)
{
	if (run(line, cfg) != 0)
		fail_msg("'%s' failed: %s", line, errbuf);
}

/* ---- the seed document (stratovirt-boot.md) ---------------------------- */

static const char seed_microvm[] =
	"-machine microvm -kernel /path/to/kernel -smp 1 -m 1024m "
	"-append \"console=ttyS0 pci=off reboot=k quiet panic=1 "
	"root=/dev/vda\" "
	"-drive file=/path/to/rootfs,id=rootfs,readonly=off,direct=off "
	"-device virtio-blk-device,drive=rootfs,id=rootfs "
	"-qmp unix:/path/to/socket,server,nowait -serial stdio";

static const char seed_q35_kernel[] =
	"-machine q35 -kernel /path/to/kernel -smp 1 -m 2G "
	"-append \"console=ttyS0 reboot=k panic=1 root=/dev/vda rw\" "
	"-drive file=/path/to/rootfs,id=rootfs,readonly=off,direct=off "
	"-device virtio-blk-pci,drive=rootfs,id=blk1,bus=pcie.0,addr=0x2 "
	"-drive file=/path/to/OVMF_CODE.fd,if=pflash,unit=0,readonly=true "
	"-drive file=/path/to/OVMF_VARS.fd,if=pflash,unit=1 "
	"-qmp unix:/path/to/socket,server,nowait -serial stdio";

static const char seed_q35_raw[] =
	"-machine q35 -smp 1 -m 2G "
	"-drive file=/path/to/raw_image,id=raw_image,readonly=off,direct=off "
	"-device virtio-blk-pci,drive=raw_image,id=blk1,bus=pcie.0,addr=0x2 "
	"-drive file=/path/to/OVMF_CODE.fd,if=pflash,unit=0,readonly=true "
	"-drive file=/path/to/OVMF_VARS.fd,if=pflash,unit=1 "
	"-qmp unix:/path/to/socket,server,nowait -serial stdio";

/* "Boot with kernel directly" (the seed names aarch64's virt machine). */
static const char seed_std_direct[] =
	"-machine virt -kernel /path/to/kernel -smp 1 -m 2G "
	"-append \"console=ttyS0 reboot=k panic=1 root=/dev/vda rw\" "
	"-drive file=/path/to/rootfs,id=rootfs,readonly=off,direct=off "
	"-device virtio-blk-pci,drive=rootfs,id=blk1,bus=pcie.0,addr=0x2 "
	"-qmp unix:/path/to/socket,server,nowait -serial stdio";

static void check_qmp_serial(const struct vmm_config *cfg)
{
	assert_int_equal(cfg->nr_qmp, 1);
	assert_true(cfg->qmp[0].present);
	assert_int_equal(cfg->qmp[0].dev.kind, CHARDEV_UNIX);
	assert_string_equal(cfg->qmp[0].dev.path, "/path/to/socket");
	assert_true(cfg->qmp[0].dev.server && cfg->qmp[0].dev.nowait);
	assert_int_equal(cfg->serial.kind, CHARDEV_STDIO);
	assert_null(cfg->serial_chardev);
}

static void check_pflash(const struct vmm_config *cfg)
{
	const struct drive_cfg *code = &cfg->drives[1], *vars = &cfg->drives[2];

	assert_int_equal(cfg->nr_drives, 3);
	assert_int_equal(code->iface, DRIVE_IF_PFLASH);
	assert_string_equal(code->file, "/path/to/OVMF_CODE.fd");
	assert_int_equal(code->unit, 0);
	assert_true(code->readonly);
	assert_null(code->id);
	assert_int_equal(vars->iface, DRIVE_IF_PFLASH);
	assert_string_equal(vars->file, "/path/to/OVMF_VARS.fd");
	assert_int_equal(vars->unit, 1);
	assert_false(vars->readonly);
	assert_false(code->used || vars->used);
}

static void test_seed_microvm(void **state)
{
	struct vmm_config cfg;
	const struct drive_cfg *d;
	const struct device_cfg *dev;

	(void)state;
	run_ok(seed_microvm, &cfg);
	assert_int_equal(cfg.machine, MACHINE_MICROVM);
	assert_string_equal(cfg.kernel, "/path/to/kernel");
	assert_int_equal(cfg.nr_cpus, 1);
	assert_int_equal(cfg.max_cpus, 1);
	assert_int_equal(cfg.mem_size, 1ull << 30);
	assert_string_equal(cfg.append, "console=ttyS0 pci=off reboot=k "
					"quiet panic=1 root=/dev/vda");
	assert_int_equal(cfg.nr_drives, 1);
	d = vmm_config_drive(&cfg, "rootfs");
	assert_ptr_equal(d, &cfg.drives[0]);
	assert_string_equal(d->file, "/path/to/rootfs");
	assert_false(d->readonly);
	assert_false(d->direct);
	assert_string_equal(d->aio, "off");
	assert_string_equal(d->format, "raw");
	assert_int_equal(d->iface, DRIVE_IF_NONE);
	assert_int_equal(d->unit, -1);
	assert_true(d->used);
	assert_int_equal(cfg.nr_devices, 1);
	dev = &cfg.devices[0];
	assert_string_equal(dev->driver, "virtio-blk-device");
	assert_string_equal(dev->drive, "rootfs");
	assert_string_equal(dev->id, "rootfs");
	assert_int_equal(dev->slot, -1);
	assert_null(dev->extra);
	check_qmp_serial(&cfg);
	assert_true(cfg.dump_guest_core);
	assert_int_equal(cfg.seccomp_fd, -1);
	assert_false(cfg.log_enabled || cfg.freeze || cfg.daemonize);
	vmm_config_free(&cfg);
	vmm_config_free(&cfg); /* idempotent */
}

static void test_seed_q35_kernel(void **state)
{
	struct vmm_config cfg;
	const struct device_cfg *dev;

	(void)state;
	run_ok(seed_q35_kernel, &cfg);
	assert_int_equal(cfg.machine, MACHINE_Q35);
	assert_string_equal(cfg.kernel, "/path/to/kernel");
	assert_int_equal(cfg.mem_size, 2ull << 30);
	assert_string_equal(cfg.append,
			    "console=ttyS0 reboot=k panic=1 root=/dev/vda rw");
	assert_string_equal(cfg.drives[0].id, "rootfs");
	assert_true(cfg.drives[0].used);
	check_pflash(&cfg);
	dev = &cfg.devices[0];
	assert_string_equal(dev->driver, "virtio-blk-pci");
	assert_string_equal(dev->id, "blk1");
	assert_string_equal(dev->bus, "pcie.0");
	assert_int_equal(dev->slot, 2);
	assert_int_equal(dev->func, 0);
	check_qmp_serial(&cfg);
	vmm_config_free(&cfg);
}

static void test_seed_std_direct(void **state)
{
	struct vmm_config cfg;

	(void)state;
	run_ok(seed_std_direct, &cfg);
	assert_int_equal(cfg.machine, MACHINE_Q35);
	assert_string_equal(cfg.kernel, "/path/to/kernel");
	assert_int_equal(cfg.nr_drives, 1);
	assert_string_equal(cfg.devices[0].driver, "virtio-blk-pci");
	check_qmp_serial(&cfg);
	vmm_config_free(&cfg);
}

static void test_seed_q35_raw(void **state)
{
	struct vmm_config cfg;

	(void)state;
	run_ok(seed_q35_raw, &cfg);
	assert_int_equal(cfg.machine, MACHINE_Q35);
	assert_null(cfg.kernel);
	assert_null(cfg.append);
	assert_string_equal(cfg.drives[0].id, "raw_image");
	assert_string_equal(cfg.drives[0].file, "/path/to/raw_image");
	assert_string_equal(cfg.devices[0].drive, "raw_image");
	check_pflash(&cfg);
	check_qmp_serial(&cfg);
	vmm_config_free(&cfg);
}

/* Unquoted -append words (StratoVirt joins them), and -D without a file. */
static void test_append_words(void **state)
{
	struct vmm_config cfg;

	(void)state;
	run_ok("-kernel /k -append console=ttyS0 root=/dev/vda -bogus -D "
	       "-disable-seccomp",
	       &cfg);
	assert_string_equal(cfg.append, "console=ttyS0 root=/dev/vda -bogus");
	assert_true(cfg.log_enabled);
	assert_null(cfg.log_file);
	assert_true(cfg.disable_seccomp);
	vmm_config_free(&cfg);

	run_ok("-kernel /k -D /tmp/log -append \"\" -S", &cfg);
	assert_string_equal(cfg.log_file, "/tmp/log");
	assert_string_equal(cfg.append, "");
	assert_true(cfg.freeze);
	vmm_config_free(&cfg);
}

/* reference/stratovirt.md s.4.4 (vhost-user-fs left out: not ours yet). */
static const char kata[] =
	"-name sandbox-1234 -uuid 0b7b6e4c-7f1d-4a0e-9d8b-3c2d1e0f9a8b "
	"-smp 2 -m 2048 -kernel /usr/share/kata/vmlinux "
	"-append \"root=/dev/vda1 rootflags=data=ordered,errors=remount-ro "
	"ro rootfstype=ext4 reboot=k panic=1 net.ifnames=0 "
	"ramdom.trust_cpu=on pci=off iommu=off acpi=off quiet 8250.nr_uarts=0 "
	"agent.log_vport=1025\" "
	"-qmp unix:/run/vc/vm/1234/qmp.socket,server,nowait -D "
	"-disable-seccomp -machine type=microvm,dump-guest-core=off,"
	"mem-share=on "
	"-object rng-random,id=objrng0,filename=/dev/urandom "
	"-device virtio-rng-device,rng=objrng0,id=virtio-rng0 "
	"-drive id=rootfs,file=/kata/image.img,readonly=on,direct=off "
	"-device virtio-blk-device,drive=rootfs,id=virtio-blk0 "
	"-device vhost-vsock-device,id=vsock-id,guest-cid=3,vhostfd=5 "
	"-netdev tap,id=eth0,fds=3:4 "
	"-device virtio-net-device,netdev=eth0,id=eth0,mac=02:42:ac:11:00:02 "
	"-device virtio-serial-device,id=virtio-serial0 "
	"-chardev socket,id=charconsole0,path=/run/vc/vm/1234/console.sock,"
	"server,nowait "
	"-device virtconsole,chardev=charconsole0,id=virtio-console0,nr=0";

static void test_kata(void **state)
{
	struct vmm_config cfg;
	const struct netdev_cfg *nd;
	const struct chardev_cfg *ch;

	(void)state;
	run_ok(kata, &cfg);
	assert_string_equal(cfg.name, "sandbox-1234");
	assert_int_equal(cfg.nr_cpus, 2);
	assert_int_equal(cfg.mem_size, 2048ull << 20);
	assert_false(cfg.dump_guest_core);
	assert_true(cfg.mem_share);
	assert_true(cfg.log_enabled && cfg.disable_seccomp);
	assert_non_null(strstr(cfg.append, "rootflags=data=ordered,errors"));
	assert_int_equal(cfg.nr_objects, 1);
	assert_int_equal(cfg.objects[0].kind, OBJECT_RNG_RANDOM);
	assert_string_equal(cfg.objects[0].filename, "/dev/urandom");
	assert_ptr_equal(vmm_config_object(&cfg, "objrng0"), &cfg.objects[0]);
	assert_true(cfg.drives[0].readonly);
	assert_string_equal(cfg.devices[2].extra, "guest-cid=3,vhostfd=5");
	nd = vmm_config_netdev(&cfg, "eth0");
	assert_non_null(nd);
	assert_int_equal(nd->nr_fds, 2);
	assert_int_equal(nd->fds[0], 3);
	assert_int_equal(nd->fds[1], 4);
	assert_int_equal(nd->queues, 2);
	assert_string_equal(cfg.devices[3].mac, "02:42:ac:11:00:02");
	ch = vmm_config_chardev(&cfg, "charconsole0");
	assert_non_null(ch);
	assert_int_equal(ch->kind, CHARDEV_UNIX);
	assert_string_equal(ch->path, "/run/vc/vm/1234/console.sock");
	assert_true(ch->server && ch->nowait);
	assert_int_equal(cfg.devices[5].nr, 0);
	assert_int_equal(cfg.serial.kind, CHARDEV_NONE);
	assert_null(vmm_config_chardev(&cfg, "nope"));
	assert_null(vmm_config_drive(&cfg, NULL));
	vmm_config_free(&cfg);
}

static void test_smp_mem_forms(void **state)
{
	struct vmm_config cfg;

	(void)state;
	run_ok("-kernel /k -smp cpus=2,maxcpus=4,sockets=2,cores=2 "
	       "-m size=2G -machine type=microvm",
	       &cfg);
	assert_int_equal(cfg.nr_cpus, 2);
	assert_int_equal(cfg.max_cpus, 4);
	assert_int_equal(cfg.sockets, 2);
	assert_int_equal(cfg.cores, 2);
	assert_int_equal(cfg.threads, 1);
	assert_int_equal(cfg.mem_size, 2ull << 30);
	vmm_config_free(&cfg);

	run_ok("-kernel /k -smp 4,sockets=2 -m 128", &cfg);
	assert_int_equal(cfg.max_cpus, 4);
	assert_int_equal(cfg.sockets, 2);
	assert_int_equal(cfg.cores, 2);
	assert_int_equal(cfg.mem_size, 128ull << 20);
	vmm_config_free(&cfg);

	run_ok("-kernel /k -smp sockets=2,cores=3", &cfg);
	assert_int_equal(cfg.nr_cpus, 6);
	assert_int_equal(cfg.max_cpus, 6);
	vmm_config_free(&cfg);

	run_ok("-kernel /k -smp 254 -m 512G", &cfg);
	assert_int_equal(cfg.nr_cpus, 254);
	assert_int_equal(cfg.mem_size, 512ull << 30);
	vmm_config_free(&cfg);

	run_ok("-kernel /k -m 131072K,maxmem=1G", &cfg);
	assert_int_equal(cfg.mem_size, 128ull << 20);
	assert_int_equal(cfg.mem_maxmem, 1ull << 30);
	vmm_config_free(&cfg);

	run_ok("-kernel /k", &cfg); /* defaults */
	assert_int_equal(cfg.mem_size, CFG_MEM_DEFAULT);
	assert_int_equal(cfg.nr_cpus, 1);
	assert_int_equal(cfg.machine, MACHINE_MICROVM);
	assert_int_equal(cfg.nr_qmp, 0); /* optional for us */
	vmm_config_free(&cfg);
}

static void test_misc_options(void **state)
{
	struct vmm_config cfg;

	(void)state;
	run_ok("-kernel /k -initrd /i -mem-path /hugepages -mem-prealloc "
	       "-accel kvm -cpu host -freeze -seccomp-fd 7 -daemonize "
	       "-pidfile /run/p -incoming file:/snap "
	       "-global pcie-root-port.fast-unplug=1 -no-user-config "
	       "-nodefaults -nographic -usb -no-shutdown "
	       "-overcommit mem-lock=off "
	       "-sandbox off -msg timestamp=on -rtc base=utc -boot c "
	       "-realtime mlock=off -display none "
	       "-device isa-debug-exit "
	       "-chardev socket,id=mon0,port=4444,host=127.0.0.1,server,nowait "
	       "-mon chardev=mon0,id=monitor,mode=control "
	       "-qmp tcp:127.0.0.1:4445,server,nowait "
	       "-chardev pty,id=p0 -serial chardev:p0",
	       &cfg);
	assert_string_equal(cfg.initrd, "/i");
	assert_string_equal(cfg.mem_path, "/hugepages");
	assert_true(cfg.mem_prealloc && cfg.freeze && cfg.daemonize);
	assert_true(cfg.no_shutdown);
	assert_int_equal(cfg.seccomp_fd, 7);
	assert_string_equal(cfg.pidfile, "/run/p");
	assert_string_equal(cfg.incoming, "file:/snap");
	assert_int_equal(cfg.nr_globals, 1);
	assert_string_equal(cfg.globals[0], "pcie-root-port.fast-unplug=1");
	assert_true(cfg.debug_exit);
	assert_int_equal(cfg.debug_exit_port, 0x501);
	assert_int_equal(cfg.nr_qmp, 2);
	assert_string_equal(cfg.qmp[0].chardev, "mon0");
	assert_int_equal(cfg.qmp[0].dev.kind, CHARDEV_TCP); /* copied */
	assert_int_equal(cfg.qmp[0].dev.port, 4444);
	assert_string_equal(cfg.qmp[0].dev.host, "127.0.0.1");
	assert_int_equal(cfg.qmp[1].dev.kind, CHARDEV_TCP);
	assert_int_equal(cfg.qmp[1].dev.port, 4445);
	assert_string_equal(cfg.qmp[1].dev.host, "127.0.0.1");
	assert_string_equal(cfg.serial_chardev, "p0");
	assert_int_equal(cfg.chardevs[1].kind, CHARDEV_PTY);
	/* validate twice: the -mon copy is replaced, not leaked */
	assert_int_equal(vmm_config_validate(&cfg, errbuf, sizeof(errbuf)), 0);
	vmm_config_free(&cfg);
}

static void test_q35_devices(void **state)
{
	struct vmm_config cfg;
	const struct device_cfg *d;

	(void)state;
	run_ok("-machine q35 "
	       "-device pcie-root-port,id=pcie.1,port=0x1,chassis=1,bus=pcie.0,"
	       "addr=0x1c.0x0,multifunction=on "
	       "-object iothread,id=io0 "
	       "-drive id=d0,file=/d0,throttling.iops-total=1000,aio=io_uring,"
	       "discard=unmap,detect-zeroes=unmap,media=disk,format=raw "
	       "-device virtio-blk-pci,drive=d0,id=b0,bus=pcie.1,addr=0x0,"
	       "iothread=io0,num-queues=4,queue-size=256,serial=abc,"
	       "bootindex=1 "
	       "-netdev tap,id=n0,ifname=tap0,vhost=on,vhostfd=9,queues=1 "
	       "-device virtio-net-pci,netdev=n0,id=net0,addr=3,mq=on "
	       "-device isa-debug-exit,iobase=0xf4 -chardev stdio,id=c0 "
	       "-device virtio-serial-pci,id=vs0,addr=0x4 "
	       "-device virtserialport,chardev=c0,id=port0,nr=1",
	       &cfg);
	d = &cfg.devices[0];
	assert_int_equal(d->port, 1);
	assert_int_equal(d->chassis, 1);
	assert_int_equal(d->slot, 0x1c);
	assert_int_equal(d->func, 0);
	assert_true(d->multifunction);
	d = &cfg.devices[1];
	assert_string_equal(d->bus, "pcie.1");
	assert_string_equal(d->iothread, "io0");
	assert_int_equal(d->num_queues, 4);
	assert_int_equal(d->queue_size, 256);
	assert_string_equal(d->serial, "abc");
	assert_int_equal(d->bootindex, 1);
	assert_int_equal(cfg.drives[0].iops_total, 1000);
	assert_string_equal(cfg.drives[0].aio, "io_uring");
	assert_true(cfg.drives[0].discard);
	assert_int_equal(cfg.drives[0].detect_zeroes, DRIVE_DZ_UNMAP);
	assert_true(cfg.drives[0].direct);
	assert_true(cfg.netdevs[0].vhost);
	assert_int_equal(cfg.netdevs[0].nr_vhostfds, 1);
	assert_int_equal(cfg.netdevs[0].vhostfds[0], 9);
	assert_string_equal(cfg.netdevs[0].ifname, "tap0");
	assert_int_equal(cfg.devices[2].slot, 3);
	assert_string_equal(cfg.devices[2].extra, "mq=on");
	assert_int_equal(cfg.debug_exit_port, 0xf4);
	assert_int_equal(cfg.devices[4].nr, 1);
	vmm_config_free(&cfg);
}

struct bad_case {
	const char *line;
	const char *msg; /* expected substring of the error */
};

#define K "-kernel /k "
#define D "-drive file=/d,id=d "

static const struct bad_case bad[] = {
	{ K "-m 0", "-m 0: memory size must be between 128M and 512G" },
	{ K "-m 127", "-m 127: memory size must be between 128M and 512G" },
	{ K "-m 513G", "memory size must be between 128M and 512G" },
	{ K "-m 131073K", "memory size must be a multiple of 4K" },
	{ K "-m 1x", "-m 1x: invalid size '1x'" },
	{ K "-m 99999999999999999999", "invalid size" },
	{ K "-m 1G,maxmem=512M", "maxmem must be between" },
	{ K "-m 1G,size=2G", "-m: key 'size' given twice" },
	{ K "-smp 0", "-smp 0: 'cpus' must be between 1 and 254" },
	{ K "-smp 255", "-smp 255: 'cpus' must be between 1 and 254" },
	{ K "-smp cpus=4,maxcpus=2", "maxcpus (2) must be between cpus (4)" },
	{ K "-smp cpus=4,sockets=1,cores=2,maxcpus=4",
	  "sockets*dies*clusters*cores*threads (2) must equal maxcpus (4)" },
	{ K "-smp 4,sockets=3", "maxcpus (4) is not a multiple" },
	{ K "-smp sockets=254,cores=254,threads=254,dies=254,clusters=254",
	  "gives 1057227821024 vCPUs, at most 254" },
	{ "-machine q35 -drive file=/p,if=pflash,unit=0,id=fw "
	  "-device virtio-blk-pci,drive=fw",
	  "drive 'fw' is a pflash drive" },
	{ K "-smp two", "invalid number 'two' for 'cpus'" },
	{ K "-foo", "unknown option '-foo'" },
	{ K "--kernel=x", "unknown option '--kernel=x'" },
	{ K "stray", "unexpected argument 'stray'" },
	{ K "-device foo", "-device foo: unknown device type" },
	{ K "-device foo,id=x", "-device foo,id=x: unknown device type" },
	{ K "-device id=x", "the device type must come first" },
	{ K "-drive file=/d,id=d,bogus=1", "-drive: unknown key 'bogus'" },
	{ K "-machine microvm,bogus=1", "-machine: unknown key 'bogus'" },
	{ K "-chardev pty,id=c,bogus", "-chardev: unknown key 'bogus'" },
	{ K "-device virtio-blk-device,drive=nope",
	  "-device virtio-blk-device,drive=nope: drive 'nope' not found" },
	{ K D "-device virtio-blk-device,drive=d,id=b0 "
	      "-device virtio-blk-device,drive=d,id=b1",
	  "-device virtio-blk-device,drive=d,id=b1: drive 'd' is already "
	  "used by -device virtio-blk-device,drive=d,id=b0" },
	{ K D "-drive file=/e,id=d", "-drive file=/e,id=d: duplicate id 'd'" },
	{ K D "-device virtio-blk-device,drive=d,id=x "
	      "-device virtio-rng-device,id=x,rng=r -object rng-random,id=r,"
	      "filename=/dev/urandom",
	  "duplicate id 'x'" },
	{ K "-netdev tap,id=n,ifname=a -netdev tap,id=n,ifname=b",
	  "-netdev: duplicate id 'n'" },
	{ K "-chardev pty,id=c -chardev pty,id=c",
	  "-chardev: duplicate id 'c'" },
	{ K "-object iothread,id=o -object iothread,id=o",
	  "-object: duplicate id 'o'" },
	{ "-machine microvm -m 1G",
	  "-kernel is required for the microvm machine" },
	{ K "-drive file=/d,id=d,readonly=maybe",
	  "invalid boolean 'maybe' for 'readonly'" },
	{ K "-machine microvm,dump-guest-core=1", "invalid boolean '1'" },
	{ K "-qmp unix:/x",
	  "-qmp unix:/x: 'server' and 'nowait' are required" },
	{ K "-qmp unix:/x,server", "'server' and 'nowait' are required" },
	{ K "-qmp unix:/x,server=off,nowait", "are required" },
	{ K "-qmp /x,server,nowait", "expected unix:PATH or tcp:HOST:PORT" },
	{ K "-qmp tcp:1.2.3.4:0,server,nowait",
	  "'port' must be between 1 and 65535" },
	{ K "-qmp tcp:1.2.3.4,server,nowait", "expected unix:PATH or" },
	{ K "-qmp tcp:1.2.3.4:x,server,nowait", "invalid number 'x' for "
						"'port'" },
	{ K "-qmp unix:/a,server,nowait -qmp unix:/b,server,nowait "
	    "-qmp unix:/c,server,nowait",
	  "at most 2 QMP monitors" },
	{ K "-drive file=/p,if=pflash,unit=0",
	  "-drive file=/p,if=pflash,unit=0: pflash is not supported on "
	  "microvm" },
	{ "-machine q35 -drive file=/p,if=pflash,unit=2",
	  "'unit' must be between 0 and 1" },
	{ "-machine q35 -drive file=/p,if=pflash,unit=1",
	  "pflash unit 0 (code) is required" },
	{ "-machine q35 -drive file=/p,if=pflash,unit=0 "
	  "-drive file=/q,if=pflash,unit=0",
	  "pflash unit 0 given twice" },
	{ "-machine q35 -drive file=/p,if=pflash",
	  "unit= is required with if=pflash" },
	{ K "-drive file=/d,id=d,unit=0",
	  "unit= is only valid with if=pflash" },
	{ K "-drive file=/d,id=d,if=ide", "unsupported interface if=ide" },
	{ K "-drive id=d", "-drive id=d: file= is required" },
	{ K "-drive file=/d", "-drive file=/d: id= is required" },
	{ K "-drive file=/d,id=d,format=qcow2", "unsupported format=qcow2" },
	{ K "-drive file=/d,id=d,aio=threads", "unsupported aio=threads" },
	{ K "-drive file=/d,id=d,media=cdrom", "unsupported media=cdrom" },
	{ K "-drive file=/d,id=d,throttling.iops-total=1000001",
	  "'throttling.iops-total' must be between 0 and 1000000" },
	{ K "-drive file=/d,id=d,readonly=on,readonly=off",
	  "-drive: key 'readonly' given twice" },
	{ K "-drive file=/d,,id=d", "empty item" },
	{ K "-drive file=,id=d", "key 'file' needs a value" },
	{ K "-drive file,id=d", "key 'file' needs a value" },
	{ K D "-device virtio-blk-pci,drive=d",
	  "virtio-blk-pci is not supported on microvm" },
	{ "-machine q35 " D "-device virtio-blk-device,drive=d",
	  "virtio-blk-device is not supported on q35" },
	{ "-machine q35 -device vhost-vsock-device,id=v",
	  "vhost-vsock-device is not supported on q35" },
	{ K "-device pcie-root-port,id=r", "pcie-root-port is not supported "
					   "on microvm" },
	{ K D "-device virtio-blk-device,drive=d,addr=0x2",
	  "bus/addr/multifunction are only valid for PCI devices" },
	{ "-machine q35 " D "-device virtio-blk-pci,drive=d,bus=pcie.5",
	  "bus 'pcie.5' not found" },
	{ "-machine q35 " D "-device virtio-blk-pci,drive=d,addr=0x20",
	  "invalid addr '0x20'" },
	{ "-machine q35 " D "-device virtio-blk-pci,drive=d,addr=1.8",
	  "invalid addr '1.8'" },
	{ "-machine q35 " D "-device virtio-blk-pci,drive=d,addr=1.",
	  "invalid addr '1.'" },
	{ K "-device virtio-net-device,id=n", "netdev= is required" },
	{ K D "-device virtio-blk-device,drive=d,netdev=n",
	  "key 'netdev' is not valid for virtio-blk-device" },
	{ K "-netdev tap,id=n,ifname=t -device virtio-net-device,netdev=n,"
	    "mac=02:00:00:00:00",
	  "invalid mac '02:00:00:00:00'" },
	{ K "-netdev tap,id=n,ifname=t -device virtio-net-device,netdev=n,"
	    "mac=02:00:00:00:00:0g",
	  "invalid mac" },
	{ K "-netdev tap,id=n,ifname=t -device virtio-net-device,netdev=n "
	    "-device virtio-net-device,netdev=n",
	  "netdev 'n' is already used by" },
	{ K "-device virtio-net-device,netdev=n", "netdev 'n' not found" },
	{ K "-netdev user,id=n", "unsupported netdev type 'user'" },
	{ K "-netdev tap,id=n", "ifname= or fd(s)= is required" },
	{ K "-netdev tap,ifname=t", "-netdev tap,ifname=t: id= is required" },
	{ K "-netdev tap,id=n,fds=3:", "invalid fd list '3:'" },
	{ K "-netdev tap,id=n,fds=3::4", "invalid fd list" },
	{ K "-netdev tap,id=n,fd=3:4", "fd= takes one descriptor" },
	{ K "-netdev tap,id=n,fd=3,fds=4:5", "file descriptors given twice" },
	{ K "-netdev tap,id=n,fds=3:4,queues=3", "queues=3 does not match 2" },
	{ K "-netdev tap,id=n,ifname=t,vhostfd=4", "needs vhost=on" },
	{ K "-netdev tap,id=n,ifname=t,queues=17",
	  "'queues' must be between 1 and 16" },
	{ K "-netdev id=n,ifname=t", "missing type" },
	{ K "-serial stdio -chardev stdio,id=c",
	  "-chardev stdio,id=c: stdio is already used by -serial stdio" },
	{ K "-chardev stdio,id=a -chardev stdio,id=b",
	  "stdio is already used by -chardev stdio" },
	{ K "-serial stdio -daemonize",
	  "-serial stdio: stdio cannot be used with -daemonize" },
	{ K "-pidfile /p", "-pidfile /p: -pidfile requires -daemonize" },
	{ K "-serial chardev:nope", "-serial chardev:nope: chardev 'nope' "
				    "not found" },
	{ K "-serial stdio -serial pty", "-serial: option given more than "
					 "once" },
	{ K "-serial file", "file needs path=" },
	{ K "-serial stdio,id=x", "-serial: unknown key 'id'" },
	{ K "-serial tty", "unsupported backend 'tty'" },
	{ K "-chardev pty,id=c -serial chardev:c -mon chardev=c,mode=control",
	  "-mon chardev=c: chardev 'c' must be a socket with server,nowait" },
	{ K "-mon chardev=c,mode=control", "-mon chardev=c: chardev 'c' not "
					   "found" },
	{ K "-chardev socket,id=c,path=/s -mon chardev=c,mode=control",
	  "must be a socket with server,nowait" },
	{ K "-chardev socket,id=c,path=/s,server,nowait -mon chardev=c",
	  "mode=control is required" },
	{ K "-chardev socket,id=c,path=/s,server,nowait "
	    "-mon chardev=c,mode=readline",
	  "only mode=control is supported" },
	{ K "-chardev socket,id=c,path=/s,server,nowait -serial chardev:c "
	    "-mon chardev=c,mode=control",
	  "chardev 'c' is already used by -serial chardev:c" },
	{ K "-chardev socket,id=c", "socket needs path= or port=" },
	{ K "-chardev socket,id=c,path=/s,port=3", "mutually exclusive" },
	{ K "-chardev pty,id=c,server", "server/nowait are only valid for "
					"socket" },
	{ K "-chardev socket,id=c,path=/s,host=h", "host= needs a socket "
						   "with port=" },
	{ K "-chardev pty", "-chardev pty: id= is required" },
	{ K "-chardev pty,id=c -device virtconsole,chardev=c",
	  "virtconsole needs a virtio-serial device" },
	{ K "-device virtio-serial-device -device virtconsole,chardev=c",
	  "chardev 'c' not found" },
	{ K "-chardev pty,id=c -device virtio-serial-device "
	    "-device virtserialport,chardev=c,nr=0",
	  "nr=0 is reserved for virtconsole" },
	{ K "-chardev pty,id=c -chardev pty,id=d -device virtio-serial-device "
	    "-device virtserialport,chardev=c,nr=2 "
	    "-device virtserialport,chardev=d,nr=2",
	  "virtserialport,chardev=d,nr=2: port nr=2 is already used by "
	  "-device virtserialport,chardev=c,nr=2" },
	{ K "-chardev pty,id=c -device virtio-serial-device "
	    "-device virtserialport,chardev=c,nr=31",
	  "'nr' must be between 0 and 30" },
	{ K "-device virtio-rng-device,rng=nope",
	  "rng-random object 'nope' not found" },
	{ K "-object iothread,id=r -device virtio-rng-device,rng=r",
	  "rng-random object 'r' not found" },
	{ K D "-device virtio-blk-device,drive=d,iothread=io9",
	  "iothread 'io9' not found" },
	{ K "-object memory-backend-ram,id=m,size=1G",
	  "unsupported object type 'memory-backend-ram'" },
	{ K "-object rng-random,id=r", "filename= is required" },
	{ K "-object iothread,id=i,filename=/x",
	  "-object: unknown key 'filename'" },
	{ K "-object iothread", "-object iothread: id= is required" },
	{ K "-kernel /k2", "-kernel: option given more than once" },
	{ "-kernel", "-kernel: missing value" },
	{ "-kernel -m 512", "-kernel: missing value" },
	{ K "-append", "-append: missing value" },
	{ K "-append -m 512", "-append: missing value" },
	{ K "-name", "-name: missing value" },
	{ K "-name \"\"", "-name: empty value" },
	{ K "-accel tcg", "-accel tcg: only kvm acceleration is supported" },
	{ K "-machine pc", "-machine pc: unknown machine type 'pc' (microvm, q35, virt, none)" },
	{ K "-machine microvm,accel=tcg", "only kvm acceleration" },
	{ K "-cpu max", "only the 'host' CPU model is supported" },
	{ K "-cpu host,pmu=maybe", "invalid boolean 'maybe' for 'pmu'" },
	{ K "-seccomp-fd -1", "-seccomp-fd -1: invalid file descriptor" },
	{ K "-seccomp-fd 2147483648", "invalid file descriptor" },
	{ K "-device isa-debug-exit,iobase=0x10000",
	  "'iobase' must be between 0 and 65535" },
	{ K "-device isa-debug-exit,iosize=2",
	  "-device: unknown key 'iosize'" },
	{ K "-device isa-debug-exit -device isa-debug-exit",
	  "only one isa-debug-exit device" },
	{ K "-device virtio-blk-device,queue-size=100", "power of 2" },
	{ K "-device virtio-blk-device,num-queues=33",
	  "'num-queues' must be between 1 and 32" },
	{ K "-global foo", "expected DRIVER.PROPERTY=VALUE" },
	{ K "-D \"\"", "-D: empty log file name" },
	{ K "-drive id="
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,"
	  "file=/d",
	  "id is longer than 255 characters" },
};

static void test_bad(void **state)
{
	struct vmm_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = run(bad[i].line, &cfg);

		if (ret == 0)
			fail_msg("'%s' was accepted", bad[i].line);
		if (!strstr(errbuf, bad[i].msg))
			fail_msg("'%s':\n  got  '%s'\n  want '%s'", bad[i].line,
				 errbuf, bad[i].msg);
		vmm_config_free(&cfg);
	}
	print_message("%zu bad command lines rejected\n",
		      sizeof(bad) / sizeof(bad[0]));
}

/* A tiny err buffer truncates but still terminates; NULL err is allowed. */
static void test_err_buffer(void **state)
{
	struct vmm_config cfg;
	char small[8];
	char a0[] = "sv", a1[] = "-m", a2[] = "0", a3[] = "1\nG";
	char *argv[] = { a0, a1, a2 };

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(vmm_config_parse(3, argv, &cfg, small, sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "-m 0: m");
	vmm_config_free(&cfg);
	assert_int_equal(vmm_config_parse(3, argv, &cfg, NULL, 0), -EINVAL);
	vmm_config_free(&cfg);
	vmm_config_free(NULL);
	/* control characters never split the line */
	argv[2] = a3;
	assert_int_equal(
		vmm_config_parse(3, argv, &cfg, errbuf, sizeof(errbuf)),
		-EINVAL);
	assert_null(strchr(errbuf, '\n'));
	vmm_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_microvm),
		cmocka_unit_test(test_seed_q35_kernel),
		cmocka_unit_test(test_seed_q35_raw),
		cmocka_unit_test(test_seed_std_direct),
		cmocka_unit_test(test_append_words),
		cmocka_unit_test(test_kata),
		cmocka_unit_test(test_smp_mem_forms),
		cmocka_unit_test(test_misc_options),
		cmocka_unit_test(test_q35_devices),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_err_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
