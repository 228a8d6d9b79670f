#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# What building the kernel module against Debian's kernels and booting one
# under QEMU needs (make kmod-check), on Debian 12, as root.  Idempotent and
# cached: a second run with everything in place only checks and exits.
#
#   host packages (installed by scripts/install-deps.sh kmod): qemu-system-arm,
#                               gcc-aarch64-linux-gnu, cpio, linux-kbuild-6.1,
#                               linux-headers-amd64 ...
#   arm64 packages (downloaded with apt-get download and unpacked with
#   dpkg -x, never installed) into $KMOD_OUT (default build/kmod):
#       arm64/<ver>/    linux-headers-<ver>-arm64, linux-headers-<ver>-common,
#                       /boot of linux-image-<ver>-arm64; usr/lib/linux-kbuild-6.1 is
#                       a symlink to the host's (the headers expect it at
#                       ../../lib/linux-kbuild-6.1 from usr/src)
#       busybox/        busybox-static:arm64
#       debs/           the downloaded .deb files
#       ver             <ver>, the kernel ABI name (e.g. 6.1.0-56)
#
# <ver> is the ABI bookworm's linux-image-arm64 currently depends on.  Set
# KMOD_REFRESH=1 to ask apt again even when a tree is already unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${KMOD_OUT:-build/kmod}

log() { echo "kmod-deps: $*" >&2; }
die() { echo "kmod-deps: error: $*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	as_root=(false)
fi

updated=
apt_update() {
	[ -n "$updated" ] && return 0
	log "apt-get update"
	"${as_root[@]}" apt-get update -qq || die "apt-get update failed (root needed)"
	updated=1
}

# ---- arm64 as a foreign architecture, so apt knows the arm64 packages
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	log "dpkg --add-architecture arm64"
	"${as_root[@]}" dpkg --add-architecture arm64 || die "cannot add arm64 (root needed)"
	updated=
	apt_update
fi

# ---- host packages: the project's one installer
bash scripts/install-deps.sh kmod || die "scripts/install-deps.sh kmod failed"

# ---- which kernel: cached, or asked of apt
mkdir -p "$OUT/debs"
ver=$(cat "$OUT/ver" 2>/dev/null || true)
if [ -z "$ver" ] || [ -n "${KMOD_REFRESH:-}" ] || [ ! -e "$OUT/arm64/$ver/.unpacked" ] ||
   [ ! -e "$OUT/busybox/.unpacked" ]; then
	apt-cache show linux-image-arm64:arm64 >/dev/null 2>&1 || apt_update
	ver=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
	      sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)-arm64\(:arm64\)\{0,1\}$/\1/p' | head -n1)
	if [ -z "$ver" ]; then
		apt_update
		ver=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		      sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)-arm64\(:arm64\)\{0,1\}$/\1/p' |
		      head -n1)
	fi
	[ -n "$ver" ] || die "apt knows no linux-image-arm64:arm64 (is bookworm in sources?)"
fi

# Debian version of the packages of this ABI (e.g. 6.1.192-2).
pkgver() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n1
}

# apt-get download as root warns that _apt cannot write here: that is fine.
download() {
	local pkg=$1 file
	file=$(cd "$OUT/debs" && ls -1 "${pkg%%:*}"_*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$file" ]; then
		apt-cache show "$pkg" >/dev/null 2>&1 || apt_update
		log "apt-get download $pkg"
		(cd "$OUT/debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >/dev/null) ||
			die "apt-get download $pkg failed"
		file=$(cd "$OUT/debs" && ls -1 "${pkg%%:*}"_*.deb | head -n1)
	fi
	echo "$OUT/debs/$file"
}

# ---- the arm64 kernel tree: headers (arch + common) and the image
root="$OUT/arm64/$ver"
if [ ! -e "$root/.unpacked" ]; then
	rm -rf "$root"
	mkdir -p "$root"
	for pkg in "linux-headers-$ver-arm64:arm64" "linux-headers-$ver-common"; do
		deb=$(download "$pkg")
		log "dpkg -x $(basename "$deb")"
		dpkg -x "$deb" "$root"
	done
	# Of the image only /boot: its 300 MB of modules are not needed.
	deb=$(download "linux-image-$ver-arm64:arm64")
	log "dpkg-deb --fsys-tarfile $(basename "$deb") | tar -x ./boot"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" ./boot
	# The arch headers include the common Makefile by absolute path; point
	# it at the unpacked copy so the tree does not need the host's.
	hdr="$root/usr/src/linux-headers-$ver-arm64"
	sed -i "s|^include /usr/src/|include $(realpath "$root")/usr/src/|" "$hdr/Makefile"
	mkdir -p "$root/usr/lib"
	ln -sfn /usr/lib/linux-kbuild-6.1 "$root/usr/lib/linux-kbuild-6.1"
	touch "$root/.unpacked"
fi
echo "$ver" > "$OUT/ver"

# The prebuilt kbuild scripts must come from the same kernel release.
want=$(dpkg-deb -f "$(download "linux-headers-$ver-arm64:arm64")" Version)
have=$(dpkg-query -W -f='${Version}' linux-kbuild-6.1 2>/dev/null || true)
if [ "$want" != "$have" ]; then
	log "linux-kbuild-6.1 is $have, the arm64 headers are $want"
	bash scripts/install-deps.sh "linux-kbuild-6.1=$want" || die "cannot install linux-kbuild-6.1=$want"
fi
# The host build uses the x86-64 headers of the same ABI when there are any.
if [ ! -d "/usr/src/linux-headers-$ver-amd64" ] && [ -n "$(pkgver "linux-headers-$ver-amd64")" ]; then
	bash scripts/install-deps.sh "linux-headers-$ver-amd64" || die "cannot install linux-headers-$ver-amd64"
fi

# ---- busybox for the initramfs
if [ ! -e "$OUT/busybox/.unpacked" ]; then
	rm -rf "$OUT/busybox"
	mkdir -p "$OUT/busybox"
	deb=$(download busybox-static:arm64)
	log "dpkg -x $(basename "$deb")"
	dpkg -x "$deb" "$OUT/busybox"
	touch "$OUT/busybox/.unpacked"
fi

[ -e "$root/boot/vmlinuz-$ver-arm64" ] || die "no kernel image in $root/boot"
[ -x "$OUT/busybox/bin/busybox" ] || die "no busybox in $OUT/busybox"
log "ready: kernel $ver-arm64 in $root"
