// SPDX-License-Identifier: GPL-2.0-only
/*
 * st_s2.c - stage 2 in the kernel home, for every granule: map, unmap,
 * set_owner, wrprotect, mkyoung and test_clear_young, relax_perms, flush
 * (on made-up and on real memory), split, create_unlinked, destroy_range,
 * shared (fault handler) maps with RCU-deferred collapses, and -ENOMEM.
 * Documentation/stage2.rst is the specification; the reference translator
 * and the home's counters are the only witnesses.
 */
#include <linux/string.h>

#include "selftest.h"

#define IA_BITS		40
#define PA_BITS		48
#define PA		KT_PA_BASE
#define PA2		(KT_PA_BASE + (1ULL << 36))

static u64 blk(const struct kt *t)
{
	return kt_level_size(t, 2);
}

static u64 tlbi_total(const struct pgt_kmod_stats *before)
{
	return KT_DELTA(*before, tlbi_va) + KT_DELTA(*before, tlbi_range) +
	       KT_DELTA(*before, tlbi_all);
}

static int map(struct kt_tree *tr, u64 ia, u64 size, u64 pa, u32 prot)
{
	return pgt_stage2_map(&tr->pgt, ia, size, pa, prot, NULL, 0);
}

/* A fault handler's map: a cache with the worst case, the shared walk, the cache freed. */
static int map_shared(struct kt_tree *tr, u64 ia, u64 size, u64 pa, u32 prot)
{
	struct pgt_memcache mc = { 0 };
	u64 need = pgt_stage2_tables_needed(&tr->pgt, ia, size, pa);
	int ret = pgt_memcache_topup(&mc, pgt_kmod_mm_ops(), pgt_page_size(&tr->pgt.geom), need);

	if (!ret)
		ret = pgt_stage2_map(&tr->pgt, ia, size, pa, prot, &mc, PGT_WALK_SHARED);
	pgt_memcache_free(&mc, pgt_kmod_mm_ops());
	return ret;
}

static struct pgt_action ptep_visitor(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	*(pgt_pte_t **)ctx->arg = ctx->ptep;
	return pgt_continue();
}

/* The entry that decides @ia's translation. */
static pgt_pte_t *entry_at(struct kt_tree *tr, u64 ia)
{
	pgt_pte_t *ptep = NULL;
	struct pgt_walker walker = { .cb = ptep_visitor, .arg = &ptep, .flags = PGT_WALK_LEAF };

	return pgt_walk(&tr->pgt, ia, 1, &walker) ? NULL : ptep;
}

/* Every leaf in [ia, ia + size) sits at @level. */
static int expect_levels(struct kt *t, struct kt_tree *tr, u64 ia, u64 size, int level)
{
	u64 step = kt_level_size(t, level), a;

	for (a = ia; a < ia + size; a += step)
		KT_TRY(kt_expect_level(t, tr, a, level));
	return 0;
}

/* ---------------------------------------------------------------- map */

