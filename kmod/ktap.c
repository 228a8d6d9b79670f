// SPDX-License-Identifier: GPL-2.0-only
/*
 * ktap.c - the self-test's own runner, for kernels without KUnit (Debian's):
 * selftest=1 runs every case of kt_case_lists, once per granule for those
 * run per granule, through kt_run_case(), as kunit.c does on kernels that
 * have KUnit.
 *
 * Output is KTAP version 1 on the kernel log: the header, the plan "1..N",
 * one "ok N name" or "not ok N name" per case and "# " diagnostics.  make
 * kmod-check reads it from the serial console of a QEMU guest.
 */
#include <linux/cpumask.h>
#include <linux/printk.h>
#include <linux/string.h>

#include "selftest.h"

static int run_case(const struct kt_case *c, u32 granule, int num)
{
	char name[64];
	int ret;

	kt_case_name(c, granule, name, sizeof(name));
	ret = kt_run_case(c, granule, name);
	pr_info("%s %d %s\n", ret ? "not ok" : "ok", num, name);
	return ret;
}

static bool selected(const struct kt_case *c, const char *filter)
{
	return !filter || !*filter || str_has_prefix(c->name, filter);
}

static int plan(const char *filter)
{
	const struct kt_case *const *list;
	const struct kt_case *c;
	int n = 0;

	for (list = kt_case_lists; *list; list++)
		for (c = *list; c->name; c++)
			if (selected(c, filter))
				n += c->per_granule ? KT_NR_GRANULES : 1;
	return n;
}

int pgt_kmod_selftest(const char *filter)
{
	const struct kt_case *const *list;
	const struct kt_case *c;
	int g, num = 0, failed = 0;

	pr_info("KTAP version 1\n");
	pr_info("1..%d\n", plan(filter));
	pr_info("# pgtable: self-test on %u online CPUs, PAGE_SIZE %lu\n", num_online_cpus(),
		PAGE_SIZE);
	for (list = kt_case_lists; *list; list++) {
		for (c = *list; c->name; c++) {
			if (!selected(c, filter))
				continue;
			if (!c->per_granule) {
				failed += run_case(c, PGT_GRANULE_4K, ++num) != 0;
				continue;
			}
			for (g = 0; g < KT_NR_GRANULES; g++)
				failed += run_case(c, kt_granules[g], ++num) != 0;
		}
	}
	pr_info("# pgtable: self-test: %d passed, %d failed\n", num - failed, failed);
	return failed ? -EINVAL : 0;
}
