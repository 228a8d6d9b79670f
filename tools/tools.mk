# SPDX-License-Identifier: GPL-2.0-only
#
# tools/tools.mk - the tests and the fuzz target of tools/pgtable (the tool
# itself is built by the Makefile: tools/*.c -> build/<variant>/pgtable,
# linked with the hosted home, hosted/hosted.mk).
#
#   make tool-test          build the tool and test/tool/ helpers for VARIANT,
#                           run test/test_tool.sh, then a summary
#   make tool-layers        no two files of tools/ call each other, and no
#                           circle of calls (make check runs it)
#   make fuzz               libFuzzer target build/fuzz/fuzz_replay (clang)
#   make fuzz-run           run it for FUZZ_TIME seconds (default 20)
#   make check              also runs tool-check (gcc and asan) and fuzz-check
#
# test/tool/*.c: one helper program each (build/<variant>/test/tool/*),
# except fuzz_*.c, which only the fuzz build links.

# The raw dump is shared with the kernel module (kmod/dump_raw.c).
TOOL_OBJS += $(B)/test/dump_raw.o
$(B)/$(TOOL_NAME): $(B)/test/dump_raw.o

TOOL_TEST_SRCS := $(filter-out test/tool/fuzz_%.c,$(wildcard test/tool/*.c))
TOOL_TEST_OBJS := $(TOOL_TEST_SRCS:%.c=$(B)/%.o)
TOOL_TEST_BINS := $(TOOL_TEST_SRCS:test/tool/%.c=$(B)/test/tool/%)
TOOL_RESULT := $(B)/results/tool/replay
# Randomized scripts per run (test/test_tool.sh); ASan runs are slower.
TOOL_RANDOM_RUNS ?= $(if $(filter asan tsan,$(VARIANT)),10,30)

.PHONY: tool-test tool-run tool-check tool-layers fuzz fuzz-run fuzz-check

ifndef FREESTANDING

all: $(TOOL_TEST_BINS)

$(TOOL_TEST_OBJS): $(B)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(VCC) $(PROG_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(TOOL_TEST_BINS): $(B)/test/tool/%: $(B)/test/tool/%.o $(LIBHELPERS) $(LIBPGTABLE)
	$(call msg,LD,$@)
	$(Q)$(VCC) $(PROG_LDFLAGS) -o $@ $< $(LINK_LIBS) $(TOOL_LDLIBS)

-include $(TOOL_TEST_OBJS:.o=.d)

# Leaves results/tool/replay.{log,rc} like every other run; never fails
# itself, the summary gives the verdict.
tool-run: $(TOOL_BIN) $(TOOL_TEST_BINS)
	@mkdir -p $(dir $(TOOL_RESULT))
	$(call msg,RUN,test/test_tool.sh $(B))
	$(Q)rc=0; $(RUN_ENV) TOOL_RANDOM_RUNS=$(TOOL_RANDOM_RUNS) timeout -k 10 $(TEST_TIMEOUT) \
		$(RUN_PREFIX) bash test/test_tool.sh $(B) > $(TOOL_RESULT).log 2>&1 || rc=$$?; \
	echo $$rc > $(TOOL_RESULT).rc; \
	{ echo "---- $(VARIANT) test/test_tool.sh ----"; cat $(TOOL_RESULT).log; \
	  if [ $$rc -ne 0 ]; then echo "**** FAIL: $(VARIANT) test/test_tool.sh exited $$rc"; fi; }

tool-test: tool-run
	$(call summarize,$(VARIANT)/tool/replay,$(VARIANT) tool)

# One edge "A B" per file A that uses a symbol file B defines; tsort fails on
# a circle, and a pair calling each other is the smallest circle.
TOOL_LAYERS_RESULT := $(B)/results/tool/layers
tool-layers: $(TOOL_OBJS)
	@mkdir -p $(dir $(TOOL_LAYERS_RESULT))
	$(call msg,CHECK,tools/ calls in layers)
	$(Q)rc=0; bash test/tool/layers.sh $(filter $(B)/tools/%,$(TOOL_OBJS)) \
		> $(TOOL_LAYERS_RESULT).log 2>&1 || rc=$$?; \
	echo $$rc > $(TOOL_LAYERS_RESULT).rc; cat $(TOOL_LAYERS_RESULT).log

endif

# make check: after the gcc and asan builds are done (one make per build
# directory at a time), run the tool tests in each.
tool-check: check-gcc check-asan
	+$(Q)$(MAKE) VARIANT=gcc tool-run tool-layers
	+$(Q)$(MAKE) VARIANT=asan tool-run

# ---------------------------------------------------------------- fuzzing
# Everything the target runs is built with coverage instrumentation in its
# own directory: the library, the arena, the tool minus its main().
FUZZ_CC ?= $(CLANG)
FUZZ_B := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 $(WARN) -O1 -g $(FUZZ_SAN) -DPGT_PORT_WARN=pgt_host_warn -Iinclude -Ihosted
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_B)/%.o)
FUZZ_PROG_SRCS := $(wildcard hosted/*.c) test/dump_raw.c $(filter-out tools/pgtable.c,$(TOOL_SRCS)) \
	test/tool/fuzz_replay.c
FUZZ_PROG_OBJS := $(FUZZ_PROG_SRCS:%.c=$(FUZZ_B)/%.o)
FUZZ_BIN := $(FUZZ_B)/fuzz_replay
FUZZ_TIME ?= 20
FUZZ_RESULT := $(FUZZ_B)/results/tool/fuzz
FUZZ_SEEDS := $(wildcard examples/*.pgt test/tool/cases/*.pgt)

$(FUZZ_LIB_OBJS): $(FUZZ_B)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(FUZZ_PROG_OBJS): $(FUZZ_B)/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Itest -Itools $(DEPFLAGS) -c -o $@ $<

$(FUZZ_BIN): $(FUZZ_LIB_OBJS) $(FUZZ_PROG_OBJS)
	$(call msg,LD,$@)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(URCU_LIBS) -lpthread

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_PROG_OBJS:.o=.d)

fuzz: $(FUZZ_BIN)

# New inputs go to build/fuzz/corpus; the seeds are the example and test
# scripts.  A crash leaves crash-* in build/fuzz/ and fails the run.
fuzz-run: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_B)/corpus $(FUZZ_B)/seeds $(dir $(FUZZ_RESULT))
	$(Q)cp $(FUZZ_SEEDS) $(FUZZ_B)/seeds/
	$(call msg,FUZZ,$(FUZZ_BIN) for $(FUZZ_TIME)s)
	$(Q)rc=0; (cd $(FUZZ_B) && ASAN_OPTIONS=detect_leaks=1 timeout -k 10 $$(($(FUZZ_TIME) + 300)) \
		./fuzz_replay -max_total_time=$(FUZZ_TIME) -max_len=8192 -timeout=30 \
		-dict=$(CURDIR)/test/tool/fuzz.dict -print_final_stats=1 corpus seeds) \
		> $(FUZZ_RESULT).log 2>&1 || rc=$$?; \
	echo $$rc > $(FUZZ_RESULT).rc; \
	echo "---- fuzz $(FUZZ_BIN) ----"; \
	if [ $$rc -ne 0 ]; then cat $(FUZZ_RESULT).log; \
		echo "**** FAIL: fuzz_replay exited $$rc"; \
	else grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' $(FUZZ_RESULT).log; fi

fuzz-check: fuzz-run

# ---------------------------------------------------------------- make check
check-all: tool-check fuzz-check
CHECK_ITEMS += gcc/tool/replay gcc/tool/layers asan/tool/replay fuzz/tool/fuzz
