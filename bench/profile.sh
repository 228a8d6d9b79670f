#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/profile.sh - where each benchmark scenario spends its time.
#
#   bench/profile.sh [BIN] [GRANULE] [SCENARIO...]
#
# Runs BIN (default build/gcc/bench/stage2) once per scenario under
# perf record, sampling only the timed parts (--perf-ctl), and prints the
# functions with at least PERCENT_LIMIT (default 3) percent of the samples,
# self time.  RUNS (default 21) and SIZE (default 1G) go to the benchmark,
# except that the scenarios whose timed part is tiny get more work by
# default: map_blocks 64 GiB, destroy_empty 1000 runs of 4 MiB.  perf data
# is left in PERF_DIR (default build/perf).
set -euo pipefail

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
