#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Exports for the in-kernel series (scripts/patches.sh): put
EXPORT_SYMBOL_GPL(name); right after the definition of every function
kmod/exports.c exports, as the kernel wants them.

  kernel-exports.py <exports.c> <file.c>...

Rewrites each file that defines one of them in place, with
<linux/export.h> included before its first #include; fails naming any
exported function no file defines."""
import re
import sys


def definition_end(lines, i):
    """Index of the closing brace of the definition starting at line i, or
    None if the lines from i are a declaration."""
    for j in range(i, len(lines)):
        if lines[j].rstrip().endswith(';') and not lines[j].startswith('{'):
            return None
        if lines[j] == '{':
            for k in range(j + 1, len(lines)):
                if lines[k] == '}':
                    return k
            return None
    return None


def main():
    names = re.findall(r'^EXPORT_SYMBOL_GPL\((\w+)\);', open(sys.argv[1]).read(), re.M)
    found = set()
    for path in sys.argv[2:]:
        lines = open(path).read().split('\n')
        out, added = [], False
        ends = {}
        for i, line in enumerate(lines):
            if line.startswith('static') or not line[:1].isalpha():
                continue
            m = re.match(r'^(?:[A-Za-z_][\w \*]*[ \*])?(\w+)\(', line)
            if m and m.group(1) in names:
                end = definition_end(lines, i)
                if end is not None:
                    ends[end] = m.group(1)
        for i, line in enumerate(lines):
            out.append(line)
            if i in ends:
                out.append('EXPORT_SYMBOL_GPL(%s);' % ends[i])
                found.add(ends[i])
                added = True
        if added:
            first = next(i for i, l in enumerate(out) if l.startswith('#include'))
            out.insert(first, '#include <linux/export.h>')
            open(path, 'w').write('\n'.join(out))
    missing = [n for n in names if n not in found]
    if missing:
        sys.exit('kernel-exports: no definition of ' + ' '.join(missing))


main()
