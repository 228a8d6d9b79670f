/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * walker.h - the walker's visit policy and its one-entry walk, inlined into
 * the operations that visit one entry, so that a visitor known where its
 * walk is built is called directly and its context lives in registers.
 * lib/walker.c holds the ordinary walk and a locked entry's rare path: one
 * policy, which both reach through pgt_visit_settled().
 */
#ifndef PGTABLE_WALKER_H
#define PGTABLE_WALKER_H

#include "internal.h"

/*
 * walker.c: a locked entry, and the ordinary walk.  The inline walk hands
 * them its walk's flags or a copy of its walker: what no call can see stays
 * in registers, and its visitor is known where it is called.
 */
__cold struct pgt_action pgt_visit_locked(u32 walk_flags);
/* An exclusive walk's locked entry, a bug: warns, and the walk fails with this. */
__cold int pgt_locked_exclusive(void);
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
	if (pgt_pte_is_locked(ctx->old)) {
		/*
		 * Built here, the exclusive walk's EXIT ends it: nothing lives
		 * across the call.  Only where the walk's flags are known: the
		 * ordinary walk's visit would carry the test for nothing.
		 */
		if (__builtin_constant_p(walker->flags & PGT_WALK_SHARED) &&
		    !(walker->flags & PGT_WALK_SHARED))
			return pgt_exit(pgt_locked_exclusive());
		return pgt_visit_locked(walker->flags);
	}
	visit = post ? PGT_WALK_TABLE_POST : pgt_first_visit(ctx->old, ctx->level);
	if (!(walker->flags & visit))
		return pgt_continue();
	return walker->cb(ctx, visit);
}

/*
 * Visit ctx->old -- the entry as the caller read it, with acquire: it pairs
 * with the release that published a table's contents -- applying RETRY
 * until the visitor settles, PGT_WALK_RETRIES more visits at most, each of
 * the entry read again.  Returns CONTINUE, SKIP or EXIT.  Inline, loop and
 * all: a visit that settles at once only tests the action, and nothing the
 * visitor writes through its argument needs to reach memory.
 */
static __always_inline
struct pgt_action pgt_visit_settled(const struct pgt_walker *walker, struct pgt_visit_ctx *ctx,
				    bool post)
{
	struct pgt_action act = pgt_visit_once(walker, ctx, post);
	u32 tries = PGT_WALK_RETRIES;

	while (act.kind == PGT_ACT_RETRY) {
		if (!tries--)
			return pgt_exit(-EAGAIN);
		ctx->old = pgt_load_acquire(ctx->ptep);
		act = pgt_visit_once(walker, ctx, post);
	}
	return act;
}

/*
 * A walk that visits leaves only (no TABLE_PRE, no TABLE_POST) and whose
 * range lies inside one entry at every level it reaches -- a fault, a
 * per-page attribute change, a lookup -- has one entry to visit: descend to
 * it in one loop, tables followed without a visit, and visit it with the
 * same policy as every other entry.  A table the visitor leaves there is
 * descended into, as the ordinary walk would.  Wherever the range spans
 * entries of a table, the ordinary walk takes over there.  The level's
 * shift and index mask follow the descent in registers.
 */
static __always_inline
int pgt_walk_one_granule(struct pgt *pgt, u64 first, u64 end, const struct pgt_walker *walker,
			 u32 granule_shift, bool linear48, bool in_page)
{
	const struct pgt_geometry *geom = &pgt->geom;
	pgt_s8 level = geom->start_level;
	u32 stride = granule_shift - 3, shift = granule_shift + (PGT_MAX_LEVEL - level) * stride;
	u64 last = end - 1, mask = geom->root_entries - 1;
	u64 offset = pgt->mm_ops->linear_offset;
	pgt_pte_t *table = pgt->root, *ptep, pte;
	struct pgt_visit_ctx ctx;
	struct pgt_action act;

	for (;; level++, shift -= stride, mask = (1ULL << stride) - 1) {
		if (!in_page && first >> shift != last >> shift)
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
				return act.kind == PGT_ACT_EXIT ? act.err : 0;
			/* A last-level entry is never a table: nothing to read again. */
			if (level == PGT_MAX_LEVEL)
				return 0;
			pte = pgt_load_acquire(ptep);
			if (!pgt_pte_is_table(pte, level))
				return 0;
		}
		if (linear48)
			table = (pgt_pte_t *)(uintptr_t)((pte & PGT_GENMASK(47, granule_shift)) +
							 offset);
		else
			table = pte_table_virt(pgt, pte);
	}
}

