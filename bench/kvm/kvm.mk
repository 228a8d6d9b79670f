# SPDX-License-Identifier: GPL-2.0-only
#
# bench/kvm/kvm.mk - make bench-kvm: this library against Linux 6.1's KVM
# stage-2 code, side by side in one process (issue 14,
# Documentation/performance.rst).  Included by bench/bench.mk.
#
#   make bench-kvm          build, run the timed comparison (bench/kvm.json),
#                           then count instructions under callgrind
#                           (build/<variant>/bench/kvm/callgrind/) and print the ratio table
#   make bench-kvm-bin      only build build/<variant>/bench/kvm/bench-kvm
#
# KVM's arch/arm64/kvm/hyp/pgtable.c and asm/kvm_pgtable.h come from
# Debian's linux-source-6.1 (scripts/install-deps.sh bench): the two files
# are extracted, unmodified, into $(KVM_SRC_CACHE)/<package version>/ and
# never enter the tree.  They are built once per granule (the kernel fixes
# PAGE_SHIFT at build time) against the shim in bench/kvm/include/; each
# copy, with its mm_ops in kvm_side.c, is linked into one object whose
# symbols are all local except its struct side.
#
#   BENCH_KVM_ARGS          arguments of the timed run (e.g. --runs=21)
#   BENCH_KVM_CG_PER_CALL   arguments of the callgrind run of the per-call
#                           scenarios (default --size=64M: the counts per call
#                           do not depend on the size)
#   BENCH_KVM_CG_BULK       ... of the bulk ones (default --size=1G, as timed)

KVM_TARBALL ?= /usr/src/linux-source-6.1.tar.xz
KVM_SRC_CACHE ?= $(BUILD)/kvm-src
KVM_PKG_VERSION := $(shell dpkg-query -W -f='$${Version}' linux-source-6.1 2>/dev/null)
KVM_SRC := $(KVM_SRC_CACHE)/$(or $(KVM_PKG_VERSION),unknown)
KVM_FILES := arch/arm64/kvm/hyp/pgtable.c arch/arm64/include/asm/kvm_pgtable.h
KVM_STAMP := $(KVM_SRC)/.extracted

KB := $(B)/bench/kvm
BENCH_KVM_BIN := $(KB)/bench-kvm
KVM_GRANULES := 4k:12 16k:14 64k:16
KVM_OBJS := $(foreach g,$(KVM_GRANULES),$(KB)/kvm-$(word 1,$(subst :, ,$(g))).o)
KVM_PARTS := $(foreach g,$(KVM_GRANULES),$(addprefix $(KB)/,\
	pgtable-$(word 1,$(subst :, ,$(g))).o kvm_side-$(word 1,$(subst :, ,$(g))).o))
BENCH_KVM_OBJS := $(KB)/bench_kvm.o $(KB)/ours_side.o
BENCH_KVM_ARGS ?=
BENCH_KVM_CG_PER_CALL ?= --size=64M
BENCH_KVM_CG_BULK ?= --size=1G
BENCH_KVM_JSON ?= bench/kvm.json
BENCH_KVM_CG_DIR ?= $(KB)/callgrind

# KVM's code as the kernel builds it, less the kernel's own warning set:
# the project's flags, without -Wunused-parameter (walker callbacks).
KVM_CFLAGS = -std=gnu11 $(OPT) -Wall -Wextra -Wno-unused-parameter -Werror \
	-fvisibility=hidden -Ibench/kvm/include -I$(KVM_SRC)/arch/arm64/include -Iinclude \
	$(CPPFLAGS) $(CFLAGS)

.PHONY: bench-kvm bench-kvm-bin bench-kvm-smoke

ifndef FREESTANDING

$(KVM_STAMP):
	@test -f $(KVM_TARBALL) || { echo "bench-kvm: $(KVM_TARBALL) missing:" \
		"bash scripts/install-deps.sh bench" >&2; exit 1; }
	$(call msg,EXTRACT,$(KVM_FILES:%=linux-source-6.1/%) -> $(KVM_SRC))
	$(Q)rm -rf $(KVM_SRC).tmp && mkdir -p $(KVM_SRC).tmp && \
		tar -xJf $(KVM_TARBALL) -C $(KVM_SRC).tmp --strip-components=1 \
			$(KVM_FILES:%=linux-source-6.1/%) && \
		rm -rf $(KVM_SRC) && mv $(KVM_SRC).tmp $(KVM_SRC) && touch $@

$(KB)/pgtable-%.o: $(KVM_STAMP)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(VCC) $(KVM_CFLAGS) -DPAGE_SHIFT=$(KVM_SHIFT_$*) $(DEPFLAGS) -c -o $@ \
		$(KVM_SRC)/arch/arm64/kvm/hyp/pgtable.c

