// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_hosted.c - the installed hosted home (hosted/pgtable_hosted.h) on its
 * own and under the library: allocation order and alignment, exhaustion,
 * reference counts, the counters (threads counting at once), misuse,
 * RCU-deferred frees held back by a reader, and trees the reference
 * translator (test/ref_xlat.c) walks through the home's memory.  make check
 * runs it in the gcc, clang, asan and tsan builds (hosted/hosted.mk).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hosted_test.h"
#include "ref_xlat.h"

static u64 phys(struct pgt_hosted *h, void *p)
{
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);

	return mm->virt_to_phys(mm, p);
}

static bool zeroed(const void *p, size_t n)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void test_create_rejects_bad_arguments(void **state)
{
	(void)state;
	assert_null(pgt_hosted_create(0, BASE, 0));
	assert_null(pgt_hosted_create(MiB + 4096, BASE, 0));
	assert_null(pgt_hosted_create(MiB, BASE + 4096, 0));
	assert_null(pgt_hosted_create(MiB, ~0ULL << 20, 0));	/* wraps */
	assert_null(pgt_hosted_create(MiB, BASE, 1u << 7));	/* unknown flag */
	pgt_hosted_destroy(NULL);
}

static void test_create_reports_itself(void **state)
{
	struct pgt_hosted *h = home(4 * MiB, 0);

	(void)state;
	assert_int_equal(pgt_hosted_phys_base(h), BASE);
	assert_int_equal(pgt_hosted_size(h), 4 * MiB);
	assert_ptr_equal(pgt_hosted_from_ops(pgt_hosted_ops(h)), h);
	assert_int_equal(pgt_hosted_in_use(h), 0);
	assert_null(pgt_hosted_ops(h)->shared_walk_begin);
	pgt_hosted_destroy(h);
}

/* Lowest free run aligned to its size, as a pointer and as a physical address. */
static void test_pages_lowest_first_and_aligned(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	void *a = mm->zalloc_page(mm, 4096);
	void *b = mm->zalloc_page(mm, 16384);
	void *c = mm->zalloc_page(mm, 4096);
	void *d = mm->zalloc_page(mm, 65536);
	void *e = mm->zalloc_pages_exact(mm, 8192);

	(void)state;
	assert_int_equal(phys(h, a), BASE);
	assert_int_equal(phys(h, b), BASE + 0x4000);
	assert_int_equal(phys(h, c), BASE + 0x1000);
	assert_int_equal(phys(h, d), BASE + 0x10000);
	assert_int_equal(phys(h, e), BASE + 0x2000);
	assert_int_equal((uintptr_t)d % 65536, 0);
	assert_int_equal((uintptr_t)b % 16384, 0);
	assert_true(zeroed(d, 65536));
	assert_ptr_equal(mm->phys_to_virt(mm, BASE + 0x10000), d);
	assert_int_equal(stats(h).frames_in_use, 1 + 4 + 1 + 16 + 2);
	assert_int_equal(pgt_hosted_in_use(h), 24 * 4096);
	assert_int_equal(stats(h).allocs, 5);
	mm->put_page(mm, a);
	mm->put_page(mm, b);
	mm->put_page(mm, c);
	mm->put_page(mm, d);
	mm->free_pages_exact(mm, e, 8192);
	assert_int_equal(pgt_hosted_in_use(h), 0);
	assert_int_equal(stats(h).frees, 5);
	assert_int_equal(stats(h).peak_frames, 24);
	assert_int_equal(stats(h).warnings, 0);
	pgt_hosted_destroy(h);
}

/* A full home answers NULL; a freed page is the next one handed out. */
static void test_exhaustion_and_reuse(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	void *pages[256];
	int i;

	(void)state;
	for (i = 0; i < 256; i++)
		assert_non_null(pages[i] = mm->zalloc_page(mm, 4096));
	assert_null(mm->zalloc_page(mm, 4096));
	assert_null(mm->zalloc_pages_exact(mm, MiB));
	assert_int_equal(stats(h).failed_allocs, 2);
	memset(pages[77], 0xa5, 4096);
	mm->put_page(mm, pages[77]);
	assert_ptr_equal(mm->zalloc_page(mm, 4096), pages[77]);
	assert_true(zeroed(pages[77], 4096));
	for (i = 0; i < 256; i++)
		mm->put_page(mm, pages[i]);
	/* Whole 1 MiB free again: the largest allocation fits. */
	pages[0] = mm->zalloc_pages_exact(mm, MiB);
	assert_int_equal(phys(h, pages[0]), BASE);
	mm->free_pages_exact(mm, pages[0], MiB);
	assert_int_equal(pgt_hosted_in_use(h), 0);
	assert_int_equal(stats(h).warnings, 0);
	pgt_hosted_destroy(h);
}

