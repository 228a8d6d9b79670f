// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_hyp.c - EL2 stage-1 map, unmap, split and destroy, for every granule,
 * checked entry by entry through the reference translator.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define VA_BITS		48
#define PA_A		0x80000000ULL	/* aligned to every block size we use */

/* The level-2 block: 2M, 32M or 512M. */
static u64 block_size(const struct tenv *t)
{
	return pgt_level_size(&t->pgt.geom, 2);
}

static void setup(struct tenv *t, void **state)
{
	tenv_hyp(t, VA_BITS, test_granule(state));
	host_mm_tlbi_log_enable(t->hm, true);
}

static int count_tlbi(struct tenv *t, bool leaf, pgt_s8 level)
{
	size_t n, i;
	const struct host_tlbi_entry *log = host_mm_tlbi_log_get(t->hm, &n);
	int count = 0;

	for (i = 0; i < n; i++)
		if (log[i].kind == HOST_TLBI_VA && log[i].leaf == leaf && log[i].level == level)
			count++;
	return count;
}

static void map_one_page(void **state)
{
	struct tenv t;
	u64 va = 0x1234000ULL & ~(u64)(SZ_64K - 1);

	setup(&t, state);
	assert_int_equal(pgt_hyp_map(&t.pgt, va, tenv_page(&t), PA_A, PGT_PROT_RW), 0);
	expect_mapped(&t, va, PA_A, PGT_PROT_RW);
	expect_mapped(&t, va + tenv_page(&t) - 8, PA_A + tenv_page(&t) - 8, PGT_PROT_RW);
	expect_unmapped(&t, va - tenv_page(&t));
	expect_unmapped(&t, va + tenv_page(&t));
	assert_int_equal(tenv_xlat(&t, va).level, PGT_MAX_LEVEL);
	/* One table per level below the root. */
	expect_well_formed(&t, 1 + PGT_MAX_LEVEL - t.pgt.geom.start_level);
	tenv_fini(&t);
}

static void map_uses_blocks(void **state)
{
	struct tenv t;
	u64 blk;

	setup(&t, state);
	blk = block_size(&t);
	assert_int_equal(pgt_hyp_map(&t.pgt, 4 * blk, 2 * blk, PA_A, PGT_PROT_RX), 0);
	expect_mapped(&t, 4 * blk, PA_A, PGT_PROT_RX);
	expect_mapped(&t, 6 * blk - 8, PA_A + 2 * blk - 8, PGT_PROT_RX);
	assert_int_equal(tenv_xlat(&t, 4 * blk).level, 2);
	assert_int_equal(tenv_xlat(&t, 4 * blk).leaf_size, blk);
	tenv_fini(&t);
}

static void map_unaligned_pa_uses_pages(void **state)
{
	struct tenv t;
	u64 blk;

	setup(&t, state);
	blk = block_size(&t);
	assert_int_equal(pgt_hyp_map(&t.pgt, blk, blk, PA_A + tenv_page(&t), PGT_PROT_RW), 0);
	assert_int_equal(tenv_xlat(&t, blk).level, PGT_MAX_LEVEL);
	expect_mapped(&t, 2 * blk - tenv_page(&t), PA_A + blk, PGT_PROT_RW);
	tenv_fini(&t);
}

/* Pages at both ends, blocks in the middle, and exactly the range mapped. */
static void map_mixed_range(void **state)
{
	struct tenv t;
	u64 blk, page, va;

	setup(&t, state);
	blk = block_size(&t);
	page = tenv_page(&t);
	va = blk - 2 * page;
	assert_int_equal(pgt_hyp_map(&t.pgt, va, 2 * blk + 4 * page, PA_A - 2 * page,
				     PGT_PROT_R | PGT_PROT_DEVICE), 0);
	{
		struct extent e = { va, 2 * blk + 4 * page, PA_A - 2 * page,
				    PGT_PROT_R | PGT_PROT_DEVICE };
		expect_exactly(&t, &e, 1);
	}
	assert_int_equal(tenv_xlat(&t, va).level, PGT_MAX_LEVEL);
	assert_int_equal(tenv_xlat(&t, blk).level, 2);
	assert_int_equal(tenv_xlat(&t, 3 * blk).level, PGT_MAX_LEVEL);
	tenv_fini(&t);
}