static int s2_map(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t);
	struct pgt_kmod_stats before = kt_stats();
	struct extent ext[] = {
		{ 2 * b, b, PA, PGT_PROT_RW },
		{ 4 * b - 2 * p, b + 4 * p, PA + 2 * b - 2 * p, PGT_PROT_RWX | PGT_PROT_SW0 },
		{ 6 * b, 3 * p, 0x9000000, PGT_PROT_RW | PGT_PROT_DEVICE },
		{ 7 * b, p, PA2, PGT_PROT_R },
	};
	int i;

	KT_ASSERT(t, tr);
	for (i = 0; i < ARRAY_SIZE(ext); i++)
		KT_EQ_INT(t, map(tr, ext[i].ia, ext[i].size, ext[i].pa, ext[i].prot), 0);
	KT_TRY(kt_expect_exactly(t, tr, ext, ARRAY_SIZE(ext)));
	KT_TRY(kt_expect_level(t, tr, 2 * b, 2));
	KT_TRY(kt_expect_level(t, tr, 4 * b - p, 3));
	KT_TRY(kt_expect_level(t, tr, 4 * b, 2));
	KT_TRY(kt_expect_level(t, tr, 5 * b, 3));
	KT_TRY(kt_expect_well_formed(t, tr));
	/*
	 * Into empty entries: no TLBI.  Every new cacheable leaf's memory is
	 * cleaned, every executable one's I-cache invalidated (the library may
	 * merge neighbours into one call: bytes are what counts).
	 */
	KT_EQ(t, tlbi_total(&before), 0);
	KT_ASSERT(t, KT_DELTA(before, dcache_ops) >= 3);
	KT_EQ(t, KT_DELTA(before, dcache_bytes), b + 2 * p + b + 2 * p + p);
	KT_ASSERT(t, KT_DELTA(before, icache_ops) >= 1);
	KT_EQ(t, KT_DELTA(before, icache_bytes), 2 * p + b + 2 * p);
	KT_EQ(t, KT_DELTA(before, dcache_real_bytes), 0);

	/* The same again: nothing changes. */
	before = kt_stats();
	KT_EQ_INT(t, map(tr, ext[0].ia, ext[0].size, ext[0].pa, ext[0].prot), 0);
	KT_EQ(t, tlbi_total(&before), 0);
	/* Another output over a live page: break-before-make, one leaf TLBI. */
	KT_EQ_INT(t, map(tr, 7 * b, p, PA2 + p, PGT_PROT_R), 0);
	KT_EQ(t, KT_DELTA(before, tlbi_va), 1);
	ext[3].pa = PA2 + p;
	/* A page inside a block that differs: the block is split, the rest stays. */
	KT_EQ_INT(t, map(tr, 2 * b + p, p, PA2, PGT_PROT_RW), 0);
	{
		struct extent split[] = {
			{ 2 * b, p, PA, PGT_PROT_RW },
			{ 2 * b + p, p, PA2, PGT_PROT_RW },
			{ 2 * b + 2 * p, b - 2 * p, PA + 2 * p, PGT_PROT_RW },
			ext[1], ext[2], ext[3],
		};

		KT_TRY(kt_expect_exactly(t, tr, split, ARRAY_SIZE(split)));
		KT_TRY(expect_levels(t, tr, 2 * b, b, 3));
	}
	/* Bad arguments change nothing. */
	KT_EQ_INT(t, map(tr, 9 * b, p, PA, PGT_PROT_RX | PGT_PROT_DEVICE), -EINVAL);
	KT_EQ_INT(t, map(tr, 9 * b, p, PA, 1u << 20), -EINVAL);
	KT_EQ_INT(t, map(tr, 9 * b + 8, p, PA, PGT_PROT_R), -EINVAL);
	KT_EQ_INT(t, map(tr, 9 * b, p, PA + 8, PGT_PROT_R), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_map(&tr->pgt, 9 * b, p, PA, PGT_PROT_R, NULL, 1u << 30), -EINVAL);
	KT_EQ_INT(t, map(tr, 1ULL << IA_BITS, p, PA, PGT_PROT_R), -ERANGE);
	KT_EQ_INT(t, map(tr, 9 * b, p, 1ULL << PA_BITS, PGT_PROT_R), -ERANGE);
	KT_EQ_INT(t, map(tr, 9 * b, 0, PA, PGT_PROT_R), 0);
	KT_TRY(kt_expect_unmapped(t, tr, 9 * b));
	KT_TRY(kt_expect_well_formed(t, tr));
	kt_keep_for_dump(t, tr, "stage 2, 40-bit IPA");

	/* FWB: Normal memory needs no D-cache clean (instruction fetches still do). */
	tr = kt_s2(t, IA_BITS, PA_BITS, PGT_S2_FWB);
	KT_ASSERT(t, tr);
	before = kt_stats();
	KT_EQ_INT(t, map(tr, b, b + p, PA, PGT_PROT_RWX), 0);
	KT_EQ_INT(t, map(tr, 3 * b, p, 0x9000000, PGT_PROT_RW | PGT_PROT_DEVICE), 0);
	{
		struct extent fwb[] = {
			{ b, b + p, PA, PGT_PROT_RWX },
			{ 3 * b, p, 0x9000000, PGT_PROT_RW | PGT_PROT_DEVICE },
		};

		KT_TRY(kt_expect_exactly(t, tr, fwb, ARRAY_SIZE(fwb)));
	}
	KT_EQ(t, KT_DELTA(before, dcache_ops), 0);
	KT_EQ(t, KT_DELTA(before, icache_bytes), b + p);
	KT_TRY(kt_expect_well_formed(t, tr));
	kt_destroy(t, tr);

	/* PGT_S2_FORCE_PAGES: pages only, even where a block would fit. */
	tr = kt_s2(t, IA_BITS, PA_BITS, PGT_S2_FORCE_PAGES);
	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, b, b, PA, PGT_PROT_RW), 0);
	KT_TRY(expect_levels(t, tr, b, b, 3));
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

/* ---------------------------------------------------------------- unmap */

static int s2_unmap(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t);
	struct pgt_kmod_stats before;
	struct extent left[] = {
		{ 3 * b, b, PA + b, PGT_PROT_RW },
		{ 5 * b, p, PA2, PGT_PROT_RW },
		{ 5 * b + 3 * p, p, PA2 + 3 * p, PGT_PROT_RW },
	};

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, 2 * b, 2 * b, PA, PGT_PROT_RW), 0);
	KT_EQ_INT(t, map(tr, 5 * b, 4 * p, PA2, PGT_PROT_RW), 0);
	KT_EQ_INT(t, map(tr, 5 * b + 8 * p, p, 0x9000000, PGT_PROT_RW | PGT_PROT_DEVICE), 0);
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 6 * b, p, 3, NULL), 0);

	/* A block only partly inside goes whole; one ranged TLBI after the walk. */
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 2 * b + p, p), 0);
	KT_EQ(t, KT_DELTA(before, tlbi_range), 1);
	KT_EQ(t, KT_DELTA(before, tlbi_va), 0);
	KT_EQ(t, KT_DELTA(before, dcache_bytes), b);
	/* Pages: just those in the range; device memory is not cleaned. */
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 5 * b + p, 2 * p), 0);
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 5 * b + 8 * p, p), 0);
	KT_EQ(t, KT_DELTA(before, tlbi_range), 2);
	KT_EQ(t, KT_DELTA(before, dcache_bytes), 2 * p);
	/* Annotations go too. */
	KT_TRY(kt_expect_owner_entries(t, tr, 1, 3));
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 6 * b, p), 0);
	KT_TRY(kt_expect_owner_entries(t, tr, 0, 0));
	KT_TRY(kt_expect_exactly(t, tr, left, ARRAY_SIZE(left)));
	KT_TRY(kt_expect_well_formed(t, tr));
	/* Nothing there: no maintenance at all. */
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 16 * b, 4 * b), 0);
	KT_EQ(t, tlbi_total(&before), 0);
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 16 * b + 8, p), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 1ULL << IA_BITS, p), -ERANGE);
	/* Everything: every table below the root is freed. */
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 0, 1ULL << IA_BITS), 0);
	KT_TRY(kt_expect_exactly(t, tr, NULL, 0));
	KT_EQ(t, ref_count_tables(&tr->rg), tr->pgt.geom.root_pages);
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

