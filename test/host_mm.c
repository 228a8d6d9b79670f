// SPDX-License-Identifier: GPL-2.0-only
/*
 * host_mm.c - the hosted home's struct pgt_mm_ops: a simulated physical
 * memory arena with a buddy allocator, counters, failure injection, a TLBI
 * log, and three ways to free unlinked subtrees: at once, from a queue the
 * test drains, or after a real RCU grace period (liburcu, memb flavour).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu/urcu-memb.h>

#include "host_mm.h"

/*
 * Under ASan, free frames are poisoned, so a library that touches a table
 * after giving it back is caught at the faulting access, not much later.
 */
#if defined(__SANITIZE_ADDRESS__)
#define HOST_MM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOST_MM_ASAN 1
#endif
#endif

#ifdef HOST_MM_ASAN
#include <sanitizer/asan_interface.h>
#define arena_poison(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define arena_unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define arena_poison(p, n)	((void)(p), (void)(n))
#define arena_unpoison(p, n)	((void)(p), (void)(n))
#endif

/*
 * liburcu is not built with ThreadSanitizer, so TSan cannot see that a grace
 * period orders every reader's critical section before the callbacks that
 * follow it.  The arena says so with TSan's own annotations; they compile to
 * nothing elsewhere.
 */
#if defined(__SANITIZE_THREAD__)
#define HOST_MM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HOST_MM_TSAN 1
#endif
#endif

#ifdef HOST_MM_TSAN
#include <sanitizer/tsan_interface.h>
#define tsan_release(p)		__tsan_release(p)
#define tsan_acquire(p)		__tsan_acquire(p)
#else
#define tsan_release(p)		((void)(p))
#define tsan_acquire(p)		((void)(p))
#endif

#define NIL	UINT32_MAX

enum frame_state {
	FRAME_FREE,		/* inside a free block, not its head */
	FRAME_FREE_HEAD,	/* head of a free block, on free_head[order] */
	FRAME_PAGE,		/* head of a zalloc_page allocation */
	FRAME_EXACT,		/* head of a zalloc_pages_exact allocation */
	FRAME_TAIL,		/* inside an allocation; order says where its head is */
};

/* rcu.queued: the frame's rcu_head is free, claimed by a free_unlinked_table, or armed. */
enum rcu_slot_state {
	RCU_IDLE,
	RCU_CLAIMED,
	RCU_ARMED,
};

/*
 * An RCU free in flight for the subtree whose top table starts at this frame.
 * The table page stays allocated until the callback frees it, so one slot a
 * frame is all that can ever be in use: free_unlinked_table never allocates.
 */
struct host_frame_rcu {
	struct rcu_head head;
	struct host_mm *hm;
	pgt_s8 level;
	u8 granule_shift;
	u8 queued;		/* enum rcu_slot_state, atomic */
};

/*
 * The free-list links live here rather than in the free memory itself, so
 * free frames can stay poisoned and the library's stray writes cannot corrupt
 * the allocator.  state and order are also read without the lock (get_page
 * and friends), hence the atomic accessors.
 */
struct host_frame {
	int refcount;
	u8 order;
	u8 state;
	u32 next, prev;
	struct host_frame_rcu rcu;
};

struct host_deferred {
	void *table;
	pgt_s8 level;
	u8 granule_shift;
};

static u64 global_warnings;

static void stat_add(u64 *ctr, u64 n)
{
	__atomic_add_fetch(ctr, n, __ATOMIC_RELAXED);
}

static u64 stat_read(const u64 *ctr)
{
	return __atomic_load_n(ctr, __ATOMIC_RELAXED);
}

static u8 frame_state(const struct host_frame *f)
{
	return __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
}

static u8 frame_order(const struct host_frame *f)
{
	return __atomic_load_n(&f->order, __ATOMIC_RELAXED);
}

static void frame_set(struct host_frame *f, u8 state, u8 order)
{
	__atomic_store_n(&f->order, order, __ATOMIC_RELAXED);
	__atomic_store_n(&f->state, state, __ATOMIC_RELEASE);
}

/*
 * Misuse accounting.  Every report is either expected (the test said so with
 * host_mm_expect_misuse()) or a failure.  An arena's failures are delivered
 * when it is destroyed -- to the fail handler if one is set (a cmocka test's
 * fail_msg), else to stderr -- and anything never delivered makes the
 * process exit with HOST_MM_MISUSE_STATUS.
 */
static host_mm_fail_fn fail_handler;
static u64 unexpected_reports;		/* every arena's, plus the library's */
static u64 delivered_reports;		/* ... of which a failed check announced */
static u64 lib_expected;		/* PGT_WARN_ON reports still expected */
static u64 lib_unexpected;		/* PGT_WARN_ON reports nobody expected */
static u64 lib_delivered;		/* ... of which a failed check announced */
static pthread_once_t exit_check_once = PTHREAD_ONCE_INIT;

