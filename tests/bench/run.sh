#!/bin/sh
# make bench / make bench-smoke: our VMM and QEMU side by side on the same
# test guest (tests/guests, bzImage), N interleaved runs after one warm-up.
# Usage: run.sh BUILD_DIR RUNS [RESULTS_DIR]
# Timing is taken by svbench (C, CLOCK_MONOTONIC, console on a pipe).
O=${1:-build}
RUNS=${2:-10}
RESDIR=${3:-bench/results}
. tests/lib.sh
B=$O/tests/svbench
K=$O/guests/svtest.bzImage
TMP=$(mktemp -d /tmp/sv-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
kind=$(kvm_kind)
case $kind in
none) OURS=$O/tests/stratovirt-emu; OURS_NOTE="emulated CPU (no /dev/kvm)"
      QACCEL=tcg ;;
*)    OURS=$O/stratovirt; OURS_NOTE="KVM ($kind)"; QACCEL=kvm ;;
esac
QEMU=$(command -v qemu-system-x86_64)
MEM=128
APPEND_HELLO="console=ttyS0 svtest=hello"

QCPU=""
[ "$QACCEL" = kvm ] && QCPU="-cpu host,-arch-capabilities"

# ours APPEND PREFIX...: run PREFIX followed by our VMM's command line.
ours() {
	a=$1; shift
	"$@" "$OURS" -machine microvm -kernel "$K" -m "$MEM" -smp 1 \
		-append "$a" -serial stdio
}
# qemu APPEND PREFIX...: the same guest under QEMU microvm.
qemu() {
	a=$1; shift
	# shellcheck disable=SC2086
	"$@" "$QEMU" -M microvm,acpi=off -accel "$QACCEL" $QCPU -m "$MEM" -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
		-kernel "$K" -append "$a"
}
# For the JSON record of how each measurement was taken.
ours_desc() { echo "$OURS -machine microvm -kernel $K -m $MEM -smp 1 -append '$1' -serial stdio"; }
qemu_desc() { echo "$QEMU -M microvm,acpi=off -accel $QACCEL $QCPU -m $MEM -smp 1 -nodefaults -no-user-config -nographic -serial stdio -no-reboot -kernel $K -append '$1'"; }

# one LABEL VMMFN APPEND: run svbench on it, append the JSON to LABEL.jsonl
one() {
	"$2" "$3" "$B" --timeout-ms 60000 -- < /dev/null >> "$TMP/$1.jsonl" 2>/dev/null
}

