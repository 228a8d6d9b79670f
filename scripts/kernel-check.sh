#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Check the series scripts/patches.sh wrote (make patches-check and
# make patches-check-full; Documentation/kernel-series.rst).
#
#   kernel-check.sh series     git am every patch onto the pristine base, in a
#                              work tree of the base repository; on each patch
#                              checkpatch.pl --strict (0 errors, 0 warnings but
#                              those kernel/checkpatch-exceptions names) and a
#                              W=1 -Werror build of the directories it touches
#                              for every configuration in $KCHECK_CONFIGS;
#                              after the last, kernel-doc -none -Wall (-v on
#                              6.1) on the public headers.
#   kernel-check.sh kunit ARCH the KUnit suite through tools/testing/kunit/
#                              kunit.py run, on um (UML) or arm64 (QEMU, 4
#                              CPUs; in the series' arm64-y build directory)
#   kernel-check.sh full ARCH  the whole kernel (vmlinux and modules), once per
#                              option setting, after the last patch
#
# Configurations are tinyconfig plus CONFIG_MODULES and the series' options
# (on arm64 also what the KUnit kernel needs to boot under QEMU), the library
# as a module (m) or built in (y): KCHECK_CONFIGS lists <arch>-<m|y>
# (default: x86_64-m x86_64-y arm64-m arm64-y).  Build directories live
# under $KCACHE/build/<arch>-<m|y> (default KCACHE /var/cache/libpgtable),
# kept between runs while the base, the options and the compiler stay the
# same, so that only what changed is rebuilt; one lock serialises runs on
# one machine.  Builds run under nice
# with -j$KCHECK_JOBS (default 2).  Each step's result and time go to
# $PATCHES_OUT/check.log (default build/patches) and to the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

OUT=${PATCHES_OUT:-build/patches}
cache=${KCACHE:-/var/cache/libpgtable}
jobs=${KCHECK_JOBS:-2}
configs=${KCHECK_CONFIGS:-x86_64-m x86_64-y arm64-m arm64-y}
report=$top/$OUT/check.log

die() { echo "kernel-check: error: $*" >&2; exit 1; }
# The kernel's Python scripts want Debian's python3 (python3-ply, python3-git).
export PATH=/usr/bin:$PATH
# Under make check -j the outer make's jobserver reaches us through
# MAKEFLAGS; our own -j then makes make print "warning: -jN forced in
# submake", which the warning check would take for the compiler's.
unset MAKEFLAGS MFLAGS MAKELEVEL
failed=0
say() { echo "kernel-check: $*" | tee -a "$report"; }
[ -e "$OUT/.series" ] || die "no series in $OUT: make patches first"
read -r repo base head < "$OUT/.series"

mkdir -p "$cache/build"
exec 9> "$cache/.check.lock"
flock 9

# One work tree of the base repository for all checks: switching patches
# rewrites only the files that differ, so build directories stay current.
wt=$cache/check
if ! git -C "$wt" rev-parse --git-dir > /dev/null 2>&1; then
	rm -rf "$wt"
	git -C "$repo" worktree prune
	git -C "$repo" worktree add -q --detach "$wt" "$base"
fi
g() { git -C "$wt" -c user.name=kernel-check -c user.email=kernel-check@localhost "$@"; }

cross_of() { [ "$1" = arm64 ] && echo aarch64-linux-gnu- || echo; }

kmake() {
	local arch=$1
	shift
	nice -n 10 make -C "$wt" ARCH="$arch" CROSS_COMPILE="$(cross_of "$arch")" -j"$jobs" "$@"
}

# Time a step: step <label> <command...>; its output goes to <log>.
step() {
	local label=$1 log=$2 start rc=0
	shift 2
	start=$(date +%s)
	"$@" > "$log" 2>&1 || rc=$?
	if [ $rc -ne 0 ]; then
		say "FAIL $label ($(($(date +%s) - start)) s), log $log:"
		tail -n 40 "$log" >&2
		failed=$((failed + 1))
		return 0
	fi
	say "ok   $label ($(($(date +%s) - start)) s)"
}

