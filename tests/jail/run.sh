#!/bin/sh
# The jail on the emulated VMM: plan, apply, assert from the host, QMP
# under the seccomp filter, a forbidden syscall, bad input, fault injection
# on every step with nothing left behind. Needs root. Usage: run.sh [O]
. "$(dirname "$0")/../lib.sh"
O=${1:-build}
B=$(cd "$O" && pwd)
J=$B/tests/jail/jail_run
EMU=$B/tests/stratovirt-emu
QMPC=$B/tests/qmp_client
T=$(mktemp -d /tmp/svjail.XXXXXX)
NS=svjail$$
CG=svjailtest$$/vm
[ "$(id -u)" = 0 ] || { skip "jail: needs root"; summary jail; exit $?; }
ip netns add $NS || { fail "ip netns add"; summary jail; exit 1; }
trap 'ip netns del $NS; rm -rf $T; for d in /sys/fs/cgroup/*/svjailtest$$; do rmdir $d/vm $d/shim $d; done 2>/dev/null' EXIT
cp "$B/guests/svtest.bin" $T/k.bin
printf SVDISK01 > $T/d.img && truncate -s 1M $T/d.img && chmod 600 $T/d.img # root's: the jail passes an fd
mkdir -m 700 $T/state

cfg() { # CGROUPS_PATH NETNS -> $T/config.json
	cat > $T/config.json <<EOF
{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["/bin/sh"],"cwd":"/"},
 "linux":{"cgroupsPath":"$1","resources":{"memory":{"limit":268435456}},
  "namespaces":[{"type":"pid"},{"type":"mount"},{"type":"network","path":"$2"}]}}
EOF
}
cfg "/$CG" /run/netns/$NS

jail() { # MODE STATE ID [KERNEL]
	$J "$1" $T/config.json "$2" "$3" -- "$EMU" -m 128 -kernel "${4:-$T/k.bin}" \
		-append "console=ttyS0 svtest=${APPEND:-idle}" -drive "file=$T/d.img,id=d0" \
		-device virtio-blk-device,drive=d0,id=d0 -serial stdio \
		-qmp "unix:$2/qmp.sock,server,nowait"
}

clean() { # leftovers after a run: root dir, cgroup, processes
	[ ! -e $T/state/root ] && [ ! -e /sys/fs/cgroup/memory/$CG ] &&
		! pgrep -f "$T/k.bin" >/dev/null
}

# -- plan --
jail print $T/state t1 > $T/plan || fail "plan"
grep -q "pivot-root" $T/plan && grep -q "/run/netns/$NS" $T/plan &&
	pass "dry run prints the ordered plan" || fail "dry run: $(cat $T/plan)"
n=$($J count)
[ "$n" -le 45 ] && pass "seccomp allowlist: $n syscalls (<= 45)" || fail "allowlist $n"

# -- a jailed VM --
# The kernel's clock now: a seccomp kill record is looked for only after
# it (an older record of a reused pid is not this VMM's).
K0=$(cut -d' ' -f1 /proc/uptime)
jail exec $T/state t1 >$T/out 2>$T/err </dev/null
W=$(head -1 $T/out)
sleep 3
V=$(cat /proc/$W/task/$W/children 2>/dev/null | awk '{print $1}')
if [ -z "$V" ]; then
	fail "jailed VMM not running: $(cat $T/err)"
else
	S=/proc/$V/status
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -q "^$c:	0000000000000000" $S && pass "$c 0" || fail "$c: $(grep $c $S)"
	done
	grep -q "^NoNewPrivs:	1" $S && pass "NoNewPrivs 1" || fail "NoNewPrivs"
	grep -q "^Seccomp:	2" $S && pass "Seccomp 2" || fail "Seccomp"
	grep -q "^Uid:	65534" $S && grep -q "^Gid:	65534" $S &&
		pass "uid/gid 65534" || fail "ids: $(grep -E 'Uid|Gid' $S)"
	for n in mnt pid ipc uts; do
		[ "$(readlink /proc/$V/ns/$n)" != "$(readlink /proc/self/ns/$n)" ] &&
			pass "$n namespace is new" || fail "$n namespace shared"
	done
	[ "$(stat -L -c %i /proc/$V/ns/net)" = "$(stat -L -c %i /run/netns/$NS)" ] &&
		pass "net namespace is the one named" || fail "net namespace"
	r=$(ls /proc/$V/root | tr '\n' ' ') want="kernel lib lib64 run usr "
	[ -c /dev/kvm ] && want="dev $want"
	[ "$r" = "$want" ] && pass "root holds: $r" || fail "root holds: $r"
	if [ -c /dev/kvm ]; then
		k=$(stat -c '%F %t:%T %u %a' /proc/$V/root/dev/kvm)
		[ "$k" = "$(stat -c '%F %t:%T' /dev/kvm) 65534 600" ] &&
			pass "root/dev/kvm: its own node, owned by the jail uid" ||
			fail "root/dev/kvm: $k"
	fi
	[ "$(readlink /proc/$V/fd/100)" = "$T/d.img" ] &&
		grep -q "^flags:.*2$" /proc/$V/fdinfo/100 &&
		pass "root-owned rw disk (0600) passed as fd 100, O_RDWR" ||
		fail "disk fd: $(readlink /proc/$V/fd/100)"
	f=$(ls /proc/$V/fd | wc -l)
	[ "$f" -le 24 ] && pass "$f open fds" || fail "$f open fds: $(ls -l /proc/$V/fd)"
	grep -q "^$V$" /sys/fs/cgroup/memory/$CG/cgroup.procs &&
		[ "$(cat /sys/fs/cgroup/memory/$CG/memory.limit_in_bytes)" = 268435456 ] &&
		pass "cgroup v1 memory: placed, limit set" || fail "cgroup memory"
	for c in stop cont; do
		$QMPC $T/state/qmp.sock qmp_capabilities $c >$T/q 2>&1 &&
			grep -q return $T/q && pass "QMP $c under the filter" ||
			fail "QMP $c: $(cat $T/q)"
	done
	$QMPC $T/state/qmp.sock qmp_capabilities quit >$T/q 2>&1
	sleep 1
	kill -0 $V 2>/dev/null && fail "VMM still alive after quit" ||
		pass "QMP quit: VMM exits"
	dmesg 2>/dev/null | awk -v t="$K0" '{ s = $0; sub(/^\[ */, "", s);
		sub(/\].*/, "", s); if (s + 1 >= t) print }' |
		grep "type=1326.*pid=$V " &&
		fail "seccomp kill seen" ||
		pass "no seccomp kill during the run"
