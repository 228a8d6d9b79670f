// SPDX-License-Identifier: GPL-2.0-only
/*
 * st_concurrency.c - shared walkers on every online CPU against a writer.
 *
 * One stage-2 tree, one rw_semaphore standing for KVM's MMU lock.  A kthread
 * bound to each online CPU plays a vCPU's fault handler: under the lock held
 * for reading it maps pages and whole blocks with PGT_WALK_SHARED (a block
 * over a table of pages collapses it, and the table goes through call_rcu),
 * relaxes permissions, ages and rejuvenates.  Another kthread takes the lock
 * for writing and unmaps, splits and write-protects.  Every mapping of IPA x
 * is to x + KT_PA_BASE, so whatever the interleaving, a translation that
 * exists must say so; readers check that through the reference translator
 * while the others keep going.  At the end: every leaf, every table's
 * reference count, and (after the harness destroys the tree and waits for the
 * grace periods) every page.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "selftest.h"

#define IA_BITS		40
#define DELTA		KT_PA_BASE
#define BLOCKS		4

enum { OP_MAP, OP_MAP_BLOCK, OP_RELAX, OP_YOUNG, OP_MKYOUNG, OP_NR };
static const char *const op_names[OP_NR] = { "maps", "block maps", "relax", "young", "mkyoung" };

struct conc;

struct walker_thread {
	struct conc *c;
	struct task_struct *task;
	unsigned int cpu;
	u64 rng;
	struct pgt_memcache mc;
	u64 ok[OP_NR], again[OP_NR], checks;
	int err;
	char msg[160];
};

struct conc {
	struct kt *t;
	struct kt_tree *tr;
	struct rw_semaphore lock;
	u64 base, size, page, blk;
	struct walker_thread *readers;
	unsigned int nr_readers;
	struct walker_thread writer;
	u64 unmaps, splits, wrprotects;
};

static void thread_fail(struct walker_thread *w, const char *what, u64 ia, long v)
{
	if (!w->err) {
		snprintf(w->msg, sizeof(w->msg), "%s at 0x%llx: %ld", what, ia, v);
		w->err = -EINVAL;
	}
}

static u64 rand_page(struct walker_thread *w)
{
	struct conc *c = w->c;

	return c->base + (kt_rand(&w->rng) % (c->size / c->page)) * c->page;
}

/* A translation that exists while others change the tree is still to ia + DELTA. */
static void check_xlat(struct walker_thread *w, u64 ia)
{
	struct ref_result res;

	rcu_read_lock();
	ref_translate(&w->c->tr->rg, ia, REF_ACC_NONE, &res);
	rcu_read_unlock();
	w->checks++;
	if ((res.fault == REF_OK || res.fault == REF_FAULT_ACCESS_FLAG) && res.pa != ia + DELTA)
		thread_fail(w, "translation to the wrong output", ia, (long)res.pa);
	else if (res.fault != REF_OK && res.fault != REF_FAULT_ACCESS_FLAG &&
		 res.fault != REF_FAULT_TRANSLATION)
		thread_fail(w, ref_fault_str(res.fault), ia, res.level);
}

static void count(struct walker_thread *w, int op, int ret, bool enoent_ok)
{
	if (ret >= 0)
		w->ok[op]++;
	else if (ret == -EAGAIN || (enoent_ok && ret == -ENOENT))
		w->again[op]++;
	else
		thread_fail(w, op_names[op], 0, ret);
}

