// SPDX-License-Identifier: GPL-2.0-only
/*
 * stage2.c - the stage-2 benchmark suite (issue 6; Documentation/performance.rst).
 *
 * A 40-bit IPA stage-2 tree, the range [0x40000000, +size) (1 GiB unless
 * --size says otherwise), for the 4K, 16K and 64K granules.  Every scenario
 * of the table at the bottom runs once to warm up, then --runs times, each
 * time on a fresh tree in a hosted home (counting TLB and cache hooks)
 * that the scenario owns for all its runs.  A run is an untimed setup, the
 * timed part, and an untimed teardown that checks nothing leaked.
 *
 * Output: a table on stdout, one JSON object per scenario and granule in
 * --json.  Times are ns per unit (page, block or call) of the timed part,
 * in the thread's CPU time (parallel faults: wall time).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "pgtable.h"
#include "pgtable_hosted.h"
#include "bench_util.h"

#define BENCH_IPA		0x40000000ULL
#define BENCH_IA_BITS		40
#define BENCH_PA_BITS		40
/* Table pages live at 512 GiB, clear of every address the scenarios map. */
#define BENCH_ARENA_PHYS	(512ULL << 30)
#define BENCH_PROT		PGT_PROT_RW
#define BENCH_LEVEL_BLOCK	2	/* the "2 MiB" blocks: level 2 of each granule */
#define DEFAULT_SIZE		(1ULL << 30)
#define DEFAULT_RUNS		21
#define QUICK_SIZE		(4ULL << 20)
#define MAX_RUNS		1000
#define MAX_THREADS		4

#ifdef __clang__
#define COMPILER		__VERSION__
#else
#define COMPILER		"gcc " __VERSION__
#endif

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static const u32 granules[] = { PGT_GRANULE_4K, PGT_GRANULE_16K, PGT_GRANULE_64K };

struct opts {
	u64 size;
	u32 runs;
	bool warmup;
	const char *json;
	const char *only;		/* comma-separated scenario names */
	u32 granule_mask;		/* bit i: granules[i] */
	int perf_ctl, perf_ack;		/* perf record --control fds, or -1 */
};

static struct opts opts = {
	.size = DEFAULT_SIZE,
	.runs = DEFAULT_RUNS,
	.warmup = true,
	.json = NULL,
	.granule_mask = 7,
	.perf_ctl = -1,
	.perf_ack = -1,
};

/* ================================================================ one run */

/*
 * Top-ups timed apart: @excluded is taken out of the timed part (with the
 * clock reads that bracket them), @cost is what they took themselves.
 */
struct topup_time {
	u64 excluded;
	u64 cost;
};

/* A fresh tree and what its timed part did. */
struct run {
	struct pgt_hosted *home;
	struct pgt_mm_ops *mm;
	u32 shift;			/* granule */
	u32 threads;
	struct pgt pgt;
	bool live;			/* pgt must be destroyed at teardown */
	struct pgt_memcache mc;
	struct pgt_memcache thread_mc[MAX_THREADS];
	u64 size;			/* bytes the scenario covers */
	u64 units;			/* pages, blocks or calls timed */
	struct topup_time topup;	/* inside the timed part, not counted */
	u64 wall_ns;			/* set by a timed part that times itself */
	u64 cpu_ns;			/* its threads' CPU time, summed */
	void **floor;			/* the floor's table pages */
	u64 nfloor;
	pthread_rwlock_t lock;		/* the "mmu_lock" parallel faults read-hold */
};

/* What one cpu_ns() costs, measured at start-up (the least of many tries). */
static u64 cpu_clock_cost;

static u64 page_size(const struct run *r)
{
	return 1ULL << r->shift;
}

static u64 npages(const struct run *r)
{
	return r->size >> r->shift;
}

static u64 block_size(const struct run *r)
{
	return pgt_level_size(&r->pgt.geom, BENCH_LEVEL_BLOCK);
}

static u64 page_ipa(const struct run *r, u64 i)
{
	return BENCH_IPA + (i << r->shift);
}

/* ---------------------------------------------------------------- trees */

static int tree_init(struct run *r, u32 flags)
{
	struct pgt_config cfg = {
		.ia_bits = BENCH_IA_BITS,
		.granule_shift = r->shift,
		.pa_bits = BENCH_PA_BITS,
		.flags = flags,
	};
	int ret = pgt_stage2_init(&r->pgt, &cfg, r->mm, r);

	r->live = !ret;
	r->units = npages(r);
	return ret;
}

