// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_host_idmap.c - the pKVM host's lazily built identity map: the range
 * finder's narrowing, memory versus MMIO, owners, and the device pool.
 */
#include "harness.h"

#define IPA_BITS	40

struct host_env {
	struct tenv t;
	struct pgt_memcache mem, dev;
	struct pgt_host host;
};

static void host_setup(struct host_env *e, const struct pgt_mem_region *regions, u32 nr,
		       u32 mem_pages, u32 dev_pages)
{
	tenv_stage2(&e->t, IPA_BITS, PGT_GRANULE_4K, IPA_BITS, 0);
	e->mem = (struct pgt_memcache){ 0 };
	e->dev = (struct pgt_memcache){ 0 };
	assert_int_equal(pgt_memcache_topup(&e->mem, tenv_mm(&e->t), SZ_4K, mem_pages), 0);
	assert_int_equal(pgt_memcache_topup(&e->dev, tenv_mm(&e->t), SZ_4K, dev_pages), 0);
	e->host = (struct pgt_host){
		.pgt = &e->t.pgt,
		.regions = regions,
		.nr_regions = nr,
		.mem_pool = &e->mem,
		.dev_pool = &e->dev,
	};
}

static void host_teardown(struct host_env *e)
{
	pgt_memcache_free(&e->mem, tenv_mm(&e->t));
	pgt_memcache_free(&e->dev, tenv_mm(&e->t));
	tenv_fini(&e->t);
}

static void expect_range(struct host_env *e, u64 addr, u64 start, u64 end, bool memory)
{
	struct pgt_host_range r;

	assert_int_equal(pgt_host_find_range(&e->host, addr, &r), 0);
	assert_int_equal(r.start, start);
	assert_int_equal(r.end, end);
	assert_int_equal(r.is_memory, memory);
}

/* Faulted-in memory is identity mapped RWX, device memory RW and never X. */
static void expect_identity(struct host_env *e, u64 addr, bool memory, pgt_s8 level)
{
	struct ref_result res = tenv_xlat(&e->t, addr);

	expect_mapped(&e->t, addr, addr, memory ? PGT_PROT_RWX : PGT_PROT_RW | PGT_PROT_DEVICE);
	assert_int_equal(res.level, level);
}

static const struct pgt_mem_region two_gig[] = { { SZ_1G, 2 * SZ_1G } };

static void memory_gets_largest_block(void **state)
{
	struct host_env e;

	(void)state;
	host_setup(&e, two_gig, 1, 4, 4);
	expect_range(&e, SZ_1G + 0x500000, SZ_1G, 2 * SZ_1G, true);
	assert_int_equal(pgt_host_idmap(&e.host, SZ_1G + 0x500000), 0);
	expect_identity(&e, SZ_1G + 0x500000, true, 1);
	expect_identity(&e, 2 * SZ_1G - 8, true, 1);
	expect_unmapped(&e.t, 2 * SZ_1G);
	/* A level-1 block needs no table below the root. */
	assert_int_equal(e.mem.nr, 4);
	host_teardown(&e);
}

/* Region edges narrow the block: 1G, then 2M, then a page. */
static void region_edges_narrow(void **state)
{
	static const struct pgt_mem_region r[] = { { SZ_1G + SZ_4K, 4 * SZ_2M } };
	struct host_env e;

	(void)state;
	host_setup(&e, r, 1, 8, 0);
	expect_range(&e, SZ_1G + SZ_2M + 77, SZ_1G + SZ_2M, SZ_1G + 2 * SZ_2M, true);
	expect_range(&e, SZ_1G + 3 * SZ_4K, SZ_1G + 3 * SZ_4K, SZ_1G + 4 * SZ_4K, true);
	assert_int_equal(pgt_host_idmap(&e.host, SZ_1G + SZ_2M + 77), 0);
	expect_identity(&e, SZ_1G + SZ_2M, true, 2);
	assert_int_equal(pgt_host_idmap(&e.host, SZ_1G + 3 * SZ_4K), 0);
	expect_identity(&e, SZ_1G + 3 * SZ_4K, true, 3);
	expect_unmapped(&e.t, SZ_1G + 4 * SZ_4K);
	host_teardown(&e);
}

