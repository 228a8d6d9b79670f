# SPDX-License-Identifier: GPL-2.0-only
#
# bench/bench.mk - make check runs every benchmark once with a tiny size
# (--quick), to prove it still runs, finds nothing leaked and writes valid
# JSON.  No timing is asserted: `make bench` measures.
#
# Each run leaves build/gcc/results/bench/<name>.{log,rc,json} like every
# other check item; the summary gives the verdict.

BENCH_SMOKE_B := $(BUILD)/gcc
BENCH_SMOKE_BINS := $(BENCHES:%=$(BENCH_SMOKE_B)/bench/%)

.PHONY: bench-smoke

# After check-gcc built the binaries: no second make in build/gcc.
bench-smoke: check-gcc
	@mkdir -p $(BENCH_SMOKE_B)/results/bench
	$(Q)for b in $(BENCH_SMOKE_BINS); do \
		r=$(BENCH_SMOKE_B)/results/bench/$${b##*/}; rc=0; \
		printf '  %-8s %s\n' RUN "$$b --quick"; \
		timeout -k 10 $(TEST_TIMEOUT) $$b --quick --json=$$r.json > $$r.log 2>&1 || rc=$$?; \
		if [ $$rc -eq 0 ]; then \
			if command -v jq >/dev/null; then jq empty $$r.json >> $$r.log 2>&1 || rc=65; \
			elif command -v python3 >/dev/null; then \
				python3 -m json.tool $$r.json > /dev/null 2>> $$r.log || rc=65; \
			else echo "no jq or python3: JSON not checked" >> $$r.log; fi; \
			[ $$rc -eq 0 ] || echo "**** $$r.json is not valid JSON" >> $$r.log; \
		fi; \
		echo $$rc > $$r.rc; \
		if [ $$rc -ne 0 ]; then cat $$r.log; echo "**** FAIL: gcc $$b exited $$rc"; fi; \
	done

# A fragment cannot add to CHECK_EXTRA after check-all's prerequisites were
# read, so it names its check directly (as tools/tools.mk does).
check-all: bench-smoke
CHECK_ITEMS += $(BENCHES:%=gcc/bench/%)
-include bench/kvm/kvm.mk