# ---- configurations
# What the KUnit suite's kernel needs to boot under QEMU and print: the
# console kunit.py's qemu_configs/<arch>.py names, and printk and a tty,
# which tinyconfig leaves out.
qemu_kconfig() {
	python3 - "$wt/tools/testing/kunit/qemu_configs/$1.py" <<-'EOF'
	import re, sys
	m = re.search(r"kconfig='''(.*?)'''", open(sys.argv[1]).read(), re.S)
	print('\n'.join(l.strip() for l in m.group(1).strip().split('\n')))
	EOF
}

# The option values every configuration of <arch> shares: tinyconfig plus
# these.  arm64's is also the kernel the KUnit suite boots (kunit arm64
# builds in arm64-y), so the one arm64 build serves both.
fragment() {
	local arch=$1
	printf 'CONFIG_MODULES=y\nCONFIG_KUNIT=y\nCONFIG_LIBPGTABLE_KUNIT_TEST=y\n'
	if [ "$arch" = arm64 ]; then
		printf 'CONFIG_PRINTK=y\nCONFIG_TTY=y\nCONFIG_ARM_AMBA=y\n'
		qemu_kconfig "$arch"
	fi
}

# A build directory is kept while this key is the same: the base, the
# shared option values and the compiler.  Another key starts it afresh.
config_key() {
	local arch=$1
	{
		echo "$base"
		fragment "$arch"
		"$(cross_of "$arch")gcc" --version | head -n 1
	} | sha1sum | cut -c1-16
}

# What the options of a directory depend on besides: every Kconfig file of
# the work tree as it is now.
kconfig_state() {
	g ls-tree -r HEAD | grep -E '(^|/)Kconfig[^/]*$' | sha1sum | cut -c1-16
}

# configured <arch>-<m|y>: the directory is configured for this key and
# these Kconfig files already.
configured() {
	[ "$(cat "$cache/build/$1/.kcheck-state" 2> /dev/null)" = \
		"$(config_key "${1%-*}") $(kconfig_state)" ]
}

