#!/bin/sh
# The guest tiers of `make check`: our VMM runs the project's test guests.
#  - real KVM: build/stratovirt on /dev/kvm (skipped loudly without it);
#  - emulated: build/tests/stratovirt-emu, the same VMM with the test-only
#    software CPU of tests/emu below the KVM seam, so machines, devices,
#    the boot loader and the exit paths are exercised on every host;
#  - bad input: command-line and file errors (no guest needed);
#  - QEMU differential: the same guests under qemu-system-x86_64 (TCG).
O=${1:-build}
. tests/lib.sh
. tests/integration/guest_lib.sh
G=$O/guests
TMP=$(mktemp -d /tmp/sv-kvm.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

seed_cmd() { # VMM KERNEL APPEND DISK SOCK: the seed's microvm command line
	echo "$1 -machine microvm -kernel $2 -smp 1 -m 1024m" \
	     "-append console=ttyS0 pci=off reboot=k quiet panic=1 root=/dev/vda $3" \
	     "-drive file=$4,id=rootfs,readonly=off,direct=off" \
	     "-device virtio-blk-device,drive=rootfs,id=rootfs" \
	     "-qmp unix:$5,server,nowait -serial stdio"
}

tier_seed() { # LABEL VMM
	for k in svtest.bzImage svtest.bin svtest.elf; do
		if [ "$1" = emu ] && [ "$k" = svtest.elf ]; then
			skip "emu: PVH ELF boot starts in 32-bit mode, which tests/emu does not emulate"
			continue
		fi
		d=$TMP/seed.img; s=$TMP/seed.sock; o=$TMP/seed.out
		new_disk "$d"
		# Word splitting is wanted: the seed is one shell command line.
		# shellcheck disable=SC2046
		run_vmm "$o" 60 $(seed_cmd "$2" "$G/$k" "svtest=blk svblk.stamp=5eed" "$d" "$s")
		expect_pass "$1: seed microvm command line, $k, virtio-blk" "$o"
		if sector_has "$d" 1 "SVWRITE!"; then
			pass "$1: $k: the guest's disk write is in the file after exit"
		else
			fail "$1: $k: sector 1 of the disk was not written"
		fi
		[ -e "$s" ] && fail "$1: $k: QMP socket left behind" || pass "$1: $k: QMP socket removed at exit"
	done
}

# The seed's standard VM "boot with kernel directly" command (x86: -machine
# virt is q35), paths aside; the test guest drives virtio-blk over
# virtio-pci and, as the command has no -no-reboot, ends with ACPI S5.
seed_std_cmd() { # VMM KERNEL APPEND DISK SOCK
	echo "$1 -machine virt -kernel $2 -smp 1 -m 2G" \
	     "-append console=ttyS0 reboot=k panic=1 root=/dev/vda rw $3" \
	     "-drive file=$4,id=rootfs,readonly=off,direct=off" \
	     "-device virtio-blk-pci,drive=rootfs,id=blk1,bus=pcie.0,addr=0x2" \
	     "-qmp unix:$5,server,nowait -serial stdio"
}

tier_seed_std() { # LABEL VMM
	d=$TMP/std.img; s=$TMP/std.sock; o=$TMP/std.out
	new_disk "$d"
	# shellcheck disable=SC2046
	run_vmm "$o" 120 $(seed_std_cmd "$2" "$G/svtest.bzImage" \
		"svtest=vpciblk svblk.stamp=5eed svend=s5" "$d" "$s")
	expect_pass "$1: seed standard VM direct-boot command line, virtio-blk-pci" "$o"
	if [ "$RC" = 0 ] && sector_has "$d" 1 "SVWRITE!"; then
		pass "$1: standard VM: exit 0 after ACPI S5, the disk write is in the file"
	else
		fail "$1: standard VM: status $RC, or sector 1 not written"
	fi
}

# Firmware boot: svtest.fd (the test guest as a flash image) from pflash
# unit 0 at the reset vector, its command line from fw_cfg (-append without
# -kernel), ACPI through the table loader. Real mode: hardware KVM only.
tier_fw() { # LABEL VMM
	f=$G/svtest.fd
	if [ ! -f "$f" ]; then
		fail "$1: $f missing (make guests)"
		return
	fi
	for t in hello fwcfg acpi "pflash svflash0=$(stat -c %s "$f")"; do
		dd if=/dev/zero bs=4096 count=16 2>/dev/null | tr '\0' '\377' > "$TMP/vars.fd"
		run_vmm "$TMP/fw.out" 60 "$2" -machine q35 -no-reboot -m 256 \
			-drive "file=$f,if=pflash,unit=0,readonly=true" \
			-drive "file=$TMP/vars.fd,if=pflash,unit=1" \
			-append "console=ttyS0 svtest=$t svcpus=1" -serial stdio
		expect_pass "$1: q35 firmware boot from pflash (svtest.fd): ${t%% *}" "$TMP/fw.out"
	done
}

tier_boot() { # LABEL VMM
	for m in 128 1024; do
		o=$TMP/boot.out
		run_vmm "$o" 60 "$2" -machine microvm -kernel "$G/svtest.bin" -m "${m}m" \
			-append "console=ttyS0 svtest=boot svmem=$m svmagic=abc123" -serial stdio
		expect_pass "$1: boot_params, e820 and cmdline with -m ${m}m" "$o"
	done
	"$G/mkinitrd" "$TMP/initrd" 300000 >/dev/null
	run_vmm "$TMP/i.out" 60 "$2" -kernel "$G/svtest.bzImage" -m 256 -initrd "$TMP/initrd" \
		-append "console=ttyS0 svtest=boot svmem=256 svmagic=abc123 svinitrd=300000" -serial stdio
	expect_pass "$1: initrd placement and contents" "$TMP/i.out"
	for n in 1 2 4; do
		run_vmm "$TMP/mp.out" 60 "$2" -kernel "$G/svtest.bin" -smp "$n" \
			-append "console=ttyS0 svtest=mptable svcpus=$n" -serial stdio
		expect_pass "$1: MP table lists $n vCPU(s)" "$TMP/mp.out"
	done
}

tier_smp() { # LABEL VMM: APs started by the guest (INIT/SIPI): real KVM only
	for n in 2 4; do
		run_vmm "$TMP/smp.out" 60 "$2" -kernel "$G/svtest.bin" -smp "$n" \
			-append "console=ttyS0 svtest=smp svcpus=$n" -serial stdio
		expect_pass "$1: -smp $n: every vCPU reports in" "$TMP/smp.out"
	done
}

tier_blk() { # LABEL VMM
	d=$TMP/ro.img; new_disk "$d"
	run_vmm "$TMP/ro.out" 60 "$2" -kernel "$G/svtest.bin" \
		-append "console=ttyS0 svtest=blk svblk.ro=1" \
		-drive "file=$d,id=d0,readonly=on" -device virtio-blk-device,drive=d0,id=d0 -serial stdio
	expect_pass "$1: read-only drive refuses writes (VIRTIO_BLK_S_IOERR)" "$TMP/ro.out"
	sector_has "$d" 1 "SVWRITE!" && fail "$1: read-only drive was written" || pass "$1: read-only drive unchanged"
	d=$TMP/id.img; new_disk "$d"
	run_vmm "$TMP/id.out" 60 "$2" -kernel "$G/svtest.bin" \
		-append "console=ttyS0 svtest=blk svblk.serial=sv-serial-7" \
		-drive "file=$d,id=d0,direct=on" -device virtio-blk-device,drive=d0,id=d0,serial=sv-serial-7 -serial stdio
	expect_pass "$1: direct=on drive, GET_ID returns the serial" "$TMP/id.out"
	d=$TMP/sc.img; new_disk "$d"
	run_vmm "$TMP/sc.out" 60 "$2" -kernel "$G/svtest.bin" -append "console=ttyS0 svtest=scribble" \
		-drive "file=$d,id=d0" -device virtio-blk-device,drive=d0,id=d0 -serial stdio
	expect_pass "$1: hostile guest scribbles over virtio registers and rings; VMM survives" "$TMP/sc.out"
}

tier_exit() { # LABEL VMM
	for t in reboot triple; do
		run_vmm "$TMP/x.out" 60 "$2" -kernel "$G/svtest.bin" -append "console=ttyS0 svtest=$t" -serial stdio
		if [ "$RC" -eq 0 ] && grep -q "svtest" "$TMP/x.out"; then
			pass "$1: guest $t ends the VMM with exit 0"
		else
			fail "$1: guest $t (exit $RC)"; tail -n 5 "$TMP/x.out"
		fi
	done
	"$2" -kernel "$G/svtest.bin" -append "console=ttyS0 svtest=count" -serial "file,path=$TMP/c.out" \
		-qmp "unix:$TMP/c.sock,server,nowait" < /dev/null > "$TMP/c.err" 2>&1 &
	pid=$!
	i=0; while [ $i -lt 50 ] && [ ! -S "$TMP/c.sock" ]; do sleep 0.1; i=$((i + 1)); done
	sleep 0.5
	kill -TERM "$pid"; wait "$pid"; rc=$?
	if [ "$rc" -eq 0 ] && [ ! -e "$TMP/c.sock" ]; then
		pass "$1: SIGTERM ends the VMM cleanly (exit 0, socket removed)"
	else
		fail "$1: SIGTERM: exit $rc"; cat "$TMP/c.err"
	fi
}

# A console reader that stops reading: the vCPU blocks in its console
# write, and QMP stop and quit must still answer (the kick frees it).
tier_stall() { # LABEL VMM
	rm -f "$TMP/stall.sock"
	if out=$(python3 tests/integration/console_stall.py "$TMP/stall.sock" "$2" \
		-kernel "$G/svtest.bin" -append "console=ttyS0 svtest=count svcount.shift=0" \
		-serial stdio -qmp "unix:$TMP/stall.sock,server,nowait"); then
		pass "$1: stalled console reader: $out"
	else
		fail "$1: stalled console reader: $out"
	fi
}

tier_chardev() { # LABEL VMM
	rm -f "$TMP/ser.out" "$TMP/vmm.log"
	run_vmm "$TMP/cd.out" 60 "$2" -kernel "$G/svtest.bin" -append "console=ttyS0 svtest=hello" \
		-serial "file,path=$TMP/ser.out" -D "$TMP/vmm.log" -name demo-vm
	if [ "$RC" -eq 0 ] && grep -q '^TEST: PASS' "$TMP/ser.out"; then
		pass "$1: -serial file,path= receives the console"
	else
		fail "$1: -serial file (exit $RC)"
	fi
	if grep -q 'machine microvm created' "$TMP/vmm.log" && grep -q 'shutdown: guest-shutdown' "$TMP/vmm.log"; then
		pass "$1: -D file gets StratoVirt-style log lines"
	else
		fail "$1: -D log file"; cat "$TMP/vmm.log"
	fi
	"$2" -kernel "$G/svtest.bin" -append "console=ttyS0 svtest=count svcount.shift=14" \
		-serial pty < /dev/null > "$TMP/pty.out" 2> "$TMP/pty.err" &
	pid=$!
	i=0; while [ $i -lt 50 ] && ! grep -q 'redirected to' "$TMP/pty.err"; do sleep 0.1; i=$((i + 1)); done
	pts=$(sed -nE 's/char device redirected to ([^ ]+).*/\1/p' "$TMP/pty.err")
	got=""
	[ -n "$pts" ] && got=$(timeout 5 head -c 200 "$pts" 2>/dev/null | tr -d '\r' | grep -m1 'tick')
	kill -TERM "$pid"; wait "$pid"
	if [ -n "$got" ]; then
		pass "$1: -serial pty: guest output read from $pts"
	else
		fail "$1: -serial pty: nothing read from '$pts'"; cat "$TMP/pty.err"
	fi
}

# A vCPU that stops with KVM_EXIT_INTERNAL_ERROR: the report (registers,
# and the instruction bytes KVM hands over) is written from the vCPU thread
# under the seccomp filter; exit 1, the QMP socket removed.
tier_badexit() { # LABEL VMM
	run_vmm "$TMP/jh.out" 60 "$2" -kernel "$G/svtest.bin" \
		-append "console=ttyS0 svtest=jumphole" -serial stdio \
		-qmp "unix:$TMP/jh.sock,server,nowait"
	if [ "$RC" -eq 1 ] && grep -q 'KVM_EXIT_INTERNAL_ERROR' "$TMP/jh.out" &&
	   grep -q 'RIP .*e0000000' "$TMP/jh.out" && [ ! -e "$TMP/jh.sock" ]; then
		pass "$1: guest executes from a hole: internal error reported, exit 1, socket removed"
	else
		fail "$1: guest executes from a hole (exit $RC)"; tail -n 8 "$TMP/jh.out" | sed 's/^/    | /'
	fi
	if [ "$(kvm_kind)" != pvm ]; then
		skip "$1: unemulated instruction: hardware KVM runs popcnt natively"
		return
	fi
	# PVM: ring-0 code runs in KVM's emulator, which lacks popcnt.
	printf '\363\110\017\270\303\364' > "$TMP/popcnt.bin"
	truncate -s 4096 "$TMP/popcnt.bin"
	run_vmm "$TMP/pc.out" 30 "$2" -kernel "$TMP/popcnt.bin" -append x
	if [ "$RC" -eq 1 ] && grep -q 'instruction bytes f3 48 0f b8 c3' "$TMP/pc.out"; then
		pass "$1: PVM emulation failure names the instruction bytes, exit 1"
	else
		fail "$1: PVM emulation failure report (exit $RC)"; tail -n 8 "$TMP/pc.out" | sed 's/^/    | /'
	fi
}

run_tier() { # LABEL VMM
	tier_seed "$1" "$2"
	tier_seed_std "$1" "$2"
	tier_boot "$1" "$2"
	tier_blk "$1" "$2"
	tier_exit "$1" "$2"
	tier_chardev "$1" "$2"
	tier_stall "$1" "$2"
}

echo "== real KVM tier ($(kvm_kind))"
case $(kvm_kind) in
none)
	skip "real-KVM tier: this host has no /dev/kvm (the kvm_pvm module does not bind on a PVM guest); the emulated tier below runs the same tests" ;;
