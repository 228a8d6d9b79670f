// SPDX-License-Identifier: GPL-2.0-only
/*
 * stage2.c - guest (and pKVM host) stage-2 translation tables.
 */
#include "internal.h"

/* ---- init and destroy ---- */

/* What pgt_stage2_init() (and the VM layer, for every MMU) accepts. */
int pgt_stage2_config_check(const struct pgt_config *cfg)
{
	u32 known = PGT_S2_FWB | PGT_S2_FORCE_PAGES | PGT_S2_VMID16 | PGT_CFG_LPA | PGT_S2_XNX;

	if (cfg->flags & ~known || pgt_pa_range_encode(cfg->pa_bits) < 0)
		return -EINVAL;
	/* 52-bit outputs need the CPU's FEAT_LPA (64K) or FEAT_LPA2 (4K, 16K). */
	if (cfg->pa_bits > 48 && !(cfg->flags & PGT_CFG_LPA))
		return -EINVAL;
	/* An IPA wider than the PA range is a stage-2 misconfiguration. */
	if (cfg->ia_bits > cfg->pa_bits)
		return -EINVAL;
	return 0;
}

int pgt_stage2_init(struct pgt *pgt, const struct pgt_config *cfg, struct pgt_mm_ops *mm_ops,
		    void *tlb_cookie)
{
	int ret = pgt_stage2_config_check(cfg);

	*pgt = (struct pgt){
		.stage = PGT_STAGE_2,
		.pa_bits = cfg->pa_bits,
		.flags = cfg->flags,
		.mm_ops = mm_ops,
		.tlb_cookie = tlb_cookie,
	};
	if (!ret)
		ret = pgt_geometry_cfg(&pgt->geom, PGT_STAGE_2, cfg);
	if (ret)
		return ret;
	pgt->ctrl = pgt_vtcr(&pgt->geom, cfg->pa_bits, cfg->flags & PGT_S2_VMID16);
	return pgt_root_alloc(pgt);
}

void pgt_stage2_destroy(struct pgt *pgt)
{
	pgt_root_free(pgt);
}

/* Free a whole subtree below each root entry, and empty the entry. */
static struct pgt_action s2_destroy_visitor(const struct pgt_visit_ctx *ctx,
					    enum pgt_walk_flags visit)
{
	pgt_free_visitor(ctx, visit);
	if (ctx->level == ctx->pgt->geom.start_level)
		pgt_write_once(ctx->ptep, 0);
	return pgt_continue();
}

int pgt_stage2_destroy_range(struct pgt *pgt, u64 addr, u64 size)
{
	u64 root_entry = pgt_level_size(&pgt->geom, pgt->geom.start_level);
	struct pgt_walker walker = {
		.cb = s2_destroy_visitor,
		.flags = PGT_WALK_LEAF | PGT_WALK_TABLE_POST,
	};
	int ret = pgt_check_range(pgt, addr, size);

	if (!ret && !PGT_IS_ALIGNED(addr | size, root_entry))
		ret = -EINVAL;
	return ret ? ret : pgt_walk(pgt, addr, size, &walker);
}

/*
 * Only a range as large as a last-level table's span can cover a whole table:
 * smaller ones need no TABLE_PRE visits (no collapse, no sweep).
 */
static bool s2_may_sweep(const struct pgt *pgt, u64 size)
{
	return size >= pgt_level_size(&pgt->geom, PGT_MAX_LEVEL - 1);
}

/* ---- counting the tables a map needs ---- */

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

static bool shape_fits(const struct s2_shape *sh, pgt_s8 level, u64 start, u64 end)
{
	u64 size = pgt_level_size(sh->geom, level);

	if (!pgt_level_has_leaves(sh->geom, level) || (sh->pages_only && level < PGT_MAX_LEVEL))
		return false;
	return PGT_IS_ALIGNED(start, size) && end - start == size &&
	       (sh->any_output || PGT_IS_ALIGNED(sh->delta, size));
}

static u64 span_tables(const struct s2_shape *sh, pgt_s8 level, u64 start, u64 end);

/* Tables needed to map [start, end), which lies inside one empty entry at @level. */
static u64 entry_tables(const struct s2_shape *sh, pgt_s8 level, u64 start, u64 end)
{
	if (shape_fits(sh, level, start, end) || level == PGT_MAX_LEVEL)
		return 0;
	return 1 + span_tables(sh, level + 1, start, end);
}