static void reader_step(struct walker_thread *w)
{
	static const u32 prots[] = { PGT_PROT_R, PGT_PROT_RW, PGT_PROT_RX, PGT_PROT_RWX };
	/* Out of 32: mostly faults on pages, now and then a whole block. */
	static const u8 op_of[32] = {
		OP_MAP, OP_MAP, OP_MAP, OP_MAP, OP_MAP, OP_MAP, OP_MAP, OP_MAP,
		OP_MAP, OP_MAP, OP_MAP, OP_MAP, OP_MAP, OP_MAP, OP_MAP_BLOCK, OP_MAP_BLOCK,
		OP_RELAX, OP_RELAX, OP_RELAX, OP_RELAX, OP_RELAX, OP_RELAX,
		OP_YOUNG, OP_YOUNG, OP_YOUNG, OP_YOUNG, OP_YOUNG,
		OP_MKYOUNG, OP_MKYOUNG, OP_MKYOUNG, OP_MKYOUNG, OP_MKYOUNG,
	};
	struct conc *c = w->c;
	struct pgt *pgt = &c->tr->pgt;
	int op = op_of[kt_rand(&w->rng) % ARRAY_SIZE(op_of)], ret;
	u64 ia = rand_page(w), size = c->page;
	u32 prot = prots[kt_rand(&w->rng) % ARRAY_SIZE(prots)];

	if (op == OP_MAP_BLOCK) {
		ia = ALIGN_DOWN(ia, c->blk);
		size = c->blk;
	}
	if (op == OP_MAP || op == OP_MAP_BLOCK) {
		/* The fault handler's cache is topped up before the lock is taken. */
		u64 need = pgt_stage2_tables_needed(pgt, ia, size, ia + DELTA);

		if (pgt_memcache_topup(&w->mc, pgt_kmod_mm_ops(), c->page, need)) {
			thread_fail(w, "memcache topup", ia, need);
			return;
		}
	}

	down_read(&c->lock);
	switch (op) {
	case OP_MAP:
	case OP_MAP_BLOCK:
		ret = pgt_stage2_map(pgt, ia, size, ia + DELTA, prot, &w->mc, PGT_WALK_SHARED);
		count(w, op, ret, false);
		if (!ret)
			check_xlat(w, ia + size - c->page);
		break;
	case OP_RELAX:
		ret = pgt_stage2_relax_perms(pgt, ia,
					     kt_rand(&w->rng) & 1 ? PGT_PROT_W : PGT_PROT_X,
					     PGT_WALK_SHARED);
		count(w, op, ret, true);
		break;
	case OP_YOUNG:
		ret = pgt_stage2_test_clear_young(pgt, ia, c->page * (1 + kt_rand(&w->rng) % 8),
						  kt_rand(&w->rng) & 1, PGT_WALK_SHARED);
		count(w, op, ret, false);
		break;
	default:
		ret = pgt_stage2_mkyoung(pgt, ia, PGT_WALK_SHARED);
		count(w, op, ret, true);
		check_xlat(w, ia);
		break;
	}
	up_read(&c->lock);
}

static int reader_fn(void *arg)
{
	struct walker_thread *w = arg;

	u64 steps = 0;

	while (!kthread_should_stop()) {
		if (w->err)
			usleep_range(1000, 2000);
		else
			reader_step(w);
		/* A vCPU returns to its guest now and then: the writer gets the lock. */
		if (++steps % 16 == 0)
			usleep_range(50, 100);
		cond_resched();
	}
	return 0;
}

static void writer_step(struct walker_thread *w)
{
	struct conc *c = w->c;
	struct pgt *pgt = &c->tr->pgt;
	u64 ia = rand_page(w), size;
	int op = kt_rand(&w->rng) % 3, ret;

	switch (kt_rand(&w->rng) % 4) {
	case 0:
		size = c->page;
		break;
	case 1:
		size = 3 * c->page;
		break;
	case 2:
		ia = ALIGN_DOWN(ia, c->blk);
		size = c->blk;
		break;
	default:
		ia = ALIGN_DOWN(ia, c->blk);
		size = 2 * c->blk;
		break;
	}
	size = min(size, c->base + c->size - ia);

	down_write(&c->lock);
	if (op == 0) {
		ret = pgt_stage2_unmap(pgt, ia, size);
		c->unmaps++;
	} else if (op == 1) {
		ret = pgt_stage2_split(pgt, ia, size, NULL);
		c->splits++;
	} else {
		ret = pgt_stage2_wrprotect(pgt, ia, size);
		c->wrprotects++;
	}
	up_write(&c->lock);
	if (ret)
		thread_fail(w, op == 0 ? "unmap" : op == 1 ? "split" : "wrprotect", ia, ret);
}

