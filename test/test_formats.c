// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_formats.c - the descriptor formats beyond the 48-bit base: 52-bit
 * output and input addresses (FEAT_LPA with 64K, FEAT_LPA2 with 4K and
 * 16K), FEAT_XNX's separate EL1/EL0 execute permissions, Normal
 * Non-cacheable stage-2 memory, and the EL2&0 (hVHE) stage-1 format.
 * Each round-trips through map, attributes, split, unmap and lookup on every
 * granule it applies to, checked only through the reference translator,
 * which is told nothing but the control register, the TTBR and the CPU's
 * features (ref_xlat.h).
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define ARENA		(32ULL << 20)
#define DESC_AF		(1ULL << 10)

/* Output addresses with every bit above 47 in use: OA[51:48] = 0b1101. */
#define PA_HI		(0xdULL << 48)

static u64 lvl(const struct tenv *t, pgt_s8 level)
{
	return pgt_level_size(&t->pgt.geom, level);
}

static u64 pg(const struct tenv *t)
{
	return tenv_page(t);
}

static struct host_mm_stats stats(struct tenv *t)
{
	struct host_mm_stats s;

	host_mm_stats_get(t->hm, &s);
	return s;
}

/* The translator knows only what the CPU would: features, HCR_EL2, registers. */
static void regime_features(struct tenv *t)
{
	t->rg.ttbr = pgt_ttbr_baddr(&t->pgt);
	t->rg.xnx = t->pgt.flags & PGT_S2_XNX;
	t->rg.e2h = t->pgt.flags & PGT_HYP_HVHE;
}

static void setup_s2(struct tenv *t, u32 ia_bits, u32 granule, u32 pa_bits, u32 flags)
{
	struct pgt_config cfg = {
		.ia_bits = ia_bits, .granule_shift = granule, .pa_bits = pa_bits, .flags = flags,
	};

	tenv_stage2_cfg(t, &cfg, ARENA);
	regime_features(t);
}

static void setup_hyp(struct tenv *t, u32 va_bits, u32 granule, u32 pa_bits, u32 flags)
{
	struct pgt_config cfg = {
		.ia_bits = va_bits, .granule_shift = granule, .pa_bits = pa_bits, .flags = flags,
	};

	tenv_hyp_cfg(t, &cfg, ARENA);
	regime_features(t);
}

/*
 * A tree whose home sits at @phys_base, so that its root and tables have
 * addresses above 2^48 too.
 */
static void setup_high(struct tenv *t, enum pgt_stage stage, u32 granule, u64 phys_base)
{
	struct pgt_config cfg = {
		.ia_bits = 52, .granule_shift = granule, .pa_bits = 52, .flags = PGT_CFG_LPA,
	};

	memset(t, 0, sizeof(*t));
	t->hm = host_mm_create(ARENA, phys_base);
	assert_non_null(t->hm);
	host_mm_set_unlinked_free(t->hm, pgt_unlinked_free);
	t->warnings_at_start = host_mm_global_warnings();
	if (stage == PGT_STAGE_2)
		assert_int_equal(pgt_stage2_init(&t->pgt, &cfg, tenv_mm(t), t), 0);
	else
		assert_int_equal(pgt_hyp_init(&t->pgt, &cfg, tenv_mm(t)), 0);
	t->rg = (struct ref_regime){
		.stage = stage == PGT_STAGE_HYP ? 1 : 2,
		.ctrl = t->pgt.ctrl,
		.mair = PGT_HYP_MAIR,
		.read64 = host_mm_read64,
		.ctx = t->hm,
	};
	regime_features(t);
}

/* ---------------------------------------------------------------- checks */

/* What the translator must report for a leaf mapped with @prot in @t's format. */
static void check_prot(const struct tenv *t, const struct ref_result *r, u32 prot)
{
	bool hyp = t->pgt.stage == PGT_STAGE_HYP;
	enum ref_memtype mt = REF_MT_NORMAL_WB;

	if (prot & PGT_PROT_DEVICE)
		mt = REF_MT_DEVICE_nGnRE;
	else if (prot & PGT_PROT_NORMAL_NC)
		mt = REF_MT_NORMAL_NC;
	assert_int_equal(r->mt, mt);
	assert_int_equal(r->r, hyp || (prot & PGT_PROT_R));
	assert_int_equal(r->w, !!(prot & PGT_PROT_W));
	assert_int_equal(r->x, !!(prot & PGT_PROT_PX));
	/* The hypervisor's tables give EL0 nothing, and are global. */
	assert_int_equal(r->ux, !hyp && (prot & PGT_PROT_UX));
	assert_int_equal(r->ur, !hyp && (prot & PGT_PROT_R));
	assert_false(r->ng);
	assert_int_equal(r->sw, (prot & PGT_PROT_SW_MASK) >> 8);
	assert_true(r->af);
	assert_int_equal(r->shareability, 3);
}

static void expect_leaf(struct tenv *t, u64 ia, u64 pa, u32 prot)
{
	struct ref_result r = tenv_xlat(t, ia);

	if (r.fault != REF_OK || r.pa != pa)
		fail_msg("ia 0x%llx -> %s, pa 0x%llx (level %d); expected pa 0x%llx",
			 (unsigned long long)ia, ref_fault_str(r.fault), (unsigned long long)r.pa,
			 r.level, (unsigned long long)pa);
	check_prot(t, &r, prot);
}

/* The library's own lookup decodes what the translator reads. */
static void expect_lookup(struct tenv *t, u64 ia, u64 pa, u32 prot)
{
	pgt_pte_t pte;
	pgt_s8 level;
	u64 size;

	assert_int_equal(pgt_get_leaf(&t->pgt, ia, &pte, &level), 0);
	assert_true(pgt_pte_is_leaf(pte, level));
	size = pgt_level_size(&t->pgt.geom, level);
	assert_int_equal(pgt_pte_addr(&t->pgt.geom, pte) | (ia & (size - 1)), pa);
	assert_int_equal(pgt_leaf_prot(&t->pgt, pte), prot);
}

