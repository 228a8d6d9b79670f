// SPDX-License-Identifier: GPL-2.0-only
/*
 * stage2_map.c - stage-2 map and set_owner, and the count of tables they
 * need.  Invariant: an exclusive map or set_owner either completes or
 * changes nothing -- conflicts and the pages needed are found by a read-only
 * counting walk before the first store.
 */
#include "stage2.h"

/* Does every root entry the range meets take one whole leaf, so that no table is needed? */
static bool s2_root_leaves(const struct pgt *pgt, const struct s2_shape *sh, u64 ipa, u64 size)
{
	pgt_s8 root = pgt->geom.start_level;
	u64 delta = sh->any_output ? 0 : sh->delta;

	return pgt_level_has_leaves(&pgt->geom, root) && !sh->pages_only &&
	       PGT_IS_ALIGNED(ipa | size | delta, pgt_level_size(&pgt->geom, root));
}

/*
 * The worst case, without recursion for the commonest cases: one page
 * (a table per level below the root), and whole root blocks (none).
 */
static u64 s2_worst_tables(const struct pgt *pgt, const struct s2_shape *sh, u64 ipa, u64 size)
{
	if (size == pgt_page_size(&pgt->geom))
		return PGT_MAX_LEVEL - pgt->geom.start_level;
	if (s2_root_leaves(pgt, sh, ipa, size))
		return 0;
	return pgt_s2_span_tables(sh, pgt->geom.start_level, ipa, ipa + size);
}

u64 pgt_stage2_tables_needed(const struct pgt *pgt, u64 addr, u64 size, u64 phys)
{
	struct s2_shape sh = pgt_s2_map_shape(pgt, addr, phys, false);

	if (!size)
		return 0;
	return s2_worst_tables(pgt, &sh, addr, size);
}

static __always_inline u64 s2_map_pa(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	return d->pa + (ctx->addr - d->ipa);
}

/* Does the walk's part of this entry take a single leaf here? */
static __always_inline
bool s2_leaf_fits(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	u64 start = pgt_ctx_entry_start(ctx);

	/* A page fits any page the walk covers: every map is page-aligned. */
	if (ctx->level == PGT_MAX_LEVEL)
		return pgt_ctx_entry_inside(ctx);
	return pgt_ctx_entry_inside(ctx) &&
	       pgt_s2_shape_fits(&d->shape, ctx->level, start, start + pgt_ctx_entry_size(ctx));
}

/*
 * A leaf differs from another of the same walk only by its output address
 * and its type bits: the rest is computed once per walk, unless the walk
 * came with it (a map's, from its prot's check: never zero, AF is in it).
 */
static void s2_leaf_attrs(const struct pgt *pgt, struct s2_map_data *d)
{
	if (!d->leaf_attrs)
		d->leaf_attrs = pgt_s2_leaf_attrs(&pgt->geom, d->prot, s2_fwb(pgt));
}

/*
 * A map's output addresses are aligned to the granule, so one below 2^48
 * is its own descriptor bits in every format: only a larger one is packed.
 */
static __always_inline u64 s2_leaf_oa(const struct pgt *pgt, u64 pa)
{
	return pa >> 48 ? pgt_oa_pack(&pgt->geom, pa) : pa;
}

static __always_inline
pgt_pte_t s2_leaf_at(const struct pgt *pgt, const struct s2_map_data *d, u64 pa, pgt_s8 level)
{
	return d->leaf_attrs | s2_leaf_oa(pgt, pa) | pte_leaf_type(level);
}

static __always_inline
pgt_pte_t s2_new_entry(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	if (d->annotate)
		return d->owner_pte;
	return s2_leaf_at(ctx->pgt, d, s2_map_pa(ctx, d), ctx->level);
}

/*
 * Does the entry in ctx->old already say, for all of the walk's part of it,
 * what the operation would write: the same translation, or the same owner
 * (no owner included)?
 */
