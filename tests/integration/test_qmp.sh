#!/bin/sh
# QMP end to end: a running VMM (the KVM build, or build/tests/stratovirt-emu
# with the software CPU) with the test guest's `svtest=count` workload, driven
# by build/tests/qmp_client.
#
#   tests/integration/test_qmp.sh VMM GUEST_KERNEL [QMP_CLIENT]
#
# Covers: the greeting byte for byte, commands before negotiation, every
# command, stop/cont with the guest's `tick N` output stopping and resuming,
# events byte for byte apart from the timestamp, getfd with SCM_RIGHTS,
# garbage / 1 MiB / 10,000-deep / byte-at-a-time input and 20 clients with
# the VM still answering, -qmp tcp: and -mon chardev=, system_powerdown,
# system_reset, and quit with its SHUTDOWN event and exit status 0.
# Ends with "qmp: N passed, N failed, N skipped".
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

VMM=$1
KERNEL=$2
QC=${3:-build/tests/qmp_client}
# Loop iterations per tick are 2^SHIFT; the emulated CPU needs a small one.
SHIFT=${SVCOUNT_SHIFT:-16}

if [ -z "$VMM" ] || [ -z "$KERNEL" ]; then
	echo "usage: $0 VMM GUEST_KERNEL [QMP_CLIENT]" >&2
	exit 2
fi
for f in "$VMM" "$QC"; do
	if [ ! -x "$f" ]; then
		skip "qmp: $f is not built"
		summary qmp
		exit 0
	fi
done
if [ ! -r "$KERNEL" ]; then
	skip "qmp: guest kernel $KERNEL missing"
	summary qmp
	exit 0
fi

TMP=$(mktemp -d /tmp/sv-qmp.XXXXXX)
SOCK=$TMP/qmp.sock
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
# shellcheck source=tests/integration/qmp_lib.sh
. tests/integration/qmp_lib.sh

GREETING='{"QMP":{"version":{"qemu":{"micro":1,"minor":0,"major":5},"package":"StratoVirt-2.5.0"},"capabilities":[]}}'
NEG_ERR='{"error":{"class":"CommandNotFound","desc":"Expecting capabilities negotiation with '"'"'qmp_capabilities'"'"'"}}'

# start_vm NAME EXTRA-ARGS...: VMM in the background, serial in $TMP/NAME.out.
start_vm() {
	name=$1; shift
	rm -f "$SOCK"
	"$VMM" -machine microvm -kernel "$KERNEL" -smp 1 -m 128 \
		-append "console=ttyS0 svtest=count svcount.shift=$SHIFT" \
		-serial stdio "$@" < /dev/null > "$TMP/$name.out" \
		2> "$TMP/$name.err" &
	PID=$!
	wait_sock "$name"
}

ticks() { n=$(grep -c '^tick ' "$1" 2>/dev/null); echo "${n:-0}"; }

# check_cmd CMD EXPECTED-REPLY: negotiated client, last line compared.
check_cmd() {
	got=$(qc -q -N "$SOCK" "$1" | tail -n 1)
	check "command $1" "$2" "$got"
}

alive() {
	r=$(qn "$SOCK" query-status)
	case "$r" in
	'{"return":{"running":'*)
		kill -0 "$PID" 2>/dev/null && pass "$1: VMM still running and answering" && return ;;
	esac
	fail "$1: VMM died or stopped answering ($r)"
}

