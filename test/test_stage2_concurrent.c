// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_stage2_concurrent.c - stage-2 operations racing each other, the way a
 * hypervisor runs them: vCPU fault handlers hold the MMU lock for reading and
 * walk with PGT_WALK_SHARED, maintenance (unmap, split, write-protect, full
 * maps) holds it for writing.  The tree lives in an RCU home
 * (host_mm_enable_rcu), so tables a shared map collapses are freed only after
 * every walker that could still be inside them has left.
 *
 * Nothing here depends on timing: threads do a fixed number of operations,
 * in phases that start together on a barrier, and meet on handshakes; what
 * is checked at the end holds for every interleaving.  The invariant that makes the final tree
 * checkable: every thread maps IPA x only ever to PA f(x) = x + PA_OFFSET, so
 * whatever survives the races, every leaf must translate ipa -> f(ipa).
 *
 * Every thread that walks is a registered liburcu reader (host_mm.h); the
 * main thread registers in the group setup.  Runs under ThreadSanitizer too
 * (make check: TSAN_TESTS picks up test_*concurrent*).  PGT_TEST_SEED
 * replays an operation sequence; PGT_STRESS_SCALE=n runs n times as many.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu/urcu-memb.h>

#include "harness.h"

/* Output addresses: far above any IPA of a 40-bit space, aligned for every block. */
#define PA_OFFSET	(1ULL << 40)
#define IA_BITS		40
#define PA_BITS		48
/* The window every thread works in, aligned for the largest block (512M). */
#define WIN_BASE	(4ULL << 30)

static u64 f_pa(u64 ipa)
{
	return ipa + PA_OFFSET;
}

static u64 rnd(u64 *s)
{
	return rng_next(s) >> 11;
}

/* The permissions a map may ask for; SW0 and DEVICE differ outside the permission bits. */
static const u32 map_prots[] = {
	PGT_PROT_R,
	PGT_PROT_RW,
	PGT_PROT_RX,
	PGT_PROT_RWX,
	PGT_PROT_RW | PGT_PROT_SW0,
	PGT_PROT_R | PGT_PROT_DEVICE,
	PGT_PROT_RW | PGT_PROT_DEVICE,
};
#define NR_PROTS	(sizeof(map_prots) / sizeof(map_prots[0]))

static u32 rand_prot(u64 *rng)
{
	return map_prots[rnd(rng) % NR_PROTS];
}

/* ---------------------------------------------------------------- checks */

/* A level-2 block: 2M, 32M or 512M. */
static u64 block_size(const struct tenv *t)
{
	return pgt_level_size(&t->pgt.geom, 2);
}

struct leaf_audit {
	struct tenv *t;
	u64 lo, hi;
	long leaves, blocks, bad;
};

static void leaf_bad(struct leaf_audit *a, const struct ref_mapping *m, const char *why)
{
	if (a->bad++ < 8)
		print_error("leaf ia 0x%llx size 0x%llx pa 0x%llx level %d desc 0x%llx: %s\n",
			    (unsigned long long)m->ia, (unsigned long long)m->size,
			    (unsigned long long)m->pa, m->level, (unsigned long long)m->desc, why);
}

/* Every leaf: ipa -> f(ipa), inside the window, a page or a level-2 block, sane attributes. */
static int audit_leaf(void *arg, const struct ref_mapping *m)
{
	struct leaf_audit *a = arg;
	struct ref_result res;

	a->leaves++;
	if (m->size != tenv_page(a->t))
		a->blocks++;
	if (m->pa != f_pa(m->ia))
		leaf_bad(a, m, "maps another output than f(ipa)");
	if (m->ia < a->lo || m->ia + m->size > a->hi)
		leaf_bad(a, m, "outside the window");
	if (m->size != tenv_page(a->t) && m->size != block_size(a->t))
		leaf_bad(a, m, "neither a page nor a level-2 block");
	if (ref_translate(&a->t->rg, m->ia, REF_ACC_NONE, &res)) {
		leaf_bad(a, m, "the translator refused the regime");
		return 0;
	}
	/* mkold may have cleared the access flag: that is a fault, with the output known. */
	if (res.fault != REF_OK && res.fault != REF_FAULT_ACCESS_FLAG)
		leaf_bad(a, m, ref_fault_str(res.fault));
	else if (res.pa != f_pa(m->ia))
		leaf_bad(a, m, "translates to another output than f(ipa)");
	else if (res.mt != REF_MT_NORMAL_WB && res.mt != REF_MT_DEVICE_nGnRE)
		leaf_bad(a, m, "memory type no map asked for");
	else if (res.shareability != 3 || res.sw > 1)
		leaf_bad(a, m, "shareability or software bits no map asked for");
	else if (res.fault == REF_OK && (!res.r || (res.x && res.mt != REF_MT_NORMAL_WB)))
		leaf_bad(a, m, "permissions no operation can produce");
	return 0;
}

