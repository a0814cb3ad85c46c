#!/bin/sh
# tests/linux/firmware.sh BUILD_DIR: q35 + UEFI firmware boots (slow tier,
# run by tests/linux/run.sh after its own checks; runs alone too).
#
# QEMU TCG is the reference here (it checks the kit, not our VMM):
#   (a) OVMF + -kernel bzImage -append ... + the rootfs on virtio-blk-pci
#       (the seed's "kernel + rootfs" standard-VM command);
#   (b) OVMF + the raw GPT disk alone (contrib/guest/build-disk.sh: ESP
#       with \EFI\BOOT\BOOTX64.EFI = the EFI-stub kernel with a built-in
#       root=PARTUUID=..., ext4 root partition), no -kernel (the seed's
#       "raw image" command).
# Then our VMM ($O/stratovirt -machine q35, the seed's two commands
# verbatim): counted on hardware KVM only; otherwise skipped with the reason.
# A boot passes when the guest printed "SV-INIT: started" (its /sbin/init
# ran) and "SV-TEST: PASS" (tests/linux/guest-check.sh), and the VM ended
# by itself (reboot=k / -no-reboot). Each boot is time-boxed.
# Environment: QEMU, FW_TIMEOUT (150 s per boot), KVM_TIMEOUT (120),
# OVMF_CODE (/usr/share/OVMF/OVMF_CODE_4M.fd), OVMF_VARS (..._VARS_4M.fd).
O=${1:-build}
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

QEMU=${QEMU:-qemu-system-x86_64}
FW_TIMEOUT=${FW_TIMEOUT:-150}
KVM_TIMEOUT=${KVM_TIMEOUT:-120}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
G=$O/guest
W=$O/tests/linux
mkdir -p "$G" "$W" || exit 1
T_START=$(date +%s)

