#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Which source files call which, read from the objects' symbol tables.

  call-graph.py OBJDIR SRCDIR [--design FILE]

Prints "file -> callee, callee" for every object of OBJDIR/SRCDIR/*.o, and
fails (exit 1) when two files call each other, directly or round a longer
circle.  With --design, also checks the table of Documentation/design.rst
("The map of the code"): every file listed, each one's calls among the ones
the table allows, and no file of SRCDIR missing from it.
"""
import os
import re
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(['nm', obj], check=True, capture_output=True, text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == 'U':
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] in 'TDBRV':
            defined.add(parts[2])
    return defined, undefined


def graph(objdir, srcdir):
    objs = sorted(f for f in os.listdir(os.path.join(objdir, srcdir)) if f.endswith('.o'))
    owner, needs = {}, {}
    for o in objs:
        name = o[:-2] + '.c'
        d, u = symbols(os.path.join(objdir, srcdir, o))
        for s in d:
            owner[s] = name
        needs[name] = u
    return {f: sorted({owner[s] for s in u if s in owner and owner[s] != f})
            for f, u in needs.items()}


def cycles(edges):
    found, state = [], {}

    def visit(f, path):
        state[f] = 1
        for g in edges.get(f, []):
            if state.get(g) == 1:
                found.append(path[path.index(g):] + [g])
            elif not state.get(g):
                visit(g, path + [g])
        state[f] = 2

    for f in edges:
        if not state.get(f):
            visit(f, [f])
    return found


def design_table(path, srcdir):
    """Rows "``lib/file.c``  concept  callee, callee" (callees without .c; -- for none)."""
    allowed = {}
    pat = re.compile(r'^``' + re.escape(srcdir) + r'/([\w.]+\.c)``\s+(.*)$')
    for line in open(path):
        m = pat.match(line.rstrip())
        if not m:
            continue
        cols = re.split(r'\s{2,}', m.group(2))
        calls = cols[-1] if len(cols) >= 2 else '--'
        allowed[m.group(1)] = set() if calls == '--' else \
            {c.strip() + '.c' for c in calls.split(',')}
    return allowed


def self_test():
    """The check must be able to fail: a circle of two files, and a call the table forbids."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'lib')
        os.mkdir(src)
        files = {'a.c': 'int b(void); int a(void) { return b(); }',
                 'b.c': 'int a(void); int b(void) { return a(); }',
                 'c.c': 'int a(void); int c(void) { return a(); }'}
        for name, text in files.items():
            open(os.path.join(src, name), 'w').write(text + '\n')
            subprocess.run(['cc', '-c', '-o', os.path.join(src, name[:-2] + '.o'),
                            os.path.join(src, name)], check=True)
        design = os.path.join(tmp, 'design.rst')
        open(design, 'w').write('``lib/a.c``  x  b\n``lib/b.c``  x  a\n``lib/c.c``  x  --\n')
        edges = graph(tmp, 'lib')
        assert edges == {'a.c': ['b.c'], 'b.c': ['a.c'], 'c.c': ['a.c']}, edges
        assert cycles(edges), 'the circle a -> b -> a went unnoticed'
        assert not set(edges['c.c']) <= design_table(design, 'lib')['c.c'], \
            'the forbidden call c -> a went unnoticed'
    print('call-graph self-test: a circle and a forbidden call are both caught')
    return 0


def main():
    args = sys.argv[1:]
    if args == ['--self-test']:
        return self_test()
    design = None
    if '--design' in args:
        i = args.index('--design')
        design = args[i + 1]
        del args[i:i + 2]
    objdir, srcdir = args
    edges = graph(objdir, srcdir)
    bad = 0
    for f in sorted(edges):
        print(f'{srcdir}/{f} -> {", ".join(edges[f]) or "(nothing)"}')
    for c in cycles(edges):
        print(f'FAIL: {srcdir}/ files call each other: {" -> ".join(c)}')
        bad = 1
    if design:
        allowed = design_table(design, srcdir)
        for f in sorted(edges):
            if f not in allowed:
                print(f'FAIL: {srcdir}/{f} is not in {design}\'s map of the code')
                bad = 1
            elif not set(edges[f]) <= allowed[f]:
                extra = ', '.join(sorted(set(edges[f]) - allowed[f]))
                print(f'FAIL: {srcdir}/{f} calls {extra}, which {design} does not allow')
                bad = 1
        for f in sorted(set(allowed) - set(edges)):
            print(f'FAIL: {design} lists {srcdir}/{f}, which does not exist')
            bad = 1
    return bad


if __name__ == '__main__':
    sys.exit(main())