static void map_1g_blocks_4k(void **state)
{
	struct tenv t;

	setup(&t, state);
	if (t.pgt.geom.granule_shift == PGT_GRANULE_4K) {
		assert_int_equal(pgt_hyp_map(&t.pgt, SZ_1G, 2 * SZ_1G, PA_A, PGT_PROT_RW), 0);
		assert_int_equal(tenv_xlat(&t, SZ_1G + 0x1234).level, 1);
		expect_mapped(&t, 3 * SZ_1G - 8, PA_A + 2 * SZ_1G - 8, PGT_PROT_RW);
		/* Root and one level-1 table; no level-2 tables at all. */
		expect_well_formed(&t, 2);
	}
	tenv_fini(&t);
}

static void map_software_bits(void **state)
{
	struct tenv t;
	u32 prot = PGT_PROT_RW | PGT_PROT_SW0 | PGT_PROT_SW3;

	setup(&t, state);
	assert_int_equal(pgt_hyp_map(&t.pgt, 0, tenv_page(&t), PA_A, prot), 0);
	expect_mapped(&t, 0, PA_A, prot);
	tenv_fini(&t);
}

/*
 * Linux's MAIR_EL1, which KVM gives EL2: Normal, Normal-Tagged, Normal-NC,
 * Device-nGnRnE, Device-nGnRE.  The translator reads memory types through
 * the same MAIR: a leaf with the library's own indices (Device at 1) would
 * be Normal-Tagged memory there.
 */
#define LINUX_MAIR	0x040044f0ffULL

static void map_with_shared_mair(void **state)
{
	struct pgt_config cfg = { .ia_bits = VA_BITS, .granule_shift = test_granule(state),
				  .pa_bits = 48, .mair = LINUX_MAIR };
	struct tenv t;
	u64 page, pte;
	pgt_s8 level;

	tenv_hyp_cfg(&t, &cfg, ARENA_SIZE);
	page = tenv_page(&t);
	assert_int_equal(pgt_hyp_map(&t.pgt, 0, page, PA_A, PGT_PROT_RW), 0);
	assert_int_equal(pgt_hyp_map(&t.pgt, page, page, PA_A + page,
				     PGT_PROT_RW | PGT_PROT_DEVICE), 0);
	assert_int_equal(pgt_hyp_map(&t.pgt, 2 * page, page, PA_A + 2 * page, PGT_PROT_RX), 0);
	expect_mapped(&t, 0, PA_A, PGT_PROT_RW);
	expect_mapped(&t, page, PA_A + page, PGT_PROT_RW | PGT_PROT_DEVICE);
	expect_mapped(&t, 2 * page, PA_A + 2 * page, PGT_PROT_RX);
	assert_int_equal(tenv_xlat(&t, page).mt, REF_MT_DEVICE_nGnRE);
	assert_int_equal(tenv_xlat(&t, 0).mt, REF_MT_NORMAL_WB);
	assert_int_equal(pgt_get_leaf(&t.pgt, page, &pte, &level), 0);
	assert_int_equal((pte >> 2) & 7, 4);
	assert_int_equal(pgt_leaf_prot(&t.pgt, pte), PGT_PROT_RW | PGT_PROT_DEVICE);
	assert_int_equal(pgt_get_leaf(&t.pgt, 0, &pte, &level), 0);
	assert_int_equal((pte >> 2) & 7, 0);
	assert_int_equal(pgt_leaf_prot(&t.pgt, pte), PGT_PROT_RW);
	tenv_fini(&t);
}

