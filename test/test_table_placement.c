// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_table_placement.c - the library's own tables must lie below the output
 * address size (an Address size fault otherwise).  A root beyond it fails
 * init with -ERANGE; a table page beyond it is refused where it would be
 * linked: -ENOMEM, nothing changed, nothing leaked, and a retry with usable
 * memory succeeds.  Documentation/design.rst, "Where tables may live".
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define PA_BITS		36
#define LOW_BASE	0x40000000ULL		/* below 2^36 */
#define HIGH_BASE	(1ULL << 40)		/* beyond it */
#define ARENA		(8ULL << 20)
#define IA_BITS		36
#define PA_DATA		0x80000000ULL

/*
 * A home with two arenas: roots always come from the low one, table pages
 * from the high one while tables_high is set.
 */
struct split_home {
	struct pgt_mm_ops ops;
	struct host_mm *low, *high;
	bool tables_high;
};

static struct split_home *home_of(struct pgt_mm_ops *mm)
{
	return (struct split_home *)mm;
}

static bool arena_holds_virt(struct host_mm *hm, const void *addr)
{
	struct pgt_mm_ops *ops = host_mm_ops(hm);
	const char *base = ops->phys_to_virt(ops, host_mm_phys_base(hm));

	return (const char *)addr >= base && (const char *)addr < base + host_mm_size(hm);
}

static bool arena_holds_phys(struct host_mm *hm, u64 pa)
{
	return pa >= host_mm_phys_base(hm) && pa < host_mm_phys_base(hm) + host_mm_size(hm);
}

static struct pgt_mm_ops *arena_by_virt(struct pgt_mm_ops *mm, const void *addr)
{
	struct split_home *h = home_of(mm);

	return host_mm_ops(arena_holds_virt(h->high, addr) ? h->high : h->low);
}

static struct pgt_mm_ops *arena_by_phys(struct pgt_mm_ops *mm, u64 pa)
{
	struct split_home *h = home_of(mm);

	return host_mm_ops(arena_holds_phys(h->high, pa) ? h->high : h->low);
}

static void *sh_zalloc_page(struct pgt_mm_ops *mm, u32 size)
{
	struct split_home *h = home_of(mm);
	struct pgt_mm_ops *a = host_mm_ops(h->tables_high ? h->high : h->low);

	return a->zalloc_page(a, size);
}

static void *sh_zalloc_pages_exact(struct pgt_mm_ops *mm, u64 size)
{
	struct pgt_mm_ops *a = host_mm_ops(home_of(mm)->low);

	return a->zalloc_pages_exact(a, size);
}

static void sh_free_pages_exact(struct pgt_mm_ops *mm, void *addr, u64 size)
{
	struct pgt_mm_ops *a = arena_by_virt(mm, addr);

	a->free_pages_exact(a, addr, size);
}

static void sh_get_page(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_mm_ops *a = arena_by_virt(mm, addr);

	a->get_page(a, addr);
}

static void sh_put_page(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_mm_ops *a = arena_by_virt(mm, addr);

	a->put_page(a, addr);
}

static int sh_page_count(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_mm_ops *a = arena_by_virt(mm, addr);

	return a->page_count(a, addr);
}

static void *sh_phys_to_virt(struct pgt_mm_ops *mm, u64 phys)
{
	struct pgt_mm_ops *a = arena_by_phys(mm, phys);

	return a->phys_to_virt(a, phys);
}

static u64 sh_virt_to_phys(struct pgt_mm_ops *mm, void *addr)
{
	struct pgt_mm_ops *a = arena_by_virt(mm, addr);

	return a->virt_to_phys(a, addr);
}

static void sh_tlbi_va(struct pgt_mm_ops *mm, void *cookie, u64 addr, pgt_s8 level, bool leaf)
{
	struct pgt_mm_ops *a = host_mm_ops(home_of(mm)->low);

	a->tlbi_va(a, cookie, addr, level, leaf);
}

static void sh_tlbi_range(struct pgt_mm_ops *mm, void *cookie, u64 addr, u64 size,
			  pgt_s8 level)
{
	struct pgt_mm_ops *a = host_mm_ops(home_of(mm)->low);

	a->tlbi_range(a, cookie, addr, size, level);
}

static void sh_tlbi_all(struct pgt_mm_ops *mm, void *cookie)
{
	struct pgt_mm_ops *a = host_mm_ops(home_of(mm)->low);

	a->tlbi_all(a, cookie);
}