static int exact_piece(void *arg, u64 ia, u64 end, const struct ref_mapping *m,
		       const struct extent *e)
{
	(void)end;
	if (!e)
		fail_msg("a leaf no extent expects at 0x%llx (level %d)",
			 (unsigned long long)m->ia, m->level);
	expect_leaf(arg, ia, e->pa + (ia - e->ia), e->prot);
	return 0;
}

/* The tree maps exactly @ext, each in its format, and nothing is malformed. */
static void expect_only(struct tenv *t, const struct extent *ext, int n)
{
	long long covered = extents_walk(&t->rg, ext, n, exact_piece, t);
	int i;

	assert_true(covered >= 0);
	assert_int_equal(covered, extents_bytes(ext, n));
	assert_int_equal(ref_visit_bad_entries(&t->rg, NULL, NULL), 0);
	for (i = 0; i < n; i++) {
		expect_lookup(t, ext[i].ia, ext[i].pa, ext[i].prot);
		expect_lookup(t, ext[i].ia + ext[i].size - 1, ext[i].pa + ext[i].size - 1,
			      ext[i].prot);
	}
}

static int leaf_size_of(struct tenv *t, u64 ia)
{
	struct ref_result r = tenv_xlat(t, ia);

	assert_int_equal(r.fault, REF_OK);
	return r.level;
}

/* ---------------------------------------------------------------- 52-bit addresses */

/* What the translator must derive from VTCR_EL2 for a 52-bit IPA. */
static void expect_s2_geometry_52(struct tenv *t, u32 granule)
{
	struct ref_regime_info info;

	assert_int_equal(ref_regime_info(&t->rg, &info), 0);
	assert_int_equal(info.ia_bits, 52);
	assert_int_equal(info.oa_bits, 52);
	assert_int_equal(info.ds, granule != PGT_GRANULE_64K);
	/* 4K: level 0 over 16 tables; 16K: level 0, 32 entries; 64K: level 1. */
	assert_int_equal(info.start_level, granule == PGT_GRANULE_64K ? 1 : 0);
	assert_int_equal(info.root_pages, granule == PGT_GRANULE_4K ? 16 : 1);
	assert_int_equal(info.start_level, t->pgt.geom.start_level);
}

/*
 * Map, write-protect, relax, split and unmap 52-bit addresses: a range
 * with blocks and pages at the top of the PA space, and a whole table of
 * blocks whose output addresses cross 2^48 and 2^50, where the packed
 * address bits move out of place.
 */
static void s2_round_trip_52(struct tenv *t)
{
	u64 b = lvl(t, 2), p = pg(t), span = lvl(t, 1);
	u64 ia0 = (1ULL << 51) + b - p, pa0 = PA_HI + b - p, size0 = 2 * b + 3 * p;
	u64 ia1 = 1ULL << 50, pa1 = (1ULL << 48) - span / 2;
	u64 ia2 = ia1 + span, pa2 = (1ULL << 50) - span / 2;
	struct extent ext[3] = {
		{ ia0, size0, pa0, PGT_PROT_RW },
		{ ia1, span, pa1, PGT_PROT_RWX },
		{ ia2, span, pa2, PGT_PROT_R | PGT_PROT_SW1 },
	};
	int i;

	for (i = 0; i < 3; i++)
		assert_int_equal(pgt_stage2_map(&t->pgt, ext[i].ia, ext[i].size, ext[i].pa,
						ext[i].prot, NULL, 0), 0);
	expect_only(t, ext, 3);
	assert_int_equal(leaf_size_of(t, ia0 + p), 2);
	assert_int_equal(leaf_size_of(t, ia1 + span / 2), 2);

	assert_int_equal(pgt_stage2_wrprotect(&t->pgt, ia0, size0), 0);
	ext[0].prot = PGT_PROT_R;
	expect_only(t, ext, 3);
	assert_int_equal(pgt_stage2_relax_perms(&t->pgt, ia0, PGT_PROT_W, 0), 0);
	expect_leaf(t, ia0, pa0, PGT_PROT_RW);
	expect_leaf(t, ia0 + p, pa0 + p, PGT_PROT_R);
	assert_int_equal(pgt_stage2_relax_perms(&t->pgt, ia0 + p, PGT_PROT_W, 0), 0);
	assert_int_equal(pgt_stage2_relax_perms(&t->pgt, ia0 + p + b, PGT_PROT_W, 0), 0);
	assert_int_equal(pgt_stage2_relax_perms(&t->pgt, ia0 + p + 2 * b, PGT_PROT_W, 0), 0);
	assert_int_equal(pgt_stage2_relax_perms(&t->pgt, ia0 + 2 * p + 2 * b, PGT_PROT_W, 0), 0);
	ext[0].prot = PGT_PROT_RW;

	assert_int_equal(pgt_stage2_split(&t->pgt, ia0, size0, NULL), 0);
	assert_int_equal(pgt_stage2_split(&t->pgt, ia1 + span / 2 - b, 2 * b, NULL), 0);
	expect_only(t, ext, 3);
	assert_int_equal(leaf_size_of(t, ia0 + p), PGT_MAX_LEVEL);
	assert_int_equal(leaf_size_of(t, ia1 + span / 2), PGT_MAX_LEVEL);

	assert_int_equal(pgt_stage2_unmap(&t->pgt, ia0 + p, b), 0);
	assert_int_equal(pgt_stage2_unmap(&t->pgt, ia2, span), 0);
	{
		struct extent left[3] = {
			{ ia0, p, pa0, PGT_PROT_RW },
			{ ia0 + p + b, size0 - p - b, pa0 + p + b, PGT_PROT_RW },
			ext[1],
		};

		expect_only(t, left, 3);
	}
	expect_unmapped(t, ia2);
}