/* Take one expected report off @left if there is one. */
static bool claim_expected(u64 *left)
{
	u64 n = __atomic_load_n(left, __ATOMIC_RELAXED);

	while (n && !__atomic_compare_exchange_n(left, &n, n - 1, true, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
		;
	return n != 0;
}

/* The backstop: a report no check announced still fails the process. */
static void exit_check(void)
{
	u64 arena = stat_read(&unexpected_reports) - stat_read(&delivered_reports);
	u64 lib = stat_read(&lib_unexpected) - stat_read(&lib_delivered);

	if (!arena && !lib)
		return;
	fprintf(stderr, "host_mm: FAIL: %llu misuse report(s) of the home and %llu PGT_WARN_ON "
		"report(s) of the library that no check announced\n",
		(unsigned long long)arena, (unsigned long long)lib);
	fflush(NULL);
	_exit(HOST_MM_MISUSE_STATUS);
}

static void exit_check_register(void)
{
	atexit(exit_check);
}

static void exit_check_arm(void)
{
	pthread_once(&exit_check_once, exit_check_register);
}

__attribute__((format(printf, 2, 3)))
static void host_warn(struct host_mm *hm, const char *fmt, ...)
{
	bool expected = claim_expected(&hm->misuse_expected);
	char msg[sizeof(hm->last_misuse)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stat_add(&hm->stats.warnings, 1);
	pthread_mutex_lock(&hm->misuse_lock);
	memcpy(hm->last_misuse, msg, sizeof(msg));
	pthread_mutex_unlock(&hm->misuse_lock);
	if (!expected) {
		stat_add(&hm->misuse_unexpected, 1);
		stat_add(&unexpected_reports, 1);
		fprintf(stderr, "host_mm: warning: %s\n", msg);
	} else if (!__atomic_load_n(&hm->quiet, __ATOMIC_RELAXED)) {
		fprintf(stderr, "host_mm: expected warning: %s\n", msg);
	}
}

__attribute__((format(printf, 1, 2), noreturn))
static void host_bug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("host_mm: BUG: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* ---- Hooks: a test's code inside an mm_ops call ---- */

static __thread bool hook_running;

static void run_hook(struct host_mm *hm, enum host_mm_call call)
{
	host_mm_hook_fn fn = __atomic_load_n(&hm->hook, __ATOMIC_ACQUIRE);

	if (!fn || hook_running ||
	    !(__atomic_load_n(&hm->hook_calls, __ATOMIC_RELAXED) & HOST_CALL_BIT(call)))
		return;
	hook_running = true;
	fn(hm, call, __atomic_load_n(&hm->hook_arg, __ATOMIC_RELAXED));
	hook_running = false;
}

static struct host_mm *to_hm(struct pgt_mm_ops *mm);

/* Run the hook for @call of the arena behind @mm, then return the arena. */
static struct host_mm *hooked(struct pgt_mm_ops *mm, enum host_mm_call call)
{
	struct host_mm *hm = to_hm(mm);

	run_hook(hm, call);
	return hm;
}

static struct host_mm *to_hm(struct pgt_mm_ops *mm)
{
	return (struct host_mm *)((char *)mm - offsetof(struct host_mm, ops));
}

static void *frame_addr(const struct host_mm *hm, u32 idx)
{
	return hm->base + ((u64)idx << HOST_MM_FRAME_SHIFT);
}

static bool in_arena(const struct host_mm *hm, const void *p)
{
	return (uintptr_t)p - (uintptr_t)hm->base < hm->size;
}

/* ---- Buddy allocator: callers hold hm->lock ---- */

static void list_push(struct host_mm *hm, u32 idx, u8 order)
{
	struct host_frame *f = &hm->frames[idx];
	u32 old = hm->free_head[order];

	f->prev = NIL;
	f->next = old;
	if (old != NIL)
		hm->frames[old].prev = idx;
	hm->free_head[order] = idx;
	frame_set(f, FRAME_FREE_HEAD, order);
}

static void list_del(struct host_mm *hm, u32 idx, u8 order)
{
	struct host_frame *f = &hm->frames[idx];

	if (f->prev != NIL)
		hm->frames[f->prev].next = f->next;
	else
		hm->free_head[order] = f->next;
	if (f->next != NIL)
		hm->frames[f->next].prev = f->prev;
	frame_set(f, FRAME_FREE, 0);
}

/* Smallest free block that fits, split down; the upper halves go back. */
static u32 buddy_take(struct host_mm *hm, u8 order)
{
	u8 o = order;
	u32 idx;

	while (o <= HOST_MM_MAX_ORDER && hm->free_head[o] == NIL)
		o++;
	if (o > HOST_MM_MAX_ORDER)
		return NIL;
	idx = hm->free_head[o];
	list_del(hm, idx, o);
	while (o > order) {
		o--;
		list_push(hm, idx + (1u << o), o);
	}
	return idx;
}

static void buddy_give(struct host_mm *hm, u32 idx, u8 order)
{
	u32 n = 1u << order;

	for (u32 i = 0; i < n; i++)
		frame_set(&hm->frames[idx + i], FRAME_FREE, 0);
	/* The arena is whole 1 MiB blocks, so a buddy below MAX_ORDER always exists. */
	while (order < HOST_MM_MAX_ORDER) {
		u32 buddy = idx ^ (1u << order);
		struct host_frame *b = &hm->frames[buddy];

		if (b->state != FRAME_FREE_HEAD || b->order != order)
			break;
		list_del(hm, buddy, order);
		idx &= ~(1u << order);
		order++;
	}
	list_push(hm, idx, order);
}

static void mark_alloc(struct host_mm *hm, u32 idx, u8 order, u8 state)
{
	u32 n = 1u << order;

	__atomic_store_n(&hm->frames[idx].refcount, 1, __ATOMIC_RELAXED);
	for (u32 i = 1; i < n; i++)
		frame_set(&hm->frames[idx + i], FRAME_TAIL, order);
	frame_set(&hm->frames[idx], state, order);
}

/* ---- Allocation and accounting ---- */

static void account(struct host_mm *hm, s64 frames)
{
	u64 now = __atomic_add_fetch(&hm->stats.pages_in_use, (u64)frames, __ATOMIC_RELAXED);
	u64 peak = stat_read(&hm->stats.peak_in_use);

	while (frames > 0 && now > peak &&
	       !__atomic_compare_exchange_n(&hm->stats.peak_in_use, &peak, now, true,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Count the attempt and decide whether an injected failure claims it. */
static bool inject_failure(struct host_mm *hm)
{
	u64 n = __atomic_add_fetch(&hm->stats.alloc_calls, 1, __ATOMIC_RELAXED);
	u64 at = __atomic_load_n(&hm->fail_nth_at, __ATOMIC_RELAXED);

	if (at == n && __atomic_compare_exchange_n(&hm->fail_nth_at, &at, 0, false,
						   __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return true;
	return n > __atomic_load_n(&hm->fail_after_limit, __ATOMIC_RELAXED);
}

static void *arena_alloc(struct host_mm *hm, u8 order, u8 state)
{
	u64 bytes = (u64)HOST_MM_FRAME_SIZE << order;
	u32 idx = NIL;
	void *p;

	if (inject_failure(hm)) {
		stat_add(&hm->stats.injected_failures, 1);
	} else {
		pthread_mutex_lock(&hm->lock);
		idx = buddy_take(hm, order);
		if (idx != NIL)
			mark_alloc(hm, idx, order, state);
		pthread_mutex_unlock(&hm->lock);
	}
	if (idx == NIL) {
		stat_add(&hm->stats.failed_allocs, 1);
		return NULL;
	}
	stat_add(&hm->stats.allocs, 1);
	account(hm, 1 << order);
	p = frame_addr(hm, idx);
	arena_unpoison(p, bytes);
	memset(p, 0, bytes);
	return p;
}

static void arena_free(struct host_mm *hm, u32 idx, u8 order)
{
	arena_poison(frame_addr(hm, idx), (u64)HOST_MM_FRAME_SIZE << order);
	pthread_mutex_lock(&hm->lock);
	buddy_give(hm, idx, order);
	pthread_mutex_unlock(&hm->lock);
	stat_add(&hm->stats.frees, 1);
	account(hm, -((s64)1 << order));
}

/* log2(size) - 12 if @size is a power of two from 4 KiB to 1 MiB, else -1. */
static int size_order(u64 size)
{
	if (size < HOST_MM_FRAME_SIZE || size > HOST_MM_MAX_ALLOC || (size & (size - 1)))
		return -1;
	return __builtin_ctzll(size) - HOST_MM_FRAME_SHIFT;
}

static void *host_zalloc_page(struct pgt_mm_ops *mm, u32 size)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_ZALLOC_PAGE);

	if (size != 4096 && size != 16384 && size != 65536) {
		host_warn(hm, "zalloc_page: bad size %u", size);
		return NULL;
	}
	return arena_alloc(hm, size_order(size), FRAME_PAGE);
}

static void *host_zalloc_pages_exact(struct pgt_mm_ops *mm, u64 size)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_ZALLOC_PAGES_EXACT);
	int order = size_order(size);

	if (order < 0) {
		host_warn(hm, "zalloc_pages_exact: bad size %#llx", (unsigned long long)size);
		return NULL;
	}
	return arena_alloc(hm, order, FRAME_EXACT);
}

/* ---- References ---- */

/*
 * The head frame of the allocation containing @addr, or NIL after a warning.
 * Interior addresses are accepted because the library counts references
 * through entry pointers, which lie anywhere in a 16 or 64 KiB table.
 */
static u32 alloc_head(struct host_mm *hm, const void *addr, const char *who)
{
	u32 idx;
	u8 state;

	if (!in_arena(hm, addr)) {
		host_warn(hm, "%s: %p outside the arena", who, addr);
		return NIL;
	}
	idx = ((uintptr_t)addr - (uintptr_t)hm->base) >> HOST_MM_FRAME_SHIFT;
	state = frame_state(&hm->frames[idx]);
	if (state == FRAME_TAIL) {
		idx &= ~((1u << frame_order(&hm->frames[idx])) - 1);
		state = frame_state(&hm->frames[idx]);
	}
	if (state != FRAME_PAGE && state != FRAME_EXACT) {
		host_warn(hm, "%s: %p is not allocated", who, addr);
		return NIL;
	}
	return idx;
}

static void host_get_page(struct pgt_mm_ops *mm, void *addr)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_GET_PAGE);
	u32 idx = alloc_head(hm, addr, "get_page");
	int *rc, old;

	if (idx == NIL)
		return;
	rc = &hm->frames[idx].refcount;
	old = __atomic_load_n(rc, __ATOMIC_RELAXED);
	do {
		if (old <= 0) {
			host_warn(hm, "get_page: %p has no references", addr);
			return;
		}
	} while (!__atomic_compare_exchange_n(rc, &old, old + 1, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

/* Drop one reference if there is one; return what remains, or -1. */
static int ref_drop(int *rc)
{
	int old = __atomic_load_n(rc, __ATOMIC_RELAXED);

	do {
		if (old <= 0)
			return -1;
	} while (!__atomic_compare_exchange_n(rc, &old, old - 1, true,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	return old - 1;
}

static void host_put_page(struct pgt_mm_ops *mm, void *addr)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_PUT_PAGE);
	u32 idx = alloc_head(hm, addr, "put_page");
	int left;

	if (idx == NIL)
		return;
	left = ref_drop(&hm->frames[idx].refcount);
	if (left < 0) {
		host_warn(hm, "put_page: %p reference count underflow", addr);
	} else if (left == 0 && frame_state(&hm->frames[idx]) == FRAME_EXACT) {
		/* Only free_pages_exact() releases a root: this is unbalanced. */
		host_warn(hm, "put_page: last reference of exact allocation %p", addr);
	} else if (left == 0) {
		arena_free(hm, idx, frame_order(&hm->frames[idx]));
	}
}

/* Many references at once; dropping the last one this way is a misuse. */
static void host_page_ref_add(struct pgt_mm_ops *mm, void *addr, int delta)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_PAGE_REF_ADD);
	u32 idx = alloc_head(hm, addr, "page_ref_add");
	int old;

	if (idx == NIL)
		return;
	old = __atomic_fetch_add(&hm->frames[idx].refcount, delta, __ATOMIC_ACQ_REL);
	if (old <= 0 || old + delta <= 0)
		host_warn(hm, "page_ref_add: %p has %d references, %+d", addr, old, delta);
}

static int host_page_count(struct pgt_mm_ops *mm, void *addr)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_PAGE_COUNT);
	u32 idx = alloc_head(hm, addr, "page_count");

	if (idx == NIL)
		return 0;
	return __atomic_load_n(&hm->frames[idx].refcount, __ATOMIC_RELAXED);
}

static void host_free_pages_exact(struct pgt_mm_ops *mm, void *addr, u64 size)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_FREE_PAGES_EXACT);
	u32 idx = alloc_head(hm, addr, "free_pages_exact");
	struct host_frame *f;

	if (idx == NIL)
		return;
	f = &hm->frames[idx];
	if (frame_state(f) != FRAME_EXACT || frame_addr(hm, idx) != addr ||
	    size_order(size) != frame_order(f)) {
		host_warn(hm, "free_pages_exact: %p/%#llx is no exact allocation", addr,
			  (unsigned long long)size);
		return;
	}
	/* The library's references to the root must be balanced by now. */
	if (__atomic_load_n(&f->refcount, __ATOMIC_RELAXED) != 1)
		host_warn(hm, "free_pages_exact: %p still has %d references", addr,
			  __atomic_load_n(&f->refcount, __ATOMIC_RELAXED));
	__atomic_store_n(&f->refcount, 0, __ATOMIC_RELAXED);
	arena_free(hm, idx, frame_order(f));
}

