// SPDX-License-Identifier: GPL-2.0-only
/*
 * dump_raw.c - every non-zero descriptor of a tree, raw, with the registers
 * a walker needs, so that any independent walker can translate from the dump
 * alone: `pgtable dump` and the kernel module's debugfs file print it.
 *
 * Order: table pages are numbered as a depth-first walk in address order
 * first reaches them, the root pages (0..root_pages-1) before any other;
 * lines come sorted by (table page number, index).  So the root pages' entries
 * come first, then every other table page's entries, each page's lines
 * together, the pages in depth-first pre-order.
 */
#include <stdlib.h>

#include "dump.h"

struct dump_entry {
	u32 table;		/* table page number, in depth-first order */
	u32 index;		/* entry index within that page */
	pgt_s8 level;
	pgt_pte_t pte;
};

struct dump_state {
	struct dump_entry *e;
	size_t n, cap;
	u64 *tables;		/* physical address of each table page */
	size_t ntables, cap_tables;
	u32 cur[PGT_MAX_LEVEL + 1];	/* the page being walked at each level */
};

/* @p with room for one more element beyond @n, or NULL (@p is kept). */
static void *grow(void *p, size_t *cap, size_t n, size_t elem)
{
	size_t ncap = *cap ? 2 * *cap : 64;
	void *np;

	if (n < *cap)
		return p;
	np = realloc(p, ncap * elem);
	if (np)
		*cap = ncap;
	return np;
}

static bool add_table(struct dump_state *d, u64 pa)
{
	u64 *t = grow(d->tables, &d->cap_tables, d->ntables, sizeof(*d->tables));

	if (!t)
		return false;
	d->tables = t;
	d->tables[d->ntables++] = pa;
	return true;
}

/* Which table page @ctx's entry sits in, and where in it. */
static void locate(struct dump_state *d, const struct pgt_visit_ctx *ctx, struct dump_entry *e)
{
	const struct pgt *pgt = ctx->pgt;
	u32 per_page = pgt_table_entries(&pgt->geom);
	u64 pa;

	if (ctx->level == pgt->geom.start_level) {
		u64 idx = ctx->ptep - pgt->root;

		e->table = idx / per_page;
		e->index = idx % per_page;
		return;
	}
	e->table = d->cur[ctx->level];
	pa = ctx->mm_ops->virt_to_phys(ctx->mm_ops, ctx->ptep);
	e->index = (pa - d->tables[e->table]) / sizeof(pgt_pte_t);
}

static struct pgt_action dump_visitor(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	struct dump_state *d = ctx->arg;
	struct dump_entry e = { .level = ctx->level, .pte = ctx->old }, *grown;

	if (!ctx->old)
		return pgt_continue();
	grown = grow(d->e, &d->cap, d->n, sizeof(*d->e));
	if (!grown)
		return pgt_exit(-ENOMEM);
	d->e = grown;
	locate(d, ctx, &e);
	d->e[d->n++] = e;
	if (visit != PGT_WALK_TABLE_PRE)
		return pgt_continue();
	if (!add_table(d, pgt_pte_addr(&ctx->pgt->geom, ctx->old)))
		return pgt_exit(-ENOMEM);
	d->cur[ctx->level + 1] = d->ntables - 1;
	return pgt_continue();
}

static int entry_cmp(const void *a, const void *b)
{
	const struct dump_entry *x = a, *y = b;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int collect(struct pgt *pgt, struct dump_state *d)
{
	struct pgt_walker walker = {
		.cb = dump_visitor, .arg = d, .flags = PGT_WALK_TABLE_PRE | PGT_WALK_LEAF,
	};
	u32 i;

	for (i = 0; i < pgt->geom.root_pages; i++)
		if (!add_table(d, pgt->root_phys + (u64)i * pgt_page_size(&pgt->geom)))
			return -ENOMEM;
	return pgt_walk(pgt, 0, 1ULL << pgt->geom.ia_bits, &walker);
}

static void print_header(FILE *out, const struct pgt *pgt)
{
	fprintf(out, "dump stage=%d granule=%u ia=%u start_level=%d root=0x%llx root_pages=%u",
		pgt->stage == PGT_STAGE_HYP ? 1 : 2, pgt_page_size(&pgt->geom), pgt->geom.ia_bits,
		pgt->geom.start_level, (unsigned long long)pgt->root_phys, pgt->geom.root_pages);
	if (pgt->stage == PGT_STAGE_HYP)
		fprintf(out, " tcr=0x%llx mair=0x%llx", (unsigned long long)pgt->ctrl,
			(unsigned long long)PGT_HYP_MAIR);
	else
		fprintf(out, " vtcr=0x%llx fwb=%d", (unsigned long long)pgt->ctrl,
			!!(pgt->flags & PGT_S2_FWB));
	/*
	 * What a walker cannot read from the control register: HCR_EL2.E2H
	 * (TCR_EL2's layout) and FEAT_XNX (whether bit 53 is XN[0]).  Only
	 * when set, so dumps of the older formats read as they always did.
	 */
	if (pgt->stage == PGT_STAGE_HYP && (pgt->flags & PGT_HYP_HVHE))
		fprintf(out, " e2h=1");
	if (pgt->stage == PGT_STAGE_2 && (pgt->flags & PGT_S2_XNX))
		fprintf(out, " xnx=1");
	fputc('\n', out);
}

int dump_raw(FILE *out, struct pgt *pgt)
{
	struct dump_state d = { 0 };
	size_t i;
	int ret = collect(pgt, &d);

	if (!ret) {
		if (d.n)
			qsort(d.e, d.n, sizeof(*d.e), entry_cmp);
		print_header(out, pgt);
		for (i = 0; i < d.n; i++)
			fprintf(out, "pte 0x%llx %d %u 0x%016llx\n",
				(unsigned long long)d.tables[d.e[i].table], d.e[i].level,
				d.e[i].index, (unsigned long long)d.e[i].pte);
		fprintf(out, "end\n");
	}
	free(d.e);
	free(d.tables);
	return ret;
}