/* A MAIR without either memory type cannot be mapped with: refused, nothing allocated. */
static void init_rejects_mair_without_types(void **state)
{
	static const u64 bad[] = { 0x44, 0xff, 0x0400, 0xf0f0f0f0f0f0f0f0ULL };
	struct pgt_config cfg = { .ia_bits = VA_BITS, .granule_shift = test_granule(state),
				  .pa_bits = 48 };
	struct host_mm *hm = host_mm_create(ARENA_SIZE, ARENA_BASE);
	struct pgt pgt;
	unsigned int i;

	assert_non_null(hm);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg.mair = bad[i];
		assert_int_equal(pgt_hyp_init(&pgt, &cfg, host_mm_ops(hm)), -EINVAL);
	}
	/* Stage 2's memory types are in its descriptors: a MAIR contradicts them. */
	cfg.ia_bits = 40;
	cfg.mair = LINUX_MAIR;
	assert_int_equal(pgt_stage2_init(&pgt, &cfg, host_mm_ops(hm), NULL), -EINVAL);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	host_mm_destroy(hm);
}

/* Bad input returns its error and leaves the tree as it was. */
static void expect_rejected(struct tenv *t, u64 va, u64 size, u64 pa, u32 prot, int err)
{
	u64 pages = tenv_pages_in_use(t);

	assert_int_equal(pgt_hyp_map(&t->pgt, va, size, pa, prot), err);
	assert_int_equal(tenv_pages_in_use(t), pages);
}

static void map_bad_input(void **state)
{
	struct tenv t;
	struct extent e;
	u64 page;

	setup(&t, state);
	page = tenv_page(&t);
	e = (struct extent){ 0x100 * page, page, PA_A, PGT_PROT_RW };
	assert_int_equal(pgt_hyp_map(&t.pgt, e.ia, e.size, e.pa, e.prot), 0);

	expect_rejected(&t, page + 8, page, PA_A, PGT_PROT_RW, -EINVAL);
	expect_rejected(&t, page, page + 8, PA_A, PGT_PROT_RW, -EINVAL);
	expect_rejected(&t, page, page, PA_A + 8, PGT_PROT_RW, -EINVAL);
	expect_rejected(&t, -page, 2 * page, PA_A, PGT_PROT_RW, -EINVAL);
	expect_rejected(&t, page, page, -page, PGT_PROT_RW, -EINVAL);
	expect_rejected(&t, 1ULL << VA_BITS, page, PA_A, PGT_PROT_RW, -ERANGE);
	expect_rejected(&t, (1ULL << VA_BITS) - page, 2 * page, PA_A, PGT_PROT_RW, -ERANGE);
	expect_rejected(&t, page, page, 1ULL << 48, PGT_PROT_RW, -ERANGE);
	expect_rejected(&t, page, page, PA_A, PGT_PROT_W, -EINVAL);
	expect_rejected(&t, page, page, PA_A, PGT_PROT_RWX, -EINVAL);
	expect_rejected(&t, page, page, PA_A, PGT_PROT_RX | PGT_PROT_DEVICE, -EINVAL);
	expect_rejected(&t, page, page, PA_A, PGT_PROT_R | (1u << 20), -EINVAL);
	expect_exactly(&t, &e, 1);
	tenv_fini(&t);
}

static void map_same_again_is_noop(void **state)
{
	struct tenv t;
	struct extent e;
	u64 pages;

	setup(&t, state);
	e = (struct extent){ block_size(&t) - tenv_page(&t), block_size(&t) + 2 * tenv_page(&t),
			     PA_A, PGT_PROT_RW };
	assert_int_equal(pgt_hyp_map(&t.pgt, e.ia, e.size, e.pa, e.prot), 0);
	pages = tenv_pages_in_use(&t);
	assert_int_equal(pgt_hyp_map(&t.pgt, e.ia, e.size, e.pa, e.prot), 0);
	/* A page inside an existing block, translating the same way. */
	assert_int_equal(pgt_hyp_map(&t.pgt, e.ia + 2 * tenv_page(&t), tenv_page(&t),
				     e.pa + 2 * tenv_page(&t), e.prot), 0);
	assert_int_equal(tenv_pages_in_use(&t), pages);
	expect_exactly(&t, &e, 1);
	tenv_fini(&t);
}

