// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_stage2_random.c - randomized, model-based test of the stage-2 API.
 *
 * A page-granular model of a window of IPA space (each page EMPTY, MAPPED
 * with an output address, permissions and access flag, or OWNED by an owner
 * id) is driven by a seeded random sequence of map (exclusive and shared),
 * unmap, set_owner, wrprotect, test_clear_young, mkyoung, relax_perms, split
 * and flush calls, each applied to the library and to the model as
 * Documentation/stage2.rst specifies.  The operations whose effect depends
 * on the tree's shape ("a block only partly inside is removed whole", a
 * shared map collapsing a table) take that shape from the reference
 * translator before the call, never from the library or a guess.
 *
 * After every step the pages the call could touch, whole entries included,
 * are compared with the translator, and the TLB and cache maintenance the
 * step did is checked against the spec: every live leaf the call changed was
 * invalidated with a level hint that fits it, every table it unlinked by a
 * TLBI that reaches walk caches, every newly mapped (or unmapped, or
 * flushed) cacheable byte was cleaned exactly once.  Every
 * CHECK_EVERY steps and at the end: the whole window page by page, nothing
 * outside it, no malformed entry, and each table page's reference count,
 * that no empty table is left, and that the arena holds nothing but the
 * tree and the memory cache.  -ENOMEM is provoked now and then (injected
 * allocation failures, empty or one-short memory caches) and must leave the
 * tree exactly as it was.
 *
 * The windows straddle block and root-entry boundaries and contain whole
 * level-2 blocks (and, in one 4K run, a whole level-1 block), so blocks are
 * made, split, collapsed and partly unmapped at every level that has them.
 *
 * Replay a failure with PGT_TEST_SEED=<the printed seed>: each run mixes
 * its own salt into it.  PGT_TEST_STEPS=<n> overrides every run's steps.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

#define PA_BITS		48
#define PA_BASE		(1ULL << 44)	/* aligned to every block size */
#define BIG_PAGES	(262144 + 2048)	/* 1G + 8M of 4K pages */
#define MAX_PAGES	BIG_PAGES
#define CHECK_EVERY	1000
#define AUDIT_EVERY	97
#define LOG_OPS		24
#define OP_LEN		200

enum pstate { P_EMPTY, P_MAPPED, P_OWNED };

struct mpage {
	u64 pa;
	u32 prot;
	u16 owner;
	u8 state;
	bool young;
};

/* One entry as the translator saw it: a leaf (res.pa is that of estart) or an invalid entry. */
struct ent {
	struct ref_result res;
	u64 estart, esize;
};

/* A region translated once per entry: idx[page] picks the entry deciding the page. */
struct sbuf {
	u32 idx[MAX_PAGES];
	struct ent ent[MAX_PAGES];
	u32 nent;
};

struct run_cfg {
	const char *name;
	u32 granule;
	u32 ia_bits;
	u32 flags;
	u32 npages;
	u32 steps;
	/* The window straddles 3 level-1 entries (if the IPA space has room), 2^(ia_bits - 1), or ends at 2^ia_bits. */
	enum { AT_L1, AT_MID, AT_TOP } where;
	bool big;	/* 4K: the window holds a whole level-1 (1G) block */
	bool no_range;	/* the home has no tlbi_range hook */
	u64 salt;	/* mixed into the seed so that the runs differ */
	bool linear;	/* the home declares its linear map: no conversion calls */
};

struct counts {
	u32 map_x, map_s, eperm, eagain, enomem, unmap, owner, wrprot, tcy, mkyoung,
	    relax, split, flush, bad, blocks[PGT_MAX_LEVEL], touch_l1;
};

struct rt {
	struct tenv t;
	const struct run_cfg *cfg;
	u64 seed, rng;
	u32 step;
	u64 page, blk, cong, base, win_end;
	u32 n, blk_pages, large_max;
	bool fwb, pages_only;
	struct pgt_memcache mc;
	struct host_mm_stats st0;
	char op[OP_LEN];
	char log[LOG_OPS][OP_LEN + 16];
	struct counts c;
};

static struct mpage model[MAX_PAGES];
static struct sbuf pre, post;
/* The table entries meeting a region, in walk order (by address, then level). */
struct tab {
	u64 start, pa;
	int level;
};
#define MAX_TABS	4096
static struct tab pre_tabs[MAX_TABS], post_tabs[MAX_TABS];
static u32 n_pre_tabs, n_post_tabs;
/* Per page: the level hints of the TLBIs that reach it (bit 4: no hint). */
static u8 tlbi_mask[MAX_PAGES];
#define NO_HINT_BIT	(1u << 4)

/* ---- helpers ---- */

static u64 rnd(struct rt *r)
{
	return rng_next(&r->rng);
}

/* Three random bits as R, W and X (X being PX and UX together). */
static u32 rwx_of(u32 bits)
{
	return (bits & 3) | (bits & 4 ? PGT_PROT_X : 0);
}

static u32 rndn(struct rt *r, u32 n)
{
	return (u32)(rnd(r) % n);
}

static u64 IA(const struct rt *r, u32 i)
{
	return r->base + (u64)i * r->page;
}

static u32 min_u32(u32 a, u32 b)
{
	return a < b ? a : b;
}

static void __attribute__((format(printf, 3, 4)))
die(struct rt *r, u64 ia, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	u32 k;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_message("# %s: the last operations (seed 0x%llx):\n", r->cfg->name,
		      (unsigned long long)r->seed);
	for (k = r->step >= LOG_OPS ? r->step - LOG_OPS + 1 : 0; k <= r->step; k++)
		print_message("#   %s\n", r->log[k % LOG_OPS]);
	fail_msg("%s: PGT_TEST_SEED=0x%llx step %u op [%s] ia 0x%llx: %s", r->cfg->name,
		 (unsigned long long)r->seed, r->step, r->op, (unsigned long long)ia, msg);
}

static void __attribute__((format(printf, 2, 3))) set_op(struct rt *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->op, sizeof(r->op), fmt, ap);
	va_end(ap);
	snprintf(r->log[r->step % LOG_OPS], sizeof(r->log[0]), "step %u: %s", r->step, r->op);
}

static bool res_mapped(const struct ref_result *res)
{
	return res->fault == REF_OK || res->fault == REF_FAULT_ACCESS_FLAG;
}

static bool ent_mapped(const struct ent *e)
{
	return res_mapped(&e->res);
}

static const struct ent *E(const struct sbuf *b, u32 i)
{
	return &b->ent[b->idx[i]];
}

/* The output address of page @i, which @e maps. */
static u64 page_pa(const struct rt *r, const struct ent *e, u32 i)
{
	return e->res.pa + (IA(r, i) - e->estart);
}

static struct ref_result xl(struct rt *r, u64 ia)
{
	struct ref_result res;

	if (ref_translate(&r->t.rg, ia, REF_ACC_NONE, &res))
		die(r, ia, "the translator finds the regime misconfigured");
	return res;
}

/* The size of the entry @res ends at for @ia: the leaf, or the invalid entry. */
static u64 entry_size(struct rt *r, u64 ia, const struct ref_result *res)
{
	if (res_mapped(res))
		return res->leaf_size;
	if (res->fault != REF_FAULT_TRANSLATION)
		die(r, ia, "walk ends in a %s at level %d (desc 0x%llx)", ref_fault_str(res->fault),
		    res->level, (unsigned long long)res->desc);
	return pgt_level_size(&r->t.pgt.geom, (pgt_s8)res->level);
}

/* Window page indices of the entry @e, clipped to the window. */
static u32 e_lo(const struct rt *r, const struct ent *e)
{
	return e->estart <= r->base ? 0 : (u32)((e->estart - r->base) / r->page);
}

static u32 e_hi(const struct rt *r, const struct ent *e)
{
	u64 end = e->estart + e->esize;

	return end >= r->win_end ? r->n : (u32)((end - r->base) / r->page);
}

/*
 * Translate [lo, hi) once per entry.  A non-zero entry (a leaf or an owner
 * annotation) must lie inside the window: nothing is ever made outside it.
 */
