#!/bin/bash
# make bench, engine rows: `podman run --rm` of a vm bundle whose kernel is
# the test guest, through stratovirt-shim (on /dev/kvm with the real VMM,
# else the emulated-CPU build), next to `podman run --rm IMG true` with
# runc; medians of RUNS interleaved runs after one warm-up each. Then Rss
# and Pss of the monitor and of the VMM of one idle vm bundle.
# Isolated podman configs under a temp dir (the helpers of test_engines.sh).
#
# usage: tests/bench/engines.sh [O] [RUNS]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=tests/integration/engines/common.sh
. "$ROOT/tests/integration/engines/common.sh"
# shellcheck source=tests/integration/engines/podman.sh
. "$ROOT/tests/integration/engines/podman.sh"

O=${1:-build}
case $O in /*) ;; *) O=$ROOT/$O ;; esac
RUNS=${2:-10}
RUNC=$(command -v runc || true)
BUSYBOX=$(command -v busybox || echo /bin/busybox)
GUEST=$O/guests/svtest.bzImage
SHIM=$O/stratovirt-shim
SV_VMM=$O/tests/stratovirt-emu
[ "$(kvm_kind)" != none ] && SV_VMM=$O/stratovirt

if [ "$(id -u)" != 0 ] || [ -z "$RUNC" ] || ! command -v podman >/dev/null ||
	[ ! -x "$SHIM" ] || [ ! -x "$SV_VMM" ] || [ ! -f "$GUEST" ]; then
	skip "engine bench: needs root, runc, podman, $SHIM, $SV_VMM and $GUEST"
	summary engines-bench
	exit $?
fi
T=$(mktemp -d /tmp/sveb.XXXXXX) || exit 1
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
	local p
	trap - EXIT INT TERM
	pm_cleanup
	for p in $(pids_under_tmp); do kill_pid "$p"; done
	chmod -R u+w "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

engine_tree || { fail "temp tree and busybox rootfs under $T"; exit 1; }
make_wrapper "$T/bin/stratovirt-shim" "$SHIM" "$T/shim-calls.log"
pm_setup || { fail "podman: image import"; exit 1; }
IMG=localhost/svbb:latest

now_ms() { date +%s%3N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }

# one RT ROOT ARGS...: ms for one `podman run --rm`, or nothing if it failed.
one() {
	local t0 rc
	PM_RT=$1 PM_RTROOT=$2
	shift 2
	t0=$(now_ms)
	pm run --rm "$@" >"$T/o.out" 2>"$T/o.err"
	rc=$?
	[ "$rc" = 0 ] && echo $(($(now_ms) - t0))
}

vm_anno svtest=hello
echo "engine bench: podman $(podman --version | awk '{print $3}'), runc vs stratovirt-shim (VMM $SV_VMM), $RUNS runs + 1 warm-up"
one "$RUNC" "$T/rr" "$IMG" true >/dev/null
one "$T/bin/stratovirt-shim" "$T/sr" "${VA[@]}" "$IMG" true >/dev/null
: >"$T/runc.ms"
: >"$T/shim.ms"
for _ in $(seq "$RUNS"); do
	one "$RUNC" "$T/rr" "$IMG" true >>"$T/runc.ms"
	one "$T/bin/stratovirt-shim" "$T/sr" "${VA[@]}" "$IMG" true >>"$T/shim.ms"
done
nr=$(wc -l <"$T/runc.ms") ns=$(wc -l <"$T/shim.ms")
r=$(median <"$T/runc.ms") s=$(median <"$T/shim.ms")
printf '%-46s %s ms (%s/%s ok)\n' "podman run --rm IMG true, runc" "$r" "$nr" "$RUNS"
printf '%-46s %s ms (%s/%s ok)\n' "podman run --rm vm bundle (test guest), shim" "$s" "$ns" "$RUNS"
if [ "$nr" = "$RUNS" ] && [ "$ns" = "$RUNS" ]; then
	pass "engine bench: every run exited 0"
else
	fail "engine bench: runc $nr/$RUNS, shim $ns/$RUNS ok: $(head -c 300 "$T/o.err")"
fi

# Own memory of one idle vm bundle: Pss of the monitor and of the VMM.
pss() { awk '/^(Rss|Pss):/ { printf "%s%s", (n++ ? "/" : ""), $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }
vm_anno svtest=idle
PM_RT=$T/bin/stratovirt-shim PM_RTROOT=$T/sr
pm run -d --name idle "${VA[@]}" "$IMG" true >"$T/o.out" 2>"$T/o.err"
sleep 2
mon=$(pm inspect --format '{{.State.Pid}}' idle 2>/dev/null)
vmm=
for c in $(pgrep -P "${mon:-0}"); do	# monitor -> (jail waiter ->) VMM
	for v in "$c" $(pgrep -P "$c"); do
		[ "$(cat "/proc/$v/comm" 2>/dev/null)" = "$(basename "$SV_VMM" | head -c 15)" ] && vmm=$v
	done
done
if [ -n "$mon" ] && [ "$mon" != 0 ] && [ -n "$vmm" ]; then
	printf '%-46s monitor %s KiB + VMM %s KiB (Rss/Pss)\n' "idle vm bundle, memory" \
		"$(pss "$mon")" "$(pss "$vmm")"
	pass "engine bench: idle vm bundle measured"
else
	fail "engine bench: idle vm bundle: monitor '$mon', VMM '$vmm': $(head -c 300 "$T/o.err")"
fi
pm rm -f -t 1 idle >/dev/null 2>&1
summary engines-bench
