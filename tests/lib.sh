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

# Which kind of KVM this host has: hardware, pvm, or none.
kvm_kind() {
	if [ ! -c /dev/kvm ]; then echo none
	elif [ -d /sys/module/kvm_pvm ]; then echo pvm
	else echo hardware; fi
}
