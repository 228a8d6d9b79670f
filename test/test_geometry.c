// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_geometry.c - the shape of EL2 stage-1 and stage-2 trees: start level,
 * root size and concatenation, TCR_EL2/VTCR_EL2, for every granule and every
 * input and output size the library accepts, checked against expectations
 * written here from the Arm rules and against the reference translator,
 * which derives the walk from the register values alone.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/*
 * The sweeps build a few hundred trees; the harness's 256 MiB arena costs
 * ~40 ms each under ASan, so they use this much smaller one (the largest
 * root, 16 x 64 KiB, plus a few paths of tables fits easily).
 */
#define SWEEP_ARENA_SIZE	(8ULL << 20)

#define PA_LOW			0x10000000ULL	/* below 2^32, aligned to every page size */

static const u32 pa_sizes[] = { 32, 36, 40, 42, 44, 48 };
#define N_PA_SIZES		(sizeof(pa_sizes) / sizeof(pa_sizes[0]))

/* ---- what the Arm ARM says, written down independently of the library ---- */

struct gran {
	u32 shift;		/* log2 of the page size */
	u32 stride;		/* index bits per level */
	u32 tg0;		/* TCR_EL2.TG0 / VTCR_EL2.TG0 */
	int first_level;	/* coarsest level that exists with 48-bit addresses */
	int first_block;	/* coarsest level with block descriptors (no LPA2) */
	int s2_sl0_base;	/* the level SL0 = 0 names */
	/*
	 * Smallest VA with FEAT_TTST: AArch64.MaxTxSZ() allows T0SZ 48
	 * (16 bits) for 4K and 16K, and 47 (17 bits) for 64K.
	 */
	u32 s1_min_va;
	u32 level_shift[4];	/* log2 of the bytes one entry maps, per level */
};

static const struct gran gran_4k = {
	.shift = 12, .stride = 9, .tg0 = 0, .first_level = 0, .first_block = 1,
	.s2_sl0_base = 2, .s1_min_va = 16, .level_shift = { 39, 30, 21, 12 },
};

static const struct gran gran_16k = {
	.shift = 14, .stride = 11, .tg0 = 2, .first_level = 0, .first_block = 2,
	.s2_sl0_base = 3, .s1_min_va = 16, .level_shift = { 47, 36, 25, 14 },
};

static const struct gran gran_64k = {
	.shift = 16, .stride = 13, .tg0 = 1, .first_level = 1, .first_block = 2,
	.s2_sl0_base = 3, .s1_min_va = 17, .level_shift = { 0 /* none */, 42, 29, 16 },
};

static const struct gran *gran_of(u32 shift)
{
	switch (shift) {
	case 12:
		return &gran_4k;
	case 14:
		return &gran_16k;
	case 16:
		return &gran_64k;
	}
	fail_msg("bad granule %u", shift);
	return NULL;
}

/* Stage 1 cannot concatenate: the deepest level whose one table resolves the rest. */
static int s1_start_expected(const struct gran *g, u32 va)
{
	int level;

	for (level = 3; level >= g->first_level; level--)
		if (va - g->level_shift[level] <= g->stride)
			return level;
	fail_msg("no stage-1 start level for %u bits", va);
	return -1;
}

/* AArch64.S1StartLevel(): FINAL_LEVEL - ((iasize - 1 - granulebits) DIV stride). */
static int s1_start_pseudocode(const struct gran *g, u32 va)
{
	return 3 - (int)((va - 1 - g->shift) / g->stride);
}

/*
 * Stage 2: the fewest levels (deepest start) whose root fits in at most 16
 * concatenated tables (4 more bits than one table), never below the level
 * SL0 = 0 names.
 */
static int s2_start_expected(const struct gran *g, u32 ia)
{
	int level;

	for (level = g->s2_sl0_base; level >= g->first_level; level--)
		if (ia - g->level_shift[level] <= g->stride + 4)
			return level;
	fail_msg("no stage-2 start level for %u bits", ia);
	return -1;
}

/* AArch64.S2InconsistentSL(): is @ia resolvable from @start with <= 16 tables? */
static bool s2_sl_consistent(const struct gran *g, int start, u32 ia)
{
	u32 levels = 3 - start;
	u32 sl_min = levels * g->stride + g->shift + 1;
	u32 sl_max = sl_min + (g->stride - 1) + 4;

	return ia >= sl_min && ia <= sl_max;
}

static u32 ps_expected(u32 pa_bits)
{
	switch (pa_bits) {
	case 32: return 0;
	case 36: return 1;
	case 40: return 2;
	case 42: return 3;
	case 44: return 4;
	case 48: return 5;
	}
	fail_msg("unarchitected pa %u", pa_bits);
	return 0;
}

/* ---- trees in a small arena (see SWEEP_ARENA_SIZE) ---- */

static void small_hyp(struct tenv *t, u32 va_bits, u32 granule, u32 pa_bits)
{
	struct pgt_config cfg = { .ia_bits = va_bits, .granule_shift = granule,
				  .pa_bits = pa_bits };

	tenv_hyp_cfg(t, &cfg, SWEEP_ARENA_SIZE);
}

static void small_stage2(struct tenv *t, u32 ia_bits, u32 granule, u32 pa_bits, u32 flags)
{
	struct pgt_config cfg = { .ia_bits = ia_bits, .granule_shift = granule,
				  .pa_bits = pa_bits, .flags = flags };

	tenv_stage2_cfg(t, &cfg, SWEEP_ARENA_SIZE);
}