/* Counts through interior addresses reach the page; the last put frees it. */
static void test_reference_counts(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	u8 *p = mm->zalloc_page(mm, 65536);

	(void)state;
	assert_int_equal(mm->page_count(mm, p), 1);
	mm->get_page(mm, p + 0x8008);
	mm->page_ref_add(mm, p + 0xfff8, 5);
	assert_int_equal(mm->page_count(mm, p + 0x1000), 7);
	mm->page_ref_add(mm, p, -5);
	mm->put_page(mm, p + 8);
	assert_int_equal(mm->page_count(mm, p), 1);
	assert_int_equal(stats(h).frames_in_use, 16);
	mm->put_page(mm, p);
	assert_int_equal(stats(h).frames_in_use, 0);
	assert_int_equal(stats(h).warnings, 0);
	pgt_hosted_destroy(h);
}

/* Misuse is reported and counted, and changes nothing. */
static void test_misuse_warns(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	void *p = mm->zalloc_page(mm, 4096);
	void *root = mm->zalloc_pages_exact(mm, 8192);
	int outside;

	(void)state;
	assert_null(mm->zalloc_page(mm, 8192));			/* not a granule */
	assert_null(mm->zalloc_pages_exact(mm, 12288));		/* not a power of two */
	mm->free_pages_exact(mm, root, 4096);			/* wrong size */
	mm->free_pages_exact(mm, p, 4096);			/* not exact */
	mm->put_page(mm, (u8 *)p + 0x10000);			/* never allocated */
	mm->get_page(mm, &outside);				/* not in the home */
	mm->put_page(mm, root);					/* a root's last reference */
	assert_int_equal(stats(h).warnings, 7);
	assert_int_equal(stats(h).frames_in_use, 3);
	mm->put_page(mm, p);
	mm->put_page(mm, p);					/* freed already */
	assert_int_equal(stats(h).warnings, 8);
	assert_int_equal(stats(h).frames_in_use, 2);
	pgt_hosted_destroy(h);					/* warns: the root leaked */
}

/*
 * Any frame of an allocation finds its head; a frame of a freed one does
 * not, also once its old head frame is allocated again, alone.
 */
static void test_frames_find_their_head(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	u8 *big = mm->zalloc_page(mm, 65536), *small;

	(void)state;
	mm->get_page(mm, big + 65536 - 8);			/* the last frame */
	assert_int_equal(mm->page_count(mm, big + 0x3000), 2);
	mm->put_page(mm, big + 0x8000);
	mm->put_page(mm, big);					/* freed */
	assert_int_equal(stats(h).warnings, 0);
	small = mm->zalloc_page(mm, 4096);
	assert_ptr_equal(small, big);				/* the lowest free frame */
	mm->get_page(mm, big + 0x3000);				/* not allocated */
	assert_int_equal(mm->page_count(mm, big + 65536 - 8), 0);
	assert_int_equal(stats(h).warnings, 2);
	assert_int_equal(mm->page_count(mm, small + 8), 1);
	mm->put_page(mm, small);
	assert_int_equal(stats(h).frames_in_use, 0);
	pgt_hosted_destroy(h);
}

static bool read64(void *ctx, uint64_t pa, uint64_t *val)
{
	struct pgt_hosted *h = ctx;
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);

	if (pa - BASE >= pgt_hosted_size(h) || (pa & 7))
		return false;
	*val = __atomic_load_n((u64 *)mm->phys_to_virt(mm, pa), __ATOMIC_RELAXED);
	return true;
}

static struct ref_regime regime(struct pgt_hosted *h, const struct pgt *pgt)
{
	return (struct ref_regime){
		.stage = 2, .ctrl = pgt->ctrl, .ttbr = pgt->root_phys,
		.fwb = pgt->flags & PGT_S2_FWB, .read64 = read64, .ctx = h,
	};
}

static void expect_pa(struct pgt_hosted *h, const struct pgt *pgt, u64 ia, u64 pa)
{
	struct ref_regime rg = regime(h, pgt);
	struct ref_result res;

	assert_int_equal(ref_translate(&rg, ia, REF_ACC_READ, &res), 0);
	assert_int_equal(res.fault, REF_OK);
	assert_int_equal(res.pa, pa);
}

