#!/bin/sh
# make bench / make bench-smoke: our VMM and QEMU side by side on the same
# test guest (tests/guests, bzImage), N interleaved runs after one warm-up.
# Usage: run.sh BUILD_DIR RUNS [RESULTS_DIR]
# Timing is taken by svbench (C, CLOCK_MONOTONIC, console on a pipe).
# Environment: DENSITY (idle VMs started at once, default 10, up to 100),
# NPIO, NBLK (operations per rate run).
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
# One run (make bench-smoke) keeps the harness honest, not the numbers.
if [ "$RUNS" -le 1 ]; then
	: "${DENSITY:=2}" "${NPIO:=2000}" "${NBLK:=500}"
fi
QCPU=""
[ "$QACCEL" = kvm ] && QCPU="-cpu host,-arch-capabilities"
. tests/bench/lib.sh
. tests/bench/extra.sh

if [ ! -x "$B" ] || [ ! -f "$K" ] || [ ! -x "$OURS" ]; then
	fail "bench: $B, $K or $OURS missing (make)"; summary bench; exit 1
fi
have_qemu=1; [ -n "$QEMU" ] || have_qemu=0
QNOTE="-accel $QACCEL"
[ $have_qemu = 1 ] || QNOTE="missing (apt-get install qemu-system-x86)"

echo "bench: $(uname -n), $(nproc) cores, $(uname -r); ours = $OURS_NOTE; QEMU $QNOTE; $RUNS runs + 1 warm-up"
echo "bench: guest $K, $MEM MiB, 1 vCPU, cmdline '$APPEND_HELLO'"
# Warm-up, then interleaved runs.
one warm ours "$APPEND_HELLO"
[ $have_qemu = 1 ] && one warm qemu "$APPEND_HELLO"
: > "$TMP/ours_hello.jsonl"; : > "$TMP/qemu_hello.jsonl"
for _ in $(seq "$RUNS"); do
	one ours_hello ours "$APPEND_HELLO"
	[ $have_qemu = 1 ] && one qemu_hello qemu "$APPEND_HELLO"
done
# Idle RSS split: guest RAM vs the VMM's own, after 1 s of an idle guest.
IDLE="console=ttyS0 svtest=idle"
ours "$IDLE" "$B" --idle-rss 1000 --guest-mib "$MEM" --marker never -- \
	< /dev/null > "$TMP/ours_rss.json" 2>/dev/null
[ $have_qemu = 1 ] && qemu "$IDLE" "$B" --idle-rss 1000 --guest-mib "$MEM" \
	--marker never -- < /dev/null > "$TMP/qemu_rss.json" 2>/dev/null
ours_sys=$(sys_count ours ours)
qemu_sys=n/a
[ $have_qemu = 1 ] && qemu_sys=$(sys_count qemu qemu)

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
mbs() { awk -v r="$1" 'BEGIN { if (r + 0 > 0) printf "%.1f", r * 4096 / 1e6; else print "n/a" }'; }

NVMS=${DENSITY:-10}
[ "$NVMS" -gt 100 ] && NVMS=100
dens_o=$(density ours "$NVMS")
dens_q="n/a n/a n/a"
[ $have_qemu = 1 ] && dens_q=$(density qemu "$NVMS")

bench_q35
bench_shim
bench_linux

. tests/bench/report.sh
