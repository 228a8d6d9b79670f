// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_walker.c - the walker's visit order, actions, flags and range rules.
 */
#include <string.h>

#include "harness.h"

#define PA_A	0x80000000ULL
#define MAX_LOG	1024

struct visit_log {
	int n;
	struct {
		enum pgt_walk_flags visit;
		pgt_s8 level;
		u64 addr;
		u64 entry_start;
		pgt_pte_t old;
	} v[MAX_LOG];
};

static void log_visit(struct visit_log *log, const struct pgt_visit_ctx *ctx,
		      enum pgt_walk_flags visit)
{
	assert_true(log->n < MAX_LOG);
	log->v[log->n].visit = visit;
	log->v[log->n].level = ctx->level;
	log->v[log->n].addr = ctx->addr;
	log->v[log->n].entry_start = pgt_ctx_entry_start(ctx);
	log->v[log->n].old = ctx->old;
	log->n++;
}

static struct pgt_action logging_visitor(const struct pgt_visit_ctx *ctx,
					  enum pgt_walk_flags visit)
{
	log_visit(ctx->arg, ctx, visit);
	return pgt_continue();
}

static int walk_logged(struct tenv *t, u64 addr, u64 size, u32 flags, struct visit_log *log)
{
	struct pgt_walker w = { .cb = logging_visitor, .arg = log, .flags = flags };

	memset(log, 0, sizeof(*log));
	return pgt_walk(&t->pgt, addr, size, &w);
}

/* A 4K, 39-bit tree: root at level 1, so three levels to look at. */
static void tree_with_page(struct tenv *t, u64 va)
{
	tenv_hyp(t, 39, PGT_GRANULE_4K);
	assert_int_equal(pgt_hyp_map(&t->pgt, va, SZ_4K, PA_A, PGT_PROT_RW), 0);
}

static void order_pre_leaf_post(void **state)
{
	struct tenv t;
	struct visit_log log;
	u32 all = PGT_WALK_TABLE_PRE | PGT_WALK_LEAF | PGT_WALK_TABLE_POST;

	(void)state;
	tree_with_page(&t, SZ_1G + SZ_2M);
	assert_int_equal(walk_logged(&t, SZ_1G + SZ_2M, SZ_4K, all, &log), 0);
	assert_int_equal(log.n, 5);
	assert_int_equal(log.v[0].visit, PGT_WALK_TABLE_PRE);
	assert_int_equal(log.v[0].level, 1);
	assert_int_equal(log.v[1].visit, PGT_WALK_TABLE_PRE);
	assert_int_equal(log.v[1].level, 2);
	assert_int_equal(log.v[2].visit, PGT_WALK_LEAF);
	assert_int_equal(log.v[2].level, 3);
	assert_int_equal(log.v[2].old, tenv_xlat(&t, SZ_1G + SZ_2M).desc);
	assert_int_equal(log.v[3].visit, PGT_WALK_TABLE_POST);
	assert_int_equal(log.v[3].level, 2);
	assert_int_equal(log.v[4].visit, PGT_WALK_TABLE_POST);
	assert_int_equal(log.v[4].level, 1);
	assert_int_equal(log.v[4].old, log.v[0].old);
	tenv_fini(&t);
}

/* Each flag alone asks for exactly its own visits. */
static void flags_select_visits(void **state)
{
	static const u32 flags[] = { PGT_WALK_TABLE_PRE, PGT_WALK_LEAF, PGT_WALK_TABLE_POST };
	struct tenv t;
	struct visit_log log;
	int i, j;

	(void)state;
	tree_with_page(&t, SZ_2M);
	for (i = 0; i < 3; i++) {
		assert_int_equal(walk_logged(&t, SZ_2M, SZ_4K, flags[i], &log), 0);
		assert_int_equal(log.n, flags[i] == PGT_WALK_LEAF ? 1 : 2);
		for (j = 0; j < log.n; j++)
			assert_int_equal(log.v[j].visit, flags[i]);
	}
	assert_int_equal(walk_logged(&t, SZ_2M, SZ_4K, 0, &log), 0);
	assert_int_equal(log.n, 0);
	tenv_fini(&t);
}

