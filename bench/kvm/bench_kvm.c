// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_kvm.c - this library against Linux 6.1's KVM stage-2 code, side by
 * side in one process (issue 14; Documentation/performance.rst).
 *
 * Every scenario runs, for each granule, on both sides alternately: run i
 * of ours then run i of KVM's, the order swapped on every other run, each
 * on a fresh 40-bit IPA tree in the same hosted home (counting the same
 * TLB and cache hooks).  A run is an untimed setup, the timed part and an
 * untimed teardown that fails the benchmark if a table page leaked or
 * either side warned.  After the last run the two trees are compared
 * through the reference translator (test/ref_xlat.c): every scenario must
 * leave identical translations on both sides, or the comparison would not
 * be of the same work.
 *
 * Per timed part: the thread's CPU time; user-space instructions from
 * perf_event_open() when the machine has a PMU; and under valgrind
 * --tool=callgrind --collect-atstart=no, the timed part of the last run of
 * each side is collected and dumped as "bench-kvm:<granule>:<scenario>:
 * <side>:<units>" (scripts/perf-tables.py reads the dumps).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define RUNNING_ON_VALGRIND		0
#define CALLGRIND_TOGGLE_COLLECT	do { } while (0)
#define CALLGRIND_DUMP_STATS_AT(s)	do { (void)(s); } while (0)
#endif

#include "pgtable.h"
#include "pgtable_hosted.h"
#include "bench_util.h"
#include "ref_xlat.h"
#include "side.h"

#define BENCH_IPA		0x40000000ULL
#define BENCH_ARENA_PHYS	(512ULL << 30)	/* clear of every IPA = PA mapped */
#define BENCH_LEVEL_BLOCK	2
#define DEFAULT_SIZE		(1ULL << 30)
#define DEFAULT_RUNS		11
#define QUICK_SIZE		(4ULL << 20)
#define MAX_RUNS		201
#define NEW_TABLE_FAULTS_MIN	4
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static const u32 granules[] = { 12, 14, 16 };
static const struct side *const kvm_sides[] = { &kvm_side_4k, &kvm_side_16k, &kvm_side_64k };

static struct {
	u64 size;
	u32 runs;
	bool warmup;
	u32 granule_mask;
	const char *only;
	const char *json;
	u32 side_mask;		/* bit 0: ours, bit 1: kvm */
	u32 kind_mask;		/* bit 0: per-call and the floor, bit 1: bulk */
} opts = {
	.size = DEFAULT_SIZE, .runs = DEFAULT_RUNS, .warmup = true, .granule_mask = 7,
	.side_mask = 3, .kind_mask = 3,
};

/* ================================================================ one run */

struct run {
	const struct side *side;
	struct side_tree t;
	bool live;
	struct pgt_mm_ops *mm;
	u32 shift;
	u64 size;
	u64 units;
	struct pgt_memcache mc;
	u32 need;		/* the fault top-up target */
	u64 sum;		/* get_leaf's result, kept alive */
	bool force_pages;
};

static u64 page_size(const struct run *r)
{
	return 1ULL << r->shift;
}

static u64 npages(const struct run *r)
{
	return r->size >> r->shift;
}

/* What one last-level table spans: the size of a level-2 entry. */
static u64 table_span(const struct run *r)
{
	return 1ULL << (r->shift + r->shift - 3);
}

/* Last-level tables the range meets, and the pages it covers in each. */
static u64 ntables(const struct run *r)
{
	u64 n = r->size / table_span(r);

	return n ? n : 1;
}

static u64 pages_per_table(const struct run *r)
{
	u64 entries = table_span(r) >> r->shift;

	return npages(r) < entries ? npages(r) : entries;
}

/* ---------------------------------------------------------------- setups */

static int tree(struct run *r, bool force_pages)
{
	int ret = r->side->create(&r->t, r->mm, r->shift, force_pages);

	r->t.side = r->side;
	r->live = !ret;
	r->units = npages(r);
	return ret;
}

static int setup_empty_pages(struct run *r)
{
	return tree(r, true);
}

static int setup_mapped(struct run *r)
{
	return tree(r, true) ?: r->side->map(&r->t, BENCH_IPA, r->size, BENCH_IPA, &r->mc);
}

static int setup_mapped_old(struct run *r)
{
	return setup_mapped(r) ?: r->side->mkold(&r->t, BENCH_IPA, npages(r));
}

static int setup_mapped_ro(struct run *r)
{
	return setup_mapped(r) ?: r->side->wrprotect(&r->t, BENCH_IPA, r->size);
}