/*
 * Tables needed below the entries at @level that [start, end) meets.  Only
 * the first and last entries can be partial; the full ones in between all
 * need the same, so they are counted once and multiplied.
 */
static u64 span_tables(const struct s2_shape *sh, pgt_s8 level, u64 start, u64 end)
{
	u64 size = pgt_level_size(sh->geom, level);
	u64 first_end = PGT_ALIGN_DOWN(start, size) + size;
	u64 last_start = PGT_ALIGN_DOWN(end - 1, size);
	u64 tables;

	if (first_end >= end)
		return entry_tables(sh, level, start, end);
	tables = entry_tables(sh, level, start, first_end);
	if (last_start > first_end)
		tables += (last_start - first_end) / size *
			  entry_tables(sh, level, first_end, first_end + size);
	return tables + entry_tables(sh, level, last_start, end);
}

/* The worst case, without recursion for the commonest case: one page. */
static u64 s2_worst_tables(const struct pgt *pgt, const struct s2_shape *sh, u64 ipa, u64 size)
{
	if (size == pgt_page_size(&pgt->geom))
		return PGT_MAX_LEVEL - pgt->geom.start_level;
	return span_tables(sh, pgt->geom.start_level, ipa, ipa + size);
}

static struct s2_shape s2_map_shape(const struct pgt *pgt, u64 ipa, u64 pa, bool annotate)
{
	return (struct s2_shape){
		.geom = &pgt->geom,
		.delta = pa - ipa,
		.any_output = annotate,
		.pages_only = pgt->flags & PGT_S2_FORCE_PAGES,
	};
}

u64 pgt_stage2_tables_needed(const struct pgt *pgt, u64 addr, u64 size, u64 phys)
{
	struct s2_shape sh = s2_map_shape(pgt, addr, phys, false);

	if (!size)
		return 0;
	return s2_worst_tables(pgt, &sh, addr, size);
}

/* ---- map and set_owner ---- */

struct s2_map_data {
	u64 ipa;
	u64 pa;
	u32 prot;
	bool annotate;		/* set_owner: write owner_pte, not leaves */
	pgt_pte_t owner_pte;
	struct s2_shape shape;
	struct pgt_memcache *mc;
	u64 tables;		/* the counting walk's result */
};

static bool s2_fwb(const struct pgt *pgt)
{
	return pgt->flags & PGT_S2_FWB;
}

static bool ctx_shared(const struct pgt_visit_ctx *ctx)
{
	return ctx->flags & PGT_WALK_SHARED;
}

static u64 s2_map_pa(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	return d->pa + (ctx->addr - d->ipa);
}

/* Does the walk's part of this entry take a single leaf here? */
static bool s2_leaf_fits(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	u64 start = pgt_ctx_entry_start(ctx);

	return pgt_ctx_entry_inside(ctx) &&
	       shape_fits(&d->shape, ctx->level, start, start + pgt_ctx_entry_size(ctx));
}

static pgt_pte_t s2_new_entry(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	if (d->annotate)
		return d->owner_pte;
	return pgt_s2_leaf_pte(&ctx->pgt->geom, s2_map_pa(ctx, d), d->prot, ctx->level,
			       s2_fwb(ctx->pgt));
}

/*
 * Does the entry in ctx->old already say, for all of the walk's part of it,
 * what the operation would write: the same translation, or the same owner
 * (no owner included)?
 */
static bool s2_leaf_covers(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	u64 pa = s2_map_pa(ctx, d) - (ctx->addr - pgt_ctx_entry_start(ctx));

	if (d->annotate)
		return ctx->old == d->owner_pte;
	return ctx->old == pgt_s2_leaf_pte(&ctx->pgt->geom, pa, d->prot, ctx->level,
					   s2_fwb(ctx->pgt));
}