# configure <arch>-<m|y>: tinyconfig plus the fragment and
# CONFIG_LIBPGTABLE=<m|y>, then make prepare.  A directory of the same key
# is configured again in place (kbuild redoes only what the options
# changed); a new one starts as a copy of its sibling of the other setting
# when that has the key, since make prepare from nothing takes minutes and
# the copy, reconfigured, seconds.  The .config each set of Kconfig files
# gave is kept: with it, the next run at that patch only puts it back (the
# build's own make then brings the rest up to date).
configure() {
	local arch=${1%-*} mode=${1#*-} dir=$cache/build/$1 key sibling state saved
	key=$(config_key "$arch")
	state=$(kconfig_state)
	if [ "$(cat "$dir/.kcheck-key" 2> /dev/null)" != "$key" ]; then
		rm -rf "$dir"
		for sibling in "$cache/build/$arch-m" "$cache/build/$arch-y"; do
			[ "$sibling" != "$dir" ] || continue
			[ "$(cat "$sibling/.kcheck-key" 2> /dev/null)" = "$key" ] || continue
			echo "copying $sibling"
			cp -a "$sibling" "$dir"
			rm -rf "$dir/.kcheck-key" "$dir/.kcheck-state" "$dir/.kcheck-configs"
			break
		done
		mkdir -p "$dir"
	fi
	saved=$dir/.kcheck-configs/$state.config
	if [ -e "$saved" ]; then
		echo "the .config of Kconfig files $state"
		cp "$saved" "$dir/.config"
		echo "$key $state" > "$dir/.kcheck-state"
		return 0
	fi
	{ fragment "$arch"; echo "CONFIG_LIBPGTABLE=$mode"; } > "$dir/fragment.config"
	kmake "$arch" O="$dir" KCONFIG_ALLCONFIG="$dir/fragment.config" tinyconfig
	# The options must have come out as asked, the series' own once the
	# patch that adds them is in.
	local want name
	while read -r want; do
		name=${want%%=*}
		name=${name#CONFIG_}
		case $name in
		LIBPGTABLE*) grep -qx "config $name" "$wt/lib/libpgtable/Kconfig" 2> /dev/null || continue ;;
		esac
		grep -qx "$want" "$dir/.config" || { echo "$want did not come out"; return 1; }
	done < "$dir/fragment.config"
	kmake "$arch" O="$dir" prepare
	mkdir -p "$dir/.kcheck-configs"
	cp "$dir/.config" "$saved"
	echo "$key" > "$dir/.kcheck-key"
	echo "$key $state" > "$dir/.kcheck-state"
}

# Directories whose C sources a commit touches, as kbuild targets (a
# Makefile or Kconfig line that hooks them in is exercised by building them;
# the base tree itself is not W=1-clean, so its directories are not built).
touched_dirs() {
	g diff --name-only "$1^" "$1" -- '*.c' '*.h' |
		sed 's|/[^/]*$||' | sort -u | while read -r d; do
			# Subdirectories without a Makefile build with their parent's.
			while [ ! -e "$wt/$d/Makefile" ] && [ "$d" != "${d%/*}" ]; do d=${d%/*}; done
			[ -e "$wt/$d/Makefile" ] && echo "$d/"
		done | sort -u
}

# dirs_of_arch <arch> <dirs>: those an <arch> build can make.  Another
# architecture's directories are not, and nor is an architecture's top
# (arch/<arch>/, what a header under arch/<arch>/include/ comes to): its
# headers are built by the directories that include them, and KVM's
# (patch 5) by the KVM kernel of make kvm-check, which has the options.
dirs_of_arch() {
	local arch=${1/#x86_64/x86} d
	shift
	for d; do
		case $d in
		"arch/$arch/") ;;
		"arch/$arch/"*) echo "$d" ;;
		arch/*) ;;
		*) echo "$d" ;;
		esac
	done
}

build_dirs() {
	local arch=${1%-*} dir=$cache/build/$1 log
	shift
	log=$(mktemp)
	kmake "$arch" O="$dir" W=1 KCFLAGS=-Werror "$@" 2>&1 | tee "$log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || { rm -f "$log"; return 1; }
	if grep -E 'warning:|error:' "$log"; then
		rm -f "$log"
		echo "warnings in the build"
		return 1
	fi
	rm -f "$log"
}

# ---- checkpatch: only what kernel/checkpatch-exceptions names
# checkpatch.pl reads only the patch, so all of them run at once, two at a
# time, before the first git am; checkpatch_judge then reads the output of
# each.  <raw> is checkpatch's output for <patch>.
checkpatch_all() {
	local logs=$1
	shift
	# shellcheck disable=SC2016
	printf '%s\n' "$@" | (cd "$wt" && xargs -P "$jobs" -I{} sh -c \
		'./scripts/checkpatch.pl --strict --show-types "$1" > "$2/checkpatch-$(basename "$1" .patch).raw" 2>&1; true' \
		sh {} "$logs")
}

# checkpatch_judge <patch> <raw>: each ERROR or WARNING must match a line
# "<patch name> <TYPE> <file> <reason>" of kernel/checkpatch-exceptions
# (<file> "-" for one that names no file; the name is the patch's in
# $OUT/.keys).  Prints the totals; the exceptions used go to $used.
checkpatch_judge() {
	local patch=$1 raw=$2 n key totals bad
	n=$(basename "$patch" | sed 's/^0*\([0-9]*\)-.*/\1/')
	key=$(awk -v n="$n" '$1 == n { print $2 }' "$OUT/.keys")
	[ -n "$key" ] || { echo "patch $n has no name in $OUT/.keys"; return 1; }
	cat "$raw"
	totals=$(sed -n 's/^total: //p' "$raw")
	[ -n "$totals" ] || { echo "checkpatch printed no totals"; return 1; }
	# A helper that crashes (spdxcheck.py without python3-ply) leaves its
	# check undone while checkpatch still prints totals.
	if grep -q '^Traceback' "$raw"; then
		echo "a checkpatch helper crashed: its check did not run"
		return 1
	fi
	# (kind type file) of every report.
	bad=$(awk '
		/^(ERROR|WARNING):[A-Z_]+:/ { if (t) print t, "-"; split($0, a, ":"); t = a[1] " " a[2]; next }
		t && /^#[0-9]+: FILE: / { f = $3; sub(/:.*/, "", f); print t, f; t = ""; next }
		t && /^$/ { print t, "-"; t = "" }
		END { if (t) print t, "-" }' "$raw" |
	while read -r kind type file; do
		if awk -v k="$key" -v t="$type" -v f="$file" \
			'$1 == k && $2 == t && $3 == f { found = 1 } END { exit !found }' \
			kernel/checkpatch-exceptions; then
			echo "$key $type $file" >> "$used"
		else
			echo "$kind:$type in $file"
		fi
	done | sort | uniq -c)
	echo "patch $n ($key): $totals"
	say "     checkpatch $(basename "$patch"): $totals"
	[ -z "$bad" ] || { echo "not excepted (kernel/checkpatch-exceptions):"; echo "$bad"; return 1; }
}

# git am and format-patch must agree: what the patches make of the base is
# the tree scripts/patches.sh committed.
same_tree() {
	[ "$(g rev-parse "HEAD^{tree}")" = "$(git -C "$repo" rev-parse "$head^{tree}")" ]
}

# Every exception must still be needed: one no patch uses is a reason in the
# cover letter for nothing.
checkpatch_unused() {
	local stale
	stale=$(grep -v '^#' kernel/checkpatch-exceptions | cut -d' ' -f1-3 | sort -u |
		comm -23 - <(sort -u "$used"))
	[ -z "$stale" ] || { echo "no patch needs these any more:"; echo "$stale"; return 1; }
}

series() {
	local patches p c n logs=$top/$OUT/logs
	patches=$(ls "$top/$OUT"/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-')
	mkdir -p "$logs"
	rm -f "$logs"/*
	# A run whose patch did not apply leaves git am's state behind.
	g am --abort > /dev/null 2>&1 || true
	g checkout -q -f --detach "$base"
	g clean -q -fdx
	say "series: $(echo "$patches" | wc -l) patches onto $base ($repo)"
	# shellcheck disable=SC2086
	checkpatch_all "$logs" $patches
	used=$logs/checkpatch-used
	: > "$used"
	n=0
	for p in $patches; do
		n=$((n + 1))
		before=$failed
		step "git am $(basename "$p")" "$logs/am-$n.log" g am -q --keep-cr "$p"
		[ "$failed" -eq "$before" ] || die "$(basename "$p") does not apply"
		c=$(g rev-parse HEAD)
		step "checkpatch --strict $(basename "$p")" "$logs/checkpatch-$n.log" \
			checkpatch_judge "$p" "$logs/checkpatch-$(basename "$p" .patch).raw"
		dirs=$(touched_dirs "$c")
		[ -n "$dirs" ] || continue
		# Configure again only where the options may have changed.
		for cfg in $configs; do
			# shellcheck disable=SC2086
			cfg_dirs=$(dirs_of_arch "${cfg%-*}" $dirs)
			[ -n "$cfg_dirs" ] || continue
			configured "$cfg" ||
				step "$cfg: configure at patch $n" "$logs/config-$cfg-$n.log" configure "$cfg"
			# shellcheck disable=SC2086
			step "$cfg: W=1 build of $(echo $cfg_dirs) at patch $n" "$logs/build-$cfg-$n.log" \
				build_dirs "$cfg" $cfg_dirs
		done
	done
	step "the applied series is the generated one" "$logs/same-tree.log" same_tree
	step "every kernel/checkpatch-exceptions line still needed" "$logs/checkpatch-unused.log" \
		checkpatch_unused
	step "kernel-doc -none $(kerneldoc_flags) on include/linux/libpgtable/*.h" \
		"$logs/kernel-doc.log" kerneldoc
}

# -Wall where kernel-doc has it (6.2 on); 6.1's gives the same warnings
# (return values, contents before sections) with -v, among lines of "info".
kerneldoc_flags() {
	if grep -q -- '-Wall' "$wt/scripts/kernel-doc"; then echo -Wall; else echo -v; fi
}

kerneldoc() {
	local out
	# shellcheck disable=SC2046
	out=$(cd "$wt" && ./scripts/kernel-doc -none $(kerneldoc_flags) include/linux/libpgtable/*.h 2>&1 |
		grep -v ': info: ' || true)
	[ -z "$out" ] || { echo "$out"; return 1; }
}

apply_all() {
	if [ "$(g rev-parse HEAD^{tree} 2>/dev/null)" != "$(git -C "$repo" rev-parse "$head^{tree}")" ]; then
		g checkout -q -f --detach "$base"
		g clean -q -fdx
		local p
		for p in $(ls "$top/$OUT"/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-'); do
			g am -q --keep-cr "$p"
		done
	fi
}

kunit() {
	local arch=$1 dir=$cache/kunit-$1 log=$top/$OUT/logs/kunit-$1.log args=() start
	mkdir -p "$top/$OUT/logs"
	apply_all
	case $arch in
	um) ;;
	arm64)
		args=(--arch=arm64 --cross_compile=aarch64-linux-gnu- --qemu_args='-smp 4')
		# The series' arm64-y build directory is configured for this
		# (fragment()); kunit.py keeps a .config that has everything its
		# kunitconfig and qemu_configs/arm64.py ask for if its record of
		# them, .kunitconfig there, says they are what it used.
		dir=$cache/build/arm64-y
		configured arm64-y || configure arm64-y > "$log.config" 2>&1 ||
			{ say "FAIL kunit arm64: configure arm64-y, log $log.config"; return 1; }
		{ cat "$wt/lib/libpgtable/.kunitconfig"; qemu_kconfig arm64; } > "$dir/.kunitconfig"
		;;
	*) die "kunit: um or arm64" ;;
	esac
	start=$(date +%s)
	rc=0
	(cd "$wt" && nice -n 10 ./tools/testing/kunit/kunit.py run --kunitconfig=lib/libpgtable \
		--build_dir="$dir" --jobs="$jobs" --timeout=900 "${args[@]}") > "$log" 2>&1 || rc=$?
	grep -E '^\[[0-9:]+\] (Testing complete|=+ (PASSED|FAILED|SKIPPED)|.*(passed|failed|crashed):)' \
		"$log" | tail -n 20 || true
	summary=$(sed -n 's/^\[[0-9:]*\] Testing complete\. //p' "$log" | tail -n1)
	if [ $rc -ne 0 ] || [ -z "$summary" ]; then
		say "FAIL kunit $arch ($(($(date +%s) - start)) s): ${summary:-no summary}, log $log"
		tail -n 60 "$log" >&2
		return 1
	fi
	say "ok   kunit $arch ($(($(date +%s) - start)) s): $summary"
}

full() {
	local arch=$1 cfg
	mkdir -p "$top/$OUT/logs"
	apply_all
	for cfg in $configs; do
		[ "${cfg%-*}" = "$arch" ] || continue
		configured "$cfg" ||
			step "$cfg: configure" "$top/$OUT/logs/full-config-$cfg.log" configure "$cfg"
		step "$cfg: whole kernel (make all)" "$top/$OUT/logs/full-$cfg.log" \
			kmake "$arch" O="$cache/build/$cfg" all
	done
}

# The one line make check's summary prints (kernel/kernel.mk).
report() {
	local n cp kunit excepted=all kdoc=silent
	[ -e "$report" ] || die "no $report"
	n=$(grep -c '^kernel-check: ok   git am ' "$report" || true)
	grep -q '^kernel-check: FAIL checkpatch' "$report" && excepted="not all"
	grep -q '^kernel-check: ok   kernel-doc' "$report" || kdoc="not silent"
	cp=$(sed -n 's/.*checkpatch [^ ]*: \([0-9]*\) errors, \([0-9]*\) warnings, \([0-9]*\) checks.*/\1 \2 \3/p' "$report" |
		awk -v x="$excepted" '{e += $1; w += $2; c += $3}
			END {printf "%d errors, %d warnings (%s excepted), %d checks", e, w, x, c}')
	builds=$(grep -c '^kernel-check: ok   .*: W=1 build' "$report" || true)
	kunit=$(sed -n 's/^kernel-check: ok   kunit \([a-z0-9_]*\) ([0-9]* s): Ran \([0-9]*\) tests: \(.*\)/\1 \2 tests (\3)/p' "$report" |
		paste -sd ';' | sed 's/;/; /g')
	echo "patches: $n patches apply; checkpatch $cp; $builds W=1 builds; kernel-doc $kdoc; KUnit ${kunit:-not run}"
}

case ${1:-} in
report) report; exit 0 ;;
series) series ;;
kunit) kunit "${2:?kunit um|arm64}" ;;
full) full "${2:?full x86_64|arm64}" ;;
*) die "usage: kernel-check.sh series | kunit um|arm64 | full x86_64|arm64" ;;
esac
[ "$failed" -eq 0 ] || die "$failed checks failed (logs in $OUT/logs)"
