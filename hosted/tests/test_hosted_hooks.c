// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_hosted_hooks.c - what a program's own tests get from the hosted home
 * (pgtable_hosted.h, LIBPGTABLE_0.3): the hook inside each call, refused
 * allocations and the library's ENOMEM paths under them, misuse and
 * PGT_WARN_ON() reports sent to the program, its own unlinked-subtree
 * free, RCU enabled after creation, the linear map and descriptor reads by
 * physical address -- the last one also as the reference translator's
 * reader (test/ref_xlat.c).  Linked like a user's program: the home, not
 * the test layer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hosted_test.h"
#include "ref_xlat.h"

/* ---- The hook ---- */

struct seen {
	u32 calls[PGT_HOSTED_NR_CALLS];
	struct pgt_hosted_call_args last;
	u64 refuse_from;		/* allocation attempt (1-based) refused from; 0: none */
	u64 attempts;
};

static int record(struct pgt_hosted *h, const struct pgt_hosted_call_args *c, void *arg)
{
	struct seen *s = arg;

	(void)h;
	s->calls[c->call]++;
	s->last = *c;
	if (c->call != PGT_HOSTED_ZALLOC_PAGE && c->call != PGT_HOSTED_ZALLOC_PAGES_EXACT)
		return 0;
	s->attempts++;
	return s->refuse_from && s->attempts >= s->refuse_from;
}

/* The hook sees the calls it asked for, with their arguments, and no others. */
static void test_hook_sees_its_calls(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	struct seen s = { 0 };
	void *p;
	int cookie;

	(void)state;
	pgt_hosted_set_hook(h, PGT_HOSTED_CALL_BIT(PGT_HOSTED_GET_PAGE) |
			       PGT_HOSTED_CALL_BIT(PGT_HOSTED_TLBI_VA), record, &s);
	p = mm->zalloc_page(mm, 4096);
	mm->get_page(mm, (u8 *)p + 8);
	assert_int_equal(s.calls[PGT_HOSTED_GET_PAGE], 1);
	assert_ptr_equal(s.last.addr, (u8 *)p + 8);
	mm->tlbi_va(mm, &cookie, 0x80001000, 3, true);
	assert_int_equal(s.last.call, PGT_HOSTED_TLBI_VA);
	assert_int_equal(s.last.va, 0x80001000);
	assert_int_equal(s.last.level, 3);
	assert_true(s.last.leaf);
	assert_ptr_equal(s.last.cookie, &cookie);
	mm->put_page(mm, p);
	mm->put_page(mm, p);
	assert_int_equal(s.calls[PGT_HOSTED_ZALLOC_PAGE] + s.calls[PGT_HOSTED_PUT_PAGE], 0);
	/* Removed: nothing runs any more, the counters still count. */
	pgt_hosted_set_hook(h, 0, NULL, NULL);
	mm->tlbi_va(mm, NULL, 0, 3, true);
	assert_int_equal(s.calls[PGT_HOSTED_TLBI_VA], 1);
	assert_int_equal(stats(h).tlbi_va_leaf, 2);
	assert_null(mm->shared_walk_begin);
	/* Hooking the walks brackets them even without RCU. */
	pgt_hosted_set_hook(h, PGT_HOSTED_CALL_BIT(PGT_HOSTED_SHARED_WALK_BEGIN), record, &s);
	assert_non_null(mm->shared_walk_begin);
	mm->shared_walk_begin(mm);
	mm->shared_walk_end(mm);
	assert_int_equal(s.calls[PGT_HOSTED_SHARED_WALK_BEGIN], 1);
	assert_int_equal(s.calls[PGT_HOSTED_SHARED_WALK_END], 0);
	assert_int_equal(stats(h).warnings, 0);
	pgt_hosted_destroy(h);
}

