// SPDX-License-Identifier: GPL-2.0-only
/*
 * selftest.c - the self-test's harness (selftest.h), and the cases about
 * the kernel home itself: allocation, reference counts, RCU-deferred frees,
 * register values against the reference translator and the readable dump.
 * Two runners drive the cases: KUnit (kunit.c) and, on kernels without it,
 * the module's own KTAP printer (ktap.c).
 */
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "selftest.h"
#include "dump.h"

const u32 kt_granules[KT_NR_GRANULES] = { PGT_GRANULE_4K, PGT_GRANULE_16K, PGT_GRANULE_64K };

const struct kt_case *const kt_case_lists[] = {
	kt_mm_cases, kt_hyp_cases, kt_s2_cases, kt_host_cases, kt_concurrency_cases, NULL
};

/* Pages of the trees kept for the dump (a case that keeps one does not leak them). */
static s64 kept_pages;

/* ---- reporting ---- */

int kt_fail(struct kt *t, const char *file, int line, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info("# %s: %s:%d: %pV\n", t->name, kbasename(file), line, &vaf);
	va_end(args);
	return -EINVAL;
}

void kt_diag(struct kt *t, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info("# %s: %pV\n", t->name, &vaf);
	va_end(args);
}

/* ---- trees ---- */

static struct kt_tree *tree_slot(struct kt *t)
{
	int i;

	for (i = 0; i < KT_MAX_TREES; i++)
		if (!t->trees[i].live)
			return &t->trees[i];
	return NULL;
}

static void tree_regime(struct kt_tree *tr)
{
	tr->rg = (struct ref_regime){
		.stage = tr->pgt.stage == PGT_STAGE_HYP ? 1 : 2,
		.ctrl = tr->pgt.ctrl,
		.ttbr = tr->pgt.root_phys,
		.mair = PGT_HYP_MAIR,
		.fwb = tr->pgt.flags & PGT_S2_FWB,
		.read64 = pgt_kmod_read64,
		.ctx = pgt_kmod_mm_ops(),
	};
	tr->live = true;
}

struct kt_tree *kt_hyp(struct kt *t, u32 va_bits, u32 pa_bits)
{
	struct pgt_config cfg = { .ia_bits = va_bits, .granule_shift = t->granule,
				  .pa_bits = pa_bits };
	struct kt_tree *tr = tree_slot(t);

	if (!tr)
		return NULL;
	tr->pages_before = pgt_kmod_pages_in_use();
	if (pgt_hyp_init(&tr->pgt, &cfg, pgt_kmod_mm_ops()))
		return NULL;
	tree_regime(tr);
	return tr;
}

struct kt_tree *kt_s2(struct kt *t, u32 ia_bits, u32 pa_bits, u32 flags)
{
	struct pgt_config cfg = { .ia_bits = ia_bits, .granule_shift = t->granule,
				  .pa_bits = pa_bits, .flags = flags };
	struct kt_tree *tr = tree_slot(t);

	if (!tr)
		return NULL;
	tr->pages_before = pgt_kmod_pages_in_use();
	if (pgt_stage2_init(&tr->pgt, &cfg, pgt_kmod_mm_ops(), tr))
		return NULL;
	tree_regime(tr);
	return tr;
}

static void pgt_destroy_any(struct pgt *pgt)
{
	if (pgt->stage == PGT_STAGE_HYP)
		pgt_hyp_destroy(pgt);
	else
		pgt_stage2_destroy(pgt);
}

void kt_destroy(struct kt *t, struct kt_tree *tr)
{
	if (!tr->live)
		return;
	pgt_destroy_any(&tr->pgt);
	tr->live = false;
}

struct pgt_memcache *kt_mc(struct kt *t, int i, u32 n)
{
	struct pgt_memcache *mc = &t->mc[i];

	if (pgt_memcache_topup(mc, pgt_kmod_mm_ops(), kt_page(t), n))
		return NULL;
	return mc;
}