static void s2_lpa_52(void **state)
{
	u32 granule = test_granule(state);
	struct tenv t;

	setup_s2(&t, 52, granule, 52, PGT_CFG_LPA);
	expect_s2_geometry_52(&t, granule);
	s2_round_trip_52(&t);
	tenv_fini(&t);
}

/*
 * Runs of leaves into a live table whose outputs cross 2^48 and 2^50: the
 * 52-bit formats keep an address's top bits elsewhere, so there a leaf is
 * not its neighbour plus a page.
 */
static void s2_lpa_run_across_2_48(void **state)
{
	u32 granule = test_granule(state);
	struct tenv t;
	u64 p, ia = 1ULL << 40;
	struct extent ext[3];
	int i;

	setup_s2(&t, 52, granule, 52, PGT_CFG_LPA);
	p = pg(&t);
	ext[0] = (struct extent){ ia, p, PA_HI, PGT_PROT_R };
	/* LPA moves PA[51:48], LPA2 PA[51:50]: cross both. */
	ext[1] = (struct extent){ ia + p, 6 * p, (1ULL << 48) - 3 * p, PGT_PROT_RW };
	ext[2] = (struct extent){ ia + 8 * p, 6 * p, (1ULL << 50) - 3 * p, PGT_PROT_RW };
	for (i = 0; i < 3; i++)
		assert_int_equal(pgt_stage2_map(&t.pgt, ext[i].ia, ext[i].size, ext[i].pa,
						ext[i].prot, NULL, 0), 0);
	expect_only(&t, ext, 3);
	tenv_fini(&t);
}

/* The LPA2 format with a 48-bit PS: DS=1, SH in VTCR_EL2, 48-bit outputs. */
static void s2_lpa2_pa48(void **state)
{
	u32 granule = test_granule(state);
	struct extent ext = { 1ULL << 39, 0, 0xff0000000000ULL, PGT_PROT_RW };
	struct tenv t;
	u64 ia = ext.ia;

	setup_s2(&t, 48, granule, 48, PGT_CFG_LPA);
	ext.size = lvl(&t, 2) + pg(&t);
	assert_int_equal(!!(t.pgt.ctrl & PGT_BIT(32)), granule != PGT_GRANULE_64K);
	assert_int_equal(pgt_stage2_map(&t.pgt, ia, ext.size, ext.pa, ext.prot, NULL, 0), 0);
	expect_only(&t, &ext, 1);
	/* Beyond the PA size, even though the format could hold it: refused. */
	assert_int_equal(pgt_stage2_map(&t.pgt, 0, pg(&t), 1ULL << 48, PGT_PROT_RW, NULL, 0),
			 -ERANGE);
	expect_only(&t, &ext, 1);
	tenv_fini(&t);
}

/* Root and tables above 2^48: table descriptors and the TTBR pack them too. */
static void s2_lpa_high_tables(void **state)
{
	u32 granule = test_granule(state);
	u64 base = PA_HI | 0x40000000ULL;
	struct tenv t;

	setup_high(&t, PGT_STAGE_2, granule, base);
	assert_int_equal(t.pgt.root_phys >> 48, 0xd);
	/* BADDR[51:48] in bits 5:2 */
	assert_int_equal(pgt_ttbr_baddr(&t.pgt),
			 (t.pgt.root_phys & ((1ULL << 48) - 1)) | (0xdULL << 2));
	s2_round_trip_52(&t);
	tenv_fini(&t);
}

/*
 * A subtree built off to the side and freed by the home, above 2^48.  With
 * 4K it holds table descriptors (a 1G block down to pages); larger granules
 * would need hundreds of MiB for that, so theirs is one table of blocks.
 */
static void s2_lpa_unlinked(void **state)
{
	u32 granule = test_granule(state);
	bool pages = granule == PGT_GRANULE_4K;
	struct tenv t;
	pgt_pte_t *table;

	setup_high(&t, PGT_STAGE_2, granule, PA_HI | 0x40000000ULL);
	assert_int_equal(pgt_stage2_create_unlinked(&t.pgt, PA_HI, 1, PGT_PROT_RW, NULL, pages,
						    &table), 0);
	assert_int_equal(tenv_pages_in_use(&t), t.pgt.geom.root_pages + (pages ? 513 : 1));
	assert_int_equal(table[1] & (PGT_PTE_VALID | PGT_PTE_TYPE),
			 pages ? PGT_PTE_VALID | PGT_PTE_TYPE : PGT_PTE_VALID);
	pgt_unlinked_free(tenv_mm(&t), table, 2, (u8)granule);
	tenv_fini(&t);
}

static void hyp_lpa_52(void **state)
{
	u32 granule = test_granule(state);
	struct tenv t;
	struct ref_regime_info info;
	u64 b, p, va, pa = PA_HI;
	u64 unmapped;

	setup_hyp(&t, 52, granule, 52, PGT_CFG_LPA);
	b = lvl(&t, 2);
	p = pg(&t);
	va = (1ULL << 52) - 4 * b;
	assert_int_equal(ref_regime_info(&t.rg, &info), 0);
	/* 4K: level -1 resolves VA[51:48]; 16K level 0; 64K level 1 */
	assert_int_equal(info.start_level, granule == PGT_GRANULE_4K ? -1 :
					   granule == PGT_GRANULE_16K ? 0 : 1);
	assert_int_equal(t.pgt.geom.start_level, info.start_level);
	assert_int_equal(pgt_hyp_map(&t.pgt, va, 3 * b, pa, PGT_PROT_RW), 0);
	assert_int_equal(pgt_hyp_map(&t.pgt, va + 3 * b, p, 0xfffffffff0000ULL, PGT_PROT_RX), 0);
	{
		struct extent ext[2] = {
			{ va, 3 * b, pa, PGT_PROT_RW },
			{ va + 3 * b, p, 0xfffffffff0000ULL, PGT_PROT_RX },
		};

		expect_only(&t, ext, 2);
	}
	/* Unmapping the middle of a block splits it: 52-bit addresses survive. */
	assert_int_equal(pgt_hyp_unmap(&t.pgt, va + b + p, p, &unmapped), 0);
	assert_int_equal(unmapped, p);
	{
		struct extent ext[3] = {
			{ va, b + p, pa, PGT_PROT_RW },
			{ va + b + 2 * p, 2 * b - 2 * p, pa + b + 2 * p, PGT_PROT_RW },
			{ va + 3 * b, p, 0xfffffffff0000ULL, PGT_PROT_RX },
		};

		expect_only(&t, ext, 3);
	}
	assert_int_equal(pgt_hyp_map(&t.pgt, 0, p, 1ULL << 52, PGT_PROT_RW), -ERANGE);
	tenv_fini(&t);
}

