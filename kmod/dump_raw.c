// SPDX-License-Identifier: GPL-2.0-only
/*
 * The raw dump (test/dump_raw.c, the form `pgtable dump` prints), compiled
 * into the module as it is, for /sys/kernel/debug/pgtable/dump.  make
 * kmod-check runs the host's test/tool/dump_check on what the kernel
 * printed, so the kernel's tables are walked by the reference translator on
 * another machine, from the dump alone.  kmod/libc/ stands in for the libc
 * headers (a FILE is a seq_file, qsort is the kernel's sort).
 */
#include "../test/dump_raw.c"
#include "kmod.h"

int pgt_kmod_dump_raw(struct seq_file *m, const struct pgt *pgt)
{
	struct pgt copy = *pgt;

	return dump_raw(m, &copy);
}