int kt_buf(struct kt *t, u64 size, u64 *phys, void **virt)
{
	unsigned int order = size > PAGE_SIZE ? get_order(size) : 0;
	int i;

	for (i = 0; i < KT_MAX_BUFS; i++) {
		struct kt_buf *b = &t->bufs[i];

		if (b->page)
			continue;
		b->page = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
		if (!b->page)
			return KT_FAIL(t, "no %llu-byte buffer", size);
		b->order = order;
		*phys = page_to_phys(b->page);
		*virt = page_address(b->page);
		return 0;
	}
	return KT_FAIL(t, "too many buffers");
}

/* Home pages one table (or root page) of the case's granule takes. */
static s64 pages_per_table(const struct kt_tree *tr)
{
	u64 size = pgt_page_size(&tr->pgt.geom);

	return size > PAGE_SIZE ? size >> PAGE_SHIFT : 1;
}

void kt_keep_for_dump(struct kt *t, struct kt_tree *tr, const char *name)
{
	struct pgt *copy;
	long tables;

	if (pgt_kmod_dump_nr >= PGT_KMOD_DUMP_MAX)
		return;
	copy = kmemdup(&tr->pgt, sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return;
	tables = ref_count_tables(&tr->rg);
	down_write(&pgt_kmod_dump_lock);
	pgt_kmod_dump_trees[pgt_kmod_dump_nr].name = name;
	pgt_kmod_dump_trees[pgt_kmod_dump_nr].pgt = copy;
	pgt_kmod_dump_nr++;
	up_write(&pgt_kmod_dump_lock);
	kept_pages += tables * pages_per_table(tr);
	tr->live = false;
}

void pgt_kmod_selftest_cleanup(void)
{
	unsigned int i;

	down_write(&pgt_kmod_dump_lock);
	for (i = 0; i < pgt_kmod_dump_nr; i++) {
		pgt_destroy_any(pgt_kmod_dump_trees[i].pgt);
		kfree(pgt_kmod_dump_trees[i].pgt);
		pgt_kmod_dump_trees[i] = (struct pgt_kmod_dump_entry){ 0 };
	}
	pgt_kmod_dump_nr = 0;
	kept_pages = 0;
	up_write(&pgt_kmod_dump_lock);
}

/* ---- checks ---- */

int kt_xlat(struct kt *t, struct kt_tree *tr, u64 ia, struct ref_result *res)
{
	if (ref_translate(&tr->rg, ia, REF_ACC_NONE, res))
		return KT_FAIL(t, "translator: misconfigured regime, ctrl 0x%llx ttbr 0x%llx",
			       tr->rg.ctrl, tr->rg.ttbr);
	return 0;
}

/* What the translator must report for a leaf mapped with @prot. */
static int expect_prot(struct kt *t, const struct kt_tree *tr, u64 ia,
		       const struct ref_result *res, u32 prot)
{
	bool device = prot & PGT_PROT_DEVICE;
	bool r = tr->pgt.stage == PGT_STAGE_HYP || (prot & PGT_PROT_R);

	if (res->r != r || res->w != !!(prot & PGT_PROT_W) || res->x != !!(prot & PGT_PROT_X) ||
	    res->mt != (device ? REF_MT_DEVICE_nGnRE : REF_MT_NORMAL_WB) ||
	    res->sw != (prot & PGT_PROT_SW_MASK) >> 8 || !res->af || res->shareability != 3)
		return KT_FAIL(t, "ia 0x%llx: %c%c%c %s sw %x af %d sh %d, expected prot 0x%x",
			       ia, res->r ? 'r' : '-', res->w ? 'w' : '-', res->x ? 'x' : '-',
			       ref_memtype_str(res->mt), res->sw, res->af, res->shareability,
			       prot);
	return 0;
}

int kt_expect_mapped(struct kt *t, struct kt_tree *tr, u64 ia, u64 pa, u32 prot)
{
	struct ref_result res;

	KT_TRY(kt_xlat(t, tr, ia, &res));
	if (res.fault != REF_OK)
		return KT_FAIL(t, "ia 0x%llx: %s at level %d, expected pa 0x%llx", ia,
			       ref_fault_str(res.fault), res.level, pa);
	if (res.pa != pa)
		return KT_FAIL(t, "ia 0x%llx: pa 0x%llx, expected 0x%llx", ia, res.pa, pa);
	return expect_prot(t, tr, ia, &res, prot);
}

int kt_expect_unmapped(struct kt *t, struct kt_tree *tr, u64 ia)
{
	struct ref_result res;

	KT_TRY(kt_xlat(t, tr, ia, &res));
	if (res.fault != REF_FAULT_TRANSLATION)
		return KT_FAIL(t, "ia 0x%llx: %s (pa 0x%llx), expected a translation fault", ia,
			       ref_fault_str(res.fault), res.pa);
	return 0;
}

int kt_expect_level(struct kt *t, struct kt_tree *tr, u64 ia, int level)
{
	struct ref_result res;

	KT_TRY(kt_xlat(t, tr, ia, &res));
	if (res.level != level)
		return KT_FAIL(t, "ia 0x%llx: %s at level %d, expected level %d", ia,
			       ref_fault_str(res.fault), res.level, level);
	return 0;
}

struct exact_check {
	struct kt *t;
	struct kt_tree *tr;
	int err;
};

/* A piece of a leaf must be expected, and translate as its extent says. */
static int exact_piece(void *arg, u64 ia, u64 end, const struct ref_mapping *m,
		       const struct extent *e)
{
	struct exact_check *c = arg;

	(void)end;
	if (!e) {
		c->err = KT_FAIL(c->t, "unexpected mapping at 0x%llx (leaf 0x%llx+0x%llx level %d)",
				 ia, m->ia, m->size, m->level);
		return 1;
	}
	c->err = kt_expect_mapped(c->t, c->tr, ia, e->pa + (ia - e->ia), e->prot);
	if (!c->err && m->pa + (ia - m->ia) != e->pa + (ia - e->ia))
		c->err = KT_FAIL(c->t, "leaf at 0x%llx: pa 0x%llx, expected 0x%llx", ia,
				 m->pa + (ia - m->ia), e->pa + (ia - e->ia));
	return c->err;
}

int kt_expect_exactly(struct kt *t, struct kt_tree *tr, const struct extent *ext, int n)
{
	struct exact_check c = { .t = t, .tr = tr };
	long long covered = extents_walk(&tr->rg, ext, n, exact_piece, &c);

	if (c.err)
		return c.err;
	if (covered < 0)
		return KT_FAIL(t, "translator: misconfigured regime");
	if ((u64)covered != extents_bytes(ext, n))
		return KT_FAIL(t, "mapped 0x%llx bytes, expected 0x%llx", (u64)covered,
			       extents_bytes(ext, n));
	return 0;
}

static int bad_entry(void *arg, u64 ia, int level, u64 desc, enum ref_fault fault)
{
	struct kt *t = arg;

	KT_FAIL(t, "malformed entry at ia 0x%llx level %d: 0x%llx (%s)", ia, level, desc,
		ref_fault_str(fault));
	return 0;
}

int kt_expect_well_formed(struct kt *t, struct kt_tree *tr)
{
	struct pgt_kmod_stats s = kt_stats();
	long bad, tables;
	s64 cached = 0, held;
	int i;

	/* Subtrees waiting for their grace period are still held by the home. */
	if (s.deferred_frees != s.deferred_done)
		pgt_kmod_mm_drain();
	bad = ref_visit_bad_entries(&tr->rg, bad_entry, t);
	tables = ref_count_tables(&tr->rg);

	if (bad)
		return KT_FAIL(t, "%ld malformed entries", bad);
	if (tables < 1)
		return KT_FAIL(t, "translator counts %ld tables", tables);
	for (i = 0; i < KT_MAX_TREES; i++)
		cached += t->mc[i].nr;
	held = pgt_kmod_pages_in_use() - tr->pages_before - cached * pages_per_table(tr);
	if (held != tables * pages_per_table(tr))
		return KT_FAIL(t,
			       "the home holds %lld pages, the translator reaches %ld tables of %lld",
			       held, tables, pages_per_table(tr));
	return 0;
}

struct owner_check {
	struct kt *t;
	u32 owner;
	int err;
};

static int owner_entry(void *arg, u64 ia, int level, u64 desc)
{
	struct owner_check *c = arg;
	/* design.rst: an annotation keeps its owner id in bits 15:2. */
	u32 owner = (desc >> 2) & 0x3fff;

	if (owner != c->owner || (desc & ~GENMASK_ULL(15, 2))) {
		c->err = KT_FAIL(c->t, "entry at 0x%llx level %d: 0x%llx, expected owner %u", ia,
				 level, desc, c->owner);
		return 1;
	}
	return 0;
}

int kt_expect_owner_entries(struct kt *t, struct kt_tree *tr, long n, u32 owner)
{
	struct owner_check c = { .t = t, .owner = owner };
	long found = ref_visit_invalid_nonzero(&tr->rg, owner_entry, &c);

	if (c.err)
		return c.err;
	if (found != n)
		return KT_FAIL(t, "%ld annotated entries, expected %ld", found, n);
	return 0;
}

/* ---- the runner ---- */

static void case_cleanup(struct kt *t)
{
	int i;

	for (i = 0; i < KT_MAX_TREES; i++) {
		kt_destroy(t, &t->trees[i]);
		pgt_memcache_free(&t->mc[i], pgt_kmod_mm_ops());
	}
	for (i = 0; i < KT_MAX_BUFS; i++)
		if (t->bufs[i].page)
			__free_pages(t->bufs[i].page, t->bufs[i].order);
	pgt_kmod_fail_nth_alloc(0);
	pgt_kmod_mm_drain();
}

void kt_case_name(const struct kt_case *c, u32 granule, char *name, size_t size)
{
	if (c->per_granule)
		snprintf(name, size, "%s_%uk", c->name, 1u << (granule - 10));
	else
		strscpy(name, c->name, size);
}

int kt_run_case(const struct kt_case *c, u32 granule, const char *name)
{
	struct pgt_kmod_stats before = kt_stats();
	s64 in_use = pgt_kmod_pages_in_use(), kept = kept_pages, leaked;
	u64 misuse = pgt_kmod_misuse_unexpected(), unmet;
	bool warned = test_taint(TAINT_WARN);
	ktime_t start;
	struct kt *t;
	int ret;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->name = name;
	t->granule = granule;
	start = ktime_get();
	ret = c->fn(t);
	case_cleanup(t);
	if (pgt_kmod_verbose)
		kt_diag(t, "%lld ms, %llu pages allocated, %llu TLB invalidations counted",
			ktime_ms_delta(ktime_get(), start), KT_DELTA(before, pages_allocated),
			KT_DELTA(before, tlbi_va) + KT_DELTA(before, tlbi_range) +
			KT_DELTA(before, tlbi_all));

	leaked = pgt_kmod_pages_in_use() - in_use - (kept_pages - kept);
	if (leaked)
		ret = ret ?: KT_FAIL(t, "%lld pages not given back", leaked);
	if (KT_DELTA(before, refcount_errors))
		ret = ret ?: KT_FAIL(t, "%llu reference count errors",
				     KT_DELTA(before, refcount_errors));
	/* Misuse of the home, and the library's PGT_WARN_ON (a WARN here), fail the case. */
	misuse = pgt_kmod_misuse_unexpected() - misuse;
	if (misuse)
		ret = ret ?: KT_FAIL(t, "%llu unexpected misuse reports of the home", misuse);
	unmet = pgt_kmod_misuse_unmet();
	if (unmet)
		ret = ret ?: KT_FAIL(t, "%llu expected misuse reports never came", unmet);
	if (!warned && test_taint(TAINT_WARN))
		ret = ret ?: KT_FAIL(t, "the kernel warned during the case");
	kfree(t);
	return ret;
}

/*
 * ======================================================================
 * Cases about the kernel home
 * ======================================================================
 */

/* Table pages of every granule: zeroed, naturally aligned, counted, freed on the last put. */
static int mm_table_pages(struct kt *t)
{
	static const u32 sizes[] = { SZ_4K, SZ_16K, SZ_64K };
	struct pgt_mm_ops *mm = pgt_kmod_mm_ops();
	s64 in_use = pgt_kmod_pages_in_use();
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u32 size = sizes[i];
		u8 *p = mm->zalloc_page(mm, size);
		u64 phys;
		u32 off;

		KT_ASSERT(t, p);
		phys = mm->virt_to_phys(mm, p);
		if (!IS_ALIGNED((unsigned long)p, size) || !IS_ALIGNED(phys, size) ||
		    mm->phys_to_virt(mm, phys) != p) {
			mm->put_page(mm, p);
			return KT_FAIL(t, "%u-byte table at %p (phys 0x%llx) is not aligned", size,
				       p, phys);
		}
		for (off = 0; off < size; off++)
			if (p[off])
				break;
		if (off < size) {
			mm->put_page(mm, p);
			return KT_FAIL(t, "%u-byte table not zeroed at offset %u", size, off);
		}
		/* References are counted on the whole table, from any entry's address. */
		mm->get_page(mm, p + size - 8);
		mm->get_page(mm, p + size / 2);
		KT_EQ(t, mm->page_count(mm, p), 3);
		KT_EQ(t, mm->page_count(mm, p + size - 8), 3);
		mm->put_page(mm, p + 8);
		mm->put_page(mm, p);
		KT_EQ(t, mm->page_count(mm, p), 1);
		KT_EQ_INT(t, pgt_kmod_pages_in_use() - in_use,
			  size > PAGE_SIZE ? size / PAGE_SIZE : 1);
		mm->put_page(mm, p);
		KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	}
	return 0;
}