static void home_init(struct split_home *h)
{
	*h = (struct split_home){
		.ops = {
			.zalloc_page = sh_zalloc_page,
			.zalloc_pages_exact = sh_zalloc_pages_exact,
			.free_pages_exact = sh_free_pages_exact,
			.get_page = sh_get_page,
			.put_page = sh_put_page,
			.page_count = sh_page_count,
			.phys_to_virt = sh_phys_to_virt,
			.virt_to_phys = sh_virt_to_phys,
			.tlbi_va = sh_tlbi_va,
			.tlbi_range = sh_tlbi_range,
			.tlbi_all = sh_tlbi_all,
		},
		.low = host_mm_create(ARENA, LOW_BASE),
		.high = host_mm_create(ARENA, HIGH_BASE),
	};
	assert_non_null(h->low);
	assert_non_null(h->high);
}

static void home_fini(struct split_home *h)
{
	assert_int_equal(host_mm_in_use_bytes(h->low), 0);
	assert_int_equal(host_mm_in_use_bytes(h->high), 0);
	host_mm_destroy(h->low);
	host_mm_destroy(h->high);
}

static bool sh_read64(void *ctx, uint64_t pa, uint64_t *val)
{
	struct split_home *h = ctx;

	return host_mm_read64(arena_holds_phys(h->high, pa) ? h->high : h->low, pa, val);
}

/* The independent translator's view of @ia: the fault, or the output address. */
static struct ref_result xlat(struct split_home *h, const struct pgt *pgt, u64 ia)
{
	struct ref_regime rg = {
		.stage = pgt->stage == PGT_STAGE_2 ? 2 : 1,
		.ctrl = pgt->ctrl,
		.ttbr = pgt->root_phys,
		.mair = PGT_HYP_MAIR,
		.read64 = sh_read64,
		.ctx = h,
	};
	struct ref_result res;

	assert_int_equal(ref_translate(&rg, ia, REF_ACC_NONE, &res), 0);
	return res;
}

static void expect_xlat(struct split_home *h, const struct pgt *pgt, u64 ia, u64 pa)
{
	struct ref_result r = xlat(h, pgt, ia);

	if (r.fault != REF_OK || r.pa != pa)
		fail_msg("ia 0x%llx: %s at level %d, pa 0x%llx; expected pa 0x%llx",
			 (unsigned long long)ia, ref_fault_str(r.fault), r.level,
			 (unsigned long long)r.pa, (unsigned long long)pa);
}

static void expect_no_xlat(struct split_home *h, const struct pgt *pgt, u64 ia)
{
	assert_int_equal(xlat(h, pgt, ia).fault, REF_FAULT_TRANSLATION);
}

static struct pgt_config cfg_for(void **state)
{
	return (struct pgt_config){
		.ia_bits = IA_BITS, .granule_shift = test_granule(state), .pa_bits = PA_BITS,
	};
}

static u64 page_of(void **state)
{
	return 1ULL << test_granule(state);
}

/* ---------------------------------------------------------------- roots */

static void root_beyond_pa_size_is_erange(void **state)
{
	struct host_mm *hm = host_mm_create(ARENA, HIGH_BASE);
	struct pgt_config cfg = cfg_for(state);
	struct pgt pgt;

	assert_non_null(hm);
	assert_int_equal(pgt_stage2_init(&pgt, &cfg, host_mm_ops(hm), NULL), -ERANGE);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	cfg.ia_bits = 39;
	cfg.pa_bits = 32;
	assert_int_equal(pgt_hyp_init(&pgt, &cfg, host_mm_ops(hm)), -ERANGE);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);

	/* The same memory is fine for a larger output address size. */
	cfg.pa_bits = 42;
	assert_int_equal(pgt_hyp_init(&pgt, &cfg, host_mm_ops(hm)), 0);
	pgt_hyp_destroy(&pgt);
	cfg.ia_bits = IA_BITS;
	assert_int_equal(pgt_stage2_init(&pgt, &cfg, host_mm_ops(hm), NULL), 0);
	pgt_stage2_destroy(&pgt);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	host_mm_destroy(hm);
}

/* ---------------------------------------------------------------- stage 2 */

static void s2_setup(struct split_home *h, struct pgt *pgt, void **state)
{
	struct pgt_config cfg = cfg_for(state);

	home_init(h);
	assert_int_equal(pgt_stage2_init(pgt, &cfg, &h->ops, NULL), 0);
}

