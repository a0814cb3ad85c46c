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
	# shellcheck disable=SC2086
	"$@" "$OURS" -machine microvm -kernel "$K" -m "$MEM" -smp 1 \
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
OURS_EXTRA=
QEMU_EXTRA=
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
NPIO=${NPIO:-20000}
pio_o=$(rate pio_o ours "console=ttyS0 svtest=pio svpio.n=$NPIO" "svtest: pio" "$NPIO")
mmio_o=$(rate mmio_o ours "console=ttyS0 svtest=mmio svpio.n=$NPIO" "svtest: mmio" "$NPIO")
pio_q=n/a; mmio_q=n/a
if [ $have_qemu = 1 ]; then
	pio_q=$(rate pio_q qemu "console=ttyS0 svtest=pio svpio.n=$NPIO" "svtest: pio" "$NPIO")
	mmio_q=$(rate mmio_q qemu "console=ttyS0 svtest=mmio svpio.n=$NPIO" "svtest: mmio" "$NPIO")
fi
NBLK=${NBLK:-5000}
printf 'SVDISK01' > "$TMP/disk.img"; truncate -s 64M "$TMP/disk.img"
OURS_EXTRA="-drive file=$TMP/disk.img,id=d0,direct=off -device virtio-blk-device,drive=d0,id=d0"
blk_o=$(rate blk_o ours "console=ttyS0 svtest=blkbench svblk.n=$NBLK" "blkbench: start" "$NBLK")
OURS_EXTRA=
blk_q=n/a
if [ $have_qemu = 1 ]; then
	QEMU_EXTRA="-global virtio-mmio.force-legacy=false -drive id=d0,file=$TMP/disk.img,format=raw,if=none,cache=writeback -device virtio-blk-device,drive=d0"
	blk_q=$(rate blk_q qemu "console=ttyS0 svtest=blkbench svblk.n=$NBLK" "blkbench: start" "$NBLK")
	QEMU_EXTRA=
fi

# density VMMFN K: start K idle VMs, time until all print, own RSS per VM.
density() {
	t0=$(date +%s%N); pids=""
	for i in $(seq "$2"); do
		"$1" "console=ttyS0 svtest=idle" exec > "$TMP/dens.$i" 2>/dev/null < /dev/null &
		pids="$pids $!"
	done
	i=0
	while [ $i -lt 600 ]; do
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
NVMS=${DENSITY:-10}
dens_o=$(density ours "$NVMS")
dens_q="n/a n/a n/a"
[ $have_qemu = 1 ] && dens_q=$(density qemu "$NVMS")

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
printf '%-28s %-26s %-26s\n' "PIO exits/s (port 0x80)" "$pio_o" "$pio_q"
printf '%-28s %-26s %-26s\n' "MMIO exits/s (unclaimed)" "$mmio_o" "$mmio_q"
printf '%-28s %-26s %-26s\n' "virtio-blk 4K reads/s" "$blk_o" "$blk_q"
printf '%-28s %-26s %-26s\n' "density: $NVMS idle VMs up, ms" "$(echo "$dens_o" | cut -d' ' -f2)" "$(echo "$dens_q" | cut -d' ' -f2)"
printf '%-28s %-26s %-26s\n' "density: own RSS/VM KiB" "$(echo "$dens_o" | cut -d' ' -f3)" "$(echo "$dens_q" | cut -d' ' -f3)"

mkdir -p "$RESDIR"
out=$RESDIR/$(date -u +%Y%m%dT%H%M%SZ)-$(hostname).json
{
	printf '{"host":"%s","kvm":"%s","runs":%s,"guest":"%s","mem_mib":%s,' \
		"$(hostname)" "$kind" "$RUNS" "$K" "$MEM"
	printf '"rates":{"pio_per_s":["%s","%s"],"mmio_per_s":["%s","%s"],"blk_4k_reads_per_s":["%s","%s"],"npio":%s,"nblk":%s},' \
		"$pio_o" "$pio_q" "$mmio_o" "$mmio_q" "$blk_o" "$blk_q" "$NPIO" "$NBLK"
	printf '"density":{"k":%s,"ours":"%s","qemu":"%s","fields":"started ms own_rss_kib_per_vm"},' \
		"$NVMS" "$dens_o" "$dens_q"
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
