#!/bin/bash
# Differential engine suite for CONTAINER bundles (root.path a directory):
# every scenario runs first with runc (control), then with stratovirt-shim,
# and stdout, stderr and the exit code must be the same. podman (+conmon)
# and containerd (ctr, runc shim v2 with --runc-binary), each with private
# configs and state under a temp dir (tests/integration/engines/*.sh).
#
# Where the container runs with the shim:
#   linux:    hardware KVM and the guest kit built ($O/guest/vmlinux.bin,
#             $O/sv-agent-initramfs.cpio.gz, $O/stratovirt): a real Linux
#             microVM with sv-agent inside (see tests/linux/run.sh).
#   stand-in: otherwise. tests/shim/vmm_agent.py is the VMM: the real
#             emulated-CPU VMM runs the idle test guest (QMP, pause) and
#             sv-agent runs on the host in its own namespaces, on the
#             agent socket the shim gave the VMM, over the bundle's root.
#             The stand-in is a script, so the shim runs with --no-jail.
#
# Ends with "shim-differential: N passed, N failed, N skipped".
#
#   tests/shim/differential.sh [O]      (O: build dir, default build)
# env: SV_DIFF_KEEP=DIR keeps both runs' observations in DIR.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=tests/integration/engines/common.sh
. "$ROOT/tests/integration/engines/common.sh"
# shellcheck source=tests/integration/engines/podman.sh
. "$ROOT/tests/integration/engines/podman.sh"
# shellcheck source=tests/integration/engines/containerd.sh
. "$ROOT/tests/integration/engines/containerd.sh"