/* ---------------------------------------------------------------- set_owner */

static int s2_set_owner(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t);
	struct extent ext[] = {
		{ 2 * b, p, PA, PGT_PROT_RW | PGT_PROT_SW1 },
		{ 2 * b + 3 * p, b - 3 * p, PA + 3 * p, PGT_PROT_RW | PGT_PROT_SW1 },
	};
	struct ref_result res;
	struct pgt_kmod_stats before;

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, 2 * b, b, PA, PGT_PROT_RW | PGT_PROT_SW1), 0);
	/* Inside a block: the block is split, the outside keeps its mapping. */
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 2 * b + p, 2 * p, 5, NULL), 0);
	KT_ASSERT(t, KT_DELTA(before, tlbi_va) >= 1);
	KT_EQ(t, KT_DELTA(before, dcache_ops), 0);
	KT_TRY(kt_expect_exactly(t, tr, ext, ARRAY_SIZE(ext)));
	KT_TRY(kt_expect_owner_entries(t, tr, 2, 5));
	KT_TRY(kt_xlat(t, tr, 2 * b + p, &res));
	KT_EQ(t, res.fault, REF_FAULT_TRANSLATION);
	KT_EQ(t, res.level, 3);
	/* A block-sized annotation on empty space needs no table. */
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 8 * b, b, PGT_S2_OWNER_MAX, NULL), 0);
	KT_TRY(kt_xlat(t, tr, 8 * b + b / 2, &res));
	KT_EQ(t, res.level, 2);
	KT_EQ(t, (res.desc >> 2) & 0x3fff, PGT_S2_OWNER_MAX);
	/* Nobody maps over an annotation, shared or not. */
	KT_EQ_INT(t, map(tr, 2 * b, b, PA2, PGT_PROT_R), -EPERM);
	KT_EQ_INT(t, map(tr, 8 * b + 3 * p, p, PA2, PGT_PROT_R), -EPERM);
	KT_EQ_INT(t, map_shared(tr, 2 * b + 2 * p, p, PA2, PGT_PROT_R), -EPERM);
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 2 * b, p, PGT_S2_OWNER_MAX + 1, NULL), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 2 * b + 8, p, 1, NULL), -EINVAL);
	KT_TRY(kt_expect_exactly(t, tr, ext, ARRAY_SIZE(ext)));
	kt_keep_for_dump(t, tr, "stage 2 with owner annotations");

	/* Owner 0 removes annotations and mappings, and frees the tables it empties. */
	tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, 2 * b, 4 * p, PA, PGT_PROT_RW), 0);
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 2 * b + 4 * p, 2 * p, 9, NULL), 0);
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 2 * b + p, p, 0, NULL), 0);
	{
		struct extent e[] = {
			{ 2 * b, p, PA, PGT_PROT_RW },
			{ 2 * b + 2 * p, 2 * p, PA + 2 * p, PGT_PROT_RW },
		};

		KT_TRY(kt_expect_exactly(t, tr, e, ARRAY_SIZE(e)));
	}
	KT_TRY(kt_expect_owner_entries(t, tr, 2, 9));
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 0, 1ULL << IA_BITS, 0, NULL), 0);
	KT_TRY(kt_expect_exactly(t, tr, NULL, 0));
	KT_TRY(kt_expect_owner_entries(t, tr, 0, 0));
	KT_EQ(t, ref_count_tables(&tr->rg), tr->pgt.geom.root_pages);
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

/* ---------------------------------------------------------------- attributes */

static int s2_wrprotect(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t);
	struct pgt_kmod_stats before;
	struct extent ext[] = {
		{ 2 * b, b, PA, PGT_PROT_R },
		{ 4 * b, p, PA2, PGT_PROT_RW },
		{ 4 * b + p, 2 * p, PA2 + p, PGT_PROT_R },
		{ 4 * b + 3 * p, p, PA2 + 3 * p, PGT_PROT_RW },
		{ 4 * b + 4 * p, p, PA2 + 4 * p, PGT_PROT_RX },
	};

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, 2 * b, b, PA, PGT_PROT_RW), 0);
	KT_EQ_INT(t, map(tr, 4 * b, 4 * p, PA2, PGT_PROT_RW), 0);
	KT_EQ_INT(t, map(tr, 4 * b + 4 * p, p, PA2 + 4 * p, PGT_PROT_RX), 0);
	before = kt_stats();
	/* Whole leaves: the block loses W although the range is one page of it. */
	KT_EQ_INT(t, pgt_stage2_wrprotect(&tr->pgt, 2 * b + p, p), 0);
	KT_EQ_INT(t, pgt_stage2_wrprotect(&tr->pgt, 4 * b + p, 2 * p), 0);
	KT_EQ(t, KT_DELTA(before, tlbi_range), 2);
	KT_TRY(kt_expect_exactly(t, tr, ext, ARRAY_SIZE(ext)));
	/* Nothing writable there: nothing to invalidate. */
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_wrprotect(&tr->pgt, 4 * b + 4 * p, p), 0);
	KT_EQ_INT(t, pgt_stage2_wrprotect(&tr->pgt, 16 * b, b), 0);
	KT_EQ(t, tlbi_total(&before), 0);
	KT_EQ_INT(t, pgt_stage2_wrprotect(&tr->pgt, 16 * b + 8, p), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_wrprotect(&tr->pgt, 1ULL << IA_BITS, p), -ERANGE);
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

