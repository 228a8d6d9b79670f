/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pgtable_hosted.h - a ready-made home for libpgtable in an ordinary
 * program: struct pgt_mm_ops over heap memory, and a readable listing of a
 * tree.  Installed with the library (#include <pgtable/pgtable_hosted.h>,
 * pkg-config libpgtable); Documentation/install.rst shows it in use.
 *
 * A home is one aligned heap allocation standing for the physical range
 * [phys_base, phys_base + size).  Table pages are handed out from it lowest
 * address first, each aligned to its size both as a pointer and as a
 * physical address, with a reference count; so descriptors hold small,
 * reproducible physical addresses that fit any output size, and
 * phys_to_virt()/virt_to_phys() are one subtraction.
 *
 * Every mm_ops callback is thread-safe.  Concurrent shared walks
 * (PGT_WALK_SHARED) need a home created with PGT_HOSTED_RCU: walks are then
 * liburcu read-side sections and unlinked subtrees are freed after a grace
 * period.  The TLB and cache hooks only count what the library asked for:
 * the tables are never live on a CPU here.
 *
 * Misuse the library could commit (a reference count underflow, a free of
 * something never allocated, memory still allocated at destruction) is
 * reported on stderr, or to the program's function (pgt_hosted_set_report()),
 * and counted in struct pgt_hosted_stats.warnings rather than crashing.
 *
 * A program testing its own use of the library gets the rest of what a test
 * suite needs (since 0.3.0): a hook inside every call that can also refuse
 * allocations, the library's PGT_WARN_ON()s handed to it, its own
 * unlinked-subtree free, and descriptor reads by physical address.  The
 * library's own test suite is built on exactly these (test/host_mm.c).
 */
#ifndef PGTABLE_HOSTED_H
#define PGTABLE_HOSTED_H

#include <stdio.h>

#include "pgtable.h"

