# shellcheck shell=sh
# Shared by the shim suites (run.sh, podman.sh, containerd.sh). Needs
# tests/lib.sh sourced and O set.

SHIM=$(pwd)/$O/stratovirt-shim
EMU=$(pwd)/$O/tests/stratovirt-emu
KERNEL=$(pwd)/$O/guests/svtest.bzImage

# check NAME CMD...: pass if CMD succeeds.
check() {
	_n=$1
	shift
	if "$@"; then pass "$_n"; else fail "$_n"; fi
}

# need SUITE CMD...: skip the whole suite (and exit) when a command is
# missing or the shim, the emulated VMM or the test guest is not built.
need() {
	_suite=$1
	shift
	for _t in "$@"; do
		command -v "$_t" > /dev/null && continue
		skip "$_suite: $_t not installed"
		summary "$_suite"
		exit 0
	done
	for _f in "$SHIM" "$EMU" "$KERNEL"; do
		[ -e "$_f" ] && continue
		skip "$_suite: $_f is not built"
		summary "$_suite"
		exit 0
	done
}

# engine_wrappers DIR [SHIM-ARGS...]: DIR/vmm runs the emulated VMM plus
# the words in DIR/vmm-extra (isa-debug-exit when a test asks), DIR/svshim
# runs the shim with that VMM. Engines do not pass our environment on.
engine_wrappers() {
	_d=$1
	shift
	# shellcheck disable=SC2016 # expanded by the wrapper, not here
	printf '#!/bin/sh\nexec "%s" "$@" $(cat "%s/vmm-extra" 2> /dev/null)\n' \
		"$EMU" "$_d" > "$_d/vmm"
	# The jail (default as root) execs a binary, not a script: the emulated
	# VMM itself, unless a test asked for extra words (then --no-jail).
	# shellcheck disable=SC2016
	printf '#!/bin/sh\nif [ -s "%s/vmm-extra" ]; then export STRATOVIRT_SHIM_VMM="%s/vmm" J=--no-jail\nelse export STRATOVIRT_SHIM_VMM="%s" J=; fi\nexec "%s" $J %s "$@"\n' \
		"$_d" "$_d" "$EMU" "$SHIM" "$*" > "$_d/svshim"
	chmod +x "$_d/vmm" "$_d/svshim"
}

# test_disk FILE: a 1 MiB disk whose sector 0 starts with SVDISK01.
test_disk() {
	printf 'SVDISK01' > "$1"
	truncate -s 1M "$1"
}
