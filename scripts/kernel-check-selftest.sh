#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Prove that make patches-check can fail (make patches-check-selftest, run by
# make patches-check-full; Documentation/kernel-series.rst).
#
# Each case copies the generated series, plants one defect of a kind the
# check exists to catch, runs kernel-check.sh series on the copy (x86_64-m
# only: the judges are the same for every configuration) and passes when
# the check fails at the step named for the defect, and only then:
#   apply       a context line of the MAINTAINERS hunk no longer matches
#   build       an #include of a header the tree does not have
#   checkpatch  a 110-column comment (a LONG_LINE warning nobody excepted)
#   kernel-doc  a struct member documented under a name it does not have
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES=${PATCHES_OUT:-build/patches}
WORK=build/kcheck-selftest
failed=0

die() { echo "kernel-check-selftest: error: $*" >&2; exit 1; }
[ -e "$SERIES/.series" ] || die "no series in $SERIES: make patches first"

# plant <patch glob> <file in the patch> <line regex> <sed expression>:
# rewrite the first added or context line matching <line regex> in the part
# of <patch> that changes <file>, keeping the hunk's line counts.
plant() {
	local patch file=$2 match=$3 expr=$4 out
	patch=$(ls "$WORK/case"/$1)
	out=$(awk -v file="$file" -v match_re="$match" -v expr="$expr" '
		/^\+\+\+ b\// { inside = (substr($0, 7) == file) }
		inside && !done && $0 ~ match_re { print NR; done = 1 }' "$patch")
	[ -n "$out" ] || die "no line /$match/ for $file in $(basename "$patch")"
	sed -i "${out}${expr}" "$patch"
}

# run_case <name> <label>: the check must fail, with a FAIL line for <label>.
run_case() {
	local name=$1 label=$2 log=$WORK/$1.log
	if PATCHES_OUT=$WORK/case KCHECK_CONFIGS=x86_64-m \
		bash scripts/kernel-check.sh series > "$log" 2>&1; then
		echo "FAIL $name: the check passed a series with the defect planted"
		failed=$((failed + 1))
	elif grep -q "^kernel-check: FAIL $label" "$WORK/case/check.log"; then
		echo "ok   $name: the check failed at \"$label\""
	else
		echo "FAIL $name: the check failed, but not at \"$label\" (log $log)"
		failed=$((failed + 1))
	fi
}

fresh_copy() {
	rm -rf "$WORK/case"
	mkdir -p "$WORK"
	cp -a "$SERIES" "$WORK/case"
	rm -rf "$WORK/case/logs" "$WORK/case/check.log"
}

fresh_copy
plant '0001-*.patch' MAINTAINERS '^ ' 's/^ /  planted /'
run_case apply 'git am 0001-'

fresh_copy
plant '0002-*.patch' lib/libpgtable/mm.c '^\+#include <linux/' \
	's/^+#include <linux\/[^>]*>/+#include <linux\/no-such-header.h>/'
run_case build 'x86_64-m: W=1 build of .* at patch 2'

fresh_copy
plant '0002-*.patch' lib/libpgtable/mm.c '^\+ \* ' \
	"s/\$/ $(printf 'x%.0s' $(seq 1 100))/"
run_case checkpatch 'checkpatch --strict 0002-'

fresh_copy
plant '0001-*.patch' include/linux/libpgtable/pgtable.h '^\+ \* @[a-z_]+:' \
	's/^+ \* @\([a-z_]*\):/+ * @\1_planted:/'
run_case kernel-doc 'kernel-doc -none'

rm -rf "$WORK/case"
[ "$failed" -eq 0 ] || die "$failed planted defects went unnoticed"
echo "kernel-check-selftest: every planted defect failed the check"