/* The translator's view of the registers must be the library's geometry. */
static void expect_regime_info(struct tenv *t, u32 pa_bits)
{
	const struct pgt_geometry *geom = &t->pgt.geom;
	struct ref_regime_info info;

	assert_int_equal(ref_regime_info(&t->rg, &info), 0);
	assert_int_equal(info.granule_shift, geom->granule_shift);
	assert_int_equal(info.ia_bits, geom->ia_bits);
	assert_int_equal(info.oa_bits, pa_bits);
	assert_int_equal(info.start_level, geom->start_level);
	assert_int_equal(info.root_entries, geom->root_entries);
	assert_int_equal(info.root_pages, geom->root_pages);
	assert_int_equal(info.root_pa, t->pgt.root_phys);
}

/* ---- levels, sizes, encodings ---- */

static void level_sizes(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	struct pgt_geometry geom = { .granule_shift = g->shift };
	int level;

	assert_int_equal(pgt_page_size(&geom), 1u << g->shift);
	assert_int_equal(pgt_table_entries(&geom), 1u << g->stride);
	for (level = g->first_level; level <= PGT_MAX_LEVEL; level++) {
		assert_int_equal(pgt_level_shift(&geom, level), g->level_shift[level]);
		assert_int_equal(pgt_level_size(&geom, level), 1ULL << g->level_shift[level]);
	}
	/* A few spelled out. */
	switch (g->shift) {
	case 12:
		assert_int_equal(pgt_level_size(&geom, 3), SZ_4K);
		assert_int_equal(pgt_level_size(&geom, 2), SZ_2M);
		assert_int_equal(pgt_level_size(&geom, 1), SZ_1G);
		assert_int_equal(pgt_level_size(&geom, 0), 512 * SZ_1G);
		assert_int_equal(pgt_table_entries(&geom), 512);
		break;
	case 14:
		assert_int_equal(pgt_level_size(&geom, 3), SZ_16K);
		assert_int_equal(pgt_level_size(&geom, 2), SZ_32M);
		assert_int_equal(pgt_level_size(&geom, 1), 64 * SZ_1G);
		assert_int_equal(pgt_level_size(&geom, 0), 1ULL << 47);
		assert_int_equal(pgt_table_entries(&geom), 2048);
		break;
	case 16:
		assert_int_equal(pgt_level_size(&geom, 3), SZ_64K);
		assert_int_equal(pgt_level_size(&geom, 2), SZ_512M);
		assert_int_equal(pgt_level_size(&geom, 1), 4096 * SZ_1G);
		assert_int_equal(pgt_table_entries(&geom), 8192);
		break;
	}
}

static void level_blocks_and_leaves(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	struct pgt_geometry geom = { .granule_shift = g->shift };
	int level;

	for (level = 0; level <= PGT_MAX_LEVEL; level++) {
		bool block = level >= g->first_block && level < 3;

		assert_int_equal(pgt_level_has_blocks(&geom, level), block);
		assert_int_equal(pgt_level_has_leaves(&geom, level), block || level == 3);
	}
	/* Spelled out: 4K blocks at 1 and 2, 16K/64K at 2 only; pages at 3. */
	assert_false(pgt_level_has_blocks(&geom, 0));
	assert_false(pgt_level_has_leaves(&geom, 0));
	assert_int_equal(pgt_level_has_blocks(&geom, 1), g->shift == 12);
	assert_true(pgt_level_has_blocks(&geom, 2));
	assert_false(pgt_level_has_blocks(&geom, 3));
	assert_true(pgt_level_has_leaves(&geom, 3));
}

static void pa_range_encoding(void **state)
{
	u32 bits;
	size_t i;

	(void)state;
	for (i = 0; i < N_PA_SIZES; i++)
		assert_int_equal(pgt_pa_range_encode(pa_sizes[i]), (int)i);
	assert_int_equal(pgt_pa_range_encode(32), 0);
	assert_int_equal(pgt_pa_range_encode(48), 5);
	for (bits = 0; bits <= 128; bits++) {
		bool architected = false;

		for (i = 0; i < N_PA_SIZES; i++)
			architected |= bits == pa_sizes[i];
		if (!architected && bits != 52)
			assert_int_equal(pgt_pa_range_encode(bits), -EINVAL);
	}
	/* 52 bits (FEAT_LPA/LPA2): trees take it only with PGT_CFG_LPA (test_formats.c). */
	assert_int_equal(pgt_pa_range_encode(52), 6);
	assert_int_equal(pgt_pa_range_encode(~0u), -EINVAL);
}

/* ---- EL2 stage 1 ---- */

struct hyp_case {
	u32 granule, va;
	int start;
	u32 entries;
};