static int writer_fn(void *arg)
{
	struct walker_thread *w = arg;

	while (!kthread_should_stop()) {
		if (!w->err)
			writer_step(w);
		/* Let the fault handlers in between. */
		usleep_range(20, 50);
	}
	return 0;
}

/* ---- the final checks ---- */

struct leaf_check {
	struct kt *t;
	struct conc *c;
	long leaves;
	int err;
};

static int final_leaf(void *arg, const struct ref_mapping *m)
{
	struct leaf_check *lc = arg;
	struct conc *c = lc->c;

	if (m->ia < c->base || m->ia + m->size > c->base + c->size || m->pa != m->ia + DELTA ||
	    (m->level != 2 && m->level != 3)) {
		lc->err = KT_FAIL(lc->t, "leaf [0x%llx, +0x%llx) level %d -> 0x%llx", m->ia,
				  m->size, m->level, m->pa);
		return 1;
	}
	lc->leaves++;
	return 0;
}

/*
 * Every table holds one reference for being linked plus one per non-zero
 * entry (Documentation/walker.rst), whatever raced to change its entries.
 */
static int check_refcounts(struct kt *t, struct conc *c, u64 table_pa, int level, long *tables)
{
	struct pgt_mm_ops *mm = pgt_kmod_mm_ops();
	const struct pgt_geometry *geom = &c->tr->pgt.geom;
	pgt_pte_t *table = mm->phys_to_virt(mm, table_pa);
	u32 i, n = pgt_table_entries(geom), used = 0;

	for (i = 0; i < n; i++) {
		pgt_pte_t pte = READ_ONCE(table[i]);

		if (!pte)
			continue;
		used++;
		if (pgt_pte_is_table(pte, level))
			KT_TRY(check_refcounts(t, c, pgt_pte_addr(geom, pte), level + 1, tables));
	}
	(*tables)++;
	if (mm->page_count(mm, table) != used + 1)
		return KT_FAIL(t, "table 0x%llx at level %d: %d references, %u entries in use",
			       table_pa, level, mm->page_count(mm, table), used);
	return 0;
}

static int final_checks(struct kt *t, struct conc *c)
{
	const struct pgt_geometry *geom = &c->tr->pgt.geom;
	struct leaf_check lc = { .t = t, .c = c };
	long tables = 0;
	u32 i;

	if (ref_visit_leaves(&c->tr->rg, final_leaf, &lc) < 0)
		return KT_FAIL(t, "translator: misconfigured regime");
	if (lc.err)
		return lc.err;
	/* No lock marker left behind, no annotation appeared. */
	KT_TRY(kt_expect_owner_entries(t, c->tr, 0, 0));
	for (i = 0; i < geom->root_entries; i++) {
		pgt_pte_t pte = READ_ONCE(c->tr->pgt.root[i]);

		if (pgt_pte_is_table(pte, geom->start_level))
			KT_TRY(check_refcounts(t, c, pgt_pte_addr(geom, pte), geom->start_level + 1,
					       &tables));
	}
	KT_TRY(kt_expect_well_formed(t, c->tr));
	kt_diag(t, "at the end: %ld leaves, %ld tables below the root, reference counts exact",
		lc.leaves, tables);
	return 0;
}

