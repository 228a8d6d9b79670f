/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * harness.h - what every library test shares: a tree in a fresh arena, and
 * assertions about its contents made through the reference translator only.
 */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "pgtable.h"
#include "host_mm.h"
#include "ref_xlat.h"
#include "extents.h"

#define ARENA_SIZE	(256ULL << 20)
#define ARENA_BASE	0x40000000ULL
#define SZ_4K		0x1000ULL
#define SZ_16K		0x4000ULL
#define SZ_64K		0x10000ULL
#define SZ_2M		0x200000ULL
#define SZ_32M		0x2000000ULL
#define SZ_512M		0x20000000ULL
#define SZ_1G		0x40000000ULL

/* One tree in its own arena. */
struct tenv {
	struct host_mm *hm;
	struct pgt pgt;
	struct ref_regime rg;
	u64 warnings_at_start;
};


void tenv_hyp(struct tenv *t, u32 va_bits, u32 granule_shift);
/* The same with a whole configuration and an arena of @arena_size bytes. */
void tenv_hyp_cfg(struct tenv *t, const struct pgt_config *cfg, u64 arena_size);
void tenv_stage2_cfg(struct tenv *t, const struct pgt_config *cfg, u64 arena_size);
void tenv_stage2(struct tenv *t, u32 ia_bits, u32 granule_shift, u32 pa_bits, u32 flags);
/* Destroy the tree and assert the arena is empty and nothing warned. */
void tenv_fini(struct tenv *t);
struct pgt_mm_ops *tenv_mm(struct tenv *t);
u64 tenv_pages_in_use(struct tenv *t);
u32 tenv_page(const struct tenv *t);

struct ref_result tenv_xlat(struct tenv *t, u64 ia);
void expect_mapped(struct tenv *t, u64 ia, u64 pa, u32 prot);
void expect_unmapped(struct tenv *t, u64 ia);
/* The translator finds exactly @n extents' worth of mappings, nothing else. */
void expect_exactly(struct tenv *t, const struct extent *ext, int n);
/* No reachable entry is malformed, and the table count equals @tables. */
void expect_well_formed(struct tenv *t, long tables);

/*
 * Write @entry (a leaf, or any invalid value) at @level for @ia, creating
 * the tables above it: lets tests populate trees no operation builds yet.
 */
void test_install(struct tenv *t, u64 ia, pgt_pte_t entry, pgt_s8 level);

/* The entry that decides @ia's translation, for tests that poke raw values. */
pgt_pte_t *test_ptep(struct tenv *t, u64 ia);

/* Run a test once per granule; the test reads it with test_granule(state). */
extern u32 test_granule_4k, test_granule_16k, test_granule_64k;
#define FOR_GRANULES(fn)						\
	cmocka_unit_test_prestate(fn, &test_granule_4k),		\
	cmocka_unit_test_prestate(fn, &test_granule_16k),		\
	cmocka_unit_test_prestate(fn, &test_granule_64k)

static inline u32 test_granule(void **state)
{
	return *(u32 *)*state;
}

/* A fixed seed unless PGT_TEST_SEED says otherwise; printed either way. */
u64 test_seed(const char *name);
u64 rng_next(u64 *state);

#endif /* TEST_HARNESS_H */