static void hyp_geometry_known(void **state)
{
	static const struct hyp_case cases[] = {
		{ 12, 48, 0, 512 }, { 12, 40, 0, 2 }, { 12, 39, 1, 512 }, { 12, 36, 1, 64 },
		{ 12, 31, 1, 2 }, { 12, 30, 2, 512 }, { 12, 25, 2, 16 }, { 12, 22, 2, 2 },
		{ 12, 21, 3, 512 }, { 12, 16, 3, 16 },
		{ 14, 48, 0, 2 }, { 14, 47, 1, 2048 }, { 14, 37, 1, 2 }, { 14, 36, 2, 2048 },
		{ 14, 26, 2, 2 }, { 14, 25, 3, 2048 }, { 14, 17, 3, 8 },
		{ 16, 48, 1, 64 }, { 16, 43, 1, 2 }, { 16, 42, 2, 8192 }, { 16, 30, 2, 2 },
		{ 16, 29, 3, 8192 }, { 16, 25, 3, 512 }, { 16, 17, 3, 2 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hyp_case *c = &cases[i];
		struct pgt_geometry geom;

		memset(&geom, 0xa5, sizeof(geom));
		assert_int_equal(pgt_geometry_hyp(&geom, c->va, c->granule), 0);
		if (geom.start_level != c->start || geom.root_entries != c->entries)
			fail_msg("hyp %uK va %u: L%d x%u, expected L%d x%u", 1u << (c->granule - 10),
				 c->va, geom.start_level, geom.root_entries, c->start, c->entries);
		assert_int_equal(geom.granule_shift, c->granule);
		assert_int_equal(geom.ia_bits, c->va);
		assert_int_equal(geom.root_pages, 1);
	}
}

static void hyp_geometry_every_va(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	struct pgt_geometry geom;
	u32 va;

	for (va = g->s1_min_va; va <= 48; va++) {
		int start = s1_start_expected(g, va);

		assert_int_equal(start, s1_start_pseudocode(g, va));
		assert_int_equal(pgt_geometry_hyp(&geom, va, g->shift), 0);
		if (geom.start_level != start)
			fail_msg("va %u: start L%d, expected L%d", va, geom.start_level, start);
		assert_int_equal(geom.granule_shift, g->shift);
		assert_int_equal(geom.ia_bits, va);
		assert_int_equal(geom.root_pages, 1);
		assert_int_equal(geom.root_entries, 1u << (va - g->level_shift[start]));
		/* Never a one-entry root, never more than one table. */
		assert_true(geom.root_entries >= 2);
		assert_true(geom.root_entries <= 1u << g->stride);
		/* The root and the levels below resolve exactly va bits. */
		assert_int_equal((u64)geom.root_entries * pgt_level_size(&geom, geom.start_level),
				 1ULL << va);
	}
	assert_int_equal(pgt_geometry_hyp(&geom, g->s1_min_va - 1, g->shift), -EINVAL);
	assert_int_equal(pgt_geometry_hyp(&geom, 49, g->shift), -EINVAL);
	assert_int_equal(pgt_geometry_hyp(&geom, 52, g->shift), -EINVAL);
	assert_int_equal(pgt_geometry_hyp(&geom, 64, g->shift), -EINVAL);
	assert_int_equal(pgt_geometry_hyp(&geom, 0, g->shift), -EINVAL);
}

/*
 * A translator-checked tree for every VA size: the first and last page of the
 * VA space map and translate, the byte after the end faults, and nothing but
 * the two paths of tables exists.
 */
static void hyp_tree_every_va(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	u64 page = 1ULL << g->shift;
	u32 va;

	for (va = g->s1_min_va; va <= 48; va++) {
		struct tenv t;
		u64 last = (1ULL << va) - page;
		u64 pa_last = (1ULL << 47) - page;
		pgt_pte_t pte;
		pgt_s8 level;
		int start;

		small_hyp(&t, va, g->shift, 48);
		start = t.pgt.geom.start_level;
		assert_int_equal(start, s1_start_expected(g, va));
		assert_int_equal(t.pgt.ctrl, pgt_hyp_tcr(&t.pgt.geom, 48));
		assert_int_equal(t.pgt.ctrl & 0x3f, 64 - va);

		assert_int_equal(pgt_hyp_map(&t.pgt, 0, page, PA_LOW, PGT_PROT_RW), 0);
		assert_int_equal(pgt_hyp_map(&t.pgt, last, page, pa_last, PGT_PROT_RW), 0);
		assert_int_equal(pgt_hyp_map(&t.pgt, last + page, page, PA_LOW, PGT_PROT_RW),
				 -ERANGE);

		/* The library's own walker agrees. */
		assert_int_equal(pgt_get_leaf(&t.pgt, last, &pte, &level), 0);
		assert_int_equal(level, PGT_MAX_LEVEL);
		assert_int_equal(pgt_pte_addr(&t.pgt.geom, pte), pa_last);
		assert_int_equal(pgt_get_leaf(&t.pgt, 1ULL << va, &pte, &level), -ERANGE);

		expect_regime_info(&t, 48);
		expect_mapped(&t, 0, PA_LOW, PGT_PROT_RW);
		expect_mapped(&t, page - 8, PA_LOW + page - 8, PGT_PROT_RW);
		expect_mapped(&t, last, pa_last, PGT_PROT_RW);
		expect_mapped(&t, last + page - 1, pa_last + page - 1, PGT_PROT_RW);
		assert_int_equal(tenv_xlat(&t, last).level, PGT_MAX_LEVEL);
		assert_int_equal(tenv_xlat(&t, last).desc, pte);
		if ((1ULL << va) / page >= 4) {
			expect_unmapped(&t, page);
			expect_unmapped(&t, last - page);
		}
		/* Just past the end: a level-0 translation fault, whatever the start level. */
		expect_unmapped(&t, 1ULL << va);
		assert_int_equal(tenv_xlat(&t, 1ULL << va).level, 0);
		/* The root plus one table per level below it for each of the two pages. */
		expect_well_formed(&t, 1 + 2 * (PGT_MAX_LEVEL - start));
		tenv_fini(&t);
	}
}

/* PS bounds output addresses: the top page of each PA size maps, the next doesn't. */
static void hyp_tree_every_pa(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	u64 page = 1ULL << g->shift;
	size_t i;

	for (i = 0; i < N_PA_SIZES; i++) {
		u32 pa = pa_sizes[i];
		u64 top = (1ULL << pa) - page;
		struct tenv t;

		small_hyp(&t, 48, g->shift, pa);
		assert_int_equal(t.pgt.pa_bits, pa);
		assert_int_equal((t.pgt.ctrl >> 16) & 7, ps_expected(pa));
		expect_regime_info(&t, pa);
		assert_int_equal(pgt_hyp_map(&t.pgt, 0, page, top, PGT_PROT_R), 0);
		assert_int_equal(pgt_hyp_map(&t.pgt, page, page, top + page, PGT_PROT_R), -ERANGE);
		assert_int_equal(pgt_hyp_map(&t.pgt, page, 2 * page, top, PGT_PROT_R), -ERANGE);
		expect_mapped(&t, 0, top, PGT_PROT_R);
		expect_unmapped(&t, page);
		assert_int_equal(ref_visit_bad_entries(&t.rg, NULL, NULL), 0);
		tenv_fini(&t);
	}
}

/* ---- stage 2 ---- */

struct s2_case {
	u32 granule, ia;
	int start;
	u32 pages, entries, sl0;
};

static void stage2_geometry_known(void **state)
{
	static const struct s2_case cases[] = {
		/* 4K: SL0 0 = L2, 1 = L1, 2 = L0 */
		{ 12, 25, 2, 1, 16, 0 },	/* clamped: L3 would need 16 tables */
		{ 12, 30, 2, 1, 512, 0 },
		{ 12, 31, 2, 2, 1024, 0 },
		{ 12, 32, 2, 4, 2048, 0 },
		{ 12, 34, 2, 16, 8192, 0 },
		{ 12, 35, 1, 1, 32, 1 },
		{ 12, 39, 1, 1, 512, 1 },
		{ 12, 40, 1, 2, 1024, 1 },
		{ 12, 43, 1, 16, 8192, 1 },
		{ 12, 44, 0, 1, 32, 2 },
		{ 12, 48, 0, 1, 512, 2 },
		/* 16K: SL0 0 = L3, 1 = L2, 2 = L1 */
		{ 14, 25, 3, 1, 2048, 0 },
		{ 14, 29, 3, 16, 32768, 0 },
		{ 14, 30, 2, 1, 32, 1 },
		{ 14, 36, 2, 1, 2048, 1 },
		{ 14, 40, 2, 16, 32768, 1 },
		{ 14, 41, 1, 1, 32, 2 },
		{ 14, 47, 1, 1, 2048, 2 },
		{ 14, 48, 1, 2, 4096, 2 },
		/* 64K: SL0 0 = L3, 1 = L2, 2 = L1 */
		{ 16, 25, 3, 1, 512, 0 },
		{ 16, 29, 3, 1, 8192, 0 },
		{ 16, 33, 3, 16, 131072, 0 },
		{ 16, 34, 2, 1, 32, 1 },
		{ 16, 42, 2, 1, 8192, 1 },
		{ 16, 46, 2, 16, 131072, 1 },
		{ 16, 47, 1, 1, 32, 2 },
		{ 16, 48, 1, 1, 64, 2 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct s2_case *c = &cases[i];
		struct pgt_geometry geom;
		u64 vtcr;

		memset(&geom, 0xa5, sizeof(geom));
		assert_int_equal(pgt_geometry_stage2(&geom, c->ia, c->granule), 0);
		if (geom.start_level != c->start || geom.root_pages != c->pages ||
		    geom.root_entries != c->entries)
			fail_msg("s2 %uK ia %u: L%d %u pages x%u, expected L%d %u pages x%u",
				 1u << (c->granule - 10), c->ia, geom.start_level, geom.root_pages,
				 geom.root_entries, c->start, c->pages, c->entries);
		assert_int_equal(geom.granule_shift, c->granule);
		assert_int_equal(geom.ia_bits, c->ia);
		vtcr = pgt_vtcr(&geom, 48, false);
		assert_int_equal((vtcr >> 6) & 3, c->sl0);
		assert_int_equal(vtcr & 0x3f, 64 - c->ia);
	}
}

/* Every VTCR_EL2 field, with nothing else set. */
static void expect_vtcr(u64 vtcr, const struct gran *g, const struct pgt_geometry *geom,
			u32 pa, bool vmid16)
{
	u64 want = (64 - geom->ia_bits) | (u64)(g->s2_sl0_base - geom->start_level) << 6 |
		   1ULL << 8 /* IRGN0 WBWA */ | 1ULL << 10 /* ORGN0 WBWA */ |
		   3ULL << 12 /* SH0 inner */ | (u64)g->tg0 << 14 |
		   (u64)ps_expected(pa) << 16 | (vmid16 ? 1ULL << 19 : 0) | 1ULL << 31;

	if (vtcr != want)
		fail_msg("VTCR_EL2 0x%llx, expected 0x%llx (ia %u pa %u)", (unsigned long long)vtcr,
			 (unsigned long long)want, geom->ia_bits, pa);
	assert_int_equal(vtcr & 0x3f, 64 - geom->ia_bits);
	assert_int_equal((vtcr >> 8) & 3, 1);
	assert_int_equal((vtcr >> 10) & 3, 1);
	assert_int_equal((vtcr >> 12) & 3, 3);
	assert_int_equal((vtcr >> 14) & 3, g->tg0);
	assert_int_equal((vtcr >> 16) & 7, ps_expected(pa));
	assert_int_equal(!!(vtcr & (1ULL << 19)), vmid16);
	assert_true(vtcr & (1ULL << 31));
	/* SL0 = 0b11 needs FEAT_TTST/FEAT_LPA2: never. */
	assert_int_not_equal((vtcr >> 6) & 3, 3);
}

static void stage2_geometry_every_ia(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	struct pgt_geometry geom;
	u32 ia;
	size_t i;

	for (ia = 25; ia <= 48; ia++) {
		int start = s2_start_expected(g, ia);
		u32 root_bits = ia - g->level_shift[start];
		u32 pages = root_bits > g->stride ? 1u << (root_bits - g->stride) : 1;

		assert_true(s2_sl_consistent(g, start, ia));
		assert_int_equal(pgt_geometry_stage2(&geom, ia, g->shift), 0);
		if (geom.start_level != start || geom.root_pages != pages)
			fail_msg("ia %u: L%d %u pages, expected L%d %u pages", ia, geom.start_level,
				 geom.root_pages, start, pages);
		assert_int_equal(geom.granule_shift, g->shift);
		assert_int_equal(geom.ia_bits, ia);
		assert_int_equal(geom.root_entries, 1u << root_bits);
		assert_true(geom.root_pages >= 1 && geom.root_pages <= PGT_MAX_ROOT_PAGES);
		/* Fewest levels: one level deeper would need more than 16 tables. */
		if (start < g->s2_sl0_base)
			assert_true(ia - g->level_shift[start + 1] > g->stride + 4);
		/* Never below the deepest level SL0 encodes without FEAT_TTST. */
		assert_true(geom.start_level <= (g->shift == 12 ? 2 : 3));
		assert_int_equal((u64)geom.root_entries * pgt_level_size(&geom, geom.start_level),
				 1ULL << ia);
		for (i = 0; i < N_PA_SIZES; i++) {
			expect_vtcr(pgt_vtcr(&geom, pa_sizes[i], false), g, &geom, pa_sizes[i], false);
			expect_vtcr(pgt_vtcr(&geom, pa_sizes[i], true), g, &geom, pa_sizes[i], true);
		}
		assert_int_equal(pgt_vtcr(&geom, 52, false), 0);
		assert_int_equal(pgt_vtcr(&geom, 0, true), 0);
		assert_int_equal(pgt_vtcr(&geom, 46, false), 0);
	}
	assert_int_equal(pgt_geometry_stage2(&geom, 24, g->shift), -EINVAL);
	assert_int_equal(pgt_geometry_stage2(&geom, 49, g->shift), -EINVAL);
	assert_int_equal(pgt_geometry_stage2(&geom, 0, g->shift), -EINVAL);
	assert_int_equal(pgt_geometry_stage2(&geom, 64, g->shift), -EINVAL);
}

/*
 * Page descriptors at the first and last page of the IPA space and at the
 * first entry of the last root page: the translator, working from VTCR_EL2
 * and VTTBR_EL2 alone, must find all of them and nothing else.
 */
static void stage2_check_tree(struct tenv *t, const struct gran *g, u32 ia, u32 pa)
{
	const struct pgt_geometry *geom = &t->pgt.geom;
	u64 page = 1ULL << g->shift, root_bytes = (u64)geom->root_pages * page;
	u64 last = (1ULL << ia) - page, top = (1ULL << pa) - page;
	struct extent ext[3];
	int n = 0, i, start = geom->start_level;

	assert_int_equal(t->pgt.root_phys % root_bytes, 0);
	assert_int_equal(host_mm_in_use_bytes(t->hm), root_bytes);
	expect_regime_info(t, pa);
	expect_vtcr(t->pgt.ctrl, g, geom, pa, t->pgt.flags & PGT_S2_VMID16);

	ext[n++] = (struct extent){ 0, page, PA_LOW, PGT_PROT_RW };
	if (geom->root_pages > 1) {
		/* The first entry of the last root page. */
		u64 per_page = (1ULL << g->stride) << g->level_shift[start];

		ext[n++] = (struct extent){ (geom->root_pages - 1) * per_page, page,
					    PA_LOW + page, PGT_PROT_RW };
	}
	ext[n++] = (struct extent){ last, page, top, PGT_PROT_RW };
	for (i = 0; i < n; i++)
		test_install(t, ext[i].ia, pgt_s2_leaf_pte(geom, ext[i].pa, PGT_PROT_RW, 3, false),
			     3);

	for (i = 0; i < n; i++) {
		struct ref_result res = tenv_xlat(t, ext[i].ia + page - 1);

		expect_mapped(t, ext[i].ia, ext[i].pa, PGT_PROT_RW);
		assert_int_equal(res.fault, REF_OK);
		assert_int_equal(res.pa, ext[i].pa + page - 1);
		assert_int_equal(res.level, 3);
	}
	expect_exactly(t, ext, n);
	expect_unmapped(t, page);
	expect_unmapped(t, last - page);
	expect_unmapped(t, 1ULL << ia);
	assert_int_equal(tenv_xlat(t, 1ULL << ia).level, 0);
	/* Every root page, and one table per level below the root for each leaf. */
	expect_well_formed(t, geom->root_pages + n * (PGT_MAX_LEVEL - start));
}

static void stage2_tree_every_ia_pa(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	u32 ia, trees = 0;
	size_t i;

	for (ia = 25; ia <= 48; ia++) {
		for (i = 0; i < N_PA_SIZES; i++) {
			struct tenv t;

			if (pa_sizes[i] < ia)
				continue;
			small_stage2(&t, ia, g->shift, pa_sizes[i], 0);
			assert_int_equal(t.pgt.geom.start_level, s2_start_expected(g, ia));
			stage2_check_tree(&t, g, ia, pa_sizes[i]);
			tenv_fini(&t);
			trees++;
		}
	}
	/* 24 IPA sizes, each with every architected PA size at least as large. */
	assert_int_equal(trees, 98);
}

/* The harness's own environment, with the spelled-out concatenated roots. */
static void stage2_tree_concatenated(void **state)
{
	static const struct { u32 granule, ia, pages; } cases[] = {
		{ 12, 40, 2 }, { 12, 32, 4 }, { 12, 34, 16 }, { 12, 43, 16 },
		{ 14, 48, 2 }, { 14, 40, 16 }, { 16, 33, 16 }, { 16, 46, 16 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tenv t;

		tenv_stage2(&t, cases[i].ia, cases[i].granule, 48, 0);
		assert_int_equal(t.pgt.geom.root_pages, cases[i].pages);
		stage2_check_tree(&t, gran_of(cases[i].granule), cases[i].ia, 48);
		tenv_fini(&t);
	}
}

/* VS follows PGT_S2_VMID16 only; the other flags leave VTCR_EL2 alone. */
static void stage2_vtcr_flags(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	static const u32 flags[] = {
		0, PGT_S2_FWB, PGT_S2_FORCE_PAGES, PGT_S2_VMID16,
		PGT_S2_FWB | PGT_S2_VMID16, PGT_S2_FWB | PGT_S2_FORCE_PAGES | PGT_S2_VMID16,
	};
	u64 base = 0;
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		bool vs = flags[i] & PGT_S2_VMID16;
		struct tenv t;

		small_stage2(&t, 40, g->shift, 44, flags[i]);
		assert_int_equal(t.pgt.flags, flags[i]);
		assert_int_equal(t.pgt.stage, PGT_STAGE_2);
		assert_ptr_equal(t.pgt.tlb_cookie, &t);
		assert_int_equal(!!(t.pgt.ctrl & (1ULL << 19)), vs);
		expect_vtcr(t.pgt.ctrl, g, &t.pgt.geom, 44, vs);
		assert_int_equal(t.pgt.ctrl, pgt_vtcr(&t.pgt.geom, 44, vs));
		if (!i)
			base = t.pgt.ctrl;
		assert_int_equal(t.pgt.ctrl & ~(1ULL << 19), base);
		expect_regime_info(&t, 44);
		tenv_fini(&t);
	}
}

/* ---- what init fills in ---- */

static void hyp_init_fields(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	struct tenv t;
	u64 page = 1ULL << g->shift;

	small_hyp(&t, 39, g->shift, 40);
	assert_int_equal(t.pgt.stage, PGT_STAGE_HYP);
	assert_int_equal(t.pgt.pa_bits, 40);
	assert_int_equal(t.pgt.flags, 0);
	assert_false(t.pgt.unlinked);
	assert_int_equal(t.pgt.ctrl, pgt_hyp_tcr(&t.pgt.geom, 40));
	assert_non_null(t.pgt.root);
	assert_int_equal(t.pgt.root_phys, tenv_mm(&t)->virt_to_phys(tenv_mm(&t), t.pgt.root));
	assert_int_equal(t.pgt.root_phys % page, 0);
	/* One zeroed page: no more, even when the root resolves fewer entries. */
	assert_int_equal(host_mm_in_use_bytes(t.hm), page);
	assert_int_equal(ref_visit_invalid_nonzero(&t.rg, NULL, NULL), 0);
	assert_int_equal(ref_visit_leaves(&t.rg, NULL, NULL), 0);
	expect_well_formed(&t, 1);
	tenv_fini(&t);
}

static void stage2_init_fields(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	struct tenv t;
	u64 page = 1ULL << g->shift;
	u32 ia;

	for (ia = 25; ia <= 48; ia++) {
		u64 bytes;

		small_stage2(&t, ia, g->shift, 48, 0);
		bytes = (u64)t.pgt.geom.root_pages * page;
		assert_int_equal(t.pgt.pa_bits, 48);
		assert_false(t.pgt.unlinked);
		assert_int_equal(t.pgt.root_phys,
				 tenv_mm(&t)->virt_to_phys(tenv_mm(&t), t.pgt.root));
		assert_int_equal(t.pgt.root_phys % bytes, 0);
		assert_int_equal(host_mm_in_use_bytes(t.hm), bytes);
		assert_int_equal(ref_visit_invalid_nonzero(&t.rg, NULL, NULL), 0);
		assert_int_equal(ref_visit_leaves(&t.rg, NULL, NULL), 0);
		expect_well_formed(&t, t.pgt.geom.root_pages);
		tenv_fini(&t);
	}
}

/* ---- bad configurations ---- */

static void expect_hyp_einval(struct host_mm *hm, u32 va, u32 granule, u32 pa, u32 flags)
{
	struct pgt_config cfg = { .ia_bits = va, .granule_shift = granule, .pa_bits = pa,
				  .flags = flags };
	struct pgt pgt;
	int ret = pgt_hyp_init(&pgt, &cfg, host_mm_ops(hm));

	if (ret != -EINVAL)
		fail_msg("hyp va %u granule %u pa %u flags 0x%x: %d, expected -EINVAL", va,
			 granule, pa, flags, ret);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
}

static void expect_s2_einval(struct host_mm *hm, u32 ia, u32 granule, u32 pa, u32 flags)
{
	struct pgt_config cfg = { .ia_bits = ia, .granule_shift = granule, .pa_bits = pa,
				  .flags = flags };
	struct pgt pgt;
	int ret = pgt_stage2_init(&pgt, &cfg, host_mm_ops(hm), NULL);

	if (ret != -EINVAL)
		fail_msg("s2 ia %u granule %u pa %u flags 0x%x: %d, expected -EINVAL", ia,
			 granule, pa, flags, ret);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
}

static const u32 bad_granules[] = { 0, 1, 4, 10, 11, 13, 15, 17, 20, 21, 0x1000, ~0u };
static const u32 bad_pa[] = { 0, 1, 16, 31, 33, 34, 38, 39, 41, 43, 45, 46, 47, 49, 52, 56, 64,
			      ~0u };
static const u32 granules[] = { 12, 14, 16 };

static void hyp_bad_config(void **state)
{
	struct host_mm *hm = host_mm_create(SWEEP_ARENA_SIZE, ARENA_BASE);
	u64 warnings = host_mm_global_warnings();
	size_t i, j;

	(void)state;
	assert_non_null(hm);
	for (i = 0; i < sizeof(bad_granules) / sizeof(bad_granules[0]); i++)
		expect_hyp_einval(hm, 39, bad_granules[i], 48, 0);
	for (j = 0; j < 3; j++) {
		u32 g = granules[j], min = gran_of(g)->s1_min_va;

		expect_hyp_einval(hm, 0, g, 48, 0);
		expect_hyp_einval(hm, min - 1, g, 48, 0);
		expect_hyp_einval(hm, 49, g, 48, 0);
		expect_hyp_einval(hm, 52, g, 48, 0);
		expect_hyp_einval(hm, 64, g, 48, 0);
		expect_hyp_einval(hm, ~0u, g, 48, 0);
		for (i = 0; i < sizeof(bad_pa) / sizeof(bad_pa[0]); i++)
			expect_hyp_einval(hm, 39, g, bad_pa[i], 0);
		/* Stage 1 takes none of the stage-2 flags. */
		expect_hyp_einval(hm, 39, g, 48, PGT_S2_FWB);
		expect_hyp_einval(hm, 39, g, 48, PGT_S2_FORCE_PAGES);
		expect_hyp_einval(hm, 39, g, 48, PGT_S2_VMID16);
		expect_hyp_einval(hm, 39, g, 48, PGT_S2_XNX);
		expect_hyp_einval(hm, 39, g, 48, 1u << 6);
		expect_hyp_einval(hm, 39, g, 48, 1u << 31);
	}
	assert_int_equal(host_mm_alloc_calls(hm), 0);
	assert_int_equal(host_mm_global_warnings(), warnings);
	host_mm_destroy(hm);
}

static void stage2_bad_config(void **state)
{
	struct host_mm *hm = host_mm_create(SWEEP_ARENA_SIZE, ARENA_BASE);
	u64 warnings = host_mm_global_warnings();
	size_t i, j;

	(void)state;
	assert_non_null(hm);
	for (i = 0; i < sizeof(bad_granules) / sizeof(bad_granules[0]); i++)
		expect_s2_einval(hm, 40, bad_granules[i], 48, 0);
	for (j = 0; j < 3; j++) {
		u32 g = granules[j];

		expect_s2_einval(hm, 0, g, 48, 0);
		expect_s2_einval(hm, 16, g, 48, 0);
		expect_s2_einval(hm, 24, g, 48, 0);
		expect_s2_einval(hm, 49, g, 48, 0);
		expect_s2_einval(hm, 52, g, 48, 0);
		expect_s2_einval(hm, 64, g, 48, 0);
		for (i = 0; i < sizeof(bad_pa) / sizeof(bad_pa[0]); i++)
			expect_s2_einval(hm, 32, g, bad_pa[i], 0);
		/* An IPA wider than the PA range. */
		for (i = 0; i < N_PA_SIZES; i++)
			if (pa_sizes[i] < 48)
				expect_s2_einval(hm, pa_sizes[i] + 1, g, pa_sizes[i], 0);
		expect_s2_einval(hm, 48, g, 44, 0);
		expect_s2_einval(hm, 33, g, 32, PGT_S2_FWB);
		/* Unknown flags, alone and next to known ones. */
		expect_s2_einval(hm, 40, g, 48, 1u << 6);
		expect_s2_einval(hm, 40, g, 48, PGT_S2_FWB | 1u << 7);
		expect_s2_einval(hm, 40, g, 48, PGT_HYP_HVHE);
		expect_s2_einval(hm, 40, g, 48, 1u << 31);
		expect_s2_einval(hm, 40, g, 48, ~0u);
	}
	assert_int_equal(host_mm_alloc_calls(hm), 0);
	assert_int_equal(host_mm_global_warnings(), warnings);
	host_mm_destroy(hm);
}

static void geometry_bad_granule(void **state)
{
	struct pgt_geometry geom;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_granules) / sizeof(bad_granules[0]); i++) {
		assert_int_equal(pgt_geometry_hyp(&geom, 39, bad_granules[i]), -EINVAL);
		assert_int_equal(pgt_geometry_stage2(&geom, 40, bad_granules[i]), -EINVAL);
	}
}

