/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmod.h - what the files of pgtable.ko share and nobody else sees.
 */
#ifndef PGT_KMOD_INTERNAL_H
#define PGT_KMOD_INTERNAL_H

#include <linux/rwsem.h>

#include "pgtable_kmod.h"

/* kmod/mm.c */
int pgt_kmod_mm_init(void);
/* Wait for every RCU-deferred free queued so far to have run. */
void pgt_kmod_mm_drain(void);
/* Pages allocated and not yet freed (kernel pages). */
s64 pgt_kmod_pages_in_use(void);
/* Make the @n-th allocation attempt from now fail (1: the next); 0: none. */
void pgt_kmod_fail_nth_alloc(u64 n);
/* Allocation attempts so far, failed ones included. */
u64 pgt_kmod_alloc_calls(void);
/* Misuse of the home (kmod/mm.c): reports, and those no case announced. */
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

/* kmod/dump_raw.c: @pgt in `pgtable dump`'s format; 0 or -ENOMEM. */
struct seq_file;
int pgt_kmod_dump_raw(struct seq_file *m, const struct pgt *pgt);

/* kmod/show.c: the debugfs file "show" in @dir (hosted/show.c's text). */
struct dentry;
void pgt_kmod_show_create(struct dentry *dir);

/* kmod/selftest*.c */
/* Run the cases whose names start with @filter (all if NULL or empty). */
int pgt_kmod_selftest(const char *filter);
void pgt_kmod_selftest_cleanup(void);

/*
 * The trees the self-test leaves behind for the debugfs dump (kmod/main.c):
 * readers hold pgt_kmod_dump_lock for reading.
 */
#define PGT_KMOD_DUMP_MAX	16
struct pgt_kmod_dump_entry {
	const char *name;
	struct pgt *pgt;
};
extern struct rw_semaphore pgt_kmod_dump_lock;
extern struct pgt_kmod_dump_entry pgt_kmod_dump_trees[PGT_KMOD_DUMP_MAX];
extern unsigned int pgt_kmod_dump_nr;

/* Module parameters (kmod/main.c). */
extern unsigned int pgt_kmod_stress_ms;
extern bool pgt_kmod_verbose;

#endif /* PGT_KMOD_INTERNAL_H */
