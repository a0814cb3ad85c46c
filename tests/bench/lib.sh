# shellcheck shell=sh
# Functions of tests/bench/run.sh: how each VMM is started, one timed run,
# statistics. Needs O, B, K, MEM, OURS, QEMU, QACCEL, QCPU and TMP set.

OURS_EXTRA=
QEMU_EXTRA=
OURS_MACHINE=microvm

# ours APPEND PREFIX...: run PREFIX followed by our VMM's command line.
ours() {
	a=$1; shift
	# shellcheck disable=SC2086
	"$@" "$OURS" -machine "$OURS_MACHINE" -kernel "$K" -m "$MEM" -smp 1 \
		-append "$a" -serial stdio $OURS_EXTRA
}
# qemu APPEND PREFIX...: the same guest under QEMU microvm.
qemu() {
	a=$1; shift
	# shellcheck disable=SC2086
	"$@" "$QEMU" -M microvm,acpi=off -accel "$QACCEL" $QCPU -m "$MEM" -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
		-kernel "$K" -append "$a" $QEMU_EXTRA
}
# qemu_q35 APPEND PREFIX...: the same guest under QEMU q35 (SeaBIOS
# loads the bzImage through fw_cfg, as `-kernel` on q35 always does).
qemu_q35() {
	a=$1; shift
	# shellcheck disable=SC2086
	"$@" "$QEMU" -M q35 -accel "$QACCEL" $QCPU -m "$MEM" -smp 1 \
		-nodefaults -no-user-config -nographic -serial stdio -no-reboot \
		-kernel "$K" -append "$a"
}
# ours_q35 APPEND PREFIX...: our standard VM, direct kernel boot.
ours_q35() {
	OURS_MACHINE=q35 OURS_EXTRA="$OURS_EXTRA -no-reboot" ours "$@"
}

# For the JSON record of how each measurement was taken.
ours_desc() { echo "$OURS -machine microvm -kernel $K -m $MEM -smp 1 -append '$1' -serial stdio"; }
qemu_desc() { echo "$QEMU -M microvm,acpi=off -accel $QACCEL $QCPU -m $MEM -smp 1 -nodefaults -no-user-config -nographic -serial stdio -no-reboot -kernel $K -append '$1'"; }

# one LABEL VMMFN APPEND: run svbench on it, append the JSON to LABEL.jsonl
one() {
	"$2" "$3" "$B" --timeout-ms 60000 -- < /dev/null >> "$TMP/$1.jsonl" 2>/dev/null
}

stat3() { # FILE FIELD -> "min median max"
	sed -nE "s/.*\"$2\":(-?[0-9.]+).*/\1/p" "$1" 2>/dev/null | sort -n | awk '
		{ v[NR] = $1 } END { if (NR == 0) { print "n/a n/a n/a"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f %.2f %.2f\n", v[1], m, v[NR] }'
}
field() { sed -nE "s/.*\"$2\":(-?[0-9.]+).*/\1/p" "$1" 2>/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }

# row NAME OURSFILE QEMUFILE FIELD: min/median/max of both and the ratio.
row() {
	o=$(stat3 "$2" "$4"); q=$(stat3 "$3" "$4")
	om=$(echo "$o" | cut -d' ' -f2); qm=$(echo "$q" | cut -d' ' -f2)
	printf '%-32s %-24s %-24s %s\n' "$1" "$o" "$q" "$(ratio "$om" "$qm")"
}
# row1 NAME OURS QEMU: single values and the ratio.
row1() {
	printf '%-32s %-24s %-24s %s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"
}

# Distinct syscalls during a whole run (strace -f -c).
sys_count() { # LABEL VMMFN
	if command -v strace >/dev/null; then
		"$2" "$APPEND_HELLO" strace -f -c -o "$TMP/$1.strace" < /dev/null > /dev/null 2>&1
		awk 'f && /^[ ]*[0-9]/ && $NF != "total" { n++ } /^------/ { f = !f } END { print n + 0 }' "$TMP/$1.strace"
	else
		echo n/a
	fi
}

# rate LABEL VMMFN APPEND START N: operations per second between the
# START line and TEST: PASS (median of 3 runs).
rate() {
	: > "$TMP/$1.rate"
	for _ in 1 2 3; do
		"$2" "$3" "$B" --timeout-ms 120000 --start-marker "$4" -- \
			< /dev/null 2>/dev/null | awk -v n="$5" '
			{ s = $0; sub(/.*"start_ms":/, "", s); sub(/,.*/, "", s)
			  m = $0; sub(/.*"marker_ms":/, "", m); sub(/,.*/, "", m)
			  if (s + 0 > 0 && m + 0 > s + 0) printf "%.0f\n", n * 1000 / (m - s) }' >> "$TMP/$1.rate"
	done
	sort -n "$TMP/$1.rate" | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : "n/a") }'
}

# density VMMFN K: start K idle VMs, time until all print, own RSS per VM.
# Prints "STARTED MS OWN_KIB_PER_VM".
density() {
	t0=$(date +%s%N); pids=""
	for i in $(seq "$2"); do
		"$1" "console=ttyS0 svtest=idle" exec > "$TMP/dens.$i" 2>/dev/null < /dev/null &
		pids="$pids $!"
	done
	i=0; n=0
	while [ $i -lt 1200 ]; do
		n=$(grep -l 'svtest: idle' "$TMP"/dens.* 2>/dev/null | wc -l)
		[ "$n" -ge "$2" ] && break
		sleep 0.05; i=$((i + 1))
	done
	t1=$(date +%s%N)
	own=0
	for p in $pids; do
		r=$(awk -v g=$((MEM * 1024)) '/^Size:/ { sz = $2 }
			/^Rss:/ { if (sz < g) o += $2 } END { print o + 0 }' "/proc/$p/smaps" 2>/dev/null)
		own=$((own + ${r:-0}))
	done
	# shellcheck disable=SC2086
	kill $pids 2>/dev/null; wait 2>/dev/null
	rm -f "$TMP"/dens.*
	echo "$n $(( (t1 - t0) / 1000000 )) $((own / $2))"
}
