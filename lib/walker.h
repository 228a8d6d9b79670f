/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * walker.h - the walker's visit policy and its one-entry walk, inlined into
 * the operations that visit one entry, so that a visitor known where its
 * walk is built is called directly and its context lives in registers.
 * lib/walker.c holds the ordinary walk and the policy's rare paths (locked
 * entries, retries): one policy, which both reach through pgt_visit_once().
 */
#ifndef PGTABLE_WALKER_H
#define PGTABLE_WALKER_H

#include "internal.h"

/*
 * walker.c: a locked entry, the visits after a RETRY, and the ordinary walk.
 * The inline walk hands them copies of its walker and context: what no
 * call can see stays in registers, and its visitor is known where it is
 * called.
 */
struct pgt_action pgt_visit_locked(u32 walk_flags);
struct pgt_action pgt_visit_retried(const struct pgt_walker *walker, struct pgt_visit_ctx *ctx,
				    bool post, u32 tries);
/* The ordinary walk of [@addr, @end), from @table at @level down. */
int pgt_walk_from(struct pgt *pgt, u64 addr, u64 end, const struct pgt_walker *walker,
		  pgt_pte_t *table, pgt_s8 level);

/* pgt_walk_from() on a copy of @walker: see above. */
static __always_inline
int pgt_walk_from_copy(struct pgt *pgt, u64 addr, u64 end, const struct pgt_walker *walker,
		       pgt_pte_t *table, pgt_s8 level)
{
	struct pgt_walker same = *walker;

	return pgt_walk_from(pgt, addr, end, &same, table, level);
}

/* Which of PRE or LEAF an entry gets, from its current value. */
static __always_inline enum pgt_walk_flags pgt_first_visit(pgt_pte_t pte, pgt_s8 level)
{
	return pgt_pte_is_table(pte, level) ? PGT_WALK_TABLE_PRE : PGT_WALK_LEAF;
}

/*
 * One visit of ctx->old as TABLE_PRE or LEAF (@post false) or TABLE_POST:
 * CONTINUE for a visit nobody asked for (a locked entry is always visited,
 * by the policy in walker.c), else the visitor's answer.
 */
static __always_inline
struct pgt_action pgt_visit_once(const struct pgt_walker *walker,
				 const struct pgt_visit_ctx *ctx, bool post)
{
	enum pgt_walk_flags visit;

	if (post && !pgt_pte_is_table(ctx->old, ctx->level))
		return pgt_continue();
	if (pgt_pte_is_locked(ctx->old))
		return pgt_visit_locked(walker->flags);
	visit = post ? PGT_WALK_TABLE_POST : pgt_first_visit(ctx->old, ctx->level);
	if (!(walker->flags & visit))
		return pgt_continue();
	return walker->cb(ctx, visit);
}

/*
 * Visit ctx->old -- the entry as the caller read it, with acquire: it pairs
 * with the release that published a table's contents -- applying RETRY
 * until the visitor settles.  Returns CONTINUE, SKIP or EXIT.  The retries
 * are out of line and work on a copy of the context, so the common visit,
 * settled at once, costs its caller no loop and leaves its context in
 * registers.
 */
static __always_inline
struct pgt_action pgt_visit_settled(const struct pgt_walker *walker,
				    const struct pgt_visit_ctx *ctx, bool post)
{
	struct pgt_action act = pgt_visit_once(walker, ctx, post);
	struct pgt_visit_ctx again;
	struct pgt_walker same;

	if (act.kind != PGT_ACT_RETRY)
		return act;
	again = *ctx;
	same = *walker;
	return pgt_visit_retried(&same, &again, post, PGT_WALK_RETRIES);
}