#ifdef __cplusplus
extern "C" {
#endif

/** PGT_HOSTED_FRAME_SIZE - the home's unit of memory: one 4 KiB frame. */
#define PGT_HOSTED_FRAME_SIZE	4096u
/** PGT_HOSTED_ALIGN - size and phys_base of a home are multiples of this (1 MiB). */
#define PGT_HOSTED_ALIGN	(1u << 20)

/**
 * enum pgt_hosted_flags - how a home frees what concurrent walkers may read.
 * @PGT_HOSTED_RCU: shared walks are liburcu (memb flavour) read-side
 *	sections and free_unlinked_table waits for a grace period.  Threads
 *	that walk or edit shared trees call pgt_hosted_thread_online() first.
 *	Without it, unlinked subtrees are freed at once: one thread at a time.
 */
enum pgt_hosted_flags {
	PGT_HOSTED_RCU = 1u << 0,
};

/**
 * struct pgt_hosted_stats - what a home has seen since creation or the last
 *	pgt_hosted_stats_reset().
 * @frames_in_use: 4 KiB frames allocated now (a 64 KiB page counts 16).
 * @peak_frames: the most frames in use at any time.
 * @allocs: successful allocations (table pages and exact ones).
 * @frees: allocations given back.
 * @failed_allocs: allocations refused because the home was full.
 * @tlbi_va_leaf: tlbi_va calls for last-level entries only.
 * @tlbi_va_table: tlbi_va calls that include table entries.
 * @tlbi_range: tlbi_range calls.
 * @tlbi_all: tlbi_all calls.
 * @dcache_ops: dcache_clean_inval_poc calls.
 * @dcache_bytes: bytes they covered.
 * @icache_ops: icache_inval_pou calls.
 * @icache_bytes: bytes they covered.
 * @unlinked_frees: subtrees handed to free_unlinked_table.
 * @rcu_frees: of those, subtrees freed after a grace period.
 * @warnings: misuse reported on stderr.
 */
struct pgt_hosted_stats {
	u64 frames_in_use;
	u64 peak_frames;
	u64 allocs;
	u64 frees;
	u64 failed_allocs;
	u64 tlbi_va_leaf;
	u64 tlbi_va_table;
	u64 tlbi_range;
	u64 tlbi_all;
	u64 dcache_ops;
	u64 dcache_bytes;
	u64 icache_ops;
	u64 icache_bytes;
	u64 unlinked_frees;
	u64 rcu_frees;
	u64 warnings;
};

struct pgt_hosted;

/**
 * pgt_hosted_create() - a new home with all of its memory free.
 * @size: bytes of memory for table pages, a non-zero multiple of
 *	PGT_HOSTED_ALIGN (256 KiB of tables map a few GiB in 2 MiB blocks).
 * @phys_base: the physical address the first byte stands for, a multiple
 *	of PGT_HOSTED_ALIGN; keep @phys_base + @size within the tables' pa_bits.
 * @flags: enum pgt_hosted_flags.
 *
 * Return: the home, or NULL for bad arguments or when the heap is exhausted.
 */
struct pgt_hosted *pgt_hosted_create(u64 size, u64 phys_base, u32 flags);

/**
 * pgt_hosted_destroy() - give the home's memory back to the heap.
 * @h: the home, or NULL.  Destroy the trees first; subtrees still waiting
 *	for a grace period are waited for.  Pages still allocated are
 *	reported as a warning (a leak in the caller or the library).
 */
void pgt_hosted_destroy(struct pgt_hosted *h);

/**
 * pgt_hosted_ops() - the mm_ops to pass to pgt_stage2_init(), pgt_hyp_init()...
 * @h: the home.
 *
 * Return: the home's ops; valid until pgt_hosted_destroy().
 */
struct pgt_mm_ops *pgt_hosted_ops(struct pgt_hosted *h);

/**
 * pgt_hosted_from_ops() - the home whose ops these are.
 * @ops: from pgt_hosted_ops().
 *
 * Return: the home.
 */
struct pgt_hosted *pgt_hosted_from_ops(struct pgt_mm_ops *ops);

/**
 * pgt_hosted_phys_base() - the physical address of the home's first byte.
 * @h: the home.
 *
 * Return: phys_base as created.
 */
u64 pgt_hosted_phys_base(const struct pgt_hosted *h);

/**
 * pgt_hosted_size() - bytes of memory the home manages.
 * @h: the home.
 *
 * Return: size as created.
 */
u64 pgt_hosted_size(const struct pgt_hosted *h);

/**
 * pgt_hosted_in_use() - bytes allocated now (thread-safe).
 * @h: the home.
 *
 * Return: frames_in_use * PGT_HOSTED_FRAME_SIZE; 0 once every tree is
 * destroyed and pgt_hosted_synchronize() has returned.
 */
u64 pgt_hosted_in_use(struct pgt_hosted *h);

/**
 * pgt_hosted_stats() - a snapshot of the counters (thread-safe).
 * @h: the home.
 * @out: filled in.
 */
void pgt_hosted_stats(struct pgt_hosted *h, struct pgt_hosted_stats *out);

/**
 * pgt_hosted_stats_reset() - zero every counter except frames_in_use; the
 *	peak restarts from the current use.
 * @h: the home.
 */
void pgt_hosted_stats_reset(struct pgt_hosted *h);

/**
 * pgt_hosted_synchronize() - wait until every subtree queued for a grace
 *	period so far has been freed, and those frees' own frees too.
 * @h: the home.  Not from inside a shared walk (it would wait for itself).
 *	Returns at once on a home without PGT_HOSTED_RCU.
 *
 * Return: subtrees the grace periods freed while it waited.
 */
u64 pgt_hosted_synchronize(struct pgt_hosted *h);

/**
 * pgt_hosted_thread_online() - make the calling thread a liburcu reader, as
 *	every thread that walks or edits a tree of a PGT_HOSTED_RCU home must
 *	be before its first walk.  Harmless for other homes.
 */
void pgt_hosted_thread_online(void);

/**
 * pgt_hosted_thread_offline() - the calling thread walks no more; call it
 *	before the thread exits.
 */
void pgt_hosted_thread_offline(void);

/**
 * pgt_hosted_lib_warnings() - how many PGT_WARN_ON()s the library has
 *	reported (on stderr) in this process: non-zero means a bug.
 *
 * Return: the count.
 */
u64 pgt_hosted_lib_warnings(void);

/* ---- Testing a program against the home (since 0.3.0, LIBPGTABLE_0.3) ---- */

/**
 * enum pgt_hosted_call - the home's mm_ops calls, for pgt_hosted_set_hook().
 * @PGT_HOSTED_ZALLOC_PAGE: zalloc_page.
 * @PGT_HOSTED_ZALLOC_PAGES_EXACT: zalloc_pages_exact.
 * @PGT_HOSTED_FREE_PAGES_EXACT: free_pages_exact.
 * @PGT_HOSTED_GET_PAGE: get_page.
 * @PGT_HOSTED_PUT_PAGE: put_page.
 * @PGT_HOSTED_PAGE_COUNT: page_count.
 * @PGT_HOSTED_PAGE_REF_ADD: page_ref_add.
 * @PGT_HOSTED_PHYS_TO_VIRT: phys_to_virt.
 * @PGT_HOSTED_VIRT_TO_PHYS: virt_to_phys.
 * @PGT_HOSTED_FREE_UNLINKED_TABLE: free_unlinked_table.
 * @PGT_HOSTED_DCACHE: dcache_clean_inval_poc.
 * @PGT_HOSTED_ICACHE: icache_inval_pou.
 * @PGT_HOSTED_TLBI_VA: tlbi_va.
 * @PGT_HOSTED_TLBI_RANGE: tlbi_range.
 * @PGT_HOSTED_TLBI_ALL: tlbi_all.
 * @PGT_HOSTED_SHARED_WALK_BEGIN: shared_walk_begin.
 * @PGT_HOSTED_SHARED_WALK_END: shared_walk_end.
 * @PGT_HOSTED_NR_CALLS: the number of calls.
 */
enum pgt_hosted_call {
	PGT_HOSTED_ZALLOC_PAGE,
	PGT_HOSTED_ZALLOC_PAGES_EXACT,
	PGT_HOSTED_FREE_PAGES_EXACT,
	PGT_HOSTED_GET_PAGE,
	PGT_HOSTED_PUT_PAGE,
	PGT_HOSTED_PAGE_COUNT,
	PGT_HOSTED_PAGE_REF_ADD,
	PGT_HOSTED_PHYS_TO_VIRT,
	PGT_HOSTED_VIRT_TO_PHYS,
	PGT_HOSTED_FREE_UNLINKED_TABLE,
	PGT_HOSTED_DCACHE,
	PGT_HOSTED_ICACHE,
	PGT_HOSTED_TLBI_VA,
	PGT_HOSTED_TLBI_RANGE,
	PGT_HOSTED_TLBI_ALL,
	PGT_HOSTED_SHARED_WALK_BEGIN,
	PGT_HOSTED_SHARED_WALK_END,
	PGT_HOSTED_NR_CALLS,
};

/** PGT_HOSTED_CALL_BIT() - @call's bit in pgt_hosted_set_hook()'s mask. */
#define PGT_HOSTED_CALL_BIT(call)	(1u << (call))

/**
 * struct pgt_hosted_call_args - one mm_ops call as the hook sees it; fields the
 *	call has no argument for are zero.
 * @call: which call.
 * @addr: the pointer it was given (page, table or root).
 * @phys: the physical address (phys_to_virt, the cache calls).
 * @size: the size (allocations, free_pages_exact, cache calls, tlbi_range).
 * @va: the input address (tlbi_va, tlbi_range).
 * @delta: page_ref_add's count.
 * @level: the level (tlbi_va, tlbi_range, free_unlinked_table), else 0.
 * @leaf: tlbi_va's leaf argument.
 * @granule_shift: free_unlinked_table's granule.
 * @cookie: the TLB calls' cookie.
 */
struct pgt_hosted_call_args {
	enum pgt_hosted_call call;
	void *addr;
	u64 phys;
	u64 size;
	u64 va;
	int delta;
	pgt_s8 level;
	bool leaf;
	u8 granule_shift;
	void *cookie;
};

/**
 * typedef pgt_hosted_hook_fn - code of the program's own inside a call.
 * @h: the home.
 * @c: the call, before it does its work; valid during the hook only.
 * @arg: pgt_hosted_set_hook()'s @arg.
 *
 * Return: for the two allocation calls, non-zero refuses the allocation
 * (it returns NULL as if the home were full, counted in failed_allocs);
 * ignored for the others.
 */
typedef int (*pgt_hosted_hook_fn)(struct pgt_hosted *h, const struct pgt_hosted_call_args *c,
				  void *arg);

/**
 * pgt_hosted_set_hook() - run @fn at the start of each call in @calls: to
 *	count or log calls, to fail the n-th allocation on purpose (ENOMEM
 *	paths), or to make a competing change between a walker's read of an
 *	entry and its update, at a chosen moment rather than by chance.
 * @h: the home.
 * @calls: PGT_HOSTED_CALL_BIT()s of the calls; 0 removes the hook.
 * @fn: the hook.  It runs in the calling thread, where the library may be
 *	in the middle of an update: it may call the home and the library
 *	(and so run again: guard with a thread-local flag if that is not
 *	wanted), but must not wait for another thread that does.  An
 *	allocation runs it once its size is known to be valid.
 * @arg: passed to @fn.
 *
 * Set it while no other thread uses the home.
 */
void pgt_hosted_set_hook(struct pgt_hosted *h, u32 calls, pgt_hosted_hook_fn fn, void *arg);

/**
 * typedef pgt_hosted_report_fn - where a home's misuse reports go.
 * @h: the home.
 * @msg: the report, e.g. "put_page: 0x... is not allocated"; valid during
 *	the call only.
 * @arg: pgt_hosted_set_report()'s @arg.
 */
typedef void (*pgt_hosted_report_fn)(struct pgt_hosted *h, const char *msg, void *arg);

/**
 * pgt_hosted_set_report() - send @h's misuse reports to @fn instead of
 *	stderr (a test harness that fails the test, say); they are still
 *	counted in struct pgt_hosted_stats.warnings.  The leak
 *	pgt_hosted_destroy() finds is one of them.
 * @h: the home.
 * @fn: the receiver; NULL prints on stderr again.
 * @arg: passed to @fn.
 */
void pgt_hosted_set_report(struct pgt_hosted *h, pgt_hosted_report_fn fn, void *arg);

/**
 * typedef pgt_hosted_lib_warn_fn - where the library's PGT_WARN_ON()s go.
 * @file: the source file of the warning.
 * @line: its line.
 * @cond: the condition's text.
 */
typedef void (*pgt_hosted_lib_warn_fn)(const char *file, int line, const char *cond);

/**
 * pgt_hosted_set_lib_warn() - send the library's PGT_WARN_ON() reports, of
 *	every home in the process, to @fn instead of stderr; they are still
 *	counted by pgt_hosted_lib_warnings().
 * @fn: the receiver; NULL prints on stderr again.
 *
 * Return: the receiver it replaces.
 */
pgt_hosted_lib_warn_fn pgt_hosted_set_lib_warn(pgt_hosted_lib_warn_fn fn);

/**
 * typedef pgt_hosted_unlinked_free_fn - what frees an unlinked subtree once
 *	no walker can reach it.
 * @mm: the home's ops.
 * @table: the subtree's top table.
 * @level: its level.
 * @granule_shift: its granule.
 * @arg: pgt_hosted_set_unlinked_free()'s @arg.
 */
typedef void (*pgt_hosted_unlinked_free_fn)(struct pgt_mm_ops *mm, void *table, pgt_s8 level,
					    u8 granule_shift, void *arg);

/**
 * pgt_hosted_set_unlinked_free() - free unlinked subtrees with @fn rather
 *	than pgt_unlinked_free(): to hold them back, count them or check
 *	them first.  @fn frees the subtree (with pgt_unlinked_free() or its
 *	own put_page()s) or knowingly leaks it.
 * @h: the home.
 * @fn: the function; NULL for pgt_unlinked_free().
 * @arg: passed to @fn.
 */
void pgt_hosted_set_unlinked_free(struct pgt_hosted *h, pgt_hosted_unlinked_free_fn fn,
				  void *arg);

/**
 * pgt_hosted_enable_rcu() - make a home created without PGT_HOSTED_RCU an
 *	RCU home, as if created with it.  Call it before any thread walks a
 *	tree of the home; it cannot be undone.
 * @h: the home.
 */
void pgt_hosted_enable_rcu(struct pgt_hosted *h);

/**
 * pgt_hosted_rcu_enabled() - is @h an RCU home?
 * @h: the home.
 *
 * Return: true if created with PGT_HOSTED_RCU or pgt_hosted_enable_rcu() was called.
 */
bool pgt_hosted_rcu_enabled(struct pgt_hosted *h);

/**
 * pgt_hosted_rcu_pending() - subtrees waiting for a grace period now
 *	(thread-safe).
 * @h: the home.
 *
 * Return: the count; 0 after pgt_hosted_synchronize().
 */
u64 pgt_hosted_rcu_pending(struct pgt_hosted *h);

/**
 * pgt_hosted_set_linear() - declare (or withdraw) the home's one linear map
 *	in its ops (struct pgt_mm_ops @linear), so the library converts
 *	table addresses itself, as a kernel with a linear map would.  Off by
 *	default: each conversion is then a checked call (and a hook point).
 * @h: the home.
 * @on: true to declare it.
 */
void pgt_hosted_set_linear(struct pgt_hosted *h, bool on);

/**
 * pgt_hosted_read64() - read one descriptor by physical address, the way a
 *	reference walker or a dumper reads tables (a relaxed atomic load).
 * @h: the home.
 * @pa: 8-byte aligned physical address.
 * @val: receives the value.
 *
 * Return: false if @pa is unaligned, outside the home or in free memory (a
 * walk that reached a freed table).
 */
bool pgt_hosted_read64(struct pgt_hosted *h, u64 pa, u64 *val);

/* ---- Reading a tree (hosted/show.c) ---- */

/**
 * struct pgt_range - a run of consecutive entries that say the same thing.
 * @start: first input address.
 * @end: one past the last input address.
 * @pa: output address of @start (leaves only).
 * @level: the lookup level of every entry in the run.
 * @leaf: the entries map memory (blocks or pages); otherwise they are
 *	invalid entries carrying @owner.
 * @prot: enum pgt_prot of the mapping, software bits included (leaves).
 * @young: the access flag is set (leaves; stage 2 clears it with mkold).
 * @owner: the stage-2 owner annotation (invalid entries).
 * @entries: how many descriptors the run spans.
 */
struct pgt_range {
	u64 start;
	u64 end;
	u64 pa;
	pgt_s8 level;
	bool leaf;
	u32 prot;
	bool young;
	u32 owner;
	u64 entries;
};

/**
 * typedef pgt_range_fn - called for each range, in address order.
 * @range: the range; valid during the call only.
 * @arg: the caller's argument.
 *
 * Return: 0 to go on, or a negative errno that stops the walk.
 */
typedef int (*pgt_range_fn)(const struct pgt_range *range, void *arg);

/**
 * pgt_for_each_range() - merge a tree's entries into ranges, the way Linux's
 *	ptdump does: consecutive leaves at one level with the same attributes
 *	whose output addresses continue each other make one range, as do
 *	consecutive owner annotations of one owner.  Empty entries end a
 *	range and are not reported.
 * @pgt: the tree; not changed, but nothing may edit it during the call.
 * @fn: called once per range.
 * @arg: passed to @fn.
 *
 * Return: 0, or what @fn or the walk returned.
 */
int pgt_for_each_range(struct pgt *pgt, pgt_range_fn fn, void *arg);

/**
 * pgt_hosted_show() - print a tree as ranges a person can read: a header
 *	line saying what the tree is, then one line per range with its input
 *	range, size, level, kind, permissions, memory type and output address
 *	(or owner), then "end" with the totals (Documentation/pgtable-tool.rst,
 *	"show").
 * @out: where to print.
 * @pgt: the tree, as for pgt_for_each_range().
 *
 * Return: 0, or a negative errno from the walk.
 */
int pgt_hosted_show(FILE *out, struct pgt *pgt);

#ifdef __cplusplus
}
#endif

#endif /* PGTABLE_HOSTED_H */
