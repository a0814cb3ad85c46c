#!/bin/sh
# tests/linux/run.sh BUILD_DIR: `make check-linux`.
#
# 1. Builds the guest kit (kernel, rootfs, initramfs; cached by content,
#    seconds when warm).
# 2. Checks the images under QEMU TCG (this checks the kit, not our VMM):
#    microvm with the bzImage and with the PVH vmlinux, q35 with
#    virtio-blk-pci, q35 + OVMF through the EFI stub, the initramfs alone
#    and switching to the rootfs.
# 3. Boots the seed's microvm command line with OUR VMM (BUILD_DIR/stratovirt),
#    bzImage and vmlinux.bin: counted on hardware KVM only. On a PVM host
#    the boots are skipped with the reason, and one time-boxed attempt shows
#    how far Linux gets (reference/kvm-on-pvm.md); without /dev/kvm or
#    without the binary they are skipped.
# 4. tests/linux/firmware.sh: q35 + OVMF (QEMU TCG: -kernel, and the raw
#    GPT disk of contrib/guest/build-disk.sh alone; our VMM: hardware KVM).
# A boot passes only if the guest printed "SV-INIT: started"; rootfs boots
# also need "SV-TEST: PASS" from tests/linux/guest-check.sh (run in the
# guest as /etc/sv-test.sh) and the VM to exit by itself (reboot=k).
# Environment: QEMU (default qemu-system-x86_64), TCG_TIMEOUT (120),
# KVM_TIMEOUT (120), PVM_TIMEOUT (120), OVMF_CODE, OVMF_VARS.
O=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

QEMU=${QEMU:-qemu-system-x86_64}
TCG_TIMEOUT=${TCG_TIMEOUT:-120}
KVM_TIMEOUT=${KVM_TIMEOUT:-120}
PVM_TIMEOUT=${PVM_TIMEOUT:-120}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
PVM_CMDLINE="noxsave clearcpuid=popcnt,cx16,rdrand,rdseed,avx,avx2,bmi1,bmi2,fsgsbase,smap,smep"
G=$O/guest
W=$O/tests/linux
mkdir -p "$G" "$W" || exit 1
T_START=$(date +%s)

