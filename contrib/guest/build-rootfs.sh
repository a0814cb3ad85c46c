#!/bin/sh
# build-rootfs.sh [--interactive] [--test-script FILE] [--size MIB] OUT.ext4
#
# A busybox (busybox-static) ext4 root file system for the guest kernel,
# made with `mkfs.ext4 -d` from a staging directory: no mounting, no root
# (as non-root, debugfs gives every file to uid/gid 0 afterwards).
#
# /sbin/init (after the seed document's appendix) mounts devtmpfs, proc,
# sysfs, devpts, remounts / read-write, prints "SV-INIT: started" on
# /dev/console, runs /etc/sv-test.sh if present (printing "SV-INIT:
# sv-test.sh exit N"), then "SV-INIT: rebooting" and `reboot -f`: with
# reboot=k and -no-reboot (QEMU) or a StratoVirt microvm, the VM exits.
#   --interactive       a shell on ttyS0 (getty -n -l /bin/sh) instead of
#                       the test script; reboot -f when it exits.
#   --test-script FILE  install FILE as /etc/sv-test.sh.
#   --size MIB          image size (default 32).
# Images are cached by content in ${SV_CACHE:-/var/cache/stratovirt-shim}/
# rootfs-<hash>/ and copied (sparse) to OUT.ext4.
set -eu

SV_TOOL=build-rootfs
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=contrib/guest/common.sh
. "$HERE/common.sh"

INTERACTIVE=0
TEST_SCRIPT=
SIZE=32
OUTFILE=
while [ $# -gt 0 ]; do
	case $1 in
	--interactive) INTERACTIVE=1; shift ;;
	--test-script) [ $# -ge 2 ] || die "--test-script needs a file"
		TEST_SCRIPT=$2; shift 2 ;;
	--size) [ $# -ge 2 ] || die "--size needs a number"; SIZE=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set -eu$/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) [ -z "$OUTFILE" ] || die "one output file only"; OUTFILE=$1; shift ;;
	esac
done
[ -n "$OUTFILE" ] || die "usage: build-rootfs.sh [--interactive] [--test-script FILE] [--size MIB] OUT.ext4"
case $SIZE in ''|*[!0-9]*) die "--size wants MiB as a number" ;; esac
[ -z "$TEST_SCRIPT" ] || [ -r "$TEST_SCRIPT" ] || die "cannot read $TEST_SCRIPT"
need_busybox
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 missing (apt-get install e2fsprogs)"

# write_init FILE: PID 1.
write_init() {
	cat >"$1" <<'EOF'
#!/bin/sh
# PID 1 of the stratovirt-shim test rootfs (contrib/guest/build-rootfs.sh).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
grep -q ' /dev ' /proc/mounts || mount -t devtmpfs dev /dev
# The kernel mounts the root read-only unless "rw" is on its command line.
mount -o remount,rw / 2>/dev/null
mount -t sysfs sysfs /sys
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
hostname -F /etc/hostname
ip link set up dev lo 2>/dev/null
exec </dev/console >/dev/console 2>&1
echo "SV-INIT: started"
EOF
	if [ "$INTERACTIVE" = 1 ]; then
		cat >>"$1" <<'EOF'
/sbin/getty -n -l /bin/sh 115200 /dev/ttyS0
EOF
	else
		cat >>"$1" <<'EOF'
if [ -f /etc/sv-test.sh ]; then
	sh /etc/sv-test.sh
	echo "SV-INIT: sv-test.sh exit $?"
fi
EOF
	fi
	cat >>"$1" <<'EOF'
echo "SV-INIT: rebooting"
sync
reboot -f
EOF
	chmod 0755 "$1"
}

# own_by_root IMG DIR: every inode in IMG to uid/gid 0 (for non-root runs,
# where mkfs.ext4 -d copies the caller's ids).
own_by_root() {
	cmds=$(mktemp)
	(cd "$2" && find . -mindepth 1) | sed 's|^\.||' | while read -r p; do
		printf 'sif "%s" uid 0\nsif "%s" gid 0\n' "$p" "$p"
	done >"$cmds"
	debugfs -w -f "$cmds" "$1" >/dev/null 2>&1 || { rm -f "$cmds"; return 1; }
	rm -f "$cmds"
}

CACHE=$(cache_dir)
HASH=$(printf 'interactive=%s size=%s mke2fs=%s\n' "$INTERACTIVE" "$SIZE" \
	"$(dpkg-query -W -f='${Version}' e2fsprogs 2>/dev/null || echo unknown)" |
	content_hash "$0" "$HERE/common.sh" ${TEST_SCRIPT:+"$TEST_SCRIPT"})
OUT=$CACHE/rootfs-$HASH
IMG=$OUT/rootfs.ext4
if [ ! -f "$IMG" ]; then
	mkdir -p "$OUT"
	say "building $IMG (${SIZE} MiB)"
	stage=$OUT/stage.$$
	rm -rf "$stage"
	mkdir -p "$stage"
	populate_busybox "$stage"
	write_init "$stage/sbin/init"
	if [ -n "$TEST_SCRIPT" ]; then
		cp "$TEST_SCRIPT" "$stage/etc/sv-test.sh"
		chmod 0755 "$stage/etc/sv-test.sh"
	fi
	rm -f "$IMG.tmp"
	truncate -s "${SIZE}M" "$IMG.tmp"
	mkfs.ext4 -q -F -L svroot -I 256 -E root_owner=0:0 -d "$stage" "$IMG.tmp" ||
		die "mkfs.ext4 -d failed"
	if [ "$(id -u)" != 0 ]; then
		own_by_root "$IMG.tmp" "$stage" || die "debugfs could not chown"
	fi
	rm -rf "$stage"
	mv "$IMG.tmp" "$IMG"
else
	say "cached: $IMG"
fi
publish "$IMG" "$OUTFILE"
say "rootfs: $OUTFILE ($(du -k "$OUTFILE" | cut -f1) KiB used of ${SIZE} MiB)"