/* One page in each last-level table: the faults that follow find their tables. */
static int setup_tables(struct run *r)
{
	int ret = tree(r, false);
	u64 i;

	r->need = ret ? 0 : r->side->fault_need(&r->t, BENCH_IPA);
	for (i = 0; i < ntables(r) && !ret; i++)
		ret = r->side->fault(&r->t, BENCH_IPA + i * table_span(r), 1, 0, &r->mc, r->need,
				     false);
	if (!ret)
		ret = pgt_memcache_topup(&r->mc, r->mm, page_size(r), r->need);
	r->units = ntables(r) * (pages_per_table(r) - 1);
	return ret;
}

/* Faults one table span apart, each adding a table; the cache holds them all. */
static u64 new_table_faults(const struct run *r)
{
	u64 n = npages(r) >> (r->shift - 3);

	return n > NEW_TABLE_FAULTS_MIN ? n : NEW_TABLE_FAULTS_MIN;
}

static int setup_new_tables(struct run *r)
{
	int ret = tree(r, false);

	r->units = new_table_faults(r);
	if (!ret)
		ret = pgt_memcache_topup(&r->mc, r->mm, page_size(r),
					 r->units * r->side->fault_need(&r->t, BENCH_IPA));
	return ret;
}

static u64 block_size(const struct run *r)
{
	return table_span(r);
}

static int setup_blocks(struct run *r)
{
	int ret = tree(r, false);

	r->size = (r->size + block_size(r) - 1) & ~(block_size(r) - 1);
	r->units = r->size / block_size(r);
	return ret;
}

/* Blocks at PA = IPA + one block (no level-1 block fits), and a table per block cached. */
static int setup_split(struct run *r)
{
	int ret = setup_blocks(r);

	r->units = npages(r);
	if (!ret)
		ret = r->side->map(&r->t, BENCH_IPA, r->size, BENCH_IPA + block_size(r), &r->mc);
	if (!ret)
		ret = pgt_memcache_topup(&r->mc, r->mm, page_size(r), r->size / block_size(r));
	return ret;
}

/* ---------------------------------------------------------------- timed parts */

static int t_fault_existing(struct run *r, bool shared)
{
	u64 per = pages_per_table(r) - 1, i;
	int ret = 0;

	for (i = 0; i < ntables(r) && !ret; i++)
		ret = r->side->fault(&r->t, BENCH_IPA + i * table_span(r) + page_size(r), per,
				     page_size(r), &r->mc, r->need, shared);
	return ret;
}

static int t_fault(struct run *r)
{
	return t_fault_existing(r, false);
}

static int t_fault_shared(struct run *r)
{
	return t_fault_existing(r, true);
}

static int t_fault_new(struct run *r)
{
	return r->side->fault(&r->t, BENCH_IPA, r->units, table_span(r), &r->mc, 0, false);
}

static int t_fault_new_shared(struct run *r)
{
	return r->side->fault(&r->t, BENCH_IPA, r->units, table_span(r), &r->mc, 0, true);
}

static int t_mkyoung(struct run *r)
{
	return r->side->mkyoung(&r->t, BENCH_IPA, npages(r));
}

static int t_mkold(struct run *r)
{
	return r->side->mkold(&r->t, BENCH_IPA, npages(r));
}

static int t_relax_perms(struct run *r)
{
	return r->side->relax_perms(&r->t, BENCH_IPA, npages(r));
}

static int t_get_leaf(struct run *r)
{
	return r->side->get_leaf(&r->t, BENCH_IPA, npages(r), &r->sum);
}

static int t_map_pages(struct run *r)
{
	return r->side->map(&r->t, BENCH_IPA, r->size, BENCH_IPA, &r->mc);
}

static int t_map_blocks(struct run *r)
{
	return r->side->map(&r->t, BENCH_IPA, r->size, BENCH_IPA + block_size(r), &r->mc);
}

static int t_wrprotect(struct run *r)
{
	return r->side->wrprotect(&r->t, BENCH_IPA, r->size);
}

static int t_unmap(struct run *r)
{
	return r->side->unmap(&r->t, BENCH_IPA, r->size);
}

static int t_split(struct run *r)
{
	return r->side->split(&r->t, BENCH_IPA, r->size, BENCH_IPA + block_size(r), &r->mc);
}

static int t_destroy(struct run *r)
{
	r->side->destroy(&r->t);
	r->live = false;
	return 0;
}

/* ---------------------------------------------------------------- the floors */

/*
 * The least a per-call operation can do: descend from the root to the
 * page's last-level entry, one load and one linear table-address
 * conversion per level, and store the entry.  Not inlined, so that each
 * page pays for a call as every operation does.
 */
