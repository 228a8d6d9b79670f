// SPDX-License-Identifier: GPL-2.0-only
/*
 * st_host.c - the pKVM host's identity-mapped stage 2 (Documentation/host.rst)
 * in the kernel home, for every granule: over this machine's own memory map
 * (its System RAM resources, or its memory nodes' spans where there are
 * none), and over a made-up map that exercises region
 * edges, owner annotations and both pools running dry.
 */
#include <linux/ioport.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/pfn.h>
#include <linux/slab.h>

#include "selftest.h"

#define IA_BITS		48
#define MAX_REGIONS	64

struct host_env {
	struct pgt_host host;
	struct pgt_mem_region *regions;
	u32 nr;
};

static void host_init(struct kt *t, struct host_env *e, struct kt_tree *tr,
		      struct pgt_mem_region *regions, u32 nr)
{
	e->regions = regions;
	e->nr = nr;
	e->host = (struct pgt_host){
		.pgt = &tr->pgt,
		.regions = regions,
		.nr_regions = nr,
		.mem_pool = &t->mc[0],
		.dev_pool = &t->mc[1],
	};
}

static bool in_regions(const struct host_env *e, u64 start, u64 end)
{
	u32 i;

	for (i = 0; i < e->nr; i++)
		if (start >= e->regions[i].base && end <= e->regions[i].base + e->regions[i].size)
			return true;
	return false;
}

static bool meets_regions(const struct host_env *e, u64 start, u64 end)
{
	u32 i;

	for (i = 0; i < e->nr; i++)
		if (start < e->regions[i].base + e->regions[i].size && end > e->regions[i].base)
			return true;
	return false;
}

/* Fault @addr in, and check it is identity mapped with the right attributes and level. */
static int fault(struct kt *t, struct kt_tree *tr, struct host_env *e, u64 addr, int level)
{
	bool memory = in_regions(e, addr, addr + 1);
	struct ref_result res;
	int ret = pgt_host_idmap(&e->host, addr);

	if (ret)
		return KT_FAIL(t, "idmap of 0x%llx: %d", addr, ret);
	KT_TRY(kt_expect_mapped(t, tr, addr, addr,
				memory ? PGT_PROT_RWX : PGT_PROT_RW | PGT_PROT_DEVICE));
	KT_TRY(kt_xlat(t, tr, addr, &res));
	if (level >= 0 && res.level != level)
		return KT_FAIL(t, "idmap of 0x%llx at level %d, expected %d", addr,
			       res.level, level);
	return 0;
}

struct leaf_check {
	struct kt *t;
	struct kt_tree *tr;
	struct host_env *e;
	long memory, mmio;
	int err;
};

/* Every leaf: identity, and wholly memory (Normal, RWX) or wholly MMIO (Device, RW). */
static int host_leaf(void *arg, const struct ref_mapping *m)
{
	struct leaf_check *c = arg;
	bool memory = in_regions(c->e, m->ia, m->ia + m->size);

	if (m->pa != m->ia)
		c->err = KT_FAIL(c->t, "leaf at 0x%llx maps 0x%llx", m->ia, m->pa);
	else if (!memory && meets_regions(c->e, m->ia, m->ia + m->size))
		c->err = KT_FAIL(c->t, "leaf [0x%llx, 0x%llx) straddles memory and MMIO", m->ia,
				 m->ia + m->size);
	else
		c->err = kt_expect_mapped(c->t, c->tr, m->ia, m->ia,
					  memory ? PGT_PROT_RWX : PGT_PROT_RW | PGT_PROT_DEVICE);
	if (c->err)
		return 1;
	if (memory)
		c->memory++;
	else
		c->mmio++;
	return 0;
}

static int expect_identity_leaves(struct kt *t, struct kt_tree *tr, struct host_env *e)
{
	struct leaf_check c = { .t = t, .tr = tr, .e = e };

	if (ref_visit_leaves(&tr->rg, host_leaf, &c) < 0)
		return KT_FAIL(t, "translator: misconfigured regime");
	if (c.err)
		return c.err;
	kt_diag(t, "%ld memory and %ld MMIO leaves, all identity", c.memory, c.mmio);
	return 0;
}

/* ---- this machine's memory map ---- */

