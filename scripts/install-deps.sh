#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian 12 packages libpgtable's build and tests need: the one
# script that installs packages.  Quiet and idempotent: does nothing when
# every package is already there.  Used by `make check`, `make run` and
# .ci/run; `install-deps.sh kmod` adds what building the kernel module and
# booting it under QEMU need (scripts/kmod-deps.sh asks for it, then only
# downloads and unpacks Debian's arm64 kernel, which is never installed);
# `install-deps.sh kernel` what the in-kernel patch series needs
# (kernel/kernel.mk).
set -euo pipefail

PACKAGES=(
	build-essential		# gcc, make, libc6-dev
	binutils		# ld -r, nm, ar
	clang			# clang variant, --target=aarch64-none-elf
	lld			# ld.lld -r for the aarch64 freestanding link check
	libclang-rt-14-dev	# clang's ASan/UBSan/TSan runtimes
	libcmocka-dev
	liburcu-dev
	pkg-config
	python3			# scripts/call-graph.py (make layers), test/tool/json_check.py
	# make install's man page, and the Debian packages make check builds
	python3-docutils	# rst2man
	dpkg-dev debhelper fakeroot lintian
)

KMOD_PACKAGES=(
	make gcc libc6-dev	# host tools of kbuild
	bc bison flex		# some kbuild helpers call them
	libelf-dev		# objtool-free x86 builds still check for it
	gcc-aarch64-linux-gnu	# cross compiler for the arm64 module
	qemu-system-arm		# qemu-system-aarch64
	cpio gzip		# the initramfs
	kmod			# modinfo
	linux-kbuild-6.1	# Debian's prebuilt kbuild scripts (fixdep, modpost)
	linux-headers-amd64	# the host (x86-64) build
)

COVERAGE_PACKAGES=(
	gcovr			# make coverage: line and branch coverage of lib/
)

HYPERVISOR_PACKAGES=(
	gcc-aarch64-linux-gnu	# cross compiler and binutils for hypervisor/
	qemu-system-arm		# qemu-system-aarch64 boots it (make hypervisor-check)
)

# make bench-kvm: Linux 6.1's KVM page-table code (from the source tarball,
# never installed as a kernel) and the instruction counters.
BENCH_PACKAGES=(
	linux-source-6.1	# /usr/src/linux-source-6.1.tar.xz
	valgrind		# callgrind: instructions per operation
	linux-perf		# perf stat / perf record (bench/profile.sh)
	python3			# scripts/perf-tables.py
)

# The in-kernel patch series (make patches, patches-check): the base tree
# and what building it, cross and native, and KUnit on UML and QEMU need.
KERNEL_PACKAGES=(
	linux-source-6.1	# the series' base: /usr/src/linux-source-6.1.tar.xz
	xz-utils git		# unpacked into a cached git repository
	make gcc libc6-dev bc bison flex
	libelf-dev libssl-dev	# x86_64 builds (objtool, certificates)
	dwarves			# pahole, should a config ask for BTF
	python3			# tools/testing/kunit/kunit.py
	perl			# checkpatch.pl, kernel-doc
	python3-ply python3-git	# checkpatch.pl's SPDX check (scripts/spdxcheck.py)
	gcc-aarch64-linux-gnu	# arm64 cross builds
	qemu-system-arm		# arm64 KUnit under QEMU
)

# The project's static arm64 VMM (make vmm, kernel/vmm/): glibc and the
# Linux uapi headers (<linux/kvm.h>) of the cross toolchain.
VMM_PACKAGES=(
	gcc-aarch64-linux-gnu	# aarch64-linux-gnu-gcc -static
	libc6-dev-arm64-cross	# crt1.o, libc.a
	linux-libc-dev-arm64-cross	# <linux/kvm.h>, <asm/kvm.h>
)

# Arguments: a group (kmod, coverage, hypervisor, bench, kernel, vmm), or packages, optionally pinned.
for arg in "$@"; do
	case "$arg" in
	kmod) PACKAGES+=("${KMOD_PACKAGES[@]}") ;;
	coverage) PACKAGES+=("${COVERAGE_PACKAGES[@]}") ;;
	hypervisor) PACKAGES+=("${HYPERVISOR_PACKAGES[@]}") ;;
	bench) PACKAGES+=("${BENCH_PACKAGES[@]}") ;;
	kernel) PACKAGES+=("${KERNEL_PACKAGES[@]}") ;;
	vmm) PACKAGES+=("${VMM_PACKAGES[@]}") ;;
	-*) echo "install-deps: unknown option '$arg'" >&2; exit 2 ;;
	*) PACKAGES+=("$arg") ;;
	esac
done

# Installed, and at the pinned version if one is given.
present() {
	local name=${1%%=*} status version

	status=$(dpkg-query -W -f='${db:Status-Status}' "$name" 2>/dev/null || true)
	[ "$status" = installed ] || return 1
	[ "$name" = "$1" ] && return 0
	version=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)
	[ "$version" = "${1#*=}" ]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
	present "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: not root and no sudo; install them and retry" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