static void s2_map_tables_beyond_pa_size(void **state)
{
	struct split_home h;
	struct pgt pgt;
	struct pgt_memcache mc = { 0 };
	u64 p = page_of(state), low_root;

	s2_setup(&h, &pgt, state);
	low_root = host_mm_in_use_bytes(h.low);
	h.tables_high = true;

	/* Exclusive: the home's pages are refused before anything changes. */
	assert_int_equal(pgt_stage2_map(&pgt, 3 * p, p, PA_DATA, PGT_PROT_RW, NULL, 0), -ENOMEM);
	expect_no_xlat(&h, &pgt, 3 * p);
	assert_int_equal(host_mm_in_use_bytes(h.high), 0);

	/* Exclusive with a caller's cache holding such pages: the same. */
	assert_int_equal(pgt_memcache_topup(&mc, &h.ops, p, 8), 0);
	assert_int_equal(pgt_stage2_map(&pgt, 3 * p, p, PA_DATA, PGT_PROT_RW, &mc, 0), -ENOMEM);
	expect_no_xlat(&h, &pgt, 3 * p);

	/* Shared (a fault): refused where the table would be linked. */
	assert_int_equal(pgt_stage2_map(&pgt, 3 * p, p, PA_DATA, PGT_PROT_RW, &mc,
					PGT_WALK_SHARED), -ENOMEM);
	expect_no_xlat(&h, &pgt, 3 * p);
	pgt_memcache_free(&mc, &h.ops);
	assert_int_equal(host_mm_in_use_bytes(h.high), 0);
	assert_int_equal(host_mm_in_use_bytes(h.low), low_root);

	/* Usable memory again: the retry succeeds. */
	h.tables_high = false;
	assert_int_equal(pgt_stage2_map(&pgt, 3 * p, p, PA_DATA, PGT_PROT_RW, NULL, 0), 0);
	expect_xlat(&h, &pgt, 3 * p, PA_DATA);
	pgt_stage2_destroy(&pgt);
	home_fini(&h);
}

/*
 * A one-page exclusive map whose cache holds a usable page on top of
 * unusable ones: where it needs more than one table, the second would be
 * refused after the first was linked.  The whole cache is checked first:
 * -ENOMEM with nothing changed (no table linked either).
 */
static void s2_fault_cache_partly_beyond_pa_size(void **state)
{
	struct split_home h;
	struct pgt pgt;
	struct pgt_memcache mc = { 0 };
	u64 p = page_of(state), low_root, need;

	s2_setup(&h, &pgt, state);
	low_root = host_mm_in_use_bytes(h.low);
	need = pgt_stage2_tables_needed(&pgt, 3 * p, p, PA_DATA);
	h.tables_high = true;
	assert_int_equal(pgt_memcache_topup(&mc, &h.ops, p, need - 1), 0);
	h.tables_high = false;
	assert_int_equal(pgt_memcache_topup(&mc, &h.ops, p, need), 0);

	if (need < 2) {
		assert_int_equal(pgt_stage2_map(&pgt, 3 * p, p, PA_DATA, PGT_PROT_RW, &mc, 0), 0);
		expect_xlat(&h, &pgt, 3 * p, PA_DATA);
	} else {
		assert_int_equal(pgt_stage2_map(&pgt, 3 * p, p, PA_DATA, PGT_PROT_RW, &mc, 0),
				 -ENOMEM);
		expect_no_xlat(&h, &pgt, 3 * p);
		assert_int_equal(host_mm_in_use_bytes(h.low), low_root + p);
		assert_int_equal(mc.nr, need);
	}
	pgt_memcache_free(&mc, &h.ops);
	pgt_stage2_destroy(&pgt);
	home_fini(&h);
}

/* Is nothing mapped at @ia? */
static bool s2_unmapped(struct pgt *pgt, u64 ia)
{
	pgt_pte_t pte = 1;

	return !pgt_get_leaf(pgt, ia, &pte, NULL) && !pgt_pte_valid(pte);
}

/*
 * A linear home -- the library converts its addresses itself, the fault's
 * own path -- whose arena straddles the output address size: a cached page
 * beyond it is refused where a fault's last table would be linked,
 * exclusive or shared: -ENOMEM, nothing linked, the page back in the home.
 */
static void s2_linear_fault_table_beyond_pa_size(void **state)
{
	struct host_mm *hm = host_mm_create(ARENA, (1ULL << PA_BITS) - ARENA / 2);
	struct pgt_config cfg = cfg_for(state);
	struct pgt_memcache mc = { 0 };
	u64 p = page_of(state), ia, in_use;
	struct pgt_mm_ops *mm;
	struct pgt pgt;
	u32 nr;

	assert_non_null(hm);
	host_mm_set_linear(hm, true);
	mm = host_mm_ops(hm);
	assert_int_equal(pgt_stage2_init(&pgt, &cfg, mm, NULL), 0);
	/* Every table but the last level's, from the home's low pages. */
	assert_int_equal(pgt_stage2_map(&pgt, 0, p, PA_DATA, PGT_PROT_RW, NULL, 0), 0);
	ia = pgt_level_size(&pgt.geom, PGT_MAX_LEVEL - 1);
	/* The low pages left, then some beyond: the cache pops the highest first. */
	assert_int_equal(pgt_memcache_topup(&mc, mm, p, ARENA / 2 / p + 2), 0);
	nr = mc.nr;
	in_use = host_mm_in_use_bytes(hm);

	assert_int_equal(pgt_stage2_map(&pgt, ia, p, PA_DATA, PGT_PROT_RW, &mc, 0), -ENOMEM);
	assert_true(s2_unmapped(&pgt, ia));
	assert_int_equal(pgt_stage2_map(&pgt, ia, p, PA_DATA, PGT_PROT_RW, &mc,
					PGT_WALK_SHARED), -ENOMEM);
	assert_true(s2_unmapped(&pgt, ia));
	assert_int_equal(mc.nr, nr - 2);
	assert_int_equal(host_mm_in_use_bytes(hm), in_use - 2 * p);

	/* Usable pages again: the fault succeeds. */
	pgt_memcache_free(&mc, mm);
	assert_int_equal(pgt_memcache_topup(&mc, mm, p, PGT_MAX_LEVEL), 0);
	assert_int_equal(pgt_stage2_map(&pgt, ia, p, PA_DATA, PGT_PROT_RW, &mc,
					PGT_WALK_SHARED), 0);
	assert_false(s2_unmapped(&pgt, ia));
	pgt_memcache_free(&mc, mm);
	pgt_stage2_destroy(&pgt);
	assert_int_equal(host_mm_in_use_bytes(hm), 0);
	host_mm_destroy(hm);
}

