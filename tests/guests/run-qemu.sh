#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every svtest guest test under QEMU TCG, the differential reference.
# usage: tests/guests/run-qemu.sh [BUILD_DIR]   (after `make guests`)
# Logs: BUILD_DIR/guests/qemu-logs/<image>-<case>.log (carriage returns
# stripped).  Ends with "N passed, N failed, N skipped".
set -u

O=${1:-build}
G=$O/guests
LOG=$G/qemu-logs
QEMU=${QEMU:-qemu-system-x86_64}
MEM=256
STAMP=c0ffee42
pass=0
fail=0
skip=0
skipping=""
PRE=""		# svchain= prefix of the command line
XDEV=""		# -device loader,... for the svchain suites

if ! command -v "$QEMU" >/dev/null 2>&1; then
	skipping="$QEMU not found"
	echo "SKIP: $skipping: every svtest QEMU case is skipped" >&2
fi
if ! command -v timeout >/dev/null 2>&1; then
	skipping="timeout(1) not found"
	echo "SKIP: $skipping" >&2
fi

new_disk() {
	dd if=/dev/zero of="$1" bs=1024 count=1024 2>/dev/null &&
		printf '%s' "${2-SVDISK01}" | dd of="$1" conv=notrunc 2>/dev/null
}

sector1() {
	dd if="$1" bs=512 skip=1 count=1 2>/dev/null | head -c 24
}

ok() {
	pass=$((pass + 1))
	echo "PASS $1"
}

bad() {
	fail=$((fail + 1))
	echo "FAIL $1: $2"
	[ -f "$LOG/$1.log" ] && sed 's/^/    | /' "$LOG/$1.log" | tail -n 8
}

# run NAME IMAGE EXPECT APPEND [QEMU ARGS...]
# EXPECT: pass, fail (a negative test), or exit:<line> (the line is printed
# and QEMU ends by itself), or tick (runs 3 s, needs "tick 2").
run() {
	name=$1 img=$2 expect=$3 append=$4
	shift 4
	if [ -n "$skipping" ]; then
		skip=$((skip + 1))
		echo "SKIP $name ($skipping)"
		return
	fi
	if [ ! -f "$img" ]; then
		bad "$name" "missing $img (run make guests)"
		return
	fi
	limit=60
	[ "$expect" = tick ] && limit=3
	timeout "$limit" "$QEMU" -M microvm,acpi=off,rtc=off -accel tcg \
		-m "$MEM" -smp 2 -nodefaults -no-user-config -nographic \
		-serial stdio -no-reboot \
		-global virtio-mmio.force-legacy=false \
		-kernel "$img" -append "console=ttyS0 $PRE$append" \
		${XDEV:+-device} ${XDEV:+"$XDEV"} "$@" \
		</dev/null 2>&1 | tr -d '\r' >"$LOG/$name.log"
	out=$LOG/$name.log
	hung=0
	grep -q "^qemu-system-x86_64: terminating on signal" "$out" && hung=1
	case $expect in
	pass)
		if grep -q '^TEST: PASS$' "$out" && ! grep -q '^TEST: FAIL' "$out"; then
			ok "$name"
		else
			bad "$name" "no TEST: PASS"
		fi ;;
	fail)
		if grep -q '^TEST: FAIL' "$out" && ! grep -q '^TEST: PASS' "$out"; then
			ok "$name"
		else
			bad "$name" "expected TEST: FAIL (negative test)"
		fi ;;
	exit:*)
		if grep -qx "${expect#exit:}" "$out" && [ $hung = 0 ] &&
		    [ "$(wc -l <"$out")" -lt 50 ]; then
			ok "$name"
		else
			bad "$name" "expected '${expect#exit:}' and QEMU to exit"
		fi ;;
	tick)
		if grep -q '^tick 2$' "$out"; then
			ok "$name"
		else
			bad "$name" "no 'tick 2' within ${limit}s"
		fi ;;
	esac
}

