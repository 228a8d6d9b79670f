#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Rewrite the result tables of Documentation/performance.rst, so the
document always shows the numbers of one run each:

  scripts/perf-tables.py
      the stage-2 suite's tables from bench/results.json (make bench), and
      the side-by-side KVM tables from bench/kvm.json (make bench-kvm).
  scripts/perf-tables.py --kvm JSON [CALLGRIND_DIR]
      what make bench-kvm runs: add the instruction counts of the
      callgrind dumps in CALLGRIND_DIR to JSON and print the ratio table.
"""
import glob
import json
import os
import re
import subprocess
import sys
import time

DOC = 'Documentation/performance.rst'
RESULTS = 'bench/results.json'


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


# ---------------------------------------------------------------- bench-kvm

KVM_RESULTS = 'bench/kvm.json'
TARGET_RATIO = 2.5      # issue 14: at least 2.5x faster than KVM 6.1
TARGET_FLOOR = 3.0      # per-call: within 3x of the floor
LABEL = re.compile(r'^desc: Trigger: Client Request: bench-kvm:(\w+):(\w+):(\w+):(\d+)$')


def callgrind_counts(cg_dir):
    """{(granule, scenario, side): instructions per unit} from the dumps of
    bench-kvm run under callgrind --collect-atstart=no: each dump holds the
    timed part of one run, labelled by the client request that dumped it."""
    counts = {}
    for path in sorted(glob.glob(os.path.join(cg_dir, 'callgrind.out*'))):
        key = total = None
        for line in open(path, errors='replace'):
            m = LABEL.match(line.rstrip('\n'))
            if m:
                key = m.groups()
            elif line.startswith('totals:') or (total is None and line.startswith('summary:')):
                total = int(line.split()[1])
        if key and total is not None:
            counts[key[:3]] = total / int(key[3])
    return counts


def side_names(r):
    return [s for s in ('kvm', 'ours', 'floor') if s in r]


def merge_counts(data, counts, cg_dir):
    for r in data['results']:
        for s in side_names(r):
            r[s]['callgrind'] = counts.get((r['granule'], r['name'], s))
        if 'kvm' in r and r['kvm'].get('callgrind') and r['ours'].get('callgrind'):
            r['ratio_instructions'] = r['kvm']['callgrind'] / r['ours']['callgrind']
    data['meta']['callgrind_dir'] = cg_dir
    data['meta'].setdefault('date', time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
    try:
        data['meta'].setdefault('commit', subprocess.run(
            ['git', 'describe', '--always', '--dirty'], capture_output=True, text=True,
            check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        pass
    return data


def floor_of(res, r, name='floor_per_call'):
    for f in res:
        if f['granule'] == r['granule'] and f['kind'] == 'floor' and f['name'] == name:
            return f['floor']
    return None


def fmt(v, spec='%.2f'):
    return '-' if v is None else spec % v


def vs_floor(res, r, key):
    f = floor_of(res, r)
    if r['kind'] != 'per-call' or not f or not f.get(key) or not r['ours'].get(key):
        return None
    return r['ours'][key] / f[key]


def kvm_rows(res, g):
    rows = []
    for r in res:
        if r['granule'] != g:
            continue
        o = r.get('ours') or r.get('floor')
        k = r.get('kvm', {})
        ratio = r.get('ratio')
        fl_ns, fl_ir = vs_floor(res, r, 'median'), vs_floor(res, r, 'callgrind')
        home = r.get('vs_home_floor')
        if r['kind'] == 'floor':
            met = ''
        else:
            ok = ratio is not None and ratio >= TARGET_RATIO
            if r['kind'] == 'per-call':
                ok = ok and fl_ns is not None and fl_ns <= TARGET_FLOOR
            met = 'yes' if ok else 'no'
        rows.append([r['name'] + (' (1)' if r.get('shared') else ''), r['unit'],
                     fmt(k.get('median')), fmt(o['median']), fmt(ratio),
                     fmt(k.get('callgrind'), '%.0f'), fmt(o.get('callgrind'), '%.0f'),
                     fmt(r.get('ratio_instructions')),
                     fmt(fl_ns, '%.1fx') + ' / ' + fmt(fl_ir, '%.1fx') if fl_ns else '',
                     fmt(home, '%.1fx') if home else '', met])
    return rows


KVM_HEAD = ['scenario', 'unit', 'KVM ns', 'ours ns', 'ratio', 'KVM ins', 'ours ins',
            'ins ratio', 'vs floor', '+home', 'met']


def print_kvm(data):
    res = data['results']
    for g in ('4K', '16K', '64K'):
        rows = kvm_rows(res, g)
        if rows:
            print('\n%s granule' % g)
            print(rst_table(KVM_HEAD, rows))
    print('\nratio: KVM / ours (above 1: ours is faster); ins: instructions per unit '
          '(callgrind); vs floor: ours / the per-call floor, ns / instructions;\n'
          '+home: ours / the floor with the home calls the operation must make, ns;\n'
          'met: ratio >= %g (per-call: and ns within %gx of the floor); '
          '(1) KVM 6.1 has no shared walk: its column is its exclusive map'
          % (TARGET_RATIO, TARGET_FLOOR))


def kvm_main(args):
    path = args[0]
    data = json.load(open(path))
    if len(args) > 1 and os.path.isdir(args[1]):
        data = merge_counts(data, callgrind_counts(args[1]), args[1])
        with open(path, 'w') as f:
            json.dump(data, f, indent=1)
            f.write('\n')
    print_kvm(data)
    return 0


def main():
    if sys.argv[1:2] == ['--kvm']:
        return kvm_main(sys.argv[2:])
    res = json.load(open(RESULTS))['results']
    doc = open(DOC).read()
    for g in ('4K', '16K', '64K'):
        doc = replace_table(doc, '%s granule\n' % g, granule_table(res, g))
    if os.path.exists(KVM_RESULTS):
        kvm = json.load(open(KVM_RESULTS))['results']
        for g in ('4K', '16K', '64K'):
            doc = replace_table(doc, 'Side by side, %s\n' % g, rst_table(KVM_HEAD, kvm_rows(kvm, g)))
    open(DOC, 'w').write(doc)
    return 0


if __name__ == '__main__':
    sys.exit(main())
