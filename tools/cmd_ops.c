// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_ops.c - the table operations: one library call each.  Table pages
 * for map and owner come straight from the arena (a NULL memory cache); a
 * split runs from r->mc, topped up first to exactly what it needs.
 */
#include "replay.h"

int cmd_map(struct replay *r, struct cmd_args *a)
{
	if (r->pgt.stage == PGT_STAGE_HYP)
		return pgt_hyp_map(&r->pgt, a->num[0], a->num[1], a->num[2], a->prot);
	return pgt_stage2_map(&r->pgt, a->num[0], a->num[1], a->num[2], a->prot, NULL, 0);
}

int cmd_unmap(struct replay *r, struct cmd_args *a)
{
	u64 unmapped = 0;
	int ret;

	if (r->pgt.stage == PGT_STAGE_2)
		return pgt_stage2_unmap(&r->pgt, a->num[0], a->num[1]);
	ret = pgt_hyp_unmap(&r->pgt, a->num[0], a->num[1], &unmapped);
	if (!ret)
		replay_extra(a, "unmapped=0x%llx", (unsigned long long)unmapped);
	return ret;
}

int cmd_wrprotect(struct replay *r, struct cmd_args *a)
{
	return pgt_stage2_wrprotect(&r->pgt, a->num[0], a->num[1]);
}

int cmd_mkyoung(struct replay *r, struct cmd_args *a)
{
	return pgt_stage2_mkyoung(&r->pgt, a->num[0], 0);
}

int cmd_mkold(struct replay *r, struct cmd_args *a)
{
	int ret = pgt_stage2_test_clear_young(&r->pgt, a->num[0], a->num[1], true, 0);

	if (ret < 0)
		return ret;
	replay_extra(a, "young=%d", ret ? 1 : 0);
	return 0;
}

int cmd_relax(struct replay *r, struct cmd_args *a)
{
	return pgt_stage2_relax_perms(&r->pgt, a->num[0], a->prot, 0);
}

/* Pages that map one block at @level with pages only: one table per level below. */
static u64 split_tables(const struct pgt_geometry *geom, pgt_s8 level)
{
	u64 tables = 0, per_level = 1;

	for (level++; level <= PGT_MAX_LEVEL; level++) {
		tables += per_level;
		per_level *= pgt_table_entries(geom);
	}
	return tables;
}

static struct pgt_action count_split(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	u64 *tables = ctx->arg;

	(void)visit;
	if (ctx->level < PGT_MAX_LEVEL && pgt_pte_is_leaf(ctx->old, ctx->level))
		*tables += split_tables(&ctx->pgt->geom, ctx->level);
	return pgt_continue();
}

/* Top r->mc up to the pages splitting every block in the range takes. */
static void split_topup(struct replay *r, u64 addr, u64 size)
{
	u64 tables = 0;
	struct pgt_walker walker = { .cb = count_split, .arg = &tables, .flags = PGT_WALK_LEAF };

	if (pgt_walk(&r->pgt, addr, size, &walker))
		return;		/* bad range: the split itself reports it */
	if (tables > 0xffffffffULL)
		tables = 0xffffffffULL;
	/* Running out here is no error yet: the split answers -ENOMEM itself. */
	pgt_memcache_topup(&r->mc, r->mm, pgt_page_size(&r->pgt.geom), tables);
}

int cmd_split(struct replay *r, struct cmd_args *a)
{
	split_topup(r, a->num[0], a->num[1]);
	return pgt_stage2_split(&r->pgt, a->num[0], a->num[1], &r->mc);
}

int cmd_owner(struct replay *r, struct cmd_args *a)
{
	if (a->num[2] > 0xffffffffULL)
		return -EINVAL;
	return pgt_stage2_set_owner(&r->pgt, a->num[0], a->num[1], a->num[2], NULL);
}

int cmd_flush(struct replay *r, struct cmd_args *a)
{
	return pgt_stage2_flush(&r->pgt, a->num[0], a->num[1]);
}