/* Gaps between regions are MMIO: device, RW, bounded by the neighbours. */
static void mmio_gaps(void **state)
{
	static const struct pgt_mem_region r[] = { { SZ_1G, SZ_1G }, { 3 * SZ_1G, SZ_1G } };
	struct host_env e;

	(void)state;
	host_setup(&e, r, 2, 4, 4);
	expect_range(&e, 2 * SZ_1G + 5, 2 * SZ_1G, 3 * SZ_1G, false);
	expect_range(&e, 0x9000000, 0, SZ_1G, false);
	expect_range(&e, 4 * SZ_1G + 5, 4 * SZ_1G, 5 * SZ_1G, false);
	assert_int_equal(pgt_host_idmap(&e.host, 2 * SZ_1G + 5), 0);
	expect_identity(&e, 2 * SZ_1G + 5, false, 1);
	assert_false(tenv_xlat(&e.t, 2 * SZ_1G).x);
	host_teardown(&e);
}

/* What is already mapped bounds the block: the lookup's stopping level. */
static void compatible_with_existing(void **state)
{
	struct host_env e;

	(void)state;
	host_setup(&e, two_gig, 1, 8, 0);
	assert_int_equal(pgt_stage2_map(&e.t.pgt, SZ_1G + SZ_4K, SZ_4K, SZ_1G + SZ_4K,
					PGT_PROT_RWX, NULL, 0), 0);
	expect_range(&e, SZ_1G + 9 * SZ_4K, SZ_1G + 9 * SZ_4K, SZ_1G + 10 * SZ_4K, true);
	expect_range(&e, SZ_1G + SZ_2M + 1, SZ_1G + SZ_2M, SZ_1G + 2 * SZ_2M, true);
	expect_range(&e, 2 * SZ_1G - 1, 2 * SZ_1G - SZ_2M, 2 * SZ_1G, true);
	assert_int_equal(pgt_host_find_range(&e.host, SZ_1G + SZ_4K, &(struct pgt_host_range){ 0 }),
			 -EAGAIN);
	assert_int_equal(pgt_host_idmap(&e.host, SZ_1G + SZ_4K + 8), -EAGAIN);
	host_teardown(&e);
}

static void owner_annotation_refused(void **state)
{
	struct host_env e;
	u64 pages;

	(void)state;
	host_setup(&e, two_gig, 1, 8, 0);
	assert_int_equal(pgt_stage2_set_owner(&e.t.pgt, SZ_1G + 2 * SZ_4K, SZ_4K, 3, NULL), 0);
	pages = tenv_pages_in_use(&e.t);
	assert_int_equal(pgt_host_idmap(&e.host, SZ_1G + 2 * SZ_4K), -EPERM);
	assert_int_equal(tenv_pages_in_use(&e.t), pages);
	assert_int_equal(tenv_xlat(&e.t, SZ_1G + 2 * SZ_4K).desc, pgt_s2_owner_pte(3));
	/* Its neighbours still fault in, as pages beside it. */
	assert_int_equal(pgt_host_idmap(&e.host, SZ_1G + 3 * SZ_4K), 0);
	expect_identity(&e, SZ_1G + 3 * SZ_4K, true, 3);
	host_teardown(&e);
}

/* One-page MMIO holes between memory, each needing two tables. */
static const struct pgt_mem_region holes[] = {
	{ SZ_1G, SZ_2M }, { SZ_1G + SZ_2M + SZ_4K, SZ_1G - SZ_2M - SZ_4K },
	{ 2 * SZ_1G, SZ_2M }, { 2 * SZ_1G + SZ_2M + SZ_4K, SZ_1G },
};

static void device_pool_dry_drops_devices(void **state)
{
	struct host_env e;
	u64 hole1 = SZ_1G + SZ_2M, hole2 = 2 * SZ_1G + SZ_2M;

	(void)state;
	host_setup(&e, holes, 4, 4, 2);
	/* Memory in [2G, 3G): a 2M block, its level-2 table from the memory pool. */
	assert_int_equal(pgt_host_idmap(&e.host, 2 * SZ_1G + SZ_1G / 2), 0);
	assert_int_equal(e.mem.nr, 3);
	assert_int_equal(pgt_host_idmap(&e.host, hole1), 0);
	expect_identity(&e, hole1, false, 3);
	assert_int_equal(e.dev.nr, 0);

	/* No pages left: the first hole's mapping goes, its two tables come back. */
	assert_int_equal(pgt_host_idmap(&e.host, hole2), 0);
	expect_identity(&e, hole2, false, 3);
	expect_unmapped(&e.t, hole1);
	expect_identity(&e, 2 * SZ_1G + SZ_1G / 2, true, 2);
	assert_int_equal(e.dev.nr, 1);
	assert_int_equal(e.mem.nr, 3);
	host_teardown(&e);
}