SUITE=shim-differential
O=${1:-${O:-build}}
case $O in /*) ;; *) O=$ROOT/$O ;; esac
RUNC=$(command -v runc || true)
BUSYBOX=$(command -v busybox || echo /bin/busybox)
SHIM=$O/stratovirt-shim
T0=$(date +%s)

bail() { skip "$SUITE: $*"; summary "$SUITE"; exit 0; }
[ "$(id -u)" = 0 ] || bail "needs root (rootful podman, containerd)"
for t in podman conmon containerd ctr script python3 unshare; do
	command -v "$t" > /dev/null || bail "$t not installed"
done
{ [ -n "$RUNC" ] && "$BUSYBOX" true 2> /dev/null; } || bail "runc or busybox-static missing"
[ -x "$SHIM" ] || bail "$SHIM not built"

if [ "$(kvm_kind)" = hardware ] && [ -x "$O/stratovirt" ] &&
	[ -f "$O/guest/vmlinux.bin" ] && [ -f "$O/sv-agent-initramfs.cpio.gz" ]; then
	MODE=linux
else
	MODE=stand-in
	for f in "$O/tests/stratovirt-emu" "$O/guests/svtest.bzImage" "$O/sv-agent"; do
		[ -e "$f" ] || bail "stand-in: $f not built"
	done
fi
echo "$SUITE: mode $MODE (KVM: $(kvm_kind))"

T=$(mktemp -d /tmp/sv-diff.XXXXXX) || exit 1
RUN_BEFORE=$(run_snapshot)
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
	local p
	trap - EXIT INT TERM
	pm_cleanup
	ctd_stop
	for p in $(pids_under_tmp); do
		fail "cleanup: left behind: $p $(tr '\0' ' ' < "/proc/$p/cmdline" | head -c 60)"
		kill_pid "$p"
	done
	umount -R "$T/ctd/root" 2> /dev/null
	[ -n "${SV_DIFF_KEEP:-}" ] && cp -r "$T/runc" "$T/shim" "$SV_DIFF_KEEP"
	chmod -R u+w "$T" 2> /dev/null
	rm -rf "$T"
	for p in $(comm -13 <(echo "$RUN_BEFORE") <(run_snapshot) | sort -r); do
		[ -d "$p" ] && rmdir "$p" 2> /dev/null
	done
	echo "$SUITE: $(($(date +%s) - T0)) s"
	summary "$SUITE"
	exit $?
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$T/bin" "$T/rr" "$T/sr" "$T/cr" "$T/cs" "$T/fifo" "$T/runc" "$T/shim"
make_rootfs "$T/rootfs" || { fail "busybox rootfs"; exit 1; }

# The shim as the engines call it: make_wrapper logs each call and selects
# the VMM; $T/bin/sv-vm adds what the mode needs. Engines do not pass our
# environment on, so it is all written into the scripts.
if [ $MODE = linux ]; then
	SV_VMM=$O/stratovirt
	ANNO=(--annotation "org.stratovirt.kernel=$O/guest/vmlinux.bin"
		--annotation "org.stratovirt.initrd=$O/sv-agent-initramfs.cpio.gz")
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$SHIM" > "$T/bin/sv-vm"
else
	SV_VMM=$ROOT/tests/shim/vmm_agent.py
	printf 'SVDISK01' > "$T/disk"
	truncate -s 1M "$T/disk"
	ANNO=(--annotation "org.stratovirt.kernel=$O/guests/svtest.bzImage"
		--annotation "org.stratovirt.initrd=$T/disk"
		--annotation "org.stratovirt.kernel_params=console=ttyS0 svtest=idle"
		--annotation org.stratovirt.memory_mib=128)
	# The agent's root is the bundle's root.path (podman: its vfs
	# layer; ctr: the --rootfs dir), as the guest would mount it.
	# The stand-in's agent runs in the host kernel, whose cgroup v1
	# hierarchies are mounted already, so a spec mount of type cgroup
	# (podman adds one; in a fresh guest it mounts a new hierarchy)
	# fails with EBUSY: on create the wrapper drops that one mount.
	cat > "$T/bin/sv-vm" <<EOF
#!/bin/sh
export SV_REAL_VMM="$O/tests/stratovirt-emu" SV_AGENT="$O/sv-agent"
b=
prev=
for a in "\$@"; do
	case \$prev in --bundle|-b) b=\$a ;; esac
	case \$a in --bundle=*) b=\${a#--bundle=} ;; esac
	prev=\$a
done
if [ -n "\$b" ]; then
	SV_AGENT_ROOT=\$(python3 -c 'import json, os, sys
f = os.path.join(sys.argv[1], "config.json")
c = json.load(open(f))
if "create" in sys.argv[2:]:
    c["mounts"] = [m for m in c.get("mounts", []) if m.get("type") != "cgroup"]
    json.dump(c, open(f, "w"))
print(os.path.join(sys.argv[1], c["root"]["path"]))' "\$b" "\$@")
	export SV_AGENT_ROOT
fi
exec "$SHIM" --no-jail "\$@"
EOF
fi
chmod 755 "$T/bin/sv-vm"
make_wrapper "$T/bin/stratovirt-shim" "$T/bin/sv-vm" "$T/shim-calls.log"

pm_setup > /dev/null 2>&1 || { fail "podman: import: $(head -c 300 "$T/pm/import.log")"; exit 1; }
IMG=localhost/svbb:latest
ctd_start || { fail "containerd did not start: $(tail -c 300 "$T/ctd/containerd.log")"; exit 1; }

# phase runc|shim: select the runtime for pm (podman) and ct (ctr); A gets
# the shim's annotations (none for runc: it ignores them anyway).
phase() {
	PH=$1
	if [ "$PH" = runc ]; then
		PM_RT=$RUNC PM_RTROOT=$T/rr CT_RT=$RUNC CT_ROOT=$T/cr
		A=()
	else
		PM_RT=$T/bin/stratovirt-shim PM_RTROOT=$T/sr
		CT_RT=$T/bin/stratovirt-shim CT_ROOT=$T/cs
		A=("${ANNO[@]}")
	fi
}

# rec NAME CMD...: run CMD (stdin from the caller), keep out, err, rc.
rec() {
	local n=$1
	shift
	"$@" > "$T/$PH/$n.out" 2> "$T/$PH/$n.err"
	echo $? > "$T/$PH/$n.rc"
}
# tty_rec NAME COMMAND-LINE: rec of COMMAND-LINE under script(1) (a tty),
# always through /bin/sh (the shell that does not exec the command: the
# case that hung CI), whatever SHELL the caller has.
tty_rec() {
	rec "$1" env SHELL=/bin/sh timeout -k 10 90 \
		script -qec "$2" /dev/null < /dev/null
}
# put NAME WHAT TEXT: record a derived observation (status, exit code).
put() { printf '%s\n' "$3" > "$T/$PH/$1.$2"; }

# Normalization (only what legitimately differs between the two runs):
# container names carry the phase (d-runc / d-shim: NAME-ID), ctr's log
# lines their time (time="..."). script(1)'s carriage returns are kept:
# a tty is compared as a tty.
norm() {
	sed -E -e "s/\b(d|k|c|cd|ck|ce|cx)-$PH\b/\1-ID/g" \
		-e 's/^time="[^"]*"/time="T"/' "$1"
}

# same NAME WHAT...: the runc and shim observations are identical.
same() {
	local n=$1 w bad=""
	shift
	for w in "$@"; do
		PH=runc norm "$T/runc/$n.$w" > "$T/runc/$n.$w.n" 2> /dev/null
		PH=shim norm "$T/shim/$n.$w" > "$T/shim/$n.$w.n" 2> /dev/null
		cmp -s "$T/runc/$n.$w.n" "$T/shim/$n.$w.n" || bad="$bad $w"
	done
	if [ -z "$bad" ]; then
		pass "$n: same as runc:$(for w in "$@"; do
			printf " %s '%s'" "$w" "$(head -c 40 "$T/runc/$n.$w.n" |
				tr -d '\r' | tr '\n' '|' | sed 's/|$//')"
		done)"
		return
	fi
	fail "$n: differs in$bad"
	for w in $bad; do
		echo "    $w: runc '$(head -c 200 "$T/runc/$n.$w.n" | tr '\n' '|')'"
		echo "    $w: shim '$(head -c 200 "$T/shim/$n.$w.n" | tr '\n' '|')'"
	done
}

TRAP='trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.1; done'
# Command line of pm for script(1), which runs it in its own shell.
# timeout --foreground: without it timeout puts podman in a process group
# of its own, in the background of script's terminal, and podman's first
# tcsetattr stops it (SIGTTOU) for good when script's shell does not exec
# the command (dash, SHELL unset: the CI environment). tty_rec bounds the
# whole script(1) run.
pm_line() {
	printf 'timeout --foreground -k 10 60 podman --root %s --runroot %s --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --tmpdir %s --runtime %s --runtime-flag root=%s' \
		"$T/pm/root" "$T/pm/run" "$T/pm/tmp" "$PM_RT" "$PM_RTROOT"
}

pm_scenarios() {
	local d=d-$PH k=k-$PH c=c-$PH
	rec p-echo pm run --rm "${A[@]}" $IMG echo hi < /dev/null
	rec p-exit7 pm run --rm "${A[@]}" $IMG \
		sh -c 'echo out; echo err >&2; exit 7' < /dev/null
	printf 'a\nb\n' | rec p-stdin pm run --rm -i "${A[@]}" $IMG cat
	tty_rec p-tty "$(pm_line) run --rm -t ${A[*]@Q} $IMG sh -c '[ -t 0 ] && [ -t 1 ] && echo tty-yes; exit 4'"

	# detached: exec, exec -t, pause/unpause, stop -t 5 with a TERM trap
	pm run -d --name "$d" "${A[@]}" $IMG sh -c "$TRAP" > /dev/null 2>&1
	wait_for 30 eval "pm logs $d 2> /dev/null | grep -q ready"
	rec p-exec pm exec "$d" sh -c 'echo ex-out; echo ex-err >&2; exit 3' < /dev/null
	tty_rec p-exec-t "$(pm_line) exec -t $d sh -c '[ -t 1 ] && echo ex-tty; exit 5'"
	pm pause "$d" > /dev/null 2>&1
	put p-pause st "$(pm_status "$d")"
	pm unpause "$d" > /dev/null 2>&1
	put p-pause st "$(cat "$T/$PH/p-pause.st") $(pm_status "$d")"
	rec p-stop pm stop -t 5 "$d"
	put p-stop st "$(pm_status "$d") $(pm_exitcode "$d")"
	pm logs "$d" > "$T/$PH/p-stop.log" 2>&1
	pm rm -f "$d" > /dev/null 2>&1

	pm run -d --name "$k" "${A[@]}" $IMG sleep 1000 > /dev/null 2>&1
	wait_for 30 pm_is "$k" running
	pm kill "$k" > /dev/null 2>&1
	PM_TMO=30 rec p-kill pm wait "$k"
	rec p-rmf pm rm -f "$k"
	put p-rmf st "$(pm container exists "$k"; echo $?)"

	pm create --name "$c" "${A[@]}" $IMG sh -c 'echo c-out; echo c-err >&2; exit 6' > /dev/null 2>&1
	rec p-create pm start -a "$c" < /dev/null
	put p-create st "$(pm_status "$c") $(pm_exitcode "$c")"
	pm rm -f "$c" > /dev/null 2>&1
}

# ctr: ct_runargs gives CA (--runc-binary, --runc-root, fifo dir, PATH).
ct_scenarios() {
	local d=cd-$PH k=ck-$PH
	ct_runargs
	rec c-echo ct run --rm "${CA[@]}" "${A[@]}" --rootfs "$T/rootfs" "ce-$PH" echo hi < /dev/null
	rec c-exit7 ct run --rm "${CA[@]}" "${A[@]}" --rootfs "$T/rootfs" "cx-$PH" \
		sh -c 'echo out; echo err >&2; exit 7' < /dev/null

	ct run -d "${CA[@]}" "${A[@]}" --rootfs "$T/rootfs" "$d" sh -c "$TRAP" > /dev/null 2>&1 < /dev/null
	wait_for 30 ct_is "$d" RUNNING
	sleep 1	# the trap is set (ctr run -d has no output to wait on)
	rec c-kill ct task kill "$d"
	wait_for 15 ct_is "$d" STOPPED
	put c-kill st "$(ct_task_status "$d")"
	rec c-kill-del ct task delete "$d"
	ct container rm "$d" > /dev/null 2>&1

	ct run -d "${CA[@]}" "${A[@]}" --rootfs "$T/rootfs" "$k" \
		sleep 1000 > /dev/null 2>&1 < /dev/null
	wait_for 30 ct_is "$k" RUNNING
	(ct task exec --exec-id x1 "$k" sleep 1000 > /dev/null 2>&1 < /dev/null
		echo $? > "$T/$PH/c-killall.exrc") &
	sleep 2	# the exec'd process runs (the shim's exec goes to the agent)
	rec c-killall ct task kill --all -s SIGKILL "$k"
	wait_for 15 ct_is "$k" STOPPED
	wait_for 15 test -s "$T/$PH/c-killall.exrc"
	put c-killall st "$(ct_task_status "$k")"
	rec c-killall-del ct task delete "$k"
	ct container rm "$k" > /dev/null 2>&1
}

for p in runc shim; do
	phase $p
	echo "== $p: podman"
	pm_scenarios
	echo "== $p: ctr"
	ct_scenarios
done

# The control runs must be right themselves: the same failure in both
# phases (an engine call that timed out twice) is not a match.
control() { # NAME RC [TEXT in its stdout]
	local rc
	rc=$(cat "$T/runc/$1.rc" 2> /dev/null)
	if [ "$rc" = "$2" ] && { [ -z "${3:-}" ] || grep -q -- "$3" "$T/runc/$1.out"; }; then
		pass "$1: runc control: rc $2${3:+, '$3'}"
	else
		fail "$1: runc control: rc '$rc' (want $2)${3:+, want '$3' in '$(head -c 80 "$T/runc/$1.out" | tr -d '\r')'}"
	fi
}
control p-echo 0 hi
control p-exit7 7 out
control p-stdin 0 b
control p-tty 4 tty-yes
control p-exec 3 ex-out
control p-exec-t 5 ex-tty
control p-create 6 c-out
control c-echo 0 hi
control c-exit7 7 out

same p-echo out err rc
same p-exit7 out err rc
same p-stdin out err rc
same p-tty out err rc
same p-exec out err rc
same p-exec-t out err rc
same p-pause st
same p-stop rc st log
same p-kill out rc
same p-rmf rc st
same p-create out err rc st
same c-echo out err rc
same c-exit7 out err rc
same c-kill rc st
same c-kill-del rc err
same c-killall rc st exrc
same c-killall-del rc err

# A broken bundle (the kernel the annotation names is missing): runc has no
# VM to boot, so there is nothing to compare; the shim's error must reach
# the user readably: podman prints it on stderr, containerd only shows
# what the shim wrote to its --log (JSON), which ctr prints.
phase shim
bad=(--annotation "org.stratovirt.kernel=$T/no-such-kernel")
pm run --rm "${A[@]}" "${bad[@]}" $IMG echo hi > "$T/bad.out" 2> "$T/bad.err" < /dev/null
rc=$?
if [ $rc != 0 ] && grep -q "kernel $T/no-such-kernel: No such file" "$T/bad.err" &&
	! grep -q '"msg"' "$T/bad.err" && [ ! -s "$T/bad.out" ]; then
	pass "p-broken: rc $rc, stderr: $(grep -o "kernel $T/no-such-kernel[^\"]*" "$T/bad.err" | head -n 1)"
else
	fail "p-broken: rc $rc, stderr: $(head -c 300 "$T/bad.err")"
fi
ct_runargs
ct run --rm "${CA[@]}" "${A[@]}" "${bad[@]}" --rootfs "$T/rootfs" cb-shim echo hi \
	> "$T/bad.out" 2> "$T/bad.err" < /dev/null
rc=$?
if [ $rc != 0 ] && grep -q "kernel $T/no-such-kernel: No such file" "$T/bad.err"; then
	pass "c-broken: rc $rc, ctr's stderr has the shim's --log error: $(grep -o "kernel $T/no-such-kernel: [^\"\\]*" "$T/bad.err" | head -n 1)"
else
	fail "c-broken: rc $rc, stderr: $(head -c 300 "$T/bad.err")"
fi
ct container rm cb-shim > /dev/null 2>&1
no_agent() { ! pgrep -f "sv-agent --root $T/" > /dev/null; }
if no_agent; then pass "no agent left"; else fail "agents left: $(pgrep -af "sv-agent --root $T/")"; fi
