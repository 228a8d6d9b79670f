// SPDX-License-Identifier: GPL-2.0-only
/*
 * hosted_mem.c - the hosted home's memory: table pages and exact
 * allocations out of one aligned heap block, their reference counts and
 * their physical addresses.
 *
 * Frames are tracked by a bitmap (set: in use) and a metadata array; an
 * allocation of 2^order frames takes the lowest free run aligned to its own
 * size, so addresses are reproducible from run to run.  The bitmap is the
 * only state behind the lock: references are per frame and atomic, so
 * walkers never wait for allocators.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosted_internal.h"

#define WORD_BITS	64

/* ---- The bitmap: callers hold h->lock ---- */

static u64 run_mask(u32 frames, u32 bit)
{
	return (frames == WORD_BITS ? ~0ULL : ((1ULL << frames) - 1)) << bit;
}

/* Lowest free run of @frames (a power of two up to 64) aligned to itself in @word. */
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
	return PGTH_NONE;
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
	return PGTH_NONE;
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
	if (idx != PGTH_NONE) {
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
	u64 peak = pgth_counter(&h->stats.peak_frames);

	while (now > peak && !__atomic_compare_exchange_n(&h->stats.peak_frames, &peak, now,
							 true, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
		;
}

/* Tell the frames after @idx's head how far back it is (0: free again). */
static void set_head_offs(struct pgt_hosted *h, u32 idx, u8 order, bool set)
{
	u32 i;

	for (i = 1; i < 1u << order; i++)
		__atomic_store_n(&h->frames[idx + i].head_off, set ? i : 0, __ATOMIC_RELAXED);
}

static void *alloc(struct pgt_hosted *h, u8 order, u8 kind)
{
	u64 bytes = (u64)PGT_HOSTED_FRAME_SIZE << order;
	enum pgt_hosted_call call = kind == FRAME_TABLE ? PGT_HOSTED_ZALLOC_PAGE :
				    PGT_HOSTED_ZALLOC_PAGES_EXACT;
	u32 idx = pgth_hook(h, call, .size = bytes) ? PGTH_NONE : take(h, order);
	struct pgth_frame *f;
	void *p;

	if (idx == PGTH_NONE) {
		pgth_count(&h->stats.failed_allocs, 1);
		return NULL;
	}
	f = &h->frames[idx];
	set_head_offs(h, idx, order, true);
	__atomic_store_n(&f->order, order, __ATOMIC_RELAXED);
	__atomic_store_n(&f->refs, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&f->kind, kind, __ATOMIC_RELEASE);
	pgth_count(&h->stats.allocs, 1);
	account(h, 1 << order);
	p = pgth_frame_ptr(h, idx);
	pgth_unpoison(p, bytes);
	memset(p, 0, bytes);
	return p;
}

static void release(struct pgt_hosted *h, u32 idx)
{
	struct pgth_frame *f = &h->frames[idx];
	u8 order = f->order;

	__atomic_store_n(&f->kind, FRAME_NONE, __ATOMIC_RELEASE);
	pgth_poison(pgth_frame_ptr(h, idx), (u64)PGT_HOSTED_FRAME_SIZE << order);
	set_head_offs(h, idx, order, false);
	give(h, idx, order);
	pgth_count(&h->stats.frees, 1);
	account(h, -((s64)1 << order));
}

/* log2(@size / 4K) for a power of two from 4 KiB to 1 MiB, else -1. */
static int order_of(u64 size)
{
	if (size < PGT_HOSTED_FRAME_SIZE || size > (PGT_HOSTED_FRAME_SIZE << PGTH_MAX_ORDER) ||
	    (size & (size - 1)))
		return -1;
	return __builtin_ctzll(size) - PGTH_FRAME_SHIFT;
}

static void *hosted_zalloc_page(struct pgt_mm_ops *mm, u32 size)
{
	struct pgt_hosted *h = pgth_home(mm);

	if (size != 4096 && size != 16384 && size != 65536) {
		pgth_warn(h, "zalloc_page: bad size %u", size);
		return NULL;
	}
	return alloc(h, order_of(size), FRAME_TABLE);
}

static void *hosted_zalloc_pages_exact(struct pgt_mm_ops *mm, u64 size)
{
	struct pgt_hosted *h = pgth_home(mm);
	int order = order_of(size);

	if (order < 0) {
		pgth_warn(h, "zalloc_pages_exact: bad size %#llx", (unsigned long long)size);
		return NULL;
	}
	return alloc(h, order, FRAME_EXACT);
}

/* ---- References ---- */

/*
 * Is @head, @back frames before a frame, that frame's head?  A frame's
 * head_off is trusted only as far as the head confirms it: in use, and of
 * an order that reaches back that far (a stale offset of a freed frame
 * finds a free head, or one whose allocation is too small).
 */
static inline bool head_confirms(const struct pgth_frame *head, u32 back)
{
	return __atomic_load_n(&head->kind, __ATOMIC_ACQUIRE) != FRAME_NONE &&
	       back >> __atomic_load_n(&head->order, __ATOMIC_RELAXED) == 0;
}

/* The head frame of the allocation holding frame @idx, or PGTH_NONE. */
static inline u32 find_head(const struct pgt_hosted *h, u32 idx)
{
	u32 back = __atomic_load_n(&h->frames[idx].head_off, __ATOMIC_RELAXED);

	return head_confirms(&h->frames[idx - back], back) ? idx - back : PGTH_NONE;
}

/* Misuse is rare: its report stays out of the references' way. */
static __attribute__((__cold__, __noinline__)) u32 head_warn(struct pgt_hosted *h, const void *addr,
						     const char *who, bool outside)
{
	pgth_warn(h, outside ? "%s: %p outside the home" : "%s: %p is not allocated", who, addr);
	return PGTH_NONE;
}

/*
 * The head frame of the allocation holding @addr, or PGTH_NONE after a
 * warning.  The library counts references through entry pointers, which may
 * lie anywhere in a 16 or 64 KiB table: look back for the head.  Inline in
 * the reference calls, as a kernel's page_to_head() is.
 */
static inline __attribute__((__always_inline__)) u32 head_of(struct pgt_hosted *h, const void *addr,
							 const char *who)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)h->base;
	u32 idx;

	if (off >= h->size)
		return head_warn(h, addr, who, true);
	idx = find_head(h, off >> PGTH_FRAME_SHIFT);
	return idx == PGTH_NONE ? head_warn(h, addr, who, false) : idx;
}

