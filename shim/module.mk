# shim/: the OCI runtime build/stratovirt-shim (DESIGN.md 3). Every
# shim/*.c but main.c also goes into $(O)/libshim.a for the unit tests.
# shim/jail*.c (when present) is linked like any other file; shim code
# reaches it through weak symbols, so the shim builds with or without it.
SHIM_SRCS := $(sort $(wildcard shim/*.c))
SHIM_OBJS := $(SHIM_SRCS:%.c=$(O)/%.o)
SHIM_LIB_OBJS := $(filter-out $(O)/shim/main.o,$(SHIM_OBJS)) \
	$(if $(wildcard shim/seccomp.c),$(O)/vmm/sandbox/allowlist.o)
SHIM_LIBS := $(OCI_LIBS) -lcrypto $(if $(wildcard shim/jail*.c),-lcap -lseccomp)

all: $(O)/stratovirt-shim

$(O)/libshim.a: $(SHIM_LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/stratovirt-shim: $(O)/shim/main.o $(O)/libshim.a $(O)/liboci.a
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(O)/shim/main.o \
		-Wl,--whole-archive $(O)/libshim.a -Wl,--no-whole-archive \
		$(O)/liboci.a $(SHIM_LIBS)

# Unit tests of shim code link libshim.a (and liboci.a) only.
$(O)/tests/unit/test_shim_%: $(O)/tests/unit/test_shim_%.o $(O)/libshim.a $(O)/liboci.a
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(O)/libshim.a \
		$(O)/liboci.a $(SHIM_LIBS) -lcmocka

SHIM_UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/test_shim_*.c))

# The shim's own tests: its unit tests, the lifecycle suite on the
# emulated VMM, and podman (skipped when podman is not installed).
.PHONY: check-shim
check-shim: $(O)/stratovirt-shim $(O)/tests/stratovirt-emu guests $(SHIM_UNIT_BINS)
	@for t in $(SHIM_UNIT_BINS); do $$t || exit 1; done
	@sh tests/shim/run.sh $(O)
	@sh tests/shim/podman.sh $(O)

-include $(SHIM_SRCS:%.c=$(O)/%.d)
