# shellcheck shell=sh
# Helpers shared by build-rootfs.sh and build-initramfs.sh (sourced).

BUSYBOX=${SV_BUSYBOX:-/bin/busybox}
T0=$(date +%s)

say() { echo "$SV_TOOL: [$(($(date +%s) - T0))s] $*"; }
die() { echo "$SV_TOOL: error: $*" >&2; exit 1; }

# The cache directory: SV_CACHE, else /var/cache/stratovirt-shim when it
# can be written, else the user's cache directory.
cache_dir() {
	if [ -n "${SV_CACHE:-}" ]; then
		echo "$SV_CACHE"
	elif mkdir -p /var/cache/stratovirt-shim 2>/dev/null &&
		[ -w /var/cache/stratovirt-shim ]; then
		echo /var/cache/stratovirt-shim
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/stratovirt-shim"
	fi
}

# need_busybox: the static busybox the images are made of.
need_busybox() {
	[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (apt-get install busybox-static)"
	if command -v file >/dev/null && ! file -L "$BUSYBOX" | grep -q 'statically linked'; then
		die "$BUSYBOX is not statically linked (busybox-static)"
	fi
}

# content_hash FILE...: a short sha256 over the named files' contents, the
# busybox binary and whatever is on stdin (options).
content_hash() {
	{ cat; sha256sum "$BUSYBOX" | cut -d' ' -f1; cat "$@"; } |
		sha256sum | cut -c1-16
}

# populate_busybox DIR: the directory skeleton, /bin/busybox and a symlink
# for every applet at its usual place.
populate_busybox() {
	for d in bin sbin usr/bin usr/sbin dev proc sys tmp run root etc mnt \
		var/log; do
		mkdir -p "$1/$d"
	done
	chmod 1777 "$1/tmp"
	chmod 0700 "$1/root"
	cp "$BUSYBOX" "$1/bin/busybox"
	chmod 0755 "$1/bin/busybox"
	"$BUSYBOX" --list-full | while read -r app; do
		case $app in bin/busybox|sbin/init|linuxrc) continue ;; esac
		[ -e "$1/$app" ] || ln -s /bin/busybox "$1/$app"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$1/etc/passwd"
	printf 'root:x:0:\n' >"$1/etc/group"
	printf 'sv-guest\n' >"$1/etc/hostname"
}

# publish SRC DST: copies a cached image to where the caller asked for it
# (sparse, atomically by rename).
publish() {
	mkdir -p "$(dirname "$2")"
	cp --sparse=always "$1" "$2.tmp.$$"
	mv "$2.tmp.$$" "$2"
}
