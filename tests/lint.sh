#!/bin/sh
# make lint: static checks. clang-format and clang-tidy findings are
# reported as warnings (the tree is young); cppcheck and shellcheck errors
# fail the run.
O=${1:-build}
. tests/lib.sh
SRCS=$(find vmm shim oci netns include tests/unit tests/fuzz tests/emu -name '*.[ch]' 2>/dev/null | sort)
if command -v cppcheck >/dev/null; then
	if cppcheck -q --enable=warning,performance,portability --error-exitcode=1 \
		--inline-suppr -D_GNU_SOURCE -Iinclude -I. $SRCS 2>&1; then
		pass "cppcheck"
	else
		fail "cppcheck"
	fi
else
	skip "cppcheck not installed (make deps-dev)"
fi
if command -v clang-format >/dev/null; then
	n=$(for f in $SRCS; do clang-format --dry-run "$f" 2>&1; done | grep -c 'warning:')
	echo "clang-format: $n formatting differences (warnings only)"
	pass "clang-format ran"
else
	skip "clang-format not installed"
fi
if command -v clang-tidy >/dev/null; then
	n=$(clang-tidy -quiet --checks='-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,clang-analyzer-*,readability-function-size' \
		--config="{CheckOptions: [{key: readability-function-size.LineThreshold, value: 80}, {key: readability-function-size.NestingThreshold, value: 4}, {key: readability-function-size.ParameterThreshold, value: 6}]}" \
		$(find vmm -name '*.c') -- -D_GNU_SOURCE -Iinclude -I. 2>/dev/null | grep -c 'warning:')
	echo "clang-tidy: $n warnings"
	pass "clang-tidy ran"
else
	skip "clang-tidy not installed"
fi
if command -v shellcheck >/dev/null; then
	if shellcheck -S error tests/*.sh tests/*/*.sh contrib/guest/*.sh .ci/run; then
		pass "shellcheck"
	else
		fail "shellcheck"
	fi
else
	skip "shellcheck not installed (make deps-dev)"
fi
summary "lint"
