# SPDX-License-Identifier: GPL-2.0-only
#
# kernel/kvm.mk - KVM/arm64 on libpgtable, judged under QEMU by KVM's own
# selftests and the project's VMM (included by the top-level Makefile;
# Documentation/kvm.rst).
#
#   make kvm-check        the whole matrix: the patched kernel (the series'
#                         head) and the unpatched one (its base), both of
#                         kernel/kvm.config, booted in VHE, nVHE and
#                         protected mode, every test of kernel/kvm-check/tests
#                         in each; the same verdict on both kernels or a
#                         failure; KVM_MODES="nvhe" to run fewer modes
#   make kvm-check-quick  part of make check: the patched kernel, the VMM
#                         and the stage-2 selftests in each mode, one planted
#                         defect caught
#
# Both first run the judge on made-up console logs (judge-selftest).
#
# Variables: KCACHE (source trees, build directories and the selftests
# under $(KCACHE)/kvm, default /var/cache/libpgtable), KCHECK_JOBS.

KVM_OUT := $(BUILD)/kvm-check
KVM_ENV = KVM_OUT=$(KVM_OUT) PATCHES_OUT=$(PATCHES_OUT) KCHECK_JOBS=$(KCHECK_JOBS) \
	$(if $(KCACHE),KCACHE=$(KCACHE)) $(if $(KVM_MODES),KVM_MODES="$(KVM_MODES)")

.PHONY: kvm-check kvm-check-quick kvm-check-deps

kvm-check-deps:
	$(Q)bash scripts/install-deps.sh kernel vmm

# The series first (its head is the patched kernel), the VMM for the guest.
kvm-check: kvm-check-deps patches vmm
	$(Q)$(KVM_ENV) bash scripts/kvm-check.sh judge-selftest
	$(Q)$(KVM_ENV) bash scripts/kvm-check.sh full

# After patches-check: both take the CPUs whole, one after the other.
kvm-check-quick: kvm-check-deps patches vmm | patches-check
	$(Q)rm -f $(KVM_OUT)/report.txt
	$(Q)$(KVM_ENV) bash scripts/kvm-check.sh judge-selftest
	$(Q)$(KVM_ENV) bash scripts/kvm-check.sh quick
	$(Q)tail -n 1 $(KVM_OUT)/report-quick.txt > $(KVM_OUT)/report.txt

check-all: kvm-check-quick
FS_REPORTS += $(KVM_OUT)/report.txt
