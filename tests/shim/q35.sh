#!/bin/sh
# Sourced by tests/shim/run.sh: bundles on the q35 machine
# (org.stratovirt.machine=q35). Here the kernel is the test guest, booted
# directly (org.stratovirt.firmware.code=none) on the emulated VMM; OVMF
# boots need hardware KVM (tests/linux).
Q35_ANNO=',"org.stratovirt.machine":"q35","org.stratovirt.firmware.code":"none"'

t_q35() {
	bundle q35hello "svtest=hello" "$Q35_ANNO"
	S run -b "$TMP/q35hello" q35hello < /dev/null > "$TMP/q35hello.out" 2>&1
	rc=$?
	check "q35: run of a vm bundle exits 0 when the guest resets (got $rc)" \
		[ $rc -eq 0 ]
	check "q35: the guest's console is the container's stdout" \
		grep -q "TEST: PASS" "$TMP/q35hello.out"
	check "q35: one boot (-no-reboot: a reset ends the container)" \
		[ "$(grep -c '^svtest: hello' "$TMP/q35hello.out")" -eq 1 ]
	bundle q35acpi "svtest=acpi svcpus=1" "$Q35_ANNO"
	S run -b "$TMP/q35acpi" q35acpi < /dev/null > "$TMP/q35acpi.out" 2>&1
	rc=$?
	check "q35: the guest powers off through ACPI S5, exit 0 (got $rc)" \
		[ $rc -eq 0 ]
	check "q35: ACPI tables seen by the guest" \
		grep -q "TEST: PASS" "$TMP/q35acpi.out"
	bundle q35pwr "svtest=pwrbtn" "$Q35_ANNO"
	S run -d -b "$TMP/q35pwr" q35pwr < /dev/null > /dev/null 2>&1
	check "q35: run -d of an idle guest" [ "$(status q35pwr)" = running ]
	S kill q35pwr TERM
	check "q35: kill TERM = ACPI power button, the guest powers off" \
		wait_status q35pwr stopped 150
	S delete q35pwr
	check "q35: deleted, no VMM left" no_vmm_for q35pwr
	# Firmware boot under the jail: code and vars owned by root, 0600;
	# the jail passes them as fds (uid 65534 could not open them by name).
	# create leaves the vCPUs paused, so no real-mode code runs here.
	cp "$(dirname "$KERNEL")/svtest.fd" "$TMP/code.fd"
	dd if=/dev/zero bs=4096 count=16 2>/dev/null | tr '\0' '\377' > "$TMP/vars.fd"
	chmod 600 "$TMP/code.fd" "$TMP/vars.fd"
	bundle q35fw "svtest=hello" \
		',"org.stratovirt.machine":"q35","org.stratovirt.firmware.code":"'"$TMP/code.fd"'","org.stratovirt.firmware.vars":"'"$TMP/vars.fd"'"'
	if S create -b "$TMP/q35fw" q35fw > "$TMP/q35fw.out" 2>&1; then
		pass "q35: jailed create with root-only 0600 pflash code and vars"
	else
		fail "q35: jailed create with pflash: $(tail -n 1 "$TMP/q35fw.out")"
	fi
	check "q35: the firmware VM is created (paused at the reset vector)" \
		[ "$(status q35fw)" = created ]
	S delete -f q35fw
	check "q35: deleted, no VMM left" no_vmm_for q35fw
	bundle q35bad "svtest=hello" \
		',"org.stratovirt.machine":"q35","org.stratovirt.firmware.code":"/nonexistent/CODE.fd"'
	refuse "q35: create with a missing firmware file" \
		S create -b "$TMP/q35bad" q35bad
	check "q35: refused create leaves nothing" root_empty
}
