#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""MAINTAINERS for the in-kernel series (scripts/patches.sh): reads the
file on stdin, writes it to the path given with the libpgtable entry in
its alphabetical place; --doc adds the documentation page to the entry.

The maintainer is the series' author (PATCHES_NAME, PATCHES_EMAIL)."""
import os
import sys

TITLE = 'LIBPGTABLE (AARCH64 EL2 AND STAGE-2 TRANSLATION TABLES)'
FILES = ['include/linux/libpgtable/', 'lib/libpgtable/']
DOC = 'Documentation/core-api/libpgtable.rst'


def people():
    return ['M:\t%s <%s>' % (os.environ['PATCHES_NAME'], os.environ['PATCHES_EMAIL']),
            'L:\tkvmarm@lists.linux.dev']


def entry(doc):
    lines = [TITLE] + people() + ['S:\tMaintained']
    files = sorted(FILES + ([DOC] if doc else []))
    return lines + ['F:\t' + f for f in files]


def main():
    doc = '--doc' in sys.argv[1:]
    out = [a for a in sys.argv[1:] if not a.startswith('--')][0]
    text = sys.stdin.read().split('\n')
    # Drop an entry a previous patch added.
    if TITLE in text:
        i = text.index(TITLE)
        j = i
        while j < len(text) and text[j]:
            j += 1
        del text[i:j + 1]
    # Entries start after the line "Maintainers List"; each is a title line
    # after a blank one, followed by "X:\t" lines.
    start = next(i for i, l in enumerate(text) if l.startswith('Maintainers List'))
    at = None
    for i in range(start + 1, len(text) - 1):
        if text[i - 1] == '' and text[i] and text[i + 1][1:3] == ':\t' and \
                text[i].upper() > TITLE:
            at = i
            break
    if at is None:
        sys.exit('kernel-maintainers: no place for the entry')
    text[at:at] = entry(doc) + ['']
    with open(out, 'w') as f:
        f.write('\n'.join(text))


main()
