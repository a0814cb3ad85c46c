# The VMM's built-in seccomp filter (DESIGN.md 3.4) and its test.
# Include after vmm/module.mk and tests/module.mk (top Makefile:
# `-include vmm/sandbox/sandbox.mk`). gen_filter compiles allowlist.c with
# libseccomp at build time into $(O)/vmm/sandbox/filter_bpf.c, which the
# VMM links, so it needs no libseccomp at run time.
SB := $(O)/vmm/sandbox

$(SB)/gen_filter-host.o: vmm/sandbox/gen_filter.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CPPFLAGS) -DSV_GEN_FILTER $(ALL_CFLAGS) -c -o $@ $<

$(SB)/gen_filter: $(SB)/gen_filter-host.o $(SB)/allowlist.o
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lseccomp

$(SB)/filter_bpf.c: $(SB)/gen_filter
	$(if $(Q),@echo "  GEN     $@")
	$(Q)$< > $@.tmp && mv $@.tmp $@

$(SB)/filter_bpf.o: $(SB)/filter_bpf.c
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The emulated-CPU build needs no syscall the KVM build does not: it gets
# the same filter.
$(O)/stratovirt $(O)/tests/stratovirt-emu: $(SB)/filter_bpf.o
$(O)/stratovirt $(O)/tests/stratovirt-emu: VMM_LIBS += $(SB)/filter_bpf.o

# tests/jail/forbidden: installs the VMM's filter, makes a forbidden call.
$(O)/tests/jail/forbidden: $(O)/tests/jail/forbidden.o $(SB)/filter_bpf.o $(O)/libvmm.a
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(SB)/filter_bpf.o \
		$(O)/libvmm.a $(VMM_LIBS)

# LD_PRELOADed into the emu VMM: a forbidden call from inside the VMM.
$(O)/tests/jail/forbidden_preload.so: tests/jail/forbidden_preload.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -fPIC -shared -o $@ $< -lpthread

SECCOMP_TEST_BINS := $(O)/tests/jail/forbidden $(O)/tests/jail/forbidden_preload.so
check-integration: $(SECCOMP_TEST_BINS) $(O)/tests/qmp_client

.PHONY: check-seccomp
check-seccomp: $(O)/tests/stratovirt-emu $(SECCOMP_TEST_BINS) \
		$(O)/tests/qmp_client guests
	@sh tests/jail/seccomp.sh $(O)

-include $(O)/tests/jail/forbidden.d
