#!/bin/sh
# The VMM's built-in seccomp filter (vmm/sandbox/): on by default, KILL on
# a forbidden syscall (vCPU threads included, TSYNC), STRATOVIRT_SECCOMP=log
# logs instead, -disable-seccomp turns it off, at most 45 syscalls, every
# one with its reason.
#   sh tests/jail/seccomp.sh [O]   (needs $O/tests/jail/forbidden,
#   $O/tests/stratovirt-emu, $O/tests/qmp_client, $O/guests/svtest.bin)
# Ends with "seccomp: N passed, N failed, N skipped".
O=${1:-build}
. tests/lib.sh
FB=$O/tests/jail/forbidden
VMM=$O/tests/stratovirt-emu
QC=$O/tests/qmp_client
TMP=$(mktemp -d /tmp/sv-seccomp.XXXXXX)
PID=
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT

# expect_rc NAME WANT CMD...: runs CMD, compares its exit status.
expect_rc() {
	name=$1; want=$2; shift 2
	"$@" > "$TMP/out" 2>&1
	rc=$?
	if [ "$rc" = "$want" ]; then pass "$name"
	else fail "$name (exit $rc, want $want)"; sed 's/^/    | /' "$TMP/out"; fi
}

filter_tests() {
	expect_rc "allowed calls and a new thread run under the filter" 0 "$FB" allowed
	expect_rc "forbidden syscall (getppid) kills with SIGSYS" 159 env STRATOVIRT_SECCOMP=kill "$FB" main
	expect_rc "forbidden syscall in a thread started before the filter kills (TSYNC)" 159 \
		env STRATOVIRT_SECCOMP=kill "$FB" thread
	expect_rc "STRATOVIRT_SECCOMP=log: forbidden syscall is logged, not killed" 0 \
		env STRATOVIRT_SECCOMP=log "$FB" main
	expect_rc "STRATOVIRT_SECCOMP=bogus is refused" 2 env STRATOVIRT_SECCOMP=bogus "$FB" allowed
	expect_rc "ioctl with a request not on the list (KVM_CREATE_VM) kills" 159 \
		env STRATOVIRT_SECCOMP=kill "$FB" ioctl
	expect_rc "ioctl requests on the list (KVM_RUN, TCSETS) pass the filter" 0 \
		env STRATOVIRT_SECCOMP=kill "$FB" ioctl-ok
	# A guest writing pflash vars (OVMF does at every boot) under the filter.
	dd if=/dev/zero bs=4096 count=1 2>/dev/null | tr '\0' '\377' > "$TMP/vars.fd"
	expect_rc "pflash program + erase (vars persisted) run under the filter" 0 \
		env STRATOVIRT_SECCOMP=kill "$FB" pflash "$TMP/vars.fd"
	if [ "$(od -An -tx1 -j 8 -N1 "$TMP/vars.fd")" = " 5a" ]; then
		pass "pflash: the programmed byte reached the vars file"
	else
		fail "pflash: vars file byte 8 is$(od -An -tx1 -j 8 -N1 "$TMP/vars.fd")"
	fi
	n=$("$FB" allowed | sed -n 's/^filter: \([0-9]*\) syscalls$/\1/p')
	if [ -n "$n" ] && [ "$n" -le 45 ]; then pass "allowlist has $n syscalls (<= 45; StratoVirt microvm: 67)"
	else fail "allowlist has '${n:-?}' syscalls, want <= 45"; fi
	bad=$(grep -E '^[[:space:]]*"[a-z0-9_]+",' vmm/sandbox/allowlist.c | grep -vc '/\* .* \*/')
	[ "$bad" = 0 ] && pass "every allowed syscall says why" || fail "$bad allowlist lines without a comment"
	ni=$("$FB" allowed | sed -n 's/^filter: \([0-9]*\) ioctl requests$/\1/p')
	nl=$(grep -cE '^[[:space:]]*IOC\([A-Z0-9_]+\), /\* .* \*/' vmm/sandbox/allowlist.c)
	[ -n "$ni" ] && [ "$ni" -gt 0 ] && [ "$ni" = "$nl" ] &&
		pass "$ni ioctl requests, every one says why" ||
		fail "ioctl requests: filter '${ni:-?}', commented entries $nl"
}

# start VM-NAME EXTRA...: the emu VMM frozen (-S) with a QMP socket.
start() {
	name=$1; shift
	"$VMM" -machine microvm -kernel "$O/guests/svtest.bin" -m 128 -S \
		-append "console=ttyS0 svtest=count svcount.shift=14" \
		-qmp "unix:$TMP/$name.sock,server,nowait" -serial stdio "$@" \
		< /dev/null > "$TMP/$name.out" 2> "$TMP/$name.err" &
	PID=$!
	i=0
	while [ $i -lt 100 ] && [ ! -S "$TMP/$name.sock" ]; do sleep 0.1; i=$((i + 1)); done
	sleep 0.3 # the socket appears before the filter goes on
}

status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

