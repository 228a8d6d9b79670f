# SPDX-License-Identifier: GPL-2.0-only
#
# test/coverage.mk - line and branch coverage of lib/ from the host tests.
#
#   make coverage           build VARIANT=coverage (gcc --coverage -O0), run every
#                           cmocka test, then report lib/ only:
#                             build/coverage/coverage.txt   per file, lines
#                             build/coverage/branches.txt   per file, branches
#                             build/coverage/html/index.html
#                           and print the summary.  Not part of make check; CI
#                           gates on no percentage (Documentation/testing.rst).

COVERAGE_DIR := $(BUILD)/coverage
GCOVR_ARGS := --root $(CURDIR) --filter '$(CURDIR)/lib/' --object-directory $(COVERAGE_DIR)/lib

.PHONY: coverage coverage-report

coverage:
	@bash scripts/install-deps.sh coverage
	$(Q)find $(COVERAGE_DIR) -name '*.gcda' -delete 2>/dev/null || true
	+$(Q)$(MAKE) VARIANT=coverage all
	+$(Q)$(MAKE) VARIANT=coverage run-tests
	+$(Q)$(MAKE) coverage-report

# The test results count only as inputs: a failing test still leaves its
# counters, and the summary of `make VARIANT=coverage test` gives the verdict.
coverage-report:
	@mkdir -p $(COVERAGE_DIR)/html
	$(Q)gcovr $(GCOVR_ARGS) --txt $(COVERAGE_DIR)/coverage.txt
	$(Q)gcovr $(GCOVR_ARGS) --branches --txt $(COVERAGE_DIR)/branches.txt
	$(Q)gcovr $(GCOVR_ARGS) --branches --html-details $(COVERAGE_DIR)/html/index.html \
		--html-title 'libpgtable lib/ coverage'
	$(Q)gcovr $(GCOVR_ARGS) --branches --print-summary -o /dev/null
	@echo "coverage: $(COVERAGE_DIR)/coverage.txt, branches.txt, html/index.html"