t_basics() {
	start_vm main -qmp "unix:$SOCK,server,nowait" || return
	check "greeting byte for byte (CRLF checked by the client)" \
		"$GREETING" "$(qc "$SOCK")"
	check "command before qmp_capabilities: CommandNotFound" \
		"$NEG_ERR" "$(qc -q "$SOCK" query-status)"
	check "qmp_capabilities with id" '{"return":{},"id":"neg-1"}' \
		"$(qc -q "$SOCK" '{"execute":"qmp_capabilities","id":"neg-1"}')"
	check "qmp_capabilities twice" \
		'{"error":{"class":"CommandNotFound","desc":"Capabilities negotiation is already complete, command ignored"}}' \
		"$(qc -q -N "$SOCK" qmp_capabilities | tail -n 1)"
	check_cmd query-status '{"return":{"running":true,"singlestep":false,"status":"running"}}'
	check_cmd query-version '{"return":{"qemu":{"micro":1,"minor":0,"major":5},"package":"StratoVirt-2.5.0"}}'
	check_cmd query-target '{"return":{"arch":"x86_64"}}'
	check_cmd query-kvm '{"return":{"enabled":true,"present":true}}'
	check_cmd query-events '{"return":[{"name":"SHUTDOWN"},{"name":"RESET"},{"name":"STOP"},{"name":"RESUME"},{"name":"POWERDOWN"},{"name":"DEVICE_DELETED"}]}'
	check_cmd query-machines '{"return":[{"cpu-max":255,"deprecated":false,"hotplug-cpus":false,"name":"none","numa-mem-supported":false},{"cpu-max":255,"deprecated":false,"hotplug-cpus":false,"name":"microvm","numa-mem-supported":false},{"cpu-max":255,"deprecated":false,"hotplug-cpus":false,"name":"q35","numa-mem-supported":false}]}'
	check_cmd query-mem '{"return":{}}'
	check_cmd query-hotpluggable-cpus '{"return":[{"type":"host-x86-cpu","vcpus-count":1,"props":{"socket-id":0,"die_id":0,"core-id":0,"thread-id":0},"qom-path":"/machine/unattached/device[0]"}]}'
	cpus=$(qc -q -N "$SOCK" query-cpus | tail -n 1)
	tid=$(echo "$cpus" | sed -n 's/.*"thread_id":\([0-9]*\)}]}$/\1/p')
	check "query-cpus fields" \
		"{\"return\":[{\"arch\":\"x86\",\"current\":true,\"qom_path\":\"/machine/unattached/device[0]\",\"halted\":false,\"props\":{\"socket-id\":0,\"die_id\":0,\"core-id\":0,\"thread-id\":0},\"CPU\":0,\"thread_id\":$tid}]}" "$cpus"
	if [ -n "$tid" ] && [ -d "/proc/$PID/task/$tid" ]; then
		pass "query-cpus thread_id is a thread of the VMM"
	else
		fail "query-cpus thread_id $tid is not a thread of $PID"
	fi
	cmds=$(qc -q -N "$SOCK" query-commands | tail -n 1)
	for c in qmp_capabilities quit stop cont system_reset system_powerdown \
		 query-status query-version query-commands query-cpus \
		 query-hotpluggable-cpus query-mem getfd query-events \
		 query-target query-kvm query-machines; do
		case "$cmds" in
		*"{\"name\":\"$c\"}"*) ;;
		*) fail "query-commands lacks $c"; continue ;;
		esac
	done
	pass "query-commands lists every command"
	check "unknown command" \
		'{"error":{"class":"CommandNotFound","desc":"The command nope has not been found"},"id":3}' \
		"$(qc -q -N "$SOCK" '{"execute":"nope","id":3}' | tail -n 1)"
	check "unknown argument rejected" \
		'{"error":{"class":"GenericError","desc":"Invalid parameter '"'"'x'"'"'"}}' \
		"$(qc -q -N "$SOCK" '{"execute":"stop","arguments":{"x":1}}' | tail -n 1)"
	check "wrong argument type rejected" \
		'{"error":{"class":"GenericError","desc":"Invalid parameter type for '"'"'fdname'"'"', expected: string"}}' \
		"$(qc -q -N "$SOCK" '{"execute":"getfd","arguments":{"fdname":7}}' | tail -n 1)"
	check "getfd without an fd" \
		'{"error":{"class":"GenericError","desc":"No file descriptor supplied via SCM_RIGHTS"}}' \
		"$(qc -q -N "$SOCK" '{"execute":"getfd","arguments":{"fdname":"f1"}}' | tail -n 1)"
	check "getfd with SCM_RIGHTS" '{"return":{}}' \
		"$(qc -q -N -f /dev/null "$SOCK" '{"execute":"getfd","arguments":{"fdname":"f1"}}' | tail -n 1)"
}

