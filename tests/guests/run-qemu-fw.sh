#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# svtest.fd (the test guest as a q35 flash image) under QEMU TCG: reset
# vector -> long mode -> svtest from flash to RAM, command line from the
# fw_cfg file opt/svtest/cmdline, ACPI from etc/table-loader.
# usage: tests/guests/run-qemu-fw.sh [BUILD_DIR]  (make check-guests-fw)
# Logs: BUILD_DIR/guests/qemu-fw-logs/<case>.log. Ends with the suite's
# "N passed, N failed, N skipped" line (tests/lib.sh).
O=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

QEMU=${QEMU:-qemu-system-x86_64}
FD=$O/guests/svtest.fd
LOG=$O/guests/qemu-fw-logs
FD_SIZE=262144
mkdir -p "$LOG" || exit 1

# fw NAME EXPECT CMDLINE [QEMU ARGS...]: boots svtest.fd with a fresh
# 128 KiB unit 1; EXPECT pass or fail (the test must report that).
fw() {
	name=$1 expect=$2 cmdline=$3
	shift 3
	log=$LOG/$name.log
	vars=$LOG/$name.vars
	rm -f "$vars"
	truncate -s 128K "$vars"
	timeout -k 2 30 "$QEMU" -M q35 -accel tcg -m 256m -smp 1 -nodefaults \
		-no-user-config -nographic -serial stdio -no-reboot \
		-drive if=pflash,format=raw,unit=0,readonly=on,file="$FD" \
		-drive if=pflash,format=raw,unit=1,file="$vars" \
		-fw_cfg name=opt/svtest/cmdline,string="$cmdline" "$@" \
		</dev/null 2>&1 | tr -d '\r' >"$log"
	rc=$?
	rm -f "$vars"
	res=$(grep -a '^TEST: ' "$log" | tail -n 1)
	case $expect:$res in
	pass:"TEST: PASS"|fail:"TEST: FAIL"*)
		if grep -aq '^info: fw: command line from opt/svtest/cmdline$' "$log"; then
			pass "svtest.fd $name: ${res#TEST: }"
			return 0
		fi
		res="command line not taken from opt/svtest/cmdline" ;;
	esac
	fail "svtest.fd $name: want $expect, got '${res:-no TEST line}' (rc $rc, log $log)"
	tail -n 8 "$log" | sed 's/^/    | /'
	return 1
}

if ! command -v "$QEMU" >/dev/null; then
	skip "svtest.fd under QEMU: $QEMU not installed"
	summary "check-guests-fw"
	exit $?
fi
sz=$(stat -c %s "$FD" 2>/dev/null)
vec=$(tail -c 16 "$FD" 2>/dev/null | od -An -tx1 -N1 | tr -d ' ')
if [ "$sz" = "$FD_SIZE" ] && [ "$vec" = e9 ]; then
	pass "svtest.fd: $sz bytes, reset vector (jmp rel16) in the last 16 bytes"
else
	fail "svtest.fd: size '$sz' (want $FD_SIZE), last 16 bytes start '$vec' (want e9)"
fi

t0=$(date +%s)
if fw hello pass "svtest=hello" -trace 'pflash_io_write'; then
	# The CPU sets accessed bits in a GDT it uses: ours has them preset,
	# so nothing is written to the read-only unit 0.
	n=$(grep -ac 'pflash_io_write system.flash0' "$LOG/hello.log")
	if [ "$n" = 0 ]; then
		pass "svtest.fd hello: no write cycles to unit 0 on the way"
	else
		fail "svtest.fd hello: $n write cycles to unit 0 (GDT accessed bits?)"
	fi
fi
fw fwcfg pass "svtest=fwcfg"
fw acpi pass "svtest=acpi"
fw acpi-smp2 pass "svtest=acpi svcpus=2" -smp 2
fw acpi-wrong-cpus fail "svtest=acpi svcpus=3"
fw pflash pass "svtest=pflash svflash0=$FD_SIZE"
fw boot pass "svtest=boot svmem=256 svmagic=abc123"
fw no-test fail "svmem=256"
echo "check-guests-fw: $(($(date +%s) - t0)) s of QEMU"
summary "check-guests-fw"
