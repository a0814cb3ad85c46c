#!/bin/sh
# build-disk.sh [--test-script FILE] OUT.img
#
# A raw GPT disk that UEFI firmware (OVMF) boots with no -kernel, as the
# seed's "raw image" standard-VM command line does:
#   partition 1  ESP, 16 MiB FAT (mkfs.vfat + mtools, no mounting):
#                \EFI\BOOT\BOOTX64.EFI = the guest kernel (EFI stub bzImage)
#   partition 2  the busybox ext4 root (contrib/guest/build-rootfs.sh),
#                PARTUUID $ROOT_PARTUUID
# The firmware starts the removable-media path \EFI\BOOT\BOOTX64.EFI with
# no load options, so the kernel command line is built in: the one guest
# kernel carries CONFIG_CMDLINE="root=PARTUUID=<partition 2>"
# (kernel_config/pci-acpi-efi.config). Arguments given by a boot loader or
# -append are appended (CONFIG_CMDLINE_OVERRIDE off), so their root=
# wins everywhere else.
#   --test-script FILE  passed to build-rootfs.sh (/etc/sv-test.sh).
# The disk is cached in ${SV_CACHE:-/var/cache/stratovirt-shim}/disk-<hash>/
# (hash over this script, the kernel, the rootfs and the tool versions) and
# copied (sparse) to OUT.img. It uses the cached guest kernel (built once,
# ~15 min on 2 cores); later runs take seconds.
set -eu

SV_TOOL=build-disk
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
# shellcheck source=contrib/guest/common.sh
. "$HERE/common.sh"

DISK_GUID=5f1c0a6e-7b7a-4c52-9d3e-3a5e6f0b0000
ESP_PARTUUID=5f1c0a6e-7b7a-4c52-9d3e-3a5e6f0b0001
ROOT_PARTUUID=5f1c0a6e-7b7a-4c52-9d3e-3a5e6f0b0002
# One word (build-kernel.sh checks fragment lines word by word); the same
# string is in kernel_config/pci-acpi-efi.config. Without
# console= the first console to register, the 8250 ttyS0, becomes
# /dev/console (the kernel has no VT); init remounts / read-write.
CMDLINE="root=PARTUUID=$ROOT_PARTUUID"
ESP_MIB=16
ROOT_MIB=32

TEST_SCRIPT=
OUTFILE=
while [ $# -gt 0 ]; do
	case $1 in
	--test-script) [ $# -ge 2 ] || die "--test-script needs a file"
		TEST_SCRIPT=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -eu$/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) [ -z "$OUTFILE" ] || die "one output file only"; OUTFILE=$1; shift ;;
	esac
done
[ -n "$OUTFILE" ] || die "usage: build-disk.sh [--test-script FILE] OUT.img"
for t in sgdisk mkfs.vfat mmd mcopy; do
	command -v "$t" >/dev/null ||
		die "$t missing (apt-get install gdisk dosfstools mtools)"
done
CACHE=$(cache_dir)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# The kernel: the one guest kernel (kernel_config/*.config); its built-in
# command line (pci-acpi-efi.config) names this disk's root partition.
build_kernel() {
	grep -q "^CONFIG_CMDLINE=\"$CMDLINE\"" "$TOP/kernel_config/pci-acpi-efi.config" ||
		die "kernel_config/pci-acpi-efi.config must set CONFIG_CMDLINE=\"$CMDLINE\""
	sh "$HERE/build-kernel.sh" --link "$TMP/kernel" || die "kernel build failed"
}

# make_esp IMG BZIMAGE
make_esp() {
	truncate -s "${ESP_MIB}M" "$1"
	mkfs.vfat -n SVESP -i 5f1c0a6e "$1" >/dev/null || die "mkfs.vfat failed"
	MTOOLS_SKIP_CHECK=1 mmd -i "$1" ::/EFI ::/EFI/BOOT || die "mmd failed"
	MTOOLS_SKIP_CHECK=1 mcopy -i "$1" "$2" ::/EFI/BOOT/BOOTX64.EFI ||
		die "mcopy failed"
}

# make_disk OUT ESP ROOT
make_disk() {
	root_start=$((1 + ESP_MIB))
	truncate -s "$((root_start + ROOT_MIB + 1))M" "$1"
	# (no -q: sgdisk 1.0.9 -q -o ... leaves the table unwritten)
	sgdisk -o -U "$DISK_GUID" \
		-n "1:1M:+${ESP_MIB}M" -t 1:ef00 -c 1:ESP -u "1:$ESP_PARTUUID" \
		-n "2:${root_start}M:+${ROOT_MIB}M" -t 2:8300 -c 2:root \
		-u "2:$ROOT_PARTUUID" "$1" >/dev/null || die "sgdisk failed"
	dd if="$2" of="$1" bs=1M seek=1 conv=notrunc,sparse status=none ||
		die "dd (ESP) failed"
	dd if="$3" of="$1" bs=1M seek="$root_start" conv=notrunc,sparse \
		status=none || die "dd (root) failed"
	sgdisk -v "$1" >/dev/null || die "sgdisk -v: bad partition table"
	sgdisk -i 2 "$1" | grep -qi "unique GUID: $ROOT_PARTUUID" ||
		die "the partition table was not written"
}

build_kernel
say "rootfs"
sh "$HERE/build-rootfs.sh" --size "$ROOT_MIB" \
	${TEST_SCRIPT:+--test-script "$TEST_SCRIPT"} "$TMP/rootfs.ext4" ||
	die "rootfs build failed"
HASH=$(printf 'esp=%s root=%s cmdline=%s\n%s\n%s\n%s\n' "$ESP_MIB" "$ROOT_MIB" \
	"$CMDLINE" "$(sgdisk -V 2>&1 | head -n 1)" \
	"$(dpkg-query -W -f='${Version}' dosfstools mtools 2>/dev/null)" \
	"$(sha256sum <"$TMP/rootfs.ext4")" |
	content_hash "$0" "$TMP/kernel/bzImage")
OUT=$CACHE/disk-$HASH
IMG=$OUT/disk.img
if [ ! -f "$IMG" ]; then
	mkdir -p "$OUT"
	say "building $IMG (GPT: ESP ${ESP_MIB} MiB, ext4 root ${ROOT_MIB} MiB)"
	make_esp "$TMP/esp.img" "$TMP/kernel/bzImage"
	make_disk "$IMG.tmp.$$" "$TMP/esp.img" "$TMP/rootfs.ext4"
	mv "$IMG.tmp.$$" "$IMG"
else
	say "cached: $IMG"
fi
publish "$IMG" "$OUTFILE"
say "disk: $OUTFILE ($(du -k "$OUTFILE" | cut -f1) KiB used), root=PARTUUID=$ROOT_PARTUUID"
