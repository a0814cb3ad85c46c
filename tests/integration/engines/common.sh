# shellcheck shell=bash
# Helpers for test_engines.sh: temp dir layout, the busybox rootfs, the
# runtime wrapper, polling and cleanup of everything the suite starts.

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_for() {
	local n=$(($1 * 5))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# contains FILE TEXT: FILE holds TEXT (fixed string).
contains() { grep -qF -- "$2" "$1" 2>/dev/null; }

# make_rootfs DIR: a tiny busybox-static root filesystem.
make_rootfs() {
	local d=$1 a
	mkdir -p "$d/bin" "$d/etc" "$d/proc" "$d/sys" "$d/dev" "$d/tmp" \
		"$d/root" "$d/var/run" || return 1
	cp "$BUSYBOX" "$d/bin/busybox" || return 1
	for a in $("$d/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$d/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$d/etc/passwd"
	echo 'root:x:0:' >"$d/etc/group"
}

# engine_tree: under $T the runtimes' roots, the busybox rootfs and the
# 1 MiB disk of the vm bundles ($DISK).
engine_tree() {
	mkdir -p "$T/bin" "$T/rr" "$T/sr" || return 1
	make_rootfs "$T/rootfs" || return 1
	DISK=$T/disk.img
	truncate -s 1M "$DISK"
}

# make_wrapper OUT REAL LOG: OUT execs REAL with the VMM selected and logs
# every argv to LOG. Its basename is what podman calls the runtime.
make_wrapper() {
	local out=$1 real=$2 log=$3
	{
		echo '#!/bin/sh'
		printf 'echo "$$ $*" >>%s\n' "'$log'"
		if [ -n "${SV_VMM:-}" ]; then
			printf 'STRATOVIRT_SHIM_VMM=%s\n' "'$SV_VMM'"
			echo 'export STRATOVIRT_SHIM_VMM'
		fi
		printf 'exec %s "$@"\n' "'$real'"
	} >"$out" && chmod 755 "$out"
}

# Pids of processes whose command line mentions $T (ours by construction).
pids_under_tmp() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$T/" &&
			echo "${p#/proc/}"
	done
}

# kill_pid PID: TERM, wait up to 5 s, then KILL.
kill_pid() {
	local pid=$1 n=25
	kill -TERM "$pid" 2>/dev/null || return 0
	while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.2
		n=$((n - 1))
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# /run paths the engines may create: snapshot for the check. (The
# runtimes' --root dirs live in $T; /run/netns and /run/stratovirt-shim
# are left out: other suites running at the same time use them.)
RUN_WATCH="/run/containerd /run/libpod /run/containers /run/runc /run/crun
/run/podman"
run_snapshot() {
	local p
	for p in $RUN_WATCH; do
		[ -e "$p" ] && find "$p" -maxdepth 3 2>/dev/null
	done | sort
}
