#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# layers.sh - the files of tools/ call each other in layers, never in a
# circle (make tool-layers; issue 17).
#
#   bash test/tool/layers.sh OBJ...
#
# File A depends on file B when A's object leaves undefined a symbol B's
# object defines.  Prints the edges, then fails if two files depend on each
# other or, through others, on themselves (tsort finds the circle).
# Cmocka-style totals at the end, which the Makefile's summary counts.

set -u
TMP=$(mktemp -d "${TMPDIR:-/tmp}/layers.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

for o in "$@"; do
	n=$(basename "$o" .o)
	nm --defined-only -g "$o" | awk -v n="$n" 'NF == 3 { print $3, n }' >> "$TMP/defs"
	nm -u "$o" | awk -v n="$n" '{ print $NF, n }' >> "$TMP/uses"
done
sort -o "$TMP/defs" "$TMP/defs"
sort -o "$TMP/uses" "$TMP/uses"
# user definer, one line per pair of distinct files
join "$TMP/uses" "$TMP/defs" | awk '$2 != $3 { print $2, $3 }' | sort -u > "$TMP/edges"
sed 's/^/  depends: /' "$TMP/edges"

if [ ! -s "$TMP/edges" ]; then
	echo "FAIL  no dependencies found: were objects given?"
	fail=$((fail + 1))
fi
awk '{ print $2, $1 }' "$TMP/edges" | sort | comm -12 - "$TMP/edges" > "$TMP/mutual"
if [ -s "$TMP/mutual" ]; then
	echo "FAIL  files that call each other:"
	sed 's/^/      /' "$TMP/mutual"
	fail=$((fail + 1))
else
	echo "ok    no two files call each other"
	pass=$((pass + 1))
fi
if tsort "$TMP/edges" > "$TMP/order" 2> "$TMP/loop"; then
	echo "ok    no circle of calls; lowest layer first: $(tac "$TMP/order" | tr '\n' ' ')"
	pass=$((pass + 1))
else
	echo "FAIL  a circle of calls:"
	sed 's/^/      /' "$TMP/loop"
	fail=$((fail + 1))
fi

echo "[==========] $((pass + fail)) test(s) run."
echo "[  PASSED  ] $pass test(s)."
[ $fail -eq 0 ] || echo "[  FAILED  ] $fail test(s), listed above."
[ $fail -eq 0 ]
