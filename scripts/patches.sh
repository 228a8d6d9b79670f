#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Generate the in-kernel patch series from this tree (make patches).
#
# The series is cut from the tree as it is now: lib/*.c and lib/*.h become
# lib/libpgtable/, include/*.h include/linux/libpgtable/, the kernel home
# (kmod/mm.c, kmod/home.h, kmod/pgtable_kmod.h) joins them, with what
# kmod/exports.c exports exported after each function (kernel-exports.py),
# and the self-test (kmod/ without its module glue, and the test/ sources it
# includes) becomes lib/libpgtable/kunit/ and lib/libpgtable/test/.  Files are
# taken by wildcard and the in-tree Makefile lists whatever exists, so files
# added to or split in lib/ need no change here.  The only edit made to a
# source on the way is its #include "<public header>" becoming
# #include <linux/libpgtable/<public header>>, and a file with an #ifdef
# __KERNEL__ branch (include/pgtable_port.h) keeps only that.  What only the series needs
# (Kconfig, commit messages, the cover letter, the documentation page, the
# KUnit suite's in-kernel glue) is in kernel/.
#
# The commits are made with git plumbing in the base repository
# (scripts/kernel-base.sh) without touching any work tree, then written with
# git format-patch to $PATCHES_OUT (default build/patches), cover letter
# first.  Environment (kernel/kernel.mk sets them from make variables):
#   PATCHES_NAME, PATCHES_EMAIL   author and Signed-off-by (default: git config)
#   PATCHES_PREFIX                subject prefix (default: PATCH)
#   KSRC, KCACHE                  the base (scripts/kernel-base.sh)
# Prints the base and the series' last commit: "<repo> <base> <head>", and
# leaves them in $PATCHES_OUT/.series, each patch's number and name
# ("<n> <name>", kernel/checkpatch-exceptions) in $PATCHES_OUT/.keys.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

OUT=${PATCHES_OUT:-build/patches}
# Without a git identity (a fresh CI clone) the newest commit's author signs.
name=${PATCHES_NAME:-$(git config user.name || git log -1 --format=%an)}
email=${PATCHES_EMAIL:-$(git config user.email || git log -1 --format=%ae)}
prefix=${PATCHES_PREFIX:-PATCH}
die() { echo "patches: error: $*" >&2; exit 1; }
[ -n "$name" ] && [ -n "$email" ] ||
	die "no identity: set PATCHES_NAME and PATCHES_EMAIL (or git config user.name/email)"
export PATCHES_NAME=$name PATCHES_EMAIL=$email

read -r repo base < <(bash scripts/kernel-base.sh)
[ -n "${base:-}" ] || die "no base"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_INDEX_FILE=$tmp/index
g() { git -C "$repo" "$@"; }
g read-tree "$base"

# Dates come from this tree's HEAD: the same tree gives the same series.
date=$(git log -1 --format=%ct HEAD 2>/dev/null || echo 0)
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE="@$date +0000"
export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE="@$date +0000"

LIBDIR=lib/libpgtable
INCDIR=include/linux/libpgtable

# The public headers: include/*.h and the kernel home's.
public=$(cd include && ls -1 *.h; echo pgtable_kmod.h)
include_sed=$(for h in $public; do
	printf 's|^#include "%s"|#include <linux/libpgtable/%s>|;' "${h//./\\.}" "$h"
done)

# The kernel compiles only the #ifdef __KERNEL__ branch of a file that has
# one (include/pgtable_port.h): its copy has nothing else.
kernel_only() {
	awk '{
		if ($0 ~ /^[ \t]*#[ \t]*if/) {
			depth++
			if (!inside && $0 ~ /^[ \t]*#[ \t]*ifdef[ \t]+__KERNEL__([ \t]|$)/) {
				inside = 1; kd = depth; drop = 0; next
			}
		} else if (inside && depth == kd && $0 ~ /^[ \t]*#[ \t]*el/) {
			drop = 1; next
		} else if ($0 ~ /^[ \t]*#[ \t]*endif/) {
			if (inside && depth == kd) { inside = 0; drop = 0; depth--; next }
			depth--
		}
		if (!(inside && drop))
			print
	}' "$1" | cat -s
}

# put <kernel path> <source file>: stage the file, includes rewritten.
put() {
	local sha
	sha=$(kernel_only "$2" | sed "$include_sed" | g hash-object -w --stdin)
	g update-index --add --cacheinfo "100644,$sha,$1"
}