static void hyp_lpa_high_tables(void **state)
{
	u32 granule = test_granule(state);
	struct tenv t;
	u64 p;

	setup_high(&t, PGT_STAGE_HYP, granule, PA_HI | 0x40000000ULL);
	p = pg(&t);
	assert_int_equal(pgt_hyp_map(&t.pgt, 0xf000000000000ULL, 4 * p, PA_HI, PGT_PROT_RW), 0);
	{
		struct extent ext = { 0xf000000000000ULL, 4 * p, PA_HI, PGT_PROT_RW };

		expect_only(&t, &ext, 1);
	}
	tenv_fini(&t);
}

/* Init refuses the configuration with -EINVAL and takes no memory. */
static void expect_init_einval(enum pgt_stage stage, u32 ia, u32 granule, u32 pa, u32 flags)
{
	struct host_mm *hm = host_mm_create(1ULL << 20, 0x40000000ULL);
	struct pgt_config cfg = { .ia_bits = ia, .granule_shift = granule, .pa_bits = pa,
				  .flags = flags };
	struct pgt pgt;
	int ret;

	assert_non_null(hm);
	if (stage == PGT_STAGE_2)
		ret = pgt_stage2_init(&pgt, &cfg, host_mm_ops(hm), NULL);
	else
		ret = pgt_hyp_init(&pgt, &cfg, host_mm_ops(hm));
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(host_mm_alloc_calls(hm), 0);
	host_mm_destroy(hm);
}

#define expect_s2_init_einval(...)	expect_init_einval(PGT_STAGE_2, __VA_ARGS__)
#define expect_hyp_init_einval(...)	expect_init_einval(PGT_STAGE_HYP, __VA_ARGS__)

/* A CPU without FEAT_LPA/LPA2 gets neither 52-bit outputs nor inputs over 48 bits. */
static void lpa_refused(void **state)
{
	u32 g = test_granule(state);

	expect_s2_init_einval(48, g, 52, 0);
	expect_s2_init_einval(49, g, 52, 0);
	expect_hyp_init_einval(48, g, 52, 0);
	expect_hyp_init_einval(49, g, 48, 0);
	/* A stage-2 IPA wider than the PA size, and sizes past 52 bits */
	expect_s2_init_einval(52, g, 48, PGT_CFG_LPA);
	expect_s2_init_einval(53, g, 52, PGT_CFG_LPA);
	expect_hyp_init_einval(53, g, 52, PGT_CFG_LPA);
	expect_s2_init_einval(48, g, 50, PGT_CFG_LPA);
	/* The EL2&0 format belongs to stage 1, FEAT_XNX to stage 2 */
	expect_s2_init_einval(40, g, 48, PGT_HYP_HVHE);
	expect_hyp_init_einval(40, g, 48, PGT_S2_XNX);
}

/* Beyond 2^52, or beyond the tree's PA size: refused with nothing changed. */
static void lpa_map_range(void **state)
{
	u32 g = test_granule(state);
	struct tenv t;
	u64 in_use;

	setup_s2(&t, 52, g, 52, PGT_CFG_LPA);
	in_use = tenv_pages_in_use(&t);
	assert_int_equal(pgt_stage2_map(&t.pgt, 0, 2 * pg(&t), (1ULL << 52) - pg(&t),
					PGT_PROT_RW, NULL, 0), -ERANGE);
	assert_int_equal(pgt_stage2_map(&t.pgt, 1ULL << 52, pg(&t), 0, PGT_PROT_RW, NULL, 0),
			 -ERANGE);
	assert_int_equal(tenv_pages_in_use(&t), in_use);
	assert_int_equal(ref_visit_leaves(&t.rg, NULL, NULL), 0);
	tenv_fini(&t);
}

static int map_any(struct tenv *t, u64 ia, u64 size, u64 pa, u32 prot)
{
	if (t->pgt.stage == PGT_STAGE_2)
		return pgt_stage2_map(&t->pgt, ia, size, pa, prot, NULL, 0);
	return pgt_hyp_map(&t->pgt, ia, size, pa, prot);
}

/*
 * Every input size of the 52-bit format, both stages: the translator's walk,
 * derived from TCR/VTCR alone, has the library's shape, and the first and
 * last pages of the input space map to the top of the output space.
 */