/* A fault with both pools topped up first, as the hypervisor keeps them. */
static int pool_fault(struct kt *t, struct kt_tree *tr, struct host_env *e, u64 addr)
{
	if (!kt_mc(t, 0, PGT_MAX_LEVEL + 1) || !kt_mc(t, 1, PGT_MAX_LEVEL + 1))
		return KT_FAIL(t, "no pool pages");
	return fault(t, tr, e, addr, -1);
}

struct ram_walk {
	struct pgt_mem_region *r;
	u32 nr;
	u64 page;
};

static int ram_region(struct resource *res, void *arg)
{
	struct ram_walk *w = arg;
	u64 base = ALIGN(res->start, w->page), end = ALIGN_DOWN(res->end + 1, w->page);

	if (end <= base || end > 1ULL << IA_BITS || w->nr == MAX_REGIONS)
		return 0;
	/* The resource tree may list adjacent pieces of RAM: one region for them. */
	if (w->nr && w->r[w->nr - 1].base + w->r[w->nr - 1].size == base)
		w->r[w->nr - 1].size += end - base;
	else
		w->r[w->nr++] = (struct pgt_mem_region){ base, end - base };
	return 0;
}

/*
 * UML registers no System RAM resource: its RAM is a host file it maps at
 * boot, never described by firmware.  The page allocator's nodes span it.
 */
static void ram_from_nodes(struct ram_walk *w)
{
	int nid;

	for_each_online_node(nid) {
		struct resource res = DEFINE_RES_MEM(PFN_PHYS(node_start_pfn(nid)),
						     PFN_PHYS(node_spanned_pages(nid)));

		if (node_spanned_pages(nid))
			ram_region(&res, w);
	}
}

static int host_machine(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, 48, 0);
	struct ram_walk w = { .page = kt_page(t) };
	u64 p = kt_page(t), addr, phys;
	struct pgt_host_range range;
	struct host_env e;
	void *buf;
	u32 i;
	int ret;

	KT_ASSERT(t, tr);
	w.r = kcalloc(MAX_REGIONS, sizeof(*w.r), GFP_KERNEL);
	KT_ASSERT(t, w.r);
	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY, 0, -1, &w,
			    ram_region);
	if (!w.nr)
		ram_from_nodes(&w);
	host_init(t, &e, tr, w.r, w.nr);
	ret = -EINVAL;
	if (!w.nr) {
		KT_FAIL(t, "no System RAM and no memory node found");
		goto out;
	}
	kt_diag(t, "%u memory regions, [0x%llx, 0x%llx) first", w.nr, w.r[0].base,
		w.r[0].base + w.r[0].size);
	/* A page of this kernel's own memory, both ends of every region, a gap. */
	if (kt_buf(t, p, &phys, &buf))
		goto out;
	ret = pool_fault(t, tr, &e, phys + 8);
	for (i = 0; i < w.nr && !ret; i++) {
		addr = w.r[i].base + w.r[i].size - 8;
		if (pgt_host_find_range(&e.host, w.r[i].base, &range) == 0)
			ret = pool_fault(t, tr, &e, w.r[i].base);
		if (!ret && pgt_host_find_range(&e.host, addr, &range) == 0)
			ret = pool_fault(t, tr, &e, addr);
	}
	addr = w.r[0].base ? w.r[0].base - p : w.r[w.nr - 1].base + w.r[w.nr - 1].size;
	if (!ret)
		ret = pool_fault(t, tr, &e, addr);
	if (ret)
		goto out;
	/* Faulting again finds it mapped. */
	ret = -EINVAL;
	if (pgt_host_idmap(&e.host, phys) != -EAGAIN) {
		KT_FAIL(t, "second fault at 0x%llx not -EAGAIN", phys);
		goto out;
	}
	ret = expect_identity_leaves(t, tr, &e);
	if (!ret)
		ret = kt_expect_well_formed(t, tr);
	if (ret)
		goto out;
	pgt_memcache_free(&t->mc[0], pgt_kmod_mm_ops());
	pgt_memcache_free(&t->mc[1], pgt_kmod_mm_ops());
	kt_keep_for_dump(t, tr, "the pKVM host's identity map of this machine");
out:
	kfree(w.r);
	return ret;
}

/* ---- region edges, owners and pools, on a made-up map ---- */

