# stratovirt-shim: one non-recursive GNU Makefile (STYLE.md section L).
# make                 build/stratovirt (and test guests)
# make deps            install the Debian packages the build and tests need
# make check           unit tests, fuzz-corpus replay, real-KVM and emulated tiers
# make check-integration, make check-linux, make test (all three)
# make asan            check under AddressSanitizer + UBSan (build-asan/)
# make lint            clang-format, cppcheck, clang-tidy, shellcheck
# make demo            run a bundle through the shim, show what it printed
# make install         PREFIX=/usr/local DESTDIR=

O ?= build
CC ?= gcc
PREFIX ?= /usr/local
DESTDIR ?=
WERROR ?= 1
V ?= 0
SANITIZE ?=

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wcast-qual \
	-Wwrite-strings -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wundef -Wvla -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARN += -Werror
endif
HARDEN := -fstack-protector-strong -fPIE
ifeq ($(SANITIZE),)
HARDEN += -D_FORTIFY_SOURCE=2
OPT ?= -O2
else
OPT ?= -O1
HARDEN += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := -std=gnu11 $(CFLAGS) $(WARN) $(HARDEN) -MMD -MP
ALL_CPPFLAGS := -D_GNU_SOURCE -Iinclude -I. $(CPPFLAGS)
LDFLAGS_HARDEN := -pie -Wl,-z,relro,-z,now
ifneq ($(SANITIZE),)
LDFLAGS_HARDEN += -fsanitize=$(SANITIZE)
endif
ALL_LDFLAGS := $(LDFLAGS_HARDEN) $(LDFLAGS)

DEPS_PKGS := build-essential libyajl-dev libseccomp-dev libcap-dev libnl-3-dev \
	libnl-route-3-dev libcmocka-dev linux-source-6.1 busybox-static \
	e2fsprogs ovmf qemu-system-x86 socat bc flex bison libelf-dev \
	libssl-dev cpio dosfstools mtools gdisk acpica-tools fdisk strace python3 \
	xz-utils kmod podman runc conmon containerd uidmap iproute2 util-linux
DEV_PKGS := clang clang-tidy clang-format cppcheck bear shellcheck

# Keep objects of tests and fuzz targets (intermediate files otherwise).
.SECONDARY:

.PHONY: all
all: $(O)/stratovirt guests

# Compile rule shared by every component.
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

include vmm/module.mk
include oci/module.mk
include tests/module.mk
-include tests/guests/module.mk
-include contrib/guest/module.mk
-include contrib/agent/module.mk
-include shim/module.mk
-include shim/jail.mk
-include vmm/sandbox/sandbox.mk

.PHONY: deps
deps:
	@missing=""; for p in $(DEPS_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		[ "$$(id -u)" = 0 ] || { echo "deps: run as root (apt-get install$$missing)"; exit 1; }; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	else echo "deps: all Debian packages present"; fi

.PHONY: deps-dev
deps-dev: deps
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEV_PKGS)

.PHONY: test
test: check check-linux check-integration bench-smoke

.PHONY: asan
asan:
	$(MAKE) O=build-asan SANITIZE=address,undefined check

.PHONY: install
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/stratovirt-shim
	install -m 0755 $(O)/stratovirt $(DESTDIR)$(PREFIX)/bin/stratovirt
	install -m 0755 $(O)/stratovirt-shim $(DESTDIR)$(PREFIX)/bin/stratovirt-shim
	install -m 0644 $(O)/sv-agent-initramfs.cpio.gz \
		$(DESTDIR)$(PREFIX)/share/stratovirt-shim/sv-agent.initramfs
	@if [ -f $(O)/guest/vmlinux.bin ]; then \
		install -m 0644 $(O)/guest/vmlinux.bin \
			$(DESTDIR)$(PREFIX)/share/stratovirt-shim/vmlinux.bin; \
	else echo "install: no guest kernel ($(O)/guest/vmlinux.bin): make guest-kernel, then install again"; fi

.PHONY: demo
demo: deps all $(EMU_BIN)
	@sh tests/demo.sh $(O)

.PHONY: lint
lint:
	@sh tests/lint.sh $(O)

.PHONY: check-headers
check-headers:
	@sh tests/check-headers.sh

.PHONY: clean
clean:
	rm -rf $(O) build-asan
