#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot the hypervisor (build/hypervisor/hyp.elf) once per line of
# hypervisor/configs under qemu-system-aarch64 and judge each console:
# every check PASS (or, for a negative test, exactly the expected ones FAIL),
# no panic or unexpected exception, the final "done" line present.
#
#   scripts/hypervisor-check.sh              every configuration
#   scripts/hypervisor-check.sh --show NAME  one, its console on stdout
#   HYP_CONFIGS=a,b                          only these
#   HYP_SEED=N                               replay a seed (printed otherwise)
set -uo pipefail

HYP_OUT=${HYP_OUT:-build/hypervisor}
HYP_ELF=${HYP_ELF:-$HYP_OUT/hyp.elf}
HYP_TIMEOUT=${HYP_TIMEOUT:-120}
HYP_SEED=${HYP_SEED:-$(( $(date +%s) % 1000000 ))}
CONFIGS=hypervisor/configs
BOOTCFG_PA=0x401f0000
MAGIC=$(( 0x9e7ab1e << 36 ))

show=
only=${HYP_CONFIGS:-}
if [ "${1:-}" = --show ]; then
	show=1
	only=$2
fi

test_mask() {
	local m=0 t
	for t in ${1//,/ }; do
		case $t in
		el2) m=$((m | 1)) ;;
		guest) m=$((m | 2 | 4)) ;;
		smp) m=$((m | 8)) ;;
		vms) m=$((m | 16)) ;;
		all) m=$((m | 31)) ;;
		*) echo "hypervisor-check: unknown test '$t'" >&2; exit 2 ;;
		esac
	done
	echo $m
}

config_word() {
	local g
	case $1 in 4k) g=0 ;; 16k) g=1 ;; 64k) g=2 ;; *) echo "bad granule $1" >&2; exit 2 ;; esac
	printf '0x%x' $(( MAGIC | g | ($2 << 2) | ($3 << 8) | ($5 << 9) | ($(test_mask "$4") << 16) ))
}

# judge LOG EXPECT: 0 if the console is what EXPECT asks for.
judge() {
	local log=$1 expect=$2 word fails unexpected
	if grep -q '^PANIC\|unexpected exception' "$log"; then
		echo "panic"; return 1
	fi
	if ! grep -q '^HYP: done: [0-9]* passed' "$log"; then
		grep -q '^SKIP:' "$log" && { echo "skipped"; return 3; }
		echo "no final line (hung or crashed)"; return 1
	fi
	fails=$(grep -c '^FAIL:' "$log")
	case $expect in
	pass)
		[ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; return 1; } ;;
	fail:*)
		word=${expect#fail:}
		[ "$fails" -gt 0 ] || { echo "the negative test passed: the check cannot fail"; return 1; }
		unexpected=$(grep '^FAIL:' "$log" | grep -vc -- "$word")
		[ "$unexpected" -eq 0 ] || { echo "$unexpected unexpected failure(s)"; return 1; } ;;
	esac
	echo "$(sed -n 's/^HYP: done: \([0-9]*\) passed, \([0-9]*\) failed/\1 passed, \2 failed/p' "$log")"
}

[ -f "$HYP_ELF" ] || { echo "hypervisor-check: $HYP_ELF missing (make hypervisor)" >&2; exit 2; }
mkdir -p "$HYP_OUT/logs"
qemu_major=$(qemu-system-aarch64 --version | sed -n '1s/.*version \([0-9]*\)\..*/\1/p')
echo "hypervisor-check: seed $HYP_SEED (HYP_SEED=$HYP_SEED replays it)"
total=0 bad=0 skipped=0 t_all=$(date +%s%N)
while read -r name gran ipa fwb tests expect flags; do
	case $name in ''|'#'*) continue ;; esac
	if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then
		continue
	fi
	# QEMU before 8.0 refuses a 16K stage 2 starting at level 0 even with
	# VTCR_EL2.DS=1 (its check_s2_mmu_setup predates FEAT_LPA2's SL0=3);
	# the Arm ARM's S2InvalidSL allows it.
	if [[ $flags == *qemu8* ]] && [ "${qemu_major:-0}" -lt 8 ]; then
		total=$((total + 1)) skipped=$((skipped + 1))
		printf '  SKIP  hypervisor %-14s QEMU %s < 8.0 walks this format wrongly\n' \
			"$name" "$qemu_major"
		continue
	fi
	notlbi=0
	[[ $flags == *notlbi* ]] && notlbi=1
	word=$(config_word "$gran" "$ipa" "$fwb" "$tests" "$notlbi")
	log=$HYP_OUT/logs/$name.log
	t0=$(date +%s%N)
	timeout -k 5 "$HYP_TIMEOUT" qemu-system-aarch64 -M virt,virtualization=on \
		-cpu max,pauth-impdef=on -smp 4 -m 512M -nographic -nic none -no-reboot \
		-device loader,addr=$BOOTCFG_PA,data="$word",data-len=8 \
		-device loader,addr=$((BOOTCFG_PA + 8)),data="$HYP_SEED",data-len=8 \
		-kernel "$HYP_ELF" </dev/null >"$log" 2>&1
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ -n "$show" ] && tr -d '\r' <"$log"
	verdict=$(judge "$log" "$expect")
	rc=$?
	total=$((total + 1))
	case $rc in
	0) printf '  PASS  hypervisor %-14s %s (%d.%d s)\n' "$name" "$verdict" $((ms / 1000)) $((ms % 1000 / 100)) ;;
	3) skipped=$((skipped + 1))
	   printf '  SKIP  hypervisor %-14s %s\n' "$name" "$(grep -m1 '^SKIP:' "$log")" ;;
	*) bad=$((bad + 1))
	   printf '  FAIL  hypervisor %-14s %s (log: %s)\n' "$name" "$verdict" "$log"
	   grep '^FAIL:\|^PANIC' "$log" | head -5 | sed 's/^/        /' ;;
	esac
done <"$CONFIGS"
secs=$(( ($(date +%s%N) - t_all) / 1000000000 ))
line=$(printf 'hypervisor-check: %d boots, %d failed, %d skipped, %d s (seed %s)' \
	"$total" "$bad" "$skipped" "$secs" "$HYP_SEED")
echo "$line"
[ "$total" -gt 0 ] || { echo "hypervisor-check: no configuration matched" >&2; exit 1; }
[ "$bad" -eq 0 ] || exit 1
[ -n "$show" ] || echo "$line" >"$HYP_OUT/report.txt"
