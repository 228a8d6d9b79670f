#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot Debian's arm64 kernel under QEMU with a busybox initramfs, load
# pgtable.ko with its self-test, and judge what the serial console says.
#
#   scripts/kmod-boot.sh [module.ko]      (default: $KMOD_OUT/arm64/pgtable.ko)
#   scripts/kmod-boot.sh --judge LOG      judge a console log kept from a run
#
# Needs scripts/kmod-deps.sh and scripts/kmod-build.sh arm64 to have run.
# The guest's /init mounts proc, sysfs, debugfs; insmod's the module with
# $KMOD_SELFTEST_ARGS (selftest=1); cats /sys/kernel/debug/pgtable/{tables,
# dump,stats}; rmmod's it; loads and unloads it $KMOD_RELOADS (20) more times
# with $KMOD_RELOAD_ARGS (a small part of the self-test); prints the kernel's
# taint; powers off.  The run fails on
#   - a missing "KTAP version 1", a plan below $KMOD_MIN_TESTS (40), a result
#     line missing, out of order or "not ok", in the first run or a reload;
#   - a concurrency test not run on 4 CPUs;
#   - a kernel WARNING, Oops, BUG, panic, RCU stall or lockup;
#   - a taint other than O (out-of-tree) and E (unsigned module);
#   - an unload that reports pages not freed, or a failed insmod/rmmod;
#   - a raw dump (`pgtable dump` format) that test/tool/dump_check, built
#     here, rejects: the kernel's tables walked by the reference translator
#     on the host, from the dump alone;
#   - no "done" from /init before $KMOD_TIMEOUT (600) seconds.
# The console log is kept in $KMOD_OUT/console.log; one summary line goes to
# $KMOD_OUT/report.txt (make check prints it).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${KMOD_OUT:-build/kmod}
judge_only=
if [ "${1:-}" = --judge ]; then
	judge_only=${2:?usage: kmod-boot.sh --judge LOG}
	set --
fi
KO=${1:-$OUT/arm64/pgtable.ko}
TIMEOUT=${KMOD_TIMEOUT:-600}
RELOADS=${KMOD_RELOADS:-20}
# Each reload runs a small part of the self-test, so that every unload has
# trees to destroy and pages to account for.
RELOAD_ARGS=${KMOD_RELOAD_ARGS-selftest=1 filter=hyp_map}
SELFTEST_ARGS=${KMOD_SELFTEST_ARGS:-selftest=1}
MIN_TESTS=${KMOD_MIN_TESTS:-40}
SMP=4
QEMU=${QEMU:-qemu-system-aarch64}
# -cpu max with the implementation-defined pointer authentication algorithm:
# the same features, and much faster under TCG than QARMA.
CPU=${KMOD_CPU:-max,pauth-impdef=on}

report=$OUT/report.txt
log=${judge_only:-$OUT/console.log}

fail() {
	echo "kmod-boot: FAIL: $*" >&2
	echo "kmod-boot: console log: $log" >&2
	exit 1
}