$(KB)/kvm_side-%.o: bench/kvm/kvm_side.c $(KVM_STAMP)
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(VCC) $(KVM_CFLAGS) -Ihosted -Ibench/kvm -DPAGE_SHIFT=$(KVM_SHIFT_$*) \
		-DKVM_SIDE=kvm_side_$* $(DEPFLAGS) -c -o $@ $<

# One granule's KVM in one object; only kvm_side_<granule> stays global.
$(KB)/kvm-%.o: $(KB)/pgtable-%.o $(KB)/kvm_side-%.o
	$(call msg,LD -r,$@)
	$(Q)ld -r -o $@ $^ && objcopy --localize-hidden $@

$(KB)/%.o: bench/kvm/%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(VCC) $(PROG_CFLAGS) -Ibench -Ibench/kvm $(DEPFLAGS) -c -o $@ $<

# The hosted home, and the reference translator for the trees' digests.
$(BENCH_KVM_BIN): $(BENCH_KVM_OBJS) $(KVM_OBJS) $(B)/test/ref_xlat.o $(HOSTED_OBJS) $(LIBPGTABLE)
	$(call msg,LD,$@)
	$(Q)$(VCC) $(PROG_LDFLAGS) -o $@ $(BENCH_KVM_OBJS) $(KVM_OBJS) $(B)/test/ref_xlat.o \
		$(HOSTED_LINK) $(BENCH_LDLIBS)

bench-kvm-bin: $(BENCH_KVM_BIN)
.SECONDARY: $(KVM_PARTS)

-include $(wildcard $(KB)/*.d)

bench-kvm: $(BENCH_KVM_BIN)
	$(if $(filter asan tsan,$(VARIANT)),$(error make bench-kvm: VARIANT=$(VARIANT) is instrumented; use gcc or clang))
	$(Q)echo "---- $(BENCH_KVM_BIN) -> $(BENCH_KVM_JSON)"; \
	$(BENCH_KVM_BIN) --json=$(BENCH_KVM_JSON) $(BENCH_KVM_ARGS) > /dev/null
	$(Q)if command -v valgrind > /dev/null; then \
		rm -rf $(BENCH_KVM_CG_DIR) && mkdir -p $(BENCH_KVM_CG_DIR) && \
		for k in per-call:"$(BENCH_KVM_CG_PER_CALL)" bulk:"$(BENCH_KVM_CG_BULK)"; do \
			echo "---- valgrind --tool=callgrind $(BENCH_KVM_BIN) --kind=$${k%%:*} $${k#*:}"; \
			valgrind -q --tool=callgrind --collect-atstart=no \
				--callgrind-out-file=$(BENCH_KVM_CG_DIR)/callgrind.out.$${k%%:*} \
				$(BENCH_KVM_BIN) --kind=$${k%%:*} $${k#*:} > /dev/null || exit 1; \
		done; \
	else echo "bench-kvm: no valgrind: no instruction counts" >&2; fi
	$(Q)python3 scripts/perf-tables.py --kvm $(BENCH_KVM_JSON) $(BENCH_KVM_CG_DIR)

endif

KVM_SHIFT_4k := 12
KVM_SHIFT_16k := 14
KVM_SHIFT_64k := 16

# make check: once, tiny, after check-gcc built the libraries (one make per
# build directory at a time).  Not timed; the run still fails on a leak, a
# warning from either side, or trees that translate differently.
BENCH_KVM_SMOKE := $(BUILD)/gcc/results/bench/bench-kvm

bench-kvm-smoke: check-gcc
	@bash scripts/install-deps.sh bench
	+$(Q)$(MAKE) VARIANT=gcc bench-kvm-bin
	@mkdir -p $(dir $(BENCH_KVM_SMOKE))
	$(Q)r=$(BENCH_KVM_SMOKE); rc=0; printf '  %-8s %s\n' RUN "bench-kvm --quick"; \
	timeout -k 10 $(TEST_TIMEOUT) $(BUILD)/gcc/bench/kvm/bench-kvm --quick --json=$$r.json \
		> $$r.log 2>&1 || rc=$$?; \
	if [ $$rc -eq 0 ]; then python3 -m json.tool $$r.json > /dev/null 2>> $$r.log || rc=65; fi; \
	echo $$rc > $$r.rc; \
	if [ $$rc -ne 0 ]; then cat $$r.log; echo "**** FAIL: gcc bench-kvm --quick exited $$rc"; fi

check-all: bench-kvm-smoke
CHECK_ITEMS += gcc/bench/bench-kvm
