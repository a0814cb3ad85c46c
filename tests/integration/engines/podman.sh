# shellcheck shell=bash
# podman cases for test_engines.sh. pm_setup once, then pm_control (runc)
# and pm_shim (stratovirt-shim, vm bundles). Every podman call goes through
# pm() with the isolated storage, tmpdir and the phase's runtime --root.

PM_RT=""	# runtime path for this phase
PM_RTROOT=""	# runtime state dir (--runtime-flag root=...)

pm() {
	timeout -k 10 "${PM_TMO:-120}" podman --root "$T/pm/root" \
		--runroot "$T/pm/run" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file \
		--tmpdir "$T/pm/tmp" --runtime "$PM_RT" \
		--runtime-flag "root=$PM_RTROOT" "$@"
}

pm_setup() {
	mkdir -p "$T/pm/tmp" "$T/pm/net" || return 1
	cat >"$T/pm/containers.conf" <<EOF
[containers]
netns = "none"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/pm/events.log"
tmp_dir = "$T/pm/tmp"
volume_path = "$T/pm/volumes"
static_dir = "$T/pm/static"
runtime_supports_json = ["crun", "runc", "kata", "krun", "stratovirt-shim"]
[network]
network_config_dir = "$T/pm/net"
EOF
	cat >"$T/pm/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$T/pm/root"
runroot = "$T/pm/run"
EOF
	export CONTAINERS_CONF="$T/pm/containers.conf"
	export CONTAINERS_STORAGE_CONF="$T/pm/storage.conf"
	export CONTAINERS_REGISTRIES_CONF="$T/pm/registries.conf"
	: >"$T/pm/registries.conf"
	PM_RT=$RUNC
	PM_RTROOT="$T/rr"
	tar -C "$T/rootfs" -cf "$T/rootfs.tar" . &&
		pm import "$T/rootfs.tar" localhost/svbb:latest >"$T/pm/import.log" 2>&1
}

# pm_status NAME: podman's State.Status of NAME.
pm_status() { pm inspect --format '{{.State.Status}}' "$1" 2>/dev/null; }
pm_exitcode() { pm inspect --format '{{.State.ExitCode}}' "$1" 2>/dev/null; }
pm_is() { [ "$(pm_status "$1")" = "$2" ]; }
pm_gone() { ! pm container exists "$1"; }

# pm_check_rm TAG NAME: podman rm removes NAME.
pm_check_rm() {
	if pm rm "$2" >"$T/o.rm" 2>&1 && pm_gone "$2"; then
		pass "$1: podman rm"
	else
		fail "$1: podman rm: $(head -c 300 "$T/o.rm")"
		pm rm -f "$2" >/dev/null 2>&1
	fi
}

# pm_run_case TAG WANT_RC WANT_OUT ARGS...: podman run --rm, check rc+stdout.
pm_run_case() {
	local tag=$1 want_rc=$2 want=$3 rc
	shift 3
	pm run --rm "$@" >"$T/o.out" 2>"$T/o.err"
	rc=$?
	if [ "$rc" = "$want_rc" ] && contains "$T/o.out" "$want"; then
		pass "$tag: rc $rc, stdout has '$want'"
	else
		fail "$tag: rc $rc (want $want_rc), stdout: $(head -c 200 "$T/o.out"), stderr: $(head -c 300 "$T/o.err")"
	fi
}

