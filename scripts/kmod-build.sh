#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build pgtable.ko against one of Debian's kernels and insist on a clean log.
#
#   scripts/kmod-build.sh arm64    cross, against the unpacked arm64 headers
#   scripts/kmod-build.sh x86_64   against the host's linux-headers-<ver>-amd64
#
# Needs scripts/kmod-deps.sh to have run.  Each build happens in its own
# shadow of the source tree (directories, with symlinks to the files) under
# $KMOD_OUT/src-<arch>, because Kbuild writes objects next to the sources and
# the two architectures must not share them; the work tree stays clean.
# KMOD_OVERLAY is a development aid (below).
# Fails on any warning or error in the log (compiler, modpost), and when a
# function include/pgtable.h declares is not exported by the module.
# Leaves $KMOD_OUT/<arch>/pgtable.ko and $KMOD_OUT/<arch>/build.log.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:?usage: kmod-build.sh arm64|x86_64}
OUT=${KMOD_OUT:-build/kmod}
ver=$(cat "$OUT/ver" 2>/dev/null) || { echo "kmod-build: run scripts/kmod-deps.sh first" >&2; exit 1; }
top=$PWD

case $arch in
arm64)
	kdir=$top/$OUT/arm64/$ver/usr/src/linux-headers-$ver-arm64
	args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	;;
x86_64)
	kdir=/usr/src/linux-headers-$ver-amd64
	if [ ! -d "$kdir" ]; then
		kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)
	fi
	args=()
	;;
*)
	echo "kmod-build: unknown architecture '$arch' (arm64 or x86_64)" >&2
	exit 1
	;;
esac
[ -n "$kdir" ] && [ -e "$kdir/Makefile" ] || { echo "kmod-build: no kernel headers for $arch ($kdir)" >&2; exit 1; }

# ---- the shadow tree: refresh the links (sources come and go), keep objects
src=$top/$OUT/src-$arch
mkdir -p "$src"
find "$src" -type l -delete
# Files an overlay put there last time go too, and with them every object:
# the sources they stood for may well be older than the objects.
if [ -e "$src/.overlay" ] || [ -n "${KMOD_OVERLAY:-}" ]; then
	[ ! -e "$src/.overlay" ] || (cd "$src" && xargs -r rm -f < .overlay)
	rm -f "$src/.overlay"
	find "$src" -name '*.o' -delete
fi
for item in Kbuild include lib kmod test tools hosted; do
	cp -rs "$top/$item" "$src/"
done
# KMOD_OVERLAY=<dir>: its files (same relative paths) replace the sources in
# the shadow tree, to try a change to lib/ or include/ without touching them.
if [ -n "${KMOD_OVERLAY:-}" ]; then
	(cd "$KMOD_OVERLAY" && find . -type f) | while read -r f; do
		rm -f "$src/$f"
		mkdir -p "$(dirname "$src/$f")"
		cp "$KMOD_OVERLAY/$f" "$src/$f"
		echo "$f" >> "$src/.overlay"
		echo "kmod-build: $arch: overlay $f"
	done
fi

# ---- build
dest=$top/$OUT/$arch
mkdir -p "$dest"
log=$dest/build.log
start=$(date +%s)
set +e
# A make above us (make check -j2) must not lend its jobserver to this one.
unset MAKEFLAGS MFLAGS MAKELEVEL
# -Werror: a warning leaves no object behind, so it comes back on every build.
make -C "$kdir" M="$src" "${args[@]}" W=1 KCFLAGS=-Werror -j"$(nproc)" modules > "$log" 2>&1
rc=$?
set -e
took=$(( $(date +%s) - start ))
if [ $rc -ne 0 ]; then
	if grep -qE 'error|warning' "$log"; then
		grep -E -A4 'error|warning' "$log" | head -n 80
	else
		tail -n 40 "$log"
	fi
	echo "kmod-build: $arch: make failed ($rc; full log: $log)" >&2
	exit 1
fi
if grep -nE '(^|[^a-z_])(warning|error)[:[]|^WARNING' "$log"; then
	echo "kmod-build: $arch: the build log has warnings (full log: $log)" >&2
	exit 1
fi
cp "$src/pgtable.ko" "$dest/pgtable.ko"

# ---- every function of the public API is exported (kmod/exports.c)
declared=$(grep -hE '^[a-z][a-z0-9_ ]*[ *]pgt_[a-z0-9_]+\(' include/pgtable.h include/pgtable_vm.h |
	   grep -v '^static' |
	   sed -E 's/^[^(]*[ *](pgt_[a-z0-9_]+)\(.*/\1/' | sort -u)
exported=$(awk '$3 ~ /pgtable$/ && $4 == "EXPORT_SYMBOL_GPL" { print $2 }' "$src/Module.symvers" | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
if [ -n "$missing" ]; then
	echo "kmod-build: $arch: declared in include/pgtable*.h but not exported (add to kmod/exports.c):" >&2
	echo "$missing" | sed 's/^/    /' >&2
	exit 1
fi

echo "kmod-build: $arch: $OUT/$arch/pgtable.ko against $(basename "$kdir"), W=1, no warnings," \
     "$(echo "$exported" | wc -l) GPL exports (${took}s)"
