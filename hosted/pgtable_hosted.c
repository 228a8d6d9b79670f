// SPDX-License-Identifier: GPL-2.0-only
/*
 * pgtable_hosted.c - the installed hosted home: struct pgt_mm_ops over one
 * aligned heap block (pgtable_hosted.h says what it promises).
 *
 * Frames are tracked by a bitmap (set: in use) and a metadata array; an
 * allocation of 2^order frames takes the lowest free run aligned to its own
 * size, so addresses are reproducible from run to run.  The bitmap is the
 * only state behind the lock: references and RCU slots are per frame and
 * atomic, so walkers never wait for allocators.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
#define poison(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define poison(p, n)	((void)(p), (void)(n))
#define unpoison(p, n)	((void)(p), (void)(n))
#endif

#define FRAME_SHIFT	12
#define MAX_ORDER	8			/* 1 MiB: a 16-page 64K root */
#define WORD_BITS	64

/* What the head frame of an allocation is; other frames say FRAME_NONE. */
enum frame_kind {
	FRAME_NONE,
	FRAME_TABLE,		/* zalloc_page: reference-counted */
	FRAME_EXACT,		/* zalloc_pages_exact: freed by free_pages_exact */
};

/* The head frame's own rcu_head: free_unlinked_table never allocates. */
struct frame {
	int refs;
	u8 kind;
	u8 order;
	u8 rcu_queued;
	pgt_s8 level;
	u8 granule_shift;
	struct rcu_head rcu;
	struct pgt_hosted *home;	/* for the callback, which gets only @rcu */
};

struct pgt_hosted {
	struct pgt_mm_ops ops;		/* first: the ops pointer finds the home */
	struct pgt_hosted_stats stats;	/* atomic counters */
	u8 *base;
	u64 size;
	u64 phys_base;
	u32 nframes;
	u32 flags;
	struct frame *frames;
	u64 *used;			/* one bit a frame */
	u32 nwords;
	u32 low;			/* every word below is full */
	pthread_mutex_t lock;		/* used, low */
	u64 rcu_pending;		/* call_rcu issued, callback not finished */
	pthread_mutex_t rcu_lock;
	pthread_cond_t rcu_idle;
};

static u64 lib_warnings;

static void count(u64 *ctr, u64 n)
{
	__atomic_add_fetch(ctr, n, __ATOMIC_RELAXED);
}

static u64 counter(const u64 *ctr)
{
	return __atomic_load_n(ctr, __ATOMIC_RELAXED);
}