/* Root allocations: 1 to 16 tables of every granule, aligned to their size. */
static int mm_exact_pages(struct kt *t)
{
	struct pgt_mm_ops *mm = pgt_kmod_mm_ops();
	s64 in_use = pgt_kmod_pages_in_use();
	u64 size;

	for (size = SZ_4K; size <= 16 * SZ_64K; size <<= 1) {
		void *p = mm->zalloc_pages_exact(mm, size);
		u64 phys;

		KT_ASSERT(t, p);
		phys = mm->virt_to_phys(mm, p);
		if (!IS_ALIGNED(phys, size) || memchr_inv(p, 0, size)) {
			mm->free_pages_exact(mm, p, size);
			return KT_FAIL(t, "0x%llx-byte root at phys 0x%llx: misaligned or not zero",
				       size, phys);
		}
		mm->free_pages_exact(mm, p, size);
	}
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	return 0;
}

/*
 * An unlinked subtree handed to free_unlinked_table survives every RCU
 * read-side section that started before, and is freed after the grace period.
 */
static int mm_rcu_deferred_free(struct kt *t)
{
	struct pgt_mm_ops *mm = pgt_kmod_mm_ops();
	struct pgt_kmod_stats before = kt_stats();
	struct kt_tree *tr = kt_s2(t, 40, 48, 0);
	s64 in_use;
	pgt_pte_t *table;
	u64 done;

	KT_ASSERT(t, tr);
	in_use = pgt_kmod_pages_in_use();
	KT_EQ_INT(t, pgt_stage2_create_unlinked(&tr->pgt, KT_PA_BASE, 2, PGT_PROT_RW, NULL, true,
						&table), 0);
	KT_ASSERT(t, pgt_kmod_pages_in_use() > in_use);

	rcu_read_lock();
	mm->free_unlinked_table(mm, table, 3, t->granule);
	/* A reader that entered before: the table is still allocated and readable. */
	done = KT_DELTA(before, deferred_done);
	if (!done && READ_ONCE(table[0]) == 0)
		done = ~0ULL;
	rcu_read_unlock();
	KT_EQ(t, done, 0);

	pgt_kmod_mm_drain();
	KT_EQ(t, KT_DELTA(before, deferred_frees), 1);
	KT_EQ(t, KT_DELTA(before, deferred_done), 1);
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	return 0;
}