static void scan(struct rt *r, struct sbuf *b, u32 lo, u32 hi)
{
	u32 i = lo, j, stop;

	b->nent = 0;
	while (i < hi) {
		u64 ia = IA(r, i);
		struct ent *e = &b->ent[b->nent];
		u64 size;

		e->res = xl(r, ia);
		size = entry_size(r, ia, &e->res);
		e->estart = ia & ~(size - 1);
		e->esize = size;
		if (e->res.desc && (e->estart < r->base || e->estart + size > r->win_end))
			die(r, ia, "entry 0x%llx+0x%llx (desc 0x%llx) reaches outside the window",
			    (unsigned long long)e->estart, (unsigned long long)size,
			    (unsigned long long)e->res.desc);
		if (ent_mapped(e))
			e->res.pa -= ia - e->estart;
		stop = min_u32(e_hi(r, e), hi);
		for (j = i; j < stop; j++)
			b->idx[j] = b->nent;
		b->nent++;
		i = stop;
	}
}

/* Do @a and @b decide page @i alike? */
static bool same_at(const struct rt *r, const struct ent *a, const struct ent *b, u32 i)
{
	return a->res.fault == b->res.fault && a->res.level == b->res.level &&
	       a->res.desc == b->res.desc &&
	       (!ent_mapped(a) || page_pa(r, a, i) == page_pa(r, b, i));
}

/* The first page of [lo, hi) that pre and post decide differently, or @hi. */
static u32 first_difference(const struct rt *r, u32 lo, u32 hi)
{
	u32 i = lo;

	while (i < hi) {
		const struct ent *a = E(&pre, i), *b = E(&post, i);

		if (!same_at(r, a, b, i))
			return i;
		/* Same level and descriptor: the same entry. */
		i = min_u32(min_u32(e_hi(r, a), e_hi(r, b)), hi);
	}
	return hi;
}

static const char *state_str(const struct mpage *p)
{
	return p->state == P_MAPPED ? "mapped" : p->state == P_OWNED ? "owned" : "empty";
}

static bool prot_normal(u32 prot)
{
	return !(prot & PGT_PROT_DEVICE);
}

/* The model's page @i against what the translator said about it. */
static void check_page(struct rt *r, u32 i, const struct ref_result *res)
{
	const struct mpage *p = &model[i];
	u64 ia = IA(r, i);

	if (p->state != P_MAPPED) {
		u64 want = p->state == P_OWNED ? pgt_s2_owner_pte(p->owner) : 0;

		if (res->fault != REF_FAULT_TRANSLATION || res->desc != want)
			die(r, ia, "model: %s (desc 0x%llx); translator: %s at level %d, desc 0x%llx, pa 0x%llx",
			    state_str(p), (unsigned long long)want, ref_fault_str(res->fault),
			    res->level, (unsigned long long)res->desc, (unsigned long long)res->pa);
		return;
	}
	if (!res_mapped(res))
		die(r, ia, "model: mapped to 0x%llx prot 0x%x; translator: %s at level %d, desc 0x%llx",
		    (unsigned long long)p->pa, p->prot, ref_fault_str(res->fault), res->level,
		    (unsigned long long)res->desc);
	if (res->pa != p->pa || res->r != !!(p->prot & PGT_PROT_R) ||
	    res->w != !!(p->prot & PGT_PROT_W) || res->x != !!(p->prot & PGT_PROT_X) ||
	    res->mt != (prot_normal(p->prot) ? REF_MT_NORMAL_WB : REF_MT_DEVICE_nGnRE) ||
	    res->sw != (p->prot & PGT_PROT_SW_MASK) >> 8 || res->af != p->young ||
	    res->shareability != 3)
		die(r, ia, "model: pa 0x%llx prot 0x%x young %d; translator: pa 0x%llx r%d w%d x%d %s sw 0x%x af %d sh %d (level %d desc 0x%llx)",
		    (unsigned long long)p->pa, p->prot, p->young, (unsigned long long)res->pa,
		    res->r, res->w, res->x, ref_memtype_str(res->mt), res->sw, res->af,
		    res->shareability, res->level, (unsigned long long)res->desc);
	if (r->pages_only && res->level != PGT_MAX_LEVEL)
		die(r, ia, "a block (level %d) in a PGT_S2_FORCE_PAGES tree", res->level);
}

/*
 * The model against a scanned region, entry by entry: the first page of an
 * entry in full, the others by being what the first is, shifted (an entry
 * translates all its pages alike).
 */
static void check_region(struct rt *r, const struct sbuf *b, u32 lo, u32 hi)
{
	u32 i, j, stop;

	for (i = lo; i < hi; i = stop) {
		const struct ent *e = E(b, i);
		struct ref_result res = e->res;
		const struct mpage *p0 = &model[i];

		stop = min_u32(e_hi(r, e), hi);
		if (ent_mapped(e))
			res.pa = page_pa(r, e, i);
		check_page(r, i, &res);
		for (j = i + 1; j < stop; j++) {
			const struct mpage *p = &model[j];

			if (p->state == p0->state && p->owner == p0->owner && p->prot == p0->prot &&
			    p->young == p0->young &&
			    (p->state != P_MAPPED || p->pa == p0->pa + (u64)(j - i) * r->page))
				continue;
			res.pa = ent_mapped(e) ? page_pa(r, e, j) : 0;
			check_page(r, j, &res);
			die(r, IA(r, j), "model differs within one entry");
		}
	}
}

/* ---- whole-tree checks ---- */

struct audit {
	struct rt *r;
	u64 tables;
};

/* Each table page holds one reference for itself and one per non-zero entry. */
static struct pgt_action audit_visitor(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	struct audit *a = ctx->arg;
	struct pgt_mm_ops *mm = ctx->mm_ops;
	pgt_pte_t *child = mm->phys_to_virt(mm, pgt_pte_addr(&ctx->pgt->geom, ctx->old));
	u32 k, nz = 0, n = pgt_table_entries(&ctx->pgt->geom);
	int count = mm->page_count(mm, child);

	(void)visit;
	for (k = 0; k < n; k++)
		nz += child[k] != 0;
	if (count != (int)nz + 1)
		die(a->r, pgt_ctx_entry_start(ctx),
		    "table at level %d: page_count %d, but %u non-zero entries", ctx->level + 1,
		    count, nz);
	if (!nz)
		die(a->r, pgt_ctx_entry_start(ctx), "an empty table is left at level %d",
		    ctx->level + 1);
	a->tables++;
	return pgt_continue();
}

static void audit(struct rt *r)
{
	struct audit a = { .r = r };
	struct pgt_walker w = { .cb = audit_visitor, .arg = &a, .flags = PGT_WALK_TABLE_POST };
	u64 want, in_use;
	long tables;

	if (pgt_walk(&r->t.pgt, 0, 1ULL << r->t.pgt.geom.ia_bits, &w))
		die(r, 0, "audit walk failed");
	/* The arena holds the root, the tables and the memory cache: nothing else. */
	want = ((u64)r->t.pgt.geom.root_pages + a.tables + r->mc.nr) * r->page;
	in_use = host_mm_in_use_bytes(r->t.hm);
	if (in_use != want)
		die(r, 0, "arena holds 0x%llx bytes; root, %llu tables and %u cached pages are 0x%llx",
		    (unsigned long long)in_use, (unsigned long long)a.tables, r->mc.nr,
		    (unsigned long long)want);
	tables = ref_count_tables(&r->t.rg);
	if (tables != (long)(r->t.pgt.geom.root_pages + a.tables))
		die(r, 0, "translator counts %ld tables, the walk %llu plus %u root pages", tables,
		    (unsigned long long)a.tables, r->t.pgt.geom.root_pages);
}

static int outside_leaf(void *arg, const struct ref_mapping *m)
{
	struct rt *r = arg;

	if (m->ia < r->base || m->ia + m->size > r->win_end)
		die(r, m->ia, "leaf 0x%llx+0x%llx (level %d) outside the window",
		    (unsigned long long)m->ia, (unsigned long long)m->size, m->level);
	return 0;
}

static int outside_annotation(void *arg, uint64_t ia, int level, uint64_t desc)
{
	struct rt *r = arg;

	if (ia < r->base || ia + pgt_level_size(&r->t.pgt.geom, (pgt_s8)level) > r->win_end)
		die(r, ia, "annotation 0x%llx at level %d outside the window",
		    (unsigned long long)desc, level);
	return 0;
}

