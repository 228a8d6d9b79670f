/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * host_mm.h - the hosted home of libpgtable: struct pgt_mm_ops backed by a
 * simulated physical memory arena, for unit tests, tools and benchmarks.
 *
 * The arena is one 1 MiB-aligned heap buffer standing for the physical range
 * [phys_base, phys_base + size).  A buddy allocator over 4 KiB frames hands
 * out table pages (4, 16 or 64 KiB) and exact allocations (4 KiB to 1 MiB),
 * each aligned to its size both as a pointer and as a physical address.
 *
 * Every mm_ops callback is thread-safe, so concurrent shared walkers may use
 * one arena.  The rest of the API (configuration, logs, draining) is meant to
 * be called from the test's controlling thread; the exceptions are noted.
 *
 * Unlinked subtrees (free_unlinked_table) go one of three ways:
 *   - immediate (the default): freed at once, for single-threaded tests;
 *   - queued (host_mm_set_defer()): kept until host_mm_drain_deferred(), a
 *     grace period the test ends by hand;
 *   - RCU (host_mm_enable_rcu()): a real grace period from liburcu's memb
 *     flavour.  shared_walk_begin/end become urcu_memb_read_lock/unlock and
 *     the free runs from call_rcu once every reader that could still see the
 *     subtree has left.  See host_mm_enable_rcu() for the rules.
 *
 * Misuse that the library could commit at run time (a put_page on a free page,
 * a reference count underflow, a bad size, memory still allocated when the
 * arena is destroyed) is reported on stderr and counted in stats.warnings
 * instead of crashing, and it fails: unless the test announced it with
 * host_mm_expect_misuse(), host_mm_destroy() fails the running cmocka test
 * (the fail handler), and a report no check announced makes the process exit
 * with HOST_MM_MISUSE_STATUS.  The library's own PGT_WARN_ON reports
 * (pgt_host_warn) fail the same way unless host_mm_expect_warn_on() expected
 * them.  Only a phys_to_virt()/virt_to_phys() outside the arena aborts: it
 * has no answer.
 *
 * A test can also run code of its own inside any mm_ops call of the arena
 * (host_mm_set_hook()): a competing update between a visitor's read of an
 * entry and its compare-and-swap, decided on purpose rather than by chance.
 */
#ifndef HOST_MM_H
#define HOST_MM_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "pgtable.h"

/** HOST_MM_FRAME_SHIFT - log2 of the arena's bookkeeping unit, one 4 KiB frame. */
#define HOST_MM_FRAME_SHIFT	12
/** HOST_MM_FRAME_SIZE - bytes in one frame. */
#define HOST_MM_FRAME_SIZE	(1u << HOST_MM_FRAME_SHIFT)
/** HOST_MM_MAX_ORDER - log2 of the frames in the largest allocation (1 MiB). */
#define HOST_MM_MAX_ORDER	8
/** HOST_MM_MAX_ALLOC - bytes in the largest allocation; arena size and base unit. */
#define HOST_MM_MAX_ALLOC	(HOST_MM_FRAME_SIZE << HOST_MM_MAX_ORDER)

/**
 * struct host_mm_stats - what the arena has seen.  All updated atomically.
 * @pages_in_use: 4 KiB frames currently allocated (a 64 KiB page counts 16).
 * @peak_in_use: the highest @pages_in_use since creation or the last reset.
 * @allocs: successful allocations (zalloc_page and zalloc_pages_exact).
 * @frees: allocations returned (last put_page, or free_pages_exact).
 * @alloc_calls: allocation attempts with a valid size, failed ones included.
 * @failed_allocs: attempts that returned NULL (arena full or injected).
 * @injected_failures: the part of @failed_allocs that was injected.
 * @tlbi_va_leaf: tlbi_va calls with leaf == true.
 * @tlbi_va_table: tlbi_va calls with leaf == false.
 * @tlbi_range: tlbi_range calls.
 * @tlbi_all: tlbi_all calls.
 * @dcache_ops: dcache_clean_inval_poc calls.
 * @icache_ops: icache_inval_pou calls.
 * @dcache_bytes: bytes passed to dcache_clean_inval_poc.
 * @icache_bytes: bytes passed to icache_inval_pou.
 * @deferred_frees: free_unlinked_table calls (queued, immediate or RCU).
 * @rcu_frees: subtrees freed by an RCU callback after a grace period.
 * @warnings: misuse of this arena reported to stderr.
 */