# pm_stop_case TAG WANT_LOG AFTER_LOG NAME ARGS...: run -d, running, logs
# have WANT_LOG, stop -t 10 (graceful: exit 0 well before the timeout),
# logs have AFTER_LOG, inspect exited, rm.
pm_stop_case() {
	local tag=$1 want=$2 after=$3 name=$4 rc t0 t1
	shift 4
	if ! pm run -d --name "$name" "$@" >"$T/o.out" 2>"$T/o.err"; then
		fail "$tag: run -d: $(head -c 300 "$T/o.err")"
		return
	fi
	if wait_for 20 pm_is "$name" running; then
		pass "$tag: ps/inspect say running"
	else
		fail "$tag: status '$(pm_status "$name")', want running"
	fi
	if wait_for 30 eval "pm logs '$name' 2>&1 | grep -qF -- '$want'"; then
		pass "$tag: logs have '$want'"
	else
		fail "$tag: logs lack '$want': $(pm logs "$name" 2>&1 | head -c 200)"
	fi
	t0=$(date +%s)
	pm stop -t 10 "$name" >"$T/o.stop" 2>&1
	rc=$?
	t1=$(date +%s)
	if [ "$rc" = 0 ] && pm_is "$name" exited && [ "$(pm_exitcode "$name")" = 0 ] &&
		[ $((t1 - t0)) -lt 10 ]; then
		pass "$tag: stop graceful in $((t1 - t0)) s, exited, code 0"
	else
		fail "$tag: stop rc $rc in $((t1 - t0)) s, status $(pm_status "$name"), code $(pm_exitcode "$name"): $(head -c 300 "$T/o.stop")"
	fi
	if pm logs "$name" 2>&1 | grep -qF -- "$after"; then
		pass "$tag: logs after stop have '$after'"
	else
		fail "$tag: logs after stop lack '$after': $(pm logs "$name" 2>&1 | tail -c 200)"
	fi
	if pm ps -a --filter "name=^$name\$" --format '{{.Status}}' 2>/dev/null |
		grep -q '^Exited (0)'; then
		pass "$tag: ps -a shows Exited (0)"
	else
		fail "$tag: ps -a: $(pm ps -a --filter "name=^$name\$" --format '{{.Status}}' 2>&1)"
	fi
	pm_check_rm "$tag" "$name"
}

# pm_kill_case TAG NAME ARGS...: run -d, podman kill (SIGKILL) -> 137.
pm_kill_case() {
	local tag=$1 name=$2 code
	shift 2
	if ! pm run -d --name "$name" "$@" >"$T/o.out" 2>"$T/o.err" ||
		! wait_for 20 pm_is "$name" running; then
		fail "$tag: not running: $(head -c 300 "$T/o.err")"
		pm rm -f "$name" >/dev/null 2>&1
		return
	fi
	pm kill "$name" >"$T/o.kill" 2>&1
	code=$(pm wait "$name" 2>&1)
	if [ "$code" = 137 ] && pm_is "$name" exited; then
		pass "$tag: kill -> exit 137"
	else
		fail "$tag: kill -> wait '$code', status $(pm_status "$name"): $(head -c 300 "$T/o.kill")"
	fi
	pm_check_rm "$tag" "$name"
}

# pm_create_case TAG WANT_RC WANT_OUT NAME ARGS...: create, Created state,
# start -a prints WANT_OUT with WANT_RC, inspect exited with that code, rm.
pm_create_case() {
	local tag=$1 want_rc=$2 want=$3 name=$4 rc
	shift 4
	if ! pm create --name "$name" "$@" >"$T/o.out" 2>"$T/o.err"; then
		fail "$tag: create: $(head -c 300 "$T/o.err")"
		return
	fi
	if pm_is "$name" created; then
		pass "$tag: inspect says created"
	else
		fail "$tag: after create status '$(pm_status "$name")'"
	fi
	pm start -a "$name" >"$T/o.out" 2>"$T/o.err"
	rc=$?
	if [ "$rc" = "$want_rc" ] && contains "$T/o.out" "$want"; then
		pass "$tag: start -a rc $rc, output has '$want'"
	else
		fail "$tag: start -a rc $rc (want $want_rc), out: $(head -c 200 "$T/o.out"), err: $(head -c 300 "$T/o.err")"
	fi
	if wait_for 10 pm_is "$name" exited &&
		[ "$(pm_exitcode "$name")" = "$want_rc" ]; then
		pass "$tag: inspect exited, code $want_rc"
	else
		fail "$tag: inspect $(pm_status "$name") code $(pm_exitcode "$name")"
	fi
	pm_check_rm "$tag" "$name"
}

# pm_rmf_case TAG NAME ARGS...: rm -f of a running container.
pm_rmf_case() {
	local tag=$1 name=$2
	shift 2
	pm run -d --name "$name" "$@" >"$T/o.out" 2>"$T/o.err"
	wait_for 20 pm_is "$name" running
	if pm rm -f -t 2 "$name" >"$T/o.rm" 2>&1 && pm_gone "$name"; then
		pass "$tag: rm -f of a running container"
	else
		fail "$tag: rm -f: $(head -c 300 "$T/o.rm")"
	fi
}