now_ms() { date +%s%3N; }
ms_to_s() { printf '%d.%01d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
# seen LOG REGEX: a line of the serial log (CRs dropped) matches REGEX.
seen() { tr -d '\r' <"$1" | grep -q -- "$2"; }
last_lines() { tr -d '\r' <"$1" | grep -v '^$' | tail -n "$2" | sed 's/^/    | /'; }

# run_vm NAME TIMEOUT MARKER CMD...: runs a VM with its serial output in
# $W/NAME.log; sets VM_RC (124 = timed out), VM_MARK (ms until MARKER was
# first seen, empty if never) and VM_MS (ms until the VM ended).
run_vm() {
	name=$1 tmo=$2 marker=$3
	shift 3
	log=$W/$name.log
	: >"$log"
	t0=$(now_ms)
	timeout -k 5 "$tmo" "$@" >"$log" 2>&1 </dev/null &
	pid=$!
	VM_MARK=
	reset_at=
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$VM_MARK" ] && seen "$log" "$marker"; then
			VM_MARK=$(($(now_ms) - t0))
		fi
		# QEMU microvm booting a bzImage runs its qboot firmware again
		# on reset even with -no-reboot: the guest's restart, seen in
		# its own log, is the end of the run.
		if [ -n "$RESET_ENDS" ] && [ -z "$reset_at" ] &&
			seen "$log" 'reboot: Restarting system'; then
			reset_at=$(now_ms)
		fi
		if [ -n "$reset_at" ] && [ $(($(now_ms) - reset_at)) -gt 1000 ]; then
			kill "$pid" 2>/dev/null
			echo "(run.sh: guest restart seen; VM stopped)" >>"$log"
			break
		fi
		sleep 0.1
	done
	wait "$pid"
	VM_RC=$?
	[ -n "$reset_at" ] && VM_RC=0
	RESET_ENDS=
	VM_MS=$(($(now_ms) - t0))
	if [ -z "$VM_MARK" ] && seen "$log" "$marker"; then
		VM_MARK=$VM_MS
	fi
}

# judge DESC NEED...: pass if every NEED text was seen and the VM ended by
# itself; otherwise fail with the reason and the end of the log.
judge() {
	desc=$1
	shift
	why=
	for need in "$@"; do
		seen "$log" "$need" || { why="no '$need'"; break; }
	done
	if [ -z "$why" ] && [ "$VM_RC" = 124 ]; then
		why="did not exit within the time box (reboot=k)"
	fi
	if [ -z "$why" ]; then
		pass "$desc: '${1%$}' after $(ms_to_s "$VM_MARK") s, exit after $(ms_to_s "$VM_MS") s"
	else
		fail "$desc: $why (rc $VM_RC after $(ms_to_s "$VM_MS") s, log $log)"
		last_lines "$log" 15
	fi
}

# scratch_copy SRC NAME: a private copy of a disk image for one boot.
scratch_copy() {
	cp --sparse=always "$1" "$W/$2" && echo "$W/$2"
}

build_kit() {
	echo "== guest kit (cache: ${SV_CACHE:-/var/cache/stratovirt-shim})"
	if sh contrib/guest/build-kernel.sh --link "$G"; then
		pass "guest kernel built, fragments verified against .config"
	else
		fail "guest kernel build"
		return 1
	fi
	if sh contrib/guest/build-rootfs.sh --test-script tests/linux/guest-check.sh \
		"$G/rootfs-check.ext4" && sh contrib/guest/build-rootfs.sh "$G/rootfs.ext4"; then
		pass "busybox rootfs images built"
	else
		fail "busybox rootfs build"
		return 1
	fi
	if sh contrib/guest/build-initramfs.sh "$G/initramfs.cpio.gz"; then
		pass "initramfs built"
	else
		fail "initramfs build"
		return 1
	fi
	# The PVH note and the raw image are what the microvm loaders need.
	if readelf -n "$G/vmlinux" | grep -q 'Xen' &&
		[ -s "$G/vmlinux.bin" ] &&
		[ "$(od -An -tx1 -j510 -N2 "$G/bzImage" | tr -d ' ')" = 55aa ]; then
		pass "vmlinux has a Xen/PVH note, vmlinux.bin and bzImage look right"
	else
		fail "kernel images: PVH note, vmlinux.bin or bzImage boot flag missing"
	fi
}

QEMU_COMMON="-accel tcg -m 256m -nodefaults -no-user-config -nographic -serial stdio -no-reboot"
APPEND="console=ttyS0 reboot=k panic=1 root=/dev/vda"

qemu_microvm_rootfs() { # NAME KERNEL
	r=$(scratch_copy "$G/rootfs-check.ext4" "$1.ext4") || { fail "$1: copy"; return; }
	# shellcheck disable=SC2086
	RESET_ENDS=1 run_vm "$1" "$TCG_TIMEOUT" 'SV-INIT: started$' "$QEMU" -M microvm,acpi=off \
		$QEMU_COMMON -global virtio-mmio.force-legacy=false \
		-kernel "$2" -append "$APPEND" \
		-drive id=rootfs,file="$r",format=raw,if=none \
		-device virtio-blk-device,drive=rootfs
	judge "QEMU TCG microvm, $(basename "$2"), virtio-mmio rootfs" \
		'SV-INIT: started$' 'SV-TEST: PASS$' 'SV-INIT: rebooting$'
	rm -f "$r"
}

qemu_q35_rootfs() { # NAME, EXTRA QEMU ARGS...
	name=$1
	shift
	r=$(scratch_copy "$G/rootfs-check.ext4" "$name.ext4") || { fail "$name: copy"; return; }
	# shellcheck disable=SC2086
	run_vm "$name" "$TCG_TIMEOUT" 'SV-INIT: started$' "$QEMU" -M q35 \
		$QEMU_COMMON -kernel "$G/bzImage" -append "$APPEND" \
		-drive id=rootfs,file="$r",format=raw,if=none \
		-device virtio-blk-pci,drive=rootfs,disable-legacy=on "$@"
	rm -f "$r"
}

qemu_initramfs() { # NAME WITH_ROOTFS
	name=$1
	if [ "$2" = 1 ]; then
		r=$(scratch_copy "$G/rootfs-check.ext4" "$name.ext4") || { fail "$name: copy"; return; }
		set -- -drive id=rootfs,file="$r",format=raw,if=none \
			-device virtio-blk-device,drive=rootfs
		app=$APPEND
	else
		set --
		app="console=ttyS0 reboot=k panic=1"
	fi
	# shellcheck disable=SC2086
	RESET_ENDS=1 run_vm "$name" "$TCG_TIMEOUT" 'SV-INIT: started (initramfs)$' "$QEMU" \
		-M microvm,acpi=off $QEMU_COMMON \
		-global virtio-mmio.force-legacy=false -kernel "$G/bzImage" \
		-initrd "$G/initramfs.cpio.gz" -append "$app" "$@"
	rm -f "$W/$name.ext4"
}

qemu_checks() {
	echo "== the kit under QEMU TCG ($QEMU)"
	if ! command -v "$QEMU" >/dev/null; then
		skip "QEMU TCG boots: $QEMU not installed (make deps)"
		return
	fi
	qemu_microvm_rootfs tcg-microvm-bzimage "$G/bzImage"
	qemu_microvm_rootfs tcg-microvm-pvh "$G/vmlinux"
	qemu_q35_rootfs tcg-q35-bzimage
	judge "QEMU TCG q35, bzImage, virtio-blk-pci rootfs" \
		'SV-INIT: started$' 'SV-TEST: PASS$' 'SV-INIT: rebooting$'
	if [ -r "$OVMF_CODE" ] && [ -r "$OVMF_VARS" ]; then
		cp "$OVMF_VARS" "$W/ovmf-vars.fd"
		qemu_q35_rootfs tcg-q35-ovmf \
			-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
			-drive if=pflash,format=raw,unit=1,file="$W/ovmf-vars.fd"
		judge "QEMU TCG q35 + OVMF, bzImage through the EFI stub" \
			'efi: EFI v[0-9]' 'SV-INIT: started$' 'SV-TEST: PASS$'
		rm -f "$W/ovmf-vars.fd"
	else
		skip "QEMU q35 + OVMF: $OVMF_CODE missing (apt-get install ovmf)"
	fi
	qemu_initramfs tcg-initramfs 0
	judge "QEMU TCG microvm, initramfs alone" \
		'SV-INIT: started (initramfs)$' 'SV-INIT: rebooting$'
	qemu_initramfs tcg-initramfs-switch-root 1
	judge "QEMU TCG microvm, initramfs then switch_root to /dev/vda" \
		'SV-INIT: started (initramfs)$' 'SV-INIT: switch_root to /dev/vda$' \
		'SV-INIT: started$' 'SV-TEST: PASS$'
}

# our_vm NAME KERNEL TIMEOUT EXTRA_CMDLINE: the seed's microvm command line.
our_vm() {
	r=$(scratch_copy "$G/rootfs-check.ext4" "$1.ext4") || return 1
	sock=$W/$1.qmp
	rm -f "$sock"
	run_vm "$1" "$3" 'SV-INIT: started$' "${VMM_BIN:-$O/stratovirt}" \
		-machine microvm -kernel "$2" -smp 1 -m 1024m \
		-append "console=ttyS0 pci=off reboot=k quiet panic=1 root=/dev/vda${4:+ $4}" \
		-drive file="$r",id=rootfs,readonly=off,direct=off \
		-device virtio-blk-device,drive=rootfs,id=rootfs \
		-qmp unix:"$sock",server,nowait -serial stdio -D "$W/$1.vmm.log"
	rm -f "$r" "$sock"
}

# Without /dev/kvm: one short attempt on the emulated-CPU build, to show
# where a Linux guest stops there (it has no real mode, IDT or FPU: the
# first unemulated instruction ends the VM with the report). Not counted.
emu_attempt() {
	emu=$O/tests/stratovirt-emu
	[ -x "$emu" ] || { echo "   no emulated-CPU attempt: $emu not built"; return; }
	echo "   one attempt on the emulated CPU ($emu), vmlinux.bin, 20 s (not counted)"
	VMM_BIN=$emu our_vm emu-vmlinux-bin "$G/vmlinux.bin" 20 "earlyprintk=ttyS0" ||
		{ echo "   (could not copy the rootfs)"; return; }
	echo "   VMM exit status $VM_RC after $(ms_to_s "$VM_MS") s; last lines:"
	last_lines "$W/emu-vmlinux-bin.log" 6
	echo "   the VMM's log ($W/emu-vmlinux-bin.vmm.log) ends:"
	tail -n 3 "$W/emu-vmlinux-bin.vmm.log" | sed 's/^/    ! /'
}

pvm_attempt() {
	echo "   one attempt on PVM, vmlinux.bin, ${PVM_TIMEOUT} s, with: $PVM_CMDLINE"
	our_vm pvm-vmlinux-bin "$G/vmlinux.bin" "$PVM_TIMEOUT" "$PVM_CMDLINE" ||
		{ echo "   (could not copy the rootfs)"; return; }
	if [ -n "$VM_MARK" ]; then
		echo "   reached 'SV-INIT: started' after $(ms_to_s "$VM_MARK") s (not counted)"
	elif [ "$VM_RC" = 124 ]; then
		echo "   no init within ${PVM_TIMEOUT} s (timed out); last serial lines:"
	else
		echo "   VMM exited with $VM_RC after $(ms_to_s "$VM_MS") s; last lines:"
	fi
	last_lines "$W/pvm-vmlinux-bin.log" 12
	grep -a -i -m 3 -E 'internal.error|emulation' "$W/pvm-vmlinux-bin.log" | sed 's/^/    ! /'
}

our_vmm_checks() {
	echo "== Linux on our VMM ($O/stratovirt, seed microvm command line)"
	kind=$(kvm_kind)
	why=
	if [ "$kind" = none ]; then
		why="no /dev/kvm"
	elif [ "$kind" = pvm ]; then
		why="PVM host (/sys/module/kvm_pvm): a stock Linux guest's ring-0 code is emulated instruction by instruction and stalls before init; Linux boots are the hardware-KVM tier (reference/kvm-on-pvm.md)"
	elif [ ! -x "$O/stratovirt" ]; then
		why="$O/stratovirt not built"
	fi
	if [ -n "$why" ]; then
		skip "stratovirt microvm, bzImage: $why"
		skip "stratovirt microvm, vmlinux.bin: $why"
		[ "$kind" = none ] && emu_attempt
		if [ "$kind" = pvm ]; then
			if [ -x "$O/stratovirt" ]; then
				pvm_attempt
			else
				echo "   no PVM attempt: $O/stratovirt not built"
			fi
		fi
		return
	fi
	for k in bzImage vmlinux.bin; do
		if our_vm "sv-microvm-$k" "$G/$k" "$KVM_TIMEOUT"; then
			judge "stratovirt microvm, $k, virtio-mmio rootfs" \
				'SV-INIT: started$' 'SV-TEST: PASS$' 'SV-INIT: rebooting$'
		else
			fail "stratovirt microvm, $k: could not copy the rootfs"
		fi
	done
}

# A container bundle through the shim: our kernel, the sv-agent initramfs,
# a busybox rootfs directory; the workload's stdout, stderr and exit code.
# Hardware KVM only (a Linux guest does not run on PVM or without KVM).
shim_container_checks() {
	echo "== a container in a Linux microVM through stratovirt-shim"
	shim=$O/stratovirt-shim
	initrd=$O/sv-agent-initramfs.cpio.gz
	if [ "$(kvm_kind)" != hardware ]; then
		skip "container bundle in a Linux VM: host KVM is '$(kvm_kind)' (hardware KVM only; the agent path is tested on the host in check-integration)"
		return
	fi
	if [ ! -x "$shim" ] || [ ! -f "$initrd" ] || ! command -v busybox >/dev/null; then
		skip "container bundle in a Linux VM: $shim, $initrd or busybox missing"
		return
	fi
	b=$W/bundle
	rm -rf "$b" "$W/shimroot"
	mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp"
	cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
	ln -s busybox "$b/rootfs/bin/sh"
	# shellcheck disable=SC2016 # $(...) runs in the guest's shell
	printf '%s\n' '{"ociVersion":"1.0.2","root":{"path":"rootfs"},' \
		' "process":{"args":["/bin/sh","-c","echo out-$(/bin/busybox uname -r); echo err >&2; exit 7"],' \
		'  "cwd":"/","env":["PATH=/bin"]},' \
		" \"annotations\":{\"org.stratovirt.kernel\":\"$(realpath "$G/vmlinux.bin")\"," \
		"  \"org.stratovirt.initrd\":\"$(realpath "$initrd")\"}}" > "$b/config.json"
	t0=$(now_ms)
	STRATOVIRT_SHIM_VMM=$(realpath "$O/stratovirt") timeout -k 5 "$KVM_TIMEOUT" \
		"$shim" --root "$W/shimroot" run -b "$b" svlinux1 \
		< /dev/null > "$W/ctr.out" 2> "$W/ctr.err"
	rc=$?
	ms=$(($(now_ms) - t0))
	if [ $rc = 7 ] && grep -q '^out-6\.1' "$W/ctr.out" && [ "$(cat "$W/ctr.err")" = err ]; then
		pass "container in a Linux microVM: stdout, stderr and exit 7 after $(ms_to_s "$ms") s"
	else
		fail "container in a Linux microVM: rc $rc (want 7), stdout '$(head -c 80 "$W/ctr.out")', stderr '$(head -c 200 "$W/ctr.err")'"
	fi
	"$shim" --root "$W/shimroot" delete --force svlinux1 2>/dev/null
	rm -rf "$W/shimroot"
}

# q35 + UEFI firmware: QEMU TCG + OVMF with -kernel and with the raw GPT
# disk alone, then our VMM with the seed's two q35 commands (hardware KVM).
firmware_checks() {
	run_suite "" 900 "$W/firmware.out" sh tests/linux/firmware.sh "$O"
}

if build_kit; then
	qemu_checks
	our_vmm_checks
	shim_container_checks
	firmware_checks
else
	skip "all boots: the guest kit did not build"
fi
echo "check-linux: $(($(date +%s) - T_START)) s"
summary "check-linux"
