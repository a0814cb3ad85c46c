#!/bin/sh
# podman (4.3, runc-style runtime via conmon) driving stratovirt-shim with
# vm bundles of the test guest on the emulated-CPU VMM: console to stdout,
# exit codes (debug-exit), detached run, pause/unpause, stop (TERM =
# guest power-off, exit 0), kill (137), rm -f, and a broken kernel's error
# on stderr. Isolated: podman config, storage and --root in a temp dir.
# Skips without podman/runc/conmon/busybox. Ends with
# "shim-podman: N passed, N failed, N skipped".
#
#   tests/shim/podman.sh [O]
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh

O=${1:-build}
# shellcheck source=tests/shim/lib.sh
. tests/shim/lib.sh
need shim-podman podman conmon busybox

TMP=$(mktemp -d /tmp/sv-podman.XXXXXX)
export CONTAINERS_CONF="$TMP/containers.conf"
export CONTAINERS_STORAGE_CONF="$TMP/storage.conf"
P() { timeout -k 10 120 podman --runtime "$TMP/svshim" "$@"; }
Pq() { P "$@" > /dev/null; }
cleanup() {
	podman --runtime "$TMP/svshim" rm -a -f > /dev/null 2>&1
	"$SHIM" --root "$TMP/shimroot" list -q 2> /dev/null | while read -r id; do
		"$SHIM" --root "$TMP/shimroot" delete -f "$id"
	done
	# podman leaves vfs layers read-only and mounted nothing (vfs)
	chmod -R u+w "$TMP" 2> /dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

cat > "$TMP/containers.conf" <<EOF
[containers]
netns = "none"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat > "$TMP/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$TMP/graph"
runroot = "$TMP/run"
EOF
engine_wrappers "$TMP" --root "$TMP/shimroot"

mkdir -p "$TMP/bb/bin" "$TMP/bb/etc"
cp "$(command -v busybox)" "$TMP/bb/bin/busybox"
ln -s busybox "$TMP/bb/bin/true"
echo 'root:x:0:0:root:/root:/bin/sh' > "$TMP/bb/etc/passwd"
tar -C "$TMP/bb" -cf "$TMP/bb.tar" .
if ! podman import "$TMP/bb.tar" localhost/svbb:latest > /dev/null 2>&1; then
	skip "shim-podman: podman import failed (podman unusable here)"
	summary shim-podman
	exit 0
fi

# prun NAME PARAMS [PODMAN-RUN-OPTIONS...]: podman run of a vm bundle of
# the test guest (kernel command line PARAMS) with its own disk.
prun() {
	_name=$1
	_params=$2
	shift 2
	test_disk "$TMP/$_name.disk"
	P run --annotation org.stratovirt.bundle=vm \
		--annotation org.stratovirt.kernel="$KERNEL" \
		--annotation org.stratovirt.rootfs_image="$TMP/$_name.disk" \
		--annotation org.stratovirt.memory_mib=128 \
		--annotation org.stratovirt.kernel_params="console=ttyS0 $_params" \
		"$@" localhost/svbb true
}

prun hello svtest=hello --rm > "$TMP/hello.out" 2>&1
rc=$?
check "podman run: exit 0" [ $rc -eq 0 ]
check "podman run: guest console on stdout" grep -q "TEST: PASS" "$TMP/hello.out"

echo "-device isa-debug-exit,iobase=0x80" > "$TMP/vmm-extra"
prun pio svtest=pio --rm > /dev/null 2>&1
rc=$?
rm -f "$TMP/vmm-extra"
check "podman run: guest exit code 1 (got $rc)" [ $rc -eq 1 ]

prun d1 "svtest=count svcount.shift=14" -d --name d1 > /dev/null
check "podman run -d" [ $? -eq 0 ]
check "podman pause" Pq pause d1
check "podman ps: Paused" \
	sh -c "podman ps -a --format '{{.Names}} {{.Status}}' | grep -q 'd1 Paused'"
check "podman unpause" Pq unpause d1
sleep 1
check "podman logs: guest output" sh -c "podman logs d1 | grep -q tick"
check "podman stop: TERM powers off" Pq stop -t 10 d1
check "podman: exit code 0 after stop" \
	[ "$(podman inspect -f '{{.State.ExitCode}}' d1)" = 0 ]
check "podman rm" Pq rm d1

prun d2 svtest=idle -d --name d2 > /dev/null
P kill d2 > /dev/null
check "podman kill: exit 137" [ "$(P wait d2)" = 137 ]
prun d3 svtest=idle -d --name d3 > /dev/null
check "podman rm -f of a running container" Pq rm -f d3

prun bad svtest=hello --rm --annotation org.stratovirt.kernel="$TMP/nokernel" \
	> "$TMP/bad.out" 2>&1
rc=$?
check "podman: broken kernel fails (rc $rc)" [ $rc -ne 0 ]
check "podman: the shim's error on stderr" \
	grep -q "kernel $TMP/nokernel: No such file" "$TMP/bad.out"
check "shim root empty afterwards" \
	[ -z "$("$SHIM" --root "$TMP/shimroot" list -q)" ]
summary shim-podman
