# shellcheck shell=sh
# Helpers to run the test guest (tests/guests) under one of our VMM builds.
# Needs tests/lib.sh sourced first and $O set.

# new_disk FILE: 1 MiB raw disk whose sector 0 starts with SVDISK01.
new_disk() {
	rm -f "$1"
	printf 'SVDISK01' > "$1"
	truncate -s 1M "$1"
}

# sector_has FILE N STRING: sector N of FILE starts with STRING.
sector_has() {
	got=$(dd if="$1" bs=512 skip="$2" count=1 2>/dev/null | head -c ${#3})
	[ "$got" = "$3" ]
}

# run_vmm OUT TIMEOUT VMM ARGS...: runs the VMM with stdin from /dev/null,
# serial on stdout; OUT gets stdout+stderr; sets RC.
run_vmm() {
	_out=$1; _tmo=$2; shift 2
	timeout -k 5 "$_tmo" "$@" < /dev/null > "$_out" 2>&1
	RC=$?
}

# expect_pass NAME OUT: the guest printed TEST: PASS and the VMM exited 0.
expect_pass() {
	if grep -q '^TEST: PASS' "$2" && [ "$RC" -eq 0 ]; then
		pass "$1"
	else
		fail "$1 (exit $RC)"
		tail -n 15 "$2" | sed 's/^/    | /'
	fi
}