static int s2_young(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t);
	struct pgt_kmod_stats before;
	struct ref_result res;

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, 2 * b, b, PA, PGT_PROT_RW), 0);
	KT_EQ_INT(t, map(tr, 4 * b, 4 * p, PA2, PGT_PROT_RW), 0);
	before = kt_stats();
	/* New mappings are young; mkold makes every leaf meeting the range old. */
	KT_EQ_INT(t, pgt_stage2_test_clear_young(&tr->pgt, 4 * b + p, 2 * p, false, 0), 1);
	KT_EQ_INT(t, pgt_stage2_test_clear_young(&tr->pgt, 4 * b + p, 2 * p, true, 0), 1);
	KT_EQ_INT(t, pgt_stage2_test_clear_young(&tr->pgt, 4 * b + p, 2 * p, true, 0), 0);
	KT_TRY(kt_xlat(t, tr, 4 * b + p, &res));
	KT_EQ(t, res.fault, REF_FAULT_ACCESS_FLAG);
	KT_TRY(kt_expect_mapped(t, tr, 4 * b, PA2, PGT_PROT_RW));
	KT_TRY(kt_expect_mapped(t, tr, 4 * b + 3 * p, PA2 + 3 * p, PGT_PROT_RW));
	/* From a fault handler: mkyoung of one address, shared. */
	KT_EQ_INT(t, pgt_stage2_mkyoung(&tr->pgt, 4 * b + p + 5, PGT_WALK_SHARED), 0);
	KT_TRY(kt_expect_mapped(t, tr, 4 * b + p, PA2 + p, PGT_PROT_RW));
	KT_TRY(kt_xlat(t, tr, 4 * b + 2 * p, &res));
	KT_EQ(t, res.fault, REF_FAULT_ACCESS_FLAG);
	KT_EQ_INT(t, pgt_stage2_mkyoung(&tr->pgt, 4 * b + 2 * p, 0), 0);
	/* A block is one leaf. */
	KT_EQ_INT(t, pgt_stage2_test_clear_young(&tr->pgt, 2 * b + p, p, true, PGT_WALK_SHARED), 1);
	KT_TRY(kt_xlat(t, tr, 3 * b - 8, &res));
	KT_EQ(t, res.fault, REF_FAULT_ACCESS_FLAG);
	KT_EQ_INT(t, pgt_stage2_test_clear_young(&tr->pgt, 2 * b, b, false, PGT_WALK_SHARED), 0);
	KT_EQ_INT(t, pgt_stage2_mkyoung(&tr->pgt, 2 * b, 0), 0);
	/* Neither ever invalidates the TLB. */
	KT_EQ(t, tlbi_total(&before), 0);
	KT_EQ_INT(t, pgt_stage2_mkyoung(&tr->pgt, 8 * b, 0), -ENOENT);
	KT_EQ_INT(t, pgt_stage2_mkyoung(&tr->pgt, 1ULL << IA_BITS, 0), -ERANGE);
	KT_EQ_INT(t, pgt_stage2_test_clear_young(&tr->pgt, 8 * b, b, true, 0), 0);
	KT_EQ_INT(t, pgt_stage2_test_clear_young(&tr->pgt, 8 * b + 8, p, true, 0), -EINVAL);
	{
		struct extent ext[] = {
			{ 2 * b, b, PA, PGT_PROT_RW },
			{ 4 * b, 4 * p, PA2, PGT_PROT_RW },
		};

		KT_TRY(kt_expect_exactly(t, tr, ext, ARRAY_SIZE(ext)));
	}
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

static int s2_relax_perms(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t);
	struct pgt_kmod_stats before;

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, 2 * b, b, PA, PGT_PROT_R), 0);
	KT_EQ_INT(t, map(tr, 4 * b, 2 * p, PA2, PGT_PROT_R), 0);
	KT_EQ_INT(t, map(tr, 5 * b, p, 0x9000000, PGT_PROT_R | PGT_PROT_DEVICE), 0);
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_relax_perms(&tr->pgt, 4 * b + p, PGT_PROT_W, 0), 0);
	KT_EQ(t, KT_DELTA(before, tlbi_va), 1);
	KT_TRY(kt_expect_mapped(t, tr, 4 * b + p, PA2 + p, PGT_PROT_RW));
	KT_TRY(kt_expect_mapped(t, tr, 4 * b, PA2, PGT_PROT_R));
	/* Shared, from a fault: X on a block. */
	KT_EQ_INT(t, pgt_stage2_relax_perms(&tr->pgt, 2 * b + 3 * p, PGT_PROT_X, PGT_WALK_SHARED),
		  0);
	KT_TRY(kt_expect_mapped(t, tr, 3 * b - 8, PA + b - 8, PGT_PROT_RX));
	KT_EQ(t, KT_DELTA(before, tlbi_va), 2);
	/* Never removes; nothing new, no TLBI. */
	KT_EQ_INT(t, pgt_stage2_relax_perms(&tr->pgt, 4 * b + p, PGT_PROT_R, 0), 0);
	KT_TRY(kt_expect_mapped(t, tr, 4 * b + p, PA2 + p, PGT_PROT_RW));
	KT_EQ(t, KT_DELTA(before, tlbi_va), 2);
	/* Errors. */
	KT_EQ_INT(t, pgt_stage2_relax_perms(&tr->pgt, 5 * b, PGT_PROT_X, 0), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_relax_perms(&tr->pgt, 4 * b, PGT_PROT_DEVICE, 0), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_relax_perms(&tr->pgt, 4 * b, PGT_PROT_SW0, 0), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_relax_perms(&tr->pgt, 8 * b, PGT_PROT_W, 0), -ENOENT);
	KT_EQ_INT(t, pgt_stage2_relax_perms(&tr->pgt, 1ULL << IA_BITS, PGT_PROT_W, 0), -ERANGE);
	KT_TRY(kt_expect_mapped(t, tr, 5 * b, 0x9000000, PGT_PROT_R | PGT_PROT_DEVICE));
	KT_TRY(kt_expect_mapped(t, tr, 4 * b, PA2, PGT_PROT_R));
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

