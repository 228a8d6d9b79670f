/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * internal.h - helpers shared by the lib/ files and no one else.
 */
#ifndef PGTABLE_INTERNAL_H
#define PGTABLE_INTERNAL_H

#include "pgtable.h"

/* Bits 1:0 of a block, and of a page (level 3). */
#define PGT_TYPE_BLOCK		1ULL
#define PGT_TYPE_PAGE		3ULL
/* Shareability field, bits 9:8: inner shareable. */
#define PGT_SH_INNER		(3ULL << 8)
/* Execute-never (stage 1 XN, stage 2 XN[1]). */
#define PGT_XN			PGT_BIT(54)
#define PGT_SW_SHIFT		55
#define PGT_PROT_SW_SHIFT		8
/* Stage-2 S2AP (read, write) and XN[1:0]. */
#define PGT_S2AP_R			PGT_BIT(6)
#define PGT_S2AP_W			PGT_BIT(7)
#define PGT_S2_XN_MASK		PGT_GENMASK(54, 53)

/* The type bits a leaf needs at @level. */
static inline pgt_pte_t pte_leaf_type(pgt_s8 level)
{
	return level == PGT_MAX_LEVEL ? PGT_TYPE_PAGE : PGT_TYPE_BLOCK;
}

/* Software bits move between enum pgt_prot and descriptor bits 58:55. */
static inline pgt_pte_t prot_to_sw_bits(u32 prot)
{
	return (pgt_pte_t)((prot & PGT_PROT_SW_MASK) >> PGT_PROT_SW_SHIFT) << PGT_SW_SHIFT;
}

static inline u32 sw_bits_to_prot(pgt_pte_t pte)
{
	return (u32)((pte & PGT_PTE_SW_MASK) >> PGT_SW_SHIFT) << PGT_PROT_SW_SHIFT;
}

/*
 * Address conversions for the library's own tables: arithmetic when the home
 * declared one linear map, a call into the home otherwise.
 */
static inline void *pgt_table_virt(struct pgt_mm_ops *mm, u64 phys)
{
	if (mm->linear)
		return (void *)(uintptr_t)(phys + mm->linear_offset);
	return mm->phys_to_virt(mm, phys);
}

static inline u64 pgt_table_phys(struct pgt_mm_ops *mm, void *virt)
{
	if (mm->linear)
		return (u64)(uintptr_t)virt - mm->linear_offset;
	return mm->virt_to_phys(mm, virt);
}

/* The descriptor bits that hold @pa in @geom's format.  Inline: every new leaf needs it. */
static inline pgt_pte_t pgt_oa_pack(const struct pgt_geometry *geom, u64 pa)
{
	pgt_pte_t pte = pa & PGT_GENMASK(47, geom->granule_shift);

	/* The commonest format first: it packs nothing more. */
	if (geom->oa_format == PGT_OA_48)
		return pte;
	if (geom->oa_format == PGT_OA_LPA)
		return pte | ((pa >> 36) & PGT_GENMASK(15, 12));
	return pte | (pa & PGT_GENMASK(49, 48)) | ((pa >> 42) & PGT_GENMASK(9, 8));
}

/* pgt_table_pte(), inline: every new table needs one. */
static inline pgt_pte_t pgt_table_desc(const struct pgt_geometry *geom, u64 table_pa)
{
	return pgt_oa_pack(geom, table_pa) | PGT_PTE_TYPE | PGT_PTE_VALID;
}

/* Memory types no cache may hold dirty lines for, and nothing may execute. */
#define PGT_PROT_UNCACHED	(PGT_PROT_DEVICE | PGT_PROT_NORMAL_NC)

/* pgt_s2_prot_check(), inline: every map and relax_perms checks its prot. */
static inline int pgt_s2_prot_valid(u32 prot)
{
	u32 known = PGT_PROT_RWX | PGT_PROT_DEVICE | PGT_PROT_NORMAL_NC | PGT_PROT_SW_MASK;
	u32 uncached = PGT_PROT_DEVICE | PGT_PROT_NORMAL_NC;

	if (prot & ~known)
		return -EINVAL;
	if ((prot & PGT_PROT_X) && (prot & uncached))
		return -EINVAL;
	if ((prot & uncached) == uncached)
		return -EINVAL;
	return 0;
}