/* Memory never drops anything: -ENOMEM, unchanged, and the same range works later. */
static void memory_pool_dry_needs_topup(void **state)
{
	struct host_env e;
	struct pgt_host_range r;
	u64 pages;

	(void)state;
	host_setup(&e, holes, 4, 0, 0);
	assert_int_equal(pgt_host_find_range(&e.host, SZ_1G + 5 * SZ_4K, &r), 0);
	assert_int_equal(r.end - r.start, SZ_2M);
	assert_int_equal(pgt_host_find_range(&e.host, SZ_1G + SZ_2M + SZ_4K, &r), 0);
	assert_int_equal(r.end - r.start, SZ_4K);
	pages = tenv_pages_in_use(&e.t);
	assert_int_equal(pgt_host_map_range(&e.host, &r), -ENOMEM);
	assert_int_equal(tenv_pages_in_use(&e.t), pages);
	expect_unmapped(&e.t, r.start);
	assert_int_equal(pgt_memcache_topup(&e.mem, tenv_mm(&e.t), SZ_4K, 2), 0);
	assert_int_equal(pgt_host_map_range(&e.host, &r), 0);
	expect_identity(&e, r.start, true, 3);
	host_teardown(&e);
}

static void bad_input(void **state)
{
	static const struct pgt_mem_region unaligned[] = { { SZ_1G + 8, SZ_1G } };
	struct host_env e;
	struct pgt_host_range r;

	(void)state;
	host_setup(&e, two_gig, 1, 0, 0);
	assert_int_equal(pgt_host_find_range(&e.host, 1ULL << IPA_BITS, &r), -ERANGE);
	assert_int_equal(pgt_host_idmap(&e.host, 1ULL << 45), -ERANGE);
	assert_int_equal(pgt_host_idmap(&e.host, ~0ULL), -ERANGE);
	e.host.regions = unaligned;
	assert_int_equal(pgt_host_find_range(&e.host, SZ_1G + SZ_2M, &r), -EINVAL);
	expect_exactly(&e.t, NULL, 0);
	host_teardown(&e);
}

/* Many regions: each address lands in its region or in the gap around it. */
static void many_regions_binary_search(void **state)
{
	static struct pgt_mem_region r[100];
	struct host_env e;
	u32 i;

	(void)state;
	for (i = 0; i < 100; i++)
		r[i] = (struct pgt_mem_region){ SZ_1G + i * 4 * SZ_2M, SZ_2M + i % 3 * SZ_4K };
	host_setup(&e, r, 100, 0, 0);
	for (i = 0; i < 100; i++) {
		u64 base = r[i].base, end = base + r[i].size;

		expect_range(&e, base + 17, base, base + SZ_2M, true);
		if (r[i].size == SZ_2M)
			expect_range(&e, end - 1, base, end, true);
		else
			expect_range(&e, end - 1, end - SZ_4K, end, true);
		expect_range(&e, base + 2 * SZ_2M + 5, base + 2 * SZ_2M, base + 3 * SZ_2M, false);
	}
	expect_range(&e, SZ_1G - 1, 0, SZ_1G, false);
	host_teardown(&e);
}

/*
 * The pool contract (Documentation/host.rst, "Pools"): pools topped up to
 * one page per level below the root before each fault are always enough --
 * for every granule and flag combination, pages-only trees included, where
 * a fault maps at most one last-level table's span.
 */
static const struct pgt_mem_region layout[] = {
	{ SZ_1G, 2 * SZ_1G },				/* 1G blocks (4K) */
	{ 3 * SZ_1G + SZ_1G / 2, SZ_64K },		/* one page of any granule */
	{ 4 * SZ_1G + 3 * SZ_64K, 600 * 0x100000ULL },	/* edges on no block */
	{ 8 * SZ_1G, 16 * SZ_1G },			/* 512M blocks (64K) */
};

static u64 fault_addr(u64 *rng, u32 page)
{
	u32 i = rng_next(rng) % 5;
	u64 base, size;

	if (i == 4) {		/* MMIO anywhere below 2^IPA_BITS */
		base = 0;
		size = 1ULL << IPA_BITS;
	} else {
		base = layout[i].base;
		size = layout[i].size;
	}
	return PGT_ALIGN_DOWN(base + rng_next(rng) % size, page) + rng_next(rng) % page;
}