suite() {
	img=$1 tag=$2
	ini=$G/qemu-initrd.img
	disk=$G/qemu-disk-$tag.img
	c=$tag
	run "$c-hello" "$img" pass "svtest=hello"
	run "$c-boot" "$img" pass "svtest=boot svmem=$MEM svmagic=abc123"
	"$G/mkinitrd" "$ini" 200000 || bad "$c-mkinitrd" "mkinitrd failed"
	run "$c-boot-initrd" "$img" pass \
		"svtest=boot svmem=$MEM svmagic=abc123 svinitrd=200000" -initrd "$ini"
	run "$c-boot-neg-mem" "$img" fail "svtest=boot svmem=512 svmagic=abc123"
	run "$c-boot-neg-magic" "$img" fail "svtest=boot svmem=$MEM svmagic=abc124"
	run "$c-boot-neg-initrd" "$img" fail \
		"svtest=boot svmem=$MEM svmagic=abc123 svinitrd=200001" -initrd "$ini"
	run "$c-mptable" "$img" pass "svtest=mptable svcpus=2 svmp.isa=15"
	run "$c-mptable-neg" "$img" fail "svtest=mptable svcpus=3 svmp.isa=15"
	run "$c-smp" "$img" pass "svtest=smp svcpus=2 svmp.isa=15"
	new_disk "$disk"
	run "$c-blk" "$img" pass \
		"svtest=blk svblk.stamp=$STAMP svblk.serial=sv-serial-1" \
		-drive "id=d0,file=$disk,format=raw,if=none" \
		-device virtio-blk-device,drive=d0,serial=sv-serial-1
	if [ -n "$skipping" ]; then
		skip=$((skip + 1))
	elif [ "$(sector1 "$disk")" = "SVWRITE!00000000$STAMP" ]; then
		ok "$c-blk-disk"
	else
		bad "$c-blk-disk" "sector 1 of the disk is '$(sector1 "$disk")'"
	fi
	new_disk "$disk"
	run "$c-blk-ro" "$img" pass "svtest=blk svblk.ro=1 svblk.stamp=$STAMP" \
		-drive "id=d0,file=$disk,format=raw,if=none,readonly=on" \
		-device virtio-blk-device,drive=d0
	z=$(od -An -tx1 -v -j 512 -N 512 "$disk" | tr -d ' \n0')
	if [ -n "$skipping" ]; then
		skip=$((skip + 1))
	elif [ -z "$z" ]; then
		ok "$c-blk-ro-disk"
	else
		bad "$c-blk-ro-disk" "read-only disk sector 1 changed"
	fi
	new_disk "$disk" "NOTADISK"
	run "$c-blk-neg" "$img" fail "svtest=blk" \
		-drive "id=d0,file=$disk,format=raw,if=none" \
		-device virtio-blk-device,drive=d0
	new_disk "$disk"
	run "$c-scribble" "$img" pass "svtest=scribble" \
		-drive "id=d0,file=$disk,format=raw,if=none" \
		-device virtio-blk-device,drive=d0
	run "$c-reboot" "$img" "exit:svtest: i8042 reset" "svtest=reboot"
	run "$c-triple" "$img" "exit:svtest: triple fault" "svtest=triple"
	run "$c-count" "$img" tick "svtest=count"
	run "$c-pio" "$img" pass "svtest=pio svpio.n=20000"
	run "$c-mmio" "$img" pass "svtest=mmio svpio.n=20000"
	run "$c-unknown" "$img" fail "svtest=nosuchtest"
	rm -f "$disk"
}

mkdir -p "$LOG"
# QEMU's own loaders: real-mode setup (bzImage) and 32-bit PVH entry (ELF)
suite "$G/svtest.bzImage" bz
suite "$G/svtest.elf" pvh
# the 64-bit entries our VMM uses, reached through svchain.elf (chain.c)
PRE="svchain=bz@0x4000000 "
XDEV="loader,file=$G/svtest.bzImage,addr=0x4000000,force-raw=on"
suite "$G/svchain.elf" bz64
PRE="svchain=bin "
XDEV="loader,file=$G/svtest.bin,addr=0x1000000,force-raw=on"
suite "$G/svchain.elf" bin64
# Differential: apart from info: lines (and QEMU's own messages) every
# entry path must print the same lines.
for log in "$LOG"/bz-*.log; do
	[ -n "$skipping" ] && break
	case=${log#"$LOG"/bz-}
	case=${case%.log}
	[ "$case" = count ] && continue
	for tag in pvh bz64 bin64; do
		if grep -Ev '^(info:|qemu-system)' "$log" >"$LOG/diff.a" &&
		    grep -Ev '^(info:|qemu-system)' "$LOG/$tag-$case.log" \
		    >"$LOG/diff.b" && cmp -s "$LOG/diff.a" "$LOG/diff.b"; then
			ok "diff-$tag-$case"
		else
			bad "diff-$tag-$case" "output differs from bz-$case"
			diff "$LOG/diff.a" "$LOG/diff.b" | head -n 6
		fi
	done
done
rm -f "$LOG/diff.a" "$LOG/diff.b"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
