# SPDX-License-Identifier: GPL-2.0-only
#
# test/test.mk - test-suite extras (included by the top-level Makefile).
#
#   make mutants            plant each bug of scripts/mutants.txt in a copy of
#                           the tree, run the quick gcc tests on it, print each
#                           verdict and the mutation score (not part of make check;
#                           Documentation/testing.rst)
#
# MUTANTS_ARGS: options for scripts/mutants.sh (e.g. "--only 3,7" or "--list").

# The home's misuse rule and the deterministic races also run under TSan.
TSAN_TESTS += $(filter $(TESTS),test_home_misuse test_races)

.PHONY: mutants

mutants:
	$(Q)nice bash scripts/mutants.sh $(MUTANTS_ARGS)
