// SPDX-License-Identifier: GPL-2.0-only
/*
 * st_hyp.c - EL2 stage 1 in the kernel home: map, unmap, split, -ENOMEM and
 * destroy, for every granule, checked through the reference translator.
 */
#include "selftest.h"

#define PA	KT_PA_BASE

/* The level-2 block: 2M, 32M or 512M. */
static u64 blk(const struct kt *t)
{
	return kt_level_size(t, 2);
}

/* Blocks where VA, PA and size allow, pages elsewhere; exactly the range. */
static int hyp_map(struct kt *t)
{
	struct pgt_kmod_stats before = kt_stats();
	struct kt_tree *tr = kt_hyp(t, 48, 48);
	u64 b = blk(t), p = kt_page(t), va = 4 * b;
	struct extent ext[] = {
		{ va - 2 * p, 2 * b + 4 * p, PA - 2 * p, PGT_PROT_RW },
		{ 16 * b, p, PA + 16 * b, PGT_PROT_RX },
		{ 17 * b, 3 * p, 0x9000000, PGT_PROT_RW | PGT_PROT_DEVICE | PGT_PROT_SW2 },
	};

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, ext[0].ia, ext[0].size, ext[0].pa, ext[0].prot), 0);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, ext[1].ia, ext[1].size, ext[1].pa, ext[1].prot), 0);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, ext[2].ia, ext[2].size, ext[2].pa, ext[2].prot), 0);
	KT_TRY(kt_expect_exactly(t, tr, ext, ARRAY_SIZE(ext)));
	KT_TRY(kt_expect_level(t, tr, va - p, 3));
	KT_TRY(kt_expect_level(t, tr, va, 2));
	KT_TRY(kt_expect_level(t, tr, va + b + 77, 2));
	KT_TRY(kt_expect_level(t, tr, va + 2 * b, 3));
	KT_TRY(kt_expect_well_formed(t, tr));

	/* The same mapping again changes nothing; a different one is refused. */
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, va, b, PA, PGT_PROT_RW), 0);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, va, b, PA + b, PGT_PROT_RW), -EEXIST);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, va + p, p, PA + p, PGT_PROT_R), -EEXIST);
	/* Bad arguments. */
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, 32 * b, p, PA, PGT_PROT_RWX), -EINVAL);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, 32 * b, p, PA, PGT_PROT_W), -EINVAL);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, 32 * b, p, PA, PGT_PROT_RX | PGT_PROT_DEVICE), -EINVAL);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, 32 * b + 8, p, PA, PGT_PROT_R), -EINVAL);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, 1ULL << 48, p, PA, PGT_PROT_R), -ERANGE);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, 32 * b, p, 1ULL << 48, PGT_PROT_R), -ERANGE);
	KT_TRY(kt_expect_exactly(t, tr, ext, ARRAY_SIZE(ext)));
	KT_TRY(kt_expect_well_formed(t, tr));
	/* Only invalid entries were written: no TLB maintenance. */
	KT_EQ(t, KT_DELTA(before, tlbi_va) + KT_DELTA(before, tlbi_range) +
		 KT_DELTA(before, tlbi_all), 0);
	kt_keep_for_dump(t, tr, "EL2 stage 1, 48-bit VA");
	return 0;
}

/* Unmapping frees what it empties, reports what it removed, invalidates per leaf. */
static int hyp_unmap(struct kt *t)
{
	struct kt_tree *tr = kt_hyp(t, 48, 48);
	u64 b = blk(t), p = kt_page(t), va = 2 * b, unmapped = 0;
	struct pgt_kmod_stats before;
	struct extent ext[] = {
		{ va, 3 * p, PA, PGT_PROT_RW },
		{ va + 5 * p, 2 * p, PA + 5 * p, PGT_PROT_RW },
	};

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, va, 8 * p, PA, PGT_PROT_RW), 0);
	before = kt_stats();
	KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, va + 3 * p, 2 * p, &unmapped), 0);
	KT_EQ(t, unmapped, 2 * p);
	KT_EQ(t, KT_DELTA(before, tlbi_va), 2);
	KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, va + 7 * p, 4 * p, &unmapped), 0);
	KT_EQ(t, unmapped, p);
	KT_TRY(kt_expect_exactly(t, tr, ext, ARRAY_SIZE(ext)));
	KT_TRY(kt_expect_unmapped(t, tr, va + 3 * p));
	/* Nothing there: nothing to do. */
	KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, 40 * b, b, &unmapped), 0);
	KT_EQ(t, unmapped, 0);
	KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, va + 1, p, NULL), -EINVAL);
	KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, 1ULL << 48, p, NULL), -ERANGE);
	/* Everything: the tables go too, only the root is left. */
	KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, 0, 1ULL << 40, &unmapped), 0);
	KT_EQ(t, unmapped, 5 * p);
	KT_TRY(kt_expect_exactly(t, tr, NULL, 0));
	KT_TRY(kt_expect_well_formed(t, tr));
	KT_EQ(t, ref_count_tables(&tr->rg), 1);
	return 0;
}