/* Every page of the window, one translation each, and the whole tree. */
static void full_check(struct rt *r)
{
	struct ref_result res;
	u32 i;

	for (i = 0; i < r->n; i++) {
		res = xl(r, IA(r, i));
		if (res_mapped(&res) || res.fault == REF_FAULT_TRANSLATION)
			check_page(r, i, &res);
		else
			die(r, IA(r, i), "%s", ref_fault_str(res.fault));
	}
	if (ref_visit_bad_entries(&r->t.rg, NULL, NULL) != 0)
		die(r, 0, "malformed entries in the tree");
	if (ref_visit_leaves(&r->t.rg, outside_leaf, r) < 0 ||
	    ref_visit_invalid_nonzero(&r->t.rg, outside_annotation, r) < 0)
		die(r, 0, "translator enumeration failed");
	audit(r);
}

/* ---- one call's bracket: stats, TLBI log, before and after ---- */

static void begin_attempt(struct rt *r)
{
	host_mm_stats_get(r->t.hm, &r->st0);
	host_mm_tlbi_log_clear(r->t.hm);
}

struct tabwalk {
	struct rt *r;
	struct tab *t;
	u32 n;
};

static struct pgt_action tab_visitor(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	struct tabwalk *w = ctx->arg;

	(void)visit;
	if (w->n == MAX_TABS)
		die(w->r, ctx->addr, "more than %u tables in a region", MAX_TABS);
	w->t[w->n++] = (struct tab){ .start = pgt_ctx_entry_start(ctx), .level = ctx->level,
				     .pa = pgt_pte_addr(&ctx->pgt->geom, ctx->old) };
	return pgt_continue();
}

static u32 collect_tables(struct rt *r, struct tab *t, u32 lo, u32 hi)
{
	struct tabwalk w = { .r = r, .t = t };
	struct pgt_walker walker = { .cb = tab_visitor, .arg = &w, .flags = PGT_WALK_TABLE_PRE };

	if (pgt_walk(&r->t.pgt, IA(r, lo), (u64)(hi - lo) * r->page, &walker))
		die(r, IA(r, lo), "table walk failed");
	return w.n;
}

/* The region a call on [first, first + count) can touch: whole non-zero entries. */
static void region(struct rt *r, u32 first, u32 count, u32 *lo, u32 *hi)
{
	u32 a = first, b = first + count;
	struct ref_result res;
	u64 ia, size;

	ia = IA(r, a);
	res = xl(r, ia);
	size = entry_size(r, ia, &res);
	if (res.desc && (ia & ~(size - 1)) >= r->base)
		a = (u32)(((ia & ~(size - 1)) - r->base) / r->page);
	ia = IA(r, b - 1);
	res = xl(r, ia);
	size = entry_size(r, ia, &res);
	if (res.desc && (ia & ~(size - 1)) + size <= r->win_end)
		b = (u32)(((ia & ~(size - 1)) + size - r->base) / r->page);
	*lo = a ? a - 1 : 0;
	*hi = b < r->n ? b + 1 : r->n;
	scan(r, &pre, *lo, *hi);
	n_pre_tabs = collect_tables(r, pre_tabs, *lo, *hi);
	for (a = 0; a < pre.nent; a++)
		if (pre.ent[a].res.desc && pre.ent[a].res.level == 1) {
			r->c.touch_l1++;
			break;
		}
}

/* A call that must change nothing changed nothing: entries, arena use, no TLBI. */
static void expect_unchanged(struct rt *r, u32 lo, u32 hi, u64 in_use, int ret)
{
	size_t nlog;
	u32 i;

	scan(r, &post, lo, hi);
	i = first_difference(r, lo, hi);
	if (i < hi)
		die(r, IA(r, i), "returned %d but changed the entry: desc 0x%llx level %d -> desc 0x%llx level %d",
		    ret, (unsigned long long)E(&pre, i)->res.desc, E(&pre, i)->res.level,
		    (unsigned long long)E(&post, i)->res.desc, E(&post, i)->res.level);
	if (host_mm_in_use_bytes(r->t.hm) != in_use)
		die(r, IA(r, lo), "returned %d but arena use went 0x%llx -> 0x%llx", ret,
		    (unsigned long long)in_use, (unsigned long long)host_mm_in_use_bytes(r->t.hm));
	host_mm_tlbi_log_get(r->t.hm, &nlog);
	if (nlog)
		die(r, IA(r, lo), "returned %d, changed nothing, yet issued %zu TLBIs", ret, nlog);
}

static u8 hint_bit(pgt_s8 level)
{
	return level == PGT_NO_LEVEL ? NO_HINT_BIT : (u8)(1u << level);
}

/* Mark what the logged TLBIs reach in [lo, hi); true if one invalidated everything. */
static bool tlbi_marks(struct rt *r, u32 lo, u32 hi)
{
	size_t n, k;
	const struct host_tlbi_entry *log = host_mm_tlbi_log_get(r->t.hm, &n);
	u64 lo_ia = IA(r, lo), hi_ia = IA(r, hi), a, b;
	u32 j;
	bool all = false;

	memset(&tlbi_mask[lo], 0, hi - lo);
	for (k = 0; k < n; k++) {
		const struct host_tlbi_entry *e = &log[k];

		if (e->cookie != &r->t)
			die(r, e->addr, "TLBI with cookie %p, the tree's is %p", e->cookie,
			    (void *)&r->t);
		if (e->kind == HOST_TLBI_ALL) {
			all = true;
			continue;
		}
		if (e->level != PGT_NO_LEVEL && (e->level < 0 || e->level > PGT_MAX_LEVEL))
			die(r, e->addr, "TLBI with level hint %d", e->level);
		a = e->addr;
		b = e->kind == HOST_TLBI_VA ? a + 1 : a + e->size;
		if (b <= lo_ia || a >= hi_ia)
			continue;
		a = a < lo_ia ? lo_ia : a;
		b = b > hi_ia ? hi_ia : b;
		for (j = (u32)((a - r->base) / r->page); IA(r, j) < b; j++)
			tlbi_mask[j] |= hint_bit(e->level);
	}
	return all;
}

/* Did the call change the live leaf @e of pre (other than in its access flag)? */
static bool leaf_changed(const struct rt *r, const struct ent *e, u32 a, u32 b)
{
	u32 j = a;

	while (j < b) {
		const struct ent *p = E(&post, j);

		if (!ent_mapped(p) || p->res.level != e->res.level ||
		    ((p->res.desc ^ e->res.desc) & ~PGT_PTE_AF))
			return true;
		j = min_u32(e_hi(r, p), b);
	}
	return false;
}

/* Is a TLBI that reaches walk caches (not last-level-only, no level hint) logged for [a, a + size)? */
static bool table_tlbi_covers(struct rt *r, u64 a, u64 size)
{
	size_t n, k;
	const struct host_tlbi_entry *log = host_mm_tlbi_log_get(r->t.hm, &n);

	for (k = 0; k < n; k++) {
		const struct host_tlbi_entry *e = &log[k];

		if (e->kind == HOST_TLBI_ALL)
			return true;
		if (e->level != PGT_NO_LEVEL || (e->kind == HOST_TLBI_VA && e->leaf))
			continue;
		if (e->kind == HOST_TLBI_VA ? e->addr - a < size :
					      e->addr < a + size && e->addr + e->size > a)
			return true;
	}
	return false;
}

/* Every table the call unlinked must have left the walk caches too. */
static void check_removed_tables(struct rt *r, u32 lo, u32 hi)
{
	u32 i, j = 0;

	n_post_tabs = collect_tables(r, post_tabs, lo, hi);
	for (i = 0; i < n_pre_tabs; i++) {
		const struct tab *t = &pre_tabs[i];
		u64 span = pgt_level_size(&r->t.pgt.geom, (pgt_s8)t->level);

		while (j < n_post_tabs && (post_tabs[j].start < t->start ||
					   (post_tabs[j].start == t->start &&
					    post_tabs[j].level < t->level)))
			j++;
		if (j < n_post_tabs && post_tabs[j].start == t->start &&
		    post_tabs[j].level == t->level && post_tabs[j].pa == t->pa)
			continue;
		if (!table_tlbi_covers(r, t->start, span))
			die(r, t->start, "the table under the level %d entry 0x%llx+0x%llx was removed without a TLBI that reaches walk caches",
			    t->level, (unsigned long long)t->start, (unsigned long long)span);
	}
}

/*
 * After the call: the model against the translator over [lo, hi); every
 * live leaf the call changed must have been invalidated, with a level hint
 * that fits it, and every table it removed from the walk caches.
 */
