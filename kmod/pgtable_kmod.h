/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pgtable_kmod.h - libpgtable's kernel home, for modules that build on
 * pgtable.ko: the library API is include/pgtable.h (every function exported
 * GPL); this adds the kernel's struct pgt_mm_ops and its counters.
 */
#ifndef PGTABLE_KMOD_H
#define PGTABLE_KMOD_H

#include <linux/types.h>

#include "pgtable.h"

/**
 * struct pgt_kmod_stats - what the kernel home has done since the module was
 *	loaded.  "Pages" are kernel pages (PAGE_SIZE): a 64K table on a 4K-page
 *	kernel counts 16.
 * @pages_allocated: pages handed out, table pages and root allocations.
 * @pages_freed: pages given back.  Equal to @pages_allocated once every tree
 *	is destroyed and every RCU-deferred free has run.
 * @table_allocs: zalloc_page calls that succeeded.
 * @table_frees: table pages whose last reference was dropped.
 * @exact_allocs: zalloc_pages_exact calls that succeeded (concatenated roots).
 * @exact_frees: free_pages_exact calls.
 * @alloc_failures: allocations that returned NULL (injected ones included).
 * @deferred_frees: subtrees handed to free_unlinked_table (call_rcu).
 * @deferred_done: of those, subtrees freed after their grace period.
 * @tlbi_va: tlbi_va calls (counted only: see kmod/mm.c).
 * @tlbi_range: tlbi_range calls.
 * @tlbi_all: tlbi_all calls.
 * @dcache_ops: dcache_clean_inval_poc calls.
 * @dcache_bytes: bytes they named.
 * @dcache_real_bytes: of those, bytes of System RAM actually cleaned.
 * @icache_ops: icache_inval_pou calls.
 * @icache_bytes: bytes they named.
 * @icache_real_bytes: of those, bytes of System RAM actually maintained.
 * @refcount_errors: get/put on a page without references (each also WARNs).
 */
struct pgt_kmod_stats {
	u64 pages_allocated;
	u64 pages_freed;
	u64 table_allocs;
	u64 table_frees;
	u64 exact_allocs;
	u64 exact_frees;
	u64 alloc_failures;
	u64 deferred_frees;
	u64 deferred_done;
	u64 tlbi_va;
	u64 tlbi_range;
	u64 tlbi_all;
	u64 dcache_ops;
	u64 dcache_bytes;
	u64 dcache_real_bytes;
	u64 icache_ops;
	u64 icache_bytes;
	u64 icache_real_bytes;
	u64 refcount_errors;
};

/**
 * pgt_kmod_mm_ops() - the kernel home's struct pgt_mm_ops.
 *
 * Return: the ops, valid while pgtable.ko is loaded.
 *
 * Table pages come from the page allocator (GFP_KERNEL: operations that
 * allocate without a memory cache may sleep), reference counts live in their
 * struct page, unlinked subtrees are freed after an RCU grace period, and
 * shared walks are RCU read-side sections.  TLB hooks only count: no CPU
 * ever walks these tables.  Cache maintenance is done on System RAM only.
 */
struct pgt_mm_ops *pgt_kmod_mm_ops(void);

/**
 * pgt_kmod_stats_get() - a snapshot of the kernel home's counters.
 * @out: filled in.
 */
void pgt_kmod_stats_get(struct pgt_kmod_stats *out);

#endif /* PGTABLE_KMOD_H */
