#!/bin/bash
# Real container engines with our OCI runtime: podman (+conmon) and
# containerd (ctr, runc shim v2), each with private configs under a temp
# dir. Every case runs first with runc (control: proves the harness on
# this host), then with stratovirt-shim on vm bundles whose kernel is the
# svtest guest: on /dev/kvm with the real VMM (jailed by the shim), else
# on the emulated-CPU build.
#
# usage: tests/integration/test_engines.sh [O]   (O: build dir, default build)
# env:   SHIM=path (default O/stratovirt-shim),
#        SV_VMM=path (default O/stratovirt with /dev/kvm, else
#        O/tests/stratovirt-emu), ENGINES="podman ctr"
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=tests/integration/engines/common.sh
. "$ROOT/tests/integration/engines/common.sh"
# shellcheck source=tests/integration/engines/podman.sh
. "$ROOT/tests/integration/engines/podman.sh"
# shellcheck source=tests/integration/engines/containerd.sh
. "$ROOT/tests/integration/engines/containerd.sh"

O=${1:-${O:-build}}
case $O in /*) ;; *) O=$ROOT/$O ;; esac
ENGINES=${ENGINES:-podman ctr}
RUNC=$(command -v runc || true)
BUSYBOX=$(command -v busybox || echo /bin/busybox)
GUEST=$O/guests/svtest.bzImage
if [ -z "${SV_VMM:-}" ]; then
	SV_VMM=$O/tests/stratovirt-emu
	[ "$(kvm_kind)" != none ] && [ -x "$O/stratovirt" ] && SV_VMM=$O/stratovirt
fi
echo "engines: the shim's VMM is $SV_VMM (KVM: $(kvm_kind))"
if [ -z "${SHIM:-}" ]; then
	for SHIM in "$O/stratovirt-shim" ""; do
		[ -x "$SHIM" ] && break
	done
fi

if [ "$(id -u)" != 0 ]; then
	skip "engines: need root (rootful podman, containerd)"
	summary test_engines
	exit $?
fi
if [ -z "$RUNC" ] || ! "$BUSYBOX" true 2>/dev/null; then
	skip "engines: runc or busybox-static missing (apt-get install runc busybox-static)"
	summary test_engines
	exit $?
fi

T=$(mktemp -d /tmp/sve.XXXXXX) || exit 1
RUN_BEFORE=$(run_snapshot)

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
	local p left
	trap - EXIT INT TERM
	[ -n "${PM_ON:-}" ] && pm_cleanup
	ctd_stop
	for p in $(pids_under_tmp); do
		left="$left $p($(tr '\0' ' ' <"/proc/$p/cmdline" | head -c 60))"
		kill_pid "$p"
	done
	[ -n "${left:-}" ] && fail "cleanup: processes left behind:$left"
	# vfs layers may be read-only; podman's own rm has run already.
	chmod -R u+w "$T" 2>/dev/null
	rm -rf "$T"
	[ -e "$T" ] && fail "cleanup: $T not removed"
	# engines make empty dirs in /run even with private roots
	# (containerd-shim-runc-v2: /run/containerd/s; runc: /run/runc):
	# remove the ones that did not exist before, if empty.
	for p in $(comm -13 <(echo "$RUN_BEFORE") <(run_snapshot) | sort -r); do
		[ -d "$p" ] && rmdir "$p" 2>/dev/null
	done
	left=$(comm -13 <(echo "$RUN_BEFORE") <(run_snapshot) | tr '\n' ' ')
	if [ -n "$left" ]; then
		fail "cleanup: new entries in /run: $left"
	else
		pass "cleanup: nothing left in /run or $T"
	fi
	summary test_engines
	exit $?
}
trap cleanup EXIT
trap 'exit 1' INT TERM

engine_tree || { fail "temp tree and busybox rootfs under $T"; exit 1; }

SHIM_OK=""
if [ -z "$SHIM" ] || [ ! -x "$SHIM" ]; then
	SHIM_WHY="no stratovirt-shim binary (${SHIM:-$O/stratovirt-shim, build-shim/})"
elif [ ! -x "$SV_VMM" ] || [ ! -f "$GUEST" ]; then
	SHIM_WHY="no $SV_VMM or $GUEST (make $O/tests/stratovirt-emu guests)"
else
	make_wrapper "$T/bin/stratovirt-shim" "$SHIM" "$T/shim-calls.log"
	SHIM_OK=1
fi

for e in $ENGINES; do
	case $e in
	podman)
		if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
			skip "podman: not installed (apt-get install podman conmon)"
			continue
		fi
		PM_ON=1
		if ! pm_setup; then
			fail "podman: import of the busybox image: $(head -c 300 "$T/pm/import.log")"
			continue
		fi
		pm_control
		if [ -n "$SHIM_OK" ]; then
			pm_shim
		else
			skip "podman/shim: $SHIM_WHY"
		fi
		;;
	ctr)
		if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
			skip "ctr: not installed (apt-get install containerd)"
			continue
		fi
		if ! ctd_start; then
			fail "ctr: containerd did not come up: $(tail -c 300 "$T/ctd/containerd.log")"
			continue
		fi
		ct_control
		if [ -n "$SHIM_OK" ]; then
			ct_shim
		else
			skip "ctr/shim: $SHIM_WHY"
		fi
		;;
	*) fail "unknown engine '$e' in ENGINES" ;;
	esac
done
if [ -n "$SHIM_OK" ] && [ -n "${SV_KEEP_CALLS:-}" ]; then
	cp "$T/shim-calls.log" "$SV_KEEP_CALLS"
fi
exit 0