static void finish(struct rt *r, u32 lo, u32 hi, bool no_tlbi)
{
	u32 i, j, a, b;
	size_t nlog;
	bool all, covered;
	u8 want;

	scan(r, &post, lo, hi);
	check_region(r, &post, lo, hi);
	host_mm_tlbi_log_get(r->t.hm, &nlog);
	if (no_tlbi && nlog)
		die(r, IA(r, lo), "%zu TLBIs where the spec says none", nlog);
	all = tlbi_marks(r, lo, hi);
	for (i = lo; i < hi && !all; i = b) {
		const struct ent *e = E(&pre, i);

		a = i;
		b = min_u32(e_hi(r, e), hi);
		if (!ent_mapped(e) || !leaf_changed(r, e, a, b))
			continue;
		want = hint_bit((pgt_s8)e->res.level) | NO_HINT_BIT;
		for (j = a, covered = false; j < b && !covered; j++)
			covered = tlbi_mask[j] & want;
		if (!covered)
			die(r, e->estart, "live leaf 0x%llx+0x%llx level %d (desc 0x%llx) changed without a TLBI that covers it",
			    (unsigned long long)e->estart, (unsigned long long)e->esize,
			    e->res.level, (unsigned long long)e->res.desc);
	}
	check_removed_tables(r, lo, hi);
}

static void expect_cmo(struct rt *r, u64 dbytes, u64 ibytes)
{
	struct host_mm_stats st;

	host_mm_stats_get(r->t.hm, &st);
	if (st.dcache_bytes - r->st0.dcache_bytes != dbytes ||
	    st.icache_bytes - r->st0.icache_bytes != ibytes)
		die(r, 0, "cache maintenance: D 0x%llx bytes, I 0x%llx bytes; expected D 0x%llx, I 0x%llx",
		    (unsigned long long)(st.dcache_bytes - r->st0.dcache_bytes),
		    (unsigned long long)(st.icache_bytes - r->st0.icache_bytes),
		    (unsigned long long)dbytes, (unsigned long long)ibytes);
}

static void expect_ret(struct rt *r, int ret, int want)
{
	if (ret != want)
		die(r, 0, "returned %d, expected %d", ret, want);
}

/* ---- choosing arguments ---- */

/* Index of the first whole block of @size in the window, and how many there are. */
static u32 whole_blocks(const struct rt *r, u64 size, u32 *first)
{
	u64 b = (r->base + size - 1) & ~(size - 1);

	*first = (u32)((b - r->base) / r->page);
	return b + size > r->win_end ? 0 : (u32)((r->win_end - b) / size);
}

static void pick_range(struct rt *r, u32 *first, u32 *count)
{
	u32 x = rndn(r, 20), f, c, b0, nb = whole_blocks(r, r->blk, &b0), big0;
	u32 medium = min_u32(r->blk_pages / 2, 512);

	if (r->cong != r->blk && rndn(r, 5) == 0 && whole_blocks(r, r->cong, &big0)) {
		/* The whole level-1 block, sometimes a page more or less at either end. */
		f = big0;
		c = (u32)(r->cong / r->page);
		if (rndn(r, 4) == 0) {
			f -= rndn(r, 2);
			c += rndn(r, 3);
		}
	} else if (x < 9) {
		f = rndn(r, r->n);
		c = 1 + rndn(r, 16);
		/* In the 1G window, mostly in one of three 16M zones: the edges, the middle. */
		if (r->cong != r->blk && rndn(r, 4))
			f = (rndn(r, 3) * (r->n / 2 - 2048)) + rndn(r, 4096);
	} else if (x < 12) {
		/* Around a block boundary (of a whole or a partial block). */
		f = (u32)((((IA(r, rndn(r, r->n)) & ~(r->blk - 1)) + r->blk - r->base) / r->page));
		f = f >= r->n ? r->n / 2 : f;
		f = f > 8 ? f - rndn(r, 9) : f;
		c = 1 + rndn(r, 24);
	} else if (x < 16) {
		f = rndn(r, r->n);
		c = 1 + rndn(r, medium);
	} else if (x < 19 && nb) {
		/* Whole blocks, sometimes a page more or less at either end. */
		f = b0 + rndn(r, nb) * r->blk_pages;
		c = r->blk_pages * (1 + (rndn(r, 4) == 0));
		if (rndn(r, 4) == 0 && f > 0) {
			f--;
			c++;
		}
		if (rndn(r, 4) == 0)
			c += rndn(r, 3) - 1u;
	} else {
		f = rndn(r, r->n);
		c = 1 + rndn(r, r->large_max);
	}
	if (f >= r->n)
		f = r->n - 1;
	if (c == 0)
		c = 1;
	if (f + c > r->n)
		c = r->n - f;
	*first = f;
	*count = c;
}

static u32 pick_prot(struct rt *r)
{
	static const u32 prots[] = {
		PGT_PROT_R, PGT_PROT_RW, PGT_PROT_RX, PGT_PROT_RWX, PGT_PROT_W, PGT_PROT_X, 0,
		PGT_PROT_R | PGT_PROT_DEVICE, PGT_PROT_RW | PGT_PROT_DEVICE, PGT_PROT_DEVICE,
		PGT_PROT_RW, PGT_PROT_RX,
	};
	u32 prot = prots[rndn(r, sizeof(prots) / sizeof(prots[0]))];

	if (rndn(r, 8) == 0)
		prot |= rndn(r, 16) << 8;
	return prot;
}

/*
 * An output address congruent to @ipa modulo the largest block in the
 * window, now and then just below the top of the PA space (bit 47 set).
 */
static u64 congruent_pa(struct rt *r, u64 ipa)
{
	u64 base = rndn(r, 4) ? PA_BASE : (1ULL << PA_BITS) - 8 * 64 * r->cong;

	return base + rndn(r, 4) * 64 * r->cong + (ipa - (r->base & ~(r->cong - 1)));
}

static u64 pick_pa(struct rt *r, u32 first, u32 count, u32 *prot)
{
	u64 ipa = IA(r, first);
	u32 x = rndn(r, 10);
	const struct mpage *p = &model[first];

	*prot = pick_prot(r);
	if (x < 4)
		return congruent_pa(r, ipa);
	if (r->cong != r->blk && (x < 5 || (x < 7 && count > 8192)))
		/* Level-2 blocks, but no larger ones. */
		return congruent_pa(r, ipa) + r->blk * (1 + rndn(r, (u32)(r->cong / r->blk) - 1));
	if (x < 7)
		return congruent_pa(r, ipa) + r->page * (1 + rndn(r, r->blk_pages - 1));
	/* (The 1G window maps no more than 8192 pages with pages: it would take too long.) */
	if (x < 9 && p->state == P_MAPPED &&
	    (count <= 8192 || !((p->pa - ipa) & (r->blk - 1)))) {
		/* Again what is there, or with other permissions only. */
		*prot = p->prot;
		if (rndn(r, 2)) {
			*prot = (p->prot & ~PGT_PROT_RWX) | rwx_of(rndn(r, 8));
			if (*prot & PGT_PROT_DEVICE)
				*prot &= ~PGT_PROT_X;
		}
		return p->pa;
	}
	if (x < 9 || count > 8192)
		return congruent_pa(r, ipa);
	return PA_BASE + (rnd(r) % (1u << 20)) * r->page;
}

/* ---- model updates ---- */

static void m_map(struct rt *r, u32 i, u64 pa, u32 prot)
{
	(void)r;
	model[i] = (struct mpage){ .state = P_MAPPED, .pa = pa, .prot = prot, .young = true };
}

static void m_own(u32 i, u32 owner)
{
	model[i] = (struct mpage){ .state = owner ? P_OWNED : P_EMPTY, .owner = (u16)owner };
}

/* Every entry (as the translator saw it before the call) meeting [first, first + count). */
#define FOR_EACH_ENTRY(r, i, first, count)					\
	for ((i) = (first); (i) < (first) + (count); (i) = e_hi((r), E(&pre, (i))))

/* ---- calls that may run out of memory ---- */

enum call_kind { C_MAP, C_OWNER, C_SPLIT };

struct call {
	enum call_kind kind;
	u64 ipa, size, pa;
	u32 prot, flags, owner;
};

