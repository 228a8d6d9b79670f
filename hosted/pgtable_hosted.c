// SPDX-License-Identifier: GPL-2.0-only
/*
 * pgtable_hosted.c - the installed hosted home: struct pgt_mm_ops over one
 * aligned heap block (pgtable_hosted.h says what it promises).  This file
 * creates homes and keeps their counters, hooks and reports;
 * hosted/hosted_mem.c hands out their memory, hosted/hosted_rcu.c frees
 * unlinked subtrees.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosted_internal.h"

#define MISUSE_MSG	192

static u64 lib_warnings;
static pgt_hosted_lib_warn_fn lib_warn_fn;

void pgth_warn(struct pgt_hosted *h, const char *fmt, ...)
{
	pgt_hosted_report_fn report = __atomic_load_n(&h->report, __ATOMIC_ACQUIRE);
	char msg[MISUSE_MSG];
	va_list ap;

	pgth_count(&h->stats.warnings, 1);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (report)
		report(h, msg, __atomic_load_n(&h->report_arg, __ATOMIC_RELAXED));
	else
		fprintf(stderr, "pgtable_hosted: warning: %s\n", msg);
}

void pgt_hosted_set_report(struct pgt_hosted *h, pgt_hosted_report_fn fn, void *arg)
{
	__atomic_store_n(&h->report_arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&h->report, fn, __ATOMIC_RELEASE);
}

/* ---- Hooks ---- */

int pgth_run_hook(struct pgt_hosted *h, const struct pgt_hosted_call_args *c)
{
	pgt_hosted_hook_fn fn = __atomic_load_n(&h->hook, __ATOMIC_ACQUIRE);

	return fn ? fn(h, c, __atomic_load_n(&h->hook_arg, __ATOMIC_RELAXED)) : 0;
}

void pgt_hosted_set_hook(struct pgt_hosted *h, u32 calls, pgt_hosted_hook_fn fn, void *arg)
{
	if (!fn)
		calls = 0;
	__atomic_store_n(&h->hook_arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&h->hook, fn, __ATOMIC_RELEASE);
	__atomic_store_n(&h->hook_calls, calls, __ATOMIC_RELEASE);
	pgth_update_walk_ops(h);
}

/*
 * ---- Cache and TLB maintenance: counted, nothing to do ----
 *
 * The two a fault or a permission change makes are hooked on a path of
 * their own: the unhooked call builds no arguments and calls nothing.
 */

static inline void dcache_count(struct pgt_hosted *h, u64 size)
{
	u32 slot = pgth_slot();

	pgth_slot_event(h, slot, dcache_ops, 1);
	pgth_slot_event(h, slot, dcache_bytes, size);
}

static inline void tlbi_va_count(struct pgt_hosted *h, bool leaf)
{
	if (leaf)
		pgth_event(h, tlbi_va_leaf, 1);
	else
		pgth_event(h, tlbi_va_table, 1);
}

static __attribute__((__noinline__)) void dcache_hooked(struct pgt_hosted *h, u64 phys, u64 size)
{
	pgth_hook(h, PGT_HOSTED_DCACHE, .phys = phys, .size = size);
	dcache_count(h, size);
}

static void hosted_dcache(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	struct pgt_hosted *h = pgth_home(mm);

	if (pgth_hooked(h, PGT_HOSTED_DCACHE))
		dcache_hooked(h, phys, size);
	else
		dcache_count(h, size);
}

static void hosted_icache(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	struct pgt_hosted *h = pgth_home(mm);
	u32 slot;

	pgth_hook(h, PGT_HOSTED_ICACHE, .phys = phys, .size = size);
	slot = pgth_slot();
	pgth_slot_event(h, slot, icache_ops, 1);
	pgth_slot_event(h, slot, icache_bytes, size);
}

static __attribute__((__noinline__)) void tlbi_va_hooked(struct pgt_hosted *h, void *cookie,
							  u64 addr, pgt_s8 level, bool leaf)
{
	pgth_hook(h, PGT_HOSTED_TLBI_VA, .va = addr, .level = level, .leaf = leaf,
		  .cookie = cookie);
	tlbi_va_count(h, leaf);
}