struct host_mm_stats {
	u64 pages_in_use;
	u64 peak_in_use;
	u64 allocs;
	u64 frees;
	u64 alloc_calls;
	u64 failed_allocs;
	u64 injected_failures;
	u64 tlbi_va_leaf;
	u64 tlbi_va_table;
	u64 tlbi_range;
	u64 tlbi_all;
	u64 dcache_ops;
	u64 icache_ops;
	u64 dcache_bytes;
	u64 icache_bytes;
	u64 deferred_frees;
	u64 rcu_frees;
	u64 warnings;
};

/**
 * enum host_tlbi_kind - which TLB hook a log entry records.
 * @HOST_TLBI_VA: tlbi_va (size is 0).
 * @HOST_TLBI_RANGE: tlbi_range.
 * @HOST_TLBI_ALL: tlbi_all (addr and size are 0, level is PGT_NO_LEVEL).
 */
enum host_tlbi_kind {
	HOST_TLBI_VA,
	HOST_TLBI_RANGE,
	HOST_TLBI_ALL,
};

/**
 * struct host_tlbi_entry - one logged TLB invalidation.
 * @kind: the hook called.
 * @addr: input address (tlbi_va, tlbi_range).
 * @size: bytes (tlbi_range).
 * @level: the level hint, or PGT_NO_LEVEL.
 * @leaf: tlbi_va's leaf argument; false for the other kinds.
 * @cookie: the regime's cookie.
 */
struct host_tlbi_entry {
	enum host_tlbi_kind kind;
	u64 addr;
	u64 size;
	pgt_s8 level;
	bool leaf;
	void *cookie;
};

/** typedef host_mm_unlinked_free_fn - what frees an unlinked subtree (pgt_unlinked_free). */
typedef void (*host_mm_unlinked_free_fn)(struct pgt_mm_ops *mm, void *table,
					 pgt_s8 level, u8 granule_shift);

/**
 * enum host_mm_call - the arena's mm_ops calls, for host_mm_set_hook().
 * @HOST_CALL_ZALLOC_PAGE: zalloc_page.
 * @HOST_CALL_ZALLOC_PAGES_EXACT: zalloc_pages_exact.
 * @HOST_CALL_FREE_PAGES_EXACT: free_pages_exact.
 * @HOST_CALL_GET_PAGE: get_page.
 * @HOST_CALL_PUT_PAGE: put_page.
 * @HOST_CALL_PAGE_COUNT: page_count.
 * @HOST_CALL_PAGE_REF_ADD: page_ref_add.
 * @HOST_CALL_PHYS_TO_VIRT: phys_to_virt.
 * @HOST_CALL_VIRT_TO_PHYS: virt_to_phys.
 * @HOST_CALL_FREE_UNLINKED_TABLE: free_unlinked_table.
 * @HOST_CALL_DCACHE: dcache_clean_inval_poc.
 * @HOST_CALL_ICACHE: icache_inval_pou.
 * @HOST_CALL_TLBI_VA: tlbi_va.
 * @HOST_CALL_TLBI_RANGE: tlbi_range.
 * @HOST_CALL_TLBI_ALL: tlbi_all.
 * @HOST_CALL_SHARED_WALK_BEGIN: shared_walk_begin.
 * @HOST_CALL_SHARED_WALK_END: shared_walk_end.
 * @HOST_CALL_NR: the number of calls.
 */
