/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stage2.h - what the stage-2 files share and nothing else sees: the shape
 * that decides where a leaf fits, the map walk that split reuses, and the
 * core's sweep, clean and free helpers.  Only lib/stage2*.c include it.
 */
#ifndef PGT_LIB_STAGE2_H
#define PGT_LIB_STAGE2_H

#include "walker.h"

/*
 * What decides whether a leaf fits an entry: the leaf levels, alignment of
 * the output (@delta = PA - IPA; annotations have no output), and whether
 * only pages may be used.
 */
struct s2_shape {
	const struct pgt_geometry *geom;
	u64 delta;
	bool any_output;
	bool pages_only;
};

/* Does one leaf at @level map [start, end) in shape @sh? */
static inline bool pgt_s2_shape_fits(const struct s2_shape *sh, pgt_s8 level, u64 start,
				     u64 end)
{
	u64 size = pgt_level_size(sh->geom, level);

	if (!pgt_level_has_leaves(sh->geom, level) || (sh->pages_only && level < PGT_MAX_LEVEL))
		return false;
	return PGT_IS_ALIGNED(start, size) && end - start == size &&
	       (sh->any_output || PGT_IS_ALIGNED(sh->delta, size));
}

/* The shape of a map from @ipa to @pa; an annotation has no output to align. */
static inline struct s2_shape pgt_s2_map_shape(const struct pgt *pgt, u64 ipa, u64 pa,
					       bool annotate)
{
	return (struct s2_shape){
		.geom = &pgt->geom,
		.delta = pa - ipa,
		.any_output = annotate,
		.pages_only = pgt->flags & PGT_S2_FORCE_PAGES,
	};
}

/* One map or set_owner walk: what it writes, and where its tables come from. */
struct s2_map_data {
	u64 ipa;
	u64 pa;
	u32 prot;
	bool annotate;		/* set_owner: write owner_pte, not leaves */
	pgt_pte_t owner_pte;
	struct s2_shape shape;
	struct pgt_memcache *mc;
	u64 tables;		/* the counting walk's result */
	bool reach_unchecked;	/* the cache's pages are checked at the first new table */
	pgt_pte_t leaf_attrs;	/* what every leaf shares: pgt_s2_leaf_attrs() */
};

static inline bool s2_fwb(const struct pgt *pgt)
{
	return pgt->flags & PGT_S2_FWB;
}

static inline bool ctx_shared(const struct pgt_visit_ctx *ctx)
{
	return ctx->flags & PGT_WALK_SHARED;
}

/*
 * Bits of a leaf that hold no part of its output address in any format:
 * whether it needs a clean (pgt_s2_needs_clean()) depends on them alone.
 * Zero only in entries that need none.
 */
#define S2_ATTR_BITS	(PGT_GENMASK(7, 0) | PGT_GENMASK(11, 10) | PGT_GENMASK(63, 50))

/*
 * Only a range as large as a last-level table's span can cover a whole table:
 * smaller ones need no TABLE_PRE visits (no collapse, no sweep).
 */
static inline bool pgt_s2_may_sweep(const struct pgt *pgt, u64 size)
{
	return size >= pgt_level_size(&pgt->geom, PGT_MAX_LEVEL - 1);
}

/* stage2.c: the core every stage-2 operation uses. */
bool pgt_s2_table_is_last(const struct pgt *pgt, const pgt_pte_t *table, pgt_s8 level);
void pgt_s2_free_subtree(const struct pgt_visit_ctx *ctx, pgt_pte_t table_pte);
bool pgt_s2_needs_clean(const struct pgt *pgt, pgt_pte_t pte);
void pgt_s2_clean(const struct pgt *pgt, u64 pa, u64 size);
/* Is any entry below the table @pte at @level an owner annotation? */
bool pgt_s2_subtree_owned(const struct pgt *pgt, pgt_pte_t pte, pgt_s8 level);
/* Tables needed to map [start, end), inside one empty entry at @level / spanning entries. */
u64 pgt_s2_entry_tables(const struct s2_shape *sh, pgt_s8 level, u64 start, u64 end);
u64 pgt_s2_span_tables(const struct s2_shape *sh, pgt_s8 level, u64 start, u64 end);

/* stage2_map.c: reserving tables, the map walk. */
int pgt_s2_reserve_exclusive(struct pgt *pgt, struct pgt_memcache **mc,
			     struct pgt_memcache *local, u64 tables);
int pgt_s2_map_walk(struct pgt *pgt, struct s2_map_data *d, u64 size, u32 flags);
/*
 * pgt->s2_leaf_memo: a prot (bits 23:12, where leaf attributes hold address
 * bits, always clear) and its leaf attributes, AF always among them, so a
 * memo is never zero.  One word, read and written whole: faults racing to
 * replace it each see one pair or the other, never a mix.
 */
#define S2_MEMO_PROT_SHIFT	12
#define S2_MEMO_PROT_MASK	PGT_GENMASK(23, 12)

_Static_assert(!((PGT_PROT_RWX | PGT_PROT_DEVICE | PGT_PROT_NORMAL_NC | PGT_PROT_SW_MASK) >>
		 (24 - S2_MEMO_PROT_SHIFT)), "every valid prot fits in the memo");

/*
 * @prot checked against @pgt, with its leaf attributes: the memo it would
 * make, or 0 if it fails.  A shared map's: it leaves pgt->s2_leaf_memo as
 * it is, as every CPU's fault reads that line.
 */
u64 pgt_s2_memo_of(const struct pgt *pgt, u32 prot);
/* pgt_s2_memo_of(), made the tree's memo if @prot passes. */
u64 pgt_s2_memo_fill(struct pgt *pgt, u32 prot);

#endif /* PGT_LIB_STAGE2_H */
