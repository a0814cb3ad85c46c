#!/bin/sh
# q35 lifecycle over QMP: the in-place reset (QMP system_reset and a guest
# reset through i8042 / 0xCF9 -> RESET event, the guest boots again, the
# VMM runs on), -no-reboot (a guest reset ends the VM), system_powerdown as
# the ACPI power button that the guest (svtest=pwrbtn) sees and answers
# with an S5 poweroff, PCIe native hot-plug into a pcie-root-port
# (device_add / device_del with the guest's svtest=pciehp answering as
# Linux's pciehp does), and the same power button on QEMU -M q35 as the
# reference.
#
#   tests/integration/test_q35_qmp.sh VMM GUEST_BZIMAGE [QMP_CLIENT]
#
# Ends with "q35-qmp: N passed, N failed, N skipped".
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh

VMM=$1
KERNEL=$2
QC=${3:-build/tests/qmp_client}
SHIFT=${SVCOUNT_SHIFT:-16}

for f in "$VMM" "$QC"; do
	if [ ! -x "$f" ]; then
		skip "q35-qmp: $f is not built"
		summary q35-qmp
		exit 0
	fi
done

TMP=$(mktemp -d /tmp/sv-q35q.XXXXXX)
SOCK=$TMP/qmp.sock
PID=
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# shellcheck source=tests/integration/qmp_lib.sh
. tests/integration/qmp_lib.sh

# start NAME CMD...: run in the background, serial to $TMP/NAME.out.
start() {
	name=$1; shift
	rm -f "$SOCK"
	"$@" < /dev/null > "$TMP/$name.out" 2> "$TMP/$name.err" &
	PID=$!
	wait_sock "$name"
}

ours() { # NAME APPEND EXTRA...
	n=$1; a=$2; shift 2
	start "$n" "$VMM" -machine q35 -kernel "$KERNEL" -smp 1 -m 256 \
		-append "console=ttyS0 $a" -serial stdio \
		-qmp "unix:$SOCK,server,nowait" "$@"
}