/* A refused allocation is NULL and counted; a bad size never reaches the hook. */
static void test_hook_refuses_allocations(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	struct seen s = { .refuse_from = 2 };
	u32 allocs = PGT_HOSTED_CALL_BIT(PGT_HOSTED_ZALLOC_PAGE) |
		     PGT_HOSTED_CALL_BIT(PGT_HOSTED_ZALLOC_PAGES_EXACT);
	void *p, *q;

	(void)state;
	pgt_hosted_set_hook(h, allocs, record, &s);
	p = mm->zalloc_page(mm, 4096);
	assert_non_null(p);
	assert_null(mm->zalloc_page(mm, 16384));
	assert_null(mm->zalloc_pages_exact(mm, 8192));
	assert_int_equal(s.last.size, 8192);
	assert_int_equal(stats(h).failed_allocs, 2);
	assert_int_equal(stats(h).allocs, 1);
	assert_int_equal(pgt_hosted_in_use(h), 4096);
	assert_null(mm->zalloc_page(mm, 8192));			/* bad size: a misuse */
	assert_int_equal(s.attempts, 3);
	s.refuse_from = 0;
	q = mm->zalloc_pages_exact(mm, 8192);
	assert_non_null(q);
	assert_int_equal(stats(h).warnings, 1);
	mm->put_page(mm, p);
	mm->free_pages_exact(mm, q, 8192);
	assert_int_equal(pgt_hosted_in_use(h), 0);
	pgt_hosted_destroy(h);
}

static bool read64(void *ctx, uint64_t pa, uint64_t *val)
{
	return pgt_hosted_read64(ctx, pa, (u64 *)val);
}

/*
 * The library's ENOMEM paths, driven by the hook: refusing the k-th
 * allocation of a map, for every k, leaves the tree as it was and nothing
 * allocated; the map then succeeds.
 */
static void test_refusals_prove_enomem_paths(void **state)
{
	struct pgt_hosted *h = home(4 * MiB, 0);
	u32 allocs = PGT_HOSTED_CALL_BIT(PGT_HOSTED_ZALLOC_PAGE) |
		     PGT_HOSTED_CALL_BIT(PGT_HOSTED_ZALLOC_PAGES_EXACT);
	struct seen s = { 0 };
	struct ref_result res;
	struct ref_regime rg;
	u64 k, need, before;
	struct pgt s2;

	(void)state;
	assert_int_equal(pgt_stage2_init(&s2, &s2_4k, pgt_hosted_ops(h), NULL), 0);
	rg = (struct ref_regime){ .stage = 2, .ctrl = s2.ctrl, .ttbr = s2.root_phys,
				  .read64 = read64, .ctx = h };
	before = pgt_hosted_in_use(h);
	pgt_hosted_set_hook(h, allocs, record, &s);
	assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 0x1000, 0x100000000, PGT_PROT_RW,
					NULL, 0), 0);
	need = s.attempts;
	assert_true(need >= 2);
	assert_int_equal(pgt_stage2_unmap(&s2, 0x80000000, 0x1000), 0);
	pgt_stage2_destroy(&s2);
	assert_int_equal(pgt_hosted_in_use(h), 0);
	assert_int_equal(pgt_stage2_init(&s2, &s2_4k, pgt_hosted_ops(h), NULL), 0);
	rg.ttbr = s2.root_phys;
	for (k = 1; k <= need; k++) {
		s = (struct seen){ .refuse_from = k };
		assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 0x1000, 0x100000000,
						PGT_PROT_RW, NULL, 0), -ENOMEM);
		assert_int_equal(pgt_hosted_in_use(h), before);
		assert_int_equal(ref_translate(&rg, 0x80000000, REF_ACC_READ, &res), 0);
		assert_int_not_equal(res.fault, REF_OK);
	}
	s = (struct seen){ 0 };
	assert_int_equal(pgt_stage2_map(&s2, 0x80000000, 0x1000, 0x100000000, PGT_PROT_RW,
					NULL, 0), 0);
	assert_int_equal(ref_translate(&rg, 0x80000123, REF_ACC_READ, &res), 0);
	assert_int_equal(res.fault, REF_OK);
	assert_int_equal(res.pa, 0x100000123);
	pgt_stage2_destroy(&s2);
	assert_int_equal(pgt_hosted_in_use(h), 0);
	assert_int_equal(stats(h).warnings, 0);
	pgt_hosted_destroy(h);
}

