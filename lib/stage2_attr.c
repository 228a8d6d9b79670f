// SPDX-License-Identifier: GPL-2.0-only
/*
 * stage2_attr.c - stage-2 attribute changes on live leaves: wrprotect, the
 * access flag (mkyoung, test_clear_young), relax_perms, and flush.
 * Invariant: permissions are only taken away under one TLBI covering every
 * changed leaf, and memory becomes executable only after its I-cache lines
 * were invalidated.
 */
#include "stage2.h"

/* Set and clear bits of every valid leaf; remember what was seen and changed. */
struct s2_attr_data {
	pgt_pte_t set, clr;
	bool need_leaf;		/* a single-address operation: no leaf is -ENOENT */
	bool check_exec;	/* relax_perms adding X: uncached memory refuses */
	u32 exec;		/* relax_perms: PGT_PROT_PX and/or UX to add */
	bool young;
	bool track;		/* the caller invalidates what changed: note where */
	bool tlbi_leaf;		/* relax_perms: note the one changed leaf, end the walk */
	bool noted;		/* relax_perms: first and level say which leaf changed */
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

/*
 * Making memory executable that was not: the guest may have written the
 * instructions through the D-side since it was mapped, and FWB does not make
 * instruction fetches coherent, so the I-cache is invalidated before the new
 * entry can be fetched through.  Device and Normal-NC memory are never
 * executable.
 */
static int s2_attr_exec_prepare(const struct pgt *pgt, pgt_pte_t old, pgt_s8 level)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;
	u32 prot = pgt_s2_pte_prot(old, s2_fwb(pgt));

	if (prot & PGT_PROT_UNCACHED)
		return -EINVAL;
	if (!(prot & PGT_PROT_X) && mm->icache_inval_pou)
		mm->icache_inval_pou(mm, pgt_pte_addr(&pgt->geom, old),
				     pgt_level_size(&pgt->geom, level));
	return 0;
}

static __always_inline
struct pgt_action s2_attr_leaf(const struct pgt_visit_ctx *ctx, struct s2_attr_data *d)
{
	pgt_pte_t new;

	if (!pgt_pte_valid(ctx->old))
		return d->need_leaf ? pgt_exit(-ENOENT) : pgt_continue();
	if (d->check_exec && s2_attr_exec_prepare(ctx->pgt, ctx->old, ctx->level))
		return pgt_exit(-EINVAL);
	new = s2_attr_new(d, ctx->old);
	if (new != ctx->old) {
		/* A valid leaf stays valid: no reference changes. */
		if (!pgt_pte_store(ctx, new))
			return pgt_retry();
		/*
		 * relax_perms' one leaf, noted for its TLBI after the walk, so
		 * that no walk state lives across the call.  The walk ends here:
		 * its range lies inside this leaf, whose store left it a leaf.
		 */
		if (d->tlbi_leaf) {
			d->first = pgt_ctx_entry_start(ctx);
			d->level = ctx->level;
			d->noted = true;
			return pgt_exit(0);
		}
		if (d->track)
			s2_attr_note(d, pgt_ctx_entry_start(ctx), pgt_ctx_entry_size(ctx),
				     ctx->level);
	}
	d->young |= !!(ctx->old & PGT_PTE_AF);
	return pgt_continue();
}

/*
 * An exclusive walk over a whole last-level table changes its leaves in one
 * pass (no one else writes them; the TLB is dealt with after the walk).
 * Out of line: the per-page visit, inlined with it, would save every
 * register the sweep needs.
 */
static noinline
struct pgt_action s2_attr_sweep(const struct pgt_visit_ctx *ctx, struct s2_attr_data *d)
{
	const struct pgt *pgt = ctx->pgt;
	pgt_pte_t *table = pte_table_virt(pgt, ctx->old);
	u64 start = pgt_ctx_entry_start(ctx), size = pgt_level_size(&pgt->geom, ctx->level + 1);
	u32 i, n = pgt_table_entries(&pgt->geom), first = n, last = 0;
	/* A copy: the stores into the table cannot change it, so the loop need not reload it. */
	const struct s2_attr_data change = *d;
	pgt_pte_t young = 0;