/*
 * One source, one loop, compiled for each granule of the commonest home and
 * format -- a linear map and the 48-bit format, where a table's address is
 * a mask and an add -- so that its shifts, masks and table sizes are
 * constants; and once for every other tree, with the granule read.
 */
static __always_inline
int pgt_walk_one(struct pgt *pgt, u64 first, u64 end, const struct pgt_walker *walker,
		 bool in_page)
{
	u32 granule_shift = pgt->geom.granule_shift;

	if (!pgt->mm_ops->linear || pgt->geom.oa_format != PGT_OA_48)
		return pgt_walk_one_granule(pgt, first, end, walker, granule_shift, false, in_page);
	switch (granule_shift) {
	case PGT_GRANULE_4K:
		return pgt_walk_one_granule(pgt, first, end, walker, PGT_GRANULE_4K, true,
					    in_page);
	case PGT_GRANULE_16K:
		return pgt_walk_one_granule(pgt, first, end, walker, PGT_GRANULE_16K, true,
					    in_page);
	default:
		return pgt_walk_one_granule(pgt, first, end, walker, PGT_GRANULE_64K, true,
					    in_page);
	}
}

/* @walker's one-entry walk, or its ordinary walk. */
static __always_inline
int pgt_walk_body(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker,
		  bool in_page)
{
	if (walker->flags & (PGT_WALK_TABLE_PRE | PGT_WALK_TABLE_POST))
		return pgt_walk_from_copy(pgt, addr, addr + size, walker, pgt->root,
					  pgt->geom.start_level);
	return pgt_walk_one(pgt, addr, addr + size, walker, in_page);
}

/*
 * The shared walk's brackets around the walk.  An exclusive walk is its own
 * copy, its walker's flags known to say so: it calls no home hook around
 * itself, and its visitors' tests of SHARED fold away, so the commonest
 * walks keep nothing across a call.
 */
static __always_inline
int pgt_walk_inline(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker,
		    bool in_page)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;
	bool shared = walker->flags & PGT_WALK_SHARED;
	struct pgt_walker excl = *walker;
	int ret;

	excl.flags &= ~PGT_WALK_SHARED;

	if (!size)
		return 0;
	if (!shared)
		return pgt_walk_body(pgt, addr, size, &excl, in_page);
	if (mm->shared_walk_begin)
		mm->shared_walk_begin(mm);
	ret = pgt_walk_body(pgt, addr, size, walker, in_page);
	if (mm->shared_walk_end)
		mm->shared_walk_end(mm);
	return ret;
}

/*
 * pgt_walk() without its range check, for operations that made it (or a
 * stricter one) already: the same walk, the same policy.  Inline, so that
 * an operation whose walker is a constant calls its visitor directly.
 */
static __always_inline
int pgt_walk_checked(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker)
{
	return pgt_walk_inline(pgt, addr, size, walker, false);
}

/*
 * pgt_walk_checked() of a range its caller knows to lie inside one page
 * (one last-level entry's input range), so inside one entry at every
 * level: the descent tests no range against the entries it passes.
 */
static __always_inline
int pgt_walk_in_page(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker)
{
	return pgt_walk_inline(pgt, addr, size, walker, true);
}

/*
 * pgt_walk_checked() out of line, for walks that gain nothing from a copy
 * of the walk in their caller: ranges, whose visits outnumber the calls,
 * and walkers whose visitor is not known where the walk is built.
 */
int pgt_walk_range(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker);

#endif /* PGTABLE_WALKER_H */
