// SPDX-License-Identifier: GPL-2.0-only
/*
 * harness.c - shared setup and translator-based assertions for lib tests.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

u32 test_granule_4k = PGT_GRANULE_4K;
u32 test_granule_16k = PGT_GRANULE_16K;
u32 test_granule_64k = PGT_GRANULE_64K;

static void tenv_arena(struct tenv *t, u64 arena_size)
{
	memset(t, 0, sizeof(*t));
	t->hm = host_mm_create(arena_size, ARENA_BASE);
	assert_non_null(t->hm);
	host_mm_set_unlinked_free(t->hm, pgt_unlinked_free);
	t->warnings_at_start = host_mm_global_warnings();
}

static void tenv_regime(struct tenv *t)
{
	t->rg = (struct ref_regime){
		.stage = t->pgt.stage == PGT_STAGE_HYP ? 1 : 2,
		.ctrl = t->pgt.ctrl,
		.ttbr = t->pgt.root_phys,
		.mair = PGT_HYP_MAIR,
		.fwb = t->pgt.flags & PGT_S2_FWB,
		.read64 = host_mm_read64,
		.ctx = t->hm,
	};
}

void tenv_hyp_cfg(struct tenv *t, const struct pgt_config *cfg, u64 arena_size)
{
	tenv_arena(t, arena_size);
	assert_int_equal(pgt_hyp_init(&t->pgt, cfg, host_mm_ops(t->hm)), 0);
	tenv_regime(t);
	if (cfg->mair)
		t->rg.mair = cfg->mair;
}

void tenv_stage2_cfg(struct tenv *t, const struct pgt_config *cfg, u64 arena_size)
{
	tenv_arena(t, arena_size);
	assert_int_equal(pgt_stage2_init(&t->pgt, cfg, host_mm_ops(t->hm), t), 0);
	tenv_regime(t);
}

void tenv_hyp(struct tenv *t, u32 va_bits, u32 granule_shift)
{
	struct pgt_config cfg = { .ia_bits = va_bits, .granule_shift = granule_shift,
				  .pa_bits = 48 };

	tenv_hyp_cfg(t, &cfg, ARENA_SIZE);
}

void tenv_stage2(struct tenv *t, u32 ia_bits, u32 granule_shift, u32 pa_bits, u32 flags)
{
	struct pgt_config cfg = { .ia_bits = ia_bits, .granule_shift = granule_shift,
				  .pa_bits = pa_bits, .flags = flags };

	tenv_stage2_cfg(t, &cfg, ARENA_SIZE);
}

void tenv_fini(struct tenv *t)
{
	if (t->pgt.stage == PGT_STAGE_HYP)
		pgt_hyp_destroy(&t->pgt);
	else
		pgt_stage2_destroy(&t->pgt);
	host_mm_drain_deferred(t->hm);
	assert_int_equal(host_mm_in_use_bytes(t->hm), 0);
	assert_int_equal(host_mm_global_warnings(), t->warnings_at_start);
	host_mm_destroy(t->hm);
	t->hm = NULL;
}

struct pgt_mm_ops *tenv_mm(struct tenv *t)
{
	return host_mm_ops(t->hm);
}

u64 tenv_pages_in_use(struct tenv *t)
{
	return host_mm_in_use_bytes(t->hm) >> t->pgt.geom.granule_shift;
}

u32 tenv_page(const struct tenv *t)
{
	return pgt_page_size(&t->pgt.geom);
}

struct ref_result tenv_xlat(struct tenv *t, u64 ia)
{
	struct ref_result res;

	assert_int_equal(ref_translate(&t->rg, ia, REF_ACC_NONE, &res), 0);
	return res;
}

/* What the translator must report for a leaf mapped with @prot. */
static void expect_prot(const struct tenv *t, const struct ref_result *res, u32 prot)
{
	bool device = prot & PGT_PROT_DEVICE;

	assert_int_equal(res->r, t->pgt.stage == PGT_STAGE_HYP || (prot & PGT_PROT_R));
	assert_int_equal(res->w, !!(prot & PGT_PROT_W));
	assert_int_equal(res->x, !!(prot & PGT_PROT_X));
	assert_int_equal(res->mt, device ? REF_MT_DEVICE_nGnRE : REF_MT_NORMAL_WB);
	assert_int_equal(res->sw, (prot & PGT_PROT_SW_MASK) >> 8);
	assert_true(res->af);
	assert_int_equal(res->shareability, 3);
}