/* ---- Reports ---- */

struct reports {
	int n;
	char last[192];
};

static void take_report(struct pgt_hosted *h, const char *msg, void *arg)
{
	struct reports *r = arg;

	(void)h;
	r->n++;
	snprintf(r->last, sizeof(r->last), "%s", msg);
}

/* Misuse reports reach the program's function, still counted; the leak too. */
static void test_reports_reach_the_program(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	struct reports r = { 0 };
	char want[192];
	void *p;

	(void)state;
	pgt_hosted_set_report(h, take_report, &r);
	p = mm->zalloc_page(mm, 4096);
	mm->put_page(mm, p);
	mm->put_page(mm, p);
	snprintf(want, sizeof(want), "put_page: %p is not allocated", p);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.last, want);
	p = mm->zalloc_pages_exact(mm, 8192);
	mm->get_page(mm, p);
	mm->free_pages_exact(mm, p, 8192);			/* two references left */
	assert_int_equal(r.n, 2);
	assert_non_null(strstr(r.last, "still has 2 references"));
	assert_int_equal(stats(h).warnings, 2);
	assert_non_null(mm->zalloc_page(mm, 16384));
	pgt_hosted_destroy(h);					/* leaks 16 KiB */
	assert_int_equal(r.n, 3);
	assert_string_equal(r.last, "destroy: 16384 bytes still allocated (leaked)");
}

static int lib_reports;
static char lib_last[128];

static void take_lib_warning(const char *file, int line, const char *cond)
{
	(void)file;
	(void)line;
	lib_reports++;
	snprintf(lib_last, sizeof(lib_last), "%s", cond);
}

static void test_lib_warnings_reach_the_program(void **state)
{
	u64 before = pgt_hosted_lib_warnings();

	(void)state;
	assert_null(pgt_hosted_set_lib_warn(take_lib_warning));
	pgt_host_warn(__FILE__, __LINE__, "a bug of the library");
	assert_int_equal(lib_reports, 1);
	assert_string_equal(lib_last, "a bug of the library");
	assert_int_equal(pgt_hosted_lib_warnings(), before + 1);
	assert_ptr_equal(pgt_hosted_set_lib_warn(NULL), take_lib_warning);
	pgt_host_warn(__FILE__, __LINE__, "printed on stderr again");
	assert_int_equal(lib_reports, 1);
	assert_int_equal(pgt_hosted_lib_warnings(), before + 2);
}

/* ---- Unlinked subtrees and RCU ---- */

struct unlinked {
	int n;
	void *table;
	pgt_s8 level;
	u8 granule_shift;
};

static void hold_back(struct pgt_mm_ops *mm, void *table, pgt_s8 level, u8 granule_shift,
		      void *arg)
{
	struct unlinked *u = arg;

	(void)mm;
	*u = (struct unlinked){ u->n + 1, table, level, granule_shift };
}

/* The program's function gets the subtree; NULL gives it back to pgt_unlinked_free. */
static void test_own_unlinked_free(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	struct unlinked u = { 0 };
	void *table = mm->zalloc_page(mm, 4096);

	(void)state;
	pgt_hosted_set_unlinked_free(h, hold_back, &u);
	mm->free_unlinked_table(mm, table, 3, PGT_GRANULE_4K);
	assert_int_equal(u.n, 1);
	assert_ptr_equal(u.table, table);
	assert_int_equal(u.level, 3);
	assert_int_equal(u.granule_shift, PGT_GRANULE_4K);
	assert_int_equal(pgt_hosted_in_use(h), 4096);
	pgt_hosted_set_unlinked_free(h, NULL, NULL);
	mm->free_unlinked_table(mm, table, 3, PGT_GRANULE_4K);
	assert_int_equal(u.n, 1);
	assert_int_equal(pgt_hosted_in_use(h), 0);
	assert_int_equal(stats(h).unlinked_frees, 2);
	assert_int_equal(stats(h).warnings, 0);
	pgt_hosted_destroy(h);
}

