// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_host_mm.c - unit tests of the tests' arena: the hosted home
 * (hosted/) under the test layer (test/host_mm.c), whose unlinked subtrees
 * go to test doubles rather than to pgt_unlinked_free.
 *
 * The RCU tests need liburcu's memb flavour: the main thread registers as a
 * reader in the group setup, every thread a test starts registers itself.
 */
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <urcu/urcu-memb.h>

#include "host_mm.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define MiB		(1ULL << 20)
#define PHYS_BASE	0x40000000ULL

static struct host_mm *arena(u64 mib)
{
	struct host_mm *hm = host_mm_create(mib * MiB, PHYS_BASE);

	assert_non_null(hm);
	return hm;
}

/*
 * host_mm_destroy() releases whatever is still allocated, and reports it as
 * a leak; the tests that leave pages behind on purpose say they expect it.
 */
static void destroy_with_leftovers(struct host_mm *hm)
{
	assert_true(host_mm_in_use_bytes(hm) > 0);
	host_mm_expect_misuse(hm, 1);
	host_mm_destroy(hm);
}

static bool all_zero(const void *p, size_t n)
{
	const u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void test_create_args(void **state)
{
	struct host_mm *hm;

	(void)state;
	assert_null(host_mm_create(0, 0));
	assert_null(host_mm_create(MiB + 4096, 0));
	assert_null(host_mm_create(MiB, 4096));
	assert_null(host_mm_create(2 * MiB, ~0ULL << 20));
	hm = arena(2);
	assert_ptr_equal(host_mm_from_ops(host_mm_ops(hm)), hm);
	assert_ptr_equal(host_mm_ops(hm), pgt_hosted_ops(hm->home));
	assert_int_equal(host_mm_phys_base(hm), PHYS_BASE);
	assert_int_equal(host_mm_size(hm), 2 * MiB);
	assert_null(host_mm_ops(hm)->shared_walk_begin);
	assert_null(host_mm_ops(hm)->shared_walk_end);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	host_mm_destroy(hm);
	host_mm_destroy(NULL);
}

static void test_zalloc_page_sizes(void **state)
{
	static const u32 sizes[] = { 4096, 16384, 65536 };
	struct host_mm *hm = arena(4);
	struct pgt_mm_ops *mm = host_mm_ops(hm);

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		u32 sz = sizes[i];
		u8 *p = mm->zalloc_page(mm, sz);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % sz, 0);
		assert_int_equal(mm->virt_to_phys(mm, p) % sz, 0);
		assert_true(all_zero(p, sz));
		assert_int_equal(mm->page_count(mm, p), 1);
		assert_int_equal(host_mm_in_use_bytes(hm), sz);
		memset(p, 0xa5, sz);
		mm->put_page(mm, p);
		assert_int_equal(host_mm_in_use_bytes(hm), 0);
		/* LIFO: the same page comes back, and it is zeroed again. */
		assert_ptr_equal(mm->zalloc_page(mm, sz), p);
		assert_true(all_zero(p, sz));
		mm->put_page(mm, p);
	}
	assert_int_equal(host_mm_snapshot(hm).allocs, 6);
	assert_int_equal(host_mm_snapshot(hm).frees, 6);
	assert_int_equal(host_mm_snapshot(hm).warnings, 0);
	host_mm_destroy(hm);
}

static void test_zalloc_bad_size(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);

	(void)state;
	host_mm_set_quiet(hm, true);
	host_mm_expect_misuse(hm, 5);
	assert_null(mm->zalloc_page(mm, 8192));
	assert_null(mm->zalloc_page(mm, 0));
	assert_null(mm->zalloc_pages_exact(mm, 2048));
	assert_null(mm->zalloc_pages_exact(mm, 3 * 4096));
	assert_null(mm->zalloc_pages_exact(mm, 2 * MiB));
	assert_int_equal(host_mm_snapshot(hm).warnings, 5);
	assert_int_equal(host_mm_alloc_calls(hm), 0);
	host_mm_destroy(hm);
}

static void test_refcount(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	u8 *p = mm->zalloc_page(mm, 65536);

	(void)state;
	/* References may be taken through any entry inside the table. */
	mm->get_page(mm, p + 8);
	mm->get_page(mm, p + 65536 - 8);
	mm->get_page(mm, p + 5 * 4096);
	assert_int_equal(mm->page_count(mm, p), 4);
	assert_int_equal(mm->page_count(mm, p + 40000), 4);
	mm->put_page(mm, p + 100);
	mm->put_page(mm, p);
	mm->put_page(mm, p + 9 * 4096);
	assert_int_equal(mm->page_count(mm, p), 1);
	assert_int_equal(host_mm_in_use_bytes(hm), 65536);
	mm->put_page(mm, p + 65535);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	assert_int_equal(host_mm_snapshot(hm).frees, 1);
	assert_int_equal(host_mm_snapshot(hm).warnings, 0);
	host_mm_destroy(hm);
}

static void test_refcount_misuse(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	u8 *p = mm->zalloc_page(mm, 4096);
	int outside;

	(void)state;
	host_mm_set_quiet(hm, true);
	host_mm_expect_misuse(hm, 5);
	mm->put_page(mm, p);
	mm->put_page(mm, p);			/* on a free page */
	assert_int_equal(host_mm_snapshot(hm).warnings, 1);
	mm->get_page(mm, p);			/* on a free page */
	assert_int_equal(host_mm_snapshot(hm).warnings, 2);
	assert_int_equal(mm->page_count(mm, p), 0);
	assert_int_equal(host_mm_snapshot(hm).warnings, 3);
	mm->get_page(mm, &outside);
	mm->put_page(mm, &outside);
	assert_int_equal(host_mm_snapshot(hm).warnings, 5);
	assert_int_equal(host_mm_snapshot(hm).frees, 1);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	host_mm_destroy(hm);
}

