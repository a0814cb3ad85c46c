#!/bin/sh
# containerd (1.6, ctr + containerd-shim-runc-v2) driving stratovirt-shim
# with vm bundles of the test guest on the emulated-CPU VMM: a control run
# with runc first (proves the harness), then console to stdout, the
# guest's exit code, run -d with task kill (TERM = guest power-off), task
# kill -s SIGKILL (137), task delete. containerd runs from a private config
# in a temp dir and is stopped by pid. Skips without containerd/ctr/runc.
# Ends with "shim-containerd: N passed, N failed, N skipped".
#
#   tests/shim/containerd.sh [O]
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh

O=${1:-build}
# shellcheck source=tests/shim/lib.sh
. tests/shim/lib.sh
need shim-containerd containerd ctr runc busybox

TMP=$(mktemp -d /tmp/sv-ctd.XXXXXX)
NS=svtest$$
C() { timeout -k 10 120 ctr --address "$TMP/containerd.sock" -n "$NS" "$@"; }
cleanup() {
	for id in $(C task ls -q 2> /dev/null); do
		C task kill -s SIGKILL "$id" > /dev/null 2>&1
		C task delete -f "$id" > /dev/null 2>&1
	done
	for id in $(C container ls -q 2> /dev/null); do
		C container rm "$id" > /dev/null 2>&1
	done
	[ -f "$TMP/containerd.pid" ] && kill "$(cat "$TMP/containerd.pid")" 2> /dev/null
	sleep 0.5
	umount -R "$TMP/root" 2> /dev/null
	# containerd's shim keeps the runtime's --root per namespace here.
	rmdir "/run/containerd/runc/$NS" 2> /dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

cat > "$TMP/config.toml" <<EOF
version = 2
root = "$TMP/root"
state = "$TMP/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$TMP/containerd.sock"
[ttrpc]
  address = "$TMP/containerd.sock.ttrpc"
[debug]
  address = "$TMP/debug.sock"
[metrics]
  address = ""
EOF
# containerd's shim passes its own --root to the runtime.
engine_wrappers "$TMP"
(setsid containerd --config "$TMP/config.toml" > "$TMP/containerd.log" 2>&1 &
	echo $! > "$TMP/containerd.pid")
i=0
while [ ! -S "$TMP/containerd.sock" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if ! C version > /dev/null 2>&1; then
	skip "shim-containerd: containerd did not start ($(tail -n 1 "$TMP/containerd.log"))"
	summary shim-containerd
	exit 0
fi

mkdir -p "$TMP/bb/bin" "$TMP/bb/etc" "$TMP/bb/proc" "$TMP/bb/dev" "$TMP/bb/sys"
cp "$(command -v busybox)" "$TMP/bb/bin/busybox"
for a in sh echo true; do ln -s busybox "$TMP/bb/bin/$a"; done

# Control: the same harness with runc and a plain process.
C run --rm --rootfs "$TMP/bb" ctl0 /bin/echo control-hi > "$TMP/ctl.out" 2>&1
check "control: ctr run with runc prints" grep -q control-hi "$TMP/ctl.out"
C run --rm --rootfs "$TMP/bb" ctl1 /bin/sh -c 'exit 7' > /dev/null 2>&1
rc=$?
check "control: runc exit code 7 (got $rc)" [ $rc -eq 7 ]

# crun NAME PARAMS [CTR-RUN-OPTIONS...]: ctr run of a vm bundle of the test
# guest (kernel command line PARAMS) through the shim, its own disk.
crun() {
	_name=$1
	_params=$2
	shift 2
	test_disk "$TMP/$_name.disk"
	C run --runc-binary "$TMP/svshim" --rootfs \
		--annotation org.stratovirt.bundle=vm \
		--annotation org.stratovirt.kernel="$KERNEL" \
		--annotation org.stratovirt.rootfs_image="$TMP/$_name.disk" \
		--annotation org.stratovirt.memory_mib=128 \
		--annotation org.stratovirt.kernel_params="console=ttyS0 $_params" \
		"$@" "$TMP/bb" "$_name" /bin/true
}

crun hello svtest=hello --rm > "$TMP/hello.out" 2>&1
rc=$?
check "ctr run: exit 0" [ $rc -eq 0 ]
check "ctr run: guest console on stdout" grep -q "TEST: PASS" "$TMP/hello.out"

echo "-device isa-debug-exit,iobase=0x80" > "$TMP/vmm-extra"
crun pio svtest=pio --rm > /dev/null 2>&1
rc=$?
rm -f "$TMP/vmm-extra"
check "ctr run: guest exit code 1 (got $rc)" [ $rc -eq 1 ]

crun d1 svtest=idle -d > /dev/null 2>&1
check "ctr run -d: task RUNNING" \
	sh -c "ctr --address '$TMP/containerd.sock' -n $NS task ls | grep -q 'd1.*RUNNING'"
check "ctr task pause" C task pause d1
check "ctr task ls: PAUSED" \
	sh -c "ctr --address '$TMP/containerd.sock' -n $NS task ls | grep -q 'd1.*PAUSED'"
check "ctr task resume" C task resume d1
C task kill d1 > /dev/null 2>&1
i=0
while C task ls 2> /dev/null | grep -q 'd1.*RUNNING' && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "ctr task kill (TERM): guest powered off, STOPPED" \
	sh -c "ctr --address '$TMP/containerd.sock' -n $NS task ls | grep -q 'd1.*STOPPED'"
check "ctr task delete" C task delete d1
C container rm d1 > /dev/null 2>&1

crun d2 svtest=idle -d > /dev/null 2>&1
C task kill -s SIGKILL d2 > /dev/null 2>&1
st=$(C task delete d2 2> /dev/null; C task ls 2> /dev/null | grep d2)
check "ctr task kill -s SIGKILL then delete: task gone" [ -z "$st" ]
C container rm d2 > /dev/null 2>&1

no_vmm() { ! pgrep -f "stratovirt-emu .*$TMP/" > /dev/null; }
check "no VMM left" no_vmm
summary shim-containerd