struct floor_walk {
	pgt_pte_t *root;
	u64 virt_off;		/* table VA - table PA */
	u32 shift, start_level;
	u64 root_mask;		/* index bits of the (concatenated) root */
	struct pgt_mm_ops *mm;
};

static u64 floor_oa_mask(const struct floor_walk *w)
{
	return ((1ULL << 48) - 1) & ~((1ULL << w->shift) - 1);
}

static inline __attribute__((__always_inline__))
pgt_pte_t *floor_entry(const struct floor_walk *w, u64 addr)
{
	u32 bits = w->shift - 3, level = w->start_level;
	pgt_pte_t *table = w->root;
	u64 idx = (addr >> (w->shift + bits * (3 - level))) & w->root_mask;

	for (; level < 3; level++) {
		pgt_pte_t pte = pgt_read_once(&table[idx]);

		table = (pgt_pte_t *)(uintptr_t)((pte & floor_oa_mask(w)) + w->virt_off);
		idx = (addr >> (w->shift + bits * (2 - level))) & ((1ULL << bits) - 1);
	}
	return &table[idx];
}

static __attribute__((__noinline__)) void floor_store(const struct floor_walk *w, u64 addr)
{
	pgt_write_once(floor_entry(w, addr), (addr & floor_oa_mask(w)) | 0x7c3);
}

/*
 * The floor with what a fault must ask of its home after the store: the
 * reference its table takes for the new entry and the clean of the page
 * (no FWB here), through the hooks both sides call.
 */
static __attribute__((__noinline__)) void floor_fault(const struct floor_walk *w, u64 addr)
{
	pgt_pte_t *ptep = floor_entry(w, addr);

	pgt_write_once(ptep, (addr & floor_oa_mask(w)) | 0x7c3);
	w->mm->get_page(w->mm, ptep);
	w->mm->dcache_clean_inval_poc(w->mm, addr & floor_oa_mask(w), 1ULL << w->shift);
}

/*
 * The floor with what relax_perms must do after its store: invalidate the
 * page's TLB entry, ordered as the architecture asks (dsb ishst before the
 * TLBI, dsb ish and isb after).
 */
static __attribute__((__noinline__)) void floor_tlbi(const struct floor_walk *w, u64 addr)
{
	pgt_write_once(floor_entry(w, addr), (addr & floor_oa_mask(w)) | 0x7c3);
	pgt_dsb_ishst();
	w->mm->tlbi_va(w->mm, NULL, addr, 3, true);
	pgt_dsb_ish();
	pgt_isb();
}

static struct floor_walk floor_of_run(const struct run *r)
{
	struct pgt *pgt = r->t.impl;

	return (struct floor_walk){
		.root = pgt->root,
		.virt_off = (uintptr_t)pgt->root - pgt->root_phys,
		.shift = r->shift,
		.start_level = pgt->geom.start_level,
		.root_mask = (u64)pgt->geom.root_entries - 1,
		.mm = r->mm,
	};
}

static int t_floor(struct run *r)
{
	struct floor_walk w = floor_of_run(r);
	u64 i;

	for (i = 0; i < npages(r); i++)
		floor_store(&w, BENCH_IPA + (i << r->shift));
	return 0;
}

/* The pages fault_existing maps: all of each table's but its first. */
static int t_floor_fault(struct run *r)
{
	struct floor_walk w = floor_of_run(r);
	u64 per = pages_per_table(r) - 1, i, j;

	for (i = 0; i < ntables(r); i++)
		for (j = 1; j <= per; j++)
			floor_fault(&w, BENCH_IPA + i * table_span(r) + (j << r->shift));
	return 0;
}

static int t_floor_tlbi(struct run *r)
{
	struct floor_walk w = floor_of_run(r);
	u64 i;

	for (i = 0; i < npages(r); i++)
		floor_tlbi(&w, BENCH_IPA + (i << r->shift));
	return 0;
}

/* ================================================================ scenarios */

enum scenario_kind { PER_CALL, BULK, FLOOR };

struct scenario {
	const char *name;
	const char *unit;
	enum scenario_kind kind;
	bool shared;			/* ours walks shared; KVM 6.1 has no such walk */
	int (*setup)(struct run *r);
	int (*timed)(struct run *r);
	/* per-call: the floor with the home calls it must make, if any */
	const char *home_floor;
};