/* ---- Address translation ---- */

static void *host_phys_to_virt(struct pgt_mm_ops *mm, u64 phys)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_PHYS_TO_VIRT);

	if (phys - hm->phys_base >= hm->size)
		host_bug("phys_to_virt: %#llx outside [%#llx, %#llx)", (unsigned long long)phys,
			 (unsigned long long)hm->phys_base,
			 (unsigned long long)(hm->phys_base + hm->size));
	return hm->base + (phys - hm->phys_base);
}

static u64 host_virt_to_phys(struct pgt_mm_ops *mm, void *addr)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_VIRT_TO_PHYS);

	if (!in_arena(hm, addr))
		host_bug("virt_to_phys: %p outside the arena at %p", addr, (void *)hm->base);
	return hm->phys_base + ((uintptr_t)addr - (uintptr_t)hm->base);
}

/* ---- Deferred frees ---- */

static void call_unlinked_free(struct host_mm *hm, const struct host_deferred *d)
{
	host_mm_unlinked_free_fn fn = __atomic_load_n(&hm->unlinked_free, __ATOMIC_ACQUIRE);

	if (!fn) {
		host_warn(hm, "free_unlinked_table: no unlinked-free function, %p leaked",
			  d->table);
		return;
	}
	fn(&hm->ops, d->table, d->level, d->granule_shift);
}

