# The VMM. Every .c under vmm/ except main.c goes into libvmm.a; the KVM
# seam (vmm/kvm/) is its own archive so the test build can replace it.
VMM_ALL_SRCS := $(sort $(shell find vmm -name '*.c'))
VMM_KVM_SRCS := $(filter vmm/kvm/%,$(VMM_ALL_SRCS))
VMM_LIB_SRCS := $(filter-out vmm/main.c vmm/kvm/%,$(VMM_ALL_SRCS))

VMM_LIB_OBJS := $(VMM_LIB_SRCS:%.c=$(O)/%.o)
VMM_KVM_OBJS := $(VMM_KVM_SRCS:%.c=$(O)/%.o)
VMM_MAIN_OBJ := $(O)/vmm/main.o

VMM_LIBS := -lpthread -lyajl

$(O)/libvmm.a: $(VMM_LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/libvmmkvm.a: $(VMM_KVM_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/stratovirt: $(VMM_MAIN_OBJ) $(O)/libvmm.a $(O)/libvmmkvm.a
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(VMM_MAIN_OBJ) \
		-Wl,--start-group $(O)/libvmm.a $(O)/libvmmkvm.a -Wl,--end-group $(VMM_LIBS)

-include $(VMM_ALL_SRCS:%.c=$(O)/%.d)
