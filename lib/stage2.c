// SPDX-License-Identifier: GPL-2.0-only
/*
 * stage2.c - the core of guest (and pKVM host) stage-2 tables: init,
 * destroy, and what every stage-2 operation shares -- when a whole table may
 * be swept in one pass, how unlinked subtrees are freed, which memory is
 * cleaned, how many tables a map needs, where annotations lie, the prot
 * memo the maps share.  The operations live in stage2_map.c,
 * stage2_unmap.c, stage2_attr.c and stage2_split.c; none of them is called
 * from here.
 */
#include "stage2.h"

/* What pgt_stage2_init() (and the VM layer, for every MMU) accepts. */
int pgt_stage2_config_check(const struct pgt_config *cfg)
{
	u32 known = PGT_S2_FWB | PGT_S2_FORCE_PAGES | PGT_S2_VMID16 | PGT_CFG_LPA | PGT_S2_XNX;

	if (cfg->flags & ~known || cfg->mair || pgt_pa_range_encode(cfg->pa_bits) < 0)
		return -EINVAL;
	/* 52-bit outputs need the CPU's FEAT_LPA (64K) or FEAT_LPA2 (4K, 16K). */
	if (cfg->pa_bits > 48 && !(cfg->flags & PGT_CFG_LPA))
		return -EINVAL;
	/* An IPA wider than the PA range is a stage-2 misconfiguration. */
	if (cfg->ia_bits > cfg->pa_bits)
		return -EINVAL;
	return 0;
}

/*
 * No shared map writes the memo: faults on many CPUs read struct pgt's line
 * on every call, and one that wrote it whenever two prots alternate would
 * take that line from all of them.
 */
noinline u64 pgt_s2_memo_of(const struct pgt *pgt, u32 prot)
{
	if (pgt_s2_prot_check_tree(pgt, prot))
		return 0;
	return pgt_s2_leaf_attrs(&pgt->geom, prot, s2_fwb(pgt)) |
	       (u64)prot << S2_MEMO_PROT_SHIFT;
}

noinline u64 pgt_s2_memo_fill(struct pgt *pgt, u32 prot)
{
	u64 memo = pgt_s2_memo_of(pgt, prot);

	if (memo)
		pgt_write_once(&pgt->s2_leaf_memo, memo);
	return memo;
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
	/* Most maps of a guest's memory ask for read-write: its first map need not check it. */
	pgt_s2_memo_fill(pgt, PGT_PROT_RW);
	return pgt_root_alloc(pgt);
}

void pgt_stage2_destroy(struct pgt *pgt)
{
	pgt_root_free(pgt);
}

/*
 * Free a whole subtree below each root entry, and empty the entry once it
 * is done with: after its leaf or TABLE_POST visit, or a TABLE_PRE visit
 * that freed its table whole.
 */
static struct pgt_action s2_destroy_visitor(const struct pgt_visit_ctx *ctx,
					    enum pgt_walk_flags visit)
{
	struct pgt_action act = pgt_free_visitor(ctx, visit);

	if (ctx->level == ctx->pgt->geom.start_level &&
	    (visit != PGT_WALK_TABLE_PRE || act.kind == PGT_ACT_SKIP))
		pgt_write_once(ctx->ptep, 0);
	return act;
}

int pgt_stage2_destroy_range(struct pgt *pgt, u64 addr, u64 size)
{
	u64 root_entry = pgt_level_size(&pgt->geom, pgt->geom.start_level);
	struct pgt_walker walker = {
		.cb = s2_destroy_visitor,
		.flags = PGT_WALK_FREE,
	};
	int ret = pgt_check_range(pgt, addr, size);

	if (!ret && !PGT_IS_ALIGNED(addr | size, root_entry))
		ret = -EINVAL;
	return ret ? ret : pgt_walk(pgt, addr, size, &walker);
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

bool pgt_s2_subtree_owned(const struct pgt *pgt, pgt_pte_t pte, pgt_s8 level)
{
	pgt_pte_t *table = pte_table_virt(pgt, pte);
	u32 i, n = pgt_table_entries(&pgt->geom);

	for (i = 0; i < n; i++) {
		pgt_pte_t child = pgt_read_once(&table[i]);

		if (pgt_s2_pte_owner(child))
			return true;
		if (pgt_pte_is_table(child, level + 1) &&
		    pgt_s2_subtree_owned(pgt, child, level + 1))
			return true;
	}
	return false;
}

u64 pgt_s2_entry_tables(const struct s2_shape *sh, pgt_s8 level, u64 start, u64 end)
{
	if (pgt_s2_shape_fits(sh, level, start, end) || level == PGT_MAX_LEVEL)
		return 0;
	return 1 + pgt_s2_span_tables(sh, level + 1, start, end);
}

/*
 * Only the first and last entries can be partial; the full ones in between
 * all need the same, so they are counted once and multiplied.
 */
u64 pgt_s2_span_tables(const struct s2_shape *sh, pgt_s8 level, u64 start, u64 end)
{
	u64 size = pgt_level_size(sh->geom, level);
	u64 first_end = PGT_ALIGN_DOWN(start, size) + size;
	u64 last_start = PGT_ALIGN_DOWN(end - 1, size);
	u64 tables;

	if (first_end >= end)
		return pgt_s2_entry_tables(sh, level, start, end);
	tables = pgt_s2_entry_tables(sh, level, start, first_end);
	if (last_start > first_end)
		tables += (last_start - first_end) / size *
			  pgt_s2_entry_tables(sh, level, first_end, first_end + size);
	return tables + pgt_s2_entry_tables(sh, level, last_start, end);
}
