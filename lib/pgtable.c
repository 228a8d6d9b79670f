// SPDX-License-Identifier: GPL-2.0-only
/*
 * pgtable.c - geometry, and the operations every tree has (lookup, freeing).
 * Descriptor formats live in descriptor.c.
 */
#include "walker.h"

static bool granule_valid(u32 granule_shift)
{
	return granule_shift == PGT_GRANULE_4K || granule_shift == PGT_GRANULE_16K ||
	       granule_shift == PGT_GRANULE_64K;
}

static u32 div_round_up(u32 n, u32 d)
{
	return (n + d - 1) / d;
}

/* Fill in the root's size once the start level is known. */
static void geometry_set_root(struct pgt_geometry *geom, pgt_s8 start_level)
{
	u32 root_bits, table_bits = geom->granule_shift - 3;

	geom->start_level = start_level;
	root_bits = geom->ia_bits - pgt_level_shift(geom, start_level);
	geom->root_entries = 1u << root_bits;
	geom->root_pages = root_bits > table_bits ? 1u << (root_bits - table_bits) : 1;
}

static int geometry_hyp(struct pgt_geometry *geom, u32 va_bits, u32 granule_shift,
			u32 max_bits)
{
	u32 min_bits = granule_shift == PGT_GRANULE_64K ? 17 : 16;
	u32 levels;

	if (!granule_valid(granule_shift) || va_bits < min_bits || va_bits > max_bits)
		return -EINVAL;

	/* Stage 1 cannot concatenate: every level but the root is full. */
	levels = div_round_up(va_bits - granule_shift, granule_shift - 3);
	geom->granule_shift = granule_shift;
	geom->ia_bits = va_bits;
	geometry_set_root(geom, PGT_MAX_LEVEL + 1 - levels);
	return 0;
}

int pgt_geometry_hyp(struct pgt_geometry *geom, u32 va_bits, u32 granule_shift)
{
	*geom = (struct pgt_geometry){ 0 };
	return geometry_hyp(geom, va_bits, granule_shift, 48);
}

/* The deepest start level VTCR_EL2.SL0 encodes without FEAT_TTST. */
static pgt_s8 stage2_deepest_start(u32 granule_shift)
{
	return granule_shift == PGT_GRANULE_4K ? 2 : 3;
}

static int geometry_stage2(struct pgt_geometry *geom, u32 ia_bits, u32 granule_shift,
			   u32 max_bits)
{
	u32 levels, table_bits = granule_shift - 3;
	pgt_s8 start;

	if (!granule_valid(granule_shift) || ia_bits < 25 || ia_bits > max_bits)
		return -EINVAL;

	/*
	 * Up to 16 concatenated tables resolve 4 more bits at the root, which
	 * can save a whole level of every walk.
	 */
	levels = div_round_up(ia_bits - granule_shift - 4, table_bits);
	start = PGT_MAX_LEVEL + 1 - levels;
	if (start > stage2_deepest_start(granule_shift))
		start = stage2_deepest_start(granule_shift);

	geom->granule_shift = granule_shift;
	geom->ia_bits = ia_bits;
	geometry_set_root(geom, start);
	return 0;
}

int pgt_geometry_stage2(struct pgt_geometry *geom, u32 ia_bits, u32 granule_shift)
{
	*geom = (struct pgt_geometry){ 0 };
	return geometry_stage2(geom, ia_bits, granule_shift, 48);
}

/*
 * The shape and format a configuration asks for: with PGT_CFG_LPA, inputs
 * up to 52 bits and the granule's 52-bit format (FEAT_LPA for 64K, FEAT_LPA2
 * for 4K and 16K); without, the 48-bit format only.
 */
int pgt_geometry_cfg(struct pgt_geometry *geom, enum pgt_stage stage,
		     const struct pgt_config *cfg)
{
	bool lpa = cfg->flags & PGT_CFG_LPA;
	u32 max_bits = lpa ? 52 : 48;
	int ret;

	*geom = (struct pgt_geometry){ 0 };
	if (stage == PGT_STAGE_2)
		ret = geometry_stage2(geom, cfg->ia_bits, cfg->granule_shift, max_bits);
	else
		ret = geometry_hyp(geom, cfg->ia_bits, cfg->granule_shift, max_bits);
	if (ret || !lpa)
		return ret;
	geom->oa_format = cfg->granule_shift == PGT_GRANULE_64K ? PGT_OA_LPA : PGT_OA_LPA2;
	return 0;
}

void *pgt_alloc_table(const struct pgt *pgt, pgt_pte_t *desc)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;

	return pgt_table_accept(pgt, mm->zalloc_page(mm, pgt_page_size(&pgt->geom)), desc);
}

