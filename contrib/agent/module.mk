# contrib/agent/: the guest agent sv-agent (DESIGN.md 3.3), its initramfs,
# the protocol codec shared with the shim, and the agent's tests.
#   $(O)/sv-agent                       static, links only libc
#   $(O)/sv-agent-initramfs.cpio.gz     sv-agent as /init
#   $(O)/tests/agent/agent_test         host-side test client (tests/agent/)
#   make check-agent                    tests/agent/run.sh + codec unit test
#
# The agent's objects get their own rule and flags: it is linked -static,
# so no -fPIE/-pie and no sanitizers (SANITIZE builds of the rest still
# link the shared objects below as usual).
AGENT_SRCS := contrib/agent/sv-agent.c contrib/agent/proc.c \
	contrib/agent/sys.c contrib/agent/proto.c
AGENT_OBJS := $(AGENT_SRCS:contrib/agent/%.c=$(O)/contrib/agent/static/%.o)
AGENT_CFLAGS := -std=gnu11 -O2 -g $(WARN) -fstack-protector-strong \
	-D_FORTIFY_SOURCE=2 -MMD -MP
# Host-side users of the protocol (shim, tests) link these two.
AGENT_HOST_OBJS := $(O)/contrib/agent/proto.o $(O)/shim/agent_client.o

all: $(O)/sv-agent $(O)/sv-agent-initramfs.cpio.gz $(O)/tests/agent/agent_test

$(O)/contrib/agent/static/%.o: contrib/agent/%.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(AGENT_CFLAGS) -c -o $@ $<

$(O)/sv-agent: $(AGENT_OBJS)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) -static -o $@ $^

$(O)/sv-agent-initramfs.cpio.gz: $(O)/sv-agent contrib/agent/mkinitramfs.sh
	$(if $(Q),@echo "  GEN     $@")
	$(Q)sh contrib/agent/mkinitramfs.sh $(O)/sv-agent $@

# shim/agent_client.c is in libshim.a; it needs the codec there too
# ($^ of the libshim.a recipe collects every prerequisite).
$(O)/libshim.a: $(O)/contrib/agent/proto.o

$(O)/tests/agent/agent_test: $(O)/tests/agent/agent_test.o $(AGENT_HOST_OBJS)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^

# More specific than tests/module.mk's pattern: the codec tests link the
# protocol objects only.
$(O)/tests/unit/test_agent_%: $(O)/tests/unit/test_agent_%.o $(AGENT_HOST_OBJS)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

.PHONY: check-agent
check-agent: $(O)/sv-agent $(O)/tests/agent/agent_test \
		$(O)/tests/unit/test_agent_proto $(O)/tests/fuzz/fuzz_agent_proto
	@$(O)/tests/unit/test_agent_proto
	@$(O)/tests/fuzz/fuzz_agent_proto tests/fuzz/corpus/agent_proto
	@sh tests/agent/run.sh $(O)

-include $(AGENT_OBJS:%.o=%.d) $(O)/tests/agent/agent_test.d
