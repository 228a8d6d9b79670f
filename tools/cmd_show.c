// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_show.c - "translate" (the library's own lookup and decoders), "dump"
 * (raw descriptors, or JSON), "show" (merged ranges, for people) and
 * "stats" (the home's counters).
 */
#include <string.h>

#include "dump.h"
#include "replay.h"

static u32 leaf_prot(const struct pgt *pgt, pgt_pte_t pte)
{
	if (pgt->stage == PGT_STAGE_HYP)
		return pgt_hyp_pte_prot(pte);
	return pgt_s2_pte_prot(pte, pgt->flags & PGT_S2_FWB);
}

static void describe_leaf(struct replay *r, struct cmd_args *a, pgt_pte_t pte, pgt_s8 level)
{
	const struct pgt_geometry *geom = &r->pgt.geom;
	u64 size = pgt_level_size(geom, level);
	u64 pa = pgt_pte_addr(geom, pte) | (a->num[0] & (size - 1));
	char prot[8];

	replay_extra(a, "pa=0x%llx prot=%s level=%d size=0x%llx", (unsigned long long)pa,
		     prot_letters(leaf_prot(&r->pgt, pte) & ~PGT_PROT_SW_MASK, prot), level,
		     (unsigned long long)size);
}

int cmd_translate(struct replay *r, struct cmd_args *a)
{
	pgt_pte_t pte;
	pgt_s8 level;
	int ret = pgt_get_leaf(&r->pgt, a->num[0], &pte, &level);

	if (ret)
		return ret;
	if (pgt_pte_is_leaf(pte, level) && !(pte & PGT_PTE_AF))
		replay_extra(a, "fault=access level=%d", level);
	else if (pgt_pte_is_leaf(pte, level))
		describe_leaf(r, a, pte, level);
	else if (r->pgt.stage == PGT_STAGE_2 && pgt_s2_pte_owner(pte))
		replay_extra(a, "owner=%u level=%d", pgt_s2_pte_owner(pte), level);
	else
		replay_extra(a, "fault=translation level=%d", level);
	return 0;
}

static struct pgt_action count_tables(const struct pgt_visit_ctx *ctx, enum pgt_walk_flags visit)
{
	u64 *tables = ctx->arg;

	(void)visit;
	(*tables)++;
	return pgt_continue();
}

/* Root pages plus every table reachable from them. */
static u64 table_pages(struct replay *r)
{
	u64 tables = 0;
	struct pgt_walker walker = {
		.cb = count_tables, .arg = &tables, .flags = PGT_WALK_TABLE_PRE,
	};

	if (!r->have_table)
		return 0;
	pgt_walk(&r->pgt, 0, 1ULL << r->pgt.geom.ia_bits, &walker);
	return tables + r->pgt.geom.root_pages;
}

static unsigned long long cached_pages(const struct replay *r)
{
	return (unsigned long long)r->mc.nr + r->mem_pool.nr + r->dev_pool.nr;
}

/* dump [--json]: num[3] says JSON. */
bool cmd_parse_dump(struct replay *r, struct cmd_args *a, char **tok, int ntok)
{
	bool json = ntok == 2 && !strcmp(tok[1], "--json");

	if (ntok != 1 && !json)
		return replay_fail(r, "dump: expected 'dump [--json]'");
	a->num[3] = json;
	snprintf(a->echo, sizeof(a->echo), "dump%s", json ? " --json" : "");
	return true;
}

/*
 * "dump": the raw descriptors (test/dump_raw.c), the form any walker can
 * read; "dump --json" the same tree for scripts (tools/dump_json.c).
 */
int cmd_dump(struct replay *r, struct cmd_args *a)
{
	if (a->num[3])
		return dump_json(r->out, &r->pgt);
	return dump_raw(r->out, &r->pgt);
}

/* "show": merged ranges (hosted/show.c), what the kernel's debugfs prints too. */
int cmd_show(struct replay *r, struct cmd_args *a)
{
	(void)a;
	return pgt_hosted_show(r->out, &r->pgt);
}

int cmd_stats(struct replay *r, struct cmd_args *a)
{
	struct pgt_hosted_stats s;

	pgt_hosted_stats(r->home, &s);
	replay_extra(a, "table_pages=%llu tlbi=%llu tlbi_range=%llu cmo=%llu",
		     (unsigned long long)table_pages(r),
		     (unsigned long long)(s.tlbi_va_leaf + s.tlbi_va_table + s.tlbi_range +
					  s.tlbi_all),
		     (unsigned long long)s.tlbi_range,
		     (unsigned long long)(s.dcache_ops + s.icache_ops));
	replay_extra(a, " tlbi_va_leaf=%llu tlbi_va_table=%llu tlbi_all=%llu dcache=%llu icache=%llu",
		     (unsigned long long)s.tlbi_va_leaf, (unsigned long long)s.tlbi_va_table,
		     (unsigned long long)s.tlbi_all, (unsigned long long)s.dcache_ops,
		     (unsigned long long)s.icache_ops);
	replay_extra(a, " cached_pages=%llu frames=%llu peak_frames=%llu allocs=%llu frees=%llu",
		     cached_pages(r), (unsigned long long)s.frames_in_use,
		     (unsigned long long)s.peak_frames, (unsigned long long)s.allocs,
		     (unsigned long long)s.frees);
	return 0;
}