/*
 * The register values the library computes describe the geometry it built:
 * the reference translator derives the walk from TCR_EL2/VTCR_EL2 alone.
 */
static int mm_registers(struct kt *t)
{
	static const u32 sizes[] = { 32, 36, 39, 40, 42, 44, 48 };
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct kt_tree *hyp = kt_hyp(t, sizes[i], 48);
		struct kt_tree *s2 = kt_s2(t, sizes[i], 48, 0);
		struct ref_regime_info hi, si;

		KT_ASSERT(t, hyp && s2);
		KT_EQ_INT(t, ref_regime_info(&hyp->rg, &hi), 0);
		KT_EQ_INT(t, ref_regime_info(&s2->rg, &si), 0);
		KT_EQ(t, hi.granule_shift, t->granule);
		KT_EQ(t, hi.ia_bits, sizes[i]);
		KT_EQ_INT(t, hi.start_level, hyp->pgt.geom.start_level);
		KT_EQ(t, hi.root_pa, hyp->pgt.root_phys);
		KT_EQ(t, si.granule_shift, t->granule);
		KT_EQ(t, si.ia_bits, sizes[i]);
		KT_EQ_INT(t, si.start_level, s2->pgt.geom.start_level);
		KT_EQ(t, si.root_pages, s2->pgt.geom.root_pages);
		KT_EQ(t, si.root_entries, s2->pgt.geom.root_entries);
		KT_TRY(kt_expect_well_formed(t, s2));
		kt_destroy(t, hyp);
		kt_destroy(t, s2);
	}
	return 0;
}