now_ms() { date +%s%3N; }
ms_to_s() { printf '%d.%01d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
seen() { tr -d '\r' <"$1" | grep -q -- "$2"; }

# boot NAME DESC CMD...: runs the VM (serial log $W/NAME.log), then judges.
boot() {
	name=$1 desc=$2
	shift 2
	log=$W/$name.log
	: >"$log"
	t0=$(now_ms)
	timeout -k 5 "$FW_TIMEOUT" "$@" >"$log" 2>&1 </dev/null &
	pid=$! mark=
	while kill -0 "$pid" 2>/dev/null; do
		[ -z "$mark" ] && seen "$log" 'SV-INIT: started$' &&
			mark=$(($(now_ms) - t0))
		sleep 0.2
	done
	wait "$pid"
	rc=$? ms=$(($(now_ms) - t0))
	[ -z "$mark" ] && seen "$log" 'SV-INIT: started$' && mark=$ms
	why=
	for need in 'SV-INIT: started$' 'SV-TEST: PASS$' 'SV-INIT: rebooting$'; do
		seen "$log" "$need" || { why="no '$need'"; break; }
	done
	[ -z "$why" ] && [ "$rc" = 124 ] && why="did not exit within ${FW_TIMEOUT} s"
	if [ -z "$why" ]; then
		pass "$desc: /sbin/init after $(ms_to_s "$mark") s, exit after $(ms_to_s "$ms") s"
	else
		fail "$desc: $why (rc $rc after $(ms_to_s "$ms") s, log $log)"
		tr -d '\r' <"$log" | grep -v '^$' | tail -n 12 | sed 's/^/    | /'
	fi
}

build_images() {
	if ! sh contrib/guest/build-kernel.sh --quiet --link "$G" >/dev/null ||
		! sh contrib/guest/build-rootfs.sh --test-script \
			tests/linux/guest-check.sh "$G/rootfs-check.ext4" >/dev/null; then
		fail "guest kernel / rootfs build"
		return 1
	fi
	if sh contrib/guest/build-disk.sh --test-script tests/linux/guest-check.sh \
		"$G/disk-check.img"; then
		pass "raw GPT disk built (ESP + BOOTX64.EFI, ext4 root)"
	else
		fail "raw GPT disk build (contrib/guest/build-disk.sh)"
		return 1
	fi
}

# The rootfs/disk and the VARS are private copies per boot.
qemu_boots() {
	echo "== q35 + OVMF under QEMU TCG ($OVMF_CODE)"
	if ! command -v "$QEMU" >/dev/null || [ ! -r "$OVMF_CODE" ] || [ ! -r "$OVMF_VARS" ]; then
		skip "QEMU + OVMF boots: $QEMU or $OVMF_CODE missing (apt-get install qemu-system-x86 ovmf)"
		skip "QEMU + OVMF raw disk boot: same"
		return
	fi
	q="$QEMU -M q35 -accel tcg -smp 1 -m 512m -nodefaults -no-user-config -nographic -serial stdio -no-reboot"
	cp "$OVMF_VARS" "$W/fw-a.vars" && cp --sparse=always "$G/rootfs-check.ext4" "$W/fw-a.ext4" || return
	# shellcheck disable=SC2086
	boot fw-qemu-kernel "QEMU TCG q35 + OVMF, -kernel bzImage, virtio-blk-pci rootfs" \
		$q -kernel "$G/bzImage" -append "console=ttyS0 reboot=k panic=1 root=/dev/vda rw" \
		-drive file="$W/fw-a.ext4",id=rootfs,format=raw,if=none \
		-device virtio-blk-pci,drive=rootfs,id=blk1,bus=pcie.0,addr=0x2 \
		-drive file="$OVMF_CODE",if=pflash,format=raw,unit=0,readonly=on \
		-drive file="$W/fw-a.vars",if=pflash,format=raw,unit=1
	rm -f "$W/fw-a.vars" "$W/fw-a.ext4"
	cp "$OVMF_VARS" "$W/fw-b.vars" && cp --sparse=always "$G/disk-check.img" "$W/fw-b.img" || return
	# shellcheck disable=SC2086
	boot fw-qemu-disk "QEMU TCG q35 + OVMF, raw GPT disk alone (BOOTX64.EFI)" \
		$q -drive file="$W/fw-b.img",id=raw_image,format=raw,if=none \
		-device virtio-blk-pci,drive=raw_image,id=blk1,bus=pcie.0,addr=0x2 \
		-drive file="$OVMF_CODE",if=pflash,format=raw,unit=0,readonly=on \
		-drive file="$W/fw-b.vars",if=pflash,format=raw,unit=1
	rm -f "$W/fw-b.vars" "$W/fw-b.img"
}

# PVM host: OVMF's code runs in KVM's instruction emulator, which lacks
# instructions it uses. One attempt, time-boxed to PVM_FW_TIMEOUT (30 s),
# prints how far it got; it is reported as a skip, never as a pass.
pvm_attempt() {
	log=$W/fw-sv-pvm.log
	cp "$OVMF_VARS" "$W/sv-p.vars" || return
	t0=$(now_ms)
	timeout -k 5 "${PVM_FW_TIMEOUT:-30}" "$O/stratovirt" -machine q35 -m 512 \
		-drive file="$OVMF_CODE",if=pflash,unit=0,readonly=true \
		-drive file="$W/sv-p.vars",if=pflash,unit=1 -serial stdio \
		-no-reboot >"$log" 2>&1 </dev/null
	rc=$? ms=$(($(now_ms) - t0))
	rm -f "$W/sv-p.vars"
	err=$(grep -m1 -o 'KVM_EXIT_INTERNAL_ERROR.*emulation failure)' "$log")
	insn=$(grep -m1 -o 'instruction bytes.*' "$log")
	rip=$(grep -m1 -o 'RIP [0-9a-f:]*' "$log")
	echo "PVM host, hardware KVM only: one OVMF attempt here ended" \
		"(rc $rc) after $(ms_to_s "$ms") s: ${err:-no emulation failure}" \
		"${rip:+at $rip}${insn:+, $insn} (log $log)"
}

# The seed's two q35 commands, verbatim (paths filled in).
our_boots() {
	echo "== q35 + OVMF on our VMM ($O/stratovirt)"
	kind=$(kvm_kind) why=
	case $kind in
	none) why="no /dev/kvm (firmware runs real-mode code: hardware KVM only)" ;;
	pvm) why=$(pvm_attempt) ;;
	esac
	[ -z "$why" ] && [ ! -x "$O/stratovirt" ] && why="$O/stratovirt not built"
	[ -z "$why" ] && [ ! -r "$OVMF_CODE" ] && why="$OVMF_CODE missing"
	if [ -n "$why" ]; then
		skip "stratovirt q35 + OVMF, -kernel bzImage + rootfs: $why"
		skip "stratovirt q35 + OVMF, raw GPT disk: $why"
		return
	fi
	sv=$O/stratovirt
	cp "$OVMF_VARS" "$W/sv-a.vars" && cp --sparse=always "$G/rootfs-check.ext4" "$W/sv-a.ext4" || return
	boot fw-sv-kernel "stratovirt q35 + OVMF, -kernel bzImage, virtio-blk-pci rootfs" \
		"$sv" -machine q35 -kernel "$G/bzImage" -smp 1 -m 2G \
		-append "console=ttyS0 reboot=k panic=1 root=/dev/vda rw" \
		-drive file="$W/sv-a.ext4",id=rootfs,readonly=off,direct=off \
		-device virtio-blk-pci,drive=rootfs,id=blk1,bus=pcie.0,addr=0x2 \
		-drive file="$OVMF_CODE",if=pflash,unit=0,readonly=true \
		-drive file="$W/sv-a.vars",if=pflash,unit=1 \
		-qmp unix:"$W/sv-a.qmp",server,nowait -serial stdio
	rm -f "$W/sv-a.vars" "$W/sv-a.ext4" "$W/sv-a.qmp"
	cp "$OVMF_VARS" "$W/sv-b.vars" && cp --sparse=always "$G/disk-check.img" "$W/sv-b.img" || return
	boot fw-sv-disk "stratovirt q35 + OVMF, raw GPT disk alone" \
		"$sv" -machine q35 -smp 1 -m 2G \
		-drive file="$W/sv-b.img",id=raw_image,readonly=off,direct=off \
		-device virtio-blk-pci,drive=raw_image,id=blk1,bus=pcie.0,addr=0x2 \
		-drive file="$OVMF_CODE",if=pflash,unit=0,readonly=true \
		-drive file="$W/sv-b.vars",if=pflash,unit=1 \
		-qmp unix:"$W/sv-b.qmp",server,nowait -serial stdio
	rm -f "$W/sv-b.vars" "$W/sv-b.img" "$W/sv-b.qmp"
}

if build_images; then
	qemu_boots
	our_boots
else
	skip "firmware boots: the images did not build"
fi
echo "check-linux firmware: $(($(date +%s) - T_START)) s"
summary "check-linux-firmware"