	if (ctx_shared(ctx) || !pgt_ctx_entry_inside(ctx) ||
	    !pgt_s2_table_is_last(pgt, table, ctx->level + 1))
		return pgt_continue();
	for (i = 0; i < n; i++) {
		pgt_pte_t old = pgt_read_once(&table[i]), new = s2_attr_new(&change, old);

		if (!pgt_pte_valid(old))
			continue;
		young |= old;
		if (new == old)
			continue;
		pgt_write_once(&table[i], new);
		last = i;
		first = first < i ? first : i;
	}
	d->young |= !!(young & PGT_PTE_AF);
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

/* The walks that visit leaves only: inlined into the one-entry walk. */
static __always_inline struct pgt_action s2_attr_leaf_visitor(const struct pgt_visit_ctx *ctx,
					      enum pgt_walk_flags visit)
{
	(void)visit;
	return s2_attr_leaf(ctx, ctx->arg);
}

/* A single-address change (mkyoung, relax_perms): one leaf, which must be there. */
static __always_inline int s2_attr_one(struct pgt *pgt, u64 addr, struct s2_attr_data *d,
				       u32 flags)
{
	/* Only SHARED passes: the walk is known to visit nothing but its leaf. */
	const struct pgt_walker leaf = {
		.cb = s2_attr_leaf_visitor, .arg = d,
		.flags = PGT_WALK_LEAF | (flags & PGT_WALK_SHARED),
	};

	if (flags & ~PGT_WALK_SHARED)
		return -EINVAL;
	/* One address cannot wrap: anything past the input size is out of range. */
	if (addr >> pgt->geom.ia_bits)
		return -ERANGE;
	return pgt_walk_checked(pgt, addr, 1, &leaf);
}

static __always_inline int s2_attr_range_check(const struct pgt *pgt, u64 addr, u64 size,
						u32 flags)
{
	int ret = flags & ~PGT_WALK_SHARED ? -EINVAL : 0;

	if (!ret)
		ret = pgt_check_aligned(pgt, addr, size, 0);
	return ret ? ret : pgt_check_range(pgt, addr, size);
}

/*
 * A range: one copy for wrprotect and test_clear_young.  Ranges of an
 * exclusive walk spanning whole last-level tables sweep them.
 */
static noinline int s2_attr_range(struct pgt *pgt, u64 addr, u64 size, struct s2_attr_data *d,
				  u32 flags)
{
	const struct pgt_walker leaves = {
		.cb = s2_attr_leaf_visitor, .arg = d, .flags = PGT_WALK_LEAF | flags,
	};
	const struct pgt_walker sweep = {
		.cb = s2_attr_visitor, .arg = d, .flags = PGT_WALK_LEAF | PGT_WALK_TABLE_PRE,
	};
	int ret = s2_attr_range_check(pgt, addr, size, flags);

	if (ret)
		return ret;
	if (!flags && pgt_s2_may_sweep(pgt, size))
		return pgt_walk_range(pgt, addr, size, &sweep);
	return pgt_walk_range(pgt, addr, size, &leaves);
}

/*
 * test_clear_young of one page -- a hypervisor ageing its guest's pages one
 * by one -- has one entry to visit: inline, with its own walk data.
 */
static __always_inline int s2_young_walk(struct pgt *pgt, u64 addr, u64 size, bool mkold,
					 u32 flags)
{
	struct s2_attr_data d = { .clr = mkold ? PGT_PTE_AF : 0 };
	const struct pgt_walker page = {
		.cb = s2_attr_leaf_visitor, .arg = &d, .flags = PGT_WALK_LEAF | flags,
	};
	int ret = pgt_walk_in_page(pgt, addr, size, &page);

	return ret ? ret : d.young;
}

/*
 * The walks that call out with the walk's state live -- the shared one
 * (the home's hooks around it), a home without a linear map or a tree of
 * another format (phys_to_virt per table) -- apart: the exclusive walk of
 * a linear 48-bit home then calls nothing and saves fewer registers.
 */
static noinline int s2_young_other(struct pgt *pgt, u64 addr, u64 size, bool mkold, u32 flags)
{
	if (flags & PGT_WALK_SHARED)
		return s2_young_walk(pgt, addr, size, mkold, PGT_WALK_SHARED);
	return s2_young_walk(pgt, addr, size, mkold, 0);
}

static __always_inline int s2_young_page(struct pgt *pgt, u64 addr, bool mkold, u32 flags)
{
	u64 size = pgt_page_size(&pgt->geom);

	/* s2_attr_range_check() of one page: the range ends in range if it starts there. */
	if (flags & ~PGT_WALK_SHARED || addr & (size - 1))
		return -EINVAL;
	if (addr >> pgt->geom.ia_bits)
		return addr + size < addr ? -EINVAL : -ERANGE;
	/* Each walk with its own data, which then stays in registers. */
	if ((flags & PGT_WALK_SHARED) || !pgt->mm_ops->linear || pgt->geom.oa_format != PGT_OA_48)
		return s2_young_other(pgt, addr, size, mkold, flags);
	return s2_young_walk(pgt, addr, size, mkold, 0);
}

static noinline int s2_young_range(struct pgt *pgt, u64 addr, u64 size, bool mkold, u32 flags)
{
	struct s2_attr_data d = { .clr = mkold ? PGT_PTE_AF : 0 };
	int ret = s2_attr_range(pgt, addr, size, &d, flags);

	return ret ? ret : d.young;
}

int pgt_stage2_wrprotect(struct pgt *pgt, u64 addr, u64 size)
{
	struct s2_attr_data d = { .clr = PGT_S2AP_W, .track = true };
	int ret = s2_attr_range(pgt, addr, size, &d, 0);

	/* Taking a permission away must reach every TLB before the caller relies on it. */
	if (d.end != d.first)
		pgt_tlbi_range(pgt, d.first, d.end - d.first, PGT_NO_LEVEL);
	return ret;
}

int pgt_stage2_wrprotect_unflushed(struct pgt *pgt, u64 addr, u64 size)
{
	struct s2_attr_data d = { .clr = PGT_S2AP_W };

	return s2_attr_range(pgt, addr, size, &d, 0);
}

int pgt_stage2_mkyoung(struct pgt *pgt, u64 addr, u32 flags)
{
	struct s2_attr_data d = { .set = PGT_PTE_AF, .need_leaf = true };

	return s2_attr_one(pgt, addr, &d, flags);
}

int pgt_stage2_test_clear_young(struct pgt *pgt, u64 addr, u64 size, bool mkold, u32 flags)
{
	if (size == pgt_page_size(&pgt->geom))
		return s2_young_page(pgt, addr, mkold, flags);
	return s2_young_range(pgt, addr, size, mkold, flags);
}

/*
 * relax_perms with its exec part known: the commonest, adding R or W,
 * then checks and changes nothing of XN.
 */
static __always_inline int s2_relax(struct pgt *pgt, u64 addr, pgt_pte_t set, u32 exec,
				    u32 flags)
{
	struct s2_attr_data d = { .set = set, .need_leaf = true, .check_exec = exec,
				  .exec = exec, .tlbi_leaf = true };
	int ret = s2_attr_one(pgt, addr, &d, flags);

	/* Only adds permissions: a TLB entry of the old one costs a spurious fault. */
	if (d.noted)
		pgt_tlbi_va(pgt, d.first, d.level, true);
	return ret;
}

/* The S2AP bits that grant @prot's R and W. */
static inline pgt_pte_t s2_relax_set(u32 prot)
{
	return (prot & PGT_PROT_R ? PGT_S2AP_R : 0) | (prot & PGT_PROT_W ? PGT_S2AP_W : 0);
}

/* Every relax_perms but the commonest: the prot checked in full, then walked. */
static noinline int s2_relax_other(struct pgt *pgt, u64 addr, u32 prot, u32 flags)
{
	if (prot & ~PGT_PROT_RWX || pgt_s2_prot_check_tree(pgt, prot))
		return -EINVAL;
	if (prot & PGT_PROT_X)
		return s2_relax(pgt, addr, s2_relax_set(prot), prot & PGT_PROT_X, flags);
	return s2_relax(pgt, addr, s2_relax_set(prot), 0, flags);
}

/*
 * The commonest -- R or W alone, exclusive, in a linear 48-bit home -- in
 * one test: a prot of R and W alone passes every check of the tree's.
 */
int pgt_stage2_relax_perms(struct pgt *pgt, u64 addr, u32 prot, u32 flags)
{
	if ((prot & ~PGT_PROT_RW) | flags || !pgt->mm_ops->linear ||
	    pgt->geom.oa_format != PGT_OA_48)
		return s2_relax_other(pgt, addr, prot, flags);
	return s2_relax(pgt, addr, s2_relax_set(prot), 0, 0);
}

static struct pgt_action s2_flush_visitor(const struct pgt_visit_ctx *ctx,
					  enum pgt_walk_flags visit)
{
	(void)visit;
	if (pgt_s2_needs_clean(ctx->pgt, ctx->old))
		pgt_s2_clean(ctx->pgt, pgt_pte_addr(&ctx->pgt->geom, ctx->old),
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
