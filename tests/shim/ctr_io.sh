# shellcheck shell=sh
# Container bundles on the host stand-in (container.sh sets it up): the
# monitor's relays under load, kill --all, long state paths, stuck control
# clients, and delete after a failed start. Sourced by container.sh.

# info_pid ID KEY: a pid recorded in the state dir's shim.info.
info_pid() {
	sed -n "s/^$2 \([0-9]*\)$/\1/p" "$ROOT/$1/shim.info" 2> /dev/null
}

# gone PID...: none of the pids is alive (zombies count as gone).
gone() {
	for _p in "$@"; do
		[ -n "$_p" ] || continue
		_s=$(sed -n 's/^[0-9]* ([^)]*) \(.\).*/\1/p' "/proc/$_p/stat" 2> /dev/null)
		[ -n "$_s" ] && [ "$_s" != Z ] && return 1
	done
	return 0
}

# wait_gone TENTHS PID...: false at once if the first pid is unknown.
wait_gone() {
	_t=$1
	shift
	[ -n "$1" ] || return 1
	_i=0
	while ! gone "$@" && [ $_i -lt "$_t" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	gone "$@"
}

# 8 MiB of output before the workload reads any of its 16 MiB of input,
# then cat, read slowly: the monitor must keep taking output while its
# input waits (a blocking stdin relay deadlocks past a few MiB).
t_ctr_big_pipe() {
	head -c 16777216 /dev/urandom > "$TMP/big.in"
	ctr_bundle big true \
		'["/bin/sh","-c","/bin/busybox yes | /bin/busybox head -c 8388608; exec /bin/cat"]'
	want=$({ yes | head -c 8388608; cat "$TMP/big.in"; } | sha256sum | cut -d' ' -f1)
	got=$(timeout 120 sh -c "\"$SHIM\" --root \"$ROOT\" --no-jail run -b \"$TMP/big\" big < \"$TMP/big.in\" 2> \"$TMP/big.err\" |
		python3 -c '
import hashlib, sys, time
h = hashlib.sha256()
while True:
    b = sys.stdin.buffer.read1(65536)
    if not b:
        break
    h.update(b)
    time.sleep(0.002)
print(h.hexdigest())'")
	check "relay: 8 MiB out first, then 16 MiB through cat, slow reader: sha256 intact" \
		[ "$got" = "$want" ]
	S delete -f big > /dev/null 2>&1
	rm -f "$TMP/big.in"
}

# kill --all reaches the exec'd process too; init traps the signal.
t_ctr_kill_all() {
	ctr_bundle ka true \
		'["/bin/sh","-c","trap \"echo init-usr1\" USR1; while :; do sleep 0.1; done"]'
	S create -b "$TMP/ka" ka < /dev/null > "$TMP/ka.out" 2>&1
	S start ka
	(
		S exec ka /bin/sleep 1000 < /dev/null > /dev/null 2>&1
		echo $? > "$TMP/ka.rc"
	) &
	sleep 1
	check "kill --all: accepted" S kill --all ka USR1
	i=0
	while [ ! -s "$TMP/ka.rc" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "kill --all: the exec'd process got USR1 (exit $(cat "$TMP/ka.rc" 2> /dev/null))" \
		[ "$(cat "$TMP/ka.rc" 2> /dev/null)" = 138 ]
	check "kill --all: init got it too (trapped)" \
		wait_grep "$TMP/ka.out" init-usr1 30
	check "kill --all: container still running" [ "$(status ka)" = running ]
	S kill ka KILL > /dev/null 2>&1
	wait_status ka stopped 50
	S delete -f ka > /dev/null 2>&1
	wait
}

# A 120-byte --root and a 64-byte id: every socket path is over 108.
t_ctr_long_root() {
	lroot=$TMP/lr
	while [ ${#lroot} -lt 120 ]; do lroot=$lroot/x; done
	lroot=$(printf '%.120s' "$lroot")
	lid=$(printf 'id%062d' 0)
	L() { "$SHIM" --root "$lroot" --no-jail "$@"; } # the stand-in VMM: no jail
	# shellcheck disable=SC2016 # expanded in the container
	ctr_bundle lr true '["/bin/sh","-c","echo long-$GREETING; cat"]'
	echo piped | L run -b "$TMP/lr" "$lid" > "$TMP/lr.out" 2> "$TMP/lr.err"
	rc=$?
	check "long root: run works (rc $rc, root ${#lroot}, id ${#lid})" \
		[ $rc -eq 0 ]
	sed 's/^/    | /' "$TMP/lr.err"
	check "long root: output relayed" \
		[ "$(cat "$TMP/lr.out")" = "$(printf 'long-from-the-spec\npiped')" ]
	ctr_bundle lr2 true '["/bin/sleep","1000"]'
	L create -b "$TMP/lr2" "$lid" < /dev/null > /dev/null 2>&1
	check "long root: the VMM got ./qmp.sock and ./agent.sock" \
		sh -c "grep -q '^unix:./qmp.sock,' '$lroot/$lid/vmm.argv' && grep -q 'path=./agent.sock,' '$lroot/$lid/vmm.argv'"
	check "long root: start (ctl.sock)" L start "$lid"
	check "long root: exec" sh -c "[ \"\$('$SHIM' --root '$lroot' exec '$lid' /bin/echo ex)\" = ex ]"
	check "long root: pause/resume (qmp.sock)" \
		sh -c "'$SHIM' --root '$lroot' pause '$lid' && '$SHIM' --root '$lroot' resume '$lid'"
	check "long root: kill" L kill "$lid" KILL
	check "long root: delete" L delete -f "$lid"
	check "long root: state dir gone" [ ! -e "$lroot/$lid" ]
}

# Control clients that connect and send nothing do not stall the relays.
t_ctr_stuck_ctl() {
	ctr_bundle sc true '["/bin/cat"]'
	rm -f "$TMP/sc.fifo"
	mkfifo "$TMP/sc.fifo"
	exec 7<> "$TMP/sc.fifo"
	S create -b "$TMP/sc" sc < "$TMP/sc.fifo" > "$TMP/sc.out" 2>&1
	S start sc
	echo first >&7
	wait_grep "$TMP/sc.out" first 50
	rm -f "$TMP/sc.ready"
	python3 -c '
import socket, sys, time
ss = [socket.socket(socket.AF_UNIX) for _ in range(4)]
for s in ss:
    s.connect(sys.argv[1])
open(sys.argv[2], "w").close()
time.sleep(8)' "$ROOT/sc/ctl.sock" "$TMP/sc.ready" &
	stuck=$!
	i=0
	while [ ! -e "$TMP/sc.ready" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.2
	echo second >&7
	check "stuck control clients: output keeps flowing" \
		wait_grep "$TMP/sc.out" second 10
	check "stuck control clients: exec still served" \
		sh -c "[ \"\$(timeout 5 '$SHIM' --root '$ROOT' exec sc /bin/echo ok)\" = ok ]"
	kill "$stuck" 2> /dev/null
	exec 7>&-
	wait_status sc stopped 50
	S delete -f sc > /dev/null 2>&1
}

# A failed start, then delete -f: no process of the container survives;
# a monitor whose state dir is removed stops the VM and exits.
t_ctr_failed_start() {
	ctr_bundle fs true '["/no/such/program"]'
	S create -b "$TMP/fs" fs < /dev/null > /dev/null 2>&1
	mon=$(info_pid fs monitor_pid)
	vmm=$(info_pid fs vmm_pid)
	agent=$(pgrep -f "sv-agent --root $TMP/rootfs --listen $ROOT/fs/" | tr '\n' ' ')
	refuse "failed start: refused" S start fs
	check "failed start: pids known (monitor $mon, vmm $vmm, agent $agent)" \
		test -n "$mon" -a -n "$vmm" -a -n "$agent"
	S delete -f fs
	# shellcheck disable=SC2086 # $agent: one word per pid
	check "failed start + delete -f: monitor, VMM, agent gone" \
		wait_gone 30 "$mon" "$vmm" $agent
	ctr_bundle rm true '["/bin/sleep","1000"]'
	S create -b "$TMP/rm" rm < /dev/null > /dev/null 2>&1
	S start rm
	mon=$(info_pid rm monitor_pid)
	vmm=$(info_pid rm vmm_pid)
	agent=$(pgrep -f "sv-agent --root $TMP/rootfs --listen $ROOT/rm/" | tr '\n' ' ')
	rm -rf "$ROOT/rm"
	# shellcheck disable=SC2086 # $agent: one word per pid
	check "state dir removed: monitor, VMM, agent exit" \
		wait_gone 50 "$mon" "$vmm" $agent
	bundle vmrm "svtest=idle"
	S create -b "$TMP/vmrm" vmrm < /dev/null > /dev/null 2>&1
	mon=$(info_pid vmrm monitor_pid)
	vmm=$(info_pid vmrm vmm_pid)
	rm -rf "$ROOT/vmrm"
	check "vm bundle: state dir removed, monitor and VMM exit" \
		wait_gone 50 "$mon" "$vmm"
}

# A read-only mount of the spec is read-only on that mount only: another
# mount of the same file system (sysfs, of the agent's own network
# namespace) stays writable. A remount of the superblock would flip them
# all, and fails with EBUSY when one has writers (podman's cgroup mount).
t_ctr_ro_mount() {
	ctr_bundle rom true '["/bin/cat","/proc/self/mountinfo"]'
	sed -i 's|^ "annotations"| "mounts":[{"destination":"/proc","type":"proc","source":"proc"},\
  {"destination":"/tmp/s1","type":"sysfs","source":"sysfs"},\
  {"destination":"/tmp/s2","type":"sysfs","source":"sysfs","options":["ro","nosuid"]}],\
 "annotations"|' "$TMP/rom/config.json"
	S run -b "$TMP/rom" rom < /dev/null > "$TMP/rom.out" 2> "$TMP/rom.err"
	sed 's/^/    | /' "$TMP/rom.err"
	check "ro mount: the ro sysfs mount is read-only" \
		grep -q ' /tmp/s2 ro,nosuid.* - sysfs sysfs ' "$TMP/rom.out"
	check "ro mount: the other sysfs mount's file system stays rw" \
		grep -q ' /tmp/s1 rw.* - sysfs sysfs rw' "$TMP/rom.out"
}

t_container_io() {
	if [ ! -x "$SV_AGENT" ] || [ ! -x "$TMP/rootfs/bin/busybox" ]; then
		skip "container relays: sv-agent or busybox missing"
		return
	fi
	t_ctr_big_pipe
	t_ctr_kill_all
	t_ctr_long_root
	t_ctr_stuck_ctl
	t_ctr_failed_start
	t_ctr_ro_mount
}