/*
 * A walk that visits leaves only (no TABLE_PRE, no TABLE_POST) and whose
 * range lies inside one entry at every level it reaches -- a fault, a
 * per-page attribute change, a lookup -- has one entry to visit: descend to
 * it in one loop, tables followed without a visit, and visit it with the
 * same policy as every other entry.  A table the visitor leaves there is
 * descended into, as the ordinary walk would.  Wherever the range spans
 * entries of a table, the ordinary walk takes over there.  Compiled per
 * granule: the level's shift and index mask are constants that follow it.
 */
static __always_inline
int pgt_walk_one_granule(struct pgt *pgt, u64 first, u64 end, const struct pgt_walker *walker,
			 u32 granule_shift)
{
	const struct pgt_geometry *geom = &pgt->geom;
	pgt_s8 level = geom->start_level;
	u32 stride = granule_shift - 3, shift = granule_shift + (PGT_MAX_LEVEL - level) * stride;
	u64 last = end - 1, mask = geom->root_entries - 1;
	u64 oa_mask = 0, offset = pgt->mm_ops->linear_offset;
	pgt_pte_t *table = pgt->root, *ptep, pte;
	struct pgt_visit_ctx ctx;
	struct pgt_action act;

	/* The 48-bit format in a linear map: a table's address is a mask and an add. */
	if (pgt->mm_ops->linear && geom->oa_format == PGT_OA_48)
		oa_mask = PGT_GENMASK(47, granule_shift);
	for (;; level++, shift -= stride, mask = (1ULL << stride) - 1) {
		if (first >> shift != last >> shift)
			return pgt_walk_from_copy(pgt, first, end, walker, table, level);
		ptep = &table[(first >> shift) & mask];
		pte = pgt_load_acquire(ptep);
		if (!pgt_pte_is_table(pte, level)) {
			ctx = (struct pgt_visit_ctx){
				.pgt = pgt,
				.ptep = ptep,
				.old = pte,
				.addr = first,
				.end = end,
				.level = level,
				.flags = walker->flags,
				.arg = walker->arg,
				.mm_ops = pgt->mm_ops,
			};
			act = pgt_visit_settled(walker, &ctx, false);
			if (act.kind != PGT_ACT_CONTINUE)
				return act.err;
			pte = pgt_load_acquire(ptep);
			if (!pgt_pte_is_table(pte, level))
				return 0;
		}
		if (oa_mask)
			table = (pgt_pte_t *)(uintptr_t)((pte & oa_mask) + offset);
		else
			table = pte_table_virt(pgt, pte);
	}
}

/* One source, one loop, compiled for each granule. */
static __always_inline
int pgt_walk_one(struct pgt *pgt, u64 first, u64 end, const struct pgt_walker *walker)
{
	switch (pgt->geom.granule_shift) {
	case PGT_GRANULE_4K:
		return pgt_walk_one_granule(pgt, first, end, walker, PGT_GRANULE_4K);
	case PGT_GRANULE_16K:
		return pgt_walk_one_granule(pgt, first, end, walker, PGT_GRANULE_16K);
	default:
		return pgt_walk_one_granule(pgt, first, end, walker, PGT_GRANULE_64K);
	}
}

/*
 * pgt_walk() without its range check, for operations that made it (or a
 * stricter one) already: the same walk, the same policy.  Inline, so that
 * an operation whose walker is a constant calls its visitor directly.
 */
static __always_inline
int pgt_walk_checked(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;
	bool shared = walker->flags & PGT_WALK_SHARED;
	int ret;

	if (!size)
		return 0;
	if (shared && mm->shared_walk_begin)
		mm->shared_walk_begin(mm);
	if (walker->flags & (PGT_WALK_TABLE_PRE | PGT_WALK_TABLE_POST))
		ret = pgt_walk_from_copy(pgt, addr, addr + size, walker, pgt->root,
					 pgt->geom.start_level);
	else
		ret = pgt_walk_one(pgt, addr, addr + size, walker);
	if (shared && mm->shared_walk_end)
		mm->shared_walk_end(mm);
	return ret;
}

#endif /* PGTABLE_WALKER_H */
