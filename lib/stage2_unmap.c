// SPDX-License-Identifier: GPL-2.0-only
/*
 * stage2_unmap.c - stage-2 unmap, with its TLB invalidations batched into
 * one ranged TLBI.  Invariant: no table is freed and no memory is cleaned
 * before the invalidation that covers it has been issued.
 */
#include "stage2.h"

#define S2_UNMAP_RUNS	16

struct s2_clean_run {
	u64 pa, size;
};

/*
 * One ranged invalidation after the walk instead of one per entry, when the
 * home offers ranges.  What must wait for that invalidation waits here:
 * tables unlinked meanwhile (linked through their own, now zero, first
 * word), and the cache cleaning of the memory unmapped, as runs of
 * contiguous output addresses (cleaning before the TLBI would let a vCPU
 * still holding the old translation dirty the memory behind the clean).
 */
struct s2_unmap_data {
	bool batch;
	bool device_only;	/* the host's "drop every device mapping" */
	u64 tlbi_start, tlbi_end;
	pgt_s8 tlbi_level;	/* the level of every leaf cleared, or PGT_NO_LEVEL */
	void *freed;
	struct pgt_memcache *recycle;	/* freed tables go here rather than back home */
	struct s2_clean_run *runs;	/* S2_UNMAP_RUNS of them, left uninitialised */
	u32 nr_runs;
};

static void s2_unmap_note_tlbi(struct s2_unmap_data *d, u64 start, u64 size, pgt_s8 level)
{
	if (d->tlbi_end == d->tlbi_start) {
		d->tlbi_start = start;
		d->tlbi_end = start + size;
		d->tlbi_level = level;
		return;
	}
	if (d->tlbi_level != level)
		d->tlbi_level = PGT_NO_LEVEL;
	if (start < d->tlbi_start)
		d->tlbi_start = start;
	if (start + size > d->tlbi_end)
		d->tlbi_end = start + size;
}

/* Invalidate what was noted, then clean and free what waited for it. */
static void s2_unmap_flush(const struct pgt *pgt, struct s2_unmap_data *d)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;
	void *table;
	u32 i;

	if (d->tlbi_end != d->tlbi_start)
		pgt_tlbi_range(pgt, d->tlbi_start, d->tlbi_end - d->tlbi_start, d->tlbi_level);
	d->tlbi_start = 0;
	d->tlbi_end = 0;
	for (i = 0; i < d->nr_runs; i++)
		pgt_s2_clean(pgt, d->runs[i].pa, d->runs[i].size);
	d->nr_runs = 0;
	while ((table = d->freed)) {
		d->freed = *(void **)table;
		*(void **)table = NULL;
		if (d->recycle)
			pgt_memcache_recycle(d->recycle, table);
		else
			mm->put_page(mm, table);
	}
}

static void s2_unmap_queue_clean(const struct pgt *pgt, struct s2_unmap_data *d, u64 pa,
				 u64 size)
{
	if (d->nr_runs && d->runs[d->nr_runs - 1].pa + d->runs[d->nr_runs - 1].size == pa) {
		d->runs[d->nr_runs - 1].size += size;
		return;
	}
	if (d->nr_runs == S2_UNMAP_RUNS)
		s2_unmap_flush(pgt, d);
	d->runs[d->nr_runs].pa = pa;
	d->runs[d->nr_runs].size = size;
	d->nr_runs++;
}

/* A leaf gone: invalidate and clean now, or note both for the flush. */
static void s2_unmap_gone(const struct pgt *pgt, struct s2_unmap_data *d, pgt_pte_t old,
			  u64 start, u64 size, pgt_s8 level)
{
	u64 pa = pgt_pte_addr(&pgt->geom, old);

	if (!d->batch) {
		pgt_tlbi_va(pgt, start, level, true);
		if (pgt_s2_needs_clean(pgt, old))
			pgt_s2_clean(pgt, pa, size);
		return;
	}
	s2_unmap_note_tlbi(d, start, size, level);
	if (pgt_s2_needs_clean(pgt, old))
		s2_unmap_queue_clean(pgt, d, pa, size);
}

static bool s2_unmap_wanted(const struct pgt *pgt, const struct s2_unmap_data *d,
			    pgt_pte_t pte)
{
	if (!pte)
		return false;
	return !d->device_only ||
	       (pgt_pte_valid(pte) && (pgt_s2_pte_prot(pte, s2_fwb(pgt)) & PGT_PROT_DEVICE));
}

static void s2_unmap_leaf(const struct pgt_visit_ctx *ctx, struct s2_unmap_data *d)
{
	if (!s2_unmap_wanted(ctx->pgt, d, ctx->old))
		return;
	pgt_pte_update(ctx, 0);
	if (pgt_pte_valid(ctx->old))
		s2_unmap_gone(ctx->pgt, d, ctx->old, pgt_ctx_entry_start(ctx),
			      pgt_ctx_entry_size(ctx), ctx->level);
}

/*
 * The page of [start, start + span) nearest the range noted so far.  One
 * address a table translated is enough to reach its walk-cache entries
 * (an invalidation by address that is not last-level-only reaches every
 * level's entries for it), so an unlinked table widens the batched range by
 * at most a page -- not by its span, which would turn a one-page unmap into
 * a range as wide as the table, and a home without ranged TLBI into a
 * flush of everything.
 */
