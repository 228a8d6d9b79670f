#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Debian's busybox-static:arm64 for an initramfs, downloaded once and
# unpacked (never installed) under DIR; prints the binary's path.
#
#   scripts/busybox.sh DIR
set -euo pipefail
dir=${1:?usage: busybox.sh DIR}
busybox=$dir/busybox/bin/busybox
if [ ! -x "$busybox" ]; then
	dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
	apt-cache show busybox-static:arm64 > /dev/null 2>&1 || apt-get update -qq
	rm -rf "$dir/debs" "$dir/busybox"
	mkdir -p "$dir/debs"
	(cd "$dir/debs" && apt-get download -qq -o APT::Sandbox::User=root busybox-static:arm64) >&2
	dpkg -x "$dir"/debs/busybox-static_*.deb "$dir/busybox"
fi
echo "$busybox"
