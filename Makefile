# SPDX-License-Identifier: GPL-2.0-only
#
# libpgtable build (GNU make).  Everything lands in build/<variant>/.
#
#   make                    library, tests, examples (and tools, bench) for VARIANT (gcc)
#   make VARIANT=clang      the same with another variant: gcc clang asan tsan
#   make test               build and run VARIANT's cmocka tests, then a summary
#   make run                install deps, build, replay examples/vm.pgt with
#                           build/$(VARIANT)/pgtable (Documentation/pgtable-tool.rst),
#                           then boot the EL2 hypervisor's 4K configuration in QEMU
#   make check              install deps; gcc + clang + asan tests, tsan tests,
#                           freestanding builds, examples; then a summary
#   make freestanding       lib/ built -ffreestanding -nostdinc with gcc (x86-64)
#                           and clang --target=aarch64-none-elf; no undefined symbols
#   make kmod               out-of-tree kernel module pgtable.ko (see Kbuild)
#   make clean
#
# V=1 echoes full commands.  New sources are picked up by wildcard:
#   lib/*.c                 the library (no libc: only "pgtable.h")
#   test/test_*.c           one cmocka binary each: build/<v>/test/test_*
#   test/*.c (other)        shared test helpers (host mm_ops, reference translator, ...)
#   examples/*.c            one binary each: build/<v>/examples/*
#   bench/*.c               one binary each: build/<v>/bench/*   (make bench runs them)
#   tools/*.c               all linked into one binary: build/<v>/pgtable
#   hosted/*.c              the installed hosted home; tools and examples link it
#
#   make install            PREFIX=/usr/local DESTDIR=...; make uninstall
#                           (hosted/hosted.mk, Documentation/install.rst)
# Extra libraries for one program: LDLIBS_<name> (e.g. LDLIBS_test_foo := -lm).

VARIANT ?= gcc
HOSTED_VARIANTS := gcc clang asan tsan
FREESTANDING_VARIANTS := freestanding-gcc freestanding-aarch64
BUILD := build
B := $(BUILD)/$(VARIANT)

# ---------------------------------------------------------------- toolchains
GCC ?= gcc
CLANG ?= clang
ASAN_CC ?= $(CLANG)
TSAN_CC ?= $(CLANG)
AR ?= ar
AARCH64_TARGET ?= aarch64-none-elf

SAN_ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_TSAN := -fsanitize=thread

ifeq ($(VARIANT),gcc)
  VCC := $(GCC)
  OPT := -O2 -g
else ifeq ($(VARIANT),clang)
  VCC := $(CLANG)
  OPT := -O2 -g
else ifeq ($(VARIANT),asan)
  VCC := $(ASAN_CC)
  OPT := -O1 -g
  SAN := $(SAN_ASAN)
else ifeq ($(VARIANT),tsan)
  VCC := $(TSAN_CC)
  OPT := -O1 -g
  SAN := $(SAN_TSAN)
  # Old TSan runtimes reject some ASLR layouts; run with randomisation off.
  RUN_PREFIX := setarch $(shell uname -m) -R
else ifeq ($(VARIANT),coverage)
  # make coverage (test/coverage.mk): gcc's line and branch counters,
  # updated atomically (the concurrency tests would tear them otherwise).
  VCC := $(GCC)
  OPT := -O0 -g
  SAN := --coverage -fprofile-update=atomic
else ifeq ($(VARIANT),freestanding-gcc)
  FREESTANDING := 1
  VCC := $(GCC)
  VLD := ld
  OPT := -O2 -g
  ARCH_CFLAGS := -fno-stack-protector
else ifeq ($(VARIANT),freestanding-aarch64)
  FREESTANDING := 1
  VCC := $(CLANG) --target=$(AARCH64_TARGET)
  VLD := ld.lld
  OPT := -O2 -g
  # EL2 code: no FP/SIMD registers, no libgcc atomics helpers.
  ARCH_CFLAGS := -mgeneral-regs-only -mno-outline-atomics -fno-stack-protector