static void defer_push(struct host_mm *hm, const struct host_deferred *d)
{
	pthread_mutex_lock(&hm->defer_lock);
	if (hm->n_deferred == hm->cap_deferred) {
		size_t cap = hm->cap_deferred ? 2 * hm->cap_deferred : 64;
		void *p = realloc(hm->deferred, cap * sizeof(*hm->deferred));

		if (!p)
			host_bug("free_unlinked_table: out of host memory");
		hm->deferred = p;
		hm->cap_deferred = cap;
	}
	hm->deferred[hm->n_deferred++] = *d;
	pthread_mutex_unlock(&hm->defer_lock);
}

/* ---- RCU ---- */

static bool rcu_on(struct host_mm *hm)
{
	return __atomic_load_n(&hm->rcu, __ATOMIC_ACQUIRE);
}

static void host_shared_walk_begin(struct pgt_mm_ops *mm)
{
	if (rcu_on(hooked(mm, HOST_CALL_SHARED_WALK_BEGIN)))
		urcu_memb_read_lock();
}

static void host_shared_walk_end(struct pgt_mm_ops *mm)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_SHARED_WALK_END);

	if (!rcu_on(hm))
		return;
	/* Everything this reader did happens-before the callbacks after it. */
	tsan_release(&hm->rcu_readers_hb);
	urcu_memb_read_unlock();
}

/* After a grace period: no walker can still reach the subtree. */
static void host_rcu_free_cb(struct rcu_head *head)
{
	struct host_frame_rcu *slot = (struct host_frame_rcu *)
		((char *)head - offsetof(struct host_frame_rcu, head));
	struct host_frame *f = (struct host_frame *)
		((char *)slot - offsetof(struct host_frame, rcu));
	struct host_mm *hm;
	struct host_deferred d;

	/* Pairs with the release that armed the slot: its fields are ours. */
	if (__atomic_load_n(&slot->queued, __ATOMIC_ACQUIRE) != RCU_ARMED)
		host_bug("rcu callback on a slot that was not armed");
	hm = __atomic_load_n(&slot->hm, __ATOMIC_RELAXED);
	d = (struct host_deferred){
		.table = frame_addr(hm, f - hm->frames),
		.level = __atomic_load_n(&slot->level, __ATOMIC_RELAXED),
		.granule_shift = __atomic_load_n(&slot->granule_shift, __ATOMIC_RELAXED),
	};
	tsan_acquire(&hm->rcu_readers_hb);
	/* Free the slot before the page: once freed, it may be unlinked again. */
	__atomic_store_n(&slot->queued, RCU_IDLE, __ATOMIC_RELEASE);
	call_unlinked_free(hm, &d);
	stat_add(&hm->stats.rcu_frees, 1);
	/* Last touch of @hm: host_mm_rcu_barrier() may return, and destroy it. */
	pthread_mutex_lock(&hm->rcu_lock);
	if (!__atomic_sub_fetch(&hm->rcu_pending, 1, __ATOMIC_RELAXED))
		pthread_cond_broadcast(&hm->rcu_idle);
	pthread_mutex_unlock(&hm->rcu_lock);
}

