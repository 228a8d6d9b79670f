#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# KVM/arm64 on libpgtable, judged by KVM's own selftests and the project's
# VMM under QEMU (make kvm-check, make kvm-check-quick; Documentation/kvm.rst).
#
#   kvm-check.sh kernel FLAVOUR      build the kernel of kernel/kvm.config from
#                                    the series' head (patched) or its base
#                                    (unpatched); prints the Image's path
#   kvm-check.sh selftests           cross-build tools/testing/selftests/kvm
#                                    (static arm64) from the patched tree
#   kvm-check.sh run FLAVOUR SET MODE...
#                                    boot FLAVOUR's kernel once per MODE (vhe,
#                                    nvhe, protected) and run the tests of SET
#                                    (kernel/kvm-check/tests) and the VMM in it
#   kvm-check.sh compare SET MODE... the mode x test table of both kernels'
#                                    runs; fails where the verdicts differ
#   kvm-check.sh plant WHAT MODE     a run whose VMM plants a defect (WHAT:
#                                    pattern, dirty, mmio, move) must fail
#   kvm-check.sh quick | full        make kvm-check-quick's and make
#                                    kvm-check's runs (report-*.txt)
#   kvm-check.sh judge-selftest      the judge on made-up console logs
#
# KVM_TESTS names another tests file (default kernel/kvm-check/tests).
#
# The series must have been written (make patches: build/patches/.series).
# Source trees, build directories and the selftests live under
# $KCACHE/kvm (default /var/cache/libpgtable/kvm), kept while their key
# (kernel/kvm.config, the compiler) is the same, so that a change to lib/
# rebuilds only what it touches.  Builds run under nice with -j$KCHECK_JOBS
# (default 2).  Results go to $KVM_OUT (default build/kvm-check).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

