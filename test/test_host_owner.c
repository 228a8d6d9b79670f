// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_host_owner.c - owner annotations survive the host identity map's
 * device fallback.
 *
 * When the device pool runs dry, the host's stage 2 drops every device
 * mapping to get tables back (lib/host.c).  An owner annotation is an
 * invalid entry whose bits 15:2 carry the owner id -- the very bits where a
 * valid descriptor keeps its memory type, access permissions, shareability
 * and access flag -- so a filter that looked at those bits without the valid
 * bit would take an annotation for a device mapping.  Each owner id below is
 * annotated in MMIO and in memory, beside device pages that the fallback
 * drops; afterwards every annotation reads back, the owned ranges are still
 * refused, and the translator finds exactly the mappings that should be left.
 */
#include "harness.h"

#define IPA_BITS	40
#define MEM_PAGES	4
#define DEV_PAGES	2

/* Memory with one-page MMIO holes, each hole in its own last-level table. */
#define HOLE_A		(SZ_1G + SZ_2M)
#define HOLE_B		(SZ_1G + 2 * SZ_2M)
#define HOLE_C		(SZ_1G + 3 * SZ_2M)
#define HOLE_D		(SZ_1G + 4 * SZ_2M)
static const struct pgt_mem_region holes[] = {
	{ SZ_1G, SZ_2M },
	{ HOLE_A + SZ_4K, SZ_2M - SZ_4K },
	{ HOLE_B + SZ_4K, SZ_2M - SZ_4K },
	{ HOLE_C + SZ_4K, SZ_2M - SZ_4K },
	{ HOLE_D + SZ_4K, SZ_1G - 4 * SZ_2M - SZ_4K },
};

/* The owned ranges: a page in MMIO, a page of memory, a block in MMIO. */
#define OWN_MMIO_PAGE	0x9000000ULL
#define OWN_MEM_PAGE	(HOLE_B + SZ_4K)
#define OWN_MMIO_BLOCK	0x20000000ULL

struct host_env {
	struct tenv t;
	struct pgt_memcache mem, dev;
	struct pgt_host host;
};

