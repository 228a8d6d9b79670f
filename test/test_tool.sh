#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test_tool.sh - tests of tools/pgtable (make tool-test; make check).
#
#   bash test/test_tool.sh BUILD_DIR       e.g. build/gcc
#
# Uses BUILD_DIR/pgtable, BUILD_DIR/test/tool/dump_check and gen_script.
#
#   golden     test/tool/cases/NAME.pgt is replayed; stdout must equal
#              NAME.out, stderr NAME.err (empty if there is none).  A line
#              "# args: ..." in the script adds command-line options, and
#              "# exit: N" sets the expected exit status (default 0).
#   examples   examples/NAME.pgt replayed with --strict; stdout must equal
#              test/tool/examples/NAME.out.
#   parse      each line "SCRIPT LINE|MESSAGE" of test/tool/parse_errors.txt
#              (printf %b escapes allowed) is replayed after a stage2 line:
#              exit status 2, stderr "line 2: MESSAGE", nothing after it run.
#   cli        --help, bad options, --strict, files and stdin.
#   dumps      every output above goes through dump_check: the reference
#              translator, reading only the dump, must agree with each
#              translate line that follows it.
#   json       every "dump --json" line goes through json_check.py: it must
#              parse, and agree with the raw dump before it (entries, and
#              ranges as "show" merges them); mutants prove it can fail.
#   random     TOOL_RANDOM_RUNS (default 30) scripts from gen_script, seeds
#              1, 2, ...; PGT_TEST_SEED=N runs seed N alone.  Each must
#              replay with exit status 0 and pass dump_check.
#
# UPDATE=1 rewrites the .out/.err golden files from what the tool prints
# (read the diff before committing it).  The last lines are cmocka-style
# totals, which the Makefile's summary counts.

set -u
B=${1:?usage: test_tool.sh BUILD_DIR}
TOOL=$B/pgtable
CHECK=$B/test/tool/dump_check
GEN=$B/test/tool/gen_script
DIR=test/tool
TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_tool.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok    $*"; }
bad() { fail=$((fail + 1)); echo "FAIL  $*"; }

# check NAME CONDITION-STATUS [DETAIL FILE]
check() {
	if [ "$2" -eq 0 ]; then ok "$1"; else bad "$1"; [ -z "${3:-}" ] || sed 's/^/      /' "$3"; fi
}

# same NAME EXPECTED-FILE ACTUAL-FILE: compare (or update the golden file).
same() {
	if [ "${UPDATE:-0}" = 1 ]; then
		if [ -s "$3" ] || [ -e "$2" ]; then cp "$3" "$2"; fi
		ok "$1 (updated $2)"
		return
	fi
	if [ -e "$2" ]; then
		diff -u "$2" "$3" > "$TMP/diff"
	else
		diff -u /dev/null "$3" > "$TMP/diff"
	fi
	check "$1" $? "$TMP/diff"
}

dumps_agree() {
	"$CHECK" "$2" > "$TMP/check" 2>&1
	check "$1: dump_check" $? "$TMP/check"
	if grep -q '^{' "$2"; then
		python3 "$DIR/json_check.py" "$2" > "$TMP/json" 2>&1
		check "$1: json_check" $? "$TMP/json"
	fi
}

# ---------------------------------------------------------------- golden
golden() {
	local pgt=$1 name args want rc
	name=$(basename "$pgt" .pgt)
	args=$(sed -n 's/^# args: *//p' "$pgt")
	want=$(sed -n 's/^# exit: *//p' "$pgt")
	# shellcheck disable=SC2086
	"$TOOL" replay $args "$pgt" > "$TMP/$name.out" 2> "$TMP/$name.err"
	rc=$?
	[ "$rc" -eq "${want:-0}" ]
	check "golden $name: exit status $rc, expected ${want:-0}" $?
	same "golden $name: stdout" "$DIR/cases/$name.out" "$TMP/$name.out"
	same "golden $name: stderr" "$DIR/cases/$name.err" "$TMP/$name.err"
	dumps_agree "golden $name" "$TMP/$name.out"
}

