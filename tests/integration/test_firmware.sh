#!/bin/sh
# q35 firmware devices seen from a test guest (tests/guests/firmware.c):
# svtest=acpi, fwcfg, pflash. Reference run on qemu-system-x86_64 -M q35
# (SeaBIOS direct kernel boot: acpi + fwcfg); our VMM once -machine q35
# exists. Usage: test_firmware.sh [O]
O=${1:-build}
. tests/lib.sh
IMG=$O/guests/svtest.bzImage
EMU=$O/tests/stratovirt-emu
TMP=$(mktemp -d /tmp/sv-fw.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

check_out() { # LABEL FILE
	if grep -q '^TEST: PASS' "$2"; then pass "$1"; else
		fail "$1: $(grep -m1 'TEST: FAIL' "$2" || echo 'no marker')"; fi
}

qemu_ref() { # TEST
	timeout 120 qemu-system-x86_64 -M q35 -accel tcg -m 256 -smp 2 \
		-nographic -no-reboot -kernel "$IMG" \
		-append "svtest=$1 svcpus=2 console=ttyS0" > "$TMP/q-$1" 2>&1
	check_out "qemu q35: svtest=$1" "$TMP/q-$1"
}

# Needs q35 to direct-boot -kernel even with pflash drives (fw_cfg present).
ours() { # TEST EXTRA-CMDLINE EXTRA-ARGS...
	t=$1; x=$2; shift 2
	timeout 300 "$EMU" -machine q35 -smp 2 -m 256 -kernel "$IMG" \
		-append "svtest=$t svcpus=2 $x console=ttyS0" -serial stdio "$@" \
		> "$TMP/o-$t" 2>&1
	check_out "stratovirt q35: svtest=$t" "$TMP/o-$t"
}

[ -f "$IMG" ] || { fail "$IMG missing (make O=$O guests)"; summary firmware; exit 1; }
if command -v qemu-system-x86_64 >/dev/null; then
	qemu_ref acpi
	qemu_ref fwcfg
else
	skip "qemu reference: qemu-system-x86_64 not installed"
fi
if [ ! -x "$EMU" ] || ! "$EMU" -machine q35 -help >/dev/null 2>&1 ||
    [ ! -f vmm/machine/q35.c ]; then
	skip "stratovirt q35 acpi/fwcfg/pflash: -machine q35 not implemented yet (vmm/machine/q35.c)"
else
	ours acpi ""
	dd if=/dev/zero bs=4096 count=16 2>/dev/null | tr '\0' '\377' > "$TMP/code.fd"
	dd if=/dev/zero bs=4096 count=4 2>/dev/null | tr '\0' '\377' > "$TMP/vars.fd"
	ours fwcfg "" -drive "file=$TMP/code.fd,if=pflash,unit=0,readonly=true" \
		-drive "file=$TMP/vars.fd,if=pflash,unit=1"
	# pflash: vars must hold the programmed byte afterwards (persistence)
	ours pflash svflash0=65536 \
		-drive "file=$TMP/code.fd,if=pflash,unit=0,readonly=true" \
		-drive "file=$TMP/vars.fd,if=pflash,unit=1"
	if [ "$(od -An -tx1 -j $((16384 - 4096 + 8)) -N1 "$TMP/vars.fd")" = " 5a" ]
	then pass "pflash unit 1 write persisted in the file"
	else fail "pflash unit 1 write not in the file"; fi
fi
summary firmware
[ "$T_FAIL" -eq 0 ]