/* The range as pages, in one call, the library allocating its tables. */
static int map_all_pages(struct run *r)
{
	return pgt_stage2_map(&r->pgt, BENCH_IPA, r->size, BENCH_IPA, BENCH_PROT, NULL, 0);
}

/* The block scenarios cover whole blocks (a 64K block is 512 MiB). */
static void round_to_blocks(struct run *r)
{
	u64 blk = block_size(r);

	r->size = (r->size + blk - 1) & ~(blk - 1);
}

/* The range as level-2 blocks, in one call. */
static int map_all_blocks(struct run *r)
{
	u64 blk = block_size(r);

	/* PA offset by one block: IPA and PA never agree on a level-1 block. */
	return pgt_stage2_map(&r->pgt, BENCH_IPA, r->size, BENCH_IPA + blk, BENCH_PROT, NULL, 0);
}

/* ---------------------------------------------------------------- setups */

static int setup_tree(struct run *r)
{
	return tree_init(r, 0);
}

static int setup_tree_pages(struct run *r)
{
	return tree_init(r, PGT_S2_FORCE_PAGES);
}

static int setup_mapped(struct run *r)
{
	return setup_tree_pages(r) ?: map_all_pages(r);
}

static int setup_mapped_old(struct run *r)
{
	int ret = setup_mapped(r);

	if (!ret)
		ret = pgt_stage2_test_clear_young(&r->pgt, BENCH_IPA, r->size, true, 0);
	return ret < 0 ? ret : 0;
}

static int setup_mapped_ro(struct run *r)
{
	return setup_mapped(r) ?: pgt_stage2_wrprotect(&r->pgt, BENCH_IPA, r->size);
}

static int setup_unmapped(struct run *r)
{
	return setup_mapped(r) ?: pgt_stage2_unmap(&r->pgt, BENCH_IPA, r->size);
}

static int setup_blocks(struct run *r)
{
	int ret = setup_tree(r);

	round_to_blocks(r);
	r->units = r->size / block_size(r);
	return ret;
}

/* Blocks, and a cache holding the page tables splitting them takes. */
static int setup_split(struct run *r)
{
	int ret = setup_tree(r);

	round_to_blocks(r);
	r->units = npages(r);
	if (!ret)
		ret = map_all_blocks(r);
	if (!ret)
		ret = pgt_memcache_topup(&r->mc, r->mm, page_size(r), r->size / block_size(r));
	return ret;
}

static int setup_destroy_empty(struct run *r)
{
	int ret = setup_unmapped(r);

	r->units = 1;
	return ret;
}

/* As many table pages as mapping the range takes, root included. */
static int setup_floor(struct run *r)
{
	int ret = setup_tree_pages(r);
	u64 i;

	if (ret)
		return ret;
	r->nfloor = r->pgt.geom.root_pages +
		    pgt_stage2_tables_needed(&r->pgt, BENCH_IPA, r->size, BENCH_IPA);
	pgt_stage2_destroy(&r->pgt);
	r->live = false;
	r->floor = calloc(r->nfloor, sizeof(*r->floor));
	if (!r->floor)
		return -ENOMEM;
	for (i = 0; i < r->nfloor; i++) {
		r->floor[i] = r->mm->zalloc_page(r->mm, page_size(r));
		if (!r->floor[i])
			return -ENOMEM;
	}
	return 0;
}

static int setup_parallel(struct run *r)
{
	pthread_rwlock_init(&r->lock, NULL);
	return setup_tree(r);
}

/* ---------------------------------------------------------------- timed parts */

static void topup_timed(struct run *r, struct pgt_memcache *mc, u32 need,
			struct topup_time *tt, int *ret)
{
	u64 t0 = tt ? cpu_ns() : 0, dt;

	*ret = pgt_memcache_topup(mc, r->mm, page_size(r), need);
	if (!tt)
		return;
	dt = cpu_ns() - t0;
	/* The interval holds about one clock read: both are taken out. */
	tt->excluded += dt + cpu_clock_cost;
	tt->cost += dt > cpu_clock_cost ? dt - cpu_clock_cost : 0;
}

/*
 * What a fault handler does per fault: top the cache up to the worst case
 * of one page (a top-up only does anything, and is only timed, when the
 * cache is short), then map the page.
 */
