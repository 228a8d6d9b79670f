#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# install-check.sh - make install works for a program outside the tree
# (make install-check; make check).
#
#   bash hosted/install-check.sh BUILD_DIR       e.g. build/gcc
#
# Installs BUILD_DIR/dist into a scratch DESTDIR (PREFIX=/usr/local), then:
#   files      every file install-check expects is there, and nothing else
#   abi        libpgtable.so has its SONAME and exports exactly the functions
#              the installed headers declare (hosted/libpgtable.map)
#   app        examples/app/, copied out of the tree, builds with pkg-config
#              against the DESTDIR only, dynamically and statically; both run
#              and print examples/app/app.out; README's program is app.c
#   tool       the installed pgtable (linked to libpgtable.so) replays
#              examples/vm.pgt as the in-tree one does; its man page renders
#   uninstall  make uninstall leaves no file behind
# Cmocka-style totals at the end, which the Makefile's summary counts.

set -u
B=${1:?usage: install-check.sh BUILD_DIR}
WORK=$B/install-check
ROOT=$(pwd)/$WORK/root
PREFIX=/usr/local
LIB=$ROOT$PREFIX/lib
pass=0
fail=0
start=$(date +%s.%N)

ok() { pass=$((pass + 1)); echo "ok    $*"; }
bad() { fail=$((fail + 1)); echo "FAIL  $*"; }
# check NAME STATUS [DETAIL FILE]
check() {
	if [ "$2" -eq 0 ]; then ok "$1"; else bad "$1"; [ -z "${3:-}" ] || sed 's/^/      /' "$3"; fi
}

rm -rf "$WORK"
mkdir -p "$WORK"
MK=(make --no-print-directory -s VARIANT="${B##*/}" BUILD="${B%/*}" PREFIX=$PREFIX DESTDIR="$ROOT")

"${MK[@]}" install > "$WORK/install.log" 2>&1
check "make install DESTDIR=... PREFIX=$PREFIX" $? "$WORK/install.log"

# ---------------------------------------------------------------- files
(cd "$ROOT" && find . ! -type d | sort) > "$WORK/files"
{
	for h in include/*.h hosted/pgtable_hosted.h; do
		echo "./usr/local/include/pgtable/${h##*/}"
	done
	echo ./usr/local/bin/pgtable
	echo ./usr/local/lib/libpgtable.a
	echo ./usr/local/lib/libpgtable.so
	echo ./usr/local/lib/libpgtable.so.0
	echo "./usr/local/lib/$(basename "$(readlink -f "$B/dist/libpgtable.so")")"
	echo ./usr/local/lib/pkgconfig/libpgtable.pc
	echo ./usr/local/share/man/man1/pgtable.1
} | sort > "$WORK/files.want"
diff -u "$WORK/files.want" "$WORK/files" > "$WORK/files.diff"
check "installed files: headers, both libraries, pkg-config, tool, man page" $? "$WORK/files.diff"

