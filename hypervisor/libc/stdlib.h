/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor's <stdlib.h>, for test/ref_xlat.c, whose table-page set
 * grows with realloc: a small arena in judge.c.
 */
#ifndef HYP_LIBC_STDLIB_H
#define HYP_LIBC_STDLIB_H

typedef __SIZE_TYPE__ size_t;

void *hyp_realloc(void *p, __SIZE_TYPE__ n);
void hyp_free(void *p);

#define realloc(p, n)	hyp_realloc((p), (n))
#define free(p)		hyp_free(p)

#endif