static int report_entry(void *arg, uint64_t ia, int level, uint64_t desc)
{
	long *n = arg;

	if ((*n)++ < 8)
		print_error("invalid non-zero entry at ia 0x%llx level %d: 0x%llx%s\n",
			    (unsigned long long)ia, level, (unsigned long long)desc,
			    desc == PGT_PTE_LOCKED ? " (PGT_PTE_LOCKED left behind)" : "");
	return 0;
}

static int report_bad(void *arg, uint64_t ia, int level, uint64_t desc, enum ref_fault fault)
{
	long *n = arg;

	if ((*n)++ < 8)
		print_error("malformed entry at ia 0x%llx level %d: 0x%llx (%s)\n",
			    (unsigned long long)ia, level, (unsigned long long)desc,
			    ref_fault_str(fault));
	return 0;
}

struct ref_audit {
	struct tenv *t;
	struct ref_regime_info info;
	long tables, bad;
};

/*
 * Independent of lib/: read the tables through the arena as the translator
 * does, and check that every non-root table page holds one reference for
 * being linked plus one per non-zero entry.
 */
static void audit_table(struct ref_audit *a, u64 pa, int level, u64 entries, bool root)
{
	struct pgt_mm_ops *mm = tenv_mm(a->t);
	u32 gs = a->info.granule_shift;
	u64 nonzero = 0;

	for (u64 i = 0; i < entries; i++) {
		uint64_t d;

		if (!host_mm_read64(a->t->hm, pa + 8 * i, &d)) {
			if (a->bad++ < 8)
				print_error("table at 0x%llx unreadable\n", (unsigned long long)pa);
			return;
		}
		if (d)
			nonzero++;
		if (level < PGT_MAX_LEVEL && (d & 3) == 3)
			audit_table(a, d & PGT_GENMASK(47, gs), level + 1, 1ULL << (gs - 3), false);
	}
	if (root)
		return;
	a->tables++;
	if ((u64)mm->page_count(mm, mm->phys_to_virt(mm, pa)) != 1 + nonzero && a->bad++ < 8)
		print_error("table at 0x%llx (level %d): %d references, %llu non-zero entries\n",
			    (unsigned long long)pa, level, mm->page_count(mm, mm->phys_to_virt(mm, pa)),
			    (unsigned long long)nonzero);
}

/*
 * The whole tree, once every thread is joined and every RCU free has run:
 * leaves translate ipa -> f(ipa) inside [lo, hi); no malformed descriptor; no
 * invalid non-zero entry (no lock marker left, no annotation); reference
 * counts exact; and the arena holds nothing but the tree's own tables.
 * Returns the number of leaves.
 */
static long audit_tree(struct tenv *t, u64 lo, u64 hi, long *blocks)
{
	struct leaf_audit la = { .t = t, .lo = lo, .hi = hi };
	struct ref_audit ra = { .t = t };
	long bad = 0, invalid = 0;
	long tables;

	assert_true(ref_visit_leaves(&t->rg, audit_leaf, &la) >= 0);
	assert_true(ref_visit_bad_entries(&t->rg, report_bad, &bad) >= 0);
	assert_true(ref_visit_invalid_nonzero(&t->rg, report_entry, &invalid) >= 0);
	assert_int_equal(ref_regime_info(&t->rg, &ra.info), 0);
	audit_table(&ra, ra.info.root_pa, ra.info.start_level, ra.info.root_entries, true);
	tables = ref_count_tables(&t->rg);

	assert_int_equal(la.bad, 0);
	assert_int_equal(bad, 0);
	assert_int_equal(invalid, 0);
	assert_int_equal(ra.bad, 0);
	assert_int_equal(tables, ra.tables + ra.info.root_pages);
	/* No page leaked and none freed early: in use is exactly the tree. */
	assert_int_equal(host_mm_in_use_bytes(t->hm), (u64)tables * tenv_page(t));
	if (blocks)
		*blocks = la.blocks;
	return la.leaves;
}

