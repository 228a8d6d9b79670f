// SPDX-License-Identifier: GPL-2.0-only
/*
 * hyp.c - the hypervisor's own EL2 stage-1 translation tables.
 *
 * Every operation here runs as an exclusive walk: the caller serialises
 * them with its own lock.
 */
#include "internal.h"

/* ---- init and destroy ---- */

static int hyp_config_check(const struct pgt_config *cfg)
{
	if (cfg->flags & ~(PGT_CFG_LPA | PGT_HYP_HVHE) || pgt_pa_range_encode(cfg->pa_bits) < 0)
		return -EINVAL;
	/* 52-bit outputs need the CPU's FEAT_LPA (64K) or FEAT_LPA2 (4K, 16K). */
	return cfg->pa_bits > 48 && !(cfg->flags & PGT_CFG_LPA) ? -EINVAL : 0;
}

int pgt_hyp_init(struct pgt *pgt, const struct pgt_config *cfg, struct pgt_mm_ops *mm_ops)
{
	int ret;

	*pgt = (struct pgt){ .stage = PGT_STAGE_HYP, .mm_ops = mm_ops, .pa_bits = cfg->pa_bits,
			     .flags = cfg->flags };
	if (hyp_config_check(cfg) || pgt_hyp_set_mair(pgt, cfg->mair))
		return -EINVAL;
	ret = pgt_geometry_cfg(&pgt->geom, PGT_STAGE_HYP, cfg);
	if (ret)
		return ret;
	pgt->ctrl = cfg->flags & PGT_HYP_HVHE ? pgt_hyp_vhe_tcr(&pgt->geom, cfg->pa_bits) :
						 pgt_hyp_tcr(&pgt->geom, cfg->pa_bits);
	return pgt_root_alloc(pgt);
}

void pgt_hyp_destroy(struct pgt *pgt)
{
	pgt_root_free(pgt);
}

/* ---- map: prepare every table, then commit every leaf ---- */

struct hyp_map_data {
	u64 va;
	u64 pa;
	u32 prot;
};

enum hyp_map_step {
	MAP_ALREADY,	/* an identical translation is in place */
	MAP_WRITE,	/* the entry is empty and takes a leaf */
	MAP_DESCEND,	/* the entry is empty and needs a table */
	MAP_CONFLICT,	/* a different live translation is in the way */
};

static u64 map_pa(const struct pgt_visit_ctx *ctx, const struct hyp_map_data *data)
{
	return data->pa + (ctx->addr - data->va);
}

static bool map_leaf_fits(const struct pgt_visit_ctx *ctx, const struct hyp_map_data *data)
{
	return pgt_level_has_leaves(&ctx->pgt->geom, ctx->level) && pgt_ctx_entry_inside(ctx) &&
	       PGT_IS_ALIGNED(map_pa(ctx, data), pgt_ctx_entry_size(ctx));
}

/* Does the live leaf in ctx->old already translate this part of the range as asked? */
static bool map_leaf_matches(const struct pgt_visit_ctx *ctx, const struct hyp_map_data *data)
{
	u64 offset = ctx->addr - pgt_ctx_entry_start(ctx);
	u64 pa = map_pa(ctx, data) - offset;
	pgt_pte_t want = pgt_hyp_leaf(ctx->pgt, pa, data->prot, ctx->level);

	return pgt_pte_is_leaf(ctx->old, ctx->level) && ctx->old == want;
}

static enum hyp_map_step hyp_map_step(const struct pgt_visit_ctx *ctx,
				      const struct hyp_map_data *data)
{
	if (ctx->old)
		return map_leaf_matches(ctx, data) ? MAP_ALREADY : MAP_CONFLICT;
	return map_leaf_fits(ctx, data) ? MAP_WRITE : MAP_DESCEND;
}

static struct pgt_action hyp_install_table(const struct pgt_visit_ctx *ctx)
{
	pgt_pte_t desc;

	if (!pgt_alloc_table(ctx->pgt, &desc))
		return pgt_exit(-ENOMEM);
	/* The zeroed table must be visible before the descriptor that points to it. */
	pgt_dsb_ishst();
	pgt_pte_update(ctx, desc);
	return pgt_continue();
}

static struct pgt_action hyp_map_prepare_visitor(const struct pgt_visit_ctx *ctx,
						 enum pgt_walk_flags visit)
{
	(void)visit;
	switch (hyp_map_step(ctx, ctx->arg)) {
	case MAP_CONFLICT:
		return pgt_exit(-EEXIST);
	case MAP_DESCEND:
		return hyp_install_table(ctx);
	default:
		return pgt_continue();
	}
}

/*
 * Writing into an invalid entry needs no TLB maintenance: no TLB may hold a
 * translation that faulted.
 */
static struct pgt_action hyp_map_commit_visitor(const struct pgt_visit_ctx *ctx,
						enum pgt_walk_flags visit)
{
	const struct hyp_map_data *data = ctx->arg;

	(void)visit;
	switch (hyp_map_step(ctx, data)) {
	case MAP_WRITE:
		pgt_pte_update(ctx, pgt_hyp_leaf(ctx->pgt, map_pa(ctx, data), data->prot,
						 ctx->level));
		return pgt_continue();
	case MAP_ALREADY:
		return pgt_continue();
	default:
		/* The prepare walk left nothing to decide. */
		PGT_WARN_ON(1);
		return pgt_exit(-EINVAL);
	}
}

static struct pgt_action hyp_empty_table_visitor(const struct pgt_visit_ctx *ctx,
						 enum pgt_walk_flags visit)
{
	(void)visit;
	pgt_free_empty_table(ctx);
	return pgt_continue();
}

static int hyp_map_walk(struct pgt *pgt, struct hyp_map_data *data, u64 size,
			pgt_visitor_fn visitor, u32 flags)
{
	struct pgt_walker walker = { .cb = visitor, .arg = data, .flags = flags };

	return pgt_walk(pgt, data->va, size, &walker);
}

static int hyp_map_check(struct pgt *pgt, u64 addr, u64 size, u64 phys, u32 prot)
{
	int ret = pgt_hyp_prot_check(prot);

	return ret ? ret : pgt_check_map(pgt, addr, size, phys);
}

int pgt_hyp_map(struct pgt *pgt, u64 addr, u64 size, u64 phys, u32 prot)
{
	struct hyp_map_data data = { .va = addr, .pa = phys, .prot = prot };
	int ret = hyp_map_check(pgt, addr, size, phys, prot);

	if (ret)
		return ret;
	ret = hyp_map_walk(pgt, &data, size, hyp_map_prepare_visitor, PGT_WALK_LEAF);
	if (ret) {
		/* Only tables were added, and only the empty ones are undone. */
		hyp_map_walk(pgt, &data, size, hyp_empty_table_visitor, PGT_WALK_TABLE_POST);
		return ret;
	}
	return hyp_map_walk(pgt, &data, size, hyp_map_commit_visitor, PGT_WALK_LEAF);
}

/* ---- unmap ---- */

/* At most two partial blocks (one per end of the range), each split down to pages. */
#define HYP_SPLIT_RESERVE	(2 * PGT_MAX_LEVEL)

struct hyp_unmap_data {
	u64 unmapped;
	void *reserve[HYP_SPLIT_RESERVE];
	u32 reserved;
};

/*
 * How many tables splitting the block around @boundary takes, so that an
 * entry boundary falls exactly on it: one per level, from the block's down
 * to the first level whose entries are aligned to @boundary.
 */
static u32 hyp_split_tables_needed(struct pgt *pgt, u64 boundary)
{
	pgt_pte_t pte;
	pgt_s8 level;
	u32 tables = 0;

	if (boundary >= 1ULL << pgt->geom.ia_bits || pgt_get_leaf(pgt, boundary, &pte, &level))
		return 0;
	if (!pgt_pte_is_leaf(pte, level))
		return 0;
	for (; level < PGT_MAX_LEVEL; level++)
		if (!PGT_IS_ALIGNED(boundary, pgt_level_size(&pgt->geom, level)))
			tables++;
	return tables;
}

static void hyp_reserve_release(struct pgt *pgt, struct hyp_unmap_data *data)
{
	while (data->reserved)
		pgt->mm_ops->put_page(pgt->mm_ops, data->reserve[--data->reserved]);
}

static int hyp_reserve_fill(struct pgt *pgt, struct hyp_unmap_data *data, u32 tables)
{
	while (data->reserved < tables) {
		void *page = pgt_alloc_table(pgt, NULL);

		if (!page) {
			hyp_reserve_release(pgt, data);
			return -ENOMEM;
		}
		data->reserve[data->reserved++] = page;
	}
	return 0;
}

static void hyp_clear_leaf(const struct pgt_visit_ctx *ctx, struct hyp_unmap_data *data)
{
	pgt_pte_update(ctx, 0);
	pgt_tlbi_va(ctx->pgt, pgt_ctx_entry_start(ctx), ctx->level, true);
	data->unmapped += pgt_ctx_entry_size(ctx);
}

/*
 * Break-before-make: the block must be invalid and gone from every TLB
 * before an equivalent table replaces it, or two translations of different
 * sizes could be live for one address at once.
 */
static struct pgt_action hyp_split_block(const struct pgt_visit_ctx *ctx,
					 struct hyp_unmap_data *data)
{
	struct pgt_mm_ops *mm = ctx->mm_ops;
	pgt_pte_t *table;

	if (PGT_WARN_ON(!data->reserved))
		return pgt_exit(-ENOMEM);
	table = data->reserve[--data->reserved];
	pgt_fill_split(ctx->pgt, table, ctx->old, ctx->level);
	pgt_break(ctx);
	pgt_pte_make(ctx, pgt_table_pte(&ctx->pgt->geom, pgt_table_phys(mm, table)));
	return pgt_continue();
}

static struct pgt_action hyp_unmap_visitor(const struct pgt_visit_ctx *ctx,
					   enum pgt_walk_flags visit)
{
	struct hyp_unmap_data *data = ctx->arg;

	if (visit == PGT_WALK_TABLE_POST) {
		pgt_free_empty_table(ctx);
		return pgt_continue();
	}
	if (!pgt_pte_valid(ctx->old))
		return pgt_continue();
	if (!pgt_ctx_entry_inside(ctx))
		return hyp_split_block(ctx, data);
	hyp_clear_leaf(ctx, data);
	return pgt_continue();
}

int pgt_hyp_unmap(struct pgt *pgt, u64 addr, u64 size, u64 *unmapped)
{
	struct hyp_unmap_data data = { 0 };
	struct pgt_walker walker = {
		.cb = hyp_unmap_visitor,
		.arg = &data,
		.flags = PGT_WALK_LEAF | PGT_WALK_TABLE_POST,
	};
	int ret = pgt_check_aligned(pgt, addr, size, 0);

	if (!ret)
		ret = pgt_check_range(pgt, addr, size);
	if (!ret && size)
		ret = hyp_reserve_fill(pgt, &data, hyp_split_tables_needed(pgt, addr) +
						   hyp_split_tables_needed(pgt, addr + size));
	if (!ret)
		ret = pgt_walk(pgt, addr, size, &walker);
	hyp_reserve_release(pgt, &data);
	if (unmapped)
		*unmapped = data.unmapped;
	return ret;
}
