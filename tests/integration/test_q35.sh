#!/bin/sh
# q35 PCI seen from the test guest (tests/guests/pci.c, vpci.c): svtest=pci
# (bus 0 through CF8/CFC and ECAM, topology against svpci.dev=/svpci.rp=),
# pcibar (BAR sizing and placement, virtio-pci capabilities), msix (MSI-X
# to the LAPIC IRR with IF=0, masking and PBA), vpciblk (virtio-blk over
# modern virtio-pci). Reference runs on qemu-system-x86_64 -M q35 -accel
# tcg; the same guest on our VMM with the software CPU once -machine q35
# exists. Usage: test_q35.sh [O]; VMM=path runs ours on another build
# (the real VMM on /dev/kvm), REF=0 leaves out the QEMU reference.
O=${1:-build}
. tests/lib.sh
IMG=$O/guests/svtest.bzImage
EMU=${VMM:-$O/tests/stratovirt-emu}
TMP=$(mktemp -d /tmp/sv-q35.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
STAMP=5a35c0de
BLK="svpci.dev=00:02.0:1af4:1042"
BEHIND="svpci.rp=00:03.0 svpci.dev=01:00.0:1af4:1042"
RP=pcie-root-port,id=rp1,port=0x8,chassis=1,bus=pcie.0,addr=0x3

new_disk() { # FILE: 1 MiB (2048 sectors), sector 0 starts SVDISK01
	rm -f "$1"
	printf 'SVDISK01' > "$1"
	truncate -s 1M "$1"
}

sector1_ok() { # LABEL FILE
	got=$(dd if="$2" bs=512 skip=1 count=1 2>/dev/null | head -c 24)
	if [ "$got" = "SVWRITE!00000000$STAMP" ]; then pass "$1"
	else fail "$1: sector 1 holds '$got'"; fi
}

# check LABEL FILE [fail-pattern]: TEST: PASS, or the expected failure.
check() {
	if [ -n "$3" ]; then
		if grep -q "^TEST: FAIL $3" "$2"; then pass "$1"; else
			fail "$1: expected 'TEST: FAIL $3', got: $(grep -m1 \
			    '^TEST:' "$2" || echo 'no marker')"; fi
	elif grep -q '^TEST: PASS' "$2"; then pass "$1"
	else
		fail "$1: $(grep -m1 'TEST: FAIL' "$2" || echo 'no marker')"
		tail -n 8 "$2" | sed 's/^/    | /'
	fi
}

# qemu LABEL RP APPEND [fail-pattern]: disk a at 00:02.0, with RP=1 a
# root port at 00:03.0 and disk b behind it. -nodefaults and sata/smbus
# off leave only the MCH, the LPC bridge and what is listed here.
qemu() {
	ro=; case $3 in *svblk.ro=1*) ro=,readonly=on ;; esac
	set -- "$1" "$2" "$3" "$4" \
		-drive "file=$TMP/a.img,if=none,id=d0,format=raw$ro" \
		-device virtio-blk-pci,drive=d0,bus=pcie.0,addr=0x2,disable-legacy=on
	[ "$2" = 1 ] && set -- "$@" -device "$RP" \
		-drive "file=$TMP/b.img,if=none,id=d1,format=raw" \
		-device virtio-blk-pci,drive=d1,bus=rp1,addr=0x0
	l=$1 a=$3 x=$4
	shift 4
	timeout 120 qemu-system-x86_64 -M q35,sata=off,smbus=off -accel tcg \
		-m 256 -smp 2 -nodefaults -nographic -serial stdio -no-reboot \
		-kernel "$IMG" -append "$a console=ttyS0" "$@" \
		< /dev/null 2>&1 | tr -d '\r' > "$TMP/out"
	check "qemu q35: $l" "$TMP/out" "$x"
}

# ours LABEL RP APPEND [fail-pattern]: the same machine on our VMM.
ours() {
	ro=; case $3 in *svblk.ro=1*) ro=,readonly=on ;; esac
	set -- "$1" "$2" "$3" "$4" -drive "file=$TMP/a.img,id=d0$ro" \
		-device virtio-blk-pci,drive=d0,id=blk0,bus=pcie.0,addr=0x2
	[ "$2" = 1 ] && set -- "$@" -device "$RP" \
		-drive "file=$TMP/b.img,id=d1" \
		-device virtio-blk-pci,drive=d1,id=blk1,bus=rp1,addr=0x0
	l=$1 a=$3 x=$4
	shift 4
	timeout -k 5 300 "$EMU" -machine q35 -no-reboot -smp 2 -m 256 -kernel "$IMG" \
		-append "$a console=ttyS0" -serial stdio "$@" \
		< /dev/null > "$TMP/out" 2>&1
	check "stratovirt q35: $l" "$TMP/out" "$x"
}

