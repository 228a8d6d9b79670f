/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel home's stand-in for <stdlib.h>, for test/ref_xlat.c (its table
 * page set grows with realloc) and test/dump_raw.c (realloc, qsort).  Both
 * run in process context (the self-test, a debugfs read), so they may sleep.
 */
#ifndef PGT_KMOD_LIBC_STDLIB_H
#define PGT_KMOD_LIBC_STDLIB_H

#include <linux/slab.h>
#include <linux/sort.h>

#define realloc(p, n)		krealloc((p), (n), GFP_KERNEL)
#define free(p)			kfree(p)
#define qsort(base, n, size, cmp)	sort((base), (n), (size), (cmp), NULL)

#endif