enum host_mm_call {
	HOST_CALL_ZALLOC_PAGE,
	HOST_CALL_ZALLOC_PAGES_EXACT,
	HOST_CALL_FREE_PAGES_EXACT,
	HOST_CALL_GET_PAGE,
	HOST_CALL_PUT_PAGE,
	HOST_CALL_PAGE_COUNT,
	HOST_CALL_PAGE_REF_ADD,
	HOST_CALL_PHYS_TO_VIRT,
	HOST_CALL_VIRT_TO_PHYS,
	HOST_CALL_FREE_UNLINKED_TABLE,
	HOST_CALL_DCACHE,
	HOST_CALL_ICACHE,
	HOST_CALL_TLBI_VA,
	HOST_CALL_TLBI_RANGE,
	HOST_CALL_TLBI_ALL,
	HOST_CALL_SHARED_WALK_BEGIN,
	HOST_CALL_SHARED_WALK_END,
	HOST_CALL_NR,
};

/** HOST_CALL_BIT() - @call's bit in host_mm_set_hook()'s mask. */
#define HOST_CALL_BIT(call)	(1u << (call))

struct host_mm;

/**
 * typedef host_mm_hook_fn - code a test runs inside an mm_ops call.
 * @hm: the arena.
 * @call: the call being made; the hook runs before the call does its work.
 * @arg: host_mm_set_hook()'s @arg.
 */
typedef void (*host_mm_hook_fn)(struct host_mm *hm, enum host_mm_call call, void *arg);

/** typedef host_mm_fail_fn - what a failed arena check calls (host_mm_set_fail_handler()). */
typedef void (*host_mm_fail_fn)(const char *msg);

/** HOST_MM_MISUSE_STATUS - exit status of a process with misuse no check announced. */
#define HOST_MM_MISUSE_STATUS	86

/** HOST_MM_MISUSE_MSG - bytes kept of the last misuse report's text. */
#define HOST_MM_MISUSE_MSG	160

struct host_frame;
struct host_deferred;

/**
 * struct host_mm - one arena.  Only @ops and @stats are for users to touch;
 * read @stats directly only when no other thread uses the arena, otherwise
 * through host_mm_stats_get().
 */
struct host_mm {
	struct pgt_mm_ops ops;	/* first member: container_of from the ops pointer */
	struct host_mm_stats stats;

	/* private */
	u8 *base;
	u64 size;
	u64 phys_base;
	u32 nframes;
	struct host_frame *frames;
	pthread_mutex_t lock;			/* the buddy free lists and frame states */
	u32 free_head[HOST_MM_MAX_ORDER + 1];

	u64 fail_nth_at;			/* alloc_calls value that fails; 0: off */
	u64 fail_after_limit;			/* alloc_calls beyond this fail */
	bool quiet;

	host_mm_unlinked_free_fn unlinked_free;
	bool defer;
	bool rcu;				/* host_mm_enable_rcu() was called */
	u64 rcu_pending;			/* call_rcu issued, callback not finished */
	pthread_mutex_t rcu_lock;		/* callbacks finishing vs. the barrier */
	pthread_cond_t rcu_idle;		/* rcu_pending reached 0 */
	char rcu_readers_hb;			/* TSan: readers' exits -> callbacks */
	pthread_mutex_t defer_lock;
	struct host_deferred *deferred;
	size_t n_deferred, cap_deferred;

	bool tlbi_log_on;
	pthread_mutex_t log_lock;
	struct host_tlbi_entry *tlbi_log;
	size_t n_log, cap_log;

	u64 misuse_expected;			/* reports still expected */
	u64 misuse_unexpected;			/* reports nobody expected */
	u64 lib_unexpected_at_create;		/* the library's, when created */
	pthread_mutex_t misuse_lock;		/* last_misuse */
	char last_misuse[HOST_MM_MISUSE_MSG];

	host_mm_hook_fn hook;
	void *hook_arg;
	u32 hook_calls;				/* HOST_CALL_BIT()s that run it */
};

/**
 * host_mm_create() - a new arena with every frame free.
 * @size: bytes of simulated memory, a non-zero multiple of 1 MiB.
 * @phys_base: the physical address of its first byte, 1 MiB aligned.
 * Return: the arena, or NULL for bad arguments or no host memory.
 */
struct host_mm *host_mm_create(u64 size, u64 phys_base);