boot() {
ver=$(cat "$OUT/ver" 2>/dev/null) || { echo "kmod-boot: run scripts/kmod-deps.sh first" >&2; exit 1; }
kernel=$OUT/arm64/$ver/boot/vmlinuz-$ver-arm64
busybox=$OUT/busybox/bin/busybox
for f in "$kernel" "$busybox" "$KO"; do
	[ -e "$f" ] || { echo "kmod-boot: missing $f" >&2; exit 1; }
done
rm -f "$report"

# ---- the initramfs
stage=$OUT/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$stage/bin/busybox"
aarch64-linux-gnu-strip --strip-debug -o "$stage/pgtable.ko" "$KO"
# The kernel opens /dev/console for init before anything is mounted.
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 600 "$stage/dev/console" c 5 1
fi
cat > "$stage/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t debugfs debugfs /sys/kernel/debug
echo "pgtable-check: init at \$(cut -d' ' -f1 /proc/uptime)s, \$(grep -c ^processor /proc/cpuinfo) CPUs, kernel \$(uname -r)"
insmod /pgtable.ko $SELFTEST_ARGS
echo "pgtable-check: insmod rc=\$?"
# Only warnings and worse on the console while the files print, so that
# nothing the kernel says lands in the middle of their lines.
echo 5 > /proc/sys/kernel/printk
echo "pgtable-check: ---- tables"
cat /sys/kernel/debug/pgtable/tables
echo "pgtable-check: ---- dump"
cat /sys/kernel/debug/pgtable/dump
echo "pgtable-check: ---- stats"
cat /sys/kernel/debug/pgtable/stats
echo "pgtable-check: ----"
echo 7 > /proc/sys/kernel/printk
rmmod pgtable
echo "pgtable-check: rmmod rc=\$?"
echo "pgtable-check: selftest done at \$(cut -d' ' -f1 /proc/uptime)s"
ok=0
i=0
while [ \$i -lt $RELOADS ]; do
	i=\$((i + 1))
	insmod /pgtable.ko $RELOAD_ARGS &&
		cat /sys/kernel/debug/pgtable/tables /sys/kernel/debug/pgtable/dump \
			/sys/kernel/debug/pgtable/stats >/dev/null &&
		rmmod pgtable && ok=\$((ok + 1))
done
echo "pgtable-check: reloads \$ok/$RELOADS ok at \$(cut -d' ' -f1 /proc/uptime)s"
echo "pgtable-check: tainted \$(cat /proc/sys/kernel/tainted)"
echo "pgtable-check: done"
poweroff -f
EOF
chmod 755 "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) > "$OUT/initramfs.cpio.gz"

# ---- boot
echo "kmod-boot: booting $ver-arm64 on $SMP CPUs (TCG), timeout ${TIMEOUT}s"
start=$(date +%s)
set +e
timeout -k 10 "$TIMEOUT" "$QEMU" -M virt,virtualization=on -cpu "$CPU" \
	-smp "$SMP" -m 1G -nographic -no-reboot -nic none \
	-kernel "$kernel" -initrd "$OUT/initramfs.cpio.gz" \
	-append "console=ttyAMA0 panic=-1 loglevel=7" \
	< /dev/null > "$log" 2>&1
rc=$?
set -e
took=$(( $(date +%s) - start ))
tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"

[ $rc -ne 124 ] && [ $rc -ne 137 ] || fail "timed out after ${TIMEOUT}s"
[ $rc -eq 0 ] || fail "qemu exited $rc"
}

if [ -n "$judge_only" ]; then
	took='?'
else
	boot
fi

