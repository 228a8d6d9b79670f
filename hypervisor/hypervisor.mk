# SPDX-License-Identifier: GPL-2.0-only
#
# hypervisor/hypervisor.mk - the bare-metal EL2 hypervisor that runs guests
# on libpgtable's tables under QEMU (Documentation/hypervisor.rst).
# Included by the top-level Makefile.
#
#   make hypervisor        build/hypervisor/hyp.elf: lib/*.c unchanged, hypervisor/*.c,
#                          the test guests (hypervisor/guest/g_*.c) linked in
#   make hypervisor-check  boot every configuration of scripts/hypervisor-configs
#                          under qemu-system-aarch64 and judge each console
#   make hypervisor-run    boot the 4K configuration and show its console
#
# HYP_CROSS picks the cross toolchain (default aarch64-linux-gnu-, Debian's
# gcc-aarch64-linux-gnu); HYP_CC=clang uses clang --target=aarch64-none-elf
# with ld.lld.  HYP_CONFIGS=name,name narrows hypervisor-check.

HYP_OUT := $(BUILD)/hypervisor
HYP_CROSS ?= aarch64-linux-gnu-
HYP_CC ?= $(HYP_CROSS)gcc
ifeq ($(findstring clang,$(HYP_CC)),clang)
  HYP_TARGET := --target=aarch64-none-elf
  HYP_LINK := ld.lld
  HYP_OBJCOPY ?= llvm-objcopy
  HYP_GUEST_LDFLAGS :=
else
  HYP_LINK := $(HYP_CROSS)ld
  HYP_OBJCOPY ?= $(HYP_CROSS)objcopy
  # A guest is one flat RWX image: its own stage 1 is off.
  HYP_GUEST_LDFLAGS := --no-warn-rwx-segments
endif

# No FP/SIMD at EL2 or in guests; no libgcc atomics; strict alignment
# because code runs before the MMU is on.
HYP_ARCH := $(HYP_TARGET) -mgeneral-regs-only -mno-outline-atomics -mstrict-align \
	-fno-stack-protector -fno-pie -fno-pic -ffreestanding -nostdinc -fno-builtin
HYP_WARN := -Wall -Wextra -Werror
HYP_CFLAGS := -std=gnu11 -O2 -g $(HYP_WARN) $(HYP_ARCH) -DPGT_HOME_BAREMETAL \
	-Iinclude -Ihypervisor -Ihypervisor/libc -MMD -MP
HYP_GUEST_CFLAGS := -std=gnu11 -O2 -g $(HYP_WARN) $(HYP_ARCH) -MMD -MP

