#!/bin/sh
# Runs inside the guest as /etc/sv-test.sh of the check-linux rootfs
# (busybox sh). Checks what the kernel config promises and the boot set
# up, one "SV-TEST: ok|FAIL <what>" line each, then "SV-TEST: PASS" or
# "SV-TEST: FAIL (N)". tests/linux/run.sh looks for the last line.
fails=0

check() {
	what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "SV-TEST: ok   $what"
	else
		echo "SV-TEST: FAIL $what"
		fails=$((fails + 1))
	fi
}

has_fs() { grep -qw "$1" /proc/filesystems; }
mounted() { grep -q " $1 $2 " /proc/mounts; }

echo "SV-TEST: kernel $(uname -r), $(nproc) cpu(s)," \
	"clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "SV-TEST: cmdline $(cat /proc/cmdline)"
check "root file system is ext4, read-write" \
	grep -Eq '^[^ ]+ / ext4 rw' /proc/mounts
check "/dev/vda is a block device" test -b /dev/vda
check "the root file system takes a write" \
	sh -c 'echo probe >/root/probe && sync && rm /root/probe'
check "devtmpfs on /dev" mounted /dev devtmpfs
check "tmpfs on /tmp" mounted /tmp tmpfs
check "devpts on /dev/pts" mounted /dev/pts devpts
check "ttyS0 exists" test -c /dev/ttyS0
check "overlay and cgroup2 are built in" sh -c 'grep -qw overlay /proc/filesystems && grep -qw cgroup2 /proc/filesystems'
check "cgroup2 mounts with memory, pids, cpuset controllers" sh -c \
	'mount -t cgroup2 cgroup2 /sys/fs/cgroup &&
	 for c in memory pids cpuset cpu; do
		grep -qw $c /sys/fs/cgroup/cgroup.controllers || exit 1
	 done'
check "new mount, uts, ipc, net, pid, user namespaces" \
	unshare -m -u -i -n -p -U -f true
check "UNIX and INET sockets" sh -c 'test -e /proc/net/unix && test -e /proc/net/tcp'
check "loopback is up" sh -c 'ip link show lo | grep -q UP'
check "POSIX message queues" has_fs mqueue
check "ext4 and tmpfs registered" sh -c 'grep -qw ext4 /proc/filesystems && grep -qw tmpfs /proc/filesystems'
if [ "$fails" -eq 0 ]; then
	echo "SV-TEST: PASS"
else
	echo "SV-TEST: FAIL ($fails)"
fi