static __always_inline
bool s2_leaf_covers(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	u64 pa = s2_map_pa(ctx, d) - (ctx->addr - pgt_ctx_entry_start(ctx));

	if (d->annotate)
		return ctx->old == d->owner_pte;
	return pgt_pte_valid(ctx->old) && ctx->old == s2_leaf_at(ctx->pgt, d, pa, ctx->level);
}

/* The count of tables one entry needs before its part of the range is mapped. */
static u64 s2_entry_tables(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	u64 start = pgt_ctx_entry_start(ctx), end = start + pgt_ctx_entry_size(ctx);

	if (s2_leaf_fits(ctx, d) || s2_leaf_covers(ctx, d))
		return 0;
	return pgt_s2_entry_tables(&d->shape, ctx->level, ctx->addr,
				   end < ctx->end ? end : ctx->end);
}

/* Read-only: find conflicts and count tables before anything changes. */
static struct pgt_action s2_count_visitor(const struct pgt_visit_ctx *ctx,
					  enum pgt_walk_flags visit)
{
	struct s2_map_data *d = ctx->arg;

	(void)visit;
	if (!d->annotate && pgt_s2_pte_owner(ctx->old))
		return pgt_exit(-EPERM);
	d->tables += s2_entry_tables(ctx, d);
	return pgt_continue();
}

/* Clean (and for code, invalidate) what a new leaf maps, unless told not to. */
static __always_inline
void s2_map_cmo(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d, u64 pa,
		u64 size)
{
	struct pgt_mm_ops *mm = ctx->mm_ops;

	if (d->annotate || (ctx->flags & PGT_WALK_SKIP_CMO))
		return;
	if (!(d->prot & PGT_PROT_UNCACHED) && !s2_fwb(ctx->pgt) && mm->dcache_clean_inval_poc)
		mm->dcache_clean_inval_poc(mm, pa, size);
	if ((d->prot & PGT_PROT_X) && mm->icache_inval_pou)
		mm->icache_inval_pou(mm, pa, size);
}

/*
 * A copy of @ctx for a cold call, field by field and without the walk's
 * data, which no cold path reads: what the compiler sees taken apart it
 * can keep in registers, the visit's own context and the map's data.
 */
static __always_inline struct pgt_visit_ctx s2_cold_ctx(const struct pgt_visit_ctx *ctx)
{
	return (struct pgt_visit_ctx){
		.pgt = ctx->pgt, .ptep = ctx->ptep, .old = ctx->old, .addr = ctx->addr,
		.end = ctx->end, .level = ctx->level, .flags = ctx->flags,
		.mm_ops = ctx->mm_ops,
	};
}

/* Break-before-make, out of line: a fault seldom replaces a live entry. */
static noinline struct pgt_action s2_break_make(const struct pgt_visit_ctx *ctx, pgt_pte_t new)
{
	if (!pgt_break(ctx))
		return pgt_retry();
	pgt_pte_make(ctx, new);
	return pgt_continue();
}

/*
 * Replace ctx->old by @new, with break-before-make when the old one was live.
 * The cold call takes a copy of the context: the one-entry walk's own is
 * then never address-taken, and stays in registers.
 */
static __always_inline
struct pgt_action s2_replace(const struct pgt_visit_ctx *ctx, pgt_pte_t new)
{
	struct pgt_visit_ctx live;

	if (!pgt_pte_valid(ctx->old))
		return pgt_pte_replace(ctx, new) ? pgt_continue() : pgt_retry();
	live = s2_cold_ctx(ctx);
	return s2_break_make(&live, new);
}

/* A fault handler that finds its work done, or only permissions to add, backs off. */
static __always_inline bool s2_fault_backs_off(const struct pgt_visit_ctx *ctx, pgt_pte_t new)
{
	pgt_pte_t perms = PGT_GENMASK(7, 6) | PGT_GENMASK(54, 53);

	return ctx_shared(ctx) && pgt_pte_valid(ctx->old) && !((ctx->old ^ new) & ~perms);
}

