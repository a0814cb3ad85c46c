# shellcheck shell=bash
# containerd + ctr cases for test_engines.sh: a private daemon (config,
# root, state, sockets under $T/ctd), ctr run --rootfs with the runc shim
# and --runc-binary/--runc-root, stopped by pid at the end.

CTD_PID=""
CTD_NS="svtest$$"
CT_RT=""	# --runc-binary
CT_ROOT=""	# --runc-root

ct() {
	timeout -k 10 "${CT_TMO:-120}" ctr --address "$T/ctd/containerd.sock" \
		--namespace "$CTD_NS" "$@"
}

ctd_start() {
	mkdir -p "$T/ctd" || return 1
	cat >"$T/ctd/config.toml" <<EOF
version = 2
root = "$T/ctd/root"
state = "$T/ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$T/ctd/containerd.sock"
[ttrpc]
  address = "$T/ctd/containerd.sock.ttrpc"
[debug]
  address = "$T/ctd/debug.sock"
  level = "info"
[metrics]
  address = ""
[plugins."io.containerd.runtime.v2.task"]
  platforms = ["linux/amd64"]
EOF
	setsid containerd --config "$T/ctd/config.toml" \
		>"$T/ctd/containerd.log" 2>&1 </dev/null &
	CTD_PID=$!
	wait_for 30 ct version
}

# ct_task_status ID: RUNNING / STOPPED / CREATED / PAUSED ("" if none).
ct_task_status() {
	ct task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'
}
ct_is() { [ "$(ct_task_status "$1")" = "$2" ]; }

ct_runargs() {
	CA=(--env PATH=/bin --fifo-dir "$T/fifo" --runtime io.containerd.runc.v2
		--runc-binary "$CT_RT"
		--runc-root "$CT_ROOT")
}

# ct_run_case TAG WANT_RC WANT_OUT ID [ctr run flags] -- ARGS...
ct_run_case() {
	local tag=$1 want_rc=$2 want=$3 id=$4 rc flags=()
	shift 4
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	ct_runargs
	ct run --rm "${CA[@]}" "${flags[@]}" --rootfs "$T/rootfs" "$id" "$@" \
		>"$T/o.out" 2>"$T/o.err" </dev/null
	rc=$?
	if [ "$rc" = "$want_rc" ] && contains "$T/o.out" "$want"; then
		pass "$tag: rc $rc, stdout has '$want'"
	else
		fail "$tag: rc $rc (want $want_rc), stdout: $(head -c 200 "$T/o.out"), stderr: $(head -c 400 "$T/o.err")"
	fi
	ct container rm "$id" >/dev/null 2>&1
}

# ct_kill_case TAG WANT_OUT AFTER_OUT ID [flags] -- ARGS...: attached ctr
# run in the background; RUNNING with WANT_OUT; ctr task kill (TERM) ->
# ctr exits 0 and the output has AFTER_OUT.
ct_kill_case() {
	local tag=$1 want=$2 after=$3 id=$4 rc pid flags=()
	shift 4
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	ct_runargs
	ct run --rm "${CA[@]}" "${flags[@]}" --rootfs "$T/rootfs" "$id" "$@" \
		>"$T/o.kout" 2>"$T/o.kerr" </dev/null &
	pid=$!
	if wait_for 20 ct_is "$id" RUNNING; then
		pass "$tag: task ls says RUNNING"
	else
		fail "$tag: task status '$(ct_task_status "$id")': $(head -c 300 "$T/o.kerr")"
	fi
	wait_for 30 contains "$T/o.kout" "$want"
	ct task kill "$id" >"$T/o.k" 2>&1
	wait_for 15 eval "! kill -0 $pid"
	if kill -0 "$pid" 2>/dev/null; then
		fail "$tag: ctr run still running 15 s after task kill (TERM)"
		ct task kill -s SIGKILL "$id" >/dev/null 2>&1
	fi
	wait "$pid"
	rc=$?
	if [ "$rc" = 0 ] && contains "$T/o.kout" "$after"; then
		pass "$tag: task kill TERM -> exit 0, output has '$after'"
	else
		fail "$tag: task kill -> rc $rc, out: $(head -c 200 "$T/o.kout"), err: $(head -c 300 "$T/o.kerr") $(head -c 200 "$T/o.k")"
	fi
	ct container rm "$id" >/dev/null 2>&1
}

