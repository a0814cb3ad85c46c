#!/bin/sh
# tests/agent/run.sh [O]: sv-agent on the host, in its own mount, pid and
# uts namespaces (unshare, as root), with a unix socket standing in for the
# virtio-serial port and a busybox directory as the container root, driven
# by $O/tests/agent/agent_test (built on shim/agent_client.c).
set -u
O=${1:-build}
. tests/lib.sh
AGENT=${SV_AGENT:-$O/sv-agent}
CLIENT=$O/tests/agent/agent_test
BUSYBOX=${BUSYBOX:-/bin/busybox}

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	skip "sv-agent host tests need root and unshare"
	summary agent; exit $?
fi
for f in "$AGENT" "$CLIENT" "$BUSYBOX"; do
	[ -x "$f" ] || { fail "missing $f (make O=$O $f)"; summary agent; exit 1; }
done

T=$(mktemp -d /tmp/sv-agent-test.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
R=$T/root
mkdir -p "$R/bin" "$R/proc" "$R/tmp" "$R/etc" "$R/dev" "$R/sys"
cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done

# run NAME CLIENT-ARGS...: one agent, one client; sets RC, output in
# $T/NAME.log (client), $T/NAME.out/.err (process), $T/NAME.agent.
run() {
	name=$1; shift
	sock=$T/$name.sock
	timeout 60 unshare -m -p -f -u --mount-proc "$AGENT" --root "$R" \
		--listen "$sock" 2>"$T/$name.agent" &
	apid=$!
	timeout 40 "$CLIENT" -o "$T/$name.out" -E "$T/$name.err" \
		-e PATH=/bin "$@" >"$T/$name.log" 2>&1
	RC=$?
	wait "$apid"
	arc=$?
	[ $arc = 0 ] || { fail "$name: sv-agent exited $arc"; sed 's/^/    /' "$T/$name.agent" | head -20; }
}

# check NAME DESC COND...: pass if the command COND succeeds.
check() {
	name=$1; desc=$2; shift 2
	if "$@"; then pass "$desc"; else
		fail "$desc (rc=$RC)"; sed 's/^/    /' "$T/$name.log" "$T/$name.agent" | head -20
	fi
}
same() { [ "$(cat "$1")" = "$2" ]; }

run split "$T/split.sock" -- sh -c 'printf out1; printf err1 >&2; printf out2'
check split "stdout and stderr separate" \
	eval 'same $T/split.out out1out2 && same $T/split.err err1 && [ $RC = 0 ]'

head -c 300000 /dev/urandom >"$R/tmp/bin.dat"
run bin "$T/bin.sock" -- cat /tmp/bin.dat
check bin "binary stdout byte-exact" cmp -s "$R/tmp/bin.dat" "$T/bin.out"
run binerr "$T/binerr.sock" -- sh -c 'cat /tmp/bin.dat >&2'
check binerr "binary stderr byte-exact, stdout empty" \
	eval 'cmp -s $R/tmp/bin.dat $T/binerr.err && [ ! -s $T/binerr.out ]'

head -c 3145728 /dev/urandom >"$R/tmp/big.dat"
run big "$T/big.sock" -- cat /tmp/big.dat
check big "3 MiB stdout byte-exact" cmp -s "$R/tmp/big.dat" "$T/big.out"

head -c 1572864 /dev/urandom >"$T/in.dat"
run stdin "$T/stdin.sock" -i "$T/in.dat" -- cat
check stdin "1.5 MiB stdin relayed, EOF ends cat" \
	eval 'cmp -s $T/in.dat $T/stdin.out && [ $RC = 0 ]'

for code in 0 42 255; do
	run "exit$code" "$T/exit$code.sock" -- sh -c "exit $code"
	check "exit$code" "exit code $code" \
		eval "[ \$RC = $code ] && grep -qx 'exit $code' \$T/exit$code.log"
done

run sigdeath "$T/sigdeath.sock" -- sh -c 'kill -9 $$'
check sigdeath "signal death reported as signal 9 (137)" \
	eval 'grep -qx "signal 9" $T/sigdeath.log && [ $RC = 137 ]'

run kill "$T/kill.sock" -k 15:300 -- sleep 30
check kill "SIGTERM delivered (143)" \
	eval 'grep -qx "signal 15" $T/kill.log && [ $RC = 143 ]'

# 200 KB of stdin the process never reads: it waits in the agent's queue,
# and the signal behind it in the channel is still delivered at once.
head -c 204800 /dev/urandom >"$T/unread.dat"
run unread "$T/unread.sock" -i "$T/unread.dat" -k 15:300 -- sleep 20
check unread "signal delivered while 200 KB of stdin sit unread" \
	eval 'grep -qx "signal 15" $T/unread.log && [ $RC = 143 ]'

run killall "$T/killall.sock" -A -k 15:300 -- \
	sh -c 'trap "echo trapped; exit 4" TERM; sleep 30'
check killall "signal to all processes (kill --all)" \
	eval '[ $RC = 4 ] && same $T/killall.out trapped'

run initdies "$T/initdies.sock" -X 'sleep 30' -- sleep 0.5
check initdies "exec processes killed when the container process exits" \
	eval '[ $RC = 0 ] && grep -qx "exec-signal 9" $T/initdies.log'

run exec "$T/exec.sock" -X 'echo exec-out; exit 7' -O "$T/exec.xout" -- sleep 1
check exec "exec of a second process" \
	eval 'grep -qx "exec-exit 7" $T/exec.log && same $T/exec.xout exec-out && [ $RC = 0 ]'

run ids "$T/ids.sock" -e FOO=bar -c /tmp -u 1000 -g 1001 -G 1002 -h svtest \
	-- sh -c 'echo $FOO; pwd; id -u; id -g; id -G; hostname'
check ids "env, cwd, uid, gid, groups, hostname" same "$T/ids.out" \
	"$(printf 'bar\n/tmp\n1000\n1001\n1001 1002\nsvtest')"

echo "bound file" >"$T/bind.src"
run mounts "$T/mounts.sock" -m proc:proc:/proc -m tmpfs:tmpfs:/mnt/t:size=1m \
	-m "bind:$T/bind.src:/etc/bound" \
	-- sh -c 'cat /etc/bound; test -r /proc/self/status && echo proc;
		grep -q " /mnt/t tmpfs" /proc/mounts && echo tmpfs'
check mounts "proc, tmpfs and file bind mounts" same "$T/mounts.out" \
	"$(printf 'bound file\nproc\ntmpfs')"

run zombie "$T/zombie.sock" -m proc:proc:/proc -- sh -c \
	'(sleep 0.1 &); (sleep 0.1 &); (sleep 0.1 &); sleep 1;
	 cat /proc/[0-9]*/stat | grep -c ") Z "'
check zombie "orphaned zombies reaped" same "$T/zombie.out" 0

run rlimit "$T/rlimit.sock" -r 7:64:64 -- sh -c 'ulimit -n'
check rlimit "rlimit NOFILE applied" same "$T/rlimit.out" 64

run tty "$T/tty.sock" -t -- sh -c 'test -t 0 && test -t 1 && echo tty'
check tty "terminal mode gives a pty" grep -q tty "$T/tty.out"

run winsz "$T/winsz.sock" -t -W 33:101 -- sh -c 'sleep 0.3; stty size'
check winsz "window size reaches the pty" grep -q '^33 101' "$T/winsz.out"

run noexe "$T/noexe.sock" -- /bin/does-not-exist
check noexe "exec failure reported as error" \
	eval '[ $RC = 125 ] && grep -q "^error: .*No such file" $T/noexe.log'

# The same agent as PID 1 of a real Linux guest: QEMU (TCG here, no KVM)
# boots the guest kit's kernel with our initramfs, the rootfs disk and a
# virtio-serial port named sv.agent behind a unix socket.
# shellcheck disable=SC2034 # qrc is read inside the eval strings
vm_test() {
	kernel=$O/guest/bzImage
	[ -f "$kernel" ] || kernel=build/guest/bzImage
	disk=$(dirname "$kernel")/rootfs.ext4
	initrd=$O/sv-agent-initramfs.cpio.gz
	if ! command -v qemu-system-x86_64 >/dev/null || [ ! -f "$kernel" ] ||
		[ ! -f "$disk" ] || [ ! -f "$initrd" ]; then
		skip "agent in a Linux VM (needs qemu, make guest-kernel guest-rootfs)"
		return
	fi
	vm_boot vm 0
	timeout 150 "$CLIENT" -o "$T/vm.out" -E "$T/vm.err" -h vmbox \
		-e PATH=/bin:/sbin:/usr/bin -m proc:proc:/proc "$T/vm.sock" \
		-- /bin/sh -c 'echo hi; echo err >&2; hostname; exit 5' \
		>"$T/vm.log" 2>&1
	RC=$?
	wait "$qpid"
	qrc=$?
	check vm "agent as PID 1 in a Linux VM (stdio, hostname, exit 5)" \
		eval '[ $RC = 5 ] && same $T/vm.out "$(printf "hi\nvmbox")" && same $T/vm.err err'
	check vm "guest powered off on POWEROFF (qemu exit 0)" \
		eval '[ $qrc = 0 ] && grep -q "reboot: Power down" $T/vm.agent'

	# The host connects long after the agent opened the port, and sends
	# no POWEROFF: the agent waits for it, then powers off by itself.
	vm_boot vmlate 1
	timeout 150 "$CLIENT" -N -o "$T/vmlate.out" -e PATH=/bin "$T/vmlate.sock" \
		-- /bin/echo late >"$T/vmlate.log" 2>&1
	RC=$?
	wait "$qpid"
	qrc=$?
	check vmlate "late host connection, power off after the linger time" \
		eval '[ $RC = 0 ] && same $T/vmlate.out late && [ $qrc = 0 ] &&
			grep -q "reboot: Power down" $T/vmlate.agent'

	# A write-protected root disk (root.readonly): mounted read-only.
	vm_boot vmro 0 readonly=on
	timeout 150 "$CLIENT" -o "$T/vmro.out" -e PATH=/bin "$T/vmro.sock" \
		-- /bin/sh -c 'touch /x 2>/dev/null && echo rw || echo ro' \
		>"$T/vmro.log" 2>&1
	RC=$?
	wait "$qpid"
	check vmro "read-only root disk mounted read-only" \
		eval '[ $RC = 0 ] && same $T/vmro.out ro'
}

# vm_boot NAME LATE [DRIVE-OPT]: start QEMU in the background (qpid); wait
# for its socket, and with LATE=1 also until the agent has been waiting 2 s.
# DRIVE-OPT replaces the root disk's snapshot=on (e.g. readonly=on).
vm_boot() {
	accel=tcg
	[ "$(kvm_kind)" = hardware ] && accel=kvm
	timeout 180 qemu-system-x86_64 -accel $accel -m 256 -nographic \
		-no-reboot -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 sv.debug" \
		-drive "file=$disk,if=virtio,format=raw,${3:-snapshot=on}" \
		-device virtio-serial-pci \
		-chardev "socket,id=ag,path=$T/$1.sock,server=on,wait=off" \
		-device virtserialport,chardev=ag,name=sv.agent \
		>"$T/$1.agent" 2>&1 &
	qpid=$!
	n=0
	while [ ! -S "$T/$1.sock" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	[ "$2" = 1 ] || return 0
	while ! grep -q "EXT4-fs (vda): mounted" "$T/$1.agent" && [ $n -lt 600 ]; do
		sleep 0.1; n=$((n + 1))
	done
	sleep 2
}
[ "${SV_AGENT_SKIP_VM:-0}" = 1 ] || vm_test

summary agent