/* The count of tables one entry needs before its part of the range is mapped. */
static u64 s2_entry_tables(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	u64 start = pgt_ctx_entry_start(ctx), end = start + pgt_ctx_entry_size(ctx);

	if (s2_leaf_fits(ctx, d) || s2_leaf_covers(ctx, d))
		return 0;
	return entry_tables(&d->shape, ctx->level, ctx->addr, end < ctx->end ? end : ctx->end);
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
static void s2_map_cmo(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d, u64 pa,
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

/* Replace ctx->old by @new, with break-before-make when the old one was live. */
static struct pgt_action s2_replace(const struct pgt_visit_ctx *ctx, pgt_pte_t new)
{
	if (!pgt_pte_valid(ctx->old))
		return pgt_pte_update(ctx, new) ? pgt_continue() : pgt_retry();
	if (!pgt_break(ctx))
		return pgt_retry();
	pgt_pte_make(ctx, new);
	return pgt_continue();
}

/* A fault handler that finds its work done, or only permissions to add, backs off. */
static bool s2_fault_backs_off(const struct pgt_visit_ctx *ctx, pgt_pte_t new)
{
	pgt_pte_t perms = PGT_GENMASK(7, 6) | PGT_GENMASK(54, 53);

	return ctx_shared(ctx) && pgt_pte_valid(ctx->old) && !((ctx->old ^ new) & ~perms);
}

static struct pgt_action s2_map_install(const struct pgt_visit_ctx *ctx,
					const struct s2_map_data *d)
{
	pgt_pte_t new = s2_new_entry(ctx, d);

	if (!d->annotate && s2_fault_backs_off(ctx, new))
		return pgt_exit(-EAGAIN);
	if (ctx->old == new)
		return pgt_continue();
	s2_map_cmo(ctx, d, s2_map_pa(ctx, d), pgt_ctx_entry_size(ctx));
	return s2_replace(ctx, new);
}

/* A new table for the walk to descend into: empty, or equivalent to ctx->old. */
static pgt_pte_t *s2_new_table(const struct pgt_visit_ctx *ctx, struct pgt_memcache *mc)
{
	pgt_pte_t *table = pgt_memcache_pop(mc);
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

static struct pgt_action s2_map_descend(const struct pgt_visit_ctx *ctx, struct s2_map_data *d)
{
	struct pgt_mm_ops *mm = ctx->mm_ops;
	pgt_pte_t *table;
	pgt_pte_t new;

	/* A fault does not split a block another vCPU just mapped: it refaults. */
	if (ctx_shared(ctx) && pgt_pte_valid(ctx->old))
		return pgt_exit(-EAGAIN);
	table = s2_new_table(ctx, d->mc);
	if (PGT_WARN_ON(!table))
		return pgt_exit(-ENOMEM);
	new = pgt_table_pte(&ctx->pgt->geom, mm->virt_to_phys(mm, table));
	pgt_dsb_ishst();
	if (pgt_pte_valid(ctx->old))
		return s2_replace(ctx, new);
	if (pgt_pte_update(ctx, new))
		return pgt_continue();
	/* A racing walker won; only shared walks race, and they only add empty tables. */
	pgt_memcache_recycle(d->mc, table);
	return pgt_retry();
}

/* Does every child of this empty entry take one leaf of the next level? */
static bool s2_children_fit(const struct pgt_visit_ctx *ctx, const struct s2_map_data *d)
{
	u64 start = pgt_ctx_entry_start(ctx);
	pgt_s8 child = ctx->level + 1;

	return !ctx->old && pgt_ctx_entry_inside(ctx) &&
	       shape_fits(&d->shape, child, start,
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
	pgt_pte_t first = d->owner_pte, *table = pgt_memcache_pop(d->mc);
	u32 i, n = pgt_table_entries(&pgt->geom);

	if (PGT_WARN_ON(!table))
		return pgt_exit(-ENOMEM);
	if (d->annotate) {
		for (i = 0; i < n; i++)
			table[i] = first;
	} else {
		first = pgt_s2_leaf_pte(&pgt->geom, pa, d->prot, child, s2_fwb(pgt));
		pgt_fill_leaves(&pgt->geom, table, first, step, n);
	}
	pgt_table_add_refs(pgt, table, n);
	s2_map_cmo(ctx, d, pa, pgt_ctx_entry_size(ctx));
	pgt_dsb_ishst();
	if (pgt_pte_update(ctx, pgt_table_pte(&pgt->geom, mm->virt_to_phys(mm, table))))
		return pgt_skip();
	pgt_unlinked_free(mm, table, child, pgt->geom.granule_shift);
	return pgt_retry();
}

static struct pgt_action s2_map_leaf(const struct pgt_visit_ctx *ctx, struct s2_map_data *d)
{
	if (!d->annotate && pgt_s2_pte_owner(ctx->old))
		return pgt_exit(-EPERM);
	if (s2_leaf_fits(ctx, d))
		return s2_map_install(ctx, d);
	if (s2_leaf_covers(ctx, d))
		return ctx_shared(ctx) ? pgt_exit(-EAGAIN) : pgt_continue();
	if (s2_children_fit(ctx, d))
		return s2_map_fill(ctx, d);
	return s2_map_descend(ctx, d);
}

/* Hand a subtree no longer linked to whoever frees it safely. */
static void s2_free_subtree(const struct pgt_visit_ctx *ctx, pgt_pte_t table_pte)
{
	struct pgt_mm_ops *mm = ctx->mm_ops;
	void *table = pte_table_virt(ctx->pgt, table_pte);
	u8 granule = ctx->pgt->geom.granule_shift;

	if (mm->free_unlinked_table)
		mm->free_unlinked_table(mm, table, ctx->level + 1, granule);
	else
		pgt_unlinked_free(mm, table, ctx->level + 1, granule);
}

/* Is any entry below the table @pte at @level an owner annotation? */
static bool s2_subtree_owned(const struct pgt *pgt, pgt_pte_t pte, pgt_s8 level)
{
	pgt_pte_t *table = pte_table_virt(pgt, pte);
	u32 i, n = pgt_table_entries(&pgt->geom);

	for (i = 0; i < n; i++) {
		pgt_pte_t child = pgt_read_once(&table[i]);

		if (pgt_s2_pte_owner(child))
			return true;
		if (pgt_pte_is_table(child, level + 1) && s2_subtree_owned(pgt, child, level + 1))
			return true;
	}
	return false;
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
	if (ctx_shared(ctx) && !d->annotate && s2_subtree_owned(ctx->pgt, ctx->old, ctx->level))
		return pgt_exit(-EPERM);
	new = s2_new_entry(ctx, d);
	s2_map_cmo(ctx, d, s2_map_pa(ctx, d), pgt_ctx_entry_size(ctx));
	if (!pgt_break(ctx))
		return pgt_retry();
	pgt_pte_make(ctx, new);
	s2_free_subtree(ctx, ctx->old);
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

static int s2_map_walk(struct pgt *pgt, struct s2_map_data *d, u64 size, u32 flags)
{
	struct pgt_walker walker = { .cb = s2_map_visitor, .arg = d, .flags = flags };

	return pgt_walk(pgt, d->ipa, size, &walker);
}

/*
 * Exclusive walks count first, so that running dry or hitting an owner's
 * entry is found before anything changes -- unless no owner was ever
 * written and the cache holds the worst case already.  A shared walk (a
 * fault) cannot count against a tree that moves under it: it needs the
 * worst case cached.
 */
static int s2_map_prepared(struct pgt *pgt, struct s2_map_data *d, u64 size, u32 flags)
{
	struct pgt_memcache local = { 0 };
	struct pgt_walker count = { .cb = s2_count_visitor, .arg = d, .flags = PGT_WALK_LEAF };
	u64 worst = s2_worst_tables(pgt, &d->shape, d->ipa, size);
	u32 walk = PGT_WALK_LEAF | (flags & PGT_WALK_SKIP_CMO);
	int ret = s2_cache_check(pgt, d->mc);

	if (ret)
		return ret;
	/* Only a range as large as a table's span can collapse one. */
	if (s2_may_sweep(pgt, size))
		walk |= PGT_WALK_TABLE_PRE;
	if (!(flags & PGT_WALK_SHARED) && !pgt->owners && !d->annotate && d->mc &&
	    d->mc->nr >= worst)
		return s2_map_walk(pgt, d, size, walk);
	if (flags & PGT_WALK_SHARED) {
		d->tables = worst;
		ret = s2_reserve(pgt, d, &local);
		if (!ret)
			ret = s2_map_walk(pgt, d, size, walk | PGT_WALK_SHARED);
	} else {
		ret = pgt_walk(pgt, d->ipa, size, &count);
		if (!ret)
			ret = s2_reserve(pgt, d, &local);
		if (!ret)
			ret = s2_map_walk(pgt, d, size,
					  walk | (d->annotate ? PGT_WALK_TABLE_POST : 0));
	}
	pgt_memcache_free(&local, pgt->mm_ops);
	return ret;
}

static int s2_map_check(struct pgt *pgt, u64 addr, u64 size, u64 phys, u32 prot, u32 flags)
{
	int ret = pgt_s2_prot_check_tree(pgt, prot);

	if (!ret && flags & ~(PGT_WALK_SHARED | PGT_WALK_SKIP_CMO))
		ret = -EINVAL;
	return ret ? ret : pgt_check_map(pgt, addr, size, phys);
}

int pgt_stage2_map(struct pgt *pgt, u64 addr, u64 size, u64 phys, u32 prot,
		   struct pgt_memcache *mc, u32 flags)
{
	struct s2_map_data d = {
		.ipa = addr,
		.pa = phys,
		.prot = prot,
		.shape = s2_map_shape(pgt, addr, phys, false),
		.mc = mc,
	};
	int ret = s2_map_check(pgt, addr, size, phys, prot, flags);

	if (ret || !size)
		return ret;
	return s2_map_prepared(pgt, &d, size, flags);
}

int pgt_stage2_set_owner(struct pgt *pgt, u64 addr, u64 size, u32 owner,
			 struct pgt_memcache *mc)
{
	struct s2_map_data d = {
		.ipa = addr,
		.annotate = true,
		.owner_pte = pgt_s2_owner_pte(owner),
		.shape = s2_map_shape(pgt, addr, addr, true),
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

/* ---- unmap ---- */

/* Memory the host may read uncached must be cleaned when its mapping goes. */
static bool s2_needs_clean(const struct pgt *pgt, pgt_pte_t pte)
{
	return pgt_pte_valid(pte) && !s2_fwb(pgt) &&
	       !(pgt_s2_pte_prot(pte, false) & PGT_PROT_UNCACHED) &&
	       pgt->mm_ops->dcache_clean_inval_poc;
}

static void s2_clean(const struct pgt *pgt, u64 pa, u64 size)
{
	pgt->mm_ops->dcache_clean_inval_poc(pgt->mm_ops, pa, size);
}

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
	d->tlbi_start = d->tlbi_end = 0;
	for (i = 0; i < d->nr_runs; i++)
		s2_clean(pgt, d->runs[i].pa, d->runs[i].size);
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
		if (s2_needs_clean(pgt, old))
			s2_clean(pgt, pa, size);
		return;
	}
	s2_unmap_note_tlbi(d, start, size, level);
	if (s2_needs_clean(pgt, old))
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
	s2_unmap_note_tlbi(d, start, pgt_ctx_entry_size(ctx), PGT_NO_LEVEL);
	*(void **)child = d->freed;
	d->freed = child;
}

static void s2_unmap_table(const struct pgt_visit_ctx *ctx, struct s2_unmap_data *d)
{
	void *child = pte_table_virt(ctx->pgt, ctx->old);

	if (ctx->mm_ops->page_count(ctx->mm_ops, child) == 1)
		s2_unmap_unlink(ctx, d, child);
}


/* Does the table below hold only leaves and invalid entries? */
static bool s2_table_is_last(const struct pgt *pgt, const pgt_pte_t *table, pgt_s8 level)
{
	u32 i, n = pgt_table_entries(&pgt->geom);

	if (level == PGT_MAX_LEVEL)
		return true;
	for (i = 0; i < n; i++)
		if (pgt_pte_is_table(table[i], level))
			return false;
	return true;
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
	int live = 0;

	if (!d->batch || d->device_only || !pgt_ctx_entry_inside(ctx) ||
	    !s2_table_is_last(pgt, table, ctx->level + 1))
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
		if (s2_needs_clean(pgt, old))
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
			 (s2_may_sweep(pgt, size) ? PGT_WALK_TABLE_PRE : 0),
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

/* ---- attributes: wrprotect, young, relax_perms ---- */


/* Set and clear bits of every valid leaf; remember what was seen and changed. */
struct s2_attr_data {
	pgt_pte_t set, clr;
	bool need_leaf;		/* a single-address operation: no leaf is -ENOENT */
	bool check_exec;	/* relax_perms adding X: device memory refuses */
	u32 exec;		/* relax_perms: PGT_PROT_PX and/or UX to add */
	bool young;
	u64 first, end;		/* the span of changed leaves */
	pgt_s8 level;
};

/* The leaf with @d's bits changed; execute permissions are added per EL (XN[54:53]). */
static pgt_pte_t s2_attr_new(const struct s2_attr_data *d, pgt_pte_t old)
{
	pgt_pte_t new = (old & ~d->clr) | d->set;

	if (!d->exec)
		return new;
	return (new & ~PGT_S2_XN_MASK) | pgt_s2_xn(pgt_s2_xn_prot(old) | d->exec);
}

static void s2_attr_note(struct s2_attr_data *d, u64 start, u64 size, pgt_s8 level)
{
	if (d->first == d->end)
		d->first = start;
	d->end = start + size;
	d->level = level;
}

static struct pgt_action s2_attr_leaf(const struct pgt_visit_ctx *ctx, struct s2_attr_data *d)
{
	pgt_pte_t new = s2_attr_new(d, ctx->old);

	if (!pgt_pte_valid(ctx->old))
		return d->need_leaf ? pgt_exit(-ENOENT) : pgt_continue();
	if (d->check_exec && (pgt_s2_pte_prot(ctx->old, s2_fwb(ctx->pgt)) & PGT_PROT_UNCACHED))
		return pgt_exit(-EINVAL);
	if (new != ctx->old && !pgt_pte_update(ctx, new))
		return pgt_retry();
	d->young |= !!(ctx->old & PGT_PTE_AF);
	if (new != ctx->old)
		s2_attr_note(d, pgt_ctx_entry_start(ctx), pgt_ctx_entry_size(ctx), ctx->level);
	return pgt_continue();
}

/*
 * An exclusive walk over a whole last-level table changes its leaves in one
 * pass (no one else writes them; the TLB is dealt with after the walk).
 */
static struct pgt_action s2_attr_sweep(const struct pgt_visit_ctx *ctx, struct s2_attr_data *d)
{
	const struct pgt *pgt = ctx->pgt;
	pgt_pte_t *table = pte_table_virt(pgt, ctx->old);
	u64 start = pgt_ctx_entry_start(ctx), size = pgt_level_size(&pgt->geom, ctx->level + 1);
	u32 i, n = pgt_table_entries(&pgt->geom), first = n, last = 0;

	if (ctx_shared(ctx) || !pgt_ctx_entry_inside(ctx) ||
	    !s2_table_is_last(pgt, table, ctx->level + 1))
		return pgt_continue();
	for (i = 0; i < n; i++) {
		pgt_pte_t old = pgt_read_once(&table[i]), new = s2_attr_new(d, old);

		if (!pgt_pte_valid(old))
			continue;
		d->young |= !!(old & PGT_PTE_AF);
		if (new == old)
			continue;
		pgt_write_once(&table[i], new);
		last = i;
		if (first == n)
			first = i;
	}
	if (first < n)
		s2_attr_note(d, start + first * size, (last - first + 1) * size, ctx->level + 1);
	return pgt_skip();
}

static struct pgt_action s2_attr_visitor(const struct pgt_visit_ctx *ctx,
					 enum pgt_walk_flags visit)
{
	if (visit == PGT_WALK_TABLE_PRE)
		return s2_attr_sweep(ctx, ctx->arg);
	return s2_attr_leaf(ctx, ctx->arg);
}

static int s2_attr_walk(struct pgt *pgt, u64 addr, u64 size, struct s2_attr_data *d,
			u32 flags)
{
	struct pgt_walker walker = { .cb = s2_attr_visitor, .arg = d, .flags = PGT_WALK_LEAF };
	int ret = flags & ~PGT_WALK_SHARED ? -EINVAL : 0;

	walker.flags |= flags;
	/* Ranges of an exclusive walk spanning whole last-level tables sweep them. */
	if (!d->need_leaf && !flags && s2_may_sweep(pgt, size))
		walker.flags |= PGT_WALK_TABLE_PRE;
	if (!ret && !d->need_leaf)
		ret = pgt_check_aligned(pgt, addr, size, 0);
	return ret ? ret : pgt_walk(pgt, addr, size, &walker);
}

int pgt_stage2_wrprotect(struct pgt *pgt, u64 addr, u64 size)
{
	struct s2_attr_data d = { .clr = PGT_S2AP_W };
	int ret = s2_attr_walk(pgt, addr, size, &d, 0);

	/* Taking a permission away must reach every TLB before the caller relies on it. */
	if (d.end != d.first)
		pgt_tlbi_range(pgt, d.first, d.end - d.first, PGT_NO_LEVEL);
	return ret;
}

int pgt_stage2_mkyoung(struct pgt *pgt, u64 addr, u32 flags)
{
	struct s2_attr_data d = { .set = PGT_PTE_AF, .need_leaf = true };

	return s2_attr_walk(pgt, addr, 1, &d, flags);
}

int pgt_stage2_test_clear_young(struct pgt *pgt, u64 addr, u64 size, bool mkold, u32 flags)
{
	struct s2_attr_data d = { .clr = mkold ? PGT_PTE_AF : 0 };
	int ret = s2_attr_walk(pgt, addr, size, &d, flags);

	return ret ? ret : d.young;
}

int pgt_stage2_relax_perms(struct pgt *pgt, u64 addr, u32 prot, u32 flags)
{
	struct s2_attr_data d = { .need_leaf = true, .check_exec = prot & PGT_PROT_X,
				  .exec = prot & PGT_PROT_X };
	int ret;

	if (prot & ~PGT_PROT_RWX || pgt_s2_prot_check_tree(pgt, prot))
		return -EINVAL;
	d.set = (prot & PGT_PROT_R ? PGT_S2AP_R : 0) | (prot & PGT_PROT_W ? PGT_S2AP_W : 0);
	ret = s2_attr_walk(pgt, addr, 1, &d, flags);
	if (!ret && d.end != d.first)
		pgt_tlbi_va(pgt, d.first, d.level, true);
	return ret;
}

/* ---- flush ---- */

static struct pgt_action s2_flush_visitor(const struct pgt_visit_ctx *ctx,
					  enum pgt_walk_flags visit)
{
	(void)visit;
	if (s2_needs_clean(ctx->pgt, ctx->old))
		s2_clean(ctx->pgt, pgt_pte_addr(&ctx->pgt->geom, ctx->old),
			 pgt_ctx_entry_size(ctx));
	return pgt_continue();
}

int pgt_stage2_flush(struct pgt *pgt, u64 addr, u64 size)
{
	struct pgt_walker walker = { .cb = s2_flush_visitor, .flags = PGT_WALK_LEAF };
	int ret = pgt_check_aligned(pgt, addr, size, 0);

	if (!ret)
		ret = pgt_check_range(pgt, addr, size);
	/* With FWB, stage 2 forces cacheability: there is nothing to clean. */
	if (ret || s2_fwb(pgt))
		return ret;
	return pgt_walk(pgt, addr, size, &walker);
}

/* ---- split and unlinked subtrees ---- */

/*
 * A detached subtree of pages translating exactly as @leaf at @level did,
 * attributes and software bits included.  It is not live: plain stores.
 */
static pgt_pte_t *s2_build_pages(struct pgt *pgt, pgt_pte_t leaf, pgt_s8 level,
				 struct pgt_memcache *mc)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;
	pgt_pte_t *table = pgt_memcache_pop(mc);
	u32 i, n = pgt_table_entries(&pgt->geom);

	if (PGT_WARN_ON(!table))
		return NULL;
	pgt_fill_split(pgt, table, leaf, level);
	if (level + 1 == PGT_MAX_LEVEL)
		return table;
	for (i = 0; i < n; i++) {
		pgt_pte_t *child = s2_build_pages(pgt, table[i], level + 1, mc);

		if (!child)
			return NULL;
		table[i] = pgt_table_pte(&pgt->geom, mm->virt_to_phys(mm, child));
	}
	return table;
}

/* Tables splitting one block at @level down to pages takes. */
static u64 s2_split_tables(const struct pgt *pgt, pgt_s8 level)
{
	struct s2_shape pages = { .geom = &pgt->geom, .pages_only = true };
	u64 size = pgt_level_size(&pgt->geom, level);

	return entry_tables(&pages, level, 0, size);
}

struct s2_split_data {
	struct pgt_memcache *mc;
	u64 tables;
	bool counting;
};

static struct pgt_action s2_split_visitor(const struct pgt_visit_ctx *ctx,
					  enum pgt_walk_flags visit)
{
	struct s2_split_data *d = ctx->arg;
	struct pgt_mm_ops *mm = ctx->mm_ops;
	pgt_pte_t *table;

	(void)visit;
	if (!pgt_pte_is_leaf(ctx->old, ctx->level) || ctx->level == PGT_MAX_LEVEL)
		return pgt_continue();
	if (d->counting) {
		d->tables += s2_split_tables(ctx->pgt, ctx->level);
		return pgt_continue();
	}
	table = s2_build_pages(ctx->pgt, ctx->old, ctx->level, d->mc);
	if (!table)
		return pgt_exit(-ENOMEM);
	pgt_break(ctx);
	pgt_pte_make(ctx, pgt_table_pte(&ctx->pgt->geom, mm->virt_to_phys(mm, table)));
	return pgt_continue();
}

int pgt_stage2_split(struct pgt *pgt, u64 addr, u64 size, struct pgt_memcache *mc)
{
	struct pgt_memcache local = { 0 };
	struct s2_split_data d = { .mc = mc, .counting = true };
	struct pgt_walker walker = { .cb = s2_split_visitor, .arg = &d, .flags = PGT_WALK_LEAF };
	int ret = pgt_check_aligned(pgt, addr, size, 0);

	if (!ret)
		ret = pgt_walk(pgt, addr, size, &walker);
	if (!ret)
		ret = s2_reserve_pages(pgt, &d.mc, &local, d.tables);
	d.counting = false;
	if (!ret && d.tables)
		ret = pgt_walk(pgt, addr, size, &walker);
	pgt_memcache_free(&local, pgt->mm_ops);
	return ret;
}

static int s2_unlinked_check(const struct pgt *pgt, u64 phys, pgt_s8 level, u32 prot)
{
	if (level < pgt->geom.start_level || level >= PGT_MAX_LEVEL)
		return -EINVAL;
	if (!PGT_IS_ALIGNED(phys, pgt_level_size(&pgt->geom, level)))
		return -EINVAL;
	if (phys + pgt_level_size(&pgt->geom, level) > 1ULL << pgt->pa_bits)
		return -ERANGE;
	return pgt_s2_prot_check_tree(pgt, prot);
}

/*
 * The subtree is built by the ordinary map walk, run on a stand-in tree
 * whose root is the subtree's top table.  Nothing is live yet, so no cache
 * maintenance: the caller installs it in place of a mapping of the same
 * memory.
 */
/* Build the subtree with the map walk on a tree rooted at its top table. */
static int s2_build_unlinked(struct pgt *pgt, struct s2_map_data *d, pgt_s8 level,
			     pgt_pte_t **table)
{
	struct pgt tree;

	*table = pgt_memcache_pop(d->mc);
	pgt_unlinked_tree(&tree, pgt->mm_ops, *table, level + 1, pgt->geom.granule_shift);
	tree.geom.oa_format = pgt->geom.oa_format;
	tree.flags = pgt->flags;
	tree.pa_bits = pgt->pa_bits;
	tree.stage = PGT_STAGE_2;
	return s2_map_walk(&tree, d, pgt_level_size(&pgt->geom, level),
			   PGT_WALK_LEAF | PGT_WALK_SKIP_CMO);
}

int pgt_stage2_create_unlinked(struct pgt *pgt, u64 phys, pgt_s8 level, u32 prot,
			       struct pgt_memcache *mc, bool force_pages, pgt_pte_t **table)
{
	struct pgt_memcache local = { 0 };
	struct s2_map_data d = { .pa = phys, .prot = prot, .mc = mc };
	int ret = s2_unlinked_check(pgt, phys, level, prot);

	if (ret)
		return ret;
	d.shape = s2_map_shape(pgt, 0, phys, false);
	d.shape.pages_only |= force_pages;
	d.tables = 1 + span_tables(&d.shape, level + 1, 0, pgt_level_size(&pgt->geom, level));
	ret = s2_reserve(pgt, &d, &local);
	if (!ret)
		ret = s2_build_unlinked(pgt, &d, level, table);
	pgt_memcache_free(&local, pgt->mm_ops);
	return ret;
}
