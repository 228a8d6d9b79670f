# SPDX-License-Identifier: GPL-2.0-only
#
# kernel/vmm/vmm.mk - the project's own tiny VMM (included by the top-level
# Makefile; Documentation/vmm.rst).
#
#   make vmm        build/vmm/vmm: a static arm64 binary that runs a guest
#                   through /dev/kvm and checks what stage 2 maps
#   make vmm-try    boot it under QEMU in VHE, nVHE and protected mode
#                   (kernel/vmm/try.sh; VMM_KERNEL=Image to choose the kernel)
#
# Needs `scripts/install-deps.sh vmm` (the cross compiler, glibc and uapi headers).

VMM_OUT := $(BUILD)/vmm
VMM_CC ?= aarch64-linux-gnu-gcc
VMM_CFLAGS = -std=gnu11 -O2 -Wall -Wextra -Werror -static -pthread -Ikernel/vmm
VMM_SRCS := kernel/vmm/vmm.c kernel/vmm/guest.S

.PHONY: vmm vmm-deps vmm-try

vmm-deps:
	$(Q)bash scripts/install-deps.sh vmm

vmm: $(VMM_OUT)/vmm

$(VMM_OUT)/vmm: $(VMM_SRCS) kernel/vmm/guest.h kernel/vmm/vmm.mk
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(VMM_CC) $(VMM_CFLAGS) -o $@ $(VMM_SRCS)

vmm-try: vmm
	$(Q)bash kernel/vmm/try.sh
