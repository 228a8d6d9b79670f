/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kmod.h - what the files of pgtable.ko share and nobody else sees.
 */
#ifndef PGT_KMOD_INTERNAL_H
#define PGT_KMOD_INTERNAL_H

#include <linux/rwsem.h>

#include "home.h"

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