/* ---- root allocation failure ---- */

static void hyp_root_enomem(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	struct pgt_config cfg = { .ia_bits = 48, .granule_shift = g->shift, .pa_bits = 48 };
	struct host_mm *hm = host_mm_create(SWEEP_ARENA_SIZE, ARENA_BASE);
	u64 warnings = host_mm_global_warnings();
	struct pgt pgt;

	assert_non_null(hm);
	host_mm_fail_nth_alloc(hm, 1);
	assert_int_equal(pgt_hyp_init(&pgt, &cfg, host_mm_ops(hm)), -ENOMEM);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	assert_int_equal(host_mm_snapshot(hm).injected_failures, 1);
	assert_int_equal(host_mm_alloc_calls(hm), 1);

	/* The injection was used up: the same call now works. */
	assert_int_equal(pgt_hyp_init(&pgt, &cfg, host_mm_ops(hm)), 0);
	assert_int_equal(host_mm_in_use_bytes(hm), 1ULL << g->shift);
	assert_int_equal(pgt_hyp_map(&pgt, 0, 1ULL << g->shift, PA_LOW, PGT_PROT_RW), 0);
	pgt_hyp_destroy(&pgt);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	assert_int_equal(host_mm_global_warnings(), warnings);
	host_mm_destroy(hm);
}