# ct_detach_case TAG ID [flags] -- ARGS...: run -d, task kill -s SIGKILL,
# STOPPED, task delete, container rm.
ct_detach_case() {
	local tag=$1 id=$2 flags=()
	shift 2
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	ct_runargs
	ct run -d "${CA[@]}" "${flags[@]}" --rootfs "$T/rootfs" "$id" "$@" \
		>"$T/o.out" 2>"$T/o.err" </dev/null
	if ! wait_for 20 ct_is "$id" RUNNING; then
		fail "$tag: run -d: status '$(ct_task_status "$id")': $(head -c 300 "$T/o.err")"
	elif ct task pause "$id" >"$T/o.p" 2>&1 && wait_for 5 ct_is "$id" PAUSED &&
		ct task resume "$id" >>"$T/o.p" 2>&1 && wait_for 5 ct_is "$id" RUNNING; then
		pass "$tag: RUNNING, task pause -> PAUSED, resume -> RUNNING"
	else
		fail "$tag: pause/resume: status '$(ct_task_status "$id")': $(head -c 300 "$T/o.p")"
	fi
	ct task kill -s SIGKILL "$id" >"$T/o.k" 2>&1
	if wait_for 15 ct_is "$id" STOPPED; then
		pass "$tag: task kill -s SIGKILL -> STOPPED"
	else
		fail "$tag: after SIGKILL status '$(ct_task_status "$id")': $(head -c 300 "$T/o.k")"
	fi
	if ct task delete "$id" >"$T/o.d" 2>&1 && [ -z "$(ct_task_status "$id")" ]; then
		pass "$tag: task delete"
	else
		fail "$tag: task delete: $(head -c 300 "$T/o.d")"
		ct task delete -f "$id" >/dev/null 2>&1
	fi
	if ct container rm "$id" >"$T/o.d" 2>&1; then
		pass "$tag: container rm"
	else
		fail "$tag: container rm: $(head -c 300 "$T/o.d")"
	fi
}

ct_control() {
	CT_RT=$RUNC
	CT_ROOT="$T/cr"
	ct_run_case "ctr/runc run echo" 0 hi cr-echo -- echo hi
	ct_run_case "ctr/runc run exit 7" 7 out cr-exit -- sh -c 'echo out; exit 7'
	ct_kill_case "ctr/runc task kill" ready got-term cr-kill -- sh -c "$TRAP_SH"
	ct_detach_case "ctr/runc detached" cr-det -- sleep 1000
}

# ct_anno PARAMS [KERNEL]: CV=(--annotation flags of a vm bundle).
ct_anno() {
	CV=(--annotation org.stratovirt.bundle=vm
		--annotation "org.stratovirt.kernel=${2:-$GUEST}"
		--annotation "org.stratovirt.rootfs_image=$DISK"
		--annotation "org.stratovirt.kernel_params=$1")
}

ct_shim() {
	local rc
	CT_RT=$T/bin/stratovirt-shim
	CT_ROOT="$T/cs"
	ct_anno svtest=hello
	ct_run_case "ctr/shim run hello" 0 "TEST: PASS" cs-hello "${CV[@]}" -- true
	ct_anno "svtest=count svcount.shift=22"
	ct_kill_case "ctr/shim task kill" "svtest: count" "svtest: count" cs-kill "${CV[@]}" -- true
	ct_detach_case "ctr/shim detached" cs-det "${CV[@]}" -- true
	ct_anno svtest=hello "$T/no-such-kernel"
	ct_runargs
	ct run --rm "${CA[@]}" "${CV[@]}" --rootfs "$T/rootfs" cs-broken true \
		>"$T/o.out" 2>"$T/o.err" </dev/null
	rc=$?
	if [ "$rc" != 0 ] && contains "$T/o.err" "no-such-kernel"; then
		pass "ctr/shim broken kernel: rc $rc, error (from --log JSON) names it"
	else
		fail "ctr/shim broken kernel: rc $rc, stderr: $(head -c 300 "$T/o.err")"
	fi
	ct container rm cs-broken >/dev/null 2>&1
}

# ctd_stop: kill leftover tasks, stop containerd and its shims by pid.
ctd_stop() {
	local id f
	[ -n "$CTD_PID" ] || return 0
	for id in $(CT_TMO=20 ct task ls -q 2>/dev/null); do
		CT_TMO=20 ct task kill -s SIGKILL "$id" >/dev/null 2>&1
		sleep 0.5
		CT_TMO=20 ct task delete -f "$id" >/dev/null 2>&1
	done
	for id in $(CT_TMO=20 ct container ls -q 2>/dev/null); do
		CT_TMO=20 ct container rm "$id" >/dev/null 2>&1
	done
	for f in "$T"/ctd/state/io.containerd.runtime.v2.task/*/*/shim.pid; do
		[ -f "$f" ] && kill_pid "$(cat "$f")"
	done
	kill_pid "$CTD_PID"
	wait "$CTD_PID" 2>/dev/null
	CTD_PID=""
}