__attribute__((format(printf, 2, 3)))
static void warn(struct pgt_hosted *h, const char *fmt, ...)
{
	va_list ap;

	count(&h->stats.warnings, 1);
	va_start(ap, fmt);
	fputs("pgtable_hosted: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static struct pgt_hosted *home(struct pgt_mm_ops *mm)
{
	return (struct pgt_hosted *)((char *)mm - offsetof(struct pgt_hosted, ops));
}

static void *frame_ptr(const struct pgt_hosted *h, u32 idx)
{
	return h->base + ((u64)idx << FRAME_SHIFT);
}

/* ---- The bitmap: callers hold h->lock ---- */

static u64 run_mask(u32 frames, u32 bit)
{
	return (frames == WORD_BITS ? ~0ULL : ((1ULL << frames) - 1)) << bit;
}

/* Lowest free run of @frames (a power of two up to 64) aligned to itself in word @w. */
static int word_fit(u64 word, u32 frames)
{
	u32 bit;

	for (bit = 0; bit < WORD_BITS; bit += frames)
		if (!(word & run_mask(frames, bit)))
			return bit;
	return -1;
}

static u32 find_small(const struct pgt_hosted *h, u32 frames)
{
	u32 w;
	int bit;

	for (w = h->low; w < h->nwords; w++) {
		if (h->used[w] == ~0ULL)
			continue;
		bit = word_fit(h->used[w], frames);
		if (bit >= 0)
			return w * WORD_BITS + bit;
	}
	return UINT32_MAX;
}

/* Runs of more than 64 frames: whole empty words, aligned. */
static u32 find_large(const struct pgt_hosted *h, u32 frames)
{
	u32 words = frames / WORD_BITS, w, i;

	for (w = h->low & ~(words - 1); w + words <= h->nwords; w += words) {
		for (i = 0; i < words && !h->used[w + i]; i++)
			;
		if (i == words)
			return w * WORD_BITS;
	}
	return UINT32_MAX;
}

static void mark(struct pgt_hosted *h, u32 idx, u32 frames, bool set)
{
	u32 end = idx + frames;

	while (idx < end) {
		u32 w = idx / WORD_BITS, bit = idx % WORD_BITS;
		u32 n = frames < WORD_BITS - bit ? frames : WORD_BITS - bit;

		if (set)
			h->used[w] |= run_mask(n, bit);
		else
			h->used[w] &= ~run_mask(n, bit);
		idx += n;
		frames -= n;
	}
}

static u32 take(struct pgt_hosted *h, u8 order)
{
	u32 frames = 1u << order, idx;

	pthread_mutex_lock(&h->lock);
	idx = frames <= WORD_BITS ? find_small(h, frames) : find_large(h, frames);
	if (idx != UINT32_MAX) {
		mark(h, idx, frames, true);
		while (h->low < h->nwords && h->used[h->low] == ~0ULL)
			h->low++;
	}
	pthread_mutex_unlock(&h->lock);
	return idx;
}

static void give(struct pgt_hosted *h, u32 idx, u8 order)
{
	pthread_mutex_lock(&h->lock);
	mark(h, idx, 1u << order, false);
	if (idx / WORD_BITS < h->low)
		h->low = idx / WORD_BITS;
	pthread_mutex_unlock(&h->lock);
}

/* ---- Allocation ---- */

static void account(struct pgt_hosted *h, s64 frames)
{
	u64 now = __atomic_add_fetch(&h->stats.frames_in_use, (u64)frames, __ATOMIC_RELAXED);
	u64 peak = counter(&h->stats.peak_frames);

	while (now > peak && !__atomic_compare_exchange_n(&h->stats.peak_frames, &peak, now,
							 true, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
		;
}

static void *alloc(struct pgt_hosted *h, u8 order, u8 kind)
{
	u32 idx = take(h, order);
	u64 bytes = (u64)PGT_HOSTED_FRAME_SIZE << order;
	struct frame *f;
	void *p;

	if (idx == UINT32_MAX) {
		count(&h->stats.failed_allocs, 1);
		return NULL;
	}
	f = &h->frames[idx];
	f->order = order;
	__atomic_store_n(&f->refs, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&f->kind, kind, __ATOMIC_RELEASE);
	count(&h->stats.allocs, 1);
	account(h, 1 << order);
	p = frame_ptr(h, idx);
	unpoison(p, bytes);
	memset(p, 0, bytes);
	return p;
}

static void release(struct pgt_hosted *h, u32 idx)
{
	struct frame *f = &h->frames[idx];
	u8 order = f->order;

	__atomic_store_n(&f->kind, FRAME_NONE, __ATOMIC_RELEASE);
	poison(frame_ptr(h, idx), (u64)PGT_HOSTED_FRAME_SIZE << order);
	give(h, idx, order);
	count(&h->stats.frees, 1);
	account(h, -((s64)1 << order));
}

/* log2(@size / 4K) for a power of two from 4 KiB to 1 MiB, else -1. */
static int order_of(u64 size)
{
	if (size < PGT_HOSTED_FRAME_SIZE || size > (PGT_HOSTED_FRAME_SIZE << MAX_ORDER) ||
	    (size & (size - 1)))
		return -1;
	return __builtin_ctzll(size) - FRAME_SHIFT;
}

static void *hosted_zalloc_page(struct pgt_mm_ops *mm, u32 size)
{
	struct pgt_hosted *h = home(mm);

	if (size != 4096 && size != 16384 && size != 65536) {
		warn(h, "zalloc_page: %u is not a granule size", size);
		return NULL;
	}
	return alloc(h, order_of(size), FRAME_TABLE);
}

static void *hosted_zalloc_pages_exact(struct pgt_mm_ops *mm, u64 size)
{
	struct pgt_hosted *h = home(mm);
	int order = order_of(size);

	if (order < 0) {
		warn(h, "zalloc_pages_exact: bad size %#llx", (unsigned long long)size);
		return NULL;
	}
	return alloc(h, order, FRAME_EXACT);
}

/*
 * The head frame of the allocation holding @addr, or UINT32_MAX after a
 * warning.  The library counts references through entry pointers, which may
 * lie anywhere in a 16 or 64 KiB table: look back for the head.
 */
static u32 head_of(struct pgt_hosted *h, const void *addr, const char *who)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)h->base;
	u32 idx, o;

	if (off >= h->size) {
		warn(h, "%s: %p is not in the home", who, addr);
		return UINT32_MAX;
	}
	idx = off >> FRAME_SHIFT;
	for (o = 0; o <= MAX_ORDER; o++) {
		u32 head = idx & ~((1u << o) - 1);
		struct frame *f = &h->frames[head];

		if (__atomic_load_n(&f->kind, __ATOMIC_ACQUIRE) != FRAME_NONE &&
		    f->order >= o)
			return head;
	}
	warn(h, "%s: %p is not allocated", who, addr);
	return UINT32_MAX;
}

static void hosted_free_pages_exact(struct pgt_mm_ops *mm, void *addr, u64 size)
{
	struct pgt_hosted *h = home(mm);
	u32 idx = head_of(h, addr, "free_pages_exact");
	struct frame *f;

	if (idx == UINT32_MAX)
		return;
	f = &h->frames[idx];
	if (f->kind != FRAME_EXACT || frame_ptr(h, idx) != addr || order_of(size) != f->order) {
		warn(h, "free_pages_exact: %p, %#llx bytes, was not allocated so", addr,
		     (unsigned long long)size);
		return;
	}
	release(h, idx);
}

static void hosted_get_page(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_hosted *h = home(mm);
	u32 idx = head_of(h, addr, "get_page");

	if (idx != UINT32_MAX && __atomic_fetch_add(&h->frames[idx].refs, 1, __ATOMIC_RELAXED) <= 0)
		warn(h, "get_page: %p had no reference", addr);
}

static void hosted_put_page(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_hosted *h = home(mm);
	u32 idx = head_of(h, addr, "put_page");
	int left;

	if (idx == UINT32_MAX)
		return;
	left = __atomic_sub_fetch(&h->frames[idx].refs, 1, __ATOMIC_ACQ_REL);
	if (left < 0)
		warn(h, "put_page: %p reference count underflow", addr);
	else if (!left && h->frames[idx].kind == FRAME_EXACT)
		warn(h, "put_page: last reference of root %p (free_pages_exact frees it)", addr);
	else if (!left)
		release(h, idx);
}

static int hosted_page_count(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_hosted *h = home(mm);
	u32 idx = head_of(h, addr, "page_count");

	return idx == UINT32_MAX ? 0 : __atomic_load_n(&h->frames[idx].refs, __ATOMIC_RELAXED);
}

static void hosted_page_ref_add(struct pgt_mm_ops *mm, void *addr, int delta)
{
	struct pgt_hosted *h = home(mm);
	u32 idx = head_of(h, addr, "page_ref_add");
	int now;

	if (idx == UINT32_MAX)
		return;
	now = __atomic_add_fetch(&h->frames[idx].refs, delta, __ATOMIC_ACQ_REL);
	if (now <= 0 || now - delta <= 0)
		warn(h, "page_ref_add: %p now has %d references after %+d", addr, now, delta);
}

/* ---- Addresses: out-of-home addresses have no answer ---- */

static void *hosted_phys_to_virt(struct pgt_mm_ops *mm, u64 phys)
{
	struct pgt_hosted *h = home(mm);

	if (phys - h->phys_base >= h->size) {
		fprintf(stderr, "pgtable_hosted: phys_to_virt(%#llx): not in the home\n",
			(unsigned long long)phys);
		abort();
	}
	return h->base + (phys - h->phys_base);
}

static u64 hosted_virt_to_phys(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_hosted *h = home(mm);
	uintptr_t off = (uintptr_t)addr - (uintptr_t)h->base;

	if (off >= h->size) {
		fprintf(stderr, "pgtable_hosted: virt_to_phys(%p): not in the home\n", addr);
		abort();
	}
	return h->phys_base + off;
}

/* ---- Unlinked subtrees ---- */

static struct frame *frame_of_rcu(struct rcu_head *head)
{
	return (struct frame *)((char *)head - offsetof(struct frame, rcu));
}

/* A grace period after free_unlinked_table: no walker can reach the subtree. */
static void rcu_free(struct rcu_head *head)
{
	struct frame *f = frame_of_rcu(head);
	struct pgt_hosted *h = f->home;
	u32 idx = f - h->frames;

	__atomic_store_n(&f->rcu_queued, 0, __ATOMIC_RELEASE);
	pgt_unlinked_free(&h->ops, frame_ptr(h, idx), f->level, f->granule_shift);
	count(&h->stats.rcu_frees, 1);
	/* The last touch of @h: pgt_hosted_synchronize() may return and destroy it. */
	pthread_mutex_lock(&h->rcu_lock);
	if (!--h->rcu_pending)
		pthread_cond_broadcast(&h->rcu_idle);
	pthread_mutex_unlock(&h->rcu_lock);
}

static void rcu_queue(struct pgt_hosted *h, void *table, pgt_s8 level, u8 granule_shift)
{
	u32 idx = head_of(h, table, "free_unlinked_table");
	struct frame *f;
	u8 idle = 0;

	if (idx == UINT32_MAX)
		return;
	f = &h->frames[idx];
	if (f->kind != FRAME_TABLE || frame_ptr(h, idx) != table) {
		warn(h, "free_unlinked_table: %p is not a table page; leaked", table);
		return;
	}
	if (!__atomic_compare_exchange_n(&f->rcu_queued, &idle, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED)) {
		warn(h, "free_unlinked_table: %p queued twice; leaked", table);
		return;
	}
	f->level = level;
	f->granule_shift = granule_shift;
	f->home = h;
	pthread_mutex_lock(&h->rcu_lock);
	h->rcu_pending++;
	pthread_mutex_unlock(&h->rcu_lock);
	urcu_memb_call_rcu(&f->rcu, rcu_free);
}

static void hosted_free_unlinked_table(struct pgt_mm_ops *mm, void *table, pgt_s8 level,
				       u8 granule_shift)
{
	struct pgt_hosted *h = home(mm);

	count(&h->stats.unlinked_frees, 1);
	if (h->flags & PGT_HOSTED_RCU)
		rcu_queue(h, table, level, granule_shift);
	else
		pgt_unlinked_free(mm, table, level, granule_shift);
}

static void hosted_walk_begin(struct pgt_mm_ops *mm)
{
	(void)mm;
	urcu_memb_read_lock();
}

static void hosted_walk_end(struct pgt_mm_ops *mm)
{
	(void)mm;
	urcu_memb_read_unlock();
}

u64 pgt_hosted_synchronize(struct pgt_hosted *h)
{
	u64 before = counter(&h->stats.rcu_frees);

	if (!(h->flags & PGT_HOSTED_RCU))
		return 0;
	pthread_mutex_lock(&h->rcu_lock);
	while (h->rcu_pending)
		pthread_cond_wait(&h->rcu_idle, &h->rcu_lock);
	pthread_mutex_unlock(&h->rcu_lock);
	return counter(&h->stats.rcu_frees) - before;
}

void pgt_hosted_thread_online(void)
{
	urcu_memb_register_thread();
}

void pgt_hosted_thread_offline(void)
{
	urcu_memb_unregister_thread();
}

/* ---- Cache and TLB maintenance: counted, nothing to do ---- */

static void hosted_dcache(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	(void)phys;
	count(&home(mm)->stats.dcache_ops, 1);
	count(&home(mm)->stats.dcache_bytes, size);
}

static void hosted_icache(struct pgt_mm_ops *mm, u64 phys, u64 size)
{
	(void)phys;
	count(&home(mm)->stats.icache_ops, 1);
	count(&home(mm)->stats.icache_bytes, size);
}

static void hosted_tlbi_va(struct pgt_mm_ops *mm, void *cookie, u64 addr, pgt_s8 level,
			   bool leaf)
{
	struct pgt_hosted *h = home(mm);

	(void)cookie;
	(void)addr;
	(void)level;
	count(leaf ? &h->stats.tlbi_va_leaf : &h->stats.tlbi_va_table, 1);
}

static void hosted_tlbi_range(struct pgt_mm_ops *mm, void *cookie, u64 addr, u64 size,
			      pgt_s8 level)
{
	(void)cookie;
	(void)addr;
	(void)size;
	(void)level;
	count(&home(mm)->stats.tlbi_range, 1);
}

static void hosted_tlbi_all(struct pgt_mm_ops *mm, void *cookie)
{
	(void)cookie;
	count(&home(mm)->stats.tlbi_all, 1);
}

/* ---- Creation ---- */

static const struct pgt_mm_ops hosted_ops = {
	.zalloc_page = hosted_zalloc_page,
	.zalloc_pages_exact = hosted_zalloc_pages_exact,
	.free_pages_exact = hosted_free_pages_exact,
	.get_page = hosted_get_page,
	.put_page = hosted_put_page,
	.page_count = hosted_page_count,
	.page_ref_add = hosted_page_ref_add,
	.phys_to_virt = hosted_phys_to_virt,
	.virt_to_phys = hosted_virt_to_phys,
	.free_unlinked_table = hosted_free_unlinked_table,
	.dcache_clean_inval_poc = hosted_dcache,
	.icache_inval_pou = hosted_icache,
	.tlbi_va = hosted_tlbi_va,
	.tlbi_range = hosted_tlbi_range,
	.tlbi_all = hosted_tlbi_all,
};

static bool valid_args(u64 size, u64 phys_base, u32 flags)
{
	return size && !(size % PGT_HOSTED_ALIGN) && !(phys_base % PGT_HOSTED_ALIGN) &&
	       phys_base + size > phys_base && (size >> FRAME_SHIFT) < UINT32_MAX &&
	       !(flags & ~PGT_HOSTED_RCU);
}

struct pgt_hosted *pgt_hosted_create(u64 size, u64 phys_base, u32 flags)
{
	struct pgt_hosted *h;

	if (!valid_args(size, phys_base, flags))
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->ops = hosted_ops;
	h->size = size;
	h->phys_base = phys_base;
	h->flags = flags;
	h->nframes = size >> FRAME_SHIFT;
	h->nwords = h->nframes / WORD_BITS;
	h->frames = calloc(h->nframes, sizeof(*h->frames));
	h->used = calloc(h->nwords, sizeof(*h->used));
	h->base = aligned_alloc(PGT_HOSTED_ALIGN, size);
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->rcu_lock, NULL);
	pthread_cond_init(&h->rcu_idle, NULL);
	if (!h->frames || !h->used || !h->base) {
		pgt_hosted_destroy(h);
		return NULL;
	}
	poison(h->base, size);
	if (flags & PGT_HOSTED_RCU) {
		h->ops.shared_walk_begin = hosted_walk_begin;
		h->ops.shared_walk_end = hosted_walk_end;
		/* Start liburcu's call_rcu thread: the first call_rcu() would allocate. */
		urcu_memb_get_default_call_rcu_data();
	}
	return h;
}

void pgt_hosted_destroy(struct pgt_hosted *h)
{
	if (!h)
		return;
	pgt_hosted_synchronize(h);
	if (h->base && h->stats.frames_in_use)
		warn(h, "destroyed with %llu frames still allocated",
		     (unsigned long long)h->stats.frames_in_use);
	if (h->base)
		unpoison(h->base, h->size);
	free(h->base);
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
	return home(ops);
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
	return counter(&h->stats.frames_in_use) << FRAME_SHIFT;
}

#define NR_COUNTERS	(sizeof(struct pgt_hosted_stats) / sizeof(u64))
_Static_assert(sizeof(struct pgt_hosted_stats) % sizeof(u64) == 0, "stats are all u64");

void pgt_hosted_stats(struct pgt_hosted *h, struct pgt_hosted_stats *out)
{
	const u64 *src = (const u64 *)&h->stats;
	u64 *dst = (u64 *)out;
	size_t i;

	for (i = 0; i < NR_COUNTERS; i++)
		dst[i] = counter(&src[i]);
}

void pgt_hosted_stats_reset(struct pgt_hosted *h)
{
	u64 *ctr = (u64 *)&h->stats;
	u64 in_use = counter(&h->stats.frames_in_use);
	size_t i;

	for (i = 0; i < NR_COUNTERS; i++)
		if (&ctr[i] != &h->stats.frames_in_use)
			__atomic_store_n(&ctr[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->stats.peak_frames, in_use, __ATOMIC_RELAXED);
}

/* ---- The library's PGT_WARN_ON() (lib/ is built -DPGT_PORT_WARN=pgt_host_warn) ---- */

void pgt_host_warn(const char *file, int line, const char *cond);

void pgt_host_warn(const char *file, int line, const char *cond)
{
	__atomic_add_fetch(&lib_warnings, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "%s:%d: PGT_WARN_ON(%s)\n", file, line, cond);
}

u64 pgt_hosted_lib_warnings(void)
{
	return __atomic_load_n(&lib_warnings, __ATOMIC_RELAXED);
}
