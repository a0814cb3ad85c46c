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

ours_cmd() { # APPEND
	echo "$OURS -machine microvm -kernel $K -m $MEM -smp 1 -append" "$1" "-serial stdio"
}
qemu_cmd() { # APPEND
	cpu=""; [ "$QACCEL" = kvm ] && cpu="-cpu host,-arch-capabilities"
	echo "$QEMU -M microvm,acpi=off -accel $QACCEL $cpu -m $MEM -smp 1" \
	     "-nodefaults -no-user-config -nographic -serial stdio -no-reboot" \
	     "-kernel $K -append" "$1"
}

# one VMM LABEL: run svbench, append its JSON line to $TMP/LABEL.jsonl
one() {
	label=$1; shift
	# shellcheck disable=SC2068
	"$B" --timeout-ms 60000 -- $@ < /dev/null >> "$TMP/$label.jsonl" 2>/dev/null
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
# shellcheck disable=SC2046
one warm $(ours_cmd "$APPEND_HELLO")
for i in $(seq "$RUNS"); do
	# shellcheck disable=SC2046
	one ours_hello $(ours_cmd "$APPEND_HELLO")
	# shellcheck disable=SC2046
	[ $have_qemu = 1 ] && one qemu_hello $(qemu_cmd "$APPEND_HELLO")
done
# Idle RSS split: guest RAM vs the VMM's own, after 1 s of an idle guest.
# shellcheck disable=SC2046
"$B" --idle-rss 1000 --guest-mib $MEM --marker never -- $(ours_cmd "console=ttyS0 svtest=count") < /dev/null > "$TMP/ours_rss.json" 2>/dev/null
if [ $have_qemu = 1 ]; then
	# shellcheck disable=SC2046
	"$B" --idle-rss 1000 --guest-mib $MEM --marker never -- $(qemu_cmd "console=ttyS0 svtest=count") < /dev/null > "$TMP/qemu_rss.json" 2>/dev/null
fi
# Distinct syscalls during a whole run (strace -f -c).
sys_count() { # LABEL CMD...
	label=$1; shift
	if command -v strace >/dev/null; then
		# shellcheck disable=SC2068
		strace -f -c -o "$TMP/$label.strace" $@ < /dev/null > /dev/null 2>&1
		awk 'f && /^[ ]*[0-9]/ && $NF != "total" { n++ } /^------/ { f = !f } END { print n + 0 }' "$TMP/$label.strace"
	else
		echo n/a
	fi
}
# shellcheck disable=SC2046
ours_sys=$(sys_count ours $(ours_cmd "$APPEND_HELLO"))
qemu_sys=n/a
# shellcheck disable=SC2046
[ $have_qemu = 1 ] && qemu_sys=$(sys_count qemu $(qemu_cmd "$APPEND_HELLO"))

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
		"$(ours_cmd "$APPEND_HELLO")" "$OURS_NOTE" "$ours_sys" \
		"$(cat "$TMP/ours_rss.json" 2>/dev/null || echo null)" \
		"$(paste -sd, "$TMP/ours_hello.jsonl")"
	if [ $have_qemu = 1 ]; then
		printf '"qemu":{"cmd":"%s","syscalls":"%s","idle":%s,"runs":[%s]}}\n' \
			"$(qemu_cmd "$APPEND_HELLO")" "$qemu_sys" \
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