int pgt_cache_reachable(const struct pgt *pgt, const struct pgt_memcache *mc, u64 n)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;
	void *page;

	for (page = mc ? mc->head : NULL; page && n; page = *(void **)page, n--)
		if (!pgt_table_reachable(pgt, pgt_table_phys(mm, page), pgt_page_size(&pgt->geom)))
			return -ENOMEM;
	return 0;
}

/* Entries appearing or vanishing in bulk move their table's count at once. */
void pgt_table_add_refs(const struct pgt *pgt, void *table, int delta)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;

	if (mm->page_ref_add) {
		if (delta)
			mm->page_ref_add(mm, table, delta);
		return;
	}
	for (; delta > 0; delta--)
		mm->get_page(mm, table);
	for (; delta < 0; delta++)
		mm->put_page(mm, table);
}

/*
 * Fill @table with next-level leaves that translate exactly as @block did, so
 * that swapping one for the other changes no translation.
 */
void pgt_fill_split(const struct pgt *pgt, pgt_pte_t *table, pgt_pte_t block, pgt_s8 level)
{
	pgt_split_entries(&pgt->geom, table, block, level);
	pgt_table_add_refs(pgt, table, pgt_table_entries(&pgt->geom));
}

/*
 * Invalidate everything cached for [@addr, @addr + @size), walk caches
 * included: by range where the home can, else the whole regime.
 */
void pgt_tlbi_range(const struct pgt *pgt, u64 addr, u64 size, pgt_s8 level)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;

	pgt_dsb_ishst();
	if (mm->tlbi_range)
		mm->tlbi_range(mm, pgt->tlb_cookie, addr, size, level);
	else
		mm->tlbi_all(mm, pgt->tlb_cookie);
	pgt_dsb_ish();
	pgt_isb();
}

/* Unlink a table its walk left empty, and free it once no TLB can reach it. */
void pgt_free_empty_table(const struct pgt_visit_ctx *ctx)
{
	struct pgt_mm_ops *mm = ctx->mm_ops;
	void *child = pte_table_virt(ctx->pgt, ctx->old);

	if (mm->page_count(mm, child) != 1)
		return;
	pgt_pte_update(ctx, 0);
	pgt_tlbi_va(ctx->pgt, pgt_ctx_entry_start(ctx), PGT_NO_LEVEL, false);
	mm->put_page(mm, child);
}

bool pgt_pte_update(const struct pgt_visit_ctx *ctx, pgt_pte_t new)
{
	return pgt_pte_replace(ctx, new);
}

/* The TLB maintenance an entry's break needs: its leaf, or all its subtree. */
static void tlbi_entry(const struct pgt_visit_ctx *ctx)
{
	u64 start = pgt_ctx_entry_start(ctx);

	if (pgt_pte_is_table(ctx->old, ctx->level))
		pgt_tlbi_range(ctx->pgt, start, pgt_ctx_entry_size(ctx), PGT_NO_LEVEL);
	else if (pgt_pte_valid(ctx->old))
		pgt_tlbi_va(ctx->pgt, start, ctx->level, true);
}

/*
 * The "break" of break-before-make: own the entry through the lock marker
 * (other shared walkers back off until the make), then flush what the TLB
 * may hold of the old value.  False means the entry changed: retry.  The
 * entry stays non-zero throughout, so its table's count does not move.
 */
bool pgt_break(const struct pgt_visit_ctx *ctx)
{
	if (ctx->flags & PGT_WALK_SHARED) {
		if (!pgt_cmpxchg(ctx->ptep, ctx->old, PGT_PTE_LOCKED))
			return false;
	} else {
		pgt_write_once(ctx->ptep, PGT_PTE_LOCKED);
	}
	tlbi_entry(ctx);
	return true;
}

/*
 * The "make" of break-before-make: ctx->ptep holds the lock marker (or 0),
 * and becomes @new.  The release store orders everything written to a new
 * table before the descriptor that publishes it.  The entry was non-zero
 * before the break, so its table's count only changes if @new is zero.
 */
void pgt_pte_make(const struct pgt_visit_ctx *ctx, pgt_pte_t new)
{
	pgt_store_release(ctx->ptep, new);
	if (!new && pte_counted(ctx->pgt, ctx->level))
		ctx->mm_ops->put_page(ctx->mm_ops, pte_table_page(ctx->pgt, ctx->ptep));
}

/* Where pgt_get_leaf() puts what it finds: its caller's pointers, or none. */
struct leaf_lookup {
	pgt_pte_t *pte;
	pgt_s8 *level;
};

/* An exclusive one-entry walk visits its entry once, and ends there. */
static struct pgt_action leaf_lookup_visitor(const struct pgt_visit_ctx *ctx,
					     enum pgt_walk_flags visit)
{
	const struct leaf_lookup *found = ctx->arg;

	(void)visit;
	if (found->pte)
		*found->pte = ctx->old;
	if (found->level)
		*found->level = ctx->level;
	return pgt_continue();
}