/* Trees in the home, every granule, walked by the reference translator. */
static void test_stage2_trees_in_the_home(void **state)
{
	static const u32 granules[] = { PGT_GRANULE_4K, PGT_GRANULE_16K, PGT_GRANULE_64K };
	struct pgt_hosted *h = home(8 * MiB, 0);
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct pgt_config cfg = { .ia_bits = 40, .granule_shift = granules[i],
					  .pa_bits = 40 };
		u64 page = 1ULL << granules[i];
		struct pgt s2;

		assert_int_equal(pgt_stage2_init(&s2, &cfg, pgt_hosted_ops(h), NULL), 0);
		assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 4 * page, 0x100000000,
						PGT_PROT_RW, NULL, 0), 0);
		assert_int_equal(pgt_stage2_map(&s2, 0xc0000000, 32 * MiB, 0x200000000,
						PGT_PROT_RW, NULL, 0), 0);
		expect_pa(h, &s2, 0x80000000 + 3 * page + 8, 0x100000000 + 3 * page + 8);
		expect_pa(h, &s2, 0xc1234568, 0x201234568);
		assert_int_equal(pgt_stage2_unmap(&s2, 0x80000000, 4 * page), 0);
		assert_true(stats(h).tlbi_va_leaf + stats(h).tlbi_range > 0);
		assert_true(stats(h).dcache_ops > 0);
		pgt_stage2_destroy(&s2);
		assert_int_equal(pgt_hosted_in_use(h), 0);
	}
	assert_int_equal(stats(h).warnings, 0);
	pgt_hosted_destroy(h);
}

/* A home too small for the tables: -ENOMEM, then the same map fits in a bigger one. */
static void test_full_home_is_enomem(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	void *fill[256];
	struct pgt s2;
	int n = 0;

	(void)state;
	assert_int_equal(pgt_stage2_init(&s2, &s2_4k, mm, NULL), 0);
	while (n < 256 && (fill[n] = mm->zalloc_page(mm, 4096)))
		n++;
	assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 4096, 0x100000000, PGT_PROT_RW,
					NULL, 0), -ENOMEM);
	mm->put_page(mm, fill[--n]);
	mm->put_page(mm, fill[--n]);
	assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 4096, 0x100000000, PGT_PROT_RW,
					NULL, 0), 0);
	expect_pa(h, &s2, 0x80000010, 0x100000010);
	while (n)
		mm->put_page(mm, fill[--n]);
	pgt_stage2_destroy(&s2);
	assert_int_equal(pgt_hosted_in_use(h), 0);
	pgt_hosted_destroy(h);
}

static void test_stats_reset(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	void *a = mm->zalloc_page(mm, 4096), *b = mm->zalloc_page(mm, 4096);
	struct pgt_hosted_stats s;

	(void)state;
	mm->tlbi_va(mm, NULL, 0x1000, 3, true);
	mm->tlbi_va(mm, NULL, 0x1000, 2, false);
	mm->tlbi_range(mm, NULL, 0, 0x10000, PGT_NO_LEVEL);
	mm->tlbi_all(mm, NULL);
	mm->dcache_clean_inval_poc(mm, 0x80000000, 0x3000);
	mm->icache_inval_pou(mm, 0x80000000, 0x1000);
	s = stats(h);
	assert_int_equal(s.tlbi_va_leaf, 1);
	assert_int_equal(s.tlbi_va_table, 1);
	assert_int_equal(s.tlbi_range, 1);
	assert_int_equal(s.tlbi_all, 1);
	assert_int_equal(s.dcache_ops, 1);
	assert_int_equal(s.dcache_bytes, 0x3000);
	assert_int_equal(s.icache_bytes, 0x1000);
	mm->put_page(mm, b);
	pgt_hosted_stats_reset(h);
	s = stats(h);
	assert_int_equal(s.frames_in_use, 1);
	assert_int_equal(s.peak_frames, 1);
	assert_int_equal(s.allocs + s.frees + s.tlbi_va_leaf + s.tlbi_all + s.dcache_bytes, 0);
	mm->put_page(mm, a);
	pgt_hosted_destroy(h);
}

/*
 * Threads counting at once, more of them than the home keeps slots for
 * (the last ones share one): every event is counted, none twice.
 */
