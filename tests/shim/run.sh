#!/bin/sh
# stratovirt-shim end to end: the real binary with vm bundles whose kernel
# is the test guest (tests/guests), on the emulated-CPU VMM (this host has
# no /dev/kvm), plus the container-bundle path up to the planned argv and
# the rootfs image (a Linux guest cannot run here).
#
#   tests/shim/run.sh [O]      (needs O/stratovirt-shim,
#                               O/tests/stratovirt-emu, O/guests/svtest.bzImage)
#
# Every run uses its own --root in a temp dir. Ends with
# "shim: N passed, N failed, N skipped".
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh

O=${1:-build}
# shellcheck source=tests/shim/lib.sh
. tests/shim/lib.sh
need shim

TMP=$(mktemp -d /tmp/sv-shim.XXXXXX)
ROOT=$TMP/root
export STRATOVIRT_SHIM_VMM="$EMU"
export STRATOVIRT_SHIM_CONFIG="$TMP/no-such-config.json"
S() { "$SHIM" --root "$ROOT" "$@"; }

cleanup() {
	for d in "$ROOT"/*/; do
		[ -d "$d" ] && S delete --force "$(basename "$d")" > /dev/null 2>&1
	done
	for p in $BGPIDS; do kill -9 "$p" 2> /dev/null; done
	rm -rf "$TMP"
}
BGPIDS=
trap cleanup EXIT
[ -n "$SV_KEEP_TMP" ] && trap - EXIT

test_disk "$TMP/disk"

# bundle NAME PARAMS [EXTRA-ANNOTATIONS-JSON]: a vm bundle in $TMP/NAME
# with its own disk (the VMM locks its images).
bundle() {
	mkdir -p "$TMP/$1"
	cp "$TMP/disk" "$TMP/$1.disk"
	cat > "$TMP/$1/config.json" <<EOF
{"ociVersion":"1.0.2","root":{"path":"rootfs"},
 "process":{"args":["console"],"cwd":"/"},
 "annotations":{"org.stratovirt.bundle":"vm",
  "org.stratovirt.kernel":"$KERNEL",
  "org.stratovirt.kernel_params":"console=ttyS0 $2",
  "org.stratovirt.rootfs_image":"$TMP/$1.disk",
  "org.stratovirt.memory_mib":"128"$3}}
EOF
}

# status ID: the status field of `state` (or "none").
status() {
	S state "$1" 2> /dev/null | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p' |
		grep . || echo none
}

# wait_status ID STATUS [TENTHS]: poll until state shows STATUS.
wait_status() {
	_i=0
	while [ "$(status "$1")" != "$2" ] && [ $_i -lt "${3:-100}" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(status "$1")" = "$2" ]
}

# wait_grep FILE PATTERN [TENTHS]
wait_grep() {
	_i=0
	while ! grep -q "$2" "$1" 2> /dev/null && [ $_i -lt "${3:-100}" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -q "$2" "$1" 2> /dev/null
}

# root_empty: nothing but the image cache left under --root.
root_empty() {
	for _f in "$ROOT"/* "$ROOT"/.[!.]*; do
		[ -e "$_f" ] && [ "${_f##*/}" != .images ] && return 1
	done
	return 0
}

# no_vmm_for ID: no process has this root's ID state dir in its argv.
no_vmm_for() {
	! pgrep -f "$ROOT/$1/qmp.sock" > /dev/null
}

# refuse NAME CMD...: CMD must fail with one line on stderr.
refuse() {
	_n=$1
	shift
	if "$@" > "$TMP/refuse.out" 2> "$TMP/refuse.err"; then
		fail "$_n: succeeded"
	elif [ "$(wc -l < "$TMP/refuse.err")" -ne 1 ]; then
		fail "$_n: stderr is not one line"
		sed 's/^/    | /' "$TMP/refuse.err"
	else
		pass "$_n: $(cat "$TMP/refuse.err")"
	fi
}

# shellcheck source=tests/shim/cases.sh
. tests/shim/cases.sh

# shellcheck source=tests/shim/q35.sh
. tests/shim/q35.sh

run_cases
t_q35
summary shim