/* The leaf (or annotation) of the @size bytes at ctx->addr, an entry's whole. */
static __always_inline
struct pgt_action s2_map_install(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d,
				 u64 size)
{
	pgt_pte_t new = s2_new_entry(ctx, d);

	if (!d->annotate && s2_fault_backs_off(ctx, new))
		return pgt_exit(-EAGAIN);
	if (ctx->old == new)
		return pgt_continue();
	s2_map_cmo(ctx, d, s2_map_pa(ctx, d), size);
	return s2_replace(ctx, new);
}

/*
 * A new table for the walk to descend into: empty, or equivalent to ctx->old;
 * *desc links it.
 */
static pgt_pte_t *s2_new_table(const struct pgt_visit_ctx *ctx, struct pgt_memcache *mc,
			       pgt_pte_t *desc)
{
	pgt_pte_t *table = pgt_table_pop(ctx->pgt, mc, desc);
	u32 i, n = pgt_table_entries(&ctx->pgt->geom);

	if (!table)
		return NULL;
	if (pgt_pte_valid(ctx->old)) {
		pgt_fill_split(ctx->pgt, table, ctx->old, ctx->level);
	} else if (ctx->old) {
		/* An annotation covers every part of the entry. */
		for (i = 0; i < n; i++)
			table[i] = ctx->old;
		pgt_table_add_refs(ctx->pgt, table, n);
	}
	return table;
}

/*
 * Does the walk check its cache's pages here?  A one-page walk adds its
 * tables at @level and below, one per level, and has changed nothing yet:
 * the pages it will pop are checked at the first.  Its last table alone
 * needs no look ahead: pgt_table_pop() refuses a page beyond the output
 * size before anything changes.
 */
static __always_inline bool s2_looks_ahead(pgt_s8 level, bool reach_unchecked)
{
	return reach_unchecked && PGT_MAX_LEVEL - level > 1;
}

/*
 * An empty entry's new table, with no look ahead to make: the commonest
 * descent, a fault's.  Given scalars, its caller builds no context for the
 * call; the one built here for the entry's store stays in registers.
 * @linear: the home is known to map linearly, and nothing is kept across
 * a call but for the parent's reference.
 */
static __always_inline
struct pgt_action s2_link_empty(struct pgt *pgt, pgt_pte_t *ptep, pgt_s8 level, bool shared,
				struct pgt_memcache *mc, bool linear)
{
	struct pgt_visit_ctx ctx = {
		.pgt = pgt, .ptep = ptep, .level = level, .mm_ops = pgt->mm_ops,
		.flags = shared ? PGT_WALK_SHARED : 0,
	};
	pgt_pte_t *table, desc;

	table = linear ? pgt_table_pop_linear(pgt, mc, &desc) : pgt_table_pop(pgt, mc, &desc);
	if (!table)
		return pgt_exit(-ENOMEM);
	pgt_dsb_ishst();
	if (pgt_pte_replace(&ctx, desc))
		return pgt_continue();
	/* A racing walker won; only shared walks race, and their table is still empty. */
	pgt_memcache_recycle(mc, table);
	return pgt_retry();
}

static noinline
struct pgt_action s2_descend_empty_any(struct pgt *pgt, pgt_pte_t *ptep, pgt_s8 level,
				       bool shared, struct pgt_memcache *mc)
{
	return s2_link_empty(pgt, ptep, level, shared, mc, false);
}

/* s2_link_empty(), out of line: a home without a linear map converts apart. */
static noinline
struct pgt_action s2_descend_empty(struct pgt *pgt, pgt_pte_t *ptep, pgt_s8 level, bool shared,
				   struct pgt_memcache *mc)
{
	if (!pgt->mm_ops->linear)
		return s2_descend_empty_any(pgt, ptep, level, shared, mc);
	return s2_link_empty(pgt, ptep, level, shared, mc, true);
}