static void test_exact_sizes(void **state)
{
	struct host_mm *hm = arena(4);
	struct pgt_mm_ops *mm = host_mm_ops(hm);

	(void)state;
	for (u64 sz = 4096; sz <= MiB; sz <<= 1) {
		u8 *p = mm->zalloc_pages_exact(mm, sz);
		u8 *q = mm->zalloc_pages_exact(mm, sz);

		assert_non_null(p);
		assert_non_null(q);
		assert_ptr_not_equal(p, q);
		assert_int_equal((uintptr_t)p % sz, 0);
		assert_int_equal((uintptr_t)q % sz, 0);
		assert_int_equal(mm->virt_to_phys(mm, q) % sz, 0);
		assert_true(all_zero(p, sz));
		assert_int_equal(mm->page_count(mm, p + sz - 1), 1);
		assert_int_equal(host_mm_in_use_bytes(hm), 2 * sz);
		memset(p, 0xff, sz);
		mm->free_pages_exact(mm, p, sz);
		mm->free_pages_exact(mm, q, sz);
		assert_int_equal(host_mm_in_use_bytes(hm), 0);
	}
	assert_int_equal(host_mm_snapshot(hm).warnings, 0);
	host_mm_destroy(hm);
}

static void test_exact_misuse(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	u8 *root = mm->zalloc_pages_exact(mm, 65536);
	u8 *page = mm->zalloc_page(mm, 16384);

	(void)state;
	host_mm_set_quiet(hm, true);
	host_mm_expect_misuse(hm, 6);
	mm->free_pages_exact(mm, root, 16384);		/* wrong size */
	mm->free_pages_exact(mm, root + 4096, 4096);	/* not its start */
	mm->free_pages_exact(mm, page, 16384);		/* not exact */
	assert_int_equal(host_mm_snapshot(hm).warnings, 3);
	assert_int_equal(host_mm_in_use_bytes(hm), 65536 + 16384);
	/* A root's last reference goes with free_pages_exact, not put_page. */
	mm->put_page(mm, root);
	assert_int_equal(host_mm_snapshot(hm).warnings, 4);
	assert_int_equal(host_mm_in_use_bytes(hm), 65536 + 16384);
	mm->free_pages_exact(mm, root, 65536);		/* unbalanced: 0 refs */
	assert_int_equal(host_mm_snapshot(hm).warnings, 5);
	assert_int_equal(host_mm_in_use_bytes(hm), 16384);
	root = mm->zalloc_pages_exact(mm, 8192);
	mm->get_page(mm, root + 4096);
	mm->free_pages_exact(mm, root, 8192);		/* unbalanced: 2 refs */
	assert_int_equal(host_mm_snapshot(hm).warnings, 6);
	mm->put_page(mm, page);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	host_mm_destroy(hm);
}

static void test_exhaustion(void **state)
{
	struct host_mm *hm = arena(1);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	void *pages[256];

	(void)state;
	for (int i = 0; i < 256; i++)
		assert_non_null(pages[i] = mm->zalloc_page(mm, 4096));
	assert_null(mm->zalloc_page(mm, 4096));
	assert_null(mm->zalloc_pages_exact(mm, 4096));
	assert_int_equal(host_mm_snapshot(hm).failed_allocs, 2);
	assert_int_equal(host_mm_snapshot(hm).injected_failures, 0);
	assert_int_equal(host_mm_snapshot(hm).warnings, 0);
	mm->put_page(mm, pages[17]);
	pages[17] = mm->zalloc_page(mm, 4096);
	assert_non_null(pages[17]);
	assert_null(mm->zalloc_page(mm, 4096));
	/* Fragmented: no 64 KiB until its 16 frames are all free again. */
	for (int i = 0; i < 15; i++)
		mm->put_page(mm, pages[i]);
	assert_null(mm->zalloc_page(mm, 65536));
	mm->put_page(mm, pages[15]);
	assert_non_null(mm->zalloc_page(mm, 65536));
	/* Every size class returns to the buddy: the whole 1 MiB merges back. */
	for (int i = 16; i < 256; i++)
		mm->put_page(mm, pages[i]);
	assert_null(mm->zalloc_pages_exact(mm, MiB));
	mm->put_page(mm, hm->base);
	assert_non_null(mm->zalloc_pages_exact(mm, MiB));
	destroy_with_leftovers(hm);
}

static void test_fail_nth(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	void *a, *b, *c, *d;

	(void)state;
	host_mm_fail_nth_alloc(hm, 3);
	a = mm->zalloc_page(mm, 4096);
	b = mm->zalloc_pages_exact(mm, 8192);
	c = mm->zalloc_page(mm, 4096);
	d = mm->zalloc_page(mm, 4096);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(c);
	assert_non_null(d);
	assert_int_equal(host_mm_alloc_calls(hm), 4);
	assert_int_equal(host_mm_snapshot(hm).injected_failures, 1);
	assert_int_equal(host_mm_snapshot(hm).allocs, 3);
	host_mm_fail_nth_alloc(hm, 1);
	assert_null(mm->zalloc_pages_exact(mm, 4096));
	assert_non_null(c = mm->zalloc_page(mm, 4096));
	host_mm_fail_nth_alloc(hm, 1);
	host_mm_fail_nth_alloc(hm, 0);
	assert_non_null(mm->zalloc_page(mm, 4096));
	assert_int_equal(host_mm_snapshot(hm).injected_failures, 2);
	assert_int_equal(host_mm_alloc_calls(hm), 7);
	destroy_with_leftovers(hm);
}

static void test_fail_after(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);

	(void)state;
	host_mm_fail_after(hm, 2);
	assert_non_null(mm->zalloc_page(mm, 4096));
	assert_non_null(mm->zalloc_pages_exact(mm, 4096));
	for (int i = 0; i < 10; i++) {
		assert_null(mm->zalloc_page(mm, 4096));
		assert_null(mm->zalloc_pages_exact(mm, 4096));
	}
	assert_int_equal(host_mm_snapshot(hm).injected_failures, 20);
	host_mm_fail_reset(hm);
	assert_non_null(mm->zalloc_page(mm, 4096));
	host_mm_fail_after(hm, 0);
	assert_null(mm->zalloc_page(mm, 4096));
	host_mm_fail_reset(hm);
	assert_int_equal(host_mm_in_use_bytes(hm), 3 * 4096);
	destroy_with_leftovers(hm);
}

