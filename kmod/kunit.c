// SPDX-License-Identifier: GPL-2.0-only
/*
 * kunit.c - the self-test as the KUnit suite "libpgtable": the same cases,
 * run the same way, in the out-of-tree module on a kernel with KUnit and in
 * the in-kernel series (lib/libpgtable/kunit/).
 *
 * Each list of cases (kt_case_lists) is one KUnit case, and its parameters
 * are that list's cases, once per granule for those run per granule: the
 * parameter "s2_map_16k" of the KUnit case "s2" is what the KTAP runner
 * calls case "s2_map_16k".  A run goes through kt_run_case(), which also
 * proves that the case gave every page back; why a case failed is on the
 * "# " lines kt_fail() printed before KUnit's verdict.
 */
#include <kunit/test.h>

#include "selftest.h"

#if IS_ENABLED(CONFIG_KUNIT)

struct kt_param {
	const struct kt_case *list;
	const struct kt_case *c;
	u32 granule;
	char name[KUNIT_PARAM_DESC_SIZE];
};

/* Every (case, granule) run, in list order; built by the suite's init. */
#define KT_MAX_PARAMS	256
static struct kt_param kt_params[KT_MAX_PARAMS];
static unsigned int kt_nr_params;

static const void *kt_next_param(const struct kt_case *list, const void *prev, char *desc)
{
	const struct kt_param *p = prev ? (const struct kt_param *)prev + 1 : kt_params;

	for (; p < kt_params + kt_nr_params; p++) {
		if (p->list == list) {
			strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
			return p;
		}
	}
	return NULL;
}

#define KT_LIST_PARAMS(list)						\
static const void *kt_##list##_params(const void *prev, char *desc)	\
{									\
	return kt_next_param(kt_##list##_cases, prev, desc);		\
}

KT_LIST_PARAMS(mm)
KT_LIST_PARAMS(hyp)
KT_LIST_PARAMS(s2)
KT_LIST_PARAMS(host)
KT_LIST_PARAMS(concurrency)

static void kt_kunit_run(struct kunit *test)
{
	const struct kt_param *p = test->param_value;
	int ret = kt_run_case(p->c, p->granule, p->name);

	if (ret)
		KUNIT_FAIL(test, "%s failed (%d), as the lines above say", p->name, ret);
}

#define KT_KUNIT_CASE(list)						\
	{ .run_case = kt_kunit_run, .name = #list,			\
	  .generate_params = kt_##list##_params }

static struct kunit_case kt_kunit_cases[] = {
	KT_KUNIT_CASE(mm),
	KT_KUNIT_CASE(hyp),
	KT_KUNIT_CASE(s2),
	KT_KUNIT_CASE(host),
	KT_KUNIT_CASE(concurrency),
	{}
};

/* A list no KUnit case above runs would silently be left out: refuse it. */
static bool kt_list_covered(const struct kt_case *list)
{
	static const struct kt_case *const covered[] = {
		kt_mm_cases, kt_hyp_cases, kt_s2_cases, kt_host_cases, kt_concurrency_cases,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(covered); i++)
		if (covered[i] == list)
			return true;
	return false;
}

static int kt_add_param(const struct kt_case *list, const struct kt_case *c, u32 granule)
{
	struct kt_param *p = &kt_params[kt_nr_params];

	if (kt_nr_params == KT_MAX_PARAMS)
		return -E2BIG;
	*p = (struct kt_param){ .list = list, .c = c, .granule = granule };
	kt_case_name(c, granule, p->name, sizeof(p->name));
	kt_nr_params++;
	return 0;
}

static int kt_suite_init(struct kunit_suite *suite)
{
	const struct kt_case *const *list;
	const struct kt_case *c;
	int g, ret = 0;

	kt_nr_params = 0;
	for (list = kt_case_lists; *list && !ret; list++) {
		if (!kt_list_covered(*list)) {
			pr_err("libpgtable: a list of cases (first: %s) has no KUnit case\n",
			       (*list)->name ?: "none");
			return -EINVAL;
		}
		for (c = *list; c->name && !ret; c++) {
			if (!c->per_granule)
				ret = kt_add_param(*list, c, PGT_GRANULE_4K);
			for (g = 0; c->per_granule && g < KT_NR_GRANULES && !ret; g++)
				ret = kt_add_param(*list, c, kt_granules[g]);
		}
	}
	return ret;
}

/* Trees the cases kept for a dump go with the suite. */
static void kt_suite_exit(struct kunit_suite *suite)
{
	pgt_kmod_selftest_cleanup();
}

static struct kunit_suite kt_kunit_suite = {
	.name = "libpgtable",
	.suite_init = kt_suite_init,
	.suite_exit = kt_suite_exit,
	.test_cases = kt_kunit_cases,
};

kunit_test_suite(kt_kunit_suite);

#endif /* CONFIG_KUNIT */
