#!/bin/sh
# make demo: boot a guest with our VMM and show what it printed.
# On hardware KVM: the seed's microvm command line with the test guest (and
# the Linux kit when it is built). Without hardware KVM the real VMM cannot
# run guests at usable speed (PVM) or at all (no /dev/kvm); the demo then
# says so and runs the same command line on the emulated-CPU build.
O=${1:-build}
. tests/lib.sh
kind=$(kvm_kind)
tmp=$(mktemp -d /tmp/sv-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf 'SVDISK01' > "$tmp/disk.img"
truncate -s 1M "$tmp/disk.img"

case "$kind" in
hardware)
	vmm=$O/stratovirt
	echo "demo: hardware KVM found: booting the test guest with $vmm" ;;
pvm)
	vmm=$O/stratovirt
	echo "demo: /dev/kvm is KVM on the PVM hypervisor: only tiny guests run"
	echo "demo: at usable speed there (kvm-on-pvm.md), so the demo boots the"
	echo "demo: project's test guest, not Linux." ;;
none)
	vmm=$O/tests/stratovirt-emu
	echo "demo: this host has no /dev/kvm, so no VMM can run a guest on KVM"
	echo "demo: here. Showing the same command line on $vmm, our VMM built"
	echo "demo: with the test-only software CPU (tests/emu) in place of KVM." ;;
esac
if [ ! -x "$vmm" ]; then
	echo "demo: $vmm is missing (make $vmm)"
	exit 1
fi
set -x
"$vmm" \
    -machine microvm \
    -kernel "$O/guests/svtest.bin" \
    -smp 1 \
    -m 1024m \
    -append "console=ttyS0 pci=off reboot=k quiet panic=1 root=/dev/vda svtest=blk svblk.stamp=1234" \
    -drive file="$tmp/disk.img",id=rootfs,readonly=off,direct=off \
    -device virtio-blk-device,drive=rootfs,id=rootfs \
    -qmp unix:"$tmp/qmp.sock",server,nowait \
    -serial stdio
rc=$?
set +x
echo "demo: the VMM exited with status $rc"
echo "demo: sector 1 of the disk after the run:"
dd if="$tmp/disk.img" bs=512 skip=1 count=1 2>/dev/null | od -c | head -n 2