/* Out of line: most faults find their tables, and the fast path stays short. */
static noinline
struct pgt_action s2_map_descend(const struct pgt_visit_ctx *ctx, struct pgt_memcache *mc,
				 bool reach_unchecked)
{
	pgt_pte_t *table;
	pgt_pte_t new;

	/* A fault does not split a block another vCPU just mapped: it refaults. */
	if (ctx_shared(ctx) && pgt_pte_valid(ctx->old))
		return pgt_exit(-EAGAIN);
	if (s2_looks_ahead(ctx->level, reach_unchecked) &&
	    pgt_cache_reachable(ctx->pgt, mc, PGT_MAX_LEVEL - ctx->level))
		return pgt_exit(-ENOMEM);
	/* Exclusive walks checked their cache first; a shared one finds out here. */
	table = s2_new_table(ctx, mc, &new);
	if (!table)
		return pgt_exit(-ENOMEM);
	pgt_dsb_ishst();
	if (pgt_pte_valid(ctx->old))
		return s2_replace(ctx, new);
	if (pgt_pte_replace(ctx, new))
		return pgt_continue();
	/* A racing walker won; only shared walks race, and they only add empty tables. */
	pgt_memcache_recycle(mc, table);
	return pgt_retry();
}

/*
 * s2_map_descend() on a copy, as s2_replace() breaks, and given only what
 * it needs of the map's data.  Its check of the cache's pages is made once
 * a walk, at its first new table, whatever it finds.
 */
static __always_inline
struct pgt_action s2_map_descend_copy(const struct pgt_visit_ctx *ctx, struct s2_map_data *d)
{
	struct pgt_visit_ctx c;
	bool unchecked = d->reach_unchecked;

	d->reach_unchecked = false;
	/* A walk's first of several new tables, seldom met, goes the general way. */
	if (!ctx->old && !s2_looks_ahead(ctx->level, unchecked))
		return s2_descend_empty(ctx->pgt, ctx->ptep, ctx->level, ctx_shared(ctx), d->mc);
	c = s2_cold_ctx(ctx);
	return s2_map_descend(&c, d->mc, unchecked);
}

/* Does every child of this empty entry take one leaf of the next level? */
static bool s2_children_fit(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	u64 start = pgt_ctx_entry_start(ctx);
	pgt_s8 child = ctx->level + 1;

	return !ctx->old && pgt_ctx_entry_inside(ctx) &&
	       pgt_s2_shape_fits(&d->shape, child, start,
				 start + pgt_level_size(&ctx->pgt->geom, child));
}

/*
 * Build the table full before linking it: one pass of stores, one bulk
 * reference change and one cache maintenance call for the whole span,
 * instead of a visit, a reference and a call per leaf.
 */
static struct pgt_action s2_map_fill(const struct pgt_visit_ctx *ctx, struct s2_map_data *d)
{
	const struct pgt *pgt = ctx->pgt;
	struct pgt_mm_ops *mm = ctx->mm_ops;
	pgt_s8 child = ctx->level + 1;
	u64 step = pgt_level_size(&pgt->geom, child), pa = s2_map_pa(ctx, d);
	pgt_pte_t desc, first = d->owner_pte, *table = pgt_table_pop(pgt, d->mc, &desc);
	u32 i, n = pgt_table_entries(&pgt->geom);

	if (!table)
		return pgt_exit(-ENOMEM);
	if (d->annotate) {
		for (i = 0; i < n; i++)
			table[i] = first;
	} else {
		first = s2_leaf_at(pgt, d, pa, child);
		pgt_fill_leaves(&pgt->geom, table, first, step, n);
	}
	pgt_table_add_refs(pgt, table, n);
	s2_map_cmo(ctx, d, pa, pgt_ctx_entry_size(ctx));
	pgt_dsb_ishst();
	if (pgt_pte_replace(ctx, desc))
		return pgt_skip();
	pgt_unlinked_free(mm, table, child, pgt->geom.granule_shift);
	return pgt_retry();
}

/*
 * How many entries from ctx->ptep on, in its table, take one whole leaf
 * each and are empty: the range's whole entries left there, up to the
 * first that holds anything.  The first is empty and takes one.
 */
static u32 s2_run_length(const struct pgt_visit_ctx *ctx)
{
	const struct pgt_geometry *geom = &ctx->pgt->geom;
	u32 shift = pgt_level_shift(geom, ctx->level);
	u32 entries = ctx->level == geom->start_level ? geom->root_entries :
							pgt_table_entries(geom);
	u64 left = entries - ((ctx->addr >> shift) & (entries - 1));
	u64 whole = (ctx->end - ctx->addr) >> shift;
	u32 n = 1, max = left < whole ? left : whole;

	while (n < max && !pgt_read_once(&ctx->ptep[n]))
		n++;
	return n;
}

