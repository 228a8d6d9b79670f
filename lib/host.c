// SPDX-License-Identifier: GPL-2.0-only
/*
 * host.c - the pKVM host's stage 2: an identity map built lazily, one fault
 * at a time, with the largest blocks that fit.
 */
#include "internal.h"

static bool region_aligned(const struct pgt_host *host, u32 page)
{
	u32 i;

	for (i = 0; i < host->nr_regions; i++)
		if (!PGT_IS_ALIGNED(host->regions[i].base | host->regions[i].size, page))
			return false;
	return true;
}

/* The first region that ends above @addr (binary search: regions are sorted). */
static u32 region_after(const struct pgt_host *host, u64 addr)
{
	u32 lo = 0, hi = host->nr_regions;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct pgt_mem_region *r = &host->regions[mid];

		if (r->base + r->size <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The memory region holding @addr, or the MMIO gap around it. */
static void host_bounds(const struct pgt_host *host, u64 addr, struct pgt_host_range *b)
{
	u32 i = region_after(host, addr);
	const struct pgt_mem_region *r = i < host->nr_regions ? &host->regions[i] : NULL;

	if (r && r->base <= addr) {
		*b = (struct pgt_host_range){ r->base, r->base + r->size, true };
		return;
	}
	b->start = i ? host->regions[i - 1].base + host->regions[i - 1].size : 0;
	b->end = r ? r->base : 1ULL << host->pgt->geom.ia_bits;
	b->is_memory = false;
}

/*
 * The highest level whose block one fault may map with one new table per
 * level: any leaf level, or on a pages-only tree the span of one last-level
 * table (a larger span would need a table for every page of it).
 */
static pgt_s8 host_top_level(const struct pgt_host *host, pgt_s8 level)
{
	if ((host->pgt->flags & PGT_S2_FORCE_PAGES) && level < PGT_MAX_LEVEL - 1)
		return PGT_MAX_LEVEL - 1;
	return level;
}

/*
 * From the level where the lookup stopped (an invalid entry: nothing below
 * it is mapped) down, the first level whose aligned block around @addr
 * stays within the bounds.  Level 3 always does: bounds are page aligned.
 */
static void host_narrow(const struct pgt_host *host, u64 addr, pgt_s8 level,
			struct pgt_host_range *range)
{
	const struct pgt_geometry *geom = &host->pgt->geom;

	for (level = host_top_level(host, level); level <= PGT_MAX_LEVEL; level++) {
		u64 size = pgt_level_size(geom, level);
		u64 start = PGT_ALIGN_DOWN(addr, size);

		if (!pgt_level_has_leaves(geom, level))
			continue;
		if (start >= range->start && start + size <= range->end) {
			range->start = start;
			range->end = start + size;
			return;
		}
	}
}

int pgt_host_find_range(struct pgt_host *host, u64 addr, struct pgt_host_range *range)
{
	pgt_pte_t pte;
	pgt_s8 level;
	int ret = pgt_get_leaf(host->pgt, addr, &pte, &level);

	if (ret)
		return ret;
	if (!region_aligned(host, pgt_page_size(&host->pgt->geom)))
		return -EINVAL;
	if (pgt_pte_valid(pte))
		return -EAGAIN;
	if (pgt_s2_pte_owner(pte))
		return -EPERM;
	host_bounds(host, addr, range);
	host_narrow(host, addr, level, range);
	return 0;
}

/* Drop every device mapping; their emptied tables go to the device pool. */
static void host_unmap_devices(struct pgt_host *host)
{
	struct pgt *pgt = host->pgt;

	if (!host->dev_pool->nr)
		host->dev_pool->page_size = pgt_page_size(&pgt->geom);
	pgt_stage2_unmap_filtered(pgt, 0, 1ULL << pgt->geom.ia_bits, true, host->dev_pool);
}

int pgt_host_map_range(struct pgt_host *host, const struct pgt_host_range *range)
{
	u32 prot = range->is_memory ? PGT_PROT_RWX : PGT_PROT_RW | PGT_PROT_DEVICE;
	struct pgt_memcache *pool = range->is_memory ? host->mem_pool : host->dev_pool;
	u64 size = range->end - range->start;
	int ret;

	ret = pgt_stage2_map(host->pgt, range->start, size, range->start, prot, pool, 0);
	if (range->is_memory || ret != -ENOMEM)
		return ret;
	host_unmap_devices(host);
	return pgt_stage2_map(host->pgt, range->start, size, range->start, prot, pool, 0);
}

int pgt_host_idmap(struct pgt_host *host, u64 addr)
{
	struct pgt_host_range range;
	int ret = pgt_host_find_range(host, addr, &range);

	return ret ? ret : pgt_host_map_range(host, &range);
}