void expect_mapped(struct tenv *t, u64 ia, u64 pa, u32 prot)
{
	struct ref_result res = tenv_xlat(t, ia);

	if (res.fault != REF_OK)
		fail_msg("ia 0x%llx: %s at level %d, expected pa 0x%llx", (unsigned long long)ia,
			 ref_fault_str(res.fault), res.level, (unsigned long long)pa);
	assert_int_equal(res.pa, pa);
	expect_prot(t, &res, prot);
}

void expect_unmapped(struct tenv *t, u64 ia)
{
	struct ref_result res = tenv_xlat(t, ia);

	if (res.fault != REF_FAULT_TRANSLATION)
		fail_msg("ia 0x%llx: %s (pa 0x%llx), expected a translation fault",
			 (unsigned long long)ia, ref_fault_str(res.fault),
			 (unsigned long long)res.pa);
}

/* A piece of a leaf must be expected, and translate as its extent says. */
static int exact_piece(void *arg, u64 ia, u64 end, const struct ref_mapping *m,
		       const struct extent *e)
{
	(void)end;
	if (!e)
		fail_msg("unexpected mapping at 0x%llx (leaf 0x%llx+0x%llx level %d)",
			 (unsigned long long)ia, (unsigned long long)m->ia,
			 (unsigned long long)m->size, m->level);
	assert_int_equal(m->pa + (ia - m->ia), e->pa + (ia - e->ia));
	expect_mapped(arg, ia, e->pa + (ia - e->ia), e->prot);
	return 0;
}

void expect_exactly(struct tenv *t, const struct extent *ext, int n)
{
	long long covered = extents_walk(&t->rg, ext, n, exact_piece, t);

	assert_true(covered >= 0);
	assert_int_equal(covered, extents_bytes(ext, n));
}

void expect_well_formed(struct tenv *t, long tables)
{
	assert_int_equal(ref_visit_bad_entries(&t->rg, NULL, NULL), 0);
	assert_int_equal(ref_count_tables(&t->rg), tables);
}

u64 test_seed(const char *name)
{
	const char *env = getenv("PGT_TEST_SEED");
	u64 seed = env ? strtoull(env, NULL, 0) : 0x5eed1234abcdULL;

	printf("# %s: seed 0x%llx (set PGT_TEST_SEED to replay)\n", name,
	       (unsigned long long)seed);
	return seed;
}

/* xorshift64*: small, fast and reproducible everywhere. */
u64 rng_next(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

struct install {
	pgt_pte_t leaf;
	pgt_s8 level;
};

/* Build tables down to the target level, then write the leaf there. */
static struct pgt_action install_visitor(const struct pgt_visit_ctx *ctx,
					 enum pgt_walk_flags visit)
{
	const struct install *in = ctx->arg;
	struct pgt_mm_ops *mm = ctx->mm_ops;
	void *table;

	(void)visit;
	if (ctx->level == in->level) {
		assert_true(pgt_pte_update(ctx, in->leaf));
		return pgt_continue();
	}
	assert_int_equal(ctx->old, 0);
	table = mm->zalloc_page(mm, pgt_page_size(&ctx->pgt->geom));
	assert_non_null(table);
	assert_true(pgt_pte_update(ctx, pgt_table_pte(&ctx->pgt->geom,
						      mm->virt_to_phys(mm, table))));
	return pgt_continue();
}

void test_install(struct tenv *t, u64 ia, pgt_pte_t entry, pgt_s8 level)
{
	struct install in = { .leaf = entry, .level = level };
	struct pgt_walker walker = { .cb = install_visitor, .arg = &in, .flags = PGT_WALK_LEAF };

	assert_int_equal(pgt_walk(&t->pgt, ia, 1, &walker), 0);
}

static struct pgt_action ptep_visitor(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	(void)visit;
	*(pgt_pte_t **)ctx->arg = ctx->ptep;
	return pgt_continue();
}

pgt_pte_t *test_ptep(struct tenv *t, u64 ia)
{
	pgt_pte_t *ptep = NULL;
	struct pgt_walker walker = { .cb = ptep_visitor, .arg = &ptep, .flags = PGT_WALK_LEAF };

	assert_int_equal(pgt_walk(&t->pgt, ia, 1, &walker), 0);
	assert_non_null(ptep);
	return ptep;
}
