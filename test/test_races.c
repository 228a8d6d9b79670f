// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_races.c - the walker's races, each decided on purpose.
 *
 * A shared walker reads an entry, decides, and swaps the entry from the value
 * it read.  Between the read and the swap it calls the home (cache
 * maintenance for a new leaf, virt_to_phys for a new table, the TLBI of a
 * break), and the arena's hook (host_mm_set_hook()) runs a competing update
 * right there: the race happens every time, the same way, in one thread (or,
 * for a lock held by another walker, in a second thread parked inside its
 * break-before-make).  Each test then checks what the walker's policy
 * promises (Documentation/walker.rst): the loser gives back what it
 * allocated, retries, and the tree, read by the reference translator, is
 * what the winner made; every page of the arena is a table of the tree, a
 * page of a cache, or a subtree waiting for its grace period.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define IA_BITS		40
#define CACHE_PAGES	8
#define PA_BASE		(1ULL << 36)

/* One planted race: the competitor runs at the first hooked call after arming. */
struct race {
	struct tenv *t;
	void (*competitor)(struct race *r);
	int fired;
	u64 ia, size, pa;
	u32 prot;
	struct pgt_memcache mc;		/* the competitor's */
	int ret;			/* the competitor's result */
};

static void race_hook(struct host_mm *hm, enum host_mm_call call, void *arg)
{
	struct race *r = arg;

	(void)hm;
	(void)call;
	if (r->fired++)
		return;
	r->competitor(r);
}

static void topup(struct tenv *t, struct pgt_memcache *mc)
{
	*mc = (struct pgt_memcache){ 0 };
	assert_int_equal(pgt_memcache_topup(mc, tenv_mm(t), tenv_page(t), CACHE_PAGES), 0);
}

static void race_env(struct tenv *t)
{
	tenv_stage2(t, IA_BITS, PGT_GRANULE_4K, IA_BITS, 0);
	/* Unlinked subtrees wait for a grace period the test ends by hand. */
	host_mm_set_defer(t->hm, true);
}

static void race_arm(struct race *r, struct tenv *t, enum host_mm_call call,
		     void (*competitor)(struct race *r), u64 ia, u64 size, u64 pa, u32 prot)
{
	*r = (struct race){ .t = t, .competitor = competitor, .ia = ia, .size = size,
			    .pa = pa, .prot = prot };
	topup(t, &r->mc);
	host_mm_set_hook(t->hm, HOST_CALL_BIT(call), race_hook, r);
}

static void race_disarm(struct race *r)
{
	host_mm_set_hook(r->t->hm, 0, NULL, NULL);
	assert_int_equal(r->fired, 1);
}

/* The competitor: a fault of another vCPU, a shared map from its own cache. */
static void compete_map(struct race *r)
{
	r->ret = pgt_stage2_map(&r->t->pgt, r->ia, r->size, r->pa, r->prot, &r->mc,
				PGT_WALK_SHARED);
}

static int shared_map(struct tenv *t, u64 ia, u64 size, u64 pa, u32 prot,
		      struct pgt_memcache *mc)
{
	return pgt_stage2_map(&t->pgt, ia, size, pa, prot, mc, PGT_WALK_SHARED);
}

/*
 * Nothing lost: every page in use is a table the translator reaches, a page
 * of one of the caches, or one of @pending pages of unlinked subtrees still
 * waiting for their grace period.
 */
static void expect_accounted(struct tenv *t, const struct pgt_memcache *a,
			     const struct pgt_memcache *b, u64 pending)
{
	assert_int_equal(tenv_pages_in_use(t),
			 ref_count_tables(&t->rg) + a->nr + (b ? b->nr : 0) + pending);
}

static void race_fini(struct tenv *t, struct race *r, struct pgt_memcache *mc)
{
	pgt_memcache_free(&r->mc, tenv_mm(t));
	pgt_memcache_free(mc, tenv_mm(t));
	assert_int_equal(host_mm_deferred_pending(t->hm), 0);
	tenv_fini(t);
}