static int fault_pages(struct run *r, struct pgt_memcache *mc, u64 first, u64 n, u32 flags,
		       struct topup_time *tt)
{
	u64 pg = page_size(r);
	u32 need = pgt_stage2_tables_needed(&r->pgt, page_ipa(r, first), pg, page_ipa(r, first));
	int ret = 0;
	u64 i;

	for (i = first; i < first + n && !ret; i++) {
		if (mc->nr < need)
			topup_timed(r, mc, need, tt, &ret);
		if (!ret)
			ret = pgt_stage2_map(&r->pgt, page_ipa(r, i), pg, page_ipa(r, i), BENCH_PROT,
					     mc, flags);
	}
	return ret;
}

static int t_fault(struct run *r)
{
	return fault_pages(r, &r->mc, 0, npages(r), 0, &r->topup);
}

static int t_fault_shared(struct run *r)
{
	return fault_pages(r, &r->mc, 0, npages(r), PGT_WALK_SHARED, &r->topup);
}

static int t_map_pages(struct run *r)
{
	return map_all_pages(r);
}

static int t_map_blocks(struct run *r)
{
	return map_all_blocks(r);
}

static int t_wrprotect(struct run *r)
{
	return pgt_stage2_wrprotect(&r->pgt, BENCH_IPA, r->size);
}

static int t_mkold(struct run *r)
{
	int ret = pgt_stage2_test_clear_young(&r->pgt, BENCH_IPA, r->size, true, 0);

	return ret == 1 ? 0 : ret < 0 ? ret : -EINVAL;
}

static int t_mkold_pages(struct run *r)
{
	u64 i, n = npages(r);
	int ret = 1;

	for (i = 0; i < n && ret == 1; i++)
		ret = pgt_stage2_test_clear_young(&r->pgt, page_ipa(r, i), page_size(r), true, 0);
	return ret == 1 ? 0 : ret < 0 ? ret : -EINVAL;
}

static int t_mkyoung_pages(struct run *r)
{
	u64 i, n = npages(r);
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = pgt_stage2_mkyoung(&r->pgt, page_ipa(r, i), 0);
	return ret;
}

static int t_relax_pages(struct run *r)
{
	u64 i, n = npages(r);
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = pgt_stage2_relax_perms(&r->pgt, page_ipa(r, i), PGT_PROT_W, 0);
	return ret;
}

static int t_split(struct run *r)
{
	return pgt_stage2_split(&r->pgt, BENCH_IPA, r->size, &r->mc);
}

static int t_unmap(struct run *r)
{
	return pgt_stage2_unmap(&r->pgt, BENCH_IPA, r->size);
}

static int t_destroy(struct run *r)
{
	pgt_stage2_destroy(&r->pgt);
	r->live = false;
	return 0;
}

/* The memory-bound limit: zero every table page, store one entry per page. */
static int t_floor(struct run *r)
{
	u64 entries = page_size(r) / sizeof(pgt_pte_t), left = npages(r);
	u64 pte = BENCH_IPA | 0x7c3, i, j;
	u32 root = r->pgt.geom.root_pages;

	for (i = 0; i < r->nfloor; i++)
		memset(r->floor[i], 0, page_size(r));
	for (i = root; i < r->nfloor && left; i++) {
		pgt_pte_t *table = r->floor[i];

		for (j = 0; j < entries && left; j++, left--, pte += page_size(r))
			table[j] = pte;
	}
	__asm__ volatile("" : : "r"(r->floor) : "memory");
	return 0;
}

/* ---------------------------------------------------------------- parallel faults */

struct fault_thread {
	struct run *r;
	pthread_t tid;
	pthread_barrier_t *go;
	struct pgt_memcache *mc;
	u64 first, n;
	u64 start_ns, end_ns, cpu_ns;
	int ret;
};

/*
 * A vCPU thread: a registered RCU reader holding the tree's lock for
 * reading, faulting its own share of the pages with shared walks.  Its
 * top-ups are part of its time: they contend on the arena like a real one.
 */
static void *fault_thread(void *arg)
{
	struct fault_thread *t = arg;
	u64 cpu;

	urcu_memb_register_thread();
	pthread_rwlock_rdlock(&t->r->lock);
	pthread_barrier_wait(t->go);
	t->start_ns = wall_ns();
	cpu = cpu_ns();
	t->ret = fault_pages(t->r, t->mc, t->first, t->n, PGT_WALK_SHARED, NULL);
	t->cpu_ns = cpu_ns() - cpu;
	t->end_ns = wall_ns();
	pthread_rwlock_unlock(&t->r->lock);
	urcu_memb_unregister_thread();
	return NULL;
}

