// SPDX-License-Identifier: GPL-2.0-only
/*
 * dump.c - a readable listing of a tree, built on the library's walker.
 */
#include "dump.h"

const char *dump_prot_str(u32 prot, char buf[8])
{
	buf[0] = prot & PGT_PROT_R ? 'r' : '-';
	buf[1] = prot & PGT_PROT_W ? 'w' : '-';
	buf[2] = prot & PGT_PROT_X ? 'x' : '-';
	buf[3] = prot & PGT_PROT_DEVICE ? 'd' : '-';
	buf[4] = '\0';
	return buf;
}

/* Consecutive leaves that continue each other print as one line. */
struct leaf_run {
	FILE *out;
	int indent;
	pgt_s8 level;
	u64 start, end, pa;
	u32 prot;
	u64 count;
};

static void run_flush(struct leaf_run *run)
{
	char prot[8];

	if (!run->count)
		return;
	fprintf(run->out, "%*sL%d [0x%012llx-0x%012llx) ", run->indent, "", run->level,
		(unsigned long long)run->start, (unsigned long long)run->end);
	fprintf(run->out, "%s 0x%llx %s", run->level == PGT_MAX_LEVEL ? "page " : "block",
		(unsigned long long)run->pa, dump_prot_str(run->prot, prot));
	if (run->count > 1)
		fprintf(run->out, " (%llu %s)", (unsigned long long)run->count,
			run->level == PGT_MAX_LEVEL ? "pages" : "blocks");
	fputc('\n', run->out);
	run->count = 0;
}

static bool run_extends(const struct leaf_run *run, pgt_s8 level, u64 start, u64 pa, u32 prot)
{
	return run->count && run->level == level && run->end == start &&
	       run->pa + (start - run->start) == pa && run->prot == prot;
}

static void run_add_leaf(struct leaf_run *run, const struct pgt_visit_ctx *ctx, int indent)
{
	const struct pgt_geometry *geom = &ctx->pgt->geom;
	u64 start = pgt_ctx_entry_start(ctx), pa = pgt_pte_addr(geom, ctx->old);
	u32 prot = pgt_leaf_prot(ctx->pgt, ctx->old);

	if (!run_extends(run, ctx->level, start, pa, prot)) {
		run_flush(run);
		*run = (struct leaf_run){ .out = run->out, .indent = indent, .level = ctx->level,
					  .start = start, .pa = pa, .prot = prot };
	}
	run->end = start + pgt_ctx_entry_size(ctx);
	run->count++;
}

static void dump_entry(struct leaf_run *run, const struct pgt_visit_ctx *ctx,
		       enum pgt_walk_flags visit)
{
	const struct pgt_geometry *geom = &ctx->pgt->geom;
	u64 start = pgt_ctx_entry_start(ctx), size = pgt_ctx_entry_size(ctx);
	int indent = 2 * (ctx->level - geom->start_level);

	if (visit == PGT_WALK_LEAF && pgt_pte_is_leaf(ctx->old, ctx->level)) {
		run_add_leaf(run, ctx, indent);
		return;
	}
	run_flush(run);
	fprintf(run->out, "%*sL%d [0x%012llx-0x%012llx) ", indent, "", ctx->level,
		(unsigned long long)start, (unsigned long long)(start + size));
	if (visit == PGT_WALK_TABLE_PRE)
		fprintf(run->out, "table -> 0x%llx\n",
			(unsigned long long)pgt_pte_addr(geom, ctx->old));
	else if (ctx->pgt->stage == PGT_STAGE_2 && pgt_s2_pte_owner(ctx->old))
		fprintf(run->out, "owner %u\n", pgt_s2_pte_owner(ctx->old));
	else
		fprintf(run->out, "invalid 0x%016llx\n", (unsigned long long)ctx->old);
}

static struct pgt_action dump_visitor(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	if (ctx->old)
		dump_entry(ctx->arg, ctx, visit);
	return pgt_continue();
}

void dump_readable(FILE *out, struct pgt *pgt)
{
	struct leaf_run run = { .out = out };
	struct pgt_walker walker = {
		.cb = dump_visitor,
		.arg = &run,
		.flags = PGT_WALK_TABLE_PRE | PGT_WALK_LEAF,
	};

	fprintf(out, "%s: %uK granule, %u-bit input, start level %d, ",
		pgt->stage == PGT_STAGE_HYP ? "EL2 stage 1" : "stage 2",
		pgt_page_size(&pgt->geom) >> 10, pgt->geom.ia_bits, pgt->geom.start_level);
	fprintf(out, "root 0x%llx (%u page%s), %s 0x%llx\n",
		(unsigned long long)pgt->root_phys, pgt->geom.root_pages,
		pgt->geom.root_pages > 1 ? "s" : "",
		pgt->stage == PGT_STAGE_HYP ? "TCR_EL2" : "VTCR_EL2",
		(unsigned long long)pgt->ctrl);
	pgt_walk(pgt, 0, 1ULL << pgt->geom.ia_bits, &walker);
	run_flush(&run);
}