static void stage2_root_enomem(void **state)
{
	const struct gran *g = gran_of(test_granule(state));
	/* A single-page root and a 16-page concatenated one. */
	u32 ias[2] = { 25, g->shift == 12 ? 34 : g->shift == 14 ? 40 : 46 };
	u64 warnings = host_mm_global_warnings();
	int i;

	for (i = 0; i < 2; i++) {
		struct pgt_config cfg = { .ia_bits = ias[i], .granule_shift = g->shift,
					  .pa_bits = 48, .flags = PGT_S2_VMID16 };
		struct host_mm *hm = host_mm_create(SWEEP_ARENA_SIZE, ARENA_BASE);
		struct pgt pgt;
		u64 bytes;

		assert_non_null(hm);
		host_mm_fail_nth_alloc(hm, 1);
		assert_int_equal(pgt_stage2_init(&pgt, &cfg, host_mm_ops(hm), NULL), -ENOMEM);
		assert_int_equal(host_mm_in_use_bytes(hm), 0);
		assert_int_equal(host_mm_snapshot(hm).injected_failures, 1);
		assert_int_equal(host_mm_alloc_calls(hm), 1);

		assert_int_equal(pgt_stage2_init(&pgt, &cfg, host_mm_ops(hm), NULL), 0);
		bytes = (u64)pgt.geom.root_pages << g->shift;
		assert_int_equal(pgt.geom.root_pages, i ? 16 : 1);
		assert_int_equal(host_mm_in_use_bytes(hm), bytes);
		assert_int_equal(pgt.root_phys % bytes, 0);
		pgt_stage2_destroy(&pgt);
		assert_int_equal(host_mm_in_use_bytes(hm), 0);
		host_mm_destroy(hm);
	}
	assert_int_equal(host_mm_global_warnings(), warnings);
}