static int t_parallel(struct run *r)
{
	struct fault_thread th[MAX_THREADS];
	pthread_barrier_t go;
	u64 n = npages(r), start = ~0ULL, end = 0;
	u32 i, nt = r->threads;
	int ret = 0;

	pthread_barrier_init(&go, NULL, nt + 1);
	for (i = 0; i < nt; i++) {
		th[i] = (struct fault_thread){
			.r = r, .go = &go, .mc = &r->thread_mc[i],
			.first = n * i / nt, .n = n * (i + 1) / nt - n * i / nt,
		};
		if (pthread_create(&th[i].tid, NULL, fault_thread, &th[i]))
			abort();
	}
	pthread_barrier_wait(&go);
	/* Wall time: from the first thread's start to the last one's end. */
	for (i = 0; i < nt; i++) {
		pthread_join(th[i].tid, NULL);
		ret = ret ?: th[i].ret;
		start = th[i].start_ns < start ? th[i].start_ns : start;
		end = th[i].end_ns > end ? th[i].end_ns : end;
		r->cpu_ns += th[i].cpu_ns;
	}
	pthread_barrier_destroy(&go);
	pthread_rwlock_destroy(&r->lock);
	r->wall_ns = end - start;
	return ret;
}

/* ================================================================ scenarios */

enum scenario_flags {
	SC_RCU = 1u << 0,	/* the home is an RCU home (PGT_HOSTED_RCU) */
	SC_BULK = 1u << 1,	/* one call over the range: compared with the floor */
	SC_TOPUP = 1u << 2,	/* top-ups are timed apart and reported */
	SC_FLOOR = 1u << 3,	/* the floor itself */
};

struct scenario {
	const char *name;
	const char *unit;		/* what one timed unit is */
	u32 flags;
	u32 threads;
	double kvm;			/* Linux 6.1 at 4K, ns per unit; 0: none */
	int (*setup)(struct run *r);
	int (*timed)(struct run *r);
};

static const struct scenario scenarios[] = {
	{ "fault_map",		"page",  SC_TOPUP, 0, 38.0,  setup_tree,	t_fault },
	{ "fault_map_shared",	"page",  SC_TOPUP, 0, 0,     setup_tree,	t_fault_shared },
	{ "map_pages",		"page",  SC_BULK,  0, 10.3,  setup_tree_pages,	t_map_pages },
	{ "map_blocks",		"block", 0,	   0, 10.5,  setup_blocks,	t_map_blocks },
	{ "wrprotect",		"page",  SC_BULK,  0, 3.6,   setup_mapped,	t_wrprotect },
	{ "mkold",		"page",  SC_BULK,  0, 0,     setup_mapped,	t_mkold },
	{ "mkold_per_page",	"page",  0,	   0, 18.9,  setup_mapped,	t_mkold_pages },
	{ "mkyoung_per_page",	"page",  0,	   0, 0,     setup_mapped_old,	t_mkyoung_pages },
	{ "relax_perms_per_page", "page", 0,	   0, 20.5,  setup_mapped_ro,	t_relax_pages },
	{ "split",		"page",  SC_BULK,  0, 0,     setup_split,	t_split },
	{ "unmap",		"page",  SC_BULK,  0, 9.6,   setup_mapped,	t_unmap },
	{ "destroy_mapped",	"page",  SC_BULK,  0, 0,     setup_mapped,	t_destroy },
	{ "destroy_empty",	"call",  0,	   0, 0,     setup_destroy_empty, t_destroy },
	{ "floor",		"page",  SC_FLOOR, 0, 0.6,   setup_floor,	t_floor },
	{ "fault_parallel_1t",	"page",  SC_RCU,   1, 0,     setup_parallel,	t_parallel },
	{ "fault_parallel_2t",	"page",  SC_RCU,   2, 0,     setup_parallel,	t_parallel },
	{ "fault_parallel_4t",	"page",  SC_RCU,   4, 0,     setup_parallel,	t_parallel },
};

/* Linux 6.1's table memory after the fault-style map at 4K (issue 6). */
#define KVM_FAULT_TABLE_PAGES	515

