#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/profile.sh - where each benchmark scenario spends its time.
#
#   bench/profile.sh [BIN] [GRANULE] [SCENARIO...]
#   bench/profile.sh --callgrind [GRANULE] [SCENARIO...]
#
# With --callgrind: runs make bench-kvm's driver (build/gcc/bench/kvm/bench-kvm;
# make bench-kvm-bin builds it) once per scenario under valgrind's callgrind,
# collecting only the timed part of its last run of one side (SIDE, default
# ours; or kvm) with --dump-instr=yes, and prints the instructions per unit
# and the functions' self instructions per unit (at least PERCENT_LIMIT,
# default 1, percent).  SIZE defaults to 16M.  The dumps stay in PERF_DIR
# (default build/perf) as <scenario>-<granule>-<side>.cg.1, for
# callgrind_annotate --auto=yes (per source line) or kcachegrind.
#
# Otherwise: runs BIN (default build/gcc/bench/stage2) once per scenario under
# perf record, sampling only the timed parts (--perf-ctl), and prints the
# functions with at least PERCENT_LIMIT (default 3) percent of the samples,
# self time.  RUNS (default 21) and SIZE (default 1G) go to the benchmark,
# except that the scenarios whose timed part is tiny get more work by
# default: map_blocks 64 GiB, destroy_empty 1000 runs of 4 MiB.  perf data
# is left in PERF_DIR (default build/perf).
set -euo pipefail

callgrind_profile() {
	local bin=build/gcc/bench/kvm/bench-kvm granule=${1:-4k} side=${SIDE:-ours}
	local dir=${PERF_DIR:-build/perf} s out label units total scenarios
	shift $(($# > 1 ? 1 : $#))
	scenarios=("$@")
	[ ${#scenarios[@]} -gt 0 ] || mapfile -t scenarios < <("$bin" --list)
	mkdir -p "$dir"
	for s in "${scenarios[@]}"; do
		out=$dir/$s-$granule-$side.cg
		rm -f "$out" "$out".*
		valgrind -q --tool=callgrind --dump-instr=yes --collect-atstart=no \
			--callgrind-out-file="$out" "$bin" --only="$s" --granule="$granule" \
			--side="$side" --size="${SIZE:-16M}" > /dev/null 2>&1
		[ -f "$out.1" ] || { echo "==== $s ($granule, $side): no dump"; continue; }
		label=$(sed -n 's/^desc: Trigger: Client Request: //p' "$out.1")
		units=${label##*:}
		total=$(sed -n 's/^totals: \([0-9]*\).*/\1/p' "$out.1")
		echo "==== $s ($granule, $side): $((total / units)) instructions per unit ($units units)"
		callgrind_annotate --auto=no --inclusive=no --threshold=100 "$out.1" 2> /dev/null |
			awk -v u="$units" -v lim="${PERCENT_LIMIT:-1}" -v t="$total" '
			/^ *[0-9,]+ .*:/ { n = $1; gsub(",", "", n); $1 = "";
				if (n * 100 >= lim * t) printf "  %8.1f  %5.1f%%  %s\n", n / u, n * 100 / t, $0 }'
	done
}

if [ "${1:-}" = --callgrind ]; then
	shift
	callgrind_profile "$@"
	exit 0
fi

bin=${1:-build/gcc/bench/stage2}
granule=${2:-4k}
shift $(($# > 2 ? 2 : $#))
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || mapfile -t scenarios < <("$bin" --list)
dir=${PERF_DIR:-build/perf}
mkdir -p "$dir"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/ctl" "$tmp/ack"
exec {ctl}<>"$tmp/ctl" {ack}<>"$tmp/ack"

for s in "${scenarios[@]}"; do
	data=$dir/$s-$granule.data
	size=1G runs=21
	case $s in
	map_blocks) size=64G ;;
	destroy_empty) size=4M runs=1000 ;;
	esac
	perf record -q --all-user -F 10000 -D -1 --control "fd:$ctl,$ack" -o "$data" -- \
		"$bin" --only="$s" --granule="$granule" --runs="${RUNS:-$runs}" \
		--size="${SIZE:-$size}" --perf-ctl="$ctl,$ack" > /dev/null 2>&1
	echo "==== $s ($granule)"
	perf report -i "$data" --no-children --sort symbol --stdio -q \
		--percent-limit "${PERCENT_LIMIT:-3}" 2> /dev/null | sed -E "/^$/d; s/ +- +- *$//"
done
