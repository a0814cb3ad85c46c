#!/bin/sh
# build-initramfs.sh OUT.cpio.gz
#
# A busybox initramfs (gzip'd newc cpio) for the guest kernel. Its /init
# mounts devtmpfs, proc and sysfs, prints "SV-INIT: started (initramfs)" on
# /dev/console and then, when the kernel command line has root=/dev/...,
# mounts that device and switch_roots to its /sbin/init; without root= (or
# if the mount fails) it reboots (reboot -f), which ends a microvm started
# with reboot=k. A placeholder: the sv-agent's initramfs replaces it.
#
# No root needed: the archive is written with every file owned by 0:0, and
# /dev/console + /dev/null (needed before devtmpfs is mounted) come from a
# small hand-written newc archive in front of it (the kernel unpacks
# concatenated archives). Cached by content in
# ${SV_CACHE:-/var/cache/stratovirt-shim}/initramfs-<hash>/.
set -eu

SV_TOOL=build-initramfs
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/guest/common.sh
. "$HERE/common.sh"

case ${1:-} in
-h|--help) sed -n '2,/^set -eu$/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
''|-*) die "usage: build-initramfs.sh OUT.cpio.gz" ;;
esac
OUTFILE=$1
need_busybox
command -v cpio >/dev/null || die "cpio missing (apt-get install cpio)"

write_init() {
	cat >"$1" <<'EOF'
#!/bin/sh
# /init of the stratovirt-shim placeholder initramfs
# (contrib/guest/build-initramfs.sh).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "SV-INIT: started (initramfs)"
root=
for arg in $(cat /proc/cmdline); do
	case $arg in root=/dev/*) root=${arg#root=} ;; esac
done
if [ -n "$root" ]; then
	n=0
	while [ ! -b "$root" ] && [ $n -lt 50 ]; do
		usleep 100000
		n=$((n + 1))
	done
	mkdir -p /newroot
	if mount "$root" /newroot; then
		echo "SV-INIT: switch_root to $root"
		mount --move /dev /newroot/dev
		umount /proc /sys
		exec switch_root /newroot /sbin/init
	fi
	echo "SV-INIT: cannot mount $root"
fi
echo "SV-INIT: rebooting"
reboot -f
EOF
	chmod 0755 "$1"
}

# newc_entry INO MODE RDEVMAJOR RDEVMINOR NAME: one header of an empty
# file, directory or device node (mode in decimal), padded to 4 bytes.
newc_entry() {
	nsz=$((${#5} + 1))
	printf '070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x' \
		"$1" "$2" 0 0 1 0 0 0 0 "$3" "$4" "$nsz" 0
	printf '%s\000' "$5"
	pad=$(((4 - (110 + nsz) % 4) % 4))
	while [ "$pad" -gt 0 ]; do printf '\000'; pad=$((pad - 1)); done
}

# The device nodes: dev (040755), dev/console (020600, 5:1), dev/null
# (020666, 1:3), then the trailer.
write_devnodes() {
	{
		newc_entry 1 16877 0 0 dev
		newc_entry 2 8576 5 1 dev/console
		newc_entry 3 8630 1 3 dev/null
		newc_entry 0 0 0 0 'TRAILER!!!'
	} >"$1"
}

CACHE=$(cache_dir)
HASH=$(echo initramfs | content_hash "$0" "$HERE/common.sh")
OUT=$CACHE/initramfs-$HASH
IMG=$OUT/initramfs.cpio.gz
if [ ! -f "$IMG" ]; then
	mkdir -p "$OUT"
	say "building $IMG"
	stage=$OUT/stage.$$
	rm -rf "$stage"
	mkdir -p "$stage"
	populate_busybox "$stage"
	mkdir -p "$stage/newroot"
	write_init "$stage/init"
	write_devnodes "$OUT/devnodes.cpio"
	(cd "$stage" && find . -mindepth 1 | sed "s|^\./||" | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) >"$OUT/main.cpio" ||
		die "cpio failed"
	cat "$OUT/devnodes.cpio" "$OUT/main.cpio" | gzip -9n >"$IMG.tmp"
	rm -rf "$stage" "$OUT/devnodes.cpio" "$OUT/main.cpio"
	mv "$IMG.tmp" "$IMG"
else
	say "cached: $IMG"
fi
publish "$IMG" "$OUTFILE"
say "initramfs: $OUTFILE ($(wc -c <"$OUTFILE") bytes)"