/* `pgtable dump` (test/dump_raw.c on a seq_file): the registers, one line per non-zero entry. */
static int dump_raw_check(struct kt *t, struct kt_tree *tr, struct seq_file *m)
{
	long leaves = ref_visit_leaves(&tr->rg, NULL, NULL);
	long tables = ref_count_tables(&tr->rg);
	long invalid = ref_visit_invalid_nonzero(&tr->rg, NULL, NULL);
	long want = leaves + tables - tr->pgt.geom.root_pages + invalid, lines = 0;
	char header[160];
	const char *p;

	m->count = 0;
	KT_EQ_INT(t, pgt_kmod_dump_raw(m, &tr->pgt), 0);
	KT_ASSERT(t, !seq_has_overflowed(m) && m->count < m->size);
	m->buf[m->count] = '\0';
	snprintf(header, sizeof(header),
		 "dump stage=1 granule=4096 ia=48 start_level=0 root=0x%llx root_pages=1 tcr=0x%llx mair=0x%llx\n",
		 tr->pgt.root_phys, tr->pgt.ctrl, PGT_HYP_MAIR);
	if (!str_has_prefix(m->buf, header))
		return KT_FAIL(t, "raw dump header: %.160s", m->buf);
	for (p = m->buf; (p = strstr(p, "\npte 0x")); p++)
		lines++;
	if (lines != want || m->count < 5 || strcmp(m->buf + m->count - 5, "\nend\n"))
		return KT_FAIL(t, "raw dump: %ld pte lines, expected %ld:\n%s", lines, want,
			       m->buf);
	return 0;
}

