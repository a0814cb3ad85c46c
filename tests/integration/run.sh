#!/bin/sh
# make check-integration: a running VMM driven from outside (QMP), on real
# KVM where /dev/kvm exists, on the emulated-CPU build everywhere.
# (The shim and the container engines join this suite with their issue.)
O=${1:-build}
. tests/lib.sh
CI_T0=$(date +%s)
TMP=$(mktemp -d /tmp/sv-int.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

run_qmp() { # LABEL VMM
	if [ ! -f tests/integration/test_qmp.sh ]; then
		skip "$1: QMP suite not written yet"
		return
	fi
	SVCOUNT_SHIFT=$3
	export SVCOUNT_SHIFT
	run_suite "$1" 600 "$TMP/qmp.out" \
		sh tests/integration/test_qmp.sh "$2" "$O/guests/svtest.bin" "$O/tests/qmp_client"
}

case $(kvm_kind) in
none) skip "real-KVM QMP tests: this host has no /dev/kvm" ;;
pvm) run_qmp kvm "$O/stratovirt" 16 ;;	# ring-0 guest code is emulated
*) run_qmp kvm "$O/stratovirt" 24 ;;
esac
if [ -x "$O/tests/stratovirt-emu" ]; then
	run_qmp emu "$O/tests/stratovirt-emu" 16
else
	fail "emulated-CPU VMM $O/tests/stratovirt-emu missing"
fi
# virtio-serial (the agent channel) driven by the test guest.
vcon() { # LABEL VMM
	run_suite "$1" 300 "$TMP/vcon.out" \
		sh tests/integration/test_vconsole.sh "$2" "$O/guests/svtest.bzImage"
}
[ "$(kvm_kind)" != none ] && vcon kvm "$O/stratovirt"
vcon emu "$O/tests/stratovirt-emu"

# q35: firmware-facing devices, PCI/virtio-pci guests (QEMU -M q35 as
# the reference) and the q35 lifecycle over QMP.
q35() { # LABEL SCRIPT ARGS...
	l=$1; shift
	run_suite "$l" 900 "$TMP/q35.out" sh "$@"
}
q35 emu tests/integration/test_firmware.sh "$O"
q35 emu tests/integration/test_q35.sh "$O"
q35 emu tests/integration/test_q35_qmp.sh "$O/tests/stratovirt-emu" \
	"$O/guests/svtest.bzImage" "$O/tests/qmp_client"
if [ "$(kvm_kind)" != none ]; then
	VMM=$O/stratovirt REF=0 q35 kvm tests/integration/test_firmware.sh "$O"
	VMM=$O/stratovirt REF=0 q35 kvm tests/integration/test_q35.sh "$O"
fi
[ "$(kvm_kind)" != none ] && q35 kvm tests/integration/test_q35_qmp.sh \
	"$O/stratovirt" "$O/guests/svtest.bzImage" "$O/tests/qmp_client"

# The VMM's seccomp filter and the jail, the guest agent on the host (and in
# a Linux VM under QEMU when the guest kit is built), the OCI runtime's own
# suite, then real engines.
for s in tests/jail/seccomp.sh tests/jail/run.sh tests/agent/run.sh \
	tests/shim/run.sh tests/shim/podman.sh \
	tests/shim/containerd.sh tests/shim/differential.sh \
	tests/integration/test_engines.sh; do
	case $s in *engines*|*differential*) run="bash" ;; *) run="sh" ;; esac
	run_suite "" 900 "$TMP/suite.out" $run "$s" "$O"
done
echo "time: check-integration $(($(date +%s) - CI_T0)) s"
summary "check-integration"