u32 pgth_head_of(struct pgt_hosted *h, const void *addr, const char *who)
{
	return head_of(h, addr, who);
}

/*
 * head_of() as the reference calls need it: false after a warning, else
 * true with *@head the head frame itself -- found from its neighbour, with
 * no index made only to be tested and turned back into a frame.
 */
static inline __attribute__((__always_inline__)) bool
head_frame(struct pgt_hosted *h, const void *addr, const char *who, struct pgth_frame **head)
{
	uintptr_t off = (uintptr_t)addr - (uintptr_t)h->base;
	struct pgth_frame *f;
	u32 back;

	if (off >= h->size) {
		head_warn(h, addr, who, true);
		return false;
	}
	f = &h->frames[off >> PGTH_FRAME_SHIFT];
	back = __atomic_load_n(&f->head_off, __ATOMIC_RELAXED);
	*head = f - back;
	/* As find_head(): the offset is trusted only as far as the head confirms it. */
	if (head_confirms(*head, back))
		return true;
	head_warn(h, addr, who, false);
	return false;
}

/* The hook of a reference call, out of line: the unhooked call builds no arguments. */
static __attribute__((__noinline__)) void ref_hook(struct pgt_hosted *h, enum pgt_hosted_call call,
					       void *addr, int delta)
{
	pgth_run_hook(h, &(struct pgt_hosted_call_args){ .call = call, .addr = addr,
							 .delta = delta });
}

#define ref_hooked(h, call, addr, delta)					\
	do {									\
		if (pgth_hooked((h), (call)))					\
			ref_hook((h), (call), (addr), (delta));			\
	} while (0)

static void hosted_free_pages_exact(struct pgt_mm_ops *mm, void *addr, u64 size)
{
	struct pgt_hosted *h = pgth_home(mm);
	u32 idx;
	struct pgth_frame *f;
	int refs;

	pgth_hook(h, PGT_HOSTED_FREE_PAGES_EXACT, .addr = addr, .size = size);
	idx = head_of(h, addr, "free_pages_exact");
	if (idx == PGTH_NONE)
		return;
	f = &h->frames[idx];
	if (__atomic_load_n(&f->kind, __ATOMIC_ACQUIRE) != FRAME_EXACT ||
	    pgth_frame_ptr(h, idx) != addr || order_of(size) != f->order) {
		pgth_warn(h, "free_pages_exact: %p/%#llx is no exact allocation", addr,
			  (unsigned long long)size);
		return;
	}
	/* The library's references to the root must be balanced by now. */
	refs = __atomic_load_n(&f->refs, __ATOMIC_RELAXED);
	if (refs != 1)
		pgth_warn(h, "free_pages_exact: %p still has %d references", addr, refs);
	__atomic_store_n(&f->refs, 0, __ATOMIC_RELAXED);
	release(h, idx);
}

