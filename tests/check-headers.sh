#!/bin/sh
# Every header compiles alone; third-party headers stay inside their fences.
. tests/lib.sh
for h in $(find include vmm -name '*.h' | sort); do
	if printf '#include "%s"\n' "$h" | gcc -std=gnu11 -D_GNU_SOURCE -Iinclude -I. \
		-Wall -Werror -fsyntax-only -x c - 2>/dev/null; then
		pass "$h"
	else
		fail "$h does not compile on its own"
	fi
done
bad=$(grep -rln '<linux/kvm.h>' vmm | grep -v -E '^vmm/(kvm|arch/x86)/')
[ -z "$bad" ] && pass "linux/kvm.h fence" || fail "linux/kvm.h outside vmm/kvm, vmm/arch/x86: $bad"
bad=$(grep -rln '<yajl/' vmm shim netns 2>/dev/null | grep -v -E '^vmm/qmp/')
[ -z "$bad" ] && pass "yajl fence" || fail "yajl outside oci/, vmm/qmp/: $bad"
bad=$(grep -rln -E '<seccomp.h>|<sys/capability.h>' vmm oci netns 2>/dev/null)
[ -z "$bad" ] && pass "libseccomp/libcap fence" || fail "seccomp.h/capability.h outside shim/: $bad"
summary "check-headers"
