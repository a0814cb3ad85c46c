#!/bin/sh
# make check: unit tests, fuzz-corpus replay, the guest tiers (real KVM and
# the emulated CPU), then one closing line for all of them.
O=${1:-build}
. tests/lib.sh
TMP=$(mktemp -d /tmp/sv-check.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
MC_T0=$(date +%s)
rc=0
for suite in "tests/unit/run.sh" "tests/fuzz/run.sh" "tests/integration/run-kvm.sh"; do
	[ -f "$suite" ] || continue
	echo "=== $suite"
	run_suite "" 1200 "$TMP/out" sh "$suite" "$O" || rc=1
done
echo "time: make check $(($(date +%s) - MC_T0)) s"
summary "make check"
[ "$rc" -eq 0 ] && [ "$T_FAIL" -eq 0 ]