static const struct scenario scenarios[] = {
	{ "fault_existing",	   "page",  PER_CALL, false, setup_tables,	t_fault, "floor_fault" },
	{ "fault_existing_shared", "page",  PER_CALL, true,  setup_tables,	t_fault_shared,
	  "floor_fault" },
	{ "fault_new_table",	   "fault", PER_CALL, false, setup_new_tables,	t_fault_new,
	  "floor_fault" },
	{ "fault_new_table_shared", "fault", PER_CALL, true, setup_new_tables,	t_fault_new_shared,
	  "floor_fault" },
	{ "mkyoung",		   "page",  PER_CALL, false, setup_mapped_old,	t_mkyoung, NULL },
	{ "relax_perms",	   "page",  PER_CALL, false, setup_mapped_ro,	t_relax_perms,
	  "floor_tlbi" },
	{ "test_clear_young",	   "page",  PER_CALL, false, setup_mapped,	t_mkold, NULL },
	{ "get_leaf",		   "page",  PER_CALL, false, setup_mapped,	t_get_leaf, NULL },
	{ "floor_per_call",	   "page",  FLOOR,    false, setup_mapped,	t_floor, NULL },
	{ "floor_fault",	   "page",  FLOOR,    false, setup_tables,	t_floor_fault, NULL },
	{ "floor_tlbi",		   "page",  FLOOR,    false, setup_mapped_ro,	t_floor_tlbi, NULL },
	{ "map_pages",		   "page",  BULK,     false, setup_empty_pages, t_map_pages, NULL },
	{ "map_blocks",		   "block", BULK,     false, setup_blocks,	t_map_blocks, NULL },
	{ "wrprotect",		   "page",  BULK,     false, setup_mapped,	t_wrprotect, NULL },
	{ "unmap",		   "page",  BULK,     false, setup_mapped,	t_unmap, NULL },
	{ "split",		   "page",  BULK,     false, setup_split,	t_split, NULL },
	{ "destroy",		   "page",  BULK,     false, setup_mapped,	t_destroy, NULL },
};

/* ================================================================ measuring */

enum { OURS, KVM, NSIDES };

struct counts {
	u64 tlbi_va, tlbi_all, tlbi_range, cmo, allocs, frees, tables;
};

/* The digest of a tree's translations, and its table pages (reference translator). */
struct digest {
	u64 hash, leaves;
	long tables;
	bool valid;
};

struct side_result {
	double ns[MAX_RUNS];
	double median, min, max;
	double instr;		/* perf_event_open, per unit; < 0: no PMU */
	struct counts counts;
	struct digest digest;
	u64 units;
};

struct result {
	const struct scenario *sc;
	u32 shift;
	struct side_result side[NSIDES];
	bool compared, same;
};

static void die(const char *what, const struct scenario *sc, u32 shift, const char *side, long err)
{
	fprintf(stderr, "bench-kvm: %s %uK %s: %s (%ld)\n", sc->name, (1u << shift) >> 10, side,
		what, err);
	exit(1);
}

static u64 cpu_clock_cost;

/* User-space instructions retired, or -1 where the machine has no PMU. */
static int perf_fd = -1;

static void perf_open(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.disabled = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	if (!RUNNING_ON_VALGRIND)
		perf_fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
}

static void perf_start(void)
{
	if (perf_fd >= 0) {
		ioctl(perf_fd, PERF_EVENT_IOC_RESET, 0);
		ioctl(perf_fd, PERF_EVENT_IOC_ENABLE, 0);
	}
}

static double perf_stop(void)
{
	u64 v;

	if (perf_fd < 0)
		return -1;
	ioctl(perf_fd, PERF_EVENT_IOC_DISABLE, 0);
	return read(perf_fd, &v, sizeof(v)) == sizeof(v) ? (double)v : -1;
}

static u64 arena_size(void)
{
	u64 size = opts.size > (512ULL << 20) ? opts.size : 512ULL << 20;
	u64 bytes = size / 64 + (8ULL << 20);

	return (bytes + PGT_HOSTED_ALIGN - 1) & ~(u64)(PGT_HOSTED_ALIGN - 1);
}

static void counts_delta(struct counts *c, const struct pgt_hosted_stats *a,
			 const struct pgt_hosted_stats *b, u32 shift)
{
	c->tlbi_va = b->tlbi_va_leaf + b->tlbi_va_table - a->tlbi_va_leaf - a->tlbi_va_table;
	c->tlbi_range = b->tlbi_range - a->tlbi_range;
	c->tlbi_all = b->tlbi_all - a->tlbi_all;
	c->cmo = b->dcache_ops + b->icache_ops - a->dcache_ops - a->icache_ops;
	c->allocs = b->allocs - a->allocs;
	c->frees = b->frees - a->frees;
	c->tables = b->frames_in_use >> (shift - HOME_FRAME_SHIFT);
}