/*
 * The run's @n entries from ctx->ptep, the first's output at @pa: each leaf
 * is the one before plus its size while every output stays below 2^48 (see
 * s2_leaf_oa()); an annotation is the same in all.
 */
static __always_inline void s2_run_store(const struct pgt_visit_ctx *ctx,
					 const struct s2_map_data *d, u64 pa, u32 n)
{
	u64 size = pgt_ctx_entry_size(ctx);
	pgt_pte_t pte = s2_new_entry(ctx, d), step = d->annotate ? 0 : size;
	bool pack = !d->annotate && (pa + n * size - 1) >> 48;
	u32 i;

	for (i = 0; i < n; i++, pa += size, pte += step)
		pgt_write_once(&ctx->ptep[i], pack ? s2_leaf_at(ctx->pgt, d, pa, ctx->level) : pte);
}

/*
 * An exclusive map's empty entries that each take a whole leaf, from this
 * one on: one clean of the run's output and one reference change for all
 * of them, then their stores, and the walker moves past them.  The clean
 * comes first, as for every leaf: a vCPU may use an entry once it is stored.
 * A shared walk visits each entry, since another walker may fill any of them.
 */
static noinline struct pgt_action s2_map_run(const struct pgt_visit_ctx *ctx,
					     const struct s2_map_data *d)
{
	const struct pgt *pgt = ctx->pgt;
	u64 size = pgt_ctx_entry_size(ctx), pa = s2_map_pa(ctx, d);
	u32 n = s2_run_length(ctx);

	s2_map_cmo(ctx, d, pa, n * size);
	if (pte_counted(pgt, ctx->level))
		pgt_table_add_refs(pgt, pte_table_page(pgt, ctx->ptep), n);
	s2_run_store(ctx, d, pa, n);
	return pgt_skip_entries(n);
}

/* Does an empty entry start a run of new entries (above)? */
static __always_inline
bool s2_starts_run(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	return !ctx_shared(ctx) && !ctx->old && (!d->annotate || d->owner_pte);
}

/*
 * A map's leaf visit.  @page: the walk maps one page, and writes a leaf
 * (no annotation): only a last-level entry takes it, and no table below
 * fills whole, so neither the shape nor the walk's range is asked.
 */
static __always_inline
struct pgt_action s2_map_leaf_of(const struct pgt_visit_ctx *ctx, struct s2_map_data *d,
				 bool page)
{
	bool annotate = !page && d->annotate;

	/* Only a non-zero invalid entry can carry an owner: the empty one is quick. */
	if (ctx->old && !annotate && pgt_s2_pte_owner(ctx->old))
		return pgt_exit(-EPERM);
	if (page && ctx->level == PGT_MAX_LEVEL)
		return s2_map_install(ctx, d, pgt_page_size(&ctx->pgt->geom));
	if (!page && s2_leaf_fits(ctx, d))
		return s2_starts_run(ctx, d) ? s2_map_run(ctx, d) :
					       s2_map_install(ctx, d, pgt_ctx_entry_size(ctx));
	if (s2_leaf_covers(ctx, d))
		return ctx_shared(ctx) ? pgt_exit(-EAGAIN) : pgt_continue();
	if (!page && s2_children_fit(ctx, d))
		return s2_map_fill(ctx, d);
	return s2_map_descend_copy(ctx, d);
}

static struct pgt_action s2_map_leaf(const struct pgt_visit_ctx *ctx, struct s2_map_data *d)
{
	return s2_map_leaf_of(ctx, d, false);
}

/*
 * A leaf that covers a whole table replaces it.  Exclusive walks found any
 * annotation below in their counting walk; a shared walk looks now, because
 * collapsing must not wipe one.  The old subtree may still be in use by
 * other shared walkers, so it is freed through free_unlinked_table.
 */