/* What a tree can map: the format's rule, and PX apart from UX only with FEAT_XNX. */
static inline int pgt_s2_prot_check_tree(const struct pgt *pgt, u32 prot)
{
	u32 exec = prot & PGT_PROT_X;

	if (exec && exec != PGT_PROT_X && !(pgt->flags & PGT_S2_XNX))
		return -EINVAL;
	return pgt_s2_prot_valid(prot);
}

/*
 * Where a table descriptor points, read with every format's packing at once:
 * the library writes zeros wherever its format keeps no address bits, so one
 * decode serves trees whose format is not known here (pgt_unlinked_free()).
 */
static inline u64 pgt_table_addr(const struct pgt_geometry *geom, pgt_pte_t pte)
{
	if (geom->granule_shift == PGT_GRANULE_64K)
		return (pte & PGT_GENMASK(47, 16)) | (pte & PGT_GENMASK(15, 12)) << 36;
	return (pte & PGT_GENMASK(49, geom->granule_shift)) | (pte & PGT_GENMASK(9, 8)) << 42;
}

/* The library's view of the table a table descriptor points to. */
static inline pgt_pte_t *pte_table_virt(const struct pgt *pgt, pgt_pte_t pte)
{
	return pgt_table_virt(pgt->mm_ops, pgt_table_addr(&pgt->geom, pte));
}

/* Does an entry of @ptep's table hold a reference on its page? */
static inline bool pte_counted(const struct pgt *pgt, pgt_s8 level)
{
	return level != pgt->geom.start_level || pgt->unlinked;
}

/* The table page holding @ptep, whose reference count tracks its entries. */
static inline void *pte_table_page(const struct pgt *pgt, pgt_pte_t *ptep)
{
	return (void *)PGT_ALIGN_DOWN((uintptr_t)ptep, pgt_page_size(&pgt->geom));
}

/*
 * The store of pgt_pte_update(), a compare-and-swap in a shared walk,
 * without its reference counting: alone, for an entry that is and stays
 * non-zero.
 */
static __always_inline bool pgt_pte_store(const struct pgt_visit_ctx *ctx, pgt_pte_t new)
{
	if (ctx->flags & PGT_WALK_SHARED)
		return pgt_cmpxchg(ctx->ptep, ctx->old, new);
	pgt_write_once(ctx->ptep, new);
	return true;
}

/*
 * An entry that became, or stopped being, non-zero: its table's reference.
 * Inline: a fault's leaf takes one, and its context then stays in registers.
 */
static __always_inline void pgt_pte_count(const struct pgt_visit_ctx *ctx, pgt_pte_t new)
{
	struct pgt_mm_ops *mm = ctx->mm_ops;
	void *page;

	if (!pte_counted(ctx->pgt, ctx->level))
		return;
	page = pte_table_page(ctx->pgt, ctx->ptep);
	if (new)
		mm->get_page(mm, page);
	else
		mm->put_page(mm, page);
}

/* pgt_pte_update(), inline for the library's own visitors: a fault ends in one. */
static __always_inline bool pgt_pte_replace(const struct pgt_visit_ctx *ctx, pgt_pte_t new)
{
	if (!pgt_pte_store(ctx, new))
		return false;
	if (!ctx->old != !new)
		pgt_pte_count(ctx, new);
	return true;
}

/*
 * -EINVAL if [@addr, @addr + @size) wraps, -ERANGE if it ends beyond the input
 * address size.  Inline: the walker checks every range with it, and the
 * walker calls nothing of the layers above it.
 */
static inline int pgt_check_range(const struct pgt *pgt, u64 addr, u64 size)
{
	u64 end = addr + size;

	if (end < addr)
		return -EINVAL;
	if (end > (1ULL << pgt->geom.ia_bits))
		return -ERANGE;
	return 0;
}