/*
 * Queue @d for after a grace period.  Never blocks, never allocates: the
 * rcu_head is the top table's frame's own.  Misuse leaks the subtree with a
 * warning rather than corrupting liburcu's queue.
 */
static void rcu_defer(struct host_mm *hm, const struct host_deferred *d)
{
	u32 idx = alloc_head(hm, d->table, "free_unlinked_table");
	struct host_frame_rcu *slot;
	u8 idle = RCU_IDLE;

	if (idx == NIL)
		return;
	if (frame_state(&hm->frames[idx]) != FRAME_PAGE || frame_addr(hm, idx) != d->table) {
		host_warn(hm, "free_unlinked_table: %p is not a table page, leaked", d->table);
		return;
	}
	slot = &hm->frames[idx].rcu;
	if (!__atomic_compare_exchange_n(&slot->queued, &idle, RCU_CLAIMED, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		host_warn(hm, "free_unlinked_table: %p is already waiting for a grace period",
			  d->table);
		return;
	}
	__atomic_store_n(&slot->hm, hm, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->level, d->level, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->granule_shift, d->granule_shift, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->queued, RCU_ARMED, __ATOMIC_RELEASE);
	__atomic_add_fetch(&hm->rcu_pending, 1, __ATOMIC_RELAXED);
	urcu_memb_call_rcu(&slot->head, host_rcu_free_cb);
}

void host_mm_enable_rcu(struct host_mm *hm)
{
	/*
	 * Start liburcu's call_rcu thread now, so that free_unlinked_table
	 * never allocates (the first call_rcu() of a process would).
	 */
	urcu_memb_get_default_call_rcu_data();
	__atomic_store_n(&hm->rcu, true, __ATOMIC_RELEASE);
	hm->ops.shared_walk_begin = host_shared_walk_begin;
	hm->ops.shared_walk_end = host_shared_walk_end;
}

void host_mm_set_hook(struct host_mm *hm, u32 calls, host_mm_hook_fn fn, void *arg)
{
	u32 walk = HOST_CALL_BIT(HOST_CALL_SHARED_WALK_BEGIN) |
		   HOST_CALL_BIT(HOST_CALL_SHARED_WALK_END);

	__atomic_store_n(&hm->hook_arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&hm->hook_calls, calls, __ATOMIC_RELAXED);
	__atomic_store_n(&hm->hook, calls ? fn : NULL, __ATOMIC_RELEASE);
	/* Without RCU the walk brackets exist only to run the hook. */
	if (calls & walk) {
		hm->ops.shared_walk_begin = host_shared_walk_begin;
		hm->ops.shared_walk_end = host_shared_walk_end;
	}
}

bool host_mm_rcu_enabled(struct host_mm *hm)
{
	return rcu_on(hm);
}

/*
 * Wait for the arena's own count of callbacks in flight to reach zero rather
 * than with urcu_memb_barrier(): the count includes frees that callbacks
 * queue in turn, and the mutex orders every callback's frees before our
 * return (liburcu's barrier hands memory between threads through its
 * uninstrumented queue, which ThreadSanitizer cannot follow).
 */
u64 host_mm_rcu_barrier(struct host_mm *hm)
{
	u64 before = stat_read(&hm->stats.rcu_frees);

	if (!rcu_on(hm))
		return 0;
	pthread_mutex_lock(&hm->rcu_lock);
	while (__atomic_load_n(&hm->rcu_pending, __ATOMIC_RELAXED))
		pthread_cond_wait(&hm->rcu_idle, &hm->rcu_lock);
	pthread_mutex_unlock(&hm->rcu_lock);
	return stat_read(&hm->stats.rcu_frees) - before;
}

static void host_free_unlinked_table(struct pgt_mm_ops *mm, void *table, pgt_s8 level,
				     u8 granule_shift)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_FREE_UNLINKED_TABLE);
	struct host_deferred d = { table, level, granule_shift };

	stat_add(&hm->stats.deferred_frees, 1);
	if (rcu_on(hm))
		rcu_defer(hm, &d);
	else if (__atomic_load_n(&hm->defer, __ATOMIC_RELAXED))
		defer_push(hm, &d);
	else
		call_unlinked_free(hm, &d);
}

u64 host_mm_drain_deferred(struct host_mm *hm)
{
	u64 total = host_mm_rcu_barrier(hm);

	for (;;) {
		struct host_deferred *batch;
		size_t n;

		/* Take the whole queue: the frees run unlocked and may queue more. */
		pthread_mutex_lock(&hm->defer_lock);
		batch = hm->deferred;
		n = hm->n_deferred;
		hm->deferred = NULL;
		hm->n_deferred = hm->cap_deferred = 0;
		pthread_mutex_unlock(&hm->defer_lock);
		if (!n)
			return total + host_mm_rcu_barrier(hm);
		for (size_t i = 0; i < n; i++)
			call_unlinked_free(hm, &batch[i]);
		free(batch);
		total += n;
	}
}

