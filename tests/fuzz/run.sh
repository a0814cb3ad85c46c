#!/bin/sh
# Replays every fuzz target's seed corpus (gcc build; ASan under make asan).
O=${1:-build}
. tests/lib.sh
for t in "$O"/tests/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o|*.d) continue ;; esac
	name=$(basename "$t" | sed 's/^fuzz_//')
	dir=tests/fuzz/corpus/$name
	if [ ! -d "$dir" ] || [ -z "$(ls "$dir")" ]; then
		fail "fuzz_$name: no seed corpus in $dir"
		continue
	fi
	if out=$("$t" "$dir" 2>&1); then
		pass "fuzz_$name: $(printf '%s\n' "$out" | tail -n 1 | cut -d' ' -f1) corpus files replayed"
	else
		fail "fuzz_$name: replay failed"
		printf '%s\n' "$out" | tail -n 30
	fi
done
summary "fuzz replay"