static void lpa_one_size(enum pgt_stage stage, u32 bits, u32 g)
{
	struct ref_regime_info info;
	struct extent ext[2];
	struct tenv t;
	int i;

	if (stage == PGT_STAGE_2)
		setup_s2(&t, bits, g, 52, PGT_CFG_LPA);
	else
		setup_hyp(&t, bits, g, 52, PGT_CFG_LPA);
	assert_int_equal(ref_regime_info(&t.rg, &info), 0);
	assert_int_equal(info.ia_bits, bits);
	assert_int_equal(info.start_level, t.pgt.geom.start_level);
	assert_int_equal(info.root_pages, t.pgt.geom.root_pages);
	assert_int_equal(info.root_entries, t.pgt.geom.root_entries);
	ext[0] = (struct extent){ 0, pg(&t), (1ULL << 52) - 2 * pg(&t), PGT_PROT_RW };
	ext[1] = (struct extent){ (1ULL << bits) - pg(&t), pg(&t), (1ULL << 52) - pg(&t),
				  PGT_PROT_R };
	for (i = 0; i < 2; i++)
		assert_int_equal(map_any(&t, ext[i].ia, ext[i].size, ext[i].pa, ext[i].prot), 0);
	expect_only(&t, ext, 2);
	assert_int_equal(map_any(&t, 1ULL << bits, pg(&t), 0, PGT_PROT_R), -ERANGE);
	tenv_fini(&t);
}

static void lpa_every_size(void **state)
{
	u32 g = test_granule(state), bits;

	for (bits = 25; bits <= 52; bits++)
		lpa_one_size(PGT_STAGE_2, bits, g);
	for (bits = g == PGT_GRANULE_64K ? 17 : 16; bits <= 52; bits++)
		lpa_one_size(PGT_STAGE_HYP, bits, g);
}

/* Running out of pages at any allocation leaves the tree as it was; a retry succeeds. */
static void lpa_enomem(void **state)
{
	u32 g = test_granule(state);
	struct tenv t;
	struct extent ext;
	u64 b, k, in_use;
	int ret = -ENOMEM;

	setup_high(&t, PGT_STAGE_2, g, PA_HI | 0x40000000ULL);
	b = lvl(&t, 2);
	ext = (struct extent){ (1ULL << 51) - b - pg(&t), 2 * b + 3 * pg(&t),
			       PA_HI - b - pg(&t), PGT_PROT_RW };
	in_use = tenv_pages_in_use(&t);
	for (k = 1; ret == -ENOMEM; k++) {
		host_mm_fail_nth_alloc(t.hm, k);
		ret = pgt_stage2_map(&t.pgt, ext.ia, ext.size, ext.pa, ext.prot, NULL, 0);
		host_mm_fail_reset(t.hm);
		if (ret != -ENOMEM)
			break;
		assert_int_equal(tenv_pages_in_use(&t), in_use);
		assert_int_equal(ref_visit_leaves(&t.rg, NULL, NULL), 0);
	}
	assert_int_equal(ret, 0);
	assert_true(k > 2);
	expect_only(&t, &ext, 1);
	tenv_fini(&t);
}

/* ---------------------------------------------------------------- FEAT_XNX */

static void xnx_map(void **state)
{
	static const u32 exec[] = { 0, PGT_PROT_PX, PGT_PROT_UX, PGT_PROT_X };
	struct extent ext[4];
	struct tenv t;
	int i;

	setup_s2(&t, 40, test_granule(state), 48, PGT_S2_XNX);
	/* Blocks for even i, pages for odd */
	for (i = 0; i < 4; i++) {
		ext[i] = (struct extent){ (u64)i * lvl(&t, 2), i & 1 ? pg(&t) : lvl(&t, 2),
					  0x80000000ULL + (u64)i * lvl(&t, 2),
					  PGT_PROT_RW | exec[i] };
		assert_int_equal(pgt_stage2_map(&t.pgt, ext[i].ia, ext[i].size, ext[i].pa,
						ext[i].prot, NULL, 0), 0);
	}
	expect_only(&t, ext, 4);
	/* Code for either EL is invalidated from the I-cache when mapped. */
	assert_int_equal(stats(&t).icache_ops, 3);
	/* The attribute operations keep XN[1:0] as it was. */
	assert_int_equal(pgt_stage2_wrprotect(&t.pgt, 0, 4 * lvl(&t, 2)), 0);
	for (i = 0; i < 4; i++)
		ext[i].prot &= ~PGT_PROT_W;
	expect_only(&t, ext, 4);
	assert_int_equal(pgt_stage2_test_clear_young(&t.pgt, 0, 4 * lvl(&t, 2), true, 0), 1);
	assert_int_equal(pgt_stage2_mkyoung(&t.pgt, 0, 0), 0);
	assert_int_equal(pgt_stage2_mkyoung(&t.pgt, lvl(&t, 2), 0), 0);
	assert_int_equal(pgt_stage2_mkyoung(&t.pgt, 2 * lvl(&t, 2), 0), 0);
	assert_int_equal(pgt_stage2_mkyoung(&t.pgt, 3 * lvl(&t, 2), 0), 0);
	assert_int_equal(pgt_stage2_split(&t.pgt, 0, 4 * lvl(&t, 2), NULL), 0);
	expect_only(&t, ext, 4);
	assert_int_equal(leaf_size_of(&t, 0), PGT_MAX_LEVEL);
	tenv_fini(&t);
}

/* Adding one EL's execute permission keeps the other's. */
static void xnx_relax(void **state)
{
	static const struct { u32 from, add, to; } steps[] = {
		{ 0, PGT_PROT_UX, PGT_PROT_UX },
		{ 0, PGT_PROT_PX, PGT_PROT_PX },
		{ PGT_PROT_UX, PGT_PROT_PX, PGT_PROT_X },
		{ PGT_PROT_PX, PGT_PROT_UX, PGT_PROT_X },
		{ PGT_PROT_PX, PGT_PROT_PX, PGT_PROT_PX },
		{ 0, PGT_PROT_X, PGT_PROT_X },
		{ PGT_PROT_UX, PGT_PROT_R, PGT_PROT_UX },
	};
	struct tenv t;
	size_t i;

	setup_s2(&t, 40, test_granule(state), 48, PGT_S2_XNX);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		u64 ia = i * lvl(&t, 2), pa = 0x80000000ULL + i * lvl(&t, 2);

		assert_int_equal(pgt_stage2_map(&t.pgt, ia, pg(&t), pa,
						PGT_PROT_R | steps[i].from, NULL, 0), 0);
		assert_int_equal(pgt_stage2_relax_perms(&t.pgt, ia, steps[i].add, 0), 0);
		expect_leaf(&t, ia, pa, PGT_PROT_R | steps[i].to);
		expect_lookup(&t, ia, pa, PGT_PROT_R | steps[i].to);
	}
	tenv_fini(&t);
}