/* Unaligned ends: every entry that meets the range, and nothing else. */
static void range_edges_unaligned(void **state)
{
	struct tenv t;
	struct visit_log log;
	u64 start = SZ_2M + 2 * SZ_4K + 1, end = SZ_2M + 6 * SZ_4K - 1;
	int i;

	(void)state;
	tree_with_page(&t, SZ_2M);
	assert_int_equal(walk_logged(&t, start, end - start, PGT_WALK_LEAF, &log), 0);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.v[0].addr, start);
	for (i = 0; i < log.n; i++) {
		assert_int_equal(log.v[i].level, 3);
		assert_int_equal(log.v[i].entry_start, SZ_2M + (2 + i) * SZ_4K);
	}
	/* One byte visits one entry. */
	assert_int_equal(walk_logged(&t, SZ_2M + SZ_4K - 1, 1, PGT_WALK_LEAF, &log), 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.v[0].entry_start, SZ_2M);
	tenv_fini(&t);
}

/* Across a table boundary: the walk climbs out and into the next table. */
static void range_crosses_tables(void **state)
{
	struct tenv t;
	struct visit_log log;
	u32 flags = PGT_WALK_LEAF | PGT_WALK_TABLE_POST;

	(void)state;
	tree_with_page(&t, SZ_2M - SZ_4K);
	assert_int_equal(pgt_hyp_map(&t.pgt, SZ_2M, SZ_4K, PA_A, PGT_PROT_R), 0);
	assert_int_equal(walk_logged(&t, SZ_2M - SZ_4K, 2 * SZ_4K, flags, &log), 0);
	assert_int_equal(log.n, 5);
	assert_int_equal(log.v[0].entry_start, SZ_2M - SZ_4K);
	assert_int_equal(log.v[1].visit, PGT_WALK_TABLE_POST);
	assert_int_equal(log.v[1].entry_start, 0);
	assert_int_equal(log.v[2].entry_start, SZ_2M);
	assert_int_equal(log.v[3].visit, PGT_WALK_TABLE_POST);
	assert_int_equal(log.v[3].entry_start, SZ_2M);
	assert_int_equal(log.v[4].visit, PGT_WALK_TABLE_POST);
	assert_int_equal(log.v[4].level, 1);
	tenv_fini(&t);
}

static void range_rejected(void **state)
{
	struct tenv t;
	struct visit_log log;

	(void)state;
	tenv_hyp(&t, 39, PGT_GRANULE_4K);
	assert_int_equal(walk_logged(&t, -SZ_4K, 2 * SZ_4K, PGT_WALK_LEAF, &log), -EINVAL);
	assert_int_equal(walk_logged(&t, 1, ~0ULL, PGT_WALK_LEAF, &log), -EINVAL);
	assert_int_equal(walk_logged(&t, (1ULL << 39) - SZ_4K, SZ_4K + 1, PGT_WALK_LEAF, &log),
			 -ERANGE);
	assert_int_equal(walk_logged(&t, 1ULL << 39, 0, PGT_WALK_LEAF, &log), 0);
	assert_int_equal(walk_logged(&t, (1ULL << 39) + 1, 0, PGT_WALK_LEAF, &log), -ERANGE);
	assert_int_equal(log.n, 0);
	assert_int_equal(walk_logged(&t, SZ_1G, 0, PGT_WALK_LEAF, &log), 0);
	assert_int_equal(log.n, 0);
	tenv_fini(&t);
}

