// SPDX-License-Identifier: GPL-2.0-only
/*
 * hosted_rcu.c - unlinked subtrees in the hosted home: freed at once, or,
 * in an RCU home, after a liburcu (memb flavour) grace period, with shared
 * walks as read-side sections.
 */
#include <stdint.h>
#include <stdlib.h>

#include "hosted_internal.h"

/*
 * liburcu is not built with ThreadSanitizer, so TSan cannot see that a grace
 * period orders every reader's critical section before the callbacks that
 * follow it.  The home says so with TSan's own annotations; they compile to
 * nothing elsewhere.
 */
#if defined(__SANITIZE_THREAD__)
#define HOSTED_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HOSTED_TSAN 1
#endif
#endif

#ifdef HOSTED_TSAN
#include <sanitizer/tsan_interface.h>
#define tsan_release(p)		__tsan_release(p)
#define tsan_acquire(p)		__tsan_acquire(p)
#else
#define tsan_release(p)		((void)(p))
#define tsan_acquire(p)		((void)(p))
#endif

static bool rcu_on(struct pgt_hosted *h)
{
	return __atomic_load_n(&h->flags, __ATOMIC_ACQUIRE) & PGT_HOSTED_RCU;
}

/* What frees a subtree nobody can reach any more. */
static void unlinked_free(struct pgt_hosted *h, void *table, pgt_s8 level, u8 granule_shift)
{
	pgt_hosted_unlinked_free_fn fn = __atomic_load_n(&h->unlinked_free, __ATOMIC_ACQUIRE);

	if (fn)
		fn(&h->ops, table, level, granule_shift,
		   __atomic_load_n(&h->unlinked_arg, __ATOMIC_RELAXED));
	else
		pgt_unlinked_free(&h->ops, table, level, granule_shift);
}

static struct pgth_frame *frame_of_rcu(struct rcu_head *head)
{
	return (struct pgth_frame *)((char *)head - offsetof(struct pgth_frame, rcu));
}

/* A grace period after free_unlinked_table: no walker can reach the subtree. */
static void rcu_free(struct rcu_head *head)
{
	struct pgth_frame *f = frame_of_rcu(head);
	struct pgt_hosted *h;
	pgt_s8 level;
	u8 granule_shift;

	/* Pairs with the release that armed the slot: its fields are ours. */
	if (__atomic_load_n(&f->rcu_state, __ATOMIC_ACQUIRE) != RCU_ARMED)
		abort();
	h = __atomic_load_n(&f->home, __ATOMIC_RELAXED);
	level = __atomic_load_n(&f->level, __ATOMIC_RELAXED);
	granule_shift = __atomic_load_n(&f->granule_shift, __ATOMIC_RELAXED);
	tsan_acquire(&h->rcu_readers_hb);
	/* Free the slot before the page: once freed, it may be unlinked again. */
	__atomic_store_n(&f->rcu_state, RCU_IDLE, __ATOMIC_RELEASE);
	unlinked_free(h, pgth_frame_ptr(h, f - h->frames), level, granule_shift);
	pgth_count(&h->stats.rcu_frees, 1);
	/* The last touch of @h: pgt_hosted_synchronize() may return and destroy it. */
	pthread_mutex_lock(&h->rcu_lock);
	if (!--h->rcu_pending)
		pthread_cond_broadcast(&h->rcu_idle);
	pthread_mutex_unlock(&h->rcu_lock);
}

/*
 * Queue @table for after a grace period.  Never blocks, never allocates:
 * the rcu_head is the top table's frame's own.  Misuse leaks the subtree
 * with a warning rather than corrupting liburcu's queue.
 */
