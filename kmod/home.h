/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * home.h - what the kernel home (mm.c) offers the rest of the module beyond
 * pgtable_kmod.h: the hooks the self-test drives it with and reads it by.
 * In the in-kernel series this header sits beside mm.c in lib/libpgtable/.
 */
#ifndef PGT_KMOD_HOME_H
#define PGT_KMOD_HOME_H

#include <linux/types.h>

#include "pgtable_kmod.h"

int pgt_kmod_mm_init(void);
/* Wait for every RCU-deferred free queued so far to have run. */
void pgt_kmod_mm_drain(void);
/* Pages allocated and not yet freed (kernel pages). */
s64 pgt_kmod_pages_in_use(void);
/* Make the @n-th allocation attempt from now fail (1: the next); 0: none. */
void pgt_kmod_fail_nth_alloc(u64 n);
/* Allocation attempts so far, failed ones included. */
u64 pgt_kmod_alloc_calls(void);
/* Misuse of the home (mm.c): reports, and those no case announced. */
u64 pgt_kmod_misuse_reports(void);
u64 pgt_kmod_misuse_unexpected(void);
/* The next @n misuse reports are a self-test case's intent: counted, not warned about. */
void pgt_kmod_expect_misuse(u64 n);
/* Announced reports that never came; forgets them. */
u64 pgt_kmod_misuse_unmet(void);
/*
 * The reference translator's read64 for trees of the kernel home: reads
 * through phys_to_virt, but only from live table pages, so that a walk
 * into a freed or bogus table reports a fault instead of reading it.
 */
bool pgt_kmod_read64(void *ctx, u64 pa, u64 *val);

#endif /* PGT_KMOD_HOME_H */