# put_text <kernel path>: stage stdin as it is.
put_text() {
	local sha
	sha=$(g hash-object -w --stdin)
	g update-index --add --cacheinfo "100644,$sha,$1"
}

# staged <kernel path>: the file as the index has it now.
staged() { g cat-file blob ":$1"; }

# The files under $LIBDIR, as the Makefile's object list wants them.
objects() {
	g ls-files -- "$LIBDIR/$1" | sed -n "s|^$LIBDIR/\\($1\\)\\.c\$|\\1.o|p" | sort | tr '\n' ' ' |
		sed 's/ $//'
}

# wrap <words>: a make list broken at 80 columns with continuations.
wrap() {
	fmt -w 72 | sed '$!s/$/ \\/; 2,$s/^/\t/'
}

TAB=$(printf '\t')
makefile() {
	cat <<-EOF
	# SPDX-License-Identifier: GPL-2.0-only
	#
	# libpgtable: AArch64 EL2 stage-1 and stage-2 translation tables.

	obj-\$(CONFIG_LIBPGTABLE) += libpgtable.o

	libpgtable-y := $(objects '[^/]*' | wrap)
	EOF
	[ -z "$(g ls-files -- "$LIBDIR/kunit")" ] && return 0
	cat <<-EOF

	# The KUnit suite: the cases (kunit/) and the reference translator and
	# helpers they share with the hosted tests (test/, included by kunit/),
	# which see a few libc headers through kunit/libc/.
	libpgtable-kunit := $(objects 'kunit/[^/]*' | wrap)
	libpgtable-\$(CONFIG_LIBPGTABLE_KUNIT_TEST) += \$(libpgtable-kunit)
	\$(foreach o,\$(libpgtable-kunit),\$(eval CFLAGS_\$(o) += -I\$(srctree)/\$(src) \\
	${TAB}-I\$(srctree)/\$(src)/kunit/libc -I\$(srctree)/\$(src)/test))
	EOF
}

commit_n=0
parent=$base
# Each patch's name: its message file's, kernel/messages/<n>-<name>.txt
# (kernel/checkpatch-exceptions names patches so).
: > "$tmp/keys"
# commit <message file>: commit the index on the previous patch.
commit() {
	local msg=$tmp/msg tree key
	commit_n=$((commit_n + 1))
	key=$(basename "$1" .txt)
	echo "$commit_n ${key#*-} $1" >> "$tmp/keys"
	{ cat "$1"; printf '\nSigned-off-by: %s <%s>\n' "$name" "$email"; } > "$msg"
	tree=$(g write-tree)
	parent=$(g commit-tree "$tree" -p "$parent" -F "$msg")
}

