// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_host.c - "region" and "idmap": the pKVM host's identity-mapped stage 2
 * (Documentation/host.rst), run on the current stage-2 table.
 *
 * Pools: before each idmap, both the memory and the device pool are topped
 * up to hold at least one page per level below the root, the most tables a
 * single fault can add.  Pages a fault did not use stay in the pools.
 */
#include <stdlib.h>

#include "replay.h"

/* The first region that starts at or above @base. */
static u32 region_slot(const struct replay *r, u64 base)
{
	u32 i = 0;

	while (i < r->nr_regions && r->regions[i].base < base)
		i++;
	return i;
}

static bool overlaps(const struct pgt_mem_region *m, u64 base, u64 end)
{
	return m->base < end && base < m->base + m->size;
}

static int region_grow(struct replay *r)
{
	u32 cap = r->cap_regions ? 2 * r->cap_regions : 8;
	struct pgt_mem_region *n = realloc(r->regions, cap * sizeof(*n));

	if (!n)
		return -ENOMEM;
	r->regions = n;
	r->cap_regions = cap;
	return 0;
}

/* Regions are kept sorted by base; an overlapping one is refused (EEXIST). */
int cmd_region(struct replay *r, struct cmd_args *a)
{
	u64 base = a->num[0], size = a->num[1];
	u32 i = region_slot(r, base), j;
	int ret;

	if (!size || base + size < base)
		return -EINVAL;
	if ((i < r->nr_regions && overlaps(&r->regions[i], base, base + size)) ||
	    (i && overlaps(&r->regions[i - 1], base, base + size)))
		return -EEXIST;
	if (r->nr_regions == r->cap_regions && (ret = region_grow(r)))
		return ret;
	for (j = r->nr_regions; j > i; j--)
		r->regions[j] = r->regions[j - 1];
	r->regions[i] = (struct pgt_mem_region){ .base = base, .size = size };
	r->nr_regions++;
	return 0;
}

void replay_free_regions(struct replay *r)
{
	free(r->regions);
	r->regions = NULL;
	r->nr_regions = r->cap_regions = 0;
}

static void pools_topup(struct replay *r)
{
	u32 page = pgt_page_size(&r->pgt.geom);
	u32 levels = PGT_MAX_LEVEL - r->pgt.geom.start_level;

	/* Running dry is reported by the map (-ENOMEM), not here. */
	pgt_memcache_topup(&r->mem_pool, r->mm, page, levels);
	pgt_memcache_topup(&r->dev_pool, r->mm, page, levels);
}

/* pgt_host_find_range(), then pgt_host_map_range(): what one host fault does. */
int cmd_idmap(struct replay *r, struct cmd_args *a)
{
	struct pgt_host host = {
		.pgt = &r->pgt,
		.regions = r->regions,
		.nr_regions = r->nr_regions,
		.mem_pool = &r->mem_pool,
		.dev_pool = &r->dev_pool,
	};
	struct pgt_host_range range;
	int ret;

	pools_topup(r);
	ret = pgt_host_find_range(&host, a->num[0], &range);
	if (!ret)
		ret = pgt_host_map_range(&host, &range);
	if (!ret)
		replay_extra(a, "start=0x%llx size=0x%llx type=%s",
			     (unsigned long long)range.start,
			     (unsigned long long)(range.end - range.start),
			     range.is_memory ? "memory" : "device");
	return ret;
}