/* ================================================================ measuring */

/* What one run measured; counters are deltas over the timed part. */
struct sample {
	double ns, topup_ns, cpu_ns;	/* per unit; cpu_ns: parallel runs' CPU time */
	u64 units;
	u64 tlbi_leaf, tlbi_table, tlbi_range, tlbi_all, cmo, tables_freed;
	u64 peak_frames, tree_frames;
};

struct result {
	const struct scenario *sc;
	u32 shift;
	u32 runs;
	double median, min, max, topup_ns, cpu_ns;
	struct sample last;
};

static void die(const char *what, const struct scenario *sc, u32 shift, long err)
{
	fprintf(stderr, "bench: %s %uK: %s (%ld)\n", sc->name, (1u << shift) >> 10, what, err);
	exit(1);
}

/*
 * Twice the last-level tables of the range (or of one 512 MiB block, which
 * the block scenarios may round up to), plus room for roots and caches.
 */
static u64 arena_size(u32 shift)
{
	u64 size = opts.size > (512ULL << 20) ? opts.size : 512ULL << 20;
	u64 bytes = 2 * (size >> (shift - 3)) + (8ULL << 20);

	return (bytes + PGT_HOSTED_ALIGN - 1) & ~(u64)(PGT_HOSTED_ALIGN - 1);
}

static struct pgt_hosted *arena_create(const struct scenario *sc, u32 shift)
{
	struct pgt_hosted *home = pgt_hosted_create(arena_size(shift), BENCH_ARENA_PHYS,
						    sc->flags & SC_RCU ? PGT_HOSTED_RCU : 0);

	if (!home)
		die("no arena", sc, shift, -ENOMEM);
	arena_prefault(home);
	return home;
}

static void counters_delta(struct sample *s, const struct pgt_hosted_stats *a,
			   const struct pgt_hosted_stats *b)
{
	s->tlbi_leaf = b->tlbi_va_leaf - a->tlbi_va_leaf;
	s->tlbi_table = b->tlbi_va_table - a->tlbi_va_table;
	s->tlbi_range = b->tlbi_range - a->tlbi_range;
	s->tlbi_all = b->tlbi_all - a->tlbi_all;
	s->cmo = b->dcache_ops - a->dcache_ops + b->icache_ops - a->icache_ops;
	s->tables_freed = b->frees - a->frees;
	s->peak_frames = b->peak_frames;
}

/* Frames sitting in the run's caches rather than in the tree. */
static u64 cached_frames(const struct run *r)
{
	u64 pages = r->mc.nr;
	int i;

	for (i = 0; i < MAX_THREADS; i++)
		pages += r->thread_mc[i].nr;
	return pages << (r->shift - HOME_FRAME_SHIFT);
}

static void teardown(const struct scenario *sc, struct run *r)
{
	struct pgt_hosted_stats st;
	u64 i;

	if (r->live)
		pgt_stage2_destroy(&r->pgt);
	pgt_memcache_free(&r->mc, r->mm);
	for (i = 0; i < MAX_THREADS; i++)
		pgt_memcache_free(&r->thread_mc[i], r->mm);
	for (i = 0; r->floor && i < r->nfloor; i++)
		if (r->floor[i])
			r->mm->put_page(r->mm, r->floor[i]);
	free(r->floor);
	pgt_hosted_synchronize(r->home);
	pgt_hosted_stats(r->home, &st);
	if (pgt_hosted_in_use(r->home) || st.warnings)
		die("leaked table pages or warned", sc, r->shift, (long)st.warnings);
}

/*
 * With --perf-ctl, perf record -D -1 --control fd:CTL,ACK samples only the
 * timed parts (bench/profile.sh).
 */
static void perf_ctl(const char *cmd)
{
	char ack[8];

	if (opts.perf_ctl < 0)
		return;
	if (write(opts.perf_ctl, cmd, strlen(cmd)) < 0 ||
	    (opts.perf_ack >= 0 && read(opts.perf_ack, ack, sizeof(ack)) < 0))
		perror("bench: perf control");
}

static void run_once(const struct scenario *sc, struct pgt_hosted *home, u32 shift,
		     struct sample *s)
{
	struct run r = {
		.home = home, .mm = pgt_hosted_ops(home), .shift = shift, .threads = sc->threads,
		.size = opts.size,
	};
	struct pgt_hosted_stats before, after;
	u64 t0, t1, ns;
	int ret;