#define COUNTING_THREADS	40
#define EVENTS_EACH		5000

static void *counting_thread(void *arg)
{
	struct pgt_mm_ops *mm = arg;
	int i;

	for (i = 0; i < EVENTS_EACH; i++) {
		mm->dcache_clean_inval_poc(mm, 0x80000000, 0x1000);
		mm->tlbi_va(mm, NULL, 0x1000, 3, i & 1);
	}
	return NULL;
}

static void test_stats_count_every_thread(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	pthread_t t[COUNTING_THREADS];
	struct pgt_hosted_stats s;
	int i;

	(void)state;
	for (i = 0; i < COUNTING_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, counting_thread, pgt_hosted_ops(h)), 0);
	for (i = 0; i < COUNTING_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	s = stats(h);
	assert_int_equal(s.dcache_ops, COUNTING_THREADS * EVENTS_EACH);
	assert_int_equal(s.dcache_bytes, 0x1000ULL * COUNTING_THREADS * EVENTS_EACH);
	assert_int_equal(s.tlbi_va_leaf, COUNTING_THREADS * EVENTS_EACH / 2);
	assert_int_equal(s.tlbi_va_table, COUNTING_THREADS * EVENTS_EACH / 2);
	pgt_hosted_stats_reset(h);
	s = stats(h);
	assert_int_equal(s.dcache_ops + s.dcache_bytes + s.tlbi_va_leaf + s.tlbi_va_table, 0);
	pgt_hosted_destroy(h);
}

/* ---- RCU: a subtree unlinked under a reader waits for it ---- */

struct reader {
	struct pgt_hosted *h;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool inside;
	bool leave;
};

static void *reader_thread(void *arg)
{
	struct reader *rd = arg;
	struct pgt_mm_ops *mm = pgt_hosted_ops(rd->h);

	pgt_hosted_thread_online();
	mm->shared_walk_begin(mm);
	pthread_mutex_lock(&rd->lock);
	rd->inside = true;
	pthread_cond_broadcast(&rd->cond);
	while (!rd->leave)
		pthread_cond_wait(&rd->cond, &rd->lock);
	pthread_mutex_unlock(&rd->lock);
	mm->shared_walk_end(mm);
	pgt_hosted_thread_offline();
	return NULL;
}

/*
 * A 2M block mapped over a table of pages unlinks the table.  While a
 * reader sits in a read-side section the grace period cannot end, so the
 * table must still be allocated; once it leaves, synchronize frees it.
 */
static void test_rcu_defers_unlinked_tables(void **state)
{
	struct pgt_hosted *h = home(4 * MiB, PGT_HOSTED_RCU);
	struct reader rd = { .h = h };
	u64 before;
	struct pgt s2;
	pthread_t t;

	(void)state;
	assert_non_null(pgt_hosted_ops(h)->shared_walk_begin);
	pthread_mutex_init(&rd.lock, NULL);
	pthread_cond_init(&rd.cond, NULL);
	pgt_hosted_thread_online();
	assert_int_equal(pgt_stage2_init(&s2, &s2_4k, pgt_hosted_ops(h), NULL), 0);
	assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 0x1000, 0x100000000, PGT_PROT_RW,
					NULL, 0), 0);
	before = stats(h).frames_in_use;
	assert_int_equal(pthread_create(&t, NULL, reader_thread, &rd), 0);
	pthread_mutex_lock(&rd.lock);
	while (!rd.inside)
		pthread_cond_wait(&rd.cond, &rd.lock);
	pthread_mutex_unlock(&rd.lock);

	assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 2 * MiB, 0x100000000, PGT_PROT_RW,
					NULL, 0), 0);
	expect_pa(h, &s2, 0x80123450, 0x100123450);
	assert_int_equal(stats(h).unlinked_frees, 1);
	assert_int_equal(stats(h).rcu_frees, 0);
	assert_int_equal(stats(h).frames_in_use, before);

	pthread_mutex_lock(&rd.lock);
	rd.leave = true;
	pthread_cond_broadcast(&rd.cond);
	pthread_mutex_unlock(&rd.lock);
	assert_int_equal(pthread_join(t, NULL), 0);
	pgt_hosted_synchronize(h);	/* the callback may have run already */
	assert_int_equal(stats(h).rcu_frees, 1);
	assert_int_equal(stats(h).frames_in_use, before - 1);
	pgt_stage2_destroy(&s2);
	assert_int_equal(pgt_hosted_synchronize(h), 0);
	assert_int_equal(pgt_hosted_in_use(h), 0);
	assert_int_equal(stats(h).warnings, 0);
	pgt_hosted_thread_offline();
	pgt_hosted_destroy(h);
	pthread_cond_destroy(&rd.cond);
	pthread_mutex_destroy(&rd.lock);
}