fi
$J cleanup $T/state && clean && pass "cleanup leaves nothing" || fail "leftovers"

# -- disk I/O through the passed fd, under the filter, as uid 65534 --
APPEND=blk jail exec $T/state t2 >$T/out 2>$T/err </dev/null
W=$(head -1 $T/out); i=0
while kill -0 "$W" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
grep -q '^TEST: PASS' $T/out && pass "jailed virtio-blk guest: reads, writes, flush" ||
	fail "jailed virtio-blk: $(tail -3 $T/out) $(cat $T/err)"
$J cleanup $T/state

# -- the VMM on /dev/kvm, jailed: opens its node as uid 65534 --
if [ -c /dev/kvm ]; then
	SOFT=$EMU EMU=$B/stratovirt
	APPEND=blk jail exec $T/state t3 >$T/out 2>$T/err </dev/null
	EMU=$SOFT
	W=$(head -1 $T/out); i=0
	while kill -0 "$W" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q '^TEST: PASS' $T/out &&
		pass "jailed VMM on /dev/kvm ($(stat -c %a /dev/kvm) on the host): virtio-blk guest passes" ||
		fail "jailed VMM on /dev/kvm: $(tail -3 $T/out) $(cat $T/err)"
	$J cleanup $T/state
else
	skip "jailed VMM on /dev/kvm: this host has none"
fi

# -- the shim: monitor and VMM in linux.cgroupsPath, undone by delete --
SH=$B/stratovirt-shim
SCG=svjailtest$$/shim
mkdir -p $T/sb && cp $T/k.bin $T/sb/k.bin && cp $T/d.img $T/sb/d.img
cat > $T/sb/config.json <<EOF
{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["console"],"cwd":"/"},
 "linux":{"cgroupsPath":"/$SCG","resources":{"memory":{"limit":201326592},
  "cpu":{"quota":50000,"period":100000}}},
 "annotations":{"org.stratovirt.bundle":"vm","org.stratovirt.kernel":"$T/sb/k.bin",
  "org.stratovirt.kernel_params":"console=ttyS0 svtest=idle",
  "org.stratovirt.rootfs_image":"$T/sb/d.img","org.stratovirt.memory_mib":"128"}}
