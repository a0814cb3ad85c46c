#!/bin/sh
# q35 firmware devices seen from a test guest (tests/guests/firmware.c):
# svtest=acpi, fwcfg, pflash. Reference run on qemu-system-x86_64 -M q35
# (SeaBIOS direct kernel boot: acpi + fwcfg); our VMM's q35 direct boot
# on the emulated CPU. Usage: test_firmware.sh [O]; VMM=path runs ours on
# another build (the real VMM on /dev/kvm), REF=0 leaves out QEMU.
O=${1:-build}
. tests/lib.sh
IMG=$O/guests/svtest.bzImage
EMU=${VMM:-$O/tests/stratovirt-emu}
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

# Our q35 direct boot (no pflash): fw_cfg is there all the same.
ours() { # TEST EXTRA-CMDLINE EXTRA-ARGS...
	t=$1; x=$2; shift 2
	timeout 300 "$EMU" -machine q35 -no-reboot -smp 2 -m 256 -kernel "$IMG" \
		-append "svtest=$t svcpus=2 $x console=ttyS0" -serial stdio "$@" \
		> "$TMP/o-$t" 2>&1
	check_out "stratovirt q35: svtest=$t" "$TMP/o-$t"
}

[ -f "$IMG" ] || { fail "$IMG missing (make O=$O guests)"; summary firmware; exit 1; }
if [ "${REF:-1}" = 0 ]; then
	:
elif command -v qemu-system-x86_64 >/dev/null; then
	qemu_ref acpi
	qemu_ref fwcfg
	qemu_ref rtc
else
	skip "qemu reference: qemu-system-x86_64 not installed"
fi
if [ ! -x "$EMU" ]; then
	fail "$EMU missing (make O=$O build-emu)"
else
	# Direct kernel boot: ACPI tables in RAM, fw_cfg present as on QEMU.
	ours acpi ""
	ours fwcfg ""
	# The CMOS clock under the VMM's seccomp filter (a time conversion
	# after the filter once read /etc/localtime and was killed).
	ours rtc ""
	# With pflash the vCPU starts at the reset vector in real mode: the
	# firmware tier (svtest.fd) runs on KVM (run-kvm.sh) and QEMU only.
	[ -z "${VMM:-}" ] && skip "stratovirt q35 svtest=pflash: booting from pflash starts in real mode, which the emulated CPU (64-bit only) cannot run; see the KVM firmware tier"
fi
summary firmware
[ "$T_FAIL" -eq 0 ]