/* Mapping operations take page-aligned input, size and output. */
static inline int pgt_check_aligned(const struct pgt *pgt, u64 addr, u64 size, u64 phys)
{
	u32 page = pgt_page_size(&pgt->geom);

	if (!PGT_IS_ALIGNED(addr | size | phys, page))
		return -EINVAL;
	if (phys + size < phys)
		return -EINVAL;
	return 0;
}

/* What every map checks: alignment, and both ends of the range in range. */
static inline int pgt_check_map(const struct pgt *pgt, u64 addr, u64 size, u64 phys)
{
	int ret = pgt_check_aligned(pgt, addr, size, phys);

	if (!ret)
		ret = pgt_check_range(pgt, addr, size);
	if (!ret && phys + size > 1ULL << pgt->pa_bits)
		ret = -ERANGE;
	return ret;
}

int pgt_geometry_cfg(struct pgt_geometry *geom, enum pgt_stage stage,
		     const struct pgt_config *cfg);
/*
 * A new table page from the home; NULL (the page given back) if it lies
 * beyond the output address size.  @desc, if not NULL, receives the table
 * descriptor that links it.
 */
void *pgt_alloc_table(const struct pgt *pgt, pgt_pte_t *desc);

/*
 * A table the MMU reaches must lie below the output address size: a table
 * address above it is an Address size fault, however right its entries are.
 */
static inline bool pgt_table_reachable(const struct pgt *pgt, u64 pa, u64 size)
{
	/* Both ends below 2^pa_bits (2^52 at most): from there the last cannot wrap. */
	return !((pa | (pa + size - 1)) >> pgt->pa_bits);
}

/* pgt_table_accept() of a page whose address its caller has: a linear home's is a sum. */
static __always_inline void *pgt_table_accept_at(const struct pgt *pgt, void *page, u64 pa,
						 pgt_pte_t *desc)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;

	if (!pgt_table_reachable(pgt, pa, pgt_page_size(&pgt->geom))) {
		mm->put_page(mm, page);
		return NULL;
	}
	if (desc)
		*desc = pgt_table_desc(&pgt->geom, pa);
	return page;
}

/*
 * A page of the home becomes a table only if the walk can reach it; @desc
 * (if not NULL) receives the table descriptor that links it.  Inline, as
 * the cache's pop is: a fault that adds a table calls the home for it only
 * where the home declared no linear map.
 */
static inline void *pgt_table_accept(const struct pgt *pgt, void *page, pgt_pte_t *desc)
{
	if (!page)
		return NULL;
	return pgt_table_accept_at(pgt, page, pgt_table_phys(pgt->mm_ops, page), desc);
}

/* pgt_memcache_pop(), inline for the library's own pops: a new table takes one. */
static inline void *pgt_cache_pop(struct pgt_memcache *mc)
{
	void *page = mc->head;

	if (!page)
		return NULL;
	mc->head = *(void **)page;
	*(void **)page = NULL;
	mc->nr--;
	return page;
}

/* pgt_alloc_table() from the next page of @mc. */
static inline void *pgt_table_pop(const struct pgt *pgt, struct pgt_memcache *mc,
				  pgt_pte_t *desc)
{
	return pgt_table_accept(pgt, mc ? pgt_cache_pop(mc) : NULL, desc);
}

/*
 * pgt_table_pop() for a home its caller knows to map linearly: the page's
 * address is arithmetic, and a table kept makes no call at all.
 */
static __always_inline void *pgt_table_pop_linear(const struct pgt *pgt, struct pgt_memcache *mc,
						  pgt_pte_t *desc)
{
	void *page = mc ? pgt_cache_pop(mc) : NULL;

	if (!page)
		return NULL;
	return pgt_table_accept_at(pgt, page, (u64)(uintptr_t)page - pgt->mm_ops->linear_offset,
				   desc);
}

