#!/bin/sh
# build-kernel.sh [--link DIR] [--quiet]
#
# Builds the guest kernel: Debian's linux-source-6.1, `make tinyconfig`,
# then every kernel_config/*.config fragment (file name order) merged on
# top. Produces bzImage, vmlinux (ELF with the PVH entry note) and
# vmlinux.bin (objcopy -O binary vmlinux: the raw 64-bit image a microvm
# loads at 16 MiB).
#
# Everything lives outside the checkout, in
#   ${SV_CACHE:-/var/cache/stratovirt-shim}/kernel-<hash>/
# where <hash> covers the fragments, this script and the source package
# version; the unpacked source is shared by all hashes in src/. A second
# run with the same inputs only prints the paths. The paths are also written
# to kernel-<hash>/kernel.env (shell syntax, for `.`):
#   SV_KERNEL_BZIMAGE SV_KERNEL_VMLINUX SV_KERNEL_BIN SV_KERNEL_CONFIG
#   SV_KERNEL_RELEASE
# --link DIR: also make DIR/{bzImage,vmlinux,vmlinux.bin,kernel.env}
# symlinks to the cached files.
#
# After configuring and again after the build, every `CONFIG_X=...` and
# `# CONFIG_X is not set` line of the fragments is compared with the final
# .config: Kconfig silently drops options whose dependencies are missing,
# and this script fails naming them instead.
set -eu

PKG=linux-source-6.1
TARBALL=${SV_LINUX_TAR:-/usr/src/$PKG.tar.xz}
HERE=$(cd "$(dirname "$0")" && pwd)
SELF=$HERE/$(basename "$0")
TOP=$(cd "$HERE/../.." && pwd)
FRAG_DIR=$TOP/kernel_config
LINK_DIR=
QUIET=0
T0=$(date +%s)

say() { echo "build-kernel: [$(($(date +%s) - T0))s] $*"; }
die() { echo "build-kernel: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--link) [ $# -ge 2 ] || die "--link needs a directory"; LINK_DIR=$2; shift 2 ;;
	--quiet) QUIET=1; shift ;;
	-h|--help) sed -n '2,/^set -eu$/p' "$SELF" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done

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

frag_list() {
	ls "$FRAG_DIR"/*.config 2>/dev/null | LC_ALL=C sort
}

# Every checked line of the fragments, as "CONFIG_X=value" or "CONFIG_X=n".
wanted_options() {
	# shellcheck disable=SC2046
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*=.*\)$/\1/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p' $(frag_list)
}

# check_config DOTCONFIG: prints every fragment option the .config does not
# have, with what it has instead; fails if there is any.
check_config() {
	bad=0
	for want in $(wanted_options); do
		opt=${want%%=*}
		got=$(grep -E "^$opt=" "$1" | tail -n 1 | cut -d= -f2-)
		[ -n "$got" ] || got=n
		if [ "$want" != "$opt=$got" ]; then
			if [ "$got" = n ] && ! grep -q "^# $opt is not set" "$1"; then
				got="absent (dependencies not met)"
			fi
			echo "build-kernel:   $opt: fragment wants ${want#*=}, .config has $got" >&2
			bad=$((bad + 1))
		fi
	done
	[ "$bad" -eq 0 ] || { echo "build-kernel: $bad fragment option(s) refused by Kconfig" >&2; return 1; }
}

# run_logged STAGE LOG CMD...: runs CMD with its output in LOG, printing
# progress every 30 s; on failure shows the end of LOG.
run_logged() {
	stage=$1 log=$2
	shift 2
	say "$stage (log: $log)"
	"$@" >"$log" 2>&1 &
	pid=$!
	n=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		if [ $((n % 30)) -eq 0 ] && [ "$QUIET" = 0 ]; then
			objs=$(grep -c '^  CC ' "$log" || true)
			last=$(tail -n 1 "$log" | sed -e "s|$OUT/build/||" -e 's/  */ /g' | cut -c1-50)
			say "$stage: $objs files compiled, last:$last"
		fi
	done
	if ! wait "$pid"; then
		tail -n 40 "$log" >&2
		die "$stage failed (full log: $log)"
	fi
}

link_outputs() {
	[ -n "$LINK_DIR" ] || return 0
	mkdir -p "$LINK_DIR"
	for f in bzImage vmlinux vmlinux.bin kernel.env config; do
		ln -sfn "$OUT/$f" "$LINK_DIR/$f"
	done
}