static int do_call(struct rt *r, const struct call *c, struct pgt_memcache *mc)
{
	switch (c->kind) {
	case C_MAP:
		return pgt_stage2_map(&r->t.pgt, c->ipa, c->size, c->pa, c->prot, mc, c->flags);
	case C_OWNER:
		return pgt_stage2_set_owner(&r->t.pgt, c->ipa, c->size, c->owner, mc);
	default:
		return pgt_stage2_split(&r->t.pgt, c->ipa, c->size, mc);
	}
}

enum variant { V_NULL, V_MC, V_INJECT, V_EMPTY_MC, V_SHORT_MC };

static const char *const variant_str[] = { "NULL", "mc", "inject", "empty-mc", "short-mc" };

static enum variant excl_variant(struct rt *r)
{
	u32 x = rndn(r, 16);

	return x < 7 ? V_NULL : x < 12 ? V_MC : x < 15 ? V_INJECT : V_EMPTY_MC;
}

/*
 * Run @c with the memory @v says.  An -ENOMEM on the way must have changed
 * nothing; then the call is retried with @final (NULL: the home).  With
 * V_SHORT_MC, @need pages are exactly enough, so @need - 1 must fail.
 * Returns the final attempt's result (begin_attempt() was done for it).
 */
static int run_call(struct rt *r, const struct call *c, enum variant v, u64 need,
		    struct pgt_memcache *final, u32 lo, u32 hi)
{
	struct pgt_memcache local = { 0 };
	struct host_mm_stats st;
	u64 in_use;
	int ret;

	if (v == V_INJECT) {
		in_use = host_mm_in_use_bytes(r->t.hm);
		begin_attempt(r);
		host_mm_fail_nth_alloc(r->t.hm, 1 + rndn(r, 3));
		ret = do_call(r, c, NULL);
		host_mm_fail_nth_alloc(r->t.hm, 0);
		host_mm_stats_get(r->t.hm, &st);
		if (ret != -ENOMEM) {
			if (st.injected_failures != r->st0.injected_failures)
				die(r, c->ipa, "an injected allocation failure was swallowed (returned %d)",
				    ret);
			return ret;
		}
		if (st.injected_failures != r->st0.injected_failures + 1)
			die(r, c->ipa, "-ENOMEM without an allocation failure");
		expect_unchanged(r, lo, hi, in_use, ret);
		r->c.enomem++;
	} else if (v == V_EMPTY_MC || (v == V_SHORT_MC && need)) {
		if (v == V_SHORT_MC &&
		    pgt_memcache_topup(&local, tenv_mm(&r->t), (u32)r->page, (u32)need - 1))
			die(r, c->ipa, "memcache top-up failed");
		in_use = host_mm_in_use_bytes(r->t.hm);
		begin_attempt(r);
		ret = do_call(r, c, &local);
		if (ret == -ENOMEM) {
			if (local.nr != (v == V_SHORT_MC ? need - 1 : 0))
				die(r, c->ipa, "-ENOMEM, but the cache went to %u pages", local.nr);
			expect_unchanged(r, lo, hi, in_use, ret);
			r->c.enomem++;
		} else if (v == V_SHORT_MC) {
			die(r, c->ipa, "%llu cached pages of %llu needed, yet returned %d",
			    (unsigned long long)need - 1, (unsigned long long)need, ret);
		}
		pgt_memcache_free(&local, tenv_mm(&r->t));
		if (ret != -ENOMEM)
			return ret;
	}
	begin_attempt(r);
	return do_call(r, c, final);
}

static void topup(struct rt *r, struct pgt_memcache *mc, u64 need)
{
	if (pgt_memcache_topup(mc, tenv_mm(&r->t), (u32)r->page, (u32)need))
		die(r, 0, "memcache top-up of %llu pages failed", (unsigned long long)need);
}

/* ---- operations ---- */

/* Does a block of @level fit at @a for a map of [ipa, end_ia) to @pa? */
static bool block_fits(const struct rt *r, int level, u64 a, u64 ipa, u64 end_ia, u64 pa)
{
	const struct pgt_geometry *g = &r->t.pgt.geom;
	u64 size = pgt_level_size(g, (pgt_s8)level);

	return !r->pages_only && pgt_level_has_blocks(g, (pgt_s8)level) && !(a & (size - 1)) &&
	       a + size <= end_ia && !((pa - ipa) & (size - 1));
}

/*
 * A shared map, entry by entry in address order as the walk goes.  A table
 * a block fits is collapsed, unless an annotation lies below it (-EPERM);
 * an annotation in the way is -EPERM; a live leaf that differs only in
 * permissions (or not at all), or a block it would have to split, is
 * -EAGAIN.  What came before the stop stays mapped.
 */
static int sim_shared_map(struct rt *r, u32 first, u32 count, u64 pa, u32 prot)
{
	u64 ipa = IA(r, first), end_ia = IA(r, first + count);
	u32 attrs = PGT_PROT_DEVICE | PGT_PROT_SW_MASK;
	u32 i = first, end = first + count, hi, j;
	int level;

	while (i < end) {
		const struct ent *e = E(&pre, i);

		/* Every level above the entry that decides page i holds a table. */
		for (level = r->t.pgt.geom.start_level; level < e->res.level; level++)
			if (block_fits(r, level, IA(r, i), ipa, end_ia, pa))
				break;
		if (level < e->res.level) {
			hi = i + (u32)(pgt_level_size(&r->t.pgt.geom, (pgt_s8)level) / r->page);
			for (j = i; j < hi; j++)
				if (model[j].state == P_OWNED)
					return -EPERM;
			for (j = i; j < hi; j++)
				m_map(r, j, pa + (u64)(j - first) * r->page, prot);
			i = hi;
			continue;
		}
		hi = min_u32(e_hi(r, e), end);
		if (!ent_mapped(e)) {
			if (e->res.desc)
				return -EPERM;
		} else {
			const struct mpage *old = &model[i];
			bool fits = e->estart >= ipa && e->estart + e->esize <= end_ia &&
				    !((pa - ipa) & (e->esize - 1));

			if (!fits)
				return -EAGAIN;
			if (old->young && old->pa == pa + (e->estart - ipa) &&
			    (old->prot & attrs) == (prot & attrs))
				return -EAGAIN;
		}
		for (j = i; j < hi; j++)
			m_map(r, j, pa + (u64)(j - first) * r->page, prot);
		i = hi;
	}
	return 0;
}

/*
 * Cache maintenance of a map: every leaf inside the range that the call
 * installed (it differs from what was there) is cleaned if cacheable and no
 * FWB, and invalidated from the I-cache if executable, unless SKIP_CMO.
 */
static void map_cmo(struct rt *r, u32 first, u32 count, u32 flags)
{
	u64 ipa = IA(r, first), end_ia = IA(r, first + count), d = 0, ib = 0;
	u32 i, hi, end = first + count;

	for (i = first; i < end; i = hi) {
		const struct ent *e = E(&post, i);

		hi = min_u32(e_hi(r, e), end);
		if (!ent_mapped(e) || e->estart < ipa || e->estart + e->esize > end_ia)
			continue;
		if (first_difference(r, i, hi) == hi || (flags & PGT_WALK_SKIP_CMO))
			continue;
		if (e->res.mt == REF_MT_NORMAL_WB && !r->fwb)
			d += e->esize;
		if (e->res.x)
			ib += e->esize;
	}
	expect_cmo(r, d, ib);
}

/*
 * After a successful map: wherever a block fits, the largest one is there,
 * or a larger one that already translated the range identically and stayed.
 */
static void check_largest(struct rt *r, u32 first, u32 count, u64 pa)
{
	u64 ipa = IA(r, first), end_ia = IA(r, first + count), size;
	u32 i = first;
	int level;

	while (i < first + count) {
		for (level = r->t.pgt.geom.start_level; level < PGT_MAX_LEVEL; level++)
			if (block_fits(r, level, IA(r, i), ipa, end_ia, pa))
				break;
		if (level == PGT_MAX_LEVEL) {
			i++;
			continue;
		}
		size = pgt_level_size(&r->t.pgt.geom, (pgt_s8)level);
		r->c.blocks[level]++;
		if (E(&post, i)->res.leaf_size != size &&
		    (E(&post, i)->res.leaf_size < size || !same_at(r, E(&pre, i), E(&post, i), i)))
			die(r, IA(r, i), "mapped by a level %d leaf where a level %d block fits",
			    E(&post, i)->res.level, level);
		i += (u32)(size / r->page);
	}
}