t_stop_cont() {
	out=$(qn "$SOCK" '{"execute":"stop","id":"s"}' | no_ts)
	check "stop: STOP event then reply" \
		"$(printf '%s\n%s' '{"event":"STOP","data":{},"timestamp":{}}' '{"return":{},"id":"s"}')" \
		"$out"
	check_cmd query-status '{"return":{"running":false,"singlestep":false,"status":"paused"}}'
	check "stop while paused" \
		'{"error":{"class":"GenericError","desc":"Failed to pause VM"}}' \
		"$(qc -q -N "$SOCK" stop | tail -n 1)"
	a=$(ticks "$TMP/main.out")
	sleep 2
	b=$(ticks "$TMP/main.out")
	check "paused guest prints no tick ($a -> $b)" "$a" "$b"
	out=$(qn "$SOCK" cont | no_ts)
	check "cont: RESUME event then reply" \
		"$(printf '%s\n%s' '{"event":"RESUME","data":{},"timestamp":{}}' '{"return":{}}')" \
		"$out"
	i=0
	while [ "$(ticks "$TMP/main.out")" -le "$b" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$(ticks "$TMP/main.out")" -gt "$b" ]; then
		pass "resumed guest ticks again"
	else
		fail "no tick within 10 s after cont"
	fi
	check "cont while running" \
		'{"error":{"class":"GenericError","desc":"Failed to resume VM"}}' \
		"$(qc -q -N "$SOCK" cont | tail -n 1)"
	# A second client watching events while the first stops the VM is
	# replaced (one client at a time), so events go to the commanding one.
}

t_robustness() {
	out=$(qc -q -N "$SOCK" 'raw:garbage\n' | tail -n 1)
	case "$out" in
	'{"error":{"class":"GenericError","desc":"JSON parse error, '*) pass "garbage: GenericError" ;;
	*) fail "garbage: $out" ;;
	esac
	check "non-object input" \
		'{"error":{"class":"GenericError","desc":"QMP input must be a JSON object"}}' \
		"$(qc -q -N "$SOCK" '[1,2]' | tail -n 1)"
	python3 -c "import sys; sys.stdout.write('{\"execute\":\"' + 'a' * (1 << 20) + '\"}\n')" > "$TMP/big"
	check "1 MiB message" \
		'{"error":{"class":"GenericError","desc":"QMP message too long (limit 65536 bytes)"}}' \
		"$(qc -q -N -s "$TMP/big" "$SOCK" | tail -n 1)"
	python3 -c "import sys; sys.stdout.write('[' * 10000 + ']' * 10000 + '\n')" > "$TMP/deep"
	check "10,000-deep nesting" \
		'{"error":{"class":"GenericError","desc":"JSON nesting depth limit exceeded"}}' \
		"$(qc -q -N -s "$TMP/deep" "$SOCK" | tail -n 1)"
	check "byte-at-a-time request" '{"return":{"arch":"x86_64"},"id":"b"}' \
		"$(qc -q -N -b "$SOCK" '{"execute":"query-target","id":"b"}' | tail -n 1)"
	qc -q -N "$SOCK" 'noreply:{"execute":"query-sta' > /dev/null
	alive "client gone mid-command"
	n=0
	while [ $n -lt 20 ]; do
		case $((n % 4)) in
		0) qc -q "$SOCK" > /dev/null ;;
		1) qc -q -N "$SOCK" query-status > /dev/null ;;
		2) qc -q "$SOCK" 'noreply:{"execute":"qmp_capabilities"}{"exec' > /dev/null ;;
		3) qc -q "$SOCK" 'raw:\x00\xff{]' > /dev/null ;;
		esac
		n=$((n + 1))
	done
	alive "20 clients in a loop"
	n=0
	pids=
	while [ $n -lt 20 ]; do
		"$QC" -t 10 -q -N "$SOCK" query-status > "$TMP/par.$n" 2>&1 &
		pids="$pids $!"
		n=$((n + 1))
	done
	for j in $pids; do
		wait "$j"
	done
	bad=0
	n=0
	while [ $n -lt 20 ]; do
		l=$(tail -n 1 "$TMP/par.$n")
		case "$l" in
		'{"return":{"running":'*|*'connection closed'*) ;;
		*) bad=$((bad + 1)); echo "    | client $n: $l" ;;
		esac
		n=$((n + 1))
	done
	check "20 concurrent clients: a reply or a closed connection each" 0 "$bad"
	alive "20 concurrent clients"
}