/* ---------------------------------------------------------------- flush */

static int s2_flush(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t), phys;
	struct pgt_kmod_stats before;
	u8 *buf;

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, 2 * b, b, PA, PGT_PROT_RW), 0);
	KT_EQ_INT(t, map(tr, 4 * b, 3 * p, PA2, PGT_PROT_RW), 0);
	KT_EQ_INT(t, map(tr, 4 * b + 3 * p, p, 0x9000000, PGT_PROT_RW | PGT_PROT_DEVICE), 0);
	/* Whole cacheable leaves meeting the range: the block, three pages; not the device. */
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_flush(&tr->pgt, 2 * b + p, 2 * b + 4 * p), 0);
	KT_ASSERT(t, KT_DELTA(before, dcache_ops) >= 2);
	KT_EQ(t, KT_DELTA(before, dcache_bytes), b + 3 * p);
	KT_EQ(t, KT_DELTA(before, dcache_real_bytes), 0);
	KT_EQ(t, tlbi_total(&before), 0);
	KT_EQ_INT(t, pgt_stage2_flush(&tr->pgt, 2 * b + 8, p), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_flush(&tr->pgt, 1ULL << IA_BITS, p), -ERANGE);

	/*
	 * Real memory: a buffer of this kernel's RAM mapped executable.  The map
	 * cleans it and invalidates the I-cache for it, the flush cleans it again;
	 * on arm64 the home really does so, and the contents survive.
	 */
	KT_TRY(kt_buf(t, 4 * p, &phys, (void **)&buf));
	memset(buf, 0x5a, 4 * p);
	before = kt_stats();
	KT_EQ_INT(t, map(tr, 8 * b, 4 * p, phys, PGT_PROT_RWX), 0);
	KT_TRY(kt_expect_mapped(t, tr, 8 * b + p + 16, phys + p + 16, PGT_PROT_RWX));
	memset(buf + p, 0xa5, p);
	KT_EQ_INT(t, pgt_stage2_flush(&tr->pgt, 8 * b, 4 * p), 0);
	KT_EQ(t, KT_DELTA(before, dcache_bytes), 8 * p);
	KT_EQ(t, KT_DELTA(before, icache_bytes), 4 * p);
	if (IS_ENABLED(CONFIG_ARM64)) {
		KT_EQ(t, KT_DELTA(before, dcache_real_bytes), 8 * p);
		KT_EQ(t, KT_DELTA(before, icache_real_bytes), 4 * p);
	}
	KT_ASSERT(t, !memchr_inv(buf, 0x5a, p) && !memchr_inv(buf + p, 0xa5, p) &&
		  !memchr_inv(buf + 2 * p, 0x5a, 2 * p));
	/* Unmapping cleans the memory again, since the host may read it uncached. */
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 8 * b, 4 * p), 0);
	KT_EQ(t, KT_DELTA(before, dcache_bytes), 4 * p);
	KT_TRY(kt_expect_well_formed(t, tr));
	kt_destroy(t, tr);

	/* With FWB there is nothing to clean. */
	tr = kt_s2(t, IA_BITS, PA_BITS, PGT_S2_FWB);
	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, 2 * b, b, PA, PGT_PROT_RW), 0);
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_flush(&tr->pgt, 0, 1ULL << IA_BITS), 0);
	KT_EQ(t, KT_DELTA(before, dcache_ops), 0);
	return 0;
}

/* ---------------------------------------------------------------- split */