# suite RUNNER RP: every case; RP=1 adds the root port cases.
suite() {
	r=$1 rp=$2 all=$BLK n="stratovirt q35"
	[ "$r" = qemu ] && n="qemu q35"
	[ "$rp" = 1 ] && all="$BLK $BEHIND"
	$r "pci topology" "$rp" "svtest=pci $all"
	$r "pci unlisted function fails" "$rp" "svtest=pci svpci.rp=00:03.0" \
		"pci: unexpected 1af4:1042 at 00:02.0"
	$r "pci missing function fails" "$rp" \
		"svtest=pci $all svpci.dev=00:05.0:1af4:1042" \
		"pci: nothing at 00:05.0"
	$r "pcibar" "$rp" "svtest=pcibar svblk.sectors=2048"
	$r "pcibar wrong capacity fails" "$rp" \
		"svtest=pcibar svblk.sectors=4096" "00:02.0: capacity 2048"
	$r "msix" "$rp" "svtest=msix"
	new_disk "$TMP/a.img"
	$r "vpciblk" "$rp" \
		"svtest=vpciblk svblk.sectors=2048 svblk.stamp=$STAMP"
	sector1_ok "$n: vpciblk wrote sector 1 of the disk file" "$TMP/a.img"
	new_disk "$TMP/a.img"
	$r "vpciblk read-only" "$rp" "svtest=vpciblk svblk.ro=1"
	if sector_is_clean "$TMP/a.img"; then
		pass "$n: read-only disk untouched"
	else
		fail "$n: read-only disk was written"
	fi
	[ "$rp" = 1 ] || return 0
	$r "msix behind a root port" 1 "svtest=msix svpci.blk=01:00.0"
	$r "vpciblk behind a root port" 1 \
		"svtest=vpciblk svpci.blk=01:00.0 svblk.stamp=$STAMP"
	sector1_ok "$n: vpciblk behind a root port wrote its disk" "$TMP/b.img"
}

sector_is_clean() { # FILE: sector 1 still zero
	[ "$(dd if="$1" bs=512 skip=1 count=1 2>/dev/null | tr -d '\0' |
	    wc -c)" -eq 0 ]
}

if [ ! -f "$IMG" ]; then
	fail "$IMG missing (make O=$O guests)"
	summary q35
	exit 1
fi
new_disk "$TMP/a.img"
new_disk "$TMP/b.img"
if [ "${REF:-1}" = 0 ]; then
	:
elif command -v qemu-system-x86_64 >/dev/null; then
	suite qemu 1
else
	skip "qemu reference: qemu-system-x86_64 not installed"
fi
if [ ! -x "$EMU" ] || ! "$EMU" -machine q35 -help >/dev/null 2>&1 ||
    [ ! -f vmm/machine/q35.c ]; then
	skip "stratovirt q35 pci/pcibar/msix/vpciblk: -machine q35 not" \
		"implemented yet (vmm/machine/q35.c)"
else
	new_disk "$TMP/a.img"
	new_disk "$TMP/b.img"
	# root ports: run their cases once the VMM accepts pcie-root-port
	timeout -k 5 60 "$EMU" -machine q35 -m 256 -kernel "$IMG" \
		-append "svtest=hello" -serial stdio -device "$RP" \
		< /dev/null > "$TMP/probe" 2>&1
	if grep -q 'not supported' "$TMP/probe"; then
		skip "stratovirt q35 root-port cases:" \
			"$(grep -m1 'not supported' "$TMP/probe")"
		suite ours 0
	else
		suite ours 1
	fi
	# A device without addr= takes the first slot no other -device names,
	# even one named later on the command line.
	new_disk "$TMP/a.img"; new_disk "$TMP/b.img"
	devs="svpci.dev=00:01.0:1af4:1042 svpci.dev=00:02.0:1af4:1042"
	timeout -k 5 300 "$EMU" -machine q35 -no-reboot -m 256 -kernel "$IMG" \
		-append "svtest=pci $devs console=ttyS0" \
		-serial stdio -drive "file=$TMP/a.img,id=d0" \
		-drive "file=$TMP/b.img,id=d1" -device virtio-blk-pci,drive=d0,id=b0 \
		-device virtio-blk-pci,drive=d1,id=b1,addr=0x1 \
		< /dev/null > "$TMP/out" 2>&1
	check "stratovirt q35: auto slot skips a slot named later (addr=0x1)" \
		"$TMP/out" ""
	# A hostile guest: config space, BARs over RAM, MSI-X and fw_cfg DMA
	# garbage; the VMM must run on (ours only: on QEMU a BAR over RAM
	# shadows the guest's own memory).
	for seed in 1 7 1234; do
		ours "pcijunk seed $seed: the VMM survives" 1 \
			"svtest=pcijunk svjunk.seed=$seed"
	done
fi
summary q35
[ "$T_FAIL" -eq 0 ]