u64 host_mm_deferred_pending(struct host_mm *hm)
{
	size_t n;

	pthread_mutex_lock(&hm->defer_lock);
	n = hm->n_deferred;
	pthread_mutex_unlock(&hm->defer_lock);
	return n + __atomic_load_n(&hm->rcu_pending, __ATOMIC_RELAXED);
}

void host_mm_set_defer(struct host_mm *hm, bool defer)
{
	__atomic_store_n(&hm->defer, defer, __ATOMIC_RELAXED);
}

void host_mm_set_unlinked_free(struct host_mm *hm, host_mm_unlinked_free_fn fn)
{
	__atomic_store_n(&hm->unlinked_free, fn, __ATOMIC_RELEASE);
}

/* ---- Cache and TLB maintenance ---- */

static void host_dcache_clean_inval_poc(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_DCACHE);

	(void)phys;
	stat_add(&hm->stats.dcache_ops, 1);
	stat_add(&hm->stats.dcache_bytes, size);
}

static void host_icache_inval_pou(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_ICACHE);

	(void)phys;
	stat_add(&hm->stats.icache_ops, 1);
	stat_add(&hm->stats.icache_bytes, size);
}

static void tlbi_log(struct host_mm *hm, const struct host_tlbi_entry *e)
{
	if (!__atomic_load_n(&hm->tlbi_log_on, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&hm->log_lock);
	if (hm->n_log == hm->cap_log) {
		size_t cap = hm->cap_log ? 2 * hm->cap_log : 256;
		void *p = realloc(hm->tlbi_log, cap * sizeof(*hm->tlbi_log));

		if (!p)
			host_bug("tlbi log: out of host memory");
		hm->tlbi_log = p;
		hm->cap_log = cap;
	}
	hm->tlbi_log[hm->n_log++] = *e;
	pthread_mutex_unlock(&hm->log_lock);
}

static void host_tlbi_va(struct pgt_mm_ops *mm, void *cookie, u64 addr, pgt_s8 level,
			 bool leaf)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_TLBI_VA);
	struct host_tlbi_entry e = {
		.kind = HOST_TLBI_VA, .addr = addr, .level = level, .leaf = leaf,
		.cookie = cookie,
	};

	stat_add(leaf ? &hm->stats.tlbi_va_leaf : &hm->stats.tlbi_va_table, 1);
	tlbi_log(hm, &e);
}

static void host_tlbi_range(struct pgt_mm_ops *mm, void *cookie, u64 addr, u64 size,
			    pgt_s8 level)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_TLBI_RANGE);
	struct host_tlbi_entry e = {
		.kind = HOST_TLBI_RANGE, .addr = addr, .size = size, .level = level,
		.cookie = cookie,
	};

	stat_add(&hm->stats.tlbi_range, 1);
	tlbi_log(hm, &e);
}

static void host_tlbi_all(struct pgt_mm_ops *mm, void *cookie)
{
	struct host_mm *hm = hooked(mm, HOST_CALL_TLBI_ALL);
	struct host_tlbi_entry e = {
		.kind = HOST_TLBI_ALL, .level = PGT_NO_LEVEL, .cookie = cookie,
	};

	stat_add(&hm->stats.tlbi_all, 1);
	tlbi_log(hm, &e);
}

void host_mm_tlbi_log_enable(struct host_mm *hm, bool on)
{
	__atomic_store_n(&hm->tlbi_log_on, on, __ATOMIC_RELAXED);
}

const struct host_tlbi_entry *host_mm_tlbi_log_get(struct host_mm *hm, size_t *n)
{
	const struct host_tlbi_entry *log;

	pthread_mutex_lock(&hm->log_lock);
	*n = hm->n_log;
	log = hm->n_log ? hm->tlbi_log : NULL;
	pthread_mutex_unlock(&hm->log_lock);
	return log;
}

void host_mm_tlbi_log_clear(struct host_mm *hm)
{
	pthread_mutex_lock(&hm->log_lock);
	hm->n_log = 0;
	pthread_mutex_unlock(&hm->log_lock);
}

/* ---- Creation ---- */

static const struct pgt_mm_ops host_ops = {
	.zalloc_page = host_zalloc_page,
	.zalloc_pages_exact = host_zalloc_pages_exact,
	.free_pages_exact = host_free_pages_exact,
	.get_page = host_get_page,
	.put_page = host_put_page,
	.page_count = host_page_count,
	.page_ref_add = host_page_ref_add,
	.phys_to_virt = host_phys_to_virt,
	.virt_to_phys = host_virt_to_phys,
	.free_unlinked_table = host_free_unlinked_table,
	.dcache_clean_inval_poc = host_dcache_clean_inval_poc,
	.icache_inval_pou = host_icache_inval_pou,
	.tlbi_va = host_tlbi_va,
	.tlbi_range = host_tlbi_range,
	.tlbi_all = host_tlbi_all,
	/* shared_walk_begin/end: set by host_mm_enable_rcu(). */
};

static bool arena_init(struct host_mm *hm, u64 size)
{
	u32 blocks = size / HOST_MM_MAX_ALLOC;

	hm->nframes = size >> HOST_MM_FRAME_SHIFT;
	hm->frames = calloc(hm->nframes, sizeof(*hm->frames));
	hm->base = aligned_alloc(HOST_MM_MAX_ALLOC, size);
	if (!hm->frames || !hm->base)
		return false;
	for (int o = 0; o <= HOST_MM_MAX_ORDER; o++)
		hm->free_head[o] = NIL;
	/* Pushed from the top so that the lowest addresses are handed out first. */
	for (u32 b = blocks; b-- > 0;)
		list_push(hm, b << HOST_MM_MAX_ORDER, HOST_MM_MAX_ORDER);
	arena_poison(hm->base, size);
	return true;
}

