// SPDX-License-Identifier: MIT
/*
 * sv-agent system duties. In the VM (PID 1): mount /dev /proc /sys, read
 * the kernel command line (sv.root=/dev/vda, sv.rootfstype=ext4,
 * sv.port=sv.agent, sv.debug), mount the root disk at /rootfs, find the
 * virtio-serial port and, at the end, power off. In both modes: the
 * container's hostname and mounts, relative to the container root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "contrib/agent/agent.h"

#define VM_ROOT "/rootfs"
#define WAIT_DEV_MS 10000

static int read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

/* Copy the value of key=... from the command line into out. */
static void cmdline_get(const char *cmdline, const char *key, char *out,
			size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = cmdline; p && *p; p = strchr(p, ' ')) {
		size_t n;

		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) || p[klen] != '=')
			continue;
		p += klen + 1;
		n = strcspn(p, " ");
		if (n < size) {
			memcpy(out, p, n);
			out[n] = '\0';
		}
		return;
	}
}

static void mount_base(void)
{
	int fd;

	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd >= 0) {
		for (int i = 0; i < 3; i++)
			dup2(fd, i);
		if (fd > 2)
			close(fd);
	}
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mkdir("/dev/pts", 0755);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0 ||
	    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		agent_log("mount /proc, /sys: %m");
	if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666") < 0)
		agent_log("mount /dev/pts: %m");
}

/* A bare "ro" on the command line: the root disk is read-only (the plan
 * says so for root.readonly, and the VMM's drive then refuses writes). */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t wlen = strlen(word);

	for (const char *p = cmdline; p && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, word, wlen) && (p[wlen] == ' ' || !p[wlen]))
			return true;
	}
	return false;
}

static int mount_root_disk(const char *dev, const char *fstype, bool ro)
{
	unsigned long fl = ro ? MS_RDONLY : 0;
	struct stat st;
	int waited = 0, err;

	while (stat(dev, &st) < 0 && waited < WAIT_DEV_MS) {
		usleep(50 * 1000);
		waited += 50;
	}
	mkdir(VM_ROOT, 0755);
	if (mount(dev, VM_ROOT, fstype, fl, NULL) == 0)
		return 0;
	/* A write-protected disk refuses a read-write mount: take it
	 * read-only rather than fail the container. */
	if (!ro && (errno == EACCES || errno == EROFS)) {
		agent_log("%s is read-only, mounting it so", dev);
		if (mount(dev, VM_ROOT, fstype, MS_RDONLY, NULL) == 0)
			return 0;
	}
	err = errno;
	agent_log("mount %s (%s) on " VM_ROOT ": %s", dev, fstype,
		  strerror(err));
	return -err;
}

int sys_vm_init(struct agent *a, char *port, size_t port_len)
{
	char cmdline[4096] = "", dev[128] = "/dev/vda", fstype[32] = "ext4";

	mount_base();
	if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		agent_log("/proc/cmdline: %m");
	cmdline_get(cmdline, "sv.root", dev, sizeof(dev));
	cmdline_get(cmdline, "sv.rootfstype", fstype, sizeof(fstype));
	snprintf(port, port_len, "sv.agent");
	cmdline_get(cmdline, "sv.port", port, port_len);
	a->debug = strstr(cmdline, "sv.debug") != NULL;
	a->root = VM_ROOT;
	return mount_root_disk(dev, fstype, cmdline_has(cmdline, "ro"));
}

/* The /dev node of the port named `name`, else the first port there is. */
static int find_port(const char *name, char *path, size_t size)
{
	char file[PATH_MAX], pname[128];
	struct dirent *de;
	DIR *d;
	int found = 0;

	d = opendir("/sys/class/virtio-ports");
	if (!d)
		return -ENOENT;
	while ((de = readdir(d)) && found < 2) {
		if (strncmp(de->d_name, "vport", 5))
			continue;
		snprintf(file, sizeof(file), "/sys/class/virtio-ports/%s/name",
			 de->d_name);
		if (read_file(file, pname, sizeof(pname)) < 0)
			pname[0] = '\0';
		if (!strcmp(pname, name) || !found) {
			snprintf(path, size, "/dev/%s", de->d_name);
			found = strcmp(pname, name) ? 1 : 2;
		}
	}
	closedir(d);
	return found ? 0 : -ENOENT;
}

int sys_open_port(const char *name)
{
	char path[PATH_MAX];
	int waited = 0, fd;

	snprintf(path, sizeof(path), "/dev/virtio-ports/%s", name);
	while (access(path, F_OK) < 0 && find_port(name, path, sizeof(path)) &&
	       waited < WAIT_DEV_MS) {
		usleep(50 * 1000);
		waited += 50;
		snprintf(path, sizeof(path), "/dev/virtio-ports/%s", name);
	}
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fd = -errno;
		agent_log("open channel %s: %m", path);
	}
	return fd;
}

/* mkdir -p for the parents of path; then the target itself as a
 * directory, or as an empty file for a bind mount of a file. */
static int make_target(const char *path, const char *source, bool bind)
{
	char tmp[PATH_MAX];
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	strcpy(tmp, path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (bind && stat(source, &st) == 0 && !S_ISDIR(st.st_mode)) {
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* The flags a bind remount sets per mount. */
#define MNT_FLAGS                                                    \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | \
	 MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

static int do_mount(const char *root, const struct agent_mount *m)
{
	bool bind = !strcmp(m->type, "bind") || (m->flags & MS_BIND);
	unsigned long fl = m->flags;
	char target[PATH_MAX];
	int ret;

	if (m->target[0] != '/' || strstr(m->target, "/../") ||
	    snprintf(target, sizeof(target), "%s%s", root, m->target) >=
		    (int)sizeof(target))
		return -EINVAL;
	ret = make_target(target, m->source, bind);
	if (ret < 0)
		return ret;
	if (bind)
		fl |= MS_BIND;
	if (mount(m->source, target, bind ? NULL : m->type, fl & ~MS_RDONLY,
		  m->data[0] ? m->data : NULL) < 0)
		return -errno;
	/* Read-only is made on this mount only (MS_BIND): a remount of the
	 * superblock would change every other mount of that file system
	 * (the agent's own /proc, /sys) and fails with EBUSY while one of
	 * them has writers. */
	if ((fl & MS_RDONLY) &&
	    mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | (fl & MNT_FLAGS),
		  NULL) < 0)
		return -errno;
	return 0;
}

int sys_setup_root(struct agent *a, const struct agent_spec *spec)
{
	int ret;

	if (spec->hostname &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return -errno;
	for (unsigned int i = 0; i < spec->nmounts; i++) {
		ret = do_mount(a->root, &spec->mounts[i]);
		if (ret < 0) {
			agent_log("mount %s on %s: %s", spec->mounts[i].type,
				  spec->mounts[i].target, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void sys_poweroff(struct agent *a)
{
	agent_dbg(a, "power off");
	sync();
	umount2(VM_ROOT, MNT_DETACH);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