/**
 * host_mm_destroy() - release the arena and everything still allocated in it,
 *	then give its verdict.
 * @hm: the arena, or NULL.  Deferred frees still queued are dropped; RCU
 *	callbacks still pending are waited for first (host_mm_rcu_barrier()),
 *	since they point into the arena's metadata.
 *
 * Memory still allocated is reported as a leak (a misuse report like any
 * other).  The arena fails if it saw a report nobody expected, if a report
 * host_mm_expect_misuse() announced never came, or if the library reported a
 * PGT_WARN_ON nobody expected while it lived: the reason goes to stderr and
 * to the fail handler (host_mm_set_fail_handler()), or, without one, makes
 * the process exit with HOST_MM_MISUSE_STATUS.  Call it from the thread that
 * may fail (a cmocka test's own).
 */
void host_mm_destroy(struct host_mm *hm);

/** host_mm_ops() - the mm_ops to hand to the library. @hm: the arena. Return: &hm->ops. */
struct pgt_mm_ops *host_mm_ops(struct host_mm *hm);

/** host_mm_from_ops() - the arena embedding @ops. @ops: from host_mm_ops(). Return: it. */
struct host_mm *host_mm_from_ops(struct pgt_mm_ops *ops);

/** host_mm_phys_base() - the physical address of the arena's first byte. @hm: the arena. */
u64 host_mm_phys_base(const struct host_mm *hm);

/** host_mm_size() - bytes of simulated memory. @hm: the arena. */
u64 host_mm_size(const struct host_mm *hm);

/**
 * host_mm_in_use_bytes() - bytes currently allocated (thread-safe).
 * @hm: the arena.
 * Return: stats.pages_in_use * 4096.
 */
u64 host_mm_in_use_bytes(struct host_mm *hm);

/**
 * host_mm_alloc_calls() - allocation attempts so far (thread-safe).
 * @hm: the arena.
 *
 * Run an operation once to learn how many allocations it makes (N), then
 * host_mm_fail_nth_alloc(hm, k) for each k in 1..N to exercise every -ENOMEM.
 * Return: stats.alloc_calls.
 */
u64 host_mm_alloc_calls(struct host_mm *hm);

/**
 * host_mm_fail_nth_alloc() - make one future allocation return NULL.
 * @hm: the arena.
 * @k: 1 fails the very next allocation attempt, 2 the one after, and so on,
 *	once; 0 cancels a pending injection.
 */
void host_mm_fail_nth_alloc(struct host_mm *hm, u64 k);

/**
 * host_mm_fail_after() - run the arena dry: after @k more successful-or-not
 *	attempts, every allocation returns NULL until host_mm_fail_reset().
 * @hm: the arena.
 * @k: attempts still allowed (0: all fail from now on).
 */
void host_mm_fail_after(struct host_mm *hm, u64 k);

/** host_mm_fail_reset() - cancel every failure injection. @hm: the arena. */
void host_mm_fail_reset(struct host_mm *hm);

/**
 * host_mm_set_quiet() - stop printing arena warnings (they are still counted),
 *	for tests that provoke them on purpose.
 * @hm: the arena.
 * @quiet: true to silence.
 */
void host_mm_set_quiet(struct host_mm *hm, bool quiet);

/**
 * host_mm_set_linear() - declare (or withdraw) the arena's one linear map in
 *	its mm_ops, so the library converts table addresses itself
 *	(struct pgt_mm_ops @linear).  Off by default: the conversion calls then
 *	check every address they are given, and the race hooks can fire there.
 * @hm: the arena.
 * @on: true to declare it.
 */
void host_mm_set_linear(struct host_mm *hm, bool on);

/**
 * host_mm_set_unlinked_free() - what free_unlinked_table ends up calling.
 * @hm: the arena.
 * @fn: pgt_unlinked_free in real use, a double in tests.  Until set, an
 *	unlinked table is reported as a warning and leaked.
 */
void host_mm_set_unlinked_free(struct host_mm *hm, host_mm_unlinked_free_fn fn);

/**
 * host_mm_set_defer() - simulate a grace period for free_unlinked_table.
 * @hm: the arena.
 * @defer: false (default): free at once; true: queue until
 *	host_mm_drain_deferred().
 */
void host_mm_set_defer(struct host_mm *hm, bool defer);