/* Without FEAT_XNX, one execute permission for both ELs: PX or UX alone is refused. */
static void xnx_refused(void **state)
{
	struct tenv t;
	pgt_pte_t *table;
	u64 in_use;

	setup_s2(&t, 40, test_granule(state), 48, 0);
	assert_int_equal(pgt_stage2_map(&t.pgt, 0, pg(&t), 0x80000000ULL, PGT_PROT_RW, NULL, 0),
			 0);
	in_use = tenv_pages_in_use(&t);
	assert_int_equal(pgt_stage2_map(&t.pgt, lvl(&t, 2), pg(&t), 0x80000000ULL,
					PGT_PROT_R | PGT_PROT_PX, NULL, 0), -EINVAL);
	assert_int_equal(pgt_stage2_map(&t.pgt, lvl(&t, 2), pg(&t), 0x80000000ULL,
					PGT_PROT_R | PGT_PROT_UX, NULL, 0), -EINVAL);
	assert_int_equal(pgt_stage2_relax_perms(&t.pgt, 0, PGT_PROT_PX, 0), -EINVAL);
	assert_int_equal(pgt_stage2_relax_perms(&t.pgt, 0, PGT_PROT_UX, 0), -EINVAL);
	assert_int_equal(pgt_stage2_create_unlinked(&t.pgt, 0x80000000ULL, 2, PGT_PROT_PX,
						    NULL, false, &table), -EINVAL);
	assert_int_equal(tenv_pages_in_use(&t), in_use);
	{
		struct extent ext = { 0, pg(&t), 0x80000000ULL, PGT_PROT_RW };

		expect_only(&t, &ext, 1);
	}
	/* Both together are the old PGT_PROT_X. */
	assert_int_equal(pgt_stage2_relax_perms(&t.pgt, 0, PGT_PROT_X, 0), 0);
	expect_leaf(&t, 0, 0x80000000ULL, PGT_PROT_RWX);
	tenv_fini(&t);
}

/* The EL2 regime has one execute permission: PX or UX alone means nothing there. */
static void xnx_hyp_refused(void **state)
{
	struct tenv t;

	setup_hyp(&t, 39, test_granule(state), 48, 0);
	assert_int_equal(pgt_hyp_map(&t.pgt, 0, pg(&t), 0, PGT_PROT_R | PGT_PROT_PX), -EINVAL);
	assert_int_equal(pgt_hyp_map(&t.pgt, 0, pg(&t), 0, PGT_PROT_R | PGT_PROT_UX), -EINVAL);
	assert_int_equal(pgt_hyp_prot_check(PGT_PROT_R | PGT_PROT_PX), -EINVAL);
	assert_int_equal(pgt_hyp_prot_check(PGT_PROT_RX), 0);
	assert_int_equal(ref_visit_leaves(&t.rg, NULL, NULL), 0);
	tenv_fini(&t);
}

/* Raw XN[54:53] encodings (Documentation/design.rst). */
static void xnx_encoding(void **state)
{
	static const struct { u32 prot; u64 xn; } enc[] = {
		{ PGT_PROT_X, 0 }, { PGT_PROT_UX, 1 }, { 0, 2 }, { PGT_PROT_PX, 3 },
	};
	struct pgt_geometry geom;
	size_t i;

	assert_int_equal(pgt_geometry_stage2(&geom, 40, test_granule(state)), 0);
	for (i = 0; i < 4; i++) {
		pgt_pte_t pte = pgt_s2_leaf_pte(&geom, 0x80000000ULL, PGT_PROT_R | enc[i].prot,
						PGT_MAX_LEVEL, false);

		assert_int_equal((pte >> 53) & 3, enc[i].xn);
		assert_int_equal(pgt_s2_pte_prot(pte, false), PGT_PROT_R | enc[i].prot);
	}
}

/* ---------------------------------------------------------------- Normal-NC */

static void nc_round_trip(struct tenv *t)
{
	u64 b = lvl(t, 2), p = pg(t);
	struct extent ext[2] = {
		{ b - p, b + 2 * p, 0xc0000000ULL - p, PGT_PROT_RW | PGT_PROT_NORMAL_NC },
		{ 4 * b, p, 0xd0000000ULL, PGT_PROT_R | PGT_PROT_NORMAL_NC | PGT_PROT_SW0 },
	};

	assert_int_equal(pgt_stage2_map(&t->pgt, ext[0].ia, ext[0].size, ext[0].pa, ext[0].prot,
					NULL, 0), 0);
	assert_int_equal(pgt_stage2_map(&t->pgt, ext[1].ia, ext[1].size, ext[1].pa, ext[1].prot,
					NULL, 0), 0);
	expect_only(t, ext, 2);
	assert_int_equal(leaf_size_of(t, b), 2);
	/* Uncached memory needs no cleaning: nothing can be dirty in the cache for it. */
	assert_int_equal(stats(t).dcache_ops, 0);
	assert_int_equal(stats(t).icache_ops, 0);
	/* Never executable, as for Device memory */
	assert_int_equal(pgt_stage2_relax_perms(&t->pgt, b, PGT_PROT_X, 0), -EINVAL);
	assert_int_equal(pgt_stage2_relax_perms(&t->pgt, 4 * b, PGT_PROT_W, 0), 0);
	ext[1].prot |= PGT_PROT_W;
	assert_int_equal(pgt_stage2_wrprotect(&t->pgt, 0, 3 * b), 0);
	ext[0].prot &= ~PGT_PROT_W;
	assert_int_equal(pgt_stage2_split(&t->pgt, 0, 3 * b, NULL), 0);
	expect_only(t, ext, 2);
	assert_int_equal(leaf_size_of(t, b), PGT_MAX_LEVEL);
	assert_int_equal(pgt_stage2_flush(&t->pgt, 0, 8 * b), 0);
	assert_int_equal(pgt_stage2_unmap(&t->pgt, 0, 8 * b), 0);
	assert_int_equal(stats(t).dcache_ops, 0);
	assert_int_equal(ref_visit_leaves(&t->rg, NULL, NULL), 0);
}