# wait_for FILE PATTERN COUNT SECONDS: until PATTERN occurs COUNT times.
wait_for() {
	i=0
	while [ $i -lt $(($4 * 10)) ]; do
		[ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

quit_vm() { # NAME
	qn "$SOCK" quit > /dev/null
	wait_exit 10
	check "$1: quit, exit status" 0 "$RC"
}

t_qmp_reset() {
	ours qrst "svtest=count svcount.shift=$SHIFT" || return
	if ! wait_for "$TMP/qrst.out" '^tick ' 2 60; then
		fail "system_reset: the guest never ticked"
		quit_vm system_reset
		return
	fi
	out=$(qn -e 1 "$SOCK" system_reset | no_ts)
	check "system_reset on q35: reply and RESET {guest:false}" \
		"$(printf '%s\n%s' '{"return":{}}' '{"event":"RESET","data":{"guest":false},"timestamp":{}}')" \
		"$out"
	if wait_for "$TMP/qrst.out" '^svtest: count' 2 60; then
		pass "system_reset: the guest booted again (second banner)"
	else
		fail "system_reset: no second boot banner"
	fi
	st=$(qn "$SOCK" query-status)
	check "system_reset: still running" \
		'{"return":{"running":true,"singlestep":false,"status":"running"}}' "$st"
	quit_vm system_reset
}

t_guest_reset() {
	ours grst "svtest=hello" -S || return
	# cont, then RESUME and the guest's first reset arrive as events.
	out=$(qn -t 60 -e 2 "$SOCK" cont | no_ts | grep -m1 RESET)
	check "guest reset (i8042): RESET {guest:true} event" \
		'{"event":"RESET","data":{"guest":true},"timestamp":{}}' "$out"
	if wait_for "$TMP/grst.out" '^svtest: hello' 3 60; then
		pass "guest reset without -no-reboot: the guest boots again, 3 times seen"
	else
		fail "guest reset: fewer than 3 boots ($(grep -c '^svtest: hello' "$TMP/grst.out"))"
	fi
	quit_vm "guest reset"
}

t_no_reboot() {
	timeout 60 "$VMM" -machine q35 -kernel "$KERNEL" -smp 1 -m 256 \
		-append "console=ttyS0 svtest=hello" -serial stdio -no-reboot \
		< /dev/null > "$TMP/nrb.out" 2> "$TMP/nrb.err"
	check "-no-reboot: a guest reset ends the VM, status 0" 0 "$?"
	check "-no-reboot: one boot only" 1 "$(grep -c '^svtest: hello' "$TMP/nrb.out")"
}

t_powerdown() { # LABEL start-command...
	label=$1; shift
	start pwr "$@" || return
	if ! wait_for "$TMP/pwr.out" '^pwrbtn: armed' 1 120; then
		fail "$label: the guest never armed the power button"
		tail -n 3 "$TMP/pwr.out" "$TMP/pwr.err" | sed 's/^/    | /'
		kill -9 "$PID"; PID=
		return
	fi
	out=$(qn -t 60 -x -e 1 "$SOCK" system_powerdown | no_ts)
	check "$label: system_powerdown -> POWERDOWN, reply, guest S5 -> SHUTDOWN" \
		"$(printf '%s\n%s\n%s' '{"event":"POWERDOWN","data":{},"timestamp":{}}' '{"return":{}}' '{"event":"SHUTDOWN","data":{"guest":true,"reason":"guest-shutdown"},"timestamp":{}}')" \
		"$out"
	wait_exit 20
	check "$label: exit status after the guest's poweroff" 0 "$RC"
	if grep -q '^pwrbtn: pressed' "$TMP/pwr.out" &&
	   grep -q '^TEST: PASS' "$TMP/pwr.out"; then
		pass "$label: the guest saw PWRBTN_STS and acknowledged it"
	else
		fail "$label: the guest did not see the button"
	fi
}

t_hotplug() {
	truncate -s 1M "$TMP/hp.img"
	ours hp "svtest=pciehp svhp.slot=3" -no-reboot \
		-device pcie-root-port,id=rp1,port=0x8,chassis=1,bus=pcie.0,addr=0x3 || return
	if ! wait_for "$TMP/hp.out" '^pciehp: ready' 1 60; then
		fail "hot-plug: the guest never armed the slot"
		kill -9 "$PID"; PID=
		return
	fi
	out=$(qn "$SOCK" "{\"execute\":\"blockdev-add\",\"arguments\":{\"node-name\":\"hp0\",\"file\":{\"driver\":\"file\",\"filename\":\"$TMP/hp.img\"},\"cache\":{\"direct\":false}}}")
	check "hot-plug: blockdev-add" '{"return":{}}' "$out"
	out=$(qn "$SOCK" '{"execute":"device_add","arguments":{"id":"hpblk","driver":"virtio-blk-pci","drive":"hp0","bus":"pcie.0"}}')
	case $out in
	*GenericError*pcie-root-port*) pass "hot-plug: device_add onto pcie.0 refused (needs a root port)" ;;
	*) fail "hot-plug: device_add onto pcie.0: $out" ;;
	esac
	out=$(qn "$SOCK" '{"execute":"device_add","arguments":{"id":"hpblk","driver":"virtio-blk-pci","drive":"hp0","bus":"rp1","addr":"0x0"}}')
	check "hot-plug: device_add virtio-blk-pci into rp1" '{"return":{}}' "$out"
	if wait_for "$TMP/hp.out" '^pciehp: added 1af4:1042' 1 60; then
		pass "hot-plug: the guest saw presence detect and found 1af4:1042 behind the port"
	else
		fail "hot-plug: the guest did not see the new function"
	fi
	out=$(qn "$SOCK" '{"execute":"device_add","arguments":{"id":"hpblk2","driver":"virtio-blk-pci","drive":"hp0","bus":"rp1"}}')
	case $out in
	*GenericError*) pass "hot-plug: a second device_add (drive taken, port busy) is refused" ;;
	*) fail "hot-plug: second device_add: $out" ;;
	esac
	out=$(qn -t 60 -e 1 "$SOCK" '{"execute":"device_del","arguments":{"id":"hpblk"}}' | no_ts)
	check "hot-plug: device_del, then DEVICE_DELETED once the guest powered the slot off" \
		"$(printf '%s\n%s' '{"return":{}}' '{"event":"DEVICE_DELETED","data":{"device":"hpblk","path":"/machine/peripheral/hpblk"},"timestamp":{}}')" \
		"$out"
	wait_exit 60
	check "hot-plug: the guest saw the button, powered off, found the slot empty" 0 "$RC"
	grep -q '^pciehp: removed' "$TMP/hp.out" && grep -q '^TEST: PASS' "$TMP/hp.out" ||
		fail "hot-plug: guest output: $(tail -n 2 "$TMP/hp.out" | tr '\n' ' ')"
}

t_qemu_powerdown() {
	if ! command -v qemu-system-x86_64 > /dev/null; then
		skip "QEMU q35 power button reference: qemu-system-x86_64 missing"
		return
	fi
	start qpwr qemu-system-x86_64 -M q35 -accel tcg -m 256 -nographic \
		-no-reboot -kernel "$KERNEL" -append "svtest=pwrbtn console=ttyS0" \
		-qmp "unix:$SOCK,server,nowait" || return
	if wait_for "$TMP/qpwr.out" '^pwrbtn: armed' 1 120; then
		"$QC" -t 10 -q -N "$SOCK" system_powerdown > /dev/null 2>&1
		wait_exit 30
		if grep -q '^pwrbtn: pressed' "$TMP/qpwr.out"; then
			pass "QEMU q35 reference: svtest=pwrbtn sees the power button"
		else
			fail "QEMU q35 reference: svtest=pwrbtn did not see the button"
		fi
	else
		fail "QEMU q35 reference: the guest never armed the button"
		kill -9 "$PID"; PID=
	fi
}

[ -r "$KERNEL" ] || { fail "guest kernel $KERNEL missing"; summary q35-qmp; exit 1; }
t_qmp_reset
t_guest_reset
t_no_reboot
t_powerdown "q35 power button" "$VMM" -machine q35 -kernel "$KERNEL" \
	-smp 1 -m 256 -append "console=ttyS0 svtest=pwrbtn" -serial stdio \
	-qmp "unix:$SOCK,server,nowait"
t_hotplug
t_qemu_powerdown
summary q35-qmp
[ "$T_FAIL" -eq 0 ]
