#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The pristine base of the in-kernel patch series: Debian's linux-source-6.1
# unpacked once into a git repository outside the checkout, one commit per
# package version, tagged base/<version>.  Prints the repository's path and
# the base commit: "<repo> <commit>".
#
#   KSRC=<a kernel git tree>   use its HEAD instead (nothing is unpacked)
#   KCACHE                     the cache (default /var/cache/libpgtable)
#
# A fresh machine needs the package (scripts/install-deps.sh kernel) and
# about 1.5 GB under $KCACHE; the unpack and the first commit take a few
# minutes, later runs only look the tag up.
set -euo pipefail

log() { echo "kernel-base: $*" >&2; }
die() { echo "kernel-base: error: $*" >&2; exit 1; }

if [ -n "${KSRC:-}" ]; then
	commit=$(git -C "$KSRC" rev-parse --verify HEAD^{commit} 2>/dev/null) ||
		die "KSRC=$KSRC is not a git tree with a commit"
	echo "$(cd "$KSRC" && pwd) $commit"
	exit 0
fi

cache=${KCACHE:-/var/cache/libpgtable}
repo=$cache/linux-6.1
tarball=/usr/src/linux-source-6.1.tar.xz
version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[ -n "$version" ] && [ -e "$tarball" ] ||
	die "linux-source-6.1 is not installed (bash scripts/install-deps.sh kernel)"
tag=base/$version

mkdir -p "$cache"
exec 9> "$cache/.base.lock"
flock 9

if [ ! -d "$repo/.git" ]; then
	rm -rf "$repo"
	git init -q -b base "$repo"
fi
git() { command git -C "$repo" -c user.name=libpgtable -c user.email=libpgtable@localhost "$@"; }

if ! commit=$(git rev-parse -q --verify "refs/tags/$tag^{commit}"); then
	log "unpacking $tarball ($version) into $repo"
	start=$(date +%s)
	git checkout -q --orphan "unpack-$version"
	git rm -rfq --cached . > /dev/null 2>&1 || true
	find "$repo" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
	tar -xJf "$tarball" -C "$repo" --strip-components=1
	# Debian's .gitignore ignores everything at the top level: -f.
	git add -A -f
	GIT_AUTHOR_DATE="@0 +0000" GIT_COMMITTER_DATE="@0 +0000" \
		git commit -q -m "Debian linux-source-6.1 $version"
	git tag "$tag"
	git checkout -q --detach "$tag"
	git branch -D "unpack-$version" > /dev/null
	commit=$(git rev-parse "$tag^{commit}")
	log "base $tag = $commit ($(($(date +%s) - start)) s)"
fi
echo "$repo $commit"