static void nc_map(void **state)
{
	struct tenv t;

	setup_s2(&t, 40, test_granule(state), 48, 0);
	nc_round_trip(&t);
	tenv_fini(&t);
}

static void nc_map_fwb(void **state)
{
	struct tenv t;

	setup_s2(&t, 40, test_granule(state), 48, PGT_S2_FWB);
	t.rg.fwb = true;
	nc_round_trip(&t);
	tenv_fini(&t);
}

/* MemAttr[3:0] is 0b0101 in both encodings: NC outer and inner, or FWB's NC. */
static void nc_encoding(void **state)
{
	struct pgt_geometry geom;
	pgt_pte_t nofwb, fwb;

	assert_int_equal(pgt_geometry_stage2(&geom, 40, test_granule(state)), 0);
	nofwb = pgt_s2_leaf_pte(&geom, 0, PGT_PROT_RW | PGT_PROT_NORMAL_NC, 2, false);
	fwb = pgt_s2_leaf_pte(&geom, 0, PGT_PROT_RW | PGT_PROT_NORMAL_NC, 2, true);
	assert_int_equal((nofwb >> 2) & 0xf, 0x5);
	assert_int_equal((fwb >> 2) & 0xf, 0x5);
	assert_int_equal(pgt_s2_pte_prot(nofwb, false), PGT_PROT_RW | PGT_PROT_NORMAL_NC);
	assert_int_equal(pgt_s2_pte_prot(fwb, true), PGT_PROT_RW | PGT_PROT_NORMAL_NC);
}

static void nc_refused(void **state)
{
	struct tenv t;

	setup_s2(&t, 40, test_granule(state), 48, PGT_S2_XNX);
	assert_int_equal(pgt_stage2_map(&t.pgt, 0, pg(&t), 0, PGT_PROT_RWX | PGT_PROT_NORMAL_NC,
					NULL, 0), -EINVAL);
	assert_int_equal(pgt_stage2_map(&t.pgt, 0, pg(&t), 0,
					PGT_PROT_R | PGT_PROT_UX | PGT_PROT_NORMAL_NC, NULL, 0),
			 -EINVAL);
	assert_int_equal(pgt_stage2_map(&t.pgt, 0, pg(&t), 0,
					PGT_PROT_RW | PGT_PROT_NORMAL_NC | PGT_PROT_DEVICE, NULL,
					0), -EINVAL);
	assert_int_equal(ref_visit_leaves(&t.rg, NULL, NULL), 0);
	assert_int_equal(tenv_pages_in_use(&t), t.pgt.geom.root_pages);
	/* The EL2 stage-1 MAIR has no Normal-NC index */
	assert_int_equal(pgt_hyp_prot_check(PGT_PROT_RW | PGT_PROT_NORMAL_NC), -EINVAL);
	tenv_fini(&t);
}

/* ---------------------------------------------------------------- hVHE */

static void hvhe_round_trip(struct tenv *t)
{
	u64 b = lvl(t, 2), p = pg(t);
	struct extent ext[4] = {
		{ b - p, b + 2 * p, 0x80000000ULL - p, PGT_PROT_RW },
		{ 4 * b, p, 0x90000000ULL, PGT_PROT_RX },
		{ 4 * b + p, p, 0x90000000ULL + p, PGT_PROT_R | PGT_PROT_SW2 },
		{ 5 * b, b, 0xa0000000ULL, PGT_PROT_RW | PGT_PROT_DEVICE },
	};
	u64 unmapped;
	int i;

	for (i = 0; i < 4; i++)
		assert_int_equal(pgt_hyp_map(&t->pgt, ext[i].ia, ext[i].size, ext[i].pa,
					     ext[i].prot), 0);
	expect_only(t, ext, 4);
	assert_int_equal(leaf_size_of(t, b), 2);
	/* Mapping the same again changes nothing; another translation conflicts */
	assert_int_equal(pgt_hyp_map(&t->pgt, ext[1].ia, p, ext[1].pa, ext[1].prot), 0);
	assert_int_equal(pgt_hyp_map(&t->pgt, ext[1].ia, p, ext[1].pa, PGT_PROT_R), -EEXIST);
	assert_int_equal(pgt_hyp_unmap(&t->pgt, b + p, p, &unmapped), 0);
	assert_int_equal(unmapped, p);
	{
		struct extent left[5] = {
			{ b - p, 2 * p, ext[0].pa, PGT_PROT_RW },
			{ b + 2 * p, b - p, ext[0].pa + 3 * p, PGT_PROT_RW },
			ext[1], ext[2], ext[3],
		};

		expect_only(t, left, 5);
	}
}

static void hvhe_map(void **state)
{
	struct tenv t;

	setup_hyp(&t, 39, test_granule(state), 48, PGT_HYP_HVHE);
	hvhe_round_trip(&t);
	tenv_fini(&t);
}