OUT=${KVM_OUT:-build/kvm-check}
# The results' paths are $top/$OUT: an absolute KVM_OUT is made relative.
[[ $OUT != /* ]] || OUT=$(realpath -m --relative-to="$top" "$OUT")
SERIES=${PATCHES_OUT:-build/patches}/.series
cache=${KCACHE:-/var/cache/libpgtable}/kvm
jobs=${KCHECK_JOBS:-2}
QEMU=${QEMU:-qemu-system-aarch64}
CROSS=aarch64-linux-gnu-
CONFIG=$top/kernel/kvm.config
TESTS=${KVM_TESTS:-$top/kernel/kvm-check/tests}
COMPAT=$top/kernel/kvm-check/compat
KNOWN=$top/kernel/kvm-check/known
VMM_ARGS=${VMM_ARGS:-}

die() { echo "kvm-check: error: $*" >&2; exit 1; }
say() { echo "kvm-check: $*" >&2; }
# Our own -j must not meet the outer make's jobserver (see kernel-check.sh).
unset MAKEFLAGS MFLAGS MAKELEVEL
export PATH=/usr/bin:$PATH

series() {
	[ -e "$SERIES" ] || die "no series in ${SERIES%/*}: make patches first"
	read -r repo base head < "$SERIES"
}

# The commit a flavour builds.
commit_of() {
	case $1 in
	patched) echo "$head" ;;
	unpatched) echo "$base" ;;
	*) die "flavour $1: patched or unpatched" ;;
	esac
}

# A work tree per flavour, moved to its commit by checkout: files that do
# not differ keep their times, so the build after a change to lib/ is
# incremental.
source_tree() {
	local flavour=$1 commit src=$cache/src-$1
	commit=$(commit_of "$flavour")
	if ! git -C "$src" rev-parse --git-dir > /dev/null 2>&1; then
		rm -rf "$src"
		git -C "$repo" worktree prune
		git -C "$repo" worktree add -q --detach "$src" "$commit"
	elif [ "$(git -C "$src" rev-parse HEAD)" != "$commit" ]; then
		git -C "$src" checkout -q -f --detach "$commit"
		git -C "$src" clean -q -fdx
	fi
	echo "$src"
}

# What a build directory is kept for: the config and the compiler.
build_key() {
	{ cat "$CONFIG"; "${CROSS}gcc" --version | head -n 1; } | sha1sum | cut -c1-16
}

# Every Kconfig file of a tree: when they change, configure again in place.
kconfig_state() {
	git -C "$1" ls-tree -r HEAD | grep -E '(^|/)Kconfig[^/]*$' | sha1sum | cut -c1-16
}

kmake() {
	local src=$1
	shift
	nice -n 10 make -C "$src" ARCH=arm64 CROSS_COMPILE="$CROSS" -j"$jobs" "$@"
}

# tinyconfig plus kernel/kvm.config; every option in it must come out as
# written, or the kernel would test something other than it says.
configure() {
	local src=$1 dir=$2 want
	kmake "$src" O="$dir" KCONFIG_ALLCONFIG="$CONFIG" tinyconfig
	while read -r want; do
		case $want in CONFIG_*) ;; *) continue ;; esac
		grep -qx "$want" "$dir/.config" || die "$want did not come out of tinyconfig"
	done < "$CONFIG"
}

# kernel FLAVOUR: build (or bring up to date) the flavour's Image.
build_kernel() {
	local flavour=$1 src dir key state log start
	series
	mkdir -p "$cache" "$top/$OUT/logs"
	exec 8> "$cache/.kernel-$flavour.lock"
	flock 8
	src=$(source_tree "$flavour")
	dir=$cache/build-$flavour
	key=$(build_key)
	state=$(kconfig_state "$src")
	log=$top/$OUT/logs/kernel-$flavour.log
	start=$(date +%s)
	if [ "$(cat "$dir/.kvm-key" 2> /dev/null)" != "$key" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
	fi
	if [ "$(cat "$dir/.kvm-state" 2> /dev/null)" != "$key $state" ]; then
		configure "$src" "$dir" > "$log.config" 2>&1 ||
			{ tail -n 20 "$log.config" >&2; die "configure $flavour: log $log.config"; }
		echo "$key" > "$dir/.kvm-key"
		echo "$key $state" > "$dir/.kvm-state"
	fi
	kmake "$src" O="$dir" Image > "$log" 2>&1 ||
		{ tail -n 40 "$log" >&2; die "build $flavour: log $log"; }
	say "kernel $flavour ($(git -C "$src" log -1 --format=%h)) built in $(($(date +%s) - start)) s"
	echo "$dir/arch/arm64/boot/Image"
}

# selftests: KVM's selftests from the patched tree (the series does not
# touch tools/), with the compat header the 6.1 sources need to build, into
# a directory kept per tree and compat header.
build_selftests() {
	local src dir key log start
	series
	src=$(source_tree patched)
	key=$({ git -C "$src" rev-parse HEAD:tools; cat "$COMPAT"/*.h "$COMPAT"/linux/*.h;
		"${CROSS}gcc" --version | head -n 1; } | sha1sum | cut -c1-16)
	dir=$cache/selftests-$key
	log=$top/$OUT/logs/selftests.log
	mkdir -p "$top/$OUT/logs"
	if [ ! -e "$dir/.done" ]; then
		start=$(date +%s)
		rm -rf "$cache"/selftests-*
		mkdir -p "$dir"
		{
			# The uapi headers, out of tree (the kernel's own builds
			# need a clean source tree): "headers" leaves them in
			# O/usr/include without the rsync headers_install needs.
			make -C "$src" ARCH=arm64 CROSS_COMPILE="$CROSS" O="$dir/headers" headers &&
			nice -n 10 make -C "$src/tools/testing/selftests/kvm" -j"$jobs" \
				ARCH=arm64 CROSS_COMPILE="$CROSS" OUTPUT="$dir/bin" \
				INSTALL_HDR_PATH="$dir/headers/usr" \
				KHDR_INCLUDES="-isystem $dir/headers/usr/include" \
				EXTRA_CFLAGS="-I$COMPAT -include $COMPAT/compat.h" \
				LDFLAGS="-static -pthread -no-pie"
		} > "$log" 2>&1 || { tail -n 40 "$log" >&2; die "selftests: log $log"; }
		touch "$dir/.done"
		say "selftests built in $(($(date +%s) - start)) s"
	fi
	echo "$dir/bin"
}

# ---- a boot: the initramfs and its /init

declare -A mode_arg=([vhe]="" [nvhe]="kvm-arm.mode=nvhe" [protected]="kvm-arm.mode=protected")
declare -A mode_msg=([vhe]="VHE mode initialized successfully"
	[nvhe]="Hyp mode initialized successfully"
	[protected]="Protected nVHE mode initialized successfully")

# The tests of a set: "LABEL TIMEOUT COMMAND..." lines.
tests_of() {
	awk -v set="$1" '!/^#/ && NF >= 4 && ("," $2 ",") ~ ("," set ",") {
		$2 = ""; sub(/  +/, " "); print }' "$TESTS"
}

# The guest's /init: each test between markers, with its exit code and its
# time by the guest's clock; then dmesg, then power off.
write_init() {
	local label timeout cmd
	cat <<-'EOF'
	#!/bin/busybox sh
	/bin/busybox --install -s /bin
	mount -t devtmpfs dev /dev
	exec </dev/console >/dev/console 2>&1
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t tmpfs tmp /tmp
	now() { cut -d' ' -f1 /proc/uptime; }
	run() {
		label=$1 limit=$2
		shift 2
		echo "kvm-check: begin $label"
		start=$(now)
		timeout "$limit" "$@"
		rc=$?
		echo "kvm-check: end $label rc=$rc secs=$(awk "BEGIN { print $(now) - $start }")"
	}
	echo "kvm-check: kvm: $(dmesg | grep -E 'kvm \[[0-9]+\]: .*initialized' | sed 's/^\[[^]]*\] //')"
	EOF
	while read -r label timeout cmd; do
		echo "run $label $timeout $cmd"
	done
	cat <<-'EOF'
	echo "kvm-check: dmesg begin"
	dmesg
	echo "kvm-check: dmesg end"
	poweroff -f
	EOF
}

# initramfs SET DIR: busybox, the VMM, the selftests SET names, /init.
make_initramfs() {
	local set=$1 stage=$2/initramfs bin busybox label timeout cmd prog
	bin=$(build_selftests)
	busybox=$(bash scripts/busybox.sh "$top/$OUT")
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,dev,proc,sys,tmp,aarch64}
	cp "$busybox" "$stage/bin/busybox"
	[ "$(id -u)" -ne 0 ] || mknod -m 600 "$stage/dev/console" c 5 1
	while read -r label timeout prog cmd; do
		case $prog in
		/vmm) cp "$top/build/vmm/vmm" "$stage/vmm" ;;
		*) cp "$bin$prog" "$stage$prog" ;;
		esac
	done < <(tests_of "$set")
	# A planted defect reaches the VMM through its arguments.
	tests_of "$set" | sed "s|^\([^ ]* [^ ]*\) /vmm|\1 /vmm $VMM_ARGS|" | write_init > "$stage/init"
	chmod 755 "$stage/init"
	# Uncompressed: kernel/kvm.config has no decompressor for an initramfs.
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$2/initramfs.cpio"
}

# boot IMAGE DIR MODE TIMEOUT: one QEMU run; the console goes to
# DIR/console.log, the wall time to DIR/wall.
boot() {
	local image=$1 dir=$2 mode=$3 limit=$4 start rc=0
	start=$(date +%s.%N)
	timeout -k 10 "$limit" "$QEMU" -M virt,virtualization=on,gic-version=3 \
		-cpu max,pauth-impdef=on -smp 4 -m 4G -nographic -no-reboot -nic none \
		-kernel "$image" -initrd "$dir/../initramfs.cpio" \
		-append "console=ttyAMA0 panic=-1 hugepagesz=1G hugepages=1 ${mode_arg[$mode]}" \
		< /dev/null > "$dir/console.raw" 2>&1 || rc=$?
	tr -d '\r' < "$dir/console.raw" > "$dir/console.log"
	rm -f "$dir/console.raw"
	echo "$(date +%s.%N) $start" | awk '{ printf "%.1f\n", $1 - $2 }' > "$dir/wall"
	echo "$rc" > "$dir/qemu-rc"
}

# The verdict of one test from its exit code: the selftests exit 4 to skip,
# and timeout's own codes say the test gave no verdict in time.
verdict_of() {
	case $1 in
	0) echo pass ;;
	4) echo skip ;;
	124 | 137 | 143) echo timeout ;;
	*) echo fail ;;
	esac
}

# What the kernel must never print, and KVM's own error lines.  An RCU
# stall comes with a call trace; its own line says what the trace is of.
dmesg_complaints() {
	sed -n '/^kvm-check: dmesg begin$/,/^kvm-check: dmesg end$/p' "$1" |
		grep -E 'WARNING:|BUG:|Oops|Kernel panic|Unable to handle|Internal error|rcu: INFO:|Call trace:|kvm \[[0-9]+\]: .*([Ee]rror|[Ff]ail)' || true
}

# judge DIR SET MODE: DIR/results ("LABEL VERDICT SECS" per test, in the
# set's order), each test's own output in DIR/<label>.log, and the boot's
# own verdict line ("boot ok|fail WHY").
judge() {
	local dir=$1 set=$2 mode=$3 label timeout cmd line rc secs why=
	: > "$dir/results"
	while read -r label timeout cmd; do
		awk -v l="$label" '$0 == "kvm-check: begin " l { on = 1; next }
			on && index($0, "kvm-check: end " l " ") == 1 { exit }
			on' "$dir/console.log" > "$dir/$label.log"
		line=$(grep -m1 "^kvm-check: end $label " "$dir/console.log" || true)
		if [ -n "$line" ]; then
			rc=$(sed 's/.* rc=\([0-9]*\) .*/\1/' <<< "$line")
			secs=$(sed 's/.* secs=\([0-9.]*\).*/\1/' <<< "$line")
			echo "$label $(verdict_of "$rc") $secs" >> "$dir/results"
		elif grep -qx "kvm-check: begin $label" "$dir/console.log"; then
			echo "$label crash -" >> "$dir/results"
		else
			echo "$label notrun -" >> "$dir/results"
		fi
	done < <(tests_of "$set")
	grep -q "kvm \[[0-9]*\]: ${mode_msg[$mode]}" "$dir/console.log" ||
		why="KVM did not say '${mode_msg[$mode]}'"
	grep -qx 'kvm-check: dmesg end' "$dir/console.log" ||
		why="${why:+$why; }the boot did not reach its end (qemu rc $(cat "$dir/qemu-rc"))"
	[ -z "$(dmesg_complaints "$dir/console.log")" ] ||
		why="${why:+$why; }dmesg: $(dmesg_complaints "$dir/console.log" | head -n 1 | cut -c1-120)"
	if [ -n "$why" ]; then echo "boot fail $why"; else echo "boot ok"; fi > "$dir/boot"
}

# run FLAVOUR SET MODE...: one boot per mode; results under
# $OUT/FLAVOUR-SET/MODE.
run_set() {
	local flavour=$1 set=$2 image dir mode limit
	shift 2
	image=$(build_kernel "$flavour")
	dir=$top/$OUT/$flavour-$set
	mkdir -p "$dir"
	make_initramfs "$set" "$dir"
	limit=$(tests_of "$set" | awk '{ t += $2 + 5 } END { print t + 120 }')
	for mode in "$@"; do
		[ -n "${mode_arg[$mode]+x}" ] || die "unknown mode $mode (vhe, nvhe, protected)"
		rm -rf "${dir:?}/$mode"
		mkdir -p "$dir/$mode"
		say "$flavour kernel, $mode: $(tests_of "$set" | wc -l) tests of set $set"
		boot "$image" "$dir/$mode" "$mode" "$limit"
		judge "$dir/$mode" "$set" "$mode"
		say "$flavour $mode: $(cat "$dir/$mode/boot"), $(cat "$dir/$mode/wall") s:" \
			"$(awk '{ n[$2]++ } END { for (v in n) printf "%s %d ", v, n[v] }' "$dir/$mode/results")"
	done
}

# ---- the verdicts

# known LABEL: "KIND REASON" when the test's verdict under TCG is not a pass
# on the unpatched kernel either (kernel/kvm-check/known).
known() {
	awk -v l="$1" '$1 == l { $1 = ""; sub(/^ /, ""); print; exit }' "$KNOWN"
}

# cell DIR LABEL: "verdict secs" of a test in a boot, "-" when not run.
cell() {
	awk -v l="$2" '$1 == l { printf "%s %s", $2, $3; found = 1 } END { if (!found) printf "-" }' \
		"$1/results" 2> /dev/null || printf -- "-"
}

# The timings a test reports itself (TCG is not hardware: informative).
# timing_sums LOG: each timing a test reports, summed over its guest modes
# and iterations (rates averaged), one "name|value unit" per line.
timing_sums() {
	grep -hE '^(Total guest execution time|Overall demand paging rate|Populate memory time|Enabling dirty logging time|Iteration [0-9]+ (dirty memory|get dirty log|clear dirty log) time|Disabling dirty logging time):' \
		"$1" 2> /dev/null | sed -E 's/^Iteration [0-9]+ //' |
		awk -F': ' '!($1 in n) { order[k++] = $1 }
			{ n[$1]++; v[$1] += $2 + 0; rate[$1] = $2 ~ /pgs/ }
			END { for (i = 0; i < k; i++) { m = order[i]
				if (rate[m]) printf "%s|%.0f pgs/s\n", m, v[m] / n[m]
				else printf "%s|%.3f s\n", m, v[m] } }' || true
}

# unpatched_boot DIR: the stock kernel's boot ran to its end in the mode
# asked for.  What its own dmesg holds is reported (stock_findings), not
# judged: the series is judged by the patched kernel's dmesg, and under TCG
# the stock kernel has been seen to stall RCU where the patched one does not.
unpatched_boot() {
	grep -q '^boot ok\|^boot fail dmesg:' "$1/boot" 2> /dev/null
}

# stock_findings DIR MODE...: what the stock kernel's dmesg held, per mode.
stock_findings() {
	local u=$1 mode
	shift
	for mode in "$@"; do
		grep -q '^boot fail dmesg:' "$u/$mode/boot" 2> /dev/null || continue
		echo "The unpatched kernel's own dmesg, $mode (reported, not judged): $(sed 's/^boot fail //' "$u/$mode/boot")"
	done
}

# timing_table PDIR UDIR MODE...: test and timing x mode, patched / unpatched.
timing_table() {
	local p=$1 u=$2 label mode name
	shift 2
	printf '  %-50s' ""
	for mode in "$@"; do printf ' %-24s' "$mode"; done
	echo
	for label in demand_paging demand_paging_uffd dirty_log_perf; do
		[ -e "$p/$1/$label.log" ] || continue
		while IFS='|' read -r name _; do
			printf '  %-50s' "$label: $name"
			for mode in "$@"; do
				printf ' %-24s' "$(timing_of "$p/$mode/$label.log" "$name") / $(timing_of "$u/$mode/$label.log" "$name")"
			done
			echo
		done < <(timing_sums "$p/$1/$label.log")
	done
}

# timing_of LOG NAME: one of timing_sums' values.
timing_of() {
	timing_sums "$1" | awk -F'|' -v name="$2" '$1 == name { print $2 }'
}

# compare SET MODE...: patched against unpatched, mode x test; prints the
# table and the reported timings, exits 1 on any difference not known.
compare() {
	local set=$1 p u mode label timeout cmd pc uc kind bad=0 line=
	shift
	p=$top/$OUT/patched-$set
	u=$top/$OUT/unpatched-$set
	printf '%-22s' "test (patched / unpatched)"
	for mode in "$@"; do printf ' %-26s' "$mode"; done
	echo
	while read -r label timeout cmd; do
		printf '%-22s' "$label"
		for mode in "$@"; do
			pc=$(cell "$p/$mode" "$label")
			uc=$(cell "$u/$mode" "$label")
			printf ' %-26s' "$pc / $uc"
			kind=$(known "$label" | cut -d' ' -f1)
			if [ "${pc%% *}" != "${uc%% *}" ] && [ "$kind" != flaky ]; then
				line="$line${line:+; }$label in $mode: patched ${pc%% *}, unpatched ${uc%% *}"
				bad=1
			elif [ -z "$kind" ] && [ "${pc%% *}" != pass ]; then
				line="$line${line:+; }$label in $mode: ${pc%% *} on both kernels, not in $KNOWN"
				bad=1
			fi
		done
		echo
	done < <(tests_of "$set")
	printf '%-22s' "boot, wall s"
	for mode in "$@"; do
		printf ' %-26s' "$(cut -d' ' -f2 "$p/$mode/boot" 2> /dev/null) $(cat "$p/$mode/wall" 2> /dev/null) / $(cut -d' ' -f2 "$u/$mode/boot" 2> /dev/null) $(cat "$u/$mode/wall" 2> /dev/null)"
		grep -q '^boot ok' "$p/$mode/boot" 2> /dev/null || { line="$line${line:+; }patched $mode: $(cat "$p/$mode/boot" 2> /dev/null)"; bad=1; }
		unpatched_boot "$u/$mode" || { line="$line${line:+; }unpatched $mode: $(cat "$u/$mode/boot" 2> /dev/null)"; bad=1; }
	done
	echo
	stock_findings "$u" "$@"
	echo
	echo "Not a pass on either kernel under QEMU (kernel/kvm-check/known):"
	while read -r label timeout cmd; do
		kind=$(known "$label")
		[ -z "$kind" ] || printf '  %-20s %s\n' "$label" "$kind"
	done < <(tests_of "$set")
	echo
	echo "Timings the tests report, patched / unpatched (summed over each test's"
	echo "guest modes and iterations, rates averaged; TCG is not hardware):"
	timing_table "$p" "$u" "$@"
	if [ $bad -ne 0 ]; then
		echo "kvm-check: FAIL: $line"
		return 1
	fi
	echo "kvm-check: ok: every test gives the same verdict on both kernels in $*; dmesg clean"
}

# expect_pass SET MODE...: the patched kernel alone (make check): every test
# of SET passes and every boot is clean.
expect_pass() {
	local set=$1 p mode label timeout cmd c bad=0 line= n=0
	shift
	p=$top/$OUT/patched-$set
	for mode in "$@"; do
		while read -r label timeout cmd; do
			c=$(cell "$p/$mode" "$label")
			n=$((n + 1))
			[ "${c%% *}" = pass ] || { line="$line${line:+; }$label in $mode: $c"; bad=1; }
		done < <(tests_of "$set")
		grep -q '^boot ok' "$p/$mode/boot" || { line="$line${line:+; }$mode: $(cat "$p/$mode/boot")"; bad=1; }
	done
	if [ $bad -ne 0 ]; then
		echo "kvm-check: FAIL ($set): $line"
		return 1
	fi
	echo "kvm-check: ok ($set): $n of $n passed in $*, dmesg clean"
}

# plant DEFECT MODE: the VMM asked to expect something false must make the
# check fail, or a pass would prove nothing.
plant() {
	local defect=$1 mode=$2 c
	VMM_ARGS=--plant=$defect run_set patched plant "$mode"
	c=$(cell "$top/$OUT/patched-plant/$mode" vmm)
	if [ "${c%% *}" != fail ]; then
		echo "kvm-check: FAIL: the planted defect '$defect' was not caught in $mode (vmm: $c)"
		return 1
	fi
	echo "kvm-check: ok: the planted defect '$defect' fails the check in $mode"
}

# quick: what make check runs (Documentation/kvm.rst, budget): the patched
# kernel, the VMM and the stage-2 selftests in each mode, and one planted
# defect caught.
quick() {
	local rc=0 out=$top/$OUT mode
	series
	run_set patched quick vhe nvhe protected
	plant dirty nvhe || rc=1
	expect_pass quick vhe nvhe protected || rc=1
	[ $rc -eq 0 ] || return 1
	printf 'kvm-check: patched kernel %s: %s tests passed in' "${head:0:12}" \
		"$(wc -l < "$out/patched-quick/vhe/results")"
	for mode in vhe nvhe protected; do
		printf ' %s (%s s)' "$mode" "$(cat "$out/patched-quick/$mode/wall")"
	done
	printf ', a planted defect caught; dmesg clean\n'
}

# full: make kvm-check, every test in every mode on both kernels.
full() {
	local modes=(${KVM_MODES:-vhe nvhe protected})
	run_set patched full "${modes[@]}"
	run_set unpatched full "${modes[@]}"
	compare full "${modes[@]}" | tee "$top/$OUT/report-full.txt"
	return "${PIPESTATUS[0]}"
}

# ---- the judge's own test: console logs made up to hold each defect the
# judge must see, without QEMU (make kvm-check-quick runs it first).

# fake_console MODE RC [EXTRA]: a console log of the plant set's one test.
fake_console() {
	local mode=$1 rc=$2 extra=${3:-}
	echo "kvm [1]: ${mode_msg[$mode]}"
	echo "kvm-check: begin vmm"
	[ "$extra" = crash ] || echo "kvm-check: end vmm rc=$rc secs=1.5"
	[ "$extra" = crash ] || echo "kvm-check: dmesg begin"
	[ "$extra" != warn ] || echo "WARNING: CPU: 1 PID: 80 at arch/arm64/kvm/mmu.c:1 x+0x0/0x4"
	[ "$extra" != kvmerr ] || echo "kvm [1]: Failed to map stage-2 range"
	[ "$extra" = crash ] || echo "kvm-check: dmesg end"
}

# expect_judged WHAT WANT-RESULT WANT-BOOT MODE RC [EXTRA]
expect_judged() {
	local what=$1 want=$2 wantboot=$3 dir=$tmp/$1 got
	shift 3
	mkdir -p "$dir"
	fake_console "$@" > "$dir/console.log"
	echo 0 > "$dir/qemu-rc"
	judge "$dir" plant "$1"
	got="$(cut -d' ' -f2 "$dir/results") $(cut -d' ' -f2 "$dir/boot")"
	if [ "$got" != "$want $wantboot" ]; then
		echo "kvm-check: FAIL judge-selftest $what: judged '$got', want '$want $wantboot'"
		selftest_failed=1
	fi
}

judge_selftest() {
	local tmp selftest_failed=0
	tmp=$(mktemp -d)
	expect_judged clean pass ok nvhe 0
	expect_judged failed fail ok nvhe 1
	expect_judged skipped skip ok nvhe 4
	expect_judged timeout timeout ok nvhe 143
	expect_judged crash crash fail nvhe 0 crash
	expect_judged warning pass fail vhe 0 warn
	expect_judged kvm-error pass fail protected 0 kvmerr
	# The wrong mode: KVM said nVHE where protected was asked for.
	fake_console nvhe 0 > "$tmp/console.log"
	mkdir -p "$tmp/mode" && mv "$tmp/console.log" "$tmp/mode/"
	echo 0 > "$tmp/mode/qemu-rc"
	judge "$tmp/mode" plant protected
	grep -q '^boot fail' "$tmp/mode/boot" ||
		{ echo "kvm-check: FAIL judge-selftest mode: a boot in the wrong mode passed"; selftest_failed=1; }
	# compare: a verdict that differs between the kernels fails.
	mkdir -p "$tmp/out/patched-plant/nvhe" "$tmp/out/unpatched-plant/nvhe"
	cp "$tmp/clean/results" "$tmp/clean/boot" "$tmp/out/patched-plant/nvhe/"
	cp "$tmp/failed/results" "$tmp/failed/boot" "$tmp/out/unpatched-plant/nvhe/"
	if (top=$tmp OUT=out compare plant nvhe > "$tmp/compare.txt"); then
		echo "kvm-check: FAIL judge-selftest compare: pass against fail was not a difference"
		selftest_failed=1
	fi
	cp "$tmp/clean/results" "$tmp/out/unpatched-plant/nvhe/"
	if ! (top=$tmp OUT=out compare plant nvhe > "$tmp/compare.txt"); then
		echo "kvm-check: FAIL judge-selftest compare: the same verdicts were a difference"
		selftest_failed=1
	fi
	# compare: the patched kernel's dmesg is judged, the stock one's reported.
	echo "boot fail dmesg: WARNING:" > "$tmp/out/unpatched-plant/nvhe/boot"
	if ! (top=$tmp OUT=out compare plant nvhe > "$tmp/compare.txt"); then
		echo "kvm-check: FAIL judge-selftest compare: the stock kernel's dmesg failed the series"
		selftest_failed=1
	fi
	cp "$tmp/warning/boot" "$tmp/out/patched-plant/nvhe/"
	cp "$tmp/clean/boot" "$tmp/out/unpatched-plant/nvhe/"
	if (top=$tmp OUT=out compare plant nvhe > "$tmp/compare.txt"); then
		echo "kvm-check: FAIL judge-selftest compare: the patched kernel's WARNING passed"
		selftest_failed=1
	fi
	rm -rf "$tmp"
	[ $selftest_failed -eq 0 ] || return 1
	echo "kvm-check: ok: the judge sees a failed, skipped, timed-out and crashed test, a WARNING, a KVM error, the wrong mode, a verdict that differs and the patched kernel's dmesg (the stock one's only reported)"
}

# The reports are written into it while the runs' own directories come later.
mkdir -p "$top/$OUT"

case ${1:-} in
kernel) build_kernel "${2:?flavour}" ;;
selftests) build_selftests ;;
run) shift; run_set "$@" ;;
compare) shift; compare "$@" ;;
plant) plant "${2:?defect}" "${3:?mode}" ;;
quick) quick 2>&1 | tee "$top/$OUT/report-quick.txt"; exit "${PIPESTATUS[0]}" ;;
full) full ;;
judge-selftest) judge_selftest ;;
*) die "usage: kvm-check.sh kernel|selftests|run|compare|plant|quick|full|judge-selftest ..." ;;
esac