struct host_mm *host_mm_create(u64 size, u64 phys_base)
{
	struct host_mm *hm;

	if (!size || size % HOST_MM_MAX_ALLOC || phys_base % HOST_MM_MAX_ALLOC ||
	    phys_base + size < phys_base || (size >> HOST_MM_FRAME_SHIFT) >= NIL)
		return NULL;
	hm = calloc(1, sizeof(*hm));
	if (!hm)
		return NULL;
	hm->ops = host_ops;
	hm->size = size;
	hm->phys_base = phys_base;
	hm->fail_after_limit = UINT64_MAX;
	pthread_mutex_init(&hm->lock, NULL);
	pthread_mutex_init(&hm->defer_lock, NULL);
	pthread_mutex_init(&hm->log_lock, NULL);
	pthread_mutex_init(&hm->rcu_lock, NULL);
	pthread_mutex_init(&hm->misuse_lock, NULL);
	pthread_cond_init(&hm->rcu_idle, NULL);
	hm->lib_unexpected_at_create = stat_read(&lib_unexpected);
	exit_check_arm();
	if (!arena_init(hm, size)) {
		host_mm_destroy(hm);
		return NULL;
	}
	return hm;
}

struct arena_verdict {
	u64 unexpected;		/* the arena's reports nobody expected */
	u64 unmet;		/* expected reports that never came */
	u64 lib_new;		/* the library's unexpected warnings while it lived */
	u64 lib_now;		/* lib_unexpected when the verdict was taken */
};

/* The arena's verdict, and in @msg what is wrong (false) if anything is. */
static bool arena_verdict(struct host_mm *hm, struct arena_verdict *v, char *msg, size_t len)
{
	u64 lib_seen = stat_read(&lib_delivered);
	u64 since = lib_seen > hm->lib_unexpected_at_create ? lib_seen :
		    hm->lib_unexpected_at_create;

	v->unexpected = stat_read(&hm->misuse_unexpected);
	v->unmet = stat_read(&hm->misuse_expected);
	v->lib_now = stat_read(&lib_unexpected);
	v->lib_new = v->lib_now > since ? v->lib_now - since : 0;
	if (v->unexpected)
		snprintf(msg, len, "host_mm: FAIL: %llu unexpected misuse report(s) of the "
			 "home, the last: %s", (unsigned long long)v->unexpected, hm->last_misuse);
	else if (v->unmet)
		snprintf(msg, len, "host_mm: FAIL: %llu expected misuse report(s) of the home "
			 "never came", (unsigned long long)v->unmet);
	else if (v->lib_new)
		snprintf(msg, len, "host_mm: FAIL: %llu unexpected PGT_WARN_ON report(s) of "
			 "the library while the arena lived", (unsigned long long)v->lib_new);
	return !v->unexpected && !v->unmet && !v->lib_new;
}

/*
 * Hand a failed verdict to the fail handler, which owns it from now on, or
 * leave it to the exit check (an unmet expectation is counted there too).
 */
static void arena_fail(const struct arena_verdict *v, const char *msg)
{
	host_mm_fail_fn fail = __atomic_load_n(&fail_handler, __ATOMIC_ACQUIRE);

	if (!fail) {
		fprintf(stderr, "%s\n", msg);
		if (!v->unexpected && !v->lib_new)
			host_mm_note_failure();
		return;
	}
	stat_add(&delivered_reports, v->unexpected);
	__atomic_store_n(&lib_delivered, v->lib_now, __ATOMIC_RELAXED);
	fail(msg);
}

/* A leak is a misuse like any other: the test must have expected it. */
static void arena_leak_check(struct host_mm *hm)
{
	u64 in_use = host_mm_in_use_bytes(hm);

	if (in_use)
		host_warn(hm, "destroy: %llu bytes still allocated (leaked)",
			  (unsigned long long)in_use);
}

void host_mm_destroy(struct host_mm *hm)
{
	char msg[sizeof(hm->last_misuse) + 160];
	struct arena_verdict v;
	bool ok;

	if (!hm)
		return;
	/* Pending callbacks point into hm->frames: let them run first. */
	host_mm_rcu_barrier(hm);
	if (hm->frames)
		arena_leak_check(hm);
	ok = arena_verdict(hm, &v, msg, sizeof(msg));
	if (hm->base)
		arena_unpoison(hm->base, hm->size);
	free(hm->base);
	free(hm->frames);
	free(hm->deferred);
	free(hm->tlbi_log);
	pthread_mutex_destroy(&hm->lock);
	pthread_mutex_destroy(&hm->defer_lock);
	pthread_mutex_destroy(&hm->log_lock);
	pthread_mutex_destroy(&hm->rcu_lock);
	pthread_mutex_destroy(&hm->misuse_lock);
	pthread_cond_destroy(&hm->rcu_idle);
	free(hm);
	if (!ok)
		arena_fail(&v, msg);
}

struct pgt_mm_ops *host_mm_ops(struct host_mm *hm)
{
	return &hm->ops;
}

struct host_mm *host_mm_from_ops(struct pgt_mm_ops *ops)
{
	return to_hm(ops);
}

u64 host_mm_phys_base(const struct host_mm *hm)
{
	return hm->phys_base;
}

u64 host_mm_size(const struct host_mm *hm)
{
	return hm->size;
}

/* ---- Failure injection ---- */