static void s2_split_and_unlinked_beyond_pa_size(void **state)
{
	struct split_home h;
	struct pgt pgt;
	pgt_pte_t *sub = NULL;
	u64 p = page_of(state), b;

	s2_setup(&h, &pgt, state);
	b = pgt_level_size(&pgt.geom, 2);
	assert_int_equal(pgt_stage2_map(&pgt, b, b, PA_DATA, PGT_PROT_RW, NULL, 0), 0);
	h.tables_high = true;

	assert_int_equal(pgt_stage2_split(&pgt, b, b, NULL), -ENOMEM);
	assert_int_equal(xlat(&h, &pgt, b + p).level, 2);
	expect_xlat(&h, &pgt, b + p, PA_DATA + p);
	assert_int_equal(pgt_stage2_create_unlinked(&pgt, PA_DATA, 2, PGT_PROT_RW, NULL, true,
						    &sub), -ENOMEM);
	assert_null(sub);
	assert_int_equal(host_mm_in_use_bytes(h.high), 0);

	h.tables_high = false;
	assert_int_equal(pgt_stage2_split(&pgt, b, b, NULL), 0);
	assert_int_equal(xlat(&h, &pgt, b + p).level, 3);
	expect_xlat(&h, &pgt, b + p, PA_DATA + p);
	pgt_stage2_destroy(&pgt);
	home_fini(&h);
}

/* ---------------------------------------------------------------- EL2 stage 1 */

static void hyp_tables_beyond_pa_size(void **state)
{
	struct split_home h;
	struct pgt pgt;
	struct pgt_config cfg = cfg_for(state);
	u64 p = page_of(state), b, unmapped = 0, low_before;

	home_init(&h);
	cfg.ia_bits = 39;
	assert_int_equal(pgt_hyp_init(&pgt, &cfg, &h.ops), 0);
	b = pgt_level_size(&pgt.geom, 2);
	h.tables_high = true;
	assert_int_equal(pgt_hyp_map(&pgt, b, p, PA_DATA, PGT_PROT_RW), -ENOMEM);
	expect_no_xlat(&h, &pgt, b);
	assert_int_equal(host_mm_in_use_bytes(h.high), 0);

	h.tables_high = false;
	assert_int_equal(pgt_hyp_map(&pgt, b, b, PA_DATA, PGT_PROT_RW), 0);
	low_before = host_mm_in_use_bytes(h.low);
	/* Unmapping one page splits the block: the split table is refused. */
	h.tables_high = true;
	assert_int_equal(pgt_hyp_unmap(&pgt, b + p, p, &unmapped), -ENOMEM);
	expect_xlat(&h, &pgt, b + p, PA_DATA + p);
	assert_int_equal(host_mm_in_use_bytes(h.high), 0);
	assert_int_equal(host_mm_in_use_bytes(h.low), low_before);

	h.tables_high = false;
	assert_int_equal(pgt_hyp_unmap(&pgt, b + p, p, &unmapped), 0);
	expect_no_xlat(&h, &pgt, b + p);
	expect_xlat(&h, &pgt, b, PA_DATA);
	pgt_hyp_destroy(&pgt);
	home_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FOR_GRANULES(root_beyond_pa_size_is_erange),
		FOR_GRANULES(s2_map_tables_beyond_pa_size),
		FOR_GRANULES(s2_fault_cache_partly_beyond_pa_size),
		FOR_GRANULES(s2_linear_fault_table_beyond_pa_size),
		FOR_GRANULES(s2_split_and_unlinked_beyond_pa_size),
		FOR_GRANULES(hyp_tables_beyond_pa_size),
	};

	return cmocka_run_group_tests_name("table_placement", tests, NULL, NULL);
}