# ---- 1: the library, its Kconfig option and its public headers
for f in lib/*.c lib/*.h; do put "$LIBDIR/${f#lib/}" "$f"; done
for f in include/*.h; do put "$INCDIR/${f#include/}" "$f"; done
put "$LIBDIR/module.c" kernel/tree/module.c
put "$LIBDIR/Kconfig" kernel/tree/Kconfig
{ staged lib/Kconfig; printf '\nsource "lib/libpgtable/Kconfig"\n'; } | put_text lib/Kconfig
{ staged lib/Makefile; printf '\nobj-$(CONFIG_LIBPGTABLE) += libpgtable/\n'; } | put_text lib/Makefile
python3 scripts/kernel-maintainers.py "$tmp/MAINTAINERS" < <(staged MAINTAINERS)
put_text MAINTAINERS < "$tmp/MAINTAINERS"
makefile | put_text "$LIBDIR/Makefile"
commit kernel/messages/1-library.txt

# ---- 2: the kernel home and the exports: what kmod/exports.c exports,
# each right after its function.
put "$LIBDIR/mm.c" kmod/mm.c
put "$LIBDIR/home.h" kmod/home.h
put "$INCDIR/pgtable_kmod.h" kmod/pgtable_kmod.h
mkdir -p "$tmp/exports"
for f in $(g ls-files -- "$LIBDIR/*.c"); do staged "$f" > "$tmp/exports/${f##*/}"; done
python3 scripts/kernel-exports.py kmod/exports.c "$tmp"/exports/*.c
for f in "$tmp"/exports/*.c; do
	cmp -s "$f" <(staged "$LIBDIR/${f##*/}") || put_text "$LIBDIR/${f##*/}" < "$f"
done
makefile | put_text "$LIBDIR/Makefile"
commit kernel/messages/2-home.txt

# ---- 3: the KUnit suite
# kmod/ without what only the module needs: its init and debugfs (main.c, show.c),
# its KTAP runner (ktap.c) and what patch 2 took.
for f in kmod/*.c kmod/*.h; do
	case ${f#kmod/} in
	main.c | ktap.c | show.c | mm.c | exports.c | home.h | pgtable_kmod.h) continue ;;
	esac
	put "$LIBDIR/kunit/${f#kmod/}" "$f"
done
for f in kmod/libc/*.h; do put "$LIBDIR/kunit/libc/${f#kmod/libc/}" "$f"; done
# The test/ sources kmod/ includes, and their headers.
for f in $(sed -n 's|^#include "\.\./test/\([^"]*\)"|\1|p' kmod/*.c | sort -u); do
	put "$LIBDIR/test/$f" "test/$f"
	[ ! -e "test/${f%.c}.h" ] || put "$LIBDIR/test/${f%.c}.h" "test/${f%.c}.h"
done
for f in $(sed -n 's|^#include "\([^"/]*\.h\)"|\1|p' kmod/*.c kmod/*.h test/ref_xlat.c | sort -u); do
	[ ! -e "test/$f" ] || put "$LIBDIR/test/$f" "test/$f"
done
put "$LIBDIR/.kunitconfig" kernel/tree/kunitconfig
{ cat kernel/tree/Kconfig kernel/tree/Kconfig.kunit; } | put_text "$LIBDIR/Kconfig"
makefile | put_text "$LIBDIR/Makefile"
commit kernel/messages/3-kunit.txt

# ---- 4: documentation
put Documentation/core-api/libpgtable.rst kernel/libpgtable.rst
staged Documentation/core-api/index.rst |
	sed '/^   generic-radix-tree$/a\   libpgtable' | put_text Documentation/core-api/index.rst
python3 scripts/kernel-maintainers.py --doc "$tmp/MAINTAINERS" < <(staged MAINTAINERS)
put_text MAINTAINERS < "$tmp/MAINTAINERS"
commit kernel/messages/4-docs.txt

# ---- 5: KVM/arm64's page tables on the library: the adapter replaces
# arch/arm64/kvm/hyp/pgtable.c, and three files get the small edits
# kernel/kvm/*.edit describe (scripts/kernel-edit.py).
put arch/arm64/kvm/hyp/pgtable.c kernel/kvm/pgtable.c
edit() { staged "$1" | python3 scripts/kernel-edit.py "$2" | put_text "$1"; }
edit arch/arm64/include/asm/kvm_pgtable.h kernel/kvm/kvm_pgtable.h.edit
edit arch/arm64/kvm/hyp/nvhe/Makefile kernel/kvm/nvhe-Makefile.edit
edit arch/arm64/kvm/Kconfig kernel/kvm/Kconfig.edit
commit kernel/messages/5-kvm.txt

head=$parent

# ---- format-patch, and the cover letter from kernel/messages/cover-letter.txt
rm -rf "$OUT"
mkdir -p "$OUT"
out=$(cd "$OUT" && pwd)
g format-patch -q --no-signature --subject-prefix="$prefix" --cover-letter \
	--base="$base" -o "$out" "$base..$head"
cover=$(ls "$out"/0000-*.patch)
python3 - "$cover" kernel/messages/cover-letter.txt kernel/checkpatch-exceptions "$tmp/keys" <<'EOF'
import sys
import textwrap
path, letter = sys.argv[1], open(sys.argv[2]).read().rstrip('\n').split('\n')
subject, body = letter[0], '\n'.join(letter[2:] if len(letter) > 1 else [])
number = {}
for line in open(sys.argv[4]):
    n, key, _ = line.split(' ', 2)
    number[key] = n
# The checkpatch exceptions, each with its reason.
for line in open(sys.argv[3]):
    if line.startswith('#') or not line.strip():
        continue
    key, kind, where, reason = line.rstrip('\n').split(' ', 3)
    if key not in number:
        sys.exit('kernel/checkpatch-exceptions: no patch "%s" in kernel/messages/' % key)
    head = ' - patch %s, %s%s: ' % (number[key], kind, '' if where == '-' else ' in ' + where)
    body += '\n\n' + textwrap.fill(head + reason, 72, subsequent_indent='   ')
text = open(path).read()
text = text.replace('*** SUBJECT HERE ***', subject, 1)
text = text.replace('*** BLURB HERE ***', body, 1)
open(path, 'w').write(text)
EOF
cut -d' ' -f1,2 "$tmp/keys" > "$out/.keys"
echo "$repo $base $head" > "$out/.series"
echo "$repo $base $head"
