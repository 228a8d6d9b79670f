/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * host_mm.h - what only tests need of the hosted home: an arena is one
 * hosted home (hosted/pgtable_hosted.h, which owns the memory, the
 * reference counts, RCU, the counting TLB and cache hooks and the misuse
 * checks) plus, on top of its public API, the tests' own controls:
 *
 *   - failure injection: the n-th allocation from now, or every one after
 *     a number of them, returns NULL (host_mm_fail_nth_alloc());
 *   - a hook of the test's inside any mm_ops call (host_mm_set_hook()): a
 *     competing update between a visitor's read of an entry and its
 *     compare-and-swap, decided on purpose rather than by chance;
 *   - a log of every TLB invalidation, with its arguments;
 *   - unlinked subtrees freed by a test double, at once, from a queue the
 *     test drains (a grace period ended by hand: host_mm_set_defer()), or
 *     after a real RCU grace period (host_mm_enable_rcu());
 *   - expectations about misuse, and the verdict: every report of the home
 *     (a put_page on a free page, a reference count underflow, a bad size,
 *     memory still allocated at teardown) and every PGT_WARN_ON of the
 *     library is either announced by the test (host_mm_expect_misuse(),
 *     host_mm_expect_warn_on()) or a failure.  host_mm_destroy() fails the
 *     running cmocka test (the fail handler); a report no check announced
 *     makes the process exit with HOST_MM_MISUSE_STATUS.  Only a
 *     phys_to_virt()/virt_to_phys() outside the arena aborts: it has no
 *     answer.
 *
 * Every mm_ops call is thread-safe, so concurrent shared walkers may use
 * one arena.  The rest of the API (configuration, logs, draining) is meant
 * to be called from the test's controlling thread; the exceptions are noted.
 */
#ifndef HOST_MM_H
#define HOST_MM_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "pgtable_hosted.h"

/** HOST_MM_FRAME_SHIFT - log2 of the arena's bookkeeping unit, one 4 KiB frame. */
#define HOST_MM_FRAME_SHIFT	12
/** HOST_MM_FRAME_SIZE - bytes in one frame. */
#define HOST_MM_FRAME_SIZE	PGT_HOSTED_FRAME_SIZE
/** HOST_MM_MAX_ORDER - log2 of the frames in the largest allocation (1 MiB). */
#define HOST_MM_MAX_ORDER	8
/** HOST_MM_MAX_ALLOC - bytes in the largest allocation; arena size and base unit. */
#define HOST_MM_MAX_ALLOC	PGT_HOSTED_ALIGN

/**
 * struct host_mm_stats - what the arena has seen: the home's counters
 *	(struct pgt_hosted_stats) and the injection's.
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
 * @warnings: misuse reports of the home and of this layer.
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
 * enum host_mm_call - the arena's mm_ops calls, for host_mm_set_hook(): the
 *	home's enum pgt_hosted_call.
 * @HOST_CALL_ZALLOC_PAGE...@HOST_CALL_SHARED_WALK_END: the call of that name.
 * @HOST_CALL_NR: the number of calls.
 */
enum host_mm_call {
	HOST_CALL_ZALLOC_PAGE = PGT_HOSTED_ZALLOC_PAGE,
	HOST_CALL_ZALLOC_PAGES_EXACT = PGT_HOSTED_ZALLOC_PAGES_EXACT,
	HOST_CALL_FREE_PAGES_EXACT = PGT_HOSTED_FREE_PAGES_EXACT,
	HOST_CALL_GET_PAGE = PGT_HOSTED_GET_PAGE,
	HOST_CALL_PUT_PAGE = PGT_HOSTED_PUT_PAGE,
	HOST_CALL_PAGE_COUNT = PGT_HOSTED_PAGE_COUNT,
	HOST_CALL_PAGE_REF_ADD = PGT_HOSTED_PAGE_REF_ADD,
	HOST_CALL_PHYS_TO_VIRT = PGT_HOSTED_PHYS_TO_VIRT,
	HOST_CALL_VIRT_TO_PHYS = PGT_HOSTED_VIRT_TO_PHYS,
	HOST_CALL_FREE_UNLINKED_TABLE = PGT_HOSTED_FREE_UNLINKED_TABLE,
	HOST_CALL_DCACHE = PGT_HOSTED_DCACHE,
	HOST_CALL_ICACHE = PGT_HOSTED_ICACHE,
	HOST_CALL_TLBI_VA = PGT_HOSTED_TLBI_VA,
	HOST_CALL_TLBI_RANGE = PGT_HOSTED_TLBI_RANGE,
	HOST_CALL_TLBI_ALL = PGT_HOSTED_TLBI_ALL,
	HOST_CALL_SHARED_WALK_BEGIN = PGT_HOSTED_SHARED_WALK_BEGIN,
	HOST_CALL_SHARED_WALK_END = PGT_HOSTED_SHARED_WALK_END,
	HOST_CALL_NR = PGT_HOSTED_NR_CALLS,
};

/** HOST_CALL_BIT() - @call's bit in host_mm_set_hook()'s mask. */
#define HOST_CALL_BIT(call)	PGT_HOSTED_CALL_BIT(call)

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

struct host_deferred;

/**
 * struct host_mm - one arena.  Only @home, @base, @size and @phys_base are
 * for users, to read: the home, and where its memory is.
 */
struct host_mm {
	struct pgt_hosted *home;
	u8 *base;
	u64 size;
	u64 phys_base;

	/* private */
	struct host_mm *next;			/* every live arena (host_mm_from_ops) */
	u64 alloc_calls;			/* attempts the hook saw */
	u64 injected_failures;
	u64 warnings;				/* this layer's own reports */
	u64 fail_nth_at;			/* alloc_calls value that fails; 0: off */
	u64 fail_after_limit;			/* alloc_calls beyond this fail */
	bool quiet;

	host_mm_unlinked_free_fn unlinked_free;
	bool defer;
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
 *	callbacks still pending are waited for first (pgt_hosted_destroy()).
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
 * host_mm_enable_rcu() - make the arena an RCU home (pgt_hosted_enable_rcu():
 *	liburcu's memb flavour; shared walks become read-side sections and
 *	free_unlinked_table waits for a grace period, then calls the function
 *	set with host_mm_set_unlinked_free(); host_mm_set_defer() no longer
 *	matters).
 * @hm: the arena.  Call it before any thread walks a tree of this arena;
 *	it cannot be undone.
 *
 * Every thread that walks a tree of this arena with PGT_WALK_SHARED, or
 * calls an operation that can unlink a table, must be a registered liburcu
 * reader (urcu_memb_register_thread(), or pgt_hosted_thread_online()).
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

/** host_mm_snapshot() - host_mm_stats_get() as a value. @hm: the arena. */
static inline struct host_mm_stats host_mm_snapshot(struct host_mm *hm)
{
	struct host_mm_stats s;

	host_mm_stats_get(hm, &s);
	return s;
}

/** host_mm_stats_print() - the counters, one per line, for tools. @hm: arena. @f: output. */
void host_mm_stats_print(struct host_mm *hm, FILE *f);

/**
 * pgt_host_warn() - the library's PGT_WARN_ON() report in the hosted home
 *	(hosted/pgtable_hosted.c; lib/ is built with -DPGT_PORT_WARN=pgt_host_warn).
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