else
  $(error unknown VARIANT '$(VARIANT)': one of $(HOSTED_VARIANTS) $(FREESTANDING_VARIANTS))
endif

# ---------------------------------------------------------------- flags
# CFLAGS, CPPFLAGS, LDFLAGS from the command line are appended.
WARN := -Wall -Wextra -Werror
BASE_CFLAGS := -std=gnu11 $(WARN) $(OPT) $(SAN) $(ARCH_CFLAGS)
DEPFLAGS = -MMD -MP
FREESTANDING_CFLAGS := -ffreestanding -nostdinc -fno-builtin -DPGT_HOME_BAREMETAL

ifdef FREESTANDING
  LIB_CFLAGS = $(BASE_CFLAGS) $(FREESTANDING_CFLAGS) -Iinclude $(CPPFLAGS) $(CFLAGS)
else
  # The hosted home (hosted/pgtable_hosted.c) defines pgt_host_warn.  lib/
  # sees include/ only: it may not reach test or hosted headers.
  # -fPIC: the same objects go into libpgtable.so (hosted/hosted.mk).
  LIB_CFLAGS = $(BASE_CFLAGS) -fPIC -DPGT_PORT_WARN=pgt_host_warn -Iinclude $(CPPFLAGS) $(CFLAGS)
endif
PROG_CFLAGS = $(BASE_CFLAGS) -Iinclude -Ihosted -Itest $(CPPFLAGS) $(CFLAGS)
PROG_LDFLAGS = $(SAN) -Wl,--as-needed $(LDFLAGS)

CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
# liburcu's memb flavour: the hosted home's RCU (hosted/hosted_rcu.c) calls
# it, and every hosted program links the home.
URCU_LIBS ?= -lurcu-memb -lurcu-common
TEST_LDLIBS = $(CMOCKA_LIBS) $(URCU_LIBS) -lpthread
EXAMPLE_LDLIBS = $(URCU_LIBS) -lpthread
BENCH_LDLIBS = $(URCU_LIBS) -lpthread
TOOL_LDLIBS = $(URCU_LIBS) -lpthread

# Per-test run time limit in seconds (a hung test must not eat CI's budget).
TEST_TIMEOUT ?= 900
RUN_ENV := CMOCKA_MESSAGE_OUTPUT=stdout \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	TSAN_OPTIONS=second_deadlock_stack=1