void host_mm_fail_nth_alloc(struct host_mm *hm, u64 k)
{
	u64 now = stat_read(&hm->stats.alloc_calls);

	__atomic_store_n(&hm->fail_nth_at, k ? now + k : 0, __ATOMIC_RELAXED);
}

void host_mm_fail_after(struct host_mm *hm, u64 k)
{
	u64 now = stat_read(&hm->stats.alloc_calls);

	__atomic_store_n(&hm->fail_after_limit, now + k, __ATOMIC_RELAXED);
}

void host_mm_fail_reset(struct host_mm *hm)
{
	__atomic_store_n(&hm->fail_nth_at, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm->fail_after_limit, UINT64_MAX, __ATOMIC_RELAXED);
}

void host_mm_set_quiet(struct host_mm *hm, bool quiet)
{
	__atomic_store_n(&hm->quiet, quiet, __ATOMIC_RELAXED);
}

void host_mm_set_linear(struct host_mm *hm, bool on)
{
	hm->ops.linear = on;
	hm->ops.linear_offset = (u64)(uintptr_t)hm->base - hm->phys_base;
}

/* ---- Inspection ---- */

bool host_mm_read64(void *ctx, u64 pa, uint64_t *val)
{
	struct host_mm *hm = ctx;
	u64 off = pa - hm->phys_base;
	u8 state;

	if (off >= hm->size || (pa & 7))
		return false;
	/* A descriptor in a free frame means a walk reached a freed table. */
	state = frame_state(&hm->frames[off >> HOST_MM_FRAME_SHIFT]);
	if (state == FRAME_FREE || state == FRAME_FREE_HEAD)
		return false;
	*val = __atomic_load_n((u64 *)(hm->base + off), __ATOMIC_RELAXED);
	return true;
}

u64 host_mm_in_use_bytes(struct host_mm *hm)
{
	return stat_read(&hm->stats.pages_in_use) << HOST_MM_FRAME_SHIFT;
}

u64 host_mm_alloc_calls(struct host_mm *hm)
{
	return stat_read(&hm->stats.alloc_calls);
}

/* The counters are walked as an array of u64, in declaration order. */
#define STATS_NR	(sizeof(struct host_mm_stats) / sizeof(u64))
_Static_assert(sizeof(struct host_mm_stats) % sizeof(u64) == 0, "host_mm_stats not all u64");

void host_mm_stats_get(struct host_mm *hm, struct host_mm_stats *out)
{
	const u64 *src = (const u64 *)&hm->stats;
	u64 *dst = (u64 *)out;

	for (size_t i = 0; i < STATS_NR; i++)
		dst[i] = stat_read(&src[i]);
}

void host_mm_stats_reset(struct host_mm *hm)
{
	u64 *ctr = (u64 *)&hm->stats;
	u64 in_use = stat_read(&hm->stats.pages_in_use);

	for (size_t i = 0; i < STATS_NR; i++)
		if (&ctr[i] != &hm->stats.pages_in_use)
			__atomic_store_n(&ctr[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm->stats.peak_in_use, in_use, __ATOMIC_RELAXED);
}

void host_mm_stats_print(struct host_mm *hm, FILE *f)
{
	static const char *const names[] = {
		"pages_in_use", "peak_in_use", "allocs", "frees", "alloc_calls",
		"failed_allocs", "injected_failures", "tlbi_va_leaf", "tlbi_va_table",
		"tlbi_range", "tlbi_all", "dcache_ops", "icache_ops", "dcache_bytes",
		"icache_bytes", "deferred_frees", "rcu_frees", "warnings",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == STATS_NR, "a counter lacks a name");
	struct host_mm_stats s;
	const u64 *v = (const u64 *)&s;

	host_mm_stats_get(hm, &s);
	fprintf(f, "host_mm: %llu MiB at phys %#llx\n", (unsigned long long)(hm->size >> 20),
		(unsigned long long)hm->phys_base);
	for (size_t i = 0; i < STATS_NR; i++)
		fprintf(f, "  %-18s %llu\n", names[i], (unsigned long long)v[i]);
}

/* ---- The library's warnings ---- */

void pgt_host_warn(const char *file, int line, const char *cond)
{
	bool expected = claim_expected(&lib_expected);

	exit_check_arm();
	__atomic_add_fetch(&global_warnings, 1, __ATOMIC_RELAXED);
	if (!expected)
		stat_add(&lib_unexpected, 1);
	fprintf(stderr, "%s:%d: PGT_WARN_ON(%s)%s\n", file, line, cond,
		expected ? " (expected)" : "");
}

u64 host_mm_global_warnings(void)
{
	return __atomic_load_n(&global_warnings, __ATOMIC_RELAXED);
}

/* ---- Misuse expectations and the verdict ---- */

void host_mm_expect_misuse(struct host_mm *hm, u64 n)
{
	stat_add(&hm->misuse_expected, n);
}

u64 host_mm_unexpected_misuse(struct host_mm *hm)
{
	return stat_read(&hm->misuse_unexpected);
}

void host_mm_last_misuse(struct host_mm *hm, char *buf, size_t len)
{
	pthread_mutex_lock(&hm->misuse_lock);
	snprintf(buf, len, "%s", hm->last_misuse);
	pthread_mutex_unlock(&hm->misuse_lock);
}

void host_mm_expect_warn_on(u64 n)
{
	stat_add(&lib_expected, n);
}

host_mm_fail_fn host_mm_set_fail_handler(host_mm_fail_fn fn)
{
	return __atomic_exchange_n(&fail_handler, fn, __ATOMIC_ACQ_REL);
}

void host_mm_note_failure(void)
{
	exit_check_arm();
	stat_add(&unexpected_reports, 1);
}