	pgt_hosted_stats_reset(home);
	ret = sc->setup(&r);
	if (ret)
		die("setup failed", sc, shift, ret);
	pgt_hosted_stats(home, &before);
	perf_ctl("enable\n");
	t0 = cpu_ns();
	ret = sc->timed(&r);
	t1 = cpu_ns();
	perf_ctl("disable\n");
	pgt_hosted_stats(home, &after);
	if (ret)
		die("timed part failed", sc, shift, ret);
	counters_delta(s, &before, &after);
	s->tree_frames = sc->flags & SC_FLOOR ? 0 : after.frames_in_use - cached_frames(&r);
	s->units = r.units;
	/* t1 - t0 holds one clock read too. */
	ns = t1 - t0 > cpu_clock_cost + r.topup.excluded ?
	     t1 - t0 - cpu_clock_cost - r.topup.excluded : 0;
	ns = r.wall_ns ?: ns;
	s->ns = (double)ns / r.units;
	s->topup_ns = (double)r.topup.cost / r.units;
	s->cpu_ns = (double)r.cpu_ns / r.units;
	teardown(sc, &r);
}

static void measure(const struct scenario *sc, u32 shift, struct result *res)
{
	struct pgt_hosted *home = arena_create(sc, shift);
	double ns[MAX_RUNS], topup[MAX_RUNS], cpu[MAX_RUNS];
	struct sample s;
	u32 i;

	fprintf(stderr, "  %-22s %2uK ...", sc->name, (1u << shift) >> 10);
	if (opts.warmup)
		run_once(sc, home, shift, &s);
	for (i = 0; i < opts.runs; i++) {
		run_once(sc, home, shift, &s);
		ns[i] = s.ns;
		topup[i] = s.topup_ns;
		cpu[i] = s.cpu_ns;
	}
	pgt_hosted_destroy(home);
	*res = (struct result){ .sc = sc, .shift = shift, .runs = opts.runs, .last = s };
	res->topup_ns = median(topup, opts.runs);
	res->cpu_ns = median(cpu, opts.runs);
	res->median = median(ns, opts.runs);	/* sorts ns[] */
	res->min = ns[0];
	res->max = ns[opts.runs - 1];
	fprintf(stderr, " %.2f ns/%s\n", res->median, sc->unit);
}

/* ================================================================ reporting */

static double load_start;

static u64 in_pages(u64 frames, u32 shift)
{
	return frames >> (shift - HOME_FRAME_SHIFT);
}

static const struct result *find(const struct result *res, u32 n, u32 shift, const char *name)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (res[i].shift == shift && !strcmp(res[i].sc->name, name))
			return &res[i];
	return NULL;
}

/* Ours against the floor of the same granule, for bulk operations. */
static double vs_floor(const struct result *r, const struct result *all, u32 n)
{
	const struct result *f = find(all, n, r->shift, "floor");

	return (r->sc->flags & SC_BULK) && f && f->median > 0 ? r->median / f->median : 0;
}

/* The speed-up of parallel faults over one thread, by medians or by bests. */
static double speedup(const struct result *r, const struct result *all, u32 n, bool best)
{
	const struct result *one = find(all, n, r->shift, "fault_parallel_1t");

	if (!r->sc->threads || !one || r->median <= 0 || r->min <= 0)
		return 0;
	return best ? one->min / r->min : one->median / r->median;
}

static double kvm(const struct result *r)
{
	return r->shift == PGT_GRANULE_4K ? r->sc->kvm : 0;
}

static void print_row(const struct result *r, const struct result *all, u32 n)
{
	const struct sample *s = &r->last;
	char extra[96] = "";
	double f = vs_floor(r, all, n), k = kvm(r), sp = speedup(r, all, n, false);

	if (k)
		snprintf(extra, sizeof(extra), "kvm %.1f (x%.2f)", k, k / r->median);
	if (f)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "%s%.1fx floor",
			 k ? ", " : "", f);
	if (sp)
		snprintf(extra, sizeof(extra), "%.1f Mpage/s, x%.2f (best x%.2f), cpu %.1f",
			 1e3 / r->median, sp, speedup(r, all, n, true), r->cpu_ns);
	if (r->sc->flags & SC_TOPUP)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "%stopup %.2f",
			 *extra ? ", " : "", r->topup_ns);
	if (s->tables_freed)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "%s%llu freed",
			 *extra ? ", " : "", (unsigned long long)s->tables_freed);
	printf("%3uK %-21s %-5s %9.2f %9.2f %9.2f %8llu %7llu %5llu %5llu %4llu %7llu %5llu %5llu  %s\n",
	       (1u << r->shift) >> 10, r->sc->name, r->sc->unit, r->median, r->min, r->max,
	       (unsigned long long)s->units, (unsigned long long)s->tlbi_leaf,
	       (unsigned long long)s->tlbi_table, (unsigned long long)s->tlbi_range,
	       (unsigned long long)s->tlbi_all,
	       (unsigned long long)s->cmo,
	       (unsigned long long)in_pages(s->peak_frames, r->shift),
	       (unsigned long long)in_pages(s->tree_frames, r->shift), extra);
}