HYP_LIB_OBJS := $(patsubst lib/%.c,$(HYP_OUT)/lib/%.o,$(wildcard lib/*.c))
HYP_SRCS := $(wildcard hypervisor/*.c)
HYP_OBJS := $(patsubst hypervisor/%.c,$(HYP_OUT)/%.o,$(HYP_SRCS)) $(HYP_OUT)/start.o \
	$(HYP_OUT)/guest_images.o
HYP_GUESTS := $(patsubst hypervisor/guest/%.c,%,$(wildcard hypervisor/guest/g_*.c))
HYP_GUEST_BINS := $(HYP_GUESTS:%=$(HYP_OUT)/guest/%.bin)
HYP_GUEST_COMMON := $(HYP_OUT)/guest/crt.o $(HYP_OUT)/guest/glib.o
HYP_ELF := $(HYP_OUT)/hyp.elf

# Each guest is linked at its own IPA.
GUEST_BASE_g_main := 0x80000000
GUEST_BASE_g_smp := 0x80100000
GUEST_BASE_g_vms := 0x80200000

.PHONY: hypervisor hypervisor-check hypervisor-run
.SECONDARY: $(HYP_GUESTS:%=$(HYP_OUT)/guest/%.o) $(HYP_GUESTS:%=$(HYP_OUT)/guest/%.elf) \
	$(HYP_GUEST_COMMON)

hypervisor: $(HYP_ELF)

$(HYP_OUT)/lib/%.o: lib/%.c
	$(call msg,HYPCC,$@)
	@mkdir -p $(@D)
	$(Q)$(HYP_CC) $(HYP_CFLAGS) -c -o $@ $<

$(HYP_OUT)/%.o: hypervisor/%.c
	$(call msg,HYPCC,$@)
	@mkdir -p $(@D)
	$(Q)$(HYP_CC) $(HYP_CFLAGS) -c -o $@ $<

$(HYP_OUT)/start.o: hypervisor/start.S hypervisor/layout.h
	$(call msg,HYPAS,$@)
	@mkdir -p $(@D)
	$(Q)$(HYP_CC) $(HYP_CFLAGS) -c -o $@ $<

$(HYP_OUT)/guest_images.o: hypervisor/guest_images.S $(HYP_GUEST_BINS)
	$(call msg,HYPAS,$@)
	$(Q)$(HYP_CC) $(HYP_CFLAGS) -Wa,-I$(HYP_OUT)/guest -c -o $@ $<

$(HYP_OUT)/guest/%.o: hypervisor/guest/%.c
	$(call msg,GUESTCC,$@)
	@mkdir -p $(@D)
	$(Q)$(HYP_CC) $(HYP_GUEST_CFLAGS) -c -o $@ $<

$(HYP_OUT)/guest/crt.o: hypervisor/guest/crt.S
	$(call msg,GUESTAS,$@)
	@mkdir -p $(@D)
	$(Q)$(HYP_CC) $(HYP_GUEST_CFLAGS) -c -o $@ $<

$(HYP_OUT)/guest/%.elf: $(HYP_OUT)/guest/%.o $(HYP_GUEST_COMMON) hypervisor/guest/guest.ld
	$(call msg,GUESTLD,$@)
	$(Q)$(HYP_LINK) -nostdlib -static --no-dynamic-linker $(HYP_GUEST_LDFLAGS) --defsym=GUEST_BASE=$(GUEST_BASE_$*) \
		-T hypervisor/guest/guest.ld -o $@ $(HYP_GUEST_COMMON) $<

$(HYP_OUT)/guest/%.bin: $(HYP_OUT)/guest/%.elf
	$(Q)$(HYP_OBJCOPY) -O binary $< $@

$(HYP_OUT)/hyp.ld: hypervisor/hyp.ld.S hypervisor/layout.h
	@mkdir -p $(@D)
	$(Q)$(HYP_CC) $(HYP_TARGET) -E -P -x c -Ihypervisor -o $@ $<

$(HYP_OUT)/objs.list: FORCE
	@mkdir -p $(@D); echo '$(HYP_LIB_OBJS) $(HYP_OBJS)' | cmp -s - $@ || \
		echo '$(HYP_LIB_OBJS) $(HYP_OBJS)' > $@

$(HYP_ELF): $(HYP_LIB_OBJS) $(HYP_OBJS) $(HYP_OUT)/hyp.ld $(HYP_OUT)/objs.list
	$(call msg,HYPLD,$@)
	$(Q)$(HYP_LINK) -nostdlib -static --no-dynamic-linker -T $(HYP_OUT)/hyp.ld -o $@ \
		$(HYP_OBJS) $(HYP_LIB_OBJS)

-include $(HYP_LIB_OBJS:.o=.d) $(HYP_OBJS:.o=.d) $(HYP_GUESTS:%=$(HYP_OUT)/guest/%.d)

HYP_ENV = HYP_OUT=$(HYP_OUT) HYP_ELF=$(HYP_ELF) $(if $(HYP_CONFIGS),HYP_CONFIGS=$(HYP_CONFIGS))

hypervisor-check:
	$(Q)rm -f $(HYP_OUT)/report.txt
	$(Q)bash scripts/install-deps.sh hypervisor
	+$(Q)$(MAKE) hypervisor
	$(Q)$(HYP_ENV) bash scripts/hypervisor-check.sh

hypervisor-run:
	$(Q)bash scripts/install-deps.sh hypervisor
	+$(Q)$(MAKE) hypervisor
	$(Q)$(HYP_ENV) bash scripts/hypervisor-check.sh --show 4k-40

# make check runs it; its report line joins the summary's.
check-all: hypervisor-check
FS_REPORTS += $(HYP_OUT)/report.txt