t_quit() {
	out=$(qn -x "$SOCK" '{"execute":"quit","id":"q"}' | no_ts)
	check "quit: reply, SHUTDOWN event, connection closed" \
		"$(printf '%s\n%s' '{"return":{},"id":"q"}' '{"event":"SHUTDOWN","data":{"guest":false,"reason":"host-qmp-quit"},"timestamp":{}}')" \
		"$out"
	wait_exit 10
	check "quit: exit status" 0 "$RC"
	[ -e "$SOCK" ] && fail "quit: socket left behind" || pass "quit: socket removed"
}

t_powerdown() {
	start_vm pd -qmp "unix:$SOCK,server,nowait" || return
	out=$(qn -x "$SOCK" system_powerdown | no_ts)
	check "system_powerdown: POWERDOWN, reply, SHUTDOWN" \
		"$(printf '%s\n%s\n%s' '{"event":"POWERDOWN","data":{},"timestamp":{}}' '{"return":{}}' '{"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-shutdown"},"timestamp":{}}')" \
		"$out"
	wait_exit 10
	check "system_powerdown: exit status" 0 "$RC"
}

t_reset() {
	start_vm rst -qmp "unix:$SOCK,server,nowait" || return
	out=$(qn -x "$SOCK" system_reset | no_ts)
	check "system_reset on microvm: reply, SHUTDOWN, process ends" \
		"$(printf '%s\n%s' '{"return":{}}' '{"event":"SHUTDOWN","data":{"guest":false,"reason":"host-qmp-system-reset"},"timestamp":{}}')" \
		"$out"
	wait_exit 10
	check "system_reset: exit status" 0 "$RC"
}

