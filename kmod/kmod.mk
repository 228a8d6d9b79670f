# SPDX-License-Identifier: GPL-2.0-only
#
# kmod/kmod.mk - the kernel module against Debian's kernels, and booted for
# real (included by the top-level Makefile; `make kmod` itself is there).
#
#   make kmod-deps      install/download what the rest needs (scripts/kmod-deps.sh):
#                       qemu-system-arm, gcc-aarch64-linux-gnu, linux-kbuild-6.1,
#                       linux-headers-amd64, and the arm64 headers, kernel image and
#                       busybox-static unpacked (not installed) under build/kmod/
#   make kmod-arm64     pgtable.ko cross-built against Debian 12's arm64 headers
#   make kmod-x86       pgtable.ko against the host's x86-64 headers
#   make kmod-boot      boot Debian's arm64 kernel in QEMU, load the module with its
#                       KTAP self-test, reload it 20 times, judge the console
#   make kmod-check     all of the above (part of `make check`)
#   make kmod-distclean forget the downloads and builds (build/kmod)
#
# Builds happen in shadow trees under build/kmod/src-<arch>, warning-free
# with W=1 or they fail.  KMOD_STRESS_MS sets the concurrency test's run
# time per granule (default 1000), KMOD_TIMEOUT the boot's limit in seconds.

KMOD_OUT := $(BUILD)/kmod
KMOD_STRESS_MS ?= 1000
KMOD_TIMEOUT ?= 600
KMOD_ENV = KMOD_OUT=$(KMOD_OUT) KMOD_TIMEOUT=$(KMOD_TIMEOUT) \
	KMOD_SELFTEST_ARGS="selftest=1 stress_ms=$(KMOD_STRESS_MS)"

.PHONY: kmod-deps kmod-arm64 kmod-x86 kmod-boot kmod-check kmod-distclean

kmod-deps:
	$(Q)$(KMOD_ENV) bash scripts/kmod-deps.sh

kmod-arm64: kmod-deps
	$(Q)$(KMOD_ENV) bash scripts/kmod-build.sh arm64

kmod-x86: kmod-deps
	$(Q)$(KMOD_ENV) bash scripts/kmod-build.sh x86_64

kmod-boot: kmod-arm64
	$(Q)$(KMOD_ENV) bash scripts/kmod-boot.sh

# One recipe, in order: make -j must not run the steps side by side.
kmod-check:
	$(Q)rm -f $(KMOD_OUT)/report.txt
	$(Q)$(KMOD_ENV) bash scripts/kmod-deps.sh
	$(Q)$(KMOD_ENV) bash scripts/kmod-build.sh arm64
	$(Q)$(KMOD_ENV) bash scripts/kmod-build.sh x86_64
	$(Q)$(KMOD_ENV) bash scripts/kmod-boot.sh

kmod-distclean:
	rm -rf $(KMOD_OUT)

# make check runs it.  The summary (a recipe, expanded when it runs) prints
# kmod-check's report line with the freestanding ones.
check-all: kmod-check
FS_REPORTS += $(KMOD_OUT)/report.txt