/*
 * The readable dump (test/dump.c on a seq_file) prints a header and every
 * mapping; the raw one every non-zero entry.
 */
static int mm_dump(struct kt *t)
{
	struct seq_file m = { .size = SZ_64K };
	struct kt_tree *tr = kt_hyp(t, 48, 48);
	int ret = 0;

	KT_ASSERT(t, tr);
	KT_EQ_INT(t, pgt_hyp_map(&tr->pgt, SZ_2M * 3, SZ_2M + SZ_8K, KT_PA_BASE, PGT_PROT_RW), 0);
	m.buf = kvzalloc(m.size, GFP_KERNEL);
	KT_ASSERT(t, m.buf);
	dump_readable(&m, &tr->pgt);
	if (seq_has_overflowed(&m) || !m.count)
		ret = KT_FAIL(t, "dump: %zu bytes, overflow %d", m.count, seq_has_overflowed(&m));
	else if (!str_has_prefix(m.buf, "EL2 stage 1: 4K granule, 48-bit input, start level 0,"))
		ret = KT_FAIL(t, "dump header: %.60s", m.buf);
	else if (!strnstr(m.buf, "L2 [0x000000600000-0x000000800000) block 0x10000000000 rw--",
			  m.count) ||
		 !strnstr(m.buf,
			  "L3 [0x000000800000-0x000000802000) page  0x10000200000 rw-- (2 pages)",
			  m.count))
		ret = KT_FAIL(t, "dump lacks the mappings:\n%.*s", (int)m.count, m.buf);
	if (!ret)
		ret = dump_raw_check(t, tr, &m);
	kvfree(m.buf);
	return ret;
}