static void stage2_rcu_env(struct tenv *t, u32 granule)
{
	tenv_stage2(t, IA_BITS, granule, PA_BITS, 0);
	host_mm_enable_rcu(t->hm);
}

/* After audit_tree: every deferred free ran, the arena never complained. */
static void finish(struct tenv *t)
{
	host_mm_rcu_barrier(t->hm);
	assert_int_equal(host_mm_snapshot(t->hm).deferred_frees, host_mm_snapshot(t->hm).rcu_frees);
	assert_int_equal(host_mm_snapshot(t->hm).warnings, 0);
	assert_int_equal(host_mm_global_warnings(), t->warnings_at_start);
	tenv_fini(t);
}

/* ---------------------------------------------------------------- stress */

enum fault_op { F_MAP, F_MAP_BLOCK, F_RELAX, F_MKYOUNG, F_AGE, F_NR };
enum maint_op { M_UNMAP, M_SPLIT, M_WRPROTECT, M_MAP, M_NR };
_Static_assert((int)F_NR >= (int)M_NR, "worker counts hold both kinds");
enum outcome { O_OK, O_EAGAIN, O_ENOENT, O_EINVAL, O_ENOMEM, O_OTHER, O_NR };

static const char *const fault_names[F_NR] = {
	"map page", "map block", "relax_perms", "mkyoung", "test_clear_young",
};
static const char *const maint_names[M_NR] = {
	"unmap", "split", "wrprotect", "map (excl.)",
};
static const char *const outcome_names[O_NR] = {
	"ok", "-EAGAIN", "-ENOENT", "-EINVAL", "-ENOMEM", "other",
};

#define FAULT_THREADS	3
#define FAULT_OPS	100000
#define MAINT_OPS	10000
/*
 * The threads meet on a barrier PHASES times.  A thread's share of a phase
 * takes less than a time slice, so without the phases 2 cores would mostly
 * run the threads one after another: maintenance done before the last fault
 * thread starts, say, leaving it a window of blocks and nothing to race.
 */
#define PHASES		100

struct stress {
	struct tenv t;
	pthread_rwlock_t mmu_lock;
	pthread_barrier_t start;
	u64 win, win_size, page, block, npages;
	u64 seed;
	u32 fault_ops, maint_ops;
};

struct worker {
	struct stress *s;
	pthread_t tid;
	int idx;
	u64 rng;
	struct pgt_memcache mc;
	u64 counts[F_NR][O_NR];		/* F_NR >= M_NR: both kinds fit */
	u64 young;			/* test_clear_young found the access flag set */
	u64 topup_failed;
	int other_err, other_op;	/* the first unexpected result */
	u64 other_addr;
};

static enum outcome classify(int ret)
{
	switch (ret) {
	case 0:
		return O_OK;
	case -EAGAIN:
		return O_EAGAIN;
	case -ENOENT:
		return O_ENOENT;
	case -EINVAL:
		return O_EINVAL;
	case -ENOMEM:
		return O_ENOMEM;
	default:
		return ret > 0 ? O_OK : O_OTHER;
	}
}

/* Count @ret; anything but @allowed outcomes is remembered as a failure. */
static void record(struct worker *w, int op, int ret, u64 addr, u32 allowed)
{
	enum outcome o = classify(ret);

	w->counts[op][o]++;
	if (!(allowed & (1u << o)) && !w->other_err) {
		w->other_err = ret ? ret : -1;
		w->other_op = op;
		w->other_addr = addr;
	}
}

static u64 rand_page(struct stress *s, u64 *rng)
{
	return s->win + rnd(rng) % s->npages * s->page;
}

/*
 * A page of the hot spot: HOT_PAGES pages in the middle of the window's
 * second block, where fault threads collide on the very same entries.
 */
#define HOT_PAGES	32

static u64 hot_page(struct stress *s, u64 *rng)
{
	return s->win + s->block + s->block / 2 + rnd(rng) % HOT_PAGES * s->page;
}

/* A page-aligned range of 1..@max_pages pages starting in the window, clipped to it. */
static void rand_range(struct stress *s, u64 *rng, u64 max_pages, u64 *addr, u64 *size)
{
	u64 first = rnd(rng) % s->npages;
	u64 n = 1 + rnd(rng) % max_pages;

	if (first + n > s->npages)
		n = s->npages - first;
	*addr = s->win + first * s->page;
	*size = n * s->page;
}