# ---------------------------------------------------------------- sources
LIB_SRCS := $(wildcard lib/*.c)
TEST_SRCS := $(wildcard test/test_*.c)
HELPER_SRCS := $(filter-out $(TEST_SRCS),$(wildcard test/*.c))
EXAMPLE_SRCS := $(wildcard examples/*.c)
BENCH_SRCS := $(wildcard bench/*.c)
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_NAME := pgtable

TESTS := $(TEST_SRCS:test/%.c=%)
EXAMPLES := $(EXAMPLE_SRCS:examples/%.c=%)
BENCHES := $(BENCH_SRCS:bench/%.c=%)
# Tests that also run under ThreadSanitizer in make check.
TSAN_TESTS ?= $(filter $(TESTS),$(patsubst test/%.c,%,$(wildcard test/test_*concurrent*.c)) test_host_mm)
# Variants whose examples make check runs.
EXAMPLE_VARIANTS ?= gcc
# Which tests `make test` / run-tests runs (make check narrows it for tsan).
RUN_TESTS ?= $(TESTS)

LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
HELPER_OBJS := $(HELPER_SRCS:%.c=$(B)/%.o)
TEST_OBJS := $(TEST_SRCS:%.c=$(B)/%.o)
EXAMPLE_OBJS := $(EXAMPLE_SRCS:%.c=$(B)/%.o)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(B)/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(B)/%.o)
PROG_OBJS := $(HELPER_OBJS) $(TEST_OBJS) $(EXAMPLE_OBJS) $(BENCH_OBJS) $(TOOL_OBJS)

LIBPGTABLE := $(B)/libpgtable.a
LIBHELPERS := $(B)/libpgthelpers.a
TEST_BINS := $(TESTS:%=$(B)/test/%)
EXAMPLE_BINS := $(EXAMPLES:%=$(B)/examples/%)
BENCH_BINS := $(BENCHES:%=$(B)/bench/%)
TOOL_BIN := $(if $(TOOL_SRCS),$(B)/$(TOOL_NAME))

TEST_LOGS := $(RUN_TESTS:%=$(B)/results/test/%.log)
EXAMPLE_LOGS := $(EXAMPLES:%=$(B)/results/examples/%.log)

# ---------------------------------------------------------------- output
ifeq ($(V),1)
  Q :=
  msg = @true
else
  Q := @
  msg = @printf '  %-8s %s\n' '$(1)' '$(2)'
endif
MAKEFLAGS += --no-print-directory -r --output-sync=target

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:
.PHONY: layers docs-check all lib test run-tests run-examples examples run run-now bench check check-all \
	check-includes freestanding fs-check kmod kmod-clean clean help install-deps FORCE \
	$(addprefix build-,$(HOSTED_VARIANTS)) $(addprefix test-,$(HOSTED_VARIANTS)) \
	$(addprefix check-,$(HOSTED_VARIANTS))

# ================================================================ variant build
ifdef FREESTANDING

all: fs-check

# Every lib/ object, linked into one relocatable object, must reference
# nothing it does not define itself (no memset/memcpy, no libgcc helpers).
$(B)/libpgtable.o: $(LIB_OBJS) $(B)/lib.list
	$(call msg,LD -r,$@)
	$(Q)$(VLD) -r -o $@ $(LIB_OBJS)

fs-check: $(B)/libpgtable.o
	$(Q)undef=$$(nm -u $< | awk '{print $$NF}'); \
	defined=$$(nm -g --defined-only $< | wc -l); \
	if [ -n "$$undef" ]; then \
		echo "$(VARIANT): FAIL: lib/ needs symbols it does not define:"; \
		for o in $(LIB_OBJS); do nm -u $$o | awk -v o=$$o '{print "    " o ": " $$NF}'; done \
			| grep -F -w -e "$$(echo $$undef | tr ' ' '\n')"; \
		exit 1; \
	fi; \
	line="$(VARIANT): $(words $(LIB_OBJS)) objects [$(VCC) $(FREESTANDING_CFLAGS) $(ARCH_CFLAGS)] -> $< ($(VLD) -r): $$defined global symbols, 0 undefined"; \
	echo "$$line"; echo "$$line" > $(B)/report.txt

else # hosted

all: lib $(TEST_BINS) $(EXAMPLE_BINS) $(BENCH_BINS) $(TOOL_BIN)
	@:
lib: $(LIBPGTABLE)
examples: $(EXAMPLE_BINS)

$(LIBHELPERS): $(HELPER_OBJS) $(B)/helpers.list
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $(HELPER_OBJS)

# Tests link the test layer (libpgthelpers.a: test/host_mm.c over the hosted
# home), the home and the library in a group: the library calls back into
# the home (pgt_host_warn).  HOSTED_OBJS: hosted/hosted.mk.
LINK_LIBS = -Wl,--start-group $(LIBHELPERS) $(HOSTED_OBJS) $(LIBPGTABLE) -Wl,--end-group

$(TEST_BINS): $(B)/test/%: $(B)/test/%.o $(LIBHELPERS) $(LIBPGTABLE)
	$(call msg,LD,$@)
	$(Q)$(VCC) $(PROG_LDFLAGS) -o $@ $< $(LINK_LIBS) $(LDLIBS_$*) $(TEST_LDLIBS)

# Examples, the benchmarks and the tool live in the hosted home a user
# gets: HOSTED_LINK (hosted/hosted.mk), not the test layer.
$(EXAMPLE_BINS): $(B)/examples/%: $(B)/examples/%.o $(LIBPGTABLE)
	$(call msg,LD,$@)
	$(Q)$(VCC) $(PROG_LDFLAGS) -o $@ $< $(HOSTED_LINK) $(LDLIBS_$*) $(EXAMPLE_LDLIBS)

$(BENCH_BINS): $(B)/bench/%: $(B)/bench/%.o $(LIBPGTABLE)
	$(call msg,LD,$@)
	$(Q)$(VCC) $(PROG_LDFLAGS) -o $@ $< $(HOSTED_LINK) $(LDLIBS_$*) $(BENCH_LDLIBS)

$(B)/$(TOOL_NAME): $(TOOL_OBJS) $(B)/tool.list $(LIBPGTABLE)
	$(call msg,LD,$@)
	$(Q)$(VCC) $(PROG_LDFLAGS) -o $@ $(TOOL_OBJS) $(HOSTED_LINK) $(LDLIBS_$(TOOL_NAME)) \
		$(TOOL_LDLIBS)

$(PROG_OBJS): $(B)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(VCC) $(PROG_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# Each run leaves <name>.log (its output) and <name>.rc (its exit status);
# a failure does not stop the other runs: the summary of `make test`
# or `make check` gives the verdict.
define run_prog
	@mkdir -p $(@D)
	$(call msg,RUN,$<)
	$(Q)rc=0; $(RUN_ENV) timeout -k 10 $(TEST_TIMEOUT) $(RUN_PREFIX) ./$< > $@ 2>&1 || rc=$$?; \
	echo $$rc > $(@:.log=.rc); \
	{ echo "---- $(VARIANT) $< ----"; cat $@; \
	  if [ $$rc -ne 0 ]; then echo "**** FAIL: $(VARIANT) $< exited $$rc"; fi; } 
endef

$(TEST_LOGS): $(B)/results/test/%.log: $(B)/test/% FORCE
	$(run_prog)

$(EXAMPLE_LOGS): $(B)/results/examples/%.log: $(B)/examples/% FORCE
	$(run_prog)

run-tests: $(TEST_LOGS)
run-examples: $(EXAMPLE_LOGS)

test: run-tests
	$(call summarize,$(RUN_TESTS:%=$(VARIANT)/test/%),$(VARIANT))

run-now: all
	./$(B)/$(TOOL_NAME) replay $(RUN_ARGS) examples/vm.pgt

# Timings want optimised, uninstrumented code: gcc (the default) or clang.
# Each benchmark writes bench/<name>.json; stage2 writes bench/results.json
# (Documentation/performance.rst).  BENCH_ARGS: e.g. --runs=51 --granule=4k.
bench: $(BENCH_BINS)
	$(if $(filter asan tsan,$(VARIANT)),$(error make bench: VARIANT=$(VARIANT) is instrumented; use gcc or clang))
	$(Q)for b in $(BENCH_BINS); do n=$${b##*/}; [ $$n = stage2 ] && n=results; \
		echo "---- $$b -> bench/$$n.json"; $$b --json=bench/$$n.json $(BENCH_ARGS) || exit 1; done