/* A conflict anywhere in the range means nothing of the range is mapped. */
static void map_conflict_all_or_nothing(void **state)
{
	struct tenv t;
	struct extent e;
	u64 page, blk, pages;

	setup(&t, state);
	page = tenv_page(&t);
	blk = block_size(&t);
	e = (struct extent){ 3 * blk + 5 * page, page, PA_A, PGT_PROT_R };
	assert_int_equal(pgt_hyp_map(&t.pgt, e.ia, e.size, e.pa, e.prot), 0);
	pages = tenv_pages_in_use(&t);

	assert_int_equal(pgt_hyp_map(&t.pgt, blk, 4 * blk, 0x100000000ULL, PGT_PROT_R), -EEXIST);
	assert_int_equal(pgt_hyp_map(&t.pgt, e.ia, page, e.pa, PGT_PROT_RW), -EEXIST);
	assert_int_equal(pgt_hyp_map(&t.pgt, e.ia, page, e.pa + page, PGT_PROT_R), -EEXIST);
	assert_int_equal(tenv_pages_in_use(&t), pages);
	expect_exactly(&t, &e, 1);
	expect_well_formed(&t, 1 + PGT_MAX_LEVEL - t.pgt.geom.start_level);
	tenv_fini(&t);
}

/* Fail each allocation in turn: -ENOMEM, the tree unchanged, then a retry works. */
static void map_enomem_every_allocation(void **state)
{
	struct tenv t;
	struct extent e[2];
	u64 blk, page, calls, k, pages;

	setup(&t, state);
	blk = block_size(&t);
	page = tenv_page(&t);
	e[0] = (struct extent){ 7 * page, page, PA_A, PGT_PROT_RW };
	/* Far from e[0]: both ends need tables of their own. */
	e[1] = (struct extent){ (1ULL << 40) + blk - page, 2 * blk + 2 * page, PA_A - page,
				PGT_PROT_R };
	assert_int_equal(pgt_hyp_map(&t.pgt, e[0].ia, e[0].size, e[0].pa, e[0].prot), 0);
	pages = tenv_pages_in_use(&t);

	calls = host_mm_alloc_calls(t.hm);
	assert_int_equal(pgt_hyp_map(&t.pgt, e[1].ia, e[1].size, e[1].pa, e[1].prot), 0);
	calls = host_mm_alloc_calls(t.hm) - calls;
	assert_true(calls >= 2);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, e[1].ia, e[1].size, NULL), 0);
	assert_int_equal(tenv_pages_in_use(&t), pages);

	for (k = 1; k <= calls; k++) {
		host_mm_fail_nth_alloc(t.hm, k);
		assert_int_equal(pgt_hyp_map(&t.pgt, e[1].ia, e[1].size, e[1].pa, e[1].prot),
				 -ENOMEM);
		assert_int_equal(tenv_pages_in_use(&t), pages);
		expect_exactly(&t, e, 1);
	}
	host_mm_fail_nth_alloc(t.hm, 0);
	assert_int_equal(pgt_hyp_map(&t.pgt, e[1].ia, e[1].size, e[1].pa, e[1].prot), 0);
	expect_exactly(&t, e, 2);
	tenv_fini(&t);
}

static void unmap_everything_frees_tables(void **state)
{
	struct tenv t;
	u64 blk, page, unmapped = 0, tables;

	setup(&t, state);
	blk = block_size(&t);
	page = tenv_page(&t);
	assert_int_equal(pgt_hyp_map(&t.pgt, blk - page, blk + 2 * page, PA_A - page,
				     PGT_PROT_RW), 0);
	tables = tenv_pages_in_use(&t);
	host_mm_tlbi_log_clear(t.hm);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, blk - page, blk + 2 * page, &unmapped), 0);
	assert_int_equal(unmapped, blk + 2 * page);
	expect_exactly(&t, NULL, 0);
	expect_well_formed(&t, 1);
	assert_int_equal(tenv_pages_in_use(&t), 1);
	/* Two pages and one block, each with its level as the hint. */
	assert_int_equal(count_tlbi(&t, true, PGT_MAX_LEVEL), 2);
	assert_int_equal(count_tlbi(&t, true, 2), 1);
	/* Every table freed was first invalidated from the walk caches. */
	assert_int_equal(count_tlbi(&t, false, PGT_NO_LEVEL), tables - 1);
	tenv_fini(&t);
}

