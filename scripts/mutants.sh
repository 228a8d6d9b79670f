#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mutants.sh - the mutation score of the quick test run (make mutants).
#
#   bash scripts/mutants.sh [--list] [--only N[,M...]] [--keep] [FILE]
#
# Plants each mutant of FILE (default scripts/mutants.txt; the format is
# described at its top) in a copy of the tree, one at a time, and runs the
# cmocka tests of the gcc variant on it (make VARIANT=gcc test, built in
# build/mutants of the copy).  A mutant is
#
#   killed     some test failed (the names of the failing tests are shown)
#   SURVIVED   every test passed
#   invalid    it does not build: the mutant itself is wrong, fix it
#
# and the score is killed / (killed + survived).  The tree is copied to a
# temporary directory first (the worktree and its builds are never touched);
# a baseline run of the unmutated copy must pass.  A snippet that is not in
# exactly one lib/ file, exactly once, stops the run: retarget the mutant.
#
#   --list      print the mutants and the file each one lands in, run nothing
#   --only L    run only the mutants numbered in L (1-based, comma-separated)
#   --keep      keep the temporary copy (its path is printed)
#
# MUTANT_TEST_TIMEOUT (default 60) bounds each test program in seconds (a
# mutant that makes a walk spin or a grace period never end is killed by
# it); MUTANT_JOBS (default 2) is make's -j.  The exit status is 0 only if
# no mutant survived and none was invalid.

set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
DEFS=scripts/mutants.txt
LIST=0
ONLY=
KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--list) LIST=1 ;;
	--only) ONLY=${2:?--only needs a list}; shift ;;
	--keep) KEEP=1 ;;
	-*) echo "mutants.sh: unknown option $1" >&2; exit 2 ;;
	*) DEFS=$1 ;;
	esac
	shift
done
TIMEOUT=${MUTANT_TEST_TIMEOUT:-60}
JOBS=${MUTANT_JOBS:-2}
BUILD=build/mutants

# mutant_tool CMD ARGS: parse, locate, apply and restore mutants (Python,
# so that snippets are matched byte for byte, tabs and all).
mutant_tool() {
	python3 - "$@" <<'PY'
import os, sys

def parse(path):
    muts, cur = [], None
    for n, line in enumerate(open(path).read().split('\n'), 1):
        if line.startswith('@@'):
            cur = {'desc': line[2:].strip(), 'old': [], 'new': [], 'line': n}
            muts.append(cur)
        elif cur is not None and line.startswith('-'):
            if cur['new']:
                sys.exit('%s:%d: "-" line after a "+" line' % (path, n))
            cur['old'].append(line[1:])
        elif cur is not None and line.startswith('+'):
            cur['new'].append(line[1:])
        elif line.strip() and not line.startswith('#'):
            sys.exit('%s:%d: not a mutant line: %r' % (path, n, line))
    for m in muts:
        if not m['old']:
            sys.exit('%s:%d: mutant without an original snippet' % (path, m['line']))
    return muts

def lib_files(tree):
    lib = os.path.join(tree, 'lib')
    return sorted(os.path.join('lib', f) for f in os.listdir(lib)
                  if f.endswith('.c') or f.endswith('.h'))

def locate(tree, m):
    old = '\n'.join(m['old']) + '\n'
    hits = []
    for f in lib_files(tree):
        n = open(os.path.join(tree, f)).read().count(old)
        if n:
            hits.append((f, n))
    if len(hits) != 1 or hits[0][1] != 1:
        where = ', '.join('%s (%d times)' % h for h in hits) or 'no lib/ file'
        sys.exit('mutant at line %d (%s): its snippet is in %s; it must be in '
                 'exactly one lib/ file, once' % (m['line'], m['desc'], where))
    return hits[0][0], old

cmd, defs, tree = sys.argv[1], sys.argv[2], sys.argv[3]
muts = parse(defs)
if cmd == 'count':
    print(len(muts))
elif cmd == 'list':
    hit = set()
    for i, m in enumerate(muts, 1):
        f = locate(tree, m)[0]
        hit.add(f)
        print('%d\t%s\t%s' % (i, f, m['desc']))
    missed = [f for f in lib_files(tree) if f not in hit]
    if missed:
        print('mutants: no mutant in %s' % ' '.join(missed), file=sys.stderr)
elif cmd == 'apply':
    m = muts[int(sys.argv[4]) - 1]
    f, old = locate(tree, m)
    path = os.path.join(tree, f)
    text = open(path).read()
    new = '\n'.join(m['new']) + '\n' if m['new'] else ''
    open(path + '.orig', 'w').write(text)
    open(path, 'w').write(text.replace(old, new, 1))
    print(f)
elif cmd == 'restore':
    path = os.path.join(tree, sys.argv[4])
    os.replace(path + '.orig', path)
    # Newer than the mutant's objects: make rebuilds them from the original.
    os.utime(path)
PY
}