static void op_map(struct rt *r, bool shared)
{
	u32 first, count, prot, lo, hi, i, x, flags = 0;
	u64 pa, ipa, size, need;
	enum variant v;
	struct call c;
	int ret, want = 0;

	pick_range(r, &first, &count);
	/* Mostly keep clear of an owner's pages, so that maps mostly map. */
	if (rndn(r, 4) && (count <= 8192 || rndn(r, 2))) {
		for (i = first; i < first + count - 1 && model[i].state == P_OWNED; i++)
			;
		count -= i - first;
		first = i;
		for (; i < first + count; i++)
			if (model[i].state == P_OWNED) {
				count = i > first ? i - first : count;
				break;
			}
	}
	pa = pick_pa(r, first, count, &prot);
	ipa = IA(r, first);
	size = (u64)count * r->page;
	need = pgt_stage2_tables_needed(&r->t.pgt, ipa, size, pa);
	if (rndn(r, 4) == 0)
		flags |= PGT_WALK_SKIP_CMO;
	if (shared)
		flags |= PGT_WALK_SHARED;
	if (shared) {
		/* A fault handler's cache, one page short of it, or none (the call fills one). */
		x = rndn(r, 16);
		v = x < 10 ? V_MC : x < 12 ? V_SHORT_MC : x < 14 ? V_NULL : V_INJECT;
	} else {
		v = excl_variant(r);
	}
	set_op(r, "map%s 0x%llx+0x%llx -> 0x%llx prot 0x%x flags 0x%x mem %s",
	       shared ? "(shared)" : "", (unsigned long long)ipa, (unsigned long long)size,
	       (unsigned long long)pa, prot, flags, variant_str[v]);
	/* A shared map needs the worst case cached; an exclusive one needs no more. */
	if (v == V_MC || v == V_SHORT_MC)
		topup(r, &r->mc, need);
	region(r, first, count, &lo, &hi);
	c = (struct call){ .kind = C_MAP, .ipa = ipa, .size = size, .pa = pa, .prot = prot,
			   .flags = flags };
	ret = run_call(r, &c, v, need, v == V_MC || v == V_SHORT_MC ? &r->mc : NULL, lo, hi);

	if (shared) {
		r->c.map_s++;
		want = sim_shared_map(r, first, count, pa, prot);
	} else {
		r->c.map_x++;
		for (i = first; i < first + count; i++)
			if (model[i].state == P_OWNED)
				want = -EPERM;
		for (i = first; !want && i < first + count; i++)
			m_map(r, i, pa + (u64)(i - first) * r->page, prot);
	}
	expect_ret(r, ret, want);
	r->c.eperm += want == -EPERM;
	r->c.eagain += want == -EAGAIN;
	finish(r, lo, hi, false);
	map_cmo(r, first, count, flags);
	if (want == -EPERM && !shared && first_difference(r, lo, hi) < hi)
		die(r, IA(r, first_difference(r, lo, hi)), "-EPERM, yet the entry changed");
	if (!want)
		check_largest(r, first, count, pa);
}

static void op_set_owner(struct rt *r)
{
	u32 first, count, lo, hi, i, owner = rndn(r, 5) < 3 ? 1 + rndn(r, 5) : 0;
	enum variant v = excl_variant(r);
	struct call c;
	int ret;

	if (rndn(r, 32) == 0)
		owner = PGT_S2_OWNER_MAX;
	pick_range(r, &first, &count);
	c = (struct call){ .kind = C_OWNER, .ipa = IA(r, first), .size = (u64)count * r->page,
			   .owner = owner };
	set_op(r, "set_owner 0x%llx+0x%llx owner %u mem %s", (unsigned long long)c.ipa,
	       (unsigned long long)c.size, owner, variant_str[v]);
	/* No more than mapping the range would take. */
	if (v == V_MC)
		topup(r, &r->mc, pgt_stage2_tables_needed(&r->t.pgt, c.ipa, c.size, c.ipa));
	region(r, first, count, &lo, &hi);
	ret = run_call(r, &c, v, 0, v == V_MC ? &r->mc : NULL, lo, hi);
	expect_ret(r, ret, 0);
	r->c.owner++;
	for (i = first; i < first + count; i++)
		m_own(i, owner);
	finish(r, lo, hi, false);
	expect_cmo(r, 0, 0);
}

static void op_unmap(struct rt *r)
{
	u32 first, count, lo, hi, i, j;
	u64 d = 0;
	int ret;

	pick_range(r, &first, &count);
	set_op(r, "unmap 0x%llx+0x%llx", (unsigned long long)IA(r, first),
	       (unsigned long long)count * r->page);
	region(r, first, count, &lo, &hi);
	begin_attempt(r);
	ret = pgt_stage2_unmap(&r->t.pgt, IA(r, first), (u64)count * r->page);
	expect_ret(r, ret, 0);
	r->c.unmap++;
	FOR_EACH_ENTRY(r, i, first, count) {
		const struct ent *e = E(&pre, i);

		if (!e->res.desc)
			continue;
		if (ent_mapped(e) && e->res.mt == REF_MT_NORMAL_WB && !r->fwb)
			d += e->esize;
		for (j = e_lo(r, e); j < e_hi(r, e); j++)
			m_own(j, 0);
	}
	finish(r, lo, hi, false);
	expect_cmo(r, d, 0);
}

static void op_wrprotect(struct rt *r)
{
	u32 first, count, lo, hi, i, j;
	int ret;

	pick_range(r, &first, &count);
	set_op(r, "wrprotect 0x%llx+0x%llx", (unsigned long long)IA(r, first),
	       (unsigned long long)count * r->page);
	region(r, first, count, &lo, &hi);
	begin_attempt(r);
	ret = pgt_stage2_wrprotect(&r->t.pgt, IA(r, first), (u64)count * r->page);
	expect_ret(r, ret, 0);
	r->c.wrprot++;
	FOR_EACH_ENTRY(r, i, first, count)
		if (ent_mapped(E(&pre, i)))
			for (j = e_lo(r, E(&pre, i)); j < e_hi(r, E(&pre, i)); j++)
				model[j].prot &= ~PGT_PROT_W;
	finish(r, lo, hi, false);
	expect_cmo(r, 0, 0);
}

static void op_test_clear_young(struct rt *r)
{
	u32 first, count, lo, hi, i, j, flags = rndn(r, 2) ? PGT_WALK_SHARED : 0;
	bool mkold = rndn(r, 2);
	int ret, want = 0;

	pick_range(r, &first, &count);
	set_op(r, "test_clear_young 0x%llx+0x%llx mkold %d flags 0x%x",
	       (unsigned long long)IA(r, first), (unsigned long long)count * r->page, mkold, flags);
	region(r, first, count, &lo, &hi);
	begin_attempt(r);
	ret = pgt_stage2_test_clear_young(&r->t.pgt, IA(r, first), (u64)count * r->page, mkold,
					  flags);
	r->c.tcy++;
	FOR_EACH_ENTRY(r, i, first, count) {
		const struct ent *e = E(&pre, i);

		if (!ent_mapped(e))
			continue;
		want |= model[e_lo(r, e)].young;
		for (j = e_lo(r, e); mkold && j < e_hi(r, e); j++)
			model[j].young = false;
	}
	expect_ret(r, ret, want);
	finish(r, lo, hi, true);
	expect_cmo(r, 0, 0);
}

static void op_mkyoung(struct rt *r)
{
	u32 i = rndn(r, r->n), lo, hi, j, flags = rndn(r, 2) ? PGT_WALK_SHARED : 0;
	u64 ia = IA(r, i) + (rnd(r) % r->page);
	int ret, want = -ENOENT;

	set_op(r, "mkyoung 0x%llx flags 0x%x", (unsigned long long)ia, flags);
	region(r, i, 1, &lo, &hi);
	begin_attempt(r);
	ret = pgt_stage2_mkyoung(&r->t.pgt, ia, flags);
	r->c.mkyoung++;
	if (ent_mapped(E(&pre, i))) {
		want = 0;
		for (j = e_lo(r, E(&pre, i)); j < e_hi(r, E(&pre, i)); j++)
			model[j].young = true;
	}
	expect_ret(r, ret, want);
	finish(r, lo, hi, true);
	expect_cmo(r, 0, 0);
}