/**
 * host_mm_drain_deferred() - end the simulated grace period: free everything
 *	queued, including what those frees queue in turn.  On an RCU arena it
 *	also waits for every pending RCU free (host_mm_rcu_barrier()).
 * @hm: the arena.  Call it while no shared walker runs.
 * Return: how many subtrees were freed.
 */
u64 host_mm_drain_deferred(struct host_mm *hm);

/**
 * host_mm_deferred_pending() - subtrees queued or waiting for a grace
 *	period, not yet freed (thread-safe).
 * @hm: the arena.
 * Return: the count.
 */
u64 host_mm_deferred_pending(struct host_mm *hm);

/**
 * host_mm_enable_rcu() - make the arena an RCU home (liburcu, memb flavour).
 * @hm: the arena.  Call it before any thread walks a tree of this arena;
 *	it cannot be undone.
 *
 * From then on:
 *   - ops.shared_walk_begin/end are urcu_memb_read_lock/unlock, so every
 *     shared walk is an RCU read-side critical section;
 *   - ops.free_unlinked_table queues the subtree with urcu_memb_call_rcu();
 *     the callback, run by liburcu's call_rcu thread after a grace period,
 *     calls the function set with host_mm_set_unlinked_free().  It neither
 *     blocks nor allocates (enabling starts liburcu's call_rcu thread, so
 *     not even the first call_rcu() allocates): the rcu_head lives in the
 *     arena's per-frame metadata of the subtree's top table page, which
 *     stays allocated until the callback frees it, so no two frees can
 *     share it.  A table that is
 *     not the start of a zalloc_page allocation, or is queued twice, is
 *     reported as a warning and leaked rather than corrupting the queue;
 *   - host_mm_set_defer() no longer matters: RCU takes precedence.
 *
 * Every thread that walks a tree of this arena with PGT_WALK_SHARED, or
 * calls an operation that can unlink a table (an exclusive map that
 * collapses a table into a block), must be a registered liburcu reader:
 * call urcu_memb_register_thread() when it starts and
 * urcu_memb_unregister_thread() before it exits.  An unregistered reader is
 * not waited for, so a subtree could be freed under it.  Programs using it
 * link -lurcu-memb -lurcu-common (the Makefile's URCU_LIBS).
 *
 * Under ThreadSanitizer the arena tells TSan about the ordering RCU provides
 * (liburcu is not instrumented): the end of each read-side section
 * happens-before every callback that starts after it.
 */
void host_mm_enable_rcu(struct host_mm *hm);

/** host_mm_rcu_enabled() - was host_mm_enable_rcu() called? @hm: the arena. */
bool host_mm_rcu_enabled(struct host_mm *hm);

/**
 * host_mm_rcu_barrier() - wait until every RCU free issued so far has run,
 *	including frees those callbacks issue in turn: it blocks until the
 *	arena's count of callbacks in flight is zero.  Tests call it before
 *	checking for leaks.
 * @hm: the arena.  Not from inside a read-side critical section, nor from
 *	an RCU callback (either would wait for itself); the calling thread need
 *	not be registered.  Does nothing on an arena without RCU.
 * Return: how many subtrees RCU callbacks freed from its call to its return
 * (callbacks that happened to run before it are not counted: for an exact
 * count, read stats.rcu_frees).
 */
u64 host_mm_rcu_barrier(struct host_mm *hm);

/** host_mm_tlbi_log_enable() - start or stop logging TLB hooks. @hm: the arena. @on: whether. */
void host_mm_tlbi_log_enable(struct host_mm *hm, bool on);

/**
 * host_mm_tlbi_log_get() - the logged invalidations, oldest first.
 * @hm: the arena.
 * @n: receives the number of entries.
 * Return: the log, valid until the next TLB hook, clear or destroy; NULL if
 * empty.  Not to be called while TLB hooks may run.
 */
const struct host_tlbi_entry *host_mm_tlbi_log_get(struct host_mm *hm, size_t *n);

/** host_mm_tlbi_log_clear() - empty the log. @hm: the arena. */
void host_mm_tlbi_log_clear(struct host_mm *hm);