static bool read64(void *ctx, u64 pa, uint64_t *val)
{
	return pgt_hosted_read64(ctx, pa, (u64 *)val);
}

struct hash_state {
	u64 hash;
};

/* Output address, size and attributes (software bits 58:55 aside) of each leaf. */
static int hash_leaf(void *arg, const struct ref_mapping *m)
{
	struct hash_state *h = arg;
	u64 v[] = { m->ia, m->size, m->pa, m->desc & ~(0xfULL << 55), (u64)m->level };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++)
		h->hash = (h->hash ^ v[i]) * 0x100000001b3ULL;
	return 0;
}

static void tree_digest(struct run *r, struct pgt_hosted *home, struct digest *d)
{
	struct ref_regime rg = {
		.stage = 2, .ctrl = r->t.vtcr, .ttbr = r->t.root_phys, .read64 = read64, .ctx = home,
	};
	struct hash_state h = { .hash = 0xcbf29ce484222325ULL };
	long n;

	*d = (struct digest){ 0 };
	if (!r->live)
		return;
	n = ref_visit_leaves(&rg, hash_leaf, &h);
	d->tables = ref_count_tables(&rg);
	d->valid = n >= 0 && d->tables >= 0;
	d->leaves = n;
	d->hash = h.hash;
}

static void teardown(const struct scenario *sc, struct run *r, struct pgt_hosted *home)
{
	struct pgt_hosted_stats st;

	if (r->live)
		r->side->destroy(&r->t);
	pgt_memcache_free(&r->mc, r->mm);
	pgt_hosted_stats(home, &st);
	if (pgt_hosted_in_use(home) || st.warnings || r->side->warnings() ||
	    pgt_hosted_lib_warnings())
		die("leaked table pages or warned", sc, r->shift, r->side->name,
		    (long)pgt_hosted_in_use(home));
}

static void run_once(const struct scenario *sc, const struct side *side, struct pgt_hosted *home,
		     u32 shift, struct side_result *res, int slot, bool last)
{
	struct run r = {
		.side = side, .mm = pgt_hosted_ops(home), .shift = shift, .size = opts.size,
	};
	struct pgt_hosted_stats before, after;
	bool collect = last && RUNNING_ON_VALGRIND;
	double instr;
	u64 t0, t1, ns;
	int ret;

	pgt_hosted_stats_reset(home);
	ret = sc->setup(&r);
	if (ret)
		die("setup failed", sc, shift, side->name, ret);
	pgt_hosted_stats(home, &before);
	if (collect)
		CALLGRIND_TOGGLE_COLLECT;
	perf_start();
	t0 = cpu_ns();
	ret = sc->timed(&r);
	t1 = cpu_ns();
	instr = perf_stop();
	if (collect)
		CALLGRIND_TOGGLE_COLLECT;
	pgt_hosted_stats(home, &after);
	if (ret)
		die("timed part failed", sc, shift, side->name, ret);
	if (collect) {
		char label[128];

		snprintf(label, sizeof(label), "bench-kvm:%uK:%s:%s:%llu", (1u << shift) >> 10,
			 sc->name, sc->kind == FLOOR ? "floor" : side->name,
			 (unsigned long long)r.units);
		CALLGRIND_DUMP_STATS_AT(label);
	}
	ns = t1 - t0 > cpu_clock_cost ? t1 - t0 - cpu_clock_cost : 0;
	if (slot >= 0)
		res->ns[slot] = (double)ns / r.units;
	res->units = r.units;
	res->instr = instr >= 0 ? instr / r.units : -1;
	counts_delta(&res->counts, &before, &after, shift);
	if (last)
		tree_digest(&r, home, &res->digest);
	teardown(sc, &r, home);
}

static void summarise(struct side_result *s, u32 n)
{
	double v[MAX_RUNS];

	memcpy(v, s->ns, n * sizeof(*v));
	s->median = median(v, n);
	s->min = v[0];
	s->max = v[n - 1];
}

static bool side_on(int s)
{
	return opts.side_mask & (1u << s);
}