static int s2_split(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t);
	u32 prot = PGT_PROT_RW | PGT_PROT_SW1 | PGT_PROT_SW3;
	struct extent ext[] = { { 2 * b, 2 * b, PA, prot } };
	struct pgt_kmod_stats before;
	struct pgt_memcache *mc;
	struct ref_result res;

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, 2 * b, 2 * b, PA, prot), 0);
	/* The second block is old: the split keeps the access flag as it was. */
	KT_EQ_INT(t, pgt_stage2_test_clear_young(&tr->pgt, 3 * b, b, true, 0), 1);
	/* Counted first: too few pages in the cache, nothing happens. */
	mc = kt_mc(t, 0, 0);
	KT_ASSERT(t, mc);
	KT_EQ_INT(t, pgt_stage2_split(&tr->pgt, 2 * b + p, 2 * b, mc), -ENOMEM);
	KT_TRY(kt_expect_level(t, tr, 2 * b, 2));
	KT_TRY(kt_expect_level(t, tr, 3 * b, 2));
	/* Exactly one table per 2-level block. */
	mc = kt_mc(t, 0, 2);
	KT_ASSERT(t, mc);
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_split(&tr->pgt, 2 * b + p, 2 * b, mc), 0);
	KT_EQ(t, mc->nr, 0);
	KT_EQ(t, KT_DELTA(before, tlbi_va), 2);
	KT_TRY(expect_levels(t, tr, 2 * b, 2 * b, 3));
	KT_TRY(kt_expect_mapped(t, tr, 2 * b + 5 * p, PA + 5 * p, prot));
	KT_TRY(kt_xlat(t, tr, 3 * b + 5 * p, &res));
	KT_EQ(t, res.fault, REF_FAULT_ACCESS_FLAG);
	KT_EQ(t, res.pa, PA + b + 5 * p);
	KT_EQ_INT(t, pgt_stage2_mkyoung(&tr->pgt, 3 * b + 5 * p, 0), 0);
	KT_TRY(kt_expect_mapped(t, tr, 3 * b + 5 * p, PA + b + 5 * p, prot));
	/* Pages already: nothing to split. */
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_split(&tr->pgt, 2 * b, 2 * b, NULL), 0);
	KT_EQ(t, KT_DELTA(before, table_allocs), 0);
	KT_EQ_INT(t, pgt_stage2_split(&tr->pgt, 2 * b + 1, p, NULL), -EINVAL);
	KT_TRY(kt_expect_well_formed(t, tr));
	/* The old half goes; the rest translates exactly as the block did. */
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 3 * b, b), 0);
	ext[0].size = b;

	KT_TRY(kt_expect_exactly(t, tr, ext, 1));

	/* 4K: a 1G block splits into 512 tables of pages under one table. */
	if (t->granule == PGT_GRANULE_4K) {
		u64 ia = 4ULL * SZ_1G, off;

		KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 0, 1ULL << IA_BITS), 0);
		KT_EQ_INT(t, map(tr, ia, SZ_1G, PA, PGT_PROT_R), 0);
		KT_TRY(kt_expect_level(t, tr, ia, 1));
		KT_EQ_INT(t, pgt_stage2_split(&tr->pgt, ia + SZ_2M, SZ_4K, NULL), 0);
		for (off = 0; off < SZ_1G; off += SZ_2M + SZ_4K)
			KT_TRY(kt_expect_mapped(t, tr, ia + off, PA + off, PGT_PROT_R));
		KT_TRY(kt_expect_level(t, tr, ia + SZ_1G - SZ_4K, 3));
		KT_EQ(t, ref_visit_leaves(&tr->rg, NULL, NULL), SZ_1G / SZ_4K);
		KT_EQ(t, ref_count_tables(&tr->rg), tr->pgt.geom.root_pages + 1 + 512);
		KT_TRY(kt_expect_well_formed(t, tr));
	}
	return 0;
}

/* ---------------------------------------------------------------- create_unlinked */

/* Put a detached subtree in place of the leaf mapping @ia (a block at its level). */
static int install_subtree(struct kt *t, struct kt_tree *tr, u64 ia, pgt_pte_t *table)
{
	struct pgt_mm_ops *mm = pgt_kmod_mm_ops();
	pgt_pte_t *ptep = entry_at(tr, ia);

	KT_ASSERT(t, ptep && (*ptep & 3) == 1);
	WRITE_ONCE(*ptep, pgt_table_pte(&tr->pgt.geom, mm->virt_to_phys(mm, table)));
	return 0;
}

static int s2_unlinked(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t);
	u32 prot = PGT_PROT_RW | PGT_PROT_SW2;
	struct pgt_kmod_stats before;
	struct pgt_memcache *mc;
	pgt_pte_t *table = NULL;
	s64 in_use;

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, 2 * b, b, PA, PGT_PROT_R), 0);
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, PA2, 2, prot, NULL, false, &table), 0);
	KT_ASSERT(t, table);
	/* Nothing is live: no TLB or cache maintenance; one table of pages. */
	KT_EQ(t, tlbi_total(&before), 0);
	KT_EQ(t, KT_DELTA(before, dcache_ops) + KT_DELTA(before, icache_ops), 0);
	KT_EQ(t, KT_DELTA(before, table_allocs), 1);
	KT_TRY(install_subtree(t, tr, 2 * b, table));
	{
		struct extent e[] = { { 2 * b, b, PA2, prot } };

		KT_TRY(kt_expect_exactly(t, tr, e, 1));
		KT_TRY(expect_levels(t, tr, 2 * b, b, 3));
	}
	KT_TRY(kt_expect_well_formed(t, tr));

	/* Not installed: pgt_unlinked_free gives everything back. */
	in_use = pgt_kmod_pages_in_use();
	KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, PA, 2, PGT_PROT_RWX, NULL, true, &table),
		  0);
	pgt_unlinked_free(pgt_kmod_mm_ops(), table, 3, t->granule);
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	/* From a cache: exactly what it needs, or -ENOMEM with nothing taken. */
	mc = kt_mc(t, 0, 0);
	KT_ASSERT(t, mc);
	KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, PA, 2, PGT_PROT_R, mc, true, &table),
		  -ENOMEM);
	mc = kt_mc(t, 0, 1);
	KT_ASSERT(t, mc);
	KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, PA, 2, PGT_PROT_R, mc, true, &table), 0);
	KT_EQ(t, mc->nr, 0);
	pgt_unlinked_free(pgt_kmod_mm_ops(), table, 3, t->granule);
	/* Bad arguments. */
	KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, PA, 3, PGT_PROT_R, NULL, true, &table),
		  -EINVAL);
	KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, PA + p, 2, PGT_PROT_R, NULL, true,
						&table), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, PA, 2, PGT_PROT_RX | PGT_PROT_DEVICE,
						NULL, true, &table), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, 1ULL << PA_BITS, 2, PGT_PROT_R, NULL,
						true, &table), -ERANGE);
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);

	/* 4K: a 1G block's worth, with 2M blocks or with pages. */
	if (t->granule == PGT_GRANULE_4K) {
		struct extent e[] = { { 8ULL * SZ_1G, SZ_1G, PA2, PGT_PROT_RX } };
		u64 ia = 8ULL * SZ_1G, off;

		KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 2 * b, b), 0);
		KT_EQ_INT(t, map(tr, ia, SZ_1G, PA, PGT_PROT_R), 0);
		KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, PA2, 1, PGT_PROT_RX, NULL, false,
							&table), 0);
		KT_TRY(install_subtree(t, tr, ia, table));
		KT_TRY(expect_levels(t, tr, ia, SZ_1G, 2));
		KT_TRY(kt_expect_exactly(t, tr, e, 1));
		KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, PA2, 1, PGT_PROT_RX, NULL, true,
							&table), 0);
		KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, ia, SZ_1G), 0);
		KT_EQ_INT(t, map(tr, ia, SZ_1G, PA, PGT_PROT_R), 0);
		KT_TRY(install_subtree(t, tr, ia, table));
		for (off = 0; off < SZ_1G; off += SZ_2M + SZ_4K)
			KT_TRY(kt_expect_mapped(t, tr, ia + off, PA2 + off, PGT_PROT_RX));
		KT_TRY(kt_expect_level(t, tr, ia + SZ_1G - SZ_4K, 3));
		KT_EQ(t, ref_visit_leaves(&tr->rg, NULL, NULL), SZ_1G / SZ_4K);
	}
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

