/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hosted_internal.h - what the hosted home's files share (not installed):
 * the home itself, its frames, and the calls between hosted/pgtable_hosted.c
 * (creation, counters, hooks, reports), hosted/hosted_mem.c (memory and
 * references) and hosted/hosted_rcu.c (unlinked subtrees, grace periods).
 * Internal names start with pgth_; the shared library exports none of them.
 */
#ifndef HOSTED_INTERNAL_H
#define HOSTED_INTERNAL_H

#include <pthread.h>
#include <stddef.h>

#include <urcu/urcu-memb.h>

#include "pgtable_hosted.h"

#if defined(__SANITIZE_ADDRESS__)
#define HOSTED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTED_ASAN 1
#endif
#endif

/* Free frames are poisoned under ASan: a late access to a freed table faults there. */
#ifdef HOSTED_ASAN
#include <sanitizer/asan_interface.h>
#define pgth_poison(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define pgth_unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define pgth_poison(p, n)	((void)(p), (void)(n))
#define pgth_unpoison(p, n)	((void)(p), (void)(n))
#endif

#define PGTH_FRAME_SHIFT	12
#define PGTH_MAX_ORDER		8		/* 1 MiB: a 16-page 64K root */
#define PGTH_NONE		UINT32_MAX	/* no frame */

/* What the head frame of an allocation is; other frames say FRAME_NONE. */
enum pgth_frame_kind {
	FRAME_NONE,
	FRAME_TABLE,		/* zalloc_page: reference-counted */
	FRAME_EXACT,		/* zalloc_pages_exact: freed by free_pages_exact */
};

/* rcu_state: the head frame's rcu_head is free, claimed, or armed for a callback. */
enum pgth_rcu_state {
	RCU_IDLE,
	RCU_CLAIMED,
	RCU_ARMED,
};

/*
 * The head frame's own rcu_head: free_unlinked_table never allocates.  The
 * table stays allocated until the callback frees it, so one slot a frame is
 * all that can be in use.  Every frame of an allocation knows its distance
 * to the head (head_off, 0 in a free frame): a reference through a pointer
 * anywhere in a 64 KiB table finds its head by arithmetic, as a kernel finds
 * a struct page.
 */
struct pgth_frame {
	int refs;
	u8 kind;
	u8 order;
	u8 rcu_state;
	pgt_s8 level;
	u8 granule_shift;
	u8 head_off;			/* frames back to the head, < 1 << PGTH_MAX_ORDER */
	struct rcu_head rcu;
	struct pgt_hosted *home;	/* for the callback, which gets only @rcu */
};

/*
 * The counters of the calls that faults and attribute changes make on every
 * CPU (TLB invalidation, cache maintenance), a set per thread: a thread adds
 * to its own slot with a plain load and store, as no other thread writes
 * there, so concurrent faults neither take a locked add each nor pull one
 * line between them.  pgt_hosted_stats() sums the slots.  Threads beyond
 * the first PGTH_SLOTS - 1 share the last slot, and add to it atomically.
 */
#define PGTH_SLOTS	32

struct pgth_events {
	u64 tlbi_va_leaf;
	u64 tlbi_va_table;
	u64 tlbi_range;
	u64 tlbi_all;
	u64 dcache_ops;
	u64 dcache_bytes;
	u64 icache_ops;
	u64 icache_bytes;
} __attribute__((aligned(64)));

struct pgt_hosted {
	struct pgt_mm_ops ops;		/* first: the ops pointer finds the home */
	struct pgt_hosted_stats stats;	/* atomic counters, but the events' */
	struct pgth_events *events;	/* PGTH_SLOTS of them */
	u8 *base;
	u64 size;
	u64 phys_base;
	u32 nframes;
	u32 flags;			/* enum pgt_hosted_flags, atomic */
	struct pgth_frame *frames;
	u64 *used;			/* one bit a frame */
	u32 nwords;
	u32 low;			/* every word below is full */
	pthread_mutex_t lock;		/* used, low */
	u64 rcu_pending;		/* call_rcu issued, callback not finished */
	pthread_mutex_t rcu_lock;
	pthread_cond_t rcu_idle;
	char rcu_readers_hb;		/* TSan: readers' exits -> callbacks */

	u32 hook_calls;			/* PGT_HOSTED_CALL_BIT()s, atomic */
	pgt_hosted_hook_fn hook;
	void *hook_arg;
	pgt_hosted_report_fn report;
	void *report_arg;
	pgt_hosted_unlinked_free_fn unlinked_free;
	void *unlinked_arg;
};

static inline struct pgt_hosted *pgth_home(struct pgt_mm_ops *mm)
{
	return (struct pgt_hosted *)((char *)mm - offsetof(struct pgt_hosted, ops));
}

static inline void pgth_count(u64 *ctr, u64 n)
{
	__atomic_add_fetch(ctr, n, __ATOMIC_RELAXED);
}

static inline u64 pgth_counter(const u64 *ctr)
{
	return __atomic_load_n(ctr, __ATOMIC_RELAXED);
}

/* This thread's slot + 1 in every home's events; 0 until its first event. */
extern __thread u32 pgth_thread_slot __attribute__((tls_model("initial-exec")));
u32 pgth_slot_assign(void);

static inline u32 pgth_slot(void)
{
	return pgth_thread_slot ? pgth_thread_slot - 1 : pgth_slot_assign();
}

static inline void pgth_slot_add(struct pgt_hosted *h, u32 slot, size_t offset, u64 n)
{
	u64 *ctr = (u64 *)((char *)&h->events[slot] + offset);

	if (slot == PGTH_SLOTS - 1)
		pgth_count(ctr, n);
	else
		__atomic_store_n(ctr, pgth_counter(ctr) + n, __ATOMIC_RELAXED);
}

/* Count @n_ for the event counter @field_ of struct pgth_events in @slot_. */
#define pgth_slot_event(h, slot_, field_, n_)	\
	pgth_slot_add((h), (slot_), offsetof(struct pgth_events, field_), (n_))
/* The same in this thread's slot. */
#define pgth_event(h, field_, n_)	pgth_slot_event((h), pgth_slot(), field_, (n_))

static inline void *pgth_frame_ptr(const struct pgt_hosted *h, u32 idx)
{
	return h->base + ((u64)idx << PGTH_FRAME_SHIFT);
}

static inline bool pgth_hooked(struct pgt_hosted *h, enum pgt_hosted_call call)
{
	return __atomic_load_n(&h->hook_calls, __ATOMIC_ACQUIRE) & PGT_HOSTED_CALL_BIT(call);
}

int pgth_run_hook(struct pgt_hosted *h, const struct pgt_hosted_call_args *c);

/* Run the hook for @call_ with the call's arguments, if it is hooked: its verdict, else 0. */
#define pgth_hook(h, call_, ...)						\
	(pgth_hooked((h), (call_)) ?						\
	 pgth_run_hook((h), &(struct pgt_hosted_call_args){ .call = (call_), __VA_ARGS__ }) : 0)

__attribute__((format(printf, 2, 3)))
void pgth_warn(struct pgt_hosted *h, const char *fmt, ...);

/* hosted_mem.c */
extern const struct pgt_mm_ops pgth_mem_ops;
u32 pgth_head_of(struct pgt_hosted *h, const void *addr, const char *who);

/* hosted_rcu.c */
void pgth_free_unlinked_table(struct pgt_mm_ops *mm, void *table, pgt_s8 level,
			      u8 granule_shift);
void pgth_update_walk_ops(struct pgt_hosted *h);

#endif /* HOSTED_INTERNAL_H */
