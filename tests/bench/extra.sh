# shellcheck shell=sh
# Sections of tests/bench/run.sh beyond the microvm test-guest rows: q35,
# the shim's CLI latency, and Linux to /sbin/init (hardware KVM only).
# Each sets variables that run.sh prints and records; a section that cannot
# run says why in its *_NOTE variable instead of failing.

# q35: the same test guest, direct kernel boot. QEMU's q35 goes through
# SeaBIOS (its only way to boot -kernel); ours loads the kernel itself.
bench_q35() {
	Q35_NOTE=
	: > "$TMP/ours_q35.jsonl"; : > "$TMP/qemu_q35.jsonl"
	if ours_q35 "$APPEND_HELLO" "$B" --timeout-ms 60000 -- \
		< /dev/null 2>/dev/null | grep -q '"status":0,"timed_out":false' &&
		! ours_q35 "$APPEND_HELLO" "$B" --marker 'TEST: PASS' -- \
		< /dev/null 2>/dev/null | grep -q '"marker_ms":-1'; then
		q35_ours=1
	else
		q35_ours=0
		Q35_NOTE="ours: -machine q35 did not boot the test guest"
	fi
	for _ in $(seq "$RUNS"); do
		[ $q35_ours = 1 ] && one ours_q35 ours_q35 "$APPEND_HELLO"
		[ $have_qemu = 1 ] && one qemu_q35 qemu_q35 "$APPEND_HELLO"
	done
}

# The shim: create / start / delete latency of a vm bundle whose kernel is
# the test guest (the idle test, so the VM is still up for delete).
bench_shim() {
	SHIM_NOTE=
	SHIM=$O/stratovirt-shim
	: > "$TMP/shim_create.jsonl"; : > "$TMP/shim_start.jsonl"
	: > "$TMP/shim_delete.jsonl"
	if [ ! -x "$SHIM" ]; then
		SHIM_NOTE="$SHIM not built"
		return
	fi
	bundle=$TMP/bundle
	mkdir -p "$bundle/rootfs"
	printf 'SVDISK01' > "$TMP/shim.disk"; truncate -s 1M "$TMP/shim.disk"
	cat > "$bundle/config.json" <<EOF
{"ociVersion":"1.0.2","process":{"args":["/sbin/init"],"cwd":"/"},
 "root":{"path":"rootfs"},
 "annotations":{"org.stratovirt.bundle":"vm","org.stratovirt.kernel":"$(realpath "$K")",
  "org.stratovirt.kernel_params":"console=ttyS0 svtest=idle",
  "org.stratovirt.rootfs_image":"$TMP/shim.disk",
  "org.stratovirt.memory_mib":"$MEM","org.stratovirt.vcpus":"1"}}
EOF
	root=$TMP/shimroot
	export STRATOVIRT_SHIM_VMM="$(realpath "$OURS")"
	for i in $(seq "$RUNS"); do
		"$B" --exit-only -- "$SHIM" --root "$root" create --bundle "$bundle" \
			"bench$i" < /dev/null >> "$TMP/shim_create.jsonl" 2>/dev/null
		"$B" --exit-only -- "$SHIM" --root "$root" start "bench$i" \
			< /dev/null >> "$TMP/shim_start.jsonl" 2>/dev/null
		"$B" --exit-only -- "$SHIM" --root "$root" delete --force "bench$i" \
			< /dev/null >> "$TMP/shim_delete.jsonl" 2>/dev/null
	done
	unset STRATOVIRT_SHIM_VMM
	if grep -qv '"status":0,' "$TMP/shim_create.jsonl" "$TMP/shim_start.jsonl" \
		"$TMP/shim_delete.jsonl"; then
		SHIM_NOTE="some shim calls failed (non-zero status in the records)"
	fi
	rm -rf "$root"
}

# Linux: exec to "SV-INIT: started" and the guest's own printk time at
# "Run /sbin/init", ours and QEMU microvm, same kernel, rootfs, cmdline.
# Runs only on hardware KVM: on a PVM host or without /dev/kvm a Linux
# guest runs in an instruction emulator and measures nothing of ours.
LINUX_APPEND="console=ttyS0 reboot=k panic=1 pci=off root=/dev/vda"
bench_linux() {
	LINUX_NOTE=
	G=$O/guest
	: > "$TMP/ours_linux.jsonl"; : > "$TMP/qemu_linux.jsonl"
	: > "$TMP/ours_linux.printk"; : > "$TMP/qemu_linux.printk"
	if [ "$kind" != hardware ]; then
		LINUX_NOTE="not run: host KVM is '$kind'; Linux boot-to-init is measured on hardware KVM only"
		return
	fi
	if [ ! -f "$G/bzImage" ] || [ ! -f "$G/rootfs.ext4" ]; then
		LINUX_NOTE="not run: guest kit missing (make guest-images)"
		return
	fi
	for i in $(seq "$RUNS"); do
		linux_one ours "$i"
		[ $have_qemu = 1 ] && linux_one qemu "$i"
	done
}

# linux_one ours|qemu I: one boot to init with a private rootfs copy.
linux_one() {
	r=$TMP/linux.ext4
	cp --sparse=always "$G/rootfs.ext4" "$r"
	if [ "$1" = ours ]; then
		set -- ours "$2" "$OURS" -machine microvm -kernel "$G/bzImage" -m 256 \
			-smp 1 -append "$LINUX_APPEND" -drive file="$r",id=rootfs \
			-device virtio-blk-device,drive=rootfs,id=rootfs -serial stdio
	else
		set -- qemu "$2" "$QEMU" -M microvm,acpi=off -accel kvm $QCPU -m 256 \
			-smp 1 -nodefaults -no-user-config -nographic -serial stdio \
			-no-reboot -global virtio-mmio.force-legacy=false \
			-kernel "$G/bzImage" -append "$LINUX_APPEND" \
			-drive id=rootfs,file="$r",format=raw,if=none \
			-device virtio-blk-device,drive=rootfs
	fi
	who=$1; shift 2
	"$B" --marker 'SV-INIT: started' --timeout-ms 60000 \
		--console "$TMP/linux.log" -- "$@" < /dev/null \
		>> "$TMP/${who}_linux.jsonl" 2>/dev/null
	sed -nE 's/^\[ *([0-9]+\.[0-9]+)\] Run \/sbin\/init.*/\1/p' "$TMP/linux.log" |
		awk '{ printf "{\"printk_init_ms\":%.3f}\n", $1 * 1000 }' \
		>> "$TMP/${who}_linux.printk"
	rm -f "$r"
}
