// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_hyp_split.c - unmapping part of an EL2 block is break-before-make:
 * the block is invalidated while its entry holds the lock marker, before
 * the table of pages that replaces it is linked.
 *
 * The TLBI hook of the arena looks at the tree at the moment of each
 * invalidation, through the reference translator, so the order is proven,
 * not only the count of invalidations that test_hyp checks.
 */
#include "harness.h"

struct seen {
	struct tenv *t;
	u64 block;
	int locked_then;	/* invalidations while the block's entry held the lock */
};

static void tlbi_hook(struct host_mm *hm, enum host_mm_call call, void *arg)
{
	struct seen *s = arg;
	struct ref_result res;

	(void)hm;
	(void)call;
	res = tenv_xlat(s->t, s->block);
	if (res.fault == REF_FAULT_TRANSLATION && res.level == 2 && res.desc == PGT_PTE_LOCKED)
		s->locked_then++;
}

static void split_invalidates_block_first(void **state)
{
	struct tenv t;
	struct seen s;
	const struct host_tlbi_entry *log;
	size_t n;

	(void)state;
	tenv_hyp(&t, 48, PGT_GRANULE_4K);
	s = (struct seen){ .t = &t, .block = SZ_2M };
	assert_int_equal(pgt_hyp_map(&t.pgt, SZ_2M, SZ_2M, SZ_1G, PGT_PROT_RW), 0);
	assert_int_equal(tenv_xlat(&t, SZ_2M).level, 2);
	host_mm_tlbi_log_enable(t.hm, true);
	host_mm_set_hook(t.hm, HOST_CALL_BIT(HOST_CALL_TLBI_VA), tlbi_hook, &s);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, SZ_2M + SZ_4K, SZ_4K, NULL), 0);
	host_mm_set_hook(t.hm, 0, NULL, NULL);

	log = host_mm_tlbi_log_get(t.hm, &n);
	assert_true(n >= 2);
	/* First the block, at its level, while broken; then the page. */
	assert_int_equal(log[0].kind, HOST_TLBI_VA);
	assert_int_equal(log[0].addr, SZ_2M);
	assert_int_equal(log[0].level, 2);
	assert_true(log[0].leaf);
	assert_int_equal(s.locked_then, 1);
	assert_int_equal(log[n - 1].addr, SZ_2M + SZ_4K);
	assert_int_equal(log[n - 1].level, 3);
	host_mm_tlbi_log_enable(t.hm, false);

	expect_exactly(&t, (struct extent[]){
		{ SZ_2M, SZ_4K, SZ_1G, PGT_PROT_RW },
		{ SZ_2M + 2 * SZ_4K, SZ_2M - 2 * SZ_4K, SZ_1G + 2 * SZ_4K, PGT_PROT_RW },
	}, 2);
	tenv_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_invalidates_block_first),
	};

	return cmocka_run_group_tests_name("hyp_split", tests, NULL, NULL);
}