/* An empty tree shows its root entries, each once, and nothing deeper. */
static void empty_tree_visits_root_entries(void **state)
{
	struct tenv t;
	struct visit_log log;

	(void)state;
	tenv_hyp(&t, 34, PGT_GRANULE_4K);	/* root at level 1 with 16 entries */
	assert_int_equal(walk_logged(&t, 0, 1ULL << 34, PGT_WALK_LEAF | PGT_WALK_TABLE_PRE,
				     &log), 0);
	assert_int_equal(log.n, 16);
	assert_int_equal(log.v[15].entry_start, 15 * SZ_1G);
	assert_int_equal(log.v[15].level, 1);
	tenv_fini(&t);
}

static u64 count_calls;

static struct pgt_action counting_visitor(const struct pgt_visit_ctx *ctx,
					  enum pgt_walk_flags visit)
{
	(void)ctx;
	(void)visit;
	count_calls++;
	return pgt_continue();
}

/* A concatenated stage-2 root is one table of root_entries entries. */
static void concatenated_root_walked_whole(void **state)
{
	struct tenv t;
	struct pgt_walker w = { .cb = counting_visitor, .flags = PGT_WALK_LEAF };

	(void)state;
	tenv_stage2(&t, 44 - 1, PGT_GRANULE_4K, 44, 0);	/* level 1, 16 pages */
	assert_int_equal(t.pgt.geom.root_pages, 16);
	count_calls = 0;
	assert_int_equal(pgt_walk(&t.pgt, 0, 1ULL << 43, &w), 0);
	assert_int_equal(count_calls, 16 * 512);
	test_install(&t, (1ULL << 43) - SZ_4K, pgt_s2_leaf_pte(&t.pgt.geom, PA_A, PGT_PROT_R, 3,
								false), 3);
	expect_mapped(&t, (1ULL << 43) - SZ_4K, PA_A, PGT_PROT_R);
	tenv_fini(&t);
}

struct scripted {
	struct visit_log log;
	int retries_left;	/* answer RETRY this many times, then CONTINUE */
	int exit_at;		/* answer EXIT on this call (1-based), 0: never */
	int exit_err;
};

static struct pgt_action scripted_visitor(const struct pgt_visit_ctx *ctx,
					  enum pgt_walk_flags visit)
{
	struct scripted *s = ctx->arg;

	log_visit(&s->log, ctx, visit);
	if (s->exit_at && s->log.n == s->exit_at)
		return pgt_exit(s->exit_err);
	if (s->retries_left) {
		s->retries_left--;
		return pgt_retry();
	}
	return pgt_continue();
}

static int walk_scripted(struct tenv *t, struct scripted *s, u64 addr, u64 size, u32 flags)
{
	struct pgt_walker w = { .cb = scripted_visitor, .arg = s, .flags = flags };

	return pgt_walk(&t->pgt, addr, size, &w);
}

static void exit_propagates_error(void **state)
{
	struct tenv t;
	struct scripted s = { .exit_at = 3, .exit_err = -EPERM };

	(void)state;
	tenv_hyp(&t, 39, PGT_GRANULE_4K);
	assert_int_equal(pgt_hyp_map(&t.pgt, 0, 8 * SZ_4K, PA_A, PGT_PROT_R), 0);
	assert_int_equal(walk_scripted(&t, &s, 0, 8 * SZ_4K, PGT_WALK_LEAF), -EPERM);
	assert_int_equal(s.log.n, 3);
	assert_int_equal(s.log.v[2].entry_start, 2 * SZ_4K);

	/* EXIT(0) stops early and successfully; POST visits are skipped too. */
	memset(&s, 0, sizeof(s));
	s.exit_at = 1;
	assert_int_equal(walk_scripted(&t, &s, 0, 8 * SZ_4K,
				       PGT_WALK_LEAF | PGT_WALK_TABLE_POST), 0);
	assert_int_equal(s.log.n, 1);
	tenv_fini(&t);
}

