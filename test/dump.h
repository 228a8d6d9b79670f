/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dump.h - print a tree for people (hosted homes only: it uses stdio).
 */
#ifndef TEST_DUMP_H
#define TEST_DUMP_H

#include <stdio.h>

#include "pgtable.h"

/*
 * One header line, then one indented line per non-zero entry in address
 * order: tables with the table they point to, leaves with output address,
 * permissions and memory type, invalid entries with their raw value.
 */
void dump_readable(FILE *out, struct pgt *pgt);

/*
 * The raw form (Documentation/pgtable-tool.rst, "dump"): a header with the
 * registers, one "pte" line per non-zero entry of every table page (root
 * pages first, then depth-first in address order), "end".  Returns 0 or
 * -ENOMEM.
 */
int dump_raw(FILE *out, struct pgt *pgt);

/* "rwx-" style letters for @prot, as the dump prints them. */
const char *dump_prot_str(u32 prot, char buf[8]);

#endif /* TEST_DUMP_H */