static struct pgt_action s2_map_collapse(const struct pgt_visit_ctx *ctx,
					 const struct s2_map_data *d)
{
	pgt_pte_t new;

	if (!s2_leaf_fits(ctx, d))
		return pgt_continue();
	if (ctx_shared(ctx) && !d->annotate && pgt_s2_subtree_owned(ctx->pgt, ctx->old, ctx->level))
		return pgt_exit(-EPERM);
	new = s2_new_entry(ctx, d);
	s2_map_cmo(ctx, d, s2_map_pa(ctx, d), pgt_ctx_entry_size(ctx));
	if (!pgt_break(ctx))
		return pgt_retry();
	pgt_pte_make(ctx, new);
	pgt_s2_free_subtree(ctx, ctx->old);
	return pgt_continue();
}

static struct pgt_action s2_map_visitor(const struct pgt_visit_ctx *ctx,
					enum pgt_walk_flags visit)
{
	struct s2_map_data *d = ctx->arg;

	switch (visit) {
	case PGT_WALK_TABLE_PRE:
		return s2_map_collapse(ctx, d);
	case PGT_WALK_TABLE_POST:
		/* set_owner(0) can leave a table with nothing in it. */
		pgt_free_empty_table(ctx);
		return pgt_continue();
	default:
		return s2_map_leaf(ctx, d);
	}
}

/* One page's walk: its entries are never tables to visit, only leaves (above). */
static __always_inline
struct pgt_action s2_map_page_visitor(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	(void)visit;
	return s2_map_leaf_of(ctx, ctx->arg, true);
}

/* A cache of another granule's pages would become tables of the wrong size. */
static int s2_cache_check(const struct pgt *pgt, const struct pgt_memcache *mc)
{
	if (mc && mc->nr && mc->page_size != pgt_page_size(&pgt->geom))
		return -EINVAL;
	return 0;
}

/*
 * Make @mc (or, without one, @local) hold @tables pages: the caller's cache
 * must already, the operation's own is filled from the home.
 */
static int s2_reserve_pages(struct pgt *pgt, struct pgt_memcache **mc,
			    struct pgt_memcache *local, u64 tables)
{
	int ret = s2_cache_check(pgt, *mc);

	if (ret || *mc)
		return ret ? ret : ((*mc)->nr < tables ? -ENOMEM : 0);
	*mc = local;
	return pgt_memcache_topup(local, pgt->mm_ops, pgt_page_size(&pgt->geom), tables);
}

static int s2_reserve(struct pgt *pgt, struct s2_map_data *d, struct pgt_memcache *local)
{
	return s2_reserve_pages(pgt, &d->mc, local, d->tables);
}

/*
 * An exclusive operation must not fail half-way: every page it may link is
 * checked against the output address size before anything changes.
 */
int pgt_s2_reserve_exclusive(struct pgt *pgt, struct pgt_memcache **mc,
			     struct pgt_memcache *local, u64 tables)
{
	int ret = s2_reserve_pages(pgt, mc, local, tables);

	return ret ? ret : pgt_cache_reachable(pgt, *mc, tables);
}

/* Every caller checked the range: map and set_owner up front, split by construction. */
static __always_inline
int s2_map_walk(struct pgt *pgt, struct s2_map_data *d, u64 size, u32 flags)
{
	struct pgt_walker walker = { .cb = s2_map_visitor, .arg = d, .flags = flags };

	s2_leaf_attrs(pgt, d);
	return pgt_walk_checked(pgt, d->ipa, size, &walker);
}

int pgt_s2_map_walk(struct pgt *pgt, struct s2_map_data *d, u64 size, u32 flags)
{
	return s2_map_walk(pgt, d, size, flags);
}

/*
 * The rest of s2_map_prepared(): the operation's own cache when the caller
 * gave none, and the counting walk.
 */