/* Unmapping part of a block splits it and keeps the rest mapped. */
static void unmap_splits_block(void **state)
{
	struct tenv t;
	struct extent e[2];
	u64 blk, page, unmapped = 0;

	setup(&t, state);
	blk = block_size(&t);
	page = tenv_page(&t);
	assert_int_equal(pgt_hyp_map(&t.pgt, 2 * blk, blk, PA_A, PGT_PROT_RW), 0);
	host_mm_tlbi_log_clear(t.hm);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, 2 * blk + 3 * page, page, &unmapped), 0);
	assert_int_equal(unmapped, page);
	e[0] = (struct extent){ 2 * blk, 3 * page, PA_A, PGT_PROT_RW };
	e[1] = (struct extent){ 2 * blk + 4 * page, blk - 4 * page, PA_A + 4 * page,
				PGT_PROT_RW };
	expect_exactly(&t, e, 2);
	expect_unmapped(&t, 2 * blk + 3 * page);
	/* The block's break, then the page. */
	assert_int_equal(count_tlbi(&t, true, 2), 1);
	assert_int_equal(count_tlbi(&t, true, PGT_MAX_LEVEL), 1);
	expect_well_formed(&t, 1 + PGT_MAX_LEVEL - t.pgt.geom.start_level);
	tenv_fini(&t);
}

/* A 1G block cut in its middle: split twice on each side. */
static void unmap_splits_1g_block_4k(void **state)
{
	struct tenv t;
	struct extent e[2];
	u64 unmapped = 0, hole = SZ_1G + SZ_2M + 3 * SZ_4K;

	setup(&t, state);
	if (t.pgt.geom.granule_shift == PGT_GRANULE_4K) {
		assert_int_equal(pgt_hyp_map(&t.pgt, SZ_1G, SZ_1G, PA_A, PGT_PROT_RW), 0);
		assert_int_equal(pgt_hyp_unmap(&t.pgt, hole, 3 * SZ_2M, &unmapped), 0);
		assert_int_equal(unmapped, 3 * SZ_2M);
		e[0] = (struct extent){ SZ_1G, hole - SZ_1G, PA_A, PGT_PROT_RW };
		e[1] = (struct extent){ hole + 3 * SZ_2M, 2 * SZ_1G - hole - 3 * SZ_2M,
					PA_A + hole - SZ_1G + 3 * SZ_2M, PGT_PROT_RW };
		expect_exactly(&t, e, 2);
		/* Root, L1, L2 from the split, two L3 tables for the two cut 2M blocks. */
		expect_well_formed(&t, 5);
	}
	tenv_fini(&t);
}

static void unmap_skips_holes(void **state)
{
	struct tenv t;
	u64 page, unmapped = 0;
	int i;

	setup(&t, state);
	page = tenv_page(&t);
	for (i = 0; i < 8; i += 2)
		assert_int_equal(pgt_hyp_map(&t.pgt, i * page, page, PA_A + i * page,
					     PGT_PROT_R), 0);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, 0, 8 * page, &unmapped), 0);
	assert_int_equal(unmapped, 4 * page);
	expect_exactly(&t, NULL, 0);
	assert_int_equal(tenv_pages_in_use(&t), 1);
	tenv_fini(&t);
}