/* ---------------------------------------------------------------- destroy_range */

static int s2_destroy_range(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 p = kt_page(t), span;
	struct pgt_kmod_stats before;
	s64 in_use;
	int i;

	KT_ASSERT(t, tr);
	span = pgt_level_size(&tr->pgt.geom, tr->pgt.geom.start_level);
	in_use = pgt_kmod_pages_in_use();
	for (i = 0; i < 4; i++) {
		KT_EQ_INT(t, map(tr, i * span + p, 3 * p, PA + i * p, PGT_PROT_RW), 0);
		KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, i * span + 8 * p, p, 4, NULL), 0);
	}
	before = kt_stats();
	KT_EQ_INT(t, pgt_stage2_destroy_range(&tr->pgt, span, 2 * span), 0);
	KT_EQ(t, tlbi_total(&before), 0);
	{
		struct extent e[] = {
			{ p, 3 * p, PA, PGT_PROT_RW },
			{ 3 * span + p, 3 * p, PA + 3 * p, PGT_PROT_RW },
		};

		KT_TRY(kt_expect_exactly(t, tr, e, ARRAY_SIZE(e)));
	}
	KT_TRY(kt_expect_owner_entries(t, tr, 2, 4));
	KT_TRY(kt_expect_well_formed(t, tr));
	KT_EQ_INT(t, pgt_stage2_destroy_range(&tr->pgt, p, span), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_destroy_range(&tr->pgt, 0, span + p), -EINVAL);
	KT_EQ_INT(t, pgt_stage2_destroy_range(&tr->pgt, 0, (1ULL << IA_BITS) + span), -ERANGE);
	/* Chunk by chunk, the way a caller that reschedules would. */
	for (i = 0; i < 4; i++)
		KT_EQ_INT(t, pgt_stage2_destroy_range(&tr->pgt, i * span, span), 0);
	KT_TRY(kt_expect_exactly(t, tr, NULL, 0));
	KT_TRY(kt_expect_owner_entries(t, tr, 0, 0));
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	return 0;
}

/* ---------------------------------------------------------------- shared maps */

