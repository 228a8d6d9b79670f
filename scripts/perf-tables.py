#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Rewrite the result tables of Documentation/performance.rst from
bench/results.json (make bench writes it), so the document always shows
the numbers of one run: the per-granule tables and the KVM comparison."""
import json
import re
import sys

DOC = 'Documentation/performance.rst'
RESULTS = 'bench/results.json'
KVM = [  # operation, scenario, KVM 6.1 ns per unit (issue 6), target
    ('fault-style map', 'fault_map', 38.0, 15.2),
    ('  (shared walks)', 'fault_map_shared', 38.0, 15.2),
    ('map 1 GiB as pages', 'map_pages', 10.3, 4.12),
    ('map 1 GiB as 2M blocks', 'map_blocks', 10.5, 4.2),
    ('wrprotect', 'wrprotect', 3.6, 1.44),
    ('mkold per page', 'mkold_per_page', 18.9, 7.56),
    ('relax_perms per page', 'relax_perms_per_page', 20.5, 8.2),
    ('unmap', 'unmap', 9.6, 3.84),
]


def num(v):
    return '%.2f' % v if v < 1000 else '%d' % round(v)


def note(r):
    n = []
    if r.get('vs_floor'):
        n.append('%.1fx floor' % r['vs_floor'])
    if r.get('tables_freed'):
        n.append('%d freed' % r['tables_freed'])
    if r.get('threads', 1) > 1 and r.get('speedup'):
        n.append('x%.2f (best x%.2f)' % (r['speedup'], r.get('speedup_best', 0)))
    if r.get('topup_ns'):
        n.append('top-up %.2f' % r['topup_ns'])
    return ', '.join(n)


def rst_table(head, rows):
    w = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]
    sep = '  '.join('=' * x for x in w)
    line = lambda r: '  '.join(r[i].ljust(w[i]) for i in range(len(r))).rstrip()
    return '\n'.join([sep, line(head), sep] + [line(r) for r in rows] + [sep])


def granule_table(res, g):
    head = ['scenario', 'unit', 'median', 'min', 'max', 'TLBI va', 'range', 'CMO',
            'peak', 'tree', 'notes']
    rows = [[r['name'], r['unit'].replace('ns/', ''), num(r['median']), num(r['min']),
             num(r['max']), str(r.get('tlbi_va_leaf', 0) + r.get('tlbi_va_table', 0)),
             str(r.get('tlbi_range', 0)), str(r.get('cmo', 0)), str(r.get('table_pages', '')),
             str(r.get('tree_pages', '')), note(r)] for r in res if r['granule'] == g]
    return rst_table(head, rows)


def kvm_table(res):
    by = {r['name']: r for r in res if r['granule'] == '4K'}
    head = ['operation', 'KVM 6.1', 'ours', 'ratio', 'target', 'met']
    rows = [[n, '%g' % k, '%.2f' % by[s]['median'], '%.2f' % (k / by[s]['median']), '%g' % t,
             'yes' if by[s]['median'] <= t else 'no'] for n, s, k, t in KVM]
    rows.append(['unmap TLBIs', '262,657', '%d range' % by['unmap']['tlbi_range'], '—',
                 'handful', 'yes'])
    rows.append(['floor', '0.6', '%.2f' % by['floor']['median'], '—', '—', '—'])
    rows.append(['table pages after fault', '515', str(by['fault_map']['tree_pages']), '—',
                 '515', 'yes' if by['fault_map']['tree_pages'] == 515 else 'no'])
    return rst_table(head, rows)


def replace_table(doc, after, table):
    """Replace the first table (three ===== lines, after a blank line, so not
    a heading's underline) that follows the heading @after."""
    start = doc.index(after) + len(after)
    start = doc.index('\n\n=====', start) + 2
    end, seps = start, 0
    while seps < 3:
        nl = doc.index('\n', end)
        seps += doc[end:nl].startswith('=====')
        end = nl + 1
    return doc[:start] + table + '\n' + doc[end:]


def main():
    res = json.load(open(RESULTS))['results']
    doc = open(DOC).read()
    for g in ('4K', '16K', '64K'):
        doc = replace_table(doc, '%s granule\n' % g, granule_table(res, g))
    doc = replace_table(doc, 'Against Linux 6.1 (4K, 1 GiB)\n', kvm_table(res))
    open(DOC, 'w').write(doc)
    return 0


if __name__ == '__main__':
    sys.exit(main())