static noinline
int s2_map_reserved(struct pgt *pgt, struct s2_map_data *d, u64 size, u32 flags,
		    u32 walk, u64 worst)
{
	struct pgt_memcache local = { 0 };
	struct pgt_walker count = { .cb = s2_count_visitor, .arg = d, .flags = PGT_WALK_LEAF };
	int ret;

	if (flags & PGT_WALK_SHARED) {
		d->tables = worst;
		ret = s2_reserve(pgt, d, &local);
		if (!ret)
			ret = pgt_s2_map_walk(pgt, d, size, walk | PGT_WALK_SHARED);
	} else {
		s2_leaf_attrs(pgt, d);
		ret = pgt_walk_range(pgt, d->ipa, size, &count);
		if (!ret)
			ret = pgt_s2_reserve_exclusive(pgt, &d->mc, &local, d->tables);
		if (!ret)
			ret = pgt_s2_map_walk(pgt, d, size,
					      walk | (d->annotate ? PGT_WALK_TABLE_POST : 0));
	}
	pgt_memcache_free(&local, pgt->mm_ops);
	return ret;
}

/*
 * Exclusive walks count first, so that running dry or hitting an owner's
 * entry is found before anything changes -- unless no owner was ever
 * written and the cache holds the worst case already (a worst case of no
 * table, a range of whole blocks, needs no cache at all).  A shared walk (a
 * fault) cannot count against a tree that moves under it: it needs the
 * worst case cached.  The commonest cases, a fault with its cache, walk at
 * once.
 */
static __always_inline
int s2_map_prepared(struct pgt *pgt, struct s2_map_data *d, u64 size, u32 flags)
{
	u64 worst = s2_worst_tables(pgt, &d->shape, d->ipa, size);
	u32 walk = PGT_WALK_LEAF | (flags & PGT_WALK_SKIP_CMO);
	int ret = s2_cache_check(pgt, d->mc);

	if (ret)
		return ret;
	/* Only a range as large as a table's span can collapse one. */
	if (pgt_s2_may_sweep(pgt, size))
		walk |= PGT_WALK_TABLE_PRE;
	if (!(flags & PGT_WALK_SHARED) && !pgt->owners && !d->annotate &&
	    (!worst || (d->mc && d->mc->nr >= worst))) {
		/* Most faults take no table: theirs are checked if they do. */
		d->reach_unchecked = size == pgt_page_size(&pgt->geom);
		ret = d->reach_unchecked || !worst ? 0 : pgt_cache_reachable(pgt, d->mc, worst);
		return ret ? ret : s2_map_walk(pgt, d, size, walk);
	}
	if ((flags & PGT_WALK_SHARED) && d->mc) {
		d->tables = worst;
		ret = d->mc->nr < worst ? -ENOMEM : 0;
		return ret ? ret : s2_map_walk(pgt, d, size, walk | PGT_WALK_SHARED);
	}
	return s2_map_reserved(pgt, d, size, flags, walk, worst);
}

/*
 * The leaf attributes of @prot, checked: a hypervisor maps with one or two
 * prots, and the one this tree checked last needs neither its check (the
 * tree's rules never change) nor its attributes computed again.  Only an
 * exclusive map replaces the memo (see pgt_s2_memo_of()).
 */
static __always_inline int s2_prot_attrs(struct pgt *pgt, u32 prot, u32 flags,
					 pgt_pte_t *attrs)
{
	u64 memo = pgt_read_once(&pgt->s2_leaf_memo);

	if (!memo || (memo & S2_MEMO_PROT_MASK) != (u64)prot << S2_MEMO_PROT_SHIFT)
		memo = flags & PGT_WALK_SHARED ? pgt_s2_memo_of(pgt, prot) :
						 pgt_s2_memo_fill(pgt, prot);
	*attrs = memo & ~S2_MEMO_PROT_MASK;
	return memo ? 0 : -EINVAL;
}

/* The walk flags a map's caller may pass. */
#define S2_MAP_FLAGS	(PGT_WALK_SHARED | PGT_WALK_SKIP_CMO)

static __always_inline
int s2_map_check(struct pgt *pgt, u64 addr, u64 size, u64 phys, u32 flags)
{
	if (flags & ~S2_MAP_FLAGS)
		return -EINVAL;
	return pgt_check_map(pgt, addr, size, phys);
}

