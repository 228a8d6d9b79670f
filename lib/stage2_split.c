// SPDX-License-Identifier: GPL-2.0-only
/*
 * stage2_split.c - eager splitting of blocks into pages, and detached
 * (unlinked) subtrees built off to the side.  Invariant: a subtree is
 * complete and translates exactly as the block it replaces before it is
 * linked, and the pages for it are counted and reserved first.
 */
#include "stage2.h"

/*
 * A detached subtree of pages translating exactly as @leaf at @level did,
 * attributes and software bits included; *desc links it.  It is not live:
 * plain stores.
 */
static pgt_pte_t *s2_build_pages(struct pgt *pgt, pgt_pte_t leaf, pgt_s8 level,
				 struct pgt_memcache *mc, pgt_pte_t *desc)
{
	pgt_pte_t *table = pgt_table_pop(pgt, mc, desc);
	u32 i, n = pgt_table_entries(&pgt->geom);

	if (PGT_WARN_ON(!table))
		return NULL;
	pgt_fill_split(pgt, table, leaf, level);
	if (level + 1 == PGT_MAX_LEVEL)
		return table;
	for (i = 0; i < n; i++) {
		if (!s2_build_pages(pgt, table[i], level + 1, mc, &table[i]))
			return NULL;
	}
	return table;
}

/* Tables splitting one block at @level down to pages takes. */
static u64 s2_split_tables(const struct pgt *pgt, pgt_s8 level)
{
	struct s2_shape pages = { .geom = &pgt->geom, .pages_only = true };
	u64 size = pgt_level_size(&pgt->geom, level);

	return pgt_s2_entry_tables(&pages, level, 0, size);
}

struct s2_split_data {
	struct pgt_memcache *mc;
	u64 tables;
	bool counting;
};

static struct pgt_action s2_split_visitor(const struct pgt_visit_ctx *ctx,
					  enum pgt_walk_flags visit)
{
	struct s2_split_data *d = ctx->arg;
	pgt_pte_t desc;

	(void)visit;
	if (!pgt_pte_is_leaf(ctx->old, ctx->level) || ctx->level == PGT_MAX_LEVEL)
		return pgt_continue();
	if (d->counting) {
		d->tables += s2_split_tables(ctx->pgt, ctx->level);
		return pgt_continue();
	}
	if (!s2_build_pages(ctx->pgt, ctx->old, ctx->level, d->mc, &desc))
		return pgt_exit(-ENOMEM);
	pgt_break(ctx);
	pgt_pte_make(ctx, desc);
	return pgt_continue();
}

int pgt_stage2_split(struct pgt *pgt, u64 addr, u64 size, struct pgt_memcache *mc)
{
	struct pgt_memcache local = { 0 };
	struct s2_split_data d = { .mc = mc, .counting = true };
	struct pgt_walker walker = { .cb = s2_split_visitor, .arg = &d, .flags = PGT_WALK_LEAF };
	int ret = pgt_check_aligned(pgt, addr, size, 0);

	if (!ret)
		ret = pgt_walk(pgt, addr, size, &walker);
	if (!ret)
		ret = pgt_s2_reserve_exclusive(pgt, &d.mc, &local, d.tables);
	d.counting = false;
	if (!ret && d.tables)
		ret = pgt_walk(pgt, addr, size, &walker);
	pgt_memcache_free(&local, pgt->mm_ops);
	return ret;
}

static int s2_unlinked_check(const struct pgt *pgt, u64 phys, pgt_s8 level, u32 prot)
{
	if (level < pgt->geom.start_level || level >= PGT_MAX_LEVEL)
		return -EINVAL;
	if (!PGT_IS_ALIGNED(phys, pgt_level_size(&pgt->geom, level)))
		return -EINVAL;
	if (phys + pgt_level_size(&pgt->geom, level) > 1ULL << pgt->pa_bits)
		return -ERANGE;
	return pgt_s2_prot_check_tree(pgt, prot);
}

/*
 * The subtree is built by the ordinary map walk, run on a stand-in tree
 * whose root is the subtree's top table.  Nothing is live yet, so no cache
 * maintenance: the caller installs it in place of a mapping of the same
 * memory.
 */
static int s2_build_unlinked(struct pgt *pgt, struct s2_map_data *d, pgt_s8 level,
			     pgt_pte_t **table)
{
	struct pgt tree;

	*table = pgt_table_pop(pgt, d->mc, NULL);
	pgt_unlinked_tree(&tree, pgt->mm_ops, *table, level + 1, pgt->geom.granule_shift);
	tree.geom.oa_format = pgt->geom.oa_format;
	tree.flags = pgt->flags;
	tree.pa_bits = pgt->pa_bits;
	tree.stage = PGT_STAGE_2;
	return pgt_s2_map_walk(&tree, d, pgt_level_size(&pgt->geom, level),
			   PGT_WALK_LEAF | PGT_WALK_SKIP_CMO);
}

int pgt_stage2_create_unlinked(struct pgt *pgt, u64 phys, pgt_s8 level, u32 prot,
			       struct pgt_memcache *mc, bool force_pages, pgt_pte_t **table)
{
	struct pgt_memcache local = { 0 };
	struct s2_map_data d = { .pa = phys, .prot = prot, .mc = mc };
	int ret = s2_unlinked_check(pgt, phys, level, prot);

	if (ret)
		return ret;
	d.shape = pgt_s2_map_shape(pgt, 0, phys, false);
	d.shape.pages_only |= force_pages;
	d.tables = 1 + pgt_s2_span_tables(&d.shape, level + 1, 0,
					  pgt_level_size(&pgt->geom, level));
	ret = pgt_s2_reserve_exclusive(pgt, &d.mc, &local, d.tables);
	if (!ret)
		ret = s2_build_unlinked(pgt, &d, level, table);
	pgt_memcache_free(&local, pgt->mm_ops);
	return ret;
}