# pm_pause_case TAG NAME ARGS...: pause -> paused, unpause -> running.
pm_pause_case() {
	local tag=$1 name=$2
	shift 2
	pm run -d --name "$name" "$@" >"$T/o.out" 2>"$T/o.err"
	wait_for 20 pm_is "$name" running
	if pm pause "$name" >"$T/o.p" 2>&1 && pm_is "$name" paused &&
		pm unpause "$name" >>"$T/o.p" 2>&1 && pm_is "$name" running; then
		pass "$tag: pause/unpause"
	else
		fail "$tag: pause/unpause, status $(pm_status "$name"): $(head -c 300 "$T/o.p")"
	fi
	pm rm -f -t 2 "$name" >/dev/null 2>&1
}

TRAP_SH='trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.1; done'

pm_control() {
	local img=localhost/svbb:latest
	PM_RT=$RUNC
	PM_RTROOT="$T/rr"
	pm_run_case "podman/runc run echo" 0 hi "$img" echo hi
	pm_run_case "podman/runc run exit 7" 7 out "$img" sh -c 'echo out; exit 7'
	pm_stop_case "podman/runc stop" ready got-term pr-stop "$img" sh -c "$TRAP_SH"
	pm_kill_case "podman/runc kill" pr-kill "$img" sleep 1000
	pm_create_case "podman/runc create+start" 3 created-out pr-create \
		"$img" sh -c 'echo created-out; exit 3'
	pm_pause_case "podman/runc pause" pr-pause "$img" sleep 1000
	pm_rmf_case "podman/runc rm -f" pr-rmf "$img" sleep 1000
}

# vm_anno PARAMS [KERNEL]: VA=(--annotation flags of a vm bundle).
vm_anno() {
	VA=(--annotation org.stratovirt.bundle=vm
		--annotation "org.stratovirt.kernel=${2:-$GUEST}"
		--annotation "org.stratovirt.rootfs_image=$DISK"
		--annotation "org.stratovirt.kernel_params=$1")
}

pm_shim() {
	local img=localhost/svbb:latest rc
	local hello count fail
	PM_RT=$T/bin/stratovirt-shim
	PM_RTROOT="$T/sr"
	vm_anno svtest=hello
	hello=("${VA[@]}")
	vm_anno "svtest=count svcount.shift=22"
	count=("${VA[@]}")
	vm_anno svtest=nosuch
	fail=("${VA[@]}")
	pm_run_case "podman/shim run hello" 0 "TEST: PASS" "${hello[@]}" "$img" true
	pm_run_case "podman/shim run failing guest (console)" 0 "TEST: FAIL" \
		"${fail[@]}" "$img" true
	skip "podman/shim failing guest exit code: test guests end by i8042 reset on PASS and FAIL alike (no isa-debug-exit use), so rc is 0 for both"
	pm_stop_case "podman/shim stop" "svtest: count" "svtest: count" ps-stop "${count[@]}" "$img" true
	pm_kill_case "podman/shim kill" ps-kill "${count[@]}" "$img" true
	pm_create_case "podman/shim create+start" 0 "TEST: PASS" ps-create \
		"${hello[@]}" "$img" true
	pm_pause_case "podman/shim pause" ps-pause "${count[@]}" "$img" true
	pm_rmf_case "podman/shim rm -f" ps-rmf "${count[@]}" "$img" true
	vm_anno svtest=hello "$T/no-such-kernel"
	fail=("${VA[@]}")
	pm run --rm "${fail[@]}" "$img" true >"$T/o.out" 2>"$T/o.err"
	rc=$?
	if [ "$rc" != 0 ] && contains "$T/o.err" "no-such-kernel"; then
		pass "podman/shim broken kernel: rc $rc, stderr names it"
	else
		fail "podman/shim broken kernel: rc $rc, stderr: $(head -c 300 "$T/o.err")"
	fi
}

# pm_cleanup: remove every container of either phase (best effort).
pm_cleanup() {
	local r
	for r in "$RUNC:$T/rr" "$T/bin/stratovirt-shim:$T/sr"; do
		PM_RT=${r%%:*}
		PM_RTROOT=${r#*:}
		[ -x "$PM_RT" ] || continue
		PM_TMO=60 pm rm -af -t 1 >/dev/null 2>&1
	done
	PM_TMO=60 pm rmi -af >/dev/null 2>&1
}