static void exit_from_pre_and_post(void **state)
{
	struct tenv t;
	struct scripted s = { .exit_at = 1, .exit_err = -ENOENT };
	u32 all = PGT_WALK_TABLE_PRE | PGT_WALK_LEAF | PGT_WALK_TABLE_POST;

	(void)state;
	tree_with_page(&t, 0);
	assert_int_equal(walk_scripted(&t, &s, 0, SZ_4K, all), -ENOENT);
	assert_int_equal(s.log.n, 1);
	assert_int_equal(s.log.v[0].visit, PGT_WALK_TABLE_PRE);

	memset(&s, 0, sizeof(s));
	s.exit_at = 4;
	s.exit_err = -EBUSY;
	assert_int_equal(walk_scripted(&t, &s, 0, SZ_4K, all), -EBUSY);
	assert_int_equal(s.log.v[3].visit, PGT_WALK_TABLE_POST);
	assert_int_equal(s.log.n, 4);
	tenv_fini(&t);
}

static void retry_revisits_same_entry(void **state)
{
	struct tenv t;
	struct scripted s = { .retries_left = 3 };
	int i;

	(void)state;
	tree_with_page(&t, 0);
	assert_int_equal(walk_scripted(&t, &s, 0, 2 * SZ_4K, PGT_WALK_LEAF), 0);
	assert_int_equal(s.log.n, 5);
	for (i = 0; i < 4; i++)
		assert_int_equal(s.log.v[i].entry_start, 0);
	assert_int_equal(s.log.v[4].entry_start, SZ_4K);
	tenv_fini(&t);
}

static void retry_is_bounded(void **state)
{
	struct tenv t;
	struct scripted s = { .retries_left = 1000 };

	(void)state;
	tree_with_page(&t, 0);
	assert_int_equal(walk_scripted(&t, &s, 0, SZ_4K, PGT_WALK_LEAF), -EAGAIN);
	/* 64 is the limit the walker documents: the first visit and 64 retries. */
	assert_int_equal(1000 - s.retries_left, PGT_WALK_RETRIES + 1);
	assert_int_equal(PGT_WALK_RETRIES, 64);
	memset(&s, 0, sizeof(s));
	s.retries_left = 1000;
	assert_int_equal(walk_scripted(&t, &s, 0, SZ_4K, PGT_WALK_LEAF | PGT_WALK_SHARED),
			 -EAGAIN);
	assert_int_equal(1000 - s.retries_left, PGT_WALK_RETRIES + 1);
	tenv_fini(&t);
}

/* RETRY re-reads: the second visit sees what changed in between. */
static struct pgt_action change_then_retry(const struct pgt_visit_ctx *ctx,
					   enum pgt_walk_flags visit)
{
	struct visit_log *log = ctx->arg;

	log_visit(log, ctx, visit);
	if (log->n == 1) {
		pgt_write_once(ctx->ptep, ctx->old | PGT_PROT_SW0);
		return pgt_retry();
	}
	return pgt_continue();
}

static void retry_rereads_entry(void **state)
{
	struct tenv t;
	struct visit_log log = { 0 };
	struct pgt_walker w = { .cb = change_then_retry, .arg = &log, .flags = PGT_WALK_LEAF };

	(void)state;
	tree_with_page(&t, 0);
	assert_int_equal(pgt_walk(&t.pgt, 0, SZ_4K, &w), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.v[1].old, log.v[0].old | PGT_PROT_SW0);
	tenv_fini(&t);
}

/* A table installed by a LEAF visitor is descended into at once. */
static void installed_table_is_descended(void **state)
{
	struct tenv t;
	struct visit_log log;

	(void)state;
	tenv_hyp(&t, 39, PGT_GRANULE_4K);
	test_install(&t, SZ_1G + 5 * SZ_4K, pgt_hyp_leaf_pte(&t.pgt.geom, PA_A, PGT_PROT_R, 3), 3);
	expect_mapped(&t, SZ_1G + 5 * SZ_4K, PA_A, PGT_PROT_R);
	assert_int_equal(walk_logged(&t, SZ_1G, SZ_2M, PGT_WALK_LEAF, &log), 0);
	assert_int_equal(log.n, 512);
	assert_int_equal(log.v[5].old, tenv_xlat(&t, SZ_1G + 5 * SZ_4K).desc);
	pgt_hyp_unmap(&t.pgt, SZ_1G, SZ_1G, NULL);
	tenv_fini(&t);
}