endif # FREESTANDING / hosted

$(LIBPGTABLE): $(LIB_OBJS) $(B)/lib.list
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJS)

# <set>.list holds the object list and changes only when the list does, so
# removing a source file also rebuilds what linked its object.
$(B)/lib.list: FORCE
	@mkdir -p $(@D); echo '$(LIB_OBJS)' | cmp -s - $@ || echo '$(LIB_OBJS)' > $@
$(B)/helpers.list: FORCE
	@mkdir -p $(@D); echo '$(HELPER_OBJS)' | cmp -s - $@ || echo '$(HELPER_OBJS)' > $@
$(B)/tool.list: FORCE
	@mkdir -p $(@D); echo '$(TOOL_OBJS)' | cmp -s - $@ || echo '$(TOOL_OBJS)' > $@

$(LIB_OBJS): $(B)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(VCC) $(LIB_CFLAGS) $(DEPFLAGS) -c -o $@ $<

-include $(LIB_OBJS:.o=.d) $(PROG_OBJS:.o=.d)

# ================================================================ summaries
# $(1): items variant/kind/name (results in build/<variant>/results/<kind>/<name>.*)
# $(2): label of the closing "label: N passed, N failed" line.
# Tests count their cmocka cases; an example, or a test that prints no
# cmocka totals, counts as one.  Exits non-zero if any item failed.
define summarize
	@pass=0; fail=0; bad=0; \
	for item in $(1); do \
		v=$${item%%/*}; rest=$${item#*/}; \
		log=$(BUILD)/$$v/results/$$rest.log; \
		rc=$$(cat $(BUILD)/$$v/results/$$rest.rc 2>/dev/null || echo missing); \
		p=$$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' $$log 2>/dev/null | awk '{s+=$$1} END {print s+0}'); \
		f=$$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' $$log 2>/dev/null | awk '{s+=$$1} END {print s+0}'); \
		if [ "$$rc" = 0 ]; then \
			[ $$p -gt 0 ] || p=1; st=PASS; \
		else \
			[ $$f -gt 0 ] || f=1; st=FAIL; bad=$$((bad + 1)); \
		fi; \
		pass=$$((pass + p)); fail=$$((fail + f)); \
		printf '  %-4s  %-6s %-40s %3d ok %3d failed  (exit %s)\n' $$st $$v $$rest $$p $$f "$$rc"; \
	done; \
	for r in $(3); do [ ! -f $$r ] || sed 's/^/  OK    /' $$r; done; \
	echo "$(2): $$pass passed, $$fail failed"; \
	[ $$bad -eq 0 ]