static void test_accounting(void **state)
{
	struct host_mm *hm = arena(4);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	struct host_mm_stats s;
	void *a = mm->zalloc_page(mm, 65536);
	void *b = mm->zalloc_page(mm, 16384);
	void *c = mm->zalloc_pages_exact(mm, 32768);

	(void)state;
	assert_int_equal(host_mm_snapshot(hm).pages_in_use, 16 + 4 + 8);
	assert_int_equal(host_mm_snapshot(hm).peak_in_use, 28);
	mm->put_page(mm, a);
	assert_int_equal(host_mm_in_use_bytes(hm), 12 * 4096);
	assert_int_equal(host_mm_snapshot(hm).peak_in_use, 28);
	host_mm_stats_reset(hm);
	host_mm_stats_get(hm, &s);
	assert_int_equal(s.pages_in_use, 12);
	assert_int_equal(s.peak_in_use, 12);
	assert_int_equal(s.allocs, 0);
	assert_int_equal(s.alloc_calls, 0);
	a = mm->zalloc_page(mm, 4096);
	assert_int_equal(host_mm_snapshot(hm).peak_in_use, 13);
	mm->put_page(mm, a);
	mm->put_page(mm, b);
	mm->free_pages_exact(mm, c, 32768);
	host_mm_stats_get(hm, &s);
	assert_int_equal(s.pages_in_use, 0);
	assert_int_equal(s.peak_in_use, 13);
	assert_int_equal(s.allocs, 1);
	assert_int_equal(s.frees, 3);
	host_mm_destroy(hm);
}

static void test_phys_virt(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	u8 *p = mm->zalloc_page(mm, 4096);
	u64 pa = mm->virt_to_phys(mm, p);

	(void)state;
	assert_int_equal(mm->virt_to_phys(mm, hm->base), PHYS_BASE);
	assert_true(pa >= PHYS_BASE && pa < PHYS_BASE + 2 * MiB);
	assert_ptr_equal(mm->phys_to_virt(mm, pa), p);
	assert_ptr_equal(mm->phys_to_virt(mm, pa + 0x18), p + 0x18);
	assert_int_equal(mm->virt_to_phys(mm, p + 0x18), pa + 0x18);
	assert_ptr_equal(mm->phys_to_virt(mm, PHYS_BASE + 2 * MiB - 1), hm->base + 2 * MiB - 1);
	destroy_with_leftovers(hm);
}

/* Run @fn in a child process with stderr silenced; return its wait status. */
static int run_child(void (*fn)(struct pgt_mm_ops *mm), struct pgt_mm_ops *mm)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(2);
		fn(mm);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void bad_phys(struct pgt_mm_ops *mm)
{
	mm->phys_to_virt(mm, PHYS_BASE + 2 * MiB);
}

static void bad_phys_low(struct pgt_mm_ops *mm)
{
	mm->phys_to_virt(mm, PHYS_BASE - 8);
}

static void bad_virt(struct pgt_mm_ops *mm)
{
	int x;

	mm->virt_to_phys(mm, &x);
}

static void test_phys_virt_outside_aborts(void **state)
{
	struct host_mm *hm = arena(2);
	int st;

	(void)state;
	st = run_child(bad_phys, host_mm_ops(hm));
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	st = run_child(bad_phys_low, host_mm_ops(hm));
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	st = run_child(bad_virt, host_mm_ops(hm));
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	host_mm_destroy(hm);
}

/* The stand-in for pgt_unlinked_free: records the call, drops the table's reference. */
struct unlinked_call {
	void *table;
	pgt_s8 level;
	u8 granule_shift;
};

static struct unlinked_call calls[16];
static int ncalls;
static pthread_mutex_t calls_lock = PTHREAD_MUTEX_INITIALIZER;

static void fake_unlinked_free(struct pgt_mm_ops *mm, void *table, pgt_s8 level, u8 gs)
{
	pthread_mutex_lock(&calls_lock);
	if (ncalls < 16)
		calls[ncalls] = (struct unlinked_call){ table, level, gs };
	ncalls++;
	pthread_mutex_unlock(&calls_lock);
	mm->put_page(mm, table);
}

/* Like a subtree whose free unlinks another: it queues a child table. */
static void *nested_child;

static void nesting_unlinked_free(struct pgt_mm_ops *mm, void *table, pgt_s8 level, u8 gs)
{
	void *child = nested_child;

	nested_child = NULL;
	fake_unlinked_free(mm, table, level, gs);
	if (child)
		mm->free_unlinked_table(mm, child, level + 1, gs);
}

static int reset_calls(void **state)
{
	(void)state;
	ncalls = 0;
	memset(calls, 0, sizeof(calls));
	nested_child = NULL;
	return 0;
}

static void test_deferred_immediate(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	void *t = mm->zalloc_page(mm, 16384);

	(void)state;
	host_mm_set_unlinked_free(hm, fake_unlinked_free);
	mm->free_unlinked_table(mm, t, 2, 14);
	assert_int_equal(ncalls, 1);
	assert_ptr_equal(calls[0].table, t);
	assert_int_equal(calls[0].level, 2);
	assert_int_equal(calls[0].granule_shift, 14);
	assert_int_equal(host_mm_snapshot(hm).deferred_frees, 1);
	assert_int_equal(host_mm_deferred_pending(hm), 0);
	assert_int_equal(host_mm_drain_deferred(hm), 0);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	host_mm_destroy(hm);
}

static void test_deferred_queue(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	void *t1 = mm->zalloc_page(mm, 4096);
	void *t2 = mm->zalloc_page(mm, 4096);
	void *t3 = mm->zalloc_page(mm, 4096);

	(void)state;
	host_mm_set_unlinked_free(hm, nesting_unlinked_free);
	host_mm_set_defer(hm, true);
	mm->free_unlinked_table(mm, t1, 1, 12);
	mm->free_unlinked_table(mm, t2, 2, 12);
	assert_int_equal(ncalls, 0);
	assert_int_equal(host_mm_deferred_pending(hm), 2);
	/* Still readable during the "grace period". */
	assert_int_equal(mm->page_count(mm, t1), 1);
	nested_child = t3;
	assert_int_equal(host_mm_drain_deferred(hm), 3);
	assert_int_equal(ncalls, 3);
	assert_ptr_equal(calls[0].table, t1);
	assert_int_equal(calls[0].level, 1);
	assert_ptr_equal(calls[1].table, t2);
	assert_ptr_equal(calls[2].table, t3);
	assert_int_equal(calls[2].level, 2);
	assert_int_equal(host_mm_snapshot(hm).deferred_frees, 3);
	assert_int_equal(host_mm_deferred_pending(hm), 0);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	/* Queued work left at destroy is dropped with the arena. */
	mm->free_unlinked_table(mm, mm->zalloc_page(mm, 4096), 3, 12);
	destroy_with_leftovers(hm);
}