/* A table replaced by a leaf at TABLE_PRE is not descended, nor posted. */
static struct pgt_action replace_table_by_block(const struct pgt_visit_ctx *ctx,
						enum pgt_walk_flags visit)
{
	struct visit_log *log = ctx->arg;
	struct pgt_mm_ops *mm = ctx->mm_ops;
	void *child;

	log_visit(log, ctx, visit);
	if (visit != PGT_WALK_TABLE_PRE || ctx->level != 2)
		return pgt_continue();
	child = mm->phys_to_virt(mm, pgt_pte_addr(&ctx->pgt->geom, ctx->old));
	pgt_write_once(ctx->ptep, pgt_hyp_leaf_pte(&ctx->pgt->geom, PA_A, PGT_PROT_R, 2));
	pgt_unlinked_free(mm, child, 3, PGT_GRANULE_4K);
	return pgt_continue();
}

static void replaced_table_not_descended(void **state)
{
	struct tenv t;
	struct visit_log log = { 0 };
	struct pgt_walker w = {
		.cb = replace_table_by_block,
		.arg = &log,
		.flags = PGT_WALK_TABLE_PRE | PGT_WALK_LEAF | PGT_WALK_TABLE_POST,
	};

	(void)state;
	tree_with_page(&t, SZ_2M + SZ_4K);
	assert_int_equal(pgt_walk(&t.pgt, SZ_2M, SZ_2M, &w), 0);
	/* PRE level 1, PRE level 2 (replaced), POST level 1: no leaf visits. */
	assert_int_equal(log.n, 3);
	assert_int_equal(log.v[2].visit, PGT_WALK_TABLE_POST);
	assert_int_equal(log.v[2].level, 1);
	assert_int_equal(tenv_xlat(&t, SZ_2M).level, 2);
	expect_mapped(&t, SZ_2M + SZ_4K, PA_A + SZ_4K, PGT_PROT_R);
	tenv_fini(&t);
}

/* SKIP at TABLE_PRE: nothing below is visited, no POST, and the walk goes on. */
static struct pgt_action skip_first_table(const struct pgt_visit_ctx *ctx,
					  enum pgt_walk_flags visit)
{
	struct visit_log *log = ctx->arg;

	log_visit(log, ctx, visit);
	if (visit == PGT_WALK_TABLE_PRE && ctx->level == 2 && pgt_ctx_entry_start(ctx) == 0)
		return pgt_skip();
	return pgt_continue();
}

static void skip_subtree(void **state)
{
	struct tenv t;
	struct visit_log log = { 0 };
	struct pgt_walker w = {
		.cb = skip_first_table,
		.arg = &log,
		.flags = PGT_WALK_TABLE_PRE | PGT_WALK_LEAF | PGT_WALK_TABLE_POST,
	};

	(void)state;
	tree_with_page(&t, 0);
	assert_int_equal(pgt_hyp_map(&t.pgt, SZ_2M, SZ_4K, PA_A, PGT_PROT_R), 0);
	assert_int_equal(pgt_walk(&t.pgt, 0, SZ_2M + SZ_4K, &w), 0);
	/* PRE L1, PRE L2 [0,2M) skipped, PRE L2 [2M,4M), LEAF 2M, POST L2, POST L1. */
	assert_int_equal(log.n, 6);
	assert_int_equal(log.v[1].visit, PGT_WALK_TABLE_PRE);
	assert_int_equal(log.v[2].visit, PGT_WALK_TABLE_PRE);
	assert_int_equal(log.v[2].entry_start, SZ_2M);
	assert_int_equal(log.v[3].visit, PGT_WALK_LEAF);
	assert_int_equal(log.v[3].entry_start, SZ_2M);
	assert_int_equal(log.v[4].visit, PGT_WALK_TABLE_POST);
	assert_int_equal(log.v[4].entry_start, SZ_2M);
	assert_int_equal(log.v[5].level, 1);
	tenv_fini(&t);
}