# ---------------------------------------------------------------- abi
readelf -d "$LIB/libpgtable.so" | grep -q 'SONAME.*\[libpgtable\.so\.0\]'
check "libpgtable.so has SONAME libpgtable.so.0" $?
cat include/*.h hosted/pgtable_hosted.h | grep -v '^[[:space:]]*static' |
	grep -oE '^[a-z][a-zA-Z0-9_ *]*[ *](pgt_[a-z0-9_]+)\(' | grep -oE 'pgt_[a-z0-9_]+' |
	sort -u > "$WORK/api"
nm -D --defined-only "$LIB/libpgtable.so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' |
	sort -u > "$WORK/exported"
diff -u "$WORK/api" "$WORK/exported" > "$WORK/abi.diff"
check "libpgtable.so exports exactly the $(wc -l < "$WORK/api") functions the headers declare" \
	$? "$WORK/abi.diff"

# ---------------------------------------------------------------- app
cp -r examples/app "$WORK/app"
(
	cd "$WORK/app" || exit 1
	export PKG_CONFIG_SYSROOT_DIR=$ROOT PKG_CONFIG_LIBDIR=$LIB/pkgconfig
	echo "cflags: $(pkg-config --cflags libpgtable)"
	echo "libs: $(pkg-config --libs libpgtable)"
	echo "static libs: $(pkg-config --static --libs libpgtable)"
	make --no-print-directory clean all
) > "$WORK/app.log" 2>&1
check "examples/app builds out of tree with pkg-config (app, app-static)" $? "$WORK/app.log"
readelf -d "$WORK/app/app" 2>&1 | grep -q 'NEEDED.*\[libpgtable\.so\.0\]'
check "app is linked to libpgtable.so.0" $?
! readelf -d "$WORK/app/app-static" 2>&1 | grep -q 'NEEDED'
check "app-static needs no shared library" $?
LD_LIBRARY_PATH=$LIB "$WORK/app/app" > "$WORK/app.out" 2>&1
check "app runs" $? "$WORK/app.out"
diff -u examples/app/app.out "$WORK/app.out" > "$WORK/app.diff"
check "app prints examples/app/app.out" $? "$WORK/app.diff"
"$WORK/app/app-static" > "$WORK/app-static.out" 2>&1
check "app-static runs" $? "$WORK/app-static.out"
diff -u examples/app/app.out "$WORK/app-static.out" > "$WORK/app-static.diff"
check "app-static prints examples/app/app.out" $? "$WORK/app-static.diff"
awk '/^```c$/ && !done { on = 1; next } /^```$/ && on { on = 0; done = 1 } on' README.md \
	> "$WORK/readme.c"
tail -n +2 examples/app/app.c | diff -u - "$WORK/readme.c" > "$WORK/readme.diff"
check "README's quick-start program is examples/app/app.c" $? "$WORK/readme.diff"

# ---------------------------------------------------------------- tool
LD_LIBRARY_PATH=$LIB "$ROOT$PREFIX/bin/pgtable" replay --strict examples/vm.pgt \
	> "$WORK/vm.out" 2>&1
check "installed pgtable replays examples/vm.pgt" $? "$WORK/vm.out"
diff -u test/tool/examples/vm.out "$WORK/vm.out" > "$WORK/vm.diff"
check "installed pgtable prints what the in-tree one does" $? "$WORK/vm.diff"
LD_LIBRARY_PATH=$LIB "$ROOT$PREFIX/bin/pgtable" --version | grep -q "libpgtable $(
	sed -n 's/^Version: //p' "$LIB/pkgconfig/libpgtable.pc")"
check "pgtable --version agrees with libpgtable.pc" $?
if command -v man > /dev/null; then
	MANWIDTH=80 man -l "$ROOT$PREFIX/share/man/man1/pgtable.1" 2>&1 | grep -q '^SYNOPSIS'
else
	grep -q '^\.SH SYNOPSIS' "$ROOT$PREFIX/share/man/man1/pgtable.1"
fi
check "man page pgtable(1) has a SYNOPSIS" $?

# ---------------------------------------------------------------- uninstall
"${MK[@]}" uninstall > "$WORK/uninstall.log" 2>&1
check "make uninstall" $? "$WORK/uninstall.log"
(cd "$ROOT" && find . ! -type d) > "$WORK/left"
[ ! -s "$WORK/left" ]
check "make uninstall removes every file install put there" $? "$WORK/left"
[ ! -d "$ROOT$PREFIX/include/pgtable" ]
check "make uninstall removes include/pgtable/" $?

echo "install-check: $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"
echo "[==========] $((pass + fail)) test(s) run."
echo "[  PASSED  ] $pass test(s)."
[ $fail -eq 0 ] || echo "[  FAILED  ] $fail test(s), listed above."
[ $fail -eq 0 ]
