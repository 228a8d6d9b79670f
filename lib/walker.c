// SPDX-License-Identifier: GPL-2.0-only
/*
 * walker.c - the one table walker every operation is built on.
 *
 * A visitor answers each visit with an action; what the walker does with
 * it, for shared and exclusive walks alike, is decided here and nowhere
 * else (Documentation/walker.rst has the table):
 *
 *   CONTINUE  re-read the entry; descend if it is now a table, else move on.
 *   SKIP      the visitor dealt with the entry and all below it: move on
 *             without descending and without a TABLE_POST visit.
 *   RETRY     re-read the entry and visit it again, up to PGT_WALK_RETRIES
 *             times; then the walk fails with -EAGAIN.
 *   EXIT      stop at once and return the action's error.
 *
 * A shared walk never shows a visitor an entry locked by another walker's
 * break-before-make: it treats the lock as an implicit RETRY.  An exclusive
 * walk owns the whole tree, so a lock it finds is a bug: it warns and fails.
 */
#include "internal.h"

struct walk_data {
	struct pgt *pgt;
	const struct pgt_walker *walker;
	u64 addr;
	u64 end;
	bool stopped;
};

static int walk_table(struct walk_data *data, pgt_pte_t *table, pgt_s8 level);

static u32 table_entries(const struct walk_data *data, pgt_s8 level)
{
	const struct pgt_geometry *geom = &data->pgt->geom;

	return level == geom->start_level ? geom->root_entries : pgt_table_entries(geom);
}

/* Which of PRE or LEAF an entry gets, from its current value. */
static enum pgt_walk_flags first_visit(pgt_pte_t pte, pgt_s8 level)
{
	return pgt_pte_is_table(pte, level) ? PGT_WALK_TABLE_PRE : PGT_WALK_LEAF;
}

/* A locked entry stands for "another walker is mid-update": policy above. */
static struct pgt_action locked_entry_action(const struct pgt_walker *walker)
{
	if (walker->flags & PGT_WALK_SHARED) {
		/* The holder is a few stores and a TLBI from done: let it run. */
		pgt_cpu_relax();
		return pgt_retry();
	}
	PGT_WARN_ON(1);
	return pgt_exit(-EBUSY);
}

/*
 * One visit of ctx->old as TABLE_PRE or LEAF (@post false) or TABLE_POST:
 * CONTINUE for a visit nobody asked for (a locked entry is always visited,
 * by the policy above), else the visitor's answer.
 */
static __always_inline
struct pgt_action visit_once(const struct pgt_walker *walker, const struct pgt_visit_ctx *ctx,
			     bool post)
{
	enum pgt_walk_flags visit;

	if (post && !pgt_pte_is_table(ctx->old, ctx->level))
		return pgt_continue();
	if (pgt_pte_is_locked(ctx->old))
		return locked_entry_action(walker);
	visit = post ? PGT_WALK_TABLE_POST : first_visit(ctx->old, ctx->level);
	if (!(walker->flags & visit))
		return pgt_continue();
	return walker->cb(ctx, visit);
}

/* The visits after a RETRY: the entry is read again, @tries times at most. */
static noinline
struct pgt_action visit_retried(const struct pgt_walker *walker, struct pgt_visit_ctx *ctx,
				bool post, u32 tries)
{
	struct pgt_action act;

	do {
		ctx->old = pgt_load_acquire(ctx->ptep);
		act = visit_once(walker, ctx, post);
		if (act.kind != PGT_ACT_RETRY)
			return act;
	} while (--tries);
	return pgt_exit(-EAGAIN);
}

/*
 * Visit ctx->old -- the entry as the caller read it, with acquire: it pairs
 * with the release that published a table's contents -- applying RETRY
 * until the visitor settles.  Returns CONTINUE, SKIP or EXIT.  Inlined into
 * each caller, @post a constant there; the retries are out of line, so the
 * common visit, settled at once, costs its caller no loop.
 */
static __always_inline
struct pgt_action visit_settled(const struct pgt_walker *walker, struct pgt_visit_ctx *ctx,
				bool post)
{
	struct pgt_action act = visit_once(walker, ctx, post);

	if (act.kind == PGT_ACT_RETRY)
		return visit_retried(walker, ctx, post, PGT_WALK_RETRIES);
	return act;
}

/* What visit_settled()'s @act means to a walk: 0 to go on, or its result. */
static int settled_result(struct walk_data *data, struct pgt_action act, bool *skip)
{
	if (act.kind == PGT_ACT_EXIT) {
		data->stopped = true;
		return act.err;
	}
	*skip = act.kind == PGT_ACT_SKIP;
	return 0;
}