static void unmap_bad_input(void **state)
{
	struct tenv t;
	struct extent e;
	u64 page, unmapped = 1;

	setup(&t, state);
	page = tenv_page(&t);
	e = (struct extent){ 0, 4 * page, PA_A, PGT_PROT_RW };
	assert_int_equal(pgt_hyp_map(&t.pgt, e.ia, e.size, e.pa, e.prot), 0);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, 8, page, NULL), -EINVAL);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, 0, page + 1, NULL), -EINVAL);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, -page, 2 * page, NULL), -EINVAL);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, 1ULL << VA_BITS, page, &unmapped), -ERANGE);
	assert_int_equal(unmapped, 0);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, 0, 0, &unmapped), 0);
	expect_exactly(&t, &e, 1);
	tenv_fini(&t);
}

/* A split that cannot get its pages changes nothing. */
static void unmap_split_enomem_every_allocation(void **state)
{
	struct tenv t;
	struct extent e;
	u64 blk, page, k, pages, unmapped;

	setup(&t, state);
	blk = block_size(&t);
	page = tenv_page(&t);
	e = (struct extent){ 0, 2 * blk, PA_A, PGT_PROT_RW };
	assert_int_equal(pgt_hyp_map(&t.pgt, e.ia, e.size, e.pa, e.prot), 0);
	pages = tenv_pages_in_use(&t);
	for (k = 1; k <= 2; k++) {
		host_mm_fail_nth_alloc(t.hm, k);
		assert_int_equal(pgt_hyp_unmap(&t.pgt, blk - page, 2 * page, &unmapped), -ENOMEM);
		assert_int_equal(unmapped, 0);
		assert_int_equal(tenv_pages_in_use(&t), pages);
		expect_exactly(&t, &e, 1);
	}
	host_mm_fail_nth_alloc(t.hm, 0);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, blk - page, 2 * page, &unmapped), 0);
	assert_int_equal(unmapped, 2 * page);
	expect_unmapped(&t, blk);
	expect_mapped(&t, blk + page, PA_A + blk + page, PGT_PROT_RW);
	tenv_fini(&t);
}

static void get_leaf_reports_level(void **state)
{
	struct tenv t;
	pgt_pte_t pte;
	pgt_s8 level;
	u64 blk;

	setup(&t, state);
	blk = block_size(&t);
	assert_int_equal(pgt_hyp_map(&t.pgt, blk, blk, PA_A, PGT_PROT_RW), 0);
	assert_int_equal(pgt_get_leaf(&t.pgt, blk + 0x10, &pte, &level), 0);
	assert_int_equal(level, 2);
	assert_int_equal(pte, tenv_xlat(&t, blk).desc);
	assert_int_equal(pgt_hyp_pte_prot(pte), PGT_PROT_RW);
	assert_int_equal(pgt_get_leaf(&t.pgt, 0, &pte, &level), 0);
	assert_int_equal(pte, 0);
	assert_int_equal(pgt_get_leaf(&t.pgt, 1ULL << VA_BITS, &pte, &level), -ERANGE);
	tenv_fini(&t);
}

static void destroy_with_mappings(void **state)
{
	struct tenv t;
	u64 blk;

	setup(&t, state);
	blk = block_size(&t);
	assert_int_equal(pgt_hyp_map(&t.pgt, 0, 3 * blk + tenv_page(&t), PA_A, PGT_PROT_RW), 0);
	assert_int_equal(pgt_hyp_map(&t.pgt, 1ULL << 40, tenv_page(&t), PA_A, PGT_PROT_RW), 0);
	assert_true(tenv_pages_in_use(&t) > 3);
	tenv_fini(&t);	/* asserts the arena is empty again */
}

/* ---- randomised map/unmap against a page-level model ---- */

#define MODEL_PAGES	2048

struct model {
	u64 pa[MODEL_PAGES];	/* 0: unmapped */
	u32 prot[MODEL_PAGES];
};

static int model_extents(const struct model *m, u64 base, u64 page, struct extent *out)
{
	int i, n = 0;

	for (i = 0; i < MODEL_PAGES; i++) {
		struct extent *last = n ? &out[n - 1] : NULL;

		if (!m->pa[i])
			continue;
		if (last && last->ia + last->size == base + i * page &&
		    last->pa + last->size == m->pa[i] && last->prot == m->prot[i]) {
			last->size += page;
			continue;
		}
		out[n++] = (struct extent){ base + i * page, page, m->pa[i], m->prot[i] };
	}
	return n;
}