/*
 * 0 if the next @n pages of @mc (the only ones an operation needing @n can
 * pop: the cache is a stack) can be tables of @pgt, else -ENOMEM.
 */
int pgt_cache_reachable(const struct pgt *pgt, const struct pgt_memcache *mc, u64 n);
void pgt_table_add_refs(const struct pgt *pgt, void *table, int delta);

/* descriptor.c */
void pgt_fill_leaves(const struct pgt_geometry *geom, pgt_pte_t *table, pgt_pte_t first,
		     u64 step, u32 n);
/* @table's entries as next-level leaves translating as @block. */
void pgt_split_entries(const struct pgt_geometry *geom, pgt_pte_t *table, pgt_pte_t block,
		       pgt_s8 level);
pgt_pte_t pgt_s2_xn(u32 prot);
/* What every stage-2 leaf of @prot holds whatever its address: pgt_s2_leaf_pte() less both. */
pgt_pte_t pgt_s2_leaf_attrs(const struct pgt_geometry *geom, u32 prot, bool fwb);
u32 pgt_s2_xn_prot(pgt_pte_t pte);
pgt_pte_t pgt_hyp_leaf(const struct pgt *pgt, u64 pa, u32 prot, pgt_s8 level);
/* The AttrIndx values of @pgt's leaves for @mair (0: PGT_HYP_MAIR), or -EINVAL. */
int pgt_hyp_set_mair(struct pgt *pgt, u64 mair);
/* pgtable.c: pgt_split_entries() with the table's references counted. */
void pgt_fill_split(const struct pgt *pgt, pgt_pte_t *table, pgt_pte_t block, pgt_s8 level);

/*
 * Make a changed entry's old translation go from every TLB: the store must
 * reach the point where table walks observe it before the invalidation, and
 * the invalidation must complete before anything relies on it.  Inline: a
 * per-call operation ends in one.
 */
static inline void pgt_tlbi_va(const struct pgt *pgt, u64 addr, pgt_s8 level, bool leaf)
{
	struct pgt_mm_ops *mm = pgt->mm_ops;

	pgt_dsb_ishst();
	mm->tlbi_va(mm, pgt->tlb_cookie, addr, level, leaf);
	pgt_dsb_ish();
	pgt_isb();
}

void pgt_tlbi_range(const struct pgt *pgt, u64 addr, u64 size, pgt_s8 level);
void pgt_free_empty_table(const struct pgt_visit_ctx *ctx);
/* The visits pgt_free_visitor() needs. */
#define PGT_WALK_FREE	(PGT_WALK_LEAF | PGT_WALK_TABLE_PRE | PGT_WALK_TABLE_POST)
struct pgt_action pgt_free_visitor(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit);
int pgt_root_alloc(struct pgt *pgt);

/*
 * The hooks the library calls without testing for them first: a home that
 * lacks one is refused at init, not found out by the first call needing it.
 */
static inline bool pgt_mm_ops_complete(const struct pgt_mm_ops *mm)
{
	return mm && mm->zalloc_page && mm->zalloc_pages_exact && mm->free_pages_exact &&
	       mm->get_page && mm->put_page && mm->page_count && mm->phys_to_virt &&
	       mm->virt_to_phys && mm->tlbi_va && mm->tlbi_all;
}

void pgt_memcache_recycle(struct pgt_memcache *mc, void *table);
bool pgt_break(const struct pgt_visit_ctx *ctx);
void pgt_pte_make(const struct pgt_visit_ctx *ctx, pgt_pte_t new);
void pgt_unlinked_tree(struct pgt *tree, struct pgt_mm_ops *mm_ops, void *table, pgt_s8 level,
		       u8 granule_shift);
void pgt_root_free(struct pgt *pgt);

int pgt_stage2_config_check(const struct pgt_config *cfg);
int pgt_stage2_unmap_filtered(struct pgt *pgt, u64 addr, u64 size, bool device_only,
			      struct pgt_memcache *recycle);

#endif /* PGTABLE_INTERNAL_H */