static bool page_is_zero(const void *page, u32 size)
{
	const u8 *p = page;

	for (u32 i = 0; i < size; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * CAS lost while installing a leaf: between the fault's read of the empty
 * entry and its swap, another vCPU maps the same page.  The fault finds the
 * work done (only permissions differ) and backs off; nothing was allocated.
 */
static void cas_lost_installing_leaf(void **state)
{
	struct tenv t;
	struct race r;
	struct pgt_memcache mc;
	u64 ia = SZ_1G + 5 * SZ_4K, pa = PA_BASE + 5 * SZ_4K;

	(void)state;
	race_env(&t);
	/* The last-level table exists: the fault only writes a page entry. */
	assert_int_equal(pgt_stage2_map(&t.pgt, ia + SZ_4K, SZ_4K, pa + SZ_4K, PGT_PROT_RW,
					NULL, 0), 0);
	topup(&t, &mc);
	host_mm_stats_reset(t.hm);
	race_arm(&r, &t, HOST_CALL_DCACHE, compete_map, ia, SZ_4K, pa, PGT_PROT_RW);
	assert_int_equal(shared_map(&t, ia, SZ_4K, pa, PGT_PROT_R, &mc), -EAGAIN);
	race_disarm(&r);
	assert_int_equal(r.ret, 0);
	/* One clean each: the loser's, before its lost swap, and the winner's. */
	assert_int_equal(host_mm_snapshot(t.hm).dcache_ops, 2);
	assert_int_equal(mc.nr, CACHE_PAGES);
	assert_int_equal(r.mc.nr, CACHE_PAGES);
	expect_exactly(&t, (struct extent[]){ { ia, 2 * SZ_4K, pa, PGT_PROT_RW } }, 1);
	expect_accounted(&t, &mc, &r.mc, 0);
	race_fini(&t, &r, &mc);
}

/*
 * CAS lost while installing a table: the fault took a table from its cache
 * for an empty entry, and another vCPU linked its own table there first.
 * The loser's table goes back to its cache, zeroed, and the fault maps its
 * page in the winner's table: one table, two pages.
 */
static void cas_lost_installing_table(void **state)
{
	struct tenv t;
	struct race r;
	struct pgt_memcache mc;
	u64 ia = SZ_1G, pa = PA_BASE;
	long tables;
	void *head;

	(void)state;
	race_env(&t);
	/* The level-2 table exists; the level-2 entry for @ia is empty. */
	assert_int_equal(pgt_stage2_map(&t.pgt, ia + 2 * SZ_2M, SZ_4K, pa + 2 * SZ_2M,
					PGT_PROT_RW, NULL, 0), 0);
	tables = ref_count_tables(&t.rg);
	topup(&t, &mc);
	race_arm(&r, &t, HOST_CALL_VIRT_TO_PHYS, compete_map, ia + 2 * SZ_4K, SZ_4K,
		 pa + 2 * SZ_4K, PGT_PROT_RW);
	assert_int_equal(shared_map(&t, ia, SZ_4K, pa, PGT_PROT_RW, &mc), 0);
	race_disarm(&r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.mc.nr, CACHE_PAGES - 1);
	assert_int_equal(mc.nr, CACHE_PAGES);
	head = pgt_memcache_pop(&mc);
	assert_true(page_is_zero(head, SZ_4K));
	tenv_mm(&t)->put_page(tenv_mm(&t), head);
	expect_well_formed(&t, tables + 1);
	expect_exactly(&t, (struct extent[]){
		{ ia, SZ_4K, pa, PGT_PROT_RW },
		{ ia + 2 * SZ_4K, SZ_4K, pa + 2 * SZ_4K, PGT_PROT_RW },
		{ ia + 2 * SZ_2M, SZ_4K, pa + 2 * SZ_2M, PGT_PROT_RW },
	}, 3);
	expect_accounted(&t, &mc, &r.mc, 0);
	race_fini(&t, &r, &mc);
}

/*
 * CAS lost while linking a table built full (a whole span of pages): the
 * loser frees it, references and all, and maps into the winner's table until
 * it meets the winner's page, where it backs off.
 */
static void cas_lost_installing_full_table(void **state)
{
	struct tenv t;
	struct race r;
	struct pgt_memcache mc;
	/* The output is page aligned only: the span takes pages, not a block. */
	u64 ia = SZ_1G, pa = PA_BASE + SZ_4K;
	long tables;

	(void)state;
	race_env(&t);
	assert_int_equal(pgt_stage2_map(&t.pgt, ia + 2 * SZ_2M, SZ_4K, pa + 2 * SZ_2M,
					PGT_PROT_RW, NULL, 0), 0);
	tables = ref_count_tables(&t.rg);
	topup(&t, &mc);
	race_arm(&r, &t, HOST_CALL_VIRT_TO_PHYS, compete_map, ia + SZ_4K, SZ_4K, pa + SZ_4K,
		 PGT_PROT_RW);
	assert_int_equal(shared_map(&t, ia, SZ_2M, pa, PGT_PROT_RW, &mc), -EAGAIN);
	race_disarm(&r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(mc.nr, CACHE_PAGES - 1);
	assert_int_equal(r.mc.nr, CACHE_PAGES - 1);
	expect_well_formed(&t, tables + 1);
	expect_exactly(&t, (struct extent[]){
		{ ia, 2 * SZ_4K, pa, PGT_PROT_RW },
		{ ia + 2 * SZ_2M, SZ_4K, pa + 2 * SZ_2M, PGT_PROT_RW },
	}, 2);
	expect_accounted(&t, &mc, &r.mc, 0);
	race_fini(&t, &r, &mc);
}

/* ---- A lock held by another walker: a second thread parked in its break ---- */

struct locker {
	struct race r;
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool locked, go;
	u64 tlbi_in_break;
};

static u64 tlbis(struct tenv *t)
{
	struct host_mm_stats s;

	host_mm_stats_get(t->hm, &s);
	return s.tlbi_va_leaf + s.tlbi_va_table + s.tlbi_range + s.tlbi_all;
}

static void *locker_thread(void *arg)
{
	struct locker *l = arg;

	compete_map(&l->r);
	return NULL;
}

/*
 * In the locker's thread: its break has swapped the entry to the lock and is
 * invalidating; hold it there.  In the loser's: start the locker and wait
 * until it holds the lock, then let the loser try its own swap.
 */
static void locker_hook(struct host_mm *hm, enum host_mm_call call, void *arg)
{
	struct locker *l = arg;

	(void)hm;
	pthread_mutex_lock(&l->lock);
	if (call == HOST_CALL_TLBI_VA && pthread_equal(pthread_self(), l->tid)) {
		l->locked = true;
		l->tlbi_in_break++;
		pthread_cond_broadcast(&l->cond);
		while (!l->go)
			pthread_cond_wait(&l->cond, &l->lock);
	} else if (call == HOST_CALL_DCACHE && !l->r.fired++) {
		pthread_mutex_unlock(&l->lock);
		assert_int_equal(pthread_create(&l->tid, NULL, locker_thread, l), 0);
		pthread_mutex_lock(&l->lock);
		while (!l->locked)
			pthread_cond_wait(&l->cond, &l->lock);
	}
	pthread_mutex_unlock(&l->lock);
}

/*
 * CAS lost to a locked entry: the fault read a live page and means to
 * replace it; before its break, another walker's break-before-make locks
 * the entry.  The fault's swap fails, every re-read finds the lock, and the
 * walker gives up with -EAGAIN after its retries, having touched nothing.
 * When the locker finishes, its page is what the tree maps.
 */
static void cas_lost_to_locked_entry(void **state)
{
	static struct locker l;
	struct tenv t;
	struct pgt_memcache mc;
	u64 ia = SZ_1G + 3 * SZ_4K, pa = PA_BASE;
	struct ref_result res;

	(void)state;
	race_env(&t);
	assert_int_equal(pgt_stage2_map(&t.pgt, ia, SZ_4K, pa, PGT_PROT_RW, NULL, 0), 0);
	topup(&t, &mc);
	host_mm_stats_reset(t.hm);
	memset(&l, 0, sizeof(l));
	pthread_mutex_init(&l.lock, NULL);
	pthread_cond_init(&l.cond, NULL);
	l.r = (struct race){ .t = &t, .ia = ia, .size = SZ_4K, .pa = pa + SZ_2M,
			     .prot = PGT_PROT_RW };
	topup(&t, &l.r.mc);
	/* The hook is set before the second thread exists; it reads it only. */
	host_mm_set_hook(t.hm, HOST_CALL_BIT(HOST_CALL_DCACHE) | HOST_CALL_BIT(HOST_CALL_TLBI_VA),
			 locker_hook, &l);
	assert_int_equal(shared_map(&t, ia, SZ_4K, pa + SZ_1G, PGT_PROT_RW, &mc), -EAGAIN);

	/* The locker still holds the entry: the loser left it alone. */
	res = tenv_xlat(&t, ia);
	assert_int_equal(res.fault, REF_FAULT_TRANSLATION);
	assert_int_equal(res.desc, PGT_PTE_LOCKED);
	/* No invalidation done: the locker's is parked at its start, the loser made none. */
	assert_int_equal(tlbis(&t), 0);
	assert_int_equal(mc.nr, CACHE_PAGES);

	pthread_mutex_lock(&l.lock);
	l.go = true;
	pthread_cond_broadcast(&l.cond);
	pthread_mutex_unlock(&l.lock);
	assert_int_equal(pthread_join(l.tid, NULL), 0);
	host_mm_set_hook(t.hm, 0, NULL, NULL);
	assert_int_equal(l.r.ret, 0);
	assert_int_equal(l.tlbi_in_break, 1);
	assert_int_equal(tlbis(&t), 1);
	expect_exactly(&t, (struct extent[]){ { ia, SZ_4K, pa + SZ_2M, PGT_PROT_RW } }, 1);
	expect_accounted(&t, &mc, &l.r.mc, 0);
	pthread_mutex_destroy(&l.lock);
	pthread_cond_destroy(&l.cond);
	race_fini(&t, &l.r, &mc);
}

/* ---- A table unlinked while another walker is inside it ---- */

/* The table page holding the entry that decides @ia. */
static void *table_of(struct tenv *t, u64 ia)
{
	return (void *)((uintptr_t)test_ptep(t, ia) & ~(uintptr_t)(tenv_page(t) - 1));
}

/*
 * The fault is inside a last-level table, about to write a page entry,
 * when another vCPU maps a block over the table's whole span: the table is
 * unlinked and handed to free_unlinked_table.  The fault's swap lands in the
 * unlinked table -- still allocated, so the write is harmless -- and the
 * tree maps the block.  After the grace period the table, with the entry
 * the fault wrote, is freed: nothing leaks, no reference goes wrong.
 */
static void table_unlinked_under_leaf_write(void **state)
{
	struct tenv t;
	struct race r;
	struct pgt_memcache mc;
	u64 ia = SZ_1G + 4 * SZ_2M, pa = PA_BASE + 4 * SZ_2M;
	struct pgt_mm_ops *mm;
	pgt_pte_t *table, want;
	long tables;

	(void)state;
	race_env(&t);
	mm = tenv_mm(&t);
	assert_int_equal(pgt_stage2_map(&t.pgt, ia + SZ_4K, SZ_4K, pa + SZ_4K, PGT_PROT_RW,
					NULL, 0), 0);
	table = table_of(&t, ia);
	tables = ref_count_tables(&t.rg);
	topup(&t, &mc);
	race_arm(&r, &t, HOST_CALL_DCACHE, compete_map, ia, SZ_2M, pa, PGT_PROT_RW);
	assert_int_equal(shared_map(&t, ia, SZ_4K, pa, PGT_PROT_RW, &mc), 0);
	race_disarm(&r);
	assert_int_equal(r.ret, 0);

	/* The block replaced the table; the table waits, with the fault's write in it. */
	assert_int_equal(tenv_xlat(&t, ia).level, 2);
	expect_exactly(&t, (struct extent[]){ { ia, SZ_2M, pa, PGT_PROT_RW } }, 1);
	expect_well_formed(&t, tables - 1);
	assert_int_equal(host_mm_deferred_pending(t.hm), 1);
	want = pgt_s2_leaf_pte(&t.pgt.geom, pa, PGT_PROT_RW, 3, false);
	assert_int_equal(table[0], want);
	assert_int_equal(mm->page_count(mm, table), 3);
	expect_accounted(&t, &mc, &r.mc, 1);

	assert_int_equal(host_mm_drain_deferred(t.hm), 1);
	expect_accounted(&t, &mc, &r.mc, 0);
	race_fini(&t, &r, &mc);
}

/*
 * The same one level up: the fault is linking a new last-level table into a
 * level-2 table when a 1G block replaces that level-2 table.  The fault's
 * new table ends up below the unlinked subtree, where it maps its page; the
 * grace period frees the subtree with it.
 */
static void table_unlinked_under_table_write(void **state)
{
	struct tenv t;
	struct race r;
	struct pgt_memcache mc;
	u64 ia = SZ_1G, pa = PA_BASE;
	long tables;

	(void)state;
	race_env(&t);
	assert_int_equal(pgt_stage2_map(&t.pgt, ia + 4 * SZ_2M, SZ_4K, pa + 4 * SZ_2M,
					PGT_PROT_RW, NULL, 0), 0);
	tables = ref_count_tables(&t.rg);
	topup(&t, &mc);
	race_arm(&r, &t, HOST_CALL_VIRT_TO_PHYS, compete_map, ia, SZ_1G, pa, PGT_PROT_RW);
	assert_int_equal(shared_map(&t, ia, SZ_4K, pa, PGT_PROT_RW, &mc), 0);
	race_disarm(&r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(mc.nr, CACHE_PAGES - 1);

	assert_int_equal(tenv_xlat(&t, ia).level, 1);
	expect_exactly(&t, (struct extent[]){ { ia, SZ_1G, pa, PGT_PROT_RW } }, 1);
	/* The level-2 table and both last-level tables below it are unlinked. */
	expect_well_formed(&t, tables - 2);
	assert_int_equal(host_mm_deferred_pending(t.hm), 1);
	expect_accounted(&t, &mc, &r.mc, 3);

	assert_int_equal(host_mm_drain_deferred(t.hm), 1);
	expect_accounted(&t, &mc, &r.mc, 0);
	race_fini(&t, &r, &mc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cas_lost_installing_leaf),
		cmocka_unit_test(cas_lost_installing_table),
		cmocka_unit_test(cas_lost_installing_full_table),
		cmocka_unit_test(cas_lost_to_locked_entry),
		cmocka_unit_test(table_unlinked_under_leaf_write),
		cmocka_unit_test(table_unlinked_under_table_write),
	};

	return cmocka_run_group_tests_name("races", tests, NULL, NULL);
}