static void op_relax(struct rt *r)
{
	u32 i = rndn(r, r->n), lo, hi, j, flags = rndn(r, 2) ? PGT_WALK_SHARED : 0;
	u32 prot = rwx_of(rndn(r, 8));
	u64 ia = IA(r, i) + (rnd(r) % r->page), ibytes = 0;
	int ret, want;

	if (rndn(r, 16) == 0)
		prot |= rndn(r, 2) ? PGT_PROT_DEVICE : PGT_PROT_SW1;
	set_op(r, "relax_perms 0x%llx prot 0x%x flags 0x%x", (unsigned long long)ia, prot, flags);
	region(r, i, 1, &lo, &hi);
	begin_attempt(r);
	ret = pgt_stage2_relax_perms(&r->t.pgt, ia, prot, flags);
	r->c.relax++;
	if (prot & ~PGT_PROT_RWX)
		want = -EINVAL;
	else if (!ent_mapped(E(&pre, i)))
		want = -ENOENT;
	else if ((prot & PGT_PROT_X) && (model[i].prot & PGT_PROT_DEVICE))
		want = -EINVAL;
	else
		want = 0;
	/* Memory becoming executable has its I-cache invalidated, the whole leaf. */
	if (!want && (prot & PGT_PROT_X) && !(model[i].prot & PGT_PROT_X))
		ibytes = E(&pre, i)->esize;
	for (j = e_lo(r, E(&pre, i)); !want && j < e_hi(r, E(&pre, i)); j++)
		model[j].prot |= prot;
	expect_ret(r, ret, want);
	finish(r, lo, hi, false);
	expect_cmo(r, 0, ibytes);
}

/* Tables that split a block at @level into pages. */
static u64 split_tables(const struct rt *r, int level)
{
	return level + 1 == PGT_MAX_LEVEL ? 1 :
	       1 + pgt_table_entries(&r->t.pgt.geom) * split_tables(r, level + 1);
}

static void op_split(struct rt *r)
{
	u32 first, count, lo, hi, i, j, b, x = rndn(r, 8);
	enum variant v = x < 3 ? V_NULL : x < 5 ? V_SHORT_MC : x < 7 ? V_INJECT : V_EMPTY_MC;
	struct pgt_memcache exact = { 0 };
	struct call c;
	u64 need = 0;
	int ret;

	pick_range(r, &first, &count);
	c = (struct call){ .kind = C_SPLIT, .ipa = IA(r, first), .size = (u64)count * r->page };
	set_op(r, "split 0x%llx+0x%llx mem %s", (unsigned long long)c.ipa,
	       (unsigned long long)c.size, variant_str[v]);
	region(r, first, count, &lo, &hi);
	FOR_EACH_ENTRY(r, i, first, count)
		if (ent_mapped(E(&pre, i)) && E(&pre, i)->res.level < PGT_MAX_LEVEL)
			need += split_tables(r, E(&pre, i)->res.level);
	/* The count is exact: need - 1 pages fail, need pages do, with none left. */
	if (v == V_SHORT_MC)
		topup(r, &exact, need);
	ret = run_call(r, &c, v, need, v == V_SHORT_MC ? &exact : NULL, lo, hi);
	expect_ret(r, ret, 0);
	if (v == V_SHORT_MC && exact.nr)
		die(r, c.ipa, "split took %llu of exactly %llu pages",
		    (unsigned long long)(need - exact.nr), (unsigned long long)need);
	pgt_memcache_free(&exact, tenv_mm(&r->t));
	r->c.split++;
	finish(r, lo, hi, false);
	expect_cmo(r, 0, 0);
	FOR_EACH_ENTRY(r, i, first, count) {
		if (!ent_mapped(E(&pre, i)))
			continue;
		for (j = e_lo(r, E(&pre, i)), b = e_hi(r, E(&pre, i)); j < b;
		     j = e_hi(r, E(&post, j)))
			if (E(&post, j)->res.level != PGT_MAX_LEVEL)
				die(r, IA(r, j), "still a level %d leaf after split",
				    E(&post, j)->res.level);
	}
}

static void op_flush(struct rt *r)
{
	u32 first, count, lo, hi, i;
	u64 d = 0;
	int ret;

	pick_range(r, &first, &count);
	set_op(r, "flush 0x%llx+0x%llx", (unsigned long long)IA(r, first),
	       (unsigned long long)count * r->page);
	region(r, first, count, &lo, &hi);
	begin_attempt(r);
	ret = pgt_stage2_flush(&r->t.pgt, IA(r, first), (u64)count * r->page);
	expect_ret(r, ret, 0);
	r->c.flush++;
	FOR_EACH_ENTRY(r, i, first, count)
		if (ent_mapped(E(&pre, i)) && E(&pre, i)->res.mt == REF_MT_NORMAL_WB && !r->fwb)
			d += E(&pre, i)->esize;
	finish(r, lo, hi, true);
	expect_cmo(r, d, 0);
}

/* Bad arguments change nothing. */
static void op_bad(struct rt *r)
{
	u32 first, count, lo, hi, i, flags, x = rndn(r, 16);
	struct pgt *pgt = &r->t.pgt;
	struct pgt_memcache other = { 0 };
	u64 ipa, size, top = 1ULL << pgt->geom.ia_bits, pa, in_use;
	int ret = 0, want = -EINVAL;

	pick_range(r, &first, &count);
	ipa = IA(r, first);
	size = (u64)count * r->page;
	pa = congruent_pa(r, ipa);
	/* A cache of another granule's pages: map, set_owner and split refuse it. */
	if (x >= 14 && pgt_memcache_topup(&other, tenv_mm(&r->t),
					  r->page == SZ_4K ? SZ_16K : SZ_4K, 3))
		die(r, 0, "memcache top-up failed");
	set_op(r, "bad input #%u at 0x%llx+0x%llx", x, (unsigned long long)ipa,
	       (unsigned long long)size);
	region(r, first, count, &lo, &hi);
	in_use = host_mm_in_use_bytes(r->t.hm);
	begin_attempt(r);
	switch (x) {
	case 0:
		ret = pgt_stage2_map(pgt, ipa + r->page / 2, size, pa, PGT_PROT_R, NULL, 0);
		break;
	case 1:
		ret = pgt_stage2_map(pgt, ipa, size, pa, PGT_PROT_DEVICE | PGT_PROT_X, NULL, 0);
		break;
	case 2:
		ret = pgt_stage2_map(pgt, ipa, size, pa, PGT_PROT_R, &r->mc, PGT_WALK_TABLE_PRE);
		break;
	case 3:
		ret = pgt_stage2_map(pgt, ipa, size + r->page, (1ULL << PA_BITS) - r->page,
				     PGT_PROT_R, NULL, 0);
		want = -ERANGE;
		break;
	case 4:
		ret = pgt_stage2_set_owner(pgt, ipa, size, PGT_S2_OWNER_MAX + 1, NULL);
		break;
	case 5:
		ret = pgt_stage2_unmap(pgt, ipa, size + 8);
		break;
	case 6:
		ret = pgt_stage2_wrprotect(pgt, ipa, top - ipa + r->page);
		want = -ERANGE;
		break;
	case 7:
		ret = pgt_stage2_split(pgt, ipa, 0 - ipa + r->page, NULL);
		break;
	case 8:
		ret = pgt_stage2_test_clear_young(pgt, ipa, size - 8, true, 0);
		break;
	case 9:
		ret = pgt_stage2_map(pgt, ipa, 0, pa, PGT_PROT_R, NULL, 0);
		want = 0;
		break;
	case 10:
		ret = pgt_stage2_relax_perms(pgt, ipa, PGT_PROT_SW0 | PGT_PROT_R, 0);
		break;
	case 11:
		ret = pgt_stage2_set_owner(pgt, ipa, top - ipa + r->page, 1, NULL);
		want = -ERANGE;
		break;
	case 12:
		ret = pgt_stage2_flush(pgt, ipa + 8, size);
		break;
	case 13:
		ret = pgt_stage2_mkyoung(pgt, top, 0);
		want = -ERANGE;
		break;
	case 14:
		flags = rndn(r, 2) ? PGT_WALK_SHARED : 0;
		ret = pgt_stage2_map(pgt, ipa, size, pa, PGT_PROT_RW, &other, flags);
		/* (An exclusive map counts, and meets an owner's page, before it looks at the cache.) */
		for (i = first; !flags && ret == -EPERM && i < first + count; i++)
			if (model[i].state == P_OWNED)
				want = -EPERM;
		break;
	default:
		ret = rndn(r, 2) ? pgt_stage2_split(pgt, ipa, size, &other) :
				   pgt_stage2_set_owner(pgt, ipa, size, 1, &other);
		break;
	}
	if (x >= 14 && other.nr != 3)
		die(r, ipa, "the call took pages from a cache of another granule");
	r->c.bad++;
	expect_ret(r, ret, want);
	expect_unchanged(r, lo, hi, in_use, ret);
	pgt_memcache_free(&other, tenv_mm(&r->t));
}

