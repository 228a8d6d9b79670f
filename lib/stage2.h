/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stage2.h - what the stage-2 files share and nothing else sees: the shape
 * that decides where a leaf fits, the map walk that split reuses, and the
 * core's sweep, clean and free helpers.  Only lib/stage2*.c include it.
 */
#ifndef PGT_LIB_STAGE2_H
#define PGT_LIB_STAGE2_H

#include "internal.h"

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

/* stage2.c: the core every stage-2 operation uses. */
bool pgt_s2_may_sweep(const struct pgt *pgt, u64 size);
bool pgt_s2_table_is_last(const struct pgt *pgt, const pgt_pte_t *table, pgt_s8 level);
void pgt_s2_free_subtree(const struct pgt_visit_ctx *ctx, pgt_pte_t table_pte);
bool pgt_s2_needs_clean(const struct pgt *pgt, pgt_pte_t pte);
void pgt_s2_clean(const struct pgt *pgt, u64 pa, u64 size);

/* stage2_map.c: counting tables, reserving them, the map walk. */
u64 pgt_s2_entry_tables(const struct s2_shape *sh, pgt_s8 level, u64 start, u64 end);
u64 pgt_s2_span_tables(const struct s2_shape *sh, pgt_s8 level, u64 start, u64 end);
struct s2_shape pgt_s2_map_shape(const struct pgt *pgt, u64 ipa, u64 pa, bool annotate);
int pgt_s2_reserve_exclusive(struct pgt *pgt, struct pgt_memcache **mc,
			     struct pgt_memcache *local, u64 tables);
int pgt_s2_map_walk(struct pgt *pgt, struct s2_map_data *d, u64 size, u32 flags);

#endif /* PGT_LIB_STAGE2_H */