/*
 * Visit the entry at ctx->ptep; on return data->addr is the end of the
 * entry (or of the walk).
 */
static int visit_entry(struct walk_data *data, struct pgt_visit_ctx *ctx, u32 shift)
{
	bool skip = false;
	pgt_pte_t now;
	int ret;

	ctx->old = pgt_load_acquire(ctx->ptep);
	ret = settled_result(data, visit_settled(data->walker, ctx, false), &skip);
	if (data->stopped)
		return ret;

	/* Re-read: descend into whatever the visitor left behind, unless it said so. */
	now = skip ? 0 : pgt_load_acquire(ctx->ptep);
	if (!pgt_pte_is_table(now, ctx->level)) {
		data->addr = (PGT_ALIGN_DOWN(ctx->addr, 1ULL << shift)) + (1ULL << shift);
		return 0;
	}

	ret = walk_table(data, pte_table_virt(data->pgt, now), ctx->level + 1);
	if (data->stopped || !(data->walker->flags & PGT_WALK_TABLE_POST))
		return ret;
	ctx->old = pgt_load_acquire(ctx->ptep);
	return settled_result(data, visit_settled(data->walker, ctx, true), &skip);
}

/*
 * One context serves every entry of a table: only the entry and the address
 * change.  Each visit moves data->addr to the end of its entry, so index and
 * address advance together.
 */
static int walk_table(struct walk_data *data, pgt_pte_t *table, pgt_s8 level)
{
	u32 idx, entries = table_entries(data, level);
	u32 shift = pgt_level_shift(&data->pgt->geom, level);
	struct pgt_visit_ctx ctx = {
		.pgt = data->pgt,
		.end = data->end,
		.level = level,
		.flags = data->walker->flags,
		.arg = data->walker->arg,
		.mm_ops = data->pgt->mm_ops,
	};
	int ret;

	if (PGT_WARN_ON(level > PGT_MAX_LEVEL))
		return -EINVAL;

	idx = (data->addr >> shift) & (entries - 1);
	for (; idx < entries && data->addr < data->end; idx++) {
		ctx.ptep = &table[idx];
		ctx.addr = data->addr;
		ret = visit_entry(data, &ctx, shift);
		if (data->stopped)
			return ret;
	}
	return 0;
}

/* The ordinary walk of [addr, end), from @table at @level down. */
static int walk_from(struct pgt *pgt, u64 addr, u64 end, const struct pgt_walker *walker,
		     pgt_pte_t *table, pgt_s8 level)
{
	struct walk_data data = { .pgt = pgt, .walker = walker, .addr = addr, .end = end };

	return walk_table(&data, table, level);
}

/*
 * A walk that visits leaves only (no TABLE_PRE, no TABLE_POST) and whose
 * range lies inside one entry at every level it reaches -- a fault, a
 * per-page attribute change, a lookup -- has one entry to visit: descend to
 * it in one loop, tables followed without a visit, and visit it with the
 * same policy as every other entry (visit_settled()).  A table the visitor
 * leaves there is descended into, as walk_table() would.  Wherever the
 * range spans entries of a table, the ordinary walk takes over there.  The
 * descent keeps its state in locals (the level's shift and index mask
 * follow it); the visit's context is filled in only for the entry visited.
 */
static __always_inline
int walk_single_granule(struct pgt *pgt, u64 first, u64 end, const struct pgt_walker *walker,
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
			return walk_from(pgt, first, end, walker, table, level);
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
			act = visit_settled(walker, &ctx, false);
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

/*
 * One source, one loop, compiled for each granule: its shifts, masks and
 * table sizes become constants.
 */
static int walk_single(struct pgt *pgt, u64 first, u64 end, const struct pgt_walker *walker)
{
	switch (pgt->geom.granule_shift) {
	case PGT_GRANULE_4K:
		return walk_single_granule(pgt, first, end, walker, PGT_GRANULE_4K);
	case PGT_GRANULE_16K:
		return walk_single_granule(pgt, first, end, walker, PGT_GRANULE_16K);
	default:
		return walk_single_granule(pgt, first, end, walker, PGT_GRANULE_64K);
	}
}

/* The walk proper, for callers that have checked the range (internal.h). */
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
		ret = walk_from(pgt, addr, addr + size, walker, pgt->root, pgt->geom.start_level);
	else
		ret = walk_single(pgt, addr, addr + size, walker);
	if (shared && mm->shared_walk_end)
		mm->shared_walk_end(mm);
	return ret;
}

int pgt_walk(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker)
{
	int ret = pgt_check_range(pgt, addr, size);

	return ret ? ret : pgt_walk_checked(pgt, addr, size, walker);
}