*)
	run_tier "kvm" "$O/stratovirt"
	tier_fw "kvm" "$O/stratovirt"
	tier_smp "kvm" "$O/stratovirt"
	tier_badexit "kvm" "$O/stratovirt" ;;
esac

echo "== emulated-CPU tier (tests/emu: software CPU below the KVM seam)"
if [ -x "$O/tests/stratovirt-emu" ]; then
	run_tier "emu" "$O/tests/stratovirt-emu"
	skip "emu: -smp AP bring-up (INIT/SIPI, real mode) is not emulated by tests/emu"
	skip "emu: q35 firmware boot from pflash starts in real mode, which tests/emu does not emulate (hardware KVM runs svtest.fd)"
else
	fail "emulated tier: $O/tests/stratovirt-emu was not built"
fi

echo "== unhandled guest instruction (emulated tier)"
if [ -x "$O/tests/stratovirt-emu" ]; then
	# A raw image whose first instruction is popcnt, which tests/emu does
	# not implement, like KVM's emulator on a PVM host.
	printf '\363\110\017\270\303\364' > "$TMP/popcnt.bin"
	truncate -s 4096 "$TMP/popcnt.bin"
	run_vmm "$TMP/ie.out" 30 "$O/tests/stratovirt-emu" -kernel "$TMP/popcnt.bin" \
		-append x -qmp "unix:$TMP/ie.sock,server,nowait"
	if [ "$RC" -eq 1 ] && grep -q 'KVM_EXIT_INTERNAL_ERROR' "$TMP/ie.out" &&
	   grep -q 'code \[f3 48 0f b8 c3' "$TMP/ie.out" && grep -q 'RAX ' "$TMP/ie.out" &&
	   [ ! -e "$TMP/ie.sock" ]; then
		pass "emu: emulation failure reports exit reason, instruction bytes, registers; exit 1; socket removed"
	else
		fail "emu: emulation failure report (exit $RC)"; sed 's/^/    | /' "$TMP/ie.out"
	fi
fi

echo "== bad input"
sh tests/integration/bad_input.sh "$O" > "$TMP/bad.out" 2>&1
cat "$TMP/bad.out"
add_counts "$(cat "$TMP/bad.out")" || fail "bad_input.sh printed no summary"

echo "== QEMU differential (the same guests under qemu-system-x86_64, TCG)"
if [ -f tests/guests/run-qemu.sh ]; then
	sh tests/guests/run-qemu.sh "$O" > "$TMP/q.out" 2>&1
	cat "$TMP/q.out"
	add_counts "$(cat "$TMP/q.out")" || fail "run-qemu.sh printed no summary"
	# svtest.fd, the test guest as firmware, on QEMU q35's pflash.
	sh tests/guests/run-qemu-fw.sh "$O" > "$TMP/qfw.out" 2>&1
	cat "$TMP/qfw.out"
	add_counts "$(cat "$TMP/qfw.out")" || fail "run-qemu-fw.sh printed no summary"
fi
summary "guest tiers"