for pgt in "$DIR"/cases/*.pgt; do
	golden "$pgt"
done

# ---------------------------------------------------------------- examples
for pgt in examples/*.pgt; do
	name=$(basename "$pgt" .pgt)
	"$TOOL" replay --strict "$pgt" > "$TMP/ex-$name.out" 2> "$TMP/ex-$name.err"
	check "example $name: replays with --strict" $? "$TMP/ex-$name.err"
	same "example $name: stdout" "$DIR/examples/$name.out" "$TMP/ex-$name.out"
	dumps_agree "example $name" "$TMP/ex-$name.out"
done

# ---------------------------------------------------------------- dump_check
# The checker must catch a dump or a translate line that is wrong: each
# mutant of the stage2_basic output has to fail it.
# catches CHECKER BASE NAME CMD...: CMD BASE must change BASE, and CHECKER
# (dump_check or json_check) must reject what it prints.
catches() {
	local checker=$1 base=$2 name=$3
	shift 3
	"$@" "$base" > "$TMP/mutant.out"
	if cmp -s "$base" "$TMP/mutant.out"; then
		bad "$checker catches $name: the mutation changed nothing"
	elif "run_$checker" "$TMP/mutant.out" > "$TMP/mutant.log" 2>&1; then
		bad "$checker catches $name"
	else
		ok "$checker catches $name"
	fi
}
run_dump_check() { "$CHECK" "$1"; }
run_json_check() { python3 "$DIR/json_check.py" "$1"; }
mutant() { catches dump_check "$TMP/stage2_basic.out" "$@"; }
json_mutant() { catches json_check "$TMP/show.out" "$@"; }

mutant "a wrong pa" sed '0,/^translate 0x40000000 pa=0x80000000 /s//translate 0x40000000 pa=0x80001000 /'
mutant "a wrong prot" sed '0,/ prot=rwd / s// prot=rw /'
mutant "a lost table entry" sed '/^pte 0x40000000 1 2 0x0000000040002003$/d'
mutant "a cleared access flag" \
	sed '0,/^pte 0x40000000 1 1 0x00400000800007fd$/s//pte 0x40000000 1 1 0x00400000800003fd/'
mutant "a line twice" awk '{ print } /^pte 0x40002000 2 0 / && !n++ { print }'
mutant "pages out of order" awk '!d && /^pte 0x40002000 / { a = a $0 "\n"; next }
	!d && /^pte 0x40003000 / { b = b $0 "\n"; next }
	!d && /^end$/ { printf "%s%s", b, a; d = 1 } { print }'
mutant "an entry at the wrong level" sed '0,/^pte 0x40003000 3 0 /s//pte 0x40003000 2 0 /'
mutant "a dump without end" sed '0,/^end$/{/^end$/d}'

# json_check must catch a JSON dump that disagrees with the raw one.
json_mutant "a range with a wrong pa" sed '0,/"pa":"0x100402000"/s//"pa":"0x100403000"/'
json_mutant "a lost entry" sed '0,/,{"ia":"0x80407000","level":3,"kind":"page","pte":"[0-9a-fx]*"}/s///'
json_mutant "two ranges that should be one" \
	sed '0,/"young":false/s//"young":true/'
json_mutant "a range at the wrong level" sed '0,/"level":1,"entries":1,"kind":"block"/s//"level":2,"entries":1,"kind":"block"/'
json_mutant "a lost range" sed '0,/,{"start":"0x80602000","end":"0x80603000"[^}]*}/s///'
json_mutant "broken JSON" sed '0,/"ranges":\[/s//"ranges":[[/'

# ---------------------------------------------------------------- parse errors
parse_case() {
	local line=$1 msg=$2 rc
	{ printf 'stage2 ia=32\n'; printf '%b\n' "$line"; printf 'stats\n'; } |
		"$TOOL" replay - > "$TMP/p.out" 2> "$TMP/p.err"
	rc=$?
	printf 'stage2 ia=32 granule=4k pa=48 ok\n' > "$TMP/p.want"
	printf 'line 2: %s\n' "$msg" > "$TMP/p.wanterr"
	if [ $rc -eq 2 ] && cmp -s "$TMP/p.out" "$TMP/p.want" &&
	   cmp -s "$TMP/p.err" "$TMP/p.wanterr"; then
		ok "parse error: $line"
	else
		bad "parse error: $line (exit $rc)"
		sed 's/^/      stdout: /' "$TMP/p.out"
		sed 's/^/      stderr: /' "$TMP/p.err"
		echo "      wanted: line 2: $msg"
	fi
}

while IFS= read -r entry; do
	case $entry in ''|'#'*) continue ;; esac
	parse_case "${entry%%|*}" "${entry#*|}"
done < "$DIR/parse_errors.txt"

# ---------------------------------------------------------------- cli
# expect NAME STATUS PATTERN-IN-OUTPUT -- COMMAND...: exit status and output.
expect() {
	local name=$1 want=$2 pattern=$3 rc
	shift 4
	"$@" > "$TMP/c.out" 2>&1 < "${STDIN:-/dev/null}"
	rc=$?
	if [ $rc -eq "$want" ] && grep -q -e "$pattern" "$TMP/c.out"; then
		ok "cli: $name"
	else
		bad "cli: $name (exit $rc, expected $want; output should match '$pattern')"
		sed 's/^/      /' "$TMP/c.out"
	fi
}

printf 'stage2 ia=32\nmap 0x1000 0x1000 0x1000 rw\n' > "$TMP/clean.pgt"
printf 'stage2 ia=32\nmap 0x1001 0x1000 0x1000 rw\nstats\n' > "$TMP/operr.pgt"
printf 'stage2 ia=32\nmap 0x1001 0x1000 0x1000 rw\nmap 1 2\n' > "$TMP/both.pgt"

expect "--help" 0 '^usage: pgtable replay' -- "$TOOL" --help
expect "--help lists commands" 0 '^  translate <addr>$' -- "$TOOL" --help
expect "--help lists show" 0 '^  show$' -- "$TOOL" --help
expect "--version" 0 '^pgtable [0-9]*\.[0-9]*\.[0-9]* (libpgtable [0-9]*\.[0-9]*\.[0-9]*)$' -- \
	"$TOOL" --version
expect "replay --help" 0 '^usage: pgtable replay' -- "$TOOL" replay --help
expect "no command" 2 '^pgtable: no command' -- "$TOOL"
expect "unknown command" 2 '^pgtable: unknown command: frob' -- "$TOOL" frob
expect "unknown option" 2 "^try 'pgtable --help'" -- "$TOOL" replay --frob "$TMP/clean.pgt"
expect "--mem not MiB" 2 'multiple of 1M' -- "$TOOL" replay --mem 3K "$TMP/clean.pgt"
expect "--mem 0" 2 'multiple of 1M' -- "$TOOL" replay --mem 0 "$TMP/clean.pgt"
expect "--phys-base unaligned" 2 '1M-aligned' -- "$TOOL" replay --phys-base 0x1234 "$TMP/clean.pgt"
expect "missing file" 2 'No such file' -- "$TOOL" replay "$TMP/none.pgt"
expect "two files" 2 'more than one script' -- "$TOOL" replay "$TMP/clean.pgt" "$TMP/clean.pgt"
expect "operation error: exit 0" 0 'error EINVAL' -- "$TOOL" replay "$TMP/operr.pgt"
expect "operation error, --strict: exit 1" 1 'error EINVAL' -- "$TOOL" replay --strict "$TMP/operr.pgt"
expect "operation error runs on" 1 '^stats ' -- "$TOOL" replay --strict "$TMP/operr.pgt"
expect "clean, --strict: exit 0" 0 'ok$' -- "$TOOL" replay --strict "$TMP/clean.pgt"
expect "parse error beats --strict" 2 '^line 3: map: expected' -- "$TOOL" replay --strict "$TMP/both.pgt"
expect "--phys-base moves the tables" 0 'root=0x80000000 ' -- \
	"$TOOL" replay --phys-base 2G --mem 1M "$DIR/cases/stage2_basic.pgt"
STDIN=$TMP/clean.pgt expect "script from stdin" 0 '^map 0x1000 0x1000 0x1000 rw ok$' -- "$TOOL" replay
STDIN=$TMP/clean.pgt expect "script from -" 0 '^map 0x1000 0x1000 0x1000 rw ok$' -- "$TOOL" replay -

# ---------------------------------------------------------------- random
runs=${TOOL_RANDOM_RUNS:-30}
first=1
if [ -n "${PGT_TEST_SEED:-}" ]; then
	first=$PGT_TEST_SEED
	runs=1
fi
echo "random: seeds $first to $((first + runs - 1)) (PGT_TEST_SEED=N replays seed N)"
for ((seed = first; seed < first + runs; seed++)); do
	"$GEN" "$seed" > "$TMP/r.pgt"
	"$TOOL" replay "$TMP/r.pgt" > "$TMP/r.out" 2> "$TMP/r.err"
	rc=$?
	"$CHECK" --min 1 "$TMP/r.out" > "$TMP/r.check" 2>&1
	crc=$?
	if [ $rc -eq 0 ] && [ $crc -eq 0 ]; then
		ok "random seed $seed: $(tail -n 1 "$TMP/r.check" | sed 's/.*: //')"
	else
		bad "random seed $seed: replay exit $rc, dump_check exit $crc"
		sed 's/^/      /' "$TMP/r.err" "$TMP/r.check" | head -n 40
		echo "      reproduce: $GEN $seed | $TOOL replay - | $CHECK"
	fi
done

# ---------------------------------------------------------------- totals
echo "[==========] $((pass + fail)) test(s) run."
echo "[  PASSED  ] $pass test(s)."
[ $fail -eq 0 ] || echo "[  FAILED  ] $fail test(s), listed above."
[ $fail -eq 0 ]
