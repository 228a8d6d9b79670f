#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""json_check.py - check every "dump --json" line of a replay's output.

    python3 test/tool/json_check.py OUTPUT

Each JSON line must parse.  When a raw "dump" of the same tree comes right
before it, the JSON is checked against that dump with a walk of our own
(the raw descriptors decoded here, not by the library):
  - "entries" are exactly the dump's non-zero descriptors, depth first in
    address order, each with the input address the walk gives it;
  - "ranges" cover every leaf and owner descriptor exactly once, each
    leaf's output address and access flag as the descriptor says;
  - no two neighbouring ranges could have been one (show merges fully).
Exit status 1 and a message per failure; a last line with the totals.
"""
import json
import sys

AF = 1 << 10


def parse_dump(lines, i):
    """The dump starting at lines[i]: (header dict, {(page, index): (level, pte)}, next i)."""
    head = dict(w.split("=", 1) for w in lines[i].split()[1:])
    ptes = {}
    i += 1
    while lines[i] != "end":
        _, page, level, index, val = lines[i].split()
        ptes[(int(page, 16), int(index))] = (int(level), int(val, 16))
        i += 1
    return head, ptes, i + 1


def walk(head, ptes):
    """[(ia, level, kind, pte)] in depth-first address order, from the raw dump."""
    gran = int(head["granule"])
    gshift = gran.bit_length() - 1
    per_page = gran // 8
    addr_mask = ((1 << 48) - 1) & ~(gran - 1)
    out = []

    def shift(level):
        return gshift + (3 - level) * (gshift - 3)

    def table(page, level, base):
        for index in range(per_page):
            ent = ptes.get((page, index))
            if ent is None:
                continue
            lvl, pte = ent
            if lvl != level:
                raise ValueError(f"pte at {page:#x}/{index} says level {lvl}, walk says {level}")
            ia = base + index * (1 << shift(level))
            if level < 3 and pte & 3 == 3:
                out.append((ia, level, "table", pte))
                table(pte & addr_mask, level + 1, ia)
            elif pte & 1 and (level == 3) == (pte & 3 == 3):
                out.append((ia, level, "page" if level == 3 else "block", pte))
            else:
                out.append((ia, level, "other", pte))

    root = int(head["root"], 16)
    start = int(head["start_level"])
    for p in range(int(head["root_pages"])):
        table(root + p * gran, start, p * per_page * (1 << shift(start)))
    return out, addr_mask


def check(doc, head, ptes, fail):
    entries, addr_mask = walk(head, ptes)
    got = [(int(e["ia"], 16), e["level"], e["kind"], int(e["pte"], 16)) for e in doc["entries"]]
    want = [(ia, lvl, kind if kind != "other" else None, pte) for ia, lvl, kind, pte in entries]
    for g, w in zip(got, want):
        if g[:2] != w[:2] or g[3] != w[3] or (w[2] and g[2] != w[2]):
            fail(f"entry {g} but the raw dump walks to {w}")
            break
    if len(got) != len(want):
        fail(f"{len(got)} entries, the raw dump has {len(want)}")
    covered = set()
    leaves = {(ia, lvl): pte for ia, lvl, kind, pte in entries if kind in ("page", "block")}
    # Owner annotations are the library's own encoding: the JSON's kind says which.
    owners = {(int(e["ia"], 16), e["level"]) for e in doc["entries"] if e["kind"] == "owner"}
    for r in doc["ranges"]:
        start, end, lvl = int(r["start"], 16), int(r["end"], 16), r["level"]
        size = (end - start) // r["entries"]
        for k in range(r["entries"]):
            key = (start + k * size, lvl)
            covered.add(key)
            if r["kind"] == "owner":
                if key not in owners:
                    fail(f"range {r['start']}: no owner entry at {key[0]:#x} level {lvl}")
                continue
            pte = leaves.get(key)
            if pte is None:
                fail(f"range {r['start']}: no leaf at {key[0]:#x} level {lvl}")
            elif pte & addr_mask & ~(size - 1) != int(r["pa"], 16) + k * size:
                fail(f"range {r['start']}: entry {k} maps {pte & addr_mask:#x}")
            elif bool(pte & AF) != r["young"]:
                fail(f"range {r['start']}: entry {k} access flag {bool(pte & AF)}")
    missing = (set(leaves) | owners) - covered
    if missing:
        fail(f"{len(missing)} entries in no range, e.g. {sorted(missing)[0]}")
    same = ("level", "kind", "prot", "memtype", "young", "sw", "owner")
    for a, b in zip(doc["ranges"], doc["ranges"][1:]):
        if a["end"] == b["start"] and all(a.get(k) == b.get(k) for k in same) and \
           ("pa" not in a or int(a["pa"], 16) + int(a["size"], 16) == int(b["pa"], 16)):
            fail(f"ranges at {a['start']} and {b['start']} should have been one")


def main():
    lines = open(sys.argv[1]).read().split("\n")
    failures, docs, checked = [], 0, 0
    last = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("dump stage="):
            last = parse_dump(lines, i)
            i = last[2]
            continue
        if line.startswith("{"):
            docs += 1
            where = f"line {i + 1}"
            try:
                doc = json.loads(line)
            except ValueError as e:
                failures.append(f"{where}: not JSON: {e}")
            else:
                if last and last[0]["root"] == doc["root"]:
                    checked += 1
                    check(doc, last[0], last[1], lambda m: failures.append(f"{where}: {m}"))
        last = None if not line.startswith("{") else last
        i += 1
    for f in failures:
        print(f"json_check: {f}")
    print(f"json_check {sys.argv[1]}: {docs} JSON dumps, {checked} checked against raw dumps, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