vmm_tests() {
	start on
	s=$(status_field "$PID" Seccomp); nnp=$(status_field "$PID" NoNewPrivs)
	[ "$s" = 2 ] && [ "$nnp" = 1 ] && pass "VMM run by hand is filtered (Seccomp 2, NoNewPrivs 1)" \
		|| fail "VMM by hand: Seccomp '$s' NoNewPrivs '$nnp', want 2 and 1"
	"$QC" -t 10 -q -N "$TMP/on.sock" cont > /dev/null 2>&1
	sleep 1
	"$QC" -t 10 -q -N "$TMP/on.sock" stop cont query-status > "$TMP/q" 2>&1
	grep -q '"running":true' "$TMP/q" && pass "stop/cont under the filter" || fail "stop/cont under the filter"
	"$QC" -t 10 -q -N "$TMP/on.sock" quit > /dev/null 2>&1
	wait "$PID"; rc=$?; PID=
	[ "$rc" = 0 ] && grep -q '^tick ' "$TMP/on.out" && pass "guest ran and quit exits 0 under the filter" \
		|| { fail "VMM under the filter: exit $rc"; tail -n 3 "$TMP/on.err" | sed 's/^/    | /'; }
	printf 'SVDISK01' > "$TMP/blk.img"; truncate -s 1M "$TMP/blk.img"
	STRATOVIRT_SECCOMP=kill timeout 60 "$VMM" -machine microvm -m 128 \
		-kernel "$O/guests/svtest.bin" -append "console=ttyS0 svtest=blk" \
		-drive "file=$TMP/blk.img,id=d0" -device virtio-blk-device,drive=d0,id=d0 \
		-serial stdio < /dev/null > "$TMP/blk.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] && grep -q '^TEST: PASS' "$TMP/blk.out" &&
		pass "virtio-blk reads, writes and flushes under the filter" ||
		{ fail "virtio-blk under the filter: exit $rc"; tail -n 3 "$TMP/blk.out" | sed 's/^/    | /'; }
	# stdio on a tty: the VMM restores the tty mode (TCSETS) at exit
	STRATOVIRT_SECCOMP=kill script -qec "timeout --foreground 60 $VMM -machine microvm -m 128 \
		-kernel $O/guests/svtest.bin -append 'console=ttyS0 svtest=hello' \
		-serial stdio" /dev/null < /dev/null > "$TMP/tty.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] && grep -q 'TEST: PASS' "$TMP/tty.out" &&
		pass "stdio on a tty: raw mode and its restore (TCSETS) under the filter" ||
		{ fail "stdio on a tty under the filter: exit $rc"; tail -n 3 "$TMP/tty.out" | sed 's/^/    | /'; }
	start off -disable-seccomp
	s=$(status_field "$PID" Seccomp)
	[ "$s" = 0 ] && pass "-disable-seccomp: no filter" || fail "-disable-seccomp: Seccomp '$s'"
	kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
}

# probe NAME WANT-RC VMM-FLAG ENV...: the emu VMM with the preload that
# makes a forbidden call once the filter is on; 124 = still alive.
probe() {
	name=$1; want=$2; flag=$3; shift 3
	env SV_TEST_FORBIDDEN=1 LD_PRELOAD="$PL" "$@" timeout 5 "$VMM" \
		-machine microvm -kernel "$O/guests/svtest.bin" -S \
		-append "console=ttyS0 svtest=count" -serial stdio \
		${flag:+"$flag"} < /dev/null > /dev/null 2> "$TMP/probe.err"
	rc=$?
	[ "$rc" = "$want" ] && pass "$name" || { fail "$name (exit $rc, want $want)"; tail -n 3 "$TMP/probe.err" | sed 's/^/    | /'; }
}

vmm_kill_tests() {
	PL=$(realpath "$O/tests/jail/forbidden_preload.so")
	probe "forbidden syscall inside the VMM kills it with SIGSYS" 159 "" STRATOVIRT_SECCOMP=kill
	probe "forbidden ioctl request (KVM_CREATE_VM) inside the VMM kills it" 159 "" \
		STRATOVIRT_SECCOMP=kill SV_TEST_FORBIDDEN=ioctl
	probe "STRATOVIRT_SECCOMP=log: the VMM lives on" 124 "" STRATOVIRT_SECCOMP=log
	grep -q "forbidden: survived" "$TMP/probe.err" && pass "log mode: the forbidden call returned" \
		|| fail "log mode: the probe did not run"
	probe "-disable-seccomp: the VMM lives on" 124 -disable-seccomp
}

if [ -x "$FB" ]; then filter_tests; else fail "$FB not built"; fi
if [ -x "$VMM" ] && [ -x "$QC" ] && [ -r "$O/guests/svtest.bin" ]; then vmm_tests
	if [ -r "$O/tests/jail/forbidden_preload.so" ]; then vmm_kill_tests
	else fail "$O/tests/jail/forbidden_preload.so not built"; fi
else skip "emu VMM, qmp_client or svtest.bin not built"; fi
summary seccomp