NR=$(mutant_tool count "$DEFS" "$ROOT") || exit 2
if [ "$LIST" = 1 ]; then
	mutant_tool list "$DEFS" "$ROOT"
	exit $?
fi
# Every mutant must land before anything runs.
mutant_tool list "$DEFS" "$ROOT" > /dev/null || exit 2

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pgt-mutants.XXXXXX")
if [ "$KEEP" = 1 ]; then
	echo "mutants: the copy is $TMP"
else
	trap 'rm -rf "$TMP"' EXIT
fi
# The tree as it is now, committed or not, without build output.
git ls-files -co --exclude-standard -z | tar -c --null -T - -f - | tar -x -C "$TMP" -f - || exit 2
cd "$TMP" || exit 2

MAKE_ARGS=(VARIANT=gcc BUILD=$BUILD TEST_TIMEOUT=$TIMEOUT -j"$JOBS")
TEST_BINS=$(for t in test/test_*.c; do t=${t#test/}; echo "$BUILD/gcc/test/${t%.c}"; done)

# run_tests LOG: build the test programs, then run them; 0 pass, 1 fail, 2 no build.
run_tests() {
	# shellcheck disable=SC2086
	make "${MAKE_ARGS[@]}" $TEST_BINS > "$1" 2>&1 || return 2
	make "${MAKE_ARGS[@]}" test >> "$1" 2>&1 || return 1
	return 0
}

selected() {
	[ -z "$ONLY" ] && return 0
	case ",$ONLY," in *",$1,"*) return 0 ;; esac
	return 1
}

echo "mutants: baseline (the unmutated tree)"
run_tests "$TMP/baseline.log"
rc=$?
if [ $rc -ne 0 ]; then
	tail -40 "$TMP/baseline.log"
	echo "mutants: the baseline does not pass (status $rc): nothing to measure"
	exit 2
fi
grep -E '^gcc: ' "$TMP/baseline.log"

killed=0
survived=0
invalid=0
survivors=
start=$(date +%s)
for i in $(seq 1 "$NR"); do
	selected "$i" || continue
	desc=$(mutant_tool list "$DEFS" "$TMP" | awk -F'\t' -v i="$i" '$1 == i { print $3 }')
	file=$(mutant_tool apply "$DEFS" "$TMP" "$i") || exit 2
	t0=$(date +%s)
	run_tests "$TMP/mutant-$i.log"
	rc=$?
	mutant_tool restore "$DEFS" "$TMP" "$file" || exit 2
	took=$(($(date +%s) - t0))
	case $rc in
	0)
		survived=$((survived + 1))
		survivors="$survivors $i"
		verdict="SURVIVED"
		;;
	1)
		killed=$((killed + 1))
		by=$(sed -n 's/^  FAIL  gcc    test\/\([a-z0-9_]*\) .*/\1/p' "$TMP/mutant-$i.log" |
			tr '\n' ' ')
		verdict="killed by ${by:-the run}"
		;;
	*)
		invalid=$((invalid + 1))
		verdict="invalid: does not build"
		grep -m3 -E 'error' "$TMP/mutant-$i.log" | sed 's/^/        /'
		;;
	esac
	printf '%3d  %-14s %s\n     %s (%ss)\n' "$i" "$file" "$desc" "$verdict" "$took"
done

total=$((killed + survived))
echo "mutants: $killed killed, $survived survived, $invalid invalid, in $(($(date +%s) - start))s"
if [ $total -gt 0 ]; then
	echo "mutants: score $killed/$total = $((100 * killed / total))%${survivors:+ (survivors:$survivors)}"
fi
[ $survived -eq 0 ] && [ $invalid -eq 0 ]
