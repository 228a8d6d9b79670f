// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_table.c - "stage2" and "hyp": a new table in place of the current one.
 */
#include <stdio.h>
#include <string.h>

#include "replay.h"

enum table_opt { OPT_BITS, OPT_GRANULE, OPT_PA, OPT_FWB, OPT_PAGES, OPT_NR };

/* Option names, in enum table_opt order; "va" replaces "ia" for hyp. */
static const char *const s2_opts[OPT_NR] = { "ia", "granule", "pa", "fwb", "pages" };
static const char *const hyp_opts[OPT_NR] = { "va", "granule", "pa", NULL, NULL };

/* An address size; the library decides which are valid, we only bound it. */
bool table_opt_bits(struct replay *r, const char *key, const char *val, u32 *out)
{
	u64 v;

	if (!parse_u64(val, &v))
		return replay_fail(r, "%s=%s: not a number", key, val);
	if (v > 64)
		return replay_fail(r, "%s=%s: more than 64 bits", key, val);
	*out = v;
	return true;
}

bool table_opt_granule(struct replay *r, const char *val, u32 *shift)
{
	return parse_granule(val, shift) ||
	       replay_fail(r, "granule=%s: not 4k, 16k or 64k", val);
}

static int find_opt(const char *const *names, const char *key)
{
	int i;

	for (i = 0; i < OPT_NR; i++)
		if (names[i] && !strcmp(names[i], key))
			return i;
	return -1;
}

static bool set_opt(struct replay *r, struct pgt_config *cfg, int opt, const char *key,
		    const char *val)
{
	switch (opt) {
	case OPT_BITS:
		return table_opt_bits(r, key, val, &cfg->ia_bits);
	case OPT_GRANULE:
		return table_opt_granule(r, val, &cfg->granule_shift);
	case OPT_PA:
		return table_opt_bits(r, key, val, &cfg->pa_bits);
	case OPT_FWB:
		cfg->flags |= PGT_S2_FWB;
		return true;
	default:
		cfg->flags |= PGT_S2_FORCE_PAGES;
		return true;
	}
}

/* One word: key=value for sizes and the granule, a bare word for flags. */
static bool parse_opt(struct replay *r, const char *const *names, struct pgt_config *cfg,
		      char *word, u32 *seen)
{
	char *val = strchr(word, '=');
	int opt;

	if (val)
		*val++ = '\0';
	opt = find_opt(names, word);
	if (opt < 0)
		return replay_fail(r, "unknown option '%s'", word);
	if (*seen & (1u << opt))
		return replay_fail(r, "option '%s' given twice", word);
	*seen |= 1u << opt;
	if ((opt < OPT_FWB) != !!val)
		return replay_fail(r, val ? "option '%s' takes no value" :
				   "option '%s' needs a value", word);
	return set_opt(r, cfg, opt, word, val);
}

static bool parse_table(struct replay *r, struct cmd_args *a, char **tok, int ntok,
			const char *const *names)
{
	u32 seen = 0;
	int i;

	a->cfg = (struct pgt_config){ .granule_shift = PGT_GRANULE_4K, .pa_bits = 48 };
	for (i = 1; i < ntok; i++)
		if (!parse_opt(r, names, &a->cfg, tok[i], &seen))
			return false;
	if (!(seen & (1u << OPT_BITS)))
		return replay_fail(r, "%s: %s=<bits> is missing", tok[0], names[OPT_BITS]);
	snprintf(a->echo, sizeof(a->echo), "%s %s=%u granule=%s pa=%u%s%s", tok[0],
		 names[OPT_BITS], a->cfg.ia_bits, granule_name(a->cfg.granule_shift),
		 a->cfg.pa_bits, a->cfg.flags & PGT_S2_FWB ? " fwb" : "",
		 a->cfg.flags & PGT_S2_FORCE_PAGES ? " pages" : "");
	return true;
}

bool cmd_parse_stage2(struct replay *r, struct cmd_args *a, char **tok, int ntok)
{
	return parse_table(r, a, tok, ntok, s2_opts);
}

bool cmd_parse_hyp(struct replay *r, struct cmd_args *a, char **tok, int ntok)
{
	return parse_table(r, a, tok, ntok, hyp_opts);
}

static void free_caches(struct replay *r)
{
	pgt_memcache_free(&r->mc, r->mm);
	pgt_memcache_free(&r->mem_pool, r->mm);
	pgt_memcache_free(&r->dev_pool, r->mm);
	r->mc = (struct pgt_memcache){ 0 };
	r->mem_pool = (struct pgt_memcache){ 0 };
	r->dev_pool = (struct pgt_memcache){ 0 };
}

/* Destroy the current table, if any, and give the cached pages back. */
void replay_drop_table(struct replay *r)
{
	if (r->have_table) {
		if (r->pgt.stage == PGT_STAGE_2)
			pgt_stage2_destroy(&r->pgt);
		else
			pgt_hyp_destroy(&r->pgt);
	}
	r->have_table = false;
	free_caches(r);
	pgt_hosted_synchronize(r->home);
}

/* The counters of "stats" restart with every new table. */
static void new_table(struct replay *r)
{
	replay_drop_table(r);
	pgt_hosted_stats_reset(r->home);
	memset(&r->pgt, 0, sizeof(r->pgt));
}

int cmd_stage2(struct replay *r, struct cmd_args *a)
{
	int ret;

	new_table(r);
	ret = pgt_stage2_init(&r->pgt, &a->cfg, r->mm, r);
	r->have_table = !ret;
	return ret;
}

int cmd_hyp(struct replay *r, struct cmd_args *a)
{
	int ret;

	new_table(r);
	ret = pgt_hyp_init(&r->pgt, &a->cfg, r->mm);
	r->have_table = !ret;
	return ret;
}