/* Without PGT_HOSTED_RCU an unlinked table is freed at once. */
static void test_no_rcu_frees_at_once(void **state)
{
	struct pgt_hosted *h = home(4 * MiB, 0);
	struct pgt s2;
	u64 before;

	(void)state;
	assert_int_equal(pgt_stage2_init(&s2, &s2_4k, pgt_hosted_ops(h), NULL), 0);
	assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 0x1000, 0x100000000, PGT_PROT_RW,
					NULL, 0), 0);
	before = stats(h).frames_in_use;
	assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 2 * MiB, 0x100000000, PGT_PROT_RW,
					NULL, 0), 0);
	assert_int_equal(stats(h).unlinked_frees, 1);
	assert_int_equal(stats(h).frames_in_use, before - 1);
	assert_int_equal(pgt_hosted_synchronize(h), 0);
	pgt_stage2_destroy(&s2);
	pgt_hosted_destroy(h);
}

/* ---- show and the ranges it prints ---- */

static int count_ranges(const struct pgt_range *r, void *arg)
{
	int *n = arg;

	(void)r;
	return ++*n == 2 ? -E2BIG : 0;
}

static void test_range_callback_stops_the_walk(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt s2;
	int n = 0;

	(void)state;
	assert_int_equal(pgt_stage2_init(&s2, &s2_4k, pgt_hosted_ops(h), NULL), 0);
	assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 0x1000, 0x1000000, PGT_PROT_RW,
					NULL, 0), 0);
	assert_int_equal(pgt_stage2_map(&s2, 0x80001000, 0x1000, 0x2000000, PGT_PROT_RW,
					NULL, 0), 0);
	assert_int_equal(pgt_stage2_map(&s2, 0x80002000, 0x1000, 0x3000000, PGT_PROT_RW,
					NULL, 0), 0);
	assert_int_equal(pgt_for_each_range(&s2, count_ranges, &n), -E2BIG);
	assert_int_equal(n, 2);
	pgt_stage2_destroy(&s2);
	pgt_hosted_destroy(h);
}

static void test_show_prints_ranges(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	char buf[1024] = "";
	struct pgt s2;
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	(void)state;
	assert_non_null(f);
	assert_int_equal(pgt_stage2_init(&s2, &s2_4k, pgt_hosted_ops(h), NULL), 0);
	assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 0x3000, 0x100000000, PGT_PROT_RW,
					NULL, 0), 0);
	assert_int_equal(pgt_hosted_show(f, &s2), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\n0x0000000080000000-0x0000000080003000    12K L3 page   "
				    "rw- normal -> 0x100000000\nend: 1 range, 0x3000 bytes mapped\n"));
	pgt_stage2_destroy(&s2);
	pgt_hosted_destroy(h);
}

/* pgt_hosted_show() of @pgt into @buf. */
static void show_into(struct pgt *pgt, char *buf, size_t size)
{
	FILE *f = fmemopen(buf, size - 1, "w");

	assert_non_null(f);
	assert_int_equal(pgt_hosted_show(f, pgt), 0);
	fclose(f);
}

/*
 * The newer stage-2 formats: 52-bit outputs (tables at 2^52 - 2^48), one
 * EL's execute permission alone, Normal-NC.  Each says so in its own column.
 */