EOF
SS() { STRATOVIRT_SHIM_VMM=$EMU STRATOVIRT_SHIM_CONFIG=/nonexistent $SH --root $T/sroot "$@"; }
if SS create -b $T/sb s1 </dev/null >/dev/null 2>$T/err; then # jailed: root's default
	M=$(SS state s1 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
	for h in memory cpu; do
		grep -q "^[0-9]*:$h:/$SCG\$" /proc/$M/cgroup &&
			grep -q "^$M\$" /sys/fs/cgroup/$h/$SCG/cgroup.procs &&
			pass "shim: monitor in $h:/$SCG" ||
			fail "shim: monitor cgroup: $(grep ":$h:" /proc/$M/cgroup)"
	done
	grep -q "^0::/$SCG\$" /proc/$M/cgroup && pass "shim: monitor in the v2 hierarchy" ||
		fail "shim: v2: $(grep '^0::' /proc/$M/cgroup)"
	V=$(awk '{print $1}' /proc/$M/task/$M/children)
	[ -n "$V" ] && grep -q "^$V\$" /sys/fs/cgroup/memory/$SCG/cgroup.procs &&
		pass "shim: VMM (jail waiter) in the same cgroup" || fail "shim: VMM $V not in it"
	R=$(awk '{print $1}' /proc/$V/task/$V/children 2>/dev/null)
	grep -q "^Uid:	65534" /proc/$R/status 2>/dev/null &&
		[ "$(readlink /proc/$R/fd/100)" = "$T/sb/d.img" ] &&
		pass "shim: jailed by default as root (uid 65534, disk as fd 100)" ||
		fail "shim: default jail: VMM $R"
	[ "$(cat /sys/fs/cgroup/memory/$SCG/memory.limit_in_bytes)" = 201326592 ] &&
		[ "$(cat /sys/fs/cgroup/cpu/$SCG/cpu.cfs_quota_us)" = 50000 ] &&
		pass "shim: memory and cpu limits set" || fail "shim: limits"
	SS delete -f s1 2>$T/err
	[ ! -e /sys/fs/cgroup/memory/$SCG ] && [ ! -e /sys/fs/cgroup/cpu/$SCG ] &&
		[ ! -e /sys/fs/cgroup/unified/$SCG ] && ! ps -o stat= -p $M | grep -qv Z &&
		pass "shim: delete removes the cgroup" || fail "shim: cgroup left: $(ls -d /sys/fs/cgroup/*/$SCG) $(cat $T/err)"
else
	fail "shim --jail create: $(cat $T/err)"
fi
SS --no-jail create -b $T/sb s2 </dev/null >/dev/null 2>$T/err
M=$(SS state s2 | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
V=$(awk '{print $1}' /proc/$M/task/$M/children 2>/dev/null)
grep -q "^Uid:	0" /proc/$V/status 2>/dev/null && ! grep -q "^jailed 1" $T/sroot/s2/* 2>/dev/null &&
	pass "shim: --no-jail opts out" || fail "shim: --no-jail: $(cat $T/err)"
SS delete -f s2
# a rootfs directory that leads out of the bundle is refused
mkdir -p $T/cb && ln -s / $T/cb/rootfs &&
	echo '{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/"}}' > $T/cb/config.json
SS create -b $T/cb c1 </dev/null >/dev/null 2>$T/err
grep -q "rootfs $T/cb/rootfs: resolves outside the bundle" $T/err && [ ! -e $T/sroot/c1 ] &&
	pass "shim: rootfs symlink out of the bundle refused" || fail "shim: rootfs escape: $(cat $T/err)"

# -- a forbidden syscall kills --
$J forbidden >/dev/null 2>&1
[ $? = 159 ] && pass "forbidden syscall: killed by SIGSYS" || fail "forbidden syscall not killed"

# -- bad input: clear error, nothing created --
bad() { # LABEL EXPECT STATE ID [KERNEL]
	jail print "$3" "$4" "$5" >/dev/null 2>$T/err
	grep -q "$2" $T/err && [ ! -e "$3/root" ] && pass "bad input: $1" ||
		fail "bad input: $1: $(cat $T/err)"
}
bad "id with /" "jail: validate: id" $T/state "a/b"
bad "id with .." "jail: validate: id" $T/state ".."
mkdir -p $T/real && ln -s $T/real $T/link && ln -s / $T/escape
bad "state dir symlink" "not canonical" $T/link t1
bad "kernel is a directory" "not a regular file" $T/state t1 $T
bad "kernel is a device" "not a regular file" $T/state t1 /dev/null
bad "kernel symlink escaping to /" "resolves outside the bundle" $T/state t1 $T/escape
OUT=$(mktemp /tmp/svjail-outside.XXXXXX); cp $T/k.bin $OUT; ln -s $OUT $T/out.bin
bad "kernel symlink to a file outside the bundle" "kernel $T/out.bin: resolves outside the bundle" \
	$T/state t1 $T/out.bin
ln -s k.bin $T/in.bin
jail print $T/state t1 $T/in.bin > /dev/null 2>$T/err && pass "symlink inside the bundle is fine" ||
	fail "symlink inside the bundle: $(cat $T/err)"
# a regular file when validated, a symlink out by the time it is mounted:
# the bind-mounts step opens it again, beneath, and mounts that fd
cp $T/k.bin $T/k2.bin
SV_TEST_AFTER_PLAN="ln -sf $OUT $T/k2.bin" jail exec $T/state t1 $T/k2.bin \
	>/dev/null 2>$T/err </dev/null
sleep 0.3
grep -q "jail: bind-mounts: $T/k2.bin: resolves outside the bundle" $T/err && clean &&
	pass "symlink swapped after validation: refused, nothing left" ||
	fail "symlink swapped after validation: $(cat $T/err)"
rm -f $OUT
cfg "/../../etc" /run/netns/$NS
bad "cgroupsPath outside" "outside the hierarchy" $T/state t1
cfg "/$CG" /run/netns/$NS

# -- fault injection: each step fails, names itself, leaves nothing --
for s in validate close-fds mkdir-root cgroup namespaces netns bind-mounts \
	 open-disks open-binary pivot-root rlimits drop-caps switch-ids verify-caps \
	 no-new-privs; do
	SV_JAIL_FAIL=$s jail exec $T/state t1 >/dev/null 2>$T/err </dev/null
	sleep 0.3
	grep -q "jail: $s: .*(injected)" $T/err && clean &&
		pass "step $s fails cleanly" || fail "step $s: $(cat $T/err)"
done
summary jail