static void hosted_tlbi_va(struct pgt_mm_ops *mm, void *cookie, u64 addr, pgt_s8 level,
			   bool leaf)
{
	struct pgt_hosted *h = pgth_home(mm);

	if (pgth_hooked(h, PGT_HOSTED_TLBI_VA))
		tlbi_va_hooked(h, cookie, addr, level, leaf);
	else
		tlbi_va_count(h, leaf);
}

static void hosted_tlbi_range(struct pgt_mm_ops *mm, void *cookie, u64 addr, u64 size,
			      pgt_s8 level)
{
	struct pgt_hosted *h = pgth_home(mm);

	pgth_hook(h, PGT_HOSTED_TLBI_RANGE, .va = addr, .size = size, .level = level,
		  .cookie = cookie);
	pgth_event(h, tlbi_range, 1);
}

static void hosted_tlbi_all(struct pgt_mm_ops *mm, void *cookie)
{
	struct pgt_hosted *h = pgth_home(mm);

	pgth_hook(h, PGT_HOSTED_TLBI_ALL, .cookie = cookie);
	pgth_event(h, tlbi_all, 1);
}

/* ---- Creation ---- */

static bool valid_args(u64 size, u64 phys_base, u32 flags)
{
	return size && !(size % PGT_HOSTED_ALIGN) && !(phys_base % PGT_HOSTED_ALIGN) &&
	       phys_base + size > phys_base && (size >> PGTH_FRAME_SHIFT) < UINT32_MAX &&
	       !(flags & ~PGT_HOSTED_RCU);
}

static void init_ops(struct pgt_mm_ops *ops)
{
	*ops = pgth_mem_ops;
	ops->free_unlinked_table = pgth_free_unlinked_table;
	ops->dcache_clean_inval_poc = hosted_dcache;
	ops->icache_inval_pou = hosted_icache;
	ops->tlbi_va = hosted_tlbi_va;
	ops->tlbi_range = hosted_tlbi_range;
	ops->tlbi_all = hosted_tlbi_all;
}

struct pgt_hosted *pgt_hosted_create(u64 size, u64 phys_base, u32 flags)
{
	struct pgt_hosted *h;

	if (!valid_args(size, phys_base, flags))
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	init_ops(&h->ops);
	h->size = size;
	h->phys_base = phys_base;
	h->nframes = size >> PGTH_FRAME_SHIFT;
	h->nwords = h->nframes / 64;
	h->frames = calloc(h->nframes, sizeof(*h->frames));
	h->used = calloc(h->nwords, sizeof(*h->used));
	h->base = aligned_alloc(PGT_HOSTED_ALIGN, size);
	h->events = aligned_alloc(sizeof(*h->events), PGTH_SLOTS * sizeof(*h->events));
	if (h->events)
		memset(h->events, 0, PGTH_SLOTS * sizeof(*h->events));
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->rcu_lock, NULL);
	pthread_cond_init(&h->rcu_idle, NULL);
	if (!h->frames || !h->used || !h->base || !h->events) {
		pgt_hosted_destroy(h);
		return NULL;
	}
	pgth_poison(h->base, size);
	if (flags & PGT_HOSTED_RCU)
		pgt_hosted_enable_rcu(h);
	return h;
}

void pgt_hosted_destroy(struct pgt_hosted *h)
{
	u64 in_use;

	if (!h)
		return;
	/* Pending callbacks point into h->frames: let them run first. */
	pgt_hosted_synchronize(h);
	in_use = pgt_hosted_in_use(h);
	if (h->base && in_use)
		pgth_warn(h, "destroy: %llu bytes still allocated (leaked)",
			  (unsigned long long)in_use);
	if (h->base)
		pgth_unpoison(h->base, h->size);
	free(h->base);
	free(h->events);
	free(h->used);
	free(h->frames);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->rcu_lock);
	pthread_cond_destroy(&h->rcu_idle);
	free(h);
}

struct pgt_mm_ops *pgt_hosted_ops(struct pgt_hosted *h)
{
	return &h->ops;
}

struct pgt_hosted *pgt_hosted_from_ops(struct pgt_mm_ops *ops)
{
	return pgth_home(ops);
}

u64 pgt_hosted_phys_base(const struct pgt_hosted *h)
{
	return h->phys_base;
}