/* Both sides, alternating: ours first on even runs, KVM first on odd ones. */
static void measure(const struct scenario *sc, u32 g, struct result *res)
{
	u32 shift = granules[g];
	const struct side *sides[NSIDES] = { &ours_side, kvm_sides[g] };
	struct pgt_hosted *home = pgt_hosted_create(arena_size(), BENCH_ARENA_PHYS, 0);
	u32 i, total = opts.runs + opts.warmup;
	int k, s;

	if (!home)
		die("no arena", sc, shift, "", -ENOMEM);
	/* The home is one linear map, as the kernel's memory is KVM's: say so. */
	pgt_hosted_set_linear(home, true);
	arena_prefault(home);
	*res = (struct result){ .sc = sc, .shift = shift };
	fprintf(stderr, "  %-24s %2uK ...", sc->name, (1u << shift) >> 10);
	for (i = 0; i < total; i++) {
		for (k = 0; k < NSIDES; k++) {
			s = i % 2 ? NSIDES - 1 - k : k;
			if (!side_on(s) || (sc->kind == FLOOR && s != OURS))
				continue;
			run_once(sc, sides[s], home, shift, &res->side[s],
				 (int)i - (int)opts.warmup, i + 1 == total);
		}
	}
	pgt_hosted_destroy(home);
	for (s = 0; s < NSIDES; s++)
		if (side_on(s) && (sc->kind != FLOOR || s == OURS))
			summarise(&res->side[s], opts.runs);
	res->compared = side_on(OURS) && side_on(KVM) && sc->kind != FLOOR;
	res->same = res->compared &&
		    res->side[OURS].digest.valid == res->side[KVM].digest.valid &&
		    res->side[OURS].digest.hash == res->side[KVM].digest.hash &&
		    res->side[OURS].digest.leaves == res->side[KVM].digest.leaves &&
		    res->side[OURS].digest.tables == res->side[KVM].digest.tables;
	fprintf(stderr, " ours %.2f", res->side[OURS].median);
	if (res->compared)
		fprintf(stderr, ", kvm %.2f ns/%s%s", res->side[KVM].median, sc->unit,
			res->same ? "" : "  TREES DIFFER");
	fprintf(stderr, "\n");
}

/* ================================================================ reporting */

static const struct result *find(const struct result *res, u32 n, u32 shift, const char *name)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (res[i].shift == shift && !strcmp(res[i].sc->name, name))
			return &res[i];
	return NULL;
}

static double ratio(const struct result *r)
{
	const struct side_result *o = &r->side[OURS], *k = &r->side[KVM];

	return r->compared && o->median > 0 ? k->median / o->median : 0;
}

static double vs_floor(const struct result *r, const struct result *all, u32 n)
{
	const struct result *f = find(all, n, r->shift, "floor_per_call");

	return r->sc->kind == PER_CALL && f && f->side[OURS].median > 0 ?
	       r->side[OURS].median / f->side[OURS].median : 0;
}

/* Ours / the floor with the home calls the operation must make, or 0. */
static double vs_home_floor(const struct result *r, const struct result *all, u32 n)
{
	const struct result *f = r->sc->home_floor ? find(all, n, r->shift, r->sc->home_floor) :
				 NULL;

	return f && f->side[OURS].median > 0 ? r->side[OURS].median / f->side[OURS].median : 0;
}

static void print_table(const struct result *res, u32 n)
{
	u32 i;

	printf("\n%4s %-24s %-5s %9s %9s %6s %6s %7s %8s %8s %9s %9s  %s\n", "gran", "scenario",
	       "unit", "kvm ns", "ours ns", "ratio", "floor", "+home", "kvm ins", "ours ins",
	       "kvm tlbi", "ours tlbi", "notes");
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];
		const struct side_result *o = &r->side[OURS], *k = &r->side[KVM];
		char kns[16] = "-", rt[16] = "-", fl[16] = "-", hf[16] = "-", kin[16] = "-";
		char oin[16] = "-";
		char ktl[16] = "-", otl[16] = "-";
		const char *note = "";

		if (i && r->shift != res[i - 1].shift)
			printf("\n");
		if (r->compared) {
			snprintf(kns, sizeof(kns), "%.2f", k->median);
			snprintf(rt, sizeof(rt), "%.2f", ratio(r));
			snprintf(ktl, sizeof(ktl), "%llu",
				 (unsigned long long)(k->counts.tlbi_va + k->counts.tlbi_all +
						      k->counts.tlbi_range));
			if (k->instr >= 0)
				snprintf(kin, sizeof(kin), "%.0f", k->instr);
		}
		if (vs_floor(r, res, n))
			snprintf(fl, sizeof(fl), "%.1fx", vs_floor(r, res, n));
		if (vs_home_floor(r, res, n))
			snprintf(hf, sizeof(hf), "%.1fx", vs_home_floor(r, res, n));
		if (o->instr >= 0)
			snprintf(oin, sizeof(oin), "%.0f", o->instr);
		snprintf(otl, sizeof(otl), "%llu",
			 (unsigned long long)(o->counts.tlbi_va + o->counts.tlbi_all +
					      o->counts.tlbi_range));
		if (r->compared && !r->same)
			note = "TREES DIFFER";
		else if (r->sc->shared)
			note = "kvm 6.1: no shared walk, its exclusive map";
		printf("%3uK %-24s %-5s %9s %9.2f %6s %6s %7s %8s %8s %9s %9s  %s\n",
		       (1u << r->shift) >> 10, r->sc->name, r->sc->unit, kns, o->median, rt, fl, hf,
		       kin, oin, ktl, otl, note);
	}
}