t_freeze() {
	start_vm frz -S -qmp "unix:$SOCK,server,nowait" || return
	check "-S: query-status paused" \
		'{"return":{"running":false,"singlestep":false,"status":"paused"}}' \
		"$(qn "$SOCK" query-status)"
	sleep 1
	check "-S: the guest has not run" 0 "$(ticks "$TMP/frz.out")"
	check "-S: cont" "$(printf '%s\n%s' '{"event":"RESUME","data":{},"timestamp":{}}' '{"return":{}}')" \
		"$(qn "$SOCK" cont | no_ts)"
	i=0
	while [ "$(ticks "$TMP/frz.out")" -eq 0 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(ticks "$TMP/frz.out")" -gt 0 ] && pass "-S: guest runs after cont" ||
		fail "-S: no tick within 10 s after cont"
	qn -x "$SOCK" quit > /dev/null
	wait_exit 10
	check "-S: quit exit status" 0 "$RC"
}

t_tcp_and_mon() {
	port=$((20000 + $$ % 20000))
	start_vm tcp -qmp "tcp:127.0.0.1:$port,server,nowait" \
		-chardev "socket,id=mon0,path=$SOCK,server,nowait" \
		-mon chardev=mon0,id=m0,mode=control || return
	check "-qmp tcp: greeting" "$GREETING" "$(qc "tcp:127.0.0.1:$port")"
	check "-mon chardev=: greeting" "$GREETING" "$(qc "$SOCK")"
	check "-qmp tcp: query-status" \
		'{"return":{"running":true,"singlestep":false,"status":"running"}}' \
		"$(qc -q -N "tcp:127.0.0.1:$port" query-status | tail -n 1)"
	qc -q -N -x "$SOCK" quit > /dev/null
	wait_exit 10
	check "-mon: quit exit status" 0 "$RC"
}

# microvm hot-plug: blockdev-add + device_add fill a pre-created
# virtio-blk slot, device_del empties it and emits DEVICE_DELETED.
t_hotplug() {
	start_vm hotplug -qmp "unix:$SOCK,server,nowait" || return
	printf 'SVDISK01' > "$TMP/hp1.img"; truncate -s 1M "$TMP/hp1.img"
	cp "$TMP/hp1.img" "$TMP/hp2.img"
	bd='{"execute":"blockdev-add","arguments":{"node-name":"drive-1","file":{"driver":"file","filename":"'$TMP/hp1.img'"},"cache":{"direct":false}}}'
	check "blockdev-add" '{"return":{}}' "$(qn "$SOCK" "$bd" | tail -n 1)"
	check "blockdev-add twice: node-name in use" \
		'{"error":{"class":"GenericError","desc":"node-name '"'"'drive-1'"'"' is already in use"}}' \
		"$(qn "$SOCK" "$bd" | tail -n 1)"
	check "blockdev-add of a missing file" \
		'{"error":{"class":"GenericError","desc":"Failed to open '"'"'/nonexistent.img'"'"': No such file or directory"}}' \
		"$(qn "$SOCK" '{"execute":"blockdev-add","arguments":{"node-name":"x","file":{"driver":"file","filename":"/nonexistent.img"}}}' | tail -n 1)"
	check "device_add into slot 1" '{"return":{}}' \
		"$(qn "$SOCK" '{"execute":"device_add","arguments":{"id":"blk-1","driver":"virtio-blk-mmio","drive":"drive-1","addr":"0x1"}}' | tail -n 1)"
	qn "$SOCK" '{"execute":"blockdev-add","arguments":{"node-name":"drive-2","file":{"driver":"file","filename":"'$TMP/hp2.img'"},"read-only":true}}' > /dev/null
	check "device_add into a busy slot" \
		'{"error":{"class":"GenericError","desc":"virtio-blk slot 1 is in use"}}' \
		"$(qn "$SOCK" '{"execute":"device_add","arguments":{"id":"blk-2","driver":"virtio-blk-mmio","drive":"drive-2","addr":"0x1"}}' | tail -n 1)"
	check "device_add with a slot out of range" \
		'{"error":{"class":"GenericError","desc":"Invalid addr '"'"'0x9'"'"': the virtio-blk slot must be 0..3"}}' \
		"$(qn "$SOCK" '{"execute":"device_add","arguments":{"id":"blk-2","driver":"virtio-blk-mmio","drive":"drive-2","addr":"0x9"}}' | tail -n 1)"
	check "device_add of an unknown drive" \
		'{"error":{"class":"GenericError","desc":"Failed to find block device '"'"'nope'"'"'"}}' \
		"$(qn "$SOCK" '{"execute":"device_add","arguments":{"id":"blk-3","driver":"virtio-blk-mmio","drive":"nope"}}' | tail -n 1)"
	check "device_add of a net device (no net slots yet)" \
		'{"error":{"class":"GenericError","desc":"device driver '"'"'virtio-net-mmio'"'"' is not supported on microvm (virtio-blk-mmio only)"}}' \
		"$(qn "$SOCK" '{"execute":"device_add","arguments":{"id":"n1","driver":"virtio-net-mmio"}}' | tail -n 1)"
	check "device_add into the first free slot" '{"return":{}}' \
		"$(qn "$SOCK" '{"execute":"device_add","arguments":{"id":"blk-2","driver":"virtio-blk-mmio","drive":"drive-2"}}' | tail -n 1)"
	# The event may come before or after the reply: compare sorted.
	out=$(qc -q -N -e 1 "$SOCK" '{"execute":"device_del","arguments":{"id":"blk-1"}}' | tail -n 2 | no_ts | LC_ALL=C sort -r | tr '\n' ' ')
	check "device_del: reply and DEVICE_DELETED" \
		'{"return":{}} {"event":"DEVICE_DELETED","data":{"device":"blk-1","path":"blk-1"},"timestamp":{}} ' "$out"
	check "device_del of an unknown id: DeviceNotFound" \
		'{"error":{"class":"DeviceNotFound","desc":"Failed to find device '"'"'blk-1'"'"'"}}' \
		"$(qn "$SOCK" '{"execute":"device_del","arguments":{"id":"blk-1"}}' | tail -n 1)"
	check "slot 1 is free again" '{"return":{}}' \
		"$(qn "$SOCK" '{"execute":"blockdev-add","arguments":{"node-name":"drive-3","file":{"driver":"file","filename":"'$TMP/hp1.img'"}}}' | tail -n 1)"
	check "blockdev-del of an unused node" '{"return":{}}' \
		"$(qn "$SOCK" '{"execute":"blockdev-del","arguments":{"node-name":"drive-3"}}' | tail -n 1)"
	alive "hotplug"
	qn "$SOCK" quit > /dev/null
	wait_exit 10
	check "hotplug: quit exit status" 0 "$RC"
}

t_basics
if [ -n "$PID" ]; then
	t_stop_cont
	t_robustness
	t_quit
fi
t_hotplug
t_powerdown
t_reset
t_freeze
t_tcp_and_mon
summary qmp