static inline void get_ref(struct pgt_hosted *h, void *addr)
{
	struct pgth_frame *f;
	int *refs, old;

	if (!head_frame(h, addr, "get_page", &f))
		return;
	refs = &f->refs;
	old = __atomic_load_n(refs, __ATOMIC_RELAXED);
	do {
		if (old <= 0) {
			pgth_warn(h, "get_page: %p has no references", addr);
			return;
		}
	} while (!__atomic_compare_exchange_n(refs, &old, old + 1, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
}

/* A hooked call apart: the common one keeps nothing across a call. */
static __attribute__((__noinline__)) void get_page_hooked(struct pgt_hosted *h, void *addr)
{
	ref_hook(h, PGT_HOSTED_GET_PAGE, addr, 0);
	get_ref(h, addr);
}

static void hosted_get_page(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_hosted *h = pgth_home(mm);

	if (pgth_hooked(h, PGT_HOSTED_GET_PAGE))
		get_page_hooked(h, addr);
	else
		get_ref(h, addr);
}

/* Drop one reference if there is one; return what remains, or -1. */
static int ref_drop(int *refs)
{
	int old = __atomic_load_n(refs, __ATOMIC_RELAXED);

	do {
		if (old <= 0)
			return -1;
	} while (!__atomic_compare_exchange_n(refs, &old, old - 1, true, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	return old - 1;
}

static inline void put_ref(struct pgt_hosted *h, void *addr)
{
	struct pgth_frame *f;
	int left;

	if (!head_frame(h, addr, "put_page", &f))
		return;
	left = ref_drop(&f->refs);
	if (left < 0)
		pgth_warn(h, "put_page: %p reference count underflow", addr);
	else if (!left && __atomic_load_n(&f->kind, __ATOMIC_ACQUIRE) == FRAME_EXACT)
		/* Only free_pages_exact() releases a root: this is unbalanced. */
		pgth_warn(h, "put_page: last reference of exact allocation %p", addr);
	else if (!left)
		release(h, f - h->frames);
}

static __attribute__((__noinline__)) void put_page_hooked(struct pgt_hosted *h, void *addr)
{
	ref_hook(h, PGT_HOSTED_PUT_PAGE, addr, 0);
	put_ref(h, addr);
}

static void hosted_put_page(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_hosted *h = pgth_home(mm);

	if (pgth_hooked(h, PGT_HOSTED_PUT_PAGE))
		put_page_hooked(h, addr);
	else
		put_ref(h, addr);
}

static int hosted_page_count(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_hosted *h = pgth_home(mm);
	u32 idx;

	ref_hooked(h, PGT_HOSTED_PAGE_COUNT, addr, 0);
	idx = head_of(h, addr, "page_count");
	return idx == PGTH_NONE ? 0 : __atomic_load_n(&h->frames[idx].refs, __ATOMIC_RELAXED);
}

/* Many references at once; dropping the last one this way is a misuse. */
static void hosted_page_ref_add(struct pgt_mm_ops *mm, void *addr, int delta)
{
	struct pgt_hosted *h = pgth_home(mm);
	struct pgth_frame *f;
	int old;

	pgth_hook(h, PGT_HOSTED_PAGE_REF_ADD, .addr = addr, .delta = delta);
	if (!head_frame(h, addr, "page_ref_add", &f))
		return;
	old = __atomic_fetch_add(&f->refs, delta, __ATOMIC_ACQ_REL);
	if (old <= 0 || old + delta <= 0)
		pgth_warn(h, "page_ref_add: %p has %d references, %+d", addr, old, delta);
}

/* ---- Addresses: out-of-home addresses have no answer ---- */

static void *hosted_phys_to_virt(struct pgt_mm_ops *mm, u64 phys)
{
	struct pgt_hosted *h = pgth_home(mm);

	pgth_hook(h, PGT_HOSTED_PHYS_TO_VIRT, .phys = phys);
	if (phys - h->phys_base >= h->size) {
		fprintf(stderr, "pgtable_hosted: phys_to_virt(%#llx): outside [%#llx, %#llx)\n",
			(unsigned long long)phys, (unsigned long long)h->phys_base,
			(unsigned long long)(h->phys_base + h->size));
		abort();
	}
	return h->base + (phys - h->phys_base);
}

static u64 hosted_virt_to_phys(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_hosted *h = pgth_home(mm);
	uintptr_t off = (uintptr_t)addr - (uintptr_t)h->base;

	pgth_hook(h, PGT_HOSTED_VIRT_TO_PHYS, .addr = addr);
	if (off >= h->size) {
		fprintf(stderr, "pgtable_hosted: virt_to_phys(%p): outside the home at %p\n",
			addr, (void *)h->base);
		abort();
	}
	return h->phys_base + off;
}

void pgt_hosted_set_linear(struct pgt_hosted *h, bool on)
{
	h->ops.linear = on;
	h->ops.linear_offset = (u64)(uintptr_t)h->base - h->phys_base;
}

bool pgt_hosted_read64(struct pgt_hosted *h, u64 pa, u64 *val)
{
	u64 off = pa - h->phys_base;

	if (off >= h->size || (pa & 7) || find_head(h, off >> PGTH_FRAME_SHIFT) == PGTH_NONE)
		return false;
	*val = __atomic_load_n((u64 *)(h->base + off), __ATOMIC_RELAXED);
	return true;
}

const struct pgt_mm_ops pgth_mem_ops = {
	.zalloc_page = hosted_zalloc_page,
	.zalloc_pages_exact = hosted_zalloc_pages_exact,
	.free_pages_exact = hosted_free_pages_exact,
	.get_page = hosted_get_page,
	.put_page = hosted_put_page,
	.page_count = hosted_page_count,
	.page_ref_add = hosted_page_ref_add,
	.phys_to_virt = hosted_phys_to_virt,
	.virt_to_phys = hosted_virt_to_phys,
};
