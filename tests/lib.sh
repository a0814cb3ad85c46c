# shellcheck shell=sh
# Shared helpers for the shell-driven suites: counters and the closing
# "N passed, N failed, N skipped" line every suite ends with.
T_PASS=0
T_FAIL=0
T_SKIP=0

pass() { T_PASS=$((T_PASS + 1)); echo "PASS: $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL: $*"; }
skip() { T_SKIP=$((T_SKIP + 1)); echo "SKIP: $*"; }

# summary NAME: prints the closing line; exit status 1 if anything failed.
summary() {
	echo "$1: $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" -eq 0 ]
}

# Add another suite's closing line ("... N passed, N failed, N skipped").
add_counts() {
	line=$(printf '%s\n' "$1" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	[ -n "$line" ] || return 1
	p=$(echo "$line" | sed -E 's/^(.*[^0-9])?([0-9]+) passed.*/\2/')
	f=$(echo "$line" | sed -E 's/^(.*[^0-9])?([0-9]+) failed.*/\2/')
	s=$(echo "$line" | sed -nE 's/^(.*[^0-9])?([0-9]+) skipped.*/\2/p')
	T_PASS=$((T_PASS + p))
	T_FAIL=$((T_FAIL + f))
	T_SKIP=$((T_SKIP + ${s:-0}))
}

# run_suite PREFIX CAP OUT CMD...: runs the suite CMD with its output in
# OUT, shown as it comes (each line led by "PREFIX: " when PREFIX is set),
# then adds its closing counts. CAP bounds it (seconds; SUITE_CAP
# overrides): then TERM to its process group, KILL 15 s later. A suite
# that ran out of time or printed no closing line is a failure. Prints
# "time: NAME N s". Returns the suite's exit status (124 when stopped).
# timeout gives the suite a process group of its own, which a ^C on the
# terminal does not reach: the runner waits with `wait`, which a trapped
# INT or TERM interrupts, and the trap passes TERM on.
run_suite() {
	rs_pfx=$1 rs_cap=${SUITE_CAP:-$2} rs_out=$3
	shift 3
	case $1 in sh | bash) rs_name=$2 ;; *) rs_name=$1 ;; esac
	rs_name="${rs_pfx:+$rs_pfx: }$rs_name"
	rs_t0=$(date +%s)
	timeout -k 15 "$rs_cap" "$@" >"$rs_out" 2>&1 </dev/null &
	RS_PID=$!
	trap 'kill -TERM "$RS_PID" 2>/dev/null; exit 130' INT TERM
	tail -s 0.2 -n +1 -f --pid="$RS_PID" "$rs_out" |
		sed -u "s|^|${rs_pfx:+$rs_pfx: }|" &
	rs_tail=$!
	wait "$RS_PID"
	rs_rc=$?
	wait "$rs_tail"
	trap - INT TERM
	if [ "$rs_rc" = 124 ] || [ "$rs_rc" = 137 ]; then
		fail "$rs_name: stopped after $rs_cap s (SUITE_CAP): did not finish"
	fi
	add_counts "$(cat "$rs_out")" || fail "$rs_name: printed no summary"
	echo "time: $rs_name $(($(date +%s) - rs_t0)) s"
	return "$rs_rc"
}

# Which kind of KVM this host has: hardware, pvm, or none.
kvm_kind() {
	if [ ! -c /dev/kvm ]; then echo none
	elif [ -d /sys/module/kvm_pvm ]; then echo pvm
	else echo hardware; fi
}
