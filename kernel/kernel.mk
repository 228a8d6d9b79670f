# SPDX-License-Identifier: GPL-2.0-only
#
# kernel/kernel.mk - the in-kernel patch series (included by the top-level
# Makefile; Documentation/kernel-series.rst).
#
#   make patches             write the series to build/patches/ (scripts/patches.sh)
#   make patches-check       part of make check: git am on the pristine base,
#                            checkpatch --strict and a W=1 build of what each
#                            patch touches (x86_64 and arm64, module and built
#                            in), kernel-doc on the headers, and the KUnit suite
#                            on arm64 under QEMU (4 CPUs)
#   make patches-check-full  all of that, the KUnit suite on UML,
#                            and the whole kernel built once per architecture
#                            and option setting
#
# Variables: PATCHES_NAME, PATCHES_EMAIL (author and sign-off; default git
# config user.name/email, else the newest commit's author), PATCHES_PREFIX
# (subject prefix, default PATCH),
# KSRC (another kernel git tree as the base), KCACHE (base repository and
# build directories, default /var/cache/libpgtable), KCHECK_JOBS (default 2).

PATCHES_OUT := $(BUILD)/patches
# A fresh clone (CI's) may have no git identity: the newest commit's author
# then signs, so the series is generated and checked anywhere.
PATCHES_NAME ?= $(or $(shell git config user.name),$(shell git log -1 --format=%an))
PATCHES_EMAIL ?= $(or $(shell git config user.email),$(shell git log -1 --format=%ae))
PATCHES_PREFIX ?= PATCH
KCHECK_JOBS ?= 2
PATCHES_ENV = PATCHES_OUT=$(PATCHES_OUT) PATCHES_NAME="$(PATCHES_NAME)" \
	PATCHES_EMAIL="$(PATCHES_EMAIL)" PATCHES_PREFIX="$(PATCHES_PREFIX)" \
	KCHECK_JOBS=$(KCHECK_JOBS) $(if $(KSRC),KSRC=$(KSRC)) $(if $(KCACHE),KCACHE=$(KCACHE))

.PHONY: patches patches-deps patches-check patches-check-full patches-check-selftest

patches-deps:
	$(Q)bash scripts/install-deps.sh kernel

patches: patches-deps
	$(Q)$(PATCHES_ENV) bash scripts/patches.sh

# One recipe each, in order: make -j must not run the steps side by side.
patches-check: patches
	$(Q)rm -f $(PATCHES_OUT)/check.log
	$(Q)$(PATCHES_ENV) bash scripts/kernel-check.sh series
	$(Q)$(PATCHES_ENV) bash scripts/kernel-check.sh kunit arm64
	$(Q)bash scripts/kernel-check.sh report > $(PATCHES_OUT)/report.txt

patches-check-full: patches
	$(Q)rm -f $(PATCHES_OUT)/check.log
	$(Q)$(PATCHES_ENV) bash scripts/kernel-check.sh series
	$(Q)$(PATCHES_ENV) bash scripts/kernel-check.sh kunit um
	$(Q)$(PATCHES_ENV) bash scripts/kernel-check.sh kunit arm64
	$(Q)$(PATCHES_ENV) bash scripts/kernel-check.sh full x86_64
	$(Q)$(PATCHES_ENV) bash scripts/kernel-check.sh full arm64
	$(Q)bash scripts/kernel-check.sh report > $(PATCHES_OUT)/report.txt
	$(Q)$(PATCHES_ENV) bash scripts/kernel-check-selftest.sh

# Plants a defect of each kind in a copy of the series and expects the
# check to fail where it should (after the report: it reuses the lock).
patches-check-selftest: patches
	$(Q)$(PATCHES_ENV) bash scripts/kernel-check-selftest.sh

# make check runs it; its summary prints the report line.
check-all: patches-check
FS_REPORTS += $(PATCHES_OUT)/report.txt