/*
 * s2_map_check() of one page, in fewer tests: an aligned page that starts
 * below a range's end ends there too, and cannot wrap.  Where it fails, the
 * full check runs and returns its code.
 */
static __always_inline
bool s2_page_args_ok(const struct pgt *pgt, u64 addr, u64 phys, u32 flags, u64 page)
{
	/* One test of all four: a fault's arguments are almost always right. */
	return !((flags & ~S2_MAP_FLAGS) | ((addr | phys) & (page - 1)) |
		 (addr >> pgt->geom.ia_bits) | (phys >> pgt->pa_bits));
}

/* Every map but a fault's fast one below: counts, reserves, sweeps as it must. */
static noinline
int s2_map_any(struct pgt *pgt, u64 addr, u64 size, u64 phys, u32 prot,
	       struct pgt_memcache *mc, u32 flags, pgt_pte_t attrs)
{
	struct s2_map_data d = {
		.ipa = addr,
		.pa = phys,
		.prot = prot,
		.leaf_attrs = attrs,
		.shape = pgt_s2_map_shape(pgt, addr, phys, false),
		.mc = mc,
	};

	return s2_map_prepared(pgt, &d, size, flags);
}

/*
 * A fault: one page, its cache holding the worst case of a table per level
 * below the root, and no owner ever written (exclusive) or nothing to count
 * (shared) -- s2_map_prepared()'s commonest cases, decided once.  One page
 * lies inside one entry at every level, and only a last-level entry takes
 * its leaf: the walk descends without range tests, the visitor asks no shape.
 */
static __always_inline
int s2_map_page(struct pgt *pgt, u64 addr, u64 phys, u32 prot, struct pgt_memcache *mc,
		u32 flags, u64 page, pgt_pte_t attrs)
{
	struct s2_map_data d = {
		.ipa = addr, .pa = phys, .prot = prot, .mc = mc, .leaf_attrs = attrs,
	};
	struct pgt_walker walker = {
		.cb = s2_map_page_visitor, .arg = &d,
		.flags = PGT_WALK_LEAF | (flags & S2_MAP_FLAGS),
	};

	/* Exclusive: the pages of the tables it adds are checked at the first. */
	d.reach_unchecked = !(flags & PGT_WALK_SHARED);
	return pgt_walk_in_page(pgt, addr, page, &walker);
}

int pgt_stage2_map(struct pgt *pgt, u64 addr, u64 size, u64 phys, u32 prot,
		   struct pgt_memcache *mc, u32 flags)
{
	u64 page = pgt_page_size(&pgt->geom);
	pgt_pte_t attrs;
	int ret = s2_prot_attrs(pgt, prot, flags, &attrs);

	if (!ret && !(size == page && s2_page_args_ok(pgt, addr, phys, flags, page)))
		ret = s2_map_check(pgt, addr, size, phys, flags);
	if (ret || !size)
		return ret;
	if (size == page && mc && mc->nr >= (u64)(PGT_MAX_LEVEL - pgt->geom.start_level) &&
	    mc->page_size == page && ((flags & PGT_WALK_SHARED) || !pgt->owners))
		return s2_map_page(pgt, addr, phys, prot, mc, flags, page, attrs);
	return s2_map_any(pgt, addr, size, phys, prot, mc, flags, attrs);
}

int pgt_stage2_set_owner(struct pgt *pgt, u64 addr, u64 size, u32 owner,
			 struct pgt_memcache *mc)
{
	struct s2_map_data d = {
		.ipa = addr,
		.annotate = true,
		.owner_pte = pgt_s2_owner_pte(owner),
		.shape = pgt_s2_map_shape(pgt, addr, addr, true),
		.mc = mc,
	};
	int ret = owner > PGT_S2_OWNER_MAX ? -EINVAL : pgt_check_aligned(pgt, addr, size, 0);

	if (!ret)
		ret = pgt_check_range(pgt, addr, size);
	if (ret || !size)
		return ret;
	if (owner)
		pgt->owners = true;
	return s2_map_prepared(pgt, &d, size, 0);
}
