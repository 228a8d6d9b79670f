#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deb-check.sh - the Debian packages build, are lintian clean, install, and
# a program builds against them (make deb-check; make check).
#
#   bash hosted/deb-check.sh [--build-only] OUT_DIR        e.g. build/deb
#
# The tree is copied to OUT_DIR/src (the files git knows, or everything but
# build/), so dpkg-buildpackage leaves the worktree alone and the .debs land
# in OUT_DIR.  Then:
#   build      dpkg-buildpackage -us -uc -b: libpgtable0, libpgtable-dev,
#              pgtable-tools
#   lintian    no error or warning (overrides in debian/*.lintian-overrides
#              each say why)
#   install    dpkg -i the three packages (waiting while another process
#              holds dpkg's lock)
#   app        examples/app/ builds with the system's pkg-config against the
#              packages, dynamically and statically, and prints app.out;
#              pgtable runs and has its man page
#   remove     the packages are purged again: nothing of them is left
# Stops after lintian with --build-only.  Prints the time of each step and
# cmocka-style totals, which the Makefile's summary counts.

set -u
build_only=0
if [ "${1:-}" = --build-only ]; then
	build_only=1
	shift
fi
OUT=${1:?usage: deb-check.sh [--build-only] OUT_DIR}
PACKAGES=(libpgtable0 libpgtable-dev pgtable-tools)
pass=0
fail=0
AS_ROOT=()
[ "$(id -u)" -eq 0 ] || AS_ROOT=(sudo)

ok() { pass=$((pass + 1)); echo "ok    $*"; }
bad() { fail=$((fail + 1)); echo "FAIL  $*"; }
check() {
	if [ "$2" -eq 0 ]; then ok "$1"; else bad "$1"; [ -z "${3:-}" ] || tail -n 40 "$3" | sed 's/^/      /'; fi
}
now() { date +%s.%N; }
took() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f s", e - s }'; }
start=$(now)

# dpkg ARGS..., retried for up to 10 minutes while another dpkg holds the lock.
dpkg_wait() {
	local tries=0 rc

	while :; do
		DEBIAN_FRONTEND=noninteractive "${AS_ROOT[@]}" dpkg "$@" > "$OUT/dpkg.log" 2>&1
		rc=$?
		grep -q 'lock' "$OUT/dpkg.log" && [ $rc -ne 0 ] && [ $tries -lt 120 ] || break
		tries=$((tries + 1))
		sleep 5
	done
	cat "$OUT/dpkg.log"
	return $rc
}

totals() {
	echo "deb-check: $(took "$start")"
	echo "[==========] $((pass + fail)) test(s) run."
	echo "[  PASSED  ] $pass test(s)."
	[ $fail -eq 0 ] || echo "[  FAILED  ] $fail test(s), listed above."
	[ $fail -eq 0 ]
	exit
}

rm -rf "$OUT"
mkdir -p "$OUT/src"
OUT=$(cd "$OUT" && pwd)
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - 2> /dev/null
else
	tar -cf - --exclude=./build --exclude=./.git .
fi | tar -xf - -C "$OUT/src"

# ---------------------------------------------------------------- build
t=$(now)
(cd "$OUT/src" && nice dpkg-buildpackage -us -uc -b) > "$OUT/build.log" 2>&1
rc=$?
check "dpkg-buildpackage -us -uc -b ($(took "$t"))" $rc "$OUT/build.log"
for p in "${PACKAGES[@]}"; do
	ls "$OUT/${p}"_*.deb > /dev/null 2>&1
	check "built $p" $?
done
changes=$(ls "$OUT"/*.changes 2> /dev/null | head -n 1)

t=$(now)
lintian --fail-on error,warning --display-info --show-overrides "$changes" > "$OUT/lintian.log" 2>&1
rc=$?
check "lintian: no errors or warnings ($(took "$t"))" $rc "$OUT/lintian.log"
sed 's/^/      /' "$OUT/lintian.log"
[ $build_only -eq 0 ] || totals

# ---------------------------------------------------------------- install
debs=()
for p in "${PACKAGES[@]}"; do
	debs+=("$(ls "$OUT/${p}"_*.deb)")
done
t=$(now)
dpkg_wait -i "${debs[@]}" > "$OUT/install.log"
rc=$?
check "dpkg -i the three packages ($(took "$t"))" $rc "$OUT/install.log"
for p in "${PACKAGES[@]}"; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2> /dev/null)" = installed ]
	check "$p is installed" $?
done

# ---------------------------------------------------------------- app
cp -r examples/app "$OUT/app"
(cd "$OUT/app" && make --no-print-directory clean all) > "$OUT/app.log" 2>&1
check "examples/app builds against the packages (pkg-config, dynamic and static)" $? \
	"$OUT/app.log"
"$OUT/app/app" > "$OUT/app.out" 2>&1
cmp -s examples/app/app.out "$OUT/app.out"
check "app prints examples/app/app.out" $? "$OUT/app.out"
"$OUT/app/app-static" > "$OUT/app-static.out" 2>&1
cmp -s examples/app/app.out "$OUT/app-static.out"
check "app-static prints examples/app/app.out" $? "$OUT/app-static.out"
pgtable replay --strict examples/vm.pgt 2>&1 | cmp -s test/tool/examples/vm.out -
check "/usr/bin/pgtable replays examples/vm.pgt" $?
man -w pgtable > /dev/null 2>&1
check "man pgtable" $?

# ---------------------------------------------------------------- remove
t=$(now)
dpkg_wait --purge "${PACKAGES[@]}" > "$OUT/purge.log"
rc=$?
check "the packages are purged again ($(took "$t"))" $rc "$OUT/purge.log"
[ ! -e /usr/include/pgtable ] && ! ls /usr/lib/*/libpgtable* > /dev/null 2>&1
check "nothing of them is left" $?
totals