int pgt_get_leaf(struct pgt *pgt, u64 addr, pgt_pte_t *ptep, pgt_s8 *level)
{
	struct leaf_lookup found = { .pte = ptep, .level = level };
	const struct pgt_walker walker = {
		.cb = leaf_lookup_visitor,
		.arg = &found,
		.flags = PGT_WALK_LEAF,
	};

	/* One address cannot wrap: anything past the input size is out of range. */
	if (addr >> pgt->geom.ia_bits)
		return -ERANGE;
	return pgt_walk_checked(pgt, addr, 1, &walker);
}

/*
 * A last-level table holds no tables: it goes in one pass, its entries'
 * references dropped at once, then the reference of its link and the one
 * its entry holds, instead of a visit and a put_page() per entry.
 */
static struct pgt_action free_last_table(const struct pgt_visit_ctx *ctx)
{
	struct pgt_mm_ops *mm = ctx->mm_ops;
	pgt_pte_t *table = pte_table_virt(ctx->pgt, ctx->old);
	u32 i, n = pgt_table_entries(&ctx->pgt->geom);
	int used = 0;

	for (i = 0; i < n; i++)
		used += pgt_read_once(&table[i]) != 0;
	pgt_table_add_refs(ctx->pgt, table, -used);
	if (pte_counted(ctx->pgt, ctx->level))
		mm->put_page(mm, pte_table_page(ctx->pgt, ctx->ptep));
	mm->put_page(mm, table);
	return pgt_skip();
}

/*
 * Free everything below the walked range: each non-zero entry gives back the
 * reference it holds on its table page, and a table entry, once its children
 * have, gives back the last reference of the table it points to.  Walks with
 * TABLE_PRE free last-level tables whole.
 */
struct pgt_action pgt_free_visitor(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	struct pgt_mm_ops *mm = ctx->mm_ops;

	if (visit == PGT_WALK_TABLE_PRE)
		return ctx->level + 1 == PGT_MAX_LEVEL ? free_last_table(ctx) : pgt_continue();
	if (!ctx->old)
		return pgt_continue();
	if (pte_counted(ctx->pgt, ctx->level))
		mm->put_page(mm, pte_table_page(ctx->pgt, ctx->ptep));
	if (visit == PGT_WALK_TABLE_POST)
		mm->put_page(mm, pte_table_virt(ctx->pgt, ctx->old));
	return pgt_continue();
}

/* A stand-in tree whose root is one detached, reference-counted table. */
void pgt_unlinked_tree(struct pgt *tree, struct pgt_mm_ops *mm_ops, void *table, pgt_s8 level,
		       u8 granule_shift)
{
	*tree = (struct pgt){
		.geom = {
			.granule_shift = granule_shift,
			.start_level = level,
			.root_pages = 1,
			.root_entries = 1u << (granule_shift - 3),
		},
		.root = table,
		.mm_ops = mm_ops,
		.unlinked = true,
	};
	tree->geom.ia_bits = pgt_level_shift(&tree->geom, level) + granule_shift - 3;
}

void pgt_unlinked_free(struct pgt_mm_ops *mm_ops, void *table, pgt_s8 level, u8 granule_shift)
{
	struct pgt tree;
	const struct pgt_walker walker = {
		.cb = pgt_free_visitor,
		.flags = PGT_WALK_FREE,
	};

	pgt_unlinked_tree(&tree, mm_ops, table, level, granule_shift);
	pgt_walk(&tree, 0, 1ULL << tree.geom.ia_bits, &walker);
	mm_ops->put_page(mm_ops, table);
}

int pgt_root_alloc(struct pgt *pgt)
{
	u64 size = (u64)pgt->geom.root_pages * pgt_page_size(&pgt->geom);
	struct pgt_mm_ops *mm = pgt->mm_ops;

	if (!pgt_mm_ops_complete(mm))
		return -EINVAL;
	pgt->root = mm->zalloc_pages_exact(mm, size);
	if (!pgt->root)
		return -ENOMEM;
	pgt->root_phys = pgt_table_phys(mm, pgt->root);
	if (pgt_table_reachable(pgt, pgt->root_phys, size))
		return 0;
	mm->free_pages_exact(mm, pgt->root, size);
	pgt->root = NULL;
	pgt->root_phys = 0;
	return -ERANGE;
}

/* Free every table below the root, then the root itself. */
void pgt_root_free(struct pgt *pgt)
{
	u64 size = (u64)pgt->geom.root_pages * pgt_page_size(&pgt->geom);
	const struct pgt_walker walker = {
		.cb = pgt_free_visitor,
		.flags = PGT_WALK_FREE,
	};

	pgt_walk(pgt, 0, 1ULL << pgt->geom.ia_bits, &walker);
	pgt->mm_ops->free_pages_exact(pgt->mm_ops, pgt->root, size);
	pgt->root = NULL;
	pgt->root_phys = 0;
}
