#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot an arm64 kernel with KVM under QEMU (TCG) in each KVM mode and run
# the VMM (build/vmm/vmm, `make vmm`) in it: the VMM's own test drive.  The
# project's harness (make kvm-check) does the same for the patched kernel.
#
#   kernel/vmm/try.sh [vhe] [nvhe] [protected]     (default: all three)
#
# Environment: VMM_KERNEL (an arm64 Image with KVM; default the unpatched
# build of kernel/kvm.config in /var/cache/libpgtable/kvm), VMM_ARGS
# (passed to the VMM, e.g. --plant=dirty or --seed=N), VMM_TIMEOUT (300 s
# per boot), VMM_APPEND (added to the kernel command line; default
# "hugepagesz=1G hugepages=1" for the VMM's 1 GiB slot), VMM_TRY_OUT
# (build/vmm/try).
#
# Per mode it checks that KVM initialised in that mode (dmesg), that the VMM
# exited 0, and that the kernel printed no WARNING, BUG or Oops; prints the
# VMM's lines and the wall time of the boot; exits 1 if any mode failed.
# With --plant in VMM_ARGS a run passes when the VMM fails (exit 1, a FAIL
# line) and the kernel stays clean.
set -euo pipefail
cd "$(dirname "$0")/../.."

KERNEL=${VMM_KERNEL:-/var/cache/libpgtable/kvm/build-unpatched/arch/arm64/boot/Image}
OUT=${VMM_TRY_OUT:-build/vmm/try}
VMM=build/vmm/vmm
TIMEOUT=${VMM_TIMEOUT:-300}
ARGS=${VMM_ARGS:-}
# One 1 GiB hugetlbfs page, reserved at boot, backs the VMM's "giant" slot.
APPEND=${VMM_APPEND-hugepagesz=1G hugepages=1}
QEMU=${QEMU:-qemu-system-aarch64}
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(vhe nvhe protected)

die() { echo "vmm-try: error: $*" >&2; exit 1; }

[ -e "$KERNEL" ] || die "no kernel at $KERNEL (set VMM_KERNEL)"
[ -x "$VMM" ] || die "no $VMM: run make vmm"
mkdir -p "$OUT"

# ---- busybox-static:arm64, downloaded once
busybox=$(bash scripts/busybox.sh "$OUT")

# ---- the initramfs: busybox, the VMM, an /init that runs it
stage=$OUT/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys}
cp "$busybox" "$stage/bin/busybox"
cp "$VMM" "$stage/vmm"
[ "$(id -u)" -ne 0 ] || mknod -m 600 "$stage/dev/console" c 5 1
cat > "$stage/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "vmm-try: kvm: \$(dmesg | grep -E 'kvm \\[[0-9]+\\]: .*(mode initialized|initialized successfully)' | sed 's/^\\[[^]]*\\] //')"
echo "vmm-try: thp \$(cat /sys/kernel/mm/transparent_hugepage/enabled)"
/vmm $ARGS
echo "vmm-try: vmm rc=\$?"
poweroff -f
EOF
chmod 755 "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$OUT/initramfs.cpio"

# ---- one boot per mode
declare -A mode_arg=([vhe]="" [nvhe]="kvm-arm.mode=nvhe" [protected]="kvm-arm.mode=protected")
declare -A mode_msg=([vhe]="VHE mode initialized successfully"
	[nvhe]="Hyp mode initialized successfully"
	[protected]="Protected nVHE mode initialized successfully")
failed=0
for mode in "${modes[@]}"; do
	[ -n "${mode_arg[$mode]+x}" ] || die "unknown mode $mode (vhe, nvhe, protected)"
	log=$OUT/console-$mode.log
	start=$(date +%s.%N)
	set +e
	timeout -k 10 "$TIMEOUT" "$QEMU" -M virt,virtualization=on,gic-version=3 \
		-cpu max,pauth-impdef=on -smp 4 -m 4G -nographic -no-reboot -nic none \
		-kernel "$KERNEL" -initrd "$OUT/initramfs.cpio" \
		-append "console=ttyAMA0 panic=-1 $APPEND ${mode_arg[$mode]}" \
		</dev/null >"$log" 2>&1
	rc=$?
	set -e
	took=$(echo "$(date +%s.%N) - $start" | bc)
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

	why=
	[ $rc -eq 0 ] || why="qemu exited $rc"
	grep -q "kvm \[[0-9]*\]: ${mode_msg[$mode]}" "$log" || why="${why:+$why; }KVM did not say '${mode_msg[$mode]}'"
	if grep -qE 'WARNING:|Oops|BUG:|Kernel panic|Unable to handle|Internal error|Call trace:' "$log"; then
		why="${why:+$why; }the kernel complained"
	fi
	vmm_rc=$(sed -n 's/^vmm-try: vmm rc=\([0-9]*\)$/\1/p' "$log")
	if [[ " $ARGS " == *" --plant="* ]]; then
		[ "$vmm_rc" = 1 ] && grep -q '^vmm: FAIL ' "$log" ||
			why="${why:+$why; }the planted defect was not caught (vmm rc=${vmm_rc:-none})"
	else
		[ "$vmm_rc" = 0 ] || why="${why:+$why; }vmm rc=${vmm_rc:-none}"
	fi
	echo "vmm-try: ---- $mode (${mode_arg[$mode]:-default}): boot and VMM ${took%.*}.$(cut -c1 <<<"${took#*.}") s wall"
	grep -E '^vmm(-try)?: ' "$log" | grep -v '^vmm-try: vmm rc=' || true
	if [ -n "$why" ]; then
		echo "vmm-try: FAIL $mode: $why (console log: $log)"
		failed=1
	else
		echo "vmm-try: ok $mode"
	fi
done
exit $failed