print_outputs() {
	# shellcheck disable=SC1091
	. "$OUT/kernel.env"
	echo "bzImage:     $SV_KERNEL_BZIMAGE"
	echo "vmlinux:     $SV_KERNEL_VMLINUX"
	echo "vmlinux.bin: $SV_KERNEL_BIN"
	echo "config:      $SV_KERNEL_CONFIG"
	echo "release:     $SV_KERNEL_RELEASE"
	echo "kernel.env:  $OUT/kernel.env"
	link_outputs
}

[ -n "$(frag_list)" ] || die "no fragments in $FRAG_DIR"
VER=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null) ||
	die "$PKG is not installed (make deps)"
[ -r "$TARBALL" ] || die "$TARBALL missing (make deps)"
CACHE=$(cache_dir)
# shellcheck disable=SC2046
HASH=$({ echo "$PKG $VER"; for f in $(frag_list); do
	echo "== $(basename "$f")"; cat "$f"; done; cat "$SELF"; } |
	sha256sum | cut -c1-16)
OUT=$CACHE/kernel-$HASH
SRC=$CACHE/src/$PKG-$VER

if [ -f "$OUT/kernel.env" ]; then
	[ "$QUIET" = 1 ] || say "cached: $OUT"
	print_outputs
	exit 0
fi

mkdir -p "$OUT" "$CACHE/src"
# One builder per hash (and per source tree) at a time.
exec 9>"$OUT.lock"
flock 9
if [ -f "$OUT/kernel.env" ]; then
	print_outputs
	exit 0
fi

say "kernel-$HASH ($PKG $VER, fragments: $(frag_list | xargs -n1 basename | tr '\n' ' '))"
if [ ! -f "$SRC/Makefile" ]; then
	tmp=$CACHE/src/.unpack.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	run_logged "unpacking $TARBALL" "$CACHE/src/unpack.log" \
		tar -C "$tmp" -xJf "$TARBALL"
	rm -rf "$SRC"
	mv "$tmp/$PKG" "$SRC"
	rmdir "$tmp"
fi

B=$OUT/build
mkdir -p "$B"
MK="make -C $SRC O=$B ARCH=x86_64"
run_logged "tinyconfig" "$OUT/config.log" $MK tinyconfig
# shellcheck disable=SC2046
run_logged "merging fragments" "$OUT/merge.log" \
	sh "$SRC/scripts/kconfig/merge_config.sh" -m -O "$B" "$B/.config" $(frag_list)
run_logged "olddefconfig" "$OUT/olddefconfig.log" $MK olddefconfig
check_config "$B/.config" || die "fix the fragments in $FRAG_DIR"
say "configuration verified ($(wanted_options | wc -l) fragment options)"

run_logged "compiling bzImage + vmlinux with -j$(nproc)" "$OUT/build.log" \
	$MK -j"$(nproc)" bzImage vmlinux
check_config "$B/.config" || die "the final .config lost fragment options"

say "objcopy -O binary vmlinux vmlinux.bin"
objcopy -O binary "$B/vmlinux" "$OUT/vmlinux.bin.tmp"
# The PVH entry: an ELF note of owner "Xen", type 18 (PHYS32_ENTRY).
readelf -n "$B/vmlinux" | grep -A1 -E '^ +Xen ' | grep -q '0x00000012' ||
	readelf -n "$B/vmlinux" | grep -E '^ +Xen +0x[0-9a-f]+ +.*(0x12|PHYS32)' >/dev/null ||
	die "vmlinux has no PVH (Xen PHYS32_ENTRY) note"
cp "$B/arch/x86/boot/bzImage" "$OUT/bzImage"
cp "$B/vmlinux" "$OUT/vmlinux"
mv "$OUT/vmlinux.bin.tmp" "$OUT/vmlinux.bin"
cp "$B/.config" "$OUT/config"
REL=$(cat "$B/include/config/kernel.release")
cat >"$OUT/kernel.env.tmp" <<EOF
# Written by contrib/guest/build-kernel.sh; source it with '.'.
SV_KERNEL_BZIMAGE='$OUT/bzImage'
SV_KERNEL_VMLINUX='$OUT/vmlinux'
SV_KERNEL_BIN='$OUT/vmlinux.bin'
SV_KERNEL_CONFIG='$OUT/config'
SV_KERNEL_RELEASE='$REL'
EOF
mv "$OUT/kernel.env.tmp" "$OUT/kernel.env"
say "done: bzImage $(wc -c <"$OUT/bzImage") bytes, vmlinux.bin $(wc -c <"$OUT/vmlinux.bin") bytes"
print_outputs