static void rcu_queue(struct pgt_hosted *h, void *table, pgt_s8 level, u8 granule_shift)
{
	u32 idx = pgth_head_of(h, table, "free_unlinked_table");
	struct pgth_frame *f;
	u8 idle = RCU_IDLE;

	if (idx == PGTH_NONE)
		return;
	f = &h->frames[idx];
	if (__atomic_load_n(&f->kind, __ATOMIC_ACQUIRE) != FRAME_TABLE ||
	    pgth_frame_ptr(h, idx) != table) {
		pgth_warn(h, "free_unlinked_table: %p is not a table page, leaked", table);
		return;
	}
	if (!__atomic_compare_exchange_n(&f->rcu_state, &idle, RCU_CLAIMED, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		pgth_warn(h, "free_unlinked_table: %p is already waiting for a grace period",
			  table);
		return;
	}
	__atomic_store_n(&f->level, level, __ATOMIC_RELAXED);
	__atomic_store_n(&f->granule_shift, granule_shift, __ATOMIC_RELAXED);
	__atomic_store_n(&f->home, h, __ATOMIC_RELAXED);
	__atomic_store_n(&f->rcu_state, RCU_ARMED, __ATOMIC_RELEASE);
	pthread_mutex_lock(&h->rcu_lock);
	h->rcu_pending++;
	pthread_mutex_unlock(&h->rcu_lock);
	urcu_memb_call_rcu(&f->rcu, rcu_free);
}

void pgth_free_unlinked_table(struct pgt_mm_ops *mm, void *table, pgt_s8 level,
			      u8 granule_shift)
{
	struct pgt_hosted *h = pgth_home(mm);

	pgth_hook(h, PGT_HOSTED_FREE_UNLINKED_TABLE, .addr = table, .level = level,
		  .granule_shift = granule_shift);
	pgth_count(&h->stats.unlinked_frees, 1);
	if (rcu_on(h))
		rcu_queue(h, table, level, granule_shift);
	else
		unlinked_free(h, table, level, granule_shift);
}

static void hosted_walk_begin(struct pgt_mm_ops *mm)
{
	struct pgt_hosted *h = pgth_home(mm);

	pgth_hook(h, PGT_HOSTED_SHARED_WALK_BEGIN);
	if (rcu_on(h))
		urcu_memb_read_lock();
}

static void hosted_walk_end(struct pgt_mm_ops *mm)
{
	struct pgt_hosted *h = pgth_home(mm);

	pgth_hook(h, PGT_HOSTED_SHARED_WALK_END);
	if (!rcu_on(h))
		return;
	/* Everything this reader did happens-before the callbacks after it. */
	tsan_release(&h->rcu_readers_hb);
	urcu_memb_read_unlock();
}

/* Walks are bracketed in an RCU home, and where a hook wants to see them. */
void pgth_update_walk_ops(struct pgt_hosted *h)
{
	u32 walk = PGT_HOSTED_CALL_BIT(PGT_HOSTED_SHARED_WALK_BEGIN) |
		   PGT_HOSTED_CALL_BIT(PGT_HOSTED_SHARED_WALK_END);

	if (!rcu_on(h) && !(__atomic_load_n(&h->hook_calls, __ATOMIC_RELAXED) & walk))
		return;
	h->ops.shared_walk_begin = hosted_walk_begin;
	h->ops.shared_walk_end = hosted_walk_end;
}

void pgt_hosted_enable_rcu(struct pgt_hosted *h)
{
	/* Start liburcu's call_rcu thread now: the first call_rcu() would allocate. */
	urcu_memb_get_default_call_rcu_data();
	__atomic_or_fetch(&h->flags, PGT_HOSTED_RCU, __ATOMIC_RELEASE);
	pgth_update_walk_ops(h);
}

bool pgt_hosted_rcu_enabled(struct pgt_hosted *h)
{
	return rcu_on(h);
}

u64 pgt_hosted_rcu_pending(struct pgt_hosted *h)
{
	u64 n;

	pthread_mutex_lock(&h->rcu_lock);
	n = h->rcu_pending;
	pthread_mutex_unlock(&h->rcu_lock);
	return n;
}

void pgt_hosted_set_unlinked_free(struct pgt_hosted *h, pgt_hosted_unlinked_free_fn fn,
				  void *arg)
{
	__atomic_store_n(&h->unlinked_arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&h->unlinked_free, fn, __ATOMIC_RELEASE);
}

/*
 * Wait for the home's own count of callbacks in flight to reach zero rather
 * than with urcu_memb_barrier(): the count includes frees that callbacks
 * queue in turn, and the mutex orders every callback's frees before our
 * return (liburcu's barrier hands memory between threads through its
 * uninstrumented queue, which ThreadSanitizer cannot follow).
 */
u64 pgt_hosted_synchronize(struct pgt_hosted *h)
{
	u64 before = pgth_counter(&h->stats.rcu_frees);

	if (!rcu_on(h))
		return 0;
	pthread_mutex_lock(&h->rcu_lock);
	while (h->rcu_pending)
		pthread_cond_wait(&h->rcu_idle, &h->rcu_lock);
	pthread_mutex_unlock(&h->rcu_lock);
	return pgth_counter(&h->stats.rcu_frees) - before;
}

void pgt_hosted_thread_online(void)
{
	urcu_memb_register_thread();
}

void pgt_hosted_thread_offline(void)
{
	urcu_memb_unregister_thread();
}
