// SPDX-License-Identifier: GPL-2.0-only
/*
 * `pgtable dump`'s format (tools/dump_raw.c), compiled into the module as it
 * is, for /sys/kernel/debug/pgtable/dump: every non-zero descriptor, raw,
 * with the registers a walker needs (Documentation/pgtable-tool.rst, "dump").
 * make kmod-check runs the host's test/tool/dump_check on what the kernel
 * printed, so the kernel's tables are walked by the reference translator on
 * another machine, from the dump alone.
 *
 * tools/dump_raw.c is written against the tool's session, struct replay, of
 * which it reads only the tree and the output stream.  This file stands in
 * for tools/replay.h (by its include guard) with a session that has just
 * those; kmod/libc/ stands in for the libc headers (a FILE is a seq_file,
 * qsort is the kernel's sort).
 */
#define TOOLS_REPLAY_H

#include <stdio.h>

#include "pgtable.h"
#include "kmod.h"

struct replay {
	struct pgt pgt;
	FILE *out;
};

struct cmd_args;

int cmd_dump(struct replay *r, struct cmd_args *a);

#include "../tools/dump_raw.c"

int pgt_kmod_dump_raw(struct seq_file *m, const struct pgt *pgt)
{
	struct replay r = { .pgt = *pgt, .out = m };

	return cmd_dump(&r, NULL);
}