u64 pgt_hosted_size(const struct pgt_hosted *h)
{
	return h->size;
}

u64 pgt_hosted_in_use(struct pgt_hosted *h)
{
	return pgth_counter(&h->stats.frames_in_use) << PGTH_FRAME_SHIFT;
}

#define NR_COUNTERS	(sizeof(struct pgt_hosted_stats) / sizeof(u64))
_Static_assert(sizeof(struct pgt_hosted_stats) % sizeof(u64) == 0, "stats are all u64");

/* The event counters lie in struct pgt_hosted_stats in struct pgth_events' order. */
#define NR_EVENTS	(sizeof(struct pgth_events) / sizeof(u64))
#define FIRST_EVENT	(offsetof(struct pgt_hosted_stats, tlbi_va_leaf) / sizeof(u64))
_Static_assert(offsetof(struct pgt_hosted_stats, icache_bytes) -
	       offsetof(struct pgt_hosted_stats, tlbi_va_leaf) ==
	       offsetof(struct pgth_events, icache_bytes), "events in the stats' order");
_Static_assert(sizeof(struct pgth_events) == 64, "one line of events a slot");

__thread u32 pgth_thread_slot __attribute__((tls_model("initial-exec")));

/* A thread's first event: the next slot, or the last (shared) one. */
u32 pgth_slot_assign(void)
{
	static u32 next_slot;
	u32 slot = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED);

	if (slot >= PGTH_SLOTS - 1) {
		slot = PGTH_SLOTS - 1;
		/* Keep the counter from wrapping back into owned slots. */
		__atomic_store_n(&next_slot, PGTH_SLOTS, __ATOMIC_RELAXED);
	}
	pgth_thread_slot = slot + 1;
	return slot;
}

void pgt_hosted_stats(struct pgt_hosted *h, struct pgt_hosted_stats *out)
{
	const u64 *src = (const u64 *)&h->stats;
	u64 *dst = (u64 *)out;
	size_t i, slot;

	for (i = 0; i < NR_COUNTERS; i++)
		dst[i] = pgth_counter(&src[i]);
	for (slot = 0; slot < PGTH_SLOTS; slot++)
		for (i = 0; i < NR_EVENTS; i++)
			dst[FIRST_EVENT + i] += pgth_counter((u64 *)&h->events[slot] + i);
}

/*
 * For a home at rest: an event counted while the counters are reset may
 * survive it, as its thread's add read the counter before the reset.
 */
void pgt_hosted_stats_reset(struct pgt_hosted *h)
{
	u64 *ctr = (u64 *)&h->stats;
	u64 in_use = pgth_counter(&h->stats.frames_in_use);
	size_t i, slot;

	for (i = 0; i < NR_COUNTERS; i++)
		if (&ctr[i] != &h->stats.frames_in_use)
			__atomic_store_n(&ctr[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->stats.peak_frames, in_use, __ATOMIC_RELAXED);
	for (slot = 0; slot < PGTH_SLOTS; slot++)
		for (i = 0; i < NR_EVENTS; i++)
			__atomic_store_n((u64 *)&h->events[slot] + i, 0, __ATOMIC_RELAXED);
}

/* ---- The library's PGT_WARN_ON() (lib/ is built -DPGT_PORT_WARN=pgt_host_warn) ---- */

void pgt_host_warn(const char *file, int line, const char *cond);

void pgt_host_warn(const char *file, int line, const char *cond)
{
	pgt_hosted_lib_warn_fn fn = __atomic_load_n(&lib_warn_fn, __ATOMIC_ACQUIRE);

	__atomic_add_fetch(&lib_warnings, 1, __ATOMIC_RELAXED);
	if (fn)
		fn(file, line, cond);
	else
		fprintf(stderr, "%s:%d: PGT_WARN_ON(%s)\n", file, line, cond);
}

pgt_hosted_lib_warn_fn pgt_hosted_set_lib_warn(pgt_hosted_lib_warn_fn fn)
{
	return __atomic_exchange_n(&lib_warn_fn, fn, __ATOMIC_ACQ_REL);
}

u64 pgt_hosted_lib_warnings(void)
{
	return __atomic_load_n(&lib_warnings, __ATOMIC_RELAXED);
}