# ---- judge the console
# Lines without the printk timestamp.
clean=$(sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' "$log")

bad=$(grep -nE 'WARNING:|Oops|BUG:|Kernel panic|Unable to handle|Internal error|Call trace:|rcu: INFO|rcu_.*detected stall|soft lockup|hard LOCKUP|blocked for more than|page imbalance|general protection' <<<"$clean" || true)
[ -z "$bad" ] || { echo "$bad" | head -20 >&2; fail "the kernel complained"; }

grep -q '^pgtable-check: done' <<<"$clean" || { tail -30 <<<"$clean" >&2; fail "/init did not finish"; }

# The first KTAP document: from its header to the self-test's last line.
ktap=$(awk '/^KTAP version 1$/ { n++ } n == 1' <<<"$clean" | sed -n '1,/^# pgtable: self-test: /p')
[ -n "$ktap" ] || fail "no KTAP output"
plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' <<<"$ktap" | head -n1)
[ -n "$plan" ] || fail "no KTAP plan"
[ "$plan" -ge "$MIN_TESTS" ] || fail "the plan has $plan tests, fewer than $MIN_TESTS"
results=$(grep -E '^(not )?ok [0-9]+ ' <<<"$ktap" || true)
nres=$(grep -c . <<<"$results" || true)
failed=$(grep -E '^not ok ' <<<"$results" || true)
if [ -n "$failed" ]; then
	grep -E '^(not ok |# )' <<<"$ktap" >&2
	fail "$(grep -c . <<<"$failed") of $plan tests failed"
fi
[ "$nres" -eq "$plan" ] || fail "$nres results for a plan of $plan"
awk '{ n++; if ($2 != n) { print "result " n " numbered " $2; exit 1 } }' <<<"$results" >&2 ||
	fail "results out of order"
grep -q "^# pgtable: self-test on $SMP online CPUs" <<<"$ktap" || fail "the self-test did not see $SMP CPUs"
nconc=$(grep -cE '^ok [0-9]+ concurrency_' <<<"$results" || true)
[ "$nconc" -ge 1 ] || fail "no concurrency test ran"
grep -qE "^# concurrency_[0-9]+k: .*$SMP CPUs" <<<"$ktap" || fail "the concurrency test did not run on $SMP CPUs"

# Every KTAP document (the reloads print theirs): its plan, all its results, all ok.
docs=$(awk '
	function close_doc() {
		if (!doc) return
		if (plan < 0 || n != plan) { printf "document %d: plan %d, %d results\n", doc, plan, n; bad = 1 }
	}
	/^KTAP version 1$/ { close_doc(); doc++; plan = -1; n = 0; next }
	doc && /^1\.\.[0-9]+$/ && plan < 0 { plan = substr($0, 4) + 0; next }
	doc && /^(not )?ok [0-9]+ / { n++; if ($1 == "not") { print; bad = 1 } }
	END { close_doc(); print "documents " doc; exit bad }' <<<"$clean") ||
	{ echo "$docs" >&2; fail "a reload's self-test failed"; }
ndocs=$(sed -n 's/^documents //p' <<<"$docs")
want_docs=1
[[ " $RELOAD_ARGS " == *" selftest=1 "* ]] && want_docs=$((RELOADS + 1))
[ "$ndocs" -eq "$want_docs" ] || fail "$ndocs KTAP documents, expected $want_docs"

grep -q '^pgtable-check: insmod rc=0$' <<<"$clean" || fail "insmod failed"
grep -q '^pgtable-check: rmmod rc=0$' <<<"$clean" || fail "rmmod failed"
grep -q "^pgtable-check: reloads $RELOADS/$RELOADS ok" <<<"$clean" || fail "not every reload worked"
grep -q '^pgtable-check: ---- tables' <<<"$clean" || fail "no debugfs dump"
grep -qE '^(EL2 stage 1|stage 2): ' <<<"$clean" || fail "the debugfs dump printed no tree"

# The raw dumps, walked on this side by the reference translator alone.
dumped=$(sed -n '/^pgtable-check: ---- dump$/,/^pgtable-check: ---- stats$/p' <<<"$clean")
ndumps=$(grep -c '^dump stage=' <<<"$dumped" || true)
[ "$ndumps" -ge 1 ] || fail "the debugfs dump printed no tree"
if [ -e test/tool/dump_check.c ]; then
	checker=$OUT/dump_check
	if [ ! -x "$checker" ] || [ test/tool/dump_check.c -nt "$checker" ] || [ test/ref_xlat.c -nt "$checker" ]; then
		gcc -std=gnu11 -O2 -Wall -Itest -o "$checker" test/tool/dump_check.c test/ref_xlat.c ||
			fail "cannot build dump_check"
	fi
	checked=$("$checker" - <<<"$dumped" 2>&1) || { echo "$checked" >&2; fail "dump_check rejects the kernel's dumps"; }
	[[ "$checked" == *" $ndumps dumps,"* ]] || { echo "$checked" >&2; fail "dump_check read the wrong number of dumps"; }
	dumps="$ndumps dumps checked by dump_check"
else
	dumps="$ndumps dumps (no test/tool/dump_check.c to check them)"
fi

unloads=$(grep -E '^pgtable: unload: ' <<<"$clean" || true)
nunload=$(grep -c . <<<"$unloads" || true)
[ "$nunload" -eq $((RELOADS + 1)) ] || fail "$nunload unload reports, expected $((RELOADS + 1))"
leaky=$(grep -v ', in use 0$' <<<"$unloads" || true)
[ -z "$leaky" ] || { echo "$leaky" >&2; fail "pages not freed at unload"; }
pages=$(head -n1 <<<"$unloads" | sed -E 's/.*allocated ([0-9]+), freed ([0-9]+).*/\1 allocated, \2 freed/')

taint=$(sed -n 's/^pgtable-check: tainted \([0-9]*\)$/\1/p' <<<"$clean")
[ -n "$taint" ] || fail "no taint report"
# O (TAINT_OOT_MODULE, bit 12) and E (TAINT_UNSIGNED_MODULE, bit 13) are expected.
[ $(( taint & ~((1 << 12) | (1 << 13)) )) -eq 0 ] || fail "kernel tainted $taint"

boot=$(sed -n 's/^pgtable-check: init at \([0-9.]*\)s.*/\1/p' <<<"$clean")
selftest_end=$(sed -n 's/^pgtable-check: selftest done at \([0-9.]*\)s/\1/p' <<<"$clean")
ver=$(sed -n 's/^pgtable-check: init at .*kernel \([^ ]*\)-arm64$/\1/p' <<<"$clean")
line="kmod-check: $ver-arm64 under QEMU ($SMP CPUs): KTAP $plan/$plan ok, $nconc concurrency tests, $RELOADS reloads, $dumps, pages $pages, taint $taint; boot ${boot}s, self-test done ${selftest_end}s, total ${took}s"
if [ -n "$judge_only" ]; then
	echo "$line"
else
	echo "$line" | tee "$report"
fi