static u64 s2_unmap_nearest_page(const struct pgt *pgt, const struct s2_unmap_data *d,
				 u64 start, u64 span)
{
	u64 last = start + span - pgt_page_size(&pgt->geom);

	if (d->tlbi_end == d->tlbi_start || d->tlbi_start <= start)
		return start;
	return d->tlbi_start < last ? d->tlbi_start : last;
}

/* Unlink an empty table; with batching it waits for the flush to be freed. */
static void s2_unmap_unlink(const struct pgt_visit_ctx *ctx, struct s2_unmap_data *d,
			    void *child)
{
	struct pgt_mm_ops *mm = ctx->mm_ops;
	u64 start = pgt_ctx_entry_start(ctx);

	pgt_pte_update(ctx, 0);
	if (!d->batch) {
		pgt_tlbi_va(ctx->pgt, start, PGT_NO_LEVEL, false);
		mm->put_page(mm, child);
		return;
	}
	s2_unmap_note_tlbi(d, s2_unmap_nearest_page(ctx->pgt, d, start, pgt_ctx_entry_size(ctx)),
			   pgt_page_size(&ctx->pgt->geom), PGT_NO_LEVEL);
	*(void **)child = d->freed;
	d->freed = child;
}

static void s2_unmap_table(const struct pgt_visit_ctx *ctx, struct s2_unmap_data *d)
{
	void *child = pte_table_virt(ctx->pgt, ctx->old);

	if (ctx->mm_ops->page_count(ctx->mm_ops, child) == 1)
		s2_unmap_unlink(ctx, d, child);
}

/*
 * A whole last-level table inside the range goes in one pass: every entry
 * cleared with plain stores (the table is unlinked and invalidated before
 * anyone relies on it), its references dropped at once.
 */
static struct pgt_action s2_unmap_sweep(const struct pgt_visit_ctx *ctx,
					struct s2_unmap_data *d)
{
	const struct pgt *pgt = ctx->pgt;
	pgt_pte_t *table = pte_table_virt(pgt, ctx->old);
	u64 size = pgt_level_size(&pgt->geom, ctx->level + 1);
	u32 i, n = pgt_table_entries(&pgt->geom);
	pgt_pte_t seen = 0;
	bool clean = false;
	int live = 0;

	if (!d->batch || d->device_only || !pgt_ctx_entry_inside(ctx) ||
	    !pgt_s2_table_is_last(pgt, table, ctx->level + 1))
		return pgt_continue();
	/*
	 * The table's whole span is invalidated before any clean queued here
	 * runs, even when the queue overflows mid-sweep: each entry is zero
	 * before its clean is queued, so no TLB can refill it afterwards.
	 */
	s2_unmap_note_tlbi(d, pgt_ctx_entry_start(ctx), pgt_ctx_entry_size(ctx), PGT_NO_LEVEL);
	for (i = 0; i < n; i++) {
		pgt_pte_t old = table[i];

		if (!old)
			continue;
		table[i] = 0;
		live++;
		/* Neighbours share their attributes: decode them once per change. */
		if ((old & S2_ATTR_BITS) != seen) {
			seen = old & S2_ATTR_BITS;
			clean = pgt_s2_needs_clean(pgt, old);
		}
		if (clean)
			s2_unmap_queue_clean(pgt, d, pgt_pte_addr(&pgt->geom, old), size);
	}
	pgt_table_add_refs(pgt, table, -live);
	s2_unmap_unlink(ctx, d, table);
	return pgt_skip();
}

static struct pgt_action s2_unmap_visitor(const struct pgt_visit_ctx *ctx,
					  enum pgt_walk_flags visit)
{
	switch (visit) {
	case PGT_WALK_TABLE_PRE:
		return s2_unmap_sweep(ctx, ctx->arg);
	case PGT_WALK_TABLE_POST:
		s2_unmap_table(ctx, ctx->arg);
		return pgt_continue();
	default:
		s2_unmap_leaf(ctx, ctx->arg);
		return pgt_continue();
	}
}

int pgt_stage2_unmap_filtered(struct pgt *pgt, u64 addr, u64 size, bool device_only,
			      struct pgt_memcache *recycle)
{
	/* Not zeroed: a freestanding compiler would reach for memset. */
	struct s2_clean_run runs[S2_UNMAP_RUNS];
	struct s2_unmap_data d = {
		.batch = pgt->mm_ops->tlbi_range || recycle,
		.device_only = device_only,
		.recycle = recycle,
		.runs = runs,
	};
	struct pgt_walker walker = {
		.cb = s2_unmap_visitor,
		.arg = &d,
		.flags = PGT_WALK_LEAF | PGT_WALK_TABLE_POST |
			 (pgt_s2_may_sweep(pgt, size) ? PGT_WALK_TABLE_PRE : 0),
	};
	int ret = pgt_check_aligned(pgt, addr, size, 0);

	if (!ret)
		ret = pgt_walk(pgt, addr, size, &walker);
	s2_unmap_flush(pgt, &d);
	return ret;
}

int pgt_stage2_unmap(struct pgt *pgt, u64 addr, u64 size)
{
	return pgt_stage2_unmap_filtered(pgt, addr, size, false, NULL);
}