static void test_show_prints_lpa_xnx_nc(void **state)
{
	const struct pgt_config cfg = {
		.ia_bits = 52, .granule_shift = PGT_GRANULE_64K, .pa_bits = 52,
		.flags = PGT_CFG_LPA | PGT_S2_XNX,
	};
	struct pgt_hosted *h = pgt_hosted_create(MiB, 0xf000000000000ULL, 0);
	char buf[2048] = "";
	struct pgt s2;

	(void)state;
	assert_non_null(h);
	assert_int_equal(pgt_stage2_init(&s2, &cfg, pgt_hosted_ops(h), NULL), 0);
	assert_int_equal(pgt_stage2_map(&s2, 0x10000, 0x10000, 0xa000000010000,
					PGT_PROT_R | PGT_PROT_PX, NULL, 0), 0);
	assert_int_equal(pgt_stage2_map(&s2, 0x20000, 0x10000, 0x5000000020000,
					PGT_PROT_RW | PGT_PROT_UX, NULL, 0), 0);
	assert_int_equal(pgt_stage2_map(&s2, 0x30000, 0x10000, 0x90000000,
					PGT_PROT_RW | PGT_PROT_NORMAL_NC, NULL, 0), 0);
	show_into(&s2, buf, sizeof(buf));
	assert_string_equal(buf,
		"show stage 2, 64K granule, 52-bit IPA, start level 1, 1 root page at "
		"0xf000000000000, FEAT_LPA, FEAT_XNX\n"
		"0x0000000000010000-0x0000000000020000    64K L3 page   r-p normal -> 0xa000000010000\n"
		"0x0000000000020000-0x0000000000030000    64K L3 page   rwu normal -> 0x5000000020000\n"
		"0x0000000000030000-0x0000000000040000    64K L3 page   rw- nc     -> 0x90000000\n"
		"end: 3 ranges, 0x30000 bytes mapped\n");
	pgt_stage2_destroy(&s2);
	pgt_hosted_destroy(h);
}

/* hVHE leaves decoded in their own format: UXN is always set, PXN says X. */
static void test_show_prints_hvhe(void **state)
{
	const struct pgt_config cfg = {
		.ia_bits = 48, .granule_shift = PGT_GRANULE_4K, .pa_bits = 40,
		.flags = PGT_HYP_HVHE,
	};
	struct pgt_hosted *h = home(MiB, 0);
	char buf[1024] = "";
	struct pgt hyp;

	(void)state;
	assert_int_equal(pgt_hyp_init(&hyp, &cfg, pgt_hosted_ops(h)), 0);
	assert_int_equal(pgt_hyp_map(&hyp, 0x1000, 0x2000, 0x80001000, PGT_PROT_RX), 0);
	assert_int_equal(pgt_hyp_map(&hyp, 0x3000, 0x1000, 0x9000000,
				     PGT_PROT_RW | PGT_PROT_DEVICE), 0);
	show_into(&hyp, buf, sizeof(buf));
	assert_string_equal(buf,
		"show EL2&0 stage 1 (hVHE), 4K granule, 48-bit VA, start level 0, 1 root page at "
		"0x40000000\n"
		"0x0000000000001000-0x0000000000003000     8K L3 page   r-x normal -> 0x80001000\n"
		"0x0000000000003000-0x0000000000004000     4K L3 page   rw- device -> 0x9000000\n"
		"end: 2 ranges, 0x3000 bytes mapped\n");
	pgt_hyp_destroy(&hyp);
	pgt_hosted_destroy(h);
}

/* ---- version and the library's warnings ---- */

static void test_version(void **state)
{
	char want[32];

	(void)state;
	assert_int_equal(pgt_version(), PGT_VERSION);
	snprintf(want, sizeof(want), "%d.%d.%d", PGT_VERSION_MAJOR, PGT_VERSION_MINOR,
		 PGT_VERSION_PATCH);
	assert_string_equal(pgt_version_string(), want);
}

static void test_lib_warnings_are_counted(void **state)
{
	u64 before = pgt_hosted_lib_warnings();

	(void)state;
	pgt_host_warn(__FILE__, __LINE__, "a test's own warning");
	assert_int_equal(pgt_hosted_lib_warnings(), before + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects_bad_arguments),
		cmocka_unit_test(test_create_reports_itself),
		cmocka_unit_test(test_pages_lowest_first_and_aligned),
		cmocka_unit_test(test_exhaustion_and_reuse),
		cmocka_unit_test(test_reference_counts),
		cmocka_unit_test(test_misuse_warns),
		cmocka_unit_test(test_frames_find_their_head),
		cmocka_unit_test(test_stage2_trees_in_the_home),
		cmocka_unit_test(test_full_home_is_enomem),
		cmocka_unit_test(test_stats_reset),
		cmocka_unit_test(test_stats_count_every_thread),
		cmocka_unit_test(test_rcu_defers_unlinked_tables),
		cmocka_unit_test(test_no_rcu_frees_at_once),
		cmocka_unit_test(test_range_callback_stops_the_walk),
		cmocka_unit_test(test_show_prints_ranges),
		cmocka_unit_test(test_show_prints_lpa_xnx_nc),
		cmocka_unit_test(test_show_prints_hvhe),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_lib_warnings_are_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