static void test_deferred_no_fn(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	void *t = mm->zalloc_page(mm, 4096);

	(void)state;
	host_mm_set_quiet(hm, true);
	host_mm_expect_misuse(hm, 1);
	mm->free_unlinked_table(mm, t, 3, 12);
	assert_int_equal(host_mm_snapshot(hm).warnings, 1);
	assert_int_equal(host_mm_in_use_bytes(hm), 4096);
	destroy_with_leftovers(hm);
}

static void test_tlbi_counts(void **state)
{
	struct host_mm *hm = arena(1);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	size_t n;

	(void)state;
	mm->tlbi_va(mm, NULL, 0x1000, 3, true);
	mm->tlbi_va(mm, NULL, 0x2000, 3, true);
	mm->tlbi_va(mm, NULL, 0x200000, 2, false);
	mm->tlbi_range(mm, NULL, 0x400000, 0x10000, 3);
	mm->tlbi_all(mm, NULL);
	assert_int_equal(host_mm_snapshot(hm).tlbi_va_leaf, 2);
	assert_int_equal(host_mm_snapshot(hm).tlbi_va_table, 1);
	assert_int_equal(host_mm_snapshot(hm).tlbi_range, 1);
	assert_int_equal(host_mm_snapshot(hm).tlbi_all, 1);
	/* Logging is off by default. */
	assert_null(host_mm_tlbi_log_get(hm, &n));
	assert_int_equal(n, 0);
	host_mm_destroy(hm);
}

static void test_tlbi_log(void **state)
{
	struct host_mm *hm = arena(1);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	const struct host_tlbi_entry *log;
	int vmid;
	size_t n;

	(void)state;
	host_mm_tlbi_log_enable(hm, true);
	mm->tlbi_va(mm, &vmid, 0x200000, 2, false);
	mm->tlbi_range(mm, &vmid, 0x400000, 0x10000, PGT_NO_LEVEL);
	mm->tlbi_all(mm, NULL);
	log = host_mm_tlbi_log_get(hm, &n);
	assert_int_equal(n, 3);
	assert_true(log[0].kind == HOST_TLBI_VA && log[0].addr == 0x200000 && !log[0].size);
	assert_true(log[0].level == 2 && !log[0].leaf && log[0].cookie == &vmid);
	assert_true(log[1].kind == HOST_TLBI_RANGE && log[1].addr == 0x400000);
	assert_true(log[1].size == 0x10000 && log[1].level == PGT_NO_LEVEL);
	assert_true(log[2].kind == HOST_TLBI_ALL && log[2].level == PGT_NO_LEVEL);
	assert_null(log[2].cookie);
	host_mm_tlbi_log_clear(hm);
	assert_null(host_mm_tlbi_log_get(hm, &n));
	for (int i = 0; i < 1000; i++)
		mm->tlbi_va(mm, NULL, (u64)i << 12, 3, true);
	log = host_mm_tlbi_log_get(hm, &n);
	assert_int_equal(n, 1000);
	assert_true(log[999].addr == 999ULL << 12 && log[999].leaf);
	host_mm_tlbi_log_enable(hm, false);
	mm->tlbi_all(mm, NULL);
	host_mm_tlbi_log_get(hm, &n);
	assert_int_equal(n, 1000);
	host_mm_destroy(hm);
}

static void test_cmo(void **state)
{
	struct host_mm *hm = arena(1);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	char data[64];

	(void)state;
	mm->dcache_clean_inval_poc(mm, 0x40001000ULL, sizeof(data));
	mm->dcache_clean_inval_poc(mm, 0x1234000ULL, 0x200000);
	mm->icache_inval_pou(mm, 0x40002000ULL, 4096);
	assert_int_equal(host_mm_snapshot(hm).dcache_ops, 2);
	assert_int_equal(host_mm_snapshot(hm).dcache_bytes, 64 + 0x200000);
	assert_int_equal(host_mm_snapshot(hm).icache_ops, 1);
	assert_int_equal(host_mm_snapshot(hm).icache_bytes, 4096);
	host_mm_destroy(hm);
}

static void test_read64(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	u64 *t = mm->zalloc_page(mm, 4096);
	u64 pa = mm->virt_to_phys(mm, t);
	uint64_t v = 0;

	(void)state;
	t[5] = 0x123456789abcdef0ULL;
	assert_true(host_mm_read64(hm, pa + 40, &v));
	assert_int_equal(v, 0x123456789abcdef0ULL);
	assert_false(host_mm_read64(hm, pa + 41, &v));
	assert_false(host_mm_read64(hm, PHYS_BASE - 8, &v));
	assert_false(host_mm_read64(hm, PHYS_BASE + 2 * MiB, &v));
	assert_false(host_mm_read64(hm, pa + 4096, &v));	/* free frame */
	mm->put_page(mm, t);
	assert_false(host_mm_read64(hm, pa + 40, &v));
	host_mm_destroy(hm);
}

static void test_global_warn(void **state)
{
	u64 before = host_mm_global_warnings();

	(void)state;
	host_mm_expect_warn_on(1);
	pgt_host_warn(__FILE__, __LINE__, "deliberate test warning");
	assert_int_equal(host_mm_global_warnings(), before + 1);
}

static void test_stats_print(void **state)
{
	struct host_mm *hm = arena(1);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	mm->zalloc_page(mm, 16384);
	mm->tlbi_all(mm, NULL);
	host_mm_stats_print(hm, f);
	fclose(f);
	assert_non_null(strstr(buf, "pages_in_use       4\n"));
	assert_non_null(strstr(buf, "tlbi_all           1\n"));
	assert_non_null(strstr(buf, "warnings           0\n"));
	free(buf);
	destroy_with_leftovers(hm);
}