static void print_table(const struct result *res, u32 n)
{
	u32 i;

	printf("\n%4s %-21s %-5s %9s %9s %9s %8s %7s %5s %5s %4s %7s %5s %5s  %s\n", "gran",
	       "scenario", "unit", "median", "min", "max", "units", "va_leaf", "va_tb", "range",
	       "all", "cmo", "peak", "tree", "notes (ns per unit; peak/tree in table pages)");
	for (i = 0; i < n; i++) {
		if (i && res[i].shift != res[i - 1].shift)
			printf("\n");
		print_row(&res[i], res, n);
	}
	printf("\nKVM 6.1 table pages after the 4K fault-style map: %d\n", KVM_FAULT_TABLE_PAGES);
	printf("load average: %.2f at the start, %.2f at the end\n", load_start, loadavg());
}

static void json_num(FILE *f, const char *key, double v, bool present)
{
	if (present)
		fprintf(f, ", \"%s\": %.3f", key, v);
	else
		fprintf(f, ", \"%s\": null", key);
}

static void json_result(FILE *f, const struct result *r, const struct result *all, u32 n)
{
	const struct sample *s = &r->last;
	double k = kvm(r), fl = vs_floor(r, all, n), sp = speedup(r, all, n, false);

	fprintf(f, "    {\"name\": \"%s\", \"granule\": \"%uK\", \"unit\": \"ns/%s\"", r->sc->name,
		(1u << r->shift) >> 10, r->sc->unit);
	fprintf(f, ", \"median\": %.3f, \"min\": %.3f, \"max\": %.3f, \"count\": %u", r->median,
		r->min, r->max, r->runs);
	fprintf(f, ", \"units\": %llu, \"tlbi\": %llu, \"tlbi_va_leaf\": %llu"
		", \"tlbi_va_table\": %llu, \"tlbi_range\": %llu, \"tlbi_all\": %llu"
		", \"cmo\": %llu, \"table_pages\": %llu, \"tree_pages\": %llu"
		", \"tables_freed\": %llu",
		(unsigned long long)s->units, (unsigned long long)(s->tlbi_leaf + s->tlbi_table),
		(unsigned long long)s->tlbi_leaf, (unsigned long long)s->tlbi_table,
		(unsigned long long)s->tlbi_range, (unsigned long long)s->tlbi_all,
		(unsigned long long)s->cmo, (unsigned long long)in_pages(s->peak_frames, r->shift),
		(unsigned long long)in_pages(s->tree_frames, r->shift),
		(unsigned long long)s->tables_freed);
	json_num(f, "topup_ns", r->topup_ns, r->sc->flags & SC_TOPUP);
	json_num(f, "kvm_6_1", k, k);
	json_num(f, "vs_kvm", k ? k / r->median : 0, k);
	json_num(f, "vs_floor", fl, fl);
	json_num(f, "pages_per_sec", r->median > 0 ? 1e9 / r->median : 0, r->sc->threads);
	json_num(f, "speedup", sp, sp);
	json_num(f, "speedup_best", speedup(r, all, n, true), sp);
	json_num(f, "cpu_ns", r->cpu_ns, r->sc->threads);
	fprintf(f, ", \"threads\": %u}", r->sc->threads);
}

