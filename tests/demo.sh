#!/bin/sh
# make demo: run a bundle through stratovirt-shim and show what it printed.
# On hardware KVM: a busybox container (our Linux kernel, the sv-agent
# initramfs, a busybox rootfs directory) -- the kernel is built first if it
# is not cached. Without hardware KVM a Linux guest does not run at usable
# speed (PVM) or at all (no /dev/kvm): the demo says so and runs a vm
# bundle whose kernel is the project's test guest (on the emulated-CPU
# build of the VMM when there is no /dev/kvm).
O=${1:-build}
. tests/lib.sh
kind=$(kvm_kind)
tmp=$(mktemp -d /tmp/sv-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
shim=$O/stratovirt-shim
[ -x "$shim" ] || { echo "demo: $shim is missing (make)"; exit 1; }

container_demo() {
	echo "demo: hardware KVM: a busybox container in a Linux microVM"
	sh contrib/guest/build-kernel.sh --link "$O/guest" || exit 1
	mkdir -p "$tmp/b/rootfs/bin" "$tmp/b/rootfs/proc" "$tmp/b/rootfs/dev" \
		"$tmp/b/rootfs/sys" "$tmp/b/rootfs/tmp"
	cp "$(command -v busybox)" "$tmp/b/rootfs/bin/busybox"
	ln -s busybox "$tmp/b/rootfs/bin/sh"
	cat > "$tmp/b/config.json" <<EOF
{"ociVersion":"1.0.2","root":{"path":"rootfs"},
 "process":{"args":["/bin/busybox","sh","-c","echo hello from a container in a microVM; /bin/busybox uname -a"],
  "cwd":"/","env":["PATH=/bin"]},
 "hostname":"demo",
 "annotations":{"org.stratovirt.kernel":"$(realpath "$O/guest/vmlinux.bin")",
  "org.stratovirt.initrd":"$(realpath "$O/sv-agent-initramfs.cpio.gz")"}}
EOF
	STRATOVIRT_SHIM_VMM=$(realpath "$O/stratovirt")
	export STRATOVIRT_SHIM_VMM
}

vm_demo() {
	printf 'SVDISK01' > "$tmp/disk.img"
	truncate -s 1M "$tmp/disk.img"
	mkdir -p "$tmp/b/rootfs"
	cat > "$tmp/b/config.json" <<EOF
{"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["console"],"cwd":"/"},
 "annotations":{"org.stratovirt.bundle":"vm",
  "org.stratovirt.kernel":"$(realpath "$O/guests/svtest.bzImage")",
  "org.stratovirt.kernel_params":"console=ttyS0 reboot=k panic=1 svtest=blk svblk.stamp=1234",
  "org.stratovirt.rootfs_image":"$tmp/disk.img",
  "org.stratovirt.memory_mib":"128"}}
EOF
	STRATOVIRT_SHIM_VMM=$(realpath "$1")
	export STRATOVIRT_SHIM_VMM
}

case "$kind" in
hardware)
	container_demo ;;
pvm)
	echo "demo: /dev/kvm is KVM on the PVM hypervisor: only tiny guests run"
	echo "demo: at usable speed there (reference/kvm-on-pvm.md), so the demo"
	echo "demo: runs a vm bundle whose kernel is the project's test guest."
	vm_demo "$O/stratovirt" ;;
none)
	echo "demo: this host has no /dev/kvm, so no guest can run on KVM here."
	echo "demo: The shim runs a vm bundle whose kernel is the project's test"
	echo "demo: guest, on our VMM built with the test-only software CPU"
	echo "demo: (tests/emu) in place of KVM: $O/tests/stratovirt-emu."
	vm_demo "$O/tests/stratovirt-emu" ;;
esac
echo "demo: bundle $tmp/b/config.json:"
sed 's/^/    /' "$tmp/b/config.json"
echo "demo: $shim --root $tmp/root run -b $tmp/b demo"
"$shim" --root "$tmp/root" run -b "$tmp/b" demo < /dev/null
rc=$?
echo "demo: the container exited with status $rc"
if [ -f "$tmp/disk.img" ]; then
	echo "demo: sector 1 of the guest's disk after the run:"
	dd if="$tmp/disk.img" bs=512 skip=1 count=1 2>/dev/null | od -c | head -n 2
fi
exit $rc
