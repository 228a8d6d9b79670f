// SPDX-License-Identifier: GPL-2.0-only
/*
 * memcache.c - pages set aside, before a lock is taken, for an operation
 * that must not allocate while holding it.
 *
 * Free pages are linked through their own first word, so a cache has no
 * capacity limit and needs no memory of its own; popping a page zeroes the
 * link again, so every page handed out is entirely zero.
 */
#include "internal.h"

static void memcache_push(struct pgt_memcache *mc, void *page)
{
	*(void **)page = mc->head;
	mc->head = page;
	mc->nr++;
}

void *pgt_memcache_pop(struct pgt_memcache *mc)
{
	return pgt_cache_pop(mc);
}

int pgt_memcache_topup(struct pgt_memcache *mc, struct pgt_mm_ops *mm_ops, u32 page_size,
		       u32 min)
{
	if (mc->nr && mc->page_size != page_size)
		return -EINVAL;
	mc->page_size = page_size;
	while (mc->nr < min) {
		void *page = mm_ops->zalloc_page(mm_ops, page_size);

		if (!page)
			return -ENOMEM;
		memcache_push(mc, page);
	}
	return 0;
}

void pgt_memcache_free(struct pgt_memcache *mc, struct pgt_mm_ops *mm_ops)
{
	void *page;

	while ((page = pgt_memcache_pop(mc)))
		mm_ops->put_page(mm_ops, page);
}

/* An empty table is all zeroes already: it can go straight back into a cache. */
void pgt_memcache_recycle(struct pgt_memcache *mc, void *table)
{
	memcache_push(mc, table);
}
