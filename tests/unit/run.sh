#!/bin/sh
# Runs every cmocka unit test binary and adds up cmocka's own summaries.
O=${1:-build}
. tests/lib.sh
for t in "$O"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o|*.d) continue ;; esac
	name=$(basename "$t")
	out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^\[  (FAILED|SKIPPED|ERROR) |^\[  FAILED  \]' | sed "s/^/$name: /"
	p=$(printf '%s\n' "$out" | sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	s=$(printf '%s\n' "$out" | sed -nE 's/^\[  SKIPPED \] ([0-9]+) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
	T_PASS=$((T_PASS + p)); T_FAIL=$((T_FAIL + f)); T_SKIP=$((T_SKIP + s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# Crashed or aborted without cmocka's summary.
		T_FAIL=$((T_FAIL + 1))
		echo "FAIL: $name exited with status $rc"
		printf '%s\n' "$out" | tail -n 20
	fi
	echo "$name: $p passed, $f failed, $s skipped"
done
summary "unit"