endef

# ================================================================ top level
# These recurse into one make per variant; the jobserver is shared, so
# `make -j2 check` builds the variants side by side.

$(addprefix build-,$(HOSTED_VARIANTS)): build-%:
	+$(Q)$(MAKE) VARIANT=$* all

$(addprefix test-,$(HOSTED_VARIANTS)): test-%:
	+$(Q)$(MAKE) VARIANT=$* test

run:
	@bash scripts/install-deps.sh
	+$(Q)$(MAKE) VARIANT=$(VARIANT) run-now
	+$(Q)$(MAKE) hypervisor-run

freestanding: check-includes
	+$(Q)$(MAKE) VARIANT=freestanding-gcc fs-check
	+$(Q)$(MAKE) VARIANT=freestanding-aarch64 fs-check

# lib/ and include/ may not include system headers, except in the
# __KERNEL__ branch of an #if (pgtable_port.h's kernel home).
check-includes:
	$(call msg,CHECK,no system headers in lib/ include/)
	$(Q)awk ' \
	  FNR == 1 { depth = 0 } \
	  /^[ \t]*#[ \t]*if/ { depth++; \
	    kern[depth] = ($$0 ~ /^[ \t]*#[ \t]*(ifdef[ \t]+__KERNEL__|if[ \t]+defined[ \t]*\(?[ \t]*__KERNEL__)/) } \
	  /^[ \t]*#[ \t]*el/ { kern[depth] = 0 } \
	  /^[ \t]*#[ \t]*endif/ { depth-- } \
	  /^[ \t]*#[ \t]*include[ \t]*</ { k = 0; for (i = 1; i <= depth; i++) k = k || kern[i]; \
	    if (!k) { print FILENAME ":" FNR ": system header outside __KERNEL__: " $$0; bad = 1 } } \
	  END { exit bad }' $(wildcard lib/*.c lib/*.h include/*.h)

# No two files of lib/ call each other, and each calls only what
# Documentation/design.rst's map of the code allows (read from the gcc objects).
layers:
	+$(Q)$(MAKE) VARIANT=gcc lib
	$(call msg,CHECK,lib/ layers against Documentation/design.rst)
	$(Q)python3 scripts/call-graph.py --self-test > /dev/null
	$(Q)python3 scripts/call-graph.py $(BUILD)/gcc lib --design Documentation/design.rst \
		> $(BUILD)/layers.txt || { cat $(BUILD)/layers.txt; exit 1; }

# Every page of Documentation/ renders without a docutils warning (a
# malformed table or title is a page a reader cannot read), and README's
# "What is here" names every file of lib/.
DOC_PAGES := $(wildcard Documentation/*.rst) $(wildcard README.rst)
docs-check:
	$(call msg,CHECK,$(words $(DOC_PAGES)) pages of Documentation/ with docutils)
	$(Q)for f in $(DOC_PAGES); do \
		rst2html --halt=warning --report=warning $$f > /dev/null || exit 1; \
	done
	$(Q)for f in $(notdir $(LIB_SRCS)); do \
		grep -q "$$f" README.md || { echo "README.md: $$f is not in What is here"; exit 1; }; \
	done

CHECK_ITEMS = $(foreach v,gcc clang,$(TESTS:%=$(v)/test/%)) \
	$(TESTS:%=asan/test/%) \
	$(TSAN_TESTS:%=tsan/test/%) \
	$(foreach v,$(EXAMPLE_VARIANTS),$(EXAMPLES:%=$(v)/examples/%))
FS_REPORTS = $(FREESTANDING_VARIANTS:%=$(BUILD)/%/report.txt)

check:
	@bash scripts/install-deps.sh
	$(Q)rm -rf $(BUILD)/*/results $(FS_REPORTS)
	+$(Q)$(MAKE) check-all

# One sub-make per build directory (two makes must never share one).
# Fragments included below add their own checks as further prerequisites
# ("check-all: kmod-check"): a variable would be expanded before they are read.
check-all: check-gcc check-clang check-asan check-tsan freestanding
	+$(Q)$(MAKE) layers docs-check
	@echo "==== make check summary"
	$(call summarize,$(CHECK_ITEMS),check,$(FS_REPORTS))

# gcc and clang build everything (both must compile -Werror); asan and
# tsan build only the programs they run.
$(addprefix check-,$(HOSTED_VARIANTS)): check-%:
	+$(Q)$(MAKE) VARIANT=$* \
		$(if $(filter gcc clang,$*),all) \
		$(if $(filter tsan,$*),RUN_TESTS="$(TSAN_TESTS)") \
		run-tests \
		$(if $(filter $*,$(EXAMPLE_VARIANTS)),run-examples)

install-deps:
	@bash scripts/install-deps.sh

# ---------------------------------------------------------------- kernel module
# Kbuild (top level) lists the objects; this is the usual out-of-tree call.
KDIR ?= /lib/modules/$(shell uname -r)/build
KBUILD_ARGS = -C $(KDIR) M=$(CURDIR) $(if $(ARCH),ARCH=$(ARCH)) \
	$(if $(CROSS_COMPILE),CROSS_COMPILE=$(CROSS_COMPILE)) $(if $(LLVM),LLVM=$(LLVM))

kmod:
	$(MAKE) $(KBUILD_ARGS) modules

kmod-clean:
	$(MAKE) $(KBUILD_ARGS) clean

# Building against Debian's kernels and booting one under QEMU lives here.
-include kmod/kmod.mk
# The tool's tests and fuzz target (tool-test, fuzz; make check runs both).
-include tools/tools.mk
# make check runs each benchmark once, tiny (bench-smoke).
-include bench/bench.mk
# Line and branch coverage of lib/ from the host tests (make coverage).
-include test/coverage.mk
# Extra TSan tests and the mutation score (make mutants).
-include test/test.mk
# The hosted home, install/uninstall, libpgtable.so, pkg-config, the man page, Debian packages.
-include hosted/hosted.mk
# The EL2 hypervisor booted under QEMU (hypervisor, hypervisor-check).
-include hypervisor/hypervisor.mk
# The in-kernel patch series (patches, patches-check; make check runs the latter).
-include kernel/kernel.mk
# The project's tiny static arm64 VMM (vmm, vmm-try; Documentation/vmm.rst).
-include kernel/vmm/vmm.mk
# KVM/arm64 on libpgtable under QEMU (kvm-check, kvm-check-quick; Documentation/kvm.rst).
-include kernel/kvm.mk

# ---------------------------------------------------------------- clean
clean:
	rm -rf $(BUILD)
	rm -f lib/*.o lib/.*.cmd kmod/*.o kmod/.*.cmd .*.cmd *.ko *.mod *.mod.c *.mod.o \
		*.o Module.symvers modules.order

help:
	@sed -n '3,25s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

FORCE:
