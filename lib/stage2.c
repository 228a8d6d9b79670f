// SPDX-License-Identifier: GPL-2.0-only
/*
 * stage2.c - the core of guest (and pKVM host) stage-2 tables: init,
 * destroy, and what every stage-2 operation shares -- when a whole table may
 * be swept in one pass, how unlinked subtrees are freed, which memory is
 * cleaned.  The operations live in stage2_map.c, stage2_unmap.c,
 * stage2_attr.c and stage2_split.c; none of them is called from here.
 */
#include "stage2.h"

/* What pgt_stage2_init() (and the VM layer, for every MMU) accepts. */
int pgt_stage2_config_check(const struct pgt_config *cfg)
{
	u32 known = PGT_S2_FWB | PGT_S2_FORCE_PAGES | PGT_S2_VMID16 | PGT_CFG_LPA | PGT_S2_XNX;

	if (cfg->flags & ~known || pgt_pa_range_encode(cfg->pa_bits) < 0)
		return -EINVAL;
	/* 52-bit outputs need the CPU's FEAT_LPA (64K) or FEAT_LPA2 (4K, 16K). */
	if (cfg->pa_bits > 48 && !(cfg->flags & PGT_CFG_LPA))
		return -EINVAL;
	/* An IPA wider than the PA range is a stage-2 misconfiguration. */
	if (cfg->ia_bits > cfg->pa_bits)
		return -EINVAL;
	return 0;
}

int pgt_stage2_init(struct pgt *pgt, const struct pgt_config *cfg, struct pgt_mm_ops *mm_ops,
		    void *tlb_cookie)
{
	int ret = pgt_stage2_config_check(cfg);

	*pgt = (struct pgt){
		.stage = PGT_STAGE_2,
		.pa_bits = cfg->pa_bits,
		.flags = cfg->flags,
		.mm_ops = mm_ops,
		.tlb_cookie = tlb_cookie,
	};
	if (!ret)
		ret = pgt_geometry_cfg(&pgt->geom, PGT_STAGE_2, cfg);
	if (ret)
		return ret;
	pgt->ctrl = pgt_vtcr(&pgt->geom, cfg->pa_bits, cfg->flags & PGT_S2_VMID16);
	return pgt_root_alloc(pgt);
}

void pgt_stage2_destroy(struct pgt *pgt)
{
	pgt_root_free(pgt);
}

/* Free a whole subtree below each root entry, and empty the entry. */
static struct pgt_action s2_destroy_visitor(const struct pgt_visit_ctx *ctx,
					    enum pgt_walk_flags visit)
{
	pgt_free_visitor(ctx, visit);
	if (ctx->level == ctx->pgt->geom.start_level)
		pgt_write_once(ctx->ptep, 0);
	return pgt_continue();
}

int pgt_stage2_destroy_range(struct pgt *pgt, u64 addr, u64 size)
{
	u64 root_entry = pgt_level_size(&pgt->geom, pgt->geom.start_level);
	struct pgt_walker walker = {
		.cb = s2_destroy_visitor,
		.flags = PGT_WALK_LEAF | PGT_WALK_TABLE_POST,
	};
	int ret = pgt_check_range(pgt, addr, size);

	if (!ret && !PGT_IS_ALIGNED(addr | size, root_entry))
		ret = -EINVAL;
	return ret ? ret : pgt_walk(pgt, addr, size, &walker);
}

/*
 * Only a range as large as a last-level table's span can cover a whole table:
 * smaller ones need no TABLE_PRE visits (no collapse, no sweep).
 */
bool pgt_s2_may_sweep(const struct pgt *pgt, u64 size)
{
	return size >= pgt_level_size(&pgt->geom, PGT_MAX_LEVEL - 1);
}

/* Hand a subtree no longer linked to whoever frees it safely. */
void pgt_s2_free_subtree(const struct pgt_visit_ctx *ctx, pgt_pte_t table_pte)
{
	struct pgt_mm_ops *mm = ctx->mm_ops;
	void *table = pte_table_virt(ctx->pgt, table_pte);
	u8 granule = ctx->pgt->geom.granule_shift;

	if (mm->free_unlinked_table)
		mm->free_unlinked_table(mm, table, ctx->level + 1, granule);
	else
		pgt_unlinked_free(mm, table, ctx->level + 1, granule);
}


/* Memory the host may read uncached must be cleaned when its mapping goes. */
bool pgt_s2_needs_clean(const struct pgt *pgt, pgt_pte_t pte)
{
	return pgt_pte_valid(pte) && !s2_fwb(pgt) &&
	       !(pgt_s2_pte_prot(pte, false) & PGT_PROT_UNCACHED) &&
	       pgt->mm_ops->dcache_clean_inval_poc;
}

void pgt_s2_clean(const struct pgt *pgt, u64 pa, u64 size)
{
	pgt->mm_ops->dcache_clean_inval_poc(pgt->mm_ops, pa, size);
}


/* Does the table below hold only leaves and invalid entries? */
bool pgt_s2_table_is_last(const struct pgt *pgt, const pgt_pte_t *table, pgt_s8 level)
{
	u32 i, n = pgt_table_entries(&pgt->geom);

	if (level == PGT_MAX_LEVEL)
		return true;
	for (i = 0; i < n; i++)
		if (pgt_pte_is_table(table[i], level))
			return false;
	return true;
}
