/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * selftest.h - the self-test's harness: KTAP cases, trees in the kernel home
 * checked through the reference translator, and assertions that return.
 *
 * A case is a function run once (or once per granule).  It creates its trees
 * with kt_hyp()/kt_s2(), which the harness destroys after the case whatever
 * happened, then checks that every page the case allocated came back.  An
 * assertion that fails prints a "# file:line: ..." diagnostic and returns
 * from the case with -EINVAL, so the case must not hold anything else that
 * needs undoing when it asserts (keep such things in struct kt).
 */
#ifndef PGT_KMOD_SELFTEST_H
#define PGT_KMOD_SELFTEST_H

#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/sizes.h>

#include "kmod.h"
#include "ref_xlat.h"
#include "extents.h"

/* Output addresses the tests map: far above any RAM, so never real memory. */
#define KT_PA_BASE		(1ULL << 40)

#define KT_MAX_TREES		4
#define KT_MAX_BUFS		4

struct kt_tree {
	struct pgt pgt;
	struct ref_regime rg;
	bool live;
	s64 pages_before;	/* home pages in use before it was created */
};

/* One real, physically contiguous buffer a case maps (freed by the harness). */
struct kt_buf {
	struct page *page;
	unsigned int order;
};

struct kt {
	const char *name;
	u32 granule;		/* the case's granule shift, 0 for granule-less cases */
	struct kt_tree trees[KT_MAX_TREES];
	struct pgt_memcache mc[KT_MAX_TREES];
	struct kt_buf bufs[KT_MAX_BUFS];
};

struct kt_case {
	const char *name;
	int (*fn)(struct kt *t);
	bool per_granule;
};

/* Each test file's cases, terminated by an entry without a name. */
extern const struct kt_case *const kt_case_lists[];	/* all of them, then NULL */
extern const struct kt_case kt_mm_cases[];
extern const struct kt_case kt_hyp_cases[];
extern const struct kt_case kt_s2_cases[];
extern const struct kt_case kt_host_cases[];
extern const struct kt_case kt_concurrency_cases[];

/* The granules a case run per granule runs with, 4K first. */
#define KT_NR_GRANULES		3
extern const u32 kt_granules[KT_NR_GRANULES];

/*
 * Run case @c once with @granule, as @name (kt_case_name()), then check that
 * it gave back every page: 0, or the failure it reported.  The KTAP runner
 * (selftest.c) and the KUnit suite (kunit.c) both run cases through it.
 */
int kt_run_case(const struct kt_case *c, u32 granule, const char *name);
/* "s2_map_4k" for a case run per granule, "mm_dump" for one that is not. */
void kt_case_name(const struct kt_case *c, u32 granule, char *name, size_t size);

__printf(4, 5) int kt_fail(struct kt *t, const char *file, int line, const char *fmt, ...);
__printf(2, 3) void kt_diag(struct kt *t, const char *fmt, ...);

#define KT_FAIL(t, fmt, ...)	kt_fail((t), __FILE__, __LINE__, fmt, ##__VA_ARGS__)

#define KT_ASSERT(t, cond) do {							\
	if (!(cond))								\
		return KT_FAIL(t, "assertion failed: %s", #cond);		\
} while (0)

#define KT_EQ(t, a, b) do {							\
	u64 __a = (u64)(a), __b = (u64)(b);					\
	if (__a != __b)								\
		return KT_FAIL(t, "%s == %s: 0x%llx != 0x%llx", #a, #b, __a, __b);\
} while (0)

/* Integers that may be negative (errno values). */
#define KT_EQ_INT(t, a, b) do {							\
	s64 __a = (s64)(a), __b = (s64)(b);					\
	if (__a != __b)								\
		return KT_FAIL(t, "%s == %s: %lld != %lld", #a, #b, __a, __b);	\
} while (0)

/* Run a helper that returns 0 or a failure it already reported. */
#define KT_TRY(expr) do {							\
	int __r = (expr);							\
	if (__r)								\
		return __r;							\
} while (0)

/* ---- trees ---- */

struct kt_tree *kt_hyp(struct kt *t, u32 va_bits, u32 pa_bits);
struct kt_tree *kt_s2(struct kt *t, u32 ia_bits, u32 pa_bits, u32 flags);
/* Tear the tree down now (the harness does it otherwise). */
void kt_destroy(struct kt *t, struct kt_tree *tr);
/* The case's memory cache @i, topped up to @n pages of the case's granule. */
struct pgt_memcache *kt_mc(struct kt *t, int i, u32 n);

static inline u64 kt_page(const struct kt *t)
{
	return 1ULL << t->granule;
}

/* Bytes one entry at @level maps with the case's granule. */
static inline u64 kt_level_size(const struct kt *t, int level)
{
	return 1ULL << (t->granule + (3 - level) * (t->granule - 3));
}

/* A real buffer of @size bytes (a power of two), zeroed; its physical address. */
int kt_buf(struct kt *t, u64 size, u64 *phys, void **virt);

/* ---- checks through the reference translator ---- */

int kt_xlat(struct kt *t, struct kt_tree *tr, u64 ia, struct ref_result *res);
int kt_expect_mapped(struct kt *t, struct kt_tree *tr, u64 ia, u64 pa, u32 prot);
int kt_expect_unmapped(struct kt *t, struct kt_tree *tr, u64 ia);
int kt_expect_level(struct kt *t, struct kt_tree *tr, u64 ia, int level);

/* The translator finds exactly these mappings and nothing else (test/extents.h). */
int kt_expect_exactly(struct kt *t, struct kt_tree *tr, const struct extent *ext, int n);
/*
 * No reachable entry is malformed, and the tables the translator reaches are
 * exactly the pages the home holds for this tree (only valid while it is the
 * case's only tree).
 */
int kt_expect_well_formed(struct kt *t, struct kt_tree *tr);
/* Owner annotations: the number of invalid non-zero entries, all carrying @owner. */
int kt_expect_owner_entries(struct kt *t, struct kt_tree *tr, long n, u32 owner);

/* Counters of the kernel home, and their difference since a snapshot. */
static inline struct pgt_kmod_stats kt_stats(void)
{
	struct pgt_kmod_stats s;

	pgt_kmod_stats_get(&s);
	return s;
}

#define KT_DELTA(before, field)	(kt_stats().field - (before).field)

/* Keep @tr for the debugfs dump after the case (it is then not destroyed). */
void kt_keep_for_dump(struct kt *t, struct kt_tree *tr, const char *name);

/* xorshift64*, reproducible. */
static inline u64 kt_rand(u64 *state)
{
	u64 x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

#endif /* PGT_KMOD_SELFTEST_H */