/*
 * Misuse the home on purpose, announced: each report is counted, none warns,
 * and a table handed to free_unlinked_table twice is freed once.
 */
static int mm_misuse_reported(struct kt *t)
{
	struct pgt_mm_ops *mm = pgt_kmod_mm_ops();
	struct pgt_kmod_stats before = kt_stats();
	u64 reports = pgt_kmod_misuse_reports(), unexpected = pgt_kmod_misuse_unexpected();
	s64 in_use = pgt_kmod_pages_in_use();
	void *table;

	pgt_kmod_expect_misuse(3);
	KT_ASSERT(t, !mm->zalloc_page(mm, SZ_8K));
	KT_ASSERT(t, !mm->zalloc_pages_exact(mm, 3 * SZ_4K));
	table = mm->zalloc_page(mm, SZ_4K);
	KT_ASSERT(t, table);
	/* Inside a read-side section the first free cannot have run before the second call. */
	rcu_read_lock();
	mm->free_unlinked_table(mm, table, 3, PGT_GRANULE_4K);
	mm->free_unlinked_table(mm, table, 3, PGT_GRANULE_4K);
	rcu_read_unlock();
	pgt_kmod_mm_drain();
	KT_EQ(t, pgt_kmod_misuse_reports() - reports, 3);
	KT_EQ(t, pgt_kmod_misuse_unexpected() - unexpected, 0);
	KT_EQ(t, KT_DELTA(before, deferred_frees), 1);
	KT_EQ(t, KT_DELTA(before, deferred_done), 1);
	KT_EQ_INT(t, pgt_kmod_pages_in_use(), in_use);
	return 0;
}

const struct kt_case kt_mm_cases[] = {
	{ "mm_table_pages", mm_table_pages },
	{ "mm_exact_pages", mm_exact_pages },
	{ "mm_rcu_deferred_free", mm_rcu_deferred_free, true },
	{ "mm_registers", mm_registers, true },
	{ "mm_dump", mm_dump },
	{ "mm_misuse_reported", mm_misuse_reported },
	{ }
};