/* SKIP from a LEAF visit is a CONTINUE: there is nothing below a leaf. */
static struct pgt_action skip_everything(const struct pgt_visit_ctx *ctx,
					 enum pgt_walk_flags visit)
{
	log_visit(ctx->arg, ctx, visit);
	return pgt_skip();
}

static void skip_at_leaf_continues(void **state)
{
	struct tenv t;
	struct visit_log log = { 0 };
	struct pgt_walker w = { .cb = skip_everything, .arg = &log, .flags = PGT_WALK_LEAF };

	(void)state;
	tree_with_page(&t, 0);
	assert_int_equal(pgt_walk(&t.pgt, 0, 4 * SZ_4K, &w), 0);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.v[3].entry_start, 3 * SZ_4K);
	tenv_fini(&t);
}

/* A run of entries skipped: the visitor at page 1 says it did pages 1-3, at 510 pages 510-511. */
static struct pgt_action skip_runs(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	log_visit(ctx->arg, ctx, visit);
	if (ctx->addr == SZ_4K)
		return pgt_skip_entries(3);
	if (ctx->addr == 510 * SZ_4K)
		return pgt_skip_entries(2);
	return pgt_continue();
}

static void skip_entries_moves_past_run(void **state)
{
	struct tenv t;
	struct visit_log log = { 0 };
	struct pgt_walker w = { .cb = skip_runs, .arg = &log, .flags = PGT_WALK_LEAF };
	u64 i, want[] = { 0, SZ_4K, 4 * SZ_4K, 5 * SZ_4K, 509 * SZ_4K, 510 * SZ_4K, SZ_2M };

	(void)state;
	tree_with_page(&t, 0);
	assert_int_equal(pgt_walk(&t.pgt, 0, 6 * SZ_4K, &w), 0);
	assert_int_equal(log.n, 4);
	log.n = 0;
	assert_int_equal(pgt_walk(&t.pgt, 0, 4 * SZ_4K, &w), 0);
	/* The run ends the range: nothing after it. */
	assert_int_equal(log.n, 2);
	log.n = 0;
	assert_int_equal(pgt_walk(&t.pgt, 0, SZ_2M + SZ_4K, &w), 0);
	/* 0, 1 (run to 3), 4 .. 510 (run to 511), then the next level-2 entry. */
	assert_int_equal(log.n, 2 + 506 + 1 + 1);
	for (i = 0; i < 4; i++)
		assert_int_equal(log.v[i].addr, want[i]);
	for (i = 0; i < 3; i++)
		assert_int_equal(log.v[log.n - 3 + i].addr, want[4 + i]);
	assert_int_equal(log.v[log.n - 1].level, 2);
	tenv_fini(&t);
}

/* A run past its table or its range would skip entries never reached: a bug. */
static struct pgt_action skip_too_many(const struct pgt_visit_ctx *ctx,
				       enum pgt_walk_flags visit)
{
	u32 *claim = ctx->arg;

	(void)visit;
	return ctx->addr == 510 * SZ_4K ? pgt_skip_entries(*claim) : pgt_continue();
}