static bool in_memory(u64 addr)
{
	u32 i;

	for (i = 0; i < 4; i++)
		if (addr >= layout[i].base && addr < layout[i].base + layout[i].size)
			return true;
	return false;
}

static void faults_with_documented_pools(void **state, u32 flags)
{
	struct host_env e;
	u32 page = 1u << test_granule(state), i, levels, mapped = 0;
	u64 rng = test_seed("host_faults") ^ flags ^ page;

	tenv_stage2(&e.t, IPA_BITS, test_granule(state), IPA_BITS, flags);
	levels = PGT_MAX_LEVEL - e.t.pgt.geom.start_level;
	e.mem = (struct pgt_memcache){ 0 };
	e.dev = (struct pgt_memcache){ 0 };
	e.host = (struct pgt_host){
		.pgt = &e.t.pgt, .regions = layout, .nr_regions = 4,
		.mem_pool = &e.mem, .dev_pool = &e.dev,
	};
	for (i = 0; i < 400; i++) {
		u64 addr = fault_addr(&rng, page);
		int ret;

		assert_int_equal(pgt_memcache_topup(&e.mem, tenv_mm(&e.t), page, levels), 0);
		assert_int_equal(pgt_memcache_topup(&e.dev, tenv_mm(&e.t), page, levels), 0);
		ret = pgt_host_idmap(&e.host, addr);
		if (ret && ret != -EAGAIN)
			fail_msg("fault %u at 0x%llx (flags 0x%x): %d", i, (unsigned long long)addr,
				 flags, ret);
		mapped += !ret;
		expect_mapped(&e.t, addr, addr, in_memory(addr) ? PGT_PROT_RWX :
			      PGT_PROT_RW | PGT_PROT_DEVICE);
		if (flags & PGT_S2_FORCE_PAGES)
			assert_int_equal(tenv_xlat(&e.t, addr).level, PGT_MAX_LEVEL);
	}
	assert_true(mapped > 100);
	host_teardown(&e);
}

static void every_fault_maps_with_documented_pools(void **state)
{
	static const u32 flag_sets[] = {
		0, PGT_S2_FWB, PGT_S2_FORCE_PAGES, PGT_S2_FWB | PGT_S2_FORCE_PAGES,
	};
	u32 i;

	for (i = 0; i < 4; i++)
		faults_with_documented_pools(state, flag_sets[i]);
}

/* Issue 10, defect 3: a pages-only tree narrows a fault to one table's span. */
static void pages_only_fault_maps_one_table_span(void **state)
{
	struct host_env e;

	(void)state;
	host_setup(&e, layout, 4, 0, 0);
	e.t.pgt.flags |= PGT_S2_FORCE_PAGES;	/* init does nothing else with it */
	expect_range(&e, SZ_1G + 77, SZ_1G, SZ_1G + SZ_2M, true);
	expect_range(&e, 3 * SZ_1G + SZ_1G / 2 + 5, 3 * SZ_1G + SZ_1G / 2,
		     3 * SZ_1G + SZ_1G / 2 + SZ_4K, true);
	expect_range(&e, 5, 0, SZ_2M, false);
	assert_int_equal(pgt_memcache_topup(&e.mem, tenv_mm(&e.t), SZ_4K, 2), 0);
	assert_int_equal(pgt_host_idmap(&e.host, SZ_1G + 77), 0);
	expect_identity(&e, SZ_1G + SZ_2M - 1, true, 3);
	expect_unmapped(&e.t, SZ_1G + SZ_2M);
	assert_int_equal(e.mem.nr, 0);
	host_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memory_gets_largest_block),
		cmocka_unit_test(region_edges_narrow),
		cmocka_unit_test(mmio_gaps),
		cmocka_unit_test(compatible_with_existing),
		cmocka_unit_test(owner_annotation_refused),
		cmocka_unit_test(device_pool_dry_drops_devices),
		cmocka_unit_test(memory_pool_dry_needs_topup),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(many_regions_binary_search),
		cmocka_unit_test(pages_only_fault_maps_one_table_span),
		FOR_GRANULES(every_fault_maps_with_documented_pools),
	};

	return cmocka_run_group_tests_name("host_idmap", tests, NULL, NULL);
}
