// SPDX-License-Identifier: GPL-2.0-only
/*
 * dump_json.c - "dump --json": one tree as one line of JSON, for scripts.
 * It holds what "show" prints (the merged "ranges") and what "dump" prints
 * (every non-zero descriptor, in "entries", depth first in address order).
 * Addresses and descriptors are "0x..." strings: JSON numbers lose bits
 * above 2^53 in most readers.  Documentation/pgtable-tool.rst has the schema.
 */
#include "replay.h"

struct json_out {
	FILE *out;
	const char *sep;	/* "" before the first element of a list, then "," */
};

static void hex(FILE *out, const char *key, u64 v)
{
	fprintf(out, ",\"%s\":\"0x%llx\"", key, (unsigned long long)v);
}

static void prot_field(FILE *out, u32 prot)
{
	char letters[8];

	fprintf(out, ",\"prot\":\"%s\",\"memtype\":\"%s\"",
		prot_letters(prot & (PGT_PROT_R | PGT_PROT_W | PGT_PROT_X), letters),
		prot & PGT_PROT_DEVICE ? "device" : "normal");
}

static int json_range(const struct pgt_range *r, void *arg)
{
	struct json_out *j = arg;

	fprintf(j->out, "%s{\"start\":\"0x%llx\"", j->sep, (unsigned long long)r->start);
	j->sep = ",";
	hex(j->out, "end", r->end);
	hex(j->out, "size", r->end - r->start);
	fprintf(j->out, ",\"level\":%d,\"entries\":%llu", r->level,
		(unsigned long long)r->entries);
	if (!r->leaf) {
		fprintf(j->out, ",\"kind\":\"owner\",\"owner\":%u}", r->owner);
		return 0;
	}
	fprintf(j->out, ",\"kind\":\"%s\"", r->level == PGT_MAX_LEVEL ? "page" : "block");
	hex(j->out, "pa", r->pa);
	prot_field(j->out, r->prot);
	fprintf(j->out, ",\"young\":%s,\"sw\":%u}", r->young ? "true" : "false",
		(r->prot & PGT_PROT_SW_MASK) / PGT_PROT_SW0);
	return 0;
}

static const char *entry_kind(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	if (visit == PGT_WALK_TABLE_PRE)
		return "table";
	if (pgt_pte_is_leaf(ctx->old, ctx->level))
		return ctx->level == PGT_MAX_LEVEL ? "page" : "block";
	if (ctx->pgt->stage == PGT_STAGE_2 && pgt_s2_pte_owner(ctx->old))
		return "owner";
	return "invalid";
}

static struct pgt_action json_entry(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	struct json_out *j = ctx->arg;

	if (!ctx->old)
		return pgt_continue();
	fprintf(j->out, "%s{\"ia\":\"0x%llx\",\"level\":%d,\"kind\":\"%s\"", j->sep,
		(unsigned long long)pgt_ctx_entry_start(ctx), ctx->level, entry_kind(ctx, visit));
	j->sep = ",";
	hex(j->out, "pte", ctx->old);
	if (visit == PGT_WALK_TABLE_PRE)
		hex(j->out, "next", pgt_pte_addr(&ctx->pgt->geom, ctx->old));
	fputc('}', j->out);
	return pgt_continue();
}

static void header(FILE *out, const struct pgt *pgt)
{
	bool hyp = pgt->stage == PGT_STAGE_HYP;

	fprintf(out, "{\"stage\":\"%s\",\"granule\":%u,\"ia_bits\":%u,\"pa_bits\":%u",
		hyp ? "hyp" : "stage2", pgt_page_size(&pgt->geom), pgt->geom.ia_bits,
		pgt->pa_bits);
	fprintf(out, ",\"start_level\":%d,\"root_pages\":%u", pgt->geom.start_level,
		pgt->geom.root_pages);
	hex(out, "root", pgt->root_phys);
	hex(out, hyp ? "tcr" : "vtcr", pgt->ctrl);
	if (!hyp)
		fprintf(out, ",\"fwb\":%s", pgt->flags & PGT_S2_FWB ? "true" : "false");
}

int dump_json(FILE *out, struct pgt *pgt)
{
	struct json_out j = { .out = out, .sep = "" };
	struct pgt_walker walker = {
		.cb = json_entry, .arg = &j, .flags = PGT_WALK_TABLE_PRE | PGT_WALK_LEAF,
	};
	int ret;

	header(out, pgt);
	fputs(",\"ranges\":[", out);
	ret = pgt_for_each_range(pgt, json_range, &j);
	fputs("],\"entries\":[", out);
	j.sep = "";
	if (!ret)
		ret = pgt_walk(pgt, 0, 1ULL << pgt->geom.ia_bits, &walker);
	fputs("]}\n", out);
	return ret;
}
