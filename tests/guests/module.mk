# svtest: freestanding x86-64 test guest built as bzImage, raw .bin and
# PVH ELF from the same objects (tests/guests/).  Own flags: none of the
# host hardening applies to guest code.

GUEST_DIR := tests/guests
GUEST_OUT := $(O)/guests
GUEST_OBJDIR := $(GUEST_OUT)/obj
GUEST_CSRCS := $(sort $(wildcard $(GUEST_DIR)/*.c))
GUEST_SSRCS := $(GUEST_DIR)/head.S
GUEST_OBJS := $(GUEST_CSRCS:$(GUEST_DIR)/%.c=$(GUEST_OBJDIR)/%.o) \
	$(GUEST_SSRCS:$(GUEST_DIR)/%.S=$(GUEST_OBJDIR)/%.o)
GUEST_HDRS := $(wildcard $(GUEST_DIR)/*.h)
GUEST_CFLAGS := -std=gnu11 -m64 -march=x86-64 -mtune=generic -ffreestanding \
	-nostdlib -fno-pic -fno-pie -mcmodel=small -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fcf-protection=none -O2 \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-fno-omit-frame-pointer --param=min-pagesize=0 $(WARN) -I$(GUEST_DIR)
GUEST_LD := ld -m elf_x86_64 -nostdlib -static --build-id=none \
	-z max-page-size=4096 -z noexecstack --no-warn-rwx-segments
GUEST_HOSTCC := $(CC) -std=gnu11 -O2 -Wall -Wextra
GUEST_IMAGES := $(GUEST_OUT)/svtest.bzImage $(GUEST_OUT)/svtest.bin \
	$(GUEST_OUT)/svtest.elf $(GUEST_OUT)/mkinitrd $(GUEST_OUT)/svchain.elf \
	$(GUEST_OUT)/svtest.fd
# svtest.fd: a 256 KiB flash image (pflash unit 0): svtest + reset.S
GUEST_FD_SIZE := 262144

.PHONY: guests check-guests-qemu
guests: $(GUEST_IMAGES)

check-guests-qemu: guests
	@sh $(GUEST_DIR)/run-qemu.sh $(O)

.PHONY: check-guests-fw
check-guests-fw: $(GUEST_OUT)/svtest.fd
	@sh $(GUEST_DIR)/run-qemu-fw.sh $(O)

$(GUEST_OBJDIR)/%.o: $(GUEST_DIR)/%.c $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  GUESTCC $<")
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_OBJDIR)/%.o: $(GUEST_DIR)/%.S $(GUEST_HDRS)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  GUESTAS $<")
	$(Q)$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c -o $@ $<

$(GUEST_OUT)/svtest.elf: $(GUEST_OBJS) $(GUEST_DIR)/svtest.lds
	$(if $(Q),@echo "  GUESTLD $@")
	$(Q)$(GUEST_LD) -T $(GUEST_DIR)/svtest.lds -o $@ $(GUEST_OBJS)

# test tool: svtest at 32 MiB, loads the bzImage/.bin like StratoVirt
$(GUEST_OUT)/svchain.elf: $(GUEST_OBJS) $(GUEST_DIR)/svchain.lds
	$(Q)$(GUEST_LD) -T $(GUEST_DIR)/svchain.lds -o $@ $(GUEST_OBJS)

$(GUEST_OUT)/svtest-bin.elf: $(GUEST_OBJS) $(GUEST_DIR)/svtest-bin.lds
	$(Q)$(GUEST_LD) -T $(GUEST_DIR)/svtest-bin.lds -o $@ $(GUEST_OBJS)

$(GUEST_OUT)/svtest.bin: $(GUEST_OUT)/svtest-bin.elf
	$(if $(Q),@echo "  OBJCOPY $@")
	$(Q)objcopy -O binary -R .notes $< $@

$(GUEST_OUT)/svtest-pm.bin: $(GUEST_OUT)/svtest.elf
	$(Q)objcopy -O binary -R .notes $< $@

$(GUEST_OUT)/setup.elf: $(GUEST_DIR)/setup.S $(GUEST_DIR)/setup.lds
	@mkdir -p $(GUEST_OBJDIR)
	$(Q)$(CC) -c -o $(GUEST_OBJDIR)/setup.o $<
	$(Q)$(GUEST_LD) -T $(GUEST_DIR)/setup.lds -o $@ $(GUEST_OBJDIR)/setup.o

$(GUEST_OUT)/setup.bin: $(GUEST_OUT)/setup.elf
	$(Q)objcopy -O binary $< $@

$(GUEST_OUT)/mkbzimage: $(GUEST_DIR)/host/mkbzimage.c
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_HOSTCC) -o $@ $<

$(GUEST_OUT)/mkinitrd: $(GUEST_DIR)/host/mkinitrd.c
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_HOSTCC) -o $@ $<

$(GUEST_OUT)/svtest.bzImage: $(GUEST_OUT)/setup.bin $(GUEST_OUT)/svtest-pm.bin \
		$(GUEST_OUT)/svtest.elf $(GUEST_OUT)/mkbzimage
	$(if $(Q),@echo "  BZIMAGE $@")
	$(Q)end=$$(nm $(GUEST_OUT)/svtest.elf | awk '$$3 == "_end" { print $$1 }'); \
	ki=$$(nm $(GUEST_OUT)/svtest.elf | awk '$$3 == "kernel_info" { print $$1 }'); \
	$(GUEST_OUT)/mkbzimage $(GUEST_OUT)/setup.bin $(GUEST_OUT)/svtest-pm.bin \
		$$((0x$$end - 0x100000)) $$((0x$$ki - 0x100000)) $@

# svtest.fd: the reset stage (reset.S, last 4 KiB, reset vector in the last
# 16 bytes) and svtest (stored from the image's start, copied to 16 MiB).
$(GUEST_OUT)/svtest-fw.elf: $(GUEST_OBJS) $(GUEST_OBJDIR)/reset.o \
		$(GUEST_DIR)/svtest-fw.lds
	$(Q)$(GUEST_LD) -T $(GUEST_DIR)/svtest-fw.lds -o $@ $(GUEST_OBJS) \
		$(GUEST_OBJDIR)/reset.o

$(GUEST_OUT)/svtest.fd: $(GUEST_OUT)/svtest-fw.elf
	$(if $(Q),@echo "  FLASH   $@")
	$(Q)objcopy -O binary --gap-fill 0xff $< $@.tmp
	$(Q)sz=$$(stat -c %s $@.tmp); if [ "$$sz" != $(GUEST_FD_SIZE) ]; then \
		echo "$@: $$sz bytes, want $(GUEST_FD_SIZE)" >&2; rm -f $@.tmp; \
		exit 1; fi
	$(Q)mv $@.tmp $@