static int s2_shared(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t), need;
	struct pgt_kmod_stats before;
	struct pgt_memcache *mc;
	s64 in_use;

	KT_ASSERT(t, tr);
	/* A fault handler's cache holds the worst case, or the map is -ENOMEM. */
	need = pgt_stage2_tables_needed(&tr->pgt, 2 * b, p, PA);
	KT_ASSERT(t, need >= 1);
	mc = kt_mc(t, 0, need - 1);
	KT_ASSERT(t, mc);
	KT_EQ_INT(t, pgt_stage2_map(&tr->pgt, 2 * b, p, PA, PGT_PROT_R, mc, PGT_WALK_SHARED),
		  -ENOMEM);
	mc = kt_mc(t, 0, need);
	KT_ASSERT(t, mc);
	KT_EQ_INT(t, pgt_stage2_map(&tr->pgt, 2 * b, p, PA, PGT_PROT_R, mc, PGT_WALK_SHARED), 0);
	KT_TRY(kt_expect_mapped(t, tr, 2 * b, PA, PGT_PROT_R));
	/* Another vCPU got there first, or only permissions differ: back off. */
	KT_EQ_INT(t, map_shared(tr, 2 * b, p, PA, PGT_PROT_R), -EAGAIN);
	KT_EQ_INT(t, map_shared(tr, 2 * b, p, PA, PGT_PROT_RW), -EAGAIN);
	/* A different output replaces the page. */
	KT_EQ_INT(t, map_shared(tr, 2 * b, p, PA2, PGT_PROT_R), 0);
	KT_TRY(kt_expect_mapped(t, tr, 2 * b, PA2, PGT_PROT_R));
	/* A live block is not split by a fault. */
	KT_EQ_INT(t, map(tr, 4 * b, b, PA, PGT_PROT_R), 0);
	KT_EQ_INT(t, map_shared(tr, 4 * b + p, p, PA2, PGT_PROT_RW), -EAGAIN);
	KT_TRY(kt_expect_level(t, tr, 4 * b, 2));

	/*
	 * A block over a table of pages collapses it; the old table may still be
	 * read by walkers that entered it, so it is freed after a grace period.
	 */
	KT_EQ_INT(t, map(tr, 2 * b + 7 * p, 2 * p, PA2 + 7 * p, PGT_PROT_RW), 0);
	in_use = pgt_kmod_pages_in_use();
	before = kt_stats();
	KT_EQ_INT(t, map_shared(tr, 2 * b, b, PA, PGT_PROT_RW), 0);
	KT_EQ(t, KT_DELTA(before, deferred_frees), 1);
	KT_EQ(t, KT_DELTA(before, tlbi_range), 1);
	KT_TRY(kt_expect_level(t, tr, 2 * b + 7 * p, 2));
	pgt_kmod_mm_drain();
	KT_EQ(t, KT_DELTA(before, deferred_done), 1);
	KT_EQ_INT(t, in_use - pgt_kmod_pages_in_use(), p > PAGE_SIZE ? p / PAGE_SIZE : 1);
	{
		struct extent e[] = {
			{ 2 * b, b, PA, PGT_PROT_RW },
			{ 4 * b, b, PA, PGT_PROT_R },
		};

		KT_TRY(kt_expect_exactly(t, tr, e, ARRAY_SIZE(e)));
	}
	/* ... but never over an owner's annotation. */
	KT_EQ_INT(t, map(tr, 6 * b, 2 * p, PA, PGT_PROT_R), 0);
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 6 * b + 4 * p, p, 2, NULL), 0);
	KT_EQ_INT(t, map_shared(tr, 6 * b, b, PA, PGT_PROT_R), -EPERM);
	KT_TRY(kt_expect_owner_entries(t, tr, 1, 2));
	/* Shared attribute walks on the same tree. */
	KT_EQ_INT(t, pgt_stage2_test_clear_young(&tr->pgt, 0, 8 * b, true, PGT_WALK_SHARED), 1);
	KT_EQ_INT(t, pgt_stage2_relax_perms(&tr->pgt, 4 * b, PGT_PROT_W, PGT_WALK_SHARED), 0);
	KT_EQ_INT(t, pgt_stage2_mkyoung(&tr->pgt, 4 * b, PGT_WALK_SHARED), 0);
	KT_TRY(kt_expect_mapped(t, tr, 4 * b, PA, PGT_PROT_RW));
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

/* ---------------------------------------------------------------- -ENOMEM */

/* Exclusive operations count first: running dry or failing to allocate changes nothing. */
static int s2_enomem(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, PA_BITS, 0);
	u64 b = blk(t), p = kt_page(t), calls, k;
	struct extent ext[] = { { 2 * b, b, PA, PGT_PROT_RW } };
	struct pgt_memcache *mc;
	s64 in_use;

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, map(tr, ext[0].ia, ext[0].size, ext[0].pa, ext[0].prot), 0);
	in_use = pgt_kmod_pages_in_use();

	/* A cache one page short: a table of pages is needed in both cases. */
	mc = kt_mc(t, 0, 0);
	KT_ASSERT(t, mc);
	KT_EQ_INT(t, pgt_stage2_map(&tr->pgt, 9 * b + p, p, PA, PGT_PROT_R, mc, 0), -ENOMEM);
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 2 * b + p, p, 1, mc), -ENOMEM);
	KT_TRY(kt_expect_exactly(t, tr, ext, 1));
	KT_TRY(kt_expect_level(t, tr, 2 * b, 2));
	pgt_memcache_free(&t->mc[0], pgt_kmod_mm_ops());
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);

	/* From the home: every allocation failing in turn. */
	calls = pgt_kmod_alloc_calls();
	KT_EQ_INT(t, map(tr, 16 * b + p, p, PA, PGT_PROT_R), 0);
	calls = pgt_kmod_alloc_calls() - calls;
	KT_EQ_INT(t, pgt_stage2_unmap(&tr->pgt, 16 * b, b), 0);
	KT_ASSERT(t, calls >= 1);
	for (k = 1; k <= calls; k++) {
		pgt_kmod_fail_nth_alloc(k);
		KT_EQ_INT(t, map(tr, 16 * b + p, p, PA, PGT_PROT_R), -ENOMEM);
		KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
		pgt_kmod_fail_nth_alloc(1);
		KT_EQ_INT(t, pgt_stage2_split(&tr->pgt, 2 * b, p, NULL), -ENOMEM);
		pgt_kmod_fail_nth_alloc(1);
		KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, 2 * b + p, p, 1, NULL), -ENOMEM);
		KT_TRY(kt_expect_exactly(t, tr, ext, 1));
		KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	}
	pgt_kmod_fail_nth_alloc(0);
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

const struct kt_case kt_s2_cases[] = {
	{ "s2_map", s2_map, true },
	{ "s2_unmap", s2_unmap, true },
	{ "s2_set_owner", s2_set_owner, true },
	{ "s2_wrprotect", s2_wrprotect, true },
	{ "s2_young", s2_young, true },
	{ "s2_relax_perms", s2_relax_perms, true },
	{ "s2_flush", s2_flush, true },
	{ "s2_split", s2_split, true },
	{ "s2_unlinked", s2_unlinked, true },
	{ "s2_destroy_range", s2_destroy_range, true },
	{ "s2_shared", s2_shared, true },
	{ "s2_enomem", s2_enomem, true },
	{ }
};
