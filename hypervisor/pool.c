// SPDX-License-Identifier: GPL-2.0-only
/*
 * pool.c - the page pool: a buddy allocator over a carved-out range of RAM.
 *
 * Blocks are 4K << order, naturally aligned (a buddy block always is), so
 * one pool serves 4K, 16K and 64K table pages and concatenated roots of up
 * to 16 64K pages.  Each 4K frame has a reference count (the library's
 * get_page/put_page act on the first frame of a table page) and the
 * metadata a deferred free needs.  Free blocks are linked through their own
 * first two words.  One spinlock: allocation is not the hot path.
 */
#include "hyp.h"

#define FRAME_SHIFT	12
#define MAX_ORDER	8
#define NR_FRAMES	(POOL_SIZE >> FRAME_SHIFT)

struct free_block {
	struct free_block *next, *prev;
};

static struct free_block free_lists[MAX_ORDER + 1];
static u8 free_order[NR_FRAMES];	/* order + 1 at the head of a free block, else 0 */
static u8 alloc_order[NR_FRAMES];	/* order + 1 at the head of an allocated block */
static s32 refcount[NR_FRAMES];
static struct pool_meta meta[NR_FRAMES];
static u64 pool_base, frames_used;
static struct spinlock pool_spin;

static u64 frame_of(const void *p)
{
	u64 f = ((u64)p - pool_base) >> FRAME_SHIFT;

	if ((u64)p < pool_base || f >= NR_FRAMES)
		panic("pool: %p is not a pool page", p);
	return f;
}

static void *frame_addr(u64 f)
{
	return (void *)(pool_base + (f << FRAME_SHIFT));
}

static void list_add(u32 order, u64 f)
{
	struct free_block *b = frame_addr(f), *head = &free_lists[order];

	b->next = head->next;
	b->prev = head;
	head->next->prev = b;
	head->next = b;
	free_order[f] = order + 1;
}

static void list_del(u32 order, u64 f)
{
	struct free_block *b = frame_addr(f);

	b->prev->next = b->next;
	b->next->prev = b->prev;
	free_order[f] = 0;
	(void)order;
}

void pool_init(u64 base, u64 size)
{
	u32 o;
	u64 f;

	if (size != POOL_SIZE || base & ((4096ULL << MAX_ORDER) - 1))
		panic("pool: bad range");
	pool_base = base;
	for (o = 0; o <= MAX_ORDER; o++)
		free_lists[o].next = free_lists[o].prev = &free_lists[o];
	for (f = 0; f < NR_FRAMES; f += 1u << MAX_ORDER)
		list_add(MAX_ORDER, f);
}

static int size_order(u64 size)
{
	int o = 0;

	while ((4096ULL << o) < size)
		o++;
	return o <= MAX_ORDER ? o : -1;
}

void *pool_alloc(u64 size)
{
	int want = size_order(size);
	u32 o;
	u64 f;
	void *p;

	if (want < 0)
		return NULL;
	spin_lock(&pool_spin);
	for (o = want; o <= MAX_ORDER && free_lists[o].next == &free_lists[o]; o++)
		;
	if (o > MAX_ORDER) {
		spin_unlock(&pool_spin);
		return NULL;
	}
	f = frame_of(free_lists[o].next);
	list_del(o, f);
	while (o > (u32)want) {
		o--;
		list_add(o, f + (1ULL << o));
	}
	alloc_order[f] = want + 1;
	refcount[f] = 1;
	frames_used += 1ULL << want;
	spin_unlock(&pool_spin);
	p = frame_addr(f);
	memset(p, 0, 4096ULL << want);
	return p;
}

void pool_free(void *p, u64 size)
{
	u64 f = frame_of(p);
	u32 o = alloc_order[f] - 1;

	if (!alloc_order[f] || (int)o != size_order(size))
		panic("pool: free of %p (size %lx) that was not allocated so", p, (unsigned long)size);
	spin_lock(&pool_spin);
	alloc_order[f] = 0;
	refcount[f] = 0;
	frames_used -= 1ULL << o;
	while (o < MAX_ORDER) {
		u64 buddy = f ^ (1ULL << o);

		if (free_order[buddy] != o + 1)
			break;
		list_del(o, buddy);
		f &= ~(1ULL << o);
		o++;
	}
	list_add(o, f);
	spin_unlock(&pool_spin);
}

void pool_get(void *p)
{
	u64 f = frame_of(p);

	if (__atomic_fetch_add(&refcount[f], 1, __ATOMIC_RELAXED) <= 0)
		panic("pool: get on free page %p", p);
}

bool pool_put(void *p)
{
	u64 f = frame_of(p);
	s32 c = __atomic_sub_fetch(&refcount[f], 1, __ATOMIC_ACQ_REL);

	if (c < 0)
		panic("pool: put on free page %p", p);
	if (c)
		return false;
	/* Back to 1 so that pool_free() sees an allocated block. */
	refcount[f] = 1;
	pool_free(p, 4096ULL << (alloc_order[f] - 1));
	return true;
}

int pool_count(void *p)
{
	return __atomic_load_n(&refcount[frame_of(p)], __ATOMIC_RELAXED);
}

struct pool_meta *pool_meta(void *p)
{
	return &meta[frame_of(p)];
}

u64 pool_frames_used(void)
{
	return __atomic_load_n(&frames_used, __ATOMIC_RELAXED);
}

u64 pool_frames_total(void)
{
	return NR_FRAMES;
}
