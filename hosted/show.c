// SPDX-License-Identifier: GPL-2.0-only
/*
 * show.c - a tree as merged address ranges, the way a person reads a
 * ptdump: pgt_for_each_range() merges, pgt_hosted_show() prints.  Only
 * fprintf and fputc are used, so kmod/show.c compiles this file as it is
 * (a FILE is a seq_file there) and the debugfs file prints the same text.
 */
#include "pgtable_hosted.h"

struct range_walk {
	struct pgt_range cur;		/* entries == 0: nothing pending */
	pgt_range_fn fn;
	void *arg;
	int err;
};

static u32 leaf_prot(const struct pgt *pgt, pgt_pte_t pte)
{
	if (pgt->stage == PGT_STAGE_HYP)
		return pgt_hyp_pte_prot(pte);
	return pgt_s2_pte_prot(pte, pgt->flags & PGT_S2_FWB);
}

/* What one entry says, as a range of one entry; false if it says nothing. */
static bool entry_range(const struct pgt_visit_ctx *ctx, struct pgt_range *r)
{
	const struct pgt *pgt = ctx->pgt;
	u64 start = pgt_ctx_entry_start(ctx);

	*r = (struct pgt_range){
		.start = start, .end = start + pgt_ctx_entry_size(ctx), .level = ctx->level,
		.entries = 1,
	};
	if (pgt_pte_is_leaf(ctx->old, ctx->level)) {
		r->leaf = true;
		r->pa = pgt_pte_addr(&pgt->geom, ctx->old);
		r->prot = leaf_prot(pgt, ctx->old);
		r->young = ctx->old & PGT_PTE_AF;
		return true;
	}
	if (pgt->stage == PGT_STAGE_2 && !pgt_pte_valid(ctx->old))
		r->owner = pgt_s2_pte_owner(ctx->old);
	return r->owner;
}

static bool range_continues(const struct pgt_range *a, const struct pgt_range *b)
{
	if (!a->entries || a->end != b->start || a->level != b->level || a->leaf != b->leaf)
		return false;
	if (!a->leaf)
		return a->owner == b->owner;
	return a->pa + (a->end - a->start) == b->pa && a->prot == b->prot &&
	       a->young == b->young;
}

static void range_flush(struct range_walk *w)
{
	if (w->cur.entries && !w->err)
		w->err = w->fn(&w->cur, w->arg);
	w->cur.entries = 0;
}

static struct pgt_action range_visit(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	struct range_walk *w = ctx->arg;
	struct pgt_range r;

	(void)visit;
	if (!entry_range(ctx, &r)) {
		range_flush(w);
	} else if (range_continues(&w->cur, &r)) {
		w->cur.end = r.end;
		w->cur.entries++;
	} else {
		range_flush(w);
		w->cur = r;
	}
	return w->err ? pgt_exit(w->err) : pgt_continue();
}

int pgt_for_each_range(struct pgt *pgt, pgt_range_fn fn, void *arg)
{
	struct range_walk w = { .fn = fn, .arg = arg };
	struct pgt_walker walker = { .cb = range_visit, .arg = &w, .flags = PGT_WALK_LEAF };
	int ret = pgt_walk(pgt, 0, 1ULL << pgt->geom.ia_bits, &walker);

	range_flush(&w);
	return ret ? ret : w.err;
}

/* ---- Printing ---- */

/* @size in the largest unit that divides it: "12K", "2M", "1536M", "1G". */
static const char *size_str(u64 size, char buf[24])
{
	static const char units[] = "KMGTPE";
	char tmp[24];
	int unit = -1, n = 0, i = 0;

	while (unit < 5 && size && !(size & 1023)) {
		size >>= 10;
		unit++;
	}
	do {
		tmp[n++] = '0' + size % 10;
		size /= 10;
	} while (size);
	while (n)
		buf[i++] = tmp[--n];
	if (unit >= 0)
		buf[i++] = units[unit];
	buf[i] = '\0';
	return buf;
}

static const char *prot_str(u32 prot, char buf[8])
{
	buf[0] = prot & PGT_PROT_R ? 'r' : '-';
	buf[1] = prot & PGT_PROT_W ? 'w' : '-';
	buf[2] = prot & PGT_PROT_X ? 'x' : '-';
	buf[3] = '\0';
	return buf;
}

struct show_state {
	FILE *out;
	u64 mapped;
	u64 ranges;
};

static const char *leaf_kind(const struct pgt_range *r)
{
	return r->level == PGT_MAX_LEVEL ? "page" : "block";
}

static int show_range(const struct pgt_range *r, void *arg)
{
	struct show_state *s = arg;
	char size[24], prot[8];

	s->ranges++;
	fprintf(s->out, "0x%016llx-0x%016llx %6s L%d ", (unsigned long long)r->start,
		(unsigned long long)r->end, size_str(r->end - r->start, size), r->level);
	if (!r->leaf) {
		fprintf(s->out, "owner  %u\n", r->owner);
		return 0;
	}
	s->mapped += r->end - r->start;
	fprintf(s->out, "%-6s %s %-6s -> 0x%llx", leaf_kind(r), prot_str(r->prot, prot),
		r->prot & PGT_PROT_DEVICE ? "device" : "normal", (unsigned long long)r->pa);
	if (!r->young)
		fprintf(s->out, " old");
	if (r->prot & PGT_PROT_SW_MASK)
		fprintf(s->out, " sw=0x%x", (r->prot & PGT_PROT_SW_MASK) / PGT_PROT_SW0);
	fputc('\n', s->out);
	return 0;
}

int pgt_hosted_show(FILE *out, struct pgt *pgt)
{
	struct show_state s = { .out = out };
	int ret;

	fprintf(out, "show %s, %uK granule, %u-bit %s, start level %d, %u root page%s at 0x%llx\n",
		pgt->stage == PGT_STAGE_HYP ? "EL2 stage 1" : "stage 2",
		pgt_page_size(&pgt->geom) >> 10, pgt->geom.ia_bits,
		pgt->stage == PGT_STAGE_HYP ? "VA" : "IPA", pgt->geom.start_level,
		pgt->geom.root_pages, pgt->geom.root_pages > 1 ? "s" : "",
		(unsigned long long)pgt->root_phys);
	ret = pgt_for_each_range(pgt, show_range, &s);
	fprintf(out, "end: %llu range%s, 0x%llx bytes mapped\n", (unsigned long long)s.ranges,
		s.ranges == 1 ? "" : "s", (unsigned long long)s.mapped);
	return ret;
}