static void host_setup(struct host_env *e, u32 flags)
{
	tenv_stage2(&e->t, IPA_BITS, PGT_GRANULE_4K, IPA_BITS, flags);
	e->mem = (struct pgt_memcache){ 0 };
	e->dev = (struct pgt_memcache){ 0 };
	assert_int_equal(pgt_memcache_topup(&e->mem, tenv_mm(&e->t), SZ_4K, MEM_PAGES), 0);
	assert_int_equal(pgt_memcache_topup(&e->dev, tenv_mm(&e->t), SZ_4K, DEV_PAGES), 0);
	e->host = (struct pgt_host){
		.pgt = &e->t.pgt,
		.regions = holes,
		.nr_regions = sizeof(holes) / sizeof(holes[0]),
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

static void expect_owner(struct host_env *e, u64 ia, u32 owner)
{
	struct ref_result res = tenv_xlat(&e->t, ia);
	struct pgt_host_range r;

	if (res.fault != REF_FAULT_TRANSLATION || res.desc != pgt_s2_owner_pte(owner))
		fail_msg("owner %#x at 0x%llx: %s, descriptor 0x%llx at level %d", owner,
			 (unsigned long long)ia, ref_fault_str(res.fault),
			 (unsigned long long)res.desc, res.level);
	assert_int_equal(pgt_s2_pte_owner(res.desc), owner);
	assert_int_equal(pgt_host_find_range(&e->host, ia, &r), -EPERM);
	assert_int_equal(pgt_host_idmap(&e->host, ia), -EPERM);
}

static void expect_all_owned(struct host_env *e, u32 owner)
{
	expect_owner(e, OWN_MMIO_PAGE, owner);
	expect_owner(e, OWN_MEM_PAGE, owner);
	expect_owner(e, OWN_MMIO_BLOCK, owner);
	expect_owner(e, OWN_MMIO_BLOCK + SZ_2M / 2, owner);
	expect_owner(e, OWN_MMIO_BLOCK + SZ_2M - 8, owner);
	/* One annotated entry each: a page, a page, a level-2 block. */
	assert_int_equal(ref_visit_invalid_nonzero(&e->t.rg, NULL, NULL), 3);
}

static void idmap(struct host_env *e, u64 ia)
{
	assert_int_equal(pgt_host_idmap(&e->host, ia), 0);
}

#define DEV	(PGT_PROT_RW | PGT_PROT_DEVICE)

/*
 * Annotate, fault device pages in beside the annotations and in tables of
 * their own until the device pool is empty, then fault once more: the
 * fallback drops every device mapping and the fault succeeds.
 */
static void owners_survive_fallback(u32 owner, u32 flags)
{
	struct host_env e;
	u32 root = 0;

	host_setup(&e, flags);
	root = e.t.pgt.geom.root_pages;
	assert_int_equal(pgt_stage2_set_owner(&e.t.pgt, OWN_MMIO_PAGE, SZ_4K, owner, NULL), 0);
	assert_int_equal(pgt_stage2_set_owner(&e.t.pgt, OWN_MEM_PAGE, SZ_4K, owner, NULL), 0);
	assert_int_equal(pgt_stage2_set_owner(&e.t.pgt, OWN_MMIO_BLOCK, SZ_2M, owner, NULL), 0);
	expect_all_owned(&e, owner);

	/* Device pages in the annotations' tables, and a block beside one. */
	idmap(&e, OWN_MMIO_PAGE + SZ_4K);
	idmap(&e, HOLE_B);
	idmap(&e, OWN_MMIO_BLOCK + SZ_2M);
	/* A page of memory beside the owned one: memory is never dropped. */
	idmap(&e, OWN_MEM_PAGE + SZ_4K);
	assert_int_equal(e.dev.nr, DEV_PAGES);
	/* Holes whose tables come from the device pool, until it is empty. */
	idmap(&e, HOLE_A);
	idmap(&e, HOLE_C);
	assert_int_equal(e.dev.nr, 0);
	expect_exactly(&e.t, (struct extent[]){
		{ OWN_MMIO_PAGE + SZ_4K, SZ_4K, OWN_MMIO_PAGE + SZ_4K, DEV },
		{ OWN_MMIO_BLOCK + SZ_2M, SZ_2M, OWN_MMIO_BLOCK + SZ_2M, DEV },
		{ HOLE_A, SZ_4K, HOLE_A, DEV },
		{ HOLE_B, SZ_4K, HOLE_B, DEV },
		{ OWN_MEM_PAGE + SZ_4K, SZ_4K, OWN_MEM_PAGE + SZ_4K, PGT_PROT_RWX },
		{ HOLE_C, SZ_4K, HOLE_C, DEV },
	}, 6);

	/* Dry: every device mapping goes, the holes' own tables come back. */
	idmap(&e, HOLE_D);
	expect_all_owned(&e, owner);
	expect_exactly(&e.t, (struct extent[]){
		{ OWN_MEM_PAGE + SZ_4K, SZ_4K, OWN_MEM_PAGE + SZ_4K, PGT_PROT_RWX },
		{ HOLE_D, SZ_4K, HOLE_D, DEV },
	}, 2);
	/* The root, two level-2 tables, the annotations' last-level tables, HOLE_D's. */
	expect_well_formed(&e.t, root + 2 + 2 + 1);
	assert_int_equal(e.dev.nr, 1);
	assert_int_equal(e.mem.nr, MEM_PAGES);
	assert_int_equal(tenv_pages_in_use(&e.t), ref_count_tables(&e.t.rg) + e.dev.nr + e.mem.nr);

	/* The owner goes, and so does the refusal. */
	assert_int_equal(pgt_stage2_set_owner(&e.t.pgt, OWN_MMIO_PAGE, SZ_4K, 0, NULL), 0);
	idmap(&e, OWN_MMIO_PAGE);
	host_teardown(&e);
}

/* The bits of @pte an owner id lands on (15:2), as an id. */
static u32 id_of_bits(pgt_pte_t pte)
{
	return (u32)(pte >> 2) & PGT_S2_OWNER_MAX;
}

/*
 * Owner ids of every kind of bit pattern: the smallest and largest, each
 * single bit, and the ids whose annotation has a valid descriptor's memory
 * type, permissions, shareability and access flag in it.
 */
static u32 owner_ids(u32 *ids, bool fwb)
{
	static const u32 prots[] = { DEV, PGT_PROT_RWX, PGT_PROT_R, PGT_PROT_RW | PGT_PROT_X };
	struct pgt_geometry geom;
	struct tenv t;
	u32 n = 0;

	tenv_stage2(&t, IPA_BITS, PGT_GRANULE_4K, IPA_BITS, fwb ? PGT_S2_FWB : 0);
	geom = t.pgt.geom;
	tenv_fini(&t);
	ids[n++] = 1;
	ids[n++] = 2;
	ids[n++] = 3;
	ids[n++] = PGT_S2_OWNER_MAX;
	ids[n++] = PGT_S2_OWNER_MAX - 1;
	for (u32 bit = 0; (1u << bit) <= PGT_S2_OWNER_MAX; bit++)
		ids[n++] = 1u << bit;
	for (u32 i = 0; i < sizeof(prots) / sizeof(prots[0]); i++) {
		for (pgt_s8 level = 2; level <= 3; level++) {
			pgt_pte_t leaf = pgt_s2_leaf_pte(&geom, 0, prots[i], level, fwb);

			ids[n++] = id_of_bits(leaf);
			/* The memory type field alone (bits 5:2). */
			ids[n++] = id_of_bits(leaf) & 0xf;
		}
	}
	return n;
}

static void owners_of_every_pattern(bool fwb)
{
	u32 ids[64], n = owner_ids(ids, fwb);

	for (u32 i = 0; i < n; i++) {
		if (!ids[i])
			continue;
		printf("# owner %#x%s\n", ids[i], fwb ? " (FWB)" : "");
		owners_survive_fallback(ids[i], fwb ? PGT_S2_FWB : 0);
	}
}

static void owners_survive_device_fallback(void **state)
{
	(void)state;
	owners_of_every_pattern(false);
}

static void owners_survive_device_fallback_fwb(void **state)
{
	(void)state;
	owners_of_every_pattern(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(owners_survive_device_fallback),
		cmocka_unit_test(owners_survive_device_fallback_fwb),
	};

	return cmocka_run_group_tests_name("host_owner", tests, NULL, NULL);
}
