#!/bin/sh
# make check: unit tests, fuzz-corpus replay, the guest tiers (real KVM and
# the emulated CPU), then one closing line for all of them.
O=${1:-build}
. tests/lib.sh
rc=0
for suite in "tests/unit/run.sh" "tests/fuzz/run.sh" "tests/integration/run-kvm.sh"; do
	[ -f "$suite" ] || continue
	echo "=== $suite"
	out=$(sh "$suite" "$O" 2>&1) || rc=1
	printf '%s\n' "$out"
	add_counts "$out" || { echo "FAIL: $suite printed no summary"; T_FAIL=$((T_FAIL + 1)); }
done
summary "make check"
[ "$rc" -eq 0 ] && [ "$T_FAIL" -eq 0 ]