/* ---- a run ---- */

static void setup_window(struct rt *r)
{
	const struct pgt_geometry *g = &r->t.pgt.geom;
	u64 top = 1ULL << g->ia_bits, l1 = pgt_level_size(g, 1), b, bytes;

	r->page = pgt_page_size(g);
	r->blk = pgt_level_size(g, 2);
	r->cong = r->cfg->big ? l1 : r->blk;
	r->blk_pages = (u32)(r->blk / r->page);
	r->n = r->cfg->npages;
	r->large_max = r->cfg->big ? 8192 : r->n;
	bytes = (u64)r->n * r->page;
	/* A boundary of root entries (mid) or of level-1 entries, inside the IPA space. */
	b = r->cfg->where == AT_MID || 3 * l1 > top / 2 ? top / 2 : 3 * l1;
	/* Straddle it: a partial block, whole blocks, and a partial one. */
	if (r->cfg->where == AT_TOP)
		r->base = top - bytes;
	else if (r->cfg->big)
		r->base = b - (bytes - l1) / 2 - 3 * r->page;
	else if (bytes >= 4 * r->blk)
		r->base = b - 2 * r->blk - r->blk / 2 - 3 * r->page;
	else if (bytes >= r->blk + r->blk / 2 + 3 * r->page)
		r->base = b - r->blk / 2 - 3 * r->page;
	else
		r->base = b - (bytes - r->blk) / 2 - 3 * r->page;
	r->win_end = r->base + bytes;
	assert_true(r->n <= MAX_PAGES);
	assert_true(r->win_end <= top);
}

static void run(void **state)
{
	const struct run_cfg *cfg = *state;
	static struct rt rt;
	struct rt *r = &rt;
	struct pgt_config pc = { .ia_bits = cfg->ia_bits, .granule_shift = cfg->granule,
				 .pa_bits = PA_BITS, .flags = cfg->flags };
	const char *env = getenv("PGT_TEST_STEPS");
	u32 steps = env ? (u32)strtoul(env, NULL, 0) : cfg->steps, b0, nb, x, l1;
	struct timespec t0, t1;

	memset(r, 0, sizeof(*r));
	memset(model, 0, sizeof(model));
	r->cfg = cfg;
	r->seed = test_seed(cfg->name);
	r->rng = r->seed ^ cfg->salt;
	if (!r->rng)
		r->rng = 1;
	tenv_stage2_cfg(&r->t, &pc, ARENA_SIZE);
	host_mm_tlbi_log_enable(r->t.hm, true);
	if (cfg->no_range)
		tenv_mm(&r->t)->tlbi_range = NULL;
	host_mm_set_linear(r->t.hm, cfg->linear);
	r->fwb = cfg->flags & PGT_S2_FWB;
	r->pages_only = cfg->flags & PGT_S2_FORCE_PAGES;
	setup_window(r);
	nb = whole_blocks(r, r->blk, &b0);
	l1 = whole_blocks(r, r->cong, &b0);
	print_message("# %s: ia_bits %u start level %d%s%s%s, window 0x%llx+0x%llx (%u pages, %u whole level-2 blocks%s), %u steps\n",
		      cfg->name, cfg->ia_bits, r->t.pgt.geom.start_level,
		      r->fwb ? ", FWB" : "", r->pages_only ? ", pages only" : "",
		      cfg->no_range ? ", no tlbi_range" : "",
		      (unsigned long long)r->base, (unsigned long long)(r->win_end - r->base), r->n,
		      nb, cfg->big && l1 ? ", a whole level-1 block" : "", steps);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r->step = 0; r->step < steps; r->step++) {
		x = rndn(r, 100);
		if (x < 22)
			op_map(r, false);
		else if (x < 36)
			op_map(r, true);
		else if (x < 49)
			op_unmap(r);
		else if (x < 58)
			op_set_owner(r);
		else if (x < 65)
			op_wrprotect(r);
		else if (x < 73)
			op_test_clear_young(r);
		else if (x < 79)
			op_mkyoung(r);
		else if (x < 87)
			op_relax(r);
		else if (x < 94)
			op_split(r);
		else if (x < 97)
			op_flush(r);
		else
			op_bad(r);
		if (r->step % (cfg->big ? 5 * AUDIT_EVERY + 14 : AUDIT_EVERY) == 0)
			audit(r);
		if ((r->step + 1) % CHECK_EVERY == 0)
			full_check(r);
	}
	set_op(r, "final check");
	full_check(r);
	for (x = 0, b0 = 0, nb = 0; x < r->n; x++) {
		b0 += model[x].state == P_MAPPED;
		nb += model[x].state == P_OWNED;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("# %s: %u steps in %.1f s: map %u + shared %u (-EPERM %u, -EAGAIN %u; blocks checked: level 1 %u, level 2 %u), unmap %u, set_owner %u, wrprotect %u, test_clear_young %u, mkyoung %u, relax %u, split %u, flush %u, bad input %u, -ENOMEM %u, level-1 entries touched %u; at the end %u pages mapped, %u owned, %u empty\n",
		      cfg->name, steps,
		      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9,
		      r->c.map_x, r->c.map_s, r->c.eperm, r->c.eagain, r->c.blocks[1],
		      r->c.blocks[2], r->c.unmap, r->c.owner, r->c.wrprot, r->c.tcy, r->c.mkyoung,
		      r->c.relax, r->c.split, r->c.flush, r->c.bad, r->c.enomem, r->c.touch_l1, b0,
		      nb, r->n - b0 - nb);
	pgt_memcache_free(&r->mc, tenv_mm(&r->t));
	tenv_fini(&r->t);
}

static const struct run_cfg cfgs[] = {
	{ "stage2_random_4k_a", PGT_GRANULE_4K, 40, 0, 4096, 12000, AT_L1, false, false, 0x4a11, false },
	{ "stage2_random_4k_b", PGT_GRANULE_4K, 48, PGT_S2_FWB, 4096, 12000, AT_MID, false, false,
	  0x4b22, true },
	{ "stage2_random_4k_c", PGT_GRANULE_4K, 39, 0, 4096, 12000, AT_TOP, false, true, 0x4c33, false },
	{ "stage2_random_4k_d", PGT_GRANULE_4K, 44, PGT_S2_FORCE_PAGES, 2048, 8000, AT_L1, false,
	  false, 0x4d44, false },
	{ "stage2_random_4k_1g", PGT_GRANULE_4K, 40, 0, BIG_PAGES, 3000, AT_L1, true, false,
	  0x4e55, false },
	{ "stage2_random_16k_a", PGT_GRANULE_16K, 40, 0, 4096, 11000, AT_L1, false, false, 0x16a1, false },
	{ "stage2_random_16k_b", PGT_GRANULE_16K, 47, PGT_S2_FWB, 4096, 11000, AT_MID, false, false,
	  0x16b2, true },
	{ "stage2_random_16k_c", PGT_GRANULE_16K, 40, 0, 4096, 11000, AT_TOP, false, true, 0x16c3, false },
	{ "stage2_random_64k_a", PGT_GRANULE_64K, 42, 0, 10240, 8000, AT_TOP, false, false, 0x64a1, false },
	{ "stage2_random_64k_b", PGT_GRANULE_64K, 48, 0, 10240, 8000, AT_MID, false, false, 0x64b2, true },
	{ "stage2_random_64k_c", PGT_GRANULE_64K, 40, PGT_S2_FWB, 10240, 8000, AT_MID, false, false,
	  0x64c3, false },
};

#define RUN(k) { .name = cfgs[k].name, .test_func = run, .initial_state = (void *)&cfgs[k] }

int main(void)
{
	const struct CMUnitTest tests[] = {
		RUN(0), RUN(1), RUN(2), RUN(3), RUN(4), RUN(5), RUN(6), RUN(7), RUN(8), RUN(9),
		RUN(10),
	};

	return cmocka_run_group_tests_name("stage2_random", tests, NULL, NULL);
}
