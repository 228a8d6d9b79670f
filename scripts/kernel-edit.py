#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Apply an insert-after edit (kernel/kvm/*.edit) to a kernel file: reads
# the file on stdin, writes it edited on stdout.  Each rule of the edit
#   after <extended regex>
#   <lines>
#   end
# inserts <lines> after the first line at or below the previous rule's
# match that the regex matches; a rule that matches nothing is an error,
# so a base tree that moved makes the series fail to generate, not
# silently differ.
import re
import sys


def rules(path):
    pattern, body = None, None
    for line in open(path):
        line = line.rstrip('\n')
        if body is None:
            if line.startswith('#') or not line.strip():
                continue
            if not line.startswith('after '):
                sys.exit('%s: expected "after <regex>": %s' % (path, line))
            pattern, body = re.compile(line[len('after '):]), []
        elif line == 'end':
            yield pattern, body
            pattern, body = None, None
        else:
            body.append(line)
    if body is not None:
        sys.exit('%s: a rule has no "end"' % path)


def main():
    lines = sys.stdin.read().split('\n')
    at = 0
    for pattern, body in rules(sys.argv[1]):
        while at < len(lines) and not pattern.search(lines[at]):
            at += 1
        if at == len(lines):
            sys.exit('%s: nothing matches %s' % (sys.argv[1], pattern.pattern))
        lines[at + 1:at + 1] = body
        at += 1 + len(body)
    sys.stdout.write('\n'.join(lines))


main()