static int write_json(const char *path, const struct result *res, u32 n)
{
	FILE *f = fopen(path, "w");
	char cpu[128];
	u32 i;

	if (!f)
		return -errno;
	cpu_model(cpu, sizeof(cpu));
	fprintf(f, "{\n  \"meta\": {\"suite\": \"stage2\", \"cpu\": \"%s\", \"cpus\": %ld"
		", \"compiler\": \"%s\", \"size\": %llu, \"runs\": %u, \"warmup\": %s"
		", \"ipa\": %llu, \"ia_bits\": %d, \"parallel_home\": \"rcu\""
		", \"loadavg_start\": %.2f, \"loadavg_end\": %.2f"
		", \"clock\": \"thread CPU time; parallel runs: wall time\""
		", \"cpu_clock_cost_ns\": %llu},\n",
		cpu, sysconf(_SC_NPROCESSORS_ONLN), COMPILER, (unsigned long long)opts.size,
		opts.runs, opts.warmup ? "true" : "false", (unsigned long long)BENCH_IPA,
		BENCH_IA_BITS, load_start, loadavg(), (unsigned long long)cpu_clock_cost);
	fprintf(f, "  \"results\": [\n");
	for (i = 0; i < n; i++) {
		json_result(f, &res[i], res, n);
		fprintf(f, "%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

/* ================================================================ options */

static void usage(FILE *f)
{
	fprintf(f, "usage: stage2 [--size=BYTES[KMG]] [--runs=N] [--quick] [--no-warmup]\n"
		   "              [--granule=4k,16k,64k] [--only=NAME,...] [--json=FILE] [--list]\n"
		   "              [--perf-ctl=CTL_FD,ACK_FD]\n"
		   "  defaults: --size=1G --runs=%d, all granules, no JSON\n"
		   "  --quick: --size=4M --runs=1 --no-warmup (a smoke test, not a measurement)\n",
		   DEFAULT_RUNS);
}

static void list_scenarios(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		printf("%s\n", scenarios[i].name);
	exit(0);
}

static void parse_opts(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "size", required_argument, NULL, 's' }, { "runs", required_argument, NULL, 'r' },
		{ "quick", no_argument, NULL, 'q' }, { "no-warmup", no_argument, NULL, 'w' },
		{ "granule", required_argument, NULL, 'g' }, { "only", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' }, { "list", no_argument, NULL, 'l' },
		{ "perf-ctl", required_argument, NULL, 'p' }, { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': opts.size = parse_size(optarg); break;
		case 'r': opts.runs = strtoul(optarg, NULL, 0); break;
		case 'q': opts.size = QUICK_SIZE; opts.runs = 1; opts.warmup = false; break;
		case 'w': opts.warmup = false; break;
		case 'g': opts.granule_mask = parse_granules(optarg, granules, ARRAY_SIZE(granules)); break;
		case 'o': opts.only = optarg; break;
		case 'j': opts.json = optarg; break;
		case 'l': list_scenarios(); break;
		case 'p': sscanf(optarg, "%d,%d", &opts.perf_ctl, &opts.perf_ack); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	/* Whole 64K pages, four threads' worth, inside the 40-bit IPA space. */
	if (optind != argc || !opts.size || opts.size % (4 << 16) ||
	    BENCH_IPA + opts.size > 1ULL << BENCH_IA_BITS || !opts.runs ||
	    opts.runs > MAX_RUNS || !opts.granule_mask) {
		usage(stderr);
		exit(2);
	}
}

/* ================================================================ main */

static bool selected(const struct scenario *sc)
{
	return name_selected(opts.only, sc->name);
}

int main(int argc, char **argv)
{
	struct result res[ARRAY_SIZE(scenarios) * ARRAY_SIZE(granules)];
	u32 n = 0, g;
	size_t i;
	int ret;

	parse_opts(argc, argv);
	load_start = loadavg();
	cpu_clock_cost = cpu_clock_calibrate();
	fprintf(stderr, "stage2 bench: %llu MiB per granule, %u runs%s\n",
		(unsigned long long)(opts.size >> 20), opts.runs, opts.warmup ? " after a warm-up" : "");
	for (g = 0; g < ARRAY_SIZE(granules); g++) {
		if (!(opts.granule_mask & (1u << g)))
			continue;
		for (i = 0; i < ARRAY_SIZE(scenarios); i++)
			if (selected(&scenarios[i]))
				measure(&scenarios[i], granules[g], &res[n++]);
	}
	print_table(res, n);
	if (!opts.json)
		return 0;
	ret = write_json(opts.json, res, n);
	if (ret)
		fprintf(stderr, "bench: %s: %s\n", opts.json, strerror(-ret));
	return !!ret;
}