/* Top up before the lock, as a fault handler does: the shared map never allocates. */
static bool fault_topup(struct worker *w, u64 ipa, u64 size)
{
	struct stress *s = w->s;
	u64 need = pgt_stage2_tables_needed(&s->t.pgt, ipa, size, f_pa(ipa));

	if (pgt_memcache_topup(&w->mc, tenv_mm(&s->t), s->page, need)) {
		w->topup_failed++;
		return false;
	}
	return true;
}

#define ALLOW(o)	(1u << (o))

static void fault_one(struct worker *w)
{
	struct stress *s = w->s;
	struct pgt *pgt = &s->t.pgt;
	u64 r = rnd(&w->rng) % 1000, ipa, size;
	u32 cmo = rnd(&w->rng) & 1 ? PGT_WALK_SKIP_CMO : 0;
	u32 prot;
	int op, ret;

	/* Few block maps: each one collapses a whole table, leaving pages nothing to do. */
	if (r < 500) {
		op = F_MAP;
		ipa = r < 150 ? hot_page(s, &w->rng) : rand_page(s, &w->rng);
		size = s->page;
	} else if (r < 505) {
		op = F_MAP_BLOCK;
		ipa = s->win + rnd(&w->rng) % (s->win_size / s->block) * s->block;
		size = s->block;
	} else if (r < 665) {
		op = F_RELAX;
	} else if (r < 830) {
		op = F_MKYOUNG;
	} else {
		op = F_AGE;
	}

	switch (op) {
	case F_MAP:
	case F_MAP_BLOCK:
		prot = rand_prot(&w->rng);
		if (!fault_topup(w, ipa, size))
			return;
		pthread_rwlock_rdlock(&s->mmu_lock);
		ret = pgt_stage2_map(pgt, ipa, size, f_pa(ipa), prot, &w->mc,
				     PGT_WALK_SHARED | cmo);
		pthread_rwlock_unlock(&s->mmu_lock);
		record(w, op, ret, ipa, ALLOW(O_OK) | ALLOW(O_EAGAIN));
		break;
	case F_RELAX:
		ipa = (rnd(&w->rng) & 1 ? hot_page(s, &w->rng) : rand_page(s, &w->rng)) +
		      rnd(&w->rng) % s->page;
		prot = 1 + rnd(&w->rng) % 7;
		prot = (prot & PGT_PROT_RW) | (prot & 4 ? PGT_PROT_X : 0);
		pthread_rwlock_rdlock(&s->mmu_lock);
		ret = pgt_stage2_relax_perms(pgt, ipa, prot, PGT_WALK_SHARED);
		pthread_rwlock_unlock(&s->mmu_lock);
		/* -EINVAL: X asked for on device memory. */
		record(w, op, ret, ipa, ALLOW(O_OK) | ALLOW(O_EAGAIN) | ALLOW(O_ENOENT) |
		       (prot & PGT_PROT_X ? ALLOW(O_EINVAL) : 0));
		break;
	case F_MKYOUNG:
		ipa = rnd(&w->rng) & 1 ? hot_page(s, &w->rng) : rand_page(s, &w->rng);
		pthread_rwlock_rdlock(&s->mmu_lock);
		ret = pgt_stage2_mkyoung(pgt, ipa, PGT_WALK_SHARED);
		pthread_rwlock_unlock(&s->mmu_lock);
		record(w, op, ret, ipa, ALLOW(O_OK) | ALLOW(O_EAGAIN) | ALLOW(O_ENOENT));
		break;
	default:
		rand_range(s, &w->rng, 64, &ipa, &size);
		pthread_rwlock_rdlock(&s->mmu_lock);
		ret = pgt_stage2_test_clear_young(pgt, ipa, size, rnd(&w->rng) & 1,
						  PGT_WALK_SHARED);
		pthread_rwlock_unlock(&s->mmu_lock);
		w->young += ret == 1;
		record(w, op, ret, ipa, ALLOW(O_OK) | ALLOW(O_EAGAIN));
		break;
	}
}

