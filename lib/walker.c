// SPDX-License-Identifier: GPL-2.0-only
/*
 * walker.c - the one table walker every operation is built on.
 *
 * A visitor answers each visit with an action; what the walker does with
 * it, for shared and exclusive walks alike, is decided here and in the
 * inline half of the walker, walker.h, and nowhere else
 * (Documentation/walker.rst has the table):
 *
 *   CONTINUE  re-read the entry; descend if it is now a table, else move on.
 *   SKIP      the visitor dealt with the entry and all below it: move on
 *             without descending and without a TABLE_POST visit.  With a
 *             count (pgt_skip_entries()), past that many entries of the
 *             table, none of the others visited.
 *   RETRY     re-read the entry and visit it again, up to PGT_WALK_RETRIES
 *             times; then the walk fails with -EAGAIN.
 *   EXIT      stop at once and return the action's error.
 *
 * A shared walk never shows a visitor an entry locked by another walker's
 * break-before-make: it treats the lock as an implicit RETRY.  An exclusive
 * walk owns the whole tree, so a lock it finds is a bug: it warns and fails.
 */
#include "walker.h"

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

/* A locked entry stands for "another walker is mid-update": policy above. */
noinline struct pgt_action pgt_visit_locked(u32 walk_flags)
{
	if (walk_flags & PGT_WALK_SHARED) {
		/* The holder is a few stores and a TLBI from done: let it run. */
		pgt_cpu_relax();
		return pgt_retry();
	}
	PGT_WARN_ON(1);
	return pgt_exit(-EBUSY);
}

noinline int pgt_locked_exclusive(void)
{
	return pgt_visit_locked(0).err;
}

/* What pgt_visit_settled()'s @act means to a walk: 0 to go on, or its result. */
static int settled_result(struct walk_data *data, struct pgt_action act)
{
	if (act.kind == PGT_ACT_EXIT) {
		data->stopped = true;
		return act.err;
	}
	return 0;
}

/*
 * Move past the run of @done entries (more than one) a visitor finished
 * from the one at ctx->ptep: ctx->ptep moves to the run's last, data->addr
 * to its end.  A count beyond the table or the range would skip entries
 * the walk never reached: a visitor's bug, and the walk stops with
 * -EINVAL.  Out of line, and finding its table's size itself: the
 * ordinary walk's every entry passes the test that calls it.
 */
static noinline int skip_run(struct walk_data *data, struct pgt_visit_ctx *ctx, u32 shift,
			     u32 done)
{
	u32 entries = table_entries(data, ctx->level);
	u32 left = entries - 1 - ((ctx->addr >> shift) & (entries - 1));
	u64 last = PGT_ALIGN_DOWN(ctx->addr, 1ULL << shift) + ((u64)(done - 1) << shift);

	if (PGT_WARN_ON(done - 1 > left || last >= data->end)) {
		data->stopped = true;
		return -EINVAL;
	}
	ctx->ptep += done - 1;
	data->addr = last + (1ULL << shift);
	return 0;
}

/*
 * Visit the entry at ctx->ptep; on return data->addr is the end of the
 * entry or of the run a visitor finished (ctx->ptep then its last entry),
 * or of the walk.
 */
static int visit_entry(struct walk_data *data, struct pgt_visit_ctx *ctx, u32 shift)
{
	struct pgt_action act;
	pgt_pte_t now;
	int ret;

	ctx->old = pgt_load_acquire(ctx->ptep);
	act = pgt_visit_settled(data->walker, ctx, false);
	ret = settled_result(data, act);
	if (data->stopped)
		return ret;
	if (act.kind == PGT_ACT_SKIP && act.entries > 1)
		return skip_run(data, ctx, shift, act.entries);

	/* Re-read: descend into whatever the visitor left behind, unless it said so. */
	now = act.kind == PGT_ACT_SKIP ? 0 : pgt_load_acquire(ctx->ptep);
	if (!pgt_pte_is_table(now, ctx->level)) {
		data->addr = (PGT_ALIGN_DOWN(ctx->addr, 1ULL << shift)) + (1ULL << shift);
		return 0;
	}

	ret = walk_table(data, pte_table_virt(data->pgt, now), ctx->level + 1);
	if (data->stopped || !(data->walker->flags & PGT_WALK_TABLE_POST))
		return ret;
	ctx->old = pgt_load_acquire(ctx->ptep);
	return settled_result(data, pgt_visit_settled(data->walker, ctx, true));
}

/*
 * One context serves every entry of a table: only the entry and the address
 * change.  Each visit moves data->addr to the end of its entry (or run) and
 * leaves ctx.ptep at its (last) entry, so entry and address advance together.
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
	for (ctx.ptep = &table[idx]; ctx.ptep < &table[entries] && data->addr < data->end;
	     ctx.ptep++) {
		ctx.addr = data->addr;
		ret = visit_entry(data, &ctx, shift);
		if (data->stopped)
			return ret;
	}
	return 0;
}

int pgt_walk_from(struct pgt *pgt, u64 addr, u64 end, const struct pgt_walker *walker,
		  pgt_pte_t *table, pgt_s8 level)
{
	struct walk_data data = { .pgt = pgt, .walker = walker, .addr = addr, .end = end };

	return walk_table(&data, table, level);
}

int pgt_walk_range(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker)
{
	return pgt_walk_checked(pgt, addr, size, walker);
}

int pgt_walk(struct pgt *pgt, u64 addr, u64 size, const struct pgt_walker *walker)
{
	int ret = pgt_check_range(pgt, addr, size);

	return ret ? ret : pgt_walk_range(pgt, addr, size, walker);
}