/* A range that cuts blocks splits them: the parts outside stay mapped. */
static int hyp_split(struct kt *t)
{
	struct kt_tree *tr = kt_hyp(t, 48, 48);
	u64 b = blk(t), p = kt_page(t), va = 8 * b, unmapped = 0;
	struct extent ext[] = {
		{ va, b / 2, PA, PGT_PROT_RW },
		{ va + b + b / 2, b / 2 + b, PA + b + b / 2, PGT_PROT_RW },
	};

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, va, 3 * b, PA, PGT_PROT_RW), 0);
	KT_TRY(kt_expect_level(t, tr, va + b / 2, 2));
	KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, va + b / 2, b, &unmapped), 0);
	KT_EQ(t, unmapped, b);
	KT_TRY(kt_expect_exactly(t, tr, ext, ARRAY_SIZE(ext)));
	KT_TRY(kt_expect_level(t, tr, va, 3));
	KT_TRY(kt_expect_level(t, tr, va + 2 * b - p, 3));
	KT_TRY(kt_expect_level(t, tr, va + 2 * b, 2));
	KT_TRY(kt_expect_well_formed(t, tr));

	/* 4K: a 1G block splits into 2M blocks, one of which splits into pages. */
	if (t->granule == PGT_GRANULE_4K) {
		struct extent big[] = {
			{ SZ_1G, SZ_4K, PA, PGT_PROT_R },
			{ SZ_1G + SZ_8K, SZ_1G - SZ_8K, PA + SZ_8K, PGT_PROT_R },
		};

		KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, 0, 1ULL << 40, NULL), 0);
		KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, SZ_1G, SZ_1G, PA, PGT_PROT_R), 0);
		KT_TRY(kt_expect_level(t, tr, SZ_1G, 1));
		KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, SZ_1G + SZ_4K, SZ_4K, &unmapped), 0);
		KT_EQ(t, unmapped, SZ_4K);
		KT_TRY(kt_expect_exactly(t, tr, big, ARRAY_SIZE(big)));
		KT_TRY(kt_expect_level(t, tr, SZ_1G, 3));
		KT_TRY(kt_expect_level(t, tr, SZ_1G + SZ_2M, 2));
		KT_TRY(kt_expect_well_formed(t, tr));
	}
	return 0;
}

/* Each allocation of a map, and of a splitting unmap, failing in turn: no change. */
static int hyp_enomem(struct kt *t)
{
	struct kt_tree *tr = kt_hyp(t, 48, 48);
	u64 b = blk(t), p = kt_page(t), calls, k, unmapped;
	struct extent ext[] = { { 3 * b, b, PA, PGT_PROT_RW } };
	s64 in_use;

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, ext[0].ia, ext[0].size, ext[0].pa, ext[0].prot), 0);
	in_use = pgt_kmod_pages_in_use();

	/* A map far away needs a table at every level below the root. */
	calls = pgt_kmod_alloc_calls();
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, 1ULL << 47, 2 * p, PA, PGT_PROT_R), 0);
	calls = pgt_kmod_alloc_calls() - calls;
	KT_ASSERT(t, calls >= 2);
	KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, 1ULL << 47, 2 * p, NULL), 0);
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	for (k = 1; k <= calls; k++) {
		pgt_kmod_fail_nth_alloc(k);
		KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, 1ULL << 47, 2 * p, PA, PGT_PROT_R), -ENOMEM);
		KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
		KT_TRY(kt_expect_exactly(t, tr, ext, 1));
	}
	/* Unmapping one page of the block needs one table to split it. */
	pgt_kmod_fail_nth_alloc(1);
	unmapped = ~0ULL;
	KT_EQ_INT(t, pgt_hyp_unmap(&tr->pgt, 3 * b + p, p, &unmapped), -ENOMEM);
	KT_TRY(kt_expect_exactly(t, tr, ext, 1));
	KT_TRY(kt_expect_level(t, tr, 3 * b, 2));
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	pgt_kmod_fail_nth_alloc(0);
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

/* Destroy gives every table back and touches no TLB. */
static int hyp_destroy(struct kt *t)
{
	s64 in_use = pgt_kmod_pages_in_use();
	struct kt_tree *tr = kt_hyp(t, 39, 44);
	struct pgt_kmod_stats before;
	u64 b = blk(t), p = kt_page(t), i;

	KT_ASSERT(t, tr);
	for (i = 0; i < 8; i++)
		KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, i * 3 * b + i * p, b + 3 * p,
					 PA + i * p, i & 1 ? PGT_PROT_RX : PGT_PROT_RW), 0);
	KT_TRY(kt_expect_well_formed(t, tr));
	KT_ASSERT(t, pgt_kmod_pages_in_use() > in_use);
	before = kt_stats();
	kt_destroy(t, tr);
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	KT_EQ(t, KT_DELTA(before, tlbi_va) + KT_DELTA(before, tlbi_range) +
		 KT_DELTA(before, tlbi_all), 0);
	KT_EQ(t, KT_DELTA(before, table_frees), KT_DELTA(before, pages_freed) /
		 (p > PAGE_SIZE ? p / PAGE_SIZE : 1) - 1);
	return 0;
}

const struct kt_case kt_hyp_cases[] = {
	{ "hyp_map", hyp_map, true },
	{ "hyp_unmap", hyp_unmap, true },
	{ "hyp_split", hyp_split, true },
	{ "hyp_enomem", hyp_enomem, true },
	{ "hyp_destroy", hyp_destroy, true },
	{ }
};
