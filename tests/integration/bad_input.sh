#!/bin/sh
# Bad input: one line naming the culprit, exit 1, nothing left behind (no
# QMP socket, disk unchanged). Command-line errors are caught before KVM is
# touched; kernel-format errors need a VM, so they use the real VMM on KVM
# and the emulated-CPU build elsewhere.
O=${1:-build}
. tests/lib.sh
. tests/integration/guest_lib.sh
G=$O/guests
TMP=$(mktemp -d /tmp/sv-bad.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
VMM=$O/stratovirt
VM_VMM=$VMM
[ "$(kvm_kind)" = none ] && VM_VMM=$O/tests/stratovirt-emu
new_disk "$TMP/disk.img"
sum0=$(md5sum < "$TMP/disk.img")

# bad NAME WANT VMM ARGS...: exit 1, stderr names WANT, no socket, disk intact
bad() {
	name=$1; want=$2; vmm=$3; shift 3
	rm -f "$TMP/q.sock"
	timeout 30 "$vmm" "$@" -qmp "unix:$TMP/q.sock,server,nowait" \
		< /dev/null > "$TMP/out" 2> "$TMP/err"
	rc=$?
	lines=$(wc -l < "$TMP/err")
	if [ "$rc" -ne 1 ]; then
		fail "$name: exit $rc, want 1"
	elif ! grep -qF -- "$want" "$TMP/err"; then
		fail "$name: error does not name '$want'"
	elif [ "$lines" -ne 1 ]; then
		fail "$name: $lines lines on stderr, want 1"
	elif [ -e "$TMP/q.sock" ]; then
		fail "$name: QMP socket left behind"
	elif [ "$(md5sum < "$TMP/disk.img")" != "$sum0" ]; then
		fail "$name: disk image changed"
	else
		pass "$name: $(cat "$TMP/err")"
		return
	fi
	sed 's/^/    | /' "$TMP/err"
}

K=$G/svtest.bin
D="file=$TMP/disk.img,id=d0"
bad "missing kernel" "/nonexistent/vmlinux" "$VMM" -kernel /nonexistent/vmlinux
bad "kernel is a directory" "$TMP" "$VMM" -kernel "$TMP"
bad "unknown option" "-bogus" "$VMM" -kernel "$K" -bogus
bad "unknown device" "virtio-foo-device" "$VMM" -kernel "$K" -device virtio-foo-device,id=x
bad "unknown key" "bogus" "$VMM" -kernel "$K" -drive "$D,bogus=1"
bad "-m 0" "-m" "$VMM" -kernel "$K" -m 0
bad "-smp 0" "-smp" "$VMM" -kernel "$K" -smp 0
bad "drive file missing" "/nonexistent/disk.img" "$VMM" -kernel "$K" \
	-drive file=/nonexistent/disk.img,id=d0 -device virtio-blk-device,drive=d0
bad "device names a missing drive" "nope" "$VMM" -kernel "$K" \
	-device virtio-blk-device,drive=nope,id=b0
bad "two devices on one drive" "d0" "$VMM" -kernel "$K" -drive "$D" \
	-device virtio-blk-device,drive=d0,id=b0 -device virtio-blk-device,drive=d0,id=b1
bad "no kernel on microvm" "-kernel" "$VMM" -m 256

head -c 100 /etc/os-release > "$TMP/tiny"
bad "non-kernel file (100 bytes)" "$TMP/tiny" "$VM_VMM" -kernel "$TMP/tiny" -drive "$D" \
	-device virtio-blk-device,drive=d0
head -c 6000 "$G/svtest.bzImage" > "$TMP/trunc.bzImage"
bad "truncated bzImage" "$TMP/trunc.bzImage" "$VM_VMM" -kernel "$TMP/trunc.bzImage" -drive "$D" \
	-device virtio-blk-device,drive=d0
head -c 8192 /etc/services > "$TMP/text"
bad "text file as kernel" "a text file" "$VM_VMM" -kernel "$TMP/text"
if command -v mkfs.ext4 >/dev/null; then
	mkfs.ext4 -q -F "$TMP/rootfs.ext4" 4M >/dev/null 2>&1
	bad "rootfs image as kernel" "ext2/3/4" "$VM_VMM" -kernel "$TMP/rootfs.ext4"
else
	skip "rootfs image as kernel: mkfs.ext4 missing"
fi
SOCK="socket,id=ag,path=$TMP/ag.sock,server,nowait"
bad "virtserialport without virtio-serial" "virtio-serial device" "$VMM" \
	-kernel "$K" -chardev "$SOCK" -device virtserialport,chardev=ag,nr=1
bad "two ports with one nr" "nr=1 is already used" "$VMM" -kernel "$K" \
	-device virtio-serial-device -chardev "$SOCK" \
	-chardev "socket,id=ag2,path=$TMP/ag2.sock,server,nowait" \
	-device virtserialport,chardev=ag,nr=1 \
	-device virtserialport,chardev=ag2,nr=1
bad "virtserialport with nr=0" "reserved for virtconsole" "$VMM" \
	-kernel "$K" -device virtio-serial-device -chardev "$SOCK" \
	-device virtserialport,chardev=ag,nr=0
bad "virtserialport on a missing chardev" "nope" "$VMM" -kernel "$K" \
	-device virtio-serial-device -device virtserialport,chardev=nope,nr=1
if [ -e "$TMP/ag.sock" ] || [ -e "$TMP/ag2.sock" ]; then
	fail "virtio-serial errors left a chardev socket behind"
else
	pass "virtio-serial errors left no chardev socket"
fi
# q35: firmware, PCI topology.
KB=$G/svtest.bzImage
Q="-machine q35 -m 256"
truncate -s 64K "$TMP/code.fd"; truncate -s 17M "$TMP/big.fd"
truncate -s 5000 "$TMP/odd.fd"
# shellcheck disable=SC2086
{
bad "q35 with neither kernel nor firmware" "-kernel or -drive if=pflash" \
	"$VM_VMM" $Q
bad "pflash unit 1 without unit 0" "unit 0 (code) is required" "$VM_VMM" $Q \
	-drive "file=$TMP/code.fd,if=pflash,unit=1"
bad "pflash unit 2" "'unit' must be between 0 and 1" "$VM_VMM" $Q \
	-drive "file=$TMP/code.fd,if=pflash,unit=2"
bad "pflash unit 0 twice" "unit 0 given twice" "$VM_VMM" $Q \
	-drive "file=$TMP/code.fd,if=pflash,unit=0" \
	-drive "file=$TMP/code.fd,if=pflash,unit=0"
bad "pflash code image larger than the window" "do not fit" "$VM_VMM" $Q \
	-drive "file=$TMP/big.fd,if=pflash,unit=0,readonly=true"
bad "pflash image not a multiple of 4 KiB" "$TMP/odd.fd" "$VM_VMM" $Q \
	-drive "file=$TMP/odd.fd,if=pflash,unit=0,readonly=true"
bad "pflash on microvm" "not supported on microvm" "$VM_VMM" -kernel "$K" \
	-drive "file=$TMP/code.fd,if=pflash,unit=0"
bad "device on a bus that does not exist" "bus 'pcie.7' not found" \
	"$VM_VMM" $Q -kernel "$KB" -drive "$D" \
	-device virtio-blk-pci,drive=d0,id=b0,bus=pcie.7
bad "two devices on one slot" "is already used by" "$VM_VMM" $Q \
	-kernel "$KB" -drive "$D" -drive "file=$TMP/d1.img,id=d1" \
	-device virtio-blk-pci,drive=d0,id=b0,bus=pcie.0,addr=0x2 \
	-device virtio-blk-pci,drive=d1,id=b1,bus=pcie.0,addr=0x2
bad "addr out of range" "invalid addr '0x20'" "$VM_VMM" $Q -kernel "$KB" \
	-drive "$D" -device virtio-blk-pci,drive=d0,id=b0,bus=pcie.0,addr=0x20
bad "addr on the host bridge's slot" "host bridge" "$VM_VMM" $Q \
	-kernel "$KB" -drive "$D" \
	-device virtio-blk-pci,drive=d0,id=b0,bus=pcie.0,addr=0x0
bad "device behind a root port off slot 0" "must use slot 0" "$VM_VMM" $Q \
	-kernel "$KB" -drive "$D" \
	-device pcie-root-port,id=rp1,port=8,chassis=1,bus=pcie.0,addr=0x3 \
	-device virtio-blk-pci,drive=d0,id=b0,bus=rp1,addr=0x1
bad "virtio-mmio device on q35" "not supported on q35" "$VM_VMM" $Q \
	-kernel "$KB" -drive "$D" -device virtio-blk-device,drive=d0,id=b0
}
summary "bad input"
