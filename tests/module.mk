# Tests: cmocka unit tests (one binary per tests/unit/test_*.c), fuzz
# targets built as corpus replayers (and with clang's libFuzzer by
# `make fuzz`), the emulated-CPU VMM build, and the suites' drivers.

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/unit/%)
UNIT_HELPER_SRCS := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
UNIT_HELPER_OBJS := $(UNIT_HELPER_SRCS:%.c=$(O)/%.o)

FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/tests/fuzz/%)

EMU_SRCS := $(sort $(wildcard tests/emu/*.c))
EMU_OBJS := $(EMU_SRCS:%.c=$(O)/%.o)

VMM_LINK = -Wl,--start-group $(O)/libvmm.a $(O)/libvmmkvm.a $(O)/liboci.a -Wl,--end-group $(VMM_LIBS)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(UNIT_HELPER_OBJS) $(O)/libvmm.a $(O)/libvmmkvm.a $(O)/liboci.a
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(UNIT_HELPER_OBJS) $(VMM_LINK) -lcmocka

# The software-CPU unit tests link tests/emu/ in place of vmm/kvm/.
EMU_LINK = -Wl,--start-group $(O)/libvmm.a $(O)/libemu.a $(O)/liboci.a -Wl,--end-group $(VMM_LIBS)

EMU_UNIT_BINS := $(filter $(O)/tests/unit/test_emu%,$(UNIT_BINS))
$(EMU_UNIT_BINS): $(O)/tests/unit/%: $(O)/tests/unit/%.o $(UNIT_HELPER_OBJS) $(O)/libvmm.a $(O)/libemu.a $(O)/liboci.a
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(UNIT_HELPER_OBJS) $(EMU_LINK) -lcmocka

$(O)/tests/fuzz/%: $(O)/tests/fuzz/%.o $(O)/tests/fuzz/replay.o $(O)/libvmm.a $(O)/libvmmkvm.a $(O)/liboci.a
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/tests/fuzz/replay.o $(VMM_LINK)

# The VMM with the software CPU of tests/emu/ in place of /dev/kvm.
$(O)/libemu.a: $(EMU_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/tests/stratovirt-emu: $(VMM_MAIN_OBJ) $(O)/libvmm.a $(O)/libemu.a
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(VMM_MAIN_OBJ) \
		-Wl,--start-group $(O)/libvmm.a $(O)/libemu.a -Wl,--end-group $(VMM_LIBS)

.PHONY: unit-bins fuzz-bins
unit-bins: $(UNIT_BINS)
fuzz-bins: $(FUZZ_BINS)

EMU_BIN := $(if $(EMU_SRCS),$(O)/tests/stratovirt-emu)

.PHONY: check check-unit check-fuzz check-kvm check-integration check-linux
check: all $(UNIT_BINS) $(FUZZ_BINS) $(EMU_BIN) $(O)/tests/svbench
	@sh tests/run-check.sh $(O)

check-unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(O)

check-fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(O)

check-kvm: all $(EMU_BIN)
	@sh tests/integration/run-kvm.sh $(O)

check-integration: all $(EMU_BIN) $(O)/tests/qmp_client
	@sh tests/integration/run.sh $(O)

check-linux: all
	@sh tests/linux/run.sh $(O)

# libFuzzer builds (clang), for finding new corpus entries.
.PHONY: fuzz
fuzz:
	$(MAKE) O=build-fuzz CC=clang SANITIZE=fuzzer-no-link,address,undefined \
		$(patsubst $(O)/%,build-fuzz/%,$(FUZZ_SRCS:tests/fuzz/%.c=$(O)/tests/fuzz/%.o)) \
		build-fuzz/libvmm.a build-fuzz/libvmmkvm.a build-fuzz/liboci.a
	@mkdir -p build-fuzz/bin
	@for f in $(FUZZ_SRCS:tests/fuzz/%.c=%); do \
		clang -fsanitize=fuzzer,address,undefined -o build-fuzz/bin/$$f build-fuzz/tests/fuzz/$$f.o \
			-Wl,--start-group build-fuzz/libvmm.a build-fuzz/libvmmkvm.a build-fuzz/liboci.a -Wl,--end-group -lpthread -lyajl || exit 1; \
		echo "  FUZZ    build-fuzz/bin/$$f"; done

-include $(UNIT_SRCS:%.c=$(O)/%.d) $(FUZZ_SRCS:%.c=$(O)/%.d) $(EMU_SRCS:%.c=$(O)/%.d)

# Benchmarks (not part of make test, except the one-run smoke).
$(O)/tests/svbench: tests/bench/svbench.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

.PHONY: bench bench-smoke
bench: all $(EMU_BIN) $(O)/tests/svbench
	@sh tests/bench/run.sh $(O) $${RUNS:-10}
	@bash tests/bench/engines.sh $(O) $${RUNS:-10}

bench-smoke: all $(EMU_BIN) $(O)/tests/svbench
	@sh tests/bench/run.sh $(O) 1 $(O)/bench-smoke

# QMP test client used by tests/integration/test_qmp.sh.
$(O)/tests/qmp_client: tests/integration/qmp_client.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<
