// SPDX-License-Identifier: GPL-2.0-only
/*
 * mm.c - libpgtable's kernel home: struct pgt_mm_ops on the page allocator.
 *
 * Table pages.  zalloc_page(size) returns a zeroed, naturally aligned block
 * of max(size, PAGE_SIZE) bytes from alloc_pages(): a 16K or 64K table on a
 * 4K-page kernel is one compound page of order 2 or 4 (the buddy allocator
 * aligns every block to its size), and on a 16K or 64K-page kernel a smaller
 * table simply takes a whole page.  The library's reference count is the
 * head page's _refcount (page_ref_*), which alloc_pages() starts at 1.  The
 * last put frees the block and counts it: the count is brought back to 1 and
 * __free_pages() drops it, so every free goes through one place.
 *
 * Roots.  zalloc_pages_exact() is alloc_pages_exact(): a power-of-two size
 * of at least a page comes out aligned to itself.  Roots are never counted.
 *
 * Deferred frees.  free_unlinked_table() is called inside shared walks, where
 * it must neither sleep nor fail, so it keeps everything in the table's own
 * head page: page->rcu_head for call_rcu() ("you can use this to free a page
 * by RCU", mm_types.h) and page->private for the level and granule.  Shared
 * walks are rcu_read_lock() sections, so the callback runs only when no
 * walker that could have seen the subtree is left.
 *
 * Misuse.  A bad size, a reference count at or below zero, a table handed
 * to free_unlinked_table twice, or a root freed with a bad size is refused
 * and reported: counted, and warned about unless a self-test case announced
 * it (pgt_kmod_expect_misuse()).  The self-test fails every case during
 * which an unannounced report came.
 *
 * TLB maintenance.  The hooks only count.  In this home the tables are data
 * structures, never installed in TTBR0_EL2 or VTTBR_EL2 of any CPU: there is
 * no VMID or EL2 regime whose TLB entries could be stale, and a module running
 * at EL1 could not issue TLBI *E2* or IPAS2* anyway.
 *
 * Cache maintenance.  The hooks take physical addresses of the memory being
 * mapped.  Most of what the self-test maps is made up (addresses far above
 * RAM), so the hooks count every call and act only on ranges that are wholly
 * System RAM, through their linear-map alias and with what arm64 exports to
 * modules: arch_wb_cache_pmem() cleans to the PoC (dcache_clean_inval_poc()
 * itself is not exported in 6.1; a clean without the invalidate is what
 * makes memory seen uncached up to date, and invalidating memory the kernel
 * may be writing would lose data), caches_clean_inval_pou() cleans to the
 * PoU and invalidates the I-cache.  Elsewhere (x86-64) they only count.
 */
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/page_ref.h>
#include <linux/rcupdate.h>
#ifdef CONFIG_ARM64
#include <linux/libnvdimm.h>
#include <linux/cacheflush.h>
#endif

#include "home.h"

enum kmod_stat {
	ST_PAGES_ALLOCATED,
	ST_PAGES_FREED,
	ST_TABLE_ALLOCS,
	ST_TABLE_FREES,
	ST_EXACT_ALLOCS,
	ST_EXACT_FREES,
	ST_ALLOC_FAILURES,
	ST_DEFERRED_FREES,
	ST_DEFERRED_DONE,
	ST_TLBI_VA,
	ST_TLBI_RANGE,
	ST_TLBI_ALL,
	ST_DCACHE_OPS,
	ST_DCACHE_BYTES,
	ST_DCACHE_REAL_BYTES,
	ST_ICACHE_OPS,
	ST_ICACHE_BYTES,
	ST_ICACHE_REAL_BYTES,
	ST_REFCOUNT_ERRORS,
	ST_NR,
};

static_assert(sizeof(struct pgt_kmod_stats) == ST_NR * sizeof(u64));

static atomic64_t stats[ST_NR];
static atomic64_t alloc_calls;
static atomic64_t fail_at;	/* alloc_calls value that fails; 0: none */
static atomic64_t misuse_reports, misuse_unexpected, misuse_expected;