/* The hooks the library calls unasked: without any one of them, init refuses. */
#define REQUIRED_HOOK(name)	{ #name, offsetof(struct pgt_mm_ops, name) }
static const struct required_hook {
	const char *name;
	size_t offset;
} required_hooks[] = {
	REQUIRED_HOOK(zalloc_page), REQUIRED_HOOK(zalloc_pages_exact),
	REQUIRED_HOOK(free_pages_exact), REQUIRED_HOOK(get_page), REQUIRED_HOOK(put_page),
	REQUIRED_HOOK(page_count), REQUIRED_HOOK(phys_to_virt), REQUIRED_HOOK(virt_to_phys),
	REQUIRED_HOOK(tlbi_va), REQUIRED_HOOK(tlbi_all),
};

static void init_refuses_incomplete_home(void **state)
{
	struct pgt_config s2 = { .ia_bits = 40, .granule_shift = PGT_GRANULE_4K, .pa_bits = 48 };
	struct pgt_config hyp = { .ia_bits = 48, .granule_shift = PGT_GRANULE_4K, .pa_bits = 48 };
	struct host_mm *hm = host_mm_create(SWEEP_ARENA_SIZE, ARENA_BASE);
	struct pgt_mm_ops *mm;
	struct pgt pgt;
	size_t i;

	(void)state;
	assert_non_null(hm);
	mm = host_mm_ops(hm);
	for (i = 0; i < sizeof(required_hooks) / sizeof(required_hooks[0]); i++) {
		void **hook = (void **)((char *)mm + required_hooks[i].offset);
		void *saved = *hook;

		print_message("# without %s\n", required_hooks[i].name);
		*hook = NULL;
		assert_int_equal(pgt_stage2_init(&pgt, &s2, mm, NULL), -EINVAL);
		assert_int_equal(pgt_hyp_init(&pgt, &hyp, mm), -EINVAL);
		*hook = saved;
		assert_int_equal(host_mm_in_use_bytes(hm), 0);
		assert_int_equal(host_mm_alloc_calls(hm), 0);
	}
	assert_int_equal(pgt_stage2_init(&pgt, &s2, NULL, NULL), -EINVAL);
	assert_int_equal(pgt_stage2_init(&pgt, &s2, mm, NULL), 0);
	pgt_stage2_destroy(&pgt);
	host_mm_destroy(hm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FOR_GRANULES(level_sizes),
		FOR_GRANULES(level_blocks_and_leaves),
		cmocka_unit_test(pa_range_encoding),
		cmocka_unit_test(hyp_geometry_known),
		FOR_GRANULES(hyp_geometry_every_va),
		FOR_GRANULES(hyp_tree_every_va),
		FOR_GRANULES(hyp_tree_every_pa),
		FOR_GRANULES(hyp_init_fields),
		cmocka_unit_test(stage2_geometry_known),
		FOR_GRANULES(stage2_geometry_every_ia),
		FOR_GRANULES(stage2_tree_every_ia_pa),
		cmocka_unit_test(stage2_tree_concatenated),
		FOR_GRANULES(stage2_vtcr_flags),
		FOR_GRANULES(stage2_init_fields),
		cmocka_unit_test(hyp_bad_config),
		cmocka_unit_test(stage2_bad_config),
		cmocka_unit_test(geometry_bad_granule),
		cmocka_unit_test(init_refuses_incomplete_home),
		FOR_GRANULES(hyp_root_enomem),
		FOR_GRANULES(stage2_root_enomem),
	};

	return cmocka_run_group_tests_name("geometry", tests, NULL, NULL);
}
