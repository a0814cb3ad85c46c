#!/bin/sh
# mkinitramfs.sh SV-AGENT OUT.cpio.gz
#
# The sv-agent initramfs: the static agent as /init plus the empty mount
# points it uses (/dev /proc /sys /rootfs). A gzip'd newc cpio, every file
# owned by 0:0, no root needed. There is no /dev/console node in it: the
# agent mounts devtmpfs first and opens /dev/console itself.
set -eu
[ $# -eq 2 ] || { echo "usage: mkinitramfs.sh SV-AGENT OUT.cpio.gz" >&2; exit 2; }
command -v cpio >/dev/null || { echo "mkinitramfs.sh: cpio missing" >&2; exit 1; }
AGENT=$1
OUT=$2
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT INT TERM
mkdir -p "$DIR/dev" "$DIR/proc" "$DIR/sys" "$DIR/rootfs"
cp "$AGENT" "$DIR/init"
chmod 0755 "$DIR/init"
mkdir -p "$(dirname "$OUT")"
(cd "$DIR" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -9n >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