/* Count a misuse report; true if no case expected it. */
static bool misuse_report(void)
{
	atomic64_inc(&misuse_reports);
	if (atomic64_add_unless(&misuse_expected, -1, 0))
		return false;
	atomic64_inc(&misuse_unexpected);
	return true;
}

#define kmod_misuse(fmt, ...) do {						\
	if (misuse_report())							\
		WARN_ONCE(1, "pgtable: home misuse: " fmt, ##__VA_ARGS__);	\
	else									\
		pr_info("pgtable: expected home misuse: " fmt "\n", ##__VA_ARGS__);\
} while (0)

u64 pgt_kmod_misuse_reports(void)
{
	return atomic64_read(&misuse_reports);
}

u64 pgt_kmod_misuse_unexpected(void)
{
	return atomic64_read(&misuse_unexpected);
}

void pgt_kmod_expect_misuse(u64 n)
{
	atomic64_add(n, &misuse_expected);
}

u64 pgt_kmod_misuse_unmet(void)
{
	return atomic64_xchg(&misuse_expected, 0);
}

static void stat_add(enum kmod_stat s, u64 n)
{
	atomic64_add(n, &stats[s]);
}

void pgt_kmod_stats_get(struct pgt_kmod_stats *out)
{
	u64 *v = (u64 *)out;
	int i;

	for (i = 0; i < ST_NR; i++)
		v[i] = atomic64_read(&stats[i]);
}

s64 pgt_kmod_pages_in_use(void)
{
	return atomic64_read(&stats[ST_PAGES_ALLOCATED]) - atomic64_read(&stats[ST_PAGES_FREED]);
}

void pgt_kmod_fail_nth_alloc(u64 n)
{
	atomic64_set(&fail_at, n ? atomic64_read(&alloc_calls) + n : 0);
}

u64 pgt_kmod_alloc_calls(void)
{
	return atomic64_read(&alloc_calls);
}

/* Count the attempt; true if an injected failure claims it. */
static bool alloc_fails(void)
{
	s64 n = atomic64_inc_return(&alloc_calls);
	s64 at = atomic64_read(&fail_at);

	return at && at == n && atomic64_cmpxchg(&fail_at, at, 0) == at;
}

/* ---- table pages ---- */

static unsigned int table_order(u32 size)
{
	return size > PAGE_SIZE ? get_order(size) : 0;
}

static void *kmod_zalloc_page(struct pgt_mm_ops *mm, u32 size)
{
	unsigned int order;
	struct page *page;

	if (size != SZ_4K && size != SZ_16K && size != SZ_64K) {
		kmod_misuse("zalloc_page: bad size %u", size);
		return NULL;
	}
	order = table_order(size);
	if (alloc_fails())
		goto fail;
	page = alloc_pages(GFP_KERNEL | __GFP_ZERO | (order ? __GFP_COMP : 0), order);
	if (!page)
		goto fail;
	stat_add(ST_TABLE_ALLOCS, 1);
	stat_add(ST_PAGES_ALLOCATED, 1UL << order);
	return page_address(page);
fail:
	stat_add(ST_ALLOC_FAILURES, 1);
	return NULL;
}

/* The page that carries a table's reference count (any address inside it). */
static struct page *table_head(void *addr)
{
	return virt_to_head_page(addr);
}

static void table_free(struct page *page)
{
	unsigned int order = compound_order(page);

	stat_add(ST_TABLE_FREES, 1);
	stat_add(ST_PAGES_FREED, 1UL << order);
	/* The count reached zero here: __free_pages() wants to drop the last one itself. */
	set_page_count(page, 1);
	__free_pages(page, order);
}

static void kmod_get_page(struct pgt_mm_ops *mm, void *addr)
{
	struct page *page = table_head(addr);

	if (page_ref_count(page) <= 0) {
		stat_add(ST_REFCOUNT_ERRORS, 1);
		kmod_misuse("get_page: %p has no references", addr);
		return;
	}
	page_ref_inc(page);
}

static void kmod_put_page(struct pgt_mm_ops *mm, void *addr)
{
	struct page *page = table_head(addr);

	if (page_ref_count(page) <= 0) {
		stat_add(ST_REFCOUNT_ERRORS, 1);
		kmod_misuse("put_page: %p has no references", addr);
		return;
	}
	if (page_ref_dec_and_test(page))
		table_free(page);
}

static int kmod_page_count(struct pgt_mm_ops *mm, void *addr)
{
	return page_ref_count(table_head(addr));
}

/* ---- roots ---- */

static void *kmod_zalloc_pages_exact(struct pgt_mm_ops *mm, u64 size)
{
	void *p;

	if (!is_power_of_2(size) || size < SZ_4K || size > SZ_1M) {
		kmod_misuse("zalloc_pages_exact: bad size %#llx", size);
		return NULL;
	}
	if (alloc_fails())
		goto fail;
	p = alloc_pages_exact(size, GFP_KERNEL | __GFP_ZERO);
	if (!p)
		goto fail;
	stat_add(ST_EXACT_ALLOCS, 1);
	stat_add(ST_PAGES_ALLOCATED, PAGE_ALIGN(size) >> PAGE_SHIFT);
	return p;
fail:
	stat_add(ST_ALLOC_FAILURES, 1);
	return NULL;
}

static void kmod_free_pages_exact(struct pgt_mm_ops *mm, void *addr, u64 size)
{
	if (!is_power_of_2(size) || size < SZ_4K || size > SZ_1M ||
	    !IS_ALIGNED((unsigned long)addr, size)) {
		kmod_misuse("free_pages_exact: %p/%#llx is no root allocation", addr, size);
		return;
	}
	stat_add(ST_EXACT_FREES, 1);
	stat_add(ST_PAGES_FREED, PAGE_ALIGN(size) >> PAGE_SHIFT);
	free_pages_exact(addr, size);
}

/* ---- addresses ---- */

static void *kmod_phys_to_virt(struct pgt_mm_ops *mm, u64 phys)
{
	return phys_to_virt(phys);
}

static u64 kmod_virt_to_phys(struct pgt_mm_ops *mm, void *addr)
{
	return virt_to_phys(addr);
}

bool pgt_kmod_read64(void *ctx, u64 pa, u64 *val)
{
	struct pgt_mm_ops *mm = ctx;
	struct page *page;

	if (pa & 7 || !pfn_valid(PHYS_PFN(pa)))
		return false;
	/*
	 * Only pages the buddy allocator handed out and nobody freed: never
	 * reserved (memory outside the linear map is), references held.
	 */
	page = compound_head(pfn_to_page(PHYS_PFN(pa)));
	if (PageReserved(page) || page_ref_count(page) <= 0)
		return false;
	*val = READ_ONCE(*(u64 *)mm->phys_to_virt(mm, pa));
	return true;
}

/* ---- deferred frees ---- */

/* page->private of a table waiting for its grace period: level and granule. */
#define DEFERRED_PRIVATE(level, granule)	\
	((unsigned long)(u8)(level) | (unsigned long)(granule) << 8)
#define DEFERRED_LEVEL(priv)			((pgt_s8)((priv) & 0xff))
#define DEFERRED_GRANULE(priv)			((u8)((priv) >> 8))

static struct pgt_mm_ops kmod_ops;

static void kmod_unlinked_rcu(struct rcu_head *head)
{
	struct page *page = container_of(head, struct page, rcu_head);
	unsigned long priv = page_private(page);

	set_page_private(page, 0);
	/* The rcu_head shares its words with page->lru: leave them as a fresh page has them. */
	INIT_LIST_HEAD(&page->lru);
	stat_add(ST_DEFERRED_DONE, 1);
	pgt_unlinked_free(&kmod_ops, page_address(page), DEFERRED_LEVEL(priv),
			  DEFERRED_GRANULE(priv));
}

static void kmod_free_unlinked_table(struct pgt_mm_ops *mm, void *table, pgt_s8 level,
				     u8 granule_shift)
{
	struct page *page = table_head(table);

	/* Queued already: a second call_rcu() on its rcu_head would corrupt RCU's list. */
	if (page_private(page)) {
		kmod_misuse("free_unlinked_table: %p is already waiting for a grace period",
			    table);
		return;
	}
	stat_add(ST_DEFERRED_FREES, 1);
	set_page_private(page, DEFERRED_PRIVATE(level, granule_shift));
	call_rcu(&page->rcu_head, kmod_unlinked_rcu);
}

void pgt_kmod_mm_drain(void)
{
	/* rcu_barrier() waits for callbacks queued so far; frees they queue are not RCU. */
	rcu_barrier();
}

static void kmod_shared_walk_begin(struct pgt_mm_ops *mm)
{
	rcu_read_lock();
}

static void kmod_shared_walk_end(struct pgt_mm_ops *mm)
{
	rcu_read_unlock();
}

/* ---- cache maintenance ---- */

/* Is [phys, phys + size) wholly System RAM, hence in the linear map? */
static bool __maybe_unused is_system_ram(u64 phys, u64 size)
{
	return size && region_intersects(phys, size, IORESOURCE_SYSTEM_RAM,
					 IORES_DESC_NONE) == REGION_INTERSECTS;
}

static void kmod_dcache_clean_inval_poc(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	stat_add(ST_DCACHE_OPS, 1);
	stat_add(ST_DCACHE_BYTES, size);
#ifdef CONFIG_ARM64
	if (is_system_ram(phys, size)) {
		arch_wb_cache_pmem(phys_to_virt(phys), size);
		stat_add(ST_DCACHE_REAL_BYTES, size);
	}
#endif
}

static void kmod_icache_inval_pou(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	stat_add(ST_ICACHE_OPS, 1);
	stat_add(ST_ICACHE_BYTES, size);
#ifdef CONFIG_ARM64
	if (is_system_ram(phys, size)) {
		unsigned long va = (unsigned long)phys_to_virt(phys);

		caches_clean_inval_pou(va, va + size);
		stat_add(ST_ICACHE_REAL_BYTES, size);
	}
#endif
}

/* ---- TLB maintenance: counted only (see the top of this file) ---- */

static void kmod_tlbi_va(struct pgt_mm_ops *mm, void *cookie, u64 addr, pgt_s8 level,
			 bool leaf)
{
	stat_add(ST_TLBI_VA, 1);
}

static void kmod_tlbi_range(struct pgt_mm_ops *mm, void *cookie, u64 addr, u64 size,
			    pgt_s8 level)
{
	stat_add(ST_TLBI_RANGE, 1);
}

static void kmod_tlbi_all(struct pgt_mm_ops *mm, void *cookie)
{
	stat_add(ST_TLBI_ALL, 1);
}

static struct pgt_mm_ops kmod_ops = {
	.zalloc_page = kmod_zalloc_page,
	.zalloc_pages_exact = kmod_zalloc_pages_exact,
	.free_pages_exact = kmod_free_pages_exact,
	.get_page = kmod_get_page,
	.put_page = kmod_put_page,
	.page_count = kmod_page_count,
	.phys_to_virt = kmod_phys_to_virt,
	.virt_to_phys = kmod_virt_to_phys,
	.free_unlinked_table = kmod_free_unlinked_table,
	.dcache_clean_inval_poc = kmod_dcache_clean_inval_poc,
	.icache_inval_pou = kmod_icache_inval_pou,
	.tlbi_va = kmod_tlbi_va,
	.tlbi_range = kmod_tlbi_range,
	.tlbi_all = kmod_tlbi_all,
	.shared_walk_begin = kmod_shared_walk_begin,
	.shared_walk_end = kmod_shared_walk_end,
};

struct pgt_mm_ops *pgt_kmod_mm_ops(void)
{
	return &kmod_ops;
}

int pgt_kmod_mm_init(void)
{
	int i;

	for (i = 0; i < ST_NR; i++)
		atomic64_set(&stats[i], 0);
	atomic64_set(&alloc_calls, 0);
	atomic64_set(&fail_at, 0);
	atomic64_set(&misuse_reports, 0);
	atomic64_set(&misuse_unexpected, 0);
	atomic64_set(&misuse_expected, 0);
	return 0;
}