/* RCU after creation: walks are read-side sections, frees wait for them. */
static void test_enable_rcu_later(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	struct unlinked u = { 0 };
	void *table = mm->zalloc_page(mm, 4096);

	(void)state;
	assert_false(pgt_hosted_rcu_enabled(h));
	assert_null(mm->shared_walk_begin);
	pgt_hosted_enable_rcu(h);
	assert_true(pgt_hosted_rcu_enabled(h));
	assert_non_null(mm->shared_walk_begin);
	pgt_hosted_thread_online();
	pgt_hosted_set_unlinked_free(h, hold_back, &u);
	mm->shared_walk_begin(mm);
	mm->free_unlinked_table(mm, table, 3, PGT_GRANULE_4K);
	/* This thread is still reading: no grace period can have ended. */
	assert_int_equal(u.n, 0);
	assert_int_equal(pgt_hosted_rcu_pending(h), 1);
	mm->shared_walk_end(mm);
	pgt_hosted_synchronize(h);
	assert_int_equal(u.n, 1);
	assert_int_equal(stats(h).rcu_frees, 1);
	assert_int_equal(pgt_hosted_rcu_pending(h), 0);
	pgt_hosted_set_unlinked_free(h, NULL, NULL);
	mm->free_unlinked_table(mm, table, 3, PGT_GRANULE_4K);
	pgt_hosted_synchronize(h);
	assert_int_equal(pgt_hosted_in_use(h), 0);
	assert_int_equal(stats(h).warnings, 0);
	pgt_hosted_thread_offline();
	pgt_hosted_destroy(h);
}

/* ---- Addresses ---- */

static void test_linear_and_read64(void **state)
{
	struct pgt_hosted *h = home(MiB, 0);
	struct pgt_mm_ops *mm = pgt_hosted_ops(h);
	u64 *p = mm->zalloc_page(mm, 4096);
	u64 pa = mm->virt_to_phys(mm, p), val = 0;

	(void)state;
	assert_false(mm->linear);
	pgt_hosted_set_linear(h, true);
	assert_true(mm->linear);
	assert_int_equal(pa + mm->linear_offset, (u64)(uintptr_t)p);
	pgt_hosted_set_linear(h, false);
	assert_false(mm->linear);
	p[3] = 0x1234567890abcdefULL;
	assert_true(pgt_hosted_read64(h, pa + 24, &val));
	assert_int_equal(val, 0x1234567890abcdefULL);
	assert_false(pgt_hosted_read64(h, pa + 25, &val));		/* unaligned */
	assert_false(pgt_hosted_read64(h, pa + 4096, &val));		/* free */
	assert_false(pgt_hosted_read64(h, BASE - 8, &val));		/* outside */
	assert_false(pgt_hosted_read64(h, BASE + MiB, &val));
	mm->put_page(mm, p);
	assert_false(pgt_hosted_read64(h, pa + 24, &val));		/* freed */
	pgt_hosted_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_sees_its_calls),
		cmocka_unit_test(test_hook_refuses_allocations),
		cmocka_unit_test(test_refusals_prove_enomem_paths),
		cmocka_unit_test(test_reports_reach_the_program),
		cmocka_unit_test(test_lib_warnings_reach_the_program),
		cmocka_unit_test(test_own_unlinked_free),
		cmocka_unit_test(test_enable_rcu_later),
		cmocka_unit_test(test_linear_and_read64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