static void json_side(FILE *f, const char *name, const struct side_result *s)
{
	fprintf(f, "\"%s\": {\"median\": %.3f, \"min\": %.3f, \"max\": %.3f, \"units\": %llu",
		name, s->median, s->min, s->max, (unsigned long long)s->units);
	if (s->instr >= 0)
		fprintf(f, ", \"instructions\": %.1f", s->instr);
	else
		fprintf(f, ", \"instructions\": null");
	fprintf(f, ", \"tlbi_va\": %llu, \"tlbi_range\": %llu, \"tlbi_all\": %llu, \"cmo\": %llu"
		", \"allocs\": %llu, \"frees\": %llu, \"table_pages\": %ld, \"leaves\": %llu}",
		(unsigned long long)s->counts.tlbi_va, (unsigned long long)s->counts.tlbi_range,
		(unsigned long long)s->counts.tlbi_all, (unsigned long long)s->counts.cmo,
		(unsigned long long)s->counts.allocs, (unsigned long long)s->counts.frees,
		s->digest.tables, (unsigned long long)s->digest.leaves);
}

static double load_start;

static int write_json(const char *path, const struct result *res, u32 n)
{
	FILE *f = fopen(path, "w");
	char cpu[128];
	u32 i;

	if (!f)
		return -errno;
	cpu_model(cpu, sizeof(cpu));
	fprintf(f, "{\n  \"meta\": {\"suite\": \"bench-kvm\", \"cpu\": \"%s\", \"cpus\": %ld"
		", \"compiler\": \"%s\", \"size\": %llu, \"runs\": %u, \"warmup\": %s"
		", \"loadavg_start\": %.2f, \"loadavg_end\": %.2f, \"pmu\": %s"
		", \"clock\": \"thread CPU time\", \"cpu_clock_cost_ns\": %llu},\n",
		cpu, sysconf(_SC_NPROCESSORS_ONLN),
#ifdef __clang__
		"clang " __clang_version__,
#else
		"gcc " __VERSION__,
#endif
		(unsigned long long)opts.size, opts.runs, opts.warmup ? "true" : "false",
		load_start, loadavg(), perf_fd >= 0 ? "true" : "false",
		(unsigned long long)cpu_clock_cost);
	fprintf(f, "  \"results\": [\n");
	for (i = 0; i < n; i++) {
		const struct result *r = &res[i];

		fprintf(f, "    {\"name\": \"%s\", \"granule\": \"%uK\", \"unit\": \"%s\""
			", \"kind\": \"%s\", \"shared\": %s, ", r->sc->name, (1u << r->shift) >> 10,
			r->sc->unit, r->sc->kind == PER_CALL ? "per-call" :
			r->sc->kind == BULK ? "bulk" : "floor", r->sc->shared ? "true" : "false");
		if (side_on(OURS))
			json_side(f, r->sc->kind == FLOOR ? "floor" : "ours", &r->side[OURS]);
		if (r->compared) {
			fprintf(f, ", ");
			json_side(f, "kvm", &r->side[KVM]);
			fprintf(f, ", \"ratio\": %.3f, \"same_tables\": %s", ratio(r),
				r->same ? "true" : "false");
		}
		if (vs_floor(r, res, n))
			fprintf(f, ", \"vs_floor\": %.3f", vs_floor(r, res, n));
		if (vs_home_floor(r, res, n))
			fprintf(f, ", \"home_floor\": \"%s\", \"vs_home_floor\": %.3f",
				r->sc->home_floor, vs_home_floor(r, res, n));
		fprintf(f, "}%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return fclose(f) ? -errno : 0;
}

/* ================================================================ options */

static u32 parse_kinds(const char *s)
{
	return !strcmp(s, "per-call") ? 1 : !strcmp(s, "bulk") ? 2 : !strcmp(s, "all") ? 3 : 0;
}

static u32 parse_sides(const char *s)
{
	return !strcmp(s, "ours") ? 1 : !strcmp(s, "kvm") ? 2 : !strcmp(s, "both") ? 3 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-kvm [--size=BYTES[KMG]] [--runs=N] [--quick] [--no-warmup]\n"
		   "                 [--granule=4k,16k,64k] [--only=NAME,...] [--side=ours|kvm|both]\n"
		   "                 [--kind=per-call|bulk|all] [--json=FILE] [--list]\n"
		   "  defaults: --size=1G --runs=%d (under valgrind: --runs=1), all granules\n"
		   "  --quick: --size=4M --runs=1 --no-warmup (a smoke test, not a measurement)\n",
		   DEFAULT_RUNS);
}

static void parse_opts(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "size", required_argument, NULL, 's' }, { "runs", required_argument, NULL, 'r' },
		{ "quick", no_argument, NULL, 'q' }, { "no-warmup", no_argument, NULL, 'w' },
		{ "granule", required_argument, NULL, 'g' }, { "only", required_argument, NULL, 'o' },
		{ "side", required_argument, NULL, 'S' }, { "json", required_argument, NULL, 'j' },
		{ "kind", required_argument, NULL, 'k' }, { "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool runs_given = false;
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': opts.size = parse_size(optarg); break;
		case 'r': opts.runs = strtoul(optarg, NULL, 0); runs_given = true; break;
		case 'q': opts.size = QUICK_SIZE; opts.runs = 1; opts.warmup = false;
			  runs_given = true; break;
		case 'w': opts.warmup = false; break;
		case 'g': opts.granule_mask = parse_granules(optarg, granules, ARRAY_SIZE(granules)); break;
		case 'o': opts.only = optarg; break;
		case 'S': opts.side_mask = parse_sides(optarg); break;
		case 'j': opts.json = optarg; break;
		case 'k': opts.kind_mask = parse_kinds(optarg); break;
		case 'l':
			for (i = 0; i < ARRAY_SIZE(scenarios); i++)
				printf("%s\n", scenarios[i].name);
			exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	/* Instruction counts are exact: one collected run per side is enough. */
	if (RUNNING_ON_VALGRIND && !runs_given)
		opts.runs = 1;
	/* Whole 512 MiB blocks fit in the 40-bit IPA space above BENCH_IPA. */
	if (optind != argc || !opts.size || opts.size % (1ULL << 16) ||
	    BENCH_IPA + opts.size > (1ULL << 39) || !opts.runs || opts.runs >= MAX_RUNS ||
	    !opts.granule_mask || !opts.side_mask || !opts.kind_mask) {
		usage(stderr);
		exit(2);
	}
}

static bool selected(const struct scenario *sc)
{
	return (opts.kind_mask & (sc->kind == BULK ? 2 : 1)) && name_selected(opts.only, sc->name);
}

int main(int argc, char **argv)
{
	struct result res[ARRAY_SIZE(scenarios) * ARRAY_SIZE(granules)];
	u32 n = 0, g, differ = 0;
	size_t i;
	int ret;

	parse_opts(argc, argv);
	load_start = loadavg();
	cpu_clock_cost = cpu_clock_calibrate();
	perf_open();
	fprintf(stderr, "bench-kvm: %llu MiB per granule, %u runs per side%s, alternating; "
		"instructions: %s\n", (unsigned long long)(opts.size >> 20), opts.runs,
		opts.warmup ? " after a warm-up" : "",
		RUNNING_ON_VALGRIND ? "callgrind" : perf_fd >= 0 ? "perf" : "no PMU");
	for (g = 0; g < ARRAY_SIZE(granules); g++) {
		if (!(opts.granule_mask & (1u << g)))
			continue;
		for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
			if (!selected(&scenarios[i]))
				continue;
			measure(&scenarios[i], g, &res[n]);
			differ += res[n].compared && !res[n].same;
			n++;
		}
	}
	print_table(res, n);
	printf("\nratio: KVM ns / ours ns (above 1: ours is faster); floor: ours / the per-call "
	       "floor; +home: ours / the floor with the home calls the operation must make "
	       "(floor_fault, floor_tlbi); ins: instructions per unit (perf, where the PMU "
	       "answers)\n");
	ret = opts.json ? write_json(opts.json, res, n) : 0;
	if (ret)
		fprintf(stderr, "bench-kvm: %s: %s\n", opts.json, strerror(-ret));
	if (differ)
		fprintf(stderr, "bench-kvm: %u scenarios left different translations\n", differ);
	return ret || differ;
}