static void test_asan_poison(void **state)
{
#ifdef TEST_ASAN
	struct host_mm *hm = arena(1);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	u8 *p = mm->zalloc_page(mm, 16384);

	(void)state;
	assert_int_equal(__asan_region_is_poisoned(p, 16384), NULL);
	assert_true(__asan_address_is_poisoned(p + 16384));
	mm->put_page(mm, p);
	assert_true(__asan_address_is_poisoned(p));
	assert_true(__asan_address_is_poisoned(p + 16383));
	host_mm_destroy(hm);
#else
	(void)state;
	skip();
#endif
}

/* ---- Concurrency (run under ThreadSanitizer) ---- */

#define THREADS		4
#define OPS		20000
#define LIVE		32

struct worker {
	pthread_t tid;
	struct pgt_mm_ops *mm;
	void *shared;
	u64 seed;
	int bad;
};

struct live_page {
	u64 *p;
	u64 size;
	bool exact;
};

static u64 rnd(u64 *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static void live_free(struct worker *w, struct live_page *lp)
{
	struct pgt_mm_ops *mm = w->mm;
	u64 tag = (uintptr_t)w;

	if (lp->p[0] != tag || lp->p[lp->size / 8 - 1] != tag)
		w->bad++;
	if (lp->exact)
		mm->free_pages_exact(mm, lp->p, lp->size);
	else
		mm->put_page(mm, (u8 *)lp->p + lp->size / 2);
	lp->p = NULL;
}

static void live_alloc(struct worker *w, struct live_page *lp)
{
	struct pgt_mm_ops *mm = w->mm;
	u64 r = rnd(&w->seed);

	lp->exact = r & 1;
	lp->size = lp->exact ? 4096ULL << (r >> 1) % 5 : 4096ULL << 2 * ((r >> 1) % 3);
	lp->p = lp->exact ? mm->zalloc_pages_exact(mm, lp->size) : mm->zalloc_page(mm, lp->size);
	if (!lp->p) {
		w->bad++;
		return;
	}
	if (lp->p[0] || lp->p[lp->size / 8 - 1] || mm->page_count(mm, lp->p) != 1)
		w->bad++;
	lp->p[0] = lp->p[lp->size / 8 - 1] = (uintptr_t)w;
}

static void side_ops(struct worker *w, int i)
{
	struct pgt_mm_ops *mm = w->mm;

	mm->get_page(mm, w->shared);
	mm->tlbi_va(mm, w, (u64)i << 12, 3, i & 1);
	mm->dcache_clean_inval_poc(mm, 0x40000000ULL, 64);
	if (mm->page_count(mm, w->shared) < 2)
		w->bad++;
	mm->put_page(mm, w->shared);
	if (i % 64 == 0)
		mm->free_unlinked_table(mm, mm->zalloc_page(mm, 4096), 3, 12);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct live_page live[LIVE] = { 0 };

	for (int i = 0; i < OPS; i++) {
		struct live_page *lp = &live[i % LIVE];

		if (lp->p)
			live_free(w, lp);
		live_alloc(w, lp);
		side_ops(w, i);
	}
	for (int i = 0; i < LIVE; i++)
		if (live[i].p)
			live_free(w, &live[i]);
	return NULL;
}

static void test_threads(void **state)
{
	struct host_mm *hm = arena(32);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	struct worker w[THREADS];
	void *shared = mm->zalloc_page(mm, 65536);

	(void)state;
	host_mm_set_unlinked_free(hm, fake_unlinked_free);
	host_mm_set_defer(hm, true);
	host_mm_tlbi_log_enable(hm, true);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .mm = mm, .shared = shared, .seed = i + 1 };
		assert_int_equal(pthread_create(&w[i].tid, NULL, worker_fn, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(w[i].tid, NULL), 0);
		assert_int_equal(w[i].bad, 0);
	}
	assert_int_equal(host_mm_drain_deferred(hm), THREADS * (OPS / 64 + 1));
	assert_int_equal(host_mm_snapshot(hm).tlbi_va_leaf + host_mm_snapshot(hm).tlbi_va_table, THREADS * OPS);
	assert_int_equal(mm->page_count(mm, shared), 1);
	mm->put_page(mm, shared);
	assert_int_equal(host_mm_snapshot(hm).pages_in_use, 0);
	assert_int_equal(host_mm_snapshot(hm).allocs, host_mm_snapshot(hm).frees);
	assert_int_equal(host_mm_snapshot(hm).warnings, 0);
	/* Nothing leaked or lost to fragmentation: every 1 MiB block is whole. */
	for (int i = 0; i < 32; i++)
		assert_non_null(mm->zalloc_pages_exact(mm, MiB));
	destroy_with_leftovers(hm);
}

/* ---- RCU home (liburcu memb) ---- */

static int get_ncalls(void)
{
	int n;

	pthread_mutex_lock(&calls_lock);
	n = ncalls;
	pthread_mutex_unlock(&calls_lock);
	return n;
}

