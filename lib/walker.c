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

static bool walk_shared(const struct walk_data *data)
{
	return data->walker->flags & PGT_WALK_SHARED;
}

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
static struct pgt_action locked_entry_action(const struct walk_data *data)
{
	if (walk_shared(data)) {
		/* The holder is a few stores and a TLBI from done: let it run. */
		pgt_cpu_relax();
		return pgt_retry();
	}
	PGT_WARN_ON(1);
	return pgt_exit(-EBUSY);
}

/* Only visits the walk asked for, or locked entries, get here. */
static struct pgt_action call_visitor(const struct walk_data *data,
				      const struct pgt_visit_ctx *ctx,
				      enum pgt_walk_flags visit)
{
	if (pgt_pte_is_locked(ctx->old))
		return locked_entry_action(data);
	return data->walker->cb(ctx, visit);
}

/*
 * Visit one entry as TABLE_PRE or LEAF (@post false) or as TABLE_POST,
 * applying RETRY until the visitor settles.  ctx->old holds the entry as
 * the caller read it (with acquire: it pairs with the release that
 * published a table's contents); a retry reads it again.  Returns 0 to go
 * on (*skip set if the visitor finished the whole entry), or the walk's
 * result with data->stopped set.  Inlined into each caller: @post is a
 * constant there, and the one-entry walk pays for no loop it does not run.
 */
static __always_inline
int visit_settled(struct walk_data *data, struct pgt_visit_ctx *ctx, bool post, bool *skip)
{
	struct pgt_action act;
	u32 tries = 0;

	for (;; ctx->old = pgt_load_acquire(ctx->ptep)) {
		enum pgt_walk_flags visit;

		if (post && !pgt_pte_is_table(ctx->old, ctx->level))
			return 0;
		visit = post ? PGT_WALK_TABLE_POST : first_visit(ctx->old, ctx->level);
		/* A visit nobody asked for: nothing to settle (a lock still is). */
		if (!(data->walker->flags & visit) && !pgt_pte_is_locked(ctx->old))
			return 0;
		act = call_visitor(data, ctx, visit);
		if (act.kind != PGT_ACT_RETRY)
			break;
		if (++tries > PGT_WALK_RETRIES) {
			act = pgt_exit(-EAGAIN);
			break;
		}
	}
	if (act.kind == PGT_ACT_CONTINUE || act.kind == PGT_ACT_SKIP) {
		*skip = act.kind == PGT_ACT_SKIP;
		return 0;
	}
	data->stopped = true;
	return act.err;
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
	ret = visit_settled(data, ctx, false, &skip);
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
	return visit_settled(data, ctx, true, &skip);
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

/*
 * A walk that visits leaves only (no TABLE_PRE, no TABLE_POST) and whose
 * range lies inside one entry at every level it reaches -- a fault, a
 * per-page attribute change, a lookup -- has one entry to visit: descend to
 * it in one loop, tables followed without a visit, and visit it with the
 * same policy as every other entry (visit_settled()).  A table the visitor
 * leaves there is descended into, as walk_table() would.  Wherever the
 * range spans entries of a table, the ordinary walk takes over there.  The
 * level's shift and index mask follow the descent instead of being
 * recomputed from the geometry at each level.
 */
static int walk_single(struct walk_data *data, pgt_pte_t *table, pgt_s8 level)
{
	const struct pgt_geometry *geom = &data->pgt->geom;
	u32 stride = geom->granule_shift - 3, shift = pgt_level_shift(geom, level);
	u64 first = data->addr, last = data->end - 1, mask = geom->root_entries - 1;
	struct pgt_visit_ctx ctx = {
		.pgt = data->pgt,
		.addr = first,
		.end = data->end,
		.flags = data->walker->flags,
		.arg = data->walker->arg,
		.mm_ops = data->pgt->mm_ops,
	};
	bool skip = false;
	int ret;

	for (;; level++, shift -= stride, mask = (1ULL << stride) - 1) {
		if (first >> shift != last >> shift)
			return walk_table(data, table, level);
		ctx.ptep = &table[(first >> shift) & mask];
		ctx.old = pgt_load_acquire(ctx.ptep);
		if (!pgt_pte_is_table(ctx.old, level)) {
			ctx.level = level;
			ret = visit_settled(data, &ctx, false, &skip);
			if (data->stopped || skip)
				return ret;
			ctx.old = pgt_load_acquire(ctx.ptep);
			if (!pgt_pte_is_table(ctx.old, level))
				return 0;
		}
		table = pte_table_virt(data->pgt, ctx.old);
	}
}

/* The walk proper, for callers that have checked the range (internal.h). */
int pgt_walk_checked(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker)
{
	struct walk_data data = {
		.pgt = pgt,
		.walker = walker,
		.addr = addr,
		.end = addr + size,
	};
	struct pgt_mm_ops *mm = pgt->mm_ops;
	bool shared = walker->flags & PGT_WALK_SHARED;
	int ret;

	if (!size)
		return 0;
	if (shared && mm->shared_walk_begin)
		mm->shared_walk_begin(mm);
	if (walker->flags & (PGT_WALK_TABLE_PRE | PGT_WALK_TABLE_POST))
		ret = walk_table(&data, pgt->root, pgt->geom.start_level);
	else
		ret = walk_single(&data, pgt->root, pgt->geom.start_level);
	if (shared && mm->shared_walk_end)
		mm->shared_walk_end(mm);
	return ret;
}

int pgt_walk(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker)
{
	int ret = pgt_check_range(pgt, addr, size);

	return ret ? ret : pgt_walk_checked(pgt, addr, size, walker);
}
