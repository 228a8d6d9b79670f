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
 * something never allocated) is reported on stderr and counted in
 * struct pgt_hosted_stats.warnings rather than crashing.
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
