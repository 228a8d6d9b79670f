// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/debug/pgtable/show: the self-test's trees as merged ranges,
 * the text of `pgtable`'s "show".  hosted/show.c is compiled here as it is:
 * with kmod/libc/stdio.h a FILE is a seq_file.
 */
#include "../hosted/show.c"

#include <linux/debugfs.h>

#include "kmod.h"

static int show_show(struct seq_file *m, void *v)
{
	unsigned int i;
	int ret = 0;

	down_read(&pgt_kmod_dump_lock);
	if (!pgt_kmod_dump_nr)
		seq_puts(m, "# no tables: load pgtable.ko with selftest=1\n");
	for (i = 0; i < pgt_kmod_dump_nr && !ret; i++) {
		seq_printf(m, "# %s\n", pgt_kmod_dump_trees[i].name);
		ret = pgt_hosted_show(m, pgt_kmod_dump_trees[i].pgt);
	}
	up_read(&pgt_kmod_dump_lock);
	return ret;
}
DEFINE_SHOW_ATTRIBUTE(show);

void pgt_kmod_show_create(struct dentry *dir)
{
	debugfs_create_file("show", 0444, dir, NULL, &show_fops);
}