static void maint_one(struct worker *w)
{
	struct stress *s = w->s;
	struct pgt *pgt = &s->t.pgt;
	/* Ranges of up to two blocks, capped: a 64K granule's blocks are 8192 pages. */
	u64 r = rnd(&w->rng) % 100, ipa, size, bpages = s->block / s->page;
	int op, ret;

	if (bpages > 1024)
		bpages = 1024;

	if (r < 45) {
		op = M_UNMAP;
		rand_range(s, &w->rng, 2 * bpages, &ipa, &size);
	} else if (r < 65) {
		op = M_SPLIT;
		rand_range(s, &w->rng, 4 * bpages, &ipa, &size);
	} else if (r < 85) {
		op = M_WRPROTECT;
		rand_range(s, &w->rng, 4 * bpages, &ipa, &size);
	} else {
		op = M_MAP;
		if (rnd(&w->rng) % 4 == 0) {
			ipa = s->win + rnd(&w->rng) % (s->win_size / s->block) * s->block;
			size = s->block;
		} else {
			rand_range(s, &w->rng, 64, &ipa, &size);
		}
	}

	pthread_rwlock_wrlock(&s->mmu_lock);
	switch (op) {
	case M_UNMAP:
		ret = pgt_stage2_unmap(pgt, ipa, size);
		break;
	case M_SPLIT:
		ret = pgt_stage2_split(pgt, ipa, size, NULL);
		break;
	case M_WRPROTECT:
		ret = pgt_stage2_wrprotect(pgt, ipa, size);
		break;
	default:
		/* Exclusive: replaces what differs, collapses tables into blocks. */
		ret = pgt_stage2_map(pgt, ipa, size, f_pa(ipa), rand_prot(&w->rng), NULL, 0);
		break;
	}
	pthread_rwlock_unlock(&s->mmu_lock);
	record(w, op, ret, ipa, ALLOW(O_OK));
}

/* @ops operations in PHASES rounds, every thread starting each round together. */
static void run_phases(struct worker *w, u32 ops, void (*one)(struct worker *w))
{
	urcu_memb_register_thread();
	for (u32 phase = 0; phase < PHASES; phase++) {
		u32 n = ops / PHASES + (phase < ops % PHASES);

		pthread_barrier_wait(&w->s->start);
		while (n--)
			one(w);
	}
	urcu_memb_unregister_thread();
}

static void *fault_thread(void *arg)
{
	struct worker *w = arg;

	run_phases(w, w->s->fault_ops, fault_one);
	return NULL;
}

static void *maint_thread(void *arg)
{
	struct worker *w = arg;

	run_phases(w, w->s->maint_ops, maint_one);
	return NULL;
}