static int host_pools(struct kt *t)
{
	struct kt_tree *tr = kt_s2(t, IA_BITS, 48, 0);
	u64 b = kt_level_size(t, 2), p = kt_page(t), r = 8 * b;
	u64 hole1 = r + b, hole2 = r + 5 * b;
	struct pgt_mem_region regions[] = {
		{ r, b },
		{ hole1 + p, 4 * b - p },
		{ hole2 + p, 3 * b - p },
	};
	struct pgt_host_range range;
	struct host_env e;
	s64 in_use;

	KT_ASSERT(t, tr);
	host_init(t, &e, tr, regions, ARRAY_SIZE(regions));

	/* Region edges narrow the block: a whole block inside, a page at an edge. */
	KT_EQ_INT(t, pgt_host_find_range(&e.host, r + 2 * b + 77, &range), 0);
	KT_EQ(t, range.start, r + 2 * b);
	KT_EQ(t, range.end, r + 3 * b);
	KT_EQ(t, range.is_memory, 1);
	KT_EQ_INT(t, pgt_host_find_range(&e.host, hole1 + 5, &range), 0);
	KT_EQ(t, range.start, hole1);
	KT_EQ(t, range.end, hole1 + p);
	KT_EQ(t, range.is_memory, 0);
	KT_EQ_INT(t, pgt_host_find_range(&e.host, hole1 + p + 5, &range), 0);
	KT_EQ(t, range.start, hole1 + p);
	KT_EQ(t, range.end, hole1 + 2 * p);
	KT_EQ(t, range.is_memory, 1);

	/* The memory pool dry: -ENOMEM, nothing changed; memory never drops anything. */
	in_use = pgt_kmod_pages_in_use();
	KT_EQ_INT(t, pgt_host_map_range(&e.host, &range), -ENOMEM);
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	KT_TRY(kt_expect_unmapped(t, tr, hole1 + p));
	KT_ASSERT(t, kt_mc(t, 0, 8));
	KT_TRY(fault(t, tr, &e, r + 2 * b + 77, 2));

	/*
	 * The device pool holds the one table a hole needs.  The second hole,
	 * in another block, finds it dry: every device mapping is dropped and
	 * the table that frees refills the pool.
	 */
	KT_ASSERT(t, kt_mc(t, 1, 1));
	KT_TRY(fault(t, tr, &e, hole1, 3));
	KT_EQ(t, t->mc[1].nr, 0);
	KT_TRY(fault(t, tr, &e, hole2, 3));
	KT_EQ(t, t->mc[1].nr, 0);
	KT_TRY(kt_expect_unmapped(t, tr, hole1));
	KT_TRY(kt_expect_mapped(t, tr, r + 2 * b, r + 2 * b, PGT_PROT_RWX));
	/* The same memory range as before maps now. */
	KT_EQ_INT(t, pgt_host_map_range(&e.host, &range), 0);
	KT_TRY(kt_expect_mapped(t, tr, hole1 + p, hole1 + p, PGT_PROT_RWX));
	KT_EQ_INT(t, pgt_host_idmap(&e.host, hole1 + p + 8), -EAGAIN);

	/* An annotated page is refused; its neighbour faults in as a page beside it. */
	KT_EQ_INT(t, pgt_stage2_set_owner(&tr->pgt, r + 3 * b + 2 * p, p, 3, &t->mc[0]), 0);
	KT_EQ_INT(t, pgt_host_idmap(&e.host, r + 3 * b + 2 * p), -EPERM);
	KT_TRY(fault(t, tr, &e, r + 3 * b + 3 * p, 3));
	KT_TRY(kt_expect_owner_entries(t, tr, 1, 3));

	/* Bad input. */
	KT_EQ_INT(t, pgt_host_find_range(&e.host, 1ULL << IA_BITS, &range), -ERANGE);
	regions[0].base += 8;
	KT_EQ_INT(t, pgt_host_find_range(&e.host, r + 7 * b, &range), -EINVAL);
	regions[0].base -= 8;
	KT_TRY(expect_identity_leaves(t, tr, &e));
	KT_TRY(kt_expect_well_formed(t, tr));
	return 0;
}

const struct kt_case kt_host_cases[] = {
	{ "host_machine", host_machine, true },
	{ "host_pools", host_pools, true },
	{ }
};