static int concurrency(struct kt *t)
{
	struct pgt_kmod_stats before = kt_stats();
	unsigned long start = jiffies, budget = msecs_to_jiffies(pgt_kmod_stress_ms);
	struct conc *c;
	unsigned int cpu, i;
	u64 ops[OP_NR] = { 0 }, again[OP_NR] = { 0 }, checks = 0, deferred;
	int ret = 0;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	KT_ASSERT(t, c);
	c->t = t;
	c->tr = kt_s2(t, IA_BITS, 48, 0);
	c->page = kt_page(t);
	c->blk = kt_level_size(t, 2);
	c->base = 4 * c->blk;
	c->size = BLOCKS * c->blk;
	init_rwsem(&c->lock);
	c->readers = kcalloc(nr_cpu_ids, sizeof(*c->readers), GFP_KERNEL);
	if (!c->tr || !c->readers) {
		ret = KT_FAIL(t, "setup failed");
		goto out;
	}

	/* Half the region mapped with blocks, for the writer to split. */
	ret = pgt_stage2_map(&c->tr->pgt, c->base, c->size / 2, c->base + DELTA, PGT_PROT_RW,
			     NULL, 0);
	if (ret) {
		ret = KT_FAIL(t, "initial map: %d", ret);
		goto out;
	}

	for_each_online_cpu(cpu) {
		struct walker_thread *w = &c->readers[c->nr_readers];

		*w = (struct walker_thread){
			.c = c, .cpu = cpu, .rng = 0x9e3779b97f4a7c15ULL * (cpu + 1),
		};
		w->task = kthread_create_on_cpu(reader_fn, w, cpu, "pgt_walker/%u");
		if (IS_ERR(w->task)) {
			ret = KT_FAIL(t, "no kthread on CPU %u: %ld", cpu, PTR_ERR(w->task));
			goto stop;
		}
		c->nr_readers++;
	}
	c->writer = (struct walker_thread){ .c = c, .rng = 0x2545f4914f6cdd1dULL };
	c->writer.task = kthread_create(writer_fn, &c->writer, "pgt_writer");
	if (IS_ERR(c->writer.task)) {
		ret = KT_FAIL(t, "no writer kthread: %ld", PTR_ERR(c->writer.task));
		c->writer.task = NULL;
		goto stop;
	}
	for (i = 0; i < c->nr_readers; i++)
		wake_up_process(c->readers[i].task);
	wake_up_process(c->writer.task);

	/*
	 * Run for the budget, and until a collapse went through RCU and the
	 * writer had its turns; give up at ten times the budget.
	 */
	for (;;) {
		bool enough = time_after(jiffies, start + budget) &&
			      KT_DELTA(before, deferred_frees) > 0 && READ_ONCE(c->unmaps) >= 10 &&
			      READ_ONCE(c->splits) >= 10;

		if (enough || time_after(jiffies, start + 10 * budget + HZ))
			break;
		msleep(20);
	}

stop:
	if (c->writer.task)
		kthread_stop(c->writer.task);
	for (i = 0; i < c->nr_readers; i++)
		kthread_stop(c->readers[i].task);
	for (i = 0; i < c->nr_readers; i++) {
		struct walker_thread *w = &c->readers[i];
		int op;

		for (op = 0; op < OP_NR; op++) {
			ops[op] += w->ok[op];
			again[op] += w->again[op];
		}
		checks += w->checks;
		if (w->err && !ret)
			ret = KT_FAIL(t, "walker on CPU %u: %s", w->cpu, w->msg);
		pgt_memcache_free(&w->mc, pgt_kmod_mm_ops());
	}
	if (c->writer.err && !ret)
		ret = KT_FAIL(t, "writer: %s", c->writer.msg);
	if (ret)
		goto out;

	pgt_kmod_mm_drain();
	deferred = KT_DELTA(before, deferred_frees);
	kt_diag(t, "%u walkers on %u CPUs for %u ms", c->nr_readers, num_online_cpus(),
		jiffies_to_msecs(jiffies - start));
	for (i = 0; i < OP_NR; i++)
		kt_diag(t, "  %-10s %llu done, %llu backed off", op_names[i], ops[i], again[i]);
	kt_diag(t, "  writer: %llu unmaps, %llu splits, %llu wrprotects", c->unmaps, c->splits,
		c->wrprotects);
	kt_diag(t, "  %llu translations checked during the run, %llu tables freed through RCU",
		checks, deferred);
	if (!deferred || c->unmaps < 10 || c->splits < 10 || !ops[OP_MAP] || !ops[OP_MAP_BLOCK]) {
		ret = KT_FAIL(t, "the run did not exercise every path");
		goto out;
	}
	if (KT_DELTA(before, deferred_done) != deferred) {
		ret = KT_FAIL(t, "%llu deferred frees, %llu done", deferred,
			      KT_DELTA(before, deferred_done));
		goto out;
	}
	ret = final_checks(t, c);
out:
	kfree(c->readers);
	kfree(c);
	return ret;
}

const struct kt_case kt_concurrency_cases[] = {
	{ "concurrency", concurrency, true },
	{ }
};