/* A one-shot event between two threads: no sleeping, no timing. */
struct handshake {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

#define HANDSHAKE_INIT { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false }

static void hs_signal(struct handshake *h)
{
	pthread_mutex_lock(&h->lock);
	h->done = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

static void hs_wait(struct handshake *h)
{
	pthread_mutex_lock(&h->lock);
	while (!h->done)
		pthread_cond_wait(&h->cond, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

static void test_rcu_enable(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);

	(void)state;
	assert_false(host_mm_rcu_enabled(hm));
	/* Without RCU the barrier has nothing to wait for. */
	assert_int_equal(host_mm_rcu_barrier(hm), 0);
	host_mm_enable_rcu(hm);
	assert_true(host_mm_rcu_enabled(hm));
	assert_non_null(mm->shared_walk_begin);
	assert_non_null(mm->shared_walk_end);
	assert_false(urcu_memb_read_ongoing());
	mm->shared_walk_begin(mm);
	assert_true(urcu_memb_read_ongoing());
	mm->shared_walk_begin(mm);		/* nests, as rcu_read_lock() does */
	mm->shared_walk_end(mm);
	assert_true(urcu_memb_read_ongoing());
	mm->shared_walk_end(mm);
	assert_false(urcu_memb_read_ongoing());
	assert_int_equal(host_mm_rcu_barrier(hm), 0);
	assert_int_equal(host_mm_snapshot(hm).warnings, 0);
	host_mm_destroy(hm);
}

/*
 * A reader inside a shared walk while the subtree is unlinked and a grace
 * period is asked for: nothing may be freed until it leaves.
 */
struct rcu_probe {
	struct host_mm *hm;
	void *table;
	int reader_inside;		/* atomic */
	int freed_while_inside;		/* atomic: what the callback saw */
	int synced;			/* atomic: synchronize_rcu() returned */
	int early;			/* reader: a free or grace period it outlived */
	struct handshake entered, queued, sync_started;
};

static struct rcu_probe *probe;

static void probe_unlinked_free(struct pgt_mm_ops *mm, void *table, pgt_s8 level, u8 gs)
{
	if (__atomic_load_n(&probe->reader_inside, __ATOMIC_ACQUIRE))
		__atomic_store_n(&probe->freed_while_inside, 1, __ATOMIC_RELAXED);
	fake_unlinked_free(mm, table, level, gs);
}

static void *probe_reader(void *arg)
{
	struct rcu_probe *p = arg;
	struct pgt_mm_ops *mm = host_mm_ops(p->hm);
	u64 pa = mm->virt_to_phys(mm, p->table);
	uint64_t v;

	urcu_memb_register_thread();
	mm->shared_walk_begin(mm);
	__atomic_store_n(&p->reader_inside, 1, __ATOMIC_RELEASE);
	hs_signal(&p->entered);
	hs_wait(&p->queued);
	hs_wait(&p->sync_started);
	/*
	 * The free is queued and another thread waits for a grace period: give
	 * a broken home every chance to free under us.  Yielding, not sleeping:
	 * the verdict does not depend on how long this takes.
	 */
	for (int i = 0; i < 2000; i++) {
		if (get_ncalls() || __atomic_load_n(&p->synced, __ATOMIC_ACQUIRE) ||
		    !host_mm_read64(p->hm, pa, &v) || v != 0x600d)
			p->early++;
		sched_yield();
	}
	__atomic_store_n(&p->reader_inside, 0, __ATOMIC_RELEASE);
	mm->shared_walk_end(mm);
	urcu_memb_unregister_thread();
	return NULL;
}

static void *probe_syncer(void *arg)
{
	struct rcu_probe *p = arg;

	hs_signal(&p->sync_started);
	urcu_memb_synchronize_rcu();
	__atomic_store_n(&p->synced, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_rcu_waits_for_readers(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	struct rcu_probe p = {
		.hm = hm,
		.entered = HANDSHAKE_INIT,
		.queued = HANDSHAKE_INIT,
		.sync_started = HANDSHAKE_INIT,
	};
	pthread_t reader, syncer;

	(void)state;
	host_mm_enable_rcu(hm);
	host_mm_set_unlinked_free(hm, probe_unlinked_free);
	probe = &p;
	p.table = mm->zalloc_page(mm, 4096);
	*(volatile u64 *)p.table = 0x600d;
	assert_int_equal(pthread_create(&reader, NULL, probe_reader, &p), 0);
	hs_wait(&p.entered);

	mm->free_unlinked_table(mm, p.table, 3, 12);
	/* The reader is inside: not freed, still allocated, counted as pending. */
	assert_int_equal(get_ncalls(), 0);
	assert_int_equal(host_mm_deferred_pending(hm), 1);
	assert_int_equal(mm->page_count(mm, p.table), 1);
	hs_signal(&p.queued);

	assert_int_equal(pthread_create(&syncer, NULL, probe_syncer, &p), 0);
	assert_int_equal(pthread_join(syncer, NULL), 0);
	assert_int_equal(pthread_join(reader, NULL), 0);
	assert_int_equal(p.early, 0);

	/* The callback may have run already: count what ran, not what we waited for. */
	host_mm_rcu_barrier(hm);
	assert_int_equal(get_ncalls(), 1);
	assert_ptr_equal(calls[0].table, p.table);
	assert_int_equal(calls[0].level, 3);
	assert_int_equal(calls[0].granule_shift, 12);
	assert_int_equal(p.freed_while_inside, 0);
	assert_int_equal(host_mm_deferred_pending(hm), 0);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	assert_int_equal(host_mm_snapshot(hm).deferred_frees, 1);
	assert_int_equal(host_mm_snapshot(hm).rcu_frees, 1);
	assert_int_equal(host_mm_snapshot(hm).warnings, 0);
	probe = NULL;
	host_mm_destroy(hm);
}

/*
 * A reader reads a table inside a shared section and leaves; the table is
 * then freed through RCU and handed out again (zeroed).  Under TSan this is
 * the case the arena's annotation exists for: without it, the reader's load
 * and the reallocation's memset look unordered, because liburcu's grace
 * period is invisible to TSan.
 */
struct reuse_reader {
	struct host_mm *hm;
	u64 *table;
	u64 seen;
	/*
	 * Relaxed flags, not handshakes: a mutex would order the reader before
	 * the reuse by itself.  So would unregistering (liburcu's registry
	 * lock, which grace periods take): the reader stays registered until
	 * the page has been handed out again.
	 */
	int left, may_exit;
};

static void *reuse_reader_fn(void *arg)
{
	struct reuse_reader *r = arg;
	struct pgt_mm_ops *mm = host_mm_ops(r->hm);

	urcu_memb_register_thread();
	mm->shared_walk_begin(mm);
	r->seen = __atomic_load_n(&r->table[7], __ATOMIC_RELAXED);
	mm->shared_walk_end(mm);
	__atomic_store_n(&r->left, 1, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&r->may_exit, __ATOMIC_RELAXED))
		sched_yield();
	urcu_memb_unregister_thread();
	return NULL;
}

static void test_rcu_reuse_after_grace(void **state)
{
	struct host_mm *hm = arena(1);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	struct reuse_reader r = { .hm = hm };
	pthread_t tid;
	u64 *again;

	(void)state;
	host_mm_enable_rcu(hm);
	host_mm_set_unlinked_free(hm, fake_unlinked_free);
	r.table = mm->zalloc_page(mm, 4096);
	r.table[7] = 0x7ab1e;
	assert_int_equal(pthread_create(&tid, NULL, reuse_reader_fn, &r), 0);
	/* The reader has left, but is not joined: no other ordering than RCU's. */
	while (!__atomic_load_n(&r.left, __ATOMIC_RELAXED))
		sched_yield();
	mm->free_unlinked_table(mm, r.table, 3, 12);
	host_mm_rcu_barrier(hm);
	again = mm->zalloc_page(mm, 4096);
	assert_ptr_equal(again, r.table);	/* LIFO: the very same page */
	assert_int_equal(again[7], 0);
	__atomic_store_n(&r.may_exit, 1, __ATOMIC_RELAXED);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(r.seen, 0x7ab1e);
	mm->put_page(mm, again);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	host_mm_destroy(hm);
}

/* Frees issued by callbacks, and by a thread inside a read-side section. */
static void test_rcu_nested_and_drain(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	void *t1 = mm->zalloc_page(mm, 4096);
	void *t2 = mm->zalloc_page(mm, 65536);
	void *t3 = mm->zalloc_page(mm, 16384);

	(void)state;
	host_mm_enable_rcu(hm);
	host_mm_set_unlinked_free(hm, nesting_unlinked_free);
	/* The queue mode is overridden: RCU decides when. */
	host_mm_set_defer(hm, true);
	nested_child = t3;
	mm->shared_walk_begin(mm);
	mm->free_unlinked_table(mm, t1, 1, 12);
	mm->free_unlinked_table(mm, t2, 2, 16);
	/* Inside our own read-side section nothing can have been freed. */
	assert_int_equal(get_ncalls(), 0);
	mm->shared_walk_end(mm);
	host_mm_rcu_barrier(hm);
	assert_int_equal(get_ncalls(), 3);
	/* One callback queued t3: it is freed last, at the next level down. */
	assert_ptr_equal(calls[2].table, t3);
	assert_int_equal(calls[2].level, calls[0].table == t1 ? 2 : 3);
	assert_true((calls[0].table == t1 && calls[1].table == t2) ||
		    (calls[0].table == t2 && calls[1].table == t1));
	assert_null(nested_child);
	assert_int_equal(host_mm_deferred_pending(hm), 0);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	/* drain_deferred waits for RCU frees too (tenv_fini relies on it). */
	mm->free_unlinked_table(mm, mm->zalloc_page(mm, 4096), 3, 12);
	host_mm_drain_deferred(hm);
	assert_int_equal(get_ncalls(), 4);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	assert_int_equal(host_mm_snapshot(hm).deferred_frees, 4);
	assert_int_equal(host_mm_snapshot(hm).rcu_frees, 4);
	assert_int_equal(host_mm_snapshot(hm).warnings, 0);
	host_mm_destroy(hm);
}

static void test_rcu_misuse(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	u8 *t = mm->zalloc_page(mm, 4096);
	u8 *big = mm->zalloc_page(mm, 16384);
	u8 *root = mm->zalloc_pages_exact(mm, 8192);
	u8 *unallocated = hm->base + MiB;

	(void)state;
	host_mm_enable_rcu(hm);
	host_mm_set_unlinked_free(hm, fake_unlinked_free);
	host_mm_set_quiet(hm, true);
	host_mm_expect_misuse(hm, 5);
	/* Held inside a read-side section so the first free cannot have run yet. */
	mm->shared_walk_begin(mm);
	mm->free_unlinked_table(mm, t, 3, 12);
	mm->free_unlinked_table(mm, t, 3, 12);		/* twice: refused */
	assert_int_equal(host_mm_snapshot(hm).warnings, 1);
	mm->free_unlinked_table(mm, big + 4096, 3, 14);	/* not the table's start */
	mm->free_unlinked_table(mm, root, 2, 12);	/* a root, not a table page */
	mm->free_unlinked_table(mm, unallocated, 3, 12);
	assert_int_equal(host_mm_snapshot(hm).warnings, 4);
	mm->shared_walk_end(mm);
	host_mm_rcu_barrier(hm);
	assert_int_equal(get_ncalls(), 1);
	assert_int_equal(host_mm_snapshot(hm).deferred_frees, 5);
	/* The refused ones were left alone. */
	assert_int_equal(mm->page_count(mm, big), 1);
	assert_int_equal(mm->page_count(mm, root), 1);
	mm->put_page(mm, big);
	mm->free_pages_exact(mm, root, 8192);
	/* The slot is free again once its free ran: the page can be queued anew. */
	t = mm->zalloc_page(mm, 4096);
	mm->free_unlinked_table(mm, t, 3, 12);
	host_mm_rcu_barrier(hm);
	assert_int_equal(get_ncalls(), 2);
	/* No unlinked-free function: the callback warns and leaks. */
	host_mm_set_unlinked_free(hm, NULL);
	t = mm->zalloc_page(mm, 4096);
	mm->free_unlinked_table(mm, t, 3, 12);
	host_mm_rcu_barrier(hm);
	assert_int_equal(host_mm_snapshot(hm).rcu_frees, 3);
	assert_int_equal(host_mm_snapshot(hm).warnings, 5);
	assert_int_equal(host_mm_in_use_bytes(hm), 4096);
	destroy_with_leftovers(hm);
}

static void test_rcu_destroy_waits(void **state)
{
	struct host_mm *hm = arena(2);
	struct pgt_mm_ops *mm = host_mm_ops(hm);

	(void)state;
	host_mm_enable_rcu(hm);
	host_mm_set_unlinked_free(hm, fake_unlinked_free);
	for (int i = 0; i < 8; i++)
		mm->free_unlinked_table(mm, mm->zalloc_page(mm, 4096), 3, 12);
	/* No barrier: destroy must let the callbacks run before the arena goes. */
	host_mm_destroy(hm);
	assert_int_equal(get_ncalls(), 8);
}

/*
 * The classic RCU pattern on the arena: readers follow a published table
 * pointer inside shared sections while an updater replaces it and retires the
 * old one through free_unlinked_table.  A page freed too early is a wrong tag,
 * a warning (page_count on a free page), or an ASan report (free frames are
 * poisoned); under TSan, a race with the page's reuse.
 */
#define RCU_READERS	3
#define RCU_READS	20000
#define RCU_UPDATES	4000

struct rcu_stress {
	struct host_mm *hm;
	u64 *published;		/* atomic */
	int bad;		/* atomic */
	u64 retired;		/* atomic */
	int waits;		/* atomic: the arena ran dry, the updater waited */
};

static void retire_unlinked_free(struct pgt_mm_ops *mm, void *table, pgt_s8 level, u8 gs)
{
	(void)level;
	(void)gs;
	/* Poison what a late reader would see, then free. */
	__atomic_store_n((u64 *)table, 0, __ATOMIC_RELAXED);
	mm->put_page(mm, table);
}

static void *rcu_stress_reader(void *arg)
{
	struct rcu_stress *rs = arg;
	struct pgt_mm_ops *mm = host_mm_ops(rs->hm);

	urcu_memb_register_thread();
	for (int i = 0; i < RCU_READS; i++) {
		u64 *p, head, tail;

		mm->shared_walk_begin(mm);
		p = __atomic_load_n(&rs->published, __ATOMIC_ACQUIRE);
		head = __atomic_load_n(&p[0], __ATOMIC_RELAXED);
		tail = __atomic_load_n(&p[511], __ATOMIC_RELAXED);
		if (!head || head != tail || mm->page_count(mm, p) != 1)
			__atomic_add_fetch(&rs->bad, 1, __ATOMIC_RELAXED);
		mm->shared_walk_end(mm);
	}
	urcu_memb_unregister_thread();
	return NULL;
}

static u64 *rcu_stress_table(struct pgt_mm_ops *mm, u64 gen)
{
	u64 *t = mm->zalloc_page(mm, 4096);

	assert_non_null(t);
	t[0] = t[511] = gen;
	return t;
}

static void *rcu_stress_updater(void *arg)
{
	struct rcu_stress *rs = arg;
	struct pgt_mm_ops *mm = host_mm_ops(rs->hm);

	urcu_memb_register_thread();
	for (u64 gen = 2; gen < RCU_UPDATES + 2; gen++) {
		u64 *old, *t = mm->zalloc_page(mm, 4096);

		/* Retiring faster than grace periods end: wait for them (back-pressure). */
		if (!t) {
			__atomic_add_fetch(&rs->waits, 1, __ATOMIC_RELAXED);
			host_mm_rcu_barrier(rs->hm);
			t = mm->zalloc_page(mm, 4096);
		}
		if (!t) {
			__atomic_add_fetch(&rs->bad, 1, __ATOMIC_RELAXED);
			break;
		}
		t[0] = t[511] = gen;
		old = __atomic_exchange_n(&rs->published, t, __ATOMIC_ACQ_REL);
		/* Sometimes from inside a read-side section, as a shared map does. */
		if (gen & 1)
			mm->shared_walk_begin(mm);
		mm->free_unlinked_table(mm, old, 3, 12);
		if (gen & 1)
			mm->shared_walk_end(mm);
		__atomic_add_fetch(&rs->retired, 1, __ATOMIC_RELAXED);
	}
	urcu_memb_unregister_thread();
	return NULL;
}

static void test_rcu_threads(void **state)
{
	struct host_mm *hm = arena(4);
	struct pgt_mm_ops *mm = host_mm_ops(hm);
	struct rcu_stress rs = { .hm = hm };
	pthread_t readers[RCU_READERS], updater;

	(void)state;
	host_mm_enable_rcu(hm);
	host_mm_set_unlinked_free(hm, retire_unlinked_free);
	rs.published = rcu_stress_table(mm, 1);
	for (int i = 0; i < RCU_READERS; i++)
		assert_int_equal(pthread_create(&readers[i], NULL, rcu_stress_reader, &rs), 0);
	assert_int_equal(pthread_create(&updater, NULL, rcu_stress_updater, &rs), 0);
	for (int i = 0; i < RCU_READERS; i++)
		assert_int_equal(pthread_join(readers[i], NULL), 0);
	assert_int_equal(pthread_join(updater, NULL), 0);
	host_mm_rcu_barrier(hm);
	assert_int_equal(rs.bad, 0);
	assert_int_equal(rs.retired, RCU_UPDATES);
	assert_int_equal(host_mm_snapshot(hm).rcu_frees, RCU_UPDATES);
	assert_int_equal(host_mm_snapshot(hm).warnings, 0);
	print_message("# rcu_threads: %d retirements, peak %llu frames in use, "
		      "%d waits for a grace period\n", RCU_UPDATES,
		      (unsigned long long)host_mm_snapshot(hm).peak_in_use, rs.waits);
	mm->put_page(mm, rs.published);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	host_mm_destroy(hm);
}

static int rcu_group_setup(void **state)
{
	(void)state;
	urcu_memb_register_thread();
	return 0;
}

static int rcu_group_teardown(void **state)
{
	(void)state;
	urcu_memb_unregister_thread();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_zalloc_page_sizes),
		cmocka_unit_test(test_zalloc_bad_size),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_refcount_misuse),
		cmocka_unit_test(test_exact_sizes),
		cmocka_unit_test(test_exact_misuse),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_fail_nth),
		cmocka_unit_test(test_fail_after),
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_phys_virt),
		cmocka_unit_test(test_phys_virt_outside_aborts),
		cmocka_unit_test_setup(test_deferred_immediate, reset_calls),
		cmocka_unit_test_setup(test_deferred_queue, reset_calls),
		cmocka_unit_test(test_deferred_no_fn),
		cmocka_unit_test(test_tlbi_counts),
		cmocka_unit_test(test_tlbi_log),
		cmocka_unit_test(test_cmo),
		cmocka_unit_test(test_read64),
		cmocka_unit_test(test_global_warn),
		cmocka_unit_test(test_stats_print),
		cmocka_unit_test(test_asan_poison),
		cmocka_unit_test_setup(test_threads, reset_calls),
		cmocka_unit_test(test_rcu_enable),
		cmocka_unit_test_setup(test_rcu_waits_for_readers, reset_calls),
		cmocka_unit_test_setup(test_rcu_reuse_after_grace, reset_calls),
		cmocka_unit_test_setup(test_rcu_nested_and_drain, reset_calls),
		cmocka_unit_test_setup(test_rcu_misuse, reset_calls),
		cmocka_unit_test_setup(test_rcu_destroy_waits, reset_calls),
		cmocka_unit_test(test_rcu_threads),
	};

	return cmocka_run_group_tests(tests, rcu_group_setup, rcu_group_teardown);
}