static u32 stress_scale(void)
{
	const char *env = getenv("PGT_STRESS_SCALE");
	long n = env ? strtol(env, NULL, 0) : 1;

	return n > 0 ? (u32)n : 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_counts(const char *const names[], int nops, struct worker *w, int nw)
{
	for (int op = 0; op < nops; op++) {
		u64 total = 0, sum[O_NR] = { 0 };
		char line[256];
		int len;

		for (int i = 0; i < nw; i++)
			for (int o = 0; o < O_NR; o++)
				sum[o] += w[i].counts[op][o];
		for (int o = 0; o < O_NR; o++)
			total += sum[o];
		len = snprintf(line, sizeof(line), "#   %-17s %7llu:", names[op],
			       (unsigned long long)total);
		for (int o = 0; o < O_NR; o++)
			if (sum[o])
				len += snprintf(line + len, sizeof(line) - len, " %s %llu",
						outcome_names[o], (unsigned long long)sum[o]);
		print_message("%s\n", line);
	}
}

static void test_stress(void **state)
{
	u32 granule = test_granule(state);
	struct stress *s = calloc(1, sizeof(*s));
	struct worker w[FAULT_THREADS + 1];
	struct host_mm_stats st;
	pthread_rwlockattr_t attr;
	long leaves, blocks;
	double t0, t1;
	u64 young = 0, map_ok = 0, map_eagain = 0;
	char name[64];

	assert_non_null(s);
	snprintf(name, sizeof(name), "stage2 stress %uK", 1u << (granule - 10));
	s->seed = test_seed(name);
	stage2_rcu_env(&s->t, granule);
	s->page = tenv_page(&s->t);
	s->block = block_size(&s->t);
	/* 16384 pages of 4K and 16K (32 and 8 blocks), 32768 of 64K (4 blocks). */
	s->win_size = granule == PGT_GRANULE_64K ? 4 * s->block : 16384 * s->page;
	s->win = WIN_BASE;
	s->npages = s->win_size / s->page;
	s->fault_ops = FAULT_OPS * stress_scale();
	s->maint_ops = MAINT_OPS * stress_scale();

	/* The maintenance thread must not starve behind a stream of readers. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	assert_int_equal(pthread_rwlock_init(&s->mmu_lock, &attr), 0);
	pthread_rwlockattr_destroy(&attr);
	assert_int_equal(pthread_barrier_init(&s->start, NULL, FAULT_THREADS + 1), 0);

	memset(w, 0, sizeof(w));
	t0 = now_s();
	for (int i = 0; i <= FAULT_THREADS; i++) {
		w[i].s = s;
		w[i].idx = i;
		w[i].rng = s->seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
		assert_int_equal(pthread_create(&w[i].tid, NULL,
						i < FAULT_THREADS ? fault_thread : maint_thread,
						&w[i]), 0);
	}
	for (int i = 0; i <= FAULT_THREADS; i++)
		assert_int_equal(pthread_join(w[i].tid, NULL), 0);
	t1 = now_s();

	for (int i = 0; i <= FAULT_THREADS; i++) {
		pgt_memcache_free(&w[i].mc, tenv_mm(&s->t));
		young += w[i].young;
		map_ok += w[i].counts[F_MAP][O_OK];
		map_eagain += w[i].counts[F_MAP][O_EAGAIN];
	}
	host_mm_rcu_barrier(s->t.hm);
	host_mm_stats_get(s->t.hm, &st);

	print_message("# %s: %d fault threads x %u ops, 1 maintenance thread x %u ops, "
		      "%d phases, %.2f s\n", name, FAULT_THREADS, s->fault_ops, s->maint_ops,
		      PHASES, t1 - t0);
	print_counts(fault_names, F_NR, w, FAULT_THREADS);
	print_counts(maint_names, M_NR, &w[FAULT_THREADS], 1);
	print_message("#   test_clear_young found young leaves %llu times\n",
		      (unsigned long long)young);
	print_message("#   tables unlinked and freed through RCU %llu (of %llu deferred); "
		      "tlbi va %llu range %llu; peak %llu KiB\n",
		      (unsigned long long)st.rcu_frees, (unsigned long long)st.deferred_frees,
		      (unsigned long long)(st.tlbi_va_leaf + st.tlbi_va_table),
		      (unsigned long long)st.tlbi_range,
		      (unsigned long long)st.peak_in_use * 4);

	for (int i = 0; i <= FAULT_THREADS; i++) {
		if (w[i].other_err)
			fail_msg("thread %d: %s at ipa 0x%llx returned %d", i,
				 i < FAULT_THREADS ? fault_names[w[i].other_op] :
						     maint_names[w[i].other_op],
				 (unsigned long long)w[i].other_addr, w[i].other_err);
		assert_int_equal(w[i].topup_failed, 0);
	}
	/* The run did something: page maps succeeded, and some found their work done. */
	assert_true(map_ok > 0 && map_eagain > 0);

	leaves = audit_tree(&s->t, s->win, s->win + s->win_size, &blocks);
	print_message("#   final tree: %ld leaves (%ld blocks), %ld tables\n", leaves, blocks,
		      ref_count_tables(&s->t.rg));

	finish(&s->t);
	pthread_barrier_destroy(&s->start);
	pthread_rwlock_destroy(&s->mmu_lock);
	free(s);
}

/* ---------------------------------------------------------------- two maps, one page */

#define RACE_ROUNDS	200

struct racer {
	struct tenv *t;
	pthread_barrier_t *bar;
	struct pgt_memcache mc;
	u64 base, stride;
	int ret[RACE_ROUNDS];
	bool topup_failed;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;
	struct pgt *pgt = &r->t->pgt;

	urcu_memb_register_thread();
	for (int i = 0; i < RACE_ROUNDS; i++) {
		u64 ipa = r->base + i * r->stride;
		u64 need = pgt_stage2_tables_needed(pgt, ipa, tenv_page(r->t), f_pa(ipa));

		if (pgt_memcache_topup(&r->mc, tenv_mm(r->t), tenv_page(r->t), need))
			r->topup_failed = true;
		pthread_barrier_wait(r->bar);
		r->ret[i] = pgt_stage2_map(pgt, ipa, tenv_page(r->t), f_pa(ipa), PGT_PROT_RW,
					   &r->mc, PGT_WALK_SHARED);
	}
	urcu_memb_unregister_thread();
	return NULL;
}

/*
 * Two vCPUs fault on the same page at once, each round in a fresh region so
 * that they also race to install the tables above it: one maps it, the other
 * finds an identical leaf (-EAGAIN), and the page is mapped once, to f(ipa).
 */
static void test_race_same_page(void **state)
{
	struct tenv t;
	pthread_barrier_t bar;
	pthread_t tid[2];
	struct racer r[2];
	int won[2] = { 0, 0 };
	long leaves;

	stage2_rcu_env(&t, test_granule(state));
	assert_int_equal(pthread_barrier_init(&bar, NULL, 2), 0);
	for (int i = 0; i < 2; i++) {
		r[i] = (struct racer){ .t = &t, .bar = &bar, .base = WIN_BASE,
				       .stride = block_size(&t) };
		assert_int_equal(pthread_create(&tid[i], NULL, racer_fn, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&bar);

	for (int i = 0; i < RACE_ROUNDS; i++) {
		u64 ipa = WIN_BASE + i * block_size(&t);

		assert_true(r[0].ret[i] == 0 || r[0].ret[i] == -EAGAIN);
		assert_true(r[1].ret[i] == 0 || r[1].ret[i] == -EAGAIN);
		/* An identical leaf is -EAGAIN (Documentation/stage2.rst): one winner. */
		if ((r[0].ret[i] == 0) == (r[1].ret[i] == 0))
			fail_msg("round %d: results %d and %d, expected exactly one 0", i,
				 r[0].ret[i], r[1].ret[i]);
		won[r[1].ret[i] == 0]++;
		expect_mapped(&t, ipa, f_pa(ipa), PGT_PROT_RW);
	}
	print_message("# race_same_page: %d rounds, thread 0 won %d, thread 1 won %d; "
		      "%u + %u cached pages left (lost table races recycle theirs)\n",
		      RACE_ROUNDS, won[0], won[1], r[0].mc.nr, r[1].mc.nr);
	assert_false(r[0].topup_failed || r[1].topup_failed);
	for (int i = 0; i < 2; i++)
		pgt_memcache_free(&r[i].mc, tenv_mm(&t));
	leaves = audit_tree(&t, WIN_BASE, WIN_BASE + RACE_ROUNDS * block_size(&t), NULL);
	assert_int_equal(leaves, RACE_ROUNDS);
	finish(&t);
}

/* ---------------------------------------------------------------- a locked entry */

/* A one-shot event between two threads: no sleeping, no timing. */
struct handshake {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void hs_init(struct handshake *h)
{
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->done = false;
}

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

/*
 * Another walker in the middle of break-before-make: a shared walk whose
 * visitor swaps the entry at @level for PGT_PTE_LOCKED, says so, and waits
 * to be released before writing the old value back.
 */
struct holder {
	struct tenv *t;
	u64 ipa;
	pgt_s8 level;
	pgt_pte_t *ptep;
	pgt_pte_t saved;
	struct handshake locked, release;
	int ret;
};

static struct pgt_action holder_visitor(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	struct holder *h = ctx->arg;
	pgt_pte_t old = ctx->old;

	(void)visit;
	if (ctx->level != h->level)
		return pgt_continue();
	if (!__atomic_compare_exchange_n(ctx->ptep, &old, PGT_PTE_LOCKED, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return pgt_retry();
	h->ptep = ctx->ptep;
	h->saved = ctx->old;
	hs_signal(&h->locked);
	hs_wait(&h->release);
	__atomic_store_n(ctx->ptep, h->saved, __ATOMIC_RELEASE);
	return pgt_continue();
}

static void *holder_fn(void *arg)
{
	struct holder *h = arg;
	struct pgt_walker walker = {
		.cb = holder_visitor,
		.arg = h,
		.flags = PGT_WALK_SHARED | PGT_WALK_LEAF | PGT_WALK_TABLE_PRE,
	};

	urcu_memb_register_thread();
	h->ret = pgt_walk(&h->t->pgt, h->ipa, 1, &walker);
	urcu_memb_unregister_thread();
	return NULL;
}

enum lock_case { LOCK_EMPTY, LOCK_LEAF, LOCK_TABLE };

/*
 * While the entry is locked, every shared operation that needs it runs out
 * of retries (-EAGAIN) and leaves it alone: the marker, the table's
 * reference count and the caller's memory cache are untouched.  Once it is
 * released the caller's retries succeed.
 */
static void locked_case(u32 granule, enum lock_case which)
{
	struct tenv t;
	struct holder h = { .t = &t };
	struct pgt_memcache mc = { 0 };
	struct pgt_mm_ops *mm;
	pthread_t tid;
	u64 page, a, other;
	u32 prot = PGT_PROT_RW;
	void *l3;
	int refs, ret, attempts = 0;
	u32 cached;

	stage2_rcu_env(&t, granule);
	mm = tenv_mm(&t);
	page = tenv_page(&t);
	a = WIN_BASE + 5 * page;
	other = WIN_BASE + 2 * block_size(&t);
	/* A neighbour makes the last-level table exist; LEAF maps @a itself too. */
	assert_int_equal(pgt_stage2_map(&t.pgt, a + page, page, f_pa(a + page), PGT_PROT_RW,
					 NULL, 0), 0);
	if (which == LOCK_LEAF)
		assert_int_equal(pgt_stage2_map(&t.pgt, a, page, f_pa(a), PGT_PROT_RW, NULL, 0), 0);
	l3 = (void *)PGT_ALIGN_DOWN((uintptr_t)test_ptep(&t, a), page);
	refs = mm->page_count(mm, l3);
	assert_int_equal(pgt_memcache_topup(&mc, mm, page, 4), 0);
	cached = mc.nr;

	h.ipa = a;
	h.level = which == LOCK_TABLE ? 2 : PGT_MAX_LEVEL;
	hs_init(&h.locked);
	hs_init(&h.release);
	assert_int_equal(pthread_create(&tid, NULL, holder_fn, &h), 0);
	hs_wait(&h.locked);
	assert_int_equal(__atomic_load_n(h.ptep, __ATOMIC_ACQUIRE), PGT_PTE_LOCKED);

	assert_int_equal(pgt_stage2_map(&t.pgt, a, page, f_pa(a), prot, &mc, PGT_WALK_SHARED),
			 -EAGAIN);
	assert_int_equal(pgt_stage2_mkyoung(&t.pgt, a, PGT_WALK_SHARED), -EAGAIN);
	assert_int_equal(pgt_stage2_relax_perms(&t.pgt, a, PGT_PROT_RWX, PGT_WALK_SHARED), -EAGAIN);
	assert_int_equal(pgt_stage2_test_clear_young(&t.pgt, a, page, true, PGT_WALK_SHARED),
			 -EAGAIN);
	assert_int_equal(__atomic_load_n(h.ptep, __ATOMIC_ACQUIRE), PGT_PTE_LOCKED);
	assert_int_equal(mm->page_count(mm, l3), refs);
	assert_int_equal(mc.nr, cached);
	/* The lock is one entry's: elsewhere, shared maps go on. */
	assert_int_equal(pgt_stage2_map(&t.pgt, other, page, f_pa(other), prot, &mc,
					PGT_WALK_SHARED), 0);
	cached = mc.nr;

	/*
	 * Release and retry at once, racing the holder's write-back.  Over a
	 * leaf, map with other software bits: an identical one is -EAGAIN for
	 * good (another vCPU won), a different one is replaced.
	 */
	if (which == LOCK_LEAF)
		prot |= PGT_PROT_SW0;
	hs_signal(&h.release);
	do {
		ret = pgt_stage2_map(&t.pgt, a, page, f_pa(a), prot, &mc, PGT_WALK_SHARED);
		attempts++;
		if (ret == -EAGAIN)
			sched_yield();
	} while (ret == -EAGAIN && attempts < 1000000);
	assert_int_equal(ret, 0);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(h.ret, 0);
	assert_int_equal(mc.nr, cached);
	expect_mapped(&t, a, f_pa(a), prot);
	expect_mapped(&t, a + page, f_pa(a + page), PGT_PROT_RW);
	expect_mapped(&t, other, f_pa(other), PGT_PROT_RW);
	print_message("# locked %s at level %d: released, mapped after %d attempt(s)\n",
		      which == LOCK_EMPTY ? "empty entry" : which == LOCK_LEAF ? "leaf" : "table entry",
		      h.level, attempts);
	pgt_memcache_free(&mc, mm);
	assert_int_equal(audit_tree(&t, WIN_BASE, other + page, NULL), 3);
	finish(&t);
}

static void test_locked_entry(void **state)
{
	locked_case(test_granule(state), LOCK_EMPTY);
	locked_case(test_granule(state), LOCK_LEAF);
	locked_case(test_granule(state), LOCK_TABLE);
}

static int group_setup(void **state)
{
	(void)state;
	urcu_memb_register_thread();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	urcu_memb_unregister_thread();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FOR_GRANULES(test_race_same_page),
		FOR_GRANULES(test_locked_entry),
		FOR_GRANULES(test_stress),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
