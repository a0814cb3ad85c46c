#!/bin/sh
# virtio-serial end to end: the test guest (svtest=console) drives the
# multiport virtio-console of our VMM; a host peer on the port's unix
# socket echoes every line back. Also: the peer connecting late (PORT_OPEN
# arrives when it does), and the same guest under QEMU microvm for a
# differential check of what the guest prints.
# Usage: test_vconsole.sh VMM GUEST_KERNEL
# Ends with "vconsole: N passed, N failed, N skipped".
VMM=$1
K=$2
. tests/lib.sh
TMP=$(mktemp -d /tmp/sv-vcon.XXXXXX)
PEER_PID=
trap '[ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

# peer SOCK DELAY: connect (retrying) after DELAY s and echo what arrives.
peer() {
	python3 - "$1" "$2" <<'EOF' &
import socket, sys, time
time.sleep(float(sys.argv[2]))
s = socket.socket(socket.AF_UNIX)
for _ in range(200):
    try:
        s.connect(sys.argv[1]); break
    except OSError:
        time.sleep(0.05)
while True:
    b = s.recv(4096)
    if not b:
        break
    s.sendall(b)
EOF
	PEER_PID=$!
}

# run NAME DELAY VMM-ARGS...: boot with the peer, expect PASS.
run() {
	name=$1; delay=$2; shift 2
	rm -f "$TMP/ag.sock"
	"$@" > "$TMP/$name.out" 2>&1 < /dev/null &
	vm=$!
	peer "$TMP/ag.sock" "$delay"
	i=0
	while kill -0 "$vm" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill "$vm" 2>/dev/null
	wait "$vm"
	rc=$?
	kill "$PEER_PID" 2>/dev/null
	PEER_PID=
	if grep -q '^TEST: PASS' "$TMP/$name.out" && [ "$rc" -eq 0 ]; then
		pass "$name"
	else
		fail "$name (exit $rc)"
		tail -n 8 "$TMP/$name.out" | sed 's/^/    | /'
	fi
}

CHR="socket,id=ag,path=$TMP/ag.sock,server,nowait"
ours() {
	echo "$VMM -machine microvm -kernel $K -append 'console=ttyS0 svtest=console $1'"
	run "$2" "$3" "$VMM" -machine microvm -kernel "$K" -m 128 \
		-append "console=ttyS0 svtest=console $1" \
		-device virtio-serial-device,id=vs0 -chardev "$CHR" \
		-device virtserialport,chardev=ag,id=agent,nr=1,name=org.sv.agent \
		-serial stdio
}
ours "svcon.n=3" "ours: 3 lines echoed" 0 > /dev/null
ours "svcon.n=200" "ours: 200 lines echoed" 0 > /dev/null
ours "svcon.n=2" "ours: host peer connects 1 s late" 1 > /dev/null
if grep -q "port 1 is named 'org.sv.agent'" "$TMP/ours: 3 lines echoed.out"; then
	pass "ours: the guest sees the port name"
else
	fail "ours: port name not seen by the guest"
fi

if command -v qemu-system-x86_64 > /dev/null; then
	run "qemu: 3 lines echoed" 0 qemu-system-x86_64 -M microvm,acpi=off \
		-accel tcg -m 128 -nodefaults -no-user-config -nographic \
		-no-reboot -serial stdio -global virtio-mmio.force-legacy=false \
		-kernel "$K" -append "console=ttyS0 svtest=console svcon.n=3" \
		-device virtio-serial-device \
		-chardev "socket,id=ag,path=$TMP/ag.sock,server=on,wait=off" \
		-device virtserialport,chardev=ag,nr=1,name=org.sv.agent
	norm() { tr -d '\r' < "$1" | grep -E '^(console|TEST):'; }
	if [ "$(norm "$TMP/ours: 3 lines echoed.out")" = \
		"$(norm "$TMP/qemu: 3 lines echoed.out")" ]; then
		pass "differential: ours and QEMU print the same console lines"
	else
		fail "differential: the guest printed different lines"
		diff "$TMP/ours: 3 lines echoed.out" "$TMP/qemu: 3 lines echoed.out" | head -20
	fi
else
	skip "QEMU differential: qemu-system-x86_64 not installed"
fi
summary "vconsole"