static void skip_entries_beyond_is_a_bug(void **state)
{
	struct tenv t;
	u32 claim;
	struct pgt_walker w = { .cb = skip_too_many, .arg = &claim, .flags = PGT_WALK_LEAF };

	(void)state;
	tree_with_page(&t, 0);
	claim = 3;	/* beyond the table's last entry */
	host_mm_expect_warn_on(1);
	assert_int_equal(pgt_walk(&t.pgt, 0, 2 * SZ_2M, &w), -EINVAL);
	claim = 2;	/* the table's end, beyond the range */
	host_mm_expect_warn_on(1);
	assert_int_equal(pgt_walk(&t.pgt, 0, 511 * SZ_4K, &w), -EINVAL);
	assert_int_equal(host_mm_global_warnings(), t.warnings_at_start + 2);
	t.warnings_at_start += 2;
	claim = 2;	/* exactly the table's and the range's end */
	assert_int_equal(pgt_walk(&t.pgt, 0, SZ_2M, &w), 0);
	tenv_fini(&t);
}

/* ---- locked entries and shared updates ---- */

static void locked_entry_shared_retries(void **state)
{
	struct tenv t;
	struct scripted s = { 0 };

	pgt_pte_t *ptep;

	(void)state;
	tree_with_page(&t, 0);
	ptep = test_ptep(&t, SZ_4K);
	*ptep = PGT_PTE_LOCKED;
	/* The visitor never sees the lock; the walk gives up with -EAGAIN. */
	assert_int_equal(walk_scripted(&t, &s, 0, 2 * SZ_4K, PGT_WALK_LEAF | PGT_WALK_SHARED),
			 -EAGAIN);
	assert_int_equal(s.log.n, 1);
	assert_int_equal(s.log.v[0].entry_start, 0);
	*ptep = 0;
	memset(&s, 0, sizeof(s));
	assert_int_equal(walk_scripted(&t, &s, 0, 2 * SZ_4K, PGT_WALK_LEAF | PGT_WALK_SHARED), 0);
	assert_int_equal(s.log.n, 2);
	tenv_fini(&t);
}

static void locked_entry_exclusive_is_a_bug(void **state)
{
	struct tenv t;
	struct scripted s = { 0 };
	pgt_pte_t *ptep;

	(void)state;
	tree_with_page(&t, 0);
	ptep = test_ptep(&t, SZ_4K);
	*ptep = PGT_PTE_LOCKED;
	host_mm_expect_warn_on(1);
	assert_int_equal(walk_scripted(&t, &s, 0, 2 * SZ_4K, PGT_WALK_LEAF), -EBUSY);
	assert_int_equal(host_mm_global_warnings(), t.warnings_at_start + 1);
	t.warnings_at_start++;
	assert_int_equal(s.log.n, 1);
	*ptep = 0;
	tenv_fini(&t);
}

struct stale_update {
	bool first_done;
	bool results[2];
};

/* A shared update from a stale snapshot fails and leaves the entry alone. */
static struct pgt_action stale_update_visitor(const struct pgt_visit_ctx *ctx,
					      enum pgt_walk_flags visit)
{
	struct stale_update *u = ctx->arg;
	struct pgt_visit_ctx stale = *ctx;

	(void)visit;
	stale.old = ctx->old ^ PGT_PTE_AF;
	u->results[0] = pgt_pte_update(&stale, 0);
	u->results[1] = pgt_pte_update(ctx, ctx->old | PGT_PTE_SW_MASK);
	return pgt_continue();
}

static void shared_update_is_compare_and_swap(void **state)
{
	struct tenv t;
	struct stale_update u = { 0 };
	struct pgt_walker w = { .cb = stale_update_visitor, .arg = &u,
				.flags = PGT_WALK_LEAF | PGT_WALK_SHARED };
	u64 pages;

	(void)state;
	tree_with_page(&t, 0);
	pages = tenv_pages_in_use(&t);
	assert_int_equal(pgt_walk(&t.pgt, 0, SZ_4K, &w), 0);
	assert_false(u.results[0]);
	assert_true(u.results[1]);
	expect_mapped(&t, 0, PA_A, PGT_PROT_RW | PGT_PROT_SW_MASK);
	assert_int_equal(tenv_pages_in_use(&t), pages);
	tenv_fini(&t);
}

