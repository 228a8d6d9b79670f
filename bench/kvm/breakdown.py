#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Where the instructions of one call go: read a callgrind dump of one
bench-kvm timed part (bench/profile.sh --callgrind writes them, with
--dump-instr=yes) and split its instructions per unit into categories.

  bench/kvm/breakdown.py DUMP [--functions] [--lines N]
  bench/kvm/breakdown.py --table OURS_DUMP:KVM_DUMP...
      one column per pair, "ours / KVM" per category (performance.rst)

Every instruction is attributed to the source function its code comes
from (inlined code to the inlined function, through callgrind's fi/fe
records) and to the compiled function containing it; CATEGORIES below
turns the pair into one of: harness, operation setup, argument checks,
walker setup, quiet descent, per-level visit machinery, table address
conversion, visitor, mm_ops (home).  lib/walker.h's one-entry walk counts
as the walker's wherever it is inlined.  A source function the table does not
know is reported as "other: <name>", so a renamed function shows.
"""
import re
import sys
from collections import defaultdict

CHECKS = {'pgt_check_range', 'pgt_check_aligned', 'pgt_check_map', 'pgt_s2_prot_check',
          's2_cache_check', 's2_map_check', 'stage2_config_check', 'pgt_cache_reachable',
          'pgt_s2_prot_check_tree', 'pgt_s2_prot_valid'}
ADDRESS = {'pte_table_virt', 'pgt_pte_addr', 'pgt_table_virt', 'pgt_table_addr'}
# Operations' own code run once per call, outside the walk.
SETUP = {'pgt_stage2_map', 's2_map_prepared', 's2_worst_tables', 's2_map_shape', 'span_tables',
         'entry_tables', 'pgt_stage2_mkyoung', 'pgt_stage2_test_clear_young',
         'pgt_stage2_relax_perms', 's2_attr_walk', 'pgt_get_leaf', 's2_map_walk', 's2_reserve',
         's2_reserve_pages', 'pgt_stage2_tables_needed', 'pgt_memcache_topup', 's2_fwb',
         'pgt_tlbi_va', 'pgt_level_size', 'pgt_page_size', 'pgt_s2_map_walk',
         'pgt_s2_map_shape', 's2_leaf_attrs', 'pgt_s2_leaf_attrs', 's2_memattr', 'leaf_sh',
         's2_xn', 'pgt_s2_may_sweep', 's2_map_reserved'}
WALKER_LEVEL = {'walk_table', 'visit_entry', 'visit_settled', 'call_visitor', 'first_visit',
                'table_entries', 'walk_shared', 'locked_entry_action', 'visit_once',
                'visit_retried', 'settled_result', 'walk_from'}

# lib/walker.h, inlined into the operations: the one-entry walk's descent
# and visit; the rest of it (pgt_walk_checked, the choice of copy) is setup.
WALKER_INLINE = {'pgt_walk_one_granule': 'quiet descent',
                 'pgt_visit_settled': 'per-level visit machinery',
                 'pgt_visit_once': 'per-level visit machinery',
                 'pgt_first_visit': 'per-level visit machinery',
                 'pgt_pte_is_table': 'quiet descent', 'pgt_pte_is_locked': 'quiet descent'}
# The entry tests the descent makes, wherever they are inlined.
WALKER_INLINE_TESTS = {'pgt_pte_is_table', 'pgt_pte_is_locked'}

# Linux 6.1 (build/kvm-src/<version>/arch/arm64/...) and its shim.
KVM_SETUP_PREFIX = ('kvm_pgtable_stage2_', 'stage2_update_leaf_attrs', 'stage2_set_prot_attr',
                    'kvm_pgtable_get_leaf')
KVM_WALK_SETUP = {'kvm_pgtable_walk', '_kvm_pgtable_walk', 'kvm_pgd_page_idx',
                  '__kvm_pgd_page_idx'}
KVM_ADDRESS = {'kvm_pte_follow', 'kvm_pte_to_phys'}
KVM_LEVEL = {'__kvm_pgtable_walk', '__kvm_pgtable_visit', 'kvm_pgtable_visitor_cb',
             'kvm_pgtable_idx', 'kvm_pte_table', 'kvm_granule_shift', 'kvm_granule_size',
             'kvm_pte_valid'}
KVM_SHIM_HOME = {'kvm_zalloc_page', 'kvm_get_page', 'kvm_put_page', 'kvm_page_count',
                 'kvm_phys_to_virt', 'kvm_virt_to_phys', 'kvm_dcache_clean_inval_poc',
                 'kvm_icache_inval_pou', '__kvm_tlb_flush_vmid_ipa', '__kvm_tlb_flush_vmid'}


def kvm_category(src_fn, fn):
    name = src_fn if src_fn != '?' else fn
    if name in KVM_WALK_SETUP:
        return 'walker setup'
    if name in KVM_ADDRESS:
        return 'table address conversion (call site)'
    if name in KVM_LEVEL:
        return 'per-level visit machinery'
    if name.startswith(KVM_SETUP_PREFIX) and not name.endswith('_walker'):
        return 'operation setup'
    return 'visitor'


def category(src_file, src_fn, fn_file, fn):
    if src_file.startswith('kvm/'):
        return kvm_category(src_fn, fn)
    if src_file.endswith('kvm_side.c') and src_fn in KVM_SHIM_HOME:
        return 'mm_ops (home): ' + src_fn
    if src_file.startswith('bench/') or fn_file.startswith('bench/'):
        return 'harness (loop, top-up check)'
    if 'host_mm' in src_file or '/hosted/' in '/' + src_file:
        return 'mm_ops (home): ' + src_fn
    if src_fn in CHECKS:
        return 'argument checks'
    if src_fn in ADDRESS:
        return 'table address conversion (call site)'
    if src_file.endswith('lib/walker.h') or src_fn in WALKER_INLINE_TESTS:
        return WALKER_INLINE.get(src_fn, 'walker setup')
    if src_file.endswith('lib/walker.c') or fn_file.endswith('lib/walker.c'):
        name = src_fn if src_file.endswith('lib/walker.c') else fn
        if name in ('pgt_walk', 'pgt_walk_checked'):
            return 'walker setup' if src_file.endswith('lib/walker.c') else 'quiet descent'
        if name in ('descend_quietly', 'walk_single', 'walk_single_granule'):
            return 'quiet descent'
        if name in WALKER_LEVEL:
            return 'per-level visit machinery'
    if src_fn.endswith('_visitor') or fn.endswith('_visitor'):
        return 'visitor'
    # An inlined visitor is the visitor's; the function holding it, setup.
    if src_fn in SETUP or (src_fn == '?' and fn in SETUP):
        return 'operation setup'
    if src_file.startswith('lib/') or src_file.startswith('include/'):
        return 'visitor'
    return 'other: ' + src_fn


_fn_cache = {}
_paths = {}


def functions_of(path):
    """[(first line, last line, name)] of the C functions defined in @path."""
    if path in _fn_cache:
        return _fn_cache[path]
    spans, start, name = [], None, None
    try:
        lines = open(_paths.get(path, path), errors='replace').read().split('\n')
    except OSError:
        lines = []
    head = re.compile(r'^[a-zA-Z_].*?\b(\w+)\s*\(')
    for i, line in enumerate(lines, 1):
        # "static inline __attribute__((always_inline))" alone names no function.
        m = head.match(re.sub(r'__attribute__\(\(\w+\)\)', '', line))
        if start is None and m and not line.rstrip().endswith(';') and \
                not line.startswith(('typedef', '#')):
            start, name = i, m.group(1)
        elif start is not None and line.startswith('}'):
            spans.append((start, i, name))
            start = None
    _fn_cache[path] = spans
    return spans


def src_function(path, line):
    for a, b, name in functions_of(path):
        if a <= line <= b:
            return name
    return '?'


def rel(path):
    m = re.search(r'kvm-src/[^/]+/(arch/.*)$', path)
    if m:
        return 'kvm/' + m.group(1)
    m = re.search(r'(?:^|/)((?:lib|include|test|bench)/.*)$', path)
    return m.group(1) if m else path


def parse(dump):
    names = {'fl': {}, 'fn': {}}
    selfcost = defaultdict(int)     # (src file, src line, fn file, fn) -> Ir
    total = units = None
    fl = fi = fn = ''
    fn_file = {}
    pos = [0, 0]
    skip_next = False

    def name(kind, v):
        m = re.match(r'\((\d+)\)(?: (.*))?$', v)
        if not m:
            return v
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), '?')

    def sub(v, old, base):
        if v == '*':
            return old
        if v[0] in '+-':
            return old + int(v, 0)
        return int(v, base)

    for line in open(dump, errors='replace'):
        line = line.rstrip('\n')
        if not line:
            continue
        if line.startswith('desc: Trigger: Client Request: '):
            units = int(line.rsplit(':', 1)[1])
        elif line.startswith('totals:'):
            total = int(line.split()[1])
        elif line.startswith(('fl=', 'fi=', 'fe=')):
            full = name('fl', line[3:])
            f = rel(full)
            _paths[f] = full
            if line.startswith('fl='):
                fl = f
            fi = f
        elif line.startswith('fn='):
            fn = name('fn', line[3:])
            fi = fl
            fn_file[fn] = fl
        elif line.startswith(('cfl=', 'cfi=')):
            name('fl', line[4:])
        elif line.startswith('cfn='):
            name('fn', line[4:])
        elif line.startswith('calls='):
            skip_next = True
        elif line[0] in '0123456789+-*':
            parts = line.split()
            pos[0] = sub(parts[0], pos[0], 16)
            pos[1] = sub(parts[1], pos[1], 10)
            if skip_next:
                skip_next = False
                continue
            cost = int(parts[2]) if len(parts) > 2 else 0
            selfcost[(fi, pos[1], fl, fn)] += cost
    return selfcost, total, units


GROUPS = [
    ('harness (loop, top-up check)', ('harness',)),
    ('operation setup', ('operation setup',)),
    ('argument checks', ('argument checks',)),
    ('walker setup', ('walker setup',)),
    ('descent and per-level machinery', ('quiet descent', 'per-level')),
    ('table address conversion', ('table address',)),
    ('visitor', ('visitor',)),
    ('mm_ops calls (the home)', ('mm_ops',)),
]


def grouped(dump):
    selfcost, total, units = parse(dump)
    units = units or 1
    out = dict((g, 0.0) for g, _ in GROUPS)
    for (src, ln, ffile, fn), c in selfcost.items():
        cat = category(src, src_function(src, ln), ffile, fn)
        for g, prefixes in GROUPS:
            if cat.startswith(prefixes):
                out[g] += c / units
                break
    out['total'] = (total or 0) / units
    return out


def table(pairs):
    cols = [(name, grouped(o), grouped(k)) for name, o, k in pairs]
    head = ['instructions per call'] + [c[0] for c in cols]
    rows = [[g] + ['%.0f / %.0f' % (o[g], k[g]) for _, o, k in cols]
            for g, _ in GROUPS + [('total', None)]]
    w = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]
    sep = '  '.join('=' * x for x in w)
    line = lambda r: '  '.join(r[i].ljust(w[i]) for i in range(len(r))).rstrip()
    print('\n'.join([sep, line(head), sep] + [line(r) for r in rows] + [sep]))


def main(argv):
    if argv[:1] == ['--table']:
        pairs = []
        for a in argv[1:]:
            name, o, k = a.split(':')
            pairs.append((name, o, k))
        table(pairs)
        return 0
    if not argv:
        print(__doc__)
        return 2
    top = int(argv[argv.index('--lines') + 1]) if '--lines' in argv else 0
    by_fn = '--functions' in argv
    selfcost, total, units = parse(argv[0])
    units = units or 1
    cats = defaultdict(int)
    lines = defaultdict(int)
    fns = defaultdict(int)
    for (src, ln, ffile, fn), c in selfcost.items():
        sfn = src_function(src, ln)
        cat = category(src, sfn, ffile, fn)
        cats[cat] += c
        lines[(src, ln, sfn)] += c
        fns[(cat, sfn)] += c
    print('%.1f instructions per unit (%d units)' % ((total or sum(cats.values())) / units, units))
    home = sum(c for k, c in cats.items() if k.startswith('mm_ops'))
    for k, c in sorted(cats.items(), key=lambda kv: -kv[1]):
        if c:
            print('  %7.1f  %-45s' % (c / units, k))
        for (cat, sfn), fc in sorted(fns.items(), key=lambda kv: -kv[1]):
            if by_fn and cat == k and fc:
                print('           %7.1f  %s' % (fc / units, sfn))
    print('  %7.1f  %-45s' % (home / units, '(mm_ops (home) in all)'))
    for (src, ln, sfn), c in sorted(lines.items(), key=lambda kv: -kv[1])[:top]:
        print('    %6.1f  %s:%d (%s)' % (c / units, src, ln, sfn))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