/* hVHE with 52-bit addresses: DS moves to bit 59 of the EL2&0 TCR_EL2. */
static void hvhe_lpa(void **state)
{
	u32 g = test_granule(state);
	struct tenv t;
	u64 va = (1ULL << 52) - (1ULL << 40);

	setup_hyp(&t, 52, g, 52, PGT_HYP_HVHE | PGT_CFG_LPA);
	assert_int_equal(!!(t.pgt.ctrl & PGT_BIT(59)), g != PGT_GRANULE_64K);
	assert_int_equal(pgt_hyp_map(&t.pgt, va, lvl(&t, 2), PA_HI, PGT_PROT_RX), 0);
	{
		struct extent ext = { va, lvl(&t, 2), PA_HI, PGT_PROT_RX };

		expect_only(&t, &ext, 1);
	}
	tenv_fini(&t);
}

/* Raw hVHE leaves: AP[1] (EL0) clear, UXN set, PXN unless executable, nG clear. */
static void hvhe_encoding(void **state)
{
	struct pgt_geometry geom;
	pgt_pte_t rw, rx, ro;

	assert_int_equal(pgt_geometry_hyp(&geom, 39, test_granule(state)), 0);
	rw = pgt_hyp_vhe_leaf_pte(&geom, 0, PGT_PROT_RW, PGT_MAX_LEVEL);
	rx = pgt_hyp_vhe_leaf_pte(&geom, 0, PGT_PROT_RX, PGT_MAX_LEVEL);
	ro = pgt_hyp_vhe_leaf_pte(&geom, 0, PGT_PROT_R, PGT_MAX_LEVEL);
	assert_int_equal(rw & (PGT_BIT(6) | PGT_BIT(7) | PGT_BIT(11)), 0);
	assert_int_equal(rw & (PGT_BIT(53) | PGT_BIT(54)), PGT_BIT(53) | PGT_BIT(54));
	assert_int_equal(rx & (PGT_BIT(53) | PGT_BIT(54)), PGT_BIT(54));
	assert_int_equal(rx & PGT_BIT(7), PGT_BIT(7));
	assert_int_equal(ro & PGT_BIT(7), PGT_BIT(7));
	assert_int_equal(pgt_hyp_vhe_pte_prot(rw), PGT_PROT_RW);
	assert_int_equal(pgt_hyp_vhe_pte_prot(rx), PGT_PROT_RX);
	assert_int_equal(pgt_hyp_vhe_pte_prot(ro), PGT_PROT_R);
}

/* ---------------------------------------------------------------- control registers */

/*
 * VTCR_EL2 and TCR_EL2, bit by bit (Documentation/design.rst).  Common to
 * all: IRGN0/ORGN0 write-back (0x500), SH0 inner (0x3000); TG0 4K 0, 16K
 * 0x8000, 64K 0x4000; PS 0b110 (52 bits) is 0x60000 at 18:16, IPS 0b101
 * (48 bits) 0x500000000 at 34:32.
 */
static void ctrl_values(void **state)
{
	static const struct {
		enum pgt_stage stage;
		u32 bits, pa, flags;
		u64 want[PGT_GRANULE_64K + 1];
	} cases[] = {
		/*
		 * VTCR_EL2, 52-bit IPA: T0SZ 12, SL0 0b10 (4K level 0, 64K level 1)
		 * or 0b11 (16K level 0), RES1 bit 31, DS (bit 32) with 4K and 16K.
		 */
		{ PGT_STAGE_2, 52, 52, PGT_CFG_LPA,
		  { [12] = 0x18006358cULL, [14] = 0x18006b5ccULL, [16] = 0x8006758cULL } },
		/* TCR_EL2 (E2H=0), 52-bit VA: RES1 bits 23 and 31, DS at bit 32. */
		{ PGT_STAGE_HYP, 52, 52, PGT_CFG_LPA,
		  { [12] = 0x18086350cULL, [14] = 0x18086b50cULL, [16] = 0x8086750cULL } },
		/*
		 * TCR_EL2 (E2H=1), 39-bit VA: T0SZ 25, EPD1 (bit 23), TG1 naming
		 * the same granule (4K 0b10, 16K 0b01, 64K 0b11 at 31:30), IPS.
		 */
		{ PGT_STAGE_HYP, 39, 48, PGT_HYP_HVHE,
		  { [12] = 0x580803519ULL, [14] = 0x54080b519ULL, [16] = 0x5c0807519ULL } },
	};
	u32 g = test_granule(state);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tenv t;

		if (cases[i].stage == PGT_STAGE_2)
			setup_s2(&t, cases[i].bits, g, cases[i].pa, cases[i].flags);
		else
			setup_hyp(&t, cases[i].bits, g, cases[i].pa, cases[i].flags);
		assert_int_equal(t.pgt.ctrl, cases[i].want[g]);
		if (cases[i].flags & PGT_HYP_HVHE)
			assert_int_equal(pgt_hyp_vhe_tcr(&t.pgt.geom, cases[i].pa), cases[i].want[g]);
		tenv_fini(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FOR_GRANULES(s2_lpa_52),
		FOR_GRANULES(s2_lpa_run_across_2_48),
		FOR_GRANULES(s2_lpa2_pa48),
		FOR_GRANULES(s2_lpa_high_tables),
		FOR_GRANULES(s2_lpa_unlinked),
		FOR_GRANULES(hyp_lpa_52),
		FOR_GRANULES(hyp_lpa_high_tables),
		FOR_GRANULES(lpa_refused),
		FOR_GRANULES(lpa_map_range),
		FOR_GRANULES(lpa_every_size),
		FOR_GRANULES(lpa_enomem),
		FOR_GRANULES(xnx_map),
		FOR_GRANULES(xnx_relax),
		FOR_GRANULES(xnx_refused),
		FOR_GRANULES(xnx_hyp_refused),
		FOR_GRANULES(xnx_encoding),
		FOR_GRANULES(nc_map),
		FOR_GRANULES(nc_map_fwb),
		FOR_GRANULES(nc_encoding),
		FOR_GRANULES(nc_refused),
		FOR_GRANULES(hvhe_map),
		FOR_GRANULES(hvhe_lpa),
		FOR_GRANULES(hvhe_encoding),
		FOR_GRANULES(ctrl_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
