// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - pgtable.ko: libpgtable in the Linux kernel.
 *
 * Loading the module exports the library (kmod/exports.c) and its kernel
 * home (kmod/mm.c).  With selftest=1 it first runs the KTAP self-test and
 * keeps a few of the trees it built.  In /sys/kernel/debug/pgtable/,
 * "tables" lists them readably (test/dump.c), "show" as merged ranges
 * (`pgtable show`, kmod/show.c), "dump" gives every raw descriptor in the
 * format of `pgtable dump` (test/dump_raw.c), and "stats" shows the home's
 * counters.  Unloading
 * destroys those trees, waits for RCU-deferred frees and reports whether
 * every page allocated was freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rwsem.h>
#include <linux/seq_file.h>

#include "kmod.h"
#include "dump.h"

static bool selftest;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the KTAP self-test at load time (default: no)");

static char *filter;
module_param(filter, charp, 0444);
MODULE_PARM_DESC(filter, "Run only the self-test cases whose names start with this (default: all)");

static struct dentry *debugfs_dir;

static int tables_show(struct seq_file *m, void *v)
{
	unsigned int i;

	down_read(&pgt_kmod_dump_lock);
	if (!pgt_kmod_dump_nr)
		seq_puts(m, "# no tables: load pgtable.ko with selftest=1\n");
	for (i = 0; i < pgt_kmod_dump_nr; i++) {
		seq_printf(m, "# %s\n", pgt_kmod_dump_trees[i].name);
		dump_readable(m, pgt_kmod_dump_trees[i].pgt);
	}
	up_read(&pgt_kmod_dump_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tables);

static int dump_show(struct seq_file *m, void *v)
{
	unsigned int i;
	int ret = 0;

	down_read(&pgt_kmod_dump_lock);
	for (i = 0; i < pgt_kmod_dump_nr && !ret; i++) {
		seq_printf(m, "# %s\n", pgt_kmod_dump_trees[i].name);
		ret = pgt_kmod_dump_raw(m, pgt_kmod_dump_trees[i].pgt);
	}
	up_read(&pgt_kmod_dump_lock);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(dump);

static int stats_show(struct seq_file *m, void *v)
{
	static const char *const names[] = {
		"pages_allocated", "pages_freed", "table_allocs", "table_frees",
		"exact_allocs", "exact_frees", "alloc_failures", "deferred_frees",
		"deferred_done", "tlbi_va", "tlbi_range", "tlbi_all", "dcache_ops",
		"dcache_bytes", "dcache_real_bytes", "icache_ops", "icache_bytes",
		"icache_real_bytes", "refcount_errors",
	};
	struct pgt_kmod_stats s;
	const u64 *v64 = (const u64 *)&s;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(names) * sizeof(u64) != sizeof(s));
	pgt_kmod_stats_get(&s);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		seq_printf(m, "%-18s %llu\n", names[i], v64[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int __init pgt_kmod_init(void)
{
	int ret = pgt_kmod_mm_init();

	if (ret)
		return ret;
	debugfs_dir = debugfs_create_dir("pgtable", NULL);
	debugfs_create_file("tables", 0444, debugfs_dir, NULL, &tables_fops);
	debugfs_create_file("dump", 0444, debugfs_dir, NULL, &dump_fops);
	debugfs_create_file("stats", 0444, debugfs_dir, NULL, &stats_fops);
	pgt_kmod_show_create(debugfs_dir);
	/* A failed self-test says so in its KTAP; the module stays loaded for inspection. */
	if (selftest)
		pgt_kmod_selftest(filter);
	return 0;
}

static void __exit pgt_kmod_exit(void)
{
	struct pgt_kmod_stats s;

	debugfs_remove_recursive(debugfs_dir);
	pgt_kmod_selftest_cleanup();
	pgt_kmod_mm_drain();
	pgt_kmod_stats_get(&s);
	pr_info("unload: pages allocated %llu, freed %llu, in use %lld\n", s.pages_allocated,
		s.pages_freed, (s64)(s.pages_allocated - s.pages_freed));
	if (s.pages_allocated != s.pages_freed || s.refcount_errors)
		pr_err("unload: page imbalance: %lld pages leaked, %llu reference count errors\n",
		       (s64)(s.pages_allocated - s.pages_freed), s.refcount_errors);
}

module_init(pgt_kmod_init);
module_exit(pgt_kmod_exit);

MODULE_DESCRIPTION("libpgtable: AArch64 EL2 stage-1 and stage-2 translation tables");
MODULE_LICENSE("GPL");