/**
 * host_mm_read64() - read one descriptor for the reference translator.
 * @ctx: the struct host_mm.
 * @pa: physical address, 8-byte aligned.
 * @val: receives the value (a relaxed atomic load).
 * Return: false if @pa is unaligned, outside the arena or in a free frame.
 */
bool host_mm_read64(void *ctx, u64 pa, uint64_t *val);

/** host_mm_stats_get() - a snapshot of the counters (thread-safe). @hm: arena. @out: filled. */
void host_mm_stats_get(struct host_mm *hm, struct host_mm_stats *out);

/**
 * host_mm_stats_reset() - zero every counter except pages_in_use; the peak
 *	restarts from the current use.
 * @hm: the arena.
 */
void host_mm_stats_reset(struct host_mm *hm);

/** host_mm_stats_print() - the counters, one per line, for tools. @hm: arena. @f: output. */
void host_mm_stats_print(struct host_mm *hm, FILE *f);

/**
 * pgt_host_warn() - the library's PGT_WARN_ON() report in the hosted home
 *	(build lib/ with -DPGT_PORT_WARN=pgt_host_warn).
 * @file: source file of the warning.
 * @line: its line.
 * @cond: the condition's text.
 */
void pgt_host_warn(const char *file, int line, const char *cond);

/** host_mm_global_warnings() - how many times pgt_host_warn() was called. */
u64 host_mm_global_warnings(void);

/**
 * host_mm_expect_misuse() - the next @n misuse reports of @hm are the test's
 *	intent: they print as "expected" (or not at all when quiet) and do not
 *	fail; if fewer come, host_mm_destroy() fails.
 * @hm: the arena.
 * @n: how many more reports to expect.
 */
void host_mm_expect_misuse(struct host_mm *hm, u64 n);

/** host_mm_unexpected_misuse() - reports of @hm nobody expected. @hm: the arena. */
u64 host_mm_unexpected_misuse(struct host_mm *hm);

/**
 * host_mm_last_misuse() - the text of @hm's last misuse report, expected or not.
 * @hm: the arena.
 * @buf: receives it ("" if none).
 * @len: bytes in @buf.
 */
void host_mm_last_misuse(struct host_mm *hm, char *buf, size_t len);

/**
 * host_mm_expect_warn_on() - the next @n PGT_WARN_ON reports of the library
 *	are the test's intent and do not fail anything.
 * @n: how many more to expect.
 */
void host_mm_expect_warn_on(u64 n);

/**
 * host_mm_set_fail_handler() - what a failed host_mm_destroy() calls.
 * @fn: receives the reason; NULL for none (the exit status says it).  A
 *	cmocka test binary sets fail_msg() for itself (below).
 * Return: the previous handler.
 */
host_mm_fail_fn host_mm_set_fail_handler(host_mm_fail_fn fn);

/**
 * host_mm_note_failure() - count a failure of the home that no handler took:
 *	the process will exit with HOST_MM_MISUSE_STATUS.
 */
void host_mm_note_failure(void);

/**
 * host_mm_set_hook() - run @fn at the start of each of @hm's mm_ops calls in
 *	@calls, in the calling thread.
 * @hm: the arena.
 * @calls: HOST_CALL_BIT()s of the calls to hook; 0 removes the hook.
 * @fn: the hook.  Calls it makes itself (a competing update of the same
 *	tree, say) do not run it again: the hook never nests in a thread.
 * @arg: passed to @fn.
 *
 * Set it while no other thread uses the arena.
 */
void host_mm_set_hook(struct host_mm *hm, u32 calls, host_mm_hook_fn fn, void *arg);

/*
 * In a cmocka test binary (cmocka.h included before this header), a failed
 * host_mm_destroy() fails the running test.
 */
#ifdef CMOCKA_H_
static void host_mm_cmocka_fail(const char *msg)
{
	fail_msg("%s", msg);
}

__attribute__((constructor)) static void host_mm_cmocka_register(void)
{
	host_mm_set_fail_handler(host_mm_cmocka_fail);
}
#endif

#endif /* HOST_MM_H */