stat3() { # FILE FIELD -> "min median max"
	sed -nE "s/.*\"$2\":(-?[0-9.]+).*/\1/p" "$1" | sort -n | awk '
		{ v[NR] = $1 } END { if (NR == 0) { print "n/a n/a n/a"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f %.2f %.2f\n", v[1], m, v[NR] }'
}

if [ ! -x "$B" ] || [ ! -f "$K" ]; then
	fail "bench: $B or $K missing (make)"; summary bench; exit 1
fi
have_qemu=1; [ -n "$QEMU" ] || have_qemu=0

echo "bench: ours = $OURS_NOTE; QEMU = $([ $have_qemu = 1 ] && echo "-M microvm -accel $QACCEL" || echo missing); $RUNS runs + 1 warm-up"
# Warm-up, then interleaved runs.
one warm ours "$APPEND_HELLO"
[ $have_qemu = 1 ] && one warm qemu "$APPEND_HELLO"
for _ in $(seq "$RUNS"); do
	one ours_hello ours "$APPEND_HELLO"
	[ $have_qemu = 1 ] && one qemu_hello qemu "$APPEND_HELLO"
done
# Idle RSS split: guest RAM vs the VMM's own, after 1 s of an idle guest.
IDLE="console=ttyS0 svtest=count"
ours "$IDLE" "$B" --idle-rss 1000 --guest-mib "$MEM" --marker never -- \
	< /dev/null > "$TMP/ours_rss.json" 2>/dev/null
[ $have_qemu = 1 ] && qemu "$IDLE" "$B" --idle-rss 1000 --guest-mib "$MEM" \
	--marker never -- < /dev/null > "$TMP/qemu_rss.json" 2>/dev/null
# Distinct syscalls during a whole run (strace -f -c).
sys_count() { # LABEL VMMFN
	if command -v strace >/dev/null; then
		"$2" "$APPEND_HELLO" strace -f -c -o "$TMP/$1.strace" < /dev/null > /dev/null 2>&1
		awk 'f && /^[ ]*[0-9]/ && $NF != "total" { n++ } /^------/ { f = !f } END { print n + 0 }' "$TMP/$1.strace"
	else
		echo n/a
	fi
}
ours_sys=$(sys_count ours ours)
qemu_sys=n/a
[ $have_qemu = 1 ] && qemu_sys=$(sys_count qemu qemu)

row() { # NAME FIELD
	o=$(stat3 "$TMP/ours_hello.jsonl" "$2"); q="n/a n/a n/a"
	[ -f "$TMP/qemu_hello.jsonl" ] && q=$(stat3 "$TMP/qemu_hello.jsonl" "$2")
	om=$(echo "$o" | cut -d' ' -f2); qm=$(echo "$q" | cut -d' ' -f2)
	ratio=$(awk -v a="$om" -v b="$qm" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }')
	printf '%-28s %-26s %-26s %s\n' "$1" "$o" "$q" "$ratio"
}
field() { sed -nE "s/.*\"$2\":(-?[0-9.]+).*/\1/p" "$1" 2>/dev/null; }
echo
printf '%-28s %-26s %-26s %s\n' "metric (ms: min med max)" "ours" "qemu" "ours/qemu"
row "exec -> first serial byte" first_byte_ms
row "exec -> TEST: PASS" marker_ms
row "exec -> exit" exit_ms
orss=$(field "$TMP/ours_rss.json" own_rss_kib); qrss=$(field "$TMP/qemu_rss.json" own_rss_kib)
printf '%-28s %-26s %-26s\n' "own RSS, idle (KiB)" "${orss:-n/a}" "${qrss:-n/a}"
printf '%-28s %-26s %-26s\n' "distinct syscalls (run)" "$ours_sys" "$qemu_sys"

mkdir -p "$RESDIR"
out=$RESDIR/$(date -u +%Y%m%dT%H%M%SZ)-$(hostname).json
{
	printf '{"host":"%s","kvm":"%s","runs":%s,"guest":"%s","mem_mib":%s,' \
		"$(hostname)" "$kind" "$RUNS" "$K" "$MEM"
	printf '"ours":{"cmd":"%s","note":"%s","syscalls":"%s","idle":%s,"runs":[%s]},' \
		"$(ours_desc "$APPEND_HELLO")" "$OURS_NOTE" "$ours_sys" \
		"$(cat "$TMP/ours_rss.json" 2>/dev/null || echo null)" \
		"$(paste -sd, "$TMP/ours_hello.jsonl")"
	if [ $have_qemu = 1 ]; then
		printf '"qemu":{"cmd":"%s","syscalls":"%s","idle":%s,"runs":[%s]}}\n' \
			"$(qemu_desc "$APPEND_HELLO")" "$qemu_sys" \
			"$(cat "$TMP/qemu_rss.json" 2>/dev/null || echo null)" \
			"$(paste -sd, "$TMP/qemu_hello.jsonl")"
	else
		printf '"qemu":"missing: qemu-system-x86_64 not installed"}\n'
	fi
} > "$out"
echo "bench: results in $out"
n=$(wc -l < "$TMP/ours_hello.jsonl")
if [ "$n" -eq "$RUNS" ] && ! grep -q '"timed_out":true' "$TMP/ours_hello.jsonl"; then
	pass "bench: $n runs of ours completed"
else
	fail "bench: ours completed $n of $RUNS runs"
fi
summary "bench"
