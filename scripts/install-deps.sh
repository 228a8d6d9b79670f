#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian 12 packages libpgtable's build and tests need.
# Quiet and idempotent: does nothing when every package is already there.
# Used by `make check`, `make run` and .ci/run.
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
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$pkg")
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