/* Entries going to and from zero move their table's reference count. */
static struct pgt_action clear_visitor(const struct pgt_visit_ctx *ctx,
				       enum pgt_walk_flags visit)
{
	(void)visit;
	if (ctx->old)
		assert_true(pgt_pte_update(ctx, 0));
	return pgt_continue();
}

static void update_tracks_refcount(void **state)
{
	struct tenv t;
	struct pgt_walker w = { .cb = clear_visitor, .flags = PGT_WALK_LEAF };

	(void)state;
	tree_with_page(&t, 0);
	assert_int_equal(pgt_hyp_map(&t.pgt, SZ_4K, SZ_4K, PA_A, PGT_PROT_R), 0);
	assert_int_equal(pgt_walk(&t.pgt, 0, SZ_4K, &w), 0);
	expect_unmapped(&t, 0);
	expect_mapped(&t, SZ_4K, PA_A, PGT_PROT_R);
	assert_int_equal(pgt_hyp_unmap(&t.pgt, SZ_4K, SZ_4K, NULL), 0);
	/* The last entry's removal let unmap free both tables. */
	assert_int_equal(tenv_pages_in_use(&t), 1);
	tenv_fini(&t);
}

static u32 shared_begin_calls, shared_end_calls;

static void count_begin(struct pgt_mm_ops *mm)
{
	(void)mm;
	shared_begin_calls++;
}

static void count_end(struct pgt_mm_ops *mm)
{
	(void)mm;
	shared_end_calls++;
}

static void shared_walk_brackets(void **state)
{
	struct tenv t;
	struct visit_log log;

	(void)state;
	tree_with_page(&t, 0);
	tenv_mm(&t)->shared_walk_begin = count_begin;
	tenv_mm(&t)->shared_walk_end = count_end;
	shared_begin_calls = shared_end_calls = 0;
	assert_int_equal(walk_logged(&t, 0, SZ_4K, PGT_WALK_LEAF, &log), 0);
	assert_int_equal(shared_begin_calls, 0);
	assert_int_equal(walk_logged(&t, 0, SZ_4K, PGT_WALK_LEAF | PGT_WALK_SHARED, &log), 0);
	assert_int_equal(shared_begin_calls, 1);
	assert_int_equal(shared_end_calls, 1);
	tenv_mm(&t)->shared_walk_begin = NULL;
	tenv_mm(&t)->shared_walk_end = NULL;
	tenv_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_pre_leaf_post),
		cmocka_unit_test(flags_select_visits),
		cmocka_unit_test(range_edges_unaligned),
		cmocka_unit_test(range_crosses_tables),
		cmocka_unit_test(range_rejected),
		cmocka_unit_test(empty_tree_visits_root_entries),
		cmocka_unit_test(concatenated_root_walked_whole),
		cmocka_unit_test(exit_propagates_error),
		cmocka_unit_test(exit_from_pre_and_post),
		cmocka_unit_test(retry_revisits_same_entry),
		cmocka_unit_test(retry_is_bounded),
		cmocka_unit_test(retry_rereads_entry),
		cmocka_unit_test(installed_table_is_descended),
		cmocka_unit_test(replaced_table_not_descended),
		cmocka_unit_test(skip_subtree),
		cmocka_unit_test(skip_at_leaf_continues),
		cmocka_unit_test(skip_entries_moves_past_run),
		cmocka_unit_test(skip_entries_beyond_is_a_bug),
		cmocka_unit_test(locked_entry_shared_retries),
		cmocka_unit_test(locked_entry_exclusive_is_a_bug),
		cmocka_unit_test(shared_update_is_compare_and_swap),
		cmocka_unit_test(update_tracks_refcount),
		cmocka_unit_test(shared_walk_brackets),
	};

	return cmocka_run_group_tests_name("walker", tests, NULL, NULL);
}
