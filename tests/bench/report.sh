# shellcheck shell=sh
# The table and the JSON record of tests/bench/run.sh (sourced at its end).

H=$TMP/ours_hello.jsonl; QH=$TMP/qemu_hello.jsonl
echo
printf '%-32s %-24s %-24s %s\n' "metric (min median max)" "ours" "qemu" "ours/qemu"
echo "-- microvm, test guest (ms)"
row "exec -> first serial byte" "$H" "$QH" first_byte_ms
row "exec -> TEST: PASS" "$H" "$QH" marker_ms
row "exec -> exit" "$H" "$QH" exit_ms
row "peak RSS, whole run (KiB)" "$H" "$QH" maxrss_kib
echo "-- idle VM ($MEM MiB guest, after 1 s)"
row1 "VMM own RSS (KiB)" "$(field "$TMP/ours_rss.json" own_rss_kib)" \
	"$(field "$TMP/qemu_rss.json" own_rss_kib)"
row1 "guest RAM RSS (KiB)" "$(field "$TMP/ours_rss.json" guest_rss_kib)" \
	"$(field "$TMP/qemu_rss.json" guest_rss_kib)"
row1 "distinct syscalls (strace)" "$ours_sys" "$qemu_sys"
echo "-- exits and I/O ($OURS_NOTE vs QEMU $QACCEL: CPU speed, not KVM)"
row1 "PIO exits/s (port 0x80)" "$pio_o" "$pio_q"
row1 "MMIO exits/s (unclaimed)" "$mmio_o" "$mmio_q"
row1 "virtio-blk 4K reads/s" "$blk_o" "$blk_q"
row1 "virtio-blk MB/s (4K reads)" "$(mbs "$blk_o")" "$(mbs "$blk_q")"
echo "-- density: $NVMS idle VMs started at once"
row1 "VMs up" "$(echo "$dens_o" | cut -d' ' -f1)" "$(echo "$dens_q" | cut -d' ' -f1)"
row1 "time until all printed (ms)" "$(echo "$dens_o" | cut -d' ' -f2)" "$(echo "$dens_q" | cut -d' ' -f2)"
row1 "own RSS per VM (KiB)" "$(echo "$dens_o" | cut -d' ' -f3)" "$(echo "$dens_q" | cut -d' ' -f3)"
echo "-- q35, test guest, direct kernel boot (ms)${Q35_NOTE:+: $Q35_NOTE}"
row "exec -> first serial byte" "$TMP/ours_q35.jsonl" "$TMP/qemu_q35.jsonl" first_byte_ms
row "exec -> exit" "$TMP/ours_q35.jsonl" "$TMP/qemu_q35.jsonl" exit_ms
echo "-- shim, vm bundle with the test guest (ms)${SHIM_NOTE:+: $SHIM_NOTE}"
row "create (to paused VM)" "$TMP/shim_create.jsonl" /dev/null exit_ms
row "start" "$TMP/shim_start.jsonl" /dev/null exit_ms
row "delete --force" "$TMP/shim_delete.jsonl" /dev/null exit_ms
echo "-- Linux microvm to /sbin/init (ms)${LINUX_NOTE:+: $LINUX_NOTE}"
row "exec -> SV-INIT: started" "$TMP/ours_linux.jsonl" "$TMP/qemu_linux.jsonl" marker_ms
row "guest printk at Run /sbin/init" "$TMP/ours_linux.printk" "$TMP/qemu_linux.printk" printk_init_ms

jarr() { [ -s "$1" ] && paste -sd, "$1"; }
jstr() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
mkdir -p "$RESDIR"
out=$RESDIR/$(date -u +%Y%m%dT%H%M%SZ)-$(uname -n).json
{
	printf '{"date":"%s","host":"%s","cores":%s,"kernel":"%s","kvm":"%s",' \
		"$(date -u +%FT%TZ)" "$(uname -n)" "$(nproc)" "$(uname -r)" "$kind"
	printf '"runs":%s,"guest":"%s","mem_mib":%s,"cmdline":"%s",' \
		"$RUNS" "$K" "$MEM" "$APPEND_HELLO"
	printf '"rates":{"how":"median of 3 runs, ops between the start line and TEST: PASS","pio_per_s":["%s","%s"],"mmio_per_s":["%s","%s"],"blk_4k_reads_per_s":["%s","%s"],"npio":%s,"nblk":%s},' \
		"$pio_o" "$pio_q" "$mmio_o" "$mmio_q" "$blk_o" "$blk_q" "$NPIO" "$NBLK"
	printf '"density":{"k":%s,"ours":"%s","qemu":"%s","fields":"up ms own_rss_kib_per_vm"},' \
		"$NVMS" "$dens_o" "$dens_q"
	printf '"q35":{"note":"%s","ours":[%s],"qemu":[%s]},' "$(jstr "$Q35_NOTE")" \
		"$(jarr "$TMP/ours_q35.jsonl")" "$(jarr "$TMP/qemu_q35.jsonl")"
	printf '"shim":{"note":"%s","create":[%s],"start":[%s],"delete":[%s]},' \
		"$(jstr "$SHIM_NOTE")" "$(jarr "$TMP/shim_create.jsonl")" \
		"$(jarr "$TMP/shim_start.jsonl")" "$(jarr "$TMP/shim_delete.jsonl")"
	printf '"linux":{"note":"%s","cmdline":"%s","ours":[%s],"qemu":[%s],"ours_printk":[%s],"qemu_printk":[%s]},' \
		"$(jstr "$LINUX_NOTE")" "$LINUX_APPEND" "$(jarr "$TMP/ours_linux.jsonl")" \
		"$(jarr "$TMP/qemu_linux.jsonl")" "$(jarr "$TMP/ours_linux.printk")" \
		"$(jarr "$TMP/qemu_linux.printk")"
	printf '"ours":{"cmd":"%s","note":"%s","syscalls":"%s","idle":%s,"runs":[%s]},' \
		"$(jstr "$(ours_desc "$APPEND_HELLO")")" "$OURS_NOTE" "$ours_sys" \
		"$(cat "$TMP/ours_rss.json" 2>/dev/null || echo null)" "$(jarr "$H")"
	if [ $have_qemu = 1 ]; then
		printf '"qemu":{"cmd":"%s","syscalls":"%s","idle":%s,"runs":[%s]}}\n' \
			"$(jstr "$(qemu_desc "$APPEND_HELLO")")" "$qemu_sys" \
			"$(cat "$TMP/qemu_rss.json" 2>/dev/null || echo null)" "$(jarr "$QH")"
	else
		printf '"qemu":"missing: qemu-system-x86_64 not installed"}\n'
	fi
} > "$out"
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null; then
	pass "bench: results in $out (valid JSON)"
else
	fail "bench: $out is not valid JSON"
fi
n=$(wc -l < "$H")
if [ "$n" -eq "$RUNS" ] && ! grep -q '"timed_out":true' "$H"; then
	pass "bench: $n runs of ours completed"
else
	fail "bench: ours completed $n of $RUNS runs"
fi
if [ -z "$SHIM_NOTE" ] || [ "$SHIM_NOTE" = "$SHIM not built" ]; then
	[ -n "$SHIM_NOTE" ] && skip "bench: shim rows: $SHIM_NOTE"
	[ -z "$SHIM_NOTE" ] && pass "bench: shim create/start/delete timed"
else
	fail "bench: shim rows: $SHIM_NOTE"
fi
summary "bench"