/* Every page is free or already translates exactly as asked. */
static bool model_range_compatible(const struct model *m, int first, int count, u64 pa,
				   u32 prot, u64 page)
{
	int i;

	for (i = 0; i < count; i++)
		if (m->pa[first + i] && (m->pa[first + i] != pa + i * page ||
					 m->prot[first + i] != prot))
			return false;
	return true;
}

static void random_step(struct tenv *t, struct model *m, u64 *rng, u64 base)
{
	static const u32 prots[] = { PGT_PROT_R, PGT_PROT_RW, PGT_PROT_RX,
				     PGT_PROT_R | PGT_PROT_DEVICE };
	u64 page = tenv_page(t), r = rng_next(rng), unmapped;
	int first = r % MODEL_PAGES, count = 1 + (r >> 16) % 300, i;
	u32 prot = prots[(r >> 32) % 4];
	u64 pa = PA_A + ((r >> 40) % 64) * page * 256;

	if (first + count > MODEL_PAGES)
		count = MODEL_PAGES - first;
	if ((r >> 60) & 1) {
		int want = model_range_compatible(m, first, count, pa, prot, page) ? 0 : -EEXIST;

		assert_int_equal(pgt_hyp_map(&t->pgt, base + first * page, count * page, pa, prot),
				 want);
		for (i = 0; !want && i < count; i++) {
			m->pa[first + i] = pa + i * page;
			m->prot[first + i] = prot;
		}
		return;
	}
	assert_int_equal(pgt_hyp_unmap(&t->pgt, base + first * page, count * page, &unmapped),
			 0);
	for (i = 0; i < count; i++) {
		unmapped -= m->pa[first + i] ? page : 0;
		m->pa[first + i] = 0;
	}
	assert_int_equal(unmapped, 0);
}

static void random_map_unmap(void **state)
{
	static struct model m;
	static struct extent ext[MODEL_PAGES];
	struct tenv t;
	u64 rng = test_seed("random_map_unmap"), base;
	int step;

	setup(&t, state);
	host_mm_tlbi_log_enable(t.hm, false);
	memset(&m, 0, sizeof(m));
	base = block_size(&t) - 64 * tenv_page(&t);
	for (step = 0; step < 300; step++) {
		random_step(&t, &m, &rng, base);
		if (step % 10 == 0)
			expect_exactly(&t, ext, model_extents(&m, base, tenv_page(&t), ext));
	}
	expect_exactly(&t, ext, model_extents(&m, base, tenv_page(&t), ext));
	assert_int_equal(ref_visit_bad_entries(&t.rg, NULL, NULL), 0);
	tenv_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FOR_GRANULES(map_one_page),
		FOR_GRANULES(map_uses_blocks),
		FOR_GRANULES(map_unaligned_pa_uses_pages),
		FOR_GRANULES(map_mixed_range),
		FOR_GRANULES(map_1g_blocks_4k),
		FOR_GRANULES(map_software_bits),
		FOR_GRANULES(map_bad_input),
		FOR_GRANULES(map_same_again_is_noop),
		FOR_GRANULES(map_conflict_all_or_nothing),
		FOR_GRANULES(map_enomem_every_allocation),
		FOR_GRANULES(unmap_everything_frees_tables),
		FOR_GRANULES(unmap_splits_block),
		FOR_GRANULES(unmap_splits_1g_block_4k),
		FOR_GRANULES(unmap_skips_holes),
		FOR_GRANULES(unmap_bad_input),
		FOR_GRANULES(unmap_split_enomem_every_allocation),
		FOR_GRANULES(get_leaf_reports_level),
		FOR_GRANULES(map_with_shared_mair),
		FOR_GRANULES(init_rejects_mair_without_types),
		FOR_GRANULES(destroy_with_mappings),
		FOR_GRANULES(random_map_unmap),
	};

	return cmocka_run_group_tests_name("hyp", tests, NULL, NULL);
}
